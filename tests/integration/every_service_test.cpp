// One real action per service through POST /v1/services/{name}/execute on a real node: the
// fifteen services are wired into the mesh, reachable by name, and answer with real outputs.
#include <catch2/catch.hpp>

#include "tests/support/node_process.hpp"

using xyn::test::node_process;
using json = nlohmann::json;

TEST_CASE("every service runs one action through the admin port", "[integration]") {
  node_process n;
  n.start();
  struct call {
    const char* service;
    const char* action;
    json params;
    const char* output_field;  // a field the real output must have
  };
  std::vector<call> calls = {
      {"ai-assistant",
       "remember",
       {{"conversation", "c1"}, {"text", "Launch the spring campaign"}},
       "turn"},
      {"marketing-engine",
       "create_campaign",
       {{"name", "Spring"}, {"product", "Solar Lamp"}, {"channels", {"email"}}, {"budget", 250000}},
       "id"},
      {"content-hub", "create", {{"title", "Spring"}, {"body", "Solar lamps are here"}}, "id"},
      {"analytics-data-layer",
       "ingest",
       {{"events", {{{"type", "visit"}, {"dimensions", {{"page", "home"}}}, {"value", 1}}}}},
       "ingested"},
      {"project-management", "create_project", {{"name", "Launch"}}, "id"},
      {"qa-engine",
       "check",
       {{"text", "The little cat sat. It was happy."}},
       "flesch_reading_ease"},
      {"reports-export",
       "render",
       {{"title", "Sales"},
        {"columns", {"name", "amount"}},
        {"rows", json::array({json::array({"Acme, Inc.", 12.5})})},
        {"format", "csv"}},
       "content"},
      {"scheduler-automation-engine", "next_runs", {{"cron", "0 9 * * 1"}, {"count", 2}}, "runs"},
      {"secrets-config",
       "set_config",
       {{"key", "mail/from"}, {"value", "ops@acme.test"}},
       "version"},
      {"security-governance",
       "scan_text",
       {{"text", "key AKIAIOSFODNN7EXAMPLE in a note"}},
       "findings"},
      {"system-runtime", "node_info", json::object(), "uptime_ms"},
      {"platform-dashboard", "status", json::object(), "services"},
      {"xynergy-competency-engine",
       "add_person",
       {{"name", "Alice"}, {"skills", {{"cpp", 5}}}},
       "id"},
      {"ai-routing-engine",
       "route",
       {{"prompt", "write a tagline"}, {"policy", "cheapest"}},
       "provider"},
      {"internal-ai-service",
       "keywords",
       {{"text", "solar lamps light solar gardens at night"}},
       "keywords"},
  };
  REQUIRE(calls.size() == 15);
  for (const auto& c : calls) {
    INFO(c.service << " " << c.action);
    auto r = n.post(std::string("/v1/services/") + c.service + "/execute",
                    {{"action", c.action}, {"params", c.params}, {"tenant", "it-all"}});
    REQUIRE(r.status == 200);
    INFO(r.raw);
    CHECK(r.body["status"] == "ok");
    CHECK(r.body["service"] == c.service);
    CHECK(r.body["output"].contains(c.output_field));
  }
  auto csv = n.post("/v1/services/reports-export/execute",
                    {{"action", "render"},
                     {"params",
                      {{"title", "T"},
                       {"columns", {"a"}},
                       {"rows", json::array({json::array({"x,\"y\""})})},
                       {"format", "csv"}}}});
  CHECK(csv.body["output"]["content"].get<std::string>().find("\"x,\"\"y\"\"\"") !=
        std::string::npos);
}

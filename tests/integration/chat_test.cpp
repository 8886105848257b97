// POST /v1/chat against a real node: a conversation starts a product launch in plain words,
// asks how "it" is doing and cancels "it"; the context survives a restart of the node; bad
// bodies are 400s. The first step is slowed with a latency fault so the run is still going
// when the status question and the cancel arrive.
#include <catch2/catch.hpp>

#include "tests/support/node_process.hpp"

using xyn::test::node_process;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

json chat(const node_process& n, const std::string& conversation, const std::string& text) {
  auto a = n.post("/v1/chat", {{"conversation", conversation}, {"text", text}, {"tenant", "acme"}});
  INFO(text << " -> " << a.raw);
  REQUIRE(a.status == 200);
  return a.body;
}

}  // namespace

TEST_CASE("chat: start a product launch, ask its status, cancel it", "[integration][chat]") {
  node_process n;
  n.start();
  // The launch's first step (marketing-engine generate_copy) waits 3 s.
  REQUIRE(n.post("/v1/faults", {{"service", "marketing-engine"},
                                {"kind", "latency"},
                                {"latency_ms", 3000},
                                {"count", 1}})
              .status == 201);

  auto r = chat(n, "c1", "Launch our new product Vega Watch with a $25,000 budget on LinkedIn");
  CHECK(r["intent"] == "start_workflow");
  CHECK(r["template"] == "product_launch");
  CHECK(r["params"] ==
        json{{"product", "Vega Watch"}, {"budget", 25000}, {"channels", {"linkedin"}}});
  CHECK(r["missing"] == json::array());
  REQUIRE(r["workflow_id"].is_string());
  auto id = r["workflow_id"].get<std::string>();
  CHECK(r["confidence"].get<double>() > 0.3);
  CHECK_FALSE(r.contains("act"));

  auto run = n.get("/v1/workflows/" + id);
  REQUIRE(run.status == 200);
  CHECK(run.body["tenant"] == "acme");
  CHECK(run.body["template"] == "product_launch");
  CHECK(run.body["input"]["budget"] == 2500000);
  CHECK(run.body["input"]["product"] == "Vega Watch");

  r = chat(n, "c1", "what's the status of that?");
  CHECK(r["intent"] == "workflow_status");
  CHECK(r["workflow_id"] == id);
  CHECK(r["reply"].get<std::string>().find("running") != std::string::npos);
  CHECK(r["reply"].get<std::string>().find("of 8 steps") != std::string::npos);

  r = chat(n, "c1", "cancel it");
  CHECK(r["intent"] == "cancel_workflow");
  CHECK(r["workflow_id"] == id);
  REQUIRE(node_process::eventually(
      [&] {
        auto s = n.get("/v1/workflows/" + id).body.value("status", "");
        return s == "cancelled" || s == "rolled_back";
      },
      15s));

  // The conversation is kept: another list shows the run; a second cancel says it finished.
  r = chat(n, "c1", "cancel it");
  CHECK(r["reply"].get<std::string>().find("already finished") != std::string::npos);
  r = chat(n, "c1", "list my workflows");
  CHECK(r["intent"] == "list_workflows");
  CHECK(r["reply"].get<std::string>().find(id) != std::string::npos);
}

TEST_CASE("chat: questions are asked, answers fill them, and context survives a restart",
          "[integration][chat]") {
  node_process n;
  n.start();
  auto r = chat(n, "c2", "I'd like to kick off a new project");
  CHECK(r["template"] == "project_kickoff");
  CHECK(r["missing"] == json{"project", "start"});
  CHECK(r["workflow_id"].is_null());

  n.terminate();
  n.start();
  r = chat(n, "c2", "It's called Apollo");
  CHECK(r["params"] == json{{"project", "Apollo"}});
  CHECK(r["missing"] == json{"start"});
  r = chat(n, "c2", "next month");
  CHECK(r["missing"] == json::array());
  REQUIRE(r["workflow_id"].is_string());
  auto id = r["workflow_id"].get<std::string>();
  REQUIRE(node_process::eventually(
      [&] { return n.get("/v1/workflows/" + id).body.value("status", "") == "completed"; }, 15s));

  r = chat(n, "c2", "how many workflows completed?");
  CHECK(r["intent"] == "kpi_query");
  CHECK(r["reply"].get<std::string>().find("1 completed") != std::string::npos);
  r = chat(n, "c2", "are all services healthy?");
  CHECK(r["intent"] == "service_health");
  CHECK(r["reply"].get<std::string>().find("15 of 15 services are up") != std::string::npos);

  // The turns are in the assistant's memory.
  auto h =
      n.post("/v1/services/ai-assistant/execute",
             {{"action", "history"}, {"params", {{"conversation", "c2"}}}, {"tenant", "acme"}});
  CHECK(h.body["output"]["total"] == 10);
}

TEST_CASE("chat: nonsense is unknown, bad bodies are 400", "[integration][chat]") {
  node_process n;
  n.start();
  auto r = chat(n, "c3", "asdf qwerty zxcv");
  CHECK(r["intent"] == "unknown");
  CHECK(r["workflow_id"].is_null());
  CHECK(r["template"].is_null());
  CHECK(n.post("/v1/chat", {{"text", "hi"}}).status == 400);
  CHECK(n.post("/v1/chat", {{"conversation", "c3"}, {"text", 5}}).status == 400);
  CHECK(n.post("/v1/chat", {{"conversation", "bad id!"}, {"text", "hi"}}).status == 400);
  CHECK(n.post("/v1/chat", {{"conversation", "c3"}, {"text", ""}}).status == 400);
  CHECK(n.request("POST", "/v1/chat", "{not json").status == 400);
}

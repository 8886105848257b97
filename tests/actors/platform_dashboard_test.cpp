#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_platform_dashboard());
}
}  // namespace

TEST_CASE("platform-dashboard: status is built from node facts") {
  auto h = make();
  h.facts().service_names = {"a", "b", "c"};
  h.facts().started_at_ms = h.now_ms - 5000;
  auto s = h.ok("status", json::object(), "acme");
  CHECK(s["node"]["name"] == "test-node");
  CHECK(s["node"]["uptime_ms"] == 5000);
  CHECK(s["services"]["count"] == 3);
  CHECK(s["services"]["names"] == json({"a", "b", "c"}));
  CHECK(s["tenant"] == "acme");
  CHECK(s["overall"] == "ok");
  CHECK(s["notices"] == json::array());
  CHECK(s["generated_at_utc"] == "2023-11-14T22:13:20Z");
  // Only what is known: without the node's hooks, no workflow figures and no health alerts.
  CHECK_FALSE(s.contains("workflows"));
  CHECK(s["alerts"] == json::array());
}

TEST_CASE("platform-dashboard: notices, most severe first, dismiss and restore undo each other") {
  auto h = make();
  auto info = h.ok("post_notice", {{"message", "New reports are available"}});
  auto crit = h.ok("post_notice", {{"message", "Payments are down"}, {"level", "critical"}});
  h.ok("post_notice", {{"message", "Maintenance on Sunday"}, {"level", "warning"}});
  auto s = h.ok("status", json::object());
  REQUIRE(s["notices"].size() == 3);
  CHECK(s["notices"][0]["level"] == "critical");
  CHECK(s["notices"][1]["level"] == "warning");
  CHECK(s["notices"][2]["id"] == info["id"]);
  CHECK(s["overall"] == "critical");
  CHECK(h.service().find("post_notice")->compensation == "dismiss_notice");
  h.ok("dismiss_notice", {{"id", crit["id"]}});
  CHECK(h.ok("status", json::object())["overall"] == "warning");
  CHECK(h.run("dismiss_notice", {{"id", crit["id"]}}).code == "not_found");
  h.ok("restore_notice", {{"id", crit["id"]}});
  CHECK(h.ok("status", json::object())["overall"] == "critical");
  CHECK(h.ok("status", json::object(), "globex")["notices"].empty());  // other tenant
}

TEST_CASE("platform-dashboard: bad params are invalid_params naming the field") {
  auto h = make();
  auto r = h.run("post_notice", {{"level", "info"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'message'") != std::string::npos);
  r = h.run("post_notice", {{"message", "x"}, {"level", "urgent"}});
  CHECK(r.message.find("'level'") != std::string::npos);
}

TEST_CASE("platform-dashboard: service health and workflow failures become alerts") {
  auto h = make();
  h.facts().service_health = [] {
    return json::array(
        {{{"name", "qa-engine"}, {"status", "up"}, {"restarts", 0}, {"last_error", ""}},
         {{"name", "content-hub"},
          {"status", "failed"},
          {"restarts", 6},
          {"last_error", "injected crash"}}});
  };
  std::string asked_tenant;
  h.facts().workflow_summary = [&](const std::string& tenant, size_t recent) {
    asked_tenant = tenant;
    CHECK(recent > 0);
    return json{{"counts", {{"running", 2}, {"completed", 5}, {"failed", 1}}},
                {"total", 8},
                {"recent_failures", json::array({{{"id", "wf-old"},
                                                  {"status", "failed"},
                                                  {"error", "boom"},
                                                  {"finished_at", h.now_ms - 24 * 3600 * 1000}},
                                                 {{"id", "wf-new"},
                                                  {"status", "rolled_back"},
                                                  {"error", "step pay: declined"},
                                                  {"finished_at", h.now_ms - 60 * 1000}}})}};
  };
  auto s = h.ok("status", json::object(), "acme");
  CHECK(asked_tenant == "acme");
  CHECK(s["services"]["up"] == 1);
  CHECK(s["services"]["health"].size() == 2);
  CHECK(s["workflows"]["counts"]["running"] == 2);
  REQUIRE(s["alerts"].size() == 2);  // the failed service and the fresh failure, not the old one
  CHECK(s["alerts"][0]["level"] == "critical");
  CHECK(s["alerts"][0]["subject"] == "content-hub");
  CHECK(s["alerts"][1]["subject"] == "wf-new");
  CHECK(s["overall"] == "critical");
}

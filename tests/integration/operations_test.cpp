// Operating a real node through its services: system-runtime restarts a service and drains the
// node, platform-dashboard reports live health and workflow figures.
#include <catch2/catch.hpp>

#include "tests/support/node_process.hpp"

using xyn::test::http_answer;
using xyn::test::node_process;
using json = nlohmann::json;

namespace {

http_answer execute(const node_process& n, const std::string& service, const std::string& action,
                    const json& params = json::object()) {
  return n.post("/v1/services/" + service + "/execute",
                {{"action", action}, {"params", params}, {"tenant", "ops"}});
}

int restarts_of(const node_process& n, const std::string& service) {
  auto r = n.get("/v1/services/" + service);
  return r.status == 200 ? r.body["restarts"].get<int>() : -1;
}

json nap_workflow(int64_t ms) {
  return {{"name", "nap"},
          {"version", "1"},
          {"steps", json::array({{{"id", "nap"}, {"kind", "sleep"}, {"duration_ms", ms}}})}};
}

std::string status_of(const node_process& n, const std::string& id) {
  auto r = n.get("/v1/workflows/" + id);
  return r.status == 200 ? r.body["status"].get<std::string>() : "";
}

}  // namespace

TEST_CASE("system-runtime restarts a service, and itself, without counting a crash",
          "[integration]") {
  node_process n;
  n.start();
  REQUIRE(restarts_of(n, "qa-engine") == 0);
  auto r = execute(n, "system-runtime", "restart_service", {{"service", "qa-engine"}});
  REQUIRE(r.status == 200);
  CHECK(r.body["output"]["restarting"] == true);
  CHECK(node_process::eventually([&] { return restarts_of(n, "qa-engine") == 1; }));
  // The restarted service answers, and a service may restart the one it runs in.
  auto check = execute(n, "qa-engine", "readability", {{"text", "The cat sat. It was happy."}});
  CHECK(check.body["status"] == "ok");
  REQUIRE(execute(n, "system-runtime", "restart_service", {{"service", "system-runtime"}}).status ==
          200);
  CHECK(node_process::eventually([&] { return restarts_of(n, "system-runtime") == 1; }));
  CHECK(node_process::eventually(
      [&] { return execute(n, "system-runtime", "clock").body["status"] == "ok"; }));
  auto unknown = execute(n, "system-runtime", "restart_service", {{"service", "no-such"}});
  CHECK(unknown.body["error"]["code"] == "not_found");
  // Operator restarts are not failures: the service never went to "failed".
  CHECK(n.get("/v1/services/qa-engine").body["status"] == "up");
}

TEST_CASE("a draining node starts no new workflows but finishes running ones", "[integration]") {
  node_process n;
  n.start();
  auto before = n.post("/v1/workflows", {{"definition", nap_workflow(1500)}});
  REQUIRE(before.status == 201);
  auto running = before.body["id"].get<std::string>();
  REQUIRE(execute(n, "system-runtime", "drain").body["output"]["draining"] == true);
  auto refused = n.post("/v1/workflows", {{"definition", nap_workflow(10)}});
  CHECK(refused.status == 503);
  CHECK(refused.raw.find("draining") != std::string::npos);
  CHECK(execute(n, "system-runtime", "node_info").body["output"]["draining"] == true);
  CHECK(node_process::eventually([&] { return status_of(n, running) == "completed"; },
                                 std::chrono::seconds(15)));
  REQUIRE(execute(n, "system-runtime", "undrain").body["output"]["was_draining"] == true);
  auto after = n.post("/v1/workflows", {{"definition", nap_workflow(10)}});
  CHECK(after.status == 201);
}

TEST_CASE("platform-dashboard shows live service health and the tenant's workflows",
          "[integration]") {
  // A service that gives up stays failed for 5 s, long enough to see it on the dashboard.
  node_process n({"--set", "services.intensity=2", "--set", "services.backoff_initial_ms=5000",
                  "--set", "services.backoff_max_ms=5000"});
  n.start();
  for (int i = 0; i < 3; ++i)
    REQUIRE(n.post("/v1/workflows", {{"definition", nap_workflow(10)}, {"tenant", "ops"}}).status ==
            201);
  auto doc = [&] { return execute(n, "platform-dashboard", "status").body["output"]; };
  CHECK(node_process::eventually([&] { return doc()["workflows"]["counts"]["completed"] == 3; }));
  auto d = doc();
  CHECK(d["services"]["up"] == 15);
  CHECK(d["services"]["health"].size() == 15);
  CHECK(d["overall"] == "ok");
  CHECK(d["alerts"] == json::array());
  CHECK(d["node"]["draining"] == false);
  // Crash content-hub past its restart intensity: it fails and becomes a critical alert.
  for (int i = 0; i < 20 && n.get("/v1/services/content-hub").body["status"] != "failed"; ++i) {
    n.post("/v1/faults", {{"service", "content-hub"}, {"kind", "crash"}});
    execute(n, "content-hub", "list");
    node_process::sleep_ms(50);
  }
  REQUIRE(n.get("/v1/services/content-hub").body["status"] == "failed");
  d = doc();
  REQUIRE(!d["alerts"].empty());
  CHECK(d["alerts"][0]["subject"] == "content-hub");
  CHECK(d["alerts"][0]["level"] == "critical");
  CHECK(d["overall"] == "critical");
}

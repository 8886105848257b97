// Crashing services through POST /v1/faults: they come back, and the node never goes down.
#include <catch2/catch.hpp>

#include "tests/support/node_process.hpp"

using xyn::test::node_process;
using json = nlohmann::json;

namespace {

json service(const node_process& n, const std::string& name) {
  auto r = n.get("/v1/services/" + name);
  REQUIRE(r.status == 200);
  return r.body;
}

json run(const node_process& n, const std::string& name, const std::string& action,
         const json& params) {
  auto r = n.post("/v1/services/" + name + "/execute", {{"action", action}, {"params", params}});
  REQUIRE(r.status == 200);
  return r.body;
}

bool has_event(const node_process& n, const std::string& topic, const std::string& svc) {
  auto r = n.get("/v1/events?topic=" + topic);
  for (const auto& e : r.body["events"])
    if (e["topic"] == topic && e["data"]["service"] == svc) return true;
  return false;
}

}  // namespace

TEST_CASE("a crashed service is restarted while the others keep answering", "[integration]") {
  node_process n;
  n.start();
  auto id = run(n, "content-hub", "create",
                {{"title", "Kept"}, {"body", "state lives in LMDB"}})["output"]["id"];
  REQUIRE(n.post("/v1/faults", {{"service", "content-hub"}, {"kind", "crash"}}).status == 201);
  auto crashed = run(n, "content-hub", "list", json::object());
  CHECK(crashed["status"] == "retryable");
  CHECK(crashed["error"]["code"] == "service_crashed");
  // Another service answered throughout.
  CHECK(run(n, "qa-engine", "check", {{"text", "Short and clear. Easy to read."}})["status"] ==
        "ok");
  REQUIRE(node_process::eventually([&] {
    auto s = service(n, "content-hub");
    return s["status"] == "up" && s["restarts"].get<int>() >= 1;
  }));
  auto got = run(n, "content-hub", "get", {{"id", id}});
  CHECK(got["status"] == "ok");
  CHECK(got["output"]["title"] == "Kept");
  CHECK(has_event(n, "service.restarted", "content-hub"));
  CHECK(has_event(n, "fault.injected", "content-hub"));
}

TEST_CASE("fifty crashes in a row: the service fails, backs off, and comes back", "[integration]") {
  node_process n({"--set", "services.intensity=5", "--set", "services.period_ms=10000", "--set",
                  "services.backoff_initial_ms=50", "--set", "services.backoff_max_ms=400"});
  n.start();
  int crashes = 0;
  bool saw_failed = false;
  while (crashes < 50) {
    // Wait out a backoff: a failed service takes no work until its supervisor retries.
    REQUIRE(node_process::eventually([&] {
      auto s = service(n, "content-hub");
      if (s["status"] == "failed") saw_failed = true;
      return s["status"] == "up";
    }));
    REQUIRE(n.post("/v1/faults", {{"service", "content-hub"}, {"kind", "crash"}}).status == 201);
    auto r = run(n, "content-hub", "list", json::object());
    if (r["error"]["code"] == "service_crashed") ++crashes;
    CHECK(n.get("/health").status == 200);
  }
  REQUIRE(node_process::eventually([&] { return service(n, "content-hub")["status"] == "up"; }));
  CHECK(run(n, "content-hub", "list", json::object())["status"] == "ok");
  CHECK(service(n, "content-hub")["restarts"].get<int>() >= 50);
  CHECK((saw_failed || has_event(n, "service.failed", "content-hub")));
  CHECK(has_event(n, "service.failed", "content-hub"));
  CHECK(has_event(n, "service.recovered", "content-hub"));
  // The rest of the node never noticed.
  auto all = n.get("/v1/services");
  for (const auto& s : all.body["services"])
    if (s["name"] != "content-hub") CHECK(s["restarts"] == 0);
}

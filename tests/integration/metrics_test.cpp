// GET /metrics on a real node: behind the admin key, strict Prometheus text (the parser of
// tests/support refuses any malformed line), and the figures move when the node works —
// executes of the service used, its errors, a workflow completed, requests counted under their
// route pattern, store commits, a supervisor restart and a connected WebSocket client.
#include <catch2/catch.hpp>

#include <string>

#include "runtime/http/ws_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/prometheus_text.hpp"

using xyn::test::node_process;
using xyn::test::parse_prometheus_text;
using xyn::test::prom_text;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

prom_text scrape(const node_process& n) {
  auto a = n.get("/metrics");
  REQUIRE(a.status == 200);
  CHECK(a.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8");
  try {
    return parse_prometheus_text(a.raw);
  } catch (const std::exception& e) {
    FAIL("GET /metrics is not strict Prometheus text: " << e.what() << "\n" << a.raw);
  }
  return {};
}

json execute(const node_process& n, const std::string& action, const json& params) {
  auto a = n.post("/v1/services/content-hub/execute",
                  {{"action", action}, {"params", params}, {"tenant", "acme"}});
  REQUIRE(a.status == 200);
  return a.body;
}

// Runs a one-step workflow (content-hub create) to completion.
void run_workflow(const node_process& n) {
  json def = {
      {"name", "metrics_probe"},
      {"version", "1"},
      {"steps", json::array({{{"id", "make"},
                              {"service", "content-hub"},
                              {"action", "create"},
                              {"params", {{"title", "From a workflow"}, {"body", "probe"}}}}})}};
  auto started = n.post("/v1/workflows", {{"definition", def}, {"tenant", "acme"}});
  REQUIRE(started.status == 201);
  auto id = started.body["id"].get<std::string>();
  REQUIRE(node_process::eventually(
      [&] { return n.get("/v1/workflows/" + id).body.value("status", "") == "completed"; }));
}

}  // namespace

TEST_CASE("GET /metrics needs the key, parses strictly, and its figures follow the work",
          "[integration][metrics]") {
  node_process n({"--cluster-port", "0"});
  n.start();
  REQUIRE(node_process::eventually([&] { return n.get("/ready").status == 200; }, 20s));

  std::string no_key;
  CHECK(n.request("GET", "/metrics", "", &no_key).status == 401);
  std::string wrong = "wrong";
  CHECK(n.request("GET", "/metrics", "", &wrong).status == 401);
  CHECK(n.request("GET", "/health", "", &no_key).status == 200);  // /health stays open

  auto before = scrape(n);
  CHECK(before.value("xyn_up") == 1);
  CHECK(before.families.at("xyn_service_executes_total").type == "counter");
  CHECK(before.families.at("xyn_store_commit_duration_seconds").type == "histogram");
  CHECK(before.value("xyn_workflows_finished_total", {{"status", "completed"}}).has_value());
  double commits_before = before.sum("xyn_store_commit_duration_seconds_count");

  for (int i = 0; i < 3; ++i)
    CHECK(execute(n, "create", {{"title", "Item " + std::to_string(i)}, {"body", "b"}})["status"] ==
          "ok");
  CHECK(execute(n, "no-such-action", json::object())["status"] == "error");
  run_workflow(n);
  REQUIRE(n.post("/v1/faults", {{"service", "content-hub"}, {"kind", "crash"}}).status == 201);
  CHECK(execute(n, "list", json::object())["error"]["code"] == "service_crashed");
  REQUIRE(node_process::eventually(
      [&] { return execute(n, "list", json::object())["status"] == "ok"; }));
  auto events = xyn::http::ws_client::connect("127.0.0.1", n.port(), "/v1/events",
                                              {{"authorization", "Bearer " + n.key()}});
  REQUIRE(events.ok());

  auto after = scrape(n);
  const std::map<std::string, std::string> hub = {{"service", "content-hub"}};
  // 3 direct creates plus the workflow's step; the unknown action counts as "unknown".
  CHECK(after.value("xyn_service_executes_total",
                    {{"service", "content-hub"}, {"action", "create"}}) >= 4);
  CHECK(after.value("xyn_service_executes_total",
                    {{"service", "content-hub"}, {"action", "unknown"}}) == 1);
  CHECK(after.sum("xyn_service_errors_total", hub) >= 1);
  CHECK(after.value("xyn_service_execute_duration_seconds_count", hub) >= 5);
  CHECK(after.value("xyn_workflows_started_total") == 1);
  CHECK(after.value("xyn_workflows_finished_total", {{"status", "completed"}}) == 1);
  CHECK(after.value("xyn_workflows_running") == 0);
  CHECK(after.value("xyn_workflow_step_duration_seconds_count", hub) == 1);
  CHECK(after.value(
            "xyn_admin_requests_total",
            {{"route", "/v1/services/{name}/execute"}, {"method", "POST"}, {"code", "200"}}) >= 6);
  CHECK(after.value("xyn_admin_requests_total",
                    {{"route", "/metrics"}, {"method", "GET"}, {"code", "401"}}) == 2);
  CHECK(after.value("xyn_admin_requests_total",
                    {{"route", "/metrics"}, {"method", "GET"}, {"code", "200"}}) == 1);
  CHECK(after.sum("xyn_admin_request_duration_seconds_count", {{"route", "/v1/workflows"}}) >= 1);
  CHECK(after.sum("xyn_store_commit_duration_seconds_count") >= commits_before + 4);
  CHECK(after.sum("xyn_store_commit_batches_count") >= commits_before + 4);
  CHECK(after.value("xyn_actor_restarts_total",
                    {{"supervisor", "service:content-hub"}, {"child", "content-hub"}}) >= 1);
  CHECK(after.value("xyn_admin_websocket_clients") == 1);
  CHECK(after.value("xyn_uptime_seconds") >= 0);
}

// Schedules start workflows: the scheduler-automation-engine keeps them, the node's schedule
// runner fires them, durably across restarts.
#include <catch2/catch.hpp>

#include <chrono>

#include "tests/support/node_process.hpp"

using xyn::test::node_process;
using json = nlohmann::json;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json create_schedule(node_process& n, int64_t at, const std::string& title) {
  auto r = n.post("/v1/services/scheduler-automation-engine/execute",
                  {{"action", "create_schedule"},
                   {"params",
                    {{"name", "launch " + title},
                     {"at_ms", at},
                     {"workflow_template", "product_launch"},
                     {"input", {{"product", title}}}}}});
  REQUIRE(r.status == 200);
  REQUIRE(r.body["status"] == "ok");
  return r.body["output"];
}

std::string run_status(node_process& n, const std::string& id) {
  auto r = n.get("/v1/workflows/" + id);
  return r.status == 200 ? r.body["status"].get<std::string>() : "";
}

}  // namespace

TEST_CASE("a one-off schedule starts its workflow when due", "[integration][schedules]") {
  node_process n;
  n.start();
  auto at = now_ms() + 800;
  auto s = create_schedule(n, at, "Orion");
  auto run = "sched:default:" + s["id"].get<std::string>() + ":" + std::to_string(at);
  CHECK(run_status(n, run).empty());  // not before it is due
  REQUIRE(node_process::eventually([&] { return run_status(n, run) == "completed"; },
                                   std::chrono::seconds(15)));
  auto runs = n.get("/v1/workflows?template=product_launch");
  CHECK(runs.body["workflows"].size() == 1);
  auto events = n.get("/v1/events?topic=schedule.fired");
  CHECK(events.body["events"].size() == 1);
}

TEST_CASE("a schedule due while the node was down runs once after the restart",
          "[integration][schedules]") {
  node_process n;
  n.start();
  auto at = now_ms() + 1500;
  auto s = create_schedule(n, at, "Vega");
  REQUIRE(n.terminate() == 0);
  node_process::sleep_ms(2000);  // the fire time passes while nothing runs
  n.start();
  auto run = "sched:default:" + s["id"].get<std::string>() + ":" + std::to_string(at);
  REQUIRE(node_process::eventually([&] { return run_status(n, run) == "completed"; },
                                   std::chrono::seconds(15)));
  node_process::sleep_ms(1500);  // more ticks: still one run
  CHECK(n.get("/v1/workflows?template=product_launch").body["workflows"].size() == 1);
}

TEST_CASE(
    "a schedule whose workflow cannot start fails visibly, once, unknown templates are "
    "refused at once",
    "[integration][schedules]") {
  node_process n;
  n.start();
  auto create = [&](json params) {
    return n.post("/v1/services/scheduler-automation-engine/execute",
                  {{"action", "create_schedule"}, {"params", std::move(params)}});
  };
  auto unknown =
      create({{"name", "bad"}, {"at_ms", now_ms() + 300}, {"workflow_template", "nope"}});
  CHECK(unknown.body["status"] == "error");
  CHECK(unknown.body["error"]["code"] == "invalid_params");
  CHECK(unknown.raw.find("nope") != std::string::npos);
  // A real template without its required inputs: accepted now, refused by the engine at fire.
  auto r = create({{"name", "no-inputs"},
                   {"at_ms", now_ms() + 300},
                   {"workflow_template", "product_launch"},
                   {"input", json::object()}});
  REQUIRE(r.body["status"] == "ok");
  REQUIRE(node_process::eventually(
      [&] { return n.get("/v1/events?topic=schedule.failed").body["events"].size() == 1; }));
  auto ev = n.get("/v1/events?topic=schedule.failed").body["events"][0];
  CHECK(ev["data"]["error"].get<std::string>().find("input") != std::string::npos);
  node_process::sleep_ms(1500);
  CHECK(n.get("/v1/events?topic=schedule.failed").body["events"].size() == 1);
}

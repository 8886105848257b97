#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_project_management());
}

json task(const std::string& pid, const char* id, int days, std::vector<std::string> deps) {
  return {{"project_id", pid},
          {"id", id},
          {"name", std::string("Task ") + id},
          {"duration_days", days},
          {"depends_on", deps}};
}

const json& row(const json& plan, const std::string& id) {
  for (const auto& t : plan["tasks"])
    if (t["id"] == id) return t;
  throw std::runtime_error("no row " + id);
}
}  // namespace

TEST_CASE("project-management: critical path, earliest/latest start and slack") {
  auto h = make();
  auto pid = h.ok("create_project", {{"name", "Launch"}, {"start", 1700000000000}})["id"]
                 .get<std::string>();
  // A(3) -> B(2) -> D(1);  A -> C(4) -> D;  A -> E(2).
  // Forward:  A 0-3, B 3-5, C 3-7, E 3-5, D max(5,7)=7-8; the project takes 8 days.
  // Backward: D LF 8 LS 7; B LF 7 LS 5; C LF 7 LS 3; E LF 8 LS 6; A LF min(5,3,6)=3 LS 0.
  // Slack:    A 0, B 2, C 0, D 0, E 3  ->  critical path A, C, D.
  h.ok("add_task", task(pid, "A", 3, {}));
  h.ok("add_task", task(pid, "B", 2, {"A"}));
  h.ok("add_task", task(pid, "C", 4, {"A"}));
  h.ok("add_task", task(pid, "D", 1, {"B", "C"}));
  h.ok("add_task", task(pid, "E", 2, {"A"}));
  auto plan = h.ok("plan", {{"project_id", pid}});
  CHECK(plan["duration_days"] == 8);
  CHECK(plan["critical_path"] == json({"A", "C", "D"}));
  struct expect {
    const char* id;
    int es, ef, ls, lf, slack;
  };
  for (auto e : {expect{"A", 0, 3, 0, 3, 0}, expect{"B", 3, 5, 5, 7, 2}, expect{"C", 3, 7, 3, 7, 0},
                 expect{"D", 7, 8, 7, 8, 0}, expect{"E", 3, 5, 6, 8, 3}}) {
    INFO("task " << e.id);
    const auto& r = row(plan, e.id);
    CHECK(r["earliest_start"] == e.es);
    CHECK(r["earliest_finish"] == e.ef);
    CHECK(r["latest_start"] == e.ls);
    CHECK(r["latest_finish"] == e.lf);
    CHECK(r["slack"] == e.slack);
    CHECK(r["critical"] == (e.slack == 0));
  }
  // Tasks come in dependency order, ties broken by the order they were added.
  std::vector<std::string> order;
  for (const auto& t : plan["tasks"]) order.push_back(t["id"]);
  CHECK(order == std::vector<std::string>{"A", "B", "C", "D", "E"});
  // Dated: D starts 7 days after the project's start; the project ends 8 days after it.
  CHECK(row(plan, "D")["earliest_start_at"] == 1700000000000 + 7 * 86400000LL);
  CHECK(plan["finish_at"] == 1700000000000 + 8 * 86400000LL);
  CHECK(plan["risk"]["critical_tasks"] == 3);
  CHECK(plan["risk"]["near_critical_tasks"] == 1);  // B, with 2 days of slack
  CHECK(plan["risk"]["level"] == "high");           // 4 of 5 tasks have <= 2 days of slack
}

TEST_CASE("project-management: a cycle is refused by plan, naming it") {
  auto h = make();
  auto pid = h.ok("create_project", {{"name", "Loop"}})["id"].get<std::string>();
  h.ok("add_task", task(pid, "X", 1, {}));
  h.ok("add_task", task(pid, "Y", 1, {"X"}));
  h.ok("add_task", task(pid, "Z", 1, {}));
  auto upd = h.ok("update_task", {{"project_id", pid}, {"id", "X"}, {"depends_on", {"Y"}}});
  CHECK(upd["previous"]["depends_on"] == json::array());
  auto r = h.run("plan", {{"project_id", pid}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'depends_on'") != std::string::npos);
  CHECK(r.message.find("X -> Y -> X") != std::string::npos);
  // update_task's own compensation puts the old dependencies back and the plan works again.
  CHECK(h.service().find("update_task")->compensation == "update_task");
  h.ok("update_task", upd["previous"]);
  CHECK(h.ok("plan", {{"project_id", pid}})["duration_days"] == 2);
}

TEST_CASE("project-management: compensations undo create_project, add_task and remove_task") {
  auto h = make();
  CHECK(h.service().find("create_project")->compensation == "delete_project");
  auto pid = h.ok("create_project", {{"name", "Temp"}})["id"].get<std::string>();
  auto t1 = h.ok("add_task", {{"project_id", pid}, {"name", "Design"}, {"duration_days", 2}});
  CHECK(t1["id"] == "t1");
  auto t2 =
      h.ok("add_task",
           {{"project_id", pid}, {"name", "Build"}, {"duration_days", 5}, {"depends_on", {"t1"}}});
  // t1 is needed by t2, so removing it first is refused.
  CHECK(h.run("remove_task", {{"project_id", pid}, {"id", "t1"}}).code == "conflict");
  auto removed = h.ok("remove_task", {{"project_id", pid}, {"id", "t2"}});
  CHECK(h.ok("get_project", {{"id", pid}})["tasks"].size() == 1);
  // remove_task's compensation is add_task with what it returned.
  h.ok("add_task", removed);
  CHECK(h.ok("get_project", {{"id", pid}})["tasks"].size() == 2);
  CHECK(h.ok("plan", {{"project_id", pid}})["duration_days"] == 7);
  h.ok("delete_project", {{"id", pid}});
  CHECK(h.run("get_project", {{"id", pid}}).code == "not_found");
  CHECK(h.run("plan", {{"project_id", pid}}).code == "not_found");
  h.ok("restore_project", {{"id", pid}});
  CHECK(h.ok("plan", {{"project_id", pid}})["critical_path"] == json({"t1", "t2"}));
}

TEST_CASE("project-management: tenants never see each other's projects") {
  auto h = make();
  auto pid = h.ok("create_project", {{"name", "Secret"}}, "acme")["id"];
  CHECK(h.run("get_project", {{"id", pid}}, "globex").code == "not_found");
  CHECK(h.ok("get_project", {{"id", pid}}, "acme")["name"] == "Secret");
}

TEST_CASE("project-management: bad params are invalid_params naming the field") {
  auto h = make();
  CHECK(h.run("create_project", json::object()).message.find("'name'") != std::string::npos);
  auto pid = h.ok("create_project", {{"name", "P"}})["id"].get<std::string>();
  auto r = h.run("add_task", {{"project_id", pid}, {"name", "x"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'duration_days'") != std::string::npos);
  r = h.run("add_task",
            {{"project_id", pid}, {"name", "x"}, {"duration_days", 1}, {"depends_on", {"nope"}}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'depends_on'") != std::string::npos);
  r = h.run("add_task", {{"project_id", pid}, {"name", "x"}, {"duration_days", -1}});
  CHECK(r.message.find("'duration_days'") != std::string::npos);
  h.ok("add_task", task(pid, "A", 1, {}));
  CHECK(h.run("add_task", task(pid, "A", 1, {})).code == "conflict");
  CHECK(h.run("update_task", {{"project_id", pid}, {"id", "A"}, {"depends_on", {"A"}}})
            .message.find("'depends_on'") != std::string::npos);
}

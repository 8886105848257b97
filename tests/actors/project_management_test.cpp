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

namespace {
const char* const competency = "xynergy-competency-engine";
constexpr int64_t day = 86400000;

std::vector<std::string> kinds(const json& risks) {
  std::vector<std::string> out;
  for (const auto& r : risks["risks"])
    out.push_back(r["kind"].get<std::string>() + ":" +
                  (r.contains("task") ? r["task"] : r["person"]).get<std::string>());
  return out;
}

// The project of the critical-path test, dated at the harness clock S, with people to assign:
// A(3) -> B(2) -> D(1); A -> C(4) -> D; A -> E(2). Plan (days from S): A 0-3, B 3-5 (latest
// finish 7), C 3-7, D 7-8, E 3-5 (latest finish 8); critical path A, C, D.
std::string known_project(service_harness& h) {
  h.ok_on(competency, "add_person", {{"name", "Alice"}, {"skills", {{"c++", 4}}}});  // u1
  h.ok_on(competency, "add_person", {{"name", "Bob"}, {"skills", {{"c++", 3}}}});    // u2
  auto pid =
      h.ok("create_project", {{"name", "Launch"}, {"start", h.now_ms}})["id"].get<std::string>();
  auto with_skills = [&](json t) {
    t["skills"] = {{"c++", 3}};
    return t;
  };
  h.ok("add_task", task(pid, "A", 3, {}));
  h.ok("add_task", with_skills(task(pid, "B", 2, {"A"})));
  h.ok("add_task", with_skills(task(pid, "C", 4, {"A"})));
  h.ok("add_task", task(pid, "D", 1, {"B", "C"}));
  h.ok("add_task", with_skills(task(pid, "E", 2, {"A"})));
  return pid;
}
}  // namespace

TEST_CASE("project-management: assign asks the competency engine, minding people's load") {
  auto h = make();
  auto pid = known_project(h);
  // C: Alice (c++ 4: 1.1) beats Bob (c++ 3: 1.0); nobody is booked yet.
  auto c = h.ok("assign", {{"project_id", pid}, {"id", "C"}});
  CHECK(c["person"] == "u1");
  CHECK(c["name"] == "Alice");
  CHECK(c["match"]["score"].get<double>() == Approx(1.1));
  CHECK(c["load_hours"] == json::object());
  CHECK(c["previous_person"].is_null());
  // B runs days 3-5, while C books Alice for 40 h a week: she has no hours free, so Bob.
  auto b = h.ok("assign", {{"project_id", pid}, {"id", "B"}});
  CHECK(b["load_hours"] == json({{"u1", 40.0}}));
  CHECK(b["person"] == "u2");
  // Naming the person skips matching.
  auto e = h.ok("assign", {{"project_id", pid}, {"id", "E"}, {"person", "u1"}});
  CHECK(e["name"] == "Alice");
  CHECK(h.service().find("assign")->compensation == "unassign");
  CHECK(h.service().find("unassign")->compensation == "assign");
  // A has no skills to match: a person must be named.
  CHECK(h.run("assign", {{"project_id", pid}, {"id", "A"}}).message.find("'person'") !=
        std::string::npos);
  // Nobody has go at level 5.
  h.ok("add_task", {{"project_id", pid},
                    {"id", "G"},
                    {"name", "Port"},
                    {"duration_days", 1},
                    {"skills", {{"go", 5}}}});
  auto none = h.run("assign", {{"project_id", pid}, {"id", "G"}});
  CHECK(none.code == "no_match");
  CHECK(none.message.find("Bob: has none of the required skills") != std::string::npos);
}

TEST_CASE("project-management: risks of a known project as progress comes in") {
  auto h = make();
  const int64_t S = h.now_ms;  // 2023-11-14T22:13:20Z
  auto pid = known_project(h);
  h.ok("assign", {{"project_id", pid}, {"id", "C"}, {"person", "u1"}});
  h.ok("assign", {{"project_id", pid}, {"id", "E"}, {"person", "u1"}});
  h.ok("assign", {{"project_id", pid}, {"id", "B"}, {"person", "u2"}});

  // Day 0, all on plan: only Alice is over-booked, by C (days 3-7) and E (days 3-5).
  auto r = h.ok("risks", {{"project_id", pid}});
  CHECK(kinds(r) == std::vector<std::string>{"over_allocated:u1"});
  const auto& o = r["risks"][0];
  CHECK(o["peak_hours"] == 80.0);
  CHECK(o["capacity_hours"] == 40.0);
  CHECK(o["tasks"] == json({"C", "E"}));
  CHECK(o["from_day"] == 3.0);
  CHECK(o["until_day"] == 5.0);
  CHECK(o["reason"] ==
        "booked 80 h a week from 2023-11-17T22:13:20Z to 2023-11-19T22:13:20Z "
        "(tasks C, E) against a capacity of 40 h");
  CHECK(r["forecast_finish_at"] == S + 8 * day);
  CHECK(r["slip_days"] == 0.0);

  // A took 4 days instead of 3; on day 5, C (started on day 4) is 25% done.
  auto a = h.ok("progress", {{"project_id", pid},
                             {"id", "A"},
                             {"done", true},
                             {"actual_start", S},
                             {"actual_finish", S + 4 * day}});
  CHECK(a["percent_complete"] == 100);
  CHECK(a["previous"] == json({{"project_id", pid},
                               {"id", "A"},
                               {"percent_complete", 0},
                               {"actual_start", nullptr},
                               {"actual_finish", nullptr},
                               {"done", false}}));
  h.now_ms = S + 5 * day;
  auto cp = h.ok(
      "progress",
      {{"project_id", pid}, {"id", "C"}, {"actual_start", S + 4 * day}, {"percent_complete", 25}});
  // Forecast (days): A 0-4 (done). C: 3 of its 4 days left from day 5 -> 8 (planned 7).
  // B, E not started: from day 5 (now; A ended on 4) -> 7 (B's latest finish 7, E's 8).
  // D after B and C -> 8-9 (planned 8). Critical A, C, D each finish one day late; B and E
  // are late too but within their slack. Alice: C days 4-8 and E days 5-7 -> 80 h on days 5-7.
  r = h.ok("risks", {{"project_id", pid}});
  CHECK(kinds(r) == std::vector<std::string>{"critical_path_slip:A", "critical_path_slip:C",
                                             "critical_path_slip:D", "over_allocated:u1"});
  CHECK(r["risks"][0]["slip_days"] == 1.0);
  CHECK(r["risks"][0]["reason"] ==
        "on the critical path and forecast to finish 1 day late (2023-11-18T22:13:20Z, planned "
        "2023-11-17T22:13:20Z): the project's end moves with it");
  CHECK(r["risks"][1]["forecast_finish_at"] == S + 8 * day);
  CHECK(r["risks"][3]["from_day"] == 5.0);
  CHECK(r["risks"][3]["until_day"] == 7.0);
  CHECK(r["forecast_finish_at"] == S + 9 * day);
  CHECK(r["slip_days"] == 1.0);

  // Day 10 with no more progress: B and E start now (10-12), C ends 10 + 3 = 13, D 13-14.
  // B and E slip 7 days, past their slack; B, C, D and E are overdue.
  h.now_ms = S + 10 * day;
  r = h.ok("risks", {{"project_id", pid}});
  CHECK(kinds(r) == std::vector<std::string>{"critical_path_slip:A", "slack_exhausted:B",
                                             "critical_path_slip:C", "critical_path_slip:D",
                                             "slack_exhausted:E", "overdue:B", "overdue:C",
                                             "overdue:D", "overdue:E", "over_allocated:u1"});
  CHECK(r["risks"][1]["reason"] ==
        "forecast to finish 7 days late, more than its 2 days of slack: it now delays the project");
  CHECK(r["risks"][5]["overdue_days"] == 3.0);
  CHECK(r["risks"][5]["reason"] ==
        "not done, and 3 days past its latest finish (2023-11-21T22:13:20Z)");
  CHECK(r["slip_days"] == 6.0);

  // Compensations: unassign frees Alice of E; assign with its output books her again;
  // progress with its `previous` puts C back to not started.
  CHECK(h.service().find("progress")->compensation == "progress");
  auto un = h.ok("unassign", {{"project_id", pid}, {"id", "E"}});
  CHECK(un["person"] == "u1");
  CHECK(kinds(h.ok("risks", {{"project_id", pid}})).back() == "overdue:E");
  CHECK(h.run("unassign", {{"project_id", pid}, {"id", "E"}}).code == "conflict");
  h.ok("assign", un);
  CHECK(kinds(h.ok("risks", {{"project_id", pid}})).back() == "over_allocated:u1");
  h.ok("progress", cp["previous"]);
  auto back = h.ok("get_project", {{"id", pid}})["tasks"][2];
  CHECK(back["id"] == "C");
  CHECK(back["percent_complete"] == 0);
  CHECK(back["actual_start"].is_null());
  // remove_task's output re-adds the task as it was, assignee and progress included.
  auto removed = h.ok("remove_task", {{"project_id", pid}, {"id", "E"}});
  auto readded = h.ok("add_task", removed);
  removed.erase("removed");
  CHECK(readded == removed);
}

TEST_CASE("project-management: progress checks its params, undated projects plan by day") {
  auto h = make();
  auto pid = h.ok("create_project", {{"name", "Undated"}})["id"].get<std::string>();
  h.ok("add_task", task(pid, "A", 2, {}));
  h.ok("add_task", task(pid, "B", 3, {}));
  CHECK(h.run("progress", {{"project_id", pid}, {"id", "A"}, {"actual_start", 5}})
            .message.find("'actual_start'") != std::string::npos);
  CHECK(h.run("progress", {{"project_id", pid}, {"id", "A"}, {"percent_complete", 101}})
            .message.find("'percent_complete'") != std::string::npos);
  CHECK(h.run("progress", {{"project_id", pid}, {"id", "Z"}, {"done", true}}).code == "not_found");
  auto done = h.ok("progress", {{"project_id", pid}, {"id", "A"}, {"done", true}});
  CHECK(done["percent_complete"] == 100);
  CHECK(done["actual_finish"].is_null());  // no dates in an undated project
  // Without dates only over-allocation is judged, on the plan: A is done, so only B books Ann
  // (someone the competency engine does not know: 40 h by default) — and D, from day 0 to 1.
  h.ok("add_task", task(pid, "D", 1, {}));
  h.ok("assign", {{"project_id", pid}, {"id", "B"}, {"person", "ann"}});
  h.ok("assign", {{"project_id", pid}, {"id", "D"}, {"person", "ann"}});
  auto r = h.ok("risks", {{"project_id", pid}});
  CHECK(r["dated"] == false);
  CHECK(r["note"].get<std::string>().find("no start date") != std::string::npos);
  CHECK(kinds(r) == std::vector<std::string>{"over_allocated:ann"});
  CHECK(r["risks"][0]["reason"] ==
        "booked 80 h a week from day 0 to day 1 (tasks B, D) against a capacity of 40 h (the "
        "default: unknown to the competency engine)");
  CHECK(h.run("add_task",
              {{"project_id", pid}, {"name", "x"}, {"duration_days", 1}, {"skills", {{"go", 9}}}})
            .message.find("'skills.go'") != std::string::npos);
}

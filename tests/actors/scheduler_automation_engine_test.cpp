#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_scheduler_automation_engine());
}
// 1700000000000 ms is Tuesday 2023-11-14 22:13:20 UTC; that day began at 1699920000000.
constexpr int64_t tue = 1700000000000;
constexpr int64_t tue_midnight = 1699920000000;
constexpr int64_t day = 86400000, hour = 3600000, minute = 60000;

std::vector<std::string> utc_runs(service_harness& h, const std::string& cron, int64_t from,
                                  int count) {
  auto r = h.ok("next_runs", {{"cron", cron}, {"from_ms", from}, {"count", count}});
  return r["runs_utc"].get<std::vector<std::string>>();
}
}  // namespace

TEST_CASE("scheduler: next runs of a weekday business-hours cron") {
  auto h = make();
  // Every 15 minutes, 09:00-17:45, Monday to Friday. After Tuesday 22:13 comes Wednesday 09:00.
  auto r = h.ok("next_runs", {{"cron", "*/15 9-17 * * 1-5"}, {"from_ms", tue}, {"count", 3}});
  int64_t wed9 = tue_midnight + day + 9 * hour;  // 1700038800000
  CHECK(r["runs"] == json({wed9, wed9 + 15 * minute, wed9 + 30 * minute}));
  CHECK(r["runs_utc"][0] == "2023-11-15T09:00:00Z");
  // Friday 17:50 is past the last slot (17:45): the next is Monday 09:00.
  int64_t fri1750 = tue_midnight + 3 * day + 17 * hour + 50 * minute;
  CHECK(utc_runs(h, "*/15 9-17 * * 1-5", fri1750, 2) ==
        std::vector<std::string>{"2023-11-20T09:00:00Z", "2023-11-20T09:15:00Z"});
  // Runs are strictly after from_ms: at exactly 09:00 the next is 09:15.
  CHECK(utc_runs(h, "*/15 9-17 * * 1-5", wed9, 1) ==
        std::vector<std::string>{"2023-11-15T09:15:00Z"});
}

TEST_CASE("scheduler: lists, ranges with steps, names and the day-of-month/day-of-week rule") {
  auto h = make();
  CHECK(utc_runs(h, "5/20 0 * * *", tue_midnight, 3) ==
        std::vector<std::string>{"2023-11-14T00:05:00Z", "2023-11-14T00:25:00Z",
                                 "2023-11-14T00:45:00Z"});
  CHECK(utc_runs(h, "0,30 8 * * *", tue, 3) == std::vector<std::string>{"2023-11-15T08:00:00Z",
                                                                        "2023-11-15T08:30:00Z",
                                                                        "2023-11-16T08:00:00Z"});
  CHECK(utc_runs(h, "0 10-14/2 * * *", tue, 3) == std::vector<std::string>{"2023-11-15T10:00:00Z",
                                                                           "2023-11-15T12:00:00Z",
                                                                           "2023-11-15T14:00:00Z"});
  // Both day fields restricted: the 1st of the month OR a Monday (Nov 20, 27; Fri Dec 1; Dec 4).
  CHECK(utc_runs(h, "0 12 1 * MON", tue, 4) ==
        std::vector<std::string>{"2023-11-20T12:00:00Z", "2023-11-27T12:00:00Z",
                                 "2023-12-01T12:00:00Z", "2023-12-04T12:00:00Z"});
  // Sunday is 0 and 7; month names work.
  CHECK(utc_runs(h, "0 0 * DEC 7", tue, 1) == std::vector<std::string>{"2023-12-03T00:00:00Z"});
  // A leap day: the next 29 February after November 2023 is in 2024, then 2028.
  CHECK(utc_runs(h, "0 0 29 2 *", tue, 2) ==
        std::vector<std::string>{"2024-02-29T00:00:00Z", "2028-02-29T00:00:00Z"});
  CHECK(utc_runs(h, "@monthly", tue, 1) == std::vector<std::string>{"2023-12-01T00:00:00Z"});
  // New year rolls over.
  CHECK(utc_runs(h, "59 23 31 12 *", tue, 1) == std::vector<std::string>{"2023-12-31T23:59:00Z"});
}

TEST_CASE("scheduler: bad cron expressions are invalid_params naming the field") {
  auto h = make();
  for (const char* bad :
       {"61 * * * *", "* * *", "*/0 * * * *", "5-1 * * * *", "* * * FOO *", "1,,2 * * * *"}) {
    INFO(bad);
    auto r = h.run("next_runs", {{"cron", bad}});
    CHECK(r.code == "invalid_params");
    CHECK(r.message.find("'cron'") != std::string::npos);
  }
  CHECK(h.run("next_runs", {{"cron", "61 * * * *"}}).message.find("minute") != std::string::npos);
  CHECK(h.run("next_runs", {{"cron", "0 0 30 2 *"}}).message.find("never fires") !=
        std::string::npos);
  CHECK(h.run("next_runs", {{"cron", "* * * * *"}, {"count", 0}}).message.find("'count'") !=
        std::string::npos);
}

TEST_CASE("scheduler: create, list, cancel and resume schedules") {
  auto h = make();
  h.now_ms = tue;
  auto s = h.ok("create_schedule", {{"name", "weekly report"},
                                    {"cron", "0 9 * * MON"},
                                    {"workflow_template", "performance_report"},
                                    {"input", {{"period", "week"}}}});
  CHECK(s["id"] == "s1");
  CHECK(s["next_run_utc"] == "2023-11-20T09:00:00Z");
  auto once =
      h.ok("create_schedule",
           {{"name", "launch"}, {"at_ms", tue + hour}, {"workflow_template", "product_launch"}});
  CHECK(once["next_run_at"] == tue + hour);
  CHECK(h.ok("list_schedules", json::object())["count"] == 2);

  CHECK(h.service().find("create_schedule")->compensation == "cancel_schedule");
  auto c = h.ok("cancel_schedule", {{"id", "s1"}});
  CHECK(c["status"] == "cancelled");
  CHECK(c["next_run_at"].is_null());
  CHECK(h.run("cancel_schedule", {{"id", "s1"}}).code == "conflict");
  CHECK(h.ok("list_schedules", json::object())["count"] == 1);
  CHECK(h.ok("list_schedules", {{"include_cancelled", true}})["count"] == 2);
  h.ok("resume_schedule", {{"id", "s1"}});
  // The clock moved past Monday 09:00: the next run is the Monday after.
  h.now_ms = tue + 7 * day;
  CHECK(h.ok("get_schedule", {{"id", "s1"}})["next_run_utc"] == "2023-11-27T09:00:00Z");
  CHECK(h.ok("list_schedules", json::object(), "globex")["count"] == 0);  // other tenant
}

TEST_CASE("scheduler: create_schedule validates its params") {
  auto h = make();
  h.now_ms = tue;
  auto r = h.run("create_schedule", {{"name", "x"}, {"workflow_template", "w"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'cron'") != std::string::npos);  // neither cron nor at_ms
  r = h.run("create_schedule",
            {{"name", "x"}, {"workflow_template", "w"}, {"cron", "@daily"}, {"at_ms", tue + 1}});
  CHECK(r.message.find("'cron'") != std::string::npos);  // both
  r = h.run("create_schedule", {{"name", "x"}, {"workflow_template", "w"}, {"at_ms", tue - 1}});
  CHECK(r.message.find("'at_ms'") != std::string::npos);
  r = h.run("create_schedule", {{"name", "x"}, {"cron", "@daily"}});
  CHECK(r.message.find("'workflow_template'") != std::string::npos);
}

TEST_CASE("scheduler: the workflow template must exist on the node") {
  auto h = make();
  h.now_ms = tue;
  // No node (empty list): any name is taken.
  h.ok("create_schedule", {{"name", "x"}, {"cron", "@daily"}, {"workflow_template", "anything"}});
  h.facts().workflow_templates = {"product_launch", "performance_report"};
  auto r = h.run("create_schedule",
                 {{"name", "x"}, {"cron", "@daily"}, {"workflow_template", "no_such_flow"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message ==
        "field 'workflow_template': no workflow template 'no_such_flow' on this node (it has "
        "performance_report, product_launch)");
  CHECK(h.ok("create_schedule", {{"name", "x"},
                                 {"cron", "@daily"},
                                 {"workflow_template", "performance_report"}})["id"] == "s2");
  CHECK(h.ok("list_schedules", json::object())["count"] == 2);
}

TEST_CASE("scheduler: one-off after a delay, catch-up policies are kept and checked") {
  auto h = make();
  h.now_ms = tue;
  auto s = h.ok("create_schedule", {{"name", "reminder"},
                                    {"after_ms", 90 * minute},
                                    {"workflow_template", "w"},
                                    {"catch_up", "skip"}});
  CHECK(s["at_ms"] == tue + 90 * minute);
  CHECK(s["next_run_utc"] == "2023-11-14T23:43:20Z");
  CHECK(s["catch_up"] == "skip");
  CHECK_FALSE(s.contains("after_ms"));
  auto all =
      h.ok("create_schedule",
           {{"name", "n"}, {"cron", "0 * * * *"}, {"workflow_template", "w"}, {"catch_up", "all"}});
  CHECK(all["catch_up"] == "all");
  CHECK(h.ok("create_schedule",
             {{"name", "n"}, {"cron", "0 * * * *"}, {"workflow_template", "w"}})["catch_up"] ==
        "once");  // the default
  CHECK(
      h.run("create_schedule",
            {{"name", "n"}, {"cron", "@daily"}, {"workflow_template", "w"}, {"catch_up", "never"}})
          .message.find("'catch_up'") != std::string::npos);
  CHECK(h.run("create_schedule", {{"name", "n"}, {"after_ms", 0}, {"workflow_template", "w"}})
            .message.find("'after_ms'") != std::string::npos);
  CHECK(h.run("create_schedule",
              {{"name", "n"}, {"after_ms", 5}, {"at_ms", tue + 5}, {"workflow_template", "w"}})
            .message.find("exactly one") != std::string::npos);
  // cancel_schedule (the compensation of create) stops it; the list leaves it out.
  h.ok("cancel_schedule", {{"id", s["id"]}});
  CHECK(h.ok("list_schedules", json::object())["count"] == 2);
  CHECK(h.ok("get_schedule", {{"id", s["id"]}})["next_run_at"].is_null());
}

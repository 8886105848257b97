#include <catch2/catch.hpp>

#include "actors/schedule_runner.hpp"

using xyn::actors::plan_fires;
using json = nlohmann::json;

namespace {

constexpr int64_t minute = 60'000;
// 2026-01-01T00:00:00Z
constexpr int64_t t0 = 1767225600000;

json every_minute(const std::string& policy) {
  return {{"id", "s1"},       {"status", "active"}, {"cron", "* * * * *"},
          {"created_at", t0}, {"catch_up", policy}, {"workflow_template", "x"}};
}

}  // namespace

TEST_CASE("a cron schedule fires at each due minute, never before it existed", "[schedules]") {
  auto s = every_minute("once");
  CHECK(plan_fires(s, 0, t0 + 30'000).fire.empty());  // the first fire is t0 + 1 min
  auto p = plan_fires(s, 0, t0 + minute);
  CHECK(p.fire == std::vector<int64_t>{t0 + minute});
  CHECK(p.handled_through == t0 + minute);
  // Already handled: nothing more until the next minute.
  CHECK(plan_fires(s, t0 + minute, t0 + minute + 59'000).handled_through == 0);
}

TEST_CASE("missed runs are caught up by policy", "[schedules]") {
  int64_t now = t0 + 10 * minute + 5'000;  // down for ten fire times
  auto once = plan_fires(every_minute("once"), 0, now);
  CHECK(once.fire == std::vector<int64_t>{t0 + 10 * minute});
  CHECK(once.handled_through == t0 + 10 * minute);
  auto all = plan_fires(every_minute("all"), 0, now);
  REQUIRE(all.fire.size() == 10);
  CHECK(all.fire.front() == t0 + minute);
  auto skip = plan_fires(every_minute("skip"), 0, now);
  CHECK(skip.fire == std::vector<int64_t>{t0 + 10 * minute});  // within the grace period
  auto skip_late = plan_fires(every_minute("skip"), 0, now + 2 * minute - 5'000 + 30'000);
  CHECK(skip_late.fire.size() == 1);
  auto long_outage = plan_fires(every_minute("all"), 0, t0 + 1000 * minute);
  CHECK(long_outage.fire.size() == xyn::actors::max_catch_up_runs);
  CHECK(long_outage.fire.back() == t0 + 1000 * minute);
}

TEST_CASE("a one-off schedule fires once, cancelled ones never", "[schedules]") {
  json s = {{"id", "s2"}, {"status", "active"}, {"at_ms", t0 + 5'000}, {"created_at", t0}};
  CHECK(plan_fires(s, 0, t0 + 4'999).handled_through == 0);
  CHECK(plan_fires(s, 0, t0 + 5'000).fire == std::vector<int64_t>{t0 + 5'000});
  CHECK(plan_fires(s, t0 + 5'000, t0 + 9'000).handled_through == 0);
  s["catch_up"] = "skip";
  auto missed = plan_fires(s, 0, t0 + 5'000 + 10 * minute);
  CHECK(missed.fire.empty());
  CHECK(missed.handled_through == t0 + 5'000);  // recorded, so it is not considered again
  s["status"] = "cancelled";
  CHECK(plan_fires(s, 0, t0 + 5'000).handled_through == 0);
  CHECK(xyn::actors::scheduled_run_id("acme", "s2", 7) == "sched:acme:s2:7");
}

#pragma once
// cron.hpp — 5-field cron expressions in UTC: parse one, and find its next fire time.
// "minute hour day-of-month month day-of-week", each field "*", a value, a range "a-b", a
// step "*/n", "a-b/n" or "a/n", or a comma list of those; months and weekdays also by
// three-letter name (JAN, MON); weekday 0 and 7 are Sunday; @yearly, @monthly, @weekly,
// @daily and @hourly are shorthands. As in Vixie cron, when both day fields are restricted
// (neither starts with '*') a day matches if either does. Used by the scheduler service (which
// keeps schedules) and the node's schedule runner (which fires them). Pure; any thread.

#include <cstdint>
#include <string>

#include "actors/services/text.hpp"

namespace xyn::actors::cron {

// 9999-12-31T23:59:59.999Z: later times are refused rather than overflowing the search.
inline constexpr int64_t max_time_ms = 253402300799999;

struct cron_expr {
  uint64_t minutes = 0;  // bit n: minute n matches
  uint32_t hours = 0;
  uint32_t days = 0;      // bits 1-31
  uint32_t months = 0;    // bits 1-12
  uint32_t weekdays = 0;  // bits 0-6, Sunday = 0
  bool dom_restricted = false;
  bool dow_restricted = false;

  bool day_matches(const text::utc_time& t) const {
    bool dom = (days >> t.day) & 1, dow = (weekdays >> t.weekday) & 1;
    if (dom_restricted && dow_restricted) return dom || dow;
    return dom && dow;
  }
};

// Parses `raw` into `out`; false with the reason in `why` when it is not a cron expression.
bool parse_cron(const std::string& raw, cron_expr& out, std::string& why);

// The first fire time strictly after `after_ms` (Unix ms, minute resolution), or -1 when the
// expression never fires again within the search span.
int64_t next_fire(const cron_expr& c, int64_t after_ms);

}  // namespace xyn::actors::cron

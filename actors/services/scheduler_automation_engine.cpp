// scheduler-automation-engine: durable one-off and cron schedules that name a workflow template
// to start, and a 5-field cron evaluator in UTC. This service keeps the schedules; firing them
// is the node's scheduler (DESIGN.md), which asks this service what is next.
//
// Cron: "minute hour day-of-month month day-of-week", each field "*", a value, a range "a-b",
// a step "*/n", "a-b/n" or "a/n", or a comma list of those; months and weekdays also by
// three-letter name (JAN, MON); weekday 0 and 7 are Sunday; @yearly, @monthly, @weekly,
// @daily and @hourly are shorthands. As in Vixie cron, when both day fields are restricted
// (neither starts with '*') a day matches if either does.
//
// Layout under (scheduler-automation-engine, tenant):
//   schedule/<id>   JSON {id, seq, name, cron? | at_ms?, workflow_template, input,
//                         status: active|cancelled, created_at}
//   seq/schedule    id counter
#include <algorithm>
#include <cctype>
#include <cstdint>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"

namespace xyn::actors::services {

namespace {

constexpr int64_t minute_ms = 60000;
// A cron that has not fired within this span never will (e.g. "0 0 30 2 *"); leap days need
// at most 8 years (1896 -> 1904), so 10 is enough.
constexpr int max_search_years = 10;
// 9999-12-31T23:59:59.999Z: later times are refused rather than overflowing the search.
constexpr int64_t max_time_ms = 253402300799999;

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

int name_value(std::string_view s, const char* const* names, int first) {
  if (names == nullptr || s.size() != 3) return -1;
  for (int i = 0; names[i]; ++i) {
    bool eq = true;
    for (int k = 0; k < 3; ++k)
      eq = eq && std::tolower(static_cast<unsigned char>(s[k])) == names[i][k];
    if (eq) return first + i;
  }
  return -1;
}

// A number or a name; -1 when it is neither.
int parse_value(std::string_view s, const char* const* names, int first) {
  if (s.empty() || s.size() > 4) return -1;
  if (std::all_of(s.begin(), s.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::stoi(std::string(s));
  return name_value(s, names, first);
}

// Parses one field into a bit set over [lo, hi]; on error returns false with `why`.
bool parse_field(std::string_view field, int lo, int hi, const char* const* names, int name_first,
                 uint64_t& bits, std::string& why) {
  bits = 0;
  if (field.empty()) {
    why = "empty field";
    return false;
  }
  size_t pos = 0;
  while (pos <= field.size()) {
    size_t comma = field.find(',', pos);
    if (comma == std::string_view::npos) comma = field.size();
    std::string_view item = field.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty()) {
      why = "empty list item in '" + std::string(field) + "'";
      return false;
    }
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      std::string_view s = item.substr(slash + 1);
      int v =
          s.empty() || s.size() > 4 ||
                  !std::all_of(s.begin(), s.end(),
                               [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })
              ? -1
              : std::stoi(std::string(s));
      if (v < 1) {
        why = "bad step in '" + std::string(item) + "'";
        return false;
      }
      step = v;
      item = item.substr(0, slash);
    }
    int a, b;
    if (item == "*") {
      a = lo;
      b = hi;
    } else if (auto dash = item.find('-'); dash != std::string_view::npos) {
      a = parse_value(item.substr(0, dash), names, name_first);
      b = parse_value(item.substr(dash + 1), names, name_first);
      if (a < 0 || b < 0) {
        why = "bad range '" + std::string(item) + "'";
        return false;
      }
    } else {
      a = parse_value(item, names, name_first);
      if (a < 0) {
        why = "bad value '" + std::string(item) + "'";
        return false;
      }
      b = step > 1 ? hi : a;  // "5/15" means 5, 20, 35, 50
    }
    if (a < lo || b > hi || a > b) {
      why = "'" + std::string(item) + "' is outside " + std::to_string(lo) + "-" +
            std::to_string(hi) + (a > b ? " or reversed" : "");
      return false;
    }
    for (int v = a; v <= b; v += step) bits |= uint64_t{1} << v;
  }
  return true;
}

// Parses a cron expression; on error returns false with the reason in `why`.
bool parse_cron(const std::string& raw, cron_expr& out, std::string& why) {
  std::string expr = raw;
  if (expr == "@yearly" || expr == "@annually")
    expr = "0 0 1 1 *";
  else if (expr == "@monthly")
    expr = "0 0 1 * *";
  else if (expr == "@weekly")
    expr = "0 0 * * 0";
  else if (expr == "@daily" || expr == "@midnight")
    expr = "0 0 * * *";
  else if (expr == "@hourly")
    expr = "0 * * * *";
  std::vector<std::string> fields;
  std::string cur;
  for (char c : expr) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) fields.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) fields.push_back(std::move(cur));
  if (fields.size() != 5) {
    why = "needs 5 fields (minute hour day-of-month month day-of-week), got " +
          std::to_string(fields.size());
    return false;
  }
  static const char* const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",  "jul",
                                            "aug", "sep", "oct", "nov", "dec", nullptr};
  static const char* const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", nullptr};
  static const char* const labels[] = {"minute", "hour", "day-of-month", "month", "day-of-week"};
  uint64_t bits[5];
  const int lo[] = {0, 0, 1, 1, 0}, hi[] = {59, 23, 31, 12, 7};
  const char* const* names[] = {nullptr, nullptr, nullptr, month_names, day_names};
  const int name_first[] = {0, 0, 0, 1, 0};
  for (int i = 0; i < 5; ++i) {
    if (!parse_field(fields[i], lo[i], hi[i], names[i], name_first[i], bits[i], why)) {
      why = std::string(labels[i]) + " field: " + why;
      return false;
    }
  }
  out.minutes = bits[0];
  out.hours = static_cast<uint32_t>(bits[1]);
  out.days = static_cast<uint32_t>(bits[2]);
  out.months = static_cast<uint32_t>(bits[3]);
  out.weekdays = static_cast<uint32_t>((bits[4] | (bits[4] >> 7)) & 0x7F);  // 7 is Sunday too
  out.dom_restricted = fields[2][0] != '*';
  out.dow_restricted = fields[4][0] != '*';
  return true;
}

// The first minute strictly after `after_ms` that the expression matches, or -1 if none
// within max_search_years. Skips whole months, days and hours that cannot match.
int64_t next_fire(const cron_expr& c, int64_t after_ms) {
  int64_t t = after_ms - ((after_ms % minute_ms) + minute_ms) % minute_ms + minute_ms;
  const int64_t limit = t + int64_t{max_search_years} * 366 * 24 * 60 * minute_ms;
  while (t <= limit) {
    auto u = text::to_utc(t);
    if (!((c.months >> u.month) & 1)) {
      t = u.month == 12 ? text::from_utc(u.year + 1, 1, 1) : text::from_utc(u.year, u.month + 1, 1);
    } else if (!c.day_matches(u)) {
      t = text::from_utc(u.year, u.month, u.day) + 24 * 60 * minute_ms;
    } else if (!((c.hours >> u.hour) & 1)) {
      t = text::from_utc(u.year, u.month, u.day, u.hour) + 60 * minute_ms;
    } else if (!((c.minutes >> u.minute) & 1)) {
      t += minute_ms;
    } else {
      return t;
    }
  }
  return -1;
}

std::string schedule_key(const std::string& id) {
  return "schedule/" + id;
}

// The view of a schedule with its next run computed from the clock.
json view(const json& s, int64_t now) {
  json out = s;
  out.erase("seq");
  json next = nullptr;
  if (s["status"] == "active") {
    if (s.contains("cron")) {
      cron_expr c;
      std::string why;
      if (parse_cron(s["cron"].get<std::string>(), c, why))
        if (auto t = next_fire(c, now); t >= 0) next = t;
    } else {
      next = s["at_ms"];
    }
  }
  out["next_run_at"] = next;
  if (!next.is_null()) out["next_run_utc"] = text::format_utc(next.get<int64_t>());
  return out;
}

std::optional<json> load_schedule(action_context& ctx, const char* status, outcome& fail) {
  param_reader p(ctx.params);
  auto id = p.string("id");
  if (!p.ok()) {
    fail = p.failure();
    return std::nullopt;
  }
  auto doc = ctx.state.get_json(schedule_key(id));
  if (!doc) {
    fail = outcome::not_found("no schedule '" + id + "'");
    return std::nullopt;
  }
  if (status && (*doc)["status"] != status) {
    fail =
        outcome::failure("conflict", "schedule '" + id + "' is " +
                                         (*doc)["status"].get<std::string>() + ", not " + status);
    return std::nullopt;
  }
  return *doc;
}

class scheduler_automation_engine : public service {
 public:
  scheduler_automation_engine()
      : service("scheduler-automation-engine", "Durable one-off and cron schedules") {
    auto create_schema = object_schema({{"name", "string"},
                                        {"cron", "string"},
                                        {"at_ms", "integer"},
                                        {"workflow_template", "string"},
                                        {"input", "object"}},
                                       {"name", "workflow_template"});
    add({"create_schedule", "Schedule a workflow template by cron (UTC) or once at at_ms",
         create_schema, "cancel_schedule", true, create});
    auto id_schema = object_schema({{"id", "string"}}, {"id"});
    add({"get_schedule", "A schedule with its next run", id_schema, "", false, get});
    add({"list_schedules", "Schedules with their next runs; cancelled ones only when asked",
         object_schema({{"include_cancelled", "boolean"}}, {}), "", false, list});
    add({"cancel_schedule", "Stop a schedule (kept; resume_schedule undoes it)", id_schema,
         "resume_schedule", true, cancel});
    add({"resume_schedule", "Reactivate a cancelled schedule", id_schema, "cancel_schedule", true,
         resume});
    add({"next_runs", "The next fire times of a cron expression after from_ms (default now)",
         object_schema({{"cron", "string"}, {"from_ms", "integer"}, {"count", "integer"}},
                       {"cron"}),
         "", false, next_runs});
  }

 private:
  static outcome create(action_context& ctx) {
    param_reader p(ctx.params);
    auto name = p.string("name");
    auto cron = p.optional_string("cron");
    bool has_at = ctx.params.contains("at_ms") && !ctx.params["at_ms"].is_null();
    auto at = p.integer("at_ms", 0);
    auto wf = p.string("workflow_template");
    auto input = p.object("input", json::object());
    if (p.ok() && name.empty()) p.fail("name", "must not be empty");
    if (p.ok() && wf.empty()) p.fail("workflow_template", "must not be empty");
    if (p.ok() && cron.has_value() == has_at) p.fail("cron", "give exactly one of cron and at_ms");
    cron_expr c;
    std::string why;
    if (p.ok() && cron && !parse_cron(*cron, c, why)) p.fail("cron", why);
    if (p.ok() && cron && next_fire(c, ctx.now_ms) < 0) p.fail("cron", "never fires");
    if (p.ok() && has_at && at <= ctx.now_ms) p.fail("at_ms", "is not in the future");
    if (!p.ok()) return p.failure();
    auto seq = ctx.state.next_sequence("seq/schedule");
    std::string id = "s" + std::to_string(seq);
    json doc = {{"id", id},
                {"seq", seq},
                {"name", name},
                {"workflow_template", wf},
                {"input", input},
                {"status", "active"},
                {"created_at", ctx.now_ms}};
    if (cron) doc["cron"] = *cron;
    if (has_at) doc["at_ms"] = at;
    ctx.state.put_json(schedule_key(id), doc, ctx.now_ms);
    return outcome::success(view(doc, ctx.now_ms));
  }

  static outcome get(action_context& ctx) {
    outcome fail;
    auto s = load_schedule(ctx, nullptr, fail);
    if (!s) return fail;
    return outcome::success(view(*s, ctx.now_ms));
  }

  static outcome list(action_context& ctx) {
    param_reader p(ctx.params);
    bool all = p.boolean("include_cancelled", false);
    if (!p.ok()) return p.failure();
    std::vector<json> found;
    auto st = ctx.state.scan_json("schedule/", [&](std::string_view, const json& s) {
      if (all || s["status"] == "active") found.push_back(s);
      return true;
    });
    if (!st.ok()) return outcome::failure("io_error", st.message());
    std::sort(found.begin(), found.end(), [](const json& a, const json& b) {
      return a["seq"].get<uint64_t>() < b["seq"].get<uint64_t>();
    });
    json out = json::array();
    for (const auto& s : found) out.push_back(view(s, ctx.now_ms));
    return outcome::success({{"schedules", out}, {"count", out.size()}});
  }

  static outcome set_status(action_context& ctx, const char* from, const char* to) {
    outcome fail;
    auto s = load_schedule(ctx, from, fail);
    if (!s) return fail;
    (*s)["status"] = to;
    ctx.state.put_json(schedule_key((*s)["id"].get<std::string>()), *s, ctx.now_ms);
    return outcome::success(view(*s, ctx.now_ms));
  }
  static outcome cancel(action_context& ctx) { return set_status(ctx, "active", "cancelled"); }
  static outcome resume(action_context& ctx) { return set_status(ctx, "cancelled", "active"); }

  static outcome next_runs(action_context& ctx) {
    param_reader p(ctx.params);
    auto cron = p.string("cron");
    auto from = p.integer("from_ms", ctx.now_ms);
    auto count = p.integer("count", 5);
    if (p.ok() && (count < 1 || count > 100)) p.fail("count", "must be 1-100");
    if (p.ok() && (from < 0 || from > max_time_ms))
      p.fail("from_ms", "must be 0 to the end of year 9999");
    cron_expr c;
    std::string why;
    if (p.ok() && !parse_cron(cron, c, why)) p.fail("cron", why);
    if (!p.ok()) return p.failure();
    json runs = json::array(), utc = json::array();
    int64_t t = from;
    for (int64_t i = 0; i < count; ++i) {
      t = next_fire(c, t);
      if (t < 0) break;
      runs.push_back(t);
      utc.push_back(text::format_utc(t));
    }
    if (runs.empty()) return outcome::failure("invalid_params", "field 'cron': never fires");
    return outcome::success({{"cron", cron}, {"runs", runs}, {"runs_utc", utc}});
  }
};

}  // namespace

std::unique_ptr<service> make_scheduler_automation_engine() {
  return std::make_unique<scheduler_automation_engine>();
}

}  // namespace xyn::actors::services

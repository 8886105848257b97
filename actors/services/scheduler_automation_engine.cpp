// scheduler-automation-engine: durable one-off and cron schedules (cron.hpp, UTC) that name a
// workflow template to start. This service keeps the schedules; the node's schedule runner
// (actors/schedule_runner.hpp) reads them from the store and starts the workflows, catching up
// runs missed while the node was down according to each schedule's `catch_up` policy.
//
// A schedule names its workflow template; create_schedule refuses names the node does not know
// (node_facts::workflow_templates; where that list is empty, as in unit tests, any name goes).
// One-off schedules are given as at_ms (a Unix time) or after_ms (a delay from now), and are
// stored as at_ms either way.
//
// Layout under (scheduler-automation-engine, tenant):
//   schedule/<id>   JSON {id, seq, name, cron? | at_ms?, workflow_template, input,
//                         catch_up: once|all|skip, status: active|cancelled, created_at}
//   seq/schedule    id counter
#include <algorithm>
#include <cctype>
#include <cstdint>

#include "actors/params.hpp"
#include "actors/services/cron.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"

namespace xyn::actors::services {

namespace {

using cron::cron_expr;
using cron::max_time_ms;
using cron::next_fire;
using cron::parse_cron;

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

// Refuses a template the node does not have, naming the ones it has.
void check_template(param_reader& p, const std::string& name,
                    const std::vector<std::string>& known) {
  if (known.empty() || std::find(known.begin(), known.end(), name) != known.end()) return;
  std::vector<std::string> sorted = known;
  std::sort(sorted.begin(), sorted.end());
  std::string list;
  for (const auto& k : sorted) list += (list.empty() ? "" : ", ") + k;
  p.fail("workflow_template",
         "no workflow template '" + name + "' on this node (it has " + list + ")");
}

class scheduler_automation_engine : public service {
 public:
  scheduler_automation_engine()
      : service("scheduler-automation-engine", "Durable one-off and cron schedules") {
    auto create_schema = object_schema({{"name", "string"},
                                        {"cron", "string"},
                                        {"at_ms", "integer"},
                                        {"after_ms", "integer"},
                                        {"workflow_template", "string"},
                                        {"input", "object"},
                                        {"catch_up", "string"}},
                                       {"name", "workflow_template"});
    create_schema["properties"]["catch_up"]["enum"] = {"once", "all", "skip"};
    add({"create_schedule",
         "Schedule a workflow template by cron (UTC), or once at at_ms or after after_ms; "
         "catch_up (once, all, skip) says what to do with runs missed while the node was down",
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
    bool has_after = ctx.params.contains("after_ms") && !ctx.params["after_ms"].is_null();
    auto after = p.integer("after_ms", 0);
    auto wf = p.string("workflow_template");
    auto input = p.object("input", json::object());
    auto catch_up = p.optional_string("catch_up").value_or("once");
    if (p.ok() && catch_up != "once" && catch_up != "all" && catch_up != "skip")
      p.fail("catch_up", "must be once, all or skip");
    if (p.ok() && name.empty()) p.fail("name", "must not be empty");
    if (p.ok() && wf.empty()) p.fail("workflow_template", "must not be empty");
    if (p.ok()) check_template(p, wf, ctx.node.workflow_templates);
    if (p.ok() && int(cron.has_value()) + int(has_at) + int(has_after) != 1)
      p.fail("cron", "give exactly one of cron, at_ms and after_ms");
    cron_expr c;
    std::string why;
    if (p.ok() && cron && !parse_cron(*cron, c, why)) p.fail("cron", why);
    if (p.ok() && cron && next_fire(c, ctx.now_ms) < 0) p.fail("cron", "never fires");
    if (p.ok() && has_at && at <= ctx.now_ms) p.fail("at_ms", "is not in the future");
    if (p.ok() && has_after && (after <= 0 || after > max_time_ms - ctx.now_ms))
      p.fail("after_ms", "must be a delay of at least 1 ms, ending before the year 10000");
    if (!p.ok()) return p.failure();
    if (has_after) {
      has_at = true;
      at = ctx.now_ms + after;
    }
    auto seq = ctx.state.next_sequence("seq/schedule");
    std::string id = "s" + std::to_string(seq);
    json doc = {
        {"id", id},       {"seq", seq},           {"name", name},       {"workflow_template", wf},
        {"input", input}, {"catch_up", catch_up}, {"status", "active"}, {"created_at", ctx.now_ms}};
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

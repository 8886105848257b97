// project-management: projects and tasks with dependencies, a critical-path schedule
// (earliest/latest start and finish, slack, the critical path, a simple schedule risk),
// progress per task, a risk list (critical tasks that slipped, tasks whose slip ate their slack,
// overdue tasks, over-allocated people) and assignment through the competency engine.
//
// Layout under (project-management, tenant):
//   project/<id>          JSON {id, seq, name, start?, deleted, created_at}
//   task/<pid>/<tid>      JSON {id, order, name, duration_days, depends_on, skills?,
//                               hours_per_week?, assignee?, assignee_name?, percent_complete?,
//                               actual_start?, actual_finish?, done?, created_at}
//   seq/project, seq/task/<pid>   counters
// A task may only depend on tasks that exist; update_task can still close a cycle (editing a
// plan passes through such states), so `plan` checks for cycles and names the one it finds.
//
// Time: durations are whole days. Actual starts and finishes are Unix ms and need a project
// with a start date; so do slips and overdue tasks. A task books its assignee for
// hours_per_week (default 40) from its forecast start to its forecast finish (its planned ones
// in a project without a date); people's capacity comes from the competency engine.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <queue>
#include <set>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"

namespace xyn::actors::services {

namespace {

constexpr int64_t day_ms = 86400000;
// Bounds that keep every schedule sum far from overflow: a task of at most ~2700 years, a start
// no later than 9999-12-31.
constexpr int64_t max_duration_days = 1000000;
constexpr int64_t max_start_ms = 253402300799999;
constexpr double default_hours_per_week = 40;
constexpr const char* competency = "xynergy-competency-engine";

bool valid_task_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id)
    if (!std::isalnum(c) && c != '_' && c != '-') return false;
  return true;
}

std::string project_key(const std::string& id) {
  return "project/" + id;
}
std::string task_prefix(const std::string& pid) {
  return "task/" + pid + "/";
}
std::string task_key(const std::string& pid, const std::string& tid) {
  return task_prefix(pid) + tid;
}

// The project named by params[field] when it exists and its deleted flag is `deleted`.
std::optional<json> load_project(action_context& ctx, const char* field, bool deleted,
                                 outcome& fail) {
  param_reader p(ctx.params);
  auto id = p.string(field);
  if (!p.ok()) {
    fail = p.failure();
    return std::nullopt;
  }
  auto doc = ctx.state.get_json(project_key(id));
  if (!doc || (*doc).value("deleted", false) != deleted) {
    fail = outcome::not_found(std::string(deleted ? "no deleted project '" : "no project '") + id +
                              "'");
    return std::nullopt;
  }
  return *doc;
}

// The tasks of a project in the order they were added.
std::vector<json> load_tasks(const state_view& st, const std::string& pid) {
  std::vector<json> tasks;
  st.scan_json(task_prefix(pid), [&](std::string_view, const json& t) {
    tasks.push_back(t);
    return true;
  });
  std::sort(tasks.begin(), tasks.end(), [](const json& a, const json& b) {
    return a["order"].get<uint64_t>() < b["order"].get<uint64_t>();
  });
  return tasks;
}

json or_null(const json& t, const char* field) {
  return t.contains(field) ? t[field] : json(nullptr);
}

// A task as actions answer it; every field add_task takes, so that add_task with the output of
// remove_task puts the task back as it was.
json task_view(const json& t) {
  return {{"id", t["id"]},
          {"name", t["name"]},
          {"duration_days", t["duration_days"]},
          {"depends_on", t["depends_on"]},
          {"skills", t.value("skills", json::object())},
          {"hours_per_week", t.value("hours_per_week", default_hours_per_week)},
          {"assignee", or_null(t, "assignee")},
          {"assignee_name", or_null(t, "assignee_name")},
          {"percent_complete", t.value("percent_complete", 0)},
          {"actual_start", or_null(t, "actual_start")},
          {"actual_finish", or_null(t, "actual_finish")},
          {"done", t.value("done", false)}};
}

bool given(const json& params, const char* field) {
  return params.contains(field) && !params[field].is_null();
}

// Reads the optional skills {name: level 1-5} and hours_per_week of a task onto `t`.
void read_needs(param_reader& p, const json& params, json& t) {
  if (given(params, "skills")) {
    json skills = p.object("skills", json::object());
    for (auto it = skills.begin(); p.ok() && it != skills.end(); ++it)
      if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 5)
        p.fail(("skills." + it.key()).c_str(), "level must be an integer from 1 to 5");
    t["skills"] = skills;
  }
  if (given(params, "hours_per_week")) {
    double hours = p.number("hours_per_week");
    if (p.ok() && (hours <= 0 || hours > 168))
      p.fail("hours_per_week", "must be more than 0, at most 168");
    t["hours_per_week"] = hours;
  }
}

// Reads a Unix ms time field of a task onto `t`: absent leaves it, null clears it.
void read_time(param_reader& p, const json& params, const char* field, bool dated, json& t) {
  if (!params.contains(field)) return;
  if (params[field].is_null()) {
    t.erase(field);
    return;
  }
  auto at = p.integer(field);
  if (p.ok() && !dated) p.fail(field, "the project has no start date to measure it against");
  if (p.ok() && (at < 0 || at > max_start_ms))
    p.fail(field, "must be 0 to the end of year 9999 (Unix ms)");
  t[field] = at;
}

// Reads progress onto task `t`: done (true also means 100% and, unless given, finished now;
// false drops the finish), percent_complete 0-100, actual_start and actual_finish. An absent
// field is left as it is; null clears a time.
void read_progress(param_reader& p, const json& params, json& t, bool dated, int64_t now) {
  if (given(params, "done")) {
    bool done = p.boolean("done", false);
    t["done"] = done;
    if (done) {
      t["percent_complete"] = 100;
      if (dated && !t.contains("actual_finish")) t["actual_finish"] = now;
    } else {
      t.erase("actual_finish");
    }
  }
  if (given(params, "percent_complete")) {
    auto pct = p.integer("percent_complete");
    if (p.ok() && (pct < 0 || pct > 100)) p.fail("percent_complete", "must be 0-100");
    t["percent_complete"] = pct;
  }
  read_time(p, params, "actual_start", dated, t);
  read_time(p, params, "actual_finish", dated, t);
  if (p.ok() && t.contains("actual_start") && t.contains("actual_finish") &&
      t["actual_finish"].get<int64_t>() < t["actual_start"].get<int64_t>())
    p.fail("actual_finish", "is before actual_start");
}

json progress_view(const json& t) {
  return {{"percent_complete", t.value("percent_complete", 0)},
          {"actual_start", or_null(t, "actual_start")},
          {"actual_finish", or_null(t, "actual_finish")},
          {"done", t.value("done", false)}};
}

// Checks depends_on against the project's tasks: each must exist and not be the task itself.
void check_dependencies(param_reader& p, const std::vector<std::string>& deps,
                        const std::set<std::string>& existing, const std::string& self) {
  for (const auto& d : deps) {
    if (!p.ok()) return;
    if (d == self)
      p.fail("depends_on", "a task cannot depend on itself");
    else if (!existing.count(d))
      p.fail("depends_on", "no task '" + d + "' in this project");
  }
}

// The critical path method over a project's tasks (durations in whole days):
//   forward pass   ES = max(EF of dependencies), EF = ES + duration
//   backward pass  LF = min(LS of dependents) or the project's finish, LS = LF - duration
//   slack = LS - ES; a task with no slack is critical.
struct cpm {
  std::vector<json> tasks;    // in the order they were added
  std::vector<size_t> order;  // dependencies first; ties in the order added
  std::vector<std::vector<size_t>> deps, succ;
  std::vector<int64_t> dur, es, ef, ls, lf;
  int64_t finish = 0;

  int64_t slack(size_t i) const { return ls[i] - es[i]; }
};

// Every task Kahn could not order still has an unordered dependency; walking from one to
// such a dependency must revisit a task, and the walk from that task on is a cycle.
outcome cycle_failure(const std::vector<json>& tasks, const std::vector<std::vector<size_t>>& deps,
                      const std::vector<size_t>& indeg) {
  size_t cur = 0;
  while (indeg[cur] == 0) ++cur;
  std::vector<size_t> walk;
  std::map<size_t, size_t> seen;
  while (!seen.count(cur)) {
    seen[cur] = walk.size();
    walk.push_back(cur);
    for (size_t d : deps[cur]) {
      if (indeg[d] > 0) {
        cur = d;
        break;
      }
    }
  }
  std::string text;
  for (size_t k = seen[cur]; k < walk.size(); ++k)
    text += tasks[walk[k]]["id"].get<std::string>() + " -> ";
  text += tasks[cur]["id"].get<std::string>();
  return outcome::failure("invalid_params", "field 'depends_on': tasks form a cycle: " + text +
                                                " (each depends on the next)");
}

std::optional<cpm> schedule(std::vector<json> tasks, outcome& fail) {
  cpm c;
  const size_t n = tasks.size();
  c.tasks = std::move(tasks);
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < n; ++i) index[c.tasks[i]["id"]] = i;
  c.deps.resize(n);
  c.succ.resize(n);
  c.dur.resize(n);
  for (size_t i = 0; i < n; ++i) {
    c.dur[i] = c.tasks[i]["duration_days"].get<int64_t>();
    for (const auto& d : c.tasks[i]["depends_on"]) {
      auto it = index.find(d.get<std::string>());
      if (it == index.end()) {
        fail = outcome::failure("invalid_params",
                                "field 'depends_on': task '" + c.tasks[i]["id"].get<std::string>() +
                                    "' depends on missing task '" + d.get<std::string>() + "'");
        return std::nullopt;
      }
      c.deps[i].push_back(it->second);
      c.succ[it->second].push_back(i);
    }
  }
  // Kahn's algorithm; among ready tasks the earliest added goes first, so output is stable.
  std::vector<size_t> indeg(n);
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if ((indeg[i] = c.deps[i].size()) == 0) ready.push(i);
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    c.order.push_back(i);
    for (size_t s : c.succ[i])
      if (--indeg[s] == 0) ready.push(s);
  }
  if (c.order.size() < n) {
    fail = cycle_failure(c.tasks, c.deps, indeg);
    return std::nullopt;
  }
  c.es.assign(n, 0);
  c.ef.resize(n);
  c.ls.resize(n);
  c.lf.resize(n);
  for (size_t i : c.order) {
    for (size_t d : c.deps[i]) c.es[i] = std::max(c.es[i], c.ef[d]);
    c.ef[i] = c.es[i] + c.dur[i];
    c.finish = std::max(c.finish, c.ef[i]);
  }
  for (auto it = c.order.rbegin(); it != c.order.rend(); ++it) {
    size_t i = *it;
    c.lf[i] = c.finish;
    for (size_t s : c.succ[i]) c.lf[i] = std::min(c.lf[i], c.ls[s]);
    c.ls[i] = c.lf[i] - c.dur[i];
  }
  return c;
}

// When each task is expected to run, in Unix ms, as [start, finish). Undated projects: the
// plan, counted from 0. Dated ones forecast from progress and the clock: a done task ran at its
// actual times; a started one finishes when the rest of its work (by percent_complete) is done
// from now; one not started starts when its dependencies are forecast to finish, at the project
// start and not before now.
struct span_ms {
  int64_t start = 0, finish = 0;
};
std::vector<span_ms> forecast(const cpm& c, std::optional<int64_t> start_ms, int64_t now) {
  std::vector<span_ms> out(c.tasks.size());
  for (size_t i : c.order) {
    if (!start_ms) {
      out[i] = {c.es[i] * day_ms, c.ef[i] * day_ms};
      continue;
    }
    const json& t = c.tasks[i];
    int64_t after_deps = *start_ms;
    for (size_t d : c.deps[i]) after_deps = std::max(after_deps, out[d].finish);
    int64_t pct = t.value("percent_complete", int64_t{0});
    bool done = t.value("done", false);
    bool started = done || pct > 0 || t.contains("actual_start");
    int64_t s = t.value("actual_start", started ? after_deps : std::max(after_deps, now));
    int64_t f = s + c.dur[i] * day_ms;
    if (done)
      f = t.value("actual_finish", f);
    else if (started)
      f = std::max(now, s) + c.dur[i] * day_ms * (100 - pct) / 100;
    out[i] = {s, f};
  }
  return out;
}

// A stretch of a person's time booked by tasks: hours a week over [from, until).
struct booking {
  int64_t from, until;
  double hours;
  size_t task;
};

// Calls fn(from, until, hours, tasks) for each stretch of time over which the set of bookings
// does not change and is not empty, in time order.
void each_stretch(
    const std::vector<booking>& bookings,
    const std::function<void(int64_t, int64_t, double, const std::set<size_t>&)>& fn) {
  std::set<int64_t> bounds;
  for (const auto& b : bookings) bounds.insert({b.from, b.until});
  for (auto it = bounds.begin(); it != bounds.end() && std::next(it) != bounds.end(); ++it) {
    int64_t from = *it, until = *std::next(it);
    double hours = 0;
    std::set<size_t> tasks;
    for (const auto& b : bookings)
      if (b.from <= from && b.until >= until) {
        hours += b.hours;
        tasks.insert(b.task);
      }
    if (!tasks.empty()) fn(from, until, hours, tasks);
  }
}

// The most hours a week the bookings add up to at any time within [from, until).
double peak_hours(const std::vector<booking>& bookings, int64_t from, int64_t until) {
  std::vector<booking> clipped;
  for (auto b : bookings) {
    b.from = std::max(b.from, from);
    b.until = std::min(b.until, until);
    if (b.from < b.until) clipped.push_back(b);
  }
  double peak = 0;
  each_stretch(clipped, [&](int64_t, int64_t, double h, const std::set<size_t>&) {
    peak = std::max(peak, h);
  });
  return peak;
}

// The first unbroken stretch in which the bookings add up to more than `capacity`.
struct overload {
  int64_t from = 0, until = 0;
  double peak = 0;
  std::set<size_t> tasks;
};
std::optional<overload> first_overload(const std::vector<booking>& bookings, double capacity) {
  std::optional<overload> o;
  bool closed = false;
  each_stretch(bookings, [&](int64_t from, int64_t until, double h, const std::set<size_t>& ts) {
    if (closed) return;
    if (h <= capacity || (o && o->until != from)) {
      closed = o.has_value();
      return;
    }
    if (!o) o = overload{from, until, 0, {}};
    o->until = until;
    o->peak = std::max(o->peak, h);
    o->tasks.insert(ts.begin(), ts.end());
  });
  return o;
}

// A number for a sentence: at most two decimals, none when whole ("1", "2.5").
std::string num(double x) {
  auto s = json(text::round2(x)).dump();
  if (s.size() > 2 && s.ends_with(".0")) s.resize(s.size() - 2);
  return s;
}

// What a project's risk list needs: the project, its schedule and when its tasks should run.
struct project_state {
  json project;
  std::optional<int64_t> start_ms;  // set when the project is dated
  cpm plan;
  std::vector<span_ms> runs;

  std::string id() const { return project["id"]; }
  // A point of the project's time as text: a UTC date when dated, else "day N".
  std::string when(int64_t ms) const {
    if (start_ms) return text::format_utc(ms);
    return "day " + num(static_cast<double>(ms) / day_ms);
  }
  // Bookings of every assigned task that is not done, by person.
  std::map<std::string, std::vector<booking>> bookings() const {
    std::map<std::string, std::vector<booking>> out;
    for (size_t i = 0; i < plan.tasks.size(); ++i) {
      const json& t = plan.tasks[i];
      if (!t.contains("assignee") || t.value("done", false) || runs[i].finish <= runs[i].start)
        continue;
      out[t["assignee"].get<std::string>()].push_back(
          {runs[i].start, runs[i].finish, t.value("hours_per_week", default_hours_per_week), i});
    }
    return out;
  }
};

std::optional<project_state> load_state(action_context& ctx, outcome& fail) {
  auto proj = load_project(ctx, "project_id", false, fail);
  if (!proj) return std::nullopt;
  auto plan = schedule(load_tasks(ctx.state, (*proj)["id"]), fail);
  if (!plan) return std::nullopt;
  project_state s{*proj, std::nullopt, std::move(*plan), {}};
  if (proj->contains("start")) s.start_ms = (*proj)["start"].get<int64_t>();
  s.runs = forecast(s.plan, s.start_ms, ctx.now_ms);
  return s;
}

std::string days_text(int64_t ms) {
  double d = text::round2(static_cast<double>(ms) / day_ms);
  return num(d) + (d == 1 ? " day" : " days");
}

class project_management : public service {
 public:
  project_management()
      : service("project-management", "Projects, tasks, critical path, progress, risks") {
    add({"create_project", "Create a project; start is a Unix time in ms for dated plans",
         object_schema({{"name", "string"}, {"start", "integer"}}, {"name"}), "delete_project",
         true, create_project});
    add({"get_project", "A project with its tasks", object_schema({{"id", "string"}}, {"id"}), "",
         false, get_project});
    add({"delete_project", "Delete a project (kept for restore)",
         object_schema({{"id", "string"}}, {"id"}), "restore_project", true, delete_project});
    add({"restore_project", "Undo a delete", object_schema({{"id", "string"}}, {"id"}),
         "delete_project", true, restore_project});
    auto task_schema = object_schema({{"project_id", "string"},
                                      {"id", "string"},
                                      {"name", "string"},
                                      {"duration_days", "integer"},
                                      {"depends_on", "array"},
                                      {"skills", "object"},
                                      {"hours_per_week", "number"}},
                                     {"project_id", "name", "duration_days"});
    task_schema["properties"]["depends_on"]["items"] = {{"type", "string"}};
    task_schema["properties"]["skills"]["additionalProperties"] = {
        {"type", "integer"}, {"minimum", 1}, {"maximum", 5}};
    auto add_schema = task_schema;
    for (auto [name, type] :
         {std::pair{"assignee", "string"}, std::pair{"assignee_name", "string"},
          std::pair{"percent_complete", "integer"}, std::pair{"actual_start", "integer"},
          std::pair{"actual_finish", "integer"}, std::pair{"done", "boolean"}})
      add_schema["properties"][name] = {{"type", type}};
    add({"add_task",
         "Add a task that depends on existing tasks; id is optional; skills {name: level} are "
         "what assign matches; takes progress and assignee too (to undo remove_task)",
         add_schema, "remove_task", true, add_task});
    auto update_schema = task_schema;
    update_schema["required"] = {"project_id", "id"};
    add({"update_task",
         "Change a task's name, duration, dependencies, skills or hours; returns the previous "
         "values",
         update_schema, "update_task", true, update_task});
    add({"remove_task", "Remove a task no other task depends on",
         object_schema({{"project_id", "string"}, {"id", "string"}}, {"project_id", "id"}),
         "add_task", true, remove_task});
    auto progress_schema = object_schema({{"project_id", "string"},
                                          {"id", "string"},
                                          {"percent_complete", "integer"},
                                          {"actual_start", "integer"},
                                          {"actual_finish", "integer"},
                                          {"done", "boolean"}},
                                         {"project_id", "id"});
    add({"progress",
         "Record a task's progress: percent_complete, actual_start / actual_finish (Unix ms; "
         "null clears), done; returns the previous values",
         progress_schema, "progress", true, progress});
    add({"assign",
         "Assign a task to `person`, or without one to the competency engine's best match for "
         "its skills among people with its hours free",
         object_schema({{"project_id", "string"}, {"id", "string"}, {"person", "string"}},
                       {"project_id", "id"}),
         "unassign", true, assign});
    add({"unassign", "Take a task's assignee off it; returns who it was",
         object_schema({{"project_id", "string"}, {"id", "string"}}, {"project_id", "id"}),
         "assign", true, unassign});
    add({"plan", "Critical-path schedule: earliest/latest start, slack, critical path, risk",
         object_schema({{"project_id", "string"}}, {"project_id"}), "", false, plan});
    add({"risks",
         "What threatens the plan now: critical tasks forecast to finish late, tasks whose slip "
         "ate their slack, overdue tasks, over-allocated people; each with a reason",
         object_schema({{"project_id", "string"}}, {"project_id"}), "", false, risks});
  }

 private:
  static outcome create_project(action_context& ctx) {
    param_reader p(ctx.params);
    auto name = p.string("name");
    bool has_start = given(ctx.params, "start");
    auto start = p.integer("start", 0);
    if (p.ok() && name.empty()) p.fail("name", "must not be empty");
    if (p.ok() && (start < 0 || start > max_start_ms))
      p.fail("start", "must be 0 to the end of year 9999 (Unix ms)");
    if (!p.ok()) return p.failure();
    auto seq = ctx.state.next_sequence("seq/project");
    std::string id = "p" + std::to_string(seq);
    json doc = {
        {"id", id}, {"seq", seq}, {"name", name}, {"deleted", false}, {"created_at", ctx.now_ms}};
    if (has_start) doc["start"] = start;
    ctx.state.put_json(project_key(id), doc, ctx.now_ms);
    json out = {{"id", id}, {"name", name}};
    if (has_start) out["start"] = start;
    return outcome::success(out);
  }

  static outcome get_project(action_context& ctx) {
    outcome fail;
    auto proj = load_project(ctx, "id", false, fail);
    if (!proj) return fail;
    json tasks = json::array();
    for (const auto& t : load_tasks(ctx.state, (*proj)["id"])) tasks.push_back(task_view(t));
    json out = {{"id", (*proj)["id"]}, {"name", (*proj)["name"]}, {"tasks", tasks}};
    if (proj->contains("start")) out["start"] = (*proj)["start"];
    return outcome::success(out);
  }

  static outcome set_deleted(action_context& ctx, bool deleted) {
    outcome fail;
    auto proj = load_project(ctx, "id", !deleted, fail);
    if (!proj) return fail;
    (*proj)["deleted"] = deleted;
    ctx.state.put_json(project_key((*proj)["id"]), *proj, ctx.now_ms);
    return outcome::success({{"id", (*proj)["id"]}, {"deleted", deleted}});
  }
  static outcome delete_project(action_context& ctx) { return set_deleted(ctx, true); }
  static outcome restore_project(action_context& ctx) { return set_deleted(ctx, false); }

  static json saved(action_context& ctx, const std::string& pid, const json& t) {
    ctx.state.put_json(task_key(pid, t["id"]), t, ctx.now_ms);
    json out = task_view(t);
    out["project_id"] = pid;
    return out;
  }

  static outcome add_task(action_context& ctx) {
    outcome fail;
    auto proj = load_project(ctx, "project_id", false, fail);
    if (!proj) return fail;
    std::string pid = (*proj)["id"];
    param_reader p(ctx.params);
    auto id = p.optional_string("id");
    auto name = p.string("name");
    auto duration = p.integer("duration_days");
    auto deps = p.strings("depends_on", {});
    auto assignee = p.optional_string("assignee");
    auto assignee_name = p.optional_string("assignee_name");
    json t = {{"name", name}, {"duration_days", duration}, {"depends_on", deps}};
    read_needs(p, ctx.params, t);
    read_progress(p, ctx.params, t, proj->contains("start"), ctx.now_ms);
    if (p.ok() && id && !valid_task_id(*id))
      p.fail("id", "must be 1-64 letters, digits, '_' or '-'");
    if (p.ok() && name.empty()) p.fail("name", "must not be empty");
    if (p.ok() && (duration < 0 || duration > max_duration_days))
      p.fail("duration_days", "must be 0-" + std::to_string(max_duration_days));
    if (p.ok() && assignee && assignee->empty()) p.fail("assignee", "must not be empty");
    if (!p.ok()) return p.failure();
    auto tasks = load_tasks(ctx.state, pid);
    std::set<std::string> existing;
    for (const auto& task : tasks) existing.insert(task["id"].get<std::string>());
    if (id && existing.count(*id))
      return outcome::failure("conflict", "project '" + pid + "' already has a task '" + *id + "'");
    auto seq = ctx.state.next_sequence("seq/task/" + pid);
    std::string tid = id ? *id : "t" + std::to_string(seq);
    while (existing.count(tid))
      tid = "t" + std::to_string(seq = ctx.state.next_sequence("seq/task/" + pid));
    check_dependencies(p, deps, existing, tid);
    if (!p.ok()) return p.failure();
    t["id"] = tid;
    t["order"] = seq;
    t["created_at"] = ctx.now_ms;
    if (assignee) t["assignee"] = *assignee;
    if (assignee && assignee_name) t["assignee_name"] = *assignee_name;
    return outcome::success(saved(ctx, pid, t));
  }

  // The task params["id"] of the project params["project_id"], with the project.
  static std::optional<std::pair<json, json>> load_task(action_context& ctx, outcome& fail) {
    auto proj = load_project(ctx, "project_id", false, fail);
    if (!proj) return std::nullopt;
    param_reader p(ctx.params);
    auto tid = p.string("id");
    if (!p.ok()) {
      fail = p.failure();
      return std::nullopt;
    }
    std::string pid = (*proj)["id"];
    auto t = ctx.state.get_json(task_key(pid, tid));
    if (!t) {
      fail = outcome::not_found("no task '" + tid + "' in project '" + pid + "'");
      return std::nullopt;
    }
    return std::pair{*proj, *t};
  }

  static outcome update_task(action_context& ctx) {
    outcome fail;
    auto found = load_task(ctx, fail);
    if (!found) return fail;
    auto& [proj, cur] = *found;
    std::string pid = proj["id"];
    param_reader p(ctx.params);
    auto name = p.optional_string("name");
    bool has_duration = given(ctx.params, "duration_days");
    auto duration = p.integer("duration_days", 0);
    bool has_deps = given(ctx.params, "depends_on");
    auto deps = p.strings("depends_on", {});
    json previous = task_view(cur);
    read_needs(p, ctx.params, cur);
    if (p.ok() && name && name->empty()) p.fail("name", "must not be empty");
    if (p.ok() && (duration < 0 || duration > max_duration_days))
      p.fail("duration_days", "must be 0-" + std::to_string(max_duration_days));
    if (p.ok() && has_deps) {
      std::set<std::string> existing;
      for (const auto& t : load_tasks(ctx.state, pid)) existing.insert(t["id"].get<std::string>());
      check_dependencies(p, deps, existing, cur["id"]);
    }
    if (!p.ok()) return p.failure();
    if (name) cur["name"] = *name;
    if (has_duration) cur["duration_days"] = duration;
    if (has_deps) cur["depends_on"] = deps;
    json out = saved(ctx, pid, cur);
    previous["project_id"] = pid;
    out["previous"] = previous;
    return outcome::success(out);
  }

  static outcome remove_task(action_context& ctx) {
    outcome fail;
    auto found = load_task(ctx, fail);
    if (!found) return fail;
    auto& [proj, task] = *found;
    std::string pid = proj["id"];
    std::vector<std::string> dependents;
    for (const auto& t : load_tasks(ctx.state, pid))
      for (const auto& d : t["depends_on"])
        if (d == task["id"]) dependents.push_back(t["id"]);
    if (!dependents.empty()) {
      std::string names;
      for (const auto& d : dependents) names += (names.empty() ? "'" : ", '") + d + "'";
      return outcome::failure("conflict",
                              "task '" + task["id"].get<std::string>() + "' is needed by " + names);
    }
    ctx.state.erase(task_key(pid, task["id"]));
    json out = task_view(task);
    out["project_id"] = pid;
    out["removed"] = true;
    return outcome::success(out);
  }

  static outcome progress(action_context& ctx) {
    outcome fail;
    auto found = load_task(ctx, fail);
    if (!found) return fail;
    auto& [proj, t] = *found;
    json previous = progress_view(t);
    param_reader p(ctx.params);
    read_progress(p, ctx.params, t, proj.contains("start"), ctx.now_ms);
    if (!p.ok()) return p.failure();
    json out = saved(ctx, proj["id"], t);
    previous["project_id"] = proj["id"];
    previous["id"] = t["id"];
    out["previous"] = previous;
    return outcome::success(out);
  }

  // Hours a week each person is already booked, at the busiest time while task `i` runs.
  static json load_hint(const project_state& s, size_t i) {
    json load = json::object();
    for (auto& [person, booked] : s.bookings()) {
      std::vector<booking> others;
      for (const auto& b : booked)
        if (b.task != i) others.push_back(b);
      double h = peak_hours(others, s.runs[i].start, s.runs[i].finish);
      if (h > 0) load[person] = h;
    }
    return load;
  }

  static outcome assign(action_context& ctx) {
    outcome fail;
    auto state = load_state(ctx, fail);
    if (!state) return fail;
    param_reader p(ctx.params);
    auto tid = p.string("id");
    auto person = p.optional_string("person");
    if (p.ok() && person && person->empty()) p.fail("person", "must not be empty");
    if (!p.ok()) return p.failure();
    auto& tasks = state->plan.tasks;
    auto it =
        std::find_if(tasks.begin(), tasks.end(), [&](const json& t) { return t["id"] == tid; });
    if (it == tasks.end())
      return outcome::not_found("no task '" + tid + "' in project '" + state->id() + "'");
    json& t = *it;
    json out = {
        {"project_id", state->id()}, {"id", tid}, {"previous_person", or_null(t, "assignee")}};
    json name = nullptr;
    if (person) {
      // Anyone may be named; the competency engine only supplies the name when it knows them.
      auto known = ctx.ask(competency, "get_person", {{"id", *person}});
      if (known.ok) name = known.output["name"];
    } else {
      json skills = t.value("skills", json::object());
      if (skills.empty())
        return outcome::failure("invalid_params", "field 'person': required, as task '" + tid +
                                                      "' has no skills to match people against");
      json ask = {{"skills", skills},
                  {"count", 1},
                  {"hours", t.value("hours_per_week", default_hours_per_week)},
                  {"load_hours", load_hint(*state, static_cast<size_t>(it - tasks.begin()))}};
      auto match = ctx.ask(competency, "match", ask);
      if (!match.ok) {
        match.message = "asking the competency engine for a match: " + match.message;
        return match;
      }
      if (match.output["matches"].empty()) {
        std::string why;
        for (const auto& e : match.output["excluded"])
          why += (why.empty() ? "" : "; ") + e["name"].get<std::string>() + ": " +
                 e["reason"].get<std::string>();
        return outcome::failure("no_match", "no one can take task '" + tid + "' (" +
                                                (why.empty() ? "no people" : why) + ")");
      }
      const json& best = match.output["matches"][0];
      person = best["id"].get<std::string>();
      name = best["name"];
      out["match"] = best;
      out["load_hours"] = ask["load_hours"];
    }
    t["assignee"] = *person;
    if (name.is_null())
      t.erase("assignee_name");
    else
      t["assignee_name"] = name;
    ctx.state.put_json(task_key(state->id(), tid), t, ctx.now_ms);
    out["person"] = *person;
    out["name"] = name;
    return outcome::success(out);
  }

  static outcome unassign(action_context& ctx) {
    outcome fail;
    auto found = load_task(ctx, fail);
    if (!found) return fail;
    auto& [proj, t] = *found;
    if (!t.contains("assignee"))
      return outcome::failure("conflict",
                              "task '" + t["id"].get<std::string>() + "' has no assignee");
    json out = {{"project_id", proj["id"]}, {"id", t["id"]}, {"person", t["assignee"]}};
    t.erase("assignee");
    t.erase("assignee_name");
    ctx.state.put_json(task_key(proj["id"], t["id"]), t, ctx.now_ms);
    return outcome::success(out);
  }

  static outcome plan(action_context& ctx) {
    outcome fail;
    auto proj = load_project(ctx, "project_id", false, fail);
    if (!proj) return fail;
    auto c = schedule(load_tasks(ctx.state, (*proj)["id"]), fail);
    if (!c) return fail;
    const size_t n = c->tasks.size();
    // One critical path: from the first critical task starting at 0, follow critical
    // dependents that start the moment the current one finishes.
    std::vector<size_t> path;
    for (size_t i : c->order) {
      if (c->es[i] == 0 && c->ls[i] == 0) {
        path.push_back(i);
        break;
      }
    }
    while (!path.empty()) {
      size_t cur = path.back();
      std::optional<size_t> next;
      for (size_t i : c->order) {
        const auto& succ = c->succ[cur];
        bool is_succ = std::find(succ.begin(), succ.end(), i) != succ.end();
        if (is_succ && c->ls[i] == c->es[i] && c->es[i] == c->ef[cur]) {
          next = i;
          break;
        }
      }
      if (!next) break;
      path.push_back(*next);
    }
    const bool dated = proj->contains("start");
    const int64_t start_ms = dated ? (*proj)["start"].get<int64_t>() : 0;
    json rows = json::array(), critical_path = json::array();
    size_t critical = 0, near_critical = 0;
    for (size_t i : c->order) {
      int64_t slack = c->slack(i);
      if (slack == 0) ++critical;
      if (slack > 0 && slack <= 2) ++near_critical;
      json row = {{"id", c->tasks[i]["id"]},     {"name", c->tasks[i]["name"]},
                  {"duration_days", c->dur[i]},  {"earliest_start", c->es[i]},
                  {"earliest_finish", c->ef[i]}, {"latest_start", c->ls[i]},
                  {"latest_finish", c->lf[i]},   {"slack", slack},
                  {"critical", slack == 0}};
      if (dated) {
        row["earliest_start_at"] = start_ms + c->es[i] * day_ms;
        row["earliest_finish_at"] = start_ms + c->ef[i] * day_ms;
      }
      rows.push_back(std::move(row));
    }
    for (size_t i : path) critical_path.push_back(c->tasks[i]["id"]);
    // Risk: the share of tasks with two days of slack or less, where any slip moves the end.
    double tight =
        n == 0 ? 0 : static_cast<double>(critical + near_critical) / static_cast<double>(n);
    json out = {{"project_id", (*proj)["id"]},
                {"duration_days", c->finish},
                {"critical_path", critical_path},
                {"tasks", rows},
                {"risk",
                 {{"critical_tasks", critical},
                  {"near_critical_tasks", near_critical},
                  {"level", tight < 0.34   ? "low"
                            : tight < 0.67 ? "medium"
                                           : "high"}}}};
    if (dated) out["finish_at"] = start_ms + c->finish * day_ms;
    return outcome::success(out);
  }

  // Slips and overdue tasks, in schedule order (dated projects only).
  static void schedule_risks(const project_state& s, int64_t now, json& risks) {
    const auto& c = s.plan;
    json slips = json::array(), overdue = json::array();
    for (size_t i : c.order) {
      const json& t = c.tasks[i];
      int64_t planned = *s.start_ms + c.ef[i] * day_ms, latest = *s.start_ms + c.lf[i] * day_ms;
      int64_t slip = s.runs[i].finish - planned;
      json base = {{"task", t["id"]},
                   {"planned_finish_at", planned},
                   {"latest_finish_at", latest},
                   {"forecast_finish_at", s.runs[i].finish}};
      if (slip > 0 && c.slack(i) == 0) {
        json r = {{"kind", "critical_path_slip"},
                  {"slip_days", text::round2(double(slip) / day_ms)}};
        r["reason"] = "on the critical path and forecast to finish " + days_text(slip) + " late (" +
                      s.when(s.runs[i].finish) + ", planned " + s.when(planned) +
                      "): the project's end moves with it";
        r.update(base);
        slips.push_back(r);
      } else if (s.runs[i].finish > latest) {
        json r = {{"kind", "slack_exhausted"}, {"slip_days", text::round2(double(slip) / day_ms)}};
        r["reason"] = "forecast to finish " + days_text(slip) + " late, more than its " +
                      days_text(c.slack(i) * day_ms) + " of slack: it now delays the project";
        r.update(base);
        slips.push_back(r);
      }
      if (!t.value("done", false) && now > latest) {
        json r = {{"kind", "overdue"},
                  {"overdue_days", text::round2(double(now - latest) / day_ms)}};
        r["reason"] = "not done, and " + days_text(now - latest) + " past its latest finish (" +
                      s.when(latest) + ")";
        r.update(base);
        overdue.push_back(r);
      }
    }
    for (auto* group : {&slips, &overdue})
      for (auto& r : *group) risks.push_back(std::move(r));
  }

  // People booked beyond their weekly capacity (from the competency engine, else 40 h).
  static void allocation_risks(action_context& ctx, const project_state& s, json& risks) {
    for (const auto& [person, booked] : s.bookings()) {
      auto known = ctx.ask(competency, "get_person", {{"id", person}});
      double capacity =
          known.ok ? known.output["capacity_hours"].get<double>() : default_hours_per_week;
      auto o = first_overload(booked, capacity);
      if (!o) continue;
      json tasks = json::array();
      std::string names;
      for (size_t i : o->tasks) {
        tasks.push_back(s.plan.tasks[i]["id"]);
        names += (names.empty() ? "" : ", ") + s.plan.tasks[i]["id"].get<std::string>();
      }
      auto hours = [](double h) { return num(h) + " h"; };
      json r = {{"kind", "over_allocated"},
                {"person", person},
                {"name", known.ok ? known.output["name"] : json(nullptr)},
                {"capacity_hours", capacity},
                {"peak_hours", o->peak},
                {"tasks", tasks},
                {"from_day", text::round2(double(o->from - s.start_ms.value_or(0)) / day_ms)},
                {"until_day", text::round2(double(o->until - s.start_ms.value_or(0)) / day_ms)}};
      if (s.start_ms) {
        r["from_at"] = o->from;
        r["until_at"] = o->until;
      }
      r["reason"] = "booked " + hours(o->peak) + " a week from " + s.when(o->from) + " to " +
                    s.when(o->until) + " (tasks " + names + ") against a capacity of " +
                    hours(capacity) +
                    (known.ok ? "" : " (the default: unknown to the competency engine)");
      risks.push_back(std::move(r));
    }
  }

  static outcome risks(action_context& ctx) {
    outcome fail;
    auto s = load_state(ctx, fail);
    if (!s) return fail;
    json list = json::array();
    json out = {{"project_id", s->id()}, {"dated", s->start_ms.has_value()}};
    if (s->start_ms) {
      schedule_risks(*s, ctx.now_ms, list);
      int64_t planned = *s->start_ms + s->plan.finish * day_ms, forecast_end = *s->start_ms;
      for (const auto& r : s->runs) forecast_end = std::max(forecast_end, r.finish);
      out["planned_finish_at"] = planned;
      out["forecast_finish_at"] = forecast_end;
      out["slip_days"] =
          text::round2(double(std::max<int64_t>(0, forecast_end - planned)) / day_ms);
    } else {
      out["note"] = "the project has no start date: slips and overdue tasks need one";
    }
    allocation_risks(ctx, *s, list);
    out["count"] = list.size();
    out["risks"] = std::move(list);
    return outcome::success(out);
  }
};

}  // namespace

std::unique_ptr<service> make_project_management() {
  return std::make_unique<project_management>();
}

}  // namespace xyn::actors::services

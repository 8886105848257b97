// project-management: projects and tasks with dependencies, and a critical-path schedule
// (earliest/latest start and finish, slack, the critical path, a simple schedule risk).
//
// Layout under (project-management, tenant):
//   project/<id>          JSON {id, seq, name, start?, deleted, created_at}
//   task/<pid>/<tid>      JSON {id, order, name, duration_days, depends_on, created_at}
//   seq/project, seq/task/<pid>   counters
// A task may only depend on tasks that exist; update_task can still close a cycle (editing a
// plan passes through such states), so `plan` checks for cycles and names the one it finds.
#include <algorithm>
#include <cctype>
#include <map>
#include <queue>
#include <set>

#include "actors/params.hpp"
#include "actors/services/services.hpp"

namespace xyn::actors::services {

namespace {

constexpr int64_t day_ms = 86400000;
// Bounds that keep every schedule sum far from overflow: a task of at most ~2700 years, a start
// no later than 9999-12-31.
constexpr int64_t max_duration_days = 1000000;
constexpr int64_t max_start_ms = 253402300799999;

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

json task_view(const json& t) {
  return {{"id", t["id"]},
          {"name", t["name"]},
          {"duration_days", t["duration_days"]},
          {"depends_on", t["depends_on"]}};
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

class project_management : public service {
 public:
  project_management() : service("project-management", "Projects, tasks, critical path and risk") {
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
                                      {"depends_on", "array"}},
                                     {"project_id", "name", "duration_days"});
    task_schema["properties"]["depends_on"]["items"] = {{"type", "string"}};
    add({"add_task", "Add a task that depends on existing tasks; id is optional", task_schema,
         "remove_task", true, add_task});
    auto update_schema = task_schema;
    update_schema["required"] = {"project_id", "id"};
    add({"update_task",
         "Change a task's name, duration or dependencies; returns the previous values",
         update_schema, "update_task", true, update_task});
    add({"remove_task", "Remove a task no other task depends on",
         object_schema({{"project_id", "string"}, {"id", "string"}}, {"project_id", "id"}),
         "add_task", true, remove_task});
    add({"plan", "Critical-path schedule: earliest/latest start, slack, critical path, risk",
         object_schema({{"project_id", "string"}}, {"project_id"}), "", false, plan});
  }

 private:
  static outcome create_project(action_context& ctx) {
    param_reader p(ctx.params);
    auto name = p.string("name");
    bool has_start = ctx.params.contains("start") && !ctx.params["start"].is_null();
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
    if (p.ok() && id && !valid_task_id(*id))
      p.fail("id", "must be 1-64 letters, digits, '_' or '-'");
    if (p.ok() && name.empty()) p.fail("name", "must not be empty");
    if (p.ok() && (duration < 0 || duration > max_duration_days))
      p.fail("duration_days", "must be 0-" + std::to_string(max_duration_days));
    if (!p.ok()) return p.failure();
    auto tasks = load_tasks(ctx.state, pid);
    std::set<std::string> existing;
    for (const auto& t : tasks) existing.insert(t["id"].get<std::string>());
    if (id && existing.count(*id))
      return outcome::failure("conflict", "project '" + pid + "' already has a task '" + *id + "'");
    auto seq = ctx.state.next_sequence("seq/task/" + pid);
    std::string tid = id ? *id : "t" + std::to_string(seq);
    while (existing.count(tid))
      tid = "t" + std::to_string(seq = ctx.state.next_sequence("seq/task/" + pid));
    check_dependencies(p, deps, existing, tid);
    if (!p.ok()) return p.failure();
    json t = {{"id", tid},          {"order", seq},
              {"name", name},       {"duration_days", duration},
              {"depends_on", deps}, {"created_at", ctx.now_ms}};
    ctx.state.put_json(task_key(pid, tid), t, ctx.now_ms);
    json out = task_view(t);
    out["project_id"] = pid;
    return outcome::success(out);
  }

  static outcome update_task(action_context& ctx) {
    outcome fail;
    auto proj = load_project(ctx, "project_id", false, fail);
    if (!proj) return fail;
    std::string pid = (*proj)["id"];
    param_reader p(ctx.params);
    auto tid = p.string("id");
    auto name = p.optional_string("name");
    bool has_duration =
        ctx.params.contains("duration_days") && !ctx.params["duration_days"].is_null();
    auto duration = p.integer("duration_days", 0);
    bool has_deps = ctx.params.contains("depends_on") && !ctx.params["depends_on"].is_null();
    auto deps = p.strings("depends_on", {});
    if (p.ok() && name && name->empty()) p.fail("name", "must not be empty");
    if (p.ok() && (duration < 0 || duration > max_duration_days))
      p.fail("duration_days", "must be 0-" + std::to_string(max_duration_days));
    if (!p.ok()) return p.failure();
    auto cur = ctx.state.get_json(task_key(pid, tid));
    if (!cur) return outcome::not_found("no task '" + tid + "' in project '" + pid + "'");
    if (has_deps) {
      std::set<std::string> existing;
      for (const auto& t : load_tasks(ctx.state, pid)) existing.insert(t["id"].get<std::string>());
      check_dependencies(p, deps, existing, tid);
      if (!p.ok()) return p.failure();
    }
    json previous = task_view(*cur);
    if (name) (*cur)["name"] = *name;
    if (has_duration) (*cur)["duration_days"] = duration;
    if (has_deps) (*cur)["depends_on"] = deps;
    ctx.state.put_json(task_key(pid, tid), *cur, ctx.now_ms);
    json out = task_view(*cur);
    out["project_id"] = pid;
    previous["project_id"] = pid;
    out["previous"] = previous;
    return outcome::success(out);
  }

  static outcome remove_task(action_context& ctx) {
    outcome fail;
    auto proj = load_project(ctx, "project_id", false, fail);
    if (!proj) return fail;
    std::string pid = (*proj)["id"];
    param_reader p(ctx.params);
    auto tid = p.string("id");
    if (!p.ok()) return p.failure();
    std::optional<json> found;
    std::vector<std::string> dependents;
    for (const auto& t : load_tasks(ctx.state, pid)) {
      if (t["id"] == tid) found = t;
      for (const auto& d : t["depends_on"])
        if (d == tid) dependents.push_back(t["id"]);
    }
    if (!found) return outcome::not_found("no task '" + tid + "' in project '" + pid + "'");
    if (!dependents.empty()) {
      std::string names;
      for (const auto& d : dependents) names += (names.empty() ? "'" : ", '") + d + "'";
      return outcome::failure("conflict", "task '" + tid + "' is needed by " + names);
    }
    ctx.state.erase(task_key(pid, tid));
    json out = task_view(*found);
    out["project_id"] = pid;
    out["removed"] = true;
    return outcome::success(out);
  }

  // The critical path method over the task graph (durations in whole days):
  //   forward pass   ES = max(EF of dependencies), EF = ES + duration
  //   backward pass  LF = min(LS of dependents) or the project's finish, LS = LF - duration
  //   slack = LS - ES; a task with no slack is critical.
  static outcome plan(action_context& ctx) {
    outcome fail;
    auto proj = load_project(ctx, "project_id", false, fail);
    if (!proj) return fail;
    auto tasks = load_tasks(ctx.state, (*proj)["id"]);
    const size_t n = tasks.size();
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < n; ++i) index[tasks[i]["id"]] = i;
    std::vector<std::vector<size_t>> deps(n), succ(n);
    std::vector<int64_t> dur(n);
    for (size_t i = 0; i < n; ++i) {
      dur[i] = tasks[i]["duration_days"].get<int64_t>();
      for (const auto& d : tasks[i]["depends_on"]) {
        auto it = index.find(d.get<std::string>());
        if (it == index.end())
          return outcome::failure("invalid_params",
                                  "field 'depends_on': task '" + tasks[i]["id"].get<std::string>() +
                                      "' depends on missing task '" + d.get<std::string>() + "'");
        deps[i].push_back(it->second);
        succ[it->second].push_back(i);
      }
    }
    // Kahn's algorithm; among ready tasks the earliest added goes first, so output is stable.
    std::vector<size_t> indeg(n), order;
    std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
    for (size_t i = 0; i < n; ++i)
      if ((indeg[i] = deps[i].size()) == 0) ready.push(i);
    while (!ready.empty()) {
      size_t i = ready.top();
      ready.pop();
      order.push_back(i);
      for (size_t s : succ[i])
        if (--indeg[s] == 0) ready.push(s);
    }
    if (order.size() < n) return cycle_failure(tasks, deps, indeg);

    std::vector<int64_t> es(n, 0), ef(n), ls(n), lf(n);
    int64_t finish = 0;
    for (size_t i : order) {
      for (size_t d : deps[i]) es[i] = std::max(es[i], ef[d]);
      ef[i] = es[i] + dur[i];
      finish = std::max(finish, ef[i]);
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      size_t i = *it;
      lf[i] = finish;
      for (size_t s : succ[i]) lf[i] = std::min(lf[i], ls[s]);
      ls[i] = lf[i] - dur[i];
    }
    // One critical path: from the first critical task starting at 0, follow critical
    // dependents that start the moment the current one finishes.
    std::vector<size_t> path;
    for (size_t i : order) {
      if (es[i] == 0 && ls[i] == 0) {
        path.push_back(i);
        break;
      }
    }
    while (!path.empty()) {
      size_t cur = path.back();
      std::optional<size_t> next;
      for (size_t i : order) {
        bool is_succ = std::find(succ[cur].begin(), succ[cur].end(), i) != succ[cur].end();
        if (is_succ && ls[i] == es[i] && es[i] == ef[cur]) {
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
    for (size_t i : order) {
      int64_t slack = ls[i] - es[i];
      if (slack == 0) ++critical;
      if (slack > 0 && slack <= 2) ++near_critical;
      json row = {{"id", tasks[i]["id"]},    {"name", tasks[i]["name"]}, {"duration_days", dur[i]},
                  {"earliest_start", es[i]}, {"earliest_finish", ef[i]}, {"latest_start", ls[i]},
                  {"latest_finish", lf[i]},  {"slack", slack},           {"critical", slack == 0}};
      if (dated) {
        row["earliest_start_at"] = start_ms + es[i] * day_ms;
        row["earliest_finish_at"] = start_ms + ef[i] * day_ms;
      }
      rows.push_back(std::move(row));
    }
    for (size_t i : path) critical_path.push_back(tasks[i]["id"]);
    // Risk: the share of tasks with two days of slack or less, where any slip moves the end.
    double tight =
        n == 0 ? 0 : static_cast<double>(critical + near_critical) / static_cast<double>(n);
    json out = {{"project_id", (*proj)["id"]},
                {"duration_days", finish},
                {"critical_path", critical_path},
                {"tasks", rows},
                {"risk",
                 {{"critical_tasks", critical},
                  {"near_critical_tasks", near_critical},
                  {"level", tight < 0.34   ? "low"
                            : tight < 0.67 ? "medium"
                                           : "high"}}}};
    if (dated) out["finish_at"] = start_ms + finish * day_ms;
    return outcome::success(out);
  }

  // Every task Kahn could not order still has an unordered dependency; walking from one to
  // such a dependency must revisit a task, and the walk from that task on is a cycle.
  static outcome cycle_failure(const std::vector<json>& tasks,
                               const std::vector<std::vector<size_t>>& deps,
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
};

}  // namespace

std::unique_ptr<service> make_project_management() {
  return std::make_unique<project_management>();
}

}  // namespace xyn::actors::services

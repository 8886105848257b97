#include "actors/schedule_runner.hpp"

#include <chrono>

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include "actors/event.hpp"
#include "actors/services/cron.hpp"
#include "actors/workflow/messages.hpp"
#include "runtime/base/keys.hpp"
#include "runtime/node/names.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "runtime/store/messages.hpp"
#include "xyn.pb.h"

namespace xyn::actors {

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using tick_atom = caf::atom_constant<caf::atom("schedtick")>;

constexpr const char* service_name = "scheduler-automation-engine";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string last_fired_key(const std::string& tenant, const std::string& id) {
  return keys::join({"s", tenant, id});
}

struct found_schedule {
  std::string tenant;
  json doc;
  int64_t last = 0;
};

// Every schedule of every tenant, with the last fire time handled.
std::vector<found_schedule> load_schedules(const store::lmdb_env& env) {
  std::vector<found_schedule> out;
  auto prefix = keys::prefix({service_name});
  env.scan(store::db::service_state, prefix, [&](std::string_view k, std::string_view v) {
    auto rest = k.substr(prefix.size());
    auto sep = rest.find(keys::separator);
    if (sep == std::string_view::npos) return true;
    auto key = rest.substr(sep + 1);
    if (!key.starts_with("schedule/")) return true;
    proto::JsonDocument doc;
    if (!doc.ParseFromArray(v.data(), static_cast<int>(v.size()))) return true;
    auto j = json::parse(doc.json(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return true;
    out.push_back({std::string(rest.substr(0, sep)), std::move(j), 0});
    return true;
  });
  for (auto& s : out) {
    auto raw = env.get(store::db::workflows, last_fired_key(s.tenant, s.doc.value("id", "")));
    if (raw && raw->size() == 8) s.last = static_cast<int64_t>(keys::from_be64(*raw));
  }
  return out;
}

struct runner_state {
  static inline const char* name = "schedule-runner";
  std::shared_ptr<store::lmdb_env> env;
  schedule_runner_options opts;
};

using runner_actor = caf::stateful_actor<runner_state>;

void next_tick(runner_actor* self) {
  self->delayed_send(self, self->state.opts.tick, tick_atom::value);
}

// Starts the runs of one schedule's plan, then records how far it got. The record is written
// after the submits: a crash in between repeats the submits, which the run ids make harmless.
void fire(runner_actor* self, const found_schedule& s, const fire_plan& plan) {
  auto manager = node::lookup(self->system(), node::workflows_name);
  auto writer = node::lookup(self->system(), node::store_name);
  if (!manager || !writer) return;
  auto id = s.doc.value("id", "");
  auto remaining = std::make_shared<size_t>(plan.fire.size());
  auto record = [self, writer, tenant = s.tenant, id, through = plan.handled_through]() {
    store::write_batch wb;
    wb.put(store::db::workflows, last_fired_key(tenant, id),
           keys::be64(static_cast<uint64_t>(through)));
    self->request(writer, caf::infinite, store::write_atom::value, std::move(wb))
        .then([](store::ok_atom) {},
              [self](caf::error& err) {
                spdlog::warn("schedule runner: cannot record a fire: {}",
                             self->system().render(err));
              });
  };
  if (plan.fire.empty()) {
    record();
    return;
  }
  for (auto at : plan.fire) {
    workflow::submit_request r;
    r.id = scheduled_run_id(s.tenant, id, at);
    r.tenant = s.tenant;
    r.template_name = s.doc.value("workflow_template", "");
    r.input_json = s.doc.value("input", json::object()).dump();
    auto done = [self, remaining, record, tenant = s.tenant, id,
                 run = r.id](const std::string& error) {
      json data = {{"schedule", id}, {"workflow", run}};
      if (!error.empty()) data["error"] = error;
      publish(self->system(), error.empty() ? "schedule.fired" : "schedule.failed", tenant, data);
      if (--*remaining == 0) record();
    };
    self->request(manager, 60s, workflow::submit_atom::value, r)
        .then([done](workflow::submit_reply&) { done({}); },
              [done](caf::error& err) {
                auto st = store::to_status(err);
                spdlog::warn("schedule could not start its workflow: {}", st.to_string());
                done(st.to_string());
              });
  }
}

caf::behavior schedule_runner(runner_actor* self, std::shared_ptr<store::lmdb_env> env,
                              schedule_runner_options opts) {
  self->state.env = std::move(env);
  self->state.opts = opts;
  self->set_error_handler([](caf::scheduled_actor*, caf::error&) {});
  self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        auto now = now_ms();
        for (const auto& s : load_schedules(*self->state.env)) {
          auto plan = plan_fires(s.doc, s.last, now);
          if (plan.handled_through == 0) continue;
          fire(self, s, plan);
        }
        next_tick(self);
      },
  };
}

}  // namespace

fire_plan plan_fires(const json& s, int64_t last, int64_t now) {
  fire_plan plan;
  if (!s.is_object() || s.value("status", "") != "active") return plan;
  if (s.contains("at_ms") && s["at_ms"].is_number_integer()) {
    auto at = s["at_ms"].get<int64_t>();
    if (last >= at || at > now) return plan;
    auto policy = s.value("catch_up", "once");
    if (policy != "skip" || now - at <= schedule_grace_ms) plan.fire.push_back(at);
    plan.handled_through = at;
    return plan;
  }
  cron::cron_expr c;
  std::string why;
  if (!s.contains("cron") || !cron::parse_cron(s.value("cron", ""), c, why)) return plan;
  // Never fire for times before the schedule existed.
  int64_t from = std::max(last, s.value("created_at", int64_t{0}));
  std::vector<int64_t> due;
  for (int64_t t = cron::next_fire(c, from); t >= 0 && t <= now; t = cron::next_fire(c, t)) {
    due.push_back(t);
    if (due.size() > 100'000) break;  // a very long outage of a per-minute schedule
  }
  if (due.empty()) return plan;
  plan.handled_through = due.back();
  auto policy = s.value("catch_up", "once");
  if (policy == "all") {
    auto first = due.size() > max_catch_up_runs ? due.end() - max_catch_up_runs : due.begin();
    plan.fire.assign(first, due.end());
  } else if (policy == "skip") {
    for (auto t : due)
      if (now - t <= schedule_grace_ms) plan.fire.push_back(t);
  } else {
    plan.fire.push_back(due.back());
  }
  return plan;
}

std::string scheduled_run_id(const std::string& tenant, const std::string& id, int64_t at) {
  return "sched:" + tenant + ":" + id + ":" + std::to_string(at);
}

caf::actor spawn_schedule_runner(caf::actor_system& sys, std::shared_ptr<store::lmdb_env> env,
                                 schedule_runner_options opts) {
  return sys.spawn(schedule_runner, std::move(env), opts);
}

}  // namespace xyn::actors

#pragma once
// schedule_runner.hpp — the node's scheduler (DESIGN.md root child "scheduler"): it fires the
// schedules the scheduler-automation-engine service keeps, by starting their workflows through
// the workflow manager. Durable across restarts: the last fire time of each schedule is stored
// (db workflows, key "s" 0x00 <tenant> 0x00 <schedule id>), and each run's workflow id is
// derived from (tenant, schedule, fire time), so a fire repeated after a crash starts nothing
// twice. Runs missed while the node was down are caught up by the schedule's policy:
//   once (default): one run for all the missed fire times; all: one per missed time (at most
//   100); skip: none, only fire times within the grace period run.

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <caf/fwd.hpp>
#include <nlohmann/json.hpp>

namespace xyn::store {
class lmdb_env;
}

namespace xyn::actors {

// What a schedule should do at `now`: the fire times to start now, and the fire time to record
// as the last one handled (0: record nothing).
struct fire_plan {
  std::vector<int64_t> fire;
  int64_t handled_through = 0;
};

inline constexpr int64_t schedule_grace_ms = 60'000;
inline constexpr size_t max_catch_up_runs = 100;

// Pure: the plan for schedule document `schedule` (as the service stores it) given the last
// fire time handled (`last`, 0 when none) at `now`.
fire_plan plan_fires(const nlohmann::json& schedule, int64_t last, int64_t now);

// The workflow id of schedule `id`'s run for fire time `at`.
std::string scheduled_run_id(const std::string& tenant, const std::string& id, int64_t at);

struct schedule_runner_options {
  std::chrono::milliseconds tick{1000};
};

caf::actor spawn_schedule_runner(caf::actor_system& sys, std::shared_ptr<store::lmdb_env> env,
                                 schedule_runner_options opts);

}  // namespace xyn::actors

#pragma once
// engine.hpp — the workflow actors: one actor per running workflow, and the manager that
// starts, routes to, passivates, restarts and resumes them (DESIGN.md "Workflows").
//
// A workflow actor owns one run_state. It journals every event (through the store writer's
// group commit) before it acts on it, calls services through the mesh with idempotency keys
// derived from (workflow id, step id), keeps timers for retries, sleeps and approval deadlines,
// and ends when the run reaches a final status. When it only waits (a long timer, a signal) it
// parks: it tells the manager when to wake it and exits, so idle runs cost LMDB, not RAM.
//
// The manager (registered as node::workflows_name) answers messages.hpp. It links to every
// workflow actor and traps their exits like an OTP simple_one_for_one supervisor: a crashed
// workflow is restarted from its journal after a backoff and never affects the others. At
// start it resumes every unfinished run from the journal (in a cluster: of the shards it serves,
// and again whenever the cluster actor says that set changed).

#include <atomic>
#include <cstdint>
#include <memory>

#include <caf/fwd.hpp>

namespace xyn::store {
class lmdb_env;
}

namespace xyn::cluster {
class directory;
}

namespace xyn::workflow {

class library;
class workflow_meters;

struct engine_options {
  int64_t default_step_timeout_ms = 30'000;
  // A run whose next timer is further away than this (or that waits only for a signal) is
  // passivated to LMDB.
  int64_t passivate_after_ms = 2'000;
  // Runs resumed per turn of the manager at start-up, so the node answers meanwhile.
  int resume_batch = 500;
  // Crash restarts of one workflow: backoff doubles from 100 ms up to this.
  int64_t max_restart_backoff_ms = 10'000;
  bool publish_events = true;
};

struct engine_deps {
  std::shared_ptr<store::lmdb_env> env;
  std::shared_ptr<const library> lib;
  engine_options options;
  // While true (the node drains), submits of new top-level runs are refused as unavailable;
  // running runs and their children go on. Null: never draining.
  std::shared_ptr<const std::atomic<bool>> draining;
  // Runs and step latencies are counted here (workflow_meters.hpp); null: not counted.
  std::shared_ptr<workflow_meters> meters{};
  // The cluster as this node sees it; null on a single node. In a cluster a run lives on the
  // owner of its tenant's shard: the manager runs only the runs of shards this node serves,
  // forwards submits for other shards to their owner, and every journal write is copied to
  // the shard's backup before the run acts on it.
  std::shared_ptr<cluster::directory> members{};
};

// Spawns the manager, registers it as node::workflows_name and starts resuming unfinished runs.
caf::actor spawn_workflow_manager(caf::actor_system& sys, engine_deps deps);

}  // namespace xyn::workflow

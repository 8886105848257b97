#pragma once
// workflow_meters.hpp — what the workflow engine records: runs started and finished (by final
// status), runs not yet finished, and how long each step's service call took as the run saw
// it (mesh round trip included). xyn_workflows_started_total,
// xyn_workflows_finished_total{status}, xyn_workflows_running,
// xyn_workflow_step_duration_seconds{service}. Shared by every workflow actor of a node (the
// metrics are atomics; a step's histogram is looked up under the family's mutex).

#include <string>

#include "runtime/metrics/registry.hpp"

namespace xyn::workflow {

class workflow_meters {
 public:
  explicit workflow_meters(metrics::registry& registry);

  // A new run's STARTED event is durable.
  void started();
  // A run's final event is durable; `status`: completed, failed, rolled_back or cancelled.
  void finished(const std::string& status);
  // The manager (re)starts with this many unfinished runs in the store.
  void set_running(size_t unfinished);
  void step_took(const std::string& service, double seconds);

 private:
  metrics::counter& started_;
  metrics::family<metrics::counter>& finished_;
  metrics::gauge& running_;
  metrics::family<metrics::histogram>& step_seconds_;
};

}  // namespace xyn::workflow

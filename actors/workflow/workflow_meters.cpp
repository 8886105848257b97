#include "actors/workflow/workflow_meters.hpp"

namespace xyn::workflow {

workflow_meters::workflow_meters(metrics::registry& registry)
    : started_(
          registry.add_counter("xyn_workflows_started_total", "Workflow runs started.").with()),
      finished_(registry.add_counter("xyn_workflows_finished_total",
                                     "Workflow runs finished, by final status.", {"status"})),
      running_(registry
                   .add_gauge("xyn_workflows_running",
                              "Workflow runs started and not finished (parked ones included).")
                   .with()),
      step_seconds_(registry.add_histogram(
          "xyn_workflow_step_duration_seconds",
          "Service calls of workflow steps and compensations, as the run waited for them.",
          {"service"})) {
  // Every final status is listed from the start, at 0, so a rate() over it needs no first run.
  for (const char* s : {"completed", "failed", "rolled_back", "cancelled"}) finished_.with({s});
}

void workflow_meters::started() {
  started_.inc();
  running_.inc();
}

void workflow_meters::finished(const std::string& status) {
  finished_.with({status}).inc();
  running_.dec();
}

void workflow_meters::set_running(size_t unfinished) {
  running_.set(static_cast<double>(unfinished));
}

void workflow_meters::step_took(const std::string& service, double seconds) {
  step_seconds_.with({service}).observe(seconds);
}

}  // namespace xyn::workflow

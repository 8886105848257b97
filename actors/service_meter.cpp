#include "actors/service_meter.hpp"

namespace xyn::actors {

namespace {

metrics::counter& cached(std::unordered_map<std::string, metrics::counter*>& cache,
                         metrics::family<metrics::counter>& family, const std::string& service,
                         const std::string& key) {
  auto& slot = cache[key];
  if (slot == nullptr) slot = &family.with({service, key});
  return *slot;
}

}  // namespace

service_meter::service_meter(metrics::registry* registry, std::string service)
    : service_(std::move(service)) {
  if (registry == nullptr) return;
  executes_ =
      &registry->add_counter("xyn_service_executes_total",
                             "Executes a service answered, by action.", {"service", "action"});
  errors_ = &registry->add_counter("xyn_service_errors_total",
                                   "Executes answered with an error or retryable status, by code.",
                                   {"service", "code"});
  latency_ =
      &registry
           ->add_histogram("xyn_service_execute_duration_seconds",
                           "Time a service took to run an action (before its commit).", {"service"})
           .with({service_});
}

void service_meter::record(const std::string& action, const std::string& error_code,
                           double seconds) {
  if (executes_ == nullptr) return;
  cached(executes_by_action_, *executes_, service_, action).inc();
  if (!error_code.empty()) cached(errors_by_code_, *errors_, service_, error_code).inc();
  latency_->observe(seconds);
}

}  // namespace xyn::actors

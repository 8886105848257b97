#pragma once
// service_meter.hpp — what a service host records about its executes: how many by action,
// failures by error code, and how long the action took (the durable commit after it is the
// store's histogram). xyn_service_executes_total{service,action},
// xyn_service_errors_total{service,code}, xyn_service_execute_duration_seconds{service}.
// One per host actor, used on its thread only: the children it looked up are cached, so an
// execute costs a hash lookup and a few atomic adds.

#include <string>
#include <unordered_map>

#include "runtime/metrics/registry.hpp"

namespace xyn::actors {

class service_meter {
 public:
  // Without a registry every call does nothing.
  service_meter(metrics::registry* registry, std::string service);

  // `action`: a known action's name ("unknown" otherwise, so callers cannot grow the series);
  // `error_code`: empty when the execute succeeded.
  void record(const std::string& action, const std::string& error_code, double seconds);

 private:
  std::string service_;
  metrics::family<metrics::counter>* executes_ = nullptr;
  metrics::family<metrics::counter>* errors_ = nullptr;
  metrics::histogram* latency_ = nullptr;
  std::unordered_map<std::string, metrics::counter*> executes_by_action_;
  std::unordered_map<std::string, metrics::counter*> errors_by_code_;
};

}  // namespace xyn::actors

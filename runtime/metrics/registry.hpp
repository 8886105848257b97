#pragma once
// registry.hpp — every metric family of one node, and their exposition in the Prometheus text
// format 0.0.4 (GET /metrics). One registry per node, not per process: tests and benches run
// several nodes in one process. The node creates it and hands it (or families from it) to what
// records; recording never touches the registry itself, only the metrics it handed out.
//
// Registering is idempotent: asking again for a family with the same name, type, label names
// (and buckets) returns the same family, so an actor that restarts can register again. A clash
// (same name, different shape) or an invalid name throws std::invalid_argument: a wiring bug.
// Thread-safe.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/metrics/counter.hpp"
#include "runtime/metrics/family.hpp"
#include "runtime/metrics/gauge.hpp"
#include "runtime/metrics/histogram.hpp"

namespace xyn::metrics {

class registry {
 public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  family<counter>& add_counter(const std::string& name, const std::string& help,
                               const std::vector<std::string>& label_names = {});
  family<gauge>& add_gauge(const std::string& name, const std::string& help,
                           const std::vector<std::string>& label_names = {});
  // `le` may not be a label name: it is the bucket's.
  family<histogram>& add_histogram(const std::string& name, const std::string& help,
                                   const std::vector<std::string>& label_names,
                                   const bucket_bounds& bounds = latency_buckets());

  // Runs `fn` at the start of every expose(), before anything is read: for values computed
  // when scraped (uptime). `fn` may use this registry.
  void on_collect(std::function<void()> fn);

  // The text of every family in registration order: "# HELP", "# TYPE", then its samples.
  // A labelled family with no children yet has only its HELP and TYPE lines.
  std::string expose() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace xyn::metrics

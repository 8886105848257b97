#pragma once
// gauge.hpp — a Prometheus gauge: a value that goes up and down (connected clients, running
// workflows, uptime). Lock-free; any thread.

#include <atomic>

namespace xyn::metrics {

class gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }
  void inc() { add(1.0); }
  void dec() { add(-1.0); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

}  // namespace xyn::metrics

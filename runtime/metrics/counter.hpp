#pragma once
// counter.hpp — a Prometheus counter: a value that only goes up (events, errors, bytes).
// One atomic add per increment, so hot paths can count without a lock; keep the reference a
// family handed out (family::with) instead of looking it up again.

#include <atomic>

namespace xyn::metrics {

class counter {
 public:
  // REQUIRES: by >= 0 (a counter never goes down; negative amounts are ignored).
  void inc(double by = 1.0) {
    if (by > 0) value_.fetch_add(by, std::memory_order_relaxed);
  }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

}  // namespace xyn::metrics

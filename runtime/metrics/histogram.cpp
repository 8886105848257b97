#include "runtime/metrics/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace xyn::metrics {

const bucket_bounds& latency_buckets() {
  static const bucket_bounds b = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                  0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return b;
}

bucket_bounds exponential_buckets(double start, double factor, int count) {
  bucket_bounds out;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) out.push_back(v);
  return out;
}

const char* check_bounds(const bucket_bounds& b) {
  for (size_t i = 0; i < b.size(); ++i) {
    if (!std::isfinite(b[i])) return "bucket bounds must be finite (+Inf is implicit)";
    if (i > 0 && b[i] <= b[i - 1]) return "bucket bounds must be strictly increasing";
  }
  return "";
}

histogram::histogram(std::shared_ptr<const bucket_bounds> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_->size() + 1)) {}

void histogram::observe(double v) {
  // The first bound >= v (`le` is inclusive); NaN compares false with everything: +Inf.
  auto index = bounds_->size();
  if (!std::isnan(v))
    index = static_cast<size_t>(std::lower_bound(bounds_->begin(), bounds_->end(), v) -
                                bounds_->begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
  snapshot s;
  s.upper = *bounds_;
  s.upper.push_back(std::numeric_limits<double>::infinity());
  uint64_t running = 0;
  for (size_t i = 0; i < s.upper.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace xyn::metrics

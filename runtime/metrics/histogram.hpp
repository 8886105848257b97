#pragma once
// histogram.hpp — a Prometheus histogram: observations counted into fixed buckets (upper
// bounds, the `le` label), plus their sum. Buckets are kept per bucket and made cumulative only
// when read, so an observation costs one bucket search and two atomic adds, with no lock.
// The count is the sum of the buckets, so a scrape during observations still shows
// le="+Inf" == _count.

#include <atomic>
#include <memory>
#include <vector>

namespace xyn::metrics {

// Upper bounds, strictly increasing and finite; the +Inf bucket is implicit.
using bucket_bounds = std::vector<double>;

// Seconds from 100 µs to 10 s: service executes, store commits, HTTP requests, steps.
const bucket_bounds& latency_buckets();
// start, start*factor, ... (count bounds). REQUIRES: start > 0, factor > 1, count >= 1.
bucket_bounds exponential_buckets(double start, double factor, int count);
// An empty string when `b` is usable, else why not.
const char* check_bounds(const bucket_bounds& b);

class histogram {
 public:
  // REQUIRES: check_bounds(*bounds) is empty (the family checked it).
  explicit histogram(std::shared_ptr<const bucket_bounds> bounds);

  void observe(double v);

  struct snapshot {
    std::vector<double> upper;         // the bounds, then +Inf
    std::vector<uint64_t> cumulative;  // per entry of `upper`
    double sum = 0;
    uint64_t count = 0;  // == cumulative.back()
  };
  snapshot read() const;

 private:
  std::shared_ptr<const bucket_bounds> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_->size() + 1 (the +Inf one)
  std::atomic<double> sum_{0.0};
};

}  // namespace xyn::metrics

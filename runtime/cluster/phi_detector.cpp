#include "runtime/cluster/phi_detector.hpp"

#include <algorithm>
#include <cmath>

namespace xyn::cluster {

phi_detector::phi_detector(phi_options opts) : opts_(opts) {
  // Seed with the expected interval so the first seconds are judged like the rest.
  double first = static_cast<double>(opts_.expected_interval.count());
  intervals_ms_.push_back(first);
  sum_ = first;
  sum_sq_ = first * first;
}

void phi_detector::heartbeat(clock::time_point at) {
  if (last_) {
    double ms = std::chrono::duration<double, std::milli>(at - *last_).count();
    if (ms < 0) ms = 0;
    intervals_ms_.push_back(ms);
    sum_ += ms;
    sum_sq_ += ms * ms;
    if (intervals_ms_.size() > opts_.window) {
      double old = intervals_ms_.front();
      intervals_ms_.pop_front();
      sum_ -= old;
      sum_sq_ -= old * old;
    }
  }
  last_ = at;
}

double phi_detector::phi(clock::time_point now) const {
  if (!last_) return 0;
  double n = static_cast<double>(intervals_ms_.size());
  double mean = sum_ / n;
  double variance = std::max(0.0, sum_sq_ / n - mean * mean);
  double std_dev = std::max(std::sqrt(variance), double(opts_.min_std_deviation.count()));
  mean += static_cast<double>(opts_.acceptable_pause.count());
  double since = std::chrono::duration<double, std::milli>(now - *last_).count();
  // The logistic approximation of the normal distribution's tail Akka uses: accurate to 1e-4
  // and free of erf's cancellation far out in the tail, where the decisions are made.
  double y = (since - mean) / std_dev;
  double e = std::exp(-y * (1.5976 + 0.070566 * y * y));
  double p_later = since > mean ? e / (1.0 + e) : 1.0 - 1.0 / (1.0 + e);
  if (p_later <= 0) return 1e9;  // so late that the tail underflowed
  return -std::log10(p_later);
}

}  // namespace xyn::cluster

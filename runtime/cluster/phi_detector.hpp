#pragma once
// phi_detector.hpp — the phi-accrual failure detector (Hayashibara et al., as in Akka and
// Cassandra) for one peer's heartbeats. Instead of a yes/no timeout it says how sure we are
// that the peer is gone: phi = -log10(probability that a heartbeat is still this late), from
// the mean and deviation of the recent intervals. A frozen process (SIGSTOP: sockets open,
// nothing sent) shows up as a phi that keeps growing. Plain value type; not thread-safe.

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>

namespace xyn::cluster {

struct phi_options {
  std::chrono::milliseconds expected_interval{100};
  // A pause this long on top of the mean is not suspicious (scheduling hiccups, GC-like stalls).
  std::chrono::milliseconds acceptable_pause{150};
  // Floor on the deviation, so a perfectly regular peer is not declared dead one ms late.
  std::chrono::milliseconds min_std_deviation{40};
  std::size_t window = 200;  // intervals kept
};

class phi_detector {
 public:
  using clock = std::chrono::steady_clock;

  explicit phi_detector(phi_options opts = {});

  // A heartbeat arrived at `at`.
  void heartbeat(clock::time_point at);
  // Suspicion at `now`: 0 before the first heartbeat; grows without bound while none arrives.
  double phi(clock::time_point now) const;

 private:
  phi_options opts_;
  std::deque<double> intervals_ms_;
  double sum_ = 0;
  double sum_sq_ = 0;
  std::optional<clock::time_point> last_;
};

}  // namespace xyn::cluster

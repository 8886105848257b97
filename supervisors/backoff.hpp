#pragma once
// backoff.hpp — how long a supervisor waits before restarting a child that keeps crashing.
// The n-th consecutive restart of a child waits min(max, initial * multiplier^n), spread by
// ±jitter so that siblings do not come back in lock step, and never longer than `max`.
// Pure computation plus a small per-child counter; no CAF. A backoff_tracker is owned by one
// supervisor actor (one per child) and is not shared between threads. The random source is a
// parameter so tests can fix it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace xyn::supervisors {

// Disabled when `initial` is zero: restarts then happen at once, as in OTP.
struct backoff_policy {
  std::chrono::milliseconds initial{0};  // delay of the first restart in a row
  std::chrono::milliseconds max{0};      // cap; REQUIRES max >= initial when enabled
  double multiplier = 2.0;               // growth per consecutive restart; >= 1
  double jitter = 0.2;                   // fraction in [0, 1]: the delay varies by ±jitter
};

inline bool enabled(const backoff_policy& p) {
  return p.initial.count() > 0;
}

// Returns uniform numbers in [0, 1). Called once per computed delay.
using random_source = std::function<double()>;

// A source seeded from std::random_device. Each copy owns its generator.
random_source default_random_source();

// Delay before restart number `attempt` in a row (0 = the first). `unit` is a uniform sample in
// [0, 1): 0 gives the lowest delay (-jitter), 0.5 the nominal one. Zero when disabled.
std::chrono::milliseconds backoff_delay(const backoff_policy& p, int attempt, double unit);

// Counts the consecutive restarts of one child. A child that stayed up for `stable_period`
// before it exited starts again from the first delay (OTP's intensity period is used for this).
class backoff_tracker {
 public:
  using clock = std::chrono::steady_clock;

  // The child was (re)started at `now`.
  void on_started(clock::time_point now) { up_since_ = now; }

  // The child exited at `now` and will be restarted: returns the delay to wait and counts one
  // more consecutive restart. Zero (and nothing counted) when the policy is disabled.
  std::chrono::milliseconds next_delay(const backoff_policy& p,
                                       std::chrono::milliseconds stable_period,
                                       clock::time_point now, const random_source& random);

  int consecutive() const { return consecutive_; }

 private:
  int consecutive_ = 0;
  std::optional<clock::time_point> up_since_;
};

}  // namespace xyn::supervisors

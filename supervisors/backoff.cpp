#include "supervisors/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

namespace xyn::supervisors {

random_source default_random_source() {
  // shared_ptr: std::function must be copyable, and std::mt19937_64 is large.
  auto gen = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [gen] { return std::uniform_real_distribution<double>{0.0, 1.0}(*gen); };
}

std::chrono::milliseconds backoff_delay(const backoff_policy& p, int attempt, double unit) {
  if (!enabled(p)) return std::chrono::milliseconds{0};
  const double cap = static_cast<double>(p.max.count());
  // pow() of a large attempt overflows to inf; min() then keeps the cap.
  double nominal = static_cast<double>(p.initial.count()) *
                   std::pow(p.multiplier, static_cast<double>(std::max(attempt, 0)));
  nominal = std::min(cap, nominal);
  const double u = std::clamp(unit, 0.0, 1.0);
  double jittered = nominal * (1.0 + p.jitter * (2.0 * u - 1.0));
  // The cap is a promise to the operator ("never wait longer than max"), so it also bounds the
  // jitter; a capped delay therefore only ever varies downwards.
  jittered = std::clamp(jittered, 0.0, cap);
  return std::chrono::milliseconds{static_cast<std::int64_t>(std::llround(jittered))};
}

std::chrono::milliseconds backoff_tracker::next_delay(const backoff_policy& p,
                                                      std::chrono::milliseconds stable_period,
                                                      clock::time_point now,
                                                      const random_source& random) {
  if (!enabled(p)) return std::chrono::milliseconds{0};
  if (up_since_ && now - *up_since_ >= stable_period) consecutive_ = 0;
  up_since_.reset();  // a failed start must not look like a long uptime at the next exit
  auto delay = backoff_delay(p, consecutive_, random ? random() : 0.5);
  ++consecutive_;
  return delay;
}

}  // namespace xyn::supervisors

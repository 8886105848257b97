#pragma once
// restart_window.hpp — says whether a supervisor may restart once more (supervisor.erl's
// add_restart). Remembers the restarts of the last `period`; refuses once there were more than
// `intensity` of them. A negative intensity never refuses and remembers nothing.
// Owned by one supervisor actor; not shared between threads. Time is passed in, so tests need no
// clock.

#include <chrono>
#include <cstddef>
#include <deque>

namespace xyn::supervisors {

class restart_window {
 public:
  using clock = std::chrono::steady_clock;

  restart_window(int intensity, std::chrono::milliseconds period)
      : intensity_(intensity), period_(period) {}

  // Records a restart at `now`. Returns false when that makes more than `intensity` restarts
  // within `period` (ending at `now`): the supervisor must give up. Restarts exactly `period` old
  // have left the window. REQUIRES: `now` never goes backwards between calls.
  bool add_restart(clock::time_point now);

  // Restarts currently inside the window (as of the last add_restart).
  std::size_t size() const { return restarts_.size(); }

 private:
  int intensity_;
  std::chrono::milliseconds period_;
  std::deque<clock::time_point> restarts_;  // oldest first; at most intensity + 1 entries
};

}  // namespace xyn::supervisors

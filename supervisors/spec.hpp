#pragma once
// spec.hpp — a supervision tree declared as data, the OTP way: one sup_flags plus an ordered list
// of child_specs. `validate` checks them field by field before anything starts and names the bad
// field. Plain values, copied into the supervisor actor at spawn; no shared state, any thread.
// Only caf/fwd.hpp is included: this header is cheap.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "caf/fwd.hpp"
#include "runtime/base/status.hpp"
#include "supervisors/backoff.hpp"
#include "supervisors/restart_policy.hpp"

namespace xyn::supervisors {

struct sup_flags {
  // Qualified: the member shares the type's name (as in OTP's flags map).
  supervisors::strategy strategy = supervisors::strategy::one_for_one;
  // More than `intensity` restarts within `period` make the supervisor give up: it stops all its
  // children and exits with sup_error::reached_max_restart_intensity. Negative: unlimited.
  int intensity = 3;
  std::chrono::milliseconds period{5000};  // > 0; also how long a child must stay up to reset
                                           // its backoff
  backoff_policy backoff{};                // disabled by default
  // Told (supervisor name, child id) after every restart of a child, on the supervisor's
  // thread; it must not block. For metrics: supervisors stay free of any registry.
  std::function<void(const std::string& supervisor, const std::string& child)> on_restart{};
};

// Spawns the child and returns its handle, not linked to anyone: the supervisor links and
// monitors it. Called inside the supervisor actor, so it must not block. Throwing or returning
// an invalid handle counts as a crash of the child (and towards the restart intensity).
using start_fn = std::function<caf::actor(caf::actor_system&)>;

struct child_spec {
  std::string id{};  // unique within one supervisor, non-empty; names the child in events
  start_fn start{};  // required
  restart_type restart = restart_type::permanent;
  // How long a stopped child may take to exit after exit_reason::user_shutdown before it gets
  // exit_reason::kill. Zero kills at once (OTP's brutal_kill). A child that is itself a
  // supervisor needs enough time to stop its own children.
  std::chrono::milliseconds shutdown{5000};
};

// Ok, or invalid_argument whose message starts with the offending field, e.g.
// "children[1].id: duplicate child id 'store'" or "backoff.max: must be >= backoff.initial".
status validate(const sup_flags& flags, const std::vector<child_spec>& children);

}  // namespace xyn::supervisors

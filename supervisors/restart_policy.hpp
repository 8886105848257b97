#pragma once
// restart_policy.hpp — the restart decisions of a supervisor, as pure functions (supervisor.erl's
// do_restart and restart/3): whether an exited child comes back, and which siblings a restart
// takes down and brings back up under each strategy.
// No CAF, no state: any thread. The supervisor actor (supervisor.cpp) is the only caller that acts
// on the answers; tests call them directly.

#include <cstddef>
#include <string_view>
#include <vector>

namespace xyn::supervisors {

// Which children a restart touches (OTP names).
enum class strategy {
  one_for_one,   // only the child that exited
  one_for_all,   // every child: the others are stopped, then all start again in order
  rest_for_one,  // the exited child and every child started after it
};

// When an exited child is restarted.
enum class restart_type {
  permanent,  // always
  transient,  // only when it exited abnormally (a non-empty caf::error)
  temporary,  // never; it is removed from the supervisor when it exits
};

std::string_view to_string(strategy s);
std::string_view to_string(restart_type r);

// True when a child of type `type` that exited (abnormally or not) must be restarted.
bool should_restart(restart_type type, bool abnormal);

// Positions (in start order, 0-based, `count` children) of the siblings to stop when the child at
// `failed` is restarted, in the order they must be stopped (reverse start order). Never contains
// `failed` itself: it has already exited. REQUIRES: failed < count.
std::vector<std::size_t> children_to_stop(strategy s, std::size_t failed, std::size_t count);

// Positions of the children to start again after those are stopped, in start order; always
// contains `failed`. REQUIRES: failed < count.
std::vector<std::size_t> children_to_start(strategy s, std::size_t failed, std::size_t count);

}  // namespace xyn::supervisors

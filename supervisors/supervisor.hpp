#pragma once
// supervisor.hpp — spawns an OTP-style supervisor actor (supervisor.erl on CAF links and
// monitors). The supervisor starts its children in list order, links to and monitors each, traps
// exits, restarts children as its flags and their specs say, reports every event to an optional
// observer, and stops its children in reverse order when it is told to exit or gives up.
//
// Actor contract (messages in supervisors/messages.hpp):
//   which_children_atom        -> children_info (start order)
//   (restart_child_atom, id)   -> ok_atom: restarts a running child as an operator asked
//   exit_msg from a non-child  -> stops all children in reverse order, then quits with that reason
//   gives up (intensity)       -> stops all children, emits gave_up, quits with
//                                 sup_error::reached_max_restart_intensity
// Children are started asynchronously after spawn_supervisor returns (the handle is usable at
// once; wait for `started` events or ask which_children). Nothing in the actor blocks: stops wait
// on delayed messages, and a restart that failed or must back off mails itself a retry (OTP's
// try_again_restart) so an exit can get in between.
// Only caf/fwd.hpp is included; callers that send messages include supervisors/messages.hpp.

#include <exception>
#include <string>
#include <vector>

#include "caf/fwd.hpp"
#include "supervisors/spec.hpp"

namespace xyn::supervisors {

// Spawns a supervisor named `name` (used in its events). Returns an invalid handle and starts
// nothing when validate(flags, children) fails: call validate first to learn why. A start_fn
// that returns an invalid handle is treated as a crashed child, so a nested supervisor with a
// bad spec surfaces in its parent as a child that cannot start.
caf::actor spawn_supervisor(caf::actor_system& sys, std::string name, sup_flags flags,
                            std::vector<child_spec> children);

// As above; every child_event goes to `observer` (ignored when invalid).
caf::actor spawn_supervisor(caf::actor_system& sys, std::string name, sup_flags flags,
                            std::vector<child_spec> children, const caf::actor& observer);

// An exception handler for supervised actors: `self->set_exception_handler(exception_reason)`.
// Without it CAF reports a throwing actor as a bare sec::runtime_error; with it the exit reason
// carries the exception text (sec::runtime_error with e.what()), which the supervisor puts into
// its `exited` event.
caf::error exception_reason(caf::scheduled_actor* self, std::exception_ptr& eptr);

// Announces every message type of this folder and the "xyn_sup" error category. Call it on the
// config of every node that talks to supervisors.
void announce_messages(caf::actor_system_config& cfg);

}  // namespace xyn::supervisors

#pragma once
// workflow_actor.hpp — the actor that runs one workflow (see engine.hpp). Internal to the
// engine: only the manager spawns it. Its messages besides messages.hpp's:
//   (start_atom)                       new run only: journal STARTED, reply submit_reply
//   (wake_atom)                        a timer may be due
//   (child_done_atom, run_summary)     a child workflow of one of its steps finished
//   (crash_atom)                       test hook: throw, as a bug would
//   (moved_atom)                       its shard is served elsewhere now: answer what waits
//                                      (unavailable), act on nothing more, and exit
// It sends the manager (park_atom, id, wake_at_ms) before it exits to passivate, and
// (finished_atom, run_summary) when the run ends.

#include <string>

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "actors/workflow/engine.hpp"
#include "actors/workflow/messages.hpp"

namespace xyn::workflow {

using start_atom = caf::atom_constant<caf::atom("wfstart")>;
using wake_atom = caf::atom_constant<caf::atom("wfwake")>;
using child_done_atom = caf::atom_constant<caf::atom("wfchild")>;
using crash_atom = caf::atom_constant<caf::atom("wfcrash")>;
using park_atom = caf::atom_constant<caf::atom("wfpark")>;
using finished_atom = caf::atom_constant<caf::atom("wffinish")>;
using moved_atom = caf::atom_constant<caf::atom("wfmoved")>;

// fresh: a new run from the submit request (validated inside the actor, so parsing runs on
// many threads). resume: run `id` rebuilt from its journal. resume_held: the same, woken to
// receive a signal, cancel or child result, so it must not passivate before handling one.
enum class start_mode { fresh, resume, resume_held };

caf::actor spawn_workflow(caf::actor_system& sys, const engine_deps& deps,
                          const caf::actor& manager, std::string id, submit_request req,
                          start_mode mode);

}  // namespace xyn::workflow

#pragma once
// messages.hpp — the workflow manager's message contract (DESIGN.md "Workflows"). The manager
// is registered as node::workflows_name; the admin routes, the client gateway and parent
// workflows talk to it with these. Plain structs with `inspect`, announced by
// `announce_workflow_messages`, so they cross nodes unchanged.
//
//   (submit_atom, submit_request)          -> submit_reply   | error (invalid_argument: bad
//                                             definition or input, naming the step/input)
//   (cancel_atom, std::string id, reason)  -> submit_reply   | error (not_found, already_exists
//                                             when the run already finished)
//   (signal_atom, std::string id, std::string name, std::string payload_json)
//                                          -> submit_reply   | error (not_found / finished)
//   (watch_atom, std::string id)           -> run_summary once the run has finished (at once
//                                             if it already has) | error (not_found)
//   (stats_atom)                           -> manager_stats
//   (read_atom, std::string id, std::string what, bool ask_others)
//                                          -> std::string: the run ("run") or its journal
//                                             ("history") as JSON text (view.hpp) | not_found
//   (list_atom, std::string query_json)    -> std::string: runs newest first, across the
//                                             cluster (run_list.hpp) | invalid_argument,
//                                             unavailable
//   (page_atom, std::string query_json)    -> std::string: this member's page (run_list.hpp)
// Errors are xyn statuses carried as caf::error (store::to_error / store::to_status).
// In a cluster every manager accepts submits for every tenant: one for a shard another member
// owns is given an id here (so retries are idempotent) and forwarded to that member's
// manager; while no member serves the shard (a failover) it waits up to 5 s, then answers
// unavailable. Cancel and signal for a run this node holds in its journal but no longer
// serves are forwarded likewise. A read is answered from the owner's journal when this node
// does not serve the run's shard; with `ask_others`, a run this node has no copy of is looked
// for on every other member.

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

namespace xyn::workflow {

using submit_atom = caf::atom_constant<caf::atom("wfsubmit")>;
using cancel_atom = caf::atom_constant<caf::atom("wfcancel")>;
using signal_atom = caf::atom_constant<caf::atom("wfsignal")>;
using watch_atom = caf::atom_constant<caf::atom("wfwatch")>;
using wf_stats_atom = caf::atom_constant<caf::atom("wfstats")>;
using wf_read_atom = caf::atom_constant<caf::atom("wfread")>;
using wf_list_atom = caf::atom_constant<caf::atom("wflist")>;
using wf_page_atom = caf::atom_constant<caf::atom("wfpage")>;

// A new run: a template by name or a definition (JSON text), its input (JSON object text).
// `id` (optional) makes the submit idempotent: the same id never starts a second run.
struct submit_request {
  std::string id;
  std::string tenant = "default";
  std::string template_name;
  std::string definition_json;
  std::string input_json = "{}";
  std::string parent_id;  // set when a workflow step starts a child
  std::string parent_step;
  uint32_t hops = 0;  // how often managers have forwarded it toward its shard's owner
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_request& x) {
  return f(caf::meta::type_name("wf_submit_request"), x.id, x.tenant, x.template_name,
           x.definition_json, x.input_json, x.parent_id, x.parent_step, x.hops);
}

// `created` is false when the id already named a run (the submit changed nothing).
struct submit_reply {
  std::string id;
  std::string status;
  bool created = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_reply& x) {
  return f(caf::meta::type_name("wf_submit_reply"), x.id, x.status, x.created);
}

// How a run ended (or stands): status, output (JSON text), error message.
struct run_summary {
  std::string id;
  std::string tenant;
  std::string status;
  std::string output_json = "null";
  std::string error;
  std::string parent_id;
  std::string parent_step;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_summary& x) {
  return f(caf::meta::type_name("wf_run_summary"), x.id, x.tenant, x.status, x.output_json, x.error,
           x.parent_id, x.parent_step);
}

struct manager_stats {
  uint64_t active = 0;  // runs with an actor in memory
  uint64_t parked = 0;  // runs waiting on a timer or signal, passivated to LMDB
  uint64_t started = 0;
  uint64_t finished = 0;
  uint64_t restarts = 0;  // workflow actors restarted from their journal after a crash
  uint64_t resumed = 0;   // runs re-spawned from the journal at start-up
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, manager_stats& x) {
  return f(caf::meta::type_name("wf_manager_stats"), x.active, x.parked, x.started, x.finished,
           x.restarts, x.resumed);
}

void announce_workflow_messages(caf::actor_system_config& cfg);

}  // namespace xyn::workflow

#pragma once
// messages.hpp — everything a supervisor sends or answers: the which_children query and its
// answer, the child_event reports it sends to its observer, and the error it exits with when it
// gives up. Plain structs with inspect overloads so they cross nodes unchanged; announce them all
// with announce_messages(cfg) (supervisor.hpp) on every node.
// Includes CAF headers: include it only where these messages are sent or received.

#include <cstdint>
#include <string>
#include <vector>

#include "caf/actor.hpp"
#include "caf/atom.hpp"
#include "caf/error.hpp"
#include "caf/meta/type_name.hpp"

namespace xyn::supervisors {

// Request to a supervisor; the answer is a children_info.
using which_children_atom = caf::atom_constant<caf::atom("children")>;
// (restart_child_atom, id) -> ok_atom: stop a running child and start it again (not counted
// against the restart intensity); an error when there is no such child or it is not running.
using restart_child_atom = caf::atom_constant<caf::atom("rechild")>;

// Exit reasons of a supervisor itself (error category "xyn_sup").
enum class sup_error : uint8_t {
  // More than `intensity` restarts within `period`: the supervisor stopped its children and
  // exited with this reason, so that its parent sees an abnormal exit and acts in turn.
  reached_max_restart_intensity = 1,
};

inline std::string to_string(sup_error x) {
  switch (x) {
    case sup_error::reached_max_restart_intensity:
      return "reached_max_restart_intensity";
  }
  return "unknown_sup_error";
}

inline caf::error make_error(sup_error x) {
  return caf::error{static_cast<uint8_t>(x), caf::atom("xyn_sup")};
}

enum class child_event_kind : uint8_t {
  started,     // first start of the child
  exited,      // the child exited on its own, or its start function failed; `reason` says why
  restarting,  // a restart is scheduled after a backoff of `delay_ms`; the child is absent
  restarted,   // the child runs again (a new actor); `restarts` counts its restarts so far
  gave_up,     // restart intensity exceeded: the supervisor stops everything and exits
  stopped,     // the supervisor stopped the child (shutdown or a one_for_all/rest_for_one restart)
};

inline std::string to_string(child_event_kind k) {
  switch (k) {
    case child_event_kind::started:
      return "started";
    case child_event_kind::exited:
      return "exited";
    case child_event_kind::restarting:
      return "restarting";
    case child_event_kind::restarted:
      return "restarted";
    case child_event_kind::gave_up:
      return "gave_up";
    case child_event_kind::stopped:
      return "stopped";
  }
  return "unknown";
}

// One structured report per start, exit, restart and stop (OTP's supervisor reports).
struct child_event {
  std::string supervisor;  // the supervisor's name
  std::string child;       // the child id (for gave_up: the child whose exit was one too many)
  child_event_kind kind = child_event_kind::started;
  std::string reason;    // rendered exit reason, "normal" for a normal exit; empty on starts
  int32_t restarts = 0;  // restarts of this child so far
  int64_t delay_ms = 0;  // restarting only: the backoff before the restart
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_event& x) {
  return f(caf::meta::type_name("xyn.sup.child_event"), x.supervisor, x.child, x.kind, x.reason,
           x.restarts, x.delay_ms);
}

struct child_info {
  std::string id;
  bool running = false;  // false while a restart is pending or after a transient child ended
  int32_t restarts = 0;
  caf::actor actor;  // the current incarnation; invalid when not running
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_info& x) {
  return f(caf::meta::type_name("xyn.sup.child_info"), x.id, x.running, x.restarts, x.actor);
}

// The answer to which_children_atom, in start order. Temporary children that ended are gone.
struct children_info {
  std::vector<child_info> children;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, children_info& x) {
  return f(caf::meta::type_name("xyn.sup.children_info"), x.children);
}

}  // namespace xyn::supervisors

// supervisor.cpp — the supervisor actor: supervisor.erl's generic part on CAF links and monitors.
// The decisions come from the pure units (restart_policy, restart_window, backoff); this file
// only sequences them without ever blocking.
//
// Children are linked (so they die with the supervisor, even when it is killed) and monitored
// (so a child that unlinked itself still reports its exit). The down_msg is the one signal of a
// child's exit; the child's link exit_msg is only recognised and dropped. Any other exit_msg
// comes from the parent or from outside and shuts the supervisor down.

#include "supervisors/supervisor.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <set>
#include <utility>

#include "caf/all.hpp"
#include "supervisors/messages.hpp"
#include "supervisors/restart_window.hpp"

namespace xyn::supervisors {

namespace {

// Sent by the supervisor to itself only; tokens make stale ones harmless.
using try_again_atom = caf::atom_constant<caf::atom("try_again")>;    // start a pending restart
using stop_timeout_atom = caf::atom_constant<caf::atom("stop_tmo")>;  // a stop took too long

using clock = std::chrono::steady_clock;

struct child_rec {
  child_spec spec;
  caf::actor handle;         // the running incarnation; invalid while absent
  uint64_t incarnation = 0;  // bumped at every start; tells a deferred exit of an old one apart
  int32_t restarts = 0;
  bool started_once = false;
  backoff_tracker backoff;
};

// A restart waiting in the mailbox: try_again(token) starts `ids`, in order.
struct pending_restart {
  uint64_t token = 0;
  std::vector<std::string> ids;
};

// The child the supervisor is stopping right now; it waits for this address's down_msg.
struct stopping_child {
  std::string id;
  caf::actor_addr addr;
  uint64_t token = 0;  // of its stop_timeout
};

// What a one_for_all / rest_for_one restart does once its stop queue is empty.
struct group_restart {
  std::string origin;              // the child whose exit caused it (its backoff applies)
  std::vector<std::string> start;  // ids in start order
  std::chrono::milliseconds delay{0};
  bool via_mailbox = false;  // after a failed start: retry through the mailbox, never in a loop
};

// Arrived while a group restart was still stopping children; handled once it is done, as OTP
// handles such messages after its synchronous restart returns.
struct deferred_item {
  bool is_retry = false;
  std::string id;  // crash: the child, its incarnation and exit reason
  uint64_t incarnation = 0;
  caf::error reason;
  uint64_t token = 0;  // retry: the try_again token
};

enum class phase { running, restarting, shutting_down };

struct sup_state {
  static inline const char* name = "xyn.supervisor";

  // Fixed after init.
  std::string sup_name;
  sup_flags flags;
  caf::actor observer;
  random_source random;

  // Changed only by the handlers below.
  std::vector<child_rec> children;  // start order
  restart_window window{0, std::chrono::milliseconds{1}};
  phase ph = phase::running;
  std::deque<std::string> stop_queue;      // next children to stop, in stop order
  std::optional<stopping_child> stopping;  // set while waiting for one child to exit
  group_restart after;                     // phase restarting: what follows the stops
  caf::error quit_reason;                  // phase shutting_down: the supervisor's exit reason
  std::vector<pending_restart> pending;
  std::deque<deferred_item> deferred;
  // Children whose link exit_msg has not arrived yet: tells a child's exit_msg from the parent's.
  // (A child that unlinked itself stays here; harmless, and rare.)
  std::set<caf::actor_addr> linked;
  uint64_t next_token = 0;
};

using sup_actor = caf::stateful_actor<sup_state>;

// --- small helpers -----------------------------------------------------------------------

std::string render(sup_actor* self, const caf::error& reason) {
  return reason ? self->system().render(reason) : std::string{"normal"};
}

child_rec* find(sup_actor* self, const std::string& id) {
  for (auto& c : self->state.children)
    if (c.spec.id == id) return &c;
  return nullptr;
}

child_rec* find_running(sup_actor* self, const caf::actor_addr& addr) {
  for (auto& c : self->state.children)
    if (c.handle && c.handle.address() == addr) return &c;
  return nullptr;
}

void erase_child(sup_actor* self, const std::string& id) {
  auto& cs = self->state.children;
  cs.erase(
      std::remove_if(cs.begin(), cs.end(), [&](const child_rec& c) { return c.spec.id == id; }),
      cs.end());
}

void emit(sup_actor* self, child_event_kind kind, const std::string& child, std::string reason,
          int64_t delay_ms = 0) {
  auto& st = self->state;
  if (!st.observer) return;
  auto* c = find(self, child);
  self->send(st.observer, child_event{st.sup_name, child, kind, std::move(reason),
                                      c ? c->restarts : 0, delay_ms});
}

// A newer restart plan for these children replaces any older one still in the mailbox, so an
// old try_again can never start them out of order.
void drop_pending(sup_actor* self, const std::vector<std::string>& ids) {
  auto& pending = self->state.pending;
  for (auto& p : pending)
    p.ids.erase(std::remove_if(p.ids.begin(), p.ids.end(),
                               [&](const std::string& id) {
                                 return std::find(ids.begin(), ids.end(), id) != ids.end();
                               }),
                p.ids.end());
  pending.erase(std::remove_if(pending.begin(), pending.end(),
                               [](const pending_restart& p) { return p.ids.empty(); }),
                pending.end());
}

// --- the machine -------------------------------------------------------------------------
//
//   init ──start all──> running ──child exits, one_for_one or no sibling up──> (restart now,
//                        │  ^      or schedule try_again after backoff / failed start)
//                        │  │
//     child exits, group │  │ stop queue empty: start the group (now, or via try_again)
//     siblings running   v  │
//                      restarting ── stops one sibling at a time (user_shutdown, then kill
//                        │           after its `shutdown`); a sibling due to be stopped that
//                        │           exits is absorbed, any other exit waits until the end
//                        │
//   exit_msg from a non-child, or intensity exceeded (from running or restarting)
//                        v
//                    shutting_down ── stops every running child in reverse ──> quit(reason)

void handle_exit(sup_actor* self, const std::string& id, const caf::error& reason,
                 bool start_failure);
void advance_stop(sup_actor* self);

// Starts one child: links, monitors, reports. False (and `failure` set) when the start
// function threw or returned nothing; the caller treats that as a crash.
bool start_child(sup_actor* self, child_rec& c, caf::error& failure) {
  auto& st = self->state;
  caf::actor child;
  // The one catch-all of this folder: a start function is user code running inside the
  // supervisor, and its failure is a child's failure, not the supervisor's.
  try {
    child = c.spec.start(self->system());
  } catch (const std::exception& e) {
    failure = caf::make_error(caf::sec::runtime_error, std::string{"start failed: "} + e.what());
    return false;
  } catch (...) {
    failure = caf::make_error(caf::sec::runtime_error, "start failed: unknown exception");
    return false;
  }
  if (!child) {
    failure = caf::make_error(caf::sec::runtime_error,
                              "start failed: start function returned an invalid actor");
    return false;
  }
  self->link_to(child);
  self->monitor(child);
  st.linked.insert(child.address());
  c.handle = child;
  ++c.incarnation;
  c.backoff.on_started(clock::now());
  drop_pending(self, {c.spec.id});
  if (c.started_once) {
    ++c.restarts;
    if (st.flags.on_restart) st.flags.on_restart(st.sup_name, c.spec.id);
    emit(self, child_event_kind::restarted, c.spec.id, {});
  } else {
    c.started_once = true;
    emit(self, child_event_kind::started, c.spec.id, {});
  }
  return true;
}

// Starts the absent children of `ids` in order. With one_for_all / rest_for_one a failed start
// ends the list: the retry it schedules restarts the failed child and those after it.
void start_list(sup_actor* self, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    if (self->state.ph != phase::running) return;
    auto* c = find(self, id);
    if (c == nullptr || c->handle) continue;
    caf::error failure;
    if (start_child(self, *c, failure)) continue;
    handle_exit(self, id, failure, true);
    if (self->state.flags.strategy != strategy::one_for_one) return;
  }
}

void schedule_restart(sup_actor* self, const std::string& origin, std::vector<std::string> ids,
                      std::chrono::milliseconds delay) {
  auto& st = self->state;
  auto token = ++st.next_token;
  st.pending.push_back({token, std::move(ids)});
  if (delay.count() > 0) {
    emit(self, child_event_kind::restarting, origin, {}, delay.count());
    self->delayed_send(self, delay, try_again_atom::value, token);
  } else {
    self->send(self, try_again_atom::value, token);
  }
}

// The stops of a restart are done: bring the group back.
void finish_group(sup_actor* self) {
  auto& st = self->state;
  st.ph = phase::running;
  auto g = std::move(st.after);
  st.after = {};
  std::vector<std::string> ids;
  for (auto& id : g.start) {
    auto* c = find(self, id);
    if (c == nullptr) continue;
    // As OTP's terminate_children: a temporary child stopped for a group restart is removed.
    if (c->spec.restart == restart_type::temporary && !c->handle) {
      erase_child(self, id);
      continue;
    }
    ids.push_back(id);
  }
  if (ids.empty()) return;
  if (g.delay.count() > 0 || g.via_mailbox)
    schedule_restart(self, g.origin, std::move(ids), g.delay);
  else
    start_list(self, ids);
}

// Restarts the group of `origin` (which has exited) as the strategy says: stop the siblings
// that go down with it, then start the group.
void restart(sup_actor* self, const std::string& origin, std::chrono::milliseconds delay,
             bool via_mailbox) {
  auto& st = self->state;
  const auto n = st.children.size();
  std::size_t pos = 0;
  while (pos < n && st.children[pos].spec.id != origin) ++pos;
  if (pos == n) return;
  group_restart g{origin, {}, delay, via_mailbox};
  for (auto i : children_to_start(st.flags.strategy, pos, n))
    g.start.push_back(st.children[i].spec.id);
  drop_pending(self, g.start);
  st.stop_queue.clear();
  for (auto i : children_to_stop(st.flags.strategy, pos, n))
    if (st.children[i].handle) st.stop_queue.push_back(st.children[i].spec.id);
  // Only a restart asked for (restart_child_atom) finds the origin still running.
  if (st.children[pos].handle) st.stop_queue.push_back(origin);
  st.after = std::move(g);
  if (st.stop_queue.empty()) {
    finish_group(self);
    return;
  }
  st.ph = phase::restarting;
  advance_stop(self);
}

void begin_shutdown(sup_actor* self, caf::error reason) {
  auto& st = self->state;
  if (st.ph == phase::shutting_down) return;
  st.ph = phase::shutting_down;
  st.quit_reason = std::move(reason);
  st.pending.clear();  // their try_again messages now find nothing
  st.deferred.clear();
  st.after = {};
  st.stop_queue.clear();
  for (auto i = st.children.size(); i-- > 0;) {
    auto& c = st.children[i];
    if (c.handle && !(st.stopping && st.stopping->id == c.spec.id))
      st.stop_queue.push_back(c.spec.id);
  }
  if (!st.stopping) advance_stop(self);
}

void give_up(sup_actor* self, const std::string& id) {
  emit(self, child_event_kind::gave_up, id, to_string(sup_error::reached_max_restart_intensity));
  begin_shutdown(self, make_error(sup_error::reached_max_restart_intensity));
}

// A child is gone (its handle already cleared) and nothing else was expecting it: decide.
void handle_exit(sup_actor* self, const std::string& id, const caf::error& reason,
                 bool start_failure) {
  auto& st = self->state;
  auto* c = find(self, id);
  if (c == nullptr) return;
  emit(self, child_event_kind::exited, id, render(self, reason));
  if (!should_restart(c->spec.restart, static_cast<bool>(reason))) {
    if (c->spec.restart == restart_type::temporary) erase_child(self, id);
    return;
  }
  const auto now = clock::now();
  if (!st.window.add_restart(now)) {
    give_up(self, id);
    return;
  }
  auto delay = c->backoff.next_delay(st.flags.backoff, st.flags.period, now, st.random);
  restart(self, id, delay, start_failure);
}

void begin_stop(sup_actor* self, child_rec& c) {
  auto& st = self->state;
  auto token = ++st.next_token;
  st.stopping = stopping_child{c.spec.id, c.handle.address(), token};
  if (c.spec.shutdown.count() == 0) {
    self->send_exit(c.handle, caf::exit_reason::kill);
    return;
  }
  self->send_exit(c.handle, caf::exit_reason::user_shutdown);
  self->delayed_send(self, c.spec.shutdown, stop_timeout_atom::value, token);
}

// Stops the next running child of the queue; when none is left, finishes the phase.
void advance_stop(sup_actor* self) {
  auto& st = self->state;
  while (!st.stop_queue.empty()) {
    auto id = std::move(st.stop_queue.front());
    st.stop_queue.pop_front();
    auto* c = find(self, id);
    if (c != nullptr && c->handle) {
      begin_stop(self, *c);
      return;
    }
  }
  if (st.ph == phase::shutting_down)
    self->quit(st.quit_reason);
  else if (st.ph == phase::restarting)
    finish_group(self);
}

void on_child_down(sup_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto* c = find_running(self, dm.source);
  if (c == nullptr) return;  // an incarnation already dealt with
  c->handle = nullptr;
  if (st.stopping && st.stopping->addr == dm.source) {
    st.stopping.reset();
    emit(self, child_event_kind::stopped, c->spec.id, render(self, dm.reason));
    advance_stop(self);
    return;
  }
  switch (st.ph) {
    case phase::running:
      handle_exit(self, c->spec.id, dm.reason, false);
      return;
    case phase::shutting_down:
      emit(self, child_event_kind::exited, c->spec.id, render(self, dm.reason));
      return;
    case phase::restarting: {
      auto& q = st.stop_queue;
      if (std::find(q.begin(), q.end(), c->spec.id) != q.end()) {
        // It was about to be stopped anyway; the group restart brings it back.
        emit(self, child_event_kind::exited, c->spec.id, render(self, dm.reason));
        return;
      }
      st.deferred.push_back({false, c->spec.id, c->incarnation, dm.reason, 0});
      return;
    }
  }
}

void on_try_again(sup_actor* self, uint64_t token) {
  auto& pending = self->state.pending;
  auto it = std::find_if(pending.begin(), pending.end(),
                         [&](const pending_restart& p) { return p.token == token; });
  if (it == pending.end()) return;  // superseded or cancelled
  auto ids = std::move(it->ids);
  pending.erase(it);
  start_list(self, ids);
}

// Handles what was deferred during a group restart, one item at a time, until another group
// restart (or a shutdown) begins.
void drain_deferred(sup_actor* self) {
  auto& st = self->state;
  while (st.ph == phase::running && !st.deferred.empty()) {
    auto d = std::move(st.deferred.front());
    st.deferred.pop_front();
    if (d.is_retry) {
      on_try_again(self, d.token);
      continue;
    }
    auto* c = find(self, d.id);
    if (c != nullptr && c->incarnation == d.incarnation && !c->handle)
      handle_exit(self, d.id, d.reason, false);
  }
}

caf::behavior supervisor(sup_actor* self, std::string name, sup_flags flags,
                         std::vector<child_spec> specs, caf::actor observer) {
  auto& st = self->state;
  st.sup_name = std::move(name);
  st.window = restart_window{flags.intensity, flags.period};
  st.flags = std::move(flags);
  st.observer = std::move(observer);
  if (enabled(st.flags.backoff)) st.random = default_random_source();  // random_device is slow
  for (auto& s : specs) st.children.push_back(child_rec{std::move(s), {}, 0, 0, false, {}});
  self->set_exit_handler([self](caf::exit_msg& em) {
    if (self->state.linked.erase(em.source) > 0) return;  // a child's link: its down_msg acts
    begin_shutdown(self, std::move(em.reason));
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    on_child_down(self, dm);
    drain_deferred(self);
  });
  std::vector<std::string> ids;
  for (auto& c : st.children) ids.push_back(c.spec.id);
  start_list(self, ids);
  return {
      [self](which_children_atom) {
        children_info out;
        for (auto& c : self->state.children)
          out.children.push_back(
              child_info{c.spec.id, static_cast<bool>(c.handle), c.restarts, c.handle});
        return out;
      },
      // OTP's terminate_child followed by restart_child: an operator's restart is not a
      // failure, so it does not count against the restart intensity. The group goes down and
      // comes back as the strategy says, as after a crash.
      [self](restart_child_atom, const std::string& id) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        auto* c = find(self, id);
        if (c == nullptr) return caf::make_error(caf::sec::invalid_argument, "no child " + id);
        if (st.ph != phase::running || !c->handle)
          return caf::make_error(caf::sec::request_timeout,
                                 "child " + id + " is already stopping or restarting");
        restart(self, id, std::chrono::milliseconds{0}, false);
        return caf::ok_atom::value;
      },
      [self](try_again_atom, uint64_t token) {
        auto& st = self->state;
        if (st.ph == phase::restarting)
          st.deferred.push_back({true, {}, 0, {}, token});
        else if (st.ph == phase::running)
          on_try_again(self, token);
        drain_deferred(self);
      },
      [self](stop_timeout_atom, uint64_t token) {
        auto& st = self->state;
        if (!st.stopping || st.stopping->token != token) return;
        if (auto* c = find(self, st.stopping->id); c != nullptr && c->handle)
          self->send_exit(c->handle, caf::exit_reason::kill);
      },
  };
}

}  // namespace

caf::actor spawn_supervisor(caf::actor_system& sys, std::string name, sup_flags flags,
                            std::vector<child_spec> children) {
  return spawn_supervisor(sys, std::move(name), std::move(flags), std::move(children),
                          caf::actor{});
}

caf::actor spawn_supervisor(caf::actor_system& sys, std::string name, sup_flags flags,
                            std::vector<child_spec> children, const caf::actor& observer) {
  if (!validate(flags, children).ok()) return {};
  return sys.spawn(supervisor, std::move(name), std::move(flags), std::move(children), observer);
}

caf::error exception_reason(caf::scheduled_actor*, std::exception_ptr& eptr) {
  try {
    std::rethrow_exception(eptr);
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::runtime_error, std::string{e.what()});
  } catch (...) {
    return caf::make_error(caf::sec::runtime_error, "unknown exception");
  }
}

void announce_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<child_event>("xyn.sup.child_event");
  cfg.add_message_type<child_info>("xyn.sup.child_info");
  cfg.add_message_type<children_info>("xyn.sup.children_info");
  cfg.add_error_category(caf::atom("xyn_sup"),
                         [](uint8_t code, caf::atom_value, const caf::message& ctx) {
                           std::string out = "xyn_sup: " + to_string(static_cast<sup_error>(code));
                           if (!ctx.empty()) out += " " + caf::to_string(ctx);
                           return out;
                         });
}

}  // namespace xyn::supervisors

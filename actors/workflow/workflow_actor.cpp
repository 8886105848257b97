#include "actors/workflow/workflow_actor.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <set>

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include "actors/event.hpp"
#include "actors/workflow/journal.hpp"
#include "actors/workflow/library.hpp"
#include "actors/workflow/state.hpp"
#include "actors/workflow/workflow_meters.hpp"
#include "runtime/cluster/directory.hpp"
#include "runtime/mesh/messages.hpp"
#include "runtime/node/names.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "runtime/store/messages.hpp"

namespace xyn::workflow {

namespace {

using namespace std::chrono_literals;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What a handler wants done once the events it caused are durable (an empty error), or when
// they are refused because this node does not serve the run's shard (the error says so).
using then_fn = std::function<void(const caf::error&)>;
using copy_atom = caf::atom_constant<caf::atom("wfcopy")>;

// How soon a run that stood down, or whose backup copy failed, tries again.
constexpr int64_t recheck_ms = 250;
// The writer gives a replica 5 s to confirm a copy; this only guards against a lost answer.
constexpr auto copy_timeout = std::chrono::seconds(10);

struct unacked_batch {
  std::vector<event> events;
  then_fn after;
  store::write_batch batch;  // kept for the backup copy's retries
  bool durable = false;      // here, and on the backup when the shard has one
};

struct wf_state {
  static inline const char* name = "workflow";
  engine_deps deps;
  caf::actor manager;
  std::string id;
  run_state run;
  uint64_t next_seq = 1;
  int writes_in_flight = 0;
  bool ended = false;
  // Activated to receive a signal, cancel or child result: stay until one has been handled,
  // so a passivated run cannot bounce the message it was woken for.
  bool hold = false;
  std::set<int64_t> timers;
  // Journal batches not yet durable everywhere they must be, by batch number.
  std::map<uint64_t, unacked_batch> unacked;
  uint64_t batches = 0;
};

using wf_actor = caf::stateful_actor<wf_state>;

void advance(wf_actor* self, std::vector<event> incoming, then_fn after = {});

const char* topic_of(const event& e) {
  switch (e.kind()) {
    case proto::WorkflowEvent::STARTED:
      return "workflow.started";
    case proto::WorkflowEvent::STEP_STARTED:
      return "workflow.step.started";
    case proto::WorkflowEvent::STEP_COMPLETED:
      return "workflow.step.completed";
    case proto::WorkflowEvent::STEP_FAILED:
      return e.final() ? "workflow.step.failed" : "workflow.step.retrying";
    case proto::WorkflowEvent::STEP_SKIPPED:
      return "workflow.step.skipped";
    case proto::WorkflowEvent::SIGNAL_RECEIVED:
      return "workflow.signal";
    case proto::WorkflowEvent::CANCEL_REQUESTED:
      return "workflow.cancel_requested";
    case proto::WorkflowEvent::COMPENSATION_STARTED:
    case proto::WorkflowEvent::COMPENSATION_COMPLETED:
    case proto::WorkflowEvent::COMPENSATION_FAILED:
      return "workflow.compensating";
    case proto::WorkflowEvent::COMPLETED:
      return "workflow.completed";
    case proto::WorkflowEvent::FAILED:
      return "workflow.failed";
    case proto::WorkflowEvent::ROLLED_BACK:
      return "workflow.rolled_back";
    case proto::WorkflowEvent::CANCELLED:
      return "workflow.cancelled";
    default:
      return "workflow.unknown";
  }
}

bool is_terminal(const event& e) {
  auto k = e.kind();
  return k == proto::WorkflowEvent::COMPLETED || k == proto::WorkflowEvent::FAILED ||
         k == proto::WorkflowEvent::ROLLED_BACK || k == proto::WorkflowEvent::CANCELLED;
}

void publish(wf_actor* self, const event& e) {
  auto& st = self->state;
  if (!st.deps.options.publish_events) return;
  json data = {{"workflow", st.id}, {"name", st.run.def().name}};
  if (!st.run.template_name().empty()) data["template"] = st.run.template_name();
  if (!e.step().empty()) data["step"] = e.step();
  if (e.attempt() > 0) data["attempt"] = e.attempt();
  if (!e.error_code().empty())
    data["error"] = {{"code", e.error_code()}, {"message", e.error_message()}};
  if (e.wake_at_ms() > 0) data["wake_at"] = e.wake_at_ms();
  if (e.kind() == proto::WorkflowEvent::COMPENSATION_STARTED) data["phase"] = "started";
  if (e.kind() == proto::WorkflowEvent::COMPENSATION_COMPLETED) data["phase"] = "completed";
  if (e.kind() == proto::WorkflowEvent::COMPENSATION_FAILED)
    data["phase"] = e.final() ? "failed" : "retrying";
  if (!e.name().empty()) data["signal"] = e.name();
  actors::publish(self->system(), topic_of(e), st.run.tenant(), data);
}

run_summary summary_of(const wf_state& st) {
  run_summary s;
  s.id = st.id;
  s.tenant = st.run.tenant();
  s.status = std::string(to_string(st.run.current_status()));
  s.output_json = st.run.output().dump();
  s.error = st.run.error_message();
  s.parent_id = st.run.parent_id();
  s.parent_step = st.run.parent_step();
  return s;
}

void schedule(wf_actor* self, int64_t at) {
  auto& st = self->state;
  if (at <= 0 || !st.timers.insert(at).second) return;
  auto delay = std::max<int64_t>(0, at - now_ms());
  self->delayed_send(self, std::chrono::milliseconds(delay), wake_atom::value, at);
}

void on_answer(wf_actor* self, const call& c, const mesh::step_response& r) {
  if (auto ev = self->state.run.on_result(c.step, c.attempt, c.compensation, r, now_ms()))
    advance(self, {std::move(*ev)});
}

void run_call(wf_actor* self, call c) {
  auto& st = self->state;
  auto timeout = c.timeout_ms > 0 ? c.timeout_ms : st.deps.options.default_step_timeout_ms;
  c.request.deadline_ms = now_ms() + timeout;
  auto mesh = node::lookup(self->system(), node::mesh_name);
  if (!mesh) {
    on_answer(self, c,
              mesh::make_error_response(c.service, mesh::step_status::retryable, "unavailable",
                                        "the service mesh is restarting"));
    return;
  }
  auto service = c.service;
  auto request = c.request;
  auto sent = std::chrono::steady_clock::now();
  // The mesh owns the deadline (it answers `timeout` itself), so this request needs no timer
  // of its own; if the mesh dies the request fails at once.
  self->request(mesh, caf::infinite, mesh::execute_atom::value, service, request)
      .then(
          [self, c, sent](mesh::step_response& r) {
            if (auto& m = self->state.deps.meters)
              m->step_took(
                  c.service,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count());
            on_answer(self, c, r);
          },
          [self, c](caf::error& err) {
            bool late = err == caf::sec::request_timeout;
            on_answer(self, c,
                      mesh::make_error_response(c.service, mesh::step_status::retryable,
                                                late ? "timeout" : "unavailable",
                                                self->system().render(err)));
          });
}

void start_child(wf_actor* self, const std::string& step) {
  auto& st = self->state;
  const auto* sd = st.run.def().find(step);
  auto fail = [self, step](const std::string& why) {
    if (auto ev = self->state.run.on_child(step, run_status::failed, "null", why, now_ms()))
      advance(self, {std::move(*ev)});
  };
  auto input = st.run.resolve_now(sd->child_input);
  if (!input) return fail(input.error().message());
  submit_request r;
  r.id = st.id + "." + step;
  r.tenant = st.run.tenant();
  r.template_name = sd->child_template;
  r.definition_json = sd->child_definition.dump();
  r.input_json = input->dump();
  r.parent_id = st.id;
  r.parent_step = step;
  self->request(st.manager, caf::infinite, submit_atom::value, std::move(r))
      .then([](submit_reply&) {},
            [self, fail](caf::error& err) { fail(store::to_status(err).message()); });
}

void cancel_abandoned_children(wf_actor* self) {
  auto& st = self->state;
  for (size_t i = 0; i < st.run.steps().size(); ++i) {
    const auto& sd = st.run.def().steps[i];
    const auto& s = st.run.steps()[i];
    if (sd.kind != step_kind::workflow || s.status != step_status::abandoned || s.attempt == 0)
      continue;
    self->request(st.manager, caf::infinite, cancel_atom::value, st.id + "." + sd.id,
                  std::string("parent workflow '" + st.id + "' is unwinding"))
        .then([](submit_reply&) {}, [](caf::error&) {});
  }
}

// Counts a run's start and end once each: only events just made durable come here, never
// the replayed ones.
void count(const wf_state& st, const event& e) {
  if (!st.deps.meters) return;
  if (e.kind() == proto::WorkflowEvent::STARTED) st.deps.meters->started();
  if (is_terminal(e)) st.deps.meters->finished(std::string(to_string(st.run.current_status())));
}

void maybe_park(wf_actor* self) {
  auto& st = self->state;
  if (st.ended || st.hold || st.writes_in_flight > 0 || !st.run.started() ||
      st.run.phase() == phase::done || st.run.busy())
    return;
  auto wake = st.run.next_wake_ms();
  if (wake != 0 && wake - now_ms() <= st.deps.options.passivate_after_ms) return;
  self->send(st.manager, park_atom::value, st.id, wake);
  st.ended = true;
  self->quit();
}

// Does what the just-committed events ask for.
void act_on(wf_actor* self, const std::vector<event>& evs) {
  auto& st = self->state;
  for (const auto& e : evs) {
    publish(self, e);
    count(st, e);
    switch (e.kind()) {
      case proto::WorkflowEvent::STEP_STARTED: {
        const auto* sd = st.run.def().find(e.step());
        if (sd->kind == step_kind::service) {
          if (auto c = st.run.call_for(e)) run_call(self, std::move(*c));
        } else if (sd->kind == step_kind::workflow) {
          start_child(self, e.step());
        } else {
          schedule(self, e.wake_at_ms());
        }
        break;
      }
      case proto::WorkflowEvent::COMPENSATION_STARTED:
        if (auto c = st.run.call_for(e)) run_call(self, std::move(*c));
        break;
      case proto::WorkflowEvent::STEP_FAILED:
      case proto::WorkflowEvent::COMPENSATION_FAILED:
        if (!e.final()) schedule(self, e.wake_at_ms());
        if (e.final()) cancel_abandoned_children(self);
        break;
      case proto::WorkflowEvent::CANCEL_REQUESTED:
        cancel_abandoned_children(self);
        break;
      default:
        break;
    }
    if (is_terminal(e) && !st.ended) {
      st.ended = true;
      self->send(st.manager, finished_atom::value, summary_of(st));
      self->quit();
      return;
    }
  }
}

// In a cluster only the owner of the run's shard, holding its lease, may journal the run.
bool may_journal(const wf_state& st) {
  return !st.deps.members || st.deps.members->route(st.run.tenant()).here;
}

// This node no longer serves the run's shard: act on nothing more. A run already in the
// journal asks the manager to look again shortly (the lease may come back); the manager
// forgets it if its shard is elsewhere by then.
void stand_down(wf_actor* self, const then_fn& after) {
  auto& st = self->state;
  spdlog::info("workflow '{}': this node does not serve its shard now; standing down", st.id);
  auto refusal =
      store::to_error(status::unavailable("this node does not serve the workflow's shard now"));
  if (after) after(refusal);
  for (auto& [seq, b] : st.unacked)
    if (b.after) b.after(refusal);
  st.unacked.clear();
  if (st.next_seq > 1) self->send(st.manager, park_atom::value, st.id, now_ms() + recheck_ms);
  st.ended = true;
  self->quit();
}

// Journal batch `seq` is durable everywhere it must be. Such batches are acted on in the order
// they were decided, never a later one before an earlier one.
void on_durable(wf_actor* self, uint64_t seq) {
  auto& st = self->state;
  auto it = st.unacked.find(seq);
  if (it == st.unacked.end()) return;
  it->second.durable = true;
  while (!st.unacked.empty() && st.unacked.begin()->second.durable && !st.ended) {
    auto batch = std::move(st.unacked.begin()->second);
    st.unacked.erase(st.unacked.begin());
    --st.writes_in_flight;
    act_on(self, batch.events);
    if (batch.after) batch.after({});
  }
  maybe_park(self);
}

// Batch `seq` is durable here; the backup's copy failed with `error` unless it is empty. A
// failed copy is sent again shortly, through the writer, to whichever member is the backup
// by then; until it lands the run acts on nothing later.
void on_written(wf_actor* self, uint64_t seq, const std::string& error) {
  if (error.empty()) return on_durable(self, seq);
  spdlog::warn("workflow '{}': the backup did not take its journal copy ({}); again",
               self->state.id, error);
  self->delayed_send(self, std::chrono::milliseconds(recheck_ms), copy_atom::value, seq);
}

// Copies batch `seq` (committed here) to the current backup of the run's shard, if it has one.
void copy_to_backup(wf_actor* self, uint64_t seq) {
  auto& st = self->state;
  auto it = st.unacked.find(seq);
  if (it == st.unacked.end() || st.ended || it->second.durable) return;
  if (!may_journal(st)) return stand_down(self, {});  // it answers every unacked batch
  auto writer = node::lookup(self->system(), node::store_name);
  if (!writer) return on_durable(self, seq);
  self->request(writer, copy_timeout, store::copy_atom::value, it->second.batch, st.run.tenant())
      .then([self, seq](store::ok_atom, const std::string& error) { on_written(self, seq, error); },
            [self, seq](caf::error& err) { on_written(self, seq, self->system().render(err)); });
}

void persist(wf_actor* self, std::vector<event> evs, then_fn after) {
  auto& st = self->state;
  if (!may_journal(st)) return stand_down(self, after);
  store::write_batch wb;
  bool started = false, terminal = false;
  for (const auto& e : evs) {
    wb.put(store::db::journal, journal::event_key(st.id, st.next_seq++), e.SerializeAsString());
    started |= e.kind() == proto::WorkflowEvent::STARTED;
    terminal |= is_terminal(e);
  }
  if (started || terminal) {
    wb.put(store::db::workflows, journal::record_key(st.id),
           journal::record_of(st.run).SerializeAsString());
    if (started) {
      wb.put(store::db::workflows, journal::order_key(st.run.created_at_ms(), st.id), {});
      wb.put(store::db::workflows, journal::unfinished_key(st.id), {});
    }
    if (terminal) wb.erase(store::db::workflows, journal::unfinished_key(st.id));
  }
  auto writer = node::lookup(self->system(), node::store_name);
  if (!writer) {
    // Nothing was acted on: the manager restarts this run from its journal once the store is back.
    self->quit(caf::make_error(caf::sec::runtime_error, "store writer unavailable"));
    return;
  }
  ++st.writes_in_flight;
  auto seq = ++st.batches;
  auto& batch = st.unacked[seq];
  batch.events = std::move(evs);
  batch.after = std::move(after);
  auto failed = [self](caf::error& err) {
    if (store::is_shard_moved(err)) return stand_down(self, {});  // it answers every unacked
    spdlog::warn("workflow '{}': journal write failed: {}", self->state.id,
                 self->system().render(err));
    self->quit(err);
  };
  // In a cluster the writer passes the batch on to the writer of the shard's backup, and the
  // run acts on it only once both copies are durable: the backup can then take over exactly
  // where this run stands. No timer: the writer answers every batch after its commit (and the
  // backup's answer, or loss), or fails it; a dead writer fails the request at once.
  if (st.deps.members) {
    batch.batch = wb;
    self->request(writer, caf::infinite, store::write_atom::value, std::move(wb), st.run.tenant())
        .then(
            [self, seq](store::ok_atom, const std::string& error) { on_written(self, seq, error); },
            failed);
    return;
  }
  self->request(writer, caf::infinite, store::write_atom::value, std::move(wb))
      .then([self, seq](store::ok_atom) { on_durable(self, seq); }, failed);
}

// Applies `incoming`, decides what follows, journals it all, then acts on it.
void advance(wf_actor* self, std::vector<event> incoming, then_fn after) {
  auto& st = self->state;
  if (st.ended) return;
  auto now = now_ms();
  std::vector<event> all;
  for (auto& e : incoming) {
    if (auto s = st.run.apply(e); !s.ok())
      throw std::runtime_error("workflow " + st.id + ": " + s.to_string());
    all.push_back(std::move(e));
  }
  // Each round starts what the previous one made ready (skips, signals consumed, ...).
  for (size_t round = 0; round <= st.run.steps().size() + 2; ++round) {
    auto more = st.run.decide(now);
    if (more.empty()) break;
    for (auto& m : more) {
      if (auto s = st.run.apply(m); !s.ok())
        throw std::runtime_error("workflow " + st.id + ": " + s.to_string());
      all.push_back(std::move(m));
    }
  }
  if (all.empty()) {
    if (after) after({});
    maybe_park(self);
    return;
  }
  persist(self, std::move(all), std::move(after));
}

// What a run rebuilt from its journal must set going again.
void resume_effects(wf_actor* self) {
  auto& st = self->state;
  for (auto& c : st.run.calls_in_flight()) run_call(self, std::move(c));
  for (const auto& step : st.run.children_in_flight()) start_child(self, step);
  schedule(self, st.run.next_wake_ms());
}

// Answers `promise` with the run's status once what a message caused is durable, or with the
// refusal when this node turned out not to serve the run.
then_fn reply_when_durable(wf_actor* self, caf::response_promise promise, bool created) {
  return [self, promise, created](const caf::error& err) mutable {
    if (err)
      promise.deliver(err);
    else
      promise.deliver(submit_reply{
          self->state.id, std::string(to_string(self->state.run.current_status())), created});
  };
}

caf::error invalid(const std::string& message) {
  return store::to_error(status::invalid_argument(message));
}

caf::behavior workflow_actor(wf_actor* self, engine_deps deps, caf::actor manager, std::string id,
                             submit_request req, start_mode mode) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.manager = std::move(manager);
  st.id = id;
  st.run.set_id(id);
  self->set_exception_handler([](caf::scheduled_actor*, std::exception_ptr& ep) -> caf::error {
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      return caf::make_error(caf::sec::runtime_error, std::string(e.what()));
    } catch (...) {
      return caf::make_error(caf::sec::runtime_error, "unknown exception");
    }
  });
  if (mode != start_mode::fresh) {
    st.hold = mode == start_mode::resume_held;
    auto rep = journal::replay(*st.deps.env, id);
    if (!rep) {
      spdlog::error("workflow '{}' cannot be resumed: {}", id, rep.error().to_string());
      self->quit(caf::make_error(caf::sec::runtime_error, rep.error().to_string()));
      return {};
    }
    st.run = std::move(rep->run);
    st.next_seq = rep->events + 1;
    if (st.run.phase() == phase::done) {
      st.ended = true;
      self->send(st.manager, finished_atom::value, summary_of(st));
      self->quit();
      return {};
    }
    // A run woken on a node that no longer serves its shard must not call a service again.
    if (!may_journal(st)) {
      stand_down(self, {});
      return {};
    }
    resume_effects(self);
    advance(self, {});
  }
  return {
      [=](start_atom) -> caf::result<submit_reply> {
        auto& s = self->state;
        if (s.run.started()) return submit_reply{s.id, "running", false};
        json doc;
        std::string template_name = req.template_name;
        if (!req.definition_json.empty()) {
          doc = json::parse(req.definition_json, nullptr, false);
          if (doc.is_discarded()) {
            self->quit();
            return invalid("'definition' is not valid JSON");
          }
        } else if (const auto* t = s.deps.lib->find_template(template_name)) {
          doc = *t;
        } else {
          self->quit();
          return invalid("unknown template '" + template_name + "'");
        }
        auto def = parse_definition(doc, s.deps.lib->view());
        if (!def) {
          self->quit();
          return store::to_error(def.error());
        }
        auto input = json::parse(req.input_json.empty() ? "{}" : req.input_json, nullptr, false);
        if (input.is_discarded()) {
          self->quit();
          return invalid("'input' is not valid JSON");
        }
        auto bound = bind_input(*def, input);
        if (!bound) {
          self->quit();
          return store::to_error(bound.error());
        }
        auto parsed = std::make_shared<const definition>(std::move(*def));
        auto started = make_started(*parsed, *bound, req.tenant, template_name, req.parent_id,
                                    req.parent_step, now_ms());
        if (auto a = s.run.apply(started, parsed); !a.ok()) {
          self->quit();
          return store::to_error(a);
        }
        auto promise = self->make_response_promise<submit_reply>();
        advance(self, {started}, reply_when_durable(self, promise, true));
        return promise;
      },
      [=](copy_atom, uint64_t seq) { copy_to_backup(self, seq); },
      [=](wake_atom, int64_t at) {
        self->state.timers.erase(at);
        advance(self, {});
      },
      [=](signal_atom, const std::string&, const std::string& name,
          const std::string& payload) -> caf::result<submit_reply> {
        auto& s = self->state;
        s.hold = false;
        auto ev = s.run.on_signal(name, payload, now_ms());
        if (!ev) {
          maybe_park(self);
          return store::to_error(status::already_exists("workflow '" + s.id + "' has finished"));
        }
        auto promise = self->make_response_promise<submit_reply>();
        advance(self, {std::move(*ev)}, reply_when_durable(self, promise, false));
        return promise;
      },
      [=](cancel_atom, const std::string&, const std::string& reason) -> caf::result<submit_reply> {
        auto& s = self->state;
        s.hold = false;
        auto ev = s.run.on_cancel(reason, now_ms());
        if (!ev) {
          maybe_park(self);
          if (s.run.phase() == phase::done)
            return store::to_error(status::already_exists("workflow '" + s.id + "' has finished"));
          return submit_reply{s.id, "running", false};  // already unwinding
        }
        auto promise = self->make_response_promise<submit_reply>();
        advance(self, {std::move(*ev)}, reply_when_durable(self, promise, false));
        return promise;
      },
      [=](child_done_atom, const run_summary& child) -> submit_reply {
        auto& s = self->state;
        s.hold = false;
        run_status cs = run_status::failed;
        for (auto candidate : {run_status::completed, run_status::failed, run_status::rolled_back,
                               run_status::cancelled})
          if (to_string(candidate) == child.status) cs = candidate;
        if (auto ev =
                s.run.on_child(child.parent_step, cs, child.output_json, child.error, now_ms()))
          advance(self, {std::move(*ev)});
        else
          maybe_park(self);
        return submit_reply{s.id, std::string(to_string(s.run.current_status())), false};
      },
      [=](moved_atom) {
        if (!self->state.ended) stand_down(self, {});
      },
      [=](crash_atom) -> caf::result<void> {
        throw std::runtime_error("workflow '" + self->state.id + "': crash requested (test hook)");
      },
  };
}

}  // namespace

caf::actor spawn_workflow(caf::actor_system& sys, const engine_deps& deps,
                          const caf::actor& manager, std::string id, submit_request req,
                          start_mode mode) {
  return sys.spawn(workflow_actor, deps, manager, std::move(id), std::move(req), mode);
}

}  // namespace xyn::workflow

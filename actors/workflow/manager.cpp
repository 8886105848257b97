#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <unordered_map>

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include "actors/workflow/engine.hpp"
#include "actors/workflow/journal.hpp"
#include "actors/workflow/library.hpp"
#include "actors/workflow/run_list.hpp"
#include "actors/workflow/view.hpp"
#include "actors/workflow/workflow_actor.hpp"
#include "actors/workflow/workflow_meters.hpp"
#include "runtime/base/keys.hpp"
#include "runtime/cluster/directory.hpp"
#include "runtime/cluster/messages.hpp"
#include "runtime/node/names.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "runtime/store/messages.hpp"

namespace xyn::workflow {

namespace {

using namespace std::chrono_literals;
using tick_atom = caf::atom_constant<caf::atom("wftick")>;
using resume_atom = caf::atom_constant<caf::atom("wfresume")>;
using retry_submit_atom = caf::atom_constant<caf::atom("wfresubmt")>;

// How long a submit waits for some member to serve its tenant's shard (a failover takes
// well under a second), and how often it looks.
constexpr int64_t submit_patience_ms = 5'000;
constexpr auto submit_recheck = std::chrono::milliseconds(50);
constexpr uint32_t max_hops = 2;

// A submit for a shard nobody serves at the moment, waiting for the next map.
struct waiting_submit {
  submit_request req;
  caf::response_promise rp;
  int64_t give_up_at = 0;
  bool minted = false;  // its id was made here for this submit
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct mgr_state {
  static inline const char* name = "workflow-manager";
  engine_deps deps;
  std::unordered_map<std::string, caf::actor> live;
  std::unordered_map<caf::actor_addr, std::string> ids;
  std::unordered_map<std::string, int64_t> parked;  // id -> wake time (0: a signal wakes it)
  std::multimap<int64_t, std::string> wakes;
  int64_t tick_at = 0;
  std::unordered_map<std::string, std::vector<caf::response_promise>> watchers;
  std::unordered_map<std::string, int> crashes;  // consecutive crash restarts per run
  std::deque<std::string> to_resume;
  manager_stats stats;
  std::string id_prefix;
  uint64_t next_id = 0;
  // Tenants of runs live or parked here (a cluster needs them to know whose shard a run is).
  std::unordered_map<std::string, std::string> tenants;
  std::unordered_map<uint64_t, waiting_submit> waiting;
  uint64_t next_wait = 0;
};

using mgr_actor = caf::stateful_actor<mgr_state>;

std::string make_prefix() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", rd());
  return std::string("wf-") + buf + "-";
}

void activate(mgr_actor* self, const std::string& id, start_mode mode) {
  auto& st = self->state;
  if (st.live.count(id)) return;
  st.parked.erase(id);
  auto a = spawn_workflow(self->system(), st.deps, caf::actor_cast<caf::actor>(self), id, {}, mode);
  self->link_to(a);
  st.ids[a.address()] = id;
  st.live[id] = a;
}

void arm_tick(mgr_actor* self) {
  auto& st = self->state;
  if (st.wakes.empty()) return;
  auto earliest = st.wakes.begin()->first;
  if (st.tick_at != 0 && st.tick_at <= earliest) return;
  st.tick_at = earliest;
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(0, earliest - now_ms())),
                     tick_atom::value);
}

void park(mgr_actor* self, const std::string& id, int64_t wake) {
  auto& st = self->state;
  st.parked[id] = wake;
  if (wake > 0) {
    st.wakes.emplace(wake, id);
    arm_tick(self);
  }
}

run_summary summary_from_store(const engine_deps& deps, const std::string& id) {
  run_summary s;
  s.id = id;
  auto rep = journal::replay(*deps.env, id);
  if (!rep) {
    s.status = "unknown";
    s.error = rep.error().message();
    return s;
  }
  s.tenant = rep->run.tenant();
  s.status = std::string(to_string(rep->run.current_status()));
  s.output_json = rep->run.output().dump();
  s.error = rep->run.error_message();
  s.parent_id = rep->run.parent_id();
  s.parent_step = rep->run.parent_step();
  return s;
}

caf::error status_error(status s) {
  return store::to_error(s);
}

// Whether this node may run `tenant`'s workflows now: always on a single node; in a cluster
// while it owns the tenant's shard and holds the lease.
bool serves_tenant(const mgr_state& st, const std::string& tenant) {
  return !st.deps.members || st.deps.members->route(tenant).here;
}

// The tenant of run `id` as its record in this node's LMDB says; empty when there is none.
std::string recorded_tenant(const engine_deps& deps, const std::string& id) {
  auto rec = journal::load_record(*deps.env, id);
  return rec ? rec->tenant() : std::string();
}

// The tenant of a run that is live or parked here, or about to be (kept until it finishes or
// leaves); empty when it is unknown.
std::string tenant_of(mgr_state& st, const std::string& id) {
  if (auto it = st.tenants.find(id); it != st.tenants.end()) return it->second;
  auto tenant = recorded_tenant(st.deps, id);
  if (!tenant.empty()) st.tenants[id] = tenant;
  return tenant;
}

constexpr auto read_timeout = std::chrono::seconds(10);

// Run `id` ("run") or its journal ("history") from this node's LMDB.
result<json> read_view(const engine_deps& deps, const std::string& id, const std::string& what) {
  return what == "history" ? history_json(*deps.env, id) : run_json(*deps.env, id);
}

// What a search of the other members found: the run's JSON text, or (empty) why not.
using found_fn = std::function<void(std::string doc, caf::error why)>;

// Asks the other members for a run this node has no copy of; the first copy found is handed
// to `done`, or not_found when nobody has one.
void find_elsewhere(mgr_actor* self, const std::string& id, const std::string& what,
                    found_fn done) {
  auto managers = self->state.deps.members->other_workflow_managers();
  auto not_found =
      status_error(status::not_found("workflow '" + id + "' is on no member of the cluster"));
  if (managers.empty()) return done({}, not_found);
  auto left = std::make_shared<size_t>(managers.size());
  auto answered = std::make_shared<bool>(false);
  for (const auto& m : managers)
    self->request(m, read_timeout, wf_read_atom::value, id, what, false)
        .then(
            [done, answered](std::string& doc) {
              if (!std::exchange(*answered, true)) done(std::move(doc), {});
            },
            [done, answered, left, not_found](caf::error&) {
              if (--*left == 0 && !*answered) done({}, not_found);
            });
}

// Answers `rp` with what find_elsewhere found.
found_fn deliver_found(caf::response_promise rp) {
  return [rp](std::string doc, caf::error why) mutable {
    if (doc.empty())
      rp.deliver(why);
    else
      rp.deliver(std::move(doc));
  };
}

// Whether the message being handled came from this node (a client route, a run), not from
// another member's manager. Ask before make_response_promise: the promise takes the sender.
bool from_here(mgr_actor* self) {
  const auto& sender = self->current_sender();
  return sender && sender->node() == self->node();
}

// Sends a message for run `id` to its actor, waking the run first if it is passivated, and
// answers `rp` with the actor's reply. A run that exits (parks) while the message is on its
// way is woken and asked again. In a cluster a run this node does not serve goes to its
// owner; with `ask_others` (the request came from this node's clients, not from another
// member, so it cannot loop) a run this node has no copy of is looked for on every member.
template <class... Ts>
void route(mgr_actor* self, const std::string& id, caf::response_promise rp, int tries,
           bool ask_others, Ts... args) {
  auto& st = self->state;
  auto it = st.live.find(id);
  if (it == st.live.end()) {
    if (st.parked.count(id)) {
      activate(self, id, start_mode::resume_held);
    } else {
      auto rec = journal::load_record(*st.deps.env, id);
      if (!rec && rec.error().is_not_found() && ask_others && st.deps.members &&
          st.deps.members->has_map()) {
        find_elsewhere(self, id, "run", [self, id, rp, args...](std::string doc, caf::error why) {
          auto run = json::parse(doc, nullptr, false);
          if (!run.is_object()) return caf::response_promise(rp).deliver(why);
          auto owner = self->state.deps.members->route(run.value("tenant", "")).owner_workflows;
          if (!owner)
            return caf::response_promise(rp).deliver(status_error(status::unavailable(
                "no member serves the shard of workflow '" + id + "' now; retry")));
          self->request(owner, 60s, args...)
              .then([rp](submit_reply& r) mutable { rp.deliver(std::move(r)); },
                    [rp](caf::error& err) mutable { rp.deliver(err); });
        });
        return;
      }
      if (!rec) {
        rp.deliver(store::to_error(rec.error()));
        return;
      }
      if (rec->status() != "running") {
        rp.deliver(store::to_error(
            status::already_exists("workflow '" + id + "' has finished (" + rec->status() + ")")));
        return;
      }
      if (!serves_tenant(st, rec->tenant())) {
        // A run this node holds a copy of (as backup, or from before a failover): its owner acts.
        auto owner = st.deps.members->route(rec->tenant()).owner_workflows;
        if (!owner) {
          rp.deliver(store::to_error(status::unavailable(
              "no member serves the shard of workflow '" + id + "' now; retry")));
          return;
        }
        self->request(owner, 60s, args...)
            .then([rp](submit_reply& r) mutable { rp.deliver(std::move(r)); },
                  [rp](caf::error& err) mutable { rp.deliver(err); });
        return;
      }
      activate(self, id, start_mode::resume_held);
    }
    it = st.live.find(id);
  }
  auto target = it->second;
  self->request(target, 60s, args...)
      .then([rp](submit_reply& r) mutable { rp.deliver(std::move(r)); },
            [self, id, rp, tries, target, args...](caf::error& err) mutable {
              auto& s = self->state;
              if (err == caf::sec::request_receiver_down && tries < 5) {
                auto cur = s.live.find(id);
                if (cur != s.live.end() && cur->second == target) {
                  s.ids.erase(target.address());
                  s.live.erase(cur);
                }
                route(self, id, rp, tries + 1, false, args...);
                return;
              }
              rp.deliver(err);
            });
}

void finished(mgr_actor* self, const run_summary& s) {
  auto& st = self->state;
  st.parked.erase(s.id);
  st.crashes.erase(s.id);
  st.tenants.erase(s.id);
  ++st.stats.finished;
  if (auto w = st.watchers.find(s.id); w != st.watchers.end()) {
    for (auto& rp : w->second) rp.deliver(s);
    st.watchers.erase(w);
  }
  if (!s.parent_id.empty()) {
    auto rp = self->make_response_promise();  // nobody waits on this one
    route(self, s.parent_id, rp, 0, false, child_done_atom::value, s);
  }
}

// A submit that no member could take yet waits for the next map, then tries again.
void wait_for_owner(mgr_actor* self, submit_request req, caf::response_promise rp,
                    int64_t give_up_at, bool minted) {
  auto& st = self->state;
  if (now_ms() >= give_up_at) {
    rp.deliver(status_error(status::unavailable("no member serves the shard of tenant '" +
                                                req.tenant + "' now; retry")));
    return;
  }
  req.hops = 0;  // the maps may have settled by the next try
  auto token = ++st.next_wait;
  st.waiting.emplace(token, waiting_submit{std::move(req), std::move(rp), give_up_at, minted});
  self->delayed_send(self, submit_recheck, retry_submit_atom::value, token);
}

// Hands a submit (which already has its id) to the manager of its tenant's shard's owner,
// which may be this one by now. `minted`: the id was made here for this submit, so a run
// found under it on a later try is the one an earlier try created (created stays true).
void forward_submit(mgr_actor* self, submit_request req, caf::response_promise rp,
                    int64_t give_up_at, bool minted) {
  auto r = self->state.deps.members->route(req.tenant);
  caf::actor to = r.here                ? caf::actor_cast<caf::actor>(self)
                  : req.hops < max_hops ? r.owner_workflows
                                        : caf::actor{};
  if (!to) return wait_for_owner(self, std::move(req), std::move(rp), give_up_at, minted);
  if (!r.here) ++req.hops;
  self->request(to, 60s, submit_atom::value, req)
      .then(
          [rp, minted](submit_reply& reply) mutable {
            reply.created = reply.created || minted;
            rp.deliver(std::move(reply));
          },
          [self, req, rp, give_up_at, minted](caf::error& err) mutable {
            // The owner died or stood down meanwhile; the id makes another try safe.
            auto why = store::to_status(err);
            if (why.code() == status_code::unavailable || why.code() == status_code::timeout)
              return wait_for_owner(self, std::move(req), std::move(rp), give_up_at, minted);
            rp.deliver(err);
          });
}

// Makes the runs here match the shards this node serves. Runs of shards it no longer serves
// stop at once: their new owner resumes them from its copy of the journal. Unfinished runs of
// shards it serves now are resumed from the journal the backup copies kept current.
void follow_shards(mgr_actor* self) {
  auto& st = self->state;
  std::vector<std::string> gone;
  if (st.deps.members) {
    for (const auto& [id, a] : st.live)
      if (!serves_tenant(st, tenant_of(st, id))) gone.push_back(id);
    for (const auto& id : gone) {
      auto a = st.live[id];
      self->unlink_from(a);  // no exit message: this is no crash to restart
      st.ids.erase(a.address());
      st.live.erase(id);
      // Not killed: it answers what waits on it (a submit's reply, say) with unavailable, so
      // the asker tries the new owner instead of timing out.
      self->send(a, moved_atom::value);
    }
    for (auto it = st.parked.begin(); it != st.parked.end();) {
      if (serves_tenant(st, tenant_of(st, it->first))) {
        ++it;
        continue;
      }
      gone.push_back(it->first);
      it = st.parked.erase(it);
    }
    for (const auto& id : gone) {
      st.tenants.erase(id);
      st.crashes.erase(id);
      if (auto w = st.watchers.find(id); w != st.watchers.end()) {
        for (auto& rp : w->second)
          rp.deliver(status_error(status::unavailable(
              "workflow '" + id + "' moved to the new owner of its shard; watch it there")));
        st.watchers.erase(w);
      }
    }
    if (!gone.empty())
      spdlog::info("{} workflows left with their shards for other members", gone.size());
  }
  auto ids = journal::unfinished(*st.deps.env);
  if (!ids) {
    spdlog::error("cannot list unfinished workflows: {}", ids.error().to_string());
    return;
  }
  size_t queued = 0;
  for (auto& id : *ids) {
    if (st.live.count(id) || st.parked.count(id)) continue;
    if (st.deps.members) {
      auto tenant = tenant_of(st, id);
      if (tenant.empty() || !serves_tenant(st, tenant)) {
        st.tenants.erase(id);
        continue;
      }
    }
    st.to_resume.push_back(std::move(id));
    ++queued;
  }
  if (queued > 0) {
    spdlog::info("resuming {} unfinished workflows", queued);
    self->send(self, resume_atom::value);
  }
}

void resume_some(mgr_actor* self) {
  auto& st = self->state;
  for (int n = 0; n < st.deps.options.resume_batch && !st.to_resume.empty(); ++n) {
    auto id = std::move(st.to_resume.front());
    st.to_resume.pop_front();
    if (st.live.count(id) || st.parked.count(id)) continue;
    activate(self, id, start_mode::resume);
    ++st.stats.resumed;
  }
  if (!st.to_resume.empty()) self->send(self, resume_atom::value);
}

caf::behavior manager(mgr_actor* self, engine_deps deps) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.id_prefix = make_prefix();
  self->set_error_handler([](caf::scheduled_actor*, caf::error&) {});
  self->set_exit_handler([self](caf::exit_msg& m) {
    auto& s = self->state;
    // CAF 0.17 keeps the link's attachable after the linked actor is gone; without this the
    // list grows with every run ever started and each link/exit walks all of it.
    self->unlink_from(m.source);
    auto it = s.ids.find(m.source);
    if (it == s.ids.end()) {
      // A run that already said goodbye (park, finish) exits normally; anything else comes
      // from our supervisor: stop, taking the runs along.
      if (m.reason) self->quit(m.reason);
      return;
    }
    auto id = it->second;
    s.ids.erase(it);
    auto cur = s.live.find(id);
    if (cur != s.live.end() && cur->second.address() == m.source) s.live.erase(cur);
    if (!m.reason) return;  // parked, finished or refused at submit: already handled
    // A crash: restart the run from its journal after a backoff, like a supervisor would.
    int n = ++s.crashes[id];
    ++s.stats.restarts;
    auto backoff = std::min<int64_t>(s.deps.options.max_restart_backoff_ms,
                                     int64_t{100} << std::min(n - 1, 16));
    spdlog::warn("workflow '{}' crashed ({}); restart {} in {} ms", id,
                 self->system().render(m.reason), n, backoff);
    park(self, id, now_ms() + backoff);
  });
  if (auto ids = journal::unfinished(*st.deps.env); ids && st.deps.meters)
    st.deps.meters->set_running(ids->size());
  follow_shards(self);
  return {
      [=](submit_atom, submit_request req) -> caf::result<submit_reply> {
        auto& s = self->state;
        if (req.tenant.empty()) req.tenant = "default";
        if (!keys::valid_part(req.tenant) || req.tenant.size() > 128)
          return status_error(status::invalid_argument("'tenant' is not a valid tenant name"));
        if (!req.id.empty() && !journal::valid_id(req.id))
          return status_error(
              status::invalid_argument("'id' must be 1-200 letters, digits, '_', '-', '.' or ':'"));
        if (!serves_tenant(s, req.tenant)) {
          // The owner decides whether the id is new: a copy here may be behind.
          bool minted = req.id.empty();
          if (minted) req.id = s.id_prefix + std::to_string(++s.next_id);
          auto rp = self->make_response_promise<submit_reply>();
          forward_submit(self, std::move(req), rp, now_ms() + submit_patience_ms, minted);
          return rp;
        }
        if (!req.id.empty()) {
          if (s.live.count(req.id) || s.parked.count(req.id))
            return submit_reply{req.id, "running", false};
          auto rec = journal::load_record(*s.deps.env, req.id);
          if (rec) {
            if (rec->status() != "running" && !req.parent_id.empty())
              finished(self, summary_from_store(s.deps, req.id));  // the parent missed it
            return submit_reply{req.id, rec->status(), false};
          }
          if (!rec.error().is_not_found()) return status_error(rec.error());
        }
        bool minted = req.id.empty();
        if (minted) req.id = s.id_prefix + std::to_string(++s.next_id);
        if (s.deps.draining && s.deps.draining->load() && req.parent_id.empty())
          return status_error(
              status::unavailable("the node is draining and starts no new workflows"));
        auto id = req.id;
        s.tenants[id] = req.tenant;
        auto a = spawn_workflow(self->system(), s.deps, caf::actor_cast<caf::actor>(self), id, req,
                                start_mode::fresh);
        self->link_to(a);
        s.ids[a.address()] = id;
        s.live[id] = a;
        auto rp = self->make_response_promise<submit_reply>();
        self->request(a, 60s, start_atom::value)
            .then(
                [self, rp](submit_reply& r) mutable {
                  ++self->state.stats.started;
                  rp.deliver(std::move(r));
                },
                [self, rp, req, minted](caf::error& err) mutable {
                  // In a cluster the run stands down when its shard moved (or this node's
                  // lease lapsed) before STARTED was written: wait for the shard's owner, as
                  // a submit forwarded from another member would.
                  if (self->state.deps.members &&
                      store::to_status(err).code() == status_code::unavailable)
                    return wait_for_owner(self, std::move(req), std::move(rp),
                                          now_ms() + submit_patience_ms, minted);
                  rp.deliver(err);
                });
        return rp;
      },
      [=](cancel_atom, const std::string& id, const std::string& reason) {
        bool local = from_here(self);  // before the promise takes the sender
        auto rp = self->make_response_promise<submit_reply>();
        route(self, id, rp, 0, local, cancel_atom::value, id, reason);
        return rp;
      },
      [=](signal_atom, const std::string& id, const std::string& name, const std::string& payload) {
        bool local = from_here(self);  // before the promise takes the sender
        auto rp = self->make_response_promise<submit_reply>();
        route(self, id, rp, 0, local, signal_atom::value, id, name, payload);
        return rp;
      },
      [=](watch_atom, const std::string& id) -> caf::result<run_summary> {
        auto& s = self->state;
        bool pending = s.live.count(id) || s.parked.count(id);
        if (!pending) {
          auto rec = journal::load_record(*s.deps.env, id);
          if (!rec) return status_error(rec.error());
          if (rec->status() != "running") return summary_from_store(s.deps, id);
          // A copy of a run that lives elsewhere: only its owner will see it finish.
          if (!serves_tenant(s, rec->tenant()))
            if (auto owner = s.deps.members->route(rec->tenant()).owner_workflows) {
              // No timer: the watcher's own request carries the deadline.
              auto rp = self->make_response_promise<run_summary>();
              self->request(owner, caf::infinite, watch_atom::value, id)
                  .then([rp](run_summary& done) mutable { rp.deliver(std::move(done)); },
                        [rp](caf::error& err) mutable { rp.deliver(err); });
              return rp;
            }
        }
        auto rp = self->make_response_promise<run_summary>();
        s.watchers[id].push_back(rp);
        return rp;
      },
      [=](wf_read_atom, const std::string& id, const std::string& what,
          bool ask_others) -> caf::result<std::string> {
        auto& s = self->state;
        auto local = read_view(s.deps, id, what);
        auto answer_local = [&]() -> caf::result<std::string> {
          if (!local) return status_error(local.error());
          return local->dump();
        };
        if (!s.deps.members || !s.deps.members->has_map() || !ask_others) return answer_local();
        auto tenant = recorded_tenant(s.deps, id);
        if (tenant.empty()) {
          auto rp = self->make_response_promise<std::string>();
          find_elsewhere(self, id, what, deliver_found(rp));
          return rp;
        }
        // Here, or a copy (this node is the backup, or held the shard before; a backup that
        // joined late holds only the newer events): the owner's is the one to show.
        auto owner = s.deps.members->route(tenant).owner_workflows;
        if (serves_tenant(s, tenant) || !owner) return answer_local();
        auto rp = self->make_response_promise<std::string>();
        // When the owner cannot answer, this node's copy (if it reads) is better than nothing.
        self->request(owner, read_timeout, wf_read_atom::value, id, what, false)
            .then([rp](std::string& doc) mutable { rp.deliver(std::move(doc)); },
                  [rp, copy = local ? local->dump() : std::string()](caf::error& err) mutable {
                    if (copy.empty())
                      rp.deliver(err);
                    else
                      rp.deliver(std::move(copy));
                  });
        return rp;
      },
      [=](wf_list_atom a, const std::string& query) {
        auto& d = self->state.deps;
        return self->delegate(spawn_run_lister(self, d.env, d.members), a, query);
      },
      [=](wf_page_atom a, const std::string& query) {
        auto& d = self->state.deps;
        return self->delegate(spawn_run_lister(self, d.env, d.members), a, query);
      },
      [=](wf_stats_atom) {
        auto& s = self->state;
        auto out = s.stats;
        out.active = s.live.size();
        out.parked = s.parked.size();
        return out;
      },
      [=](park_atom, const std::string& id, int64_t wake) {
        auto& s = self->state;
        auto cur = s.live.find(id);
        if (cur != s.live.end() && cur->second.address() == self->current_sender()) {
          s.ids.erase(cur->second.address());
          s.live.erase(cur);
        }
        if (s.live.count(id)) return;
        // A run that stood down is looked at again at `wake` while this node still owns its
        // shard: a lease that lapsed for a moment (a busy machine) or a handoff not yet
        // released comes back without a new map, so no change of the served shards would
        // resume it. Forgotten once its shard belongs to another member.
        auto tenant = tenant_of(s, id);
        if (!serves_tenant(s, tenant) && !s.deps.members->route(tenant).owned_here) {
          s.parked.erase(id);
          s.tenants.erase(id);
          return;
        }
        park(self, id, wake);
      },
      [=](finished_atom, const run_summary& summary) {
        auto& s = self->state;
        auto cur = s.live.find(summary.id);
        if (cur != s.live.end() && cur->second.address() == self->current_sender()) {
          s.ids.erase(cur->second.address());
          s.live.erase(cur);
        }
        finished(self, summary);
      },
      [=](tick_atom) {
        auto& s = self->state;
        s.tick_at = 0;
        auto now = now_ms();
        while (!s.wakes.empty() && s.wakes.begin()->first <= now + 2) {
          auto [at, id] = *s.wakes.begin();
          s.wakes.erase(s.wakes.begin());
          auto p = s.parked.find(id);
          if (p != s.parked.end() && p->second == at) activate(self, id, start_mode::resume);
        }
        arm_tick(self);
      },
      [=](resume_atom) { resume_some(self); },
      [=](cluster::cl_served_atom) {
        // A shard handed over to this node: the last writes its old owner forwarded arrived
        // before the word that released it, so they wait in the writer's mailbox. Commit them
        // before reading the journal.
        auto writer = node::lookup(self->system(), node::store_name);
        if (!writer) return follow_shards(self);
        self->request(writer, std::chrono::seconds(10), store::flush_atom::value)
            .then([=](store::ok_atom) { follow_shards(self); },
                  [=](caf::error&) { follow_shards(self); });
      },
      [=](retry_submit_atom, uint64_t token) {
        auto& s = self->state;
        auto it = s.waiting.find(token);
        if (it == s.waiting.end()) return;
        auto w = std::move(it->second);
        s.waiting.erase(it);
        forward_submit(self, std::move(w.req), std::move(w.rp), w.give_up_at, w.minted);
      },
      [=](crash_atom, const std::string& id) {
        auto& s = self->state;
        auto it = s.live.find(id);
        if (it == s.live.end()) return false;
        self->send(it->second, crash_atom::value);
        return true;
      },
  };
}

}  // namespace

caf::actor spawn_workflow_manager(caf::actor_system& sys, engine_deps deps) {
  auto m = sys.spawn(manager, std::move(deps));
  node::register_as(sys, node::workflows_name, m);
  return m;
}

}  // namespace xyn::workflow

#include "runtime/store/writer.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/error.hpp"
#include "caf/make_message.hpp"
#include "caf/sec.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "runtime/metrics/registry.hpp"

namespace xyn::store {

namespace {

constexpr caf::atom_value status_category = caf::atom("xyn");

struct pending_write {
  write_batch batch;
  caf::typed_response_promise<ok_atom> promise;  // unused when `replicated` is set
  uint64_t replicated = 0;                       // the write's entry in `replicating`, or 0
};

// A write that also goes to a replica: answered once both copies are settled.
struct replicated_write {
  caf::typed_response_promise<ok_atom, std::string> promise;
  caf::actor_addr replica;  // null once its answer came (or it was lost)
  bool local_pending = true;
  caf::error local_error;
  std::string replica_error;
};

struct writer_state;
void commit_pending(writer_state& st);

// The writer's metrics; all null without a registry. Registered once per (re)start: the
// registry hands back the same families every time.
struct commit_meters {
  metrics::histogram* seconds = nullptr;
  metrics::histogram* batches = nullptr;
  metrics::counter* failed = nullptr;

  explicit commit_meters(metrics::registry* r = nullptr) {
    if (r == nullptr) return;
    seconds = &r->add_histogram("xyn_store_commit_duration_seconds",
                                "Store group commits: one durable LMDB transaction each.", {})
                   .with();
    batches =
        &r->add_histogram("xyn_store_commit_batches", "Write batches folded into one group commit.",
                          {}, metrics::exponential_buckets(1, 2, 11))
             .with();
    failed = &r->add_counter("xyn_store_commits_failed_total",
                             "Group commits that failed (their batches are retried one by one).")
                  .with();
  }
};

struct writer_state {
  static inline const char* name = "xyn.store.writer";
  std::shared_ptr<lmdb_env> env;
  writer_options opts;
  std::vector<pending_write> pending;  // accepted, not yet committed, in arrival order
  bool commit_scheduled = false;       // a (flush_atom) to self is in the mailbox
  writer_stats stats;
  commit_meters meters;
  std::map<uint64_t, replicated_write> replicating;
  uint64_t next_replicated = 1;
  // Replicas' writers this writer monitors: CAF 0.17 fails no pending request when a remote
  // node's connection drops, so a lost replica is noticed by its down message instead of the
  // forward timeout, which would hold every answer behind it.
  std::set<caf::actor_addr> watched_replicas;

  // Runs when the actor quits: writes it accepted are committed and answered, not dropped.
  ~writer_state() { commit_pending(*this); }
};

// Answers a replicated write whose two copies are settled.
void settle(writer_state& st, uint64_t id) {
  auto it = st.replicating.find(id);
  if (it == st.replicating.end() || it->second.local_pending || it->second.replica) return;
  auto& w = it->second;
  if (w.local_error)
    w.promise.deliver(std::move(w.local_error));
  else
    w.promise.deliver(ok_atom::value, std::move(w.replica_error));
  st.replicating.erase(it);
}

void local_done(writer_state& st, pending_write& w, caf::error err) {
  if (w.replicated == 0) {
    if (err)
      w.promise.deliver(std::move(err));
    else
      w.promise.deliver(ok_atom::value);
    return;
  }
  if (auto it = st.replicating.find(w.replicated); it != st.replicating.end()) {
    it->second.local_pending = false;
    it->second.local_error = std::move(err);
  }
  settle(st, w.replicated);
}

void record_commit(writer_stats& s, std::span<pending_write> group, std::uint64_t ns) {
  s.commits += 1;
  s.batches += group.size();
  for (const auto& w : group) {
    s.ops += w.batch.ops.size();
    s.bytes += w.batch.byte_size();
  }
  s.max_batches_per_commit = std::max<std::uint64_t>(s.max_batches_per_commit, group.size());
  s.commit_ns_total += ns;
  s.commit_ns_max = std::max(s.commit_ns_max, ns);
}

// Commits `group` in one transaction, then answers its callers.
void commit_group(writer_state& st, std::span<pending_write> group) {
  std::vector<const write_batch*> batches;
  batches.reserve(group.size());
  for (const auto& w : group) batches.push_back(&w.batch);
  auto t0 = std::chrono::steady_clock::now();
  status result = st.env->apply_all(batches);
  auto ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  if (result) {
    record_commit(st.stats, group, ns);
    if (st.meters.seconds) {
      st.meters.seconds->observe(static_cast<double>(ns) * 1e-9);
      st.meters.batches->observe(static_cast<double>(group.size()));
    }
    for (auto& w : group) local_done(st, w, {});
    return;
  }
  st.stats.failed_commits += 1;
  if (st.meters.failed) st.meters.failed->inc();
  if (group.size() == 1) {
    st.stats.failed_batches += 1;
    local_done(st, group[0], to_error(result));
    return;
  }
  // One batch (say, one too large for the map) must not fail its neighbours: each batch is
  // retried in its own transaction and its caller gets the verdict on that batch alone.
  for (auto& w : group) commit_group(st, std::span(&w, 1));
}

void commit_pending(writer_state& st) {
  if (st.pending.empty()) return;
  std::vector<pending_write> pending;
  pending.swap(st.pending);
  std::size_t i = 0;
  while (i < pending.size()) {
    std::size_t j = i + 1;
    std::size_t ops = pending[i].batch.ops.size();
    std::size_t bytes = pending[i].batch.byte_size();
    while (j < pending.size()) {
      std::size_t more_ops = pending[j].batch.ops.size();
      std::size_t more_bytes = pending[j].batch.byte_size();
      if (ops + more_ops > st.opts.max_ops_per_txn ||
          bytes + more_bytes > st.opts.max_bytes_per_txn)
        break;
      ops += more_ops;
      bytes += more_bytes;
      ++j;
    }
    commit_group(st, std::span(pending).subspan(i, j - i));
    i = j;
  }
  // Keep the capacity for the next round.
  pending.clear();
  if (st.pending.empty()) st.pending.swap(pending);
}

using writer_pointer = writer_actor::stateful_pointer<writer_state>;

void replica_done(writer_pointer self, uint64_t id, std::string error) {
  auto& st = self->state;
  auto it = st.replicating.find(id);
  if (it == st.replicating.end() || !it->second.replica) return;
  it->second.replica = {};
  it->second.replica_error = std::move(error);
  settle(st, id);
}

caf::error refused(const std::string& from) {
  return to_error(status::unavailable("this member takes no copy of that shard from " + from +
                                      ", which it does not see as the shard's owner"));
}

caf::actor replica_of(const writer_state& st, const std::string& tenant) {
  return st.opts.replica_for ? st.opts.replica_for(tenant) : caf::actor{};
}

// A write answered with (ok, replica's verdict); no replica yet.
uint64_t new_replicated(writer_pointer self, bool local_pending) {
  auto& st = self->state;
  auto id = st.next_replicated++;
  auto& w = st.replicating[id];
  w.promise = self->make_response_promise<ok_atom, std::string>();
  w.local_pending = local_pending;
  return id;
}

// Sends `batch` on to `replica` now, so replicas receive batches in the order this writer
// accepted them; the answer settles the write whose id it returns.
uint64_t forward(writer_pointer self, write_batch batch, const std::string& tenant,
                 const caf::actor& replica, bool local_pending) {
  auto& st = self->state;
  auto id = new_replicated(self, local_pending);
  st.replicating[id].replica = replica.address();
  if (st.watched_replicas.insert(replica.address()).second) self->monitor(replica);
  self->request(replica, st.opts.forward_timeout, replica_atom::value, std::move(batch), tenant,
                st.opts.self)
      .then([self, id](ok_atom) { replica_done(self, id, {}); },
            [self, id](caf::error& err) { replica_done(self, id, self->system().render(err)); });
  return id;
}

// Queues `w` for the next group commit.
void enqueue(writer_pointer self, pending_write w) {
  auto& st = self->state;
  st.pending.push_back(std::move(w));
  if (!st.commit_scheduled) {
    st.commit_scheduled = true;
    // Anonymous, so that the ok_atom the flush handler returns goes nowhere.
    caf::anon_send(caf::actor_cast<writer_actor>(self), flush_atom::value);
  }
}

writer_actor::behavior_type writer(writer_actor::stateful_pointer<writer_state> self,
                                   std::shared_ptr<lmdb_env> env, writer_options opts) {
  self->state.env = std::move(env);
  self->state.opts = opts;
  self->state.meters = commit_meters(opts.metrics.get());
  // By default an actor quits on an error message that no request is waiting for. A client that
  // sent a write with `send` and cannot handle our ok_atom answers with such an error: that must
  // not stop the one writer of the node.
  self->set_error_handler([](caf::error&) {});
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    st.watched_replicas.erase(dm.source);
    std::vector<uint64_t> lost;
    for (const auto& [id, w] : st.replicating)
      if (w.replica == dm.source) lost.push_back(id);
    for (auto id : lost) replica_done(self, id, "the replica's member was lost");
  });
  return {
      [self](write_atom, write_batch& batch) -> caf::result<ok_atom> {
        auto& st = self->state;
        if (auto checked = st.env->check(batch); !checked) {
          st.stats.failed_batches += 1;
          return to_error(checked);
        }
        auto promise = self->make_response_promise<ok_atom>();
        enqueue(self, pending_write{std::move(batch), promise, 0});
        return promise;
      },
      [self](write_atom, write_batch& batch,
             const std::string& tenant) -> caf::result<ok_atom, std::string> {
        auto& st = self->state;
        if (auto checked = st.env->check(batch); !checked) {
          st.stats.failed_batches += 1;
          return to_error(checked);
        }
        // The fence: whatever a run or a service checked before it sent this, the shard may have
        // moved since; past this point its write is forwarded to the backup the cluster knows.
        if (st.opts.serves && !st.opts.serves(tenant)) return shard_moved();
        auto replica = replica_of(st, tenant);
        auto id =
            replica ? forward(self, batch, tenant, replica, true) : new_replicated(self, true);
        auto promise = st.replicating[id].promise;
        enqueue(self, pending_write{std::move(batch), {}, id});
        return promise;
      },
      [self](copy_atom, write_batch& batch,
             const std::string& tenant) -> caf::result<ok_atom, std::string> {
        auto replica = replica_of(self->state, tenant);
        if (!replica) return caf::make_result(ok_atom::value, std::string());
        auto id = forward(self, std::move(batch), tenant, replica, false);
        return self->state.replicating[id].promise;
      },
      [self](sync_atom, uint32_t shard, uint32_t count,
             const caf::actor& replica) -> caf::result<ok_atom> {
        auto& st = self->state;
        if (!st.opts.shard_contents || !replica || count == 0 || shard >= count)
          return to_error(status::unavailable("this writer cannot copy shards"));
        // Forwards already sent precede the copy on the wire; the copy must hold them too.
        commit_pending(st);
        auto contents = st.opts.shard_contents(*st.env, shard, count);
        if (!contents) return to_error(contents.error());
        auto promise = self->make_response_promise<ok_atom>();
        self->request(replica, st.opts.sync_timeout, sync_atom::value, shard, count,
                      std::move(*contents), st.opts.self)
            .then([promise](ok_atom) mutable { promise.deliver(ok_atom::value); },
                  [promise](caf::error& err) mutable { promise.deliver(std::move(err)); });
        return promise;
      },
      [self](replica_atom, write_batch& batch, const std::string& tenant,
             const std::string& from) -> caf::result<ok_atom> {
        auto& st = self->state;
        if (st.opts.accepts && !st.opts.accepts(from, tenant, std::nullopt)) return refused(from);
        if (auto checked = st.env->check(batch); !checked) {
          st.stats.failed_batches += 1;
          return to_error(checked);
        }
        auto promise = self->make_response_promise<ok_atom>();
        enqueue(self, pending_write{std::move(batch), promise, 0});
        return promise;
      },
      [self](sync_atom, uint32_t shard, uint32_t count, write_batch& contents,
             const std::string& from) -> caf::result<ok_atom> {
        auto& st = self->state;
        if (!st.opts.shard_contents || count == 0 || shard >= count)
          return to_error(status::unavailable("this writer cannot take shard copies"));
        if (st.opts.accepts && !st.opts.accepts(from, {}, shard)) return refused(from);
        // Batches forwarded before the copy were accepted before it: commit them first.
        commit_pending(st);
        auto held = st.opts.shard_contents(*st.env, shard, count);
        if (!held) return to_error(held.error());
        write_batch replacement;
        for (auto& op : held->ops) replacement.erase(op.database, std::move(op.key));
        for (auto& op : contents.ops) replacement.ops.push_back(std::move(op));
        if (auto checked = st.env->check(replacement); !checked) return to_error(checked);
        if (replacement.empty()) return ok_atom::value;
        if (auto applied = st.env->apply(replacement); !applied) return to_error(applied);
        return ok_atom::value;
      },
      [self](flush_atom) -> ok_atom {
        self->state.commit_scheduled = false;
        commit_pending(self->state);
        return ok_atom::value;
      },
      [self](stats_atom) -> writer_stats { return self->state.stats; },
  };
}

}  // namespace

writer_actor spawn_writer(caf::actor_system& sys, std::shared_ptr<lmdb_env> env,
                          writer_options opts) {
  return sys.spawn<caf::detached>(writer, std::move(env), opts);
}

void announce_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<write_op>("xyn.store.write_op");
  cfg.add_message_type<write_batch>("xyn.store.write_batch");
  cfg.add_message_type<writer_stats>("xyn.store.writer_stats");
  cfg.add_error_category(status_category,
                         [](std::uint8_t code, caf::atom_value, const caf::message& ctx) {
                           std::string out = "xyn: ";
                           out += to_string(static_cast<status_code>(code));
                           if (ctx.match_elements<std::string>()) {
                             out += " (";
                             out += ctx.get_as<std::string>(0);
                             out += ")";
                           }
                           return out;
                         });
}

caf::error to_error(const status& st) {
  if (st.ok()) return caf::error{};
  return caf::error{static_cast<std::uint8_t>(st.code()), status_category,
                    caf::make_message(st.message())};
}

namespace {
const std::string moved_message = "this node does not serve the tenant's shard now";
}

caf::error shard_moved() {
  return to_error(status::unavailable(moved_message));
}

bool is_shard_moved(const caf::error& err) {
  auto st = to_status(err);
  return err.category() == status_category && st.code() == status_code::unavailable &&
         st.message() == moved_message;
}

status to_status(const caf::error& err) {
  if (!err) return {};
  if (err.category() == status_category) {
    const auto& ctx = err.context();
    std::string message = ctx.match_elements<std::string>() ? ctx.get_as<std::string>(0) : "";
    auto code = static_cast<status_code>(err.code());
    if (code == status_code::ok || err.code() > static_cast<std::uint8_t>(status_code::internal))
      return status::internal("unknown status code " + std::to_string(err.code()) + ": " + message);
    return {code, std::move(message)};
  }
  if (err == caf::sec::request_timeout) return status::timeout("request timed out");
  if (err == caf::sec::request_receiver_down)
    return status::unavailable("the receiving actor is down");
  return status::internal(caf::to_string(err));
}

}  // namespace xyn::store

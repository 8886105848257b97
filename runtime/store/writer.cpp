#include "runtime/store/writer.hpp"

#include <algorithm>
#include <chrono>
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
  caf::typed_response_promise<ok_atom> promise;
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

  // Runs when the actor quits: writes it accepted are committed and answered, not dropped.
  ~writer_state() { commit_pending(*this); }
};

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
    for (auto& w : group) w.promise.deliver(ok_atom::value);
    return;
  }
  st.stats.failed_commits += 1;
  if (st.meters.failed) st.meters.failed->inc();
  if (group.size() == 1) {
    st.stats.failed_batches += 1;
    group[0].promise.deliver(to_error(result));
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

writer_actor::behavior_type writer(writer_actor::stateful_pointer<writer_state> self,
                                   std::shared_ptr<lmdb_env> env, writer_options opts) {
  self->state.env = std::move(env);
  self->state.opts = opts;
  self->state.meters = commit_meters(opts.metrics.get());
  // By default an actor quits on an error message that no request is waiting for. A client that
  // sent a write with `send` and cannot handle our ok_atom answers with such an error: that must
  // not stop the one writer of the node.
  self->set_error_handler([](caf::error&) {});
  return {
      [self](write_atom, write_batch& batch) -> caf::result<ok_atom> {
        auto& st = self->state;
        if (auto checked = st.env->check(batch); !checked) {
          st.stats.failed_batches += 1;
          return to_error(checked);
        }
        auto promise = self->make_response_promise<ok_atom>();
        st.pending.push_back(pending_write{std::move(batch), promise});
        if (!st.commit_scheduled) {
          st.commit_scheduled = true;
          // Anonymous, so that the ok_atom this handler returns goes nowhere.
          caf::anon_send(caf::actor_cast<writer_actor>(self), flush_atom::value);
        }
        return promise;
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

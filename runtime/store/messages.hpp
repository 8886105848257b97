#pragma once
// messages.hpp — the store writer's message contract: its atoms, its stats record, its typed
// interface, and the conversion between xyn::status and the caf::error carried in replies.
// Every node calls `announce_messages(cfg)` before it builds its actor_system (a node that did
// not announce a type receives an empty message). Plain data; any thread.
//
// Protocol of `writer_actor` (see writer.hpp for how it batches):
//   (write_atom, write_batch) -> ok_atom   only after the transaction holding the batch has
//                                          committed durably; else an error (to_status says why)
//   (flush_atom)              -> ok_atom   after everything accepted before it is committed (or
//                                          has been answered with its error)
//   (stats_atom)              -> writer_stats
// Replication (a cluster: a shard's writes go to its owner's writer, which passes them on to
// the writer of the shard's backup). One writer forwards to one replica, so the replica applies
// the forwards and the sync copies in the order this writer accepted them:
//   (write_atom, write_batch, std::string tenant) -> ok_atom, std::string
//       commits here and forwards the batch, as it arrives, to the writer of the tenant's
//       backup as the writer sees it then (writer_options::replica_for); answers once both
//       copies are settled: an error when the local commit failed, else ok with why the
//       replica's copy failed (empty: it is durable there too, or the shard has no backup);
//       refused with `shard_moved()` when this node does not serve the tenant's shard (any
//       more): a run or service that checked just before the shard moved writes nothing
//   (copy_atom, write_batch, std::string tenant)  -> ok_atom, std::string
//       only the forward (a batch committed here earlier, whose copy failed, to the backup)
//   (sync_atom, uint32_t shard, uint32_t count, caf::actor replica) -> ok_atom
//       commits everything accepted so far, then sends `replica` every key of the shard as
//       one replacement of its copy; ok once the replica committed it
// What one writer sends another (`from`: the sending member's address; a replica refuses, with
// `unavailable`, copies from a member it does not see as the shard's owner, so a deposed owner
// that wakes up cannot overwrite its successor's data; writer_options::accepts):
//   (replica_atom, write_batch, std::string tenant, std::string from) -> ok_atom
//       one forwarded batch, committed like any write
//   (sync_atom, uint32_t shard, uint32_t count, write_batch contents, std::string from)
//       -> ok_atom   erases every key of the shard held here and puts `contents`, in one
//                    transaction
// Every request to the writer needs a timeout: a commit waits for fsync.

#include <cstdint>
#include <string>

#include "caf/actor.hpp"
#include "caf/atom.hpp"
#include "caf/fwd.hpp"
#include "caf/meta/type_name.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"
#include "runtime/base/status.hpp"
#include "runtime/store/write_batch.hpp"

namespace xyn::store {

using write_atom = caf::atom_constant<caf::atom("write")>;
using flush_atom = caf::flush_atom;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using ok_atom = caf::ok_atom;
using copy_atom = caf::atom_constant<caf::atom("copy")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using replica_atom = caf::atom_constant<caf::atom("replica")>;

// Counters since the writer started. A "commit" is one durable LMDB transaction; a "batch" is one
// caller's write_batch. batches / commits is the group-commit factor.
struct writer_stats {
  std::uint64_t commits = 0;         // successful transactions
  std::uint64_t failed_commits = 0;  // transactions that failed (their batches were retried alone)
  std::uint64_t batches = 0;         // batches committed
  std::uint64_t failed_batches = 0;  // batches answered with an error (incl. refused by check)
  std::uint64_t ops = 0;             // puts and erases committed
  std::uint64_t bytes = 0;           // key + value bytes committed
  std::uint64_t max_batches_per_commit = 0;
  std::uint64_t commit_ns_total = 0;  // time in successful commits, fsync included
  std::uint64_t commit_ns_max = 0;

  double batches_per_commit() const { return commits ? double(batches) / double(commits) : 0.0; }
  double ops_per_commit() const { return commits ? double(ops) / double(commits) : 0.0; }
  double avg_commit_us() const { return commits ? double(commit_ns_total) / commits / 1e3 : 0.0; }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, writer_stats& x) {
  return f(caf::meta::type_name("xyn.store.writer_stats"), x.commits, x.failed_commits, x.batches,
           x.failed_batches, x.ops, x.bytes, x.max_batches_per_commit, x.commit_ns_total,
           x.commit_ns_max);
}

using writer_actor = caf::typed_actor<
    caf::replies_to<write_atom, write_batch>::with<ok_atom>,
    caf::replies_to<write_atom, write_batch, std::string>::with<ok_atom, std::string>,
    caf::replies_to<copy_atom, write_batch, std::string>::with<ok_atom, std::string>,
    caf::replies_to<sync_atom, uint32_t, uint32_t, caf::actor>::with<ok_atom>,
    caf::replies_to<replica_atom, write_batch, std::string, std::string>::with<ok_atom>,
    caf::replies_to<sync_atom, uint32_t, uint32_t, write_batch, std::string>::with<ok_atom>,
    caf::replies_to<flush_atom>::with<ok_atom>, caf::replies_to<stats_atom>::with<writer_stats>>;

// Announces write_batch, write_op and writer_stats, and the "xyn" error category.
void announce_messages(caf::actor_system_config& cfg);

// A status travels in a reply as a caf::error of category "xyn" whose code is the status_code
// and whose context is the message. to_status maps it back; CAF's own errors become timeout
// (request_timeout), unavailable (receiver down) or internal. An ok status maps to no error.
caf::error to_error(const status& st);
status to_status(const caf::error& err);

// The writer's refusal of a write for a shard this node does not serve, and its test.
caf::error shard_moved();
bool is_shard_moved(const caf::error& err);

}  // namespace xyn::store

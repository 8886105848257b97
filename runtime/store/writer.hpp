#pragma once
// writer.hpp — the one actor that writes to the node's LMDB environment, with group commit.
//
// Many actors send (write_atom, write_batch); the writer folds every batch that queued up while
// it was busy into one durable transaction, so one fsync serves them all (LevelDB's
// DBImpl::Write leader, with the mailbox as the writer queue). Each caller gets ok_atom only
// after the transaction holding its batch committed, or the error of its own batch. Protocol:
// messages.hpp.
//
//   write arrives --> [append to pending, keep the promise; if no commit is scheduled,
//                      send self (flush_atom) — it lands behind every write already queued]
//   flush arrives --> [pending -> transactions of at most max_ops/max_bytes each, in arrival
//                      order; commit each (fsync); answer its callers; pending is empty]
//
// A failed group transaction (say MDB_MAP_FULL at the map ceiling) is retried batch by batch, so
// a caller fails only because of its own batch; nothing committed before is lost. Writes still
// pending when the writer stops are committed and answered on its way out.
//
// The writer runs `detached` (its own thread): a commit blocks in fsync and must not block a
// scheduler thread. Owned by the node's supervisor; it keeps the lmdb_env alive while it runs.

#include <cstddef>
#include <memory>

#include "runtime/store/lmdb_env.hpp"
#include "runtime/store/messages.hpp"

namespace xyn::metrics {
class registry;
}

namespace xyn::store {

struct writer_options {
  // Caps on one transaction, so that a flood of writes still commits (and answers) in steps. A
  // single batch larger than a cap still commits whole: batches are atomic.
  std::size_t max_ops_per_txn = 10'000;
  std::size_t max_bytes_per_txn = 16u << 20;
  // Where commits are measured (xyn_store_commit_duration_seconds, xyn_store_commit_batches,
  // xyn_store_commits_failed_total); null: not measured.
  std::shared_ptr<metrics::registry> metrics{};
};

// REQUIRES: env != nullptr; announce_messages was called on sys's config.
writer_actor spawn_writer(caf::actor_system& sys, std::shared_ptr<lmdb_env> env,
                          writer_options opts = {});

}  // namespace xyn::store

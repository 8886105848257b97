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

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

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
  // Every key and value of shard `shard` of `count` held in the environment, as puts: what a
  // sync sends, and (as erases) what a replica drops before taking the copy. Null: this
  // writer answers syncs with `unavailable`.
  std::function<result<write_batch>(const lmdb_env&, uint32_t shard, uint32_t count)>
      shard_contents{};
  // The writer of the backup of `tenant`'s shard, when writes of that shard are copied to
  // another member; else (and when null) invalid. Asked when a write is taken, so a sync
  // (which the cluster sends after it changed the backup) divides the forwards exactly: those
  // taken before it went to the old backup and are in the copy, those after go to the new one.
  std::function<caf::actor(const std::string& tenant)> replica_for{};
  // Whether this node serves `tenant`'s shard now; writes tagged with a tenant it does not
  // serve are refused (shard_moved). Null: every tenant is served here.
  std::function<bool(const std::string& tenant)> serves{};
  // This member's address, sent along with forwards and shard copies.
  std::string self{};
  // Whether to take a copy from member `from` of a write of `tenant`'s shard (`shard` is empty)
  // or of the whole shard `*shard`: only from the member this one sees as the shard's owner
  // (or the one it was just handed over from). Null: every copy is taken.
  std::function<bool(const std::string& from, const std::string& tenant,
                     std::optional<uint32_t> shard)>
      accepts{};
  // How long a replica may take to confirm a forwarded batch, and a whole shard copy.
  std::chrono::milliseconds forward_timeout{5000};
  std::chrono::milliseconds sync_timeout{30000};
};

// REQUIRES: env != nullptr; announce_messages was called on sys's config.
writer_actor spawn_writer(caf::actor_system& sys, std::shared_ptr<lmdb_env> env,
                          writer_options opts = {});

}  // namespace xyn::store

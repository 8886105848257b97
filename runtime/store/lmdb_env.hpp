#pragma once
// lmdb_env.hpp — the node's one LMDB environment: a data directory, one named database per
// concern (`db`), point reads, ordered prefix scans, and durable atomic batch writes.
//
// Ownership: `open` returns a shared_ptr; the node, the writer actor and any reader keep copies.
// The environment closes, and the directory lock is released, when the last copy goes.
// One process may have a data directory open once: `open` takes an exclusive flock on
// <dir>/LOCK (and writes its pid there) because two LMDB handles on one environment in one
// process break LMDB's own locking, and two nodes on one directory would both think they own it.
//
// Thread contract: every member may be called from any thread (the environment is opened with
// MDB_NOTLS, so a read transaction is not tied to a thread; no transaction outlives a call).
// In the node, writes go only through the writer actor (writer.hpp), which folds many callers'
// batches into one commit; `apply` is that primitive, used by the writer, tests and tools.
//
// Durability is never weakened: no MDB_NOSYNC, MDB_NOMETASYNC or MDB_WRITEMAP. When `apply`
// returns ok the batch is on disk; when it fails nothing of it was written.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/status.hpp"
#include "runtime/store/write_batch.hpp"

struct MDB_env;
struct MDB_txn;

namespace xyn::store {

struct options {
  // Holds data.mdb, lock.mdb and LOCK; created (with parents) if missing.
  std::string dir;
  // Initial size of the memory map, which bounds the data file. Only address space is reserved;
  // the file grows as data is written. LMDB's own default (10 MiB) is far too small.
  std::uint64_t map_size_bytes = 1ull << 30;
  // When a commit fails with MDB_MAP_FULL the map is grown (at least doubled) up to this ceiling
  // and the commit retried; past it the write fails with io_error. Values below
  // `map_size_bytes` mean "never grow".
  std::uint64_t max_map_size_bytes = 64ull << 30;
};

struct env_stats {
  struct db_stats {
    db database;
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;  // pages in use by this database times the page size
  };
  std::vector<db_stats> dbs;     // one per `db`, in enum order
  std::uint64_t map_size = 0;    // current map size (bytes); grows on MDB_MAP_FULL
  std::uint64_t used_bytes = 0;  // high-water mark of pages in the data file, in bytes
  std::uint64_t page_size = 0;
  std::uint64_t last_txn_id = 0;
  std::uint64_t map_grows = 0;  // times the map was grown since open
};

class lmdb_env {
 public:
  // Opens (creating if needed) the environment in `opts.dir` and every named database.
  // Fails with `unavailable` "data directory D is in use by another process (pid N)" when
  // another process — or another lmdb_env in this one — has the directory open.
  static result<std::shared_ptr<lmdb_env>> open(const options& opts);

  ~lmdb_env();
  lmdb_env(const lmdb_env&) = delete;
  lmdb_env& operator=(const lmdb_env&) = delete;

  // A copy of the value; `not_found` when the key is absent.
  result<std::string> get(db database, std::string_view key) const;

  // Calls fn for every key starting with `prefix`, in key (byte) order, until fn returns false.
  // The views point into the map and die when fn returns. One read snapshot serves the whole
  // scan. REQUIRES: fn does not call into this lmdb_env (a map resize waiting behind the scan
  // would deadlock with it).
  status scan(db database, std::string_view prefix,
              const std::function<bool(std::string_view key, std::string_view value)>& fn) const;
  // The same from the first key at or after `from` (a key with `prefix`): a page of a long
  // list starts where the last one ended instead of walking up to it.
  status scan(db database, std::string_view prefix, std::string_view from,
              const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

  // Says why a batch cannot be written (unknown db, empty or over-long key), or ok.
  status check(const write_batch& batch) const;

  // Writes `batch` in one transaction and commits it durably.
  status apply(const write_batch& batch);
  // Writes all `batches`, in order, in one transaction committed durably: all or none.
  // This is the group commit the writer actor performs. Grows the map on MDB_MAP_FULL.
  status apply_all(std::span<const write_batch* const> batches);

  // Online backup (mdb_env_copy2) into directory `path`, which is created and must not already
  // hold a data.mdb (already_exists). `compact` omits free pages. Readers and the writer carry on
  // meanwhile (a map resize waits for the copy); the copy is one consistent snapshot and is
  // fsynced before this returns.
  status copy_to(const std::string& path, bool compact) const;

  result<env_stats> info() const;

  const std::string& dir() const { return opts_.dir; }
  // Largest key LMDB accepts (511 bytes in this build).
  std::size_t max_key_size() const { return max_key_size_; }

  // Test hook: holds LMDB's single write lock (an open, empty write transaction) until the
  // returned object is destroyed, so that writers queue up behind it. Destroy it on the thread
  // that created it.
  class test_write_hold {
   public:
    explicit test_write_hold(std::shared_mutex& mu) : lock_(mu) {}
    ~test_write_hold();  // aborts the transaction
    test_write_hold(const test_write_hold&) = delete;
    test_write_hold& operator=(const test_write_hold&) = delete;

   private:
    friend class lmdb_env;
    std::shared_lock<std::shared_mutex> lock_;  // like every transaction: no resize meanwhile
    MDB_txn* txn_ = nullptr;
  };
  // nullptr if the transaction could not begin.
  std::unique_ptr<test_write_hold> test_hold_writes();

 private:
  explicit lmdb_env(options opts);
  status try_apply(std::span<const write_batch* const> batches, int* mdb_rc);
  status grow_map(std::uint64_t at_least_extra);

  // Fixed after open.
  options opts_;
  MDB_env* env_ = nullptr;
  int lock_fd_ = -1;
  unsigned int dbi_[db_count] = {};
  std::size_t max_key_size_ = 0;

  // Every transaction holds this shared; only mdb_env_set_mapsize takes it exclusively, because
  // LMDB requires that no transaction of this process is active while the map is resized.
  mutable std::shared_mutex resize_mu_;
  std::atomic<std::uint64_t> map_grows_{0};
};

}  // namespace xyn::store

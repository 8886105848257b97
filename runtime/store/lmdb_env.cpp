#include "runtime/store/lmdb_env.hpp"

#include <fcntl.h>
#include <lmdb.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace xyn::store {

namespace {

constexpr std::array<std::string_view, db_count> db_names = {
    "meta",    "service_state", "idempotency", "workflows", "journal",       "blobs",
    "tenants", "keys",          "usage",       "audit",     "conversations", "metrics",
};

// Spare slots so that a later release can add databases without a config change.
constexpr unsigned int max_dbs = db_count + 8;
// Every read holds a reader slot only for the duration of one call; threads of the scheduler,
// detached actors and the HTTP port together stay far below this.
constexpr unsigned int max_readers = 512;

MDB_val as_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
std::string_view as_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

status lmdb_error(std::string_view what, int rc) {
  return status::io_error("lmdb " + std::string(what) + ": " + mdb_strerror(rc));
}

status errno_error(std::string_view what, const std::string& path) {
  return status::io_error(std::string(what) + " " + path + ": " + std::strerror(errno));
}

// Aborts a transaction that was not committed, whatever path leaves the scope.
struct txn_guard {
  MDB_txn* txn = nullptr;
  ~txn_guard() {
    if (txn != nullptr) mdb_txn_abort(txn);
  }
  MDB_txn* release() { return std::exchange(txn, nullptr); }
};

// The pid the lock holder wrote into LOCK, or "unknown" while it has not written it yet.
std::string read_lock_pid(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "unknown" : pid;
}

// Makes a file's contents and its directory entry durable.
status fsync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return errno_error("open", path);
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return rc == 0 ? status{} : errno_error("fsync", path);
}

}  // namespace

std::string_view db_name(db d) {
  return valid_db(d) ? db_names[static_cast<std::size_t>(d)] : "?";
}

lmdb_env::test_write_hold::~test_write_hold() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
}

lmdb_env::lmdb_env(options opts) : opts_(std::move(opts)) {}

lmdb_env::~lmdb_env() {
  // LMDB's handles go first so that whoever takes the LOCK next finds the environment closed.
  if (env_ != nullptr) mdb_env_close(env_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

result<std::shared_ptr<lmdb_env>> lmdb_env::open(const options& opts) {
  if (opts.dir.empty()) return status::invalid_argument("store: options.dir is empty");
  std::error_code ec;
  std::filesystem::create_directories(opts.dir, ec);
  if (ec) return status::io_error("create data directory " + opts.dir + ": " + ec.message());

  std::shared_ptr<lmdb_env> env(new lmdb_env(opts));

  // flock belongs to the open file description, so a second open() of LOCK — in this process
  // or another — conflicts, while a forked child sharing our descriptor does not steal it.
  const std::string lock_path = opts.dir + "/LOCK";
  env->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (env->lock_fd_ < 0) return errno_error("open", lock_path);
  if (::flock(env->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) return errno_error("flock", lock_path);
    std::string pid = read_lock_pid(env->lock_fd_);
    const bool self = pid == std::to_string(::getpid());
    return status::unavailable("data directory " + opts.dir + " is in use by " +
                               (self ? "this process" : "another process") + " (pid " + pid + ")");
  }
  const std::string pid_line = std::to_string(::getpid()) + "\n";
  if (::ftruncate(env->lock_fd_, 0) != 0 ||
      ::pwrite(env->lock_fd_, pid_line.data(), pid_line.size(), 0) !=
          static_cast<ssize_t>(pid_line.size()))
    return errno_error("write pid to", lock_path);

  int rc = mdb_env_create(&env->env_);
  if (rc != 0) return lmdb_error("env_create", rc);
  if ((rc = mdb_env_set_maxdbs(env->env_, max_dbs)) != 0) return lmdb_error("set_maxdbs", rc);
  if ((rc = mdb_env_set_maxreaders(env->env_, max_readers)) != 0)
    return lmdb_error("set_maxreaders", rc);
  if ((rc = mdb_env_set_mapsize(env->env_, opts.map_size_bytes)) != 0)
    return lmdb_error("set_mapsize", rc);
  // MDB_NOTLS: actors migrate between scheduler threads, so transactions must not be bound to
  // the thread that began them. Nothing here trades durability for speed.
  rc = mdb_env_open(env->env_, opts.dir.c_str(), MDB_NOTLS, 0644);
  if (rc != 0) return lmdb_error("open " + opts.dir, rc);
  env->max_key_size_ = static_cast<std::size_t>(mdb_env_get_maxkeysize(env->env_));

  txn_guard txn;
  if ((rc = mdb_txn_begin(env->env_, nullptr, 0, &txn.txn)) != 0)
    return lmdb_error("txn_begin", rc);
  for (std::size_t i = 0; i < db_count; ++i) {
    const std::string name(db_names[i]);
    if ((rc = mdb_dbi_open(txn.txn, name.c_str(), MDB_CREATE, &env->dbi_[i])) != 0)
      return lmdb_error("dbi_open " + name, rc);
  }
  if ((rc = mdb_txn_commit(txn.release())) != 0) return lmdb_error("commit", rc);
  return env;
}

result<std::string> lmdb_env::get(db database, std::string_view key) const {
  if (!valid_db(database)) return status::invalid_argument("store: unknown database");
  if (key.empty() || key.size() > max_key_size_)
    return status::not_found("store: no such key");  // could never have been written
  std::shared_lock lock(resize_mu_);
  txn_guard txn;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn.txn);
  if (rc != 0) return lmdb_error("txn_begin", rc);
  MDB_val k = as_val(key);
  MDB_val v;
  rc = mdb_get(txn.txn, dbi_[static_cast<std::size_t>(database)], &k, &v);
  if (rc == MDB_NOTFOUND)
    return status::not_found("store: no key in " + std::string(db_name(database)));
  if (rc != 0) return lmdb_error("get", rc);
  return std::string(as_view(v));
}

status lmdb_env::scan(
    db database, std::string_view prefix,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  return scan(database, prefix, prefix, fn);
}

status lmdb_env::scan(
    db database, std::string_view prefix, std::string_view from,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  if (!valid_db(database)) return status::invalid_argument("store: unknown database");
  std::shared_lock lock(resize_mu_);
  txn_guard txn;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn.txn);
  if (rc != 0) return lmdb_error("txn_begin", rc);
  MDB_cursor* cursor = nullptr;
  if ((rc = mdb_cursor_open(txn.txn, dbi_[static_cast<std::size_t>(database)], &cursor)) != 0)
    return lmdb_error("cursor_open", rc);
  if (from < prefix) from = prefix;
  MDB_val k = as_val(from);
  MDB_val v;
  rc = from.empty() ? mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
                    : mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  while (rc == 0) {
    std::string_view key = as_view(k);
    if (!key.starts_with(prefix) || !fn(key, as_view(v))) break;
    rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cursor);
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb_error("cursor_get", rc);
  return {};
}

status lmdb_env::check(const write_batch& batch) const {
  for (const auto& op : batch.ops) {
    if (!valid_db(op.database))
      return status::invalid_argument("store: unknown database " +
                                      std::to_string(static_cast<int>(op.database)));
    if (op.key.empty()) return status::invalid_argument("store: empty key");
    if (op.key.size() > max_key_size_)
      return status::invalid_argument("store: key of " + std::to_string(op.key.size()) +
                                      " bytes exceeds the limit of " +
                                      std::to_string(max_key_size_));
  }
  return {};
}

status lmdb_env::apply(const write_batch& batch) {
  const write_batch* one[] = {&batch};
  return apply_all(one);
}

status lmdb_env::apply_all(std::span<const write_batch* const> batches) {
  std::uint64_t bytes = 0;
  for (const auto* b : batches) {
    if (auto st = check(*b); !st) return st;
    bytes += b->byte_size();
  }
  for (;;) {
    int rc = 0;
    status st = try_apply(batches, &rc);
    if (rc != MDB_MAP_FULL) return st;
    // Overhead per entry (node header, page splits) is covered by asking for twice the payload.
    if (auto grown = grow_map(2 * bytes + (1u << 20)); !grown) return grown;
  }
}

status lmdb_env::try_apply(std::span<const write_batch* const> batches, int* mdb_rc) {
  std::shared_lock lock(resize_mu_);
  txn_guard txn;
  int& rc = *mdb_rc;
  if ((rc = mdb_txn_begin(env_, nullptr, 0, &txn.txn)) != 0) return lmdb_error("txn_begin", rc);
  for (const auto* batch : batches) {
    for (const auto& op : batch->ops) {
      MDB_dbi dbi = dbi_[static_cast<std::size_t>(op.database)];
      MDB_val k = as_val(op.key);
      if (op.erase) {
        rc = mdb_del(txn.txn, dbi, &k, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;
      } else {
        MDB_val v = as_val(op.value);
        rc = mdb_put(txn.txn, dbi, &k, &v, 0);
      }
      if (rc != 0) return lmdb_error(op.erase ? "del" : "put", rc);
    }
  }
  // Synchronous: mdb_txn_commit fdatasyncs the data file and the meta page before it returns.
  if ((rc = mdb_txn_commit(txn.release())) != 0) return lmdb_error("commit", rc);
  return {};
}

status lmdb_env::grow_map(std::uint64_t at_least_extra) {
  std::unique_lock lock(resize_mu_);
  MDB_envinfo ei;
  int rc = mdb_env_info(env_, &ei);
  if (rc != 0) return lmdb_error("env_info", rc);
  const std::uint64_t current = ei.me_mapsize;
  if (current >= opts_.max_map_size_bytes)
    return status::io_error("store: database is full (map size " + std::to_string(current) +
                            " bytes reached max_map_size_bytes; MDB_MAP_FULL)");
  const std::uint64_t target =
      std::min(opts_.max_map_size_bytes, std::max(2 * current, current + at_least_extra));
  if ((rc = mdb_env_set_mapsize(env_, target)) != 0) return lmdb_error("set_mapsize", rc);
  map_grows_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

status lmdb_env::copy_to(const std::string& path, bool compact) const {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return status::io_error("create backup directory " + path + ": " + ec.message());
  const std::string data = path + "/data.mdb";
  if (std::filesystem::exists(data, ec))
    return status::already_exists("store: backup target " + data + " already exists");
  {
    std::shared_lock lock(resize_mu_);
    int rc = mdb_env_copy2(env_, path.c_str(), compact ? MDB_CP_COMPACT : 0);
    if (rc != 0) return lmdb_error("copy to " + path, rc);
  }
  // mdb_env_copy2 closes the file without syncing it: a backup must survive a crash too.
  if (auto st = fsync_path(data, false); !st) return st;
  return fsync_path(path, true);
}

result<env_stats> lmdb_env::info() const {
  env_stats out;
  std::shared_lock lock(resize_mu_);
  MDB_envinfo ei;
  MDB_stat es;
  int rc = mdb_env_info(env_, &ei);
  if (rc == 0) rc = mdb_env_stat(env_, &es);
  if (rc != 0) return lmdb_error("env_info", rc);
  out.map_size = ei.me_mapsize;
  out.page_size = es.ms_psize;
  out.used_bytes = (static_cast<std::uint64_t>(ei.me_last_pgno) + 1) * es.ms_psize;
  out.last_txn_id = ei.me_last_txnid;
  out.map_grows = map_grows_.load(std::memory_order_relaxed);
  txn_guard txn;
  if ((rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn.txn)) != 0)
    return lmdb_error("txn_begin", rc);
  for (std::size_t i = 0; i < db_count; ++i) {
    MDB_stat st;
    if ((rc = mdb_stat(txn.txn, dbi_[i], &st)) != 0) return lmdb_error("stat", rc);
    out.dbs.push_back({static_cast<db>(i), st.ms_entries,
                       (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages) *
                           static_cast<std::uint64_t>(st.ms_psize)});
  }
  return out;
}

std::unique_ptr<lmdb_env::test_write_hold> lmdb_env::test_hold_writes() {
  auto hold = std::make_unique<test_write_hold>(resize_mu_);
  if (mdb_txn_begin(env_, nullptr, 0, &hold->txn_) != 0) return nullptr;
  return hold;
}

}  // namespace xyn::store

// Tests of lmdb_env: reads, writes, scans, the directory lock, map growth and backups. No CAF.

#include "runtime/store/lmdb_env.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/base/keys.hpp"
#include "tests/store/temp_dir.hpp"

namespace xyn::store {
namespace {

using testing::temp_dir;

std::shared_ptr<lmdb_env> open_ok(const options& opts) {
  auto env = lmdb_env::open(opts);
  INFO(env.error().to_string());
  REQUIRE(env.ok());
  return *env;
}

std::shared_ptr<lmdb_env> open_ok(const std::string& dir) {
  return open_ok(options{.dir = dir});
}

std::vector<std::pair<std::string, std::string>> scan_all(const lmdb_env& env, db d,
                                                          std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  auto st = env.scan(d, prefix, [&](std::string_view k, std::string_view v) {
    out.emplace_back(std::string(k), std::string(v));
    return true;
  });
  REQUIRE(st.ok());
  return out;
}

// Runs fn in a forked child and returns its exit code (or 128 + signal). The child never returns
// into Catch2.
int in_child(const std::function<int()>& fn) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(fn());
  int wstatus = 0;
  REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

TEST_CASE("open creates the directory, every named database and a LOCK holding our pid") {
  temp_dir tmp;
  auto env = open_ok(tmp.sub("a/b/data"));
  CHECK(std::filesystem::exists(tmp.sub("a/b/data/data.mdb")));
  std::ifstream lock(tmp.sub("a/b/data/LOCK"));
  std::string pid;
  lock >> pid;
  CHECK(pid == std::to_string(::getpid()));
  auto info = env->info();
  REQUIRE(info.ok());
  REQUIRE(info->dbs.size() == db_count);
  CHECK(info->map_size == 1ull << 30);
  for (std::size_t i = 0; i < db_count; ++i) {
    CHECK(info->dbs[i].database == static_cast<db>(i));
    CHECK(info->dbs[i].entries == 0);
  }
  CHECK(db_name(db::service_state) == "service_state");
  CHECK(db_name(db::metrics) == "metrics");
  CHECK(db_name(static_cast<db>(200)) == "?");
}

TEST_CASE("open refuses an empty directory name") {
  auto env = lmdb_env::open(options{});
  REQUIRE_FALSE(env.ok());
  CHECK(env.error().code() == status_code::invalid_argument);
}

TEST_CASE("get, put, overwrite and erase") {
  temp_dir tmp;
  auto env = open_ok(tmp.path());
  CHECK(env->get(db::tenants, "acme").error().is_not_found());

  write_batch b;
  b.put(db::tenants, "acme", "v1");
  b.put(db::tenants, "globex", "g");
  b.put(db::tenants, "acme", "v2");  // later op in the same batch wins
  REQUIRE(env->apply(b).ok());
  CHECK(*env->get(db::tenants, "acme") == "v2");
  CHECK(*env->get(db::tenants, "globex") == "g");

  write_batch c;
  c.erase(db::tenants, "globex");
  c.erase(db::tenants, "never-written");  // not an error
  c.put(db::tenants, "acme", std::string("bin\0ary", 7));
  REQUIRE(env->apply(c).ok());
  CHECK(env->get(db::tenants, "globex").error().is_not_found());
  CHECK(*env->get(db::tenants, "acme") == std::string("bin\0ary", 7));

  auto info = env->info();
  REQUIRE(info.ok());
  CHECK(info->dbs[static_cast<std::size_t>(db::tenants)].entries == 1);
}

TEST_CASE("each named database is its own key space") {
  temp_dir tmp;
  auto env = open_ok(tmp.path());
  write_batch b;
  b.put(db::workflows, "k", "wf");
  b.put(db::journal, "k", "j");
  REQUIRE(env->apply(b).ok());
  CHECK(*env->get(db::workflows, "k") == "wf");
  CHECK(*env->get(db::journal, "k") == "j");
  CHECK(env->get(db::audit, "k").error().is_not_found());
}

TEST_CASE("scan visits exactly one tenant's keys, in numeric sequence order, and can stop") {
  temp_dir tmp;
  auto env = open_ok(tmp.path());
  write_batch b;
  // Inserted out of order; big-endian sequence numbers must come back in numeric order.
  for (std::uint64_t seq : {65536u, 2u, 256u, 1u})
    b.put(db::journal, keys::join({"hub", "acme", keys::be64(seq)}), std::to_string(seq));
  // Neighbours that share a byte prefix with "acme" but are other tenants.
  b.put(db::journal, keys::join({"hub", "acme2", keys::be64(1)}), "other");
  b.put(db::journal, keys::join({"hub", "acm", keys::be64(1)}), "other");
  b.put(db::journal, keys::join({"hub2", "acme", keys::be64(1)}), "other");
  b.put(db::workflows, keys::join({"hub", "acme", keys::be64(3)}), "other db");
  REQUIRE(env->apply(b).ok());

  auto acme = scan_all(*env, db::journal, keys::prefix({"hub", "acme"}));
  REQUIRE(acme.size() == 4);
  std::vector<std::string> values;
  for (auto& [k, v] : acme) {
    values.push_back(v);
    CHECK(k.starts_with(keys::prefix({"hub", "acme"})));
  }
  CHECK(values == std::vector<std::string>{"1", "2", "256", "65536"});

  int seen = 0;
  REQUIRE(env->scan(db::journal, keys::prefix({"hub", "acme"}),
                    [&](std::string_view, std::string_view) { return ++seen < 2; })
              .ok());
  CHECK(seen == 2);

  CHECK(scan_all(*env, db::journal, "").size() == 7);
  CHECK(scan_all(*env, db::journal, keys::prefix({"nobody"})).empty());
  CHECK(scan_all(*env, db::journal, std::string(1, '\xff')).empty());  // past the last key
}

TEST_CASE("invalid batches are refused whole") {
  temp_dir tmp;
  auto env = open_ok(tmp.path());
  auto refused = [&](write_op bad) {
    write_batch b;
    b.put(db::meta, "good", "v");
    b.ops.push_back(std::move(bad));
    auto st = env->apply(b);
    CHECK(st.code() == status_code::invalid_argument);
    CHECK(env->check(b).code() == status_code::invalid_argument);
    CHECK(env->get(db::meta, "good").error().is_not_found());
    return st.message();
  };
  CHECK(refused(write_op{db::meta, "", "v"}).find("empty key") != std::string::npos);
  CHECK(
      refused(write_op{db::meta, std::string(env->max_key_size() + 1, 'k'), "v"}).find("exceeds") !=
      std::string::npos);
  CHECK(refused(write_op{static_cast<db>(db_count), "k", "v"}).find("unknown database") !=
        std::string::npos);
  write_batch longest;
  longest.put(db::meta, std::string(env->max_key_size(), 'k'), "v");
  CHECK(env->apply(longest).ok());
}

TEST_CASE("data survives closing and reopening the environment") {
  temp_dir tmp;
  {
    auto env = open_ok(tmp.path());
    write_batch b;
    for (int i = 0; i < 100; ++i) b.put(db::usage, "k" + std::to_string(i), std::to_string(i));
    REQUIRE(env->apply(b).ok());
  }
  auto env = open_ok(tmp.path());
  for (int i = 0; i < 100; ++i)
    CHECK(*env->get(db::usage, "k" + std::to_string(i)) == std::to_string(i));
}

TEST_CASE("a second open of a directory in use fails with a clear status") {
  temp_dir tmp;
  auto first = open_ok(tmp.path());
  auto second = lmdb_env::open(options{.dir = tmp.path()});
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code() == status_code::unavailable);
  CHECK(second.error().message() == "data directory " + tmp.path() +
                                        " is in use by this process (pid " +
                                        std::to_string(::getpid()) + ")");
  // The failed attempt must not have disturbed the holder.
  write_batch b;
  b.put(db::meta, "still", "works");
  CHECK(first->apply(b).ok());
  first.reset();  // closing releases the lock
  auto third = open_ok(tmp.path());
  CHECK(*third->get(db::meta, "still") == "works");
}

TEST_CASE("another process cannot open a directory we hold") {
  temp_dir tmp;
  auto env = open_ok(tmp.path());
  const std::string expected = "data directory " + tmp.path() +
                               " is in use by another process (pid " + std::to_string(::getpid()) +
                               ")";
  int rc = in_child([&] {
    auto other = lmdb_env::open(options{.dir = tmp.path()});
    if (other.ok()) return 1;
    return other.error().message() == expected ? 0 : 2;
  });
  CHECK(rc == 0);
}

TEST_CASE("we cannot open a directory another process holds, and can once it exits") {
  temp_dir tmp;
  int ready[2], done[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(done) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto env = lmdb_env::open(options{.dir = tmp.path()});
    char c = env.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    (void)!::read(done[0], &c, 1);  // hold the directory until the parent is done
    ::_exit(0);
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  auto env = lmdb_env::open(options{.dir = tmp.path()});
  REQUIRE_FALSE(env.ok());
  CHECK(env.error().code() == status_code::unavailable);
  CHECK(env.error().message() == "data directory " + tmp.path() +
                                     " is in use by another process (pid " + std::to_string(child) +
                                     ")");
  (void)!::write(done[1], "x", 1);
  int wstatus = 0;
  REQUIRE(::waitpid(child, &wstatus, 0) == child);
  for (int fd : {ready[0], ready[1], done[0], done[1]}) ::close(fd);
  open_ok(tmp.path());
}

TEST_CASE("a full map grows up to its ceiling") {
  temp_dir tmp;
  auto env = open_ok(
      options{.dir = tmp.path(), .map_size_bytes = 1 << 20, .max_map_size_bytes = 256 << 20});
  write_batch big;
  for (int i = 0; i < 50; ++i)
    big.put(db::blobs, "blob" + std::to_string(i), std::string(100'000, 'x'));
  REQUIRE(big.byte_size() > 4 << 20);
  REQUIRE(env->apply(big).ok());
  auto info = env->info();
  REQUIRE(info.ok());
  CHECK(info->map_size > 4u << 20);
  CHECK(info->map_size <= 256u << 20);
  CHECK(info->map_grows >= 1);
  CHECK(env->get(db::blobs, "blob49")->size() == 100'000);
}

TEST_CASE("a full map at its ceiling fails the write cleanly and keeps earlier data") {
  temp_dir tmp;
  const options opts{.dir = tmp.path(), .map_size_bytes = 1 << 20, .max_map_size_bytes = 1 << 20};
  {
    auto env = open_ok(opts);
    write_batch small;
    small.put(db::meta, "before", "kept");
    REQUIRE(env->apply(small).ok());
    write_batch big;
    for (int i = 0; i < 20; ++i)
      big.put(db::blobs, "blob" + std::to_string(i), std::string(100'000, 'x'));
    auto st = env->apply(big);
    CHECK(st.code() == status_code::io_error);
    CHECK(st.message().find("database is full") != std::string::npos);
    CHECK(env->get(db::blobs, "blob0").error().is_not_found());  // nothing of the batch
    CHECK(*env->get(db::meta, "before") == "kept");
    write_batch after;
    after.put(db::meta, "after", "fits");
    CHECK(env->apply(after).ok());
    CHECK(env->info()->map_grows == 0);
  }
  auto env = open_ok(opts);
  CHECK(*env->get(db::meta, "before") == "kept");
  CHECK(*env->get(db::meta, "after") == "fits");
}

TEST_CASE("copy_to makes an openable backup while the source stays in use") {
  temp_dir tmp;
  auto env = open_ok(tmp.sub("live"));
  write_batch b;
  for (int i = 0; i < 500; ++i) b.put(db::audit, keys::be64(i), std::string(200, 'a'));
  REQUIRE(env->apply(b).ok());
  write_batch erase_most;
  for (int i = 0; i < 450; ++i) erase_most.erase(db::audit, keys::be64(i));
  REQUIRE(env->apply(erase_most).ok());

  for (bool compact : {false, true}) {
    const std::string dest = tmp.sub(compact ? "copy-compact" : "copy-plain");
    auto st = env->copy_to(dest, compact);
    INFO(st.to_string());
    REQUIRE(st.ok());
    auto copy = open_ok(dest);
    auto info = copy->info();
    REQUIRE(info.ok());
    CHECK(info->dbs[static_cast<std::size_t>(db::audit)].entries == 50);
    CHECK(copy->get(db::audit, keys::be64(499))->size() == 200);
    CHECK(copy->get(db::audit, keys::be64(0)).error().is_not_found());
  }
  CHECK(std::filesystem::file_size(tmp.sub("copy-compact/data.mdb")) <
        std::filesystem::file_size(tmp.sub("copy-plain/data.mdb")));
  // The source was not disturbed and still writes.
  write_batch more;
  more.put(db::audit, "after-backup", "x");
  CHECK(env->apply(more).ok());
  // A backup never overwrites an existing one.
  CHECK(env->copy_to(tmp.sub("copy-plain"), true).code() == status_code::already_exists);
}

}  // namespace
}  // namespace xyn::store

// Tests of replication through the writer: a tenant's write is committed here and forwarded to
// the replica's writer, answered once both copies are settled; a lost replica fails only the
// copy; a sync replaces the replica's copy of one shard and keeps its order with the forwards
// around it. Two environments and two writers in one actor system stand for two members.

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <tuple>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/after.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "runtime/store/writer.hpp"
#include "tests/store/temp_dir.hpp"

namespace xyn::store {
namespace {

using namespace std::chrono_literals;
using testing::temp_dir;

constexpr auto timeout = 10s;

struct node_config : caf::actor_system_config {
  node_config() {
    announce_messages(*this);
    set("scheduler.max-threads", 2);
  }
};

// Test shards: a key "N/..." of db::meta belongs to shard N.
result<write_batch> digit_shards(const lmdb_env& env, uint32_t shard, uint32_t) {
  write_batch out;
  auto prefix = std::to_string(shard) + "/";
  auto s = env.scan(db::meta, prefix, [&](std::string_view k, std::string_view v) {
    out.put(db::meta, std::string(k), std::string(v));
    return true;
  });
  if (!s) return s;
  return out;
}

std::shared_ptr<lmdb_env> open_env(const std::string& dir) {
  auto opened = lmdb_env::open({.dir = dir});
  REQUIRE(opened.ok());
  return *opened;
}

// The owner's writer forwards every tenant's writes to the replica's writer.
struct two_members {
  two_members() {
    owner_env = open_env(tmp.sub("owner"));
    replica_env = open_env(tmp.sub("replica"));
    writer_options ro;
    ro.shard_contents = digit_shards;
    replica = spawn_writer(sys, replica_env, ro);
    writer_options oo;
    oo.shard_contents = digit_shards;
    oo.forward_timeout = 2s;
    oo.replica_for = [this](const std::string& tenant) {
      return tenant == "alone" ? caf::actor{} : caf::actor_cast<caf::actor>(replica);
    };
    owner = spawn_writer(sys, owner_env, oo);
  }
  ~two_members() {
    caf::anon_send_exit(owner, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(replica, caf::exit_reason::user_shutdown);
  }

  // (ok, replica's verdict) of a tenant's write, or the local error.
  std::tuple<status, std::string> write(caf::scoped_actor& self, const std::string& key,
                                        const std::string& tenant = "acme") {
    write_batch b;
    b.put(db::meta, key, "v-" + key);
    std::tuple<status, std::string> out{status::internal("no reply"), ""};
    self->request(owner, timeout, write_atom::value, std::move(b), tenant)
        .receive(
            [&](ok_atom, std::string& copy) {
              out = {status{}, std::move(copy)};
            },
            [&](caf::error& err) {
              out = {to_status(err), ""};
            });
    return out;
  }

  status sync(caf::scoped_actor& self, uint32_t shard) {
    status out = status::internal("no reply");
    self->request(owner, timeout, sync_atom::value, shard, uint32_t{10},
                  caf::actor_cast<caf::actor>(replica))
        .receive([&](ok_atom) { out = {}; }, [&](caf::error& err) { out = to_status(err); });
    return out;
  }

  temp_dir tmp;
  node_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<lmdb_env> owner_env, replica_env;
  writer_actor owner, replica;
};

TEST_CASE("a tenant's write is answered once it is durable on the owner and on the replica") {
  two_members m;
  caf::scoped_actor self{m.sys};
  for (int i = 0; i < 20; ++i) {
    auto key = "1/k" + std::to_string(i);
    auto [local, copy] = m.write(self, key);
    REQUIRE(local.ok());
    CHECK(copy.empty());
    CHECK(*m.owner_env->get(db::meta, key) == "v-" + key);
    CHECK(*m.replica_env->get(db::meta, key) == "v-" + key);
  }
  // A tenant whose shard has no backup is written here only, and answered the same way.
  auto [local, copy] = m.write(self, "1/alone", "alone");
  CHECK(local.ok());
  CHECK(copy.empty());
  CHECK(m.owner_env->get(db::meta, "1/alone").ok());
  CHECK_FALSE(m.replica_env->get(db::meta, "1/alone").ok());
}

TEST_CASE("a lost replica fails only the copy: the write is durable here and says why") {
  two_members m;
  caf::scoped_actor self{m.sys};
  caf::anon_send_exit(m.replica, caf::exit_reason::kill);
  auto [local, copy] = m.write(self, "1/after");
  CHECK(local.ok());
  CHECK_FALSE(copy.empty());
  CHECK(m.owner_env->get(db::meta, "1/after").ok());
}

TEST_CASE("a sync replaces the replica's copy of one shard and leaves the others alone") {
  two_members m;
  caf::scoped_actor self{m.sys};
  // The replica holds a stale copy of shard 1 and some of shard 2; the owner has shard 1 now.
  write_batch stale;
  stale.put(db::meta, "1/gone", "old");
  stale.put(db::meta, "1/a", "old");
  stale.put(db::meta, "2/other", "kept");
  REQUIRE(m.replica_env->apply(stale).ok());
  write_batch fresh;
  fresh.put(db::meta, "1/a", "new");
  fresh.put(db::meta, "1/b", "new");
  REQUIRE(m.owner_env->apply(fresh).ok());

  REQUIRE(m.sync(self, 1).ok());
  CHECK(*m.replica_env->get(db::meta, "1/a") == "new");
  CHECK(*m.replica_env->get(db::meta, "1/b") == "new");
  CHECK_FALSE(m.replica_env->get(db::meta, "1/gone").ok());
  CHECK(*m.replica_env->get(db::meta, "2/other") == "kept");
}

TEST_CASE("writes around a sync reach the replica in order: none is wiped by the copy") {
  two_members m;
  caf::scoped_actor self{m.sys};
  // Sent back to back without waiting: the write before the sync is in the copy, and the
  // write after it is forwarded behind the copy, so the copy's wipe cannot erase it.
  for (int round = 0; round < 20; ++round) {
    auto before = "3/before-" + std::to_string(round);
    auto after = "3/after-" + std::to_string(round);
    write_batch b1, b2;
    b1.put(db::meta, before, "x");
    b2.put(db::meta, after, "y");
    auto owner = caf::actor_cast<caf::actor>(m.owner);
    auto replica = caf::actor_cast<caf::actor>(m.replica);
    self->send(owner, write_atom::value, std::move(b1), std::string("acme"));
    self->send(owner, sync_atom::value, uint32_t{3}, uint32_t{10}, replica);
    self->send(owner, write_atom::value, std::move(b2), std::string("acme"));
    int answers = 0;
    for (int i = 0; i < 3; ++i)
      self->receive([&](ok_atom, const std::string& copy) { answers += copy.empty(); },
                    [&](ok_atom) { ++answers; }, caf::after(timeout) >> [] { FAIL("no answer"); });
    CHECK(answers == 3);
    CHECK(m.replica_env->get(db::meta, before).ok());
    CHECK(m.replica_env->get(db::meta, after).ok());
  }
}

TEST_CASE("a writer without a shard list refuses to sync") {
  temp_dir tmp;
  node_config cfg;
  caf::actor_system sys{cfg};
  auto env = open_env(tmp.sub("plain"));
  auto w = spawn_writer(sys, env);
  caf::scoped_actor self{sys};
  status out;
  self->request(w, timeout, sync_atom::value, uint32_t{1}, uint32_t{10},
                caf::actor_cast<caf::actor>(w))
      .receive([&](ok_atom) { out = {}; }, [&](caf::error& err) { out = to_status(err); });
  CHECK(out.code() == status_code::unavailable);
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace xyn::store

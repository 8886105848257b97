// Tests of shard_contents: what an owner copies to a new backup is exactly its shard's tenants'
// service state, idempotency records and workflow runs (record, indexes, journal), and nothing
// of any other tenant.

#include "actors/shard_contents.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <utility>

#include "actors/workflow/journal.hpp"
#include "runtime/base/keys.hpp"
#include "runtime/cluster/shard_map.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "tests/store/temp_dir.hpp"

namespace xyn::actors {
namespace {

using store::db;
namespace journal = workflow::journal;

constexpr uint32_t count = 16;

// Two tenants on different shards.
std::pair<std::string, std::string> two_tenants() {
  std::string a = "tenant-0";
  for (int i = 1; i < 100; ++i) {
    auto b = "tenant-" + std::to_string(i);
    if (cluster::shard_of(b, count) != cluster::shard_of(a, count)) return {a, b};
  }
  FAIL("no two tenants on different shards");
  return {};
}

// Service state, an idempotency record and a run of two steps for `tenant`.
void store_tenant(store::write_batch& b, const std::string& tenant, const std::string& run) {
  b.put(db::service_state, keys::join({"content-hub", tenant, "item/1"}), "item of " + tenant);
  b.put(db::idempotency, keys::join({"content-hub", tenant, "key-1"}), "answer");
  proto::WorkflowRecord rec;
  rec.set_id(run);
  rec.set_tenant(tenant);
  rec.set_status("running");
  b.put(db::workflows, journal::record_key(run), rec.SerializeAsString());
  b.put(db::workflows, journal::order_key(1000, run), "");
  b.put(db::workflows, journal::unfinished_key(run), "");
  b.put(db::journal, journal::event_key(run, 1), "started");
  b.put(db::journal, journal::event_key(run, 2), "step");
}

TEST_CASE("a shard's contents are its tenants' state, idempotency records and runs only") {
  store::testing::temp_dir tmp;
  auto env = *store::lmdb_env::open({.dir = tmp.path()});
  auto [mine, theirs] = two_tenants();
  store::write_batch b;
  store_tenant(b, mine, "wf-mine");
  store_tenant(b, theirs, "wf-theirs");
  REQUIRE(env->apply(b).ok());

  auto got = shard_contents(*env, cluster::shard_of(mine, count), count);
  REQUIRE(got.ok());
  std::set<std::pair<db, std::string>> keys_got;
  for (const auto& op : got->ops) {
    CHECK_FALSE(op.erase);
    keys_got.insert({op.database, op.key});
  }
  std::set<std::pair<db, std::string>> expected;
  store::write_batch only_mine;
  store_tenant(only_mine, mine, "wf-mine");
  for (const auto& op : only_mine.ops) expected.insert({op.database, op.key});
  CHECK(keys_got == expected);
  // The values come along.
  for (const auto& op : got->ops)
    if (op.database == db::service_state) CHECK(op.value == "item of " + mine);

  auto none = shard_contents(*env, (cluster::shard_of(mine, count) + 1) % count, count);
  REQUIRE(none.ok());
  if (cluster::shard_of(theirs, count) != (cluster::shard_of(mine, count) + 1) % count)
    CHECK(none->ops.empty());
}

}  // namespace
}  // namespace xyn::actors

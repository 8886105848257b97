// Tests of the list of runs across members (view.hpp): each member's page holds only the runs
// its filter admits, and merged pages, followed cursor by cursor, give every admitted run once,
// newest first, even when one member's read-ahead ends before another's.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "actors/workflow/journal.hpp"
#include "actors/workflow/view.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "tests/store/temp_dir.hpp"

namespace xyn::workflow {
namespace {

using store::db;

void put_run(store::lmdb_env& env, const std::string& tenant, const std::string& id,
             int64_t created_ms) {
  proto::WorkflowRecord rec;
  rec.set_id(id);
  rec.set_tenant(tenant);
  rec.set_status("completed");
  rec.set_created_at_ms(created_ms);
  store::write_batch b;
  b.put(db::workflows, journal::record_key(id), rec.SerializeAsString());
  b.put(db::workflows, journal::order_key(created_ms, id), "");
  REQUIRE(env.apply(b).ok());
}

struct member {
  store::testing::temp_dir dir;
  std::shared_ptr<store::lmdb_env> env = *store::lmdb_env::open({.dir = dir.path()});
  std::string tenant;  // the only tenant whose shard it serves
};

// Follows next_cursor over every member's pages until it is null; the ids in the order seen.
std::vector<std::string> list_all(std::vector<member*> members, size_t limit) {
  std::vector<std::string> ids;
  list_query q;
  q.limit = limit;
  for (int pages = 0; pages < 1000; ++pages) {
    std::vector<json> got;
    for (auto* m : members) {
      auto page = list_page_json(*m->env, q, [m](const std::string& t) { return t == m->tenant; });
      REQUIRE(page);
      CHECK((*page)["runs"].size() <= limit);
      got.push_back(*page);
    }
    auto merged = merge_list_pages(got, limit);
    REQUIRE(merged);
    CHECK((*merged)["workflows"].size() <= limit);
    for (const auto& run : (*merged)["workflows"]) ids.push_back(run["id"].get<std::string>());
    if ((*merged)["next_cursor"].is_null()) return ids;
    q.cursor = (*merged)["next_cursor"].get<std::string>();
  }
  FAIL("the cursor never reached the end");
  return ids;
}

TEST_CASE("merged pages list every member's own runs once, newest first") {
  member a, b, c;
  a.tenant = "a";
  b.tenant = "b";
  c.tenant = "c";
  std::vector<std::string> expected;  // newest first
  // 60 runs, round robin over the tenants; each member also holds a copy of the next member's
  // runs (as its backup would) that its filter must leave out.
  std::vector<member*> all = {&a, &b, &c};
  for (int i = 60; i >= 1; --i) {
    auto* owner = all[i % 3];
    auto* backup = all[(i + 1) % 3];
    auto id = "wf-" + std::to_string(i);
    put_run(*owner->env, owner->tenant, id, 1'000 + i);
    put_run(*backup->env, owner->tenant, id, 1'000 + i);
  }
  for (int i = 60; i >= 1; --i) expected.push_back("wf-" + std::to_string(i));
  auto limit = GENERATE(as<size_t>{}, 1, 4, 7, 60, 100);
  CHECK(list_all(all, limit) == expected);
}

TEST_CASE("a member whose read-ahead ends early holds back the runs past it") {
  // a: three new runs, then a gap, then older ones. b: many copies of another shard's runs it
  // no longer serves, then one run of its own, newer than a's older ones. A merge that took
  // a's older runs before b had looked that far would list them before b's newer run.
  member a, b;
  a.tenant = "a";
  b.tenant = "b";
  std::vector<std::string> expected;
  for (int i = 0; i < 3; ++i) put_run(*a.env, "a", "wf-a-new-" + std::to_string(i), 10'000 - i);
  for (int i = 0; i < 150; ++i) put_run(*b.env, "x", "wf-x-" + std::to_string(i), 9'000 - i);
  put_run(*b.env, "b", "wf-b", 8'000);
  for (int i = 0; i < 20; ++i) put_run(*a.env, "a", "wf-a-old-" + std::to_string(i), 7'000 - i);
  for (int i = 0; i < 3; ++i) expected.push_back("wf-a-new-" + std::to_string(i));
  expected.push_back("wf-b");
  for (int i = 0; i < 20; ++i) expected.push_back("wf-a-old-" + std::to_string(i));
  auto limit = GENERATE(as<size_t>{}, 1, 5, 30);
  CHECK(list_all({&a, &b}, limit) == expected);
}

TEST_CASE("a single member's list filters by status, template and tenant") {
  member m;
  put_run(*m.env, "t1", "wf-1", 1);
  put_run(*m.env, "t2", "wf-2", 2);
  list_query q;
  q.tenant = "t1";
  auto page = list_json(*m.env, q);
  REQUIRE(page);
  REQUIRE((*page)["workflows"].size() == 1);
  CHECK((*page)["workflows"][0]["id"] == "wf-1");
  CHECK((*page)["next_cursor"].is_null());
  q.tenant.clear();
  q.status = "running";
  CHECK((*list_json(*m.env, q))["workflows"].empty());
}

TEST_CASE("list queries and pages that are malformed are refused") {
  CHECK(list_query_from_json(json{{"cursor", "zz"}}).error().code() ==
        status_code::invalid_argument);
  CHECK(list_query_from_json(json{{"cursor", "abc"}}).error().code() ==
        status_code::invalid_argument);
  CHECK(list_query_from_json(json{{"limit", 0}}).error().code() == status_code::invalid_argument);
  CHECK(list_query_from_json(json{{"status", 3}}).error().code() == status_code::invalid_argument);
  CHECK(list_query_from_json(json::array()).error().code() == status_code::invalid_argument);
  auto big = list_query_from_json(json{{"limit", 5000}, {"cursor", "00FF"}});
  REQUIRE(big);
  CHECK(big->limit == 1000);
  auto round = list_query_from_json(to_json(*big));
  REQUIRE(round);
  CHECK(round->cursor == "00FF");
  CHECK(merge_list_pages({json{{"runs", 3}}}, 10).error().code() == status_code::internal);
  CHECK(merge_list_pages({json{{"runs", {{{"run", {}}}}}}}, 10).error().code() ==
        status_code::internal);
  CHECK(merge_list_pages({json()}, 10).error().code() == status_code::internal);
}

}  // namespace
}  // namespace xyn::workflow

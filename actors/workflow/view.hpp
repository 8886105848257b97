#pragma once
// view.hpp — what clients see of workflow runs, read straight from LMDB (any thread, no actor
// hop): a run as JSON (its steps from a replay of its journal), its history, and the paged
// list. The admin routes and the client gateway both use these, so both show the same thing.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/base/status.hpp"

namespace xyn::store {
class lmdb_env;
}

namespace xyn::workflow {

using json = nlohmann::json;

// {"id","tenant","template","name","status","steps":[{"id","kind","service","action","status",
//  "attempts","output","error"}],"input","output","error","created_at","finished_at","parent"}
// not_found when there is no run `id`.
result<json> run_json(const store::lmdb_env& env, const std::string& id);

// {"id","events":[{"seq","time","kind","step",...}]}
result<json> history_json(const store::lmdb_env& env, const std::string& id);

struct list_query {
  std::string status;  // empty: any
  std::string template_name;
  std::string tenant;  // empty: any
  size_t limit = 50;   // 1..1000
  std::string cursor;  // from the previous page's next_cursor
};

// {"status","template","tenant","limit","cursor"}, each optional; invalid_argument names the
// field that is not a string (or not a positive integer, for limit) and a malformed cursor. A
// limit over 1000 is 1000.
result<list_query> list_query_from_json(const json& j);
json to_json(const list_query& q);

// {"workflows":[{"id","tenant","template","name","status","created_at","finished_at"}],
//  "next_cursor": "..." | null}, newest first.
result<json> list_json(const store::lmdb_env& env, const list_query& q);

// Lists across members. A cursor is a position in one order all members share (creation time,
// then id), so each member can list its own runs after it and the asker merges the pages.
//
// One member's page: up to q.limit of its runs after the cursor that `include` admits (a
// member of a cluster: the tenants whose shard it serves), newest first, each with its
// position; "scanned_to" is how far it looked (null: to the end).
// {"runs":[{"at":"<position>","run":{summary}}],"scanned_to":"<position>"|null}
using tenant_filter = std::function<bool(const std::string& tenant)>;
result<json> list_page_json(const store::lmdb_env& env, const list_query& q,
                            const tenant_filter& include);

// What a client sees of several members' pages: the first `limit` runs of their union, newest
// first, and a cursor after the last position that every member has looked at (null once every
// member has reached its end). internal when a page does not have the page's shape.
result<json> merge_list_pages(const std::vector<json>& pages, size_t limit);

// {"counts":{"running":n,"completed":n,...},"total":n,"recent_failures":[summary + "error"]}
// for one tenant: the newest `recent_failures` runs that failed or rolled back. Reads every run
// record of the node (no per-tenant index yet), so it is for dashboards, not hot paths.
json status_summary(const store::lmdb_env& env, const std::string& tenant, size_t recent_failures);

}  // namespace xyn::workflow

#pragma once
// view.hpp — what clients see of workflow runs, read straight from LMDB (any thread, no actor
// hop): a run as JSON (its steps from a replay of its journal), its history, and the paged
// list. The admin routes and the client gateway both use these, so both show the same thing.

#include <cstdint>
#include <string>

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
  size_t limit = 50;   // at most 1000
  std::string cursor;  // from the previous page's next_cursor
};

// {"workflows":[{"id","tenant","template","name","status","created_at","finished_at"}],
//  "next_cursor": "..." | null}, newest first.
result<json> list_json(const store::lmdb_env& env, const list_query& q);

// {"counts":{"running":n,"completed":n,...},"total":n,"recent_failures":[summary + "error"]}
// for one tenant: the newest `recent_failures` runs that failed or rolled back. Reads every run
// record of the node (no per-tenant index yet), so it is for dashboards, not hot paths.
json status_summary(const store::lmdb_env& env, const std::string& tenant, size_t recent_failures);

}  // namespace xyn::workflow

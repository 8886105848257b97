#pragma once
// run_list.hpp — GET /v1/workflows on a cluster. A run's record is on its shard's owner and
// its backup (and, for a while, on members that held the shard before), so no one member's
// LMDB holds the list: each member lists the runs of the shards it serves, and the member
// asked merges the pages (view.hpp) under one cursor. A query for one tenant goes to that
// tenant's owner only.
//
// The workflow manager spawns one lister per request and delegates to it, so a long read never
// holds up submits:
//   (wf_list_atom, std::string query_json) -> std::string {"workflows","next_cursor"} | error
//   (wf_page_atom, std::string query_json) -> std::string this member's page      | error
// A member that does not answer in time fails the list (unavailable): a list that silently
// skipped a member's runs would look complete.

#include <memory>

#include <caf/fwd.hpp>

namespace xyn::store {
class lmdb_env;
}
namespace xyn::cluster {
class directory;
}

namespace xyn::workflow {

// `members`: null on a single node (the list is this node's runs).
caf::actor spawn_run_lister(caf::local_actor* parent, std::shared_ptr<store::lmdb_env> env,
                            std::shared_ptr<cluster::directory> members);

}  // namespace xyn::workflow

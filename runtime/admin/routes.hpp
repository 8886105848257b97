#pragma once
// routes.hpp — the admin port's route table (Seastar's set_routes shape): every route of the
// JSON API in one place. Handlers never block on actors: each call to an actor runs in a
// short-lived actor that finishes the HTTP reply in its response handler, on CAF's threads.

#include <cstdint>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "runtime/admin/admin_key.hpp"

namespace xyn::cluster {
class directory;
}
namespace xyn::http {
class router;
}
namespace xyn::mesh {
struct catalog;
}
namespace xyn::store {
class lmdb_env;
}
namespace xyn::workflow {
class library;
}

namespace xyn::admin {

// What the routes need from the node. REQUIRES: `system` outlives the router.
struct route_context {
  caf::actor_system* system = nullptr;
  std::shared_ptr<const mesh::catalog> catalog;
  admin_key key;
  std::string node_name;
  int64_t started_at_ms = 0;
  std::shared_ptr<store::lmdb_env> env;
  std::shared_ptr<const workflow::library> workflows;
  std::shared_ptr<cluster::directory> members;
};

void add_routes(http::router& router, const route_context& ctx);
// The /v1/workflows and /v1/templates routes (workflow_routes.cpp); add_routes calls it.
void add_workflow_routes(http::router& router, const route_context& ctx);
// POST /v1/chat (chat_routes.cpp); add_routes calls it.
void add_chat_routes(http::router& router, const route_context& ctx);

}  // namespace xyn::admin

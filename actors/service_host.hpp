#pragma once
// service_host.hpp — the actor that runs one business service (service.hpp) under the service
// protocol of runtime/mesh/messages.hpp.
//
// For each execute it: dedupes on the idempotency key (a repeat gets the first answer), runs the
// action against a tenant-scoped state view, sends the writes plus the idempotency record to the
// store writer as one batch, and answers only after that batch is durable. Executes are not
// serialized on commits: later ones read the earlier ones' in-flight writes from an overlay, and
// answers leave in order. A failed commit crashes the host (its overlay may hold writes that
// never became durable); the supervisor restarts it from LMDB. On start it registers with the
// mesh by name. Spawned by the per-service supervisor; one instance per service per node.

#include <memory>

#include <caf/fwd.hpp>

#include "actors/service.hpp"

namespace xyn::store {
class lmdb_env;
}
namespace xyn::metrics {
class registry;
}

namespace xyn::actors {

struct host_deps {
  std::shared_ptr<store::lmdb_env> env;
  std::shared_ptr<const node_facts> facts;
  // Where executes are counted and timed (service_meter.hpp); null: nowhere.
  std::shared_ptr<metrics::registry> metrics{};
};

caf::actor spawn_service_host(caf::actor_system& sys, const service_factory& make, host_deps deps);

// Tenant names: 1–64 characters of [A-Za-z0-9_.-]; they become part of store keys.
bool valid_tenant(const std::string& tenant);

}  // namespace xyn::actors

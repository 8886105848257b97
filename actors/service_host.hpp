#pragma once
// service_host.hpp — the actor that runs one business service (service.hpp) under the service
// protocol of runtime/mesh/messages.hpp.
//
// For each execute it: dedupes on the idempotency key (a repeat gets the first answer), runs the
// action against a tenant-scoped state view, sends the writes plus the idempotency record to the
// store writer as one batch, and answers only after that batch is durable. Executes are not
// serialized on commits: later ones read the earlier ones' in-flight writes from an overlay, and
// answers leave in order. A failed commit crashes the host (its overlay may hold writes that
// never became durable); the supervisor restarts it from LMDB. In a cluster each batch also goes
// to the store of the tenant's shard's backup; if that copy fails the write stands here and
// the caller gets a retryable `replication_failed` (a retry with the same idempotency key gets
// the first answer, as after Kafka's NotEnoughReplicasAfterAppend). On start it registers with the
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
namespace xyn::cluster {
class directory;
}

namespace xyn::actors {

struct host_deps {
  std::shared_ptr<store::lmdb_env> env;
  std::shared_ptr<const node_facts> facts;
  // Where executes are counted and timed (service_meter.hpp); null: nowhere.
  std::shared_ptr<metrics::registry> metrics{};
  // In a cluster: where each tenant's shard is backed up. A batch is then also written to the
  // backup's store, and answered only when both copies are durable; null: this node alone.
  std::shared_ptr<cluster::directory> members{};
};

caf::actor spawn_service_host(caf::actor_system& sys, const service_factory& make, host_deps deps);

// Tenant names: 1–64 characters of [A-Za-z0-9_.-]; they become part of store keys.
bool valid_tenant(const std::string& tenant);

}  // namespace xyn::actors

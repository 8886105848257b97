#pragma once
// gateway.hpp — the actor a node publishes on its cluster port for client programs
// (client.hpp). It checks the admin key on every request, forwards submit / cancel / signal /
// watch to the workflow manager (node::workflows_name) and answers get / history / list from
// LMDB (actors/workflow/view.hpp) in short-lived reader actors, so no request ever blocks it.
// The protocol is in protocol.hpp. It is also the door other nodes join through: cluster
// hello and join requests (runtime/cluster/messages.hpp) go on to the cluster actor. The node
// announces actors/workflow/messages.hpp and the store's "xyn" error category before it spawns
// this.

#include <memory>

#include <caf/fwd.hpp>

#include "runtime/admin/admin_key.hpp"

namespace xyn::store {
class lmdb_env;
}

namespace xyn::cluster {
class directory;
}

namespace xyn::client {

// `members` (null on a single node): in a cluster a run and its history are read through the
// workflow manager, which asks the owner of the run's shard.
caf::actor spawn_gateway(caf::actor_system& sys, admin::admin_key key,
                         std::shared_ptr<store::lmdb_env> env,
                         std::shared_ptr<cluster::directory> members = nullptr);

}  // namespace xyn::client

#pragma once
// cluster_actor.hpp — the node's member of the cluster (DESIGN.md "Cluster"): it joins through
// the seeds, authenticates every member pairwise with the shared secret (handshake.hpp),
// heartbeats every member, judges them with membership.hpp's rules (phi-accrual plus CAF's
// connection loss, keep-majority downing), emits cluster.* events and keeps the directory
// (directory.hpp) current for the mesh and the admin port. Registered as
// node::cluster_name; the client gateway on the cluster port hands it hello and join
// requests. Protocol: messages.hpp; plus, locally:
//   (cl_leave_atom)  -> ok_atom   tell every member this node is leaving (graceful shutdown)

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "runtime/cluster/membership.hpp"

namespace xyn::mesh {
class service_board;
}

namespace xyn::cluster {

class directory;

struct cluster_options {
  std::string address;  // "host:port" of this node's cluster port
  std::string name;
  std::string secret;  // empty: this node neither joins nor lets anyone join
  bool tls = false;    // connect to members over TLS (tls.hpp): the node's port is TLS
  std::vector<std::string> seeds;
  std::chrono::milliseconds heartbeat{100};
  membership_options membership;
  uint32_t shards = 64;  // how many shards tenants are spread over (the same on every member)
  // How long an owner keeps serving without hearing from a majority; shorter than the time
  // the others need to declare it down (phi's pause plus down_after).
  std::chrono::milliseconds lease{250};
  // Copies of each shard's writes (1: the owner's only, 2: the owner's and the backup's). With
  // 2 an owner copies each shard whole to a new backup, and shards move only to caught-up
  // members; with 1 they move at once and start empty.
  int replication = 2;
  std::shared_ptr<directory> members;
  std::shared_ptr<const mesh::service_board> board;  // which local services are up
};

caf::actor spawn_cluster(caf::actor_system& sys, cluster_options opts);

}  // namespace xyn::cluster

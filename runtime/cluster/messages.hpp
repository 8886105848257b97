#pragma once
// messages.hpp — what nodes of one cluster say to each other (DESIGN.md "Cluster"). Plain
// structs with `inspect` overloads; `announce_messages` registers them on every node.
//
// Through the joining node's door (the client gateway published on the cluster port, which
// hands these to the cluster actor; handshake.hpp explains the proofs):
//   (cl_hello_atom, std::string joiner_nonce)        -> std::string door_nonce,
//                                                       std::string server_proof
//   (cl_join_atom, member_card joiner, std::string door_nonce, std::string client_proof)
//                                                    -> join_reply | error unauthenticated
// Between the cluster actors of members:
//   (cl_beat_atom, heartbeat)                         every heartbeat interval, to every member
//   (cl_rejoin_atom, std::string address)             "you are not (or no longer) a member of my
//                                                      view": the receiver joins `address` again
//   (cl_leave_atom, std::string address)              the sender is leaving gracefully
// From the cluster actor to the node's workflow manager:
//   (cl_served_atom)                                  the shards this node serves changed
// A card carries only the sender's own actors: a third node's actor would reach us through the
// sender, so members learn each other's addresses and connect directly.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

#include "runtime/cluster/shard_map.hpp"

namespace xyn::cluster {

using cl_hello_atom = caf::atom_constant<caf::atom("clhello")>;
using cl_join_atom = caf::atom_constant<caf::atom("cljoin")>;
using cl_beat_atom = caf::atom_constant<caf::atom("clbeat")>;
using cl_rejoin_atom = caf::atom_constant<caf::atom("clrejoin")>;
using cl_leave_atom = caf::atom_constant<caf::atom("clleave")>;
using cl_served_atom = caf::atom_constant<caf::atom("clserved")>;

// One node as it introduces itself. `address` ("host:port" of its cluster port) is its
// identity; `incarnation` grows each time the node (re)joins, so a node that was declared down
// comes back as a new member instead of reviving the old one.
struct member_card {
  std::string address;
  std::string name;
  uint64_t incarnation = 0;
  caf::actor cluster;                 // its cluster actor
  caf::actor mesh;                    // its service mesh (runtime/mesh)
  caf::actor store;                   // its store writer: where shards it backs up are written
  caf::actor workflows;               // its workflow manager: where its shards' runs start
  caf::actor events;                  // its event bus: event streams of other members subscribe
  std::vector<std::string> services;  // the services it has up
  uint32_t shard_count = 0;           // members must agree on it
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_card& x) {
  return f(caf::meta::type_name("xyn.cluster.member_card"), x.address, x.name, x.incarnation,
           x.cluster, x.mesh, x.store, x.workflows, x.events, x.services, x.shard_count);
}

struct join_reply {
  member_card door;                 // the member that let us in
  std::vector<std::string> others;  // addresses of the other members it sees
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_reply& x) {
  return f(caf::meta::type_name("xyn.cluster.join_reply"), x.door, x.others);
}

// A shard whose owner (the sender) has copied it whole to `backup` (that incarnation of it),
// and has forwarded every write of it there since: the backup has caught up.
struct shard_copy {
  uint32_t shard = 0;
  std::string backup;
  uint64_t incarnation = 0;
  friend bool operator==(const shard_copy&, const shard_copy&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_copy& x) {
  return f(caf::meta::type_name("xyn.cluster.shard_copy"), x.shard, x.backup, x.incarnation);
}

struct heartbeat {
  std::string address;
  uint64_t incarnation = 0;
  std::vector<std::string> services;  // up on the sender, for the cluster-wide directory
  std::vector<std::string> members;   // addresses the sender sees up: how members spread
  shard_map shards;                   // the newest map the sender knows: how maps spread
  std::vector<shard_copy> copies;     // shards it owns whose backup has caught up
  // The sender's steady clock when it sent this, and the `sent_ns` of the receiver's latest
  // heartbeat it had received (0: none): the receiver's proof of a recent round trip, which
  // its owner lease rests on (membership::lease_until).
  int64_t sent_ns = 0;
  int64_t echo_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat& x) {
  return f(caf::meta::type_name("xyn.cluster.heartbeat"), x.address, x.incarnation, x.services,
           x.members, x.shards, x.copies, x.sent_ns, x.echo_ns);
}

void announce_messages(caf::actor_system_config& cfg);

}  // namespace xyn::cluster

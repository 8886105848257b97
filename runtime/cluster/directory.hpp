#pragma once
// directory.hpp — the cluster as the rest of the node reads it: every member with its state,
// its services and its mesh. The cluster actor writes it on every change; the mesh reads it
// to route a call for a service this node does not run, and GET /v1/cluster/members lists it.
// Shared by pointer; thread-safe (one mutex, copies out).

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <nlohmann/json_fwd.hpp>

#include "runtime/cluster/membership.hpp"
#include "runtime/cluster/shard_map.hpp"

namespace xyn::cluster {

struct directory_entry {
  member info;
  caf::actor mesh;       // invalid for self and for members not joined yet
  caf::actor store;      // its store writer; likewise
  caf::actor workflows;  // its workflow manager; likewise
};

// Where a tenant's stateful work goes: here (this node serves its shard now), or the owner's
// mesh; neither while no member may serve it (no map yet, owner unknown, lease lapsed).
struct shard_route {
  bool here = false;
  caf::actor owner;
  caf::actor owner_workflows;
  std::string owner_address;  // empty when the map has no owner for it
};

class directory {
 public:
  using clock = std::chrono::steady_clock;

  void replace(std::vector<directory_entry> entries);
  // The shard map this node follows, and until when it may serve the shards it owns.
  void set_shards(shard_map map, std::string self, clock::time_point lease_until);
  shard_route route(const std::string& tenant) const;
  // Whether this node follows a shard map (false on a single node, or before it has joined).
  bool has_map() const;
  // The shards this node may serve now (owner, lease held), ascending.
  std::vector<uint32_t> served() const;
  // The store writer of the backup of `tenant`'s shard, when writes are replicated and the
  // backup is another member that is up; else invalid.
  caf::actor replica_for(const std::string& tenant) const;
  void set_replication(int factor);
  // {"version","leader","count","lease_ms","shards":[{"shard","owner","backup","epoch",
  // "serving"}]}; lease_ms: how much longer this node may serve (0: it may not).
  nlohmann::json shards_json() const;
  std::vector<directory_entry> snapshot() const;
  // The meshes of up members other than self that have `service` up, starting at a rotating
  // offset so calls spread over them.
  std::vector<caf::actor> meshes_for(const std::string& service);
  // The workflow managers of the other members that are up.
  std::vector<caf::actor> other_workflow_managers() const;
  // {"members":[{"name","address","status","incarnation","services"}],"self"}
  nlohmann::json to_json() const;

 private:
  mutable std::mutex mu_;
  std::vector<directory_entry> entries_;
  shard_map map_;
  std::string self_;
  clock::time_point lease_until_{};
  int replication_ = 2;
  uint64_t turn_ = 0;
};

}  // namespace xyn::cluster

#pragma once
// directory.hpp — the cluster as the rest of the node reads it: every member with its state,
// its services and its mesh. The cluster actor writes it on every change; the mesh reads it
// to route a call for a service this node does not run, and GET /v1/cluster/members lists it.
// Shared by pointer; thread-safe (one mutex, copies out).

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
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
  caf::actor events;     // its event bus; likewise
};

// Where a tenant's stateful work goes: here (this node serves its shard now), or the owner's
// mesh; neither while no member may serve it (no map yet, owner unknown, lease lapsed).
struct shard_route {
  bool here = false;
  caf::actor owner;
  caf::actor owner_workflows;
  std::string owner_address;  // empty when the map has no owner for it
  // This node owns the shard in its map, whether or not it may serve it this moment (its
  // lease lapsed for a moment, or a handoff to it is not released yet).
  bool owned_here = false;
};

class directory {
 public:
  using clock = std::chrono::steady_clock;

  void replace(std::vector<directory_entry> entries);
  // The shard map this node follows, until when it may serve the shards it owns, and the map
  // version each member has last said it follows (what releases a handoff).
  // `synced`: the shards this node owns whose backup has caught up (a whole copy, forwards
  // since).
  void set_shards(shard_map map, std::string self, clock::time_point lease_until,
                  const std::map<std::string, uint64_t>& versions = {},
                  std::vector<uint32_t> synced = {});
  shard_route route(const std::string& tenant) const;
  // Whether this node follows a shard map (false on a single node, or before it has joined).
  bool has_map() const;
  // The shards this node may serve now (owner, lease held), ascending.
  std::vector<uint32_t> served() const;
  // The store writer of the backup of `tenant`'s shard, when writes are replicated and the
  // backup is another member that is up; else invalid.
  caf::actor replica_for(const std::string& tenant) const;
  void set_replication(int factor);
  // Whether to take a copy from member `from` of a write of `tenant`'s shard, or (when `shard`
  // is set) of that whole shard: from the member this node's map names as the owner, or
  // anyone while the named owner is not up here (a newer map gave the shard to its backup);
  // and forwards from the member a handoff to this node came from (its last ones may still be
  // on the way). Never anything else for a shard this node owns.
  bool accepts_copy(const std::string& from, const std::string& tenant,
                    std::optional<uint32_t> shard) const;
  // {"version","leader","count","lease_ms","balanced","shards":[{"shard","owner","backup",
  // "epoch","handoff_from","serving","backup_synced"}]}; lease_ms: how much longer this node
  // may serve (0: it may not); balanced: every shard is with the member rendezvous hashing
  // picks among those up (no handoff waits for a copy); backup_synced: as the owner knows it
  // (false on the other members).
  nlohmann::json shards_json() const;
  std::vector<directory_entry> snapshot() const;
  // The meshes of up members other than self that have `service` up, starting at a rotating
  // offset so calls spread over them.
  std::vector<caf::actor> meshes_for(const std::string& service);
  // The workflow managers of the other members that are up.
  std::vector<caf::actor> other_workflow_managers() const;
  // The event buses of the other members that are up, by address.
  std::map<std::string, caf::actor> other_event_buses() const;
  // {"members":[{"name","address","status","incarnation","services"}],"self"}
  nlohmann::json to_json() const;

 private:
  mutable std::mutex mu_;
  std::vector<directory_entry> entries_;
  bool serving(uint32_t shard) const;  // REQUIRES: mu_ held

  shard_map map_;
  // Per shard, the `moved_in` version whose handoff to this node is complete: once the old
  // owner has followed it (or is down), this node may serve the shard for good.
  std::vector<uint64_t> released_;
  std::vector<uint32_t> synced_;
  std::string self_;
  clock::time_point lease_until_{};
  int replication_ = 2;
  uint64_t turn_ = 0;
};

}  // namespace xyn::cluster

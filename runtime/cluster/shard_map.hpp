#pragma once
// shard_map.hpp — which member serves which shard (DESIGN.md "Cluster"). A tenant's state
// lives in one of `count` shards (shard_of); each shard has an owner and a backup, picked by
// rendezvous hashing over the candidate members (highest SHA-256(address, shard) first), so a
// change of members moves only the shards it must; and an epoch that grows with every change
// of owner. A shard moves to its rendezvous owner only once that member holds a full copy
// (copy, then switch): until then it stays put and the newcomer is its backup. Only the cluster's
// leader (the lowest address on the majority side) makes a new map; members adopt the newest one
// they hear of (`newer`). Pure value types; any thread.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace xyn::cluster {

struct shard_assignment {
  std::string owner;   // a member address; empty: nobody (no candidates)
  std::string backup;  // empty when there is one candidate only
  uint64_t epoch = 0;
  // Set when the shard was handed over by a live member: that member, and the map version
  // that moved it. The new owner serves only once the old one has adopted that version.
  std::string handoff_from;
  uint64_t moved_in = 0;
  friend bool operator==(const shard_assignment&, const shard_assignment&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_assignment& x) {
  return f(caf::meta::type_name("xyn.cluster.shard_assignment"), x.owner, x.backup, x.epoch,
           x.handoff_from, x.moved_in);
}

struct shard_map {
  uint64_t version = 0;  // grows with every map a leader makes
  std::string leader;    // who made it
  std::vector<shard_assignment> shards;
  friend bool operator==(const shard_map&, const shard_map&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_map& x) {
  return f(caf::meta::type_name("xyn.cluster.shard_map"), x.version, x.leader, x.shards);
}

// The shard of `tenant` among `count` (the first 8 bytes of SHA-256(tenant), big-endian).
uint32_t shard_of(const std::string& tenant, uint32_t count);

// Owner and backup of `shard` among `candidates` by rendezvous hashing.
shard_assignment place(uint32_t shard, const std::vector<std::string>& candidates);

// Whether `backup` holds a full, current copy of `shard` (its owner says so).
using caught_up_fn = std::function<bool(uint32_t shard, const std::string& backup)>;

// The map `leader` makes from `previous` for `candidates` (`count` shards). A shard whose owner
// is gone goes to its backup (which holds its data), else to its rendezvous owner. A shard
// whose owner is alive but not its rendezvous owner moves there once `caught_up` says that
// member has the copy (null `caught_up`: at once, as with no replication). The backup is the
// best-ranked other candidate, so a shard waiting to move is backed up by its next owner. The
// epoch grows by one when the owner changes. Returns `previous` itself (same version) when
// nothing changed.
shard_map next_map(const shard_map& previous, const std::vector<std::string>& candidates,
                   const std::string& leader, uint32_t count, const caught_up_fn& caught_up = {});

// Whether `candidate` should replace `current`: a higher version, or the same version made by
// a lower-addressed leader (two leaders for a moment agree on one map).
bool newer(const shard_map& candidate, const shard_map& current);

}  // namespace xyn::cluster

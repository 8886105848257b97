#include "runtime/cluster/directory.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace xyn::cluster {

void directory::replace(std::vector<directory_entry> entries) {
  std::lock_guard lock(mu_);
  entries_ = std::move(entries);
}

std::vector<directory_entry> directory::snapshot() const {
  std::lock_guard lock(mu_);
  return entries_;
}

std::vector<caf::actor> directory::meshes_for(const std::string& service) {
  std::lock_guard lock(mu_);
  std::vector<caf::actor> out;
  for (const auto& e : entries_) {
    const auto& s = e.info.services;
    if (!e.info.self && e.info.status == member_status::up && e.mesh &&
        std::find(s.begin(), s.end(), service) != s.end())
      out.push_back(e.mesh);
  }
  if (!out.empty()) std::rotate(out.begin(), out.begin() + (turn_++ % out.size()), out.end());
  return out;
}

void directory::set_shards(shard_map map, std::string self, clock::time_point lease_until,
                           const std::map<std::string, uint64_t>& versions,
                           std::vector<uint32_t> synced) {
  std::lock_guard lock(mu_);
  synced_ = std::move(synced);
  map_ = std::move(map);
  self_ = std::move(self);
  lease_until_ = lease_until;
  released_.resize(map_.shards.size(), 0);
  for (size_t s = 0; s < map_.shards.size(); ++s) {
    const auto& a = map_.shards[s];
    if (a.owner != self_ || a.handoff_from.empty() || released_[s] >= a.moved_in) continue;
    // The old owner stops serving when it adopts the map that moved the shard, and says so
    // in its next heartbeat; a member that is down (or gone) serves nothing.
    bool old_owner_stopped = true;
    for (const auto& e : entries_)
      if (e.info.address == a.handoff_from && e.info.status != member_status::down) {
        auto v = versions.find(a.handoff_from);
        old_owner_stopped = v != versions.end() && v->second >= a.moved_in;
      }
    if (old_owner_stopped) released_[s] = a.moved_in;
  }
}

bool directory::serving(uint32_t shard) const {
  const auto& a = map_.shards[shard];
  if (a.owner != self_ || clock::now() >= lease_until_) return false;
  return a.handoff_from.empty() || a.handoff_from == self_ || released_[shard] >= a.moved_in;
}

shard_route directory::route(const std::string& tenant) const {
  std::lock_guard lock(mu_);
  shard_route r;
  if (map_.shards.empty()) return r;
  auto shard = shard_of(tenant, static_cast<uint32_t>(map_.shards.size()));
  const auto& a = map_.shards[shard];
  r.owner_address = a.owner;
  if (a.owner == self_) {
    r.owned_here = true;
    r.here = serving(shard);
    return r;
  }
  for (const auto& e : entries_)
    if (e.info.address == a.owner && e.info.status == member_status::up) {
      r.owner = e.mesh;
      r.owner_workflows = e.workflows;
    }
  return r;
}

bool directory::has_map() const {
  std::lock_guard lock(mu_);
  return !map_.shards.empty();
}

std::map<std::string, caf::actor> directory::other_event_buses() const {
  std::lock_guard lock(mu_);
  std::map<std::string, caf::actor> out;
  for (const auto& e : entries_)
    if (!e.info.self && e.info.status == member_status::up && e.events)
      out.emplace(e.info.address, e.events);
  return out;
}

std::vector<caf::actor> directory::other_workflow_managers() const {
  std::lock_guard lock(mu_);
  std::vector<caf::actor> out;
  for (const auto& e : entries_)
    if (!e.info.self && e.info.status == member_status::up && e.workflows)
      out.push_back(e.workflows);
  return out;
}

std::vector<uint32_t> directory::served() const {
  std::lock_guard lock(mu_);
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < map_.shards.size(); ++i)
    if (serving(i)) out.push_back(i);
  return out;
}

void directory::set_replication(int factor) {
  std::lock_guard lock(mu_);
  replication_ = factor;
}

caf::actor directory::replica_for(const std::string& tenant) const {
  std::lock_guard lock(mu_);
  if (replication_ < 2 || map_.shards.empty()) return {};
  const auto& a = map_.shards[shard_of(tenant, static_cast<uint32_t>(map_.shards.size()))];
  if (a.backup.empty() || a.backup == self_) return {};
  for (const auto& e : entries_)
    if (e.info.address == a.backup && e.info.status == member_status::up) return e.store;
  return {};
}

bool directory::accepts_copy(const std::string& from, const std::string& tenant,
                             std::optional<uint32_t> shard) const {
  std::lock_guard lock(mu_);
  auto count = static_cast<uint32_t>(map_.shards.size());
  auto s = shard ? *shard : shard_of(tenant, count);
  if (s >= count) return false;
  const auto& a = map_.shards[s];
  if (a.owner == from) return true;
  // A forward only: a whole copy from the old owner would overwrite what this node wrote since.
  if (!shard && a.owner == self_ && a.handoff_from == from) return true;
  // A map older than the sender's may still name a lost owner: its backup has taken over.
  if (a.owner == self_) return false;
  for (const auto& e : entries_)
    if (e.info.address == a.owner) return e.info.status != member_status::up;
  return true;
}

nlohmann::json directory::shards_json() const {
  std::lock_guard lock(mu_);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(lease_until_ - clock::now());
  bool leased = left.count() > 0;
  std::vector<std::string> up;
  for (const auto& e : entries_)
    if (e.info.self || e.info.status == member_status::up) up.push_back(e.info.address);
  bool balanced = true;
  auto list = nlohmann::json::array();
  for (size_t i = 0; i < map_.shards.size(); ++i) {
    const auto& a = map_.shards[i];
    balanced = balanced && a.owner == place(static_cast<uint32_t>(i), up).owner;
    bool synced = std::find(synced_.begin(), synced_.end(), i) != synced_.end();
    list.push_back({{"shard", i},
                    {"owner", a.owner},
                    {"backup", a.backup},
                    {"epoch", a.epoch},
                    {"handoff_from", a.handoff_from},
                    {"serving", serving(static_cast<uint32_t>(i))},
                    {"backup_synced", synced}});
  }
  return {{"version", map_.version},     {"leader", map_.leader},
          {"count", map_.shards.size()}, {"lease_ms", leased ? left.count() : 0},
          {"balanced", balanced},        {"shards", list}};
}

nlohmann::json directory::to_json() const {
  auto list = nlohmann::json::array();
  std::string self;
  for (const auto& e : snapshot()) {
    if (e.info.self) self = e.info.address;
    list.push_back({{"name", e.info.name},
                    {"address", e.info.address},
                    {"status", to_string(e.info.status)},
                    {"incarnation", e.info.incarnation},
                    {"self", e.info.self},
                    {"services", e.info.services}});
  }
  return {{"members", list}, {"self", self}};
}

}  // namespace xyn::cluster

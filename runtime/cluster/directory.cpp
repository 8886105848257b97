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

void directory::set_shards(shard_map map, std::string self, clock::time_point lease_until) {
  std::lock_guard lock(mu_);
  map_ = std::move(map);
  self_ = std::move(self);
  lease_until_ = lease_until;
}

shard_route directory::route(const std::string& tenant) const {
  std::lock_guard lock(mu_);
  shard_route r;
  if (map_.shards.empty()) return r;
  const auto& a = map_.shards[shard_of(tenant, static_cast<uint32_t>(map_.shards.size()))];
  r.owner_address = a.owner;
  if (a.owner == self_) {
    r.here = clock::now() < lease_until_;
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
  if (clock::now() >= lease_until_) return out;
  for (size_t i = 0; i < map_.shards.size(); ++i)
    if (map_.shards[i].owner == self_) out.push_back(static_cast<uint32_t>(i));
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

nlohmann::json directory::shards_json() const {
  std::lock_guard lock(mu_);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(lease_until_ - clock::now());
  bool leased = left.count() > 0;
  auto list = nlohmann::json::array();
  for (size_t i = 0; i < map_.shards.size(); ++i) {
    const auto& a = map_.shards[i];
    list.push_back({{"shard", i},
                    {"owner", a.owner},
                    {"backup", a.backup},
                    {"epoch", a.epoch},
                    {"serving", leased && a.owner == self_}});
  }
  return {{"version", map_.version},
          {"leader", map_.leader},
          {"count", map_.shards.size()},
          {"lease_ms", leased ? left.count() : 0},
          {"shards", list}};
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

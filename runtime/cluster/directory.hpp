#pragma once
// directory.hpp — the cluster as the rest of the node reads it: every member with its state,
// its services and its mesh. The cluster actor writes it on every change; the mesh reads it
// to route a call for a service this node does not run, and GET /v1/cluster/members lists it.
// Shared by pointer; thread-safe (one mutex, copies out).

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <nlohmann/json_fwd.hpp>

#include "runtime/cluster/membership.hpp"

namespace xyn::cluster {

struct directory_entry {
  member info;
  caf::actor mesh;  // invalid for self and for members not joined yet
};

class directory {
 public:
  void replace(std::vector<directory_entry> entries);
  std::vector<directory_entry> snapshot() const;
  // The meshes of up members other than self that have `service` up, starting at a rotating
  // offset so calls spread over them.
  std::vector<caf::actor> meshes_for(const std::string& service);
  // {"members":[{"name","address","status","incarnation","services"}],"self"}
  nlohmann::json to_json() const;

 private:
  mutable std::mutex mu_;
  std::vector<directory_entry> entries_;
  uint64_t turn_ = 0;
};

}  // namespace xyn::cluster

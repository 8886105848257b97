#pragma once
// service_board.hpp — a thread-safe copy of the mesh's view of each service (status, restarts,
// last error), kept current by the mesh. For readers that must not wait on the mesh actor:
// platform-dashboard's status action runs inside a service host, and asking the mesh from
// there would block a scheduler thread on another actor.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/mesh/messages.hpp"

namespace xyn::mesh {

class service_board {
 public:
  void put(const service_info& info) {
    std::lock_guard<std::mutex> lock(mu_);
    services_[info.name] = info;
  }
  // In name order.
  std::vector<service_info> snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<service_info> out;
    out.reserve(services_.size());
    for (const auto& [name, info] : services_) out.push_back(info);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, service_info> services_;
};

}  // namespace xyn::mesh

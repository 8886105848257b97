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

#pragma once
// local_peers.hpp — peer_services (service.hpp) answered in-process from this node's store.
// A peer action runs on a private instance of the peer's logic against a state view of the
// peer's committed state for the asking tenant; whatever it writes is thrown away, and only
// actions that do not mutate are allowed. Peer instances are made on first use and kept (a
// `service` holds no state between executes). Not thread-safe: one per service host.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "actors/service.hpp"

namespace xyn::store {
class lmdb_env;
}

namespace xyn::actors {

class local_peers final : public peer_services {
 public:
  // REQUIRES: env and facts outlive this object.
  local_peers(const store::lmdb_env* env, const node_facts* facts,
              std::function<int64_t()> clock_ms);

  outcome ask(const std::string& tenant, const std::string& service, const std::string& action,
              const json& params) override;

 private:
  // A chain of asks longer than this is a loop between services.
  static constexpr int max_depth = 4;

  const store::lmdb_env* env_;
  const node_facts* facts_;
  std::function<int64_t()> clock_ms_;
  std::map<std::string, std::unique_ptr<service>> instances_;
  int depth_ = 0;
};

}  // namespace xyn::actors

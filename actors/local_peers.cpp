#include "actors/local_peers.hpp"

#include "actors/state_view.hpp"
#include "runtime/base/keys.hpp"

namespace xyn::actors {

local_peers::local_peers(const store::lmdb_env* env, const node_facts* facts,
                         std::function<int64_t()> clock_ms)
    : env_(env), facts_(facts), clock_ms_(std::move(clock_ms)) {}

outcome local_peers::ask(const std::string& tenant, const std::string& service_name,
                         const std::string& action, const json& params) {
  auto it = instances_.find(service_name);
  if (it == instances_.end()) {
    const auto& factories = service_factories();
    auto f = factories.find(service_name);
    if (f == factories.end())
      return outcome::failure("unknown_service", "no service '" + service_name + "'");
    it = instances_.emplace(service_name, f->second()).first;
  }
  const service& peer = *it->second;
  const auto* spec = peer.find(action);
  if (spec != nullptr && spec->secret)
    return outcome::failure("forbidden", "'" + service_name + "." + action +
                                             "' handles secret values; no service may ask it");
  if (spec != nullptr && spec->mutates)
    return outcome::failure("forbidden", "'" + service_name + "." + action +
                                             "' changes state; a service may only read another");
  if (depth_ >= max_depth)
    return outcome::failure(
        "internal", "services asked each other more than " + std::to_string(max_depth) + " deep");
  static const overlay_map no_overlay;
  state_view view(env_, &no_overlay, keys::prefix({service_name, tenant}));
  action_context ctx{tenant, params, view, *facts_, clock_ms_(), this};
  ++depth_;
  auto out = peer.execute(action, ctx);
  --depth_;
  return out;
}

}  // namespace xyn::actors

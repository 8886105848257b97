#pragma once
// node_metrics.hpp — the metrics a node records about itself: that it is up, what build it
// runs, since when (xyn_up, xyn_build_info, xyn_process_start_time_seconds, xyn_uptime_seconds),
// and the restarts its supervisors make (xyn_actor_restarts_total{supervisor,child}).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace xyn::metrics {
class registry;
}

namespace xyn::node {

void add_process_metrics(metrics::registry& registry, const std::string& node_name,
                         const std::string& version, int64_t started_at_ms);

// For supervisors::sup_flags::on_restart. Null registry: an empty function (nothing counted).
std::function<void(const std::string& supervisor, const std::string& child)> restart_counter(
    std::shared_ptr<metrics::registry> registry);

}  // namespace xyn::node

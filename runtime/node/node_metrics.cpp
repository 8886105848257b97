#include "runtime/node/node_metrics.hpp"

#include <chrono>

#include "runtime/metrics/registry.hpp"

namespace xyn::node {

void add_process_metrics(metrics::registry& registry, const std::string& node_name,
                         const std::string& version, int64_t started_at_ms) {
  registry.add_gauge("xyn_up", "1 while the node serves.").with().set(1);
  registry
      .add_gauge("xyn_build_info", "Always 1; the labels name the build and the node.",
                 {"version", "node"})
      .with({version, node_name})
      .set(1);
  registry.add_gauge("xyn_process_start_time_seconds", "When the node started, in Unix seconds.")
      .with()
      .set(static_cast<double>(started_at_ms) / 1000.0);
  auto& uptime = registry.add_gauge("xyn_uptime_seconds", "Seconds since the node started.").with();
  registry.on_collect([&uptime, started_at_ms] {
    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    uptime.set(static_cast<double>(now_ms - started_at_ms) / 1000.0);
  });
}

std::function<void(const std::string&, const std::string&)> restart_counter(
    std::shared_ptr<metrics::registry> registry) {
  if (!registry) return {};
  auto& restarts =
      registry->add_counter("xyn_actor_restarts_total", "Children restarted by their supervisor.",
                            {"supervisor", "child"});
  return [registry, &restarts](const std::string& supervisor, const std::string& child) {
    restarts.with({supervisor, child}).inc();
  };
}

}  // namespace xyn::node

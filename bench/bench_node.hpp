#pragma once
// start_bench_node: the in-process node every bench measures — the embedded default config,
// ephemeral admin and cluster ports, data in `dir`, durability as in production. Exits the
// program when the node cannot start: a bench without a node has nothing to print.
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "runtime/node/config.hpp"
#include "runtime/node/node.hpp"

// `tweak` adjusts the config before the node starts (cluster settings, disabled services).
inline std::unique_ptr<xyn::node::node> start_bench_node(
    const std::string& dir, const std::string& key = "bench-key",
    const std::function<void(xyn::node::node_config&)>& tweak = {}) {
  xyn::node::node_config cfg;
  auto st = xyn::node::apply_json(cfg, xyn::node::embedded_default_config(), "embedded");
  if (tweak) tweak(cfg);
  cfg.data_dir = dir;
  cfg.admin_port = 0;
  cfg.cluster_port = 0;
  cfg.log_level = "warn";
  if (st.ok()) st = xyn::node::finalize(cfg);
  auto n = st.ok() ? xyn::node::node::start(cfg, key)
                   : xyn::result<std::unique_ptr<xyn::node::node>>(st);
  if (!n) {
    std::fprintf(stderr, "node: %s\n", n.error().to_string().c_str());
    std::exit(1);
  }
  return std::move(*n);
}

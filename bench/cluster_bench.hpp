#pragma once
// cluster_bench.hpp — what the cluster benches share: a secret file, three xynergy-node
// processes joined through the first, and waits on what /v1/cluster/* says. Header-only;
// bench programs only (one thread drives the nodes).

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/node_process.hpp"

namespace xyn::bench {

using test::node_process;

inline std::string address(const node_process& n) {
  return "127.0.0.1:" + std::to_string(n.cluster_port());
}

inline bool all_up(const node_process& n, size_t count) {
  auto r = n.get("/v1/cluster/members");
  if (r.status != 200) return false;
  auto list = r.body["members"];
  return list.size() == count &&
         std::all_of(list.begin(), list.end(), [](const auto& m) { return m["status"] == "up"; });
}

// Whether `n` follows a balanced map (every shard where rendezvous hashing wants it), owns
// shards, serves every one of them and (with `replicated`) has caught up the backup of each.
inline bool serves_shards(const node_process& n, bool replicated = true) {
  auto map = n.get("/v1/cluster/shards").body;
  if (map.value("lease_ms", 0) <= 0 || map["balanced"] != true) return false;
  int owned = 0;
  for (const auto& sh : map["shards"]) {
    if (sh["owner"] != address(n)) continue;
    ++owned;
    if (sh["serving"] != true || (replicated && sh["backup"] != "" && sh["backup_synced"] != true))
      return false;
  }
  return owned > 0;
}

// A shared secret file and the node arguments that use it; the file goes with the object.
class cluster_secret {
 public:
  explicit cluster_secret(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / name) {
    std::ofstream(path_) << "bench-cluster-secret-0123456789\n";
  }
  ~cluster_secret() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  cluster_secret(const cluster_secret&) = delete;
  cluster_secret& operator=(const cluster_secret&) = delete;

  std::vector<std::string> args(const node_process* seed, const std::string& name,
                                std::vector<std::string> more = {}) const {
    std::vector<std::string> a = {"--node-name", name, "--set",
                                  "cluster.secret_file=" + path_.string()};
    if (seed) a.insert(a.end(), {"--seeds", address(*seed)});
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }

 private:
  std::filesystem::path path_;
};

// Until every node in `nodes` sees them all up and serves the shards it owns.
inline void wait_serving(const std::vector<const node_process*>& nodes, bool replicated) {
  for (const auto* n : nodes)
    while (!all_up(*n, nodes.size()) || !serves_shards(*n, replicated)) node_process::sleep_ms(5);
}

}  // namespace xyn::bench

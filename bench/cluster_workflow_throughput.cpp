// cluster_workflow_throughput — durable workflows on a three-node cluster, with the journal and
// service state on one member (cluster.replication=1) and on the owner plus the shard's backup
// (cluster.replication=2, the default). Runs of five sequential stateless steps
// (system-runtime clock), spread over 30 tenants, submitted over HTTP through all three nodes
// at once (each submit answers once the run's start is durable on every copy), until every
// run has completed (the nodes' xyn_workflows_finished_total). Real xynergy-node processes on
// loopback, durability on.
// Usage: bench_cluster_workflow_throughput [runs=3000] [submitters per node=4]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/cluster_bench.hpp"

namespace {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;
using xyn::test::node_process;

json five_steps() {
  json steps = json::array();
  for (int i = 1; i <= 5; ++i) {
    json s = {{"id", "s" + std::to_string(i)}, {"service", "system-runtime"}, {"action", "clock"}};
    if (i > 1) s["depends_on"] = {"s" + std::to_string(i - 1)};
    steps.push_back(s);
  }
  return {{"name", "five"}, {"version", "1"}, {"steps", steps}};
}

// Runs this node has seen complete (its /metrics).
long completed(const node_process& n) {
  auto r = n.request("GET", "/metrics", "");
  std::istringstream in(r.raw);
  const std::string name = "xyn_workflows_finished_total{status=\"completed\"} ";
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name, 0) == 0) return std::atol(line.c_str() + name.size());
  return 0;
}

struct figures {
  double runs_per_s = 0;
  double submit_p50_ms = 0;
  double submit_p99_ms = 0;
};

figures measure(int replication, int runs, int per_node) {
  xyn::bench::cluster_secret secret("xyn-bench-wf-cluster-secret");
  std::vector<std::string> rf = {"--set", "cluster.replication=" + std::to_string(replication)};
  node_process a(secret.args(nullptr, "alpha", rf));
  a.start();
  node_process b(secret.args(&a, "beta", rf));
  b.start();
  node_process c(secret.args(&a, "gamma", rf));
  c.start();
  std::vector<const node_process*> nodes = {&a, &b, &c};
  // Every node serving its shards, so no submit waits for a map or a handoff.
  xyn::bench::wait_serving(nodes, replication > 1);

  auto def = five_steps();
  std::atomic<int> next{0};
  std::vector<double> submit_ms(static_cast<size_t>(runs), 0);
  auto t0 = clock_type::now();
  std::vector<std::thread> pool;
  for (const auto* n : nodes)
    for (int k = 0; k < per_node; ++k)
      pool.emplace_back([&, n] {
        for (int i = next++; i < runs; i = next++) {
          auto s0 = clock_type::now();
          auto r = n->post("/v1/workflows",
                           {{"definition", def}, {"tenant", "t" + std::to_string(i % 30)}});
          if (r.status != 201) std::fprintf(stderr, "submit: %d %s\n", r.status, r.raw.c_str());
          submit_ms[static_cast<size_t>(i)] =
              std::chrono::duration<double, std::milli>(clock_type::now() - s0).count();
        }
      });
  for (auto& t : pool) t.join();
  auto deadline = clock_type::now() + std::chrono::minutes(5);
  while (clock_type::now() < deadline) {
    long done = 0;
    for (const auto* n : nodes) done += completed(*n);
    if (done >= runs) break;
    node_process::sleep_ms(20);
  }
  figures f;
  f.runs_per_s = runs / std::chrono::duration<double>(clock_type::now() - t0).count();
  std::sort(submit_ms.begin(), submit_ms.end());
  f.submit_p50_ms = submit_ms[submit_ms.size() / 2];
  f.submit_p99_ms = submit_ms[submit_ms.size() * 99 / 100];
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::max(30, std::atoi(argv[1])) : 3000;
  int per_node = argc > 2 ? std::max(1, std::atoi(argv[2])) : 4;
  std::printf("%d runs of 5 steps over 30 tenants, %d submitters per node, 3 nodes\n", runs,
              per_node);
  for (int rf : {1, 2}) {
    auto f = measure(rf, runs, per_node);
    std::printf(
        "replication %d: %7.0f runs/s  (%7.0f steps/s)  submit p50 %5.2f ms  p99 %6.2f ms\n", rf,
        f.runs_per_s, f.runs_per_s * 5, f.submit_p50_ms, f.submit_p99_ms);
  }
  return 0;
}

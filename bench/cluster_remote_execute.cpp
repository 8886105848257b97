// cluster_remote_execute — the cost of one hop between nodes: two in-process nodes joined as
// a cluster over loopback (CAF's network layer, as between daemons). Node A runs without
// internal-ai-service, so A's mesh sends every call of it to B; B's mesh runs the same call
// locally. Prints round trip p50/p99 one at a time and throughput with a window in flight,
// for remote (A -> B) and local (B).
// With "tls" the cluster port is TLS with mutual authentication (cluster.tls_*, certificates
// of a throwaway CA made by the openssl command).
// Usage: bench_cluster_remote_execute [seconds per figure] [window] [tls] (defaults 2, 32).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "bench/bench_node.hpp"
#include "bench/mesh_load.hpp"
#include "runtime/node/names.hpp"
#include "tests/support/test_certs.hpp"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

uint16_t cluster_port(const std::string& dir) {
  std::ifstream in(dir + "/node.json");
  return json::parse(in)["cluster_port"].get<uint16_t>();
}

void row(const char* what, const bench::figures& f) {
  std::printf("%-44s %9.0f/s  p50 %7.1f us  p99 %7.1f us  errors %d\n", what, f.per_second,
              f.p50_us, f.p99_us, f.errors);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  int window = argc > 2 ? std::atoi(argv[2]) : 32;
  bool tls = argc > 3 && std::string(argv[3]) == "tls";
  std::unique_ptr<xyn::test::test_certs> certs;
  if (tls) certs = std::make_unique<xyn::test::test_certs>(std::vector<std::string>{"a", "b"});
  auto with_tls = [&](xyn::node::node_config& c, const std::string& name) {
    if (!certs) return;
    c.cluster_tls_certificate = certs->cert(name);
    c.cluster_tls_key = certs->key(name);
    c.cluster_tls_ca = certs->ca();
  };
  auto root = fs::temp_directory_path() / ("xyn-bench-remote-" + std::to_string(::getpid()));
  fs::create_directories(root);
  const std::string secret = "bench-cluster-secret-0123456789";
  auto b = start_bench_node((root / "b").string(), "bench-key", [&](xyn::node::node_config& c) {
    c.cluster_secret = secret;
    with_tls(c, "b");
  });
  auto seed = "127.0.0.1:" + std::to_string(cluster_port((root / "b").string()));
  auto a = start_bench_node((root / "a").string(), "bench-key", [&](xyn::node::node_config& c) {
    c.cluster_secret = secret;
    c.seeds = {seed};
    c.disabled_services = {"internal-ai-service"};
    with_tls(c, "a");
  });
  {
    caf::scoped_actor self_a{a->actors()};
    caf::scoped_actor self_b{b->actors()};
    auto mesh_a = xyn::node::lookup(a->actors(), xyn::node::mesh_name);
    auto mesh_b = xyn::node::lookup(b->actors(), xyn::node::mesh_name);
    json text = {{"text", "solar lamps charge in daylight and light a tent all night"}};
    // Wait until A has joined and knows B's services.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!bench::execute_once(self_a, mesh_a, "internal-ai-service", "keywords", text)) {
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "A never reached B\n");
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto req = bench::make_request(text);
    req.action = "keywords";
    std::printf("internal-ai-service keywords, %.1f s per figure%s\n", seconds,
                tls ? ", cluster port TLS" : "");
    row("remote A->B, one at a time",
        bench::measure(self_a, mesh_a, "internal-ai-service", req, seconds, 1));
    row("local on B, one at a time",
        bench::measure(self_b, mesh_b, "internal-ai-service", req, seconds, 1));
    auto w = "window " + std::to_string(window);
    row(("remote A->B, " + w).c_str(),
        bench::measure(self_a, mesh_a, "internal-ai-service", req, seconds, window));
    row(("local on B, " + w).c_str(),
        bench::measure(self_b, mesh_b, "internal-ai-service", req, seconds, window));
  }
  a.reset();
  b.reset();
  fs::remove_all(root);
  return 0;
}

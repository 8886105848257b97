// admin_roundtrip — the admin port end to end: HTTP/1.1 keep-alive clients against an
// in-process node on a temporary data dir. Three routes:
//   /health                       answered on the HTTP thread (no actor involved)
//   GET /v1/services/content-hub  two asks through the HTTP -> actor bridge (info + health)
//   POST .../execute get          bridge -> mesh -> service host -> back
// Each client thread keeps one request in flight. Prints requests/s and p50/p99 for 1 and 8
// clients. Usage: bench_admin_roundtrip [seconds per run] (default 2).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "runtime/http/client.hpp"
#include "runtime/node/config.hpp"
#include "runtime/node/node.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

struct route {
  const char* label;
  std::string method, target, body;
};

void run(uint16_t port, const std::string& key, const route& r, int clients, double seconds) {
  std::vector<std::vector<int64_t>> lat(clients);
  std::atomic<int> failures{0};
  auto until = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                       std::chrono::duration<double>(seconds));
  auto t0 = clock_type::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      xyn::http::client cl("127.0.0.1", port);
      std::map<std::string, std::string> headers = {{"authorization", "Bearer " + key}};
      while (clock_type::now() < until) {
        auto s = clock_type::now();
        auto reply = cl.send(r.method, r.target, r.body, headers);
        if (!reply || reply->status != 200) {
          ++failures;
          continue;
        }
        lat[c].push_back((clock_type::now() - s).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::vector<int64_t> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[static_cast<size_t>(p * (all.size() - 1))] / 1000.0;
  };
  std::printf("%-22s clients=%-2d req/s=%-8.0f p50=%.0fus p99=%.0fus failures=%d\n", r.label,
              clients, all.size() / elapsed, pct(0.5), pct(0.99), failures.load());
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  auto dir = std::filesystem::temp_directory_path() /
             ("xyn-bench-admin-" + std::to_string(std::random_device{}()));
  auto cfg = xyn::node::load_config("", {});
  if (!cfg) return 1;
  cfg->data_dir = dir.string();
  cfg->admin_port = 0;
  cfg->log_level = "warn";
  (void)xyn::node::finalize(*cfg);
  const std::string key = "bench-key";
  auto node = xyn::node::node::start(*cfg, key);
  if (!node) {
    std::fprintf(stderr, "%s\n", node.error().to_string().c_str());
    return 1;
  }
  auto port = (*node)->admin_port();
  auto created =
      xyn::http::fetch("127.0.0.1", port, "POST", "/v1/services/content-hub/execute",
                       R"({"action":"create","params":{"title":"Bench","body":"an item to read"}})",
                       {{"authorization", "Bearer " + key}});
  auto id = nlohmann::json::parse(created->body)["output"]["id"].get<std::string>();
  std::vector<route> routes = {
      {"GET /health", "GET", "/health", ""},
      {"GET /v1/services/{n}", "GET", "/v1/services/content-hub", ""},
      {"POST execute get", "POST", "/v1/services/content-hub/execute",
       nlohmann::json{{"action", "get"}, {"params", {{"id", id}}}}.dump()},
  };
  std::printf("admin_roundtrip: %.1f s per run, keep-alive clients, node in process\n", seconds);
  for (const auto& r : routes)
    for (int clients : {1, 8}) run(port, key, r, clients, seconds);
  (*node)->drain();
  node->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

// cluster_failover — how long a three-node cluster takes to declare a lost member down, from
// the signal to the survivor's cluster.member_down event (read live from its /v1/events
// WebSocket), for kill -9 (the socket closes) and SIGSTOP (frozen with its sockets open: only
// the phi-accrual detector can tell). Each trial brings the member back first (restart on the
// same cluster port, or SIGCONT: it rejoins as a new incarnation), and until the leader's new
// shard map (its shards given to their backups) reached that survivor. Also prints how long a
// fresh third node takes to appear on every member. For kill -9 it also measures failover of a
// workflow: a run that steps every 20 ms on the lost member, from the signal to its first step
// journaled on the survivor that took its shard (that survivor's live event stream).
// Real xynergy-node processes on loopback.
// Usage: bench_cluster_failover [trials per kind] (default 20).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/cluster_bench.hpp"
#include "runtime/http/ws_client.hpp"

namespace {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;
using xyn::bench::address;
using xyn::bench::all_up;
using xyn::bench::serves_shards;
using xyn::test::node_process;
using namespace std::chrono_literals;

std::unique_ptr<xyn::http::ws_client> stream(const node_process& n,
                                             const std::string& query = "?topic=cluster.") {
  auto c = xyn::http::ws_client::connect("127.0.0.1", n.port(), "/v1/events" + query,
                                         {{"authorization", "Bearer " + n.key()}});
  if (!c) {
    std::fprintf(stderr, "events: %s\n", c.error().to_string().c_str());
    std::exit(1);
  }
  return std::move(*c);
}

// Milliseconds from `t0` until `c` delivered `lost`'s cluster.member_down and until it
// delivered the next cluster.shards (the map that gave its shards away), in whichever order
// they come: the leader may spread its map before this member has judged `lost` itself.
// -1 for one not seen within 10 s.
std::pair<double, double> down_and_moved(xyn::http::ws_client& c, const std::string& lost,
                                         clock_type::time_point t0) {
  double down = -1, moved = -1;
  while ((down < 0 || moved < 0) && clock_type::now() - t0 < 10s) {
    auto m = c.read(200ms);
    if (!m) continue;
    auto e = json::parse(*m, nullptr, false);
    if (!e.is_object()) continue;
    auto ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
    if (down < 0 && e["topic"] == "cluster.member_down" && e["data"]["address"] == lost) down = ms;
    if (moved < 0 && e["topic"] == "cluster.shards") moved = ms;
  }
  return {down, moved};
}

// Milliseconds from `t0` until `c` delivers anything (-1 after 10 s).
double first_message(xyn::http::ws_client& c, clock_type::time_point t0) {
  while (clock_type::now() - t0 < 10s)
    if (c.read(200ms))
      return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
  return -1;
}

// Until `back` serves its shards again under the same map as `seed` (they move back only once
// it has caught up as their backup), so the next run starts on it, not on a member about to
// hand the shard back. Returns how long that took (ms; -1: not within 20 s).
double settle(const node_process& seed, const node_process& back) {
  auto t0 = clock_type::now();
  for (int i = 0; i < 2000; ++i) {
    if (serves_shards(back) && back.get("/v1/cluster/shards").body["version"] ==
                                   seed.get("/v1/cluster/shards").body["version"])
      return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
    node_process::sleep_ms(10);
  }
  return -1;
}

// A tenant whose shard `owner` owns and `backup` backs up, as `via` sees the map.
std::string tenant_between(const node_process& via, const std::string& owner,
                           const std::string& backup, int trial) {
  for (int i = 0;; ++i) {
    auto t = "bench-" + std::to_string(trial) + "-" + std::to_string(i);
    auto s = via.get("/v1/cluster/shards?tenant=" + t).body;
    if (s["owner"] == owner && s["backup"] == backup) return t;
  }
}

// 300 sleep steps of 20 ms, one after another: a run that journals a step every 20 ms.
json stepping_run(const std::string& tenant) {
  json steps = json::array();
  for (int i = 0; i < 300; ++i) {
    json s = {{"id", "s" + std::to_string(i)}, {"kind", "sleep"}, {"duration_ms", 20}};
    if (i > 0) s["depends_on"] = {"s" + std::to_string(i - 1)};
    steps.push_back(s);
  }
  return {{"tenant", tenant},
          {"definition", {{"name", "stepper"}, {"version", "1"}, {"steps", steps}}}};
}

void print(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  if (ms.empty()) return;
  std::printf("%-34s trials %2zu  p50 %6.0f ms  max %6.0f ms  min %6.0f ms\n", what, ms.size(),
              ms[ms.size() / 2], ms.back(), ms.front());
}

}  // namespace

int main(int argc, char** argv) {
  int trials = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  xyn::bench::cluster_secret secret("xyn-bench-cluster-secret");
  node_process a(secret.args(nullptr, "alpha"));
  a.start();
  node_process b(secret.args(&a, "beta"));
  b.start();
  auto joined_at = clock_type::now();
  node_process c(secret.args(&a, "gamma"));
  c.start();
  while (!(all_up(a, 3) && all_up(b, 3) && all_up(c, 3))) node_process::sleep_ms(5);
  std::printf("3-node cluster: every member listed on every node %.0f ms after the third started\n",
              std::chrono::duration<double, std::milli>(clock_type::now() - joined_at).count());
  auto port = c.cluster_port();
  c.add_args({"--cluster-port", std::to_string(port)});
  auto lost = address(c);

  std::vector<double> kill_ms, stop_ms, rejoin_ms, kill_moved_ms, stop_moved_ms, resumed_ms,
      caught_up_ms;
  for (int i = 0; i < trials; ++i) {
    // Submitted through alpha, forwarded to gamma; alpha holds the backup copy of its journal.
    auto tenant = tenant_between(a, lost, address(a), i);
    auto run = a.post("/v1/workflows", stepping_run(tenant));
    if (run.status != 201) {
      std::fprintf(stderr, "submit: %s\n", run.raw.c_str());
      return 1;
    }
    auto steps = stream(a, "?topic=workflow.step.&workflow=" + run.body["id"].get<std::string>());
    node_process::sleep_ms(300);  // stepping on gamma by now
    auto events = stream(a);
    auto t0 = clock_type::now();
    c.kill9();
    auto [down, moved] = down_and_moved(*events, lost, t0);
    if (down >= 0) kill_ms.push_back(down);
    if (moved >= 0) kill_moved_ms.push_back(moved);
    if (auto r = first_message(*steps, t0); r >= 0) resumed_ms.push_back(r);
    c.start();
    auto t1 = clock_type::now();
    while (!(all_up(a, 3) && all_up(b, 3) && all_up(c, 3))) node_process::sleep_ms(5);
    rejoin_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t1).count());
    if (auto ms = settle(a, c); ms >= 0) caught_up_ms.push_back(ms + rejoin_ms.back());
  }
  for (int i = 0; i < trials; ++i) {
    auto events = stream(a);
    auto t0 = clock_type::now();
    c.freeze();
    auto [down, moved] = down_and_moved(*events, lost, t0);
    if (down >= 0) stop_ms.push_back(down);
    if (moved >= 0) stop_moved_ms.push_back(moved);
    c.thaw();
    while (!(all_up(a, 3) && all_up(b, 3) && all_up(c, 3))) node_process::sleep_ms(5);
    settle(a, c);
  }
  std::printf(
      "defaults: heartbeat 100 ms, phi threshold 8, acceptable pause 150 ms, down after "
      "200 ms\n");
  print("kill -9 -> member_down on survivor", kill_ms);
  print("kill -9 -> its shards owned anew", kill_moved_ms);
  print("kill -9 -> first resumed step", resumed_ms);
  print("SIGSTOP -> member_down on survivor", stop_ms);
  print("SIGSTOP -> its shards owned anew", stop_moved_ms);
  print("restart -> up on all three", rejoin_ms);
  print("restart -> serves its shards again", caught_up_ms);
  return 0;
}

// workflow_throughput — the durable workflow engine on one in-process node, durability on
// (every journal event and every service's idempotency record is fsynced through group commit).
//   1. throughput: 5-step sequential workflows of trivial steps (system-runtime clock), W in
//      flight at once, completed per second.
//   2. latency: one 5-step workflow at a time on the idle node, submit -> completed, p50/p95.
//   3. parked runs: K runs waiting on an approval (passivated): RAM and LMDB bytes per run.
//   4. resume: the node restarted with those K unfinished runs: time until all are re-parked.
// Usage: bench_workflow_throughput [runs=20000] [window=2000] [parked=100000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/workflow/messages.hpp"
#include "bench/bench_node.hpp"
#include "runtime/node/names.hpp"
#include "runtime/node/node.hpp"
#include "runtime/store/messages.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
namespace wf = xyn::workflow;
using json = nlohmann::json;

std::string five_steps() {
  json steps = json::array();
  for (int i = 1; i <= 5; ++i) {
    json s = {{"id", "s" + std::to_string(i)}, {"service", "system-runtime"}, {"action", "clock"}};
    if (i > 1) s["depends_on"] = {"s" + std::to_string(i - 1)};
    steps.push_back(s);
  }
  return json{{"name", "five"}, {"steps", steps}}.dump();
}

std::string approval_only() {
  return json{{"name", "parked"},
              {"steps", {{{"id", "wait"}, {"kind", "approval"}, {"signal", "go"}}}}}
      .dump();
}

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// Keeps `window` runs in flight until `total` have completed; returns seconds taken.
double throughput(caf::actor_system& sys, int total, int window, const std::string& def) {
  caf::scoped_actor self{sys};
  auto mgr = xyn::node::lookup(sys, xyn::node::workflows_name);
  int submitted = 0, done = 0, failed = 0;
  auto t0 = clock_type::now();
  // A scoped_actor cannot use .then(); drive it with blocking receives instead.
  std::vector<std::string> ids;
  int in_flight = 0;
  submitted = 0;
  while (done < total) {
    while (in_flight < window && submitted < total) {
      wf::submit_request r;
      r.definition_json = def;
      self->send(mgr, wf::submit_atom::value, r);
      ++submitted;
      ++in_flight;
    }
    self->receive([&](wf::submit_reply& rep) { self->send(mgr, wf::watch_atom::value, rep.id); },
                  [&](wf::run_summary& s) {
                    ++done;
                    --in_flight;
                    if (s.status != "completed") ++failed;
                  },
                  [&](caf::error& e) {
                    std::fprintf(stderr, "error: %s\n", sys.render(e).c_str());
                    ++done;
                    --in_flight;
                    ++failed;
                  });
  }
  double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  if (failed) std::printf("  (%d runs did not complete)\n", failed);
  return secs;
}

void latency(caf::actor_system& sys, int runs, const std::string& def) {
  caf::scoped_actor self{sys};
  auto mgr = xyn::node::lookup(sys, xyn::node::workflows_name);
  std::vector<double> us;
  for (int i = 0; i < runs; ++i) {
    wf::submit_request r;
    r.definition_json = def;
    auto t = clock_type::now();
    std::string id;
    self->request(mgr, 60s, wf::submit_atom::value, r)
        .receive([&](wf::submit_reply& rep) { id = rep.id; }, [](caf::error&) {});
    self->request(mgr, 60s, wf::watch_atom::value, id)
        .receive([](wf::run_summary&) {}, [](caf::error&) {});
    us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t).count());
  }
  std::sort(us.begin(), us.end());
  std::printf(
      "latency, one 5-step workflow on an idle node (%d runs): p50 %.2f ms  p95 %.2f ms  p99 %.2f "
      "ms\n",
      runs, us[us.size() / 2] / 1000, us[us.size() * 95 / 100] / 1000,
      us[us.size() * 99 / 100] / 1000);
}

xyn::store::writer_stats writer_stats(caf::actor_system& sys) {
  caf::scoped_actor self{sys};
  xyn::store::writer_stats out;
  self->request(xyn::node::lookup(sys, xyn::node::store_name), 10s, xyn::store::stats_atom::value)
      .receive([&](xyn::store::writer_stats& s) { out = s; }, [](caf::error&) {});
  return out;
}

wf::manager_stats manager_stats(caf::actor_system& sys) {
  caf::scoped_actor self{sys};
  wf::manager_stats out;
  self->request(xyn::node::lookup(sys, xyn::node::workflows_name), 10s, wf::wf_stats_atom::value)
      .receive([&](wf::manager_stats& s) { out = s; }, [](caf::error&) {});
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 20000;
  int window = argc > 2 ? std::atoi(argv[2]) : 2000;
  int parked = argc > 3 ? std::atoi(argv[3]) : 100000;
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / ("xyn-bench-wf-" + std::to_string(rd()));
  auto def = five_steps();
  {
    auto node = start_bench_node(dir.string());
    auto& sys = node->actors();
    throughput(sys, std::min(runs, 2000), window, def);  // warm-up
    auto before = writer_stats(sys);
    double secs = throughput(sys, runs, window, def);
    auto after = writer_stats(sys);
    std::printf(
        "throughput, 5-step sequential workflows, %d in flight: %.0f workflows/s (%d in %.2f s)\n",
        window, runs / secs, runs, secs);
    auto commits = after.commits - before.commits;
    std::printf("  group commit: %.0f commits/s, %.1f batches per commit, %.0f us per commit\n",
                commits / secs,
                double(after.batches - before.batches) / std::max<uint64_t>(1, commits),
                double(after.commit_ns_total - before.commit_ns_total) /
                    std::max<uint64_t>(1, commits) / 1000);
    latency(sys, 500, def);

    auto park_def = approval_only();
    auto rss0 = rss_kb();
    auto w0 = writer_stats(sys);
    {
      caf::scoped_actor self{sys};
      auto mgr = xyn::node::lookup(sys, xyn::node::workflows_name);
      int pending = 0;
      for (int i = 0; i < parked; ++i) {
        wf::submit_request r;
        r.definition_json = park_def;
        self->send(mgr, wf::submit_atom::value, r);
        if (++pending == 2000 || i + 1 == parked) {
          for (; pending > 0; --pending)
            self->receive([](wf::submit_reply&) {}, [](caf::error&) {});
        }
      }
    }
    for (int i = 0; i < 500 && manager_stats(sys).parked < static_cast<uint64_t>(parked); ++i)
      std::this_thread::sleep_for(20ms);
    auto w1 = writer_stats(sys);
    auto rss1 = rss_kb();
    auto ms = manager_stats(sys);
    std::printf(
        "parked workflows: %d submitted, %llu parked, %llu in memory; RAM %.0f bytes/run, LMDB "
        "%.0f bytes/run (keys+values written)\n",
        parked, (unsigned long long)ms.parked, (unsigned long long)ms.active,
        (rss1 - rss0) * 1024.0 / parked, double(w1.bytes - w0.bytes) / parked);
    node->drain();
  }
  {
    auto t0 = clock_type::now();
    auto node = start_bench_node(dir.string());
    auto& sys = node->actors();
    double boot = std::chrono::duration<double>(clock_type::now() - t0).count();
    wf::manager_stats ms;
    for (int i = 0; i < 30000; ++i) {
      ms = manager_stats(sys);
      if (ms.resumed >= static_cast<uint64_t>(parked) && ms.active == 0) break;
      std::this_thread::sleep_for(10ms);
    }
    double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    std::printf(
        "resume after restart: %llu unfinished runs replayed and re-parked in %.2f s (node boot "
        "%.2f s)\n",
        (unsigned long long)ms.resumed, secs, boot);
    node->drain();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

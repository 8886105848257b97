// store_throughput — durable puts per second through the store writer (group commit) with 1, 8
// and 64 concurrent client actors, against the baseline of one durable commit per put.
// Each client sends a put and waits for its ack before the next, as real clients do. Values are
// 100 bytes; every run uses a fresh environment in a temp dir under /tmp (same disk as the node
// would use here). Usage: bench_store_throughput [seconds-per-run, default 3]

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "runtime/base/keys.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/store/writer.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using xyn::store::db;

constexpr std::size_t value_bytes = 100;

struct row {
  std::string mode = {};
  std::uint64_t puts = 0;
  double seconds = 0;
  std::uint64_t commits = 0;
  double batches_per_commit = 0;
  double avg_commit_us = 0;
  std::vector<std::uint64_t> latencies_ns = {};
};

double percentile_us(std::vector<std::uint64_t>& v, double p) {
  if (v.empty()) return 0;
  auto idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(idx), v.end());
  return static_cast<double>(v[idx]) / 1e3;
}

void print(row& r) {
  double p50 = percentile_us(r.latencies_ns, 0.50);
  double p99 = percentile_us(r.latencies_ns, 0.99);
  std::printf("%-26s %10.0f %10.0f %10.1f %10.1f %10.1f %10.1f\n", r.mode.c_str(),
              static_cast<double>(r.puts) / r.seconds, static_cast<double>(r.commits) / r.seconds,
              r.batches_per_commit, p50, p99, r.avg_commit_us);
  std::fflush(stdout);
}

std::shared_ptr<xyn::store::lmdb_env> open_env(const std::string& dir) {
  auto env = xyn::store::lmdb_env::open({.dir = dir});
  if (!env.ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), env.error().to_string().c_str());
    std::exit(1);
  }
  return *env;
}

std::string key_for(int client, std::uint64_t i) {
  return xyn::keys::join({"bench", "tenant" + std::to_string(client), xyn::keys::be64(i)});
}

row run_direct(const std::string& dir, std::chrono::duration<double> length) {
  auto env = open_env(dir);
  row r{.mode = "direct apply, 1 thread"};
  const std::string value(value_bytes, 'v');
  auto start = clock_type::now();
  auto deadline = start + std::chrono::duration_cast<clock_type::duration>(length);
  for (std::uint64_t i = 0; clock_type::now() < deadline; ++i) {
    xyn::store::write_batch b;
    b.put(db::service_state, key_for(0, i), value);
    auto t0 = clock_type::now();
    if (auto st = env->apply(b); !st) {
      std::fprintf(stderr, "apply: %s\n", st.to_string().c_str());
      std::exit(1);
    }
    r.latencies_ns.push_back(static_cast<std::uint64_t>((clock_type::now() - t0).count()));
    ++r.puts;
  }
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  r.commits = r.puts;
  r.batches_per_commit = 1;
  double sum = 0;
  for (auto ns : r.latencies_ns) sum += static_cast<double>(ns);
  r.avg_commit_us = sum / static_cast<double>(r.latencies_ns.size()) / 1e3;
  return r;
}

struct bench_config : caf::actor_system_config {
  bench_config() {
    xyn::store::announce_messages(*this);
    set("scheduler.max-threads", 2);
  }
};

// One client: put i + 1 goes out only after put i was acked. Lives as long as a request of it is
// in flight (the response handler holds it).
struct client_loop {
  caf::event_based_actor* self;
  xyn::store::writer_actor writer;
  int id;
  clock_type::time_point deadline;
  const std::string* value;
  std::vector<std::uint64_t>* latencies_ns;
  std::uint64_t* puts;
  std::atomic<int>* finished;
  std::atomic<int>* failed;
};

void put_next(const std::shared_ptr<client_loop>& c, std::uint64_t i) {
  if (clock_type::now() >= c->deadline) {
    c->finished->fetch_add(1, std::memory_order_acq_rel);
    return;
  }
  xyn::store::write_batch b;
  b.put(db::service_state, key_for(c->id, i), *c->value);
  auto t0 = clock_type::now();
  c->self->request(c->writer, 30s, xyn::store::write_atom::value, std::move(b))
      .then(
          [c, i, t0](xyn::store::ok_atom) {
            c->latencies_ns->push_back(
                static_cast<std::uint64_t>((clock_type::now() - t0).count()));
            ++*c->puts;
            put_next(c, i + 1);
          },
          [c](caf::error&) {
            c->failed->fetch_add(1);
            c->finished->fetch_add(1, std::memory_order_acq_rel);
          });
}

row run_writer(caf::actor_system& sys, const std::string& dir, int clients,
               std::chrono::duration<double> length) {
  auto env = open_env(dir);
  // Measured as a node runs it: commits timed into a metrics registry.
  xyn::store::writer_options wo;
  wo.metrics = std::make_shared<xyn::metrics::registry>();
  auto writer = xyn::store::spawn_writer(sys, env, wo);
  row r{.mode = "writer, " + std::to_string(clients) + (clients == 1 ? " client" : " clients")};
  std::vector<std::vector<std::uint64_t>> lat(static_cast<std::size_t>(clients));
  std::vector<std::uint64_t> puts(static_cast<std::size_t>(clients), 0);
  std::atomic<int> finished{0}, failed{0};
  const std::string value(value_bytes, 'v');
  auto start = clock_type::now();
  auto deadline = start + std::chrono::duration_cast<clock_type::duration>(length);
  for (int c = 0; c < clients; ++c) {
    // `c` goes in as a spawn argument: CAF 0.17 dereferences a null argument tuple when a
    // function actor is spawned without arguments.
    sys.spawn(
        [&](caf::event_based_actor* self, int c) {
          auto idx = static_cast<std::size_t>(c);
          put_next(
              std::make_shared<client_loop>(client_loop{self, writer, c, deadline, &value,
                                                        &lat[idx], &puts[idx], &finished, &failed}),
              0);
        },
        c);
  }
  while (finished.load(std::memory_order_acquire) < clients) std::this_thread::sleep_for(1ms);
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  if (failed > 0) std::fprintf(stderr, "%d clients got an error\n", failed.load());
  caf::scoped_actor self{sys};
  self->request(writer, 30s, xyn::store::stats_atom::value)
      .receive(
          [&](const xyn::store::writer_stats& s) {
            r.commits = s.commits;
            r.batches_per_commit = s.batches_per_commit();
            r.avg_commit_us = s.avg_commit_us();
          },
          [](caf::error&) {});
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
  for (int c = 0; c < clients; ++c) {
    r.puts += puts[static_cast<std::size_t>(c)];
    auto& v = lat[static_cast<std::size_t>(c)];
    r.latencies_ns.insert(r.latencies_ns.end(), v.begin(), v.end());
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  if (seconds <= 0) seconds = 3.0;
  std::string tmpl = "/tmp/xyn-bench-store-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string root = tmpl;
  const std::chrono::duration<double> length(seconds);

  std::printf("store_throughput: durable puts of %zu-byte values, %.1f s per run, in %s\n",
              value_bytes, seconds, root.c_str());
  std::printf("%-26s %10s %10s %10s %10s %10s %10s\n", "mode", "puts/s", "commits/s", "batch/cmt",
              "p50 ack us", "p99 ack us", "commit us");
  {
    row r = run_direct(root + "/direct", length);
    print(r);
  }
  {
    bench_config cfg;
    caf::actor_system sys{cfg};
    for (int clients : {1, 8, 64}) {
      row r = run_writer(sys, root + "/writer-" + std::to_string(clients), clients, length);
      print(r);
    }
  }
  {
    // Once more at the end: on a shared disk fsync latency drifts, and the two baseline rows
    // show by how much during this run.
    row r = run_direct(root + "/direct-again", length);
    r.mode = "direct apply, again";
    print(r);
  }
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
  return 0;
}

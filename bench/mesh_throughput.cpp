// mesh_throughput — execute round trips per second through the mesh, in one process.
// Builds the node's core without the HTTP port: LMDB store + group-commit writer, event bus,
// mesh and the content-hub service host. Callers are actors that each keep one execute in
// flight (send, wait for the answer, send the next). Two workloads:
//   get    — a read of an existing item: the routing cost (caller -> mesh -> host -> back)
//   create — a durable write: answered only after its group commit is on disk
// Prints executes/s and p50/p99 latency for 1 and 2 callers (and 64 for create, where group
// commit shares fsyncs). Then `restart`: the host runs under its supervisor; each round injects
// a crash fault, sends the execute that crashes it, and retries at once until an execute
// answers ok again: crash answer -> restarted service answers, p50/p99 over the rounds.
// Usage: bench_mesh_throughput [seconds per run] [restart rounds] (defaults 2, 10000).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <thread>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/event.hpp"
#include "actors/service_host.hpp"
#include "actors/services/services.hpp"
#include "runtime/mesh/catalog.hpp"
#include "runtime/mesh/mesh.hpp"
#include "runtime/mesh/messages.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/node/config.hpp"
#include "runtime/node/names.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "runtime/store/messages.hpp"
#include "runtime/store/writer.hpp"
#include "supervisors/supervisor.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using go_atom = caf::atom_constant<caf::atom("go")>;

struct caller_result {
  std::vector<int64_t> latencies_ns;
};

// Keeps one execute in flight until `until`, then reports its latencies.
caf::behavior caller(caf::event_based_actor* self, caf::actor mesh, xyn::mesh::step_request req,
                     clock_type::time_point until, std::shared_ptr<caller_result> out,
                     std::shared_ptr<std::atomic<int>> done) {
  return {[=](go_atom) {
    auto t0 = clock_type::now();
    if (t0 >= until) {
      ++*done;
      self->quit();
      return;
    }
    self->request(mesh, 10s, xyn::mesh::execute_atom::value, std::string("content-hub"), req)
        .then([=](xyn::mesh::step_response& r) {
          if (r.status != xyn::mesh::step_status::ok) {
            std::fprintf(stderr, "execute failed: %s %s\n", r.error_code.c_str(),
                         r.error_message.c_str());
            std::exit(1);
          }
          out->latencies_ns.push_back((clock_type::now() - t0).count());
          self->send(self, go_atom::value);
        });
  }};
}

void run(caf::actor_system& sys, caf::actor mesh, const char* label, xyn::mesh::step_request req,
         int callers, double seconds) {
  auto until = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                       std::chrono::duration<double>(seconds));
  auto done = std::make_shared<std::atomic<int>>(0);
  std::vector<std::shared_ptr<caller_result>> results;
  auto t0 = clock_type::now();
  for (int i = 0; i < callers; ++i) {
    results.push_back(std::make_shared<caller_result>());
    auto c = sys.spawn(caller, mesh, req, until, results.back(), done);
    caf::anon_send(c, go_atom::value);
  }
  while (*done < callers) std::this_thread::sleep_for(1ms);
  double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::vector<int64_t> all;
  for (auto& r : results) all.insert(all.end(), r->latencies_ns.begin(), r->latencies_ns.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[static_cast<size_t>(p * (all.size() - 1))] / 1000.0;
  };
  std::printf("%-7s callers=%-3d executes/s=%-9.0f p50=%.1fus p99=%.1fus (n=%zu)\n", label, callers,
              all.size() / elapsed, pct(0.50), pct(0.99), all.size());
}

void restart_rounds(caf::actor_system& sys, caf::actor mesh, const xyn::mesh::step_request& probe,
                    int rounds) {
  caf::scoped_actor self{sys};
  xyn::mesh::fault_spec crash;
  crash.service = "content-hub";
  crash.kind = "crash";
  std::vector<int64_t> samples;
  int64_t polls = 0;
  auto exec = [&] {
    xyn::mesh::step_response out;
    self->request(mesh, 10s, xyn::mesh::execute_atom::value, std::string("content-hub"), probe)
        .receive([&](xyn::mesh::step_response& r) { out = std::move(r); }, [](caf::error&) {});
    return out;
  };
  for (int i = 0; i < rounds; ++i) {
    self->request(mesh, 10s, xyn::mesh::fault_atom::value, crash)
        .receive([](caf::ok_atom) {}, [](caf::error&) {});
    auto crashed = exec();
    if (crashed.error_code != "service_crashed") continue;  // the fault was not armed yet
    auto t0 = clock_type::now();
    while (exec().status != xyn::mesh::step_status::ok) ++polls;
    samples.push_back((clock_type::now() - t0).count());
  }
  std::sort(samples.begin(), samples.end());
  auto pct = [&](double p) {
    return samples.empty() ? 0.0 : samples[static_cast<size_t>(p * (samples.size() - 1))] / 1000.0;
  };
  std::printf(
      "restart crashes=%zu crash->answers p50=%.1fus p99=%.1fus max=%.1fus (retries while down: "
      "%lld)\n",
      samples.size(), pct(0.5), pct(0.99), pct(1.0), static_cast<long long>(polls));
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 10000;
  auto dir = std::filesystem::temp_directory_path() /
             ("xyn-bench-mesh-" + std::to_string(std::random_device{}()));
  xyn::store::options so;
  so.dir = dir.string();
  auto env = xyn::store::lmdb_env::open(so);
  if (!env) {
    std::fprintf(stderr, "%s\n", env.error().to_string().c_str());
    return 1;
  }
  {
    caf::actor_system_config cfg;
    cfg.set("scheduler.max-threads", 2);
    xyn::mesh::announce_messages(cfg);
    xyn::store::announce_messages(cfg);
    xyn::actors::announce_event_messages(cfg);
    xyn::supervisors::announce_messages(cfg);
    caf::actor_system sys{cfg};
    // Measured as a node runs them: the writer and the host record into a metrics registry.
    auto metrics = std::make_shared<xyn::metrics::registry>();
    xyn::store::writer_options wo;
    wo.metrics = metrics;
    auto writer = caf::actor_cast<caf::actor>(xyn::store::spawn_writer(sys, *env, wo));
    xyn::node::register_as(sys, xyn::node::store_name, writer);
    auto bus = xyn::actors::spawn_event_bus(sys, 1000);
    auto cat = std::make_shared<const xyn::mesh::catalog>(
        *xyn::mesh::parse_catalog(xyn::node::embedded_service_catalog()));
    auto mesh = xyn::mesh::spawn_mesh(sys, {cat, 10s, {}, {}, {}});
    auto facts = std::make_shared<xyn::actors::node_facts>();
    facts->node_name = "bench";
    xyn::supervisors::sup_flags flags;
    flags.intensity = -1;  // the bench crashes it on purpose, thousands of times
    std::shared_ptr<xyn::store::lmdb_env> shared_env = *env;
    std::vector<xyn::supervisors::child_spec> kids = {
        {"content-hub", [shared_env, facts, metrics](caf::actor_system& s) {
           return xyn::actors::spawn_service_host(s, xyn::actors::services::make_content_hub,
                                                  {shared_env, facts, metrics});
         }}};
    auto host =
        xyn::supervisors::spawn_supervisor(sys, "service:content-hub", flags, std::move(kids));
    caf::scoped_actor self{sys};
    // Wait until the host registered, then make one item to read.
    xyn::mesh::step_request create;
    create.action = "create";
    create.params =
        R"({"title":"Bench item","body":"A body of moderate length for the benchmark."})";
    std::string id;
    while (id.empty()) {
      self->request(mesh, 5s, xyn::mesh::execute_atom::value, std::string("content-hub"), create)
          .receive(
              [&](xyn::mesh::step_response& r) {
                if (r.status == xyn::mesh::step_status::ok)
                  id = nlohmann::json::parse(r.output)["id"];
              },
              [](caf::error&) {});
      if (id.empty()) std::this_thread::sleep_for(10ms);
    }
    xyn::mesh::step_request get;
    get.action = "get";
    get.params = nlohmann::json{{"id", id}}.dump();
    std::printf("mesh_throughput: %.1f s per run, scheduler threads 2, durable LMDB in %s\n",
                seconds, dir.c_str());
    run(sys, mesh, "get", get, 1, seconds);
    run(sys, mesh, "get", get, 2, seconds);
    run(sys, mesh, "create", create, 1, seconds);
    run(sys, mesh, "create", create, 2, seconds);
    run(sys, mesh, "create", create, 64, seconds);
    restart_rounds(sys, mesh, get, rounds);
    for (const auto& a : {caf::actor(host), mesh, bus, writer})
      self->send_exit(a, caf::exit_reason::user_shutdown);
    xyn::node::unregister_all(sys);  // the registry's strong refs would keep the writer alive
  }
  env->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

// service_throughput — executes per second of one representative action of each of the fifteen
// services, through the mesh of an in-process node (real store, group commit, supervision; no
// HTTP). Each service first gets the state its action reads (items to search, a project to
// plan, people to match); then a window of executes is kept in flight for a fixed time.
// Reads answer from LMDB and the host's overlay; writes answer after their group commit.
// Usage: bench_service_throughput [seconds per service] [in-flight window] (defaults 1, 32).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/service.hpp"
#include "bench/bench_node.hpp"
#include "bench/mesh_load.hpp"
#include "runtime/mesh/messages.hpp"
#include "runtime/node/config.hpp"
#include "runtime/node/names.hpp"
#include "runtime/node/node.hpp"

namespace {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;
namespace mesh = xyn::mesh;
using bench::execute_once;
using bench::make_request;
using bench::measure;

struct workload {
  std::string service;
  std::string action;
  json params;
  std::vector<std::pair<std::string, json>> setup;  // (action, params) run once before
};

const std::string article =
    "Solar lamps charge in daylight and light a tent all night. Our new model adds a bigger "
    "battery and a brighter lens. It weighs less than a cup of coffee, so it fits in any pack. "
    "You can hang it from a hook or stand it on a table. Three modes let you choose between a "
    "soft glow and a strong beam. The lamp is made from recycled plastic.";

std::vector<workload> workloads() {
  std::vector<workload> w;
  workload hub{"content-hub", "search", {{"query", "solar battery lens"}, {"limit", 10}}, {}};
  for (int i = 0; i < 200; ++i)
    hub.setup.push_back({"create",
                         {{"title", "Item " + std::to_string(i)},
                          {"body", article + " Variant " + std::to_string(i * 7919 % 997)}}});
  w.push_back(hub);
  w.push_back(
      {"ai-assistant", "remember", {{"conversation", "c1"}, {"text", "Plan a launch"}}, {}});
  w.push_back(
      {"ai-routing-engine", "route", {{"prompt", "a tagline"}, {"policy", "cheapest"}}, {}});
  w.push_back(
      {"analytics-data-layer",
       "ingest",
       {{"events",
         json::array({{{"type", "visit"}, {"dimensions", {{"page", "home"}}}, {"value", 1}}})}},
       {}});
  w.push_back({"internal-ai-service", "summarize", {{"text", article}, {"sentences", 2}}, {}});
  w.push_back(
      {"marketing-engine", "generate_copy", {{"product", "Solar Lamp"}, {"channel", "email"}}, {}});
  w.push_back({"platform-dashboard", "status", json::object(), {}});
  workload pm{"project-management", "plan", {{"project_id", "p1"}}, {}};
  pm.setup.push_back({"create_project", {{"name", "Launch"}}});
  for (int i = 1; i <= 30; ++i) {
    json t = {{"project_id", "p1"},
              {"id", "t" + std::to_string(i)},
              {"name", "Task " + std::to_string(i)},
              {"duration_days", 1 + i % 5}};
    if (i > 1) t["depends_on"] = {"t" + std::to_string(i / 2)};
    pm.setup.push_back({"add_task", t});
  }
  w.push_back(pm);
  w.push_back({"qa-engine", "check", {{"text", article}, {"banned_terms", {"cheap"}}}, {}});
  w.push_back({"reports-export",
               "render",
               {{"title", "Sales"},
                {"columns", {"region", "amount"}},
                {"rows", json::array({json::array({"North, East", 12.5}),
                                      json::array({"South \"S\"", 7})})},
                {"format", "csv"}},
               {}});
  w.push_back({"scheduler-automation-engine",
               "next_runs",
               {{"cron", "*/15 9-17 * * 1-5"}, {"count", 5}},
               {}});
  w.push_back({"secrets-config",
               "get_config",
               {{"key", "mail/from"}},
               {{"set_config", {{"key", "mail/from"}, {"value", "ops@acme.test"}}}}});
  w.push_back(
      {"security-governance", "scan_text", {{"text", article + " AKIAIOSFODNN7EXAMPLE"}}, {}});
  w.push_back({"system-runtime", "node_info", json::object(), {}});
  workload comp{"xynergy-competency-engine", "match", {{"skills", {{"cpp", 3}, {"sql", 2}}}}, {}};
  for (int i = 0; i < 50; ++i)
    comp.setup.push_back({"add_person",
                          {{"name", "Person " + std::to_string(i)},
                           {"skills", {{"cpp", 1 + i % 5}, {"sql", 1 + i * 3 % 5}}}}});
  w.push_back(comp);
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  int window = argc > 2 ? std::atoi(argv[2]) : 32;
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / ("xyn-bench-svc-" + std::to_string(rd()));
  auto n = start_bench_node(dir.string());
  auto& sys = n->actors();
  {
    caf::scoped_actor self{sys};
    auto m = xyn::node::lookup(sys, xyn::node::mesh_name);
    std::printf(
        "service_throughput: %.1f s per service, %d executes in flight, tenant state "
        "seeded first\n",
        seconds, window);
    std::printf("%-28s %-16s %5s %12s %10s %10s\n", "service", "action", "kind", "executes/s",
                "p50 us", "p99 us");
    for (const auto& w : workloads()) {
      bool ready = true;
      for (const auto& [action, params] : w.setup)
        ready = ready && execute_once(self, m, w.service, action, params);
      if (!ready || !execute_once(self, m, w.service, w.action, w.params)) {
        std::printf("%-28s %-16s   (skipped: the action failed, see above)\n", w.service.c_str(),
                    w.action.c_str());
        continue;
      }
      auto req = make_request(w.params);
      req.action = w.action;
      auto f = measure(self, m, w.service, req, seconds, window);
      auto svc = xyn::actors::service_factories().at(w.service)();
      bool writes = svc->find(w.action)->mutates;
      std::printf("%-28s %-16s %5s %12.0f %10.0f %10.0f%s\n", w.service.c_str(), w.action.c_str(),
                  writes ? "write" : "read", f.per_second, f.p50_us, f.p99_us,
                  f.errors ? (" errors=" + std::to_string(f.errors)).c_str() : "");
    }
  }
  n->drain();
  n.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}

#pragma once
// mesh_load.hpp — drives executes through a node's mesh from a scoped actor and measures them:
// one execute that must succeed (setup, readiness), and a window of executes kept in flight
// for a while, with throughput and latency percentiles. Shared by the benches that load a mesh.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "runtime/mesh/messages.hpp"

namespace bench {

namespace mesh = xyn::mesh;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

inline mesh::step_request make_request(const json& params) {
  mesh::step_request r;
  r.tenant = "bench";
  r.params = params.dump();
  return r;
}

// Runs one execute and waits for it; false (and a message) when it does not succeed.
inline bool execute_once(caf::scoped_actor& self, const caf::actor& m, const std::string& service,
                         const std::string& action, const json& params) {
  auto req = make_request(params);
  req.action = action;
  bool ok = false;
  self->request(m, std::chrono::seconds(30), mesh::execute_atom::value, service, req)
      .receive(
          [&](mesh::step_response& r) {
            ok = r.status == mesh::step_status::ok;
            if (!ok)
              std::fprintf(stderr, "%s.%s: %s %s\n", service.c_str(), action.c_str(),
                           r.error_code.c_str(), r.error_message.c_str());
          },
          [&](caf::error& e) {
            std::fprintf(stderr, "%s.%s: %s\n", service.c_str(), action.c_str(),
                         self->system().render(e).c_str());
          });
  return ok;
}

struct figures {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  int errors = 0;
};

inline figures measure(caf::scoped_actor& self, const caf::actor& m, const std::string& service,
                       const mesh::step_request& req, double seconds, int window) {
  std::vector<int64_t> lat;
  int in_flight = 0, errors = 0;
  auto start = clock_type::now();
  auto until = start + std::chrono::duration_cast<clock_type::duration>(
                           std::chrono::duration<double>(seconds));
  {
    // Keep `window` executes in flight with asynchronous sends; answers come back in order per
    // sender, so a FIFO of send times gives each answer its latency.
    std::deque<clock_type::time_point> pending;
    auto fire = [&] {
      pending.push_back(clock_type::now());
      self->send(m, mesh::execute_atom::value, service, req);
      ++in_flight;
    };
    while (in_flight < std::max(1, window)) fire();
    while (in_flight > 0) {
      self->receive(
          [&](mesh::step_response& r) {
            if (r.status != mesh::step_status::ok) ++errors;
          },
          [&](caf::error&) { ++errors; });
      --in_flight;
      auto now = clock_type::now();
      lat.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - pending.front()).count());
      pending.pop_front();
      if (now < until) fire();
    }
  }
  double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  std::sort(lat.begin(), lat.end());
  figures f;
  f.per_second = static_cast<double>(lat.size()) / elapsed;
  f.p50_us = lat.empty() ? 0 : lat[lat.size() / 2] / 1000.0;
  f.p99_us = lat.empty() ? 0 : lat[std::min(lat.size() - 1, lat.size() * 99 / 100)] / 1000.0;
  f.errors = errors;
  return f;
}

}  // namespace bench

// restart_latency — how long a supervised actor is gone after it crashes.
// A one_for_one supervisor (unlimited intensity, no backoff) runs one child. A driver actor makes
// the child throw, then waits until the restarted child (announced by the start function) answers
// a ping; that crash-to-answer time is one sample. Prints p50/p99/max in microseconds and the
// count; no assertions. Usage: bench_restart_latency [iterations] (default 10000).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "caf/all.hpp"
#include "supervisors/messages.hpp"
#include "supervisors/supervisor.hpp"

namespace {

using namespace std::chrono_literals;
namespace sup = xyn::supervisors;

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;
using crash_atom = caf::atom_constant<caf::atom("crash")>;
using new_child_atom = caf::atom_constant<caf::atom("new_child")>;
using run_atom = caf::atom_constant<caf::atom("run")>;

using clock_type = std::chrono::steady_clock;
constexpr auto ping_timeout = 5s;

// `incarnation` is unused but required: CAF 0.17.6 dereferences a null shared_ptr when a
// function actor is spawned without arguments (UBSan aborts on it in XYN_SANITIZE builds).
caf::behavior child(caf::event_based_actor* self, int64_t /*incarnation*/) {
  self->set_exception_handler(sup::exception_reason);
  return {
      [](ping_atom) { return pong_atom::value; },
      [](crash_atom) { throw std::runtime_error("crash requested by the benchmark"); },
  };
}

struct driver_state {
  static inline const char* name = "restart_latency.driver";
  int iterations = 0;
  caf::actor child;  // the latest incarnation, from the start function
  bool measuring = false;
  clock_type::time_point crashed_at;
  std::vector<int64_t> samples_us;
  caf::response_promise done;
};

using driver_actor = caf::stateful_actor<driver_state>;

void next_crash(driver_actor* self) {
  auto& st = self->state;
  if (static_cast<int>(st.samples_us.size()) == st.iterations) {
    st.measuring = false;
    st.done.deliver(st.samples_us);
    return;
  }
  st.crashed_at = clock_type::now();
  self->send(st.child, crash_atom::value);
}

caf::behavior driver(driver_actor* self, int iterations) {
  self->state.iterations = iterations;
  self->state.samples_us.reserve(static_cast<std::size_t>(iterations));
  return {
      [self](new_child_atom, caf::actor& c) {
        auto& st = self->state;
        st.child = c;
        if (!st.measuring) return;
        self->request(c, ping_timeout, ping_atom::value)
            .then(
                [self](pong_atom) {
                  auto& st = self->state;
                  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      clock_type::now() - st.crashed_at);
                  st.samples_us.push_back(us.count());
                  next_crash(self);
                },
                [self](caf::error& e) {
                  std::fprintf(stderr, "ping failed: %s\n", self->system().render(e).c_str());
                  self->state.done.deliver(e);
                  self->quit(e);
                });
      },
      [self](run_atom) {
        auto& st = self->state;
        st.done = self->make_response_promise();
        st.measuring = true;
        next_crash(self);
        return st.done;
      },
  };
}

int64_t percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = argc > 1 ? std::atoi(argv[1]) : 10000;
  if (iterations <= 0) iterations = 10000;

  caf::actor_system_config cfg;
  sup::announce_messages(cfg);
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  auto drv = sys.spawn(driver, iterations);
  sup::sup_flags flags{.strategy = sup::strategy::one_for_one, .intensity = -1};
  auto incarnations = std::make_shared<int64_t>(0);  // touched by the supervisor only
  std::vector<sup::child_spec> kids{{"child", [drv, incarnations](caf::actor_system& s) {
                                       auto c = s.spawn(child, ++*incarnations);
                                       caf::anon_send(drv, new_child_atom::value, c);
                                       return c;
                                     }}};
  auto supervisor = sup::spawn_supervisor(sys, "bench", flags, kids);
  // Once the supervisor answers, the first child exists and the driver has been told.
  self->request(supervisor, ping_timeout, sup::which_children_atom::value)
      .receive([](sup::children_info&) {},
               [&](caf::error& e) {
                 std::fprintf(stderr, "supervisor: %s\n", sys.render(e).c_str());
                 std::exit(1);
               });

  std::vector<int64_t> samples;
  auto t0 = clock_type::now();
  self->request(drv, caf::infinite, run_atom::value)
      .receive([&](std::vector<int64_t>& v) { samples = std::move(v); },
               [&](caf::error& e) {
                 std::fprintf(stderr, "benchmark failed: %s\n", sys.render(e).c_str());
               });
  auto wall = std::chrono::duration<double>(clock_type::now() - t0).count();
  self->send_exit(supervisor, caf::exit_reason::user_shutdown);
  self->send_exit(drv, caf::exit_reason::user_shutdown);

  std::sort(samples.begin(), samples.end());
  std::printf(
      "restart_latency: crash -> restarted child answers (one_for_one, no backoff, "
      "scheduler.max-threads=2)\n");
  std::printf("count=%zu p50_us=%lld p99_us=%lld max_us=%lld wall_s=%.2f restarts_per_s=%.0f\n",
              samples.size(), static_cast<long long>(percentile(samples, 0.50)),
              static_cast<long long>(percentile(samples, 0.99)),
              static_cast<long long>(samples.empty() ? 0 : samples.back()), wall,
              wall > 0 ? static_cast<double>(samples.size()) / wall : 0.0);
  return samples.size() == static_cast<std::size_t>(iterations) ? 0 : 1;
}

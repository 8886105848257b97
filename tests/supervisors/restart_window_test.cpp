#include "supervisors/restart_window.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using xyn::supervisors::restart_window;

namespace {
const restart_window::clock::time_point t0{};
}

TEST_CASE("more than intensity restarts within the period are refused") {
  restart_window w{3, 1000ms};
  CHECK(w.add_restart(t0));
  CHECK(w.add_restart(t0 + 100ms));
  CHECK(w.add_restart(t0 + 200ms));
  CHECK_FALSE(w.add_restart(t0 + 300ms));  // the 4th within 1 s
}

TEST_CASE("restarts older than the period slide out of the window") {
  restart_window w{2, 1000ms};
  CHECK(w.add_restart(t0));
  CHECK(w.add_restart(t0 + 500ms));
  // t0 is exactly one period old at t0 + 1000ms: it has left, so this is only the 2nd.
  CHECK(w.add_restart(t0 + 1000ms));
  CHECK(w.size() == 2);
  CHECK_FALSE(w.add_restart(t0 + 1400ms));  // 500, 1000, 1400: three within 1 s
}

TEST_CASE("intensity zero refuses the first restart, a negative one never refuses") {
  restart_window none{0, 1000ms};
  CHECK_FALSE(none.add_restart(t0));
  restart_window unlimited{-1, 1000ms};
  for (int i = 0; i < 1000; ++i) REQUIRE(unlimited.add_restart(t0 + std::chrono::milliseconds{i}));
  CHECK(unlimited.size() == 0);
}

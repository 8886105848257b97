#include "supervisors/backoff.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using namespace xyn::supervisors;

TEST_CASE("backoff grows by the multiplier and is capped at max") {
  backoff_policy p{100ms, 1000ms, 2.0, 0.0};
  CHECK(backoff_delay(p, 0, 0.5) == 100ms);
  CHECK(backoff_delay(p, 1, 0.5) == 200ms);
  CHECK(backoff_delay(p, 2, 0.5) == 400ms);
  CHECK(backoff_delay(p, 3, 0.5) == 800ms);
  CHECK(backoff_delay(p, 4, 0.5) == 1000ms);
  CHECK(backoff_delay(p, 60, 0.5) == 1000ms);
  CHECK(backoff_delay(p, 5000, 0.5) == 1000ms);  // pow overflows to inf; still the cap
}

TEST_CASE("jitter spreads the delay by the given fraction, never above max") {
  backoff_policy p{100ms, 1000ms, 2.0, 0.2};
  CHECK(backoff_delay(p, 1, 0.0) == 160ms);  // 200 - 20 %
  CHECK(backoff_delay(p, 1, 0.5) == 200ms);
  CHECK(backoff_delay(p, 1, 0.75) == 220ms);   // 200 + 10 %
  CHECK(backoff_delay(p, 1, 1.0) == 240ms);    // 200 + 20 %
  CHECK(backoff_delay(p, 10, 0.0) == 800ms);   // capped 1000 - 20 %
  CHECK(backoff_delay(p, 10, 1.0) == 1000ms);  // capped: jitter cannot exceed max
}

TEST_CASE("a disabled policy gives no delay") {
  backoff_policy p;  // initial == 0
  CHECK_FALSE(enabled(p));
  CHECK(backoff_delay(p, 3, 0.9) == 0ms);
  backoff_tracker t;
  CHECK(t.next_delay(p, 5000ms, backoff_tracker::clock::time_point{}, {}) == 0ms);
  CHECK(t.consecutive() == 0);
}

TEST_CASE("the tracker counts consecutive restarts and resets after a stable period") {
  backoff_policy p{10ms, 10000ms, 3.0, 0.5};
  double sample = 0.5;  // fixed random source: nominal delays
  random_source fixed = [&] { return sample; };
  backoff_tracker t;
  const backoff_tracker::clock::time_point t0{};
  t.on_started(t0);
  CHECK(t.next_delay(p, 1000ms, t0 + 1ms, fixed) == 10ms);
  t.on_started(t0 + 20ms);
  CHECK(t.next_delay(p, 1000ms, t0 + 30ms, fixed) == 30ms);
  // A failed start (no on_started) keeps counting.
  CHECK(t.next_delay(p, 1000ms, t0 + 5000ms, fixed) == 90ms);
  CHECK(t.consecutive() == 3);
  sample = 0.0;  // the random source is consulted for each delay
  t.on_started(t0 + 5100ms);
  CHECK(t.next_delay(p, 1000ms, t0 + 5200ms, fixed) == 135ms);  // 270 - 50 %
  // Up for a whole period: back to the first delay.
  sample = 0.5;
  t.on_started(t0 + 6000ms);
  CHECK(t.next_delay(p, 1000ms, t0 + 7000ms, fixed) == 10ms);
  CHECK(t.consecutive() == 1);
}

TEST_CASE("the default random source stays within 0 inclusive and 1 exclusive") {
  auto r = default_random_source();
  for (int i = 0; i < 1000; ++i) {
    double x = r();
    REQUIRE(x >= 0.0);
    REQUIRE(x < 1.0);
  }
}

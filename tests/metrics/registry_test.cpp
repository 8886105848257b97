// The metrics library: families, children, histogram bucketing and the exposition text, byte
// for byte, and the same text through the strict parser the integration tests use.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

#include "runtime/metrics/registry.hpp"
#include "tests/support/prometheus_text.hpp"

using namespace xyn::metrics;

TEST_CASE("a registry exposes known values byte for byte", "[metrics]") {
  registry r;
  auto& execs = r.add_counter("xyn_executes_total", "Executes run.", {"service", "action"});
  execs.with({"content-hub", "create"}).inc();
  execs.with({"content-hub", "create"}).inc(2);
  execs.with({"a\\b", "say \"hi\"\n"}).inc();
  r.add_gauge("xyn_up", "1 while the node runs.").with().set(1);
  auto& lat = r.add_histogram("xyn_latency_seconds", "Latency.", {"service"}, {0.25, 1});
  auto& h = lat.with({"s"});
  h.observe(0.125);
  h.observe(0.25);  // le is inclusive
  h.observe(0.5);
  h.observe(7);
  r.add_counter("xyn_empty_total", "No children yet.", {"code"});

  CHECK(r.expose() ==
        "# HELP xyn_executes_total Executes run.\n"
        "# TYPE xyn_executes_total counter\n"
        "xyn_executes_total{service=\"a\\\\b\",action=\"say \\\"hi\\\"\\n\"} 1\n"
        "xyn_executes_total{service=\"content-hub\",action=\"create\"} 3\n"
        "# HELP xyn_up 1 while the node runs.\n"
        "# TYPE xyn_up gauge\n"
        "xyn_up 1\n"
        "# HELP xyn_latency_seconds Latency.\n"
        "# TYPE xyn_latency_seconds histogram\n"
        "xyn_latency_seconds_bucket{service=\"s\",le=\"0.25\"} 2\n"
        "xyn_latency_seconds_bucket{service=\"s\",le=\"1\"} 3\n"
        "xyn_latency_seconds_bucket{service=\"s\",le=\"+Inf\"} 4\n"
        "xyn_latency_seconds_sum{service=\"s\"} 7.875\n"
        "xyn_latency_seconds_count{service=\"s\"} 4\n"
        "# HELP xyn_empty_total No children yet.\n"
        "# TYPE xyn_empty_total counter\n");

  auto parsed = xyn::test::parse_prometheus_text(r.expose());
  CHECK(parsed.value("xyn_executes_total", {{"service", "a\\b"}, {"action", "say \"hi\"\n"}}) == 1);
  CHECK(parsed.families.at("xyn_latency_seconds").type == "histogram");
  CHECK(parsed.value("xyn_latency_seconds_count", {{"service", "s"}}) == 4);
}

TEST_CASE("histogram buckets are upper bounds, cumulative when read", "[metrics]") {
  auto bounds = std::make_shared<const bucket_bounds>(bucket_bounds{1, 2, 4});
  histogram h(bounds);
  for (double v : {0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 4.5, -1.0}) h.observe(v);
  h.observe(std::nan(""));
  auto s = h.read();
  REQUIRE(s.upper.size() == 4);
  CHECK(std::isinf(s.upper.back()));
  CHECK(s.cumulative == std::vector<uint64_t>{3, 5, 7, 9});  // <=1: 0,1,-1; <=2: +1.5,2; ...
  CHECK(s.count == 9);
  CHECK(std::isnan(s.sum));  // NaN poisons the sum, as in Prometheus' client libraries
}

TEST_CASE("exponential buckets and bucket checks", "[metrics]") {
  CHECK(exponential_buckets(1, 2, 4) == bucket_bounds{1, 2, 4, 8});
  CHECK(std::string(check_bounds({1, 2})) == "");
  CHECK(std::string(check_bounds({2, 1})) != "");
  CHECK(std::string(check_bounds({1, INFINITY})) != "");
  CHECK(std::string(check_bounds(latency_buckets())) == "");
}

TEST_CASE("registering is idempotent, clashes and bad names throw", "[metrics]") {
  registry r;
  auto& a = r.add_counter("x_total", "X.", {"l"});
  CHECK(&r.add_counter("x_total", "X.", {"l"}) == &a);
  CHECK(&a.with({"v"}) == &a.with({"v"}));
  CHECK_THROWS_AS(r.add_gauge("x_total", "X.", {"l"}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_counter("x_total", "X.", {"other"}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_counter("bad-name", "X."), std::invalid_argument);
  CHECK_THROWS_AS(r.add_counter("y_total", "Y.", {"a", "a"}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_counter("y_total", "Y.", {"__x"}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_histogram("h", "H.", {"le"}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_histogram("h", "H.", {}, {3, 2}), std::invalid_argument);
  r.add_histogram("h", "H.", {}, {1, 2});
  CHECK_THROWS_AS(r.add_histogram("h", "H.", {}, {1, 3}), std::invalid_argument);
  CHECK_THROWS_AS(a.with({}), std::invalid_argument);
  CHECK_THROWS_AS(a.with({"1", "2"}), std::invalid_argument);
}

TEST_CASE("collect hooks run before every exposition", "[metrics]") {
  registry r;
  auto& g = r.add_gauge("ticks", "Scrapes so far.").with();
  r.on_collect([&g] { g.inc(); });
  CHECK(r.expose().find("ticks 1\n") != std::string::npos);
  CHECK(r.expose().find("ticks 2\n") != std::string::npos);
}

TEST_CASE("two registries are independent", "[metrics]") {
  registry a, b;
  a.add_counter("n_total", "N.").with().inc(5);
  b.add_counter("n_total", "N.").with().inc(1);
  CHECK(a.expose().find("n_total 5\n") != std::string::npos);
  CHECK(b.expose().find("n_total 1\n") != std::string::npos);
}

TEST_CASE("concurrent updates and scrapes lose nothing and always parse", "[metrics]") {
  registry r;
  auto& c = r.add_counter("c_total", "C.").with();
  auto& h = r.add_histogram("h_seconds", "H.", {"k"}).with({"v"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        c.inc();
        h.observe(0.001 * (i % 50));
      }
    });
  for (int i = 0; i < 50; ++i) REQUIRE_NOTHROW(xyn::test::parse_prometheus_text(r.expose()));
  for (auto& t : threads) t.join();
  auto parsed = xyn::test::parse_prometheus_text(r.expose());
  CHECK(parsed.value("c_total") == 80000);
  CHECK(parsed.value("h_seconds_count", {{"k", "v"}}) == 80000);
}

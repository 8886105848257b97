// The strict text-format parser of tests/support refuses what it should: a parser that
// accepted anything would make the /metrics checks worthless.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "tests/support/prometheus_text.hpp"

using xyn::test::parse_prometheus_text;

namespace {

const char* good =
    "# HELP req_total Requests.\n"
    "# TYPE req_total counter\n"
    "req_total{route=\"/v1/x\",code=\"200\"} 3\n"
    "req_total{route=\"/v1/x\",code=\"404\"} 1 1700000000000\n"
    "# TYPE up gauge\n"
    "up 1\n"
    "temp -Inf\n"
    "# HELP lat_seconds Latency \\\\ with a\\nnewline.\n"
    "# TYPE lat_seconds histogram\n"
    "lat_seconds_bucket{le=\"0.5\"} 1\n"
    "lat_seconds_bucket{le=\"1e+00\"} 2\n"
    "lat_seconds_bucket{le=\"+Inf\"} 2\n"
    "lat_seconds_sum 0.75\n"
    "lat_seconds_count 2\n"
    "odd{v=\"a\\\"b\\\\c\\nd\"} NaN\n";

// `good` with the first occurrence of `from` replaced by `to`.
std::string broken(const std::string& from, const std::string& to) {
  std::string s = good;
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("the parser reads a well-formed exposition", "[metrics][parser]") {
  auto t = parse_prometheus_text(good);
  CHECK(t.value("req_total", {{"route", "/v1/x"}, {"code", "200"}}) == 3);
  CHECK(t.sum("req_total", {{"route", "/v1/x"}}) == 4);
  CHECK(t.families.at("req_total").help == "Requests.");
  CHECK(t.families.at("lat_seconds").help == "Latency \\ with a\nnewline.");
  CHECK(t.families.at("temp").type == "untyped");
  CHECK(std::isinf(*t.value("temp")));
  CHECK(std::isnan(*t.value("odd", {{"v", "a\"b\\c\nd"}})));
  CHECK(t.value("lat_seconds_count") == 2);
  CHECK(parse_prometheus_text("").samples.empty());
}

TEST_CASE("the parser rejects broken lines", "[metrics][parser]") {
  auto rejects = [](const std::string& text) {
    INFO(text);
    CHECK_THROWS(parse_prometheus_text(text));
  };
  SECTION("layout") {
    rejects(std::string(good).substr(0, std::string(good).size() - 1));  // no trailing newline
    rejects(broken("up 1\n", "up 1\n\n"));                               // blank line
    rejects(broken("up 1\n", "# just a comment\nup 1\n"));
    rejects(broken("up 1", "up  1"));  // two spaces
    rejects(broken("up 1", "up\t1"));  // a tab
    rejects(broken("up 1", "up 1 "));  // trailing space, empty timestamp
  }
  SECTION("names and labels") {
    rejects(broken("up 1", "1up 1"));
    rejects(broken("up 1", "u-p 1"));
    rejects(broken("route=", "ro:ute="));
    rejects(broken("route=", "__route="));
    rejects(broken("route=\"/v1/x\",code=\"200\"", "route=\"/v1/x\",route=\"200\""));
    rejects(broken("code=\"200\"}", "code=\"200\",}"));
    rejects(broken("code=\"200\"}", "code=200}"));
    rejects(broken("code=\"200\"}", "code=\"200}"));
    rejects(broken("a\\\"b", "a\\tb"));  // unknown escape
  }
  SECTION("values and timestamps") {
    rejects(broken("up 1", "up one"));
    rejects(broken("up 1", "up 0x10"));
    rejects(broken("up 1", "up 1e"));
    rejects(broken("up 1", "up infinity"));
    rejects(broken("up 1", "up 1 12.5"));
    rejects(broken("up 1", "up"));
  }
  SECTION("types, help and grouping") {
    rejects(broken("# TYPE up gauge", "# TYPE up gauges"));
    rejects(broken("# TYPE up gauge\n", "# TYPE up gauge\n# TYPE up gauge\n"));
    rejects(broken("# HELP req_total Requests.\n",
                   "# HELP req_total Requests.\n# HELP req_total Again.\n"));
    rejects(broken("# TYPE up gauge\nup 1\n", "up 1\n# TYPE up gauge\n"));  // TYPE after samples
    rejects(std::string(good) + "req_total{route=\"/v1/y\",code=\"200\"} 1\n");  // second group
    rejects(broken("code=\"404\"} 1", "code=\"200\"} 1"));   // the same series twice
    rejects(broken("code=\"200\"} 3", "code=\"200\"} -3"));  // a negative counter
  }
  SECTION("histograms") {
    rejects(broken("le=\"+Inf\"} 2", "le=\"+Inf\"} 3"));                      // +Inf != _count
    rejects(broken("le=\"1e+00\"} 2", "le=\"1e+00\"} 0"));                    // not cumulative
    rejects(broken("le=\"1e+00\"", "le=\"0.25\""));                           // le not increasing
    rejects(broken("lat_seconds_bucket{le=\"+Inf\"} 2\n", ""));               // no +Inf
    rejects(broken("lat_seconds_sum 0.75\n", ""));                            // no _sum
    rejects(broken("lat_seconds_bucket{le=\"0.5\"}", "lat_seconds_bucket"));  // no le
    rejects(broken("lat_seconds_sum 0.75\n", "lat_seconds_sum 0.75\nlat_seconds 1\n"));
  }
}

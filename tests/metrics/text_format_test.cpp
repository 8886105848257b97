// The pieces of the text format: names, escaping, number spelling.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "runtime/metrics/text_format.hpp"

using namespace xyn::metrics;

TEST_CASE("metric and label names follow the text format's grammar", "[metrics]") {
  CHECK(valid_metric_name("xyn_service_executes_total"));
  CHECK(valid_metric_name("a:b_c"));
  CHECK(valid_metric_name("_x1"));
  CHECK_FALSE(valid_metric_name(""));
  CHECK_FALSE(valid_metric_name("1abc"));
  CHECK_FALSE(valid_metric_name("a-b"));
  CHECK_FALSE(valid_metric_name("a b"));
  CHECK(valid_label_name("service"));
  CHECK(valid_label_name("_x"));
  CHECK_FALSE(valid_label_name("a:b"));
  CHECK_FALSE(valid_label_name("__name__"));
  CHECK_FALSE(valid_label_name("9"));
}

TEST_CASE("label values escape backslash, quote and newline, help escapes no quote", "[metrics]") {
  CHECK(escape_label_value(R"(a\b"c)"
                           "\n"
                           "d") == R"(a\\b\"c\nd)");
  CHECK(escape_help(R"(say "hi" \ )"
                    "\n") == R"(say "hi" \\ \n)");
  CHECK(format_labels({"a", "b"}, {"x", "y\"z"}) == R"({a="x",b="y\"z"})");
  CHECK(format_labels({}, {}) == "");
  CHECK(format_labels({}, {}, "le", "+Inf") == R"({le="+Inf"})");
  CHECK(format_labels({"a"}, {"x"}, "le", "0.5") == R"({a="x",le="0.5"})");
}

TEST_CASE("values are spelled as the format wants", "[metrics]") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(42) == "42");
  CHECK(format_value(-3) == "-3");
  CHECK(format_value(0.25) == "0.25");
  CHECK(format_value(1e-7) == "1e-07");
  CHECK(format_value(1e300) == "1e+300");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_value(std::nan("")) == "NaN");
  CHECK(std::stod(format_value(0.1 + 0.2)) == 0.1 + 0.2);  // round-trips
}

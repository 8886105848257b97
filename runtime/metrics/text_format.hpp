#pragma once
// text_format.hpp — the small pieces of the Prometheus text exposition format 0.0.4 that the
// registry writes with: which names are valid, how help text and label values are escaped, and
// how a sample value is spelled (+Inf, -Inf, NaN; integers without an exponent).
// https://prometheus.io/docs/instrumenting/exposition_formats/

#include <string>
#include <string_view>
#include <vector>

namespace xyn::metrics {

// The Content-Type of a scrape answer.
inline constexpr std::string_view text_content_type = "text/plain; version=0.0.4; charset=utf-8";

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).
bool valid_label_name(std::string_view name);

// Help text: backslash -> \\, newline -> \n.
std::string escape_help(std::string_view text);
// Label values: backslash -> \\, double quote -> \", newline -> \n.
std::string escape_label_value(std::string_view value);

// "+Inf", "-Inf", "NaN"; an integral value below 2^53 without a fraction or exponent ("42");
// anything else in the shortest form that reads back to the same double ("0.25", "1e-07").
std::string format_value(double v);

// {name="value",...} for paired names and values (values escaped); "" when there are none.
// `extra_name`/`extra_value`, when non-empty, come last (a histogram's le label).
std::string format_labels(const std::vector<std::string>& names,
                          const std::vector<std::string>& values, std::string_view extra_name = {},
                          std::string_view extra_value = {});

// Appends one sample line: name{labels} value\n.
void append_sample(std::string& out, std::string_view name, std::string_view labels, double value);

}  // namespace xyn::metrics

#pragma once
// prometheus_text.hpp — a strict parser of the Prometheus text exposition format 0.0.4, for
// tests (promtool is not available). It accepts a subset of what Prometheus accepts and
// refuses, naming the line, anything our /metrics should never write:
//   - every line is "# HELP name text", "# TYPE name counter|gauge|histogram|summary|untyped"
//     or a sample "name{label=\"v\",...} value [timestamp]", fields separated by one space;
//     no blank lines, no other comments; the text ends with a newline (or is empty);
//   - names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*; label values
//     and help text use only the escapes \\ \" \n (help: \\ \n);
//   - values are decimal floats, +Inf, -Inf or NaN; a timestamp is an integer;
//   - one group of lines per family; TYPE at most once and before its samples; HELP at most
//     once; no series twice; counters are not negative;
//   - histograms: every series has _bucket lines with increasing le ending in le="+Inf",
//     counts non-decreasing, and _sum and _count, with the +Inf bucket equal to _count.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xyn::test {

struct prom_sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct prom_family {
  std::string type = "untyped";
  std::string help;
  bool has_help = false;
};

struct prom_text {
  std::vector<prom_sample> samples;             // in text order
  std::map<std::string, prom_family> families;  // by family name

  // The value of the series `name` whose labels are exactly `labels`; nullopt when absent.
  std::optional<double> value(const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels) return s.value;
    return std::nullopt;
  }
  // The sum over every series `name` whose labels include `subset`.
  double sum(const std::string& name, const std::map<std::string, std::string>& subset = {}) const {
    double total = 0;
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool match = std::all_of(subset.begin(), subset.end(), [&](const auto& kv) {
        auto it = s.labels.find(kv.first);
        return it != s.labels.end() && it->second == kv.second;
      });
      if (match) total += s.value;
    }
    return total;
  }
};

namespace prom_detail {

struct line_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline bool name_char(char c, bool colon, bool first) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
  return alpha || (!first && c >= '0' && c <= '9');
}

// Reads a name at `pos`; throws when there is none.
inline std::string read_name(std::string_view line, size_t& pos, bool colon, const char* what) {
  size_t start = pos;
  while (pos < line.size() && name_char(line[pos], colon, pos == start)) ++pos;
  if (pos == start) throw line_error(std::string("expected a ") + what);
  return std::string(line.substr(start, pos - start));
}

inline double parse_value(std::string_view s) {
  if (s == "+Inf" || s == "Inf") return HUGE_VAL;
  if (s == "-Inf") return -HUGE_VAL;
  if (s == "NaN") return NAN;
  // [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) throw line_error("'" + std::string(s) + "' is not a number");
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp;
    if (exp == 0) throw line_error("'" + std::string(s) + "' has an empty exponent");
  }
  if (i != s.size()) throw line_error("'" + std::string(s) + "' is not a number");
  return std::strtod(std::string(s).c_str(), nullptr);
}

inline void check_timestamp(std::string_view s) {
  size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  if (i == s.size()) throw line_error("empty timestamp");
  for (; i < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i])))
      throw line_error("timestamp '" + std::string(s) + "' is not an integer");
}

// Undoes the escapes `allowed` lists (each the character after the backslash).
inline std::string unescape(std::string_view s, std::string_view allowed) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (i + 1 == s.size() || allowed.find(s[i + 1]) == std::string_view::npos)
      throw line_error("bad escape in '" + std::string(s) + "'");
    ++i;
    out += s[i] == 'n' ? '\n' : s[i];
  }
  return out;
}

inline std::map<std::string, std::string> read_labels(std::string_view line, size_t& pos) {
  std::map<std::string, std::string> labels;
  ++pos;  // '{'
  if (pos < line.size() && line[pos] == '}') {
    ++pos;
    return labels;
  }
  for (;;) {
    auto name = read_name(line, pos, false, "label name");
    if (name.rfind("__", 0) == 0) throw line_error("label name '" + name + "' is reserved");
    if (pos + 1 >= line.size() || line[pos] != '=' || line[pos + 1] != '"')
      throw line_error("expected =\" after label " + name);
    pos += 2;
    size_t start = pos;
    while (pos < line.size() && line[pos] != '"') pos += line[pos] == '\\' ? 2 : 1;
    if (pos >= line.size()) throw line_error("unterminated value of label " + name);
    auto value = unescape(line.substr(start, pos - start), "\\\"n");
    ++pos;  // closing quote
    if (!labels.emplace(name, std::move(value)).second)
      throw line_error("label " + name + " given twice");
    if (pos < line.size() && line[pos] == ',') {
      ++pos;
      continue;
    }
    if (pos < line.size() && line[pos] == '}') {
      ++pos;
      return labels;
    }
    throw line_error("expected , or } after label " + name);
  }
}

inline prom_sample read_sample(std::string_view line) {
  prom_sample s;
  size_t pos = 0;
  s.name = read_name(line, pos, true, "metric name");
  if (pos < line.size() && line[pos] == '{') s.labels = read_labels(line, pos);
  if (pos >= line.size() || line[pos] != ' ')
    throw line_error("expected one space before the value");
  auto rest = line.substr(pos + 1);
  auto space = rest.find(' ');
  s.value = parse_value(rest.substr(0, space));
  if (space != std::string_view::npos) check_timestamp(rest.substr(space + 1));
  return s;
}

// The family a sample belongs to: name minus a histogram/summary suffix when that family is
// declared as such.
inline std::string family_of(const std::string& name,
                             const std::map<std::string, prom_family>& families) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    auto base = name.substr(0, name.size() - suffix.size());
    auto it = families.find(base);
    if (it == families.end()) continue;
    if (it->second.type == "histogram" || (it->second.type == "summary" && suffix != "_bucket"))
      return base;
  }
  return name;
}

struct histogram_series {
  std::vector<std::pair<double, double>> buckets;  // (le, count) in text order
  std::optional<double> sum, count;
};

inline void check_histograms(const prom_text& out) {
  std::map<std::string, histogram_series> series;  // family + labels without le
  for (const auto& s : out.samples) {
    auto fam = family_of(s.name, out.families);
    if (fam == s.name || out.families.at(fam).type != "histogram") continue;
    auto labels = s.labels;
    std::string le;
    if (s.name == fam + "_bucket") {
      auto it = labels.find("le");
      if (it == labels.end()) throw line_error(s.name + ": a bucket without le");
      le = it->second;
      labels.erase(it);
    }
    std::string key = fam + "{";
    for (const auto& [k, v] : labels) key += k + "=" + v + ",";
    auto& h = series[key];
    if (s.name == fam + "_bucket")
      h.buckets.emplace_back(parse_value(le), s.value);
    else if (s.name == fam + "_sum")
      h.sum = s.value;
    else
      h.count = s.value;
  }
  for (const auto& [key, h] : series) {
    if (h.buckets.empty() || !h.sum || !h.count)
      throw line_error(key + "}: a histogram needs _bucket, _sum and _count");
    for (size_t i = 1; i < h.buckets.size(); ++i) {
      if (!(h.buckets[i].first > h.buckets[i - 1].first))
        throw line_error(key + "}: le bounds are not increasing");
      if (h.buckets[i].second < h.buckets[i - 1].second)
        throw line_error(key + "}: bucket counts are not cumulative");
    }
    if (!std::isinf(h.buckets.back().first)) throw line_error(key + "}: no le=\"+Inf\" bucket");
    if (h.buckets.back().second != *h.count)
      throw line_error(key + "}: le=\"+Inf\" differs from _count");
  }
}

}  // namespace prom_detail

// Parses `text` strictly (see the top of this file); throws std::runtime_error "line N: why".
inline prom_text parse_prometheus_text(std::string_view text) {
  using namespace prom_detail;
  prom_text out;
  if (!text.empty() && text.back() != '\n') throw std::runtime_error("no trailing newline");
  std::set<std::string> series_seen, typed, closed_families;
  std::string current;  // the family whose lines are being read
  size_t line_no = 0;
  auto enter = [&](const std::string& fam) {
    if (fam == current) return;
    if (closed_families.count(fam)) throw line_error("family " + fam + " appears in two groups");
    if (!current.empty()) closed_families.insert(current);
    current = fam;
  };
  size_t start = 0;
  try {
    while (start < text.size()) {
      ++line_no;
      auto end = text.find('\n', start);
      auto line = text.substr(start, end - start);
      start = end + 1;
      if (line.empty()) throw line_error("blank line");
      if (line[0] == '#') {
        bool help = line.rfind("# HELP ", 0) == 0, type = line.rfind("# TYPE ", 0) == 0;
        if (!help && !type) throw line_error("a comment that is neither # HELP nor # TYPE");
        size_t pos = 7;
        auto name = read_name(line, pos, true, "metric name");
        if (pos >= line.size() || line[pos] != ' ')
          throw line_error("expected a space after " + name);
        auto rest = line.substr(pos + 1);
        enter(name);
        auto& fam = out.families[name];
        if (help) {
          if (fam.has_help) throw line_error("second HELP for " + name);
          fam.help = unescape(rest, "\\n");
          fam.has_help = true;
          continue;
        }
        static const std::set<std::string_view> types = {"counter", "gauge", "histogram", "summary",
                                                         "untyped"};
        if (!types.count(rest)) throw line_error("unknown type '" + std::string(rest) + "'");
        if (!typed.insert(name).second) throw line_error("second TYPE for " + name);
        if (std::any_of(out.samples.begin(), out.samples.end(), [&](const prom_sample& s) {
              return family_of(s.name, out.families) == name;
            }))
          throw line_error("TYPE for " + name + " after its samples");
        fam.type = std::string(rest);
        continue;
      }
      auto s = read_sample(line);
      auto fam = family_of(s.name, out.families);
      enter(fam);
      out.families[fam];  // an untyped family when nothing declared it
      std::string key = s.name + "{";
      for (const auto& [k, v] : s.labels) key += k + "=\"" + v + "\",";
      if (!series_seen.insert(key).second) throw line_error("series " + key + "} appears twice");
      if (out.families[fam].type == "counter" && !(s.value >= 0))
        throw line_error("counter " + s.name + " is negative or NaN");
      if (out.families[fam].type == "histogram" && s.name == fam)
        throw line_error("histogram " + fam + " has a sample without _bucket/_sum/_count");
      out.samples.push_back(std::move(s));
    }
    line_no = 0;
    check_histograms(out);
  } catch (const line_error& e) {
    throw std::runtime_error(line_no ? "line " + std::to_string(line_no) + ": " + e.what()
                                     : std::string(e.what()));
  }
  return out;
}

}  // namespace xyn::test

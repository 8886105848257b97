#include "actors/services/cron.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace xyn::actors::cron {

namespace {

constexpr int64_t minute_ms = 60000;
// A cron that has not fired within this span never will (e.g. "0 0 30 2 *"); leap days need
// at most 8 years (1896 -> 1904), so 10 is enough.
constexpr int max_search_years = 10;

int name_value(std::string_view s, const char* const* names, int first) {
  if (names == nullptr || s.size() != 3) return -1;
  for (int i = 0; names[i]; ++i) {
    bool eq = true;
    for (int k = 0; k < 3; ++k)
      eq = eq && std::tolower(static_cast<unsigned char>(s[k])) == names[i][k];
    if (eq) return first + i;
  }
  return -1;
}

// A number or a name; -1 when it is neither.
int parse_value(std::string_view s, const char* const* names, int first) {
  if (s.empty() || s.size() > 4) return -1;
  if (std::all_of(s.begin(), s.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::stoi(std::string(s));
  return name_value(s, names, first);
}

// Parses one field into a bit set over [lo, hi]; on error returns false with `why`.
bool parse_field(std::string_view field, int lo, int hi, const char* const* names, int name_first,
                 uint64_t& bits, std::string& why) {
  bits = 0;
  if (field.empty()) {
    why = "empty field";
    return false;
  }
  size_t pos = 0;
  while (pos <= field.size()) {
    size_t comma = field.find(',', pos);
    if (comma == std::string_view::npos) comma = field.size();
    std::string_view item = field.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty()) {
      why = "empty list item in '" + std::string(field) + "'";
      return false;
    }
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      std::string_view s = item.substr(slash + 1);
      int v =
          s.empty() || s.size() > 4 ||
                  !std::all_of(s.begin(), s.end(),
                               [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })
              ? -1
              : std::stoi(std::string(s));
      if (v < 1) {
        why = "bad step in '" + std::string(item) + "'";
        return false;
      }
      step = v;
      item = item.substr(0, slash);
    }
    int a, b;
    if (item == "*") {
      a = lo;
      b = hi;
    } else if (auto dash = item.find('-'); dash != std::string_view::npos) {
      a = parse_value(item.substr(0, dash), names, name_first);
      b = parse_value(item.substr(dash + 1), names, name_first);
      if (a < 0 || b < 0) {
        why = "bad range '" + std::string(item) + "'";
        return false;
      }
    } else {
      a = parse_value(item, names, name_first);
      if (a < 0) {
        why = "bad value '" + std::string(item) + "'";
        return false;
      }
      b = step > 1 ? hi : a;  // "5/15" means 5, 20, 35, 50
    }
    if (a < lo || b > hi || a > b) {
      why = "'" + std::string(item) + "' is outside " + std::to_string(lo) + "-" +
            std::to_string(hi) + (a > b ? " or reversed" : "");
      return false;
    }
    for (int v = a; v <= b; v += step) bits |= uint64_t{1} << v;
  }
  return true;
}

// Parses a cron expression; on error returns false with the reason in `why`.
}  // namespace

bool parse_cron(const std::string& raw, cron_expr& out, std::string& why) {
  std::string expr = raw;
  if (expr == "@yearly" || expr == "@annually")
    expr = "0 0 1 1 *";
  else if (expr == "@monthly")
    expr = "0 0 1 * *";
  else if (expr == "@weekly")
    expr = "0 0 * * 0";
  else if (expr == "@daily" || expr == "@midnight")
    expr = "0 0 * * *";
  else if (expr == "@hourly")
    expr = "0 * * * *";
  std::vector<std::string> fields;
  std::string cur;
  for (char c : expr) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) fields.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) fields.push_back(std::move(cur));
  if (fields.size() != 5) {
    why = "needs 5 fields (minute hour day-of-month month day-of-week), got " +
          std::to_string(fields.size());
    return false;
  }
  static const char* const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",  "jul",
                                            "aug", "sep", "oct", "nov", "dec", nullptr};
  static const char* const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", nullptr};
  static const char* const labels[] = {"minute", "hour", "day-of-month", "month", "day-of-week"};
  uint64_t bits[5];
  const int lo[] = {0, 0, 1, 1, 0}, hi[] = {59, 23, 31, 12, 7};
  const char* const* names[] = {nullptr, nullptr, nullptr, month_names, day_names};
  const int name_first[] = {0, 0, 0, 1, 0};
  for (int i = 0; i < 5; ++i) {
    if (!parse_field(fields[i], lo[i], hi[i], names[i], name_first[i], bits[i], why)) {
      why = std::string(labels[i]) + " field: " + why;
      return false;
    }
  }
  out.minutes = bits[0];
  out.hours = static_cast<uint32_t>(bits[1]);
  out.days = static_cast<uint32_t>(bits[2]);
  out.months = static_cast<uint32_t>(bits[3]);
  out.weekdays = static_cast<uint32_t>((bits[4] | (bits[4] >> 7)) & 0x7F);  // 7 is Sunday too
  out.dom_restricted = fields[2][0] != '*';
  out.dow_restricted = fields[4][0] != '*';
  return true;
}

// The first minute strictly after `after_ms` that the expression matches, or -1 if none
// within max_search_years. Skips whole months, days and hours that cannot match.
int64_t next_fire(const cron_expr& c, int64_t after_ms) {
  int64_t t = after_ms - ((after_ms % minute_ms) + minute_ms) % minute_ms + minute_ms;
  const int64_t limit = t + int64_t{max_search_years} * 366 * 24 * 60 * minute_ms;
  while (t <= limit) {
    auto u = text::to_utc(t);
    if (!((c.months >> u.month) & 1)) {
      t = u.month == 12 ? text::from_utc(u.year + 1, 1, 1) : text::from_utc(u.year, u.month + 1, 1);
    } else if (!c.day_matches(u)) {
      t = text::from_utc(u.year, u.month, u.day) + 24 * 60 * minute_ms;
    } else if (!((c.hours >> u.hour) & 1)) {
      t = text::from_utc(u.year, u.month, u.day, u.hour) + 60 * minute_ms;
    } else if (!((c.minutes >> u.minute) & 1)) {
      t += minute_ms;
    } else {
      return t;
    }
  }
  return -1;
}

}  // namespace xyn::actors::cron

// qa-engine: content checks — Flesch readability, length, banned terms, required sections,
// and near-duplicates among the tenant's content-hub items (word 5-shingle Jaccard similarity).
// Keeps no state: an answer is computed from the params and, for duplicates, from content-hub's
// committed items (asked through ctx.ask).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"

namespace xyn::actors::services {

namespace {

// Counts of one text that the readability formulas need.
struct text_stats {
  std::vector<text::span> words;
  std::vector<text::span> sentences;
  int64_t syllables = 0;

  explicit text_stats(std::string_view s) : words(text::words(s)), sentences(text::sentences(s)) {
    for (const auto& w : words) syllables += text::syllables(w.text);
  }
  double words_per_sentence() const {
    return static_cast<double>(words.size()) / static_cast<double>(sentences.size());
  }
  double syllables_per_word() const {
    return static_cast<double>(syllables) / static_cast<double>(words.size());
  }
  bool empty() const { return words.empty(); }
  // Flesch (1948): 206.835 - 1.015 (words / sentences) - 84.6 (syllables / words).
  double reading_ease() const {
    return 206.835 - 1.015 * words_per_sentence() - 84.6 * syllables_per_word();
  }
  // Flesch-Kincaid grade level: 0.39 (words / sentences) + 11.8 (syllables / words) - 15.59.
  double grade() const { return 0.39 * words_per_sentence() + 11.8 * syllables_per_word() - 15.59; }
};

// Flesch's own bands.
const char* ease_band(double fre) {
  if (fre >= 90) return "very easy";
  if (fre >= 80) return "easy";
  if (fre >= 70) return "fairly easy";
  if (fre >= 60) return "standard";
  if (fre >= 50) return "fairly difficult";
  if (fre >= 30) return "difficult";
  return "very confusing";
}

bool is_alnum_at(const std::string& s, size_t i) {
  return i < s.size() && std::isalnum(static_cast<unsigned char>(s[i]));
}

// Byte offsets of whole-word, case-insensitive occurrences of `term` in `lower_text`.
std::vector<size_t> find_term(const std::string& lower_text, const std::string& term) {
  std::vector<size_t> hits;
  auto lower_term = text::to_lower(term);
  bool alnum_front = is_alnum_at(lower_term, 0);
  bool alnum_back = is_alnum_at(lower_term, lower_term.size() - 1);
  for (size_t pos = lower_text.find(lower_term); pos != std::string::npos;
       pos = lower_text.find(lower_term, pos + 1)) {
    size_t end = pos + lower_term.size();
    if (alnum_front && pos > 0 && is_alnum_at(lower_text, pos - 1)) continue;
    if (alnum_back && is_alnum_at(lower_text, end)) continue;
    hits.push_back(pos);
  }
  return hits;
}

// A line names a section when, stripped of Markdown heading marks, emphasis and a trailing
// colon, it equals the section's name (case-insensitive): "## Pricing", "Pricing:", "**Pricing**".
bool has_section(const std::string& body, const std::string& section) {
  auto want = text::to_lower(section);
  size_t b = 0;
  while (b <= body.size()) {
    size_t e = body.find('\n', b);
    if (e == std::string::npos) e = body.size();
    std::string line = text::to_lower(std::string_view(body).substr(b, e - b));
    auto strip = [&](const char* chars) {
      size_t f = line.find_first_not_of(chars);
      size_t l = line.find_last_not_of(chars);
      line = f == std::string::npos ? "" : line.substr(f, l - f + 1);
    };
    strip(" \t\r#*_");
    if (!line.empty() && line.back() == ':') line.pop_back();
    strip(" \t*_");
    if (line == want) return true;
    b = e + 1;
  }
  return false;
}

json issue(const char* kind, std::string message, json position) {
  return {{"kind", kind}, {"message", std::move(message)}, {"position", std::move(position)}};
}

// Near-duplicates are found on word shingles: every run of this many consecutive words.
constexpr size_t shingle_words = 5;
constexpr double default_duplicate_threshold = 0.5;

// A text's words (as a reader counts them, lower-cased) and its shingles in order; a text of
// fewer than shingle_words words is one shingle of all of them.
struct shingled {
  std::vector<text::span> words;
  std::vector<std::string> shingles;

  explicit shingled(std::string_view s) : words(text::words(s)) {
    for (auto& w : words) w.text = text::to_lower(w.text);
    size_t n = words.empty()                  ? 0
               : words.size() < shingle_words ? 1
                                              : words.size() - shingle_words + 1;
    for (size_t i = 0; i < n; ++i) {
      std::string sh;
      for (size_t j = i; j < std::min(words.size(), i + shingle_words); ++j)
        sh += (j == i ? "" : " ") + words[j].text;
      shingles.push_back(std::move(sh));
    }
  }
  // Byte range of shingles first..last in the text.
  std::pair<size_t, size_t> range(size_t first, size_t last) const {
    const auto& end = words[std::min(words.size(), last + shingle_words) - 1];
    return {words[first].offset, end.offset + end.text.size()};
  }
};

// How `mine` overlaps one content item: Jaccard similarity of the shingle sets and the longest
// run of consecutive shingles of `mine` that the item also has (the copied passage).
json compare(const shingled& mine, const std::string& body, const shingled& theirs) {
  std::set<std::string> a(mine.shingles.begin(), mine.shingles.end());
  std::map<std::string, size_t> b;  // shingle -> first index in the item
  for (size_t i = 0; i < theirs.shingles.size(); ++i) b.emplace(theirs.shingles[i], i);
  size_t common = 0;
  for (const auto& sh : a) common += b.count(sh);
  double jaccard = static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
  size_t best_first = 0, best_len = 0, run = 0;
  for (size_t i = 0; i < mine.shingles.size(); ++i) {
    run = b.count(mine.shingles[i]) ? run + 1 : 0;
    if (run > best_len) best_len = run, best_first = i + 1 - run;
  }
  json out = {{"similarity", std::round(jaccard * 1000) / 1000}, {"shared_shingles", common}};
  if (best_len > 0) {
    auto [start, end] = mine.range(best_first, best_first + best_len - 1);
    auto item_start = theirs.words[b[mine.shingles[best_first]]].offset;
    out["span"] = {{"start", start},
                   {"end", end},
                   {"text", body.substr(start, end - start)},
                   {"item_start", item_start}};
  }
  return out;
}

struct duplicate_params {
  double threshold = default_duplicate_threshold;
  std::optional<std::string> exclude_id;
};

duplicate_params read_duplicate_params(param_reader& p) {
  duplicate_params d;
  d.threshold = p.number("duplicate_threshold", default_duplicate_threshold);
  d.exclude_id = p.optional_string("exclude_id");
  if (p.ok() && !(d.threshold > 0 && d.threshold <= 1))
    p.fail("duplicate_threshold", "must be more than 0 and at most 1");
  return d;
}

// The tenant's content-hub items (live, latest versions) at least `threshold` like `body`,
// most similar first: {id, version, title, similarity, shared_shingles, span?}.
outcome find_duplicates_in_hub(action_context& ctx, const std::string& body,
                               const duplicate_params& d) {
  auto items = ctx.ask("content-hub", "list", {{"with_body", true}});
  if (!items.ok) {
    items.message = "asking content-hub for the items to compare: " + items.message;
    return items;
  }
  shingled mine(body);
  json found = json::array();
  size_t compared = 0;
  for (const auto& item : items.output["items"]) {
    if (mine.shingles.empty() || item["id"] == d.exclude_id.value_or("")) continue;
    auto item_body = item["body"].get<std::string>();
    shingled theirs(item_body);
    if (theirs.shingles.empty()) continue;
    ++compared;
    json c = compare(mine, body, theirs);
    if (c["similarity"].get<double>() < d.threshold) continue;
    json row = {{"id", item["id"]}, {"version", item["version"]}, {"title", item["title"]}};
    row.update(c);
    found.push_back(std::move(row));
  }
  std::stable_sort(found.begin(), found.end(), [](const json& x, const json& y) {
    return x["similarity"].get<double>() > y["similarity"].get<double>();
  });
  return outcome::success({{"duplicates", std::move(found)},
                           {"compared", compared},
                           {"threshold", d.threshold},
                           {"shingle_words", shingle_words}});
}

// What fail_on_issues answers: the code qa_failed, the kinds of issue in the message, and the
// whole report as the output.
outcome failed_check(json report) {
  std::map<std::string, int> kinds;
  for (const auto& i : report["issues"]) ++kinds[i["kind"].get<std::string>()];
  std::string list;
  for (const auto& [kind, n] : kinds)
    list += (list.empty() ? "" : ", ") + kind + (n > 1 ? " x" + std::to_string(n) : "");
  auto out =
      outcome::failure("qa_failed", "the text has " + std::to_string(report["issues"].size()) +
                                        " issue(s): " + list);
  out.output = std::move(report);
  return out;
}

class qa_engine : public service {
 public:
  qa_engine()
      : service("qa-engine", "Content checks: readability, length, banned terms, duplicates") {
    auto check_schema = object_schema({{"text", "string"},
                                       {"min_words", "integer"},
                                       {"max_words", "integer"},
                                       {"banned_terms", "array"},
                                       {"required_sections", "array"},
                                       {"min_reading_ease", "number"}},
                                      {"text"});
    for (auto [name, type] :
         {std::pair{"duplicates", "boolean"}, std::pair{"duplicate_threshold", "number"},
          std::pair{"exclude_id", "string"}, std::pair{"fail_on_issues", "boolean"}})
      check_schema["properties"][name] = {{"type", type}};
    check_schema["properties"]["banned_terms"]["items"] = {{"type", "string"}};
    check_schema["properties"]["required_sections"]["items"] = {{"type", "string"}};
    add({"check",
         "Check a text; issues have a kind, a message and a byte position (or null). "
         "duplicates: true also compares it with the content-hub items; fail_on_issues: true "
         "turns any issue into the error qa_failed",
         check_schema, "", false, check});
    add({"readability", "Flesch reading ease, Flesch-Kincaid grade and the counts behind them",
         object_schema({{"text", "string"}}, {"text"}), "", false, readability});
    add({"find_duplicates",
         "Content-hub items whose body shares at least `duplicate_threshold` (default 0.5) of "
         "its 5-word shingles with the text (Jaccard), with the longest shared passage",
         object_schema(
             {{"text", "string"}, {"duplicate_threshold", "number"}, {"exclude_id", "string"}},
             {"text"}),
         "", false, find_duplicates});
  }

 private:
  static outcome check(action_context& ctx) {
    param_reader p(ctx.params);
    auto body = p.string("text");
    auto min_words = p.integer("min_words", 0);
    auto max_words = p.integer("max_words", -1);
    auto banned = p.strings("banned_terms", {});
    auto sections = p.strings("required_sections", {});
    bool has_min_ease = ctx.params.contains("min_reading_ease");
    auto min_ease = p.number("min_reading_ease", 0);
    if (p.ok() && min_words < 0) p.fail("min_words", "must not be negative");
    if (p.ok() && ctx.params.contains("max_words") && max_words < 0)
      p.fail("max_words", "must not be negative");
    if (p.ok() && max_words >= 0 && max_words < min_words)
      p.fail("max_words", "must not be less than min_words");
    for (const auto& t : banned)
      if (p.ok() && t.empty()) p.fail("banned_terms", "terms must not be empty");
    for (const auto& s : sections)
      if (p.ok() && s.empty()) p.fail("required_sections", "names must not be empty");
    bool duplicates = p.boolean("duplicates", false);
    auto dup = read_duplicate_params(p);
    bool fail_on_issues = p.boolean("fail_on_issues", false);
    if (!p.ok()) return p.failure();

    text_stats stats(body);
    json issues = json::array();
    auto n = static_cast<int64_t>(stats.words.size());
    if (n < min_words)
      issues.push_back(
          issue("too_short",
                std::to_string(n) + " words, fewer than the minimum " + std::to_string(min_words),
                nullptr));
    if (max_words >= 0 && n > max_words)
      issues.push_back(
          issue("too_long",
                std::to_string(n) + " words, more than the maximum " + std::to_string(max_words),
                stats.words[static_cast<size_t>(max_words)].offset));
    auto lower = text::to_lower(body);
    std::vector<std::pair<size_t, json>> found;
    for (const auto& t : banned)
      for (size_t pos : find_term(lower, t))
        found.emplace_back(pos, issue("banned_term", "banned term '" + t + "'", pos));
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [_, i] : found) issues.push_back(std::move(i));
    for (const auto& s : sections)
      if (!has_section(body, s))
        issues.push_back(
            issue("missing_section", "required section '" + s + "' is missing", nullptr));
    json ease = nullptr;
    if (!stats.empty()) {
      ease = text::round2(stats.reading_ease());
      if (has_min_ease && stats.reading_ease() < min_ease)
        issues.push_back(issue("hard_to_read",
                               "reading ease " + ease.dump() + " is below " + json(min_ease).dump(),
                               nullptr));
    }
    json report = {{"flesch_reading_ease", ease},
                   {"words", n},
                   {"sentences", stats.sentences.size()},
                   {"syllables", stats.syllables}};
    if (duplicates) {
      auto found = find_duplicates_in_hub(ctx, body, dup);
      if (!found.ok) return found;
      for (const auto& d : found.output["duplicates"])
        issues.push_back(
            issue("duplicate",
                  "shares " + std::to_string(std::lround(d["similarity"].get<double>() * 100)) +
                      "% of its 5-word phrases with content item '" + d["id"].get<std::string>() +
                      "' (version " + d["version"].dump() + ")",
                  d.contains("span") ? d["span"]["start"] : json(nullptr)));
      report["duplicates"] = found.output["duplicates"];
    }
    report["passed"] = issues.empty();
    report["issues"] = std::move(issues);
    if (fail_on_issues && !report["passed"].get<bool>()) return failed_check(std::move(report));
    return outcome::success(std::move(report));
  }

  static outcome find_duplicates(action_context& ctx) {
    param_reader p(ctx.params);
    auto body = p.string("text");
    auto dup = read_duplicate_params(p);
    if (!p.ok()) return p.failure();
    return find_duplicates_in_hub(ctx, body, dup);
  }

  static outcome readability(action_context& ctx) {
    param_reader p(ctx.params);
    auto body = p.string("text");
    if (!p.ok()) return p.failure();
    text_stats stats(body);
    if (stats.empty()) return outcome::failure("invalid_params", "field 'text': has no words");
    // The longest sentence by words: the first place to cut.
    const text::span* longest = nullptr;
    size_t longest_words = 0;
    for (const auto& s : stats.sentences) {
      size_t w = text::words(s.text).size();
      if (w > longest_words) {
        longest_words = w;
        longest = &s;
      }
    }
    double fre = stats.reading_ease();
    json out = {{"flesch_reading_ease", text::round2(fre)},
                {"flesch_kincaid_grade", text::round2(stats.grade())},
                {"band", ease_band(fre)},
                {"words", stats.words.size()},
                {"sentences", stats.sentences.size()},
                {"syllables", stats.syllables},
                {"words_per_sentence", text::round2(stats.words_per_sentence())},
                {"syllables_per_word", text::round2(stats.syllables_per_word())}};
    if (longest)
      out["longest_sentence"] = {
          {"text", longest->text}, {"words", longest_words}, {"position", longest->offset}};
    return outcome::success(out);
  }
};

}  // namespace

std::unique_ptr<service> make_qa_engine() {
  return std::make_unique<qa_engine>();
}

}  // namespace xyn::actors::services

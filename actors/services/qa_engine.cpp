// qa-engine: content checks — Flesch readability, length, banned terms, required sections.
// Stateless: every answer is computed from the params alone.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"

namespace xyn::actors::services {

namespace {

double round2(double x) {
  return std::round(x * 100) / 100;
}

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

class qa_engine : public service {
 public:
  qa_engine() : service("qa-engine", "Content checks: readability, length, banned terms") {
    auto check_schema = object_schema({{"text", "string"},
                                       {"min_words", "integer"},
                                       {"max_words", "integer"},
                                       {"banned_terms", "array"},
                                       {"required_sections", "array"},
                                       {"min_reading_ease", "number"}},
                                      {"text"});
    check_schema["properties"]["banned_terms"]["items"] = {{"type", "string"}};
    check_schema["properties"]["required_sections"]["items"] = {{"type", "string"}};
    add({"check", "Check a text; issues have a kind, a message and a byte position (or null)",
         check_schema, "", false, check});
    add({"readability", "Flesch reading ease, Flesch-Kincaid grade and the counts behind them",
         object_schema({{"text", "string"}}, {"text"}), "", false, readability});
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
      ease = round2(stats.reading_ease());
      if (has_min_ease && stats.reading_ease() < min_ease)
        issues.push_back(issue("hard_to_read",
                               "reading ease " + ease.dump() + " is below " + json(min_ease).dump(),
                               nullptr));
    }
    return outcome::success({{"flesch_reading_ease", ease},
                             {"words", n},
                             {"sentences", stats.sentences.size()},
                             {"syllables", stats.syllables},
                             {"issues", issues},
                             {"passed", issues.empty()}});
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
    json out = {{"flesch_reading_ease", round2(fre)},
                {"flesch_kincaid_grade", round2(stats.grade())},
                {"band", ease_band(fre)},
                {"words", stats.words.size()},
                {"sentences", stats.sentences.size()},
                {"syllables", stats.syllables},
                {"words_per_sentence", round2(stats.words_per_sentence())},
                {"syllables_per_word", round2(stats.syllables_per_word())}};
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

// internal-ai-service: local, deterministic text work — template generation with {{slots}},
// extractive summaries by term-frequency sentence scoring, keywords, and lexicon sentiment.
// Stateless; no model and no network: the same input always gives the same output.
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

constexpr size_t max_output_bytes = 1 << 20;

double round4(double x) {
  return std::round(x * 10000) / 10000;
}

// Words that carry the content of a text: tokens of 3+ characters, not stopwords, not numbers.
bool is_content_word(const std::string& t) {
  if (t.size() < 3 || text::is_stopword(t)) return false;
  return !std::all_of(t.begin(), t.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// Looks up "a.b.c" in nested slot objects; null when any part is absent or null.
const json* find_slot(const json& slots, const std::string& path) {
  const json* cur = &slots;
  size_t b = 0;
  while (true) {
    size_t dot = path.find('.', b);
    std::string part = path.substr(b, dot == std::string::npos ? std::string::npos : dot - b);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(part);
    if (it == cur->end() || it->is_null()) return nullptr;
    cur = &*it;
    if (dot == std::string::npos) return cur;
    b = dot + 1;
  }
}

// A small sentiment lexicon: general-purpose English with the words of product feedback.
const std::set<std::string, std::less<>>& positive_words() {
  static const std::set<std::string, std::less<>> words = {
      "amazing",   "awesome",   "beautiful", "best",       "better",   "brilliant",  "delight",
      "delighted", "easy",      "effective", "efficient",  "enjoy",    "enjoyed",    "excellent",
      "excited",   "fantastic", "fast",      "favorite",   "fine",     "glad",       "good",
      "great",     "happy",     "helpful",   "impressive", "improved", "like",       "liked",
      "love",      "loved",     "nice",      "perfect",    "pleased",  "positive",   "recommend",
      "reliable",  "satisfied", "smooth",    "solid",      "success",  "successful", "superb",
      "thank",     "thanks",    "useful",    "valuable",   "win",      "wonderful",  "works"};
  return words;
}
const std::set<std::string, std::less<>>& negative_words() {
  static const std::set<std::string, std::less<>> words = {
      "angry",         "annoying",   "awful",       "bad",        "broken",   "bug",
      "buggy",         "confusing",  "crash",       "crashed",    "crashes",  "disappointed",
      "disappointing", "difficult",  "expensive",   "fail",       "failed",   "failure",
      "fails",         "frustrated", "frustrating", "hard",       "hate",     "hated",
      "horrible",      "issue",      "poor",        "problem",    "refund",   "sad",
      "slow",          "terrible",   "unhappy",     "unreliable", "unusable", "useless",
      "worse",         "worst",      "wrong"};
  return words;
}
bool is_negator(const std::string& w) {
  static const std::set<std::string, std::less<>> words = {
      "not",     "no",    "never", "don't",  "doesn't",  "didn't", "isn't",   "wasn't", "aren't",
      "weren't", "won't", "can't", "cannot", "couldn't", "hardly", "without", "nothing"};
  return words.count(w) > 0;
}

class internal_ai_service : public service {
 public:
  internal_ai_service()
      : service("internal-ai-service", "Local generation, summaries, keywords, sentiment") {
    add({"generate", "Fill {{slot}} (or {{a.b}}) placeholders of a template from slots",
         object_schema({{"template", "string"}, {"slots", "object"}}, {"template"}), "", false,
         generate});
    add({"summarize", "Extractive summary: the sentences richest in the text's frequent words",
         object_schema({{"text", "string"}, {"sentences", "integer"}}, {"text"}), "", false,
         summarize});
    add({"keywords", "The most frequent content words (stopwords and numbers left out)",
         object_schema({{"text", "string"}, {"count", "integer"}}, {"text"}), "", false, keywords});
    add({"sentiment", "Lexicon sentiment in [-1, 1] with negation, and its label",
         object_schema({{"text", "string"}}, {"text"}), "", false, sentiment});
  }

 private:
  static outcome generate(action_context& ctx) {
    param_reader p(ctx.params);
    auto tpl = p.string("template");
    auto slots = p.object("slots", json::object());
    if (!p.ok()) return p.failure();
    std::string out;
    json used = json::array();
    size_t pos = 0;
    while (true) {
      size_t open = tpl.find("{{", pos);
      if (open == std::string::npos) {
        out.append(tpl, pos, std::string::npos);
        break;
      }
      out.append(tpl, pos, open - pos);
      size_t close = tpl.find("}}", open + 2);
      if (close == std::string::npos)
        return outcome::failure("invalid_params", "field 'template': '{{' at byte " +
                                                      std::to_string(open) + " is never closed");
      std::string name = tpl.substr(open + 2, close - open - 2);
      size_t b = name.find_first_not_of(" \t"), e = name.find_last_not_of(" \t");
      name = b == std::string::npos ? "" : name.substr(b, e - b + 1);
      bool valid =
          !name.empty() && name.front() != '.' && name.back() != '.' &&
          std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
          });
      if (!valid)
        return outcome::failure("invalid_params", "field 'template': bad slot name '" + name +
                                                      "' at byte " + std::to_string(open));
      const json* v = find_slot(slots, name);
      if (v == nullptr)
        return outcome::failure("invalid_params",
                                "field 'slots." + name + "': missing, the template uses it");
      out += v->is_string() ? v->get<std::string>() : v->dump();
      // A short template repeating a long slot could otherwise ask for any amount of memory.
      if (out.size() > max_output_bytes)
        return outcome::failure(
            "too_large", "generated text exceeds " + std::to_string(max_output_bytes) + " bytes");
      if (std::find(used.begin(), used.end(), name) == used.end()) used.push_back(name);
      pos = close + 2;
    }
    return outcome::success({{"text", out}, {"slots_used", used}});
  }

  static outcome summarize(action_context& ctx) {
    param_reader p(ctx.params);
    auto body = p.string("text");
    auto want = p.integer("sentences", 3);
    if (p.ok() && want < 1) p.fail("sentences", "must be at least 1");
    if (!p.ok()) return p.failure();
    auto sentences = text::sentences(body);
    if (sentences.empty())
      return outcome::failure("invalid_params", "field 'text': has no sentences");
    // Term frequency over the whole text, normalized by the most frequent term; a sentence
    // scores the sum of its content words' normalized frequencies.
    std::map<std::string, int> tf;
    std::vector<std::vector<std::string>> words(sentences.size());
    for (size_t i = 0; i < sentences.size(); ++i)
      for (auto& t : text::tokens(sentences[i].text))
        if (is_content_word(t)) {
          ++tf[t];
          words[i].push_back(std::move(t));
        }
    int max_tf = 1;
    for (const auto& [_, n] : tf) max_tf = std::max(max_tf, n);
    std::vector<std::pair<double, size_t>> scored;
    for (size_t i = 0; i < sentences.size(); ++i) {
      double s = 0;
      for (const auto& w : words[i]) s += static_cast<double>(tf[w]) / max_tf;
      scored.emplace_back(s, i);
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    scored.resize(std::min(scored.size(), static_cast<size_t>(want)));
    std::sort(scored.begin(), scored.end(),
              [](const auto& a, const auto& b) { return a.second < b.second; });
    std::string summary;
    json picked = json::array();
    for (const auto& [score, i] : scored) {
      summary += (summary.empty() ? "" : " ") + sentences[i].text;
      picked.push_back({{"index", i}, {"text", sentences[i].text}, {"score", round4(score)}});
    }
    return outcome::success(
        {{"summary", summary}, {"sentences", picked}, {"total_sentences", sentences.size()}});
  }

  static outcome keywords(action_context& ctx) {
    param_reader p(ctx.params);
    auto body = p.string("text");
    auto count = p.integer("count", 10);
    if (p.ok() && count < 1) p.fail("count", "must be at least 1");
    if (!p.ok()) return p.failure();
    std::map<std::string, int> tf;
    int total = 0;
    for (auto& t : text::tokens(body))
      if (is_content_word(t)) {
        ++tf[t];
        ++total;
      }
    std::vector<std::pair<std::string, int>> ranked(tf.begin(), tf.end());
    // Most frequent first; ties alphabetical (the map's order, kept by the stable sort).
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    json out = json::array();
    for (const auto& [term, n] : ranked) {
      if (static_cast<int64_t>(out.size()) >= count) break;
      out.push_back(
          {{"term", term}, {"count", n}, {"frequency", round4(static_cast<double>(n) / total)}});
    }
    return outcome::success({{"keywords", out}, {"content_words", total}});
  }

  // Each lexicon word counts +1 or -1, flipped when one of the two words before it negates
  // ("not good", "never really happy"). score = (positive - negative) / (positive + negative);
  // above 0.2 is positive, below -0.2 negative, else neutral (also when nothing matched).
  static outcome sentiment(action_context& ctx) {
    param_reader p(ctx.params);
    auto body = p.string("text");
    if (!p.ok()) return p.failure();
    auto ws = text::words(body);
    std::vector<std::string> lower;
    for (const auto& w : ws) {
      auto l = text::to_lower(w.text);
      // Typographic apostrophes (U+2019) read as ASCII ones for the negator list.
      for (size_t k; (k = l.find("\xE2\x80\x99")) != std::string::npos;) l.replace(k, 3, "'");
      lower.push_back(std::move(l));
    }
    int pos = 0, neg = 0;
    json matches = json::array();
    for (size_t i = 0; i < lower.size(); ++i) {
      int polarity = positive_words().count(lower[i])   ? 1
                     : negative_words().count(lower[i]) ? -1
                                                        : 0;
      if (polarity == 0) continue;
      bool negated = (i >= 1 && is_negator(lower[i - 1])) || (i >= 2 && is_negator(lower[i - 2]));
      if (negated) polarity = -polarity;
      (polarity > 0 ? pos : neg) += 1;
      matches.push_back({{"word", ws[i].text},
                         {"polarity", polarity},
                         {"negated", negated},
                         {"position", ws[i].offset}});
    }
    double score = pos + neg == 0 ? 0.0 : static_cast<double>(pos - neg) / (pos + neg);
    const char* label = score > 0.2 ? "positive" : score < -0.2 ? "negative" : "neutral";
    return outcome::success({{"score", round4(score)},
                             {"label", label},
                             {"positive", pos},
                             {"negative", neg},
                             {"matches", matches}});
  }
};

}  // namespace

std::unique_ptr<service> make_internal_ai_service() {
  return std::make_unique<internal_ai_service>();
}

}  // namespace xyn::actors::services

#include "actors/assistant/classifier.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

namespace xyn::assistant {

namespace {

// Feature weights: whole words carry the meaning; pairs keep a little order ("cancel it" vs
// "it cancel"); character grams forgive typos ("lauch", "campain") and inflections.
constexpr double word_weight = 1.0;
constexpr double pair_weight = 0.7;
constexpr double gram_weight = 0.35;
// A label's score: its closest example (one good paraphrase is enough) and its centroid (many
// weakly similar examples add up).
constexpr double nearest_share = 0.6;

std::vector<std::string> words_of(std::string_view normalized) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : normalized) {
    if (c == ' ') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

double dot(const std::vector<std::pair<int, double>>& a,
           const std::vector<std::pair<int, double>>& b) {
  double sum = 0;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].first == b[j].first)
      sum += a[i++].second * b[j++].second;
    else if (a[i].first < b[j].first)
      ++i;
    else
      ++j;
  }
  return sum;
}

// Features of a normalized text with their weighted counts.
std::map<std::string, double> features_of(std::string_view normalized) {
  std::map<std::string, double> f;
  auto words = words_of(normalized);
  for (size_t i = 0; i < words.size(); ++i) {
    const auto& w = words[i];
    f["w:" + w] += word_weight;
    if (i + 1 < words.size()) f["b:" + w + "_" + words[i + 1]] += pair_weight;
    if (w[0] == '<' || w.size() < 3) continue;  // masks and tiny words have no useful grams
    std::string padded = "#" + w + "#";
    for (size_t n = 3; n <= 4; ++n)
      for (size_t k = 0; k + n <= padded.size(); ++k) f["c:" + padded.substr(k, n)] += gram_weight;
  }
  return f;
}

}  // namespace

std::string classifier::normalize(std::string_view full) const {
  auto text = full.substr(0, std::min(full.find(':'), full.size()));
  std::string lowered;
  lowered.reserve(text.size());
  // Names are masked first, from the original casing (they are found by their capitals).
  auto names = find_names(text);
  size_t next_name = 0;
  for (size_t i = 0; i < text.size();) {
    if (next_name < names.size() && names[next_name].offset == i &&
        text.substr(i, names[next_name].text.size()) == names[next_name].text) {
      lowered += " <name> ";
      i += names[next_name].text.size();
      ++next_name;
      continue;
    }
    while (next_name < names.size() && names[next_name].offset < i) ++next_name;
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\'' || c == 0xE2) {  // apostrophes (ASCII and the UTF-8 curly one) join words
      if (c == 0xE2 && i + 2 < text.size()) i += 2;
      ++i;
      continue;
    }
    lowered.push_back(std::isalnum(c) || c >= 0x80 ? static_cast<char>(std::tolower(c)) : ' ');
    ++i;
  }
  // Any word with a digit is a number, an amount, a date or an id: one mask for all. Vocabulary
  // phrases become their kind, longest first.
  auto words = words_of(lowered);
  std::string out;
  for (size_t i = 0; i < words.size();) {
    std::string word = words[i];
    size_t used = 1;
    for (size_t n = std::min(longest_mask_, words.size() - i); n >= 1; --n) {
      std::string phrase = words[i];
      for (size_t k = 1; k < n; ++k) phrase += " " + words[i + k];
      if (auto it = masks_.find(phrase); it != masks_.end()) {
        word = it->second;
        used = n;
        break;
      }
    }
    if (std::any_of(word.begin(), word.end(), [](unsigned char c) { return std::isdigit(c); }))
      word = "<num>";
    if (!out.empty()) out.push_back(' ');
    out += word;
    i += used;
  }
  return out;
}

classifier::sparse classifier::vectorize(std::string_view text) const {
  sparse v;
  double unseen = 0;
  const double rare_idf = idf_.empty() ? 1.0 : *std::max_element(idf_.begin(), idf_.end());
  for (const auto& [name, count] : features_of(normalize(text))) {
    auto it = feature_ids_.find(name);
    if (it == feature_ids_.end()) {
      // Never seen in training: it cannot match anything, but it still dilutes the text, so
      // that mostly-unknown words score low (the "unknown" intent).
      unseen += std::pow(count * rare_idf, 2);
      continue;
    }
    v.emplace_back(it->second, count * idf_[static_cast<size_t>(it->second)]);
  }
  std::sort(v.begin(), v.end());
  double norm = unseen;
  for (const auto& [id, x] : v) norm += x * x;
  norm = std::sqrt(norm);
  if (norm > 0)
    for (auto& [id, x] : v) x /= norm;
  return v;
}

classifier::classifier(const lexicon& lex) {
  // Service names are masked only when unambiguous (canonical or several words): "reports"
  // or "marketing" alone say which template is meant.
  auto add_masks = [&](const gazetteer& g, const char* mask, bool single_words) {
    for (const auto& [canonical, aliases] : g) {
      std::vector<std::string> phrases = aliases;
      phrases.push_back(canonical);
      for (auto p : phrases) {
        std::replace(p.begin(), p.end(), '-', ' ');
        std::replace(p.begin(), p.end(), '_', ' ');
        auto words = words_of(p);
        if (words.empty() || (!single_words && words.size() < 2)) continue;
        std::string key;
        for (const auto& w : words) key += (key.empty() ? "" : " ") + w;
        masks_.emplace(key, mask);
        longest_mask_ = std::max(longest_mask_, words.size());
      }
    }
  };
  add_masks(lex.vocab.channels, "<channel>", true);
  add_masks(lex.vocab.plans, "<plan>", true);
  add_masks(lex.vocab.formats, "<format>", true);
  add_masks(lex.vocab.periods, "<period>", true);
  add_masks(lex.vocab.services, "<service>", false);
  const auto& examples = lex.examples;
  std::vector<std::map<std::string, double>> feats;
  std::map<std::string, int> doc_freq;
  for (const auto& e : examples) {
    feats.push_back(features_of(normalize(e.text)));
    for (const auto& [name, count] : feats.back()) ++doc_freq[name];
  }
  for (const auto& [name, df] : doc_freq) {
    feature_ids_.emplace(name, static_cast<int>(idf_.size()));
    idf_.push_back(std::log((1.0 + examples.size()) / (1.0 + df)) + 1.0);
  }
  std::map<std::string, size_t> label_index;
  for (size_t i = 0; i < examples.size(); ++i) {
    auto [it, fresh] = label_index.emplace(examples[i].label, labels_.size());
    if (fresh) {
      labels_.push_back(examples[i].label);
      examples_.emplace_back();
    }
    examples_[it->second].push_back(vectorize(examples[i].text));
  }
  for (const auto& group : examples_) {
    std::map<int, double> sum;
    for (const auto& v : group)
      for (const auto& [id, x] : v) sum[id] += x;
    double norm = 0;
    for (const auto& [id, x] : sum) norm += x * x;
    norm = std::sqrt(norm);
    sparse c(sum.begin(), sum.end());
    for (auto& [id, x] : c) x /= norm > 0 ? norm : 1;
    centroids_.push_back(std::move(c));
  }
}

std::vector<ranked_label> classifier::rank(std::string_view text) const {
  auto v = vectorize(text);
  std::vector<ranked_label> out;
  for (size_t l = 0; l < labels_.size(); ++l) {
    double nearest = 0;
    for (const auto& e : examples_[l]) nearest = std::max(nearest, dot(v, e));
    double score = nearest_share * nearest + (1 - nearest_share) * dot(v, centroids_[l]);
    out.push_back({labels_[l], score});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.score > b.score; });
  return out;
}

}  // namespace xyn::assistant

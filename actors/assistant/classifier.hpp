#pragma once
// classifier.hpp — which intent (or which workflow template) an utterance is, learned at start
// from the lexicon's examples: TF-IDF over words, word pairs and character 3- and 4-grams (so
// typos and inflections still land near their word), with names, numbers and vocabulary
// words masked so "launch Vega Watch on TikTok" and "launch Nova on email" look alike; text
// after a colon is content (an article, notes), not the request, and is left out. Each label scores
// by its nearest example and its centroid. Immutable after construction; any thread.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/assistant/lexicon.hpp"

namespace xyn::assistant {

struct ranked_label {
  std::string label;
  double score = 0;  // 0..1, cosine-based
};

class classifier {
 public:
  explicit classifier(const lexicon& lex);

  // Labels best first (every label once).
  std::vector<ranked_label> rank(std::string_view text) const;

  // The text as the model sees it (lower case, names, numbers and vocabulary masked).
  std::string normalize(std::string_view text) const;

 private:
  using sparse = std::vector<std::pair<int, double>>;  // sorted by feature id, unit length
  sparse vectorize(std::string_view text) const;

  // Vocabulary phrases ("linked in", "last month") -> their mask ("<channel>", "<period>").
  std::unordered_map<std::string, std::string> masks_;
  size_t longest_mask_ = 1;  // in words
  std::unordered_map<std::string, int> feature_ids_;
  std::vector<double> idf_;
  std::vector<std::string> labels_;
  std::vector<std::vector<sparse>> examples_;  // per label
  std::vector<sparse> centroids_;              // per label
};

}  // namespace xyn::assistant

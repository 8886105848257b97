#include "actors/services/text.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <iterator>

namespace xyn::actors::text {

namespace {

bool is_word_byte(unsigned char c) {
  return std::isalnum(c) || c >= 0x80;
}
bool is_space(unsigned char c) {
  return std::isspace(c) != 0;
}
bool is_vowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

// Trims [b, e) and appends it when it holds a word character.
void push_trimmed(std::string_view s, size_t b, size_t e, std::vector<span>& out) {
  while (b < e && is_space(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && is_space(static_cast<unsigned char>(s[e - 1]))) --e;
  bool has_word = false;
  for (size_t i = b; i < e && !has_word; ++i)
    has_word = is_word_byte(static_cast<unsigned char>(s[i]));
  if (has_word) out.push_back({std::string(s.substr(b, e - b)), b});
}

// Howard Hinnant's days_from_civil / civil_from_days: exact for every Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::vector<std::string> tokens(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (unsigned char c : s) {
    if (std::isalnum(c)) {
      cur.push_back(static_cast<char>(std::tolower(c)));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::vector<span> words(std::string_view s) {
  std::vector<span> out;
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    if (!is_word_byte(static_cast<unsigned char>(s[i]))) {
      ++i;
      continue;
    }
    size_t b = i;
    while (i < n) {
      auto c = static_cast<unsigned char>(s[i]);
      if (is_word_byte(c)) {
        ++i;
      } else if ((c == '\'' || c == '-') && i + 1 < n &&
                 is_word_byte(static_cast<unsigned char>(s[i + 1]))) {
        ++i;
      } else {
        break;
      }
    }
    out.push_back({std::string(s.substr(b, i - b)), b});
  }
  return out;
}

std::vector<span> sentences(std::string_view s) {
  std::vector<span> out;
  const size_t n = s.size();
  size_t start = 0, i = 0;
  auto is_end = [](char c) { return c == '.' || c == '!' || c == '?'; };
  auto is_closer = [](char c) { return c == '"' || c == '\'' || c == ')' || c == ']'; };
  while (i < n) {
    char c = s[i];
    if (is_end(c)) {
      size_t j = i;
      while (j < n && is_end(s[j])) ++j;
      while (j < n && is_closer(s[j])) ++j;
      if (j == n || is_space(static_cast<unsigned char>(s[j]))) {
        push_trimmed(s, start, j, out);
        start = j;
      }
      i = j;
    } else if (c == '\n') {
      size_t k = i + 1;
      while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r')) ++k;
      if (k < n && s[k] == '\n') {
        push_trimmed(s, start, i, out);
        start = k;
        i = k;
      } else {
        ++i;
      }
    } else {
      ++i;
    }
  }
  push_trimmed(s, start, n, out);
  return out;
}

int syllables(std::string_view word) {
  std::string w;
  for (unsigned char c : word)
    if (std::isalpha(c)) w.push_back(static_cast<char>(std::tolower(c)));
  if (w.size() <= 3) return 1;
  int count = 0;
  bool in_group = false;
  for (size_t i = 0; i < w.size(); ++i) {
    // A leading 'y' ("yes", "year") is a consonant.
    bool v = is_vowel(w[i]) && !(i == 0 && w[i] == 'y');
    if (v && !in_group) ++count;
    in_group = v;
  }
  const size_t n = w.size();
  auto ends_with = [&](std::string_view suffix) {
    return n >= suffix.size() && std::string_view(w).substr(n - suffix.size()) == suffix;
  };
  if (count > 1) {
    if (ends_with("le") && n >= 3 && !is_vowel(w[n - 3])) {
      // "little", "people": the final "le" is its own syllable.
    } else if (ends_with("e")) {
      --count;
    } else if (ends_with("es")) {
      char before = w[n - 3];
      bool syllabic = before == 's' || before == 'x' || before == 'z' || before == 'c' ||
                      before == 'g' ||
                      (before == 'h' && n >= 4 && (w[n - 4] == 'c' || w[n - 4] == 's'));
      if (!syllabic) --count;
    } else if (ends_with("ed")) {
      char before = w[n - 3];
      if (before != 't' && before != 'd') --count;
    }
  }
  return std::max(1, count);
}

bool is_stopword(std::string_view w) {
  static constexpr std::string_view list[] = {
      "a",      "about",  "above", "after",  "again",    "against",    "all",  "am",
      "an",     "and",    "any",   "are",    "as",       "at",         "be",   "because",
      "been",   "before", "being", "below",  "between",  "both",       "but",  "by",
      "can",    "could",  "did",   "do",     "does",     "doing",      "down", "during",
      "each",   "few",    "for",   "from",   "further",  "had",        "has",  "have",
      "having", "he",     "her",   "here",   "hers",     "herself",    "him",  "himself",
      "his",    "how",    "i",     "if",     "in",       "into",       "is",   "it",
      "its",    "itself", "just",  "me",     "more",     "most",       "my",   "myself",
      "no",     "nor",    "not",   "now",    "of",       "off",        "on",   "once",
      "only",   "or",     "other", "our",    "ours",     "ourselves",  "out",  "over",
      "own",    "same",   "she",   "should", "so",       "some",       "such", "than",
      "that",   "the",    "their", "theirs", "them",     "themselves", "then", "there",
      "these",  "they",   "this",  "those",  "through",  "to",         "too",  "under",
      "until",  "up",     "very",  "was",    "we",       "were",       "what", "when",
      "where",  "which",  "while", "who",    "whom",     "why",        "will", "with",
      "would",  "you",    "your",  "yours",  "yourself", "yourselves", "also"};
  static const auto sorted = [] {
    std::vector<std::string_view> copy(std::begin(list), std::end(list));
    std::sort(copy.begin(), copy.end());
    return copy;
  }();
  return std::binary_search(sorted.begin(), sorted.end(), w);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

double round2(double x) {
  return std::round(x * 100) / 100;
}

utc_time to_utc(int64_t unix_ms) {
  constexpr int64_t day_ms = 86400000;
  int64_t days = unix_ms / day_ms;
  int64_t rem = unix_ms % day_ms;
  if (rem < 0) {
    rem += day_ms;
    --days;
  }
  utc_time t;
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  t.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t.year = static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (t.month <= 2));
  t.weekday = static_cast<int>(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
  t.hour = static_cast<int>(rem / 3600000);
  t.minute = static_cast<int>(rem / 60000 % 60);
  t.second = static_cast<int>(rem / 1000 % 60);
  t.millisecond = static_cast<int>(rem % 1000);
  return t;
}

int64_t from_utc(int year, int month, int day, int hour, int minute, int second) {
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), 1) + (day - 1);
  return ((days * 24 + hour) * 60 + minute) * 60000 + int64_t{second} * 1000;
}

int days_in_month(int year, int month) {
  static constexpr int lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : lengths[month - 1];
}

std::string format_utc(int64_t unix_ms) {
  auto t = to_utc(unix_ms);
  char buf[40];
  if (t.millisecond != 0)
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.year, t.month, t.day,
                  t.hour, t.minute, t.second, t.millisecond);
  else
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.year, t.month, t.day, t.hour,
                  t.minute, t.second);
  return buf;
}

}  // namespace xyn::actors::text

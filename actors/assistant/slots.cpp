#include "actors/assistant/slots.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <initializer_list>
#include <set>
#include <tuple>

#include "actors/services/text.hpp"

// How an utterance is read: it is cut into tokens (words and single symbols) once; then the
// pieces whose bytes no other slot may reuse are found in a fixed order — e-mails and workflow
// ids, quoted strings, dates, money — each skipping what an earlier one took, so "March 3rd"
// is never a count and "$25,000" never a date. Counts, names and vocabulary phrases are read
// last, around those pieces. Everything is hand-written scanning over the tokens: no regex, so
// a turn costs microseconds.

namespace xyn::assistant {

namespace {

namespace text = xyn::actors::text;

// ---------------------------------------------------------------------------------------------
// Characters and word lists

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ascii_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool is_ascii_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

// A fixed set of lower-case words; built once per list (function-local statics).
class word_set {
 public:
  word_set(std::initializer_list<std::string_view> words) : words_(words) {
    std::sort(words_.begin(), words_.end());
  }
  bool contains(std::string_view w) const {
    return std::binary_search(words_.begin(), words_.end(), w);
  }

 private:
  std::vector<std::string_view> words_;
};

// Looks `w` up in a table of {word, value}; 0 when absent.
template <size_t N>
int lookup(const std::pair<std::string_view, int> (&table)[N], std::string_view w) {
  for (const auto& [word, value] : table)
    if (word == w) return value;
  return 0;
}

int small_number(std::string_view w) {  // one .. nineteen
  static constexpr std::pair<std::string_view, int> table[] = {
      {"one", 1},      {"two", 2},        {"three", 3},     {"four", 4},      {"five", 5},
      {"six", 6},      {"seven", 7},      {"eight", 8},     {"nine", 9},      {"ten", 10},
      {"eleven", 11},  {"twelve", 12},    {"thirteen", 13}, {"fourteen", 14}, {"fifteen", 15},
      {"sixteen", 16}, {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19}};
  return lookup(table, w);
}

int tens_number(std::string_view w) {  // twenty .. ninety
  static constexpr std::pair<std::string_view, int> table[] = {
      {"twenty", 20}, {"thirty", 30},  {"forty", 40},  {"fifty", 50},
      {"sixty", 60},  {"seventy", 70}, {"eighty", 80}, {"ninety", 90}};
  return lookup(table, w);
}

bool is_number_word(std::string_view w) {
  return small_number(w) != 0 || tens_number(w) != 0 || w == "dozen";
}

int full_month(std::string_view w) {
  static constexpr std::pair<std::string_view, int> table[] = {
      {"january", 1},   {"february", 2}, {"march", 3},     {"april", 4},
      {"may", 5},       {"june", 6},     {"july", 7},      {"august", 8},
      {"september", 9}, {"october", 10}, {"november", 11}, {"december", 12}};
  return lookup(table, w);
}

int month_number(std::string_view w) {
  static constexpr std::pair<std::string_view, int> abbreviations[] = {
      {"jan", 1}, {"feb", 2}, {"mar", 3},  {"apr", 4},  {"jun", 6},  {"jul", 7},
      {"aug", 8}, {"sep", 9}, {"sept", 9}, {"oct", 10}, {"nov", 11}, {"dec", 12}};
  int m = full_month(w);
  return m != 0 ? m : lookup(abbreviations, w);
}

// Weekday 0 = Sunday .. 6; -1 when `w` is none. Abbreviations only when `abbreviated`, because
// "sun", "sat" and "wed" are ordinary words too.
int weekday_number(std::string_view w, bool abbreviated) {
  static constexpr std::string_view full[] = {"sunday",   "monday", "tuesday", "wednesday",
                                              "thursday", "friday", "saturday"};
  static constexpr std::pair<std::string_view, int> abbreviations[] = {
      {"sun", 1}, {"mon", 2},  {"tue", 3},   {"tues", 3}, {"wed", 4},
      {"thu", 5}, {"thur", 5}, {"thurs", 5}, {"fri", 6},  {"sat", 7}};
  for (int d = 0; d < 7; ++d)
    if (full[d] == w) return d;
  return abbreviated ? lookup(abbreviations, w) - 1 : -1;
}

bool is_relative_day(std::string_view w) {
  return w == "today" || w == "tomorrow" || w == "tonight" || w == "yesterday";
}

// ---------------------------------------------------------------------------------------------
// Tokens

// A word (a run of letters and digits; bytes of non-ASCII letters included so "Café" stays
// whole) or one symbol ("$", ",", "€", "“").
struct token {
  std::string_view raw;
  std::string lower;  // ASCII lower case
  size_t offset = 0;  // byte offset in the utterance
  bool word = false;
  bool spaced = true;       // whitespace, or the start of the text, comes right before it
  bool line_break = false;  // that whitespace holds a newline
  size_t end() const { return offset + raw.size(); }
  bool is(std::string_view s) const { return lower == s; }
};

using tokens = std::vector<token>;

// UTF-8 symbols that are punctuation or currency rather than letters.
std::string_view utf8_symbol_at(std::string_view s, size_t i) {
  static constexpr std::string_view symbols[] = {"€", "£", "¥", "“", "”", "‘", "’", "–",
                                                 "—", "…", "«", "»", "•", "×", "·"};
  for (auto sym : symbols)
    if (s.substr(i, sym.size()) == sym) return sym;
  return {};
}

size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

bool starts_word_char(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  return c < 0x80 ? is_ascii_alnum(s[i]) : utf8_symbol_at(s, i).empty();
}

size_t word_end(std::string_view s, size_t i) {
  while (i < s.size() && starts_word_char(s, i))
    i += std::min(utf8_length(static_cast<unsigned char>(s[i])), s.size() - i);
  return i;
}

tokens lex(std::string_view s) {
  tokens out;
  bool spaced = true, line_break = false;
  for (size_t i = 0; i < s.size();) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      spaced = true;
      line_break = line_break || s[i] == '\n';
      ++i;
      continue;
    }
    token t;
    t.offset = i;
    t.spaced = spaced;
    t.line_break = line_break;
    if (auto sym = utf8_symbol_at(s, i); !sym.empty()) {
      t.raw = sym;
    } else if (starts_word_char(s, i)) {
      t.raw = s.substr(i, word_end(s, i) - i);
      t.word = true;
    } else {
      t.raw = s.substr(i, 1);
    }
    t.lower = text::to_lower(t.raw);
    i = t.end();
    out.push_back(std::move(t));
    spaced = line_break = false;
  }
  return out;
}

// An upper-case ASCII letter first, or a Latin-1 capital ("É" is C3 89).
bool capitalized(const token& t) {
  if (!t.word) return false;
  auto c0 = static_cast<unsigned char>(t.raw[0]);
  if (c0 >= 'A' && c0 <= 'Z') return true;
  if (c0 != 0xC3 || t.raw.size() < 2) return false;
  auto c1 = static_cast<unsigned char>(t.raw[1]);
  return c1 >= 0x80 && c1 <= 0x9E && c1 != 0x97;
}

bool symbol_is(const tokens& t, size_t i, std::string_view sym) {
  return i < t.size() && !t[i].word && t[i].raw == sym;
}

bool word_is(const tokens& t, size_t i, std::string_view w) {
  return i < t.size() && t[i].word && t[i].lower == w;
}

// `sym` at i with no space on either side ("25,000", "1.5", "2027-01-15").
bool glued(const tokens& t, size_t i, std::string_view sym) {
  return symbol_is(t, i, sym) && !t[i].spaced && i + 1 < t.size() && !t[i + 1].spaced;
}

// ---------------------------------------------------------------------------------------------
// Spans: bytes that one slot took and the others must not read again

struct span {
  size_t begin = 0, end = 0;
};

bool overlaps(const token& t, const std::vector<span>& spans) {
  return std::any_of(spans.begin(), spans.end(),
                     [&](const span& s) { return t.offset < s.end && s.begin < t.end(); });
}

span span_of(const tokens& t, size_t first, size_t end) {
  return {t[first].offset, t[end - 1].end()};
}

void append(std::vector<span>& to, const std::vector<span>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// ---------------------------------------------------------------------------------------------
// E-mails and workflow ids, found in the raw text because they cross token boundaries

bool email_local_char(char c) {
  return is_ascii_alnum(c) || std::string_view("._%+-").find(c) != std::string_view::npos;
}
bool email_domain_char(char c) {
  return is_ascii_alnum(c) || c == '.' || c == '-';
}

// The domain has two or more labels, none empty or hyphen-edged, and ends in letters.
bool valid_domain(std::string_view d) {
  if (d.find('.') == std::string_view::npos) return false;
  size_t start = 0;
  std::string_view label;
  while (start <= d.size()) {
    size_t dot = std::min(d.find('.', start), d.size());
    label = d.substr(start, dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    start = dot + 1;
  }
  return label.size() >= 2 && all_of(label, is_ascii_alpha);
}

std::optional<span> email_around(std::string_view s, size_t at) {
  size_t b = at, e = at + 1;
  while (b > 0 && email_local_char(s[b - 1])) --b;
  while (b < at && s[b] == '.') ++b;  // a sentence's full stop glued before the address
  while (e < s.size() && email_domain_char(s[e])) ++e;
  while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) --e;  // "... to bob@x.com."
  if (b == at || !valid_domain(s.substr(at + 1, e - at - 1))) return std::nullopt;
  return span{b, e};
}

std::vector<span> find_emails(std::string_view s) {
  std::vector<span> out;
  for (size_t at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1))
    if (auto e = email_around(s, at); e && (out.empty() || out.back().end <= e->begin))
      out.push_back(*e);
  return out;
}

// "wf-9eb8897c-1": letters, '-', six or more hex digits, optionally '-' and a sequence number.
// The hex part must hold a digit so hyphenated words ("re-deface") are not ids.
bool is_workflow_id(std::string_view w) {
  size_t i = 0;
  while (i < w.size() && is_ascii_alpha(w[i])) ++i;
  if (i == 0 || i == w.size() || w[i] != '-') return false;
  size_t hex_end = ++i;
  while (hex_end < w.size() && is_hex(w[hex_end])) ++hex_end;
  std::string_view hex = w.substr(i, hex_end - i);
  if (hex.size() < 6 || std::none_of(hex.begin(), hex.end(), is_digit)) return false;
  if (hex_end == w.size()) return true;
  return w[hex_end] == '-' && all_of(w.substr(hex_end + 1), is_digit);
}

bool id_char(char c) {
  return is_ascii_alnum(c) || c == '-' || c == '.' || c == ':';
}

// "chat-" then letters, digits, '-', '.', ':' — and a digit somewhere, so "chat-based" is not one.
size_t chat_id_end(std::string_view s, size_t b) {
  if (text::to_lower(s.substr(b, 5)) != "chat-") return b;
  size_t e = b + 5;
  while (e < s.size() && id_char(s[e])) ++e;
  while (e > b + 5 && !is_ascii_alnum(s[e - 1])) --e;  // trailing sentence punctuation
  std::string_view rest = s.substr(b + 5, e - b - 5);
  return std::any_of(rest.begin(), rest.end(), is_digit) ? e : b;
}

std::vector<span> find_ids(std::string_view s, const std::vector<span>& emails) {
  std::vector<span> out;
  for (size_t b = 0; b < s.size(); ++b) {
    if (!is_ascii_alpha(s[b]) || (b > 0 && id_char(s[b - 1]))) continue;
    if (std::any_of(emails.begin(), emails.end(),
                    [&](auto& e) { return b >= e.begin && b < e.end; }))
      continue;
    if (size_t e = chat_id_end(s, b); e > b) {
      out.push_back({b, e});
      b = e;
      continue;
    }
    size_t e = b;
    while (e < s.size() && (is_ascii_alnum(s[e]) || s[e] == '-')) ++e;
    if (is_workflow_id(s.substr(b, e - b))) out.push_back({b, e});
    b = e;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Quoted strings: "Ten Tips", 'Ten Tips', “Ten Tips”, ‘Ten Tips’, «Ten Tips»

struct quote {
  size_t open = 0, close = 0;  // token indexes of the quote marks
  span content;                // trimmed of spaces and trailing punctuation
};

constexpr size_t max_quote_bytes = 120;

// A straight or curly single quote is also an apostrophe ("what's", "what’s"); as a quote it
// opens after a space or symbol and hugs the next word, and closes hugging the previous one.
bool single_quote_opens(const tokens& t, size_t i) {
  bool after_gap = i == 0 || t[i].spaced || !t[i - 1].word;
  return after_gap && i + 1 < t.size() && !t[i + 1].spaced;
}

bool single_quote_closes(const tokens& t, size_t i) {
  return !t[i].spaced && (i + 1 == t.size() || t[i + 1].spaced || !t[i + 1].word);
}

std::vector<std::string_view> closers_for(std::string_view open) {
  if (open == "\"" || open == "“") return {"\"", "”"};
  if (open == "'") return {"'", "’"};
  if (open == "‘") return {"’"};
  if (open == "«") return {"»"};
  return {};
}

std::optional<size_t> quote_close(const tokens& t, size_t open) {
  auto closers = closers_for(t[open].raw);
  bool single = t[open].raw == "'" || t[open].raw == "‘";
  if (closers.empty() || (single && !single_quote_opens(t, open))) return std::nullopt;
  for (size_t c = open + 1; c < t.size(); ++c) {
    if (t[c].line_break || t[c].offset - t[open].end() > max_quote_bytes) return std::nullopt;
    bool is_closer = std::find(closers.begin(), closers.end(), t[c].raw) != closers.end();
    if (is_closer && (!single || single_quote_closes(t, c))) return c;
  }
  return std::nullopt;
}

std::optional<span> quote_content(std::string_view s, size_t b, size_t e) {
  auto trim_end = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) ||
           std::string_view(".,;:!?").find(c) != std::string_view::npos;
  };
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && trim_end(s[e - 1])) --e;
  std::string_view inner = s.substr(b, e - b);
  if (std::none_of(inner.begin(), inner.end(),
                   [](char c) { return is_ascii_alnum(c) || (c & 0x80); }))
    return std::nullopt;
  return span{b, e};
}

std::vector<quote> find_quotes(std::string_view s, const tokens& t) {
  std::vector<quote> out;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].word) continue;
    auto close = quote_close(t, i);
    if (!close) continue;
    if (auto content = quote_content(s, t[i].end(), t[*close].offset)) {
      out.push_back({i, *close, *content});
      i = *close;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Numbers

struct number_read {
  double value = 0;
  std::string_view suffix;  // letters glued to the last digits: "k" in "40k", "rd" in "3rd"
  size_t end = 0;           // the first token after the number
  bool whole = true;        // no decimal part
};

constexpr size_t max_digits = 15;  // beyond this a double loses whole units

double digits_value(std::string_view digits) {
  double v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

std::pair<std::string_view, std::string_view> split_digits(std::string_view w) {
  size_t n = 0;
  while (n < w.size() && is_digit(w[n])) ++n;
  return {w.substr(0, n), w.substr(n)};
}

bool is_thousands_group(const tokens& t, size_t i) {
  if (i >= t.size() || !t[i].word) return false;
  auto [digits, rest] = split_digits(t[i].lower);
  return digits.size() == 3 && (rest.empty() || all_of(rest, is_ascii_alpha));
}

// "25", "25,000", "1.5", "40k", "1.5m", "3rd" starting at token i.
std::optional<number_read> read_number(const tokens& t, size_t i) {
  if (i >= t.size() || !t[i].word || !is_digit(t[i].raw[0])) return std::nullopt;
  auto [digits, rest] = split_digits(t[i].lower);
  number_read n{digits_value(digits), rest, i + 1, true};
  size_t total_digits = digits.size();
  while (n.suffix.empty() && glued(t, n.end, ",") && is_thousands_group(t, n.end + 1)) {
    auto [group, tail] = split_digits(t[n.end + 1].lower);
    n.value = n.value * 1000 + digits_value(group);
    n.suffix = tail;
    n.end += 2;
    total_digits += 3;
  }
  if (n.suffix.empty() && glued(t, n.end, ".") && t[n.end + 1].word &&
      is_digit(t[n.end + 1].raw[0])) {
    auto [fraction, tail] = split_digits(t[n.end + 1].lower);
    double scale = 1;
    for (size_t k = 0; k < fraction.size() && k < max_digits; ++k) scale *= 10;
    n.value += digits_value(fraction.substr(0, max_digits)) / scale;
    n.suffix = tail;
    n.end += 2;
    n.whole = false;
  }
  if (total_digits > max_digits) return std::nullopt;
  return n;
}

struct word_number_read {
  int64_t value = 0;
  size_t end = 0;
};

// "three", "twenty five", "twenty-five", "a dozen", "two dozen", "half a dozen".
std::optional<word_number_read> read_word_number(const tokens& t, size_t i) {
  if (i >= t.size() || !t[i].word) return std::nullopt;
  if (t[i].is("dozen")) return word_number_read{12, i + 1};
  if ((t[i].is("a") || t[i].is("an")) && word_is(t, i + 1, "dozen"))
    return word_number_read{12, i + 2};
  if (t[i].is("half") && word_is(t, i + 1, "a") && word_is(t, i + 2, "dozen"))
    return word_number_read{6, i + 3};
  if (int n = small_number(t[i].lower)) {
    if (word_is(t, i + 1, "dozen")) return word_number_read{n * 12, i + 2};
    return word_number_read{n, i + 1};
  }
  int tens = tens_number(t[i].lower);
  if (tens == 0) return std::nullopt;
  if (glued(t, i + 1, "-") && i + 2 < t.size() && small_number(t[i + 2].lower) > 0 &&
      small_number(t[i + 2].lower) < 10)
    return word_number_read{tens + small_number(t[i + 2].lower), i + 3};
  if (i + 1 < t.size() && small_number(t[i + 1].lower) > 0 && small_number(t[i + 1].lower) < 10)
    return word_number_read{tens + small_number(t[i + 1].lower), i + 2};
  return word_number_read{tens, i + 1};
}

// ---------------------------------------------------------------------------------------------
// Dates

struct civil {
  int year = 0, month = 0, day = 0;
  auto key() const { return std::tie(year, month, day); }
};

constexpr int64_t day_ms = 86400000;

bool valid(const civil& c) {
  return c.month >= 1 && c.month <= 12 && c.day >= 1 &&
         c.day <= text::days_in_month(c.year, c.month);
}

civil add_days(const civil& c, int64_t days) {
  auto t = text::to_utc(text::from_utc(c.year, c.month, c.day) + days * day_ms);
  return {t.year, t.month, t.day};
}

// Same day `months` later, clamped to the month's end (Jan 31 + 1 month = Feb 28).
civil add_months(const civil& c, int months) {
  int index = c.year * 12 + (c.month - 1) + months;
  civil out{index / 12, index % 12 + 1, 1};
  out.day = std::min(c.day, text::days_in_month(out.year, out.month));
  return out;
}

int weekday_of(const civil& c) {
  return text::to_utc(text::from_utc(c.year, c.month, c.day)).weekday;
}

std::string iso(const civil& c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

std::optional<civil> parse_iso(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto field = [&](size_t at, size_t n) {
    auto f = s.substr(at, n);
    return all_of(f, is_digit) ? static_cast<int>(digits_value(f)) : -1;
  };
  civil c{field(0, 4), field(5, 2), field(8, 2)};
  if (c.year < 0 || !valid(c)) return std::nullopt;
  return c;
}

// What a date mention says, before `today` turns it into a day.
enum class date_kind {
  calendar,             // year (0: the next one on or after today), month, day
  days_ahead,           // amount days after today ("tomorrow", "in 2 weeks")
  months_ahead,         // amount months after today ("in 3 months")
  weekday_after,        // the next weekday `amount` strictly after today ("next monday")
  first_of_next_month,  // "next month"
  first_of_next_year,   // "next year"
};

struct date_spec {
  date_kind kind = date_kind::calendar;
  civil on;
  int amount = 0;
};

struct date_read {
  date_spec spec;
  size_t end = 0;
};

struct date_mention {
  span where;
  date_spec spec;
};

// A yearless date is the next one on or after today; Feb 29 waits for a leap year.
std::optional<civil> next_calendar_date(const civil& wanted, const civil& today) {
  constexpr int leap_cycle = 8;
  for (int y = today.year; y <= today.year + leap_cycle; ++y) {
    civil c{y, wanted.month, wanted.day};
    if (valid(c) && c.key() >= today.key()) return c;
  }
  return std::nullopt;
}

std::optional<civil> resolve(const date_spec& d, const std::optional<civil>& today) {
  if (d.kind == date_kind::calendar && d.on.year != 0)
    return valid(d.on) ? std::optional<civil>(d.on) : std::nullopt;
  if (!today) return std::nullopt;
  switch (d.kind) {
    case date_kind::calendar:
      return next_calendar_date(d.on, *today);
    case date_kind::days_ahead:
      return add_days(*today, d.amount);
    case date_kind::months_ahead:
      return add_months(*today, d.amount);
    case date_kind::weekday_after: {
      int ahead = (d.amount - weekday_of(*today) + 7) % 7;
      return add_days(*today, ahead == 0 ? 7 : ahead);
    }
    case date_kind::first_of_next_month:
      return add_months(civil{today->year, today->month, 1}, 1);
    case date_kind::first_of_next_year:
      return civil{today->year + 1, 1, 1};
  }
  return std::nullopt;
}

// "3", "3rd", "15th": a day of the month; 0 otherwise.
int day_number(const tokens& t, size_t i) {
  if (i >= t.size() || !t[i].word) return 0;
  auto [digits, rest] = split_digits(t[i].lower);
  bool ordinal = rest.empty() || rest == "st" || rest == "nd" || rest == "rd" || rest == "th";
  if (digits.empty() || digits.size() > 2 || !ordinal) return 0;
  int d = static_cast<int>(digits_value(digits));
  return d >= 1 && d <= 31 ? d : 0;
}

int year_number(const tokens& t, size_t i) {
  if (i >= t.size() || !t[i].word || t[i].raw.size() != 4 || !all_of(t[i].raw, is_digit)) return 0;
  int y = static_cast<int>(digits_value(t[i].raw));
  return y >= 1900 && y <= 2199 ? y : 0;
}

// The month at i, and the index after it (an abbreviation may carry a full stop: "Dec.").
// "may" is a month only written "May": in lower case it is far more often the verb.
std::pair<int, size_t> month_at(const tokens& t, size_t i) {
  if (i >= t.size() || !t[i].word) return {0, i};
  int m = month_number(t[i].lower);
  if (m == 5 && t[i].raw[0] != 'M') return {0, i};
  size_t end = i + 1;
  if (m != 0 && full_month(t[i].lower) == 0 && symbol_is(t, end, ".") && !t[end].spaced) ++end;
  return {m, end};
}

// An optional year after a day: "Dec 15, 2027" or "15 December 2027".
size_t read_year(const tokens& t, size_t i, int& year) {
  if (symbol_is(t, i, ",") && (year = year_number(t, i + 1))) return i + 2;
  if (i < t.size() && t[i].spaced && (year = year_number(t, i))) return i + 1;
  year = 0;
  return i;
}

// 2027-01-15 (or 2027/01/15) standing alone.
std::optional<date_read> iso_date_at(const tokens& t, size_t i) {
  if (!year_number(t, i) || i + 4 >= t.size()) return std::nullopt;
  std::string_view sep = t[i + 1].raw;
  if ((sep != "-" && sep != "/") || !glued(t, i + 1, sep) || !glued(t, i + 3, sep))
    return std::nullopt;
  auto two_digits = [&](size_t k) { return t[k].raw.size() <= 2 && all_of(t[k].raw, is_digit); };
  if (!two_digits(i + 2) || !two_digits(i + 4)) return std::nullopt;
  bool glued_before = i > 0 && !t[i].spaced && (t[i - 1].word || t[i - 1].raw == "-");
  bool glued_after = i + 5 < t.size() && !t[i + 5].spaced && (t[i + 5].word || t[i + 5].raw == "-");
  if (glued_before || glued_after) return std::nullopt;
  civil c{year_number(t, i), static_cast<int>(digits_value(t[i + 2].raw)),
          static_cast<int>(digits_value(t[i + 4].raw))};
  return date_read{{date_kind::calendar, c, 0}, i + 5};
}

// "March 3rd", "Mar 3", "December 15", "Dec 15, 2027".
std::optional<date_read> month_first_at(const tokens& t, size_t i) {
  auto [month, k] = month_at(t, i);
  int day = month != 0 && k < t.size() && t[k].spaced ? day_number(t, k) : 0;
  if (day == 0) return std::nullopt;
  int year = 0;
  size_t end = read_year(t, k + 1, year);
  return date_read{{date_kind::calendar, {year, month, day}, 0}, end};
}

// "3 March", "3rd of March", "15th of December 2027".
std::optional<date_read> day_first_at(const tokens& t, size_t i) {
  int day = day_number(t, i);
  if (day == 0) return std::nullopt;
  size_t k = word_is(t, i + 1, "of") ? i + 2 : i + 1;
  auto [month, end] = month_at(t, k);
  if (month == 0) return std::nullopt;
  int year = 0;
  end = read_year(t, end, year);
  return date_read{{date_kind::calendar, {year, month, day}, 0}, end};
}

// A unit of relative time: days (1 per unit) or months.
std::optional<std::pair<date_kind, int>> time_unit(const tokens& t, size_t i) {
  if (i >= t.size() || !t[i].word) return std::nullopt;
  const std::string& w = t[i].lower;
  if (w == "day" || w == "days") return std::pair{date_kind::days_ahead, 1};
  if (w == "week" || w == "weeks") return std::pair{date_kind::days_ahead, 7};
  if (w == "fortnight") return std::pair{date_kind::days_ahead, 14};
  if (w == "month" || w == "months") return std::pair{date_kind::months_ahead, 1};
  if (w == "year" || w == "years") return std::pair{date_kind::months_ahead, 12};
  return std::nullopt;
}

// How many: "2", "three", "a"/"an" (one).
std::optional<word_number_read> quantity_at(const tokens& t, size_t i) {
  if (i >= t.size() || !t[i].word) return std::nullopt;
  if (t[i].raw.size() <= 3 && all_of(t[i].raw, is_digit))
    return word_number_read{static_cast<int64_t>(digits_value(t[i].raw)), i + 1};
  if (auto w = read_word_number(t, i)) return w;
  if (t[i].is("a") || t[i].is("an")) return word_number_read{1, i + 1};
  return std::nullopt;
}

// "2 weeks" at i: the spec and the index after the unit.
std::optional<date_read> duration_at(const tokens& t, size_t i) {
  auto q = quantity_at(t, i);
  if (!q) return std::nullopt;
  auto unit = time_unit(t, q->end);
  if (!unit) return std::nullopt;
  return date_read{{unit->first, {}, static_cast<int>(q->value) * unit->second}, q->end + 1};
}

// "in 2 weeks", "within three days", "2 weeks from now", "a week from today".
std::optional<date_read> offset_at(const tokens& t, size_t i) {
  if (word_is(t, i, "in") || word_is(t, i, "within")) return duration_at(t, i + 1);
  auto d = duration_at(t, i);
  if (!d || !word_is(t, d->end, "from")) return std::nullopt;
  if (!word_is(t, d->end + 1, "now") && !word_is(t, d->end + 1, "today")) return std::nullopt;
  d->end += 2;
  return d;
}

// Words after which a weekday abbreviation ("on fri") is a date.
bool introduces_weekday(const tokens& t, size_t i) {
  static const word_set words{"on",   "this",   "next",   "by",   "until",
                              "till", "before", "coming", "from", "starting"};
  return i > 0 && t[i - 1].word && words.contains(t[i - 1].lower);
}

// "Black Friday", "Cyber Monday": a day with a name, not the next such weekday.
bool names_a_holiday(const tokens& t, size_t i) {
  static const word_set prefixes{"black",  "cyber", "good",   "easter", "super", "blue",
                                 "giving", "ash",   "maundy", "fat",    "holy"};
  return i > 0 && t[i].spaced && prefixes.contains(t[i - 1].lower);
}

// "today", "tomorrow", "the day after tomorrow", "next week|month|year|monday", "on friday".
std::optional<date_read> relative_at(const tokens& t, size_t i) {
  if (!t[i].word) return std::nullopt;
  const std::string& w = t[i].lower;
  auto days = [&](int n, size_t end) { return date_read{{date_kind::days_ahead, {}, n}, end}; };
  if (w == "today" || w == "tonight") return days(0, i + 1);
  if (w == "tomorrow") return days(1, i + 1);
  if (w == "day" && word_is(t, i + 1, "after") && word_is(t, i + 2, "tomorrow"))
    return days(2, i + 3);
  if (w == "next" && i + 1 < t.size()) {
    const std::string& unit = t[i + 1].lower;
    if (unit == "week") return date_read{{date_kind::weekday_after, {}, 1}, i + 2};
    if (unit == "month") return date_read{{date_kind::first_of_next_month, {}, 0}, i + 2};
    if (unit == "year") return date_read{{date_kind::first_of_next_year, {}, 0}, i + 2};
    if (int d = weekday_number(unit, true); d >= 0)
      return date_read{{date_kind::weekday_after, {}, d}, i + 2};
  }
  if (int d = weekday_number(w, introduces_weekday(t, i)); d >= 0 && !names_a_holiday(t, i))
    return date_read{{date_kind::weekday_after, {}, d}, i + 1};
  return std::nullopt;
}

std::optional<date_read> date_at(const tokens& t, size_t i) {
  for (auto reader : {iso_date_at, month_first_at, day_first_at, offset_at, relative_at})
    if (auto d = reader(t, i)) return d;
  return std::nullopt;
}

std::vector<date_mention> find_dates(const tokens& t, const std::vector<span>& taken) {
  std::vector<date_mention> out;
  for (size_t i = 0; i < t.size(); ++i) {
    if (overlaps(t[i], taken)) continue;
    if (auto d = date_at(t, i)) {
      out.push_back({span_of(t, i, d->end), d->spec});
      i = d->end - 1;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Money

struct money_mention {
  span where;
  money value;
};

std::string currency_of_symbol(std::string_view raw) {
  if (raw == "$") return "USD";
  if (raw == "€") return "EUR";
  if (raw == "£") return "GBP";
  return "";
}

std::string currency_of_word(std::string_view w) {
  static const word_set usd{"usd", "dollar", "dollars", "buck", "bucks"};
  static const word_set eur{"eur", "euro", "euros"};
  static const word_set gbp{"gbp", "pound", "pounds", "quid", "sterling"};
  if (usd.contains(w)) return "USD";
  if (eur.contains(w)) return "EUR";
  if (gbp.contains(w)) return "GBP";
  return "";
}

bool is_currency_code(std::string_view w) {
  return w == "usd" || w == "eur" || w == "gbp";
}

double suffix_multiplier(std::string_view s) {  // glued: "40k", "3m", "2bn"
  if (s == "k") return 1e3;
  if (s == "m" || s == "mm" || s == "mn" || s == "mio") return 1e6;
  if (s == "b" || s == "bn") return 1e9;
  return 0;
}

double word_multiplier(std::string_view w) {  // spaced: "1.5 million"
  if (w == "thousand") return 1e3;
  if (w == "million" || w == "millions" || w == "mn" || w == "mio") return 1e6;
  if (w == "billion" || w == "billions" || w == "bn") return 1e9;
  return 0;
}

// "budget 10000", "budget of 10000", "budget is about 10000", "budget: 10000".
bool budget_named_before(const tokens& t, size_t i) {
  static const word_set fillers{
      "of",      "to", "is",     "=",    ":",     "at",  "around", "about", "approximately",
      "roughly", "be", "should", "will", "would", "was", "set",    "now"};
  constexpr int max_fillers = 3;
  for (int skipped = 0; i > 0 && skipped <= max_fillers; --i, ++skipped) {
    const token& p = t[i - 1];
    if (p.is("budget") || p.is("budgets")) return true;
    if (!fillers.contains(p.lower)) return false;
  }
  return false;
}

// A currency before the number: "$", "€", "£", "US$", "USD 25,000". Returns the number's index.
size_t read_currency_prefix(const tokens& t, size_t i, std::string& currency) {
  if (i >= t.size()) return i;
  if (currency = currency_of_symbol(t[i].raw); !currency.empty()) return i + 1;
  if (t[i].is("us") && symbol_is(t, i + 1, "$") && !t[i + 1].spaced) {
    currency = "USD";
    return i + 2;
  }
  if (is_currency_code(t[i].lower) && read_number(t, i + 1)) {
    currency = currency_of_word(t[i].lower);
    return i + 1;
  }
  return i;
}

// A currency after the number: "12,500 dollars", "15k EUR", "15000€".
size_t read_currency_suffix(const tokens& t, size_t k, std::string& currency) {
  if (k >= t.size()) return k;
  std::string after = t[k].word ? currency_of_word(t[k].lower) : currency_of_symbol(t[k].raw);
  if (after.empty() || (!currency.empty() && after != currency)) return k;
  currency = after;
  return k + 1;
}

struct money_read {
  money value;
  size_t end = 0;
};

// Money at i, or nothing when the number there has no sign of being money: no currency, no
// k/m suffix or million, and no "budget" right before or after. Ordinals ("3rd"), multiples
// ("10x") and percentages are never money.
std::optional<money_read> money_at(const tokens& t, size_t i) {
  money m;
  size_t k = read_currency_prefix(t, i, m.currency);
  auto n = read_number(t, k);
  if (!n) return std::nullopt;
  bool evidence = !m.currency.empty();
  m.amount = n->value;
  if (!n->suffix.empty()) {
    double mult = suffix_multiplier(n->suffix);
    std::string glued_currency = currency_of_word(n->suffix);  // "100usd"
    if (mult == 0 && glued_currency.empty()) return std::nullopt;
    m.amount *= mult == 0 ? 1 : mult;
    if (m.currency.empty()) m.currency = glued_currency;
    evidence = true;
  }
  k = n->end;
  if (symbol_is(t, k, "%") || word_is(t, k, "percent")) return std::nullopt;
  if (double mult = k < t.size() ? word_multiplier(t[k].lower) : 0) {
    m.amount *= mult;
    evidence = evidence || mult >= 1e6;
    ++k;
  }
  k = read_currency_suffix(t, k, m.currency);
  evidence =
      evidence || !m.currency.empty() || budget_named_before(t, i) || word_is(t, k, "budget");
  if (!evidence) return std::nullopt;
  return money_read{m, k};
}

std::vector<money_mention> find_money(const tokens& t, const std::vector<span>& taken) {
  std::vector<money_mention> out;
  for (size_t i = 0; i < t.size(); ++i) {
    if (overlaps(t[i], taken)) continue;
    if (auto m = money_at(t, i)) {
      out.push_back({span_of(t, i, m->end), m->value});
      i = m->end - 1;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The analysis of one utterance: tokens, then the pieces in the order they take bytes

struct analysis {
  std::string_view text;
  tokens toks;
  std::vector<span> emails, ids;
  std::vector<quote> quotes;
  std::vector<date_mention> dates;
  std::vector<money_mention> amounts;
  std::vector<span> taken;  // emails, ids, quoted text, dates and money
};

analysis analyse(std::string_view s) {
  analysis a;
  a.text = s;
  a.toks = lex(s);
  a.emails = find_emails(s);
  a.ids = find_ids(s, a.emails);
  a.quotes = find_quotes(s, a.toks);
  append(a.taken, a.emails);
  append(a.taken, a.ids);
  // Quoted text is a title ("5 Ways to Save $100"), so its numbers are neither money nor dates.
  for (const auto& q : a.quotes) a.taken.push_back(q.content);
  a.dates = find_dates(a.toks, a.taken);
  for (const auto& d : a.dates) a.taken.push_back(d.where);
  a.amounts = find_money(a.toks, a.taken);
  for (const auto& m : a.amounts) a.taken.push_back(m.where);
  return a;
}

// ---------------------------------------------------------------------------------------------
// Counts

// "this one", "no one", "which one" are not the number 1.
bool one_as_pronoun(const tokens& t, size_t i) {
  static const word_set determiners{"this",  "that", "which", "no",      "any",
                                    "every", "each", "the",   "another", "some"};
  return t[i].is("one") && i > 0 && determiners.contains(t[i - 1].lower);
}

// A year after "in", "since", a month, ... ("in 2027", "March 2027") is a date, not a count.
bool looks_like_year(const tokens& t, size_t i, double value) {
  static const word_set before{"in",     "since", "until", "by", "before",  "after",
                               "during", "year",  "from",  "to", "through", "fy"};
  if (t[i].raw.size() != 4 || value < 1900 || value > 2100 || i == 0) return false;
  return before.contains(t[i - 1].lower) || month_number(t[i - 1].lower) != 0;
}

// A plain whole number that stands for itself: not part of a version ("v1.2"), a time
// ("10:30"), a ratio, a range end ("covid-19"), a percentage or a year.
bool is_count(const tokens& t, size_t i, const number_read& n) {
  static const word_set glued_before{".", ":", "/", "-", "#", "+", "~", "^", "@", "_", "\\"};
  static const word_set glued_after{":", "/", "%"};
  if (!n.whole || !n.suffix.empty()) return false;
  if (i > 0 && !t[i].spaced && (t[i - 1].word || glued_before.contains(t[i - 1].raw))) return false;
  if (n.end < t.size() && !t[n.end].spaced && glued_after.contains(t[n.end].raw)) return false;
  return !word_is(t, n.end, "percent") && !looks_like_year(t, i, n.value);
}

std::vector<int64_t> find_counts(const analysis& a, const std::vector<span>& also_taken) {
  const tokens& t = a.toks;
  std::vector<int64_t> out;
  for (size_t i = 0; i < t.size(); ++i) {
    if (overlaps(t[i], a.taken) || overlaps(t[i], also_taken)) continue;
    if (auto w = read_word_number(t, i)) {
      if (!one_as_pronoun(t, i)) out.push_back(w->value);
      i = w->end - 1;
    } else if (auto n = read_number(t, i)) {
      if (is_count(t, i, *n)) out.push_back(static_cast<int64_t>(n->value));
      i = n->end - 1;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Gazetteers

// Words of a phrase as matching sees them: lower case, split at anything but letters and
// digits, so "content-hub", "Content Hub" and "content_hub" are the same two words.
std::vector<std::string> phrase_words(std::string_view phrase) {
  std::vector<std::string> out;
  for (auto& t : lex(phrase))
    if (t.word) out.push_back(std::move(t.lower));
  return out;
}

struct text_word {
  std::string_view lower;
  bool joined = false;  // only spaces, '-', '_', '/' or a glued '.' since the previous word
};

// A phrase may span "content-hub" or "x.com" but not "content, hub" or "email. Hub".
bool soft_separator(const tokens& t, size_t i) {
  std::string_view r = t[i].raw;
  return r == "-" || r == "_" || r == "/" || glued(t, i, ".");
}

std::vector<text_word> words_for_matching(const tokens& t, const std::vector<span>& hidden) {
  std::vector<text_word> out;
  bool joined = false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (overlaps(t[i], hidden)) {
      joined = false;
    } else if (t[i].word) {
      out.push_back({t[i].lower, joined});
      joined = true;
    } else {
      joined = joined && soft_separator(t, i);
    }
  }
  return out;
}

struct phrase_hit {
  size_t start = 0, length = 0, entry = 0;
};

bool phrase_at(const std::vector<text_word>& words, size_t start,
               const std::vector<std::string>& phrase) {
  if (phrase.empty() || start + phrase.size() > words.size()) return false;
  for (size_t k = 0; k < phrase.size(); ++k)
    if (words[start + k].lower != phrase[k] || (k > 0 && !words[start + k].joined)) return false;
  return true;
}

std::vector<phrase_hit> all_hits(const std::vector<text_word>& words, const gazetteer& g) {
  std::vector<phrase_hit> hits;
  size_t entry = 0;
  for (const auto& [canonical, aliases] : g) {
    std::vector<std::vector<std::string>> phrases{phrase_words(canonical)};
    for (const auto& alias : aliases) phrases.push_back(phrase_words(alias));
    for (const auto& p : phrases)
      for (size_t s = 0; s < words.size(); ++s)
        if (phrase_at(words, s, p)) hits.push_back({s, p.size(), entry});
    ++entry;
  }
  return hits;
}

// Longest phrases win their words ("ai routing engine" over "assistant"-like shorter ones);
// the survivors are returned in reading order.
std::vector<phrase_hit> longest_hits(std::vector<phrase_hit> hits, size_t word_count) {
  std::stable_sort(hits.begin(), hits.end(), [](const phrase_hit& a, const phrase_hit& b) {
    return a.length != b.length ? a.length > b.length : a.start < b.start;
  });
  std::vector<bool> used(word_count, false);
  std::vector<phrase_hit> kept;
  for (const auto& h : hits) {
    if (std::any_of(used.begin() + h.start, used.begin() + h.start + h.length,
                    [](bool u) { return u; }))
      continue;
    std::fill(used.begin() + h.start, used.begin() + h.start + h.length, true);
    kept.push_back(h);
  }
  std::sort(kept.begin(), kept.end(), [](auto& a, auto& b) { return a.start < b.start; });
  return kept;
}

std::vector<std::string> match_words(const std::vector<text_word>& words, const gazetteer& g) {
  std::vector<std::string> canonicals;
  for (const auto& [canonical, aliases] : g) canonicals.push_back(canonical);
  std::vector<std::string> out;
  for (const auto& h : longest_hits(all_hits(words, g), words.size()))
    if (std::find(out.begin(), out.end(), canonicals[h.entry]) == out.end())
      out.push_back(canonicals[h.entry]);
  return out;
}

std::set<std::string> vocabulary_phrases(const slot_vocabulary& v) {
  std::set<std::string> out;
  auto add = [&](std::string_view phrase) {
    std::string joined;
    for (const auto& w : phrase_words(phrase)) joined += (joined.empty() ? "" : " ") + w;
    if (!joined.empty()) out.insert(joined);
  };
  for (const gazetteer* g : {&v.channels, &v.plans, &v.services, &v.formats, &v.periods})
    for (const auto& [canonical, aliases] : *g) {
      add(canonical);
      for (const auto& a : aliases) add(a);
    }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Names

// Cue words that introduce a name, for every template's parameters in the lexicon.
const word_set& cue_words() {
  static const word_set cues{
      "called",     "named",    "titled",  "entitled",   "product", "project",  "launch",
      "launching",  "for",      "onboard", "onboarding", "against", "compare",  "comparing",
      "competitor", "vs",       "versus",  "of",         "on",      "campaign", "article",
      "post",       "customer", "client",  "tenant",     "review",  "promote",  "promoting",
      "brand",      "company",  "our"};
  return cues;
}

bool is_two_word_cue(std::string_view first, std::string_view second) {
  return (first == "our" && second == "product") || (first == "with" && second == "our");
}

// After these cues a name may be in lower case: "called spring push".
bool naming_cue(std::string_view cue) {
  return cue == "called" || cue == "named" || cue == "titled" || cue == "entitled";
}

// Capitalised words that do not begin a name: the verbs and courtesies a request opens with,
// question words, acronyms, and the vocabulary's own channel, plan and format words.
const word_set& ordinary_words() {
  static const word_set words{
      // requests and courtesies
      "please", "hi", "hello", "hey", "dear", "thanks", "thank", "yes", "yeah", "yep", "yup",
      "nope", "ok", "okay", "sure", "great", "good", "cool", "fine", "sounds", "perfect", "awesome",
      "alright", "launch", "run", "start", "create", "make", "set", "give", "show", "build", "plan",
      "add", "onboard", "compare", "analyze", "analyse", "review", "check", "publish", "get",
      "list", "cancel", "stop", "abort", "kill", "use", "change", "actually", "schedule", "send",
      "generate", "export", "kick", "kickoff", "begin", "help", "tell", "find", "need", "want",
      "let", "lets", "shall", "may", "might", "must", "go", "write", "draft", "prepare", "update",
      "delete", "remove", "post", "report", "campaign", "project", "product", "article", "security",
      "competitor", "customer", "client", "tenant", "team", "budget", "status", "health", "new",
      "done", "looks", "look", "see", "try", "retry", "rerun", "restart", "resume", "pause",
      "approve", "confirm", "deny", "reject", "share", "invite", "assign", "organize", "organise",
      "promote", "announce", "introduce", "track", "monitor", "measure", "audit", "scan", "test",
      "fix", "ship", "release", "deploy", "open", "close", "archive", "note", "notes", "hmm", "um",
      "well", "oh", "wait", "sorry", "regarding", "re", "fyi", "fwd", "subject", "morning",
      "afternoon", "evening", "weekly", "monthly", "daily", "quarterly", "annual", "every", "next",
      "last", "first", "us", "pls", "kindly",
      // acronyms
      "ai", "api", "qa", "kpi", "kpis", "roi", "seo", "ceo", "cto", "cfo", "coo", "url", "faq",
      "asap", "eta", "utc", "gmt", "usd", "eur", "gbp", "q1", "q2", "q3", "q4", "h1", "h2", "fy",
      "pdf",
      // channels, plans, formats
      "email", "emails", "newsletter", "linkedin", "instagram", "insta", "tiktok", "facebook", "fb",
      "twitter", "tweet", "tweets", "x", "blog", "blogs", "youtube", "sms", "free", "pro",
      "enterprise", "standard", "basic", "premium", "markdown", "md", "csv", "html", "json",
      "excel", "spreadsheet"};
  return words;
}

// Lower-case words that end a name after "called"/"named" ("called spring push for Nova").
bool ends_free_name(std::string_view w) {
  static const word_set words{"starting", "start",  "starts",  "next",      "last",    "this",
                              "tomorrow", "today",  "tonight", "please",    "asap",    "budget",
                              "using",    "via",    "plus",    "beginning", "due",     "targeting",
                              "across",   "ending", "around",  "within",    "without", "toward",
                              "towards",  "per",    "instead", "aimed",     "like",    "etc"};
  return text::is_stopword(w) || words.contains(w);
}

bool is_calendar_word(std::string_view w) {
  return full_month(w) != 0 || weekday_number(w, false) >= 0 || is_relative_day(w);
}

struct found_name {
  name_mention mention;
  span where;
  bool explicit_name = false;  // quoted, or after "called"/"named"/"titled"
};

class name_finder {
 public:
  explicit name_finder(const analysis& a) : a_(a), t_(a.toks) {}

  std::vector<found_name> run() {
    for (size_t i = 0; i < t_.size();) i = step(i);
    return std::move(found_);
  }

 private:
  // Reads what starts at i (a cued name, a quote, a capitalised run) and returns where to go on.
  size_t step(size_t i) {
    if (auto end = cued_name(i)) return *end;
    if (auto q = quote_at(i)) return add_quote(*q, "quote");
    if (auto end = capitalized_name(i)) return *end;
    return i + 1;
  }

  bool taken(size_t i) const { return i >= t_.size() || overlaps(t_[i], a_.taken); }

  const quote* quote_at(size_t i) const {
    for (const auto& q : a_.quotes)
      if (q.open == i) return &q;
    return nullptr;
  }

  size_t add_quote(const quote& q, std::string cue) {
    std::string name(a_.text.substr(q.content.begin, q.content.end - q.content.begin));
    found_.push_back({{std::move(name), std::move(cue), q.content.begin}, q.content, true});
    return q.close + 1;
  }

  size_t add(size_t first, size_t end, std::string cue) {
    span where = span_of(t_, first, end);
    bool is_explicit = naming_cue(cue);
    std::string name(a_.text.substr(where.begin, where.end - where.begin));
    found_.push_back({{std::move(name), std::move(cue), where.begin}, where, is_explicit});
    return end;
  }

  // ---- cues

  // A cue word (or "our product", "with our") at i followed by a name; returns the end.
  std::optional<size_t> cued_name(size_t i) {
    if (!t_[i].word) return std::nullopt;
    if (i + 1 < t_.size() && is_two_word_cue(t_[i].lower, t_[i + 1].lower))
      if (auto end = name_after_cue(i + 2, t_[i].lower + " " + t_[i + 1].lower)) return end;
    if (cue_words().contains(t_[i].lower)) return name_after_cue(i + 1, t_[i].lower);
    return std::nullopt;
  }

  std::optional<size_t> name_after_cue(size_t k, const std::string& cue) {
    if (k < t_.size() &&
        ((cue == "vs" && t_[k].raw == ".") || (naming_cue(cue) && t_[k].raw == ":")))
      ++k;
    if (k >= t_.size()) return std::nullopt;
    if (auto q = quote_at(k)) return add_quote(*q, cue);
    // "for the Phoenix project", "called the spring push"; but "called The Best" keeps "The".
    bool article = (t_[k].is("the") || t_[k].is("a") || t_[k].is("an")) && !capitalized(t_[k]);
    size_t first = article ? k + 1 : k;
    auto end = naming_cue(cue) ? free_run_end(first) : capitalized_run_end(first, true);
    if (!end) return std::nullopt;
    return add(first, *end, cue);
  }

  // ---- runs of words

  // "AWS_SECRET=abc": a word glued to '_' or '=' is code, not a name.
  bool code_like(size_t i) const {
    auto glued_code = [&](size_t j) { return t_[j].raw == "_" || t_[j].raw == "="; };
    bool before = i > 0 && !t_[i].spaced && glued_code(i - 1);
    bool after = i + 1 < t_.size() && !t_[i + 1].spaced && glued_code(i + 1);
    return before || after;
  }

  bool can_start(size_t i) const {
    if (taken(i) || !capitalized(t_[i]) || code_like(i)) return false;
    const std::string& w = t_[i].lower;
    return !text::is_stopword(w) && !ordinary_words().contains(w) && month_number(w) == 0 &&
           !is_calendar_word(w) && !is_number_word(w);
  }

  bool can_continue(size_t j) const {
    if (taken(j) || !capitalized(t_[j]) || !t_[j].spaced || t_[j].line_break || code_like(j))
      return false;
    bool calendar = is_calendar_word(t_[j].lower) && !names_a_holiday(t_, j);
    return !calendar && !text::is_stopword(t_[j].lower);
  }

  // "& Gamble", "of Nowhere" (between capitals), "-Cola", ".io": the tokens that join the
  // next word to a name, or 0.
  size_t joiner_length(size_t j, bool any_case) const {
    if (j + 1 >= t_.size() || taken(j + 1) || !t_[j + 1].word) return 0;
    if (t_[j].raw == "&" && (any_case || capitalized(t_[j + 1]))) return 2;
    if (t_[j].is("of") && t_[j].spaced && can_continue(j + 1)) return 2;
    if ((glued(t_, j, "-") || glued(t_, j, ".")) &&
        (any_case || capitalized(t_[j + 1]) || t_[j].raw == "."))
      return 2;
    return 0;
  }

  // "Vega 2", "Office 365": a number closes a name only when a name could end after it, so
  // "Vega 2 weeks" stays "Vega".
  size_t number_length(size_t j) const {
    if (taken(j) || !t_[j].spaced || !all_of(t_[j].raw, is_digit)) return 0;
    auto n = read_number(t_, j);
    if (!n || !n->suffix.empty()) return 0;
    size_t e = n->end;
    bool name_may_end =
        e >= t_.size() || !t_[e].word || capitalized(t_[e]) || ends_free_name(t_[e].lower);
    return name_may_end ? e - j : 0;
  }

  // A cue vouches for a capitalised function word that opens a title: "article Why
  // Automation Matters", "for The Phoenix Group"; without a cue "The" never starts a name.
  bool can_start_after_cue(size_t i) const {
    if (can_start(i)) return true;
    return i < t_.size() && !taken(i) && capitalized(t_[i]) && !t_[i].is("i") &&
           text::is_stopword(t_[i].lower) && can_continue(i + 1);
  }

  std::optional<size_t> capitalized_run_end(size_t first, bool after_cue) const {
    if (!(after_cue ? can_start_after_cue(first) : can_start(first))) return std::nullopt;
    return capitalized_extension_end(first + 1);
  }

  // Where the capitalised words, joiners and numbers from `end` on stop.
  size_t capitalized_extension_end(size_t end) const {
    while (end < t_.size()) {
      if (t_[end].word && can_continue(end)) {
        ++end;
      } else if (size_t n = joiner_length(end, false)) {
        end += n;
      } else if (size_t d = number_length(end)) {
        end += d;
      } else {
        break;
      }
    }
    return end;
  }

  // After "called"/"named"/"titled": any words up to a function word, punctuation or a slot.
  // A name begun with a capital goes on only over capitals ("named Winter Roadmap published").
  std::optional<size_t> free_run_end(size_t first) const {
    constexpr size_t max_words = 8;
    if (!free_word(first)) return std::nullopt;
    if (capitalized(t_[first])) return capitalized_extension_end(first + 1);
    size_t end = first + 1, words = 1;
    while (end < t_.size() && words < max_words) {
      if (free_word(end) && t_[end].spaced) {
        ++end;
        ++words;
      } else if (size_t n = joiner_length(end, true)) {
        end += n;
        ++words;
      } else if (inner_function_word(end) && free_word(end + 1) && t_[end + 1].spaced) {
        end += 2;  // "the best of us" stays whole
        words += 2;
      } else {
        break;
      }
    }
    return end;
  }

  bool free_word(size_t j) const {
    if (j >= t_.size() || !t_[j].word || taken(j) || t_[j].line_break) return false;
    if (is_calendar_word(t_[j].lower)) return false;  // "called spring push in March"
    return capitalized(t_[j]) ? !t_[j].is("i") : !ends_free_name(t_[j].lower);
  }

  // Function words that may stand inside a lower-case name, never at its end.
  bool inner_function_word(size_t j) const {
    static const word_set words{"of", "the", "a", "an"};
    return j < t_.size() && t_[j].word && t_[j].spaced && !taken(j) && words.contains(t_[j].lower);
  }

  // ---- capitalised runs without a cue

  bool starts_sentence(size_t i) const {
    static const word_set openers{".", "!", "?", ":", ";", "\"", "“", "(", "-", "–", "—", "•"};
    return i == 0 || t_[i].line_break || (!t_[i - 1].word && openers.contains(t_[i - 1].raw));
  }

  // "Organize a webinar": a lone capitalised first word before an article is a verb.
  bool imperative_opening(size_t i, size_t end) const {
    static const word_set followers{"a",    "an",   "the",   "our",  "my",   "me",    "us",
                                    "some", "your", "their", "this", "that", "these", "those",
                                    "it",   "them", "all",   "up",   "out"};
    return end == i + 1 && starts_sentence(i) && end < t_.size() &&
           followers.contains(t_[end].lower);
  }

  std::optional<size_t> capitalized_name(size_t i) {
    auto end = capitalized_run_end(i, false);
    if (!end || imperative_opening(i, *end)) return std::nullopt;
    return add(i, *end, "capitalized");
  }

  const analysis& a_;
  const tokens& t_;
  std::vector<found_name> found_;
};

// One entry per name: a capitalised sighting of a name also found with a cue goes, and so do
// repeats with the same cue.
std::vector<found_name> without_repeats(std::vector<found_name> names) {
  std::set<std::string> cued;
  for (const auto& n : names)
    if (n.mention.cue != "capitalized") cued.insert(text::to_lower(n.mention.text));
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<found_name> out;
  for (auto& n : names) {
    std::string key = text::to_lower(n.mention.text);
    bool shadowed = n.mention.cue == "capitalized" && cued.count(key) > 0;
    if (!shadowed && seen.insert({key, n.mention.cue}).second) out.push_back(std::move(n));
  }
  return out;
}

std::vector<found_name> names_in(const analysis& a, const slot_vocabulary* vocab) {
  auto names = without_repeats(name_finder(a).run());
  if (vocab == nullptr) return names;
  auto phrases = vocabulary_phrases(*vocab);
  std::erase_if(names, [&](const found_name& n) {
    std::string joined;
    for (const auto& w : phrase_words(n.mention.text)) joined += (joined.empty() ? "" : " ") + w;
    return phrases.count(joined) > 0;
  });
  return names;
}

std::vector<name_mention> mentions(std::vector<found_name> names) {
  std::vector<name_mention> out;
  for (auto& n : names) out.push_back(std::move(n.mention));
  return out;
}

std::vector<std::string> texts(std::string_view s, const std::vector<span>& spans) {
  std::vector<std::string> out;
  for (const auto& sp : spans) out.emplace_back(s.substr(sp.begin, sp.end - sp.begin));
  return out;
}

std::vector<std::string> resolve_all(const std::vector<date_mention>& dates,
                                     std::string_view today) {
  auto now = parse_iso(today);
  std::vector<std::string> out;
  for (const auto& d : dates)
    if (auto c = resolve(d.spec, now)) out.push_back(iso(*c));
  return out;
}

std::optional<std::string> first_of(const std::vector<std::string>& v) {
  return v.empty() ? std::nullopt : std::optional<std::string>(v.front());
}

}  // namespace

slots extract_slots(std::string_view text, const slot_vocabulary& vocab, std::string_view today) {
  analysis a = analyse(text);
  slots s;
  if (!a.amounts.empty()) s.budget = a.amounts.front().value;
  s.dates = resolve_all(a.dates, today);
  auto names = names_in(a, &vocab);
  // A name's words are the name: "Vega 2" holds no count, and a title like "Email Marketing
  // Tips" asks for no channel or service.
  std::vector<span> name_spans, explicit_spans = a.emails;
  append(explicit_spans, a.ids);
  for (const auto& n : names) {
    name_spans.push_back(n.where);
    if (n.explicit_name) explicit_spans.push_back(n.where);
  }
  s.counts = find_counts(a, name_spans);
  auto words = words_for_matching(a.toks, explicit_spans);
  s.channels = match_words(words, vocab.channels);
  s.plan = first_of(match_words(words, vocab.plans));
  s.format = first_of(match_words(words, vocab.formats));
  s.period = first_of(match_words(words, vocab.periods));
  s.services = match_words(words, vocab.services);
  s.emails = texts(text, a.emails);
  s.workflow_ids = texts(text, a.ids);
  s.names = mentions(std::move(names));
  return s;
}

std::optional<money> parse_money(std::string_view text) {
  auto a = analyse(text);
  if (a.amounts.empty()) return std::nullopt;
  return a.amounts.front().value;
}

std::vector<std::string> parse_dates(std::string_view text, std::string_view today) {
  return resolve_all(analyse(text).dates, today);
}

std::vector<int64_t> parse_counts(std::string_view text) {
  return find_counts(analyse(text), {});
}

std::vector<std::string> match_gazetteer(std::string_view text, const gazetteer& g) {
  auto a = analyse(text);
  std::vector<span> hidden = a.emails;
  append(hidden, a.ids);
  return match_words(words_for_matching(a.toks, hidden), g);
}

std::vector<name_mention> find_names(std::string_view text) {
  return mentions(names_in(analyse(text), nullptr));
}

std::vector<name_mention> find_names(std::string_view text, const slot_vocabulary& vocab) {
  return mentions(names_in(analyse(text), &vocab));
}

}  // namespace xyn::assistant

#pragma once
// text.hpp — small text utilities the services share: tokenizing for search and analysis,
// words and sentences as a reader counts them (readability, summaries), English stopwords,
// and UTC calendar conversion for times shown as text. Pure functions; any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xyn::actors::text {

// Lower-cased runs of ASCII letters and digits ("Re-launch 2.0!" -> {"re","launch","2","0"}).
std::vector<std::string> tokens(std::string_view s);

// A piece of a text and the byte offset where it starts in the original.
struct span {
  std::string text;
  size_t offset = 0;
};

// Words as a reader counts them: runs of letters and digits that keep an apostrophe or hyphen
// standing between two of them ("don't", "well-known" are one word each). Bytes >= 0x80 count
// as letters so UTF-8 words stay whole. Case is kept.
std::vector<span> words(std::string_view s);

// Sentences: text up to a run of '.', '!' or '?' (with any closing quotes or brackets) that is
// followed by whitespace or the end, or up to a blank line, so a heading or list without a full
// stop still ends one. "3.5" does not split; abbreviations ("e.g. this") do. Each span is
// trimmed; pieces without a letter or digit are dropped.
std::vector<span> sentences(std::string_view s);

// English syllables of one word by the usual vowel-group heuristic: groups of a/e/i/o/u/y, less
// a silent final "e" (kept in "-le" after a consonant) and a silent "-es"/"-ed" ending; at
// least 1. Right for common words ("little" 2, "makes" 1, "wanted" 2), wrong for some
// ("create" gives 1); that is the accepted error of Flesch scoring.
int syllables(std::string_view word);

// True for common English function words ("the", "and", "of"); REQUIRES lower case.
bool is_stopword(std::string_view lower_word);

std::string to_lower(std::string_view s);

// Rounded to two decimals, for figures people read (2.456 -> 2.46).
double round2(double x);

// A UTC date and time (proleptic Gregorian calendar), weekday 0 = Sunday.
struct utc_time {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, millisecond = 0;
  int weekday = 4;
};
utc_time to_utc(int64_t unix_ms);
// REQUIRES: month 1-12, day 1-31 (a day past the month's end rolls into the next month).
int64_t from_utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0);
int days_in_month(int year, int month);
// ISO 8601, "2023-11-14T22:13:20Z", with ".123" when the milliseconds are not zero.
std::string format_utc(int64_t unix_ms);

}  // namespace xyn::actors::text

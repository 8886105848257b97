#pragma once
// slots.hpp — the typed values a business request carries, pulled out of one utterance:
// money, dates, counts, channels, e-mails, plans, report formats and periods, service names,
// workflow ids and the names of things (products, organisations, projects, competitors).
// Deterministic and offline; the vocabularies (channels, plans, services, ...) come from the
// lexicon so tenants can extend them. Pure functions; any thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xyn::assistant {

// Canonical value -> the phrases that mean it, all lower case ("content-hub" -> {"content hub",
// "the content hub", "cms"}). The canonical value itself always matches too.
using gazetteer = std::map<std::string, std::vector<std::string>>;

struct slot_vocabulary {
  gazetteer channels;  // email, linkedin, instagram, tiktok, facebook, twitter, blog, ...
  gazetteer plans;     // free, pro, enterprise, ...
  gazetteer services;  // the fifteen service names
  gazetteer formats;   // markdown, csv, html, json
  gazetteer periods;   // last_week, last_month, this_month, this_quarter, last_quarter, ytd, ...
};

struct money {
  double amount = 0;     // major units: "$25,000" -> 25000, "40k" -> 40000, "1.5m" -> 1500000
  std::string currency;  // "USD", "EUR", "GBP" or "" when not said
};

// A name and the cue that introduced it ("called", "named", "for", "product", quotes, ...).
struct name_mention {
  std::string text;   // as written, trimmed of quotes and trailing punctuation: "Vega Watch"
  std::string cue;    // lower case cue word, "quote" for a quoted string, "capitalized" otherwise
  size_t offset = 0;  // byte offset in the utterance
};

struct slots {
  std::optional<money> budget;        // the first amount of money
  std::vector<std::string> dates;     // ISO yyyy-mm-dd in order of mention
  std::vector<int64_t> counts;        // "three" -> 3, "10" -> 10 (not money, not dates)
  std::vector<std::string> channels;  // canonical, in order, no duplicates
  std::vector<std::string> emails;
  std::optional<std::string> plan;        // canonical
  std::optional<std::string> format;      // canonical
  std::optional<std::string> period;      // canonical
  std::vector<std::string> services;      // canonical, in order, no duplicates
  std::vector<std::string> workflow_ids;  // tokens like wf-9eb8897c-1 or chat-...
  std::vector<name_mention> names;        // candidate names, in order of mention
};

// Everything `text` says, with relative dates ("next month", "tomorrow", "by December 15")
// resolved against `today` (ISO yyyy-mm-dd, UTC) — a date without a year is the next one on
// or after today.
slots extract_slots(std::string_view text, const slot_vocabulary& vocab, std::string_view today);

// The pieces, for tests and for the dialogue's follow-up answers ("It's called Vega Watch").
std::optional<money> parse_money(std::string_view text);
std::vector<std::string> parse_dates(std::string_view text, std::string_view today);
std::vector<int64_t> parse_counts(std::string_view text);
std::vector<std::string> match_gazetteer(std::string_view text, const gazetteer& g);
// Names in order of mention. A quoted name right after a cue word carries that word
// ('titled "Ten Tips"' -> cue "titled"); a name seen with a cue and again as a capitalised
// word is listed once, with the cue.
std::vector<name_mention> find_names(std::string_view text);
// As above, less the phrases the vocabulary knows ("LinkedIn", "Content Hub", "Pro"): those are
// channels, services and plans, not names. extract_slots uses this one.
std::vector<name_mention> find_names(std::string_view text, const slot_vocabulary& vocab);

}  // namespace xyn::assistant

#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "actors/services/text.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;
namespace text = xyn::actors::text;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_qa_engine());
}
}  // namespace

TEST_CASE("text: syllables by the vowel-group rule") {
  CHECK(text::syllables("the") == 1);
  CHECK(text::syllables("little") == 2);     // final "le" after a consonant is a syllable
  CHECK(text::syllables("whole") == 1);      // silent e
  CHECK(text::syllables("makes") == 1);      // silent -es
  CHECK(text::syllables("boxes") == 2);      // -es after x is heard
  CHECK(text::syllables("sentences") == 3);  // -es after c is heard
  CHECK(text::syllables("wanted") == 2);     // -ed after t is heard
  CHECK(text::syllables("jumped") == 1);     // silent -ed
  CHECK(text::syllables("year") == 1);       // leading y is a consonant
  CHECK(text::syllables("happy") == 2);
  CHECK(text::syllables("Beautiful") == 3);
}

TEST_CASE("text: words keep apostrophes and hyphens, sentences split on end marks") {
  auto w = text::words("Don't stop, well-known 3.5");
  REQUIRE(w.size() == 5);
  CHECK(w[0].text == "Don't");
  CHECK(w[1].text == "stop");
  CHECK(w[2].text == "well-known");
  CHECK(w[3].text == "3");  // "3.5" is two number words; the '.' is not a word joiner
  CHECK(w[4].text == "5");
  auto s = text::sentences("It costs 3.5 dollars. Really?! Yes.\n\nHeading\nNext line");
  REQUIRE(s.size() == 4);
  CHECK(s[0].text == "It costs 3.5 dollars.");
  CHECK(s[1].text == "Really?!");
  CHECK(s[2].text == "Yes.");
  CHECK(s[3].text == "Heading\nNext line");
  CHECK(s[3].offset == 37);
}

TEST_CASE("qa-engine: Flesch reading ease of a known text") {
  auto h = make();
  // Words: The little cat sat / It was happy = 7; sentences = 2.
  // Syllables: the 1, little 2, cat 1, sat 1, it 1, was 1, happy 2 = 9.
  // FRE = 206.835 - 1.015 * (7/2) - 84.6 * (9/7)
  //     = 206.835 - 3.5525 - 108.771429 = 94.511071 -> 94.51
  // FK grade = 0.39 * 3.5 + 11.8 * (9/7) - 15.59 = 1.365 + 15.171429 - 15.59 = 0.946429 -> 0.95
  auto r = h.ok("readability", {{"text", "The little cat sat. It was happy."}});
  CHECK(r["words"] == 7);
  CHECK(r["sentences"] == 2);
  CHECK(r["syllables"] == 9);
  CHECK(r["flesch_reading_ease"].get<double>() == Approx(94.51));
  CHECK(r["flesch_kincaid_grade"].get<double>() == Approx(0.95));
  CHECK(r["band"] == "very easy");
  CHECK(r["longest_sentence"]["text"] == "The little cat sat.");

  auto c = h.ok("check", {{"text", "The little cat sat. It was happy."}});
  CHECK(c["flesch_reading_ease"].get<double>() == Approx(94.51));
  CHECK(c["passed"] == true);
  CHECK(c["issues"].empty());
}

TEST_CASE("qa-engine: length, banned terms and sections are reported with positions") {
  auto h = make();
  // Offsets: "## " 0-2, Summary 3, \n 10, This 11, is 16, free 19, money 24, '.' 29,
  // Click 31, here 37, now 42. Eight words; the 7th (index 6) is "here" at 37.
  std::string body = "## Summary\nThis is free money. Click here now!\n";
  auto r = h.ok("check", {{"text", body},
                          {"min_words", 5},
                          {"max_words", 6},
                          {"banned_terms", {"click here", "Free Money", "art"}},
                          {"required_sections", {"Summary", "Pricing"}}});
  CHECK(r["words"] == 8);
  CHECK(r["sentences"] == 2);
  CHECK(r["passed"] == false);
  const auto& issues = r["issues"];
  REQUIRE(issues.size() == 4);
  CHECK(issues[0]["kind"] == "too_long");
  CHECK(issues[0]["position"] == 37);
  CHECK(issues[1]["kind"] == "banned_term");
  CHECK(issues[1]["position"] == 19);
  CHECK(issues[1]["message"] == "banned term 'Free Money'");
  CHECK(issues[2]["kind"] == "banned_term");
  CHECK(issues[2]["position"] == 31);
  CHECK(issues[3]["kind"] == "missing_section");
  CHECK(issues[3]["position"].is_null());
  CHECK(issues[3]["message"].get<std::string>().find("Pricing") != std::string::npos);

  // Whole words only: "art" is not banned inside "start"; sections may end with a colon.
  auto ok = h.ok("check", {{"text", "Pricing:\nWe start today."},
                           {"banned_terms", {"art"}},
                           {"required_sections", {"pricing"}},
                           {"min_words", 2}});
  CHECK(ok["passed"] == true);
  auto short_text = h.ok("check", {{"text", "Too short."}, {"min_words", 3}});
  REQUIRE(short_text["issues"].size() == 1);
  CHECK(short_text["issues"][0]["kind"] == "too_short");
}

TEST_CASE("qa-engine: a reading-ease floor flags hard text") {
  auto h = make();
  auto r =
      h.ok("check",
           {{"text", "Organizational interoperability necessitates comprehensive documentation."},
            {"min_reading_ease", 30}});
  REQUIRE(r["issues"].size() == 1);
  CHECK(r["issues"][0]["kind"] == "hard_to_read");
  CHECK(r["flesch_reading_ease"].get<double>() < 30);
}

TEST_CASE("qa-engine: bad params are invalid_params naming the field") {
  auto h = make();
  auto r = h.run("check", {{"max_words", 3}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'text'") != std::string::npos);
  r = h.run("check", {{"text", "x"}, {"max_words", "ten"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'max_words'") != std::string::npos);
  r = h.run("check", {{"text", "x"}, {"banned_terms", {"ok", 3}}});
  CHECK(r.message.find("'banned_terms'") != std::string::npos);
  r = h.run("readability", {{"text", "?!"}});
  CHECK(r.code == "invalid_params");
}

namespace {
// Seeds content-hub: c1 shares 4 of the text's 5-word shingles, c2 none, c3 one.
void seed_hub(service_harness& h) {
  h.ok_on("content-hub", "create",
          {{"title", "Fox"}, {"body", "the quick brown fox jumps over the lazy dog"}});
  h.ok_on("content-hub", "create",
          {{"title", "Solar"}, {"body", "Solar panels lower the power bill for most homes"}});
  h.ok_on("content-hub", "create",
          {{"title", "Fences"}, {"body", "a quick brown fox jumps over fences"}});
}
const std::string copied = "Yesterday the quick brown fox jumps over the lazy cat.";
}  // namespace

TEST_CASE("qa-engine: near-duplicates in content-hub by 5-word shingle Jaccard") {
  auto h = make();
  seed_hub(h);
  // The text's 6 shingles: "yesterday the quick brown fox", then 4 that c1 also has ("the
  // quick brown fox jumps" .. "fox jumps over the lazy"), then "jumps over the lazy cat".
  // c1 has 5 shingles: Jaccard = 4 / (6 + 5 - 4) = 4/7 = 0.571.
  // c3 has 3 ("a quick brown fox jumps", "quick brown fox jumps over", "brown fox jumps over
  // fences"), 1 shared: 1 / (6 + 3 - 1) = 0.125. c2 shares none.
  auto r = h.ok("find_duplicates", {{"text", copied}});
  CHECK(r["compared"] == 3);
  REQUIRE(r["duplicates"].size() == 1);
  const auto& d = r["duplicates"][0];
  CHECK(d["id"] == "c1");
  CHECK(d["version"] == 1);
  CHECK(d["title"] == "Fox");
  CHECK(d["similarity"].get<double>() == Approx(0.571));
  CHECK(d["shared_shingles"] == 4);
  // The longest shared run: shingles 2-5, i.e. words 2-9, bytes 10-49 of the text.
  CHECK(d["span"]["start"] == 10);
  CHECK(d["span"]["end"] == 49);
  CHECK(d["span"]["text"] == "the quick brown fox jumps over the lazy");
  CHECK(d["span"]["item_start"] == 0);

  auto low = h.ok("find_duplicates", {{"text", copied}, {"duplicate_threshold", 0.1}});
  REQUIRE(low["duplicates"].size() == 2);
  CHECK(low["duplicates"][1]["id"] == "c3");
  CHECK(low["duplicates"][1]["similarity"].get<double>() == Approx(0.125));
  CHECK(low["duplicates"][1]["span"]["text"] == "quick brown fox jumps over");
  // The item being checked can be left out; deleted items and other tenants are never compared.
  CHECK(h.ok("find_duplicates", {{"text", copied}, {"exclude_id", "c1"}})["duplicates"].empty());
  CHECK(h.ok("find_duplicates", {{"text", copied}}, "globex")["compared"] == 0);
  h.ok_on("content-hub", "delete", {{"id", "c1"}});
  CHECK(h.ok("find_duplicates", {{"text", copied}})["duplicates"].empty());
  CHECK(h.run("find_duplicates", {{"text", copied}, {"duplicate_threshold", 1.5}})
            .message.find("'duplicate_threshold'") != std::string::npos);
}

TEST_CASE("qa-engine: check reports duplicates as issues, fail_on_issues fails the action") {
  auto h = make();
  seed_hub(h);
  CHECK(h.ok("check", {{"text", copied}})["passed"] == true);  // duplicates are opt-in
  auto r = h.ok("check", {{"text", copied}, {"duplicates", true}});
  CHECK(r["passed"] == false);
  REQUIRE(r["issues"].size() == 1);
  CHECK(r["issues"][0]["kind"] == "duplicate");
  CHECK(r["issues"][0]["position"] == 10);
  CHECK(r["issues"][0]["message"] ==
        "shares 57% of its 5-word phrases with content item 'c1' (version 1)");
  CHECK(r["duplicates"][0]["id"] == "c1");

  auto f = h.run("check", {{"text", copied}, {"duplicates", true}, {"fail_on_issues", true}});
  CHECK_FALSE(f.ok);
  CHECK(f.code == "qa_failed");
  CHECK(f.message == "the text has 1 issue(s): duplicate");
  f = h.run("check", {{"text", "Buy now, buy now!"},
                      {"banned_terms", {"buy now"}},
                      {"required_sections", {"Terms"}},
                      {"fail_on_issues", true}});
  CHECK(f.code == "qa_failed");
  CHECK(f.message == "the text has 3 issue(s): banned_term x2, missing_section");
  CHECK(f.output["issues"].size() == 3);
  CHECK(h.ok("check", {{"text", "All good here."}, {"fail_on_issues", true}})["passed"] == true);
}

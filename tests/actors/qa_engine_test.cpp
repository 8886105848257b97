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

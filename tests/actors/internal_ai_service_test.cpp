#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_internal_ai_service());
}

// Content words per sentence (stopwords and words under 3 letters left out):
//   0 solar panels cut energy bills         1 solar panels need roofs
//   2 weather nice yesterday                3 panels solar inverters work together
// Term frequency: solar 3, panels 3, every other word 1; normalized by the maximum, 3.
// Scores: s0 = 1 + 1 + 3 * (1/3) = 3.0; s1 = 1 + 1 + 2/3 = 2.6667; s2 = 1.0; s3 = 3.0.
const char* solar =
    "Solar panels cut energy bills. Solar panels need roofs. The weather was nice yesterday. "
    "Panels and solar inverters work together.";
}  // namespace

TEST_CASE("internal-ai: generate fills slots, nested ones too") {
  auto h = make();
  auto r = h.ok(
      "generate",
      {{"template", "Hello {{ name }}, your {{plan.tier}} plan renews in {{days}} days, {{name}}."},
       {"slots", {{"name", "Ada"}, {"plan", {{"tier", "Pro"}}}, {"days", 3}}}});
  CHECK(r["text"] == "Hello Ada, your Pro plan renews in 3 days, Ada.");
  CHECK(r["slots_used"] == json({"name", "plan.tier", "days"}));
  CHECK(h.ok("generate", {{"template", "no slots"}})["text"] == "no slots");
}

TEST_CASE("internal-ai: a missing slot is invalid_params naming it") {
  auto h = make();
  auto r =
      h.run("generate", {{"template", "Hi {{name}}, {{days}} left"}, {"slots", {{"name", "Ada"}}}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'slots.days'") != std::string::npos);
  r = h.run("generate", {{"template", "Hi {{name"}, {"slots", {{"name", "Ada"}}}});
  CHECK(r.message.find("'template'") != std::string::npos);
  r = h.run("generate", {{"template", "Hi {{ }}"}});
  CHECK(r.message.find("'template'") != std::string::npos);
  CHECK(h.run("generate", {{"slots", json::object()}}).message.find("'template'") !=
        std::string::npos);
  // Three copies of a 600 KB slot pass the 1 MiB output limit.
  r = h.run("generate",
            {{"template", "{{x}}{{x}}{{x}}"}, {"slots", {{"x", std::string(600 * 1024, 'a')}}}});
  CHECK(r.code == "too_large");
}

TEST_CASE("internal-ai: extractive summary by term frequency") {
  auto h = make();
  auto r = h.ok("summarize", {{"text", solar}, {"sentences", 2}});
  CHECK(r["summary"] == "Solar panels cut energy bills. Panels and solar inverters work together.");
  CHECK(r["total_sentences"] == 4);
  REQUIRE(r["sentences"].size() == 2);
  CHECK(r["sentences"][0]["index"] == 0);
  CHECK(r["sentences"][0]["score"].get<double>() == Approx(3.0));
  CHECK(r["sentences"][1]["index"] == 3);
  auto three = h.ok("summarize", {{"text", solar}, {"sentences", 3}});
  CHECK(three["sentences"][1]["index"] == 1);
  CHECK(three["sentences"][1]["score"].get<double>() == Approx(2.6667));
}

TEST_CASE("internal-ai: keywords leave out stopwords") {
  auto h = make();
  // 17 content words; panels and solar 3 each (ties alphabetical): 3/17 = 0.1765.
  auto r = h.ok("keywords", {{"text", solar}, {"count", 3}});
  const auto& k = r["keywords"];
  REQUIRE(k.size() == 3);
  CHECK(k[0]["term"] == "panels");
  CHECK(k[0]["count"] == 3);
  CHECK(k[0]["frequency"].get<double>() == Approx(0.1765));
  CHECK(k[1]["term"] == "solar");
  CHECK(k[2]["term"] == "bills");
  CHECK(r["content_words"] == 17);
}

TEST_CASE("internal-ai: lexicon sentiment with negation") {
  auto h = make();
  // love +1; "not easy" -> -1; slow -1: (1 - 2) / 3 = -0.3333.
  auto r =
      h.ok("sentiment",
           {{"text", "I love this product, but the setup was not easy and support was slow."}});
  CHECK(r["positive"] == 1);
  CHECK(r["negative"] == 2);
  CHECK(r["score"].get<double>() == Approx(-0.3333));
  CHECK(r["label"] == "negative");
  CHECK(r["matches"][1]["word"] == "easy");
  CHECK(r["matches"][1]["negated"] == true);
  auto pos = h.ok("sentiment", {{"text", "Great tool. Works perfectly, I recommend it."}});
  CHECK(pos["score"] == 1.0);
  CHECK(pos["label"] == "positive");
  auto neutral = h.ok("sentiment", {{"text", "The meeting is on Tuesday."}});
  CHECK(neutral["score"] == 0.0);
  CHECK(neutral["label"] == "neutral");
  CHECK(h.ok("sentiment", {{"text", "It isn\u2019t bad."}})["label"] == "positive");
}

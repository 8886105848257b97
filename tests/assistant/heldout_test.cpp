// The assistant against utterances it was not trained on (tests/assistant/heldout.json; the
// training split is config/assistant/lexicon.json). Prints intent accuracy, template accuracy
// and parameter exact-match, and every miss, and fails below 90 % on any of them.
#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>

#include "actors/assistant/dialogue.hpp"

using namespace xyn::assistant;
using json = nlohmann::json;

namespace {

struct tally {
  int right = 0, total = 0;
  void add(bool ok) {
    ++total;
    right += ok ? 1 : 0;
  }
  double ratio() const { return total == 0 ? 1.0 : static_cast<double>(right) / total; }
};

}  // namespace

TEST_CASE("held-out utterances: intent, template and parameters at 90 % or better", "[assistant]") {
  std::ifstream in(XYN_HELDOUT_JSON);
  REQUIRE(in.good());
  auto doc = json::parse(in);
  auto lex = parse_lexicon(builtin_lexicon_json());
  REQUIRE(lex.ok());
  dialogue d(std::move(*lex));
  std::string today = doc.value("today", "2026-11-27");
  tally intents, templates, params;
  int conversation = 0;
  for (const auto& c : doc["conversations"]) {
    ++conversation;
    json state = json::object();
    int n = 0;
    for (const auto& t : c["turns"]) {
      ++n;
      turn_input ti;
      std::string text = t["text"];
      ti.text = text;
      ti.today = today;
      ti.workflow_id = "chat-test-" + std::to_string(conversation) + "-" + std::to_string(n);
      auto r = d.turn(state, ti);
      bool intent_ok = r.intent == t["intent"].get<std::string>();
      intents.add(intent_ok);
      bool template_ok = true, params_ok = true;
      if (t.contains("template")) {
        json got = r.template_name.empty() ? json(nullptr) : json(r.template_name);
        template_ok = got == t["template"];
        templates.add(template_ok);
      }
      if (t.contains("params") || t.contains("missing")) {
        params_ok = r.params == t.value("params", json::object()) &&
                    json(r.missing) == t.value("missing", json::array());
        params.add(params_ok);
      }
      if (!intent_ok || !template_ok || !params_ok)
        std::cout << "miss: \"" << text << "\"\n  want " << t.dump()
                  << "\n  got  intent=" << r.intent << " template=" << r.template_name
                  << " params=" << r.params.dump() << " missing=" << json(r.missing).dump()
                  << " confidence=" << r.confidence << "\n";
    }
  }
  std::cout << "held-out: intent " << intents.right << "/" << intents.total << " ("
            << 100 * intents.ratio() << " %), template " << templates.right << "/"
            << templates.total << " (" << 100 * templates.ratio() << " %), parameters "
            << params.right << "/" << params.total << " (" << 100 * params.ratio() << " %)\n";
  CHECK(intents.total >= 80);
  CHECK(intents.ratio() >= 0.9);
  CHECK(templates.ratio() >= 0.9);
  CHECK(params.ratio() >= 0.9);
}

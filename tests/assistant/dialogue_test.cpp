// The dialogue's behaviour across turns with known answers: a request in one sentence starts
// its workflow with typed, converted input; missing inputs are asked for and filled from the
// next turn; "actually ..." changes the plan; yes/no answer a confirmation; "do the same for"
// repeats the plan; "it" means the last workflow; nonsense is unknown and acts on nothing.
#include <catch2/catch.hpp>

#include "actors/assistant/dialogue.hpp"
#include "actors/services/text.hpp"

using namespace xyn::assistant;
using json = nlohmann::json;

namespace {

const dialogue& shared_dialogue() {
  static const dialogue d = [] {
    auto lex = parse_lexicon(builtin_lexicon_json());
    REQUIRE(lex.ok());
    return dialogue(std::move(*lex));
  }();
  return d;
}

struct conversation {
  json state = json::object();
  int turn = 0;
  bool confirm_first = false;
  turn_result say(const std::string& text) {
    turn_input in;
    in.text = text;
    in.today = "2026-11-27";
    in.workflow_id = "wf-" + std::to_string(++turn);
    in.confirm_first = confirm_first;
    return shared_dialogue().turn(state, in);
  }
};

}  // namespace

TEST_CASE("a complete request starts its template with converted input", "[assistant]") {
  conversation c;
  auto r =
      c.say("Launch our new product Vega Watch with a budget of $25,000 on LinkedIn and email");
  CHECK(r.intent == "start_workflow");
  CHECK(r.template_name == "product_launch");
  CHECK(r.params ==
        json{{"product", "Vega Watch"}, {"budget", 25000}, {"channels", {"linkedin", "email"}}});
  CHECK(r.missing.empty());
  REQUIRE(r.act.value("kind", "") == "start");
  CHECK(r.act["id"] == "wf-1");
  CHECK(r.act["template"] == "product_launch");
  CHECK(r.act["input"]["budget"] == 2500000);  // the template takes minor units
  CHECK(r.act["input"]["product"] == "Vega Watch");
  CHECK(r.reply.find("wf-1") != std::string::npos);
}

TEST_CASE("missing inputs are asked for and filled from the next turn", "[assistant]") {
  conversation c;
  auto r = c.say("let's launch a product");
  CHECK(r.intent == "start_workflow");
  CHECK(r.template_name == "product_launch");
  CHECK(r.missing == std::vector<std::string>{"product"});
  CHECK(r.act.empty());
  CHECK(r.reply.find("called") != std::string::npos);
  r = c.say("It's called Vega Watch");
  CHECK(r.intent == "start_workflow");
  CHECK(r.params == json{{"product", "Vega Watch"}});
  CHECK(r.missing.empty());
  CHECK(r.act.value("kind", "") == "start");
}

TEST_CASE("project kickoff: the start date becomes Unix ms and the team size a count",
          "[assistant]") {
  conversation c;
  auto r = c.say("kick off project Apollo on March 3rd with a team of four");
  CHECK(r.template_name == "project_kickoff");
  CHECK(r.params["project"] == "Apollo");
  CHECK(r.params["start"] == "2027-03-03");
  CHECK(r.params["team_size"] == 4);
  REQUIRE(r.act.value("kind", "") == "start");
  CHECK(r.act["input"]["start"] == xyn::actors::text::from_utc(2027, 3, 3));
}

TEST_CASE("a report over last month gets the period's bounds and a title", "[assistant]") {
  conversation c;
  auto r = c.say("give me a performance report for last month as csv");
  CHECK(r.template_name == "performance_report");
  CHECK(r.params == json{{"format", "csv"}, {"from", "2026-10-01"}, {"to", "2026-11-01"}});
  REQUIRE(r.act.value("kind", "") == "start");
  CHECK(r.act["input"]["from"] == xyn::actors::text::from_utc(2026, 10, 1));
  CHECK(r.act["input"]["title"].is_string());
}

TEST_CASE("modify changes the plan, and after a start asks before a second run", "[assistant]") {
  conversation c;
  c.say("launch a product called Orion Buds");
  auto r = c.say("actually make the budget 10000");
  CHECK(r.intent == "modify");
  CHECK(r.params == json{{"product", "Orion Buds"}, {"budget", 10000}});
  CHECK(r.act.empty());
  r = c.say("yes");
  CHECK(r.intent == "confirm");
  REQUIRE(r.act.value("kind", "") == "start");
  CHECK(r.act["input"]["budget"] == 1000000);
  CHECK(r.act["id"] == "wf-3");
}

TEST_CASE("channels: 'instead' replaces them, 'too' adds", "[assistant]") {
  conversation c;
  c.confirm_first = true;
  c.say("run a marketing campaign called Spring Push for Nova on email");
  auto r = c.say("add instagram too");
  CHECK(r.intent == "modify");
  CHECK(r.params["channels"] == json{"email", "instagram"});
  r = c.say("use tiktok instead");
  CHECK(r.params["channels"] == json{"tiktok"});
}

TEST_CASE("confirm_first asks, and no drops the plan", "[assistant]") {
  conversation c;
  c.confirm_first = true;
  auto r = c.say("onboard Acme Corp on the pro plan");
  CHECK(r.template_name == "tenant_onboarding");
  CHECK(r.act.empty());
  CHECK(r.reply.find("Shall I") != std::string::npos);
  r = c.say("no, forget it");
  CHECK(r.intent == "deny");
  CHECK(r.act.empty());
  r = c.say("yes");
  CHECK(r.intent == "confirm");
  CHECK(r.act.empty());  // nothing is waiting any more
}

TEST_CASE("do the same for another name repeats the plan", "[assistant]") {
  conversation c;
  auto r = c.say("onboard Acme Corp on the enterprise plan");
  REQUIRE(r.act.value("kind", "") == "start");
  r = c.say("do the same for Wayne Enterprises");
  CHECK(r.intent == "start_workflow");
  CHECK(r.template_name == "tenant_onboarding");
  CHECK(r.params == json{{"tenant_name", "Wayne Enterprises"}, {"plan", "enterprise"}});
  CHECK(r.act.value("kind", "") == "start");
  CHECK(r.act["id"] == "wf-2");
}

TEST_CASE("'it' is the conversation's last workflow", "[assistant]") {
  conversation c;
  c.say("launch a product called Vega Watch");
  auto r = c.say("what's the status of that?");
  CHECK(r.intent == "workflow_status");
  CHECK(r.act == json{{"kind", "status"}, {"id", "wf-1"}});
  r = c.say("cancel it");
  CHECK(r.intent == "cancel_workflow");
  CHECK(r.act == json{{"kind", "cancel"}, {"id", "wf-1"}});
  r = c.say("how is wf-9eb8897c-1 doing");
  CHECK(r.act == json{{"kind", "status"}, {"id", "wf-9eb8897c-1"}});
}

TEST_CASE("nonsense is unknown and never a guessed workflow", "[assistant]") {
  for (const char* text :
       {"asdf qwerty zxcv", "what's the weather in Paris tomorrow", "purple monkey dishwasher",
        "write me a poem about cats", "who won the world cup in 2018",
        "translate this sentence to French", "order a large pizza", "book me a flight to Berlin",
        "tell me a joke", "what is the capital of Peru"}) {
    conversation c;
    auto r = c.say(text);
    INFO(text << " -> " << r.intent << " " << r.confidence);
    CHECK(r.intent == "unknown");
    CHECK(r.template_name.empty());
    CHECK(r.act.empty());
    CHECK_FALSE(r.reply.empty());
  }
}

TEST_CASE("the lexicon is checked when it is read", "[assistant]") {
  nlohmann::ordered_json doc = builtin_lexicon_json();
  doc["templates"]["product_launch"]["params"]["budget"]["from"] = "wishes";
  auto bad = parse_lexicon(doc);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().find("templates.product_launch.params.budget") != std::string::npos);
  doc = builtin_lexicon_json();
  doc["intents"]["help"]["examples"] = nlohmann::ordered_json::array();
  CHECK_FALSE(parse_lexicon(doc).ok());
}

TEST_CASE("runtime answers read as sentences with their numbers", "[assistant]") {
  json run = {{"id", "wf-1"},
              {"template", "product_launch"},
              {"status", "running"},
              {"steps",
               {{{"id", "copy"}, {"status", "completed"}},
                {{"id", "qa"}, {"status", "running"}},
                {{"id", "publish"}, {"status", "pending"}}}},
              {"error", nullptr}};
  CHECK(dialogue::describe_run(run) ==
        "The product launch wf-1 is running: 1 of 3 steps done, now at qa.");
  json summary = {{"counts", {{"completed", 3}, {"running", 1}, {"failed", 1}}}, {"total", 5}};
  CHECK(dialogue::describe_kpis(summary) ==
        "5 workflows in all: 3 completed, 1 running, 1 failed, 0 rolled back, 0 cancelled; "
        "success rate 75%.");
  json services = {{{"name", "content-hub"}, {"status", "up"}, {"restarts", 2}},
                   {{"name", "qa-engine"}, {"status", "restarting"}, {"restarts", 5}}};
  CHECK(dialogue::describe_health(services, {}) ==
        "1 of 2 services are up; not up: qa-engine (restarting).");
  CHECK(dialogue::describe_health(services, {"content-hub"}) == "content-hub is up (2 restarts).");
}

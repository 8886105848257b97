#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_ai_assistant());
}
}  // namespace

TEST_CASE("ai-assistant: remember and history keep turns in order") {
  auto h = make();
  CHECK(h.ok("remember",
             {{"conversation", "c1"}, {"text", "Launch the spring campaign"}})["turn"] == 1);
  h.now_ms += 10;
  CHECK(h.ok("remember", {{"conversation", "c1"},
                          {"text", "Which channels?"},
                          {"role", "assistant"}})["turn"] == 2);
  h.ok("remember", {{"conversation", "c2"}, {"text", "other"}});
  auto hist = h.ok("history", {{"conversation", "c1"}});
  REQUIRE(hist["turns"].size() == 2);
  CHECK(hist["turns"][0]["text"] == "Launch the spring campaign");
  CHECK(hist["turns"][0]["role"] == "user");
  CHECK(hist["turns"][1]["role"] == "assistant");
  CHECK(hist["turns"][1]["at"] == h.now_ms);
  auto last = h.ok("history", {{"conversation", "c1"}, {"limit", 1}});
  REQUIRE(last["turns"].size() == 1);
  CHECK(last["turns"][0]["turn"] == 2);
  CHECK(last["total"] == 2);
  CHECK(h.ok("list_conversations", json::object())["count"] == 2);
}

TEST_CASE("ai-assistant: forget undoes remember") {
  auto h = make();
  CHECK(h.service().find("remember")->compensation == "forget");
  h.ok("remember", {{"conversation", "c1"}, {"text", "one"}});
  auto second = h.ok("remember", {{"conversation", "c1"}, {"text", "two"}});
  // remember's output {conversation, turn} is exactly the compensation's params.
  CHECK(h.ok("forget", second)["forgotten"] == 1);
  auto hist = h.ok("history", {{"conversation", "c1"}});
  REQUIRE(hist["turns"].size() == 1);
  CHECK(hist["turns"][0]["text"] == "one");
  CHECK(h.run("forget", second).code == "not_found");
  CHECK(h.ok("forget", {{"conversation", "c1"}})["forgotten"] == 1);
  CHECK(h.run("history", {{"conversation", "c1"}}).code == "not_found");
  CHECK(h.ok("list_conversations", json::object())["count"] == 0);
}

TEST_CASE("ai-assistant: tenants never see each other's conversations") {
  auto h = make();
  h.ok("remember", {{"conversation", "c1"}, {"text", "acme secret"}}, "acme");
  CHECK(h.run("history", {{"conversation", "c1"}}, "globex").code == "not_found");
  CHECK(h.ok("list_conversations", json::object(), "globex")["count"] == 0);
}

TEST_CASE("ai-assistant: bad params are invalid_params naming the field") {
  auto h = make();
  auto r = h.run("remember", {{"conversation", "c1"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'text'") != std::string::npos);
  r = h.run("remember", {{"conversation", "bad id/1"}, {"text", "x"}});
  CHECK(r.message.find("'conversation'") != std::string::npos);
  r = h.run("remember", {{"conversation", "c1"}, {"text", "x"}, {"role", "robot"}});
  CHECK(r.message.find("'role'") != std::string::npos);
}

TEST_CASE("ai-assistant: chat keeps the conversation's context in the store") {
  auto h = make();
  auto r = h.ok("chat", {{"conversation", "c1"}, {"text", "launch a product called Nova"}});
  CHECK(r["intent"] == "start_workflow");
  CHECK(r["template"] == "product_launch");
  CHECK(r["workflow_id"] == "chat-default-c1-1");
  CHECK(r["act"]["kind"] == "start");
  // A fresh service (as after a restart) reads the context back: "that" is the run above.
  service_harness again(xyn::actors::services::make_ai_assistant(), h.shared_env(), h.dir());
  r = again.ok("chat", {{"conversation", "c1"}, {"text", "what's the status of that?"}});
  CHECK(r["intent"] == "workflow_status");
  CHECK(r["workflow_id"] == "chat-default-c1-1");
  CHECK(again.ok("history", {{"conversation", "c1"}})["total"] == 4);
  // Another tenant's conversation of the same name is another conversation.
  r = again.ok("chat", {{"conversation", "c1"}, {"text", "what's the status of that?"}}, "other");
  CHECK(r["workflow_id"].is_null());
  CHECK(again.run("chat", {{"conversation", "c1"}, {"text", ""}}).code == "invalid_params");
}

TEST_CASE(
    "ai-assistant: a tenant teaches its own phrases and aliases, and unteach takes them back") {
  auto h = make();
  json say = {{"conversation", "t1"}, {"text", "zorblat my pipelines"}};
  json channel = {{"conversation", "t2"}, {"text", "launch a product called Nova on mailshot"}};
  CHECK(h.ok("chat", say)["intent"] == "unknown");
  CHECK(h.ok("chat", channel)["params"].value("channels", json::array()).empty());
  json lesson = {{"examples", {{{"text", "zorblat my pipelines"}, {"intent", "list_workflows"}}}},
                 {"gazetteers", {{"channels", {{"email", {"Mailshot"}}}}}}};
  CHECK(h.service().find("teach")->compensation == "unteach");
  h.ok("teach", lesson);
  CHECK(h.ok("chat", say)["intent"] == "list_workflows");
  channel["conversation"] = "t3";
  CHECK(h.ok("chat", channel)["params"]["channels"] == json{"email"});
  CHECK(h.ok("chat", say, "other")["intent"] == "unknown");  // only this tenant learned it
  h.ok("unteach", lesson);
  CHECK(h.ok("chat", say)["intent"] == "unknown");
  CHECK(h.run("teach", {{"examples", {{{"text", "x"}, {"intent", "fly"}}}}}).code ==
        "invalid_params");
  CHECK(h.run("teach", json::object()).code == "invalid_params");
}

#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_marketing_engine());
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

json campaign(int64_t start) {
  return {{"name", "Spring launch"},
          {"product", "Solar Lamp"},
          {"channels", {"twitter", "email", "twitter"}},
          {"budget", 250000},
          {"audience", "campers"},
          {"start", start}};
}
}  // namespace

TEST_CASE("marketing-engine: create and get a campaign") {
  auto h = make();
  auto c = h.ok("create_campaign", campaign(h.now_ms + 1000));
  CHECK(c["id"] == "cmp1");
  CHECK(c["status"] == "active");
  CHECK(c["phase"] == "upcoming");
  CHECK(c["channels"] == json({"twitter", "email"}));  // duplicates dropped, order kept
  CHECK(c["budget"] == 250000);
  h.now_ms += 2000;
  auto g = h.ok("get_campaign", {{"id", "cmp1"}});
  CHECK(g["phase"] == "running");
  CHECK(g["product"] == "Solar Lamp");
  CHECK(h.run("get_campaign", {{"id", "cmp9"}}).code == "not_found");
}

TEST_CASE("marketing-engine: pause and resume compensate each other") {
  auto h = make();
  auto id = h.ok("create_campaign", campaign(h.now_ms))["id"];
  CHECK(h.service().find("pause_campaign")->compensation == "resume_campaign");
  CHECK(h.service().find("resume_campaign")->compensation == "pause_campaign");
  CHECK(h.ok("pause_campaign", {{"id", id}})["status"] == "paused");
  CHECK(h.run("pause_campaign", {{"id", id}}).code == "conflict");
  CHECK(h.ok("list_campaigns", {{"status", "paused"}})["count"] == 1);
  CHECK(h.ok("resume_campaign", {{"id", id}})["status"] == "active");
  CHECK(h.ok("get_campaign", {{"id", id}})["status"] == "active");
  CHECK(h.ok("list_campaigns", {{"status", "paused"}})["count"] == 0);
}

TEST_CASE("marketing-engine: delete undoes create; restore undoes delete") {
  auto h = make();
  CHECK(h.service().find("create_campaign")->compensation == "delete_campaign");
  auto id = h.ok("create_campaign", campaign(h.now_ms))["id"];
  h.ok("delete_campaign", {{"id", id}});
  CHECK(h.run("get_campaign", {{"id", id}}).code == "not_found");
  CHECK(h.ok("list_campaigns", json::object())["count"] == 0);
  h.ok("restore_campaign", {{"id", id}});
  CHECK(h.ok("get_campaign", {{"id", id}})["name"] == "Spring launch");
}

TEST_CASE("marketing-engine: copy from channel templates") {
  auto h = make();
  auto r = h.ok("generate_copy", {{"product", "solar lamp"},
                                  {"channel", "twitter"},
                                  {"tone", "bold"},
                                  {"audience", "campers"}});
  CHECK(r["text"] ==
        "Solar lamp changes everything. Campers, this is your move. Get it now. #SolarLamp");
  CHECK(r["length"] == 81);
  CHECK(r["limit"] == 280);
  CHECK(r["truncated"] == false);

  auto sms = h.ok("generate_copy", {{"product", "Solar Lamp"}, {"channel", "sms"}});
  CHECK(sms["text"] == "Introducing Solar Lamp. Learn more.");  // neutral tone, no hashtags on SMS

  auto email = h.ok("generate_copy", {{"product", "Solar Lamp"},
                                      {"channel", "email"},
                                      {"tone", "friendly"},
                                      {"key_points", {"Charges by day", "Lights all night"}}});
  CHECK(email["text"] ==
        "Subject: Say hello to Solar Lamp!\n\nHi there,\n\n- Charges by day\n- Lights all "
        "night\n\nGive it a try, we think you will love it.");
}

TEST_CASE("marketing-engine: copy over the channel limit is cut at a word with an ellipsis") {
  auto h = make();
  std::string product;
  for (int i = 0; i < 60; ++i) product += "mega ";
  product += "lamp";
  auto r = h.ok("generate_copy", {{"product", product}, {"channel", "twitter"}});
  auto text = r["text"].get<std::string>();
  CHECK(r["truncated"] == true);
  CHECK(code_points(text) <= 280);
  CHECK(r["length"] == code_points(text));
  CHECK(text.substr(text.size() - 3) == "\u2026");
  CHECK(text.substr(text.size() - 7, 4) == "mega");  // ends on a whole word
}

TEST_CASE("marketing-engine: tenants never see each other's campaigns") {
  auto h = make();
  h.ok("create_campaign", campaign(h.now_ms), "acme");
  CHECK(h.ok("list_campaigns", json::object(), "globex")["count"] == 0);
  CHECK(h.run("get_campaign", {{"id", "cmp1"}}, "globex").code == "not_found");
  CHECK(h.ok("list_campaigns", json::object(), "acme")["count"] == 1);
}

TEST_CASE("marketing-engine: bad params are invalid_params naming the field") {
  auto h = make();
  auto bad = campaign(h.now_ms);
  bad.erase("budget");
  auto r = h.run("create_campaign", bad);
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'budget'") != std::string::npos);
  bad = campaign(h.now_ms);
  bad["budget"] = "100";
  CHECK(h.run("create_campaign", bad).message.find("'budget'") != std::string::npos);
  bad = campaign(h.now_ms);
  bad["channels"] = {"myspace"};
  r = h.run("create_campaign", bad);
  CHECK(r.message.find("'channels'") != std::string::npos);
  CHECK(r.message.find("myspace") != std::string::npos);
  bad = campaign(h.now_ms);
  bad["end"] = h.now_ms - 1;
  CHECK(h.run("create_campaign", bad).message.find("'end'") != std::string::npos);
  CHECK(h.run("generate_copy", {{"product", "x"}, {"channel", "fax"}}).message.find("'channel'") !=
        std::string::npos);
  CHECK(h.run("generate_copy", {{"product", "x"}, {"channel", "sms"}, {"tone", "sad"}})
            .message.find("'tone'") != std::string::npos);
}

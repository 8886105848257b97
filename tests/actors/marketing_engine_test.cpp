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

TEST_CASE("marketing-engine: delete undoes create, restore undoes delete") {
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

TEST_CASE("marketing-engine: schedule sets the window, unschedule puts the previous back") {
  auto h = make();
  const int64_t t = h.now_ms, day = 86400000;
  auto c = campaign(t + day);
  c["end"] = t + 10 * day;
  auto id = h.ok("create_campaign", c)["id"];
  CHECK(h.service().find("schedule_campaign")->compensation == "unschedule_campaign");
  CHECK(h.service().find("unschedule_campaign")->compensation == "schedule_campaign");
  auto first =
      h.ok("schedule_campaign", {{"id", id}, {"start", t + 2 * day}, {"end", t + 5 * day}});
  CHECK(first["start"] == t + 2 * day);
  CHECK(first["end"] == t + 5 * day);
  CHECK(first["schedule_revision"] == 1);
  CHECK(first["phase"] == "upcoming");
  // No end: open-ended from the new start.
  auto second = h.ok("schedule_campaign", {{"id", id}, {"start", t - day}});
  CHECK(second["phase"] == "running");
  CHECK(!second.contains("end"));
  // The first schedule's compensation no longer applies once another came since.
  CHECK(h.run("unschedule_campaign", first).code == "conflict");
  auto undo = h.ok("unschedule_campaign", second);
  CHECK(undo["start"] == t + 2 * day);
  CHECK(undo["end"] == t + 5 * day);
  CHECK(undo["removed"] == json({{"id", id}, {"start", t - day}, {"end", nullptr}}));
  // The unschedule's own compensation is schedule_campaign with what it removed.
  CHECK(h.ok("schedule_campaign", undo["removed"])["start"] == t - day);
  h.ok("unschedule_campaign", {{"id", id}});
  h.ok("unschedule_campaign", {{"id", id}});
  auto back = h.ok("get_campaign", {{"id", id}});
  CHECK(back["start"] == t + day);
  CHECK(back["end"] == t + 10 * day);
  CHECK(h.run("unschedule_campaign", {{"id", id}}).code == "conflict");  // nothing left to undo
  CHECK(h.run("schedule_campaign", {{"id", id}, {"start", t}, {"end", t}}).message.find("'end'") !=
        std::string::npos);
  CHECK(h.run("schedule_campaign", {{"id", id}}).message.find("'start'") != std::string::npos);
  CHECK(h.run("schedule_campaign", {{"id", "cmp9"}, {"start", t}}).code == "not_found");
}

TEST_CASE("marketing-engine: launch goes live now, pause compensates it") {
  auto h = make();
  const int64_t t = h.now_ms, day = 86400000;
  auto id = h.ok("create_campaign", campaign(t + day))["id"];
  CHECK(h.service().find("launch_campaign")->compensation == "pause_campaign");
  auto live = h.ok("launch_campaign", {{"id", id}});
  CHECK(live["status"] == "active");
  CHECK(live["phase"] == "running");
  CHECK(live["start"] == t);  // the planned start moved up to now
  CHECK(live["launched_at"] == t);
  CHECK(h.run("launch_campaign", {{"id", id}}).code == "conflict");
  CHECK(h.ok("pause_campaign", {{"id", id}})["status"] == "paused");
  // From paused a launch restarts it, keeping the first launch time.
  h.now_ms += 1000;
  auto again = h.ok("launch_campaign", {{"id", id}});
  CHECK(again["status"] == "active");
  CHECK(again["launched_at"] == t);
  // An ended campaign cannot launch.
  auto over = campaign(t - 2 * day);
  over["end"] = t - day;
  auto ended = h.ok("create_campaign", over)["id"];
  CHECK(h.run("launch_campaign", {{"id", ended}}).code == "conflict");
}

namespace {
json event(const char* type, const char* campaign, const char* user, json value, int64_t ts) {
  json e = {{"type", type}, {"dimensions", {{"campaign", campaign}}}, {"timestamp", ts}};
  if (user) e["dimensions"]["user"] = user;
  if (!value.is_null()) e["value"] = value;
  return e;
}
}  // namespace

TEST_CASE("marketing-engine: campaign_stats from analytics events, computed by hand") {
  auto h = make();
  const int64_t t = h.now_ms, day = 86400000, hour = 3600000;
  // Budget 1000.00 over ten days, two of them gone.
  auto c = campaign(t - 2 * day);
  c["end"] = t + 8 * day;
  c["budget"] = 100000;
  auto id = h.ok("create_campaign", c)["id"].get<std::string>();
  CHECK(id == "cmp1");
  h.ok_on("analytics-data-layer", "ingest",
          {{"events",
            {event("ad_spend", "cmp1", nullptr, 12000, t - 2 * day + hour),
             event("ad_spend", "cmp1", nullptr, 8000, t - day),
             event("ad_spend", "cmp9", nullptr, 5000, t - day),  // another campaign
             event("impression", "cmp1", "u1", nullptr, t - 2 * day + hour),
             event("impression", "cmp1", "u2", nullptr, t - day),
             event("impression", "cmp1", "u1", nullptr, t - hour),
             event("impression", "cmp1", "u3", nullptr, t - hour),
             event("impression", "cmp9", "u9", nullptr, t - hour)}}});
  // Spend 120.00 + 80.00; four impressions by three people; a fifth of the budget spent in a
  // fifth of the window: on pace.
  auto s = h.ok("campaign_stats", {{"id", id}});
  CHECK(s["spend"] == 20000);
  CHECK(s["impressions"] == 4);
  CHECK(s["reach"] == 3);
  CHECK(s["total_spend"] == 20000);
  CHECK(s["budget_remaining"] == 80000);
  CHECK(s["overspend"] == 0);
  CHECK(s["pacing"] == json({{"elapsed", 0.2},
                             {"spent", 0.2},
                             {"expected_spend", 20000},
                             {"ratio", 1.0},
                             {"status", "on_track"}}));
  // The last day and a half only: one spend of 80.00; u2 once, u1 and u3 an hour ago. Budget
  // left and pacing still count all spend.
  auto recent = h.ok("campaign_stats", {{"id", id}, {"from", t - 36 * hour}});
  CHECK(recent["from"] == t - 36 * hour);
  CHECK(recent["to"].is_null());
  CHECK(recent["spend"] == 8000);
  CHECK(recent["impressions"] == 3);
  CHECK(recent["reach"] == 3);
  CHECK(recent["budget_remaining"] == 80000);
  // Spending 1100.00 by now: over budget and over pace (1.1 of the budget in 0.2 of the time).
  h.ok_on("analytics-data-layer", "ingest",
          {{"events", {event("ad_spend", "cmp1", nullptr, 90000, t - hour)}}});
  auto over = h.ok("campaign_stats", {{"id", id}});
  CHECK(over["budget_remaining"] == 0);
  CHECK(over["overspend"] == 10000);
  CHECK(over["pacing"]["ratio"] == 5.5);
  CHECK(over["pacing"]["status"] == "over");
  // A campaign without events: nothing spent, nobody reached; no end, so no pacing.
  auto quiet = h.ok("create_campaign", campaign(t))["id"];
  auto q = h.ok("campaign_stats", {{"id", quiet}});
  CHECK(q["spend"] == 0);
  CHECK(q["reach"] == 0);
  CHECK(q["budget_remaining"] == 250000);
  CHECK(q["pacing"].is_null());
  CHECK(h.run("campaign_stats", {{"id", id}, {"from", t}, {"to", t}}).message.find("'to'") !=
        std::string::npos);
  CHECK(h.run("campaign_stats", {{"id", "cmp9"}}).code == "not_found");
}

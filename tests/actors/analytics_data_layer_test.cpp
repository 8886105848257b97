#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_analytics_data_layer());
}

json purchase(const char* plan, const char* user, json value, int64_t ts) {
  json e = {
      {"type", "purchase"}, {"dimensions", {{"plan", plan}, {"user", user}}}, {"timestamp", ts}};
  if (!value.is_null()) e["value"] = value;
  return e;
}

// Five purchases (one without a value) and one page view:
//   t=1000  pro   a  30        t=3000   basic c 10
//   t=2000  pro   b  50        t=61000  basic a 20        t=62000 pro d (no value)
json sample() {
  return {{"events",
           {purchase("pro", "a", 30, 1000),
            purchase("pro", "b", 50, 2000),
            purchase("basic", "c", 10, 3000),
            purchase("basic", "a", 20, 61000),
            purchase("pro", "d", nullptr, 62000),
            {{"type", "page_view"}, {"dimensions", {{"page", "/home"}}}, {"timestamp", 1000}}}}};
}
}  // namespace

TEST_CASE("analytics: aggregates computed by hand") {
  auto h = make();
  auto in = h.ok("ingest", sample());
  CHECK(in["ingested"] == 6);
  auto agg = [&](json q) { return h.ok("aggregate", q); };
  CHECK(agg({{"type", "purchase"}, {"op", "count"}})["value"] == 5);
  // sum/avg/min/max use the four events that carry a value: 30 + 50 + 10 + 20 = 110.
  auto sum = agg({{"type", "purchase"}, {"op", "sum"}});
  CHECK(sum["value"].get<double>() == 110);
  CHECK(sum["count"] == 5);
  CHECK(agg({{"type", "purchase"}, {"op", "avg"}})["value"].get<double>() == 27.5);
  CHECK(agg({{"type", "purchase"}, {"op", "min"}})["value"].get<double>() == 10);
  CHECK(agg({{"type", "purchase"}, {"op", "max"}})["value"].get<double>() == 50);
  CHECK(agg({{"type", "page_view"}, {"op", "count"}})["value"] == 1);
  CHECK(agg({{"type", "signup"}, {"op", "sum"}})["value"].is_null());
}

TEST_CASE("analytics: group by dimension, time windows, filters and ranges") {
  auto h = make();
  h.ok("ingest", sample());
  // basic: 10 + 20 = 30 over 2 events; pro: 30 + 50 = 80 over 3 events.
  auto by_plan = h.ok("aggregate", {{"type", "purchase"}, {"op", "sum"}, {"group_by", "plan"}});
  REQUIRE(by_plan["groups"].size() == 2);
  CHECK(by_plan["groups"][0]["group"] == "basic");
  CHECK(by_plan["groups"][0]["value"].get<double>() == 30);
  CHECK(by_plan["groups"][0]["count"] == 2);
  CHECK(by_plan["groups"][1]["group"] == "pro");
  CHECK(by_plan["groups"][1]["value"].get<double>() == 80);
  CHECK(by_plan["groups"][1]["count"] == 3);
  // One-minute windows: [0, 60000) holds 3 purchases, [60000, 120000) holds 2.
  auto by_minute =
      h.ok("aggregate", {{"type", "purchase"}, {"op", "count"}, {"interval_ms", 60000}});
  REQUIRE(by_minute["groups"].size() == 2);
  CHECK(by_minute["groups"][0]["window_start"] == 0);
  CHECK(by_minute["groups"][0]["value"] == 3);
  CHECK(by_minute["groups"][1]["window_start"] == 60000);
  CHECK(by_minute["groups"][1]["value"] == 2);
  // [2000, 61000) is half-open: t=2000 and t=3000, not t=61000.
  CHECK(h.ok("aggregate",
             {{"type", "purchase"}, {"op", "count"}, {"from", 2000}, {"to", 61000}})["value"] == 2);
  // User a bought for 30 and 20.
  CHECK(
      h.ok("aggregate", {{"type", "purchase"}, {"op", "sum"}, {"where", {{"user", "a"}}}})["value"]
          .get<double>() == 50);
}

TEST_CASE("analytics: an ordered funnel by user") {
  auto h = make();
  auto ev = [](const char* type, const char* user, int64_t ts) {
    return json{{"type", type}, {"dimensions", {{"user", user}}}, {"timestamp", ts}};
  };
  // u1 does all three in order; u2 activated before signing up (does not count);
  // u3 signs up at 100, activates at 300 and buys at 5000.
  h.ok("ingest", {{"events",
                   {ev("signup", "u1", 100), ev("signup", "u2", 100), ev("signup", "u3", 100),
                    ev("activate", "u1", 200), ev("activate", "u2", 50), ev("activate", "u3", 300),
                    ev("purchase", "u1", 250), ev("purchase", "u3", 5000)}}});
  auto f = h.ok("funnel", {{"steps", {"signup", "activate", "purchase"}}, {"by", "user"}});
  const auto& s = f["steps"];
  CHECK(s[0]["entities"] == 3);
  CHECK(s[1]["entities"] == 2);
  CHECK(s[2]["entities"] == 2);
  CHECK(s[1]["conversion_from_previous"].get<double>() == Approx(0.6667));
  CHECK(s[2]["conversion_from_previous"].get<double>() == 1.0);
  CHECK(s[2]["conversion_overall"].get<double>() == Approx(0.6667));
  // Within 1000 ms of signing up, u3's purchase (4900 ms later) no longer counts.
  auto quick =
      h.ok("funnel",
           {{"steps", {"signup", "activate", "purchase"}}, {"by", "user"}, {"within_ms", 1000}});
  CHECK(quick["steps"][2]["entities"] == 1);
}

TEST_CASE("analytics: discard_batch undoes an ingest") {
  auto h = make();
  h.ok("ingest", sample());
  auto b = h.ok("ingest", {{"events", {purchase("pro", "z", 1000, 5000)}}});
  CHECK(h.ok("aggregate", {{"type", "purchase"}, {"op", "sum"}})["value"].get<double>() == 1110);
  CHECK(h.service().find("ingest")->compensation == "discard_batch");
  CHECK(h.ok("discard_batch", {{"batch_id", b["batch_id"]}})["discarded"] == 1);
  CHECK(h.ok("aggregate", {{"type", "purchase"}, {"op", "sum"}})["value"].get<double>() == 110);
  // Discarding again finds nothing left and still succeeds (a compensation may be retried);
  // a batch that was never handed out is not_found.
  CHECK(h.ok("discard_batch", {{"batch_id", b["batch_id"]}})["discarded"] == 0);
  CHECK(h.run("discard_batch", {{"batch_id", "b3"}}).code == "not_found");
  CHECK(h.run("discard_batch", {{"batch_id", "x1"}}).code == "not_found");
  CHECK(h.ok("get_retention", json::object())["events"] == 6);
}

TEST_CASE("analytics: tenants never see each other's events") {
  auto h = make();
  h.ok("ingest", sample(), "acme");
  CHECK(h.ok("aggregate", {{"type", "purchase"}, {"op", "count"}}, "globex")["value"] == 0);
  CHECK(h.ok("aggregate", {{"type", "purchase"}, {"op", "count"}}, "acme")["value"] == 5);
}

TEST_CASE("analytics: bad params are invalid_params naming the field, nothing is stored") {
  auto h = make();
  auto r = h.run("ingest", {{"events", {{{"type", "ok"}}, {{"value", 3}}}}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message == "field 'events[1].type': required string is missing");
  CHECK(h.ok("aggregate", {{"type", "ok"}, {"op", "count"}})["value"] == 0);
  r = h.run("ingest", {{"events", {{{"type", "x"}, {"dimensions", {{"tags", {1, 2}}}}}}}});
  CHECK(r.message.find("'events[0].dimensions.tags'") != std::string::npos);
  r = h.run("ingest", {{"events", {{{"type", "a/b"}}}}});
  CHECK(r.message.find("'events[0].type'") != std::string::npos);
  r = h.run("aggregate", {{"type", "purchase"}, {"op", "median"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'op'") != std::string::npos);
  r = h.run("aggregate", {{"type", "purchase"}, {"op", "count"}, {"from", 10}, {"to", 5}});
  CHECK(r.message.find("'to'") != std::string::npos);
  CHECK(h.run("funnel", {{"steps", {"a"}}, {"by", "user"}}).message.find("'steps'") !=
        std::string::npos);
  auto field_of = [&](const char* action, json params) {
    auto out = h.run(action, params);
    CHECK(out.code == "invalid_params");
    auto start = out.message.find('\'') + 1;
    return out.message.substr(start, out.message.find('\'', start) - start);
  };
  auto q = [](json extra) {
    json params = {{"type", "purchase"}, {"op", "percentiles"}};
    params.update(extra);
    return params;
  };
  CHECK(field_of("aggregate", q({{"percentiles", {50, 0}}})) == "percentiles");
  CHECK(field_of("aggregate", q({{"percentiles", {150}}})) == "percentiles");
  CHECK(field_of("aggregate", q({{"percentiles", "p50"}})) == "percentiles");
  CHECK(field_of("aggregate", q({{"percentiles", json::array()}})) == "percentiles");
  CHECK(field_of("aggregate", {{"type", "purchase"}, {"op", "sum"}, {"percentiles", {50}}}) ==
        "percentiles");
  CHECK(field_of("aggregate", {{"type", "purchase"}, {"op", "count_distinct"}}) == "distinct");
  CHECK(field_of("aggregate", q({{"bucket", "fortnight"}})) == "bucket");
  CHECK(field_of("aggregate", q({{"bucket", "day"}, {"interval_ms", 1000}})) == "bucket");
  CHECK(field_of("set_retention", {{"max_events", 0}}) == "max_events");
  CHECK(field_of("set_retention", {{"max_age_days", "30"}}) == "max_age_days");
  CHECK(field_of("purge", {{"limit", 0}}) == "limit");
}

TEST_CASE("analytics: nearest-rank percentiles computed by hand") {
  auto h = make();
  // Values 1..10, ingested out of order; odd values are plan "odd", even ones plan "even".
  json events = json::array();
  for (int v : {7, 3, 10, 1, 9, 2, 8, 5, 4, 6})
    events.push_back(purchase(v % 2 ? "odd" : "even", "u", v, 1000 * v));
  h.ok("ingest", {{"events", events}});
  // Nearest rank of p among n = 10 sorted values is ceil(p/100 * 10): p10 -> 1st (1), p25 ->
  // 3rd (3), p50 -> 5th (5), p90 -> 9th (9), p99 -> 10th (10), p99.9 -> 10th, p100 -> 10th.
  auto all = h.ok("aggregate", {{"type", "purchase"},
                                {"op", "percentiles"},
                                {"percentiles", {10, 25, 50, 90, 99, 99.9, 100}}});
  CHECK(all["value"] == json({{"p10", 1.0},
                              {"p25", 3.0},
                              {"p50", 5.0},
                              {"p90", 9.0},
                              {"p99", 10.0},
                              {"p99.9", 10.0},
                              {"p100", 10.0}}));
  // The default is 50, 90, 99; per group of five: p50 is the 3rd, p90 and p99 the 5th.
  auto by_plan =
      h.ok("aggregate", {{"type", "purchase"}, {"op", "percentiles"}, {"group_by", "plan"}});
  REQUIRE(by_plan["groups"].size() == 2);
  CHECK(by_plan["groups"][0]["group"] == "even");
  CHECK(by_plan["groups"][0]["value"] == json({{"p50", 6.0}, {"p90", 10.0}, {"p99", 10.0}}));
  CHECK(by_plan["groups"][1]["group"] == "odd");
  CHECK(by_plan["groups"][1]["value"] == json({{"p50", 5.0}, {"p90", 9.0}, {"p99", 9.0}}));
  // No valued events: no percentiles.
  CHECK(h.ok("aggregate", {{"type", "signup"}, {"op", "percentiles"}})["value"].is_null());
}

TEST_CASE("analytics: count_distinct counts distinct dimension values") {
  auto h = make();
  h.ok("ingest", sample());
  // Purchasers a, b, c, a, d: four distinct users in five events.
  auto all =
      h.ok("aggregate", {{"type", "purchase"}, {"op", "count_distinct"}, {"distinct", "user"}});
  CHECK(all["value"] == 4);
  CHECK(all["count"] == 5);
  // basic: c, a; pro: a, b, d.
  auto by_plan = h.ok(
      "aggregate",
      {{"type", "purchase"}, {"op", "count_distinct"}, {"distinct", "user"}, {"group_by", "plan"}});
  CHECK(by_plan["groups"][0]["value"] == 2);
  CHECK(by_plan["groups"][1]["value"] == 3);
  CHECK(h.ok("aggregate",
             {{"type", "purchase"}, {"op", "count_distinct"}, {"distinct", "nope"}})["value"] == 0);
}

TEST_CASE("analytics: calendar buckets (UTC, weeks start on Monday)") {
  auto h = make();
  // Sun 2023-11-12 23:30, Mon 11-13 00:10, Sun 11-19 23:59, Thu 11-30 12:00, Fri 12-01 00:00.
  const int64_t ts[] = {1699831800000, 1699834200000, 1700438340000, 1701345600000, 1701388800000};
  json events = json::array();
  for (int i = 0; i < 5; ++i) events.push_back(purchase("pro", "u", i + 1, ts[i]));
  h.ok("ingest", {{"events", events}});
  auto starts = [&](const char* bucket) {
    auto out = h.ok("aggregate", {{"type", "purchase"}, {"op", "sum"}, {"bucket", bucket}});
    json got = json::array();
    for (const auto& g : out["groups"]) got.push_back({g["window_start"], g["value"]});
    return got;
  };
  // Hours: 11-12 23:00 {1}, 11-13 00:00 {2}, 11-19 23:00 {3}, 11-30 12:00 {4}, 12-01 00:00 {5}.
  CHECK(starts("hour") == json({{1699830000000, 1.0},
                                {1699833600000, 2.0},
                                {1700434800000, 3.0},
                                {1701345600000, 4.0},
                                {1701388800000, 5.0}}));
  // Days: 11-12, 11-13, 11-19, 11-30, 12-01.
  CHECK(starts("day") == json({{1699747200000, 1.0},
                               {1699833600000, 2.0},
                               {1700352000000, 3.0},
                               {1701302400000, 4.0},
                               {1701388800000, 5.0}}));
  // Weeks from Monday: 11-06 {1}, 11-13 {2, 3}, 11-27 {4, 5}.
  CHECK(starts("week") == json({{1699228800000, 1.0}, {1699833600000, 5.0}, {1701043200000, 9.0}}));
  // Months: November {1, 2, 3, 4}, December {5}.
  CHECK(starts("month") == json({{1698796800000, 10.0}, {1701388800000, 5.0}}));
  // Buckets combine with a dimension and a window: minutes of [11-13 00:00, 11-20 00:00).
  auto out = h.ok("aggregate", {{"type", "purchase"},
                                {"op", "count"},
                                {"bucket", "minute"},
                                {"group_by", "plan"},
                                {"from", 1699833600000},
                                {"to", 1700438400000}});
  CHECK(out["value"] == 2);
  REQUIRE(out["groups"].size() == 2);
  CHECK(out["groups"][0] ==
        json({{"window_start", 1699834200000}, {"group", "pro"}, {"value", 1}, {"count", 1}}));
  CHECK(out["groups"][1]["window_start"] == 1700438340000);
}

namespace {
// n events of type "tick", one second apart from t, each worth its index.
json ticks(int n, int64_t t, int first = 0) {
  json events = json::array();
  for (int i = first; i < first + n; ++i)
    events.push_back({{"type", "tick"}, {"timestamp", t + 1000 * i}, {"value", i}});
  return {{"events", events}};
}
}  // namespace

TEST_CASE("analytics: retention by age, set_retention undoes itself") {
  auto h = make();
  const int64_t day = 86400000;
  // Two expired events in one batch, one that stays in another.
  auto old = h.ok("ingest", {{"events",
                              {purchase("pro", "a", 1, h.now_ms - 3 * day),
                               purchase("pro", "b", 2, h.now_ms - 2 * day)}}});
  h.ok("ingest", {{"events", {purchase("pro", "c", 4, h.now_ms - day / 2)}}});
  auto set = h.ok("set_retention", {{"max_age_days", 1}});
  CHECK(set == json({{"max_age_days", 1},
                     {"max_events", nullptr},
                     {"previous", {{"max_age_days", nullptr}, {"max_events", nullptr}}}}));
  CHECK(h.service().find("set_retention")->compensation == "set_retention");
  // Expired events count nowhere at once, though still stored until a purge.
  CHECK(h.ok("aggregate", {{"type", "purchase"}, {"op", "sum"}})["value"].get<double>() == 4);
  auto ret = h.ok("get_retention", json::object());
  CHECK(ret["events"] == 3);
  CHECK(ret["expires_before"] == h.now_ms - day);
  // Undoing the policy brings them back.
  h.ok("set_retention", set["previous"]);
  CHECK(h.ok("aggregate", {{"type", "purchase"}, {"op", "sum"}})["value"].get<double>() == 7);
  CHECK(h.ok("purge", json::object())["purged"] == 0);  // no policy, nothing expires
  h.ok("set_retention", {{"max_age_days", 1}});
  CHECK(h.service().find("purge")->compensation.empty());
  auto purged = h.ok("purge", json::object());
  CHECK(purged == json({{"purged", 2}, {"more", false}, {"events", 1}}));
  // Gone for good now: lifting the policy does not bring them back.
  h.ok("set_retention", json::object());
  CHECK(h.ok("get_retention", json::object())["max_age_days"].is_null());
  CHECK(h.ok("aggregate", {{"type", "purchase"}, {"op", "sum"}})["value"].get<double>() == 4);
  // The purge took the whole first batch: discarding it finds nothing and still succeeds.
  CHECK(h.ok("discard_batch", {{"batch_id", old["batch_id"]}})["discarded"] == 0);
}

TEST_CASE("analytics: retention by count, enforced on ingest in bounded chunks") {
  auto h = make();
  const int64_t t = 1000000;
  auto count = [&] { return h.ok("aggregate", {{"type", "tick"}, {"op", "count"}})["value"]; };
  // A backlog of 2500 events, then a policy that keeps 10.
  auto backlog = h.ok("ingest", ticks(2500, t));
  h.ok("set_retention", {{"max_events", 10}});
  // The next ingest purges at most max(1000, 2 x its own events), oldest first.
  auto in = h.ok("ingest", ticks(1, t, 2500));
  CHECK(in["purged"] == 1000);
  CHECK(count() == 1501);
  CHECK(h.ok("aggregate", {{"type", "tick"}, {"op", "min"}})["value"].get<double>() == 1000);
  CHECK(h.ok("purge", {{"limit", 1000}}) ==
        json({{"purged", 1000}, {"more", true}, {"events", 501}}));
  CHECK(h.ok("purge", json::object()) == json({{"purged", 491}, {"more", false}, {"events", 10}}));
  // The newest ten remain: 2491..2500.
  CHECK(h.ok("aggregate", {{"type", "tick"}, {"op", "sum"}})["value"].get<double>() == 24955);
  // Discarding a batch removes only what the purge left of it: 9 of the backlog's 2500.
  CHECK(h.ok("discard_batch", {{"batch_id", backlog["batch_id"]}})["discarded"] == 9);
  CHECK(count() == 1);
  CHECK(h.ok("discard_batch", {{"batch_id", in["batch_id"]}})["discarded"] == 1);
  CHECK(h.ok("get_retention", json::object())["events"] == 0);
}

TEST_CASE("analytics: ingest purges only once the count limit is overrun by 1%") {
  auto h = make();
  h.ok("set_retention", {{"max_events", 100}});
  CHECK(h.ok("ingest", ticks(101, 0))["purged"] == 0);     // 101 <= 100 + 1
  CHECK(h.ok("ingest", ticks(1, 0, 101))["purged"] == 2);  // 102 > 101: back to 100
  CHECK(h.ok("get_retention", json::object())["events"] == 100);
  CHECK(h.ok("aggregate", {{"type", "tick"}, {"op", "min"}})["value"].get<double>() == 2);
}

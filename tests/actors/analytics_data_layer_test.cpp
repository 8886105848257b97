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
  CHECK(h.run("discard_batch", {{"batch_id", b["batch_id"]}}).code == "not_found");
}

TEST_CASE("analytics: tenants never see each other's events") {
  auto h = make();
  h.ok("ingest", sample(), "acme");
  CHECK(h.ok("aggregate", {{"type", "purchase"}, {"op", "count"}}, "globex")["value"] == 0);
  CHECK(h.ok("aggregate", {{"type", "purchase"}, {"op", "count"}}, "acme")["value"] == 5);
}

TEST_CASE("analytics: bad params are invalid_params naming the field; nothing is stored") {
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
}

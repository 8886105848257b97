#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_xynergy_competency_engine());
}

void add_team(service_harness& h) {
  h.ok("add_person", {{"name", "Alice"}, {"skills", {{"C++", 5}, {"sql", 2}}}});  // u1
  h.ok("add_person",
       {{"name", "Bob"}, {"skills", {{" cpp ", 3}, {"go", 4}}}, {"capacity_hours", 20}});  // u2
  h.ok("add_person", {{"name", "Carol"}, {"skills", {{"c++", 1}, {"SQL", 4}}}});           // u3
  h.ok("add_person", {{"name", "Dan"}, {"skills", {{"design", 4}}}});                      // u4
}
}  // namespace

TEST_CASE("competency: match ranks people with an explained score") {
  auto h = make();
  add_team(h);
  // Requirements c++ >= 3, sql >= 2:
  //   Alice c++ 5 (1 + 0.1*2 = 1.2), sql 2 (1.0)        -> (1.2 + 1.0) / 2 = 1.1
  //   Carol c++ 1 (0.5 * 1/3 = 0.1667), sql 4 (1.2)     -> (0.1667 + 1.2) / 2 = 0.683
  //   Bob   "cpp" is another skill than "c++": 0, 0    -> 0, left out
  //   Dan   0, 0                                        -> left out
  auto r = h.ok("match", {{"skills", {{"C++", 3}, {"sql", 2}}}});
  const auto& m = r["matches"];
  REQUIRE(m.size() == 2);
  CHECK(m[0]["name"] == "Alice");
  CHECK(m[0]["score"].get<double>() == Approx(1.1));
  CHECK(m[0]["meets_all"] == true);
  CHECK(m[1]["name"] == "Carol");
  CHECK(m[1]["score"].get<double>() == Approx(0.683));
  CHECK(m[1]["meets_all"] == false);
  const auto& why = m[1]["explanation"];
  REQUIRE(why.size() == 2);
  CHECK(why[0]["skill"] == "c++");
  CHECK(why[0]["level"] == 1);
  CHECK(why[0]["points"].get<double>() == Approx(0.167));
  CHECK(why[0]["note"].get<std::string>().find("partial") != std::string::npos);
  CHECK(why[1]["skill"] == "sql");
  CHECK(why[1]["points"].get<double>() == Approx(1.2));
  CHECK(r["considered"] == 4);
  CHECK(h.ok("match", {{"skills", {{"c++", 3}, {"sql", 2}}}, {"count", 1}})["matches"].size() == 1);
}

TEST_CASE("competency: skill names are trimmed and lower-cased, capacity filters") {
  auto h = make();
  add_team(h);
  // cpp >= 2: Bob ("cpp" 3 -> 1.1). go >= 4: Bob 1.0.
  auto r = h.ok("match", {{"skills", {{"CPP", 2}}}});
  REQUIRE(r["matches"].size() == 1);
  CHECK(r["matches"][0]["name"] == "Bob");
  CHECK(r["matches"][0]["score"].get<double>() == Approx(1.1));
  // Bob has 20 h a week: asking for 30 leaves him out.
  r = h.ok("match", {{"skills", {{"cpp", 2}}}, {"min_capacity_hours", 30}});
  CHECK(r["matches"].empty());
  CHECK(r["considered"] == 3);
  CHECK(h.ok("list_people", {{"skill", "SQL"}})["count"] == 2);
}

TEST_CASE("competency: match respects committed load, needed hours and levels") {
  auto h = make();
  add_team(h);
  json want = {{"c++", 3}, {"sql", 2}};
  // Alice has 40 h, 30 of them committed elsewhere: 10 h free is less than the 20 h needed.
  auto r = h.ok("match", {{"skills", want}, {"hours", 20}, {"load_hours", {{"u1", 30}}}});
  REQUIRE(r["matches"].size() == 1);
  CHECK(r["matches"][0]["name"] == "Carol");
  CHECK(r["matches"][0]["free_hours"] == 40.0);
  CHECK(r["matches"][0]["capacity_note"] == "40 h a week, 0 h committed, 40 h free");
  CHECK(r["considered"] == 3);  // Bob (20 h free) and Dan are considered but have no skill
  REQUIRE(r["excluded"].size() == 3);
  CHECK(r["excluded"][0] ==
        json({{"id", "u1"},
              {"name", "Alice"},
              {"reason", "40 h a week, 30 h committed, 10 h free: the task needs 20 h"}}));
  CHECK(r["excluded"][1]["reason"] == "has none of the required skills");
  CHECK(r["excluded"][2]["id"] == "u4");
  // Levels: require_all keeps only people meeting every level.
  auto strict = h.ok("match", {{"skills", want}, {"require_all", true}});
  REQUIRE(strict["matches"].size() == 1);
  CHECK(strict["matches"][0]["name"] == "Alice");
  CHECK(strict["excluded"][1]["reason"] ==
        "does not meet every required level (score 0.683)");  // Carol
  // Equal scores go to whoever has more free hours, then to the earlier-added.
  h.ok("add_person", {{"name", "Erin"}, {"skills", {{"c++", 5}, {"sql", 2}}}});  // u5, like Alice
  CHECK(h.ok("match", {{"skills", want}})["matches"][0]["name"] == "Alice");
  auto busy = h.ok("match", {{"skills", want}, {"load_hours", {{"u1", 10}}}});
  CHECK(busy["matches"][0]["name"] == "Erin");
  CHECK(busy["matches"][1]["name"] == "Alice");
  CHECK(busy["matches"][1]["load_hours"] == 10.0);
  CHECK(h.run("match", {{"skills", want}, {"load_hours", {{"u1", "lots"}}}})
            .message.find("'load_hours.u1'") != std::string::npos);
  CHECK(h.run("match", {{"skills", want}, {"hours", 200}}).message.find("'hours'") !=
        std::string::npos);
}

TEST_CASE("competency: remove_person undoes add_person, restore undoes remove") {
  auto h = make();
  add_team(h);
  CHECK(h.service().find("add_person")->compensation == "remove_person");
  json want = {{"skills", {{"c++", 3}, {"sql", 2}}}};
  h.ok("remove_person", {{"id", "u1"}});
  CHECK(h.ok("match", want)["matches"][0]["name"] == "Carol");
  CHECK(h.run("get_person", {{"id", "u1"}}).code == "not_found");
  h.ok("restore_person", {{"id", "u1"}});
  CHECK(h.ok("match", want)["matches"][0]["name"] == "Alice");
  CHECK(h.ok("match", want, "globex")["matches"].empty());  // other tenant
}

TEST_CASE("competency: bad params are invalid_params naming the field") {
  auto h = make();
  auto r = h.run("add_person", {{"name", "Eve"}, {"skills", {{"c++", 6}}}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'skills.c++'") != std::string::npos);
  r = h.run("add_person", {{"name", "Eve"}, {"skills", {{"c++", "expert"}}}});
  CHECK(r.message.find("'skills.c++'") != std::string::npos);
  r = h.run("add_person", {{"name", "Eve"}});
  CHECK(r.message.find("'skills'") != std::string::npos);
  r = h.run("add_person", {{"name", "Eve"}, {"skills", {{"go", 2}}}, {"capacity_hours", -1}});
  CHECK(r.message.find("'capacity_hours'") != std::string::npos);
  r = h.run("match", {{"skills", json::object()}});
  CHECK(r.message.find("'skills'") != std::string::npos);
}

#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_content_hub());
}
}  // namespace

TEST_CASE("content-hub: create, update and get at any version") {
  auto h = make();
  auto c = h.ok("create", {{"title", "Launch plan"}, {"body", "First draft"}, {"tags", {"plan"}}});
  CHECK(c["version"] == 1);
  auto id = c["id"].get<std::string>();
  auto u = h.ok("update", {{"id", id}, {"body", "Second draft"}});
  CHECK(u["version"] == 2);
  auto latest = h.ok("get", {{"id", id}});
  CHECK(latest["version"] == 2);
  CHECK(latest["title"] == "Launch plan");  // unchanged fields carry over
  CHECK(latest["body"] == "Second draft");
  CHECK(latest["tags"] == json::array({"plan"}));
  auto first = h.ok("get", {{"id", id}, {"version", 1}});
  CHECK(first["body"] == "First draft");
  auto missing = h.run("get", {{"id", id}, {"version", 3}});
  CHECK_FALSE(missing.ok);
  CHECK(missing.code == "not_found");
}

TEST_CASE("content-hub: publish and unpublish undo each other, list filters") {
  auto h = make();
  auto a = h.ok("create", {{"title", "A"}, {"body", "alpha"}, {"tags", {"news"}}})["id"];
  auto b = h.ok("create", {{"title", "B"}, {"body", "beta"}})["id"];
  h.ok("publish", {{"id", a}});
  CHECK(h.ok("list", {{"published", true}})["count"] == 1);
  CHECK(h.ok("list", {{"published", false}})["items"][0]["id"] == b);
  CHECK(h.ok("list", {{"tag", "news"}})["items"][0]["id"] == a);
  CHECK(h.ok("list", json::object())["count"] == 2);
  h.ok("unpublish", {{"id", a}});
  CHECK(h.ok("list", {{"published", true}})["count"] == 0);
  CHECK(h.service().find("publish")->compensation == "unpublish");
}

TEST_CASE("content-hub: publish a given version, the previous publication comes back") {
  auto h = make();
  auto id = h.ok("create", {{"title", "T"}, {"body", "one"}})["id"];
  auto p1 = h.ok("publish", {{"id", id}});
  CHECK(p1["published_version"] == 1);
  CHECK(p1["previous_published_version"] == 0);  // undo: unpublish
  h.ok("update", {{"id", id}, {"body", "two"}});
  auto p2 = h.ok("publish", {{"id", id}});
  CHECK(p2["published_version"] == 2);
  CHECK(p2["previous_published_version"] == 1);  // undo: publish {id, version: 1}
  h.ok("publish", {{"id", id}, {"version", p2["previous_published_version"]}});
  CHECK(h.ok("history", {{"id", id}})["published_version"] == 1);
  auto un = h.ok("unpublish", {{"id", id}});
  CHECK(un["previous_published_version"] == 1);
  CHECK(h.service().find("unpublish")->compensation == "publish");
  h.ok("publish", {{"id", id}, {"version", un["previous_published_version"]}});
  CHECK(h.ok("get", {{"id", id}})["published_version"] == 1);
  CHECK(h.run("publish", {{"id", id}, {"version", 3}}).code == "not_found");
}

TEST_CASE("content-hub: revert undoes an update and refuses once the item moved on") {
  auto h = make();
  auto id = h.ok("create", {{"title", "Plan"}, {"body", "v1 body"}, {"tags", {"a"}}})["id"];
  auto upd = h.ok("update", {{"id", id}, {"title", "Plan B"}, {"tags", {"b"}}});
  CHECK(h.service().find("update")->compensation == "revert");
  CHECK(h.service().find("revert")->compensation == "revert");
  // The compensation is revert with update's output: a version 3 equal to version 1.
  auto r = h.ok("revert", upd);
  CHECK(r["version"] == 3);
  CHECK(r["reverts"] == 2);
  CHECK(r["restored"] == 1);
  auto now = h.ok("get", {{"id", id}});
  CHECK(now["title"] == "Plan");
  CHECK(now["body"] == "v1 body");
  CHECK(now["tags"] == json::array({"a"}));
  CHECK_FALSE(h.ok("diff", {{"id", id}, {"from", 1}, {"to", 3}})["changed"]);
  // Reverting version 2 again is refused: version 3 came after it.
  auto stale = h.run("revert", upd);
  CHECK(stale.code == "conflict");
  CHECK(stale.message.find("version 3") != std::string::npos);
  // A revert is undone by reverting it; `to` picks an older version explicitly.
  CHECK(h.ok("revert", {{"id", id}, {"version", 3}})["restored"] == 2);
  CHECK(h.ok("get", {{"id", id}})["title"] == "Plan B");
  h.ok("revert", {{"id", id}, {"version", 4}, {"to", 1}});
  CHECK(h.ok("get", {{"id", id}})["title"] == "Plan");
  CHECK(h.ok("history", {{"id", id}})["versions"].size() == 5);
  CHECK(h.run("revert", {{"id", id}, {"version", 5}, {"to", 5}}).message.find("'to'") !=
        std::string::npos);
}

TEST_CASE("content-hub: diff is a shortest line diff of title and body, with tags") {
  auto h = make();
  auto id = h.ok(
      "create",
      {{"title", "Plan"}, {"body", "alpha\nbeta\ngamma\ndelta\n"}, {"tags", {"a", "b"}}})["id"];
  h.ok("update", {{"id", id},
                  {"title", "Plan v2"},
                  {"body", "alpha\nBETA\ngamma\ndelta\nepsilon\n"},
                  {"tags", {"b", "c"}}});
  auto d = h.ok("diff", {{"id", id}});  // from 1 to 2 by default
  CHECK(d["from"] == 1);
  CHECK(d["to"] == 2);
  CHECK(d["changed"] == true);
  CHECK(d["minimal"] == true);
  CHECK(d["title"]["lines"] == json::parse(R"([{"op":"-","line":1,"text":"Plan"},
                                              {"op":"+","line":1,"text":"Plan v2"}])"));
  CHECK(d["body"]["added"] == 2);
  CHECK(d["body"]["removed"] == 1);
  CHECK(d["body"]["lines"] == json::parse(R"([{"op":"-","line":2,"text":"beta"},
                                             {"op":"+","line":2,"text":"BETA"},
                                             {"op":"+","line":5,"text":"epsilon"}])"));
  CHECK(d["tags"]["added"] == json::array({"c"}));
  CHECK(d["tags"]["removed"] == json::array({"a"}));

  // Myers' example: ABCABBA -> CBABAC takes 5 edits (the longest common subsequence has 4).
  auto lines = [](const std::string& s) {
    std::string out;
    for (char c : s) out += std::string(1, c) + "\n";
    return out;
  };
  auto m = h.ok("create", {{"title", "M"}, {"body", lines("ABCABBA")}})["id"];
  h.ok("update", {{"id", m}, {"body", lines("CBABAC")}});
  auto md = h.ok("diff", {{"id", m}, {"from", 1}, {"to", 2}});
  CHECK(md["body"]["removed"] == 3);
  CHECK(md["body"]["added"] == 2);
  CHECK(md["title"]["lines"].empty());
  // Applying the diff to the old lines gives the new ones.
  std::vector<std::string> old_lines = {"A", "B", "C", "A", "B", "B", "A"}, result;
  std::vector<bool> removed(old_lines.size());
  for (const auto& l : md["body"]["lines"])
    if (l["op"] == "-") removed[l["line"].get<size_t>() - 1] = true;
  for (size_t i = 0; i < old_lines.size(); ++i)
    if (!removed[i]) result.push_back(old_lines[i]);
  for (const auto& l : md["body"]["lines"])
    if (l["op"] == "+")
      result.insert(result.begin() + static_cast<long>(l["line"].get<size_t>() - 1),
                    l["text"].get<std::string>());
  CHECK(result == std::vector<std::string>{"C", "B", "A", "B", "A", "C"});

  CHECK(h.run("diff", {{"id", id}, {"from", 0}}).code == "not_found");
  CHECK(h.run("diff", {{"id", id}, {"to", "two"}}).message.find("'to'") != std::string::npos);
}

TEST_CASE("content-hub: list filters by status, tag and updated_since, bodies on request") {
  auto h = make();
  auto a = h.ok("create", {{"title", "A"}, {"body", "alpha"}, {"tags", {"news"}}})["id"];
  h.now_ms += 1000;
  auto b = h.ok("create", {{"title", "B"}, {"body", "beta"}, {"tags", {"news"}}})["id"];
  h.now_ms += 1000;
  auto c = h.ok("create", {{"title", "C"}, {"body", "gamma"}})["id"];
  int64_t t2 = h.now_ms;
  h.ok("publish", {{"id", a}});  // updated at t2
  h.ok("delete", {{"id", c}});
  auto ids = [&](const json& params) {
    std::vector<std::string> out;
    auto listed = h.ok("list", params);
    for (const auto& i : listed["items"]) out.push_back(i["id"]);
    return out;
  };
  CHECK(ids({{"status", "published"}}) == std::vector<std::string>{a});
  CHECK(ids({{"status", "draft"}}) == std::vector<std::string>{b});
  CHECK(ids({{"status", "deleted"}}) == std::vector<std::string>{c});
  CHECK(ids({{"tag", "news"}, {"status", "draft"}}) == std::vector<std::string>{b});
  CHECK(ids({{"updated_since", t2}}) == std::vector<std::string>{a});
  CHECK(ids(json::object()) == std::vector<std::string>{a, b});
  CHECK_FALSE(h.ok("list", json::object())["items"][0].contains("body"));
  CHECK(h.ok("list", {{"with_body", true}})["items"][1]["body"] == "beta");
  CHECK(h.run("list", {{"status", "gone"}}).message.find("'status'") != std::string::npos);
}

TEST_CASE("content-hub: BM25 scores of a known corpus") {
  auto h = make();
  // Title words count twice. Lengths: c1 2*2 + 4 = 8, c2 2*2 + 6 = 10, c3 2*1 + 8 = 10;
  // average 28/3. "solar" is in all three: idf = ln(1 + 0.5/3.5) = 0.133531; "power" only in
  // c2: idf = ln(1 + 2.5/1.5) = 0.980829. With k1 = 1.2, b = 0.75:
  //   c1 solar f=3: 0.133531 * 3*2.2 / (3 + 1.2*(0.25 + 0.75*8/9.3333))  = 0.2165
  //   c2 solar f=1: 0.133531 * 2.2 / (1 + 1.2*(0.25 + 0.75*10/9.3333)) = 0.129740
  //      power f=3: 0.980829 * 6.6 / (3 + 1.264286)                      = 1.518067 -> 1.6478
  //   c3 solar f=1, length 10 like c2                                     = 0.1297
  auto c1 = h.ok("create", {{"title", "Solar panels"}, {"body", "Solar panels for homes"}})["id"];
  auto c2 =
      h.ok("create", {{"title", "Wind power"}, {"body", "Solar and wind power for farms"}})["id"];
  auto c3 = h.ok("create", {{"title", "Garden"},
                            {"body", "Solar lamps light the garden path at night"}})["id"];
  auto r = h.ok("search", {{"query", "solar power"}});
  REQUIRE(r["items"].size() == 3);
  CHECK(r["items"][0]["id"] == c2);
  CHECK(r["items"][0]["score"].get<double>() == Approx(1.6478));
  CHECK(r["items"][1]["id"] == c1);
  CHECK(r["items"][1]["score"].get<double>() == Approx(0.2165));
  CHECK(r["items"][2]["id"] == c3);
  CHECK(r["items"][2]["score"].get<double>() == Approx(0.1297));
  // Filters narrow the corpus before ranking (so idf changes too).
  h.ok("publish", {{"id", c3}});
  auto pub = h.ok("search", {{"query", "solar"}, {"status", "published"}});
  REQUIRE(pub["items"].size() == 1);
  CHECK(pub["items"][0]["id"] == c3);
  CHECK(h.ok("search", {{"query", "solar power"}, {"limit", 1}})["total"] == 3);
}

TEST_CASE("content-hub: delete hides an item and restore brings it back") {
  auto h = make();
  auto id = h.ok("create", {{"title", "T"}, {"body", "b"}})["id"];
  h.ok("delete", {{"id", id}});
  CHECK(h.run("get", {{"id", id}}).code == "not_found");
  CHECK(h.ok("list", json::object())["count"] == 0);
  h.ok("restore", {{"id", id}});
  CHECK(h.ok("get", {{"id", id}})["title"] == "T");
}

TEST_CASE("content-hub: search ranks by BM25, title words weigh more") {
  auto h = make();
  auto in_title =
      h.ok("create", {{"title", "Solar panels"}, {"body", "Install guide for roofs"}})["id"];
  auto in_body =
      h.ok("create", {{"title", "Roof guide"}, {"body", "We also sell solar lamps"}})["id"];
  h.ok("create", {{"title", "Garden"}, {"body", "Nothing relevant here"}});
  auto r = h.ok("search", {{"query", "Solar"}});
  REQUIRE(r["items"].size() == 2);
  CHECK(r["items"][0]["id"] == in_title);
  CHECK(r["items"][1]["id"] == in_body);
  CHECK(r["items"][0]["score"].get<double>() > r["items"][1]["score"].get<double>());
  CHECK(h.ok("search", {{"query", "zeppelin"}})["items"].empty());
}

TEST_CASE("content-hub: tenants never see each other's items") {
  auto h = make();
  h.ok("create", {{"title", "Secret"}, {"body", "acme only"}}, "acme");
  CHECK(h.ok("list", json::object(), "globex")["count"] == 0);
  CHECK(h.ok("search", {{"query", "secret"}}, "globex")["items"].empty());
  CHECK(h.ok("list", json::object(), "acme")["count"] == 1);
}

TEST_CASE("content-hub: bad params are invalid_params naming the field") {
  auto h = make();
  auto r = h.run("create", {{"body", "no title"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("title") != std::string::npos);
  r = h.run("create", {{"title", 5}, {"body", "x"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("title") != std::string::npos);
  r = h.run("list", {{"published", "yes"}});
  CHECK(r.code == "invalid_params");
  CHECK(h.run("frobnicate", json::object()).code == "unknown_action");
}

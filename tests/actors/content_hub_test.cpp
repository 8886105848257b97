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

TEST_CASE("content-hub: publish and unpublish undo each other; list filters") {
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

#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_secrets_config());
}
}  // namespace

TEST_CASE("secrets-config: every set is a new version; old versions stay readable") {
  auto h = make();
  auto v1 = h.ok("set_config", {{"key", "mail/from"}, {"value", "ops@acme.test"}});
  CHECK(v1["version"] == 1);
  CHECK(v1["previous_version"].is_null());
  auto v2 = h.ok("set_config",
                 {{"key", "mail/from"}, {"value", {{"name", "Ops"}, {"addr", "ops@acme.test"}}}});
  CHECK(v2["version"] == 2);
  CHECK(v2["previous_version"] == 1);
  auto cur = h.ok("get_config", {{"key", "mail/from"}});
  CHECK(cur["value"]["name"] == "Ops");
  CHECK(cur["version"] == 2);
  CHECK(h.ok("get_config", {{"key", "mail/from"}, {"version", 1}})["value"] == "ops@acme.test");
  CHECK(h.run("get_config", {{"key", "mail/from"}, {"version", 3}}).code == "not_found");
  auto hist = h.ok("history", {{"key", "mail/from"}});
  REQUIRE(hist["versions"].size() == 2);
  CHECK(hist["versions"][0]["value"] == "ops@acme.test");
  h.ok("set_config", {{"key", "mail/limit"}, {"value", 100}});
  h.ok("set_config", {{"key", "feature.x"}, {"value", true}});
  CHECK(h.ok("list_config", {{"prefix", "mail/"}})["count"] == 2);
  CHECK(h.ok("list_config", json::object())["count"] == 3);
}

TEST_CASE("secrets-config: revert_config undoes a set, and refuses once the key moved on") {
  auto h = make();
  CHECK(h.service().find("set_config")->compensation == "revert_config");
  h.ok("set_config", {{"key", "plan"}, {"value", "basic"}});
  auto second = h.ok("set_config", {{"key", "plan"}, {"value", "pro"}});
  // The set's own output is the compensation's params.
  auto rv = h.ok("revert_config", second);
  CHECK(rv["version"] == 3);
  CHECK(h.ok("get_config", {{"key", "plan"}})["value"] == "basic");
  CHECK(h.ok("history", {{"key", "plan"}})["versions"][2]["reverts"] == 2);
  CHECK(h.run("revert_config", second).code == "conflict");

  // Reverting the set that created a key deletes it again.
  auto fresh = h.ok("set_config", {{"key", "new"}, {"value", 1}});
  CHECK(h.ok("revert_config", fresh)["deleted"] == true);
  CHECK(h.run("get_config", {{"key", "new"}}).code == "not_found");
}

TEST_CASE("secrets-config: delete and restore") {
  auto h = make();
  h.ok("set_config", {{"key", "k"}, {"value", {1, 2, 3}}});
  CHECK(h.service().find("delete_config")->compensation == "restore_config");
  h.ok("delete_config", {{"key", "k"}});
  CHECK(h.run("get_config", {{"key", "k"}}).code == "not_found");
  CHECK(h.ok("list_config", json::object())["count"] == 0);
  CHECK(h.run("delete_config", {{"key", "k"}}).code == "not_found");
  h.ok("restore_config", {{"key", "k"}});
  CHECK(h.ok("get_config", {{"key", "k"}})["value"] == json({1, 2, 3}));
}

TEST_CASE("secrets-config: tenants never see each other's keys") {
  auto h = make();
  h.ok("set_config", {{"key", "db/url"}, {"value", "acme"}}, "acme");
  h.ok("set_config", {{"key", "db/url"}, {"value", "globex"}}, "globex");
  CHECK(h.ok("get_config", {{"key", "db/url"}}, "acme")["value"] == "acme");
  CHECK(h.ok("get_config", {{"key", "db/url"}}, "acme")["version"] == 1);
  CHECK(h.ok("get_config", {{"key", "db/url"}}, "globex")["value"] == "globex");
  CHECK(h.run("get_config", {{"key", "db/url"}}, "initech").code == "not_found");
}

TEST_CASE("secrets-config: bad params are invalid_params naming the field") {
  auto h = make();
  auto r = h.run("set_config", {{"key", "k"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'value'") != std::string::npos);
  r = h.run("set_config", {{"key", "has space"}, {"value", 1}});
  CHECK(r.message.find("'key'") != std::string::npos);
  r = h.run("set_config", {{"key", "a@b"}, {"value", 1}});
  CHECK(r.message.find("'key'") != std::string::npos);
  r = h.run("get_config", {{"key", "k"}, {"version", "one"}});
  CHECK(r.message.find("'version'") != std::string::npos);
  r = h.run("revert_config", {{"key", "k"}});
  CHECK(r.message.find("'version'") != std::string::npos);
}

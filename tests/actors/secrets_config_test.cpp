#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include "actors/services/sealed_box.hpp"
#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_secrets_config());
}
}  // namespace

TEST_CASE("secrets-config: every set is a new version, old versions stay readable") {
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

// ---- secrets ------------------------------------------------------------------------------

namespace {

const std::string master_key = "0123456789abcdef0123456789ABCDEF";

// A harness on a node with a master key.
struct keyed : service_harness {
  keyed() : service_harness(xyn::actors::services::make_secrets_config()) {
    facts().master_key = master_key;
  }
};

// Every byte of every file under `dir` (the LMDB data and lock files).
std::string all_bytes(const std::filesystem::path& dir) {
  std::string out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

// Changes a stored record of the service in LMDB behind its back, as someone holding the data
// file could.
void edit_record(service_harness& h, const std::string& key, const std::string& tenant,
                 const std::function<void(json&)>& edit) {
  xyn::actors::overlay_map none;
  xyn::actors::state_view view(&h.env(), &none, xyn::keys::prefix({"secrets-config", tenant}));
  auto doc = view.get_json(key);
  REQUIRE(doc.ok());
  edit(*doc);
  view.put_json(key, *doc, h.now_ms);
  xyn::store::write_batch wb;
  for (const auto& [k, v] : view.writes()) wb.put(xyn::store::db::service_state, k, *v);
  REQUIRE(h.env().apply(wb).ok());
}

std::string sealed_of(service_harness& h, const std::string& key, const std::string& tenant) {
  xyn::actors::overlay_map none;
  xyn::actors::state_view view(&h.env(), &none, xyn::keys::prefix({"secrets-config", tenant}));
  return (*view.get_json(key))["sealed"];
}

}  // namespace

TEST_CASE("secrets-config: a secret's plain text never reaches the data files") {
  keyed h;
  const std::string secret = "sk_live_51Hx9QeLq2Z7rTunique-marker-8c1f";
  const std::string visible = "config-visible-marker-3d9a";
  h.ok("set_config", {{"key", "note"}, {"value", visible}});
  h.ok("set_secret", {{"key", "stripe/api"}, {"value", "an older value"}});
  h.ok("set_secret", {{"key", "stripe/api"}, {"value", secret}});
  CHECK(h.ok("get_secret", {{"key", "stripe/api"}, {"reason", "charge"}})["value"] == secret);
  auto data = all_bytes(h.dir());
  CHECK(data.find(visible) != std::string::npos);  // the search does see stored text
  CHECK(data.find(secret) == std::string::npos);
  CHECK(data.find("unique-marker-8c1f") == std::string::npos);
  CHECK(data.find("an older value") == std::string::npos);
  // The host keeps a mutating action's output in the idempotency db; get_secret's output is
  // the plain text, so it must not count as mutating.
  CHECK_FALSE(h.service().find("get_secret")->mutates);
}

TEST_CASE("secrets-config: secrets are versioned, listing and history never show values") {
  keyed h;
  auto v1 = h.ok("set_secret", {{"key", "db/password"}, {"value", "first"}});
  CHECK(v1 == json{{"key", "db/password"}, {"version", 1}, {"previous_version", nullptr}});
  h.now_ms += 1000;
  auto v2 = h.ok("set_secret", {{"key", "db/password"}, {"value", "second"}});
  CHECK(v2["previous_version"] == 1);
  auto got = h.ok("get_secret", {{"key", "db/password"}});
  CHECK(got["value"] == "second");
  CHECK(got["version"] == 2);
  CHECK(got["set_at"] == h.now_ms);
  CHECK(h.ok("get_secret", {{"key", "db/password"}, {"version", 1}})["value"] == "first");
  CHECK(h.run("get_secret", {{"key", "db/password"}, {"version", 3}}).code == "not_found");
  CHECK(h.run("get_secret", {{"key", "nope"}}).code == "not_found");
  // Config and secrets are separate namespaces.
  CHECK(h.run("get_config", {{"key", "db/password"}}).code == "not_found");
  CHECK(h.ok("list_config", json::object())["count"] == 0);

  auto list = h.ok("list_secrets", json::object());
  REQUIRE(list["count"] == 1);
  CHECK(
      list["secrets"][0] ==
      json{{"key", "db/password"}, {"version", 2}, {"set_at", h.now_ms}, {"updated_at", h.now_ms}});
  auto hist = h.ok("secret_history", {{"key", "db/password"}});
  REQUIRE(hist["versions"].size() == 2);
  CHECK(hist["versions"][0] == json{{"version", 1}, {"set_at", h.now_ms - 1000}});
  for (const auto& out : {list, hist}) {
    CHECK(out.dump().find("first") == std::string::npos);
    CHECK(out.dump().find("second") == std::string::npos);
  }
}

TEST_CASE("secrets-config: revert_secret undoes a set, delete and restore") {
  keyed h;
  CHECK(h.service().find("set_secret")->compensation == "revert_secret");
  CHECK(h.service().find("delete_secret")->compensation == "restore_secret");
  h.ok("set_secret", {{"key", "api"}, {"value", "old"}});
  auto second = h.ok("set_secret", {{"key", "api"}, {"value", "new"}});
  // The set's own output is the compensation's params; the old value is sealed again as v3.
  CHECK(h.ok("revert_secret", second)["version"] == 3);
  CHECK(h.ok("get_secret", {{"key", "api"}})["value"] == "old");
  CHECK(h.ok("secret_history", {{"key", "api"}})["versions"][2]["reverts"] == 2);
  CHECK(h.run("revert_secret", second).code == "conflict");

  auto fresh = h.ok("set_secret", {{"key", "fresh"}, {"value", "x"}});
  CHECK(h.ok("revert_secret", fresh)["deleted"] == true);
  CHECK(h.run("get_secret", {{"key", "fresh"}}).code == "not_found");

  h.ok("delete_secret", {{"key", "api"}});
  CHECK(h.run("get_secret", {{"key", "api"}}).code == "not_found");
  CHECK(h.ok("list_secrets", json::object())["count"] == 0);
  h.ok("restore_secret", {{"key", "api"}});
  CHECK(h.ok("get_secret", {{"key", "api"}})["value"] == "old");
}

TEST_CASE("secrets-config: every read and change of a secret is in the audit trail") {
  keyed h;
  auto set = h.ok("set_secret", {{"key", "smtp"}, {"value", "pw"}});
  h.now_ms += 10;
  h.ok("get_secret", {{"key", "smtp"}, {"reason", "send invoice mail"}});
  h.now_ms += 10;
  h.ok("get_secret", {{"key", "smtp"}, {"version", 1}});
  h.ok("set_secret", {{"key", "other"}, {"value", "v"}});
  h.ok("delete_secret", {{"key", "smtp"}});
  h.ok("restore_secret", {{"key", "smtp"}});
  CHECK(h.run("get_secret", {{"key", "missing"}}).code == "not_found");  // nothing to audit

  auto trail = h.ok("audit", {{"key", "smtp"}});
  REQUIRE(trail["count"] == 5);
  const auto& e = trail["entries"];  // newest first
  CHECK(e[0]["op"] == "restore");
  CHECK(e[1]["op"] == "delete");
  CHECK(e[2] ==
        json{{"seq", 3}, {"at", h.now_ms}, {"op", "read"}, {"key", "smtp"}, {"version", 1}});
  CHECK(e[3] == json{{"seq", 2},
                     {"at", h.now_ms - 10},
                     {"op", "read"},
                     {"key", "smtp"},
                     {"version", 1},
                     {"reason", "send invoice mail"}});
  CHECK(e[4]["op"] == "set");
  CHECK(h.ok("audit", json::object())["count"] == 6);
  auto last_two = h.ok("audit", {{"limit", 2}});
  REQUIRE(last_two["count"] == 2);
  CHECK(last_two["entries"][0]["seq"] == 6);
  CHECK(last_two["entries"][1]["seq"] == 5);
  // A revert keeps the audit entries: they are never undone.
  h.ok("revert_secret", set);
  CHECK(h.ok("audit", json::object())["count"] == 7);
}

TEST_CASE("secrets-config: changed, moved or foreign-key ciphertext never opens") {
  keyed h;
  h.ok("set_secret", {{"key", "a"}, {"value", "alpha-secret"}});
  h.ok("set_secret", {{"key", "b"}, {"value", "bravo-secret"}});
  h.ok("set_secret", {{"key", "a"}, {"value", "globex-secret"}}, "globex");

  SECTION("one changed byte") {
    edit_record(h, "sver/a@1", "default", [](json& d) {
      auto raw = *xyn::actors::sealed_box::from_base64(d["sealed"].get<std::string>());
      raw[raw.size() / 2] = static_cast<char>(raw[raw.size() / 2] ^ 0x20);
      d["sealed"] = xyn::actors::sealed_box::to_base64(raw);
    });
    auto r = h.run("get_secret", {{"key", "a"}});
    CHECK(r.code == "tampered");
    CHECK(r.message.find("secret 'a' version 1") != std::string::npos);
    CHECK(r.output.dump().find("alpha") == std::string::npos);
  }
  SECTION("a record whose sealed bytes are gone") {
    edit_record(h, "sver/a@1", "default", [](json& d) { d["sealed"] = 42; });
    CHECK(h.run("get_secret", {{"key", "a"}}).code == "tampered");
  }
  SECTION("sealed bytes moved to another key, version or tenant") {
    auto a = sealed_of(h, "sver/a@1", "default");
    edit_record(h, "sver/b@1", "default", [&](json& d) { d["sealed"] = a; });
    CHECK(h.run("get_secret", {{"key", "b"}}).code == "tampered");
    h.ok("set_secret", {{"key", "a"}, {"value", "alpha-2"}});
    edit_record(h, "sver/a@2", "default", [&](json& d) { d["sealed"] = a; });
    CHECK(h.run("get_secret", {{"key", "a"}}).code == "tampered");
    edit_record(h, "sver/a@1", "globex", [&](json& d) { d["sealed"] = a; });
    CHECK(h.run("get_secret", {{"key", "a"}}, "globex").code == "tampered");
  }
  SECTION("a node with another master key, or none") {
    h.facts().master_key = std::string(32, 'x');
    auto r = h.run("get_secret", {{"key", "a"}});
    CHECK(r.code == "wrong_master_key");
    // Reverting re-seals the previous value, so it needs to open it.
    h.facts().master_key = master_key;
    auto second = h.ok("set_secret", {{"key", "a"}, {"value", "alpha-2"}});
    h.facts().master_key = std::string(32, 'x');
    CHECK(h.run("revert_secret", second).code == "wrong_master_key");
    h.facts().master_key.clear();
    r = h.run("get_secret", {{"key", "a"}});
    CHECK(r.code == "unavailable");
    CHECK(r.message == "no master key on this node");
    CHECK(h.run("set_secret", {{"key", "c"}, {"value", "v"}}).code == "unavailable");
    // What needs no key still works.
    CHECK(h.ok("list_secrets", json::object())["count"] == 2);
  }
  // Failed reads leave no audit entry behind (the host drops a failed action's writes), and
  // nothing changed the state.
  CHECK(h.ok("audit", {{"key", "b"}})["count"] == 1);
}

TEST_CASE("secrets-config: bad secret params are invalid_params naming the field") {
  keyed h;
  auto r = h.run("set_secret", {{"key", "k"}, {"value", 42}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'value'") != std::string::npos);
  r = h.run("set_secret", {{"key", "bad key"}, {"value", "v"}});
  CHECK(r.message.find("'key'") != std::string::npos);
  r = h.run("get_secret", {{"key", "k"}, {"reason", 7}});
  CHECK(r.message.find("'reason'") != std::string::npos);
  r = h.run("get_secret", {{"key", "k"}, {"reason", std::string(501, 'r')}});
  CHECK(r.message.find("'reason'") != std::string::npos);
  r = h.run("audit", {{"limit", 0}});
  CHECK(r.message.find("'limit'") != std::string::npos);
  r = h.run("set_secret", {{"key", "k"}, {"value", std::string(64 * 1024 + 1, 'v')}});
  CHECK(r.code == "too_large");
}

TEST_CASE("secrets-config: no service may ask for a secret, other reads are open to peers") {
  keyed h;
  h.ok("set_secret", {{"key", "stripe/api"}, {"value", "sk_live_peer_marker"}});
  h.ok("set_config", {{"key", "mail/from"}, {"value", "ops@acme.test"}});
  CHECK(h.service().find("get_secret")->secret);
  CHECK(h.service().find("set_secret")->secret);
  // A peer ask is what another service's action would do (e.g. security-governance).
  xyn::actors::local_peers peers(&h.env(), &h.facts(), [] { return int64_t{1}; });
  auto leak = peers.ask("default", "secrets-config", "get_secret", {{"key", "stripe/api"}});
  CHECK_FALSE(leak.ok);
  CHECK(leak.code == "forbidden");
  auto fine = peers.ask("default", "secrets-config", "get_config", {{"key", "mail/from"}});
  REQUIRE(fine.ok);
  CHECK(fine.output["value"] == "ops@acme.test");
}

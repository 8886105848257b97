#include <catch2/catch.hpp>

#include <map>
#include <memory>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_security_governance());
}
}  // namespace

TEST_CASE("security-governance: scan_text finds each kind of secret with its position") {
  auto h = make();
  const std::string body =
      "aws AKIAIOSFODNN7EXAMPLE here\n"
      "db_password = \"hunter2\"\n"
      "-----BEGIN RSA PRIVATE "
      "KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
      "-----END RSA PRIVATE KEY-----\n"
      "contact: jane.doe@example.com\n"
      "token Zx8Qm2Lp9Rt4Vw7Ky3Bn6Hd1 end\n";
  auto r = h.ok("scan_text", {{"text", body}});
  CHECK(r["clean"] == false);
  const auto& f = r["findings"];
  REQUIRE(f.size() == 5);
  CHECK(f[0]["kind"] == "aws_access_key_id");
  CHECK(f[0]["position"] == body.find("AKIA"));
  CHECK(f[0]["length"] == 20);
  CHECK(f[0]["redacted"] == "AKIA****");
  CHECK(f[1]["kind"] == "credential_assignment");
  CHECK(f[1]["position"] == body.find("hunter2"));
  CHECK(f[1]["length"] == 7);
  CHECK(f[2]["kind"] == "private_key");
  CHECK(f[2]["position"] == body.find("-----BEGIN"));
  const std::string pem_end = "-----END RSA PRIVATE KEY-----";  // the finding runs through it
  CHECK(f[2]["length"] == body.find(pem_end) + pem_end.size() - body.find("-----BEGIN"));
  CHECK(f[3]["kind"] == "email");
  CHECK(f[3]["position"] == body.find("jane.doe"));
  CHECK(f[3]["length"] == std::string("jane.doe@example.com").size());
  CHECK(f[4]["kind"] == "high_entropy_token");  // 24 distinct characters: log2(24) = 4.58 bits/char
  CHECK(f[4]["position"] == body.find("Zx8Q"));
  // Findings never echo the secret itself.
  auto dumped = r.dump();
  CHECK(dumped.find("IOSFODNN7EXAMPLE") == std::string::npos);
  CHECK(dumped.find("hunter2") == std::string::npos);
}

TEST_CASE("security-governance: ordinary text is clean") {
  auto h = make();
  auto r =
      h.ok("scan_text", {{"text",
                          "Internationalization matters. Build AAAAbbbb1111AAAAbbbb1111 passed; "
                          "user@localhost is local; password: ******; MY_CONSTANT_NAME_FOR_CONFIG\n"
                          "secret = 'never closed\n"}});
  CHECK(r["findings"] == json::array());
  CHECK(r["clean"] == true);
}

TEST_CASE("security-governance: an unclosed quote ends at the line, later lines still scan") {
  auto h = make();
  std::string body = "token: \"open\napi_key: 'k3y'\n";
  auto r = h.ok("scan_text", {{"text", body}});
  REQUIRE(r["findings"].size() == 1);
  CHECK(r["findings"][0]["position"] == body.find("k3y"));
}

TEST_CASE("security-governance: deny wins, default deny, globs and wildcard roles") {
  auto h = make();
  auto allow =
      h.ok("put_policy",
           {{"role", "editor"}, {"actions", {"content-hub:*"}}, {"resources", {"docs/*"}}});
  auto deny = h.ok("put_policy", {{"role", "editor"},
                                  {"actions", {"content-hub:delete"}},
                                  {"resources", {"docs/legal/*"}},
                                  {"effect", "deny"}});
  h.ok("put_policy", {{"role", "*"}, {"actions", {"*:get"}}, {"resources", {"report-?"}}});
  auto check = [&](const char* role, const char* action, const char* resource) {
    return h.ok("check_policy", {{"role", role}, {"action", action}, {"resource", resource}});
  };
  auto r = check("editor", "content-hub:update", "docs/a/b");
  CHECK(r["allowed"] == true);
  CHECK(r["policy_id"] == allow["id"]);
  r = check("editor", "content-hub:delete", "docs/legal/nda");
  CHECK(r["allowed"] == false);
  CHECK(r["policy_id"] == deny["id"]);
  CHECK(check("editor", "content-hub:delete", "docs/blog/1")["allowed"] == true);
  r = check("viewer", "content-hub:update", "docs/a");
  CHECK(r["allowed"] == false);
  CHECK(r["policy_id"].is_null());
  CHECK(check("viewer", "reports-export:get", "report-7")["allowed"] == true);
  CHECK(check("viewer", "reports-export:get", "report-77")["allowed"] ==
        false);  // '?' is one character
}

TEST_CASE("security-governance: delete_policy undoes put_policy, restore undoes delete") {
  auto h = make();
  CHECK(h.service().find("put_policy")->compensation == "delete_policy");
  auto p = h.ok("put_policy", {{"role", "ops"}, {"actions", {"*"}}, {"resources", {"*"}}});
  json q = {{"role", "ops"}, {"action", "system-runtime:drain"}, {"resource", "node/1"}};
  CHECK(h.ok("check_policy", q)["allowed"] == true);
  h.ok("delete_policy", {{"id", p["id"]}});
  CHECK(h.ok("check_policy", q)["allowed"] == false);
  CHECK(h.ok("list_policies", json::object())["count"] == 0);
  h.ok("restore_policy", {{"id", p["id"]}});
  CHECK(h.ok("check_policy", q)["allowed"] == true);
  // Policies are per tenant.
  CHECK(h.ok("check_policy", q, "globex")["allowed"] == false);
}

TEST_CASE("security-governance: bad params are invalid_params naming the field") {
  auto h = make();
  auto r = h.run("put_policy", {{"role", "r"}, {"actions", "x"}, {"resources", {"*"}}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'actions'") != std::string::npos);
  r = h.run("put_policy",
            {{"role", "r"}, {"actions", {"x"}}, {"resources", {"*"}}, {"effect", "maybe"}});
  CHECK(r.message.find("'effect'") != std::string::npos);
  r = h.run("check_policy", {{"role", "r"}, {"action", "a"}});
  CHECK(r.message.find("'resource'") != std::string::npos);
  CHECK(h.run("scan_text", {{"text", 42}}).message.find("'text'") != std::string::npos);
}

TEST_CASE("security-governance: scan_text finds tokens, cards, SSNs and phone numbers") {
  auto h = make();
  const std::string github = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
  const std::string stripe = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
  const std::string google = "AIzaSyA-1234567890abcdefghijklmnopqrstu";
  const std::string body = "gh " + github + "\nstripe_key=" + stripe + "\ngoogle " + google +
                           "\n"
                           "visa 4111 1111 1111 1111, amex 378282246310005\n"
                           "ssn 123-45-6789\n"
                           "call +44 20 7946 0958 or (415) 555-0132 or 415.555.0132.\n";
  auto r = h.ok("scan_text", {{"text", body}});
  const auto& f = r["findings"];
  std::vector<std::string> kinds;
  for (const auto& x : f) kinds.push_back(x["kind"]);
  CHECK(kinds == std::vector<std::string>{"github_token", "stripe_key", "google_api_key",
                                          "card_number", "card_number", "us_ssn", "phone_number",
                                          "phone_number", "phone_number"});
  REQUIRE(f.size() == 9);
  CHECK(f[0]["position"] == body.find(github));
  CHECK(f[0]["length"] == github.size());
  // The Stripe key is reported once, not also as an assigned credential or a random token.
  CHECK(f[1]["position"] == body.find(stripe));
  CHECK(f[1]["severity"] == "critical");
  CHECK(f[2]["length"] == google.size());
  CHECK(f[3]["position"] == body.find("4111 1111"));
  CHECK(f[3]["length"] == 19);
  CHECK(f[4]["position"] == body.find("3782"));
  CHECK(f[5]["position"] == body.find("123-45"));
  CHECK(f[6]["position"] == body.find("+44"));
  CHECK(f[6]["length"] == std::string("+44 20 7946 0958").size());
  CHECK(f[7]["position"] == body.find("(415)"));
  CHECK(f[7]["length"] == std::string("(415) 555-0132").size());
  CHECK(f[8]["length"] == std::string("415.555.0132").size());
  CHECK(r["secrets"] == 3);
  CHECK(r["pii"] == 6);
  CHECK(r.dump().find("1111 1111 1111") == std::string::npos);
}

TEST_CASE("security-governance: numbers that only look like cards, SSNs or phones are clean") {
  auto h = make();
  const std::string body =
      "order 4111-1111-1111-1112 (Luhn fails), 4111.1111.1111.1111 (dots), "
      "7111111111111111111 (no such issuer), ssn 000-12-3456 and 666-12-3456 and 123-00-4567, "
      "phone 123-456-7890 and 555-023-4567 (NANP area and exchange start 2-9), +1 234 (too "
      "short), dates 2024-01-15 and 15.01.2024, ip 192.168.100.200, build v1.2.3, eu-west-1, "
      "id 12345678, 555-0132x, ghp_short, AKIAIOSFODNN7EXAMPLEX";
  auto r = h.ok("scan_text", {{"text", body}});
  INFO(r.dump(1));
  CHECK(r["clean"] == true);
}

TEST_CASE("security-governance: ABAC conditions on the caller's and the clock's attributes") {
  auto h = make();
  auto check = [&](const char* role, const char* action, const char* resource, json attrs) {
    return h.ok("check_policy", {{"role", role},
                                 {"action", action},
                                 {"resource", resource},
                                 {"attributes", std::move(attrs)}});
  };
  SECTION("a value, a nested attribute and another attribute's value") {
    h.ok(
        "put_policy",
        {{"role", "analyst"},
         {"actions", {"reports-export:*"}},
         {"resources", {"*"}},
         {"conditions", {{{"attribute", "user.department"}, {"op", "eq"}, {"value", "finance"}}}}});
    auto own = h.ok("put_policy",
                    {{"role", "editor"},
                     {"actions", {"update"}},
                     {"resources", {"docs/*"}},
                     {"conditions",
                      {{{"attribute", "resource.owner"}, {"op", "eq"}, {"value_of", "user.id"}}}}});
    CHECK(own["conditions"].size() == 1);
    CHECK(check("analyst", "reports-export:render", "r1",
                {{"user.department", "finance"}})["allowed"] == true);
    CHECK(check("analyst", "reports-export:render", "r1",
                {{"user", {{"department", "finance"}}}})["allowed"] == true);
    CHECK(check("analyst", "reports-export:render", "r1",
                {{"user.department", "sales"}})["allowed"] == false);
    // A missing attribute keeps an allow from applying.
    CHECK(check("analyst", "reports-export:render", "r1", json::object())["allowed"] == false);
    CHECK(check("editor", "update", "docs/7",
                {{"user.id", "ann"}, {"resource.owner", "ann"}})["allowed"] == true);
    CHECK(check("editor", "update", "docs/7",
                {{"user.id", "bob"}, {"resource.owner", "ann"}})["allowed"] == false);
  }
  SECTION("a deny with a missing attribute still denies") {
    h.ok("put_policy", {{"role", "*"}, {"actions", {"*"}}, {"resources", {"payments/*"}}});
    auto mfa = h.ok("put_policy",
                    {{"role", "*"},
                     {"actions", {"*"}},
                     {"resources", {"payments/*"}},
                     {"effect", "deny"},
                     {"conditions", {{{"attribute", "user.mfa"}, {"op", "ne"}, {"value", true}}}}});
    CHECK(check("clerk", "pay", "payments/1", {{"user.mfa", true}})["allowed"] == true);
    auto r = check("clerk", "pay", "payments/1", {{"user.mfa", false}});
    CHECK(r["allowed"] == false);
    CHECK(r["policy_id"] == mfa["id"]);
    CHECK(check("clerk", "pay", "payments/1", json::object())["allowed"] == false);
  }
  SECTION("business hours from the node's clock; in, not_in and exists") {
    h.ok("put_policy", {{"role", "ops"},
                        {"actions", {"restart"}},
                        {"resources", {"*"}},
                        {"conditions",
                         {{{"attribute", "env.hour_utc"}, {"op", "ge"}, {"value", 9}},
                          {{"attribute", "env.hour_utc"}, {"op", "lt"}, {"value", 17}},
                          {{"attribute", "env.weekday"}, {"op", "in"}, {"value", {1, 2, 3, 4, 5}}},
                          {{"attribute", "ticket"}, {"op", "exists"}},
                          {{"attribute", "region"}, {"op", "not_in"}, {"value", {"cn"}}}}}});
    const json attrs = {{"ticket", "OPS-1"}, {"region", "eu"}};
    // 1700000000000 is Tuesday 2023-11-14 22:13:20 UTC: after hours.
    CHECK(check("ops", "restart", "svc", attrs)["allowed"] == false);
    h.now_ms = 1700000000000 - 12 * 3600000;  // 10:13 the same day
    CHECK(check("ops", "restart", "svc", attrs)["allowed"] == true);
    // The caller cannot claim another time.
    CHECK(check("ops", "restart", "svc",
                {{"ticket", "OPS-1"}, {"region", "eu"}, {"env.hour_utc", 3}})["allowed"] == true);
    CHECK(check("ops", "restart", "svc", {{"region", "eu"}})["allowed"] == false);
    CHECK(check("ops", "restart", "svc", {{"ticket", "OPS-1"}, {"region", "cn"}})["allowed"] ==
          false);
    h.now_ms += 4 * 86400000LL;  // Saturday
    CHECK(check("ops", "restart", "svc", attrs)["allowed"] == false);
  }
}

TEST_CASE("security-governance: bad conditions are invalid_params naming 'conditions'") {
  auto h = make();
  auto put = [&](json conditions) {
    return h.run("put_policy", {{"role", "r"},
                                {"actions", {"a"}},
                                {"resources", {"*"}},
                                {"conditions", std::move(conditions)}});
  };
  for (const auto& bad :
       {json("x"), json{{{"op", "eq"}, {"value", 1}}},
        json{{{"attribute", "a"}, {"op", "like"}, {"value", 1}}},
        json{{{"attribute", "a"}, {"op", "eq"}}},
        json{{{"attribute", "a"}, {"op", "in"}, {"value", "x"}}},
        json{{{"attribute", "a"}, {"op", "lt"}, {"value", "9"}}},
        json{{{"attribute", "a"}, {"op", "exists"}, {"value", 1}}},
        json{{{"attribute", "a"}, {"op", "eq"}, {"value", 1}, {"value_of", "b"}}}}) {
    INFO(bad.dump());
    auto r = put(bad);
    CHECK(r.code == "invalid_params");
    CHECK(r.message.find("'conditions'") != std::string::npos);
  }
  CHECK(
      h.run("check_policy", {{"role", "r"}, {"action", "a"}, {"resource", "x"}, {"attributes", 1}})
          .message.find("'attributes'") != std::string::npos);
}

namespace {

const std::string master_key(32, 'm');

// The harness's store shared without ownership (service_harness wants a shared_ptr).
std::shared_ptr<xyn::store::lmdb_env> shared_store(service_harness& h) {
  return {&h.env(), [](xyn::store::lmdb_env*) {}};
}

std::map<std::string, json> by_id(const json& report) {
  std::map<std::string, json> out;
  for (const auto& c : report["controls"]) out[c["id"]] = c;
  return out;
}

}  // namespace

TEST_CASE("security-governance: compliance_check passes a tenant that keeps the rules") {
  auto h = make();
  h.facts().master_key = master_key;
  // tenant_onboarding's policies: an admin, a viewer, and a guard on secrets.
  h.ok("put_policy", {{"role", "owner"}, {"actions", {"*"}}, {"resources", {"*"}}});
  h.ok("put_policy", {{"role", "viewer"}, {"actions", {"get*", "list*"}}, {"resources", {"*"}}});
  h.ok("put_policy",
       {{"role", "viewer"}, {"actions", {"*"}}, {"resources", {"secrets/*"}}, {"effect", "deny"}});
  service_harness secrets(xyn::actors::services::make_secrets_config(), shared_store(h), h.dir());
  secrets.facts().master_key = master_key;
  secrets.now_ms = h.now_ms - 10 * 86400000LL;
  secrets.ok("set_secret", {{"key", "db/password"}, {"value", "s3cret"}});
  secrets.ok("get_secret", {{"key", "db/password"}, {"reason", "migration"}});
  h.ok_on("secrets-config", "set_config", {{"key", "mail/from"}, {"value", "ops@acme.test"}});
  auto item = h.ok_on("content-hub", "create", {{"title", "Launch"}, {"body", "We ship today."}});
  h.ok_on("content-hub", "publish", {{"id", item["id"]}});

  auto r = h.ok("compliance_check", json::object());
  INFO(r.dump(1));
  CHECK(r["passed"] == true);
  CHECK(r["summary"] == json{{"pass", 9}, {"warn", 0}, {"fail", 0}});
  CHECK(r["checked_at"] == h.now_ms);
  auto c = by_id(r);
  CHECK(c["access.full_access_roles"]["details"] == json{"owner"});
  CHECK(c["secrets.rotation"]["evidence"] == "0 of 1 secret older than 90 days");
  CHECK(c["secrets.reads_justified"]["evidence"] == "0 of 1 recent read without a reason");
  CHECK(c["content.published_clean"]["evidence"] ==
        "0 of 1 published item hold secrets or personal data");
}

TEST_CASE("security-governance: compliance_check fails a neglected tenant with evidence") {
  auto h = make();  // and no master key on this node
  auto open = h.ok("put_policy", {{"role", "*"}, {"actions", {"*"}}, {"resources", {"*"}}});
  for (const char* role : {"a", "b", "c"})
    h.ok("put_policy", {{"role", role}, {"actions", {"*"}}, {"resources", {"*"}}});
  h.ok("put_policy", {{"role", "intern"}, {"actions", {"get*"}}, {"resources", {"docs/*"}}});
  service_harness secrets(xyn::actors::services::make_secrets_config(), shared_store(h), h.dir());
  secrets.facts().master_key = master_key;
  secrets.now_ms = h.now_ms - 100 * 86400000LL;
  secrets.ok("set_secret", {{"key", "old"}, {"value", "v"}});
  secrets.now_ms = h.now_ms;
  secrets.ok("set_secret", {{"key", "new"}, {"value", "v"}});
  secrets.ok("get_secret", {{"key", "new"}});
  h.ok_on(
      "secrets-config", "set_config",
      {{"key", "billing"}, {"value", {{"stripe_api_key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"}}}});
  auto pii =
      h.ok_on("content-hub", "create", {{"title", "Team"}, {"body", "Call (415) 555-0132."}});
  h.ok_on("content-hub", "publish", {{"id", pii["id"]}});
  h.ok_on("content-hub", "create", {{"title", "Draft"}, {"body", "AKIAIOSFODNN7EXAMPLE"}});

  auto r = h.ok("compliance_check", {{"max_secret_age_days", 30}});
  INFO(r.dump(1));
  CHECK(r["passed"] == false);
  auto c = by_id(r);
  CHECK(c["access.default_deny"]["status"] == "fail");
  CHECK(c["access.default_deny"]["details"][0]["id"] == open["id"]);
  CHECK(c["access.public_grants"]["status"] == "warn");
  CHECK(c["access.full_access_roles"]["status"] == "warn");
  CHECK(c["access.full_access_roles"]["details"] == json{"a", "b", "c"});
  CHECK(c["access.secrets_restricted"]["status"] == "warn");
  CHECK(c["access.secrets_restricted"]["details"] == json{"intern"});  // through role '*'
  CHECK(c["secrets.master_key"]["status"] == "fail");
  CHECK(c["secrets.rotation"]["status"] == "fail");
  CHECK(c["secrets.rotation"]["details"] ==
        json{{{"key", "old"}, {"version", 1}, {"age_days", 100}}});
  CHECK(c["secrets.reads_justified"]["status"] == "warn");
  CHECK(c["secrets.reads_justified"]["details"][0]["key"] == "new");
  CHECK(c["config.no_plain_secrets"]["status"] == "fail");
  CHECK(c["config.no_plain_secrets"]["details"] ==
        json{{{"key", "billing"}, {"kinds", {"stripe_key"}}}});
  // Personal data in published content warns; the unpublished draft's key is not looked at.
  CHECK(c["content.published_clean"]["status"] == "warn");
  CHECK(c["content.published_clean"]["details"] ==
        json{{{"id", pii["id"]}, {"kinds", {"phone_number"}}}});
  CHECK(r["summary"] == json{{"pass", 0}, {"warn", 5}, {"fail", 4}});
  CHECK(h.run("compliance_check", {{"max_secret_age_days", 0}})
            .message.find("'max_secret_age_days'") != std::string::npos);
}

#include <catch2/catch.hpp>

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

TEST_CASE("security-governance: an unclosed quote ends at the line; later lines still scan") {
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

TEST_CASE("security-governance: delete_policy undoes put_policy; restore undoes delete") {
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

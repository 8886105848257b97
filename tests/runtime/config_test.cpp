#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "runtime/node/config.hpp"
#include "tests/support/test_certs.hpp"

using namespace xyn::node;

TEST_CASE("the embedded defaults load: data in ./data, admin 8080, cluster 4370") {
  auto cfg = load_config("", {});
  REQUIRE(cfg.ok());
  CHECK(cfg->data_dir == "./data");
  CHECK(cfg->admin_port == 8080);
  CHECK(cfg->cluster_port == 4370);
  CHECK(cfg->log_level == "info");
  CHECK(cfg->admin_max_body_bytes == 16 << 20);
}

TEST_CASE("layers override in order: file < environment < flags") {
  node_config cfg;
  REQUIRE(apply_json(cfg, embedded_default_config(), "defaults").ok());
  REQUIRE(apply_json(cfg, R"({"admin":{"port":9001},"node":{"name":"a"}})", "file").ok());
  CHECK(cfg.admin_port == 9001);
  REQUIRE(
      apply_env(cfg, {{"XYN_ADMIN_PORT", "9002"}, {"PATH", "/bin"}, {"XYN_ADMIN_KEY", "k"}}).ok());
  CHECK(cfg.admin_port == 9002);
  CHECK(cfg.node_name == "a");
  REQUIRE(apply_setting(cfg, "admin.port", "9003", "flag").ok());
  CHECK(cfg.admin_port == 9003);
  REQUIRE(apply_env(cfg, {{"XYN_CLUSTER_SEEDS", "127.0.0.1:1,127.0.0.1:2"}}).ok());
  CHECK(cfg.seeds == std::vector<std::string>{"127.0.0.1:1", "127.0.0.1:2"});
}

TEST_CASE("unknown keys and bad values are refused with the key named") {
  node_config cfg;
  auto st = apply_json(cfg, R"({"admin":{"colour":"blue"}})", "file f");
  CHECK(st.code() == xyn::status_code::invalid_argument);
  CHECK(st.message().find("admin.colour") != std::string::npos);
  st = apply_json(cfg, R"({"gadgets":1})", "file f");
  CHECK(st.message().find("gadgets") != std::string::npos);
  st = apply_json(cfg, R"({"admin":{"port":70000}})", "file f");
  CHECK(st.message().find("admin.port") != std::string::npos);
  st = apply_json(cfg, R"({"admin":{"port":"80"}})", "file f");
  CHECK(st.message().find("admin.port") != std::string::npos);
  st = apply_json(cfg, R"({"log":{"level":"loud"}})", "file f");
  CHECK(st.message().find("log.level") != std::string::npos);
  st = apply_env(cfg, {{"XYN_ADMIN_PORTT", "1"}});
  CHECK(st.message().find("XYN_ADMIN_PORTT") != std::string::npos);
  st = apply_setting(cfg, "store.map_size_mb", "lots", "flag");
  CHECK(st.message().find("store.map_size_mb") != std::string::npos);
  CHECK_FALSE(apply_json(cfg, "{oops", "file f").ok());
}

TEST_CASE("finalize fills the node name and checks the backoff range") {
  auto cfg = load_config("", {});
  REQUIRE(cfg.ok());
  REQUIRE(finalize(*cfg).ok());
  CHECK_FALSE(cfg->node_name.empty());
  cfg->service_backoff_max_ms = 1;
  cfg->service_backoff_initial_ms = 10;
  CHECK_FALSE(finalize(*cfg).ok());
}

TEST_CASE("every key is documented with its environment variable") {
  auto keys = documented_keys();
  auto it = std::find_if(keys.begin(), keys.end(),
                         [](const key_doc& k) { return k.key == "admin.port"; });
  REQUIRE(it != keys.end());
  CHECK(it->env == "XYN_ADMIN_PORT");
}

TEST_CASE("ai keys: the OpenAI-compatible endpoint is off by default and loopback only") {
  auto cfg = load_config("", {});
  REQUIRE(cfg.ok());
  CHECK(cfg->openai_url.empty());
  CHECK(cfg->openai_timeout_ms == 10000);
  CHECK(cfg->ai_breaker_failures == 3);
  CHECK(cfg->ai_breaker_cooldown_ms == 30000);
  auto ai = ai_settings(*cfg);
  CHECK(ai["openai_url"] == "");
  CHECK(ai["api_key"] == "");

  REQUIRE(apply_json(*cfg, R"({"ai":{"openai_url":"http://127.0.0.1:9100","openai_model":"m"}})",
                     "file")
              .ok());
  REQUIRE(apply_setting(*cfg, "ai.openai_timeout_ms", "2500", "flag").ok());
  // The API key comes from the environment only, and is not an unknown XYN_ variable.
  REQUIRE(apply_env(*cfg, {{"XYN_OPENAI_API_KEY", "sk-1"}, {"XYN_AI_BREAKER_FAILURES", "5"}}).ok());
  ai = ai_settings(*cfg);
  CHECK(ai["openai_url"] == "http://127.0.0.1:9100");
  CHECK(ai["openai_model"] == "m");
  CHECK(ai["openai_timeout_ms"] == 2500);
  CHECK(ai["api_key"] == "sk-1");
  CHECK(ai["breaker_failures"] == 5);
  CHECK(ai["breaker_cooldown_ms"] == 30000);
  CHECK_FALSE(apply_json(*cfg, R"({"ai":{"api_key":"sk-2"}})", "file").ok());

  auto st = apply_setting(*cfg, "ai.openai_url", "http://api.openai.com", "flag");
  CHECK(st.code() == xyn::status_code::invalid_argument);
  CHECK(st.message().find("ai.openai_url") != std::string::npos);
  CHECK(st.message().find("not loopback") != std::string::npos);
  st = apply_env(*cfg, {{"XYN_AI_OPENAI_URL", "https://localhost:1"}});
  CHECK(st.message().find("ai.openai_url") != std::string::npos);
  CHECK(apply_setting(*cfg, "ai.openai_url", "", "flag").ok());  // off again
  st = apply_json(*cfg, R"({"ai":{"openai_timeout_ms":0}})", "file");
  CHECK(st.message().find("ai.openai_timeout_ms") != std::string::npos);
}

TEST_CASE("finalize checks the cluster TLS files before the node starts") {
  xyn::test::test_certs certs({"alpha"});
  auto with = [&](std::string cert, std::string key, std::string ca) {
    xyn::node::node_config cfg;
    cfg.cluster_tls_certificate = std::move(cert);
    cfg.cluster_tls_key = std::move(key);
    cfg.cluster_tls_ca = std::move(ca);
    return xyn::node::finalize(cfg);
  };
  CHECK(with("", "", "").ok());
  CHECK(with(certs.cert("alpha"), certs.key("alpha"), certs.ca()).ok());
  auto missing = with(certs.cert("alpha"), certs.key("alpha"), "");
  CHECK(missing.code() == xyn::status_code::invalid_argument);
  CHECK(missing.message().find("cluster.tls_ca") != std::string::npos);
  auto unreadable = with("/nonexistent.pem", certs.key("alpha"), certs.ca());
  CHECK(unreadable.message().find("/nonexistent.pem") != std::string::npos);
  auto not_its_key = with(certs.cert("alpha"), certs.key("outsider"), certs.ca());
  CHECK(not_its_key.code() == xyn::status_code::invalid_argument);
  auto unsigned_cert = with(certs.cert("outsider"), certs.key("outsider"), certs.ca());
  CHECK(unsigned_cert.message().find("not signed by the CA") != std::string::npos);
}

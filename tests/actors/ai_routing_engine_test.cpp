#include <catch2/catch.hpp>

#include <chrono>

#include "actors/services/openai_client.hpp"
#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"
#include "tests/support/fake_openai.hpp"

using xyn::test::fake_openai;
using xyn::test::service_harness;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_ai_routing_engine());
}

// alpha: dear and fairly fast; beta: cheap and slow; gamma: fastest but down.
void add_providers(service_harness& h, const std::string& tenant = "default") {
  h.ok("set_provider",
       {{"name", "alpha"}, {"cost_per_1k", 2.0}, {"latency_ms", 800}, {"error_rate", 0.01}},
       tenant);
  h.ok("set_provider",
       {{"name", "beta"}, {"cost_per_1k", 0.5}, {"latency_ms", 1500}, {"error_rate", 0.05}},
       tenant);
  h.ok("set_provider",
       {{"name", "gamma"},
        {"cost_per_1k", 1.0},
        {"latency_ms", 200},
        {"healthy", false},
        {"error_rate", 0.2}},
       tenant);
}

// Points the harness's node at `url` as the node does from config (node_facts settings "ai").
void configure(service_harness& h, const std::string& url, json extra = json::object()) {
  json ai = {{"openai_url", url}, {"openai_model", "node-model"}, {"api_key", "sk-test"}};
  ai.update(extra);
  h.facts().settings["ai"] = ai;
}

// alpha: served over HTTP, the fastest and dearer than the built-in provider.
void add_alpha(service_harness& h, double error_rate = 0.01) {
  h.ok("set_provider", {{"name", "alpha"},
                        {"cost_per_1k", 0.5},
                        {"latency_ms", 100},
                        {"error_rate", error_rate},
                        {"model", "alpha-model"}});
}

// A harness whose node points at a fake endpoint, with alpha set up.
struct with_endpoint {
  fake_openai fake;
  service_harness h = make();
  explicit with_endpoint(json settings = json::object()) {
    configure(h, fake.url(), std::move(settings));
    add_alpha(h);
  }
};

json generate(service_harness& h, const char* policy, json extra = json::object()) {
  json p = {{"prompt", "hello {{there}}"}, {"policy", policy}};
  p.update(extra);
  return h.ok("generate", p);
}

// Generates without the built-in provider and expects the retryable failure to say `why`.
void check_nothing_answers(service_harness& h, const std::string& why) {
  auto r = h.run("generate", {{"prompt", "x"}, {"include_internal", false}});
  CHECK(r.code == "unavailable");
  CHECK(r.retryable);
  CHECK(r.message.find(why) != std::string::npos);
}

json route(service_harness& h, const char* policy, bool internal, json extra = json::object()) {
  json p = {{"prompt", "abcdefgh"}, {"policy", policy}, {"include_internal", internal}};
  p.update(extra);
  return h.ok("route", p);
}
}  // namespace

TEST_CASE("ai-routing: each policy picks its provider and lists healthy fallbacks") {
  auto h = make();
  add_providers(h);
  auto r = route(h, "cheapest", false);
  CHECK(r["provider"] == "beta");
  CHECK(r["fallbacks"] == json({"alpha"}));  // gamma is down
  CHECK(r["estimated_tokens"] == 2);         // 8 bytes / 4
  CHECK(r["estimated_cost"].get<double>() == Approx(0.001));
  // Fastest would be gamma (200 ms) but it is unhealthy: alpha, and the reason says why.
  r = route(h, "fastest", false);
  CHECK(r["provider"] == "alpha");
  CHECK(r["fallbacks"] == json({"beta"}));
  CHECK(r["reason"].get<std::string>().find("skipped 'gamma' (unhealthy)") != std::string::npos);
  CHECK(r["ranking"][0]["name"] == "gamma");
  CHECK(route(h, "healthiest", false)["provider"] == "alpha");  // lowest error rate that is up
  // The built-in provider (free, 300 ms) joins unless excluded.
  r = route(h, "fastest", true);
  CHECK(r["provider"] == "internal");
  CHECK(r["fallbacks"] == json({"alpha", "beta"}));
  CHECK(route(h, "cheapest", true)["provider"] == "internal");
  // A cost cap leaves out alpha.
  r = route(h, "fastest", false, {{"max_cost_per_1k", 1.0}});
  CHECK(r["provider"] == "beta");
  CHECK(r["fallbacks"].empty());
}

TEST_CASE("ai-routing: no healthy provider is a retryable unavailable") {
  auto h = make();
  add_providers(h);
  h.ok("set_provider",
       {{"name", "beta"}, {"cost_per_1k", 0.5}, {"latency_ms", 1500}, {"healthy", false}});
  auto r = h.run("route", {{"prompt", "x"},
                           {"policy", "cheapest"},
                           {"include_internal", false},
                           {"max_cost_per_1k", 1.0}});
  CHECK_FALSE(r.ok);
  CHECK(r.code == "unavailable");
  CHECK(r.retryable);
  CHECK(h.ok("route", {{"prompt", "x"}, {"policy", "cheapest"}})["provider"] == "internal");
}

TEST_CASE("ai-routing: set_provider on remove_provider's output undoes it, per tenant") {
  auto h = make();
  CHECK(h.service().find("remove_provider")->compensation == "set_provider");
  auto first = h.ok("set_provider", {{"name", "delta"}, {"cost_per_1k", 0.1}, {"latency_ms", 50}});
  CHECK(first["previous"].is_null());
  auto second = h.ok("set_provider", {{"name", "delta"}, {"cost_per_1k", 0.2}, {"latency_ms", 50}});
  CHECK(second["previous"]["cost_per_1k"] == 0.1);
  CHECK(h.ok("list_providers", json::object())["count"] == 2);  // internal + delta
  CHECK(h.ok("list_providers", json::object(), "globex")["count"] == 1);
  auto removed = h.ok("remove_provider", {{"name", "delta"}});
  CHECK(h.ok("list_providers", json::object())["count"] == 1);
  // remove_provider's compensation is set_provider with what it returned.
  h.ok("set_provider", removed);
  CHECK(h.ok("route", {{"prompt", "x"}, {"policy", "fastest"}})["provider"] == "delta");
}

TEST_CASE("ai-routing: bad params are invalid_params naming the field") {
  auto h = make();
  auto r = h.run("set_provider", {{"name", "internal"}, {"cost_per_1k", 1}, {"latency_ms", 1}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'name'") != std::string::npos);
  r = h.run("set_provider", {{"name", "x"}, {"cost_per_1k", -1}, {"latency_ms", 1}});
  CHECK(r.message.find("'cost_per_1k'") != std::string::npos);
  r = h.run("set_provider", {{"name", "x"}, {"cost_per_1k", 1}});
  CHECK(r.message.find("'latency_ms'") != std::string::npos);
  r = h.run("route", {{"prompt", "x"}, {"policy", "random"}});
  CHECK(r.message.find("'policy'") != std::string::npos);
}

TEST_CASE("ai-routing: restore_provider undoes set_provider, bringing back what it replaced") {
  auto h = make();
  CHECK(h.service().find("set_provider")->compensation == "restore_provider");
  CHECK(h.service().find("restore_provider")->compensation == "restore_provider");
  auto first = h.ok("set_provider", {{"name", "delta"}, {"cost_per_1k", 0.1}, {"latency_ms", 50}});
  auto second =
      h.ok("set_provider",
           {{"name", "delta"}, {"cost_per_1k", 0.2}, {"latency_ms", 60}, {"model", "delta-2"}});
  // Undoing the second set puts the first definition back (it used to delete delta).
  auto undo = h.ok("restore_provider", {{"name", "delta"}, {"previous", second["previous"]}});
  CHECK(undo["previous"]["cost_per_1k"] == 0.2);
  auto list = h.ok("list_providers", json::object());
  REQUIRE(list["count"] == 2);
  CHECK(list["providers"][1]["cost_per_1k"] == 0.1);
  CHECK(list["providers"][1]["latency_ms"] == 50);
  CHECK(list["providers"][1]["model"].is_null());
  // restore_provider is its own undo; undoing the first set (previous null) removes delta.
  h.ok("restore_provider", {{"name", "delta"}, {"previous", undo["previous"]}});
  CHECK(h.ok("list_providers", json::object())["providers"][1]["model"] == "delta-2");
  h.ok("restore_provider", {{"name", "delta"}, {"previous", first["previous"]}});
  CHECK(h.ok("list_providers", json::object())["count"] == 1);
  auto r = h.run("restore_provider",
                 {{"name", "delta"}, {"previous", {{"name", "delta"}, {"latency_ms", 1}}}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'previous.cost_per_1k'") != std::string::npos);
  r = h.run("restore_provider",
            {{"name", "delta"},
             {"previous", {{"name", "other"}, {"cost_per_1k", 1}, {"latency_ms", 1}}}});
  CHECK(r.message.find("'previous.name'") != std::string::npos);
}

TEST_CASE("ai-routing: generate without an endpoint uses the internal provider only") {
  auto h = make();
  add_alpha(h);
  CHECK(h.service().find("generate")->mutates);  // so the host keeps its first answer
  auto g = generate(h, "fastest");
  CHECK(g["provider"] == "internal");
  CHECK(g["text"] == "hello {{there}}");  // a bare prompt comes back as written, braces and all
  REQUIRE(g["attempts"].size() == 1);
  CHECK(g["attempts"][0]["provider"] == "internal");
  CHECK(g["attempts"][0]["outcome"] == "ok");
  REQUIRE(g["skipped"].size() == 1);
  CHECK(g["skipped"][0]["provider"] == "alpha");
  CHECK(g["skipped"][0]["reason"].get<std::string>().find("ai.openai_url") != std::string::npos);
  CHECK(g["cost"] == 0.0);
  // A template is filled by internal-ai-service; a missing slot is the request's fault.
  g = h.ok("generate", {{"template", "Hi {{name}}!"}, {"slots", {{"name", "Ada"}}}});
  CHECK(g["text"] == "Hi Ada!");
  auto r = h.run("generate", {{"template", "Hi {{name}}!"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'slots.name'") != std::string::npos);
  // Nothing left to call: a retryable unavailable naming why.
  check_nothing_answers(h, "alpha skipped");
}

TEST_CASE("ai-routing: generate calls the configured HTTP provider the policy picks") {
  with_endpoint e;
  auto& [fake, h] = e;
  auto g = generate(h, "fastest", {{"system", "Be brief."}, {"max_tokens", 64}});
  CHECK(g["provider"] == "alpha");
  CHECK(g["text"] == "echo: hello {{there}}");
  CHECK(g["model"] == "alpha-model");
  CHECK(g["tokens"] == json({{"prompt", 7}, {"completion", 5}, {"estimated", false}}));
  CHECK(g["cost"].get<double>() == Approx(12 / 1000.0 * 0.5));
  REQUIRE(g["attempts"].size() == 1);
  CHECK(g["attempts"][0]["outcome"] == "ok");
  CHECK(fake.requests() == 1);
  auto sent = fake.last_body();
  CHECK(sent["model"] == "alpha-model");
  CHECK(sent["max_tokens"] == 64);
  CHECK(sent["messages"][0] == json({{"role", "system"}, {"content", "Be brief."}}));
  CHECK(sent["messages"][1] == json({{"role", "user"}, {"content", "hello {{there}}"}}));
  CHECK(fake.last_authorization() == "Bearer sk-test");
  // Cheapest is the free built-in provider: no HTTP call.
  CHECK(generate(h, "cheapest")["provider"] == "internal");
  CHECK(fake.requests() == 1);
  // A template is rendered before it is sent; a provider without a model gets the node's.
  h.ok("set_provider", {{"name", "alpha"}, {"cost_per_1k", 0.5}, {"latency_ms", 100}});
  g = h.ok("generate",
           {{"template", "Hi {{name}}"}, {"slots", {{"name", "Ada"}}}, {"policy", "fastest"}});
  CHECK(g["text"] == "echo: Hi Ada");
  CHECK(fake.last_body()["model"] == "node-model");
  auto list = h.ok("list_providers", json::object());
  CHECK(list["endpoint"] == fake.url());
  // Without the built-in provider a failed call leaves nothing: retryable, naming the failure.
  fake.set_mode(fake_openai::mode::fail);
  check_nothing_answers(h, "alpha: the provider answered HTTP 500");
}

TEST_CASE("ai-routing: a failed HTTP call falls back to internal, with the attempts recorded") {
  with_endpoint e(json{{"openai_timeout_ms", 150}});
  auto& [fake, h] = e;
  auto check_fallback = [&](const char* code) {
    auto g = generate(h, "fastest");
    CHECK(g["provider"] == "internal");
    CHECK(g["text"] == "hello {{there}}");
    REQUIRE(g["attempts"].size() == 2);
    CHECK(g["attempts"][0]["provider"] == "alpha");
    CHECK(g["attempts"][0]["outcome"] == "failed");
    CHECK(g["attempts"][0]["error"]["code"] == code);
    CHECK(g["attempts"][1]["provider"] == "internal");
    CHECK(g["attempts"][1]["outcome"] == "ok");
    return g;
  };
  fake.set_mode(fake_openai::mode::fail);
  auto g = check_fallback("unavailable");
  CHECK(g["attempts"][0]["error"]["message"].get<std::string>().find("HTTP 500") !=
        std::string::npos);
  fake.set_mode(fake_openai::mode::junk);
  check_fallback("corruption");
  fake.set_mode(fake_openai::mode::slow, 600ms);
  g = check_fallback("timeout");
  CHECK(g["attempts"][0]["ms"].get<int64_t>() >= 150);
  CHECK(g["attempts"][0]["ms"].get<int64_t>() < 600);
  CHECK(fake.requests() == 3);
  // Three failures opened alpha's breaker: without the built-in provider nothing is left.
  check_nothing_answers(h, "alpha skipped: circuit open");
}

TEST_CASE("ai-routing: a breaker opens after N failures, skips, half-opens and closes") {
  with_endpoint e;
  auto& [fake, h] = e;
  auto breaker = [&] { return h.ok("breakers", json::object())["breakers"][0]; };
  CHECK(breaker()["state"] == "closed");
  CHECK(h.ok("breakers", json::object())["failure_threshold"] == 3);
  fake.set_mode(fake_openai::mode::fail);
  for (int i = 1; i <= 3; ++i) {
    CHECK(breaker()["state"] == "closed");
    generate(h, "fastest");
    CHECK(breaker()["consecutive_failures"] == i);
  }
  auto b = breaker();
  CHECK(b["state"] == "open");
  CHECK(b["opened_at"] == h.now_ms);
  CHECK(b["retry_at"] == h.now_ms + 30000);
  CHECK(b["last_error"].get<std::string>().find("HTTP 500") != std::string::npos);
  // Open: skipped without a call, by generate and by route.
  fake.set_mode(fake_openai::mode::ok);
  auto g = generate(h, "fastest");
  CHECK(fake.requests() == 3);
  CHECK(g["provider"] == "internal");
  CHECK(g["attempts"].size() == 1);
  CHECK(g["skipped"][0] == json({{"provider", "alpha"}, {"reason", "circuit open"}}));
  auto r = h.ok("route", {{"prompt", "x"}, {"policy", "fastest"}});
  CHECK(r["provider"] == "internal");
  CHECK(r["reason"].get<std::string>().find("'alpha' (circuit open)") != std::string::npos);
  h.now_ms += 29999;
  CHECK(breaker()["state"] == "open");
  // After the cooldown it is half-open: one trial; a failure opens it again at once.
  h.now_ms += 1;
  CHECK(breaker()["state"] == "half_open");
  CHECK(h.ok("route", {{"prompt", "x"}, {"policy", "fastest"}})["provider"] == "alpha");
  fake.set_mode(fake_openai::mode::fail);
  generate(h, "fastest");
  CHECK(fake.requests() == 4);
  CHECK(breaker()["state"] == "open");
  CHECK(breaker()["opened_at"] == h.now_ms);
  // The next trial succeeds and closes it.
  h.now_ms += 30000;
  fake.set_mode(fake_openai::mode::ok);
  g = generate(h, "fastest");
  CHECK(g["provider"] == "alpha");
  b = breaker();
  CHECK(b["state"] == "closed");
  CHECK(b["consecutive_failures"] == 0);
  CHECK(b["failures"] == 4);
  CHECK(b["successes"] == 1);
  // Breakers are per tenant.
  CHECK(h.ok("breakers", json::object(), "globex")["count"] == 0);
}

TEST_CASE("ai-routing: breaker settings come from the node, healthiest ranks by breaker") {
  with_endpoint e(json{{"breaker_failures", 2}, {"breaker_cooldown_ms", 500}});
  auto& [fake, h] = e;
  h.ok("set_provider",
       {{"name", "beta"}, {"cost_per_1k", 0.9}, {"latency_ms", 900}, {"error_rate", 0.05}});
  auto healthiest = [&] {
    return h.ok("route", {{"prompt", "x"}, {"policy", "healthiest"}, {"include_internal", false}});
  };
  CHECK(healthiest()["provider"] == "alpha");  // the lower error rate
  fake.set_mode(fake_openai::mode::fail);
  generate(h, "fastest");  // alpha fails once (still closed), internal answers
  // A failure streak outweighs the stated error rate.
  auto r = healthiest();
  CHECK(r["provider"] == "beta");
  CHECK(r["fallbacks"] == json({"alpha"}));
  generate(h, "fastest");  // the second failure reaches the threshold of 2
  auto b = h.ok("breakers", json::object())["breakers"][0];
  CHECK(b["provider"] == "alpha");
  CHECK(b["state"] == "open");
  CHECK(b["retry_at"] == h.now_ms + 500);
  CHECK(healthiest()["fallbacks"].empty());
  h.now_ms += 500;  // the node's cooldown
  r = healthiest();
  CHECK(r["provider"] == "beta");  // half-open ranks below closed
  CHECK(r["ranking"][1]["circuit"] == "half_open");
  CHECK(h.ok("route",
             {{"prompt", "x"}, {"policy", "fastest"}, {"include_internal", false}})["provider"] ==
        "alpha");
}

TEST_CASE("ai-routing: only loopback endpoints are called") {
  fake_openai fake;
  auto h = make();
  configure(h, "http://example.com:" + std::to_string(fake.port()));
  add_alpha(h);
  auto g = generate(h, "fastest");
  CHECK(g["provider"] == "internal");
  REQUIRE(g["skipped"].size() == 1);
  CHECK(g["skipped"][0]["reason"].get<std::string>().find("not loopback") != std::string::npos);
  CHECK(fake.requests() == 0);
  CHECK(h.ok("list_providers", json::object())["endpoint"].is_null());
  // The client refuses on its own too, before any socket is opened.
  namespace openai = xyn::actors::openai;
  auto reply = openai::chat("http://10.1.2.3:8080", {});
  CHECK(reply.error().code() == xyn::status_code::invalid_argument);
  CHECK(reply.error().message().find("not loopback") != std::string::npos);
  CHECK_FALSE(openai::parse_url("https://127.0.0.1:1").ok());
  CHECK_FALSE(openai::parse_url("http://user:pw@127.0.0.1:1").ok());
  CHECK_FALSE(openai::parse_url("http://127.0.0.1:0").ok());
  CHECK_FALSE(openai::parse_url("http://127.0.0.1:99999").ok());
  CHECK_FALSE(openai::parse_url("http://[::1").ok());
  CHECK_FALSE(openai::parse_url("http://127.0.0.1.example.com").ok());
  auto e = openai::parse_url("http://[::1]:8080/base/");
  REQUIRE(e.ok());
  CHECK(e->host == "::1");
  CHECK(e->port == 8080);
  CHECK(e->base_path == "/base");
  e = openai::parse_url("http://LocalHost");
  REQUIRE(e.ok());
  CHECK(e->port == 80);
  CHECK(openai::parse_url("http://127.3.2.1:5").ok());
}

TEST_CASE("ai-routing: generate's bad params are invalid_params naming the field") {
  auto h = make();
  auto r = h.run("generate", {{"policy", "cheapest"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'prompt'") != std::string::npos);
  r = h.run("generate", {{"prompt", "x"}, {"template", "y"}});
  CHECK(r.message.find("'prompt'") != std::string::npos);
  r = h.run("generate", {{"prompt", "x"}, {"max_tokens", 0}});
  CHECK(r.message.find("'max_tokens'") != std::string::npos);
  r = h.run("generate", {{"prompt", "x"}, {"policy", "random"}});
  CHECK(r.message.find("'policy'") != std::string::npos);
  r = h.run("generate", {{"template", "x"}, {"slots", "no"}});
  CHECK(r.message.find("'slots'") != std::string::npos);
}

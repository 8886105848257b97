#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

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
  CHECK(r["reason"].get<std::string>().find("skipped unhealthy 'gamma'") != std::string::npos);
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

TEST_CASE("ai-routing: remove_provider undoes set_provider; providers are per tenant") {
  auto h = make();
  CHECK(h.service().find("set_provider")->compensation == "remove_provider");
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

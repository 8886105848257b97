// ai-routing-engine: chooses the provider for a generation request by the tenant's policy
// (cheapest, fastest, healthiest) among the providers the tenant configured plus the built-in
// "internal" provider (internal-ai-service: free, local, always healthy), falling back past
// unhealthy ones. It decides; it does not call providers (the caller does, trying `fallbacks`
// in order when the chosen one fails).
//
// Layout under (ai-routing-engine, tenant):
//   provider/<name>   JSON {name, cost_per_1k, latency_ms, healthy, error_rate, updated_at}
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "actors/params.hpp"
#include "actors/services/services.hpp"

namespace xyn::actors::services {

namespace {

constexpr const char* internal_name = "internal";

// The built-in provider's figures: no cost, a local model's typical latency, no errors.
json internal_provider() {
  return {{"name", internal_name}, {"cost_per_1k", 0.0}, {"latency_ms", 300.0},
          {"healthy", true},       {"error_rate", 0.0},  {"builtin", true}};
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (unsigned char c : n)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

std::string provider_key(const std::string& name) {
  return "provider/" + name;
}

json provider_view(const json& p) {
  return {{"name", p["name"]},
          {"cost_per_1k", p["cost_per_1k"]},
          {"latency_ms", p["latency_ms"]},
          {"healthy", p["healthy"]},
          {"error_rate", p["error_rate"]},
          {"builtin", p.value("builtin", false)}};
}

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

class ai_routing_engine : public service {
 public:
  ai_routing_engine() : service("ai-routing-engine", "Routes generation requests to providers") {
    add({"set_provider", "Add or change a provider; the output holds the previous settings",
         object_schema({{"name", "string"},
                        {"cost_per_1k", "number"},
                        {"latency_ms", "number"},
                        {"healthy", "boolean"},
                        {"error_rate", "number"}},
                       {"name", "cost_per_1k", "latency_ms"}),
         "remove_provider", true, set_provider});
    add({"remove_provider", "Remove a provider; the output holds its settings for set_provider",
         object_schema({{"name", "string"}}, {"name"}), "set_provider", true, remove_provider});
    add({"list_providers", "The built-in provider and the tenant's", object_schema({}, {}), "",
         false, list_providers});
    auto route_schema = object_schema({{"prompt", "string"},
                                       {"policy", "string"},
                                       {"max_cost_per_1k", "number"},
                                       {"include_internal", "boolean"}},
                                      {"prompt", "policy"});
    route_schema["properties"]["policy"]["enum"] = {"cheapest", "fastest", "healthiest"};
    add({"route", "Choose a provider by policy, with the healthy fallbacks in order", route_schema,
         "", false, route});
  }

 private:
  static outcome set_provider(action_context& ctx) {
    param_reader p(ctx.params);
    auto name = p.string("name");
    auto cost = p.number("cost_per_1k");
    auto latency = p.number("latency_ms");
    auto healthy = p.boolean("healthy", true);
    auto error_rate = p.number("error_rate", 0);
    if (p.ok() && !valid_name(name))
      p.fail("name", "must be 1-64 letters, digits, '_', '.' or '-'");
    if (p.ok() && name == internal_name) p.fail("name", "'internal' is the built-in provider");
    if (p.ok() && !(cost >= 0)) p.fail("cost_per_1k", "must not be negative");
    if (p.ok() && !(latency >= 0)) p.fail("latency_ms", "must not be negative");
    if (p.ok() && !(error_rate >= 0 && error_rate <= 1)) p.fail("error_rate", "must be 0-1");
    if (!p.ok()) return p.failure();
    auto old = ctx.state.get_json(provider_key(name));
    json doc = {{"name", name},       {"cost_per_1k", cost},      {"latency_ms", latency},
                {"healthy", healthy}, {"error_rate", error_rate}, {"updated_at", ctx.now_ms}};
    ctx.state.put_json(provider_key(name), doc, ctx.now_ms);
    json out = provider_view(doc);
    out["previous"] = old ? provider_view(*old) : json(nullptr);
    return outcome::success(out);
  }

  static outcome remove_provider(action_context& ctx) {
    param_reader p(ctx.params);
    auto name = p.string("name");
    if (!p.ok()) return p.failure();
    auto old = ctx.state.get_json(provider_key(name));
    if (!old) return outcome::not_found("no provider '" + name + "'");
    ctx.state.erase(provider_key(name));
    json out = provider_view(*old);
    out["removed"] = true;
    return outcome::success(out);
  }

  static std::vector<json> providers(const state_view& st, bool include_internal) {
    std::vector<json> out;
    if (include_internal) out.push_back(internal_provider());
    st.scan_json("provider/", [&](std::string_view, const json& p) {
      out.push_back(p);
      return true;
    });
    return out;
  }

  static outcome list_providers(action_context& ctx) {
    json out = json::array();
    for (const auto& p : providers(ctx.state, true)) out.push_back(provider_view(p));
    return outcome::success({{"providers", out}, {"count", out.size()}});
  }

  static outcome route(action_context& ctx) {
    param_reader p(ctx.params);
    auto prompt = p.string("prompt");
    auto policy = p.string("policy");
    bool capped =
        ctx.params.contains("max_cost_per_1k") && !ctx.params["max_cost_per_1k"].is_null();
    auto max_cost = p.number("max_cost_per_1k", 0);
    auto include_internal = p.boolean("include_internal", true);
    if (p.ok() && policy != "cheapest" && policy != "fastest" && policy != "healthiest")
      p.fail("policy", "must be cheapest, fastest or healthiest");
    if (!p.ok()) return p.failure();
    auto all = providers(ctx.state, include_internal);
    std::vector<json> eligible;
    for (auto& pr : all)
      if (!capped || pr["cost_per_1k"].get<double>() <= max_cost) eligible.push_back(pr);
    auto key = [&](const json& x) {
      double cost = x["cost_per_1k"], latency = x["latency_ms"], errors = x["error_rate"];
      std::string name = x["name"];
      if (policy == "cheapest") return std::make_tuple(cost, latency, errors, name);
      if (policy == "fastest") return std::make_tuple(latency, cost, errors, name);
      return std::make_tuple(errors, latency, cost, name);
    };
    std::sort(eligible.begin(), eligible.end(),
              [&](const json& a, const json& b) { return key(a) < key(b); });
    const char* what = policy == "cheapest"  ? "cheapest"
                       : policy == "fastest" ? "fastest"
                                             : "most reliable";
    std::optional<size_t> chosen;
    json fallbacks = json::array(), ranking = json::array();
    for (size_t i = 0; i < eligible.size(); ++i) {
      ranking.push_back(provider_view(eligible[i]));
      if (!eligible[i]["healthy"].get<bool>()) continue;
      if (!chosen)
        chosen = i;
      else
        fallbacks.push_back(eligible[i]["name"]);
    }
    if (!chosen) {
      auto out = outcome::failure("unavailable", eligible.empty()
                                                     ? "no provider is eligible"
                                                     : "every eligible provider is unhealthy");
      out.retryable = true;
      return out;
    }
    const json& c = eligible[*chosen];
    std::string reason = "'" + c["name"].get<std::string>() + "' is the " + what +
                         " healthy provider (" + num(c["cost_per_1k"]) + " per 1k tokens, " +
                         num(c["latency_ms"]) + " ms)";
    if (*chosen > 0) {
      std::string skipped;
      for (size_t i = 0; i < *chosen; ++i)
        skipped += (skipped.empty() ? "'" : ", '") + eligible[i]["name"].get<std::string>() + "'";
      reason = "skipped unhealthy " + skipped + "; " + reason;
    }
    // About four bytes of English per token: the usual rule of thumb for BPE tokenizers.
    auto tokens = static_cast<int64_t>((prompt.size() + 3) / 4);
    return outcome::success(
        {{"provider", c["name"]},
         {"policy", policy},
         {"reason", reason},
         {"fallbacks", fallbacks},
         {"estimated_tokens", tokens},
         {"estimated_cost", static_cast<double>(tokens) / 1000.0 * c["cost_per_1k"].get<double>()},
         {"ranking", ranking}});
  }
};

}  // namespace

std::unique_ptr<service> make_ai_routing_engine() {
  return std::make_unique<ai_routing_engine>();
}

}  // namespace xyn::actors::services

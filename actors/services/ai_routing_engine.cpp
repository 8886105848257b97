// ai-routing-engine: routes a generation request to a provider by policy (cheapest, fastest,
// healthiest) and, for `generate`, calls it, falling back to the next candidate when a call
// fails. `route` only decides (the caller calls). Providers:
//   "internal"  built in: internal-ai-service's template generation, asked in-process. Free,
//               local and always healthy (no breaker: it is no remote call that can hang or
//               flap). A bare prompt comes back as written: it is a template of one slot.
//   the tenant's (set_provider): the figures the tenant states (cost, latency, error rate) for
//               a model served by the node's OpenAI-compatible endpoint (settings "ai":
//               openai_url, off by default, loopback only; openai_client.hpp). Without a usable
//               endpoint they can still be routed to, but `generate` skips them.
// Each tenant provider has a circuit breaker: closed, it opens after `breaker_failures`
// consecutive failed calls; open, it is skipped until `breaker_cooldown_ms` have passed (by
// ctx.now_ms); then it is half-open and the next call tries it once: success closes it, failure
// opens it again. `healthiest` ranks by breaker state and failure streak before the stated
// error rate, and every policy skips open breakers.
//
// Layout under (ai-routing-engine, tenant):
//   provider/<name>  JSON {name, cost_per_1k, latency_ms, healthy, error_rate, model?, updated_at}
//   breaker/<name>   JSON {provider, state (closed|open), consecutive_failures, opened_at,
//                          failures, successes, last_error}
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <tuple>

#include "actors/params.hpp"
#include "actors/services/openai_client.hpp"
#include "actors/services/services.hpp"

namespace xyn::actors::services {

namespace {

constexpr const char* internal_name = "internal";
constexpr const char* internal_service = "internal-ai-service";
constexpr int64_t max_tokens_limit = 100000;

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
std::string breaker_key(const std::string& name) {
  return "breaker/" + name;
}

json provider_view(const json& p) {
  return {{"name", p["name"]},
          {"cost_per_1k", p["cost_per_1k"]},
          {"latency_ms", p["latency_ms"]},
          {"healthy", p["healthy"]},
          {"error_rate", p["error_rate"]},
          {"model", p.value("model", json(nullptr))},
          {"builtin", p.value("builtin", false)}};
}

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

// About four bytes of English per token: the usual rule of thumb for BPE tokenizers.
int64_t estimate_tokens(const std::string& text) {
  return static_cast<int64_t>((text.size() + 3) / 4);
}

// The node's "ai" settings (node_facts::settings["ai"]); anything absent keeps its default.
struct ai_settings {
  std::string openai_url;  // empty: no HTTP endpoint
  std::string openai_model = "gpt-4o-mini";
  std::string api_key;
  int64_t timeout_ms = 10000;
  int64_t breaker_failures = 3;
  int64_t breaker_cooldown_ms = 30000;
};

ai_settings read_settings(const json& settings) {
  ai_settings s;
  auto section = settings.is_object() ? settings.find("ai") : settings.end();
  if (section == settings.end() || !section->is_object()) return s;
  const json& ai = *section;
  auto text = [&](const char* key, std::string& out) {
    if (auto it = ai.find(key); it != ai.end() && it->is_string()) out = it->get<std::string>();
  };
  auto positive = [&](const char* key, int64_t& out) {
    if (auto it = ai.find(key); it != ai.end() && it->is_number_integer() && *it > 0)
      out = it->get<int64_t>();
  };
  text("openai_url", s.openai_url);
  text("openai_model", s.openai_model);
  text("api_key", s.api_key);
  positive("openai_timeout_ms", s.timeout_ms);
  positive("breaker_failures", s.breaker_failures);
  positive("breaker_cooldown_ms", s.breaker_cooldown_ms);
  return s;
}

// Whether the tenant's providers can be called: the endpoint is configured and allowed.
status endpoint_status(const ai_settings& s) {
  if (s.openai_url.empty())
    return status::unavailable("no OpenAI-compatible endpoint is configured (ai.openai_url)");
  auto where = openai::parse_url(s.openai_url);
  return where ? status{} : where.error();
}

// --- circuit breakers ---

json load_breaker(const state_view& st, const std::string& name) {
  if (auto b = st.get_json(breaker_key(name))) return *b;
  return {{"provider", name},     {"state", "closed"}, {"consecutive_failures", 0},
          {"opened_at", nullptr}, {"failures", 0},     {"successes", 0},
          {"last_error", nullptr}};
}

// closed, open, or half_open: open but cooled down, so the next call may try it once.
std::string circuit_of(const json& b, int64_t now_ms, const ai_settings& s) {
  if (b["state"] != "open") return "closed";
  return now_ms - b["opened_at"].get<int64_t>() >= s.breaker_cooldown_ms ? "half_open" : "open";
}

// The breaker after one call made in state `circuit`: a success closes it; a failure opens it
// when it was the half-open trial or the failure streak reaches the threshold.
json after_call(json b, const std::string& circuit, const status& result, int64_t now_ms,
                const ai_settings& s) {
  if (result.ok()) {
    b["state"] = "closed";
    b["consecutive_failures"] = 0;
    b["successes"] = b["successes"].get<int64_t>() + 1;
    return b;
  }
  auto streak = b["consecutive_failures"].get<int64_t>() + 1;
  b["consecutive_failures"] = streak;
  b["failures"] = b["failures"].get<int64_t>() + 1;
  b["last_error"] = result.to_string();
  if (circuit == "half_open" || streak >= s.breaker_failures) {
    b["state"] = "open";
    b["opened_at"] = now_ms;
  }
  return b;
}

json breaker_view(const json& b, int64_t now_ms, const ai_settings& s) {
  auto circuit = circuit_of(b, now_ms, s);
  json out = b;
  out["state"] = circuit;
  out["retry_at"] = circuit == "closed"
                        ? json(nullptr)
                        : json(b["opened_at"].get<int64_t>() + s.breaker_cooldown_ms);
  return out;
}

// --- ranking ---

// The routing part of a request: the policy and which providers may take part.
struct routing {
  std::string policy;
  std::optional<double> max_cost;
  bool include_internal = true;
};

// Reads policy, max_cost_per_1k and include_internal. A null `default_policy` makes the policy
// required.
routing read_routing(param_reader& p, const json& params, const char* default_policy) {
  routing r;
  r.policy = default_policy ? p.string("policy", default_policy) : p.string("policy");
  if (params.contains("max_cost_per_1k") && !params["max_cost_per_1k"].is_null())
    r.max_cost = p.number("max_cost_per_1k");
  r.include_internal = p.boolean("include_internal", true);
  if (p.ok() && r.policy != "cheapest" && r.policy != "fastest" && r.policy != "healthiest")
    p.fail("policy", "must be cheapest, fastest or healthiest");
  return r;
}

// A provider as a routing candidate, with its breaker and whether it may take a call now.
struct candidate {
  json provider;
  json breaker;         // null for the built-in provider
  std::string circuit;  // closed | open | half_open
  std::string skip;     // why it may not take a call now; empty: it may
  bool builtin() const { return provider.value("builtin", false); }
  std::string name() const { return provider["name"].get<std::string>(); }
};

std::vector<json> providers(const state_view& st, bool include_internal) {
  std::vector<json> out;
  if (include_internal) out.push_back(internal_provider());
  st.scan_json("provider/", [&](std::string_view, const json& p) {
    out.push_back(p);
    return true;
  });
  return out;
}

int circuit_rank(const std::string& circuit) {
  return circuit == "closed" ? 0 : circuit == "half_open" ? 1 : 2;
}

// The eligible providers, best first by the policy.
std::vector<candidate> ranked(const action_context& ctx, const routing& r, const ai_settings& s) {
  std::vector<candidate> out;
  for (auto& p : providers(ctx.state, r.include_internal)) {
    if (r.max_cost && p["cost_per_1k"].get<double>() > *r.max_cost) continue;
    candidate c{p, json(nullptr), "closed", ""};
    if (!c.builtin()) {
      c.breaker = load_breaker(ctx.state, c.name());
      c.circuit = circuit_of(c.breaker, ctx.now_ms, s);
    }
    if (!p["healthy"].get<bool>())
      c.skip = "unhealthy";
    else if (c.circuit == "open")
      c.skip = "circuit open";
    out.push_back(std::move(c));
  }
  auto key = [&](const candidate& c) {
    double cost = c.provider["cost_per_1k"], latency = c.provider["latency_ms"],
           errors = c.provider["error_rate"];
    // Health, for "healthiest": the breaker's state and failure streak come first.
    bool health = r.policy == "healthiest";
    int rank = health ? circuit_rank(c.circuit) : 0;
    int64_t streak =
        health && !c.breaker.is_null() ? c.breaker["consecutive_failures"].get<int64_t>() : 0;
    if (r.policy == "cheapest")
      return std::make_tuple(rank, streak, cost, latency, errors, c.name());
    if (r.policy == "fastest")
      return std::make_tuple(rank, streak, latency, cost, errors, c.name());
    return std::make_tuple(rank, streak, errors, latency, cost, c.name());
  };
  std::sort(out.begin(), out.end(),
            [&](const candidate& a, const candidate& b) { return key(a) < key(b); });
  return out;
}

// --- generation ---

// One provider call's result: the text, or the failure.
struct answer {
  status result;
  std::string text;
  json model = nullptr;
  int64_t prompt_tokens = -1;
  int64_t completion_tokens = -1;
};

// What the HTTP providers are sent beyond the prompt.
struct http_request {
  std::string system;
  int64_t max_tokens = 0;
};

answer failed(status why) {
  answer a;
  a.result = std::move(why);
  return a;
}

answer call_http(const ai_settings& s, const json& provider, const std::string& prompt,
                 const http_request& req) {
  openai::chat_request chat;
  chat.model = provider.value("model", s.openai_model);
  chat.system = req.system;
  chat.prompt = prompt;
  chat.max_tokens = req.max_tokens;
  chat.api_key = s.api_key;
  chat.timeout = std::chrono::milliseconds(s.timeout_ms);
  auto reply = openai::chat(s.openai_url, chat);
  if (!reply) return failed(reply.error());
  answer a;
  a.text = reply->text;
  a.model = reply->model.empty() ? chat.model : reply->model;
  a.prompt_tokens = reply->prompt_tokens;
  a.completion_tokens = reply->completion_tokens;
  return a;
}

answer from_outcome(const outcome& o) {
  if (!o.ok) return failed(status::unavailable(o.code + ": " + o.message));
  answer a;
  a.text = o.output.value("text", std::string());
  return a;
}

// A failure of internal-ai-service that lies in the request (a bad template), not the provider:
// every provider would see the same request, so there is nothing to fall back to.
bool request_error(const outcome& o) {
  return !o.ok && (o.code == "invalid_params" || o.code == "too_large");
}

int64_t ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}

// Reads and checks a provider definition (set_provider's params, restore_provider's
// `previous`) into its stored form; nullopt with the problem recorded in `p`.
std::optional<json> read_provider(param_reader& p, int64_t now_ms) {
  auto name = p.string("name");
  auto cost = p.number("cost_per_1k");
  auto latency = p.number("latency_ms");
  auto healthy = p.boolean("healthy", true);
  auto error_rate = p.number("error_rate", 0);
  auto model = p.optional_string("model");
  if (p.ok() && !valid_name(name)) p.fail("name", "must be 1-64 letters, digits, '_', '.' or '-'");
  if (p.ok() && name == internal_name) p.fail("name", "'internal' is the built-in provider");
  if (p.ok() && !(cost >= 0)) p.fail("cost_per_1k", "must not be negative");
  if (p.ok() && !(latency >= 0)) p.fail("latency_ms", "must not be negative");
  if (p.ok() && !(error_rate >= 0 && error_rate <= 1)) p.fail("error_rate", "must be 0-1");
  if (p.ok() && model && (model->empty() || model->size() > 256))
    p.fail("model", "must be 1-256 characters");
  if (!p.ok()) return std::nullopt;
  json doc = {{"name", name},       {"cost_per_1k", cost},      {"latency_ms", latency},
              {"healthy", healthy}, {"error_rate", error_rate}, {"updated_at", now_ms}};
  if (model) doc["model"] = *model;
  return doc;
}

// Stores `doc` as provider `name` (removes it when null); returns the definition it replaced.
json replace_provider(action_context& ctx, const std::string& name, const json& doc) {
  auto old = ctx.state.get_json(provider_key(name));
  if (doc.is_null())
    ctx.state.erase(provider_key(name));
  else
    ctx.state.put_json(provider_key(name), doc, ctx.now_ms);
  return old ? provider_view(*old) : json(nullptr);
}

class ai_routing_engine : public service {
 public:
  ai_routing_engine() : service("ai-routing-engine", "Routes generation requests to providers") {
    add({"set_provider", "Add or change a provider; the output holds the previous settings",
         object_schema({{"name", "string"},
                        {"cost_per_1k", "number"},
                        {"latency_ms", "number"},
                        {"healthy", "boolean"},
                        {"error_rate", "number"},
                        {"model", "string"}},
                       {"name", "cost_per_1k", "latency_ms"}),
         "restore_provider", true, set_provider});
    add({"restore_provider",
         "Put back a provider's earlier definition (set_provider's output `previous`), or "
         "remove it when that is null; undoes set_provider and itself",
         object_schema({{"name", "string"}, {"previous", "object"}}, {"name"}), "restore_provider",
         true, restore_provider});
    add({"remove_provider", "Remove a provider; the output holds its settings for set_provider",
         object_schema({{"name", "string"}}, {"name"}), "set_provider", true, remove_provider});
    add({"list_providers", "The built-in provider and the tenant's, with their circuit state",
         object_schema({}, {}), "", false, list_providers});
    add({"breakers", "The circuit breaker of each of the tenant's providers", object_schema({}, {}),
         "", false, breakers});
    auto route_schema = object_schema({{"prompt", "string"},
                                       {"policy", "string"},
                                       {"max_cost_per_1k", "number"},
                                       {"include_internal", "boolean"}},
                                      {"prompt", "policy"});
    route_schema["properties"]["policy"]["enum"] = {"cheapest", "fastest", "healthiest"};
    add({"route", "Choose a provider by policy, with the usable fallbacks in order", route_schema,
         "", false, route});
    auto generate_schema = object_schema({{"prompt", "string"},
                                          {"template", "string"},
                                          {"slots", "object"},
                                          {"system", "string"},
                                          {"policy", "string"},
                                          {"max_tokens", "integer"},
                                          {"max_cost_per_1k", "number"},
                                          {"include_internal", "boolean"}},
                                         {});
    generate_schema["properties"]["policy"]["enum"] = {"cheapest", "fastest", "healthiest"};
    // Mutates (it records breaker state) with no compensation: a generation cannot be unsent
    // and leaves nothing to undo. Being a mutating action is what makes the host keep its first
    // answer under the idempotency key, so a retried workflow step gets that answer back
    // instead of paying a provider twice.
    add({"generate",
         "Generate text from a prompt or a template with slots: route by policy (default "
         "cheapest), call the provider, fall back past failures; names the attempts",
         generate_schema, "", true, generate});
  }

 private:
  static outcome set_provider(action_context& ctx) {
    param_reader p(ctx.params);
    auto doc = read_provider(p, ctx.now_ms);
    if (!doc) return p.failure();
    json out = provider_view(*doc);
    out["previous"] = replace_provider(ctx, out["name"], *doc);
    return outcome::success(out);
  }

  static outcome restore_provider(action_context& ctx) {
    param_reader p(ctx.params);
    auto name = p.string("name");
    if (!p.ok()) return p.failure();
    json doc = nullptr;  // a null or absent `previous`: there was no provider, so remove it
    auto prev = ctx.params.find("previous");
    if (prev != ctx.params.end() && !prev->is_null()) {
      if (!prev->is_object())
        return outcome::failure("invalid_params", "field 'previous': must be an object or null");
      param_reader q(*prev);
      auto d = read_provider(q, ctx.now_ms);
      if (!d) {
        auto why = q.failure().message;  // "field 'x': ..." names a field inside `previous`
        return outcome::failure("invalid_params", "field 'previous." + why.substr(7));
      }
      if ((*d)["name"] != name)
        return outcome::failure("invalid_params", "field 'previous.name': must be '" + name + "'");
      doc = *d;
    }
    json out = {{"name", name}, {"restored", doc.is_null() ? json(nullptr) : provider_view(doc)}};
    out["previous"] = replace_provider(ctx, name, doc);
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

  static outcome list_providers(action_context& ctx) {
    auto s = read_settings(ctx.node.settings);
    json out = json::array();
    for (const auto& p : providers(ctx.state, true)) {
      auto view = provider_view(p);
      view["circuit"] = view["builtin"].get<bool>()
                            ? "closed"
                            : circuit_of(load_breaker(ctx.state, p["name"]), ctx.now_ms, s);
      out.push_back(view);
    }
    auto endpoint = endpoint_status(s);
    return outcome::success({{"providers", out},
                             {"count", out.size()},
                             {"endpoint", endpoint.ok() ? json(s.openai_url) : json(nullptr)},
                             {"endpoint_problem", endpoint.ok() ? "" : endpoint.message()}});
  }

  static outcome breakers(action_context& ctx) {
    auto s = read_settings(ctx.node.settings);
    json out = json::array();
    for (const auto& p : providers(ctx.state, false))
      out.push_back(breaker_view(load_breaker(ctx.state, p["name"]), ctx.now_ms, s));
    return outcome::success({{"breakers", out},
                             {"count", out.size()},
                             {"failure_threshold", s.breaker_failures},
                             {"cooldown_ms", s.breaker_cooldown_ms}});
  }

  static outcome route(action_context& ctx) {
    param_reader p(ctx.params);
    auto prompt = p.string("prompt");
    auto r = read_routing(p, ctx.params, nullptr);
    if (!p.ok()) return p.failure();
    auto eligible = ranked(ctx, r, read_settings(ctx.node.settings));
    std::optional<size_t> chosen;
    std::string skipped;
    json fallbacks = json::array(), ranking = json::array();
    for (size_t i = 0; i < eligible.size(); ++i) {
      const auto& c = eligible[i];
      auto view = provider_view(c.provider);
      view["circuit"] = c.circuit;
      ranking.push_back(view);
      if (!c.skip.empty()) {
        if (!chosen) skipped += (skipped.empty() ? "'" : ", '") + c.name() + "' (" + c.skip + ")";
      } else if (!chosen) {
        chosen = i;
      } else {
        fallbacks.push_back(c.name());
      }
    }
    if (!chosen) {
      auto out = outcome::failure(
          "unavailable", eligible.empty()
                             ? "no provider is eligible"
                             : "every eligible provider is unhealthy or has its circuit open");
      out.retryable = true;
      return out;
    }
    const json& c = eligible[*chosen].provider;
    const char* what = r.policy == "cheapest"  ? "cheapest"
                       : r.policy == "fastest" ? "fastest"
                                               : "most reliable";
    std::string reason = "'" + c["name"].get<std::string>() + "' is the " + what +
                         " usable provider (" + num(c["cost_per_1k"]) + " per 1k tokens, " +
                         num(c["latency_ms"]) + " ms)";
    if (!skipped.empty()) reason = "skipped " + skipped + "; " + reason;
    auto tokens = estimate_tokens(prompt);
    return outcome::success(
        {{"provider", c["name"]},
         {"policy", r.policy},
         {"reason", reason},
         {"fallbacks", fallbacks},
         {"estimated_tokens", tokens},
         {"estimated_cost", static_cast<double>(tokens) / 1000.0 * c["cost_per_1k"].get<double>()},
         {"ranking", ranking}});
  }

  // Tries the candidates best first until one answers. The output depends on what the
  // providers answered and how long they took (attempts' `ms`), which is why the host keeps
  // the first answer under the idempotency key. An HTTP call blocks this service host's thread
  // for at most ai.openai_timeout_ms.
  static outcome generate(action_context& ctx) {
    param_reader p(ctx.params);
    auto prompt = p.optional_string("prompt");
    auto tpl = p.optional_string("template");
    auto slots = p.object("slots", json::object());
    http_request req{p.string("system", ""), p.integer("max_tokens", 256)};
    auto r = read_routing(p, ctx.params, "cheapest");
    if (p.ok() && prompt.has_value() == tpl.has_value())
      p.fail("prompt", "give either a prompt or a template (with slots)");
    if (p.ok() && (req.max_tokens < 1 || req.max_tokens > max_tokens_limit))
      p.fail("max_tokens", "must be 1-" + std::to_string(max_tokens_limit));
    if (!p.ok()) return p.failure();
    auto s = read_settings(ctx.node.settings);
    auto endpoint = endpoint_status(s);

    // internal-ai-service renders the request once: that is the internal provider's answer,
    // and for a template also the prompt the HTTP providers get. A bare prompt goes in as a
    // template of one slot, so braces in it stay text.
    json internal_params = tpl ? json{{"template", *tpl}, {"slots", slots}}
                               : json{{"template", "{{prompt}}"}, {"slots", {{"prompt", *prompt}}}};
    std::optional<outcome> rendered;
    int64_t render_ms = 0;
    auto render = [&]() -> const outcome& {
      if (!rendered) {
        auto t0 = std::chrono::steady_clock::now();
        rendered = ctx.ask(internal_service, "generate", internal_params);
        render_ms = ms_since(t0);
      }
      return *rendered;
    };
    if (tpl && !render().ok) return *rendered;
    const std::string http_prompt = tpl ? rendered->output["text"].get<std::string>() : *prompt;

    json attempts = json::array(), skipped = json::array();
    for (const auto& c : ranked(ctx, r, s)) {
      std::string why = c.skip;
      if (why.empty() && !c.builtin() && !endpoint.ok()) why = endpoint.message();
      if (!why.empty()) {
        skipped.push_back({{"provider", c.name()}, {"reason", why}});
        continue;
      }
      answer a;
      int64_t ms = 0;
      if (c.builtin()) {
        if (request_error(render())) return *rendered;
        a = from_outcome(*rendered);
        ms = render_ms;
      } else {
        auto t0 = std::chrono::steady_clock::now();
        a = call_http(s, c.provider, http_prompt, req);
        ms = ms_since(t0);
        ctx.state.put_json(breaker_key(c.name()),
                           after_call(c.breaker, c.circuit, a.result, ctx.now_ms, s), ctx.now_ms);
      }
      json attempt = {
          {"provider", c.name()}, {"outcome", a.result.ok() ? "ok" : "failed"}, {"ms", ms}};
      if (!a.result.ok())
        attempt["error"] = {{"code", to_string(a.result.code())}, {"message", a.result.message()}};
      attempts.push_back(attempt);
      if (a.result.ok()) return generated(c, r, http_prompt, a, attempts, skipped);
    }
    std::string tried;
    for (const auto& at : attempts)
      tried += (tried.empty() ? "" : "; ") + at["provider"].get<std::string>() + ": " +
               at["error"]["message"].get<std::string>();
    for (const auto& sk : skipped)
      tried += (tried.empty() ? "" : "; ") + sk["provider"].get<std::string>() +
               " skipped: " + sk["reason"].get<std::string>();
    auto out = outcome::failure("unavailable",
                                "no provider answered" + (tried.empty() ? "" : " (" + tried + ")"));
    out.retryable = true;
    return out;
  }

  static outcome generated(const candidate& c, const routing& r, const std::string& prompt,
                           const answer& a, const json& attempts, const json& skipped) {
    // Token counts as the provider reported them, else estimated.
    bool estimated = a.prompt_tokens < 0 || a.completion_tokens < 0;
    int64_t in = a.prompt_tokens >= 0 ? a.prompt_tokens : estimate_tokens(prompt);
    int64_t out = a.completion_tokens >= 0 ? a.completion_tokens : estimate_tokens(a.text);
    double cost = static_cast<double>(in + out) / 1000.0 * c.provider["cost_per_1k"].get<double>();
    return outcome::success(
        {{"provider", c.name()},
         {"model", a.model},
         {"policy", r.policy},
         {"text", a.text},
         {"attempts", attempts},
         {"skipped", skipped},
         {"tokens", {{"prompt", in}, {"completion", out}, {"estimated", estimated}}},
         {"cost", cost}});
  }
};

}  // namespace

std::unique_ptr<service> make_ai_routing_engine() {
  return std::make_unique<ai_routing_engine>();
}

}  // namespace xyn::actors::services

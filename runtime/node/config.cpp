#include "runtime/node/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "actors/services/openai_client.hpp"
#include "runtime/cluster/tls_files.hpp"

namespace xyn::node {

namespace {

using json = nlohmann::json;

enum class kind { string, integer, port, string_list, log_level, loopback_url };

// One setting: its key, type, allowed range and where it lands in node_config.
struct key_spec {
  const char* key;
  kind type;
  int64_t min = 0;
  int64_t max = 0;
  std::function<void(node_config&, const json&)> set;
};

template <class T>
std::function<void(node_config&, const json&)> field(T node_config::*member) {
  return [member](node_config& cfg, const json& v) { cfg.*member = v.get<T>(); };
}

const std::vector<key_spec>& keys() {
  static const std::vector<key_spec> table = {
      {"node.name", kind::string, 0, 64, field(&node_config::node_name)},
      {"node.data_dir", kind::string, 1, 4096, field(&node_config::data_dir)},
      {"admin.address", kind::string, 1, 255, field(&node_config::admin_address)},
      {"admin.port", kind::port, 0, 65535, field(&node_config::admin_port)},
      {"admin.threads", kind::integer, 1, 64, field(&node_config::admin_threads)},
      {"admin.max_body_bytes", kind::integer, 1024, 1ll << 30,
       field(&node_config::admin_max_body_bytes)},
      {"cluster.port", kind::port, 0, 65535, field(&node_config::cluster_port)},
      {"cluster.seeds", kind::string_list, 0, 0, field(&node_config::seeds)},
      {"cluster.secret_file", kind::string, 0, 4096, field(&node_config::cluster_secret_file)},
      {"cluster.tls_certificate", kind::string, 0, 4096,
       field(&node_config::cluster_tls_certificate)},
      {"cluster.tls_key", kind::string, 0, 4096, field(&node_config::cluster_tls_key)},
      {"cluster.tls_ca", kind::string, 0, 4096, field(&node_config::cluster_tls_ca)},
      {"cluster.heartbeat_ms", kind::integer, 10, 60000, field(&node_config::cluster_heartbeat_ms)},
      {"cluster.phi_threshold", kind::integer, 1, 1000, field(&node_config::cluster_phi_threshold)},
      {"cluster.acceptable_pause_ms", kind::integer, 0, 600000,
       field(&node_config::cluster_acceptable_pause_ms)},
      {"cluster.down_after_ms", kind::integer, 0, 600000,
       field(&node_config::cluster_down_after_ms)},
      {"cluster.shards", kind::integer, 1, 4096, field(&node_config::cluster_shards)},
      {"cluster.replication", kind::integer, 1, 2, field(&node_config::cluster_replication)},
      {"log.level", kind::log_level, 0, 0, field(&node_config::log_level)},
      {"store.map_size_mb", kind::integer, 1, 1ll << 22, field(&node_config::store_map_size_mb)},
      {"runtime.scheduler_threads", kind::integer, 0, 256, field(&node_config::scheduler_threads)},
      {"services.intensity", kind::integer, -1, 1000000, field(&node_config::service_intensity)},
      {"services.period_ms", kind::integer, 1, 86400000, field(&node_config::service_period_ms)},
      {"services.backoff_initial_ms", kind::integer, 0, 3600000,
       field(&node_config::service_backoff_initial_ms)},
      {"services.backoff_max_ms", kind::integer, 0, 3600000,
       field(&node_config::service_backoff_max_ms)},
      {"services.disabled", kind::string_list, 0, 0, field(&node_config::disabled_services)},
      {"services.execute_timeout_ms", kind::integer, 1, 3600000,
       field(&node_config::execute_timeout_ms)},
      {"events.ring_size", kind::integer, 1, 10000000, field(&node_config::event_ring_size)},
      {"workflows.passivate_after_ms", kind::integer, 0, 86400000,
       field(&node_config::workflow_passivate_after_ms)},
      {"workflows.resume_batch", kind::integer, 1, 1000000,
       field(&node_config::workflow_resume_batch)},
      {"ai.openai_url", kind::loopback_url, 0, 2048, field(&node_config::openai_url)},
      {"ai.openai_model", kind::string, 1, 256, field(&node_config::openai_model)},
      {"ai.openai_timeout_ms", kind::integer, 1, 600000, field(&node_config::openai_timeout_ms)},
      {"ai.breaker_failures", kind::integer, 1, 1000, field(&node_config::ai_breaker_failures)},
      {"ai.breaker_cooldown_ms", kind::integer, 1, 86400000,
       field(&node_config::ai_breaker_cooldown_ms)},
  };
  return table;
}

const key_spec* find_key(std::string_view key) {
  for (const auto& k : keys())
    if (key == k.key) return &k;
  return nullptr;
}

const char* type_name(kind k) {
  switch (k) {
    case kind::string:
      return "string";
    case kind::integer:
      return "integer";
    case kind::port:
      return "port (0-65535)";
    case kind::string_list:
      return "list of strings";
    case kind::log_level:
      return "one of trace, debug, info, warn, error, off";
    case kind::loopback_url:
      return "http:// URL of a loopback host, or empty";
  }
  return "value";
}

std::string env_name(std::string_view key) {
  std::string out = "XYN_";
  for (char c : key)
    out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

status bad(std::string_view origin, std::string_view key, const std::string& problem) {
  return status::invalid_argument(std::string(origin) + ": key '" + std::string(key) + "' " +
                                  problem);
}

// Checks a JSON value against the key's type and range, then stores it.
status set_value(node_config& cfg, const key_spec& spec, const json& v, std::string_view origin) {
  std::string expected = std::string("must be a ") + type_name(spec.type);
  switch (spec.type) {
    case kind::loopback_url:
      // Refused here too so a node never starts pointed off the machine.
      if (v.is_string() && !v.get<std::string>().empty()) {
        if (auto url = actors::openai::parse_url(v.get<std::string>()); !url)
          return bad(origin, spec.key, url.error().message());
      }
      [[fallthrough]];
    case kind::string:
      if (!v.is_string()) return bad(origin, spec.key, expected);
      if (v.get<std::string>().size() < static_cast<size_t>(spec.min) ||
          v.get<std::string>().size() > static_cast<size_t>(spec.max))
        return bad(origin, spec.key,
                   "must be " + std::to_string(spec.min) + " to " + std::to_string(spec.max) +
                       " characters");
      break;
    case kind::integer:
    case kind::port:
      if (!v.is_number_integer()) return bad(origin, spec.key, expected);
      if (v.get<int64_t>() < spec.min || v.get<int64_t>() > spec.max)
        return bad(
            origin, spec.key,
            "must be between " + std::to_string(spec.min) + " and " + std::to_string(spec.max));
      break;
    case kind::string_list:
      if (!v.is_array()) return bad(origin, spec.key, expected);
      for (const auto& item : v)
        if (!item.is_string()) return bad(origin, spec.key, expected);
      break;
    case kind::log_level: {
      static const std::vector<std::string> levels = {"trace", "debug", "info",
                                                      "warn",  "error", "off"};
      if (!v.is_string() ||
          std::find(levels.begin(), levels.end(), v.get<std::string>()) == levels.end())
        return bad(origin, spec.key, expected);
      break;
    }
  }
  spec.set(cfg, v);
  return {};
}

// Converts a textual value (environment, --set) to the key's JSON type.
result<json> parse_text(const key_spec& spec, std::string_view text, std::string_view origin) {
  switch (spec.type) {
    case kind::string:
    case kind::log_level:
    case kind::loopback_url:
      return json(std::string(text));
    case kind::integer:
    case kind::port: {
      int64_t n = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || ptr != text.data() + text.size() || text.empty())
        return bad(
            origin, spec.key,
            std::string("must be a ") + type_name(spec.type) + ", got '" + std::string(text) + "'");
      return json(n);
    }
    case kind::string_list: {
      json list = json::array();
      std::string item;
      std::istringstream in{std::string(text)};
      while (std::getline(in, item, ','))
        if (!item.empty()) list.push_back(item);
      return list;
    }
  }
  return json();
}

status apply_object(node_config& cfg, const json& obj, const std::string& prefix,
                    std::string_view origin) {
  for (const auto& [name, value] : obj.items()) {
    auto key = prefix.empty() ? name : prefix + "." + name;
    if (const auto* spec = find_key(key)) {
      if (auto st = set_value(cfg, *spec, value, origin); !st.ok()) return st;
    } else if (value.is_object()) {
      if (auto st = apply_object(cfg, value, key, origin); !st.ok()) return st;
    } else {
      return bad(origin, key, "is not a known setting");
    }
  }
  return {};
}

// Section names ("admin") are valid objects only if some key lives below them.
bool is_section(const std::string& prefix) {
  for (const auto& k : keys())
    if (std::string_view(k.key).rfind(prefix + ".", 0) == 0) return true;
  return false;
}

}  // namespace

status apply_json(node_config& cfg, std::string_view json_text, std::string_view origin) {
  auto doc = json::parse(json_text, nullptr, false);
  if (doc.is_discarded()) return status::invalid_argument(std::string(origin) + ": not valid JSON");
  if (!doc.is_object())
    return status::invalid_argument(std::string(origin) + ": must be a JSON object");
  for (const auto& [name, value] : doc.items()) {
    if (!find_key(name) && !is_section(name)) return bad(origin, name, "is not a known setting");
    if (is_section(name) && !value.is_object()) return bad(origin, name, "must be an object");
  }
  return apply_object(cfg, doc, "", origin);
}

const std::vector<std::string>& other_env_vars() {
  static const std::vector<std::string> vars = {"XYN_ADMIN_KEY", "XYN_MASTER_KEY",
                                                "XYN_CLUSTER_SECRET", "XYN_OPENAI_API_KEY"};
  return vars;
}

status apply_env(node_config& cfg, const std::map<std::string, std::string>& env) {
  for (const auto& [name, value] : env) {
    if (name.rfind("XYN_", 0) != 0) continue;
    if (name == "XYN_OPENAI_API_KEY") cfg.openai_api_key = value;
    if (name == "XYN_CLUSTER_SECRET") cfg.cluster_secret = value;
    if (std::find(other_env_vars().begin(), other_env_vars().end(), name) != other_env_vars().end())
      continue;
    const key_spec* spec = nullptr;
    for (const auto& k : keys())
      if (env_name(k.key) == name) spec = &k;
    if (spec == nullptr)
      return status::invalid_argument("environment: " + name + " is not a known setting");
    auto parsed = parse_text(*spec, value, "environment " + name);
    if (!parsed) return parsed.error();
    if (auto st = set_value(cfg, *spec, *parsed, "environment " + name); !st.ok()) return st;
  }
  return {};
}

status apply_setting(node_config& cfg, std::string_view key, std::string_view value,
                     std::string_view origin) {
  const auto* spec = find_key(key);
  if (spec == nullptr) return bad(origin, key, "is not a known setting");
  auto parsed = parse_text(*spec, value, origin);
  if (!parsed) return parsed.error();
  return set_value(cfg, *spec, *parsed, origin);
}

std::vector<key_doc> documented_keys() {
  std::vector<key_doc> out;
  for (const auto& k : keys()) out.push_back({k.key, type_name(k.type), env_name(k.key)});
  return out;
}

result<node_config> load_config(const std::string& file,
                                const std::map<std::string, std::string>& env) {
  node_config cfg;
  if (auto st = apply_json(cfg, embedded_default_config(), "embedded default config"); !st.ok())
    return st;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return status::not_found("config file '" + file + "' cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    if (auto st = apply_json(cfg, text.str(), "config file " + file); !st.ok()) return st;
  }
  if (auto st = apply_env(cfg, env); !st.ok()) return st;
  return cfg;
}

json ai_settings(const node_config& cfg) {
  return {{"openai_url", cfg.openai_url},
          {"openai_model", cfg.openai_model},
          {"openai_timeout_ms", cfg.openai_timeout_ms},
          {"api_key", cfg.openai_api_key},
          {"breaker_failures", cfg.ai_breaker_failures},
          {"breaker_cooldown_ms", cfg.ai_breaker_cooldown_ms}};
}

status finalize(node_config& cfg) {
  if (cfg.node_name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    cfg.node_name = host[0] != '\0' ? host : "xynergy";
  }
  if (cfg.service_backoff_max_ms < cfg.service_backoff_initial_ms)
    return status::invalid_argument(
        "key 'services.backoff_max_ms' must be at least services.backoff_initial_ms");
  if (cfg.cluster_secret.empty() && !cfg.cluster_secret_file.empty()) {
    std::ifstream in(cfg.cluster_secret_file);
    if (!in)
      return status::invalid_argument("key 'cluster.secret_file': cannot read '" +
                                      cfg.cluster_secret_file + "'");
    std::getline(in, cfg.cluster_secret);
    while (!cfg.cluster_secret.empty() &&
           std::isspace(static_cast<unsigned char>(cfg.cluster_secret.back())))
      cfg.cluster_secret.pop_back();
  }
  if (!cfg.seeds.empty() && cfg.cluster_secret.empty())
    return status::invalid_argument(
        "key 'cluster.seeds' needs a cluster secret (XYN_CLUSTER_SECRET or "
        "cluster.secret_file): nodes authenticate each other before joining");
  if (!cfg.cluster_secret.empty() && cfg.cluster_secret.size() < 16)
    return status::invalid_argument("the cluster secret must be at least 16 characters");
  for (const auto& seed : cfg.seeds) {
    auto colon = seed.rfind(':');
    int port = 0;
    if (colon == std::string::npos || colon == 0 ||
        std::from_chars(seed.data() + colon + 1, seed.data() + seed.size(), port).ec !=
            std::errc() ||
        port < 1 || port > 65535)
      return status::invalid_argument("key 'cluster.seeds': '" + seed + "' is not host:port");
  }
  if (auto st = cluster::check_tls(cfg.cluster_tls()); !st.ok()) return st;
  return {};
}

}  // namespace xyn::node

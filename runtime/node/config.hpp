#pragma once
// config.hpp — the node's settings and where they come from.
// Layers, each overriding the one before: the embedded default config (config/node.json,
// compiled in), a JSON config file, XYN_* environment variables, command-line flags. Every
// setting has one dotted key ("admin.port") that names it in all layers: nested objects in
// the file, XYN_ADMIN_PORT in the environment, `--set admin.port=9000` (or a named flag such
// as --admin-port) on the command line. An unknown key or a bad value is refused with a
// status naming the key. Plain data; copy it freely.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/base/status.hpp"
#include "runtime/cluster/tls_files.hpp"

namespace xyn::node {

struct node_config {
  std::string node_name;  // empty in a layer: the host name
  std::string data_dir;
  std::string admin_address;
  uint16_t admin_port = 0;
  int admin_threads = 0;
  int64_t admin_max_body_bytes = 0;
  uint16_t cluster_port = 0;
  std::vector<std::string> seeds;
  // Shared by every member; joins are refused without it (handshake.hpp). Seeds need one.
  // From XYN_CLUSTER_SECRET, else the first line of cluster_secret_file (read by finalize).
  std::string cluster_secret;
  std::string cluster_secret_file;
  // PEM files for TLS on the cluster port (cluster/tls.hpp): all three or none.
  std::string cluster_tls_certificate;
  std::string cluster_tls_key;
  std::string cluster_tls_ca;
  cluster::tls_files cluster_tls() const {
    return {cluster_tls_certificate, cluster_tls_key, cluster_tls_ca};
  }
  int64_t cluster_heartbeat_ms = 0;
  int64_t cluster_phi_threshold = 0;
  int64_t cluster_acceptable_pause_ms = 0;
  int64_t cluster_down_after_ms = 0;
  int64_t cluster_shards = 0;
  int64_t cluster_replication = 0;  // 1: owner only; 2: every write also on the backup
  std::string log_level;
  int64_t store_map_size_mb = 0;
  int scheduler_threads = 0;  // 0: one per core
  int service_intensity = 0;
  int64_t service_period_ms = 0;
  int64_t service_backoff_initial_ms = 0;
  int64_t service_backoff_max_ms = 0;
  // Services this node does not run; calls to them go to a member that does.
  std::vector<std::string> disabled_services;
  int64_t execute_timeout_ms = 0;
  int64_t event_ring_size = 0;
  int64_t workflow_passivate_after_ms = 0;
  int64_t workflow_resume_batch = 0;
  // ai-routing-engine's OpenAI-compatible endpoint (empty: none) and circuit breakers.
  std::string openai_url;
  std::string openai_model;
  int64_t openai_timeout_ms = 0;
  int64_t ai_breaker_failures = 0;
  int64_t ai_breaker_cooldown_ms = 0;
  // From XYN_OPENAI_API_KEY only: a secret is not a key of the config file or a flag.
  std::string openai_api_key;
};

// The embedded config/node.json.
std::string_view embedded_default_config();
// The embedded config/services.json.
std::string_view embedded_service_catalog();

// Applies one JSON document (nested objects of known keys) on top of `cfg`.
status apply_json(node_config& cfg, std::string_view json_text, std::string_view origin);
// Applies every XYN_* variable of `env` that names a key (XYN_ADMIN_PORT -> admin.port);
// XYN_ variables that name no key are refused, except the ones in `other_env_vars()`.
// XYN_OPENAI_API_KEY sets openai_api_key.
status apply_env(node_config& cfg, const std::map<std::string, std::string>& env);
// Applies one "key=value" (from --set) or a named flag's value.
status apply_setting(node_config& cfg, std::string_view key, std::string_view value,
                     std::string_view origin);

// XYN_* variables that are not config keys (XYN_ADMIN_KEY, XYN_MASTER_KEY, ...).
const std::vector<std::string>& other_env_vars();

// Every key with its type and meaning, for --help and the README.
struct key_doc {
  std::string key;
  std::string type;
  std::string env;
};
std::vector<key_doc> documented_keys();

// The whole chain for a process: defaults, then file (if non-empty), then the environment.
// Flags are applied by the caller with apply_setting afterwards.
result<node_config> load_config(const std::string& file,
                                const std::map<std::string, std::string>& env);

// The settings ai-routing-engine reads (node_facts::settings["ai"]): openai_url, openai_model,
// openai_timeout_ms, api_key, breaker_failures, breaker_cooldown_ms.
nlohmann::json ai_settings(const node_config& cfg);

// Fills in what a layer left empty (host name) and checks cross-key rules.
status finalize(node_config& cfg);

}  // namespace xyn::node

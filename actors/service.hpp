#pragma once
// service.hpp — what a business service is: a name, a table of actions, and the logic of each.
// Logic is plain C++ (no CAF): the service host actor (service_host.hpp) owns one `service`,
// gives each execute a `state_view` scoped to (service, tenant), commits the writes through the
// store's group commit and answers only once they are durable. A `service` object lives inside
// one actor and is used by one thread at a time; it keeps no state between executes that is
// not in the store (a crash loses only the in-flight message).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/base/status.hpp"

#include "actors/state_view.hpp"

namespace xyn::actors {

using json = nlohmann::json;

// Facts about the node a service may need (read-only after start).
struct node_facts {
  std::string node_name;
  std::string version;
  int64_t started_at_ms = 0;
  std::string data_dir;
  std::vector<std::string> service_names;
  // The workflow templates this node can start (scheduler checks schedules against them).
  std::vector<std::string> workflow_templates;
  // The 32-byte key secrets are encrypted under at rest (XYN_MASTER_KEY, or the data dir's
  // master.key); empty where no node made one, and then secrets are refused.
  std::string master_key;
  // Per-service settings from the node config (e.g. {"ai": {"openai_url": ...}}).
  json settings = json::object();
  // What a service may ask of the node it runs on. Unset outside a running node (unit tests,
  // benches): an action that needs one answers `unavailable`.
  std::function<status(const std::string& service)> restart_service;
  std::function<void(bool on)> set_draining;
  std::function<bool()> draining;
  // Every service's status as the mesh sees it: [{"name","status","restarts","last_error",
  // "up_since","dependencies"}].
  std::function<json()> service_health;
  // A tenant's workflow counts by status and its latest failures, for platform-dashboard.
  std::function<json(const std::string& tenant, size_t recent_failures)> workflow_summary;
  // One run as GET /v1/workflows/{id} shows it, or null when there is none (ai-assistant).
  std::function<json(const std::string& id)> workflow_view;
  // A tenant's newest runs, newest first, as GET /v1/workflows lists them (ai-assistant).
  std::function<json(const std::string& tenant, size_t limit)> workflow_list;
};

// The result of one action: ok with an output document, or a failure with a stable code.
struct outcome {
  bool ok = true;
  bool retryable = false;
  json output = json::object();
  std::string code;
  std::string message;

  static outcome success(json out) { return {true, false, std::move(out), {}, {}}; }
  static outcome failure(std::string code, std::string message) {
    return {false, false, json::object(), std::move(code), std::move(message)};
  }
  static outcome not_found(std::string message) { return failure("not_found", std::move(message)); }
};

// Read-only calls to the other services of this node for the same tenant: qa-engine looks for
// duplicates in content-hub, reports-export renders analytics queries. Only actions that do not
// mutate may be asked, and they see committed state only (never the asker's own writes).
class peer_services {
 public:
  virtual ~peer_services() = default;
  virtual outcome ask(const std::string& tenant, const std::string& service,
                      const std::string& action, const json& params) = 0;
};

// Everything an action sees: who asks, the parameters, the tenant's state, node facts.
struct action_context {
  const std::string& tenant;
  const json& params;
  state_view& state;
  const node_facts& node;
  int64_t now_ms;
  peer_services* peers = nullptr;

  // Runs a read-only `action` of `service` for this tenant (see peer_services).
  outcome ask(const std::string& service, const std::string& action, const json& p) const {
    if (peers == nullptr)
      return outcome::failure("unavailable", "no peer services here to ask '" + service + "'");
    return peers->ask(tenant, service, action, p);
  }
};

using action_fn = std::function<outcome(action_context&)>;

struct action_spec {
  std::string name;
  std::string summary;
  json params_schema = json::object();  // JSON Schema of the params object
  std::string compensation;             // the action that undoes this one, if it mutates
  bool mutates = false;
  action_fn run;
  // Its params or output carry secret values in plain text. Such an action is only for
  // direct callers: no peer asks (they would hand the value to another service) and no
  // workflow steps (the journal keeps step params and outputs).
  bool secret = false;
};

class service {
 public:
  service(std::string name, std::string summary);
  virtual ~service() = default;

  const std::string& name() const { return name_; }
  const std::string& summary() const { return summary_; }
  const std::vector<action_spec>& actions() const { return actions_; }
  const action_spec* find(const std::string& action) const;

  // Runs `action`; an unknown action is the failure `unknown_action`, and a params value that
  // is not a JSON object is `invalid_params`.
  outcome execute(const std::string& action, action_context& ctx) const;

 protected:
  void add(action_spec spec);

 private:
  std::string name_;
  std::string summary_;
  std::vector<action_spec> actions_;
};

// Makes a fresh service object; the host calls it on every (re)start.
using service_factory = std::function<std::unique_ptr<service>()>;

// Every service this build knows, by name: the single list the node, tests and benches use.
const std::map<std::string, service_factory>& service_factories();

}  // namespace xyn::actors

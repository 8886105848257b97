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

// Everything an action sees: who asks, the parameters, the tenant's state, node facts.
struct action_context {
  const std::string& tenant;
  const json& params;
  state_view& state;
  const node_facts& node;
  int64_t now_ms;
};

using action_fn = std::function<outcome(action_context&)>;

struct action_spec {
  std::string name;
  std::string summary;
  json params_schema = json::object();  // JSON Schema of the params object
  std::string compensation;             // the action that undoes this one, if it mutates
  bool mutates = false;
  action_fn run;
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

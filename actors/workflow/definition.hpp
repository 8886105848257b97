#pragma once
// definition.hpp — a workflow definition (DESIGN.md "Workflows"): its inputs, its steps and
// how they depend on each other, parsed from JSON and validated once at submit. A parsed
// `definition` is immutable and stored with each run, so changing a template never changes a
// running workflow. Every refusal is `invalid_argument` with a message naming the step (or
// input) and the problem. Plain data; any thread.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/base/status.hpp"

namespace xyn::workflow {

using json = nlohmann::json;

enum class step_kind : uint8_t { service, sleep, approval, workflow };
std::string_view to_string(step_kind k);

// When and how often a failed service step is tried again. A response with status
// `retryable` (crash, timeout, overload) is always retried while attempts remain; one with
// status `error` only when its code is in `retryable_codes`.
struct retry_policy {
  int max_attempts = 3;
  int64_t initial_backoff_ms = 100;
  int64_t max_backoff_ms = 10'000;
  double multiplier = 2.0;
  std::vector<std::string> retryable_codes;

  // The wait after failed attempt `attempt` (1-based): initial * multiplier^(attempt-1),
  // capped at max.
  int64_t backoff_ms(int attempt) const;
  bool retries_code(std::string_view code) const;
};

struct compensation {
  std::string action;
  json params = json::object();
};

struct step_def {
  std::string id;
  step_kind kind = step_kind::service;
  std::vector<std::string> depends_on;
  std::string when;  // empty: always runs (see references.hpp for the expression forms)

  // service
  std::string service;
  std::string action;
  json params = json::object();
  retry_policy retry;
  int64_t timeout_ms = 0;  // service: per attempt (0: node default); approval: 0 = none
  std::optional<compensation> compensate;

  int64_t duration_ms = 0;  // sleep
  std::string signal;       // approval: the signal name that completes it

  // workflow (child): exactly one of child_template / child_definition is set
  std::string child_template;
  json child_definition;
  json child_input = json::object();
};

struct input_def {
  std::string name;
  std::string type = "string";  // string | number | integer | boolean | array | object | any
  bool required = false;
  json default_value;  // null: none
};

struct definition {
  std::string name;
  std::string version = "1";
  std::vector<input_def> inputs;
  std::vector<step_def> steps;  // in the order written
  json output = json::object();

  // Position of step `id` in `steps`, or -1.
  int index_of(std::string_view id) const;
  const step_def* find(std::string_view id) const;
  // The definition as JSON, child templates inlined: what is stored with each run, so the run
  // never depends on the template files again. parse_definition(source) gives it back.
  json source;
  std::map<std::string, int, std::less<>> index;
};

// What validation knows about the services: whether `service` offers `action`. An empty
// `actions` accepts every service and action (replaying a run validated at submit).
struct service_catalog_view {
  // nullopt: unknown service; else the service's action names.
  std::function<std::optional<std::vector<std::string>>(std::string_view service)> actions;
  // Whether an action handles secret values (action_spec::secret): not allowed as a step.
  // May be empty (then none is).
  std::function<bool(std::string_view service, std::string_view action)> secret;
  // The template definitions by name (for `workflow` steps with a `template`); may be empty.
  std::function<const json*(std::string_view name)> find_template;
};

// Parses and validates `doc`: known keys with the right types, unique step ids, a DAG
// (a cycle is named "a -> b -> a"), services and actions that exist, references to input names
// and to steps that are upstream (a transitive dependency), sane retry values, child
// definitions (recursively, depth-limited).
result<definition> parse_definition(const json& doc, const service_catalog_view& services);

// The input a run starts with: `given` checked against the declared inputs (required ones
// present, types right, no undeclared names), defaults filled in.
result<json> bind_input(const definition& def, const json& given);

// Limits that keep one submit from taking the node down.
inline constexpr size_t max_steps = 100'000;
inline constexpr int max_child_depth = 8;

}  // namespace xyn::workflow

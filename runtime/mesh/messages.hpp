#pragma once
// messages.hpp — the service protocol every service actor answers (DESIGN.md "Service
// protocol"), plus the mesh's own messages. Plain structs with `inspect` overloads so they
// cross nodes unchanged; `announce_messages` registers them with an actor system config.
//
// Service actor contract (a dynamically typed caf::actor):
//   (execute_atom, step_request)  -> step_response
//   (health_atom)                 -> health_report
//   (describe_atom)               -> service_description
//   (fault_atom, fault_spec)      -> ok_atom          (test hook behind POST /v1/faults)
//   (clear_atom)                  -> ok_atom          (clears injected faults)
// Mesh contract: see mesh.hpp.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

namespace xyn::mesh {

using execute_atom = caf::atom_constant<caf::atom("execute")>;
using health_atom = caf::atom_constant<caf::atom("health")>;
using describe_atom = caf::atom_constant<caf::atom("describe")>;
using fault_atom = caf::atom_constant<caf::atom("fault")>;
using clear_atom = caf::atom_constant<caf::atom("clear")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using info_atom = caf::atom_constant<caf::atom("info")>;
// Marks an execute that must run on this node: how one node's mesh calls another's.
using local_atom = caf::atom_constant<caf::atom("local")>;

// One step of work for a service. `params` is JSON text; `deadline_ms` is a Unix time in
// milliseconds after which the caller no longer waits (0: the mesh's default timeout).
struct step_request {
  std::string tenant = "default";
  std::string workflow_id;
  std::string step_id;
  std::string action;
  std::string params = "{}";
  std::string idempotency_key;
  int64_t deadline_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, step_request& x) {
  return f(caf::meta::type_name("step_request"), x.tenant, x.workflow_id, x.step_id, x.action,
           x.params, x.idempotency_key, x.deadline_ms);
}

// ok: done, `output` holds the result. error: will fail again if repeated (bad params,
// unknown action). retryable: a transient failure (crash, overload, timeout).
enum class step_status : uint8_t { ok, error, retryable };

const char* to_string(step_status s);

struct step_response {
  step_status status = step_status::ok;
  std::string output = "{}";  // JSON text
  std::string error_code;
  std::string error_message;
  std::string service;
  int64_t duration_us = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, step_response& x) {
  return f(caf::meta::type_name("step_response"), x.status, x.output, x.error_code, x.error_message,
           x.service, x.duration_us);
}

step_response make_error_response(std::string service, step_status status, std::string code,
                                  std::string message);

struct health_report {
  std::string name;
  std::string status = "up";
  int64_t uptime_ms = 0;
  uint64_t executes = 0;
  uint64_t errors = 0;
  uint64_t mailbox = 0;
  std::string last_error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_report& x) {
  return f(caf::meta::type_name("health_report"), x.name, x.status, x.uptime_ms, x.executes,
           x.errors, x.mailbox, x.last_error);
}

// One action a service offers: its parameter schema (JSON Schema text) and, for actions that
// change state, the action that undoes it (used by workflow compensation).
struct action_description {
  std::string name;
  std::string summary;
  std::string params_schema = "{}";
  std::string compensation;
  bool mutates = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, action_description& x) {
  return f(caf::meta::type_name("action_description"), x.name, x.summary, x.params_schema,
           x.compensation, x.mutates);
}

struct service_description {
  std::string name;
  std::string version;
  std::string summary;
  std::vector<action_description> actions;
  std::vector<std::string> dependencies;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_description& x) {
  return f(caf::meta::type_name("service_description"), x.name, x.version, x.summary, x.actions,
           x.dependencies);
}

// A fault to inject into one service (POST /v1/faults): `crash` makes the actor throw on its
// next message; `error` fails the next `count` executes; `latency` delays them by latency_ms.
struct fault_spec {
  std::string service;
  std::string kind;
  int32_t count = 1;
  int32_t latency_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fault_spec& x) {
  return f(caf::meta::type_name("fault_spec"), x.service, x.kind, x.count, x.latency_ms);
}

// What the mesh knows about one service: its supervision status and its last health answer.
struct service_info {
  std::string name;
  std::string status = "restarting";  // up | restarting | failed
  int32_t restarts = 0;
  std::string last_error;
  std::vector<std::string> actions;
  std::vector<std::string> dependencies;
  int64_t up_since_ms = 0;
  int64_t next_restart_ms = 0;  // when failed: when the supervisor tries again
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_info& x) {
  return f(caf::meta::type_name("service_info"), x.name, x.status, x.restarts, x.last_error,
           x.actions, x.dependencies, x.up_since_ms, x.next_restart_ms);
}

void announce_messages(caf::actor_system_config& cfg);

}  // namespace xyn::mesh

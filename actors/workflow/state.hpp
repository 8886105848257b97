#pragma once
// state.hpp — one workflow run as a pure state machine (no actors, no clock of its own):
// `apply` folds journal events into the state, `decide` says which events follow from the
// state at a given time, and `on_result` turns a service's answer into the event to journal.
// The workflow actor journals what these produce before acting on it, and a run is rebuilt
// after a crash by applying its journal again — so live runs and replays share this code.
// Used by one thread at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/workflow/definition.hpp"
#include "actors/workflow/references.hpp"
#include "runtime/mesh/messages.hpp"
#include "xyn.pb.h"

namespace xyn::workflow {

using event = proto::WorkflowEvent;
using event_kind = proto::WorkflowEvent::Kind;

enum class step_status : uint8_t {
  pending,
  running,     // service call or child workflow in flight
  retry_wait,  // failed, next attempt at wake_at
  sleeping,    // sleep step until wake_at
  waiting,     // approval: waiting for its signal (deadline wake_at, 0 = none)
  completed,
  skipped,       // its `when` was false
  failed,        // retries exhausted, or a non-retryable error
  abandoned,     // the run stopped before this step finished
  compensating,  // compensation in flight
  compensation_retry_wait,
  compensated,
  compensation_failed,
};
std::string_view to_string(step_status s);

enum class run_status : uint8_t { running, completed, failed, rolled_back, cancelled };
std::string_view to_string(run_status s);
bool terminal(run_status s);

// Why a run is unwinding: a step failed for good (saga) or the run was cancelled.
enum class phase : uint8_t { forward, failing, cancelling, done };

struct step_state {
  step_status status = step_status::pending;
  int attempt = 0;           // of the step itself
  int comp_attempt = 0;      // of its compensation
  int error_generation = 0;  // attempts that ended with a stored `error`: each needs a fresh key
  int comp_error_generation = 0;
  json output;
  std::string error_code;
  std::string error_message;
  int64_t wake_at_ms = 0;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
  int completion_order = -1;
};

// A service call the actor must make.
struct call {
  std::string step;
  int attempt = 0;
  bool compensation = false;
  std::string service;
  mesh::step_request request;
  int64_t timeout_ms = 0;
};

class run_state {
 public:
  // Applies one event (from the journal or just decided). Events that make no sense for the
  // current state (a late answer) are ignored; the journal never holds them because the
  // actor asks `on_result` first.
  // `parsed`: the STARTED event's definition when the caller has parsed it already.
  xyn::status apply(const event& e, std::shared_ptr<const definition> parsed = nullptr);

  // The events that follow from the state at `now_ms`: ready steps start (or are skipped),
  // due timers fire, finished work leads to compensation or a final status. Calling it again
  // without applying its result gives the same answer; applying them all and calling again
  // gives nothing new until time passes or an outside event arrives.
  std::vector<event> decide(int64_t now_ms) const;

  // The event for the answer to attempt `attempt` of `step` (or of its compensation), or
  // nullopt when the answer is stale (the step moved on, the run was cancelled).
  std::optional<event> on_result(const std::string& step, int attempt, bool compensation,
                                 const mesh::step_response& r, int64_t now_ms) const;
  // The event for a finished child workflow of step `step`.
  std::optional<event> on_child(const std::string& step, run_status child_status,
                                const std::string& output_json, const std::string& error,
                                int64_t now_ms) const;
  std::optional<event> on_signal(const std::string& name, const std::string& payload_json,
                                 int64_t now_ms) const;
  std::optional<event> on_cancel(const std::string& reason, int64_t now_ms) const;

  // What a freshly started (or replayed) run must have in flight: the calls for steps and
  // compensations marked running.
  std::vector<call> calls_in_flight() const;
  // The call that STEP_STARTED / COMPENSATION_STARTED event `e` asks for, if it is a
  // service call.
  std::optional<call> call_for(const event& e) const;
  // Earliest pending timer (retry, sleep, approval deadline), 0 if none.
  int64_t next_wake_ms() const;
  // Child workflow steps marked running.
  std::vector<std::string> children_in_flight() const;

  bool started() const { return def_ != nullptr; }
  const definition& def() const { return *def_; }
  const std::string& id() const { return id_; }
  const std::string& tenant() const { return tenant_; }
  const std::string& template_name() const { return template_name_; }
  const std::string& parent_id() const { return parent_id_; }
  const std::string& parent_step() const { return parent_step_; }
  const json& input() const { return input_; }
  const json& output() const { return output_; }
  run_status current_status() const { return status_; }
  enum phase phase() const { return phase_; }
  const std::string& error_code() const { return error_code_; }
  const std::string& error_message() const { return error_message_; }
  int64_t created_at_ms() const { return created_at_ms_; }
  int64_t finished_at_ms() const { return finished_at_ms_; }
  const std::vector<step_state>& steps() const { return steps_; }
  const step_state* step(std::string_view id) const;
  // Whether any service call, compensation or child workflow is in flight.
  bool busy() const { return in_flight_ > 0; }

  // `value` with its references resolved against the run as it stands (a child's input).
  result<json> resolve_now(const json& value) const;

  // The workflow id is not in the STARTED event (it is the journal's key).
  void set_id(std::string id) { id_ = std::move(id); }

  // The idempotency key of a call: stable across replays of the same attempt, fresh after an
  // attempt whose `error` the service stored.
  std::string idempotency_key(const std::string& step, bool compensation) const;

 private:
  int index(std::string_view step) const;
  scope make_scope() const;
  bool deps_done(const step_def& s) const;
  void decide_forward(int64_t now, std::vector<event>& out) const;
  void decide_unwind(int64_t now, std::vector<event>& out) const;
  void start_unwinding(enum phase p, const std::string& code, const std::string& message);
  // Keeps the bookkeeping below in step with a change of step i's status.
  void track(size_t i, step_status before);

  std::string id_;
  std::shared_ptr<const definition> def_;
  std::string tenant_ = "default";
  std::string template_name_;
  std::string parent_id_;
  std::string parent_step_;
  json input_ = json::object();
  json output_;
  run_status status_ = run_status::running;
  enum phase phase_ = phase::forward;
  std::string error_code_;
  std::string error_message_;
  int64_t created_at_ms_ = 0;
  int64_t finished_at_ms_ = 0;
  std::vector<step_state> steps_;
  int completed_count_ = 0;
  std::vector<std::pair<std::string, json>> unconsumed_signals_;
  // So decide() looks only at steps that can move (O(ready), not O(steps)): how many
  // dependencies each step still waits for, who depends on whom, the steps that are ready or
  // timed, how many finished forward (completed or skipped), how many are in flight.
  std::vector<int> waiting_on_;
  std::vector<std::vector<int>> dependents_;
  std::set<int> candidates_;
  size_t forward_done_ = 0;
  int in_flight_ = 0;
  std::vector<std::string> failed_compensations_;
};

// Builds the STARTED event of a new run.
event make_started(const definition& def, const json& input, const std::string& tenant,
                   const std::string& template_name, const std::string& parent_id,
                   const std::string& parent_step, int64_t now_ms);

// The definition stored in a STARTED event, parsed without the service catalog (it was
// validated at submit).
result<std::shared_ptr<const definition>> definition_of(const event& started);

}  // namespace xyn::workflow

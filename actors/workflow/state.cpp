#include "actors/workflow/state.hpp"

#include <algorithm>

#include "actors/workflow/references.hpp"

namespace xyn::workflow {

namespace {

json parse_or_text(const std::string& text) {
  if (text.empty()) return json(nullptr);
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(text) : j;
}

event make(event_kind kind, int64_t now, const std::string& step = {}) {
  event e;
  e.set_kind(kind);
  e.set_time_ms(now);
  if (!step.empty()) e.set_step(step);
  return e;
}

bool finished_forward(step_status s) {
  return s == step_status::completed || s == step_status::skipped;
}

}  // namespace

std::string_view to_string(step_status s) {
  switch (s) {
    case step_status::pending:
      return "pending";
    case step_status::running:
      return "running";
    case step_status::retry_wait:
      return "retry_wait";
    case step_status::sleeping:
      return "sleeping";
    case step_status::waiting:
      return "waiting";
    case step_status::completed:
      return "completed";
    case step_status::skipped:
      return "skipped";
    case step_status::failed:
      return "failed";
    case step_status::abandoned:
      return "abandoned";
    case step_status::compensating:
      return "compensating";
    case step_status::compensation_retry_wait:
      return "compensation_retry_wait";
    case step_status::compensated:
      return "compensated";
    case step_status::compensation_failed:
      return "compensation_failed";
  }
  return "?";
}

std::string_view to_string(run_status s) {
  switch (s) {
    case run_status::running:
      return "running";
    case run_status::completed:
      return "completed";
    case run_status::failed:
      return "failed";
    case run_status::rolled_back:
      return "rolled_back";
    case run_status::cancelled:
      return "cancelled";
  }
  return "?";
}

bool terminal(run_status s) {
  return s != run_status::running;
}

event make_started(const definition& def, const json& input, const std::string& tenant,
                   const std::string& template_name, const std::string& parent_id,
                   const std::string& parent_step, int64_t now_ms) {
  auto e = make(proto::WorkflowEvent::STARTED, now_ms);
  e.set_definition_json(def.source.dump());
  e.set_input_json(input.dump());
  e.set_tenant(tenant);
  e.set_template_name(template_name);
  e.set_parent_id(parent_id);
  e.set_parent_step(parent_step);
  return e;
}

result<std::shared_ptr<const definition>> definition_of(const event& started) {
  auto doc = json::parse(started.definition_json(), nullptr, false);
  if (doc.is_discarded()) return status::corruption("stored definition is not JSON");
  auto def = parse_definition(doc, service_catalog_view{});
  if (!def) return status::corruption("stored definition: " + def.error().message());
  return std::make_shared<const definition>(std::move(*def));
}

int run_state::index(std::string_view step) const {
  return def_ ? def_->index_of(step) : -1;
}

const step_state* run_state::step(std::string_view id) const {
  int i = index(id);
  return i < 0 ? nullptr : &steps_[static_cast<size_t>(i)];
}

namespace {

bool in_flight(step_status s) {
  return s == step_status::running || s == step_status::compensating;
}

bool may_move(step_status s) {
  return s == step_status::retry_wait || s == step_status::sleeping || s == step_status::waiting;
}

}  // namespace

void run_state::track(size_t i, step_status before) {
  auto now = steps_[i].status;
  if (before == now) return;
  in_flight_ += static_cast<int>(in_flight(now)) - static_cast<int>(in_flight(before));
  if (!finished_forward(before) && finished_forward(now)) {
    ++forward_done_;
    for (int d : dependents_[i])
      if (--waiting_on_[static_cast<size_t>(d)] == 0 &&
          steps_[static_cast<size_t>(d)].status == step_status::pending)
        candidates_.insert(d);
  }
  bool candidate = may_move(now) || (now == step_status::pending && waiting_on_[i] == 0);
  if (candidate)
    candidates_.insert(static_cast<int>(i));
  else
    candidates_.erase(static_cast<int>(i));
}

void run_state::start_unwinding(enum phase p, const std::string& code, const std::string& message) {
  phase_ = p;
  error_code_ = code;
  error_message_ = message;
  for (size_t i = 0; i < steps_.size(); ++i) {
    auto& s = steps_[i];
    bool waiting_only = s.status == step_status::pending || s.status == step_status::retry_wait ||
                        s.status == step_status::sleeping || s.status == step_status::waiting;
    // A failing run lets service calls in flight finish (they may need compensation); a
    // cancelled one abandons them. Child workflows are abandoned either way (the actor cancels
    // them).
    bool abandon_running = s.status == step_status::running &&
                           (p == phase::cancelling || def_->steps[i].kind != step_kind::service);
    if (waiting_only || abandon_running) {
      auto before = s.status;
      s.status = step_status::abandoned;
      s.wake_at_ms = 0;
      track(i, before);
    }
  }
}

status run_state::apply(const event& e, std::shared_ptr<const definition> parsed) {
  if (e.kind() == proto::WorkflowEvent::STARTED) {
    if (parsed) {
      def_ = std::move(parsed);
    } else {
      auto def = definition_of(e);
      if (!def) return def.error();
      def_ = std::move(*def);
    }
    input_ = parse_or_text(e.input_json());
    tenant_ = e.tenant();
    template_name_ = e.template_name();
    parent_id_ = e.parent_id();
    parent_step_ = e.parent_step();
    created_at_ms_ = e.time_ms();
    steps_.assign(def_->steps.size(), step_state{});
    waiting_on_.assign(steps_.size(), 0);
    dependents_.assign(steps_.size(), {});
    candidates_.clear();
    for (size_t i = 0; i < steps_.size(); ++i) {
      const auto& deps = def_->steps[i].depends_on;
      waiting_on_[i] = static_cast<int>(deps.size());
      for (const auto& d : deps)
        dependents_[static_cast<size_t>(def_->index_of(d))].push_back(static_cast<int>(i));
      if (deps.empty()) candidates_.insert(static_cast<int>(i));
    }
    return {};
  }
  if (!def_) return status::corruption("journal does not begin with STARTED");
  auto finish = [&](run_status st) {
    status_ = st;
    phase_ = phase::done;
    finished_at_ms_ = e.time_ms();
  };
  int i = e.step().empty() ? -1 : index(e.step());
  if (!e.step().empty() && i < 0)
    return status::corruption("journal names unknown step '" + e.step() + "'");
  step_state* s = i < 0 ? nullptr : &steps_[static_cast<size_t>(i)];
  const auto before = s ? s->status : step_status::pending;
  switch (e.kind()) {
    case proto::WorkflowEvent::STEP_STARTED: {
      const auto& sd = def_->steps[static_cast<size_t>(i)];
      s->attempt = e.attempt();
      if (s->attempt <= 1) s->started_at_ms = e.time_ms();
      s->wake_at_ms = e.wake_at_ms();
      s->status = sd.kind == step_kind::sleep      ? step_status::sleeping
                  : sd.kind == step_kind::approval ? step_status::waiting
                                                   : step_status::running;
      break;
    }
    case proto::WorkflowEvent::STEP_COMPLETED:
      s->status = step_status::completed;
      s->output = parse_or_text(e.output_json());
      s->finished_at_ms = e.time_ms();
      s->wake_at_ms = 0;
      s->error_code.clear();
      s->error_message.clear();
      s->completion_order = completed_count_++;
      if (!e.name().empty()) {
        auto it = std::find_if(unconsumed_signals_.begin(), unconsumed_signals_.end(),
                               [&](const auto& sig) { return sig.first == e.name(); });
        if (it != unconsumed_signals_.end()) unconsumed_signals_.erase(it);
      }
      break;
    case proto::WorkflowEvent::STEP_FAILED:
      s->error_code = e.error_code();
      s->error_message = e.error_message();
      if (e.error_status() == "error") ++s->error_generation;
      if (e.final()) {
        s->status = step_status::failed;
        s->finished_at_ms = e.time_ms();
        s->wake_at_ms = 0;
        if (phase_ == phase::forward)
          start_unwinding(phase::failing, e.error_code(),
                          "step '" + e.step() + "' failed: " + e.error_message());
      } else {
        s->status = step_status::retry_wait;
        s->wake_at_ms = e.wake_at_ms();
      }
      break;
    case proto::WorkflowEvent::STEP_SKIPPED:
      s->status = step_status::skipped;
      s->output = nullptr;
      s->finished_at_ms = e.time_ms();
      break;
    case proto::WorkflowEvent::SIGNAL_RECEIVED:
      unconsumed_signals_.emplace_back(e.name(), parse_or_text(e.payload_json()));
      break;
    case proto::WorkflowEvent::CANCEL_REQUESTED:
      if (phase_ == phase::forward)
        start_unwinding(phase::cancelling, "cancelled", e.error_message());
      break;
    case proto::WorkflowEvent::COMPENSATION_STARTED:
      s->status = step_status::compensating;
      s->comp_attempt = e.attempt();
      s->wake_at_ms = 0;
      break;
    case proto::WorkflowEvent::COMPENSATION_COMPLETED:
      s->status = step_status::compensated;
      break;
    case proto::WorkflowEvent::COMPENSATION_FAILED:
      if (e.error_status() == "error") ++s->comp_error_generation;
      if (e.final()) {
        s->status = step_status::compensation_failed;
        failed_compensations_.push_back("compensation of step '" + e.step() + "' (" +
                                        def_->steps[static_cast<size_t>(i)].compensate->action +
                                        ") failed: " + e.error_code() + ": " + e.error_message());
      } else {
        s->status = step_status::compensation_retry_wait;
        s->wake_at_ms = e.wake_at_ms();
      }
      break;
    case proto::WorkflowEvent::COMPLETED:
      output_ = parse_or_text(e.output_json());
      finish(run_status::completed);
      break;
    case proto::WorkflowEvent::FAILED:
      error_code_ = e.error_code();
      error_message_ = e.error_message();
      finish(run_status::failed);
      break;
    case proto::WorkflowEvent::ROLLED_BACK:
      finish(run_status::rolled_back);
      break;
    case proto::WorkflowEvent::CANCELLED:
      finish(run_status::cancelled);
      break;
    default:
      return status::corruption("journal holds an event of unknown kind " +
                                std::to_string(static_cast<int>(e.kind())));
  }
  if (s) track(static_cast<size_t>(i), before);
  return {};
}

scope run_state::make_scope() const {
  scope sc;
  sc.input = &input_;
  sc.step_output = [this](std::string_view id) -> const json* {
    int i = index(id);
    if (i < 0) return nullptr;
    const auto& s = steps_[static_cast<size_t>(i)];
    if (s.status == step_status::pending || s.status == step_status::running ||
        s.status == step_status::retry_wait || s.status == step_status::sleeping ||
        s.status == step_status::waiting || s.status == step_status::failed ||
        s.status == step_status::abandoned)
      return nullptr;
    return &s.output;  // completed (or compensating/compensated): its output; skipped: null
  };
  sc.workflow_id = id_;
  sc.tenant = tenant_;
  return sc;
}

result<json> run_state::resolve_now(const json& value) const {
  return resolve(value, make_scope());
}

bool run_state::deps_done(const step_def& sd) const {
  return std::all_of(sd.depends_on.begin(), sd.depends_on.end(), [&](const std::string& d) {
    return finished_forward(steps_[static_cast<size_t>(index(d))].status);
  });
}

void run_state::decide_forward(int64_t now, std::vector<event>& out) const {
  auto sc = make_scope();
  const bool all_done = forward_done_ == steps_.size();
  for (int candidate : candidates_) {
    const auto i = static_cast<size_t>(candidate);
    const auto& s = steps_[i];
    const auto& sd = def_->steps[i];
    auto fail_now = [&](const std::string& code, const std::string& message) {
      auto e = make(proto::WorkflowEvent::STEP_FAILED, now, sd.id);
      e.set_attempt(s.attempt);
      e.set_error_code(code);
      e.set_error_message(message);
      e.set_error_status("error");
      e.set_final(true);
      out.push_back(std::move(e));
    };
    switch (s.status) {
      case step_status::pending: {
        if (!deps_done(sd)) break;
        if (!sd.when.empty()) {
          auto go = evaluate_condition(sd.when, sc);
          if (!go) {
            fail_now("invalid_condition", go.error().message());
            break;
          }
          if (!*go) {
            out.push_back(make(proto::WorkflowEvent::STEP_SKIPPED, now, sd.id));
            break;
          }
        }
        // References are resolved now so a bad one fails the step before anything runs.
        if (sd.kind == step_kind::service || sd.kind == step_kind::workflow) {
          auto params = resolve(sd.kind == step_kind::service ? sd.params : sd.child_input, sc);
          if (!params) {
            fail_now("invalid_reference", params.error().message());
            break;
          }
        }
        auto e = make(proto::WorkflowEvent::STEP_STARTED, now, sd.id);
        e.set_attempt(1);
        if (sd.kind == step_kind::sleep) e.set_wake_at_ms(now + sd.duration_ms);
        if (sd.kind == step_kind::approval && sd.timeout_ms > 0)
          e.set_wake_at_ms(now + sd.timeout_ms);
        out.push_back(std::move(e));
        break;
      }
      case step_status::retry_wait:
        if (s.wake_at_ms <= now) {
          auto e = make(proto::WorkflowEvent::STEP_STARTED, now, sd.id);
          e.set_attempt(s.attempt + 1);
          out.push_back(std::move(e));
        }
        break;
      case step_status::sleeping:
        if (s.wake_at_ms <= now) {
          auto e = make(proto::WorkflowEvent::STEP_COMPLETED, now, sd.id);
          e.set_output_json(json{{"slept_ms", sd.duration_ms}}.dump());
          out.push_back(std::move(e));
        }
        break;
      case step_status::waiting: {
        auto sig = std::find_if(unconsumed_signals_.begin(), unconsumed_signals_.end(),
                                [&](const auto& p) { return p.first == sd.signal; });
        if (sig != unconsumed_signals_.end()) {
          auto e = make(proto::WorkflowEvent::STEP_COMPLETED, now, sd.id);
          e.set_name(sd.signal);
          e.set_output_json(json{{"signal", sd.signal}, {"payload", sig->second}}.dump());
          out.push_back(std::move(e));
        } else if (s.wake_at_ms > 0 && s.wake_at_ms <= now) {
          fail_now("approval_timeout",
                   "no '" + sd.signal + "' signal within " + std::to_string(sd.timeout_ms) + " ms");
        }
        break;
      }
      default:
        break;
    }
  }
  if (all_done) {
    auto output = resolve(def_->output, sc);
    if (output) {
      auto e = make(proto::WorkflowEvent::COMPLETED, now);
      e.set_output_json(output->dump());
      out.push_back(std::move(e));
    } else {
      auto e = make(proto::WorkflowEvent::FAILED, now);
      e.set_error_code("invalid_output");
      e.set_error_message(output.error().message());
      out.push_back(std::move(e));
    }
  }
}

void run_state::decide_unwind(int64_t now, std::vector<event>& out) const {
  if (busy()) return;  // calls in flight finish first; compensations run one at a time
  // A compensation waiting to be retried goes first.
  for (size_t i = 0; i < steps_.size(); ++i) {
    const auto& s = steps_[i];
    if (s.status != step_status::compensation_retry_wait) continue;
    if (s.wake_at_ms <= now) {
      auto e = make(proto::WorkflowEvent::COMPENSATION_STARTED, now, def_->steps[i].id);
      e.set_attempt(s.comp_attempt + 1);
      out.push_back(std::move(e));
    }
    return;
  }
  // Then the latest completed step that has a compensation: reverse order of completion.
  int next = -1;
  for (size_t i = 0; i < steps_.size(); ++i) {
    const auto& s = steps_[i];
    if (s.status == step_status::completed && def_->steps[i].compensate &&
        (next < 0 || s.completion_order > steps_[static_cast<size_t>(next)].completion_order))
      next = static_cast<int>(i);
  }
  if (next >= 0) {
    const auto& sd = def_->steps[static_cast<size_t>(next)];
    auto params = resolve(sd.compensate->params, make_scope());
    if (!params) {
      auto e = make(proto::WorkflowEvent::COMPENSATION_FAILED, now, sd.id);
      e.set_error_code("invalid_reference");
      e.set_error_message(params.error().message());
      e.set_error_status("error");
      e.set_final(true);
      out.push_back(std::move(e));
      return;
    }
    auto e = make(proto::WorkflowEvent::COMPENSATION_STARTED, now, sd.id);
    e.set_attempt(1);
    out.push_back(std::move(e));
    return;
  }
  if (!failed_compensations_.empty()) {
    std::string detail;
    for (const auto& f : failed_compensations_) detail += (detail.empty() ? "" : "; ") + f;
    auto e = make(proto::WorkflowEvent::FAILED, now);
    e.set_error_code("compensation_failed");
    e.set_error_message(detail + " (after: " + error_message_ + ")");
    out.push_back(std::move(e));
    return;
  }
  auto e = make(phase_ == phase::failing ? proto::WorkflowEvent::ROLLED_BACK
                                         : proto::WorkflowEvent::CANCELLED,
                now);
  e.set_error_code(error_code_);
  e.set_error_message(error_message_);
  out.push_back(std::move(e));
}

std::vector<event> run_state::decide(int64_t now_ms) const {
  std::vector<event> out;
  if (!def_ || phase_ == phase::done) return out;
  if (phase_ == phase::forward)
    decide_forward(now_ms, out);
  else
    decide_unwind(now_ms, out);
  return out;
}

std::optional<event> run_state::on_result(const std::string& step_id, int attempt,
                                          bool compensation, const mesh::step_response& r,
                                          int64_t now_ms) const {
  int i = index(step_id);
  if (i < 0 || phase_ == phase::done) return std::nullopt;
  const auto& s = steps_[static_cast<size_t>(i)];
  const auto& sd = def_->steps[static_cast<size_t>(i)];
  const bool ok = r.status == mesh::step_status::ok;
  const bool retryable =
      r.status == mesh::step_status::retryable || sd.retry.retries_code(r.error_code);
  auto fill_failure = [&](event& e, int tried) {
    e.set_attempt(tried);
    e.set_error_code(r.error_code);
    e.set_error_message(r.error_message);
    e.set_error_status(r.status == mesh::step_status::error ? "error" : "retryable");
    bool again = retryable && tried < sd.retry.max_attempts;
    e.set_final(!again);
    if (again) e.set_wake_at_ms(now_ms + sd.retry.backoff_ms(tried));
  };
  if (compensation) {
    if (s.status != step_status::compensating || s.comp_attempt != attempt) return std::nullopt;
    if (ok) {
      auto e = make(proto::WorkflowEvent::COMPENSATION_COMPLETED, now_ms, step_id);
      e.set_output_json(r.output);
      return e;
    }
    auto e = make(proto::WorkflowEvent::COMPENSATION_FAILED, now_ms, step_id);
    fill_failure(e, attempt);
    return e;
  }
  if (s.status != step_status::running || s.attempt != attempt) return std::nullopt;
  if (ok) {
    auto e = make(proto::WorkflowEvent::STEP_COMPLETED, now_ms, step_id);
    e.set_output_json(r.output);
    return e;
  }
  auto e = make(proto::WorkflowEvent::STEP_FAILED, now_ms, step_id);
  fill_failure(e, attempt);
  if (phase_ != phase::forward) {  // unwinding: no more attempts
    e.set_final(true);
    e.set_wake_at_ms(0);
  }
  return e;
}

std::optional<event> run_state::on_child(const std::string& step_id, run_status child_status,
                                         const std::string& output_json, const std::string& error,
                                         int64_t now_ms) const {
  int i = index(step_id);
  if (i < 0 || phase_ == phase::done) return std::nullopt;
  const auto& s = steps_[static_cast<size_t>(i)];
  if (s.status != step_status::running ||
      def_->steps[static_cast<size_t>(i)].kind != step_kind::workflow)
    return std::nullopt;
  if (child_status == run_status::completed) {
    auto e = make(proto::WorkflowEvent::STEP_COMPLETED, now_ms, step_id);
    e.set_output_json(output_json);
    return e;
  }
  auto e = make(proto::WorkflowEvent::STEP_FAILED, now_ms, step_id);
  e.set_attempt(s.attempt);
  e.set_error_code("child_" + std::string(to_string(child_status)));
  e.set_error_message(
      error.empty() ? "the child workflow ended " + std::string(to_string(child_status)) : error);
  e.set_error_status("error");
  e.set_final(true);
  return e;
}

std::optional<event> run_state::on_signal(const std::string& name, const std::string& payload_json,
                                          int64_t now_ms) const {
  if (!def_ || phase_ == phase::done) return std::nullopt;
  auto e = make(proto::WorkflowEvent::SIGNAL_RECEIVED, now_ms);
  e.set_name(name);
  e.set_payload_json(payload_json);
  return e;
}

std::optional<event> run_state::on_cancel(const std::string& reason, int64_t now_ms) const {
  if (!def_ || phase_ != phase::forward) return std::nullopt;
  auto e = make(proto::WorkflowEvent::CANCEL_REQUESTED, now_ms);
  e.set_error_message(reason.empty() ? "cancelled by request" : reason);
  return e;
}

std::string run_state::idempotency_key(const std::string& step_id, bool compensation) const {
  const auto* s = step(step_id);
  int gen = s ? (compensation ? s->comp_error_generation : s->error_generation) : 0;
  std::string key = "wf:" + id_ + ":" + step_id + (compensation ? ":undo" : "");
  if (gen > 0) key += "#" + std::to_string(gen);
  return key;
}

std::optional<call> run_state::call_for(const event& e) const {
  bool comp = e.kind() == proto::WorkflowEvent::COMPENSATION_STARTED;
  if (e.kind() != proto::WorkflowEvent::STEP_STARTED && !comp) return std::nullopt;
  int i = index(e.step());
  if (i < 0) return std::nullopt;
  const auto& sd = def_->steps[static_cast<size_t>(i)];
  if (sd.kind != step_kind::service) return std::nullopt;
  auto params = resolve(comp ? sd.compensate->params : sd.params, make_scope());
  call c;
  c.step = sd.id;
  c.attempt = e.attempt();
  c.compensation = comp;
  c.service = sd.service;
  c.timeout_ms = sd.timeout_ms;
  c.request.tenant = tenant_;
  c.request.workflow_id = id_;
  c.request.step_id = sd.id;
  c.request.action = comp ? sd.compensate->action : sd.action;
  // decide() checked the references; a failure here would mean the journal changed under us.
  c.request.params = params ? params->dump() : "{}";
  c.request.idempotency_key = idempotency_key(sd.id, comp);
  return c;
}

std::vector<call> run_state::calls_in_flight() const {
  std::vector<call> out;
  for (size_t i = 0; i < steps_.size(); ++i) {
    const auto& s = steps_[i];
    event e;
    e.set_step(def_->steps[i].id);
    if (s.status == step_status::running) {
      e.set_kind(proto::WorkflowEvent::STEP_STARTED);
      e.set_attempt(s.attempt);
    } else if (s.status == step_status::compensating) {
      e.set_kind(proto::WorkflowEvent::COMPENSATION_STARTED);
      e.set_attempt(s.comp_attempt);
    } else {
      continue;
    }
    if (auto c = call_for(e)) out.push_back(std::move(*c));
  }
  return out;
}

std::vector<std::string> run_state::children_in_flight() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < steps_.size(); ++i)
    if (steps_[i].status == step_status::running && def_->steps[i].kind == step_kind::workflow)
      out.push_back(def_->steps[i].id);
  return out;
}

int64_t run_state::next_wake_ms() const {
  int64_t best = 0;
  for (const auto& s : steps_) {
    bool timed = s.status == step_status::retry_wait || s.status == step_status::sleeping ||
                 s.status == step_status::waiting ||
                 s.status == step_status::compensation_retry_wait;
    if (timed && s.wake_at_ms > 0 && (best == 0 || s.wake_at_ms < best)) best = s.wake_at_ms;
  }
  return best;
}

}  // namespace xyn::workflow

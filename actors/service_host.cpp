#include "actors/service_host.hpp"

#include <chrono>
#include <deque>
#include <stdexcept>

#include <caf/all.hpp>

#include "actors/local_peers.hpp"
#include "actors/service_meter.hpp"
#include "runtime/base/keys.hpp"
#include "runtime/cluster/directory.hpp"
#include "runtime/mesh/messages.hpp"
#include "runtime/node/names.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "runtime/store/writer.hpp"
#include "supervisors/supervisor.hpp"
#include "xyn.pb.h"

namespace xyn::actors {

namespace {

using mesh::step_request;
using mesh::step_response;
using mesh::step_status;

constexpr auto store_timeout = std::chrono::seconds(30);
const std::string unknown_action = "unknown";
const std::string no_error;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One batch sent to the writer (which passes it on to the backup's) and not yet acknowledged,
// with the answers waiting on it.
struct inflight_batch {
  uint64_t seq = 0;
  bool durable = false;
  std::string replication_error;  // why the backup's copy failed; empty: it did not
  bool moved = false;             // refused: the tenant's shard moved away before the write
  std::vector<std::string> state_keys;
  std::vector<std::string> idem_keys;
  std::vector<std::pair<caf::response_promise, step_response>> answers;
};

struct host_state {
  static inline const char* name = "service_host";
  std::unique_ptr<service> logic;
  host_deps deps;
  std::unique_ptr<local_peers> peers;
  std::unique_ptr<service_meter> meter;
  int64_t started_ms = 0;
  uint64_t executes = 0;
  uint64_t errors = 0;
  std::string last_error;
  bool crash_armed = false;
  // Writes and idempotency records that are sent to the writer but not yet durable.
  overlay_map overlay;
  std::map<std::string, uint64_t> overlay_seq;  // key -> batch that wrote it last
  std::map<std::string, std::string> pending_idem;
  std::map<std::string, uint64_t> pending_idem_seq;
  std::deque<inflight_batch> inflight;
  uint64_t next_seq = 1;
};

using host_actor = caf::stateful_actor<host_state>;

step_response from_record(const proto::StepResult& rec, const std::string& service) {
  step_response r;
  r.status = rec.status() == "ok"          ? step_status::ok
             : rec.status() == "retryable" ? step_status::retryable
                                           : step_status::error;
  r.output = rec.output_json();
  r.error_code = rec.error_code();
  r.error_message = rec.error_message();
  r.service = service;
  r.duration_us = rec.duration_us();
  return r;
}

proto::StepResult to_record(const step_response& r) {
  proto::StepResult rec;
  rec.set_status(mesh::to_string(r.status));
  rec.set_output_json(r.output);
  rec.set_error_code(r.error_code);
  rec.set_error_message(r.error_message);
  rec.set_duration_us(r.duration_us);
  rec.set_created_at_ms(now_ms());
  return rec;
}

// The first answer under this idempotency key, in flight or durable.
std::optional<step_response> recorded_answer(host_actor* self, const std::string& idem_key) {
  auto& st = self->state;
  if (auto it = st.pending_idem.find(idem_key); it != st.pending_idem.end()) {
    proto::StepResult rec;
    rec.ParseFromString(it->second);
    return from_record(rec, st.logic->name());
  }
  auto stored = st.deps.env->get(store::db::idempotency, idem_key);
  if (!stored) return std::nullopt;
  proto::StepResult rec;
  if (!rec.ParseFromString(*stored)) return std::nullopt;
  return from_record(rec, st.logic->name());
}

// Answers now, or after the newest in-flight batch is durable: a reply must never reveal a
// write that could still be lost.
void answer(host_actor* self, caf::response_promise rp, step_response resp) {
  auto& st = self->state;
  if (st.inflight.empty())
    rp.deliver(std::move(resp));
  else
    st.inflight.back().answers.emplace_back(std::move(rp), std::move(resp));
}

// Completes the batches at the front whose copies are all durable, in order: answers leave in
// the order the executes came.
void complete_ready(host_actor* self) {
  auto& st = self->state;
  while (!st.inflight.empty() && st.inflight.front().durable) {
    auto batch = std::move(st.inflight.front());
    st.inflight.pop_front();
    auto seq = batch.seq;
    for (const auto& k : batch.state_keys) {
      if (auto it = st.overlay_seq.find(k); it != st.overlay_seq.end() && it->second == seq) {
        st.overlay_seq.erase(it);
        st.overlay.erase(k);
      }
    }
    for (const auto& k : batch.idem_keys) {
      if (auto it = st.pending_idem_seq.find(k);
          it != st.pending_idem_seq.end() && it->second == seq) {
        st.pending_idem_seq.erase(it);
        st.pending_idem.erase(k);
      }
    }
    if (batch.moved && !batch.answers.empty())
      batch.answers.front().second = mesh::make_error_response(
          st.logic->name(), step_status::retryable, "unavailable",
          "the tenant's shard moved to another member before this was written; nothing was");
    else if (!batch.replication_error.empty() && !batch.answers.empty())
      batch.answers.front().second = mesh::make_error_response(
          st.logic->name(), step_status::retryable, "replication_failed",
          "written here, but the backup did not confirm its copy: " + batch.replication_error);
    for (auto& [rp, resp] : batch.answers) rp.deliver(std::move(resp));
  }
}

// Batch `seq` is durable here, and on the backup unless `replication_error` says why not.
void on_acknowledged(host_actor* self, uint64_t seq, std::string replication_error = {}) {
  for (auto& b : self->state.inflight)
    if (b.seq == seq) {
      b.durable = true;
      b.replication_error = std::move(replication_error);
    }
  complete_ready(self);
}

// Later executes may have read in-flight writes from the overlay: none of them may be answered
// as if durable. Fail them all and restart clean from LMDB.
void fail_inflight_and_quit(host_actor* self, const std::string& msg) {
  auto& s = self->state;
  for (auto& b : s.inflight)
    for (auto& [p, r] : b.answers)
      p.deliver(mesh::make_error_response(s.logic->name(), step_status::retryable,
                                          "store_unavailable", msg));
  s.inflight.clear();
  self->quit(caf::make_error(caf::sec::runtime_error, msg));
}

void commit(host_actor* self, const std::string& tenant, const state_view& view,
            const std::string& idem_key, const step_response& resp, caf::response_promise rp) {
  auto& st = self->state;
  const bool record_idem = !idem_key.empty() && resp.status != step_status::retryable;
  if (view.writes().empty() && !record_idem) {
    answer(self, std::move(rp), resp);
    return;
  }
  inflight_batch batch;
  batch.seq = st.next_seq++;
  store::write_batch wb;
  for (const auto& [key, value] : view.writes()) {
    st.overlay[key] = value;
    st.overlay_seq[key] = batch.seq;
    batch.state_keys.push_back(key);
    if (value)
      wb.ops.push_back({store::db::service_state, key, *value, false});
    else
      wb.ops.push_back({store::db::service_state, key, {}, true});
  }
  if (record_idem) {
    auto rec = to_record(resp).SerializeAsString();
    st.pending_idem[idem_key] = rec;
    st.pending_idem_seq[idem_key] = batch.seq;
    batch.idem_keys.push_back(idem_key);
    wb.ops.push_back({store::db::idempotency, idem_key, std::move(rec), false});
  }
  batch.answers.emplace_back(std::move(rp), resp);
  st.inflight.push_back(std::move(batch));
  auto writer = node::lookup(self->system(), node::store_name);
  if (!writer) {
    fail_inflight_and_quit(self, "store writer is not running");
    return;
  }
  auto seq = st.inflight.back().seq;
  auto failed = [=](caf::error& err) {
    // Later batches that read this one's writes are of the same tenant, so the writer refuses
    // them too: nothing answered reads what was never written.
    if (store::is_shard_moved(err)) {
      for (auto& b : self->state.inflight)
        if (b.seq == seq) b.moved = b.durable = true;
      return complete_ready(self);
    }
    fail_inflight_and_quit(self, "store write failed: " + self->system().render(err));
  };
  // In a cluster the writer passes the batch on to the writer of the shard's backup, in the
  // order it takes batches.
  if (st.deps.members) {
    self->request(writer, store_timeout, store::write_atom::value, std::move(wb), tenant)
        .then(
            [=](caf::ok_atom, std::string& replication_error) {
              on_acknowledged(self, seq, std::move(replication_error));
            },
            failed);
    return;
  }
  self->request(writer, store_timeout, store::write_atom::value, std::move(wb))
      .then([=](caf::ok_atom) { on_acknowledged(self, seq); }, failed);
}

// Counts one answered execute; an action the service does not have is counted as "unknown".
void record(host_actor* self, const std::string& action, const step_response& resp) {
  auto& st = self->state;
  const std::string& known = st.logic->find(action) ? action : unknown_action;
  const std::string& code = resp.status == step_status::ok ? no_error
                            : resp.error_code.empty()      ? unknown_action
                                                           : resp.error_code;
  st.meter->record(known, code, static_cast<double>(resp.duration_us) * 1e-6);
}

void check_crash(host_actor* self) {
  if (self->state.crash_armed) throw std::runtime_error("injected crash");
}

caf::behavior service_host(host_actor* self, service_factory make, host_deps deps) {
  auto& st = self->state;
  st.logic = make();
  st.deps = std::move(deps);
  st.peers = std::make_unique<local_peers>(st.deps.env.get(), st.deps.facts.get(), now_ms);
  st.started_ms = now_ms();
  st.meter = std::make_unique<service_meter>(st.deps.metrics.get(), st.logic->name());
  self->set_exception_handler(supervisors::exception_reason);
  if (auto mesh_actor = node::lookup(self->system(), node::mesh_name))
    self->send(mesh_actor, mesh::register_atom::value, st.logic->name(),
               caf::actor_cast<caf::actor>(self));
  return {
      [=](mesh::execute_atom, const step_request& req) -> caf::result<step_response> {
        check_crash(self);
        auto& s = self->state;
        auto rp = self->make_response_promise();
        auto started = std::chrono::steady_clock::now();
        ++s.executes;
        auto finish = [&](step_response resp, const state_view* view, const std::string& idem) {
          resp.service = s.logic->name();
          resp.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::steady_clock::now() - started)
                                 .count();
          if (resp.status != step_status::ok) {
            ++s.errors;
            s.last_error = resp.error_code + ": " + resp.error_message;
          }
          record(self, req.action, resp);
          if (view != nullptr)
            commit(self, req.tenant, *view, idem, resp, rp);
          else
            answer(self, rp, std::move(resp));
        };
        if (!valid_tenant(req.tenant)) {
          finish(mesh::make_error_response({}, step_status::error, "invalid_tenant",
                                           "tenant must be 1-64 characters of [A-Za-z0-9_.-]"),
                 nullptr, {});
          return rp;
        }
        if (req.deadline_ms != 0 && now_ms() > req.deadline_ms) {
          finish(mesh::make_error_response({}, step_status::retryable, "deadline_exceeded",
                                           "the request's deadline passed before it ran"),
                 nullptr, {});
          return rp;
        }
        std::string idem;
        // Only actions that change state need their first answer kept: repeating a read has
        // no effect to duplicate, and skipping the record spares a read its durable commit.
        const auto* spec = s.logic->find(req.action);
        if (!req.idempotency_key.empty() && spec && spec->mutates) {
          idem = keys::join({s.logic->name(), req.tenant, req.idempotency_key});
          if (auto first = recorded_answer(self, idem)) {
            record(self, req.action, *first);
            answer(self, rp, std::move(*first));
            return rp;
          }
        }
        auto params = nlohmann::json::parse(req.params, nullptr, false);
        if (params.is_discarded()) {
          finish(mesh::make_error_response({}, step_status::error, "invalid_params",
                                           "params are not valid JSON"),
                 nullptr, {});
          return rp;
        }
        state_view view(s.deps.env.get(), &s.overlay, keys::prefix({s.logic->name(), req.tenant}));
        action_context ctx{req.tenant, params, view, *s.deps.facts, now_ms(), s.peers.get()};
        auto out = s.logic->execute(req.action, ctx);
        step_response resp;
        if (out.ok) {
          resp.status = step_status::ok;
          resp.output = out.output.dump();
        } else {
          // A failed action leaves nothing behind: its view's writes are dropped.
          resp = mesh::make_error_response(
              {}, out.retryable ? step_status::retryable : step_status::error, out.code,
              out.message);
          state_view empty(s.deps.env.get(), &s.overlay, {});
          finish(std::move(resp), &empty, idem);
          return rp;
        }
        finish(std::move(resp), &view, idem);
        return rp;
      },
      [=](mesh::health_atom) {
        check_crash(self);
        auto& s = self->state;
        mesh::health_report h;
        h.name = s.logic->name();
        h.status = "up";
        h.uptime_ms = now_ms() - s.started_ms;
        h.executes = s.executes;
        h.errors = s.errors;
        h.mailbox = self->mailbox().size();
        h.last_error = s.last_error;
        return h;
      },
      [=](mesh::describe_atom) {
        check_crash(self);
        auto& s = self->state;
        mesh::service_description d;
        d.name = s.logic->name();
        d.version = s.deps.facts->version;
        d.summary = s.logic->summary();
        for (const auto& a : s.logic->actions())
          d.actions.push_back(
              {a.name, a.summary, a.params_schema.dump(), a.compensation, a.mutates});
        return d;
      },
      // Sent by the mesh, which keeps the fault budget; the host only arms the next crash.
      [=](mesh::fault_atom, const mesh::fault_spec& f) {
        if (f.kind == "crash") self->state.crash_armed = true;
      },
      [=](mesh::clear_atom) { self->state.crash_armed = false; },
  };
}

}  // namespace

bool valid_tenant(const std::string& tenant) {
  if (tenant.empty() || tenant.size() > 64) return false;
  for (char c : tenant) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

caf::actor spawn_service_host(caf::actor_system& sys, const service_factory& make, host_deps deps) {
  return sys.spawn(service_host, make, std::move(deps));
}

}  // namespace xyn::actors

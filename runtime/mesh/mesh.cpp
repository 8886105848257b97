#include "runtime/mesh/mesh.hpp"

#include <map>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/event.hpp"
#include "runtime/cluster/directory.hpp"
#include "runtime/mesh/messages.hpp"
#include "runtime/mesh/service_board.hpp"
#include "runtime/node/names.hpp"
#include "supervisors/messages.hpp"

namespace xyn::mesh {

namespace {

constexpr auto mesh_category = caf::atom("mesh");
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct service_entry {
  caf::actor current;
  service_info info;
  service_description description;
  bool registered_before = false;
  // Injected faults (POST /v1/faults); they live here so they survive the restarts they cause.
  int32_t pending_crashes = 0;
  int32_t pending_errors = 0;  // < 0: until cleared
  int32_t latency_count = 0;   // < 0: until cleared
  int32_t latency_ms = 0;
};

// An execute held back by a latency fault until its timer fires.
struct delayed_call {
  std::string service;
  step_request request;
  caf::response_promise promise;
};

struct mesh_state {
  static inline const char* name = "mesh";
  mesh_options opts;
  std::map<std::string, service_entry> services;
  std::map<uint64_t, delayed_call> delayed;
  uint64_t next_delayed = 1;
};

using mesh_actor = caf::stateful_actor<mesh_state>;

void arm_crash(mesh_actor* self, service_entry& e) {
  if (e.pending_crashes == 0 || !e.current) return;
  --e.pending_crashes;
  fault_spec f;
  f.service = e.info.name;
  f.kind = "crash";
  self->send(e.current, fault_atom::value, f);
}

step_response fail(const std::string& service, step_status st, const std::string& code,
                   const std::string& message) {
  return make_error_response(service, st, code, message);
}

caf::timespan time_left(const mesh_state& st, const step_request& req) {
  if (req.deadline_ms == 0) return st.opts.default_timeout;
  return std::chrono::milliseconds(std::max<int64_t>(1, req.deadline_ms - now_ms()));
}

void forward(mesh_actor* self, const std::string& name, step_request req,
             caf::response_promise rp) {
  auto& st = self->state;
  auto it = st.services.find(name);
  if (it == st.services.end() || !it->second.current) {
    rp.deliver(fail(name, step_status::retryable, "unavailable",
                    "service '" + name + "' is " +
                        (it == st.services.end() ? "gone" : it->second.info.status)));
    return;
  }
  auto timeout = time_left(st, req);
  self->request(it->second.current, timeout, execute_atom::value, std::move(req))
      .then([=](step_response& resp) mutable { rp.deliver(std::move(resp)); },
            [=](caf::error& err) mutable {
              if (err == caf::sec::request_timeout)
                rp.deliver(fail(name, step_status::retryable, "timeout",
                                "service '" + name + "' did not answer in time"));
              else
                rp.deliver(fail(name, step_status::retryable, "service_crashed",
                                "service '" + name + "' failed while handling the request: " +
                                    self->system().render(err)));
            });
}

// A call that leaves the node carries its deadline, so each hop knows how long is left.
void fix_deadline(const mesh_state& st, step_request& req) {
  if (req.deadline_ms == 0)
    req.deadline_ms =
        now_ms() +
        std::chrono::duration_cast<std::chrono::milliseconds>(st.opts.default_timeout).count();
}

// Calls `name` on the next member of `members` (from `i`); a member that is down, too slow or
// has lost the service is skipped for the next one. The last member's answer stands.
void forward_remote(mesh_actor* self, const std::string& name, step_request req,
                    caf::response_promise rp, std::vector<caf::actor> members, size_t i) {
  auto target = members[i];
  auto timeout = time_left(self->state, req);
  self->request(target, timeout, execute_atom::value, local_atom::value, name, req)
      .then(
          [=](step_response& resp) mutable {
            if (resp.status == step_status::retryable && resp.error_code == "unavailable" &&
                i + 1 < members.size())
              return forward_remote(self, name, std::move(req), rp, std::move(members), i + 1);
            rp.deliver(std::move(resp));
          },
          [=](caf::error& err) mutable {
            if (i + 1 < members.size() && req.deadline_ms - now_ms() > 0)
              return forward_remote(self, name, std::move(req), rp, std::move(members), i + 1);
            bool late = err == caf::sec::request_timeout;
            rp.deliver(fail(name, step_status::retryable, late ? "timeout" : "unavailable",
                            "service '" + name + "' on another member " +
                                (late ? "did not answer in time" : "could not be reached: ") +
                                (late ? std::string() : self->system().render(err))));
          });
}

// Every change of a service's info goes through here, so the board never lags the mesh.
void changed(mesh_actor* self, const service_entry& e) {
  if (self->state.opts.board) self->state.opts.board->put(e.info);
}

// One call of `name`: injected faults first, then the local instance, else (when `anywhere`)
// a member that has the service up.
caf::result<step_response> execute(mesh_actor* self, const std::string& name, step_request req,
                                   bool anywhere) {
  auto& s = self->state;
  auto it = s.services.find(name);
  if (it == s.services.end())
    return fail(name, step_status::error, "unknown_service", "no service named '" + name + "'");
  auto& e = it->second;
  if (e.pending_errors != 0) {
    if (e.pending_errors > 0) --e.pending_errors;
    return fail(name, step_status::retryable, "injected_fault",
                "fault injected by POST /v1/faults");
  }
  auto rp = self->make_response_promise();
  if (e.latency_count != 0) {
    if (e.latency_count > 0) --e.latency_count;
    // Response promises cannot travel in messages: park the call and wake up for it.
    auto id = s.next_delayed++;
    s.delayed.emplace(id, delayed_call{name, std::move(req), rp});
    self->delayed_send(self, std::chrono::milliseconds(e.latency_ms), deliver_atom::value, id);
    return rp;
  }
  if (s.opts.members && !s.opts.services->find(name)->stateless) {
    // A tenant's state has one home: the owner of its shard.
    auto route = s.opts.members->route(req.tenant);
    if (!route.here && anywhere && route.owner) {
      fix_deadline(s, req);
      forward_remote(self, name, std::move(req), rp, {route.owner}, 0);
      return rp;
    }
    if (!route.here) {
      rp.deliver(fail(name, step_status::retryable, "unavailable",
                      "tenant '" + req.tenant + "' of service '" + name +
                          "' is not served here now (its shard's owner: " +
                          (route.owner_address.empty() ? "none yet" : route.owner_address) + ")"));
      return rp;
    }
  }
  if (!e.current && anywhere && s.opts.members) {
    if (auto members = s.opts.members->meshes_for(name); !members.empty()) {
      fix_deadline(s, req);
      forward_remote(self, name, std::move(req), rp, std::move(members), 0);
      return rp;
    }
  }
  forward(self, name, std::move(req), rp);
  return rp;
}

caf::behavior mesh(mesh_actor* self, mesh_options opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  for (const auto& c : st.opts.services->services) {
    auto& e = st.services[c.name];
    e.info.name = c.name;
    e.info.dependencies = c.depends_on;
    if (st.opts.disabled.count(c.name)) e.info.status = "disabled";
    changed(self, e);
  }
  // Long-lived: a stray error message (an answer nobody waits for) must not stop the mesh.
  self->set_error_handler([](caf::error&) {});
  self->set_down_handler([=](const caf::down_msg& dm) {
    for (auto& [name, e] : self->state.services) {
      if (e.current.address() != dm.source) continue;
      e.current = nullptr;
      if (e.info.status == "up") e.info.status = "restarting";
      if (dm.reason) e.info.last_error = self->system().render(dm.reason);
      changed(self, e);
      actors::publish(self->system(), "service.down", {},
                      {{"service", name}, {"reason", e.info.last_error}});
    }
  });
  return {
      [=](register_atom, const std::string& name, const caf::actor& who) {
        auto it = self->state.services.find(name);
        if (it == self->state.services.end()) return;  // not in the catalog: ignore
        auto& e = it->second;
        auto was_failed = e.info.status == "failed";
        e.current = who;
        self->monitor(who);
        e.info.status = "up";
        e.info.up_since_ms = now_ms();
        e.info.next_restart_ms = 0;
        if (e.registered_before) {
          ++e.info.restarts;
          actors::publish(
              self->system(), was_failed ? "service.recovered" : "service.restarted", {},
              {{"service", name}, {"restarts", e.info.restarts}, {"reason", e.info.last_error}});
        }
        e.registered_before = true;
        changed(self, e);
        self->request(who, std::chrono::seconds(5), describe_atom::value)
            .then(
                [=](service_description& d) {
                  auto& entry = self->state.services[name];
                  entry.info.actions.clear();
                  for (const auto& a : d.actions) entry.info.actions.push_back(a.name);
                  changed(self, entry);
                  entry.description = std::move(d);
                },
                [](caf::error&) {});
        arm_crash(self, e);
      },
      [=](const supervisors::child_event& ev) {
        auto it = self->state.services.find(ev.child);
        if (it == self->state.services.end()) return;
        auto& e = it->second;
        if (ev.kind == supervisors::child_event_kind::restarting) {
          // The service's own supervisor gave up; its parent restarts it after a backoff.
          e.info.status = "failed";
          e.info.next_restart_ms = now_ms() + ev.delay_ms;
          if (!ev.reason.empty()) e.info.last_error = ev.reason;
          changed(self, e);
          actors::publish(
              self->system(), "service.failed", {},
              {{"service", ev.child}, {"reason", ev.reason}, {"retry_in_ms", ev.delay_ms}});
        }
      },
      [=](execute_atom, const std::string& name, step_request& req) {
        return execute(self, name, std::move(req), true);
      },
      [=](execute_atom, local_atom, const std::string& name, step_request& req) {
        return execute(self, name, std::move(req), false);
      },
      [=](deliver_atom, uint64_t id) {
        auto it = self->state.delayed.find(id);
        if (it == self->state.delayed.end()) return;
        auto call = std::move(it->second);
        self->state.delayed.erase(it);
        forward(self, call.service, std::move(call.request), call.promise);
      },
      [=](info_atom, const std::string& name) -> caf::result<service_info> {
        auto it = self->state.services.find(name);
        if (it == self->state.services.end())
          return make_error(mesh_errc::unknown_service, "no service named '" + name + "'");
        return it->second.info;
      },
      [=](list_atom) {
        std::vector<service_info> out;
        for (const auto& c : self->state.opts.services->services)
          out.push_back(self->state.services[c.name].info);
        return out;
      },
      [=](health_atom, const std::string& name) -> caf::result<health_report> {
        auto it = self->state.services.find(name);
        if (it == self->state.services.end())
          return make_error(mesh_errc::unknown_service, "no service named '" + name + "'");
        if (!it->second.current)
          return make_error(mesh_errc::not_running,
                            "service '" + name + "' is " + it->second.info.status);
        auto rp = self->make_response_promise<health_report>();
        self->request(it->second.current, std::chrono::seconds(5), health_atom::value)
            .then([=](health_report& h) mutable { rp.deliver(std::move(h)); },
                  [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](describe_atom, const std::string& name) -> caf::result<service_description> {
        auto it = self->state.services.find(name);
        if (it == self->state.services.end())
          return make_error(mesh_errc::unknown_service, "no service named '" + name + "'");
        if (it->second.description.name.empty())
          return make_error(mesh_errc::not_running, "service '" + name + "' has not started yet");
        return it->second.description;
      },
      [=](fault_atom, const fault_spec& f) -> caf::result<caf::ok_atom> {
        auto it = self->state.services.find(f.service);
        if (it == self->state.services.end())
          return make_error(mesh_errc::unknown_service, "no service named '" + f.service + "'");
        auto& e = it->second;
        if (f.kind == "crash") {
          if (f.count < 1) return make_error(mesh_errc::invalid_fault, "crash needs count >= 1");
          e.pending_crashes += f.count;
          arm_crash(self, e);
        } else if (f.kind == "error") {
          e.pending_errors = f.count;
        } else if (f.kind == "latency") {
          if (f.latency_ms < 1 || f.latency_ms > 600000)
            return make_error(mesh_errc::invalid_fault, "latency needs latency_ms in 1..600000");
          e.latency_count = f.count;
          e.latency_ms = f.latency_ms;
        } else {
          return make_error(mesh_errc::invalid_fault, "kind must be crash, error or latency");
        }
        actors::publish(self->system(), "fault.injected", {},
                        {{"service", f.service},
                         {"kind", f.kind},
                         {"count", f.count},
                         {"latency_ms", f.latency_ms}});
        return caf::ok_atom::value;
      },
      [=](clear_atom) {
        for (auto& [_, e] : self->state.services) {
          e.pending_crashes = 0;
          e.pending_errors = 0;
          e.latency_count = 0;
          if (e.current) self->send(e.current, clear_atom::value);
        }
        return caf::ok_atom::value;
      },
  };
}

}  // namespace

caf::error make_error(mesh_errc code, std::string message) {
  return caf::error(static_cast<uint8_t>(code), mesh_category,
                    caf::make_message(std::move(message)));
}

std::optional<mesh_errc> mesh_error_code(const caf::error& err) {
  if (!err || err.category() != mesh_category) return std::nullopt;
  return static_cast<mesh_errc>(err.code());
}

caf::actor spawn_mesh(caf::actor_system& sys, mesh_options opts) {
  // Registered here, not in the actor's init: init runs later on a worker thread, and the
  // services started right after must already find the mesh.
  auto m = sys.spawn(mesh, std::move(opts));
  node::register_as(sys, node::mesh_name, m);
  return m;
}

}  // namespace xyn::mesh

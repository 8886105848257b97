#include "runtime/client/gateway.hpp"

#include <chrono>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/workflow/messages.hpp"
#include "actors/workflow/view.hpp"
#include "runtime/client/protocol.hpp"
#include "runtime/cluster/directory.hpp"
#include "runtime/cluster/messages.hpp"
#include "runtime/node/names.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "runtime/store/messages.hpp"

namespace xyn::client {

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// Submit, cancel and signal are answered once the manager's write is durable.
constexpr auto manager_timeout = 30s;
constexpr auto read_timeout = 30s;

using read_atom = caf::atom_constant<caf::atom("gwread")>;

struct gateway_state {
  std::shared_ptr<store::lmdb_env> env;
  // Watches waiting on a manager. A manager that dies takes its pending replies with it
  // (CAF 0.17 sends nothing for them), so its watches are failed when it goes down.
  struct pending_watch {
    caf::actor_addr manager;
    caf::response_promise rp;
  };
  std::unordered_map<uint64_t, pending_watch> watches;
  uint64_t next_watch = 0;
  std::unordered_set<caf::actor_addr> monitored;
  static inline const char* name = "xyn.client.gateway";
};

using gateway_actor = caf::stateful_actor<gateway_state>;

caf::error refused() {
  return store::to_error({status_code::unauthenticated, "wrong or missing admin key"});
}

// The manager's own errors are xyn statuses already; CAF's (timeout, receiver down) become one.
caf::error normalize(const caf::error& err, const char* what) {
  if (err.category() == caf::atom("xyn")) return err;
  if (err == caf::sec::request_timeout)
    return store::to_error(
        status::timeout(std::string("the workflow manager did not answer ") + what + " in time"));
  if (err == caf::sec::request_receiver_down)
    return store::to_error(status::unavailable("the workflow manager is restarting"));
  return store::to_error(store::to_status(err));
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Sends `xs` to the workflow manager and answers the caller with its reply of type T.
template <class T, class... Ts>
caf::response_promise forward(gateway_actor* self, caf::timespan timeout, const char* what,
                              Ts&&... xs) {
  auto rp = self->make_response_promise();
  auto mgr = node::lookup(self->system(), node::workflows_name);
  if (!mgr) {
    rp.deliver(store::to_error(status::unavailable("the workflow manager is not running")));
    return rp;
  }
  self->request(mgr, timeout, std::forward<Ts>(xs)...)
      .then([rp](T& x) mutable { rp.deliver(std::move(x)); },
            [rp, what](caf::error& err) mutable { rp.deliver(normalize(err, what)); });
  return rp;
}

// Runs `job` (a LMDB read returning result<json>) in a reader actor of its own and answers the
// caller with the JSON text, so a long list never holds up the gateway's other requests.
template <class Job>
caf::response_promise read(gateway_actor* self, Job job) {
  auto rp = self->make_response_promise();
  auto reader = self->spawn(
      [job](caf::event_based_actor* r, int) -> caf::behavior {
        return {[r, job](read_atom) -> caf::result<std::string> {
          r->quit();
          auto res = job();
          if (!res) return store::to_error(res.error());
          return dump(*res);
        }};
      },
      0);
  self->request(reader, read_timeout, read_atom::value)
      .then([rp](std::string& s) mutable { rp.deliver(std::move(s)); },
            [rp](caf::error& err) mutable { rp.deliver(normalize(err, "a read")); });
  return rp;
}

result<workflow::list_query> parse_query(const std::string& text) {
  auto j = json::parse(text.empty() ? "{}" : text, nullptr, false);
  if (j.is_discarded()) return status::invalid_argument("list query: not a JSON object");
  return workflow::list_query_from_json(j);
}

caf::behavior gateway(gateway_actor* self, admin::admin_key key,
                      std::shared_ptr<store::lmdb_env> env,
                      std::shared_ptr<cluster::directory> members) {
  self->state.env = std::move(env);
  // Whether reads (one run, or the list) go through the workflow manager, to the members.
  auto clustered = [members] { return members && members->has_map(); };
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    st.monitored.erase(dm.source);
    for (auto it = st.watches.begin(); it != st.watches.end();) {
      if (it->second.manager != dm.source) {
        ++it;
        continue;
      }
      it->second.rp.deliver(store::to_error(
          status::unavailable("the workflow manager restarted while watching; watch again")));
      it = st.watches.erase(it);
    }
  });
  // `key` lives in the handlers' captures; compare in constant time (admin_key::matches).
  return {
      [=](gw_hello_atom, const std::string& k) -> caf::result<std::string> {
        if (!key.matches(k)) return refused();
        return std::string(protocol_banner);
      },
      [=](gw_submit_atom, const std::string& k,
          workflow::submit_request& req) -> caf::result<workflow::submit_reply> {
        if (!key.matches(k)) return refused();
        if (req.tenant.empty()) req.tenant = "default";
        // Only the manager's own workflow steps start children.
        req.parent_id.clear();
        req.parent_step.clear();
        return forward<workflow::submit_reply>(self, manager_timeout, "the submit",
                                               workflow::submit_atom::value, std::move(req));
      },
      [=](gw_cancel_atom, const std::string& k, const std::string& id,
          const std::string& reason) -> caf::result<workflow::submit_reply> {
        if (!key.matches(k)) return refused();
        return forward<workflow::submit_reply>(self, manager_timeout, "the cancel",
                                               workflow::cancel_atom::value, id, reason);
      },
      [=](gw_signal_atom, const std::string& k, const std::string& id, const std::string& name,
          const std::string& payload) -> caf::result<workflow::submit_reply> {
        if (!key.matches(k)) return refused();
        return forward<workflow::submit_reply>(self, manager_timeout, "the signal",
                                               workflow::signal_atom::value, id, name, payload);
      },
      [=](gw_watch_atom, const std::string& k, const std::string& id,
          uint64_t timeout_ms) -> caf::result<workflow::run_summary> {
        if (!key.matches(k)) return refused();
        timeout_ms = std::clamp<uint64_t>(timeout_ms, 1, max_watch_ms);
        auto rp = self->make_response_promise();
        auto mgr = node::lookup(self->system(), node::workflows_name);
        if (!mgr) {
          rp.deliver(store::to_error(status::unavailable("the workflow manager is not running")));
          return rp;
        }
        auto& st = self->state;
        if (st.monitored.insert(mgr.address()).second) self->monitor(mgr);
        auto n = st.next_watch++;
        st.watches.emplace(n, gateway_state::pending_watch{mgr.address(), rp});
        self->request(mgr, std::chrono::milliseconds(timeout_ms), workflow::watch_atom::value, id)
            .then(
                [self, n](workflow::run_summary& s) {
                  auto it = self->state.watches.find(n);
                  if (it == self->state.watches.end()) return;
                  it->second.rp.deliver(std::move(s));
                  self->state.watches.erase(it);
                },
                [self, n, id, timeout_ms](caf::error& err) {
                  auto it = self->state.watches.find(n);
                  if (it == self->state.watches.end()) return;
                  if (err == caf::sec::request_timeout)
                    it->second.rp.deliver(
                        store::to_error(status::timeout("run " + id + " did not finish within " +
                                                        std::to_string(timeout_ms) + " ms")));
                  else
                    it->second.rp.deliver(normalize(err, "the watch"));
                  self->state.watches.erase(it);
                });
        return rp;
      },
      // Other nodes knock here to join; the cluster actor checks their proof of the secret.
      [=](cluster::cl_hello_atom a, const std::string& nonce) {
        return self->delegate(node::lookup(self->system(), node::cluster_name), a, nonce);
      },
      [=](cluster::cl_join_atom a, const cluster::member_card& card, const std::string& door,
          const std::string& proof) {
        return self->delegate(node::lookup(self->system(), node::cluster_name), a, card, door,
                              proof);
      },
      [=](gw_get_atom, const std::string& k, const std::string& id) -> caf::result<std::string> {
        if (!key.matches(k)) return refused();
        if (clustered())
          return forward<std::string>(self, manager_timeout, "the read",
                                      workflow::wf_read_atom::value, id, std::string("run"), true);
        auto env = self->state.env;
        return read(self, [env, id] { return workflow::run_json(*env, id); });
      },
      [=](gw_history_atom, const std::string& k,
          const std::string& id) -> caf::result<std::string> {
        if (!key.matches(k)) return refused();
        if (clustered())
          return forward<std::string>(self, manager_timeout, "the read",
                                      workflow::wf_read_atom::value, id, std::string("history"),
                                      true);
        auto env = self->state.env;
        return read(self, [env, id] { return workflow::history_json(*env, id); });
      },
      [=](gw_list_atom, const std::string& k,
          const std::string& query) -> caf::result<std::string> {
        if (!key.matches(k)) return refused();
        auto q = parse_query(query);
        if (!q) return store::to_error(q.error());
        if (clustered())
          return forward<std::string>(self, manager_timeout, "the list",
                                      workflow::wf_list_atom::value, dump(workflow::to_json(*q)));
        auto env = self->state.env;
        return read(self, [env, q = *q] { return workflow::list_json(*env, q); });
      },
  };
}

}  // namespace

caf::actor spawn_gateway(caf::actor_system& sys, admin::admin_key key,
                         std::shared_ptr<store::lmdb_env> env,
                         std::shared_ptr<cluster::directory> members) {
  return sys.spawn(gateway, std::move(key), std::move(env), std::move(members));
}

}  // namespace xyn::client

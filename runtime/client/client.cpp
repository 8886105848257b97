#include "runtime/client/client.hpp"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <utility>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "runtime/client/protocol.hpp"
#include "runtime/cluster/tls.hpp"

namespace xyn::client {

namespace {

using namespace std::chrono_literals;

// The category of the node's statuses carried as caf::error (runtime/store/messages.hpp).
constexpr caf::atom_value status_category = caf::atom("xyn");

using ping_atom = caf::atom_constant<caf::atom("gwping")>;

// How long past a call's own timeout the calling thread waits before it gives up by itself.
constexpr auto grace = 2s;

// store::to_status without linking the store: the node's status, or what CAF's error means.
status to_status(const caf::error& err, std::chrono::milliseconds timeout) {
  if (!err) return {};
  if (err.category() == status_category) {
    const auto& ctx = err.context();
    std::string message = ctx.match_elements<std::string>() ? ctx.get_as<std::string>(0) : "";
    auto code = static_cast<status_code>(err.code());
    if (code == status_code::ok || err.code() > static_cast<uint8_t>(status_code::internal))
      return status::internal("unknown status code " + std::to_string(err.code()) + ": " + message);
    return {code, std::move(message)};
  }
  if (err == caf::sec::request_timeout)
    return status::timeout("the node did not answer within " + std::to_string(timeout.count()) +
                           " ms");
  if (err == caf::sec::request_receiver_down)
    return status::unavailable("the node's gateway is gone");
  if (err == caf::sec::unexpected_message)
    return status::unavailable(
        "the node did not understand the request (no workflow gateway on this port?)");
  return status::unavailable("connection to the node failed: " + caf::to_string(err));
}

// One answer, set once from whichever comes first: the reply, the error, the loss of the node
// or the calling actor's end.
template <class T>
struct call_slot {
  std::promise<result<T>> promise;
  std::atomic<bool> done{false};
  void fulfil(result<T> r) {
    if (!done.exchange(true)) promise.set_value(std::move(r));
  }
};

}  // namespace

struct connection::impl {
  connect_options opts;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  // Linked to every call actor: killing it at shutdown ends the calls still waiting.
  caf::actor anchor;
  std::mutex connect_mu;  // one (re)connect at a time
  std::mutex mu;          // guards `gateway` only; never held while waiting
  caf::actor gateway;     // invalid before the first connect and after the node was lost

  explicit impl(connect_options o) : opts(std::move(o)) {
    workflow::announce_workflow_messages(cfg);
    cfg.load<caf::io::middleman>();
    if (opts.tls.enabled()) cluster::load_tls(cfg, opts.tls);
    cfg.set("scheduler.max-threads", 2);
    cfg.set("logger.console", caf::atom("none"));
    // Heartbeats let a node that enforces a connection timeout keep this idle connection. A
    // node that sends none would look dead to a connection timeout of ours, so liveness is
    // checked per call instead (pings during long calls, see ask).
    cfg.set("middleman.heartbeat-interval", caf::timespan{100ms});
    sys = std::make_unique<caf::actor_system>(cfg);
    anchor = sys->spawn(
        [](caf::event_based_actor* self, int) -> caf::behavior {
          self->set_default_handler(caf::drop);
          return {[](int) {}};
        },
        0);
  }

  ~impl() {
    caf::anon_send_exit(anchor, caf::exit_reason::user_shutdown);
    {
      std::lock_guard<std::mutex> g(mu);
      gateway = nullptr;
    }
    anchor = nullptr;
    sys.reset();  // waits for every call actor, which the anchor's exit ended
  }

  // The gateway, connecting (again) when there is none. Checks the key on a new connection.
  result<caf::actor> current_gateway() {
    std::lock_guard<std::mutex> c(connect_mu);
    {
      std::lock_guard<std::mutex> g(mu);
      if (gateway) return gateway;
    }
    auto remote = connect_remote();
    if (!remote) return remote.error();
    auto hello = ask<std::string>(*remote, opts.call_timeout, gw_hello_atom::value, opts.key);
    if (!hello) return hello.error();
    if (*hello != protocol_banner)
      return status::unavailable("the actor at " + opts.host + ":" + std::to_string(opts.port) +
                                 " is not a Xynergy gateway (" + *hello + ")");
    std::lock_guard<std::mutex> g(mu);
    gateway = *remote;
    return gateway;
  }

  // middleman::remote_actor with a deadline: it waits forever for a peer that accepts the TCP
  // connection but never speaks CAF (an HTTP port, say).
  result<caf::actor> connect_remote() {
    auto where = opts.host + ":" + std::to_string(opts.port);
    auto limit = opts.connect_timeout;
    auto slot = std::make_shared<call_slot<caf::actor>>();
    auto answer = slot->promise.get_future();
    auto mm = cluster::connector(*sys, opts.tls.enabled());
    auto host = opts.host;
    auto port = opts.port;
    sys->spawn(
        [=](caf::event_based_actor* self, int) {
          self->request(mm, limit, caf::connect_atom::value, host, port)
              .then(
                  [=](const caf::node_id&, caf::strong_actor_ptr& ptr,
                      const std::set<std::string>&) {
                    if (ptr)
                      slot->fulfil(caf::actor_cast<caf::actor>(std::move(ptr)));
                    else
                      slot->fulfil(status::unavailable("nothing is published at " + where));
                  },
                  [=](caf::error& err) {
                    slot->fulfil(status::unavailable(
                        "cannot connect to " + where + ": " +
                        (err == caf::sec::request_timeout
                             ? "no CAF handshake within " + std::to_string(limit.count()) + " ms"
                             : self->system().render(err))));
                  });
        },
        0);
    if (answer.wait_for(limit + grace) != std::future_status::ready)
      return status::unavailable("cannot connect to " + where + ": no answer");
    return answer.get();
  }

  // `gw` was lost: the next call connects again.
  void lost(const caf::actor& gw) {
    std::lock_guard<std::mutex> g(mu);
    if (gateway == gw) gateway = nullptr;
  }

  // Sends `xs` to `gw` from a call actor and waits for the reply of type T, the error, the
  // loss of the node or `timeout` (+ grace), whichever comes first.
  template <class T, class... Ts>
  result<T> ask(const caf::actor& gw, std::chrono::milliseconds timeout, Ts... xs) {
    auto slot = std::make_shared<call_slot<T>>();
    auto answer = slot->promise.get_future();
    auto anchor_copy = anchor;
    auto on_lost = [this, gw] { lost(gw); };
    auto liveness = std::max(opts.connection_timeout, std::chrono::milliseconds(200));
    std::string key = opts.key;
    sys->spawn(
        [=](caf::event_based_actor* self, int) -> caf::behavior {
          self->link_to(anchor_copy);
          self->attach_functor(
              [slot] { slot->fulfil(status::unavailable("the connection was closed")); });
          self->monitor(gw);
          self->set_down_handler([=](caf::down_msg& dm) {
            on_lost();
            slot->fulfil(status::unavailable(
                "lost the connection to the node" +
                (dm.reason ? ": " + self->system().render(dm.reason) : std::string())));
            self->quit();
          });
          self->request(gw, timeout, xs...)
              .then(
                  [=](T& x) {
                    slot->fulfil(std::move(x));
                    self->quit();
                  },
                  [=](caf::error& err) {
                    slot->fulfil(to_status(err, timeout));
                    self->quit();
                  });
          // A long call (a watch) checks that the node still answers: a frozen or cut-off node
          // keeps its socket open and would otherwise hold the call for its whole timeout.
          if (timeout > liveness) self->delayed_send(self, liveness / 3, ping_atom::value);
          return {[=](ping_atom) {
            self->request(gw, liveness, gw_hello_atom::value, key)
                .then(
                    [=](const std::string&) {
                      self->delayed_send(self, liveness / 3, ping_atom::value);
                    },
                    [=](caf::error& err) {
                      if (err != caf::sec::request_timeout) return;
                      on_lost();
                      slot->fulfil(status::unavailable("the node stopped answering (no reply for " +
                                                       std::to_string(liveness.count()) + " ms)"));
                      self->quit();
                    });
          }};
        },
        0);
    if (answer.wait_for(timeout + grace) != std::future_status::ready)
      return status::timeout("the node did not answer within " + std::to_string(timeout.count()) +
                             " ms");
    return answer.get();
  }

  template <class T, class... Ts>
  result<T> call(std::chrono::milliseconds timeout, Ts... xs) {
    auto gw = current_gateway();
    if (!gw) return gw.error();
    return ask<T>(*gw, timeout, xs...);
  }
};

result<connect_options> options_from_data_dir(const std::string& data_dir) {
  connect_options o;
  std::ifstream in(data_dir + "/node.json");
  if (!in) return status::not_found("no " + data_dir + "/node.json (is the node running?)");
  auto j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("cluster_port") || !j["cluster_port"].is_number_unsigned())
    return status::not_found(data_dir + "/node.json names no cluster_port");
  o.port = j["cluster_port"].get<uint16_t>();
  if (j.contains("tls") && j["tls"].is_object())
    o.tls = {j["tls"].value("certificate", ""), j["tls"].value("key", ""),
             j["tls"].value("ca", "")};
  if (const char* k = std::getenv("XYN_ADMIN_KEY"); k && *k) o.key = k;
  if (o.key.empty()) {
    std::ifstream kf(data_dir + "/admin.key");
    std::getline(kf, o.key);
  }
  if (o.key.empty())
    return status::not_found("no admin key: set XYN_ADMIN_KEY or create " + data_dir +
                             "/admin.key");
  return o;
}

result<connection> connection::connect(const connect_options& opts) {
  if (auto st = cluster::check_tls(opts.tls); !st.ok()) return st;
  auto p = std::make_unique<impl>(opts);
  auto gw = p->current_gateway();
  if (!gw) return gw.error();
  return connection(std::move(p));
}

connection::connection(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
connection::connection(connection&&) noexcept = default;
connection& connection::operator=(connection&&) noexcept = default;
connection::~connection() = default;

const connect_options& connection::options() const {
  return impl_->opts;
}

result<workflow::submit_reply> connection::submit(const workflow::submit_request& req) {
  return impl_->call<workflow::submit_reply>(impl_->opts.call_timeout, gw_submit_atom::value,
                                             impl_->opts.key, req);
}

result<workflow::submit_reply> connection::submit_template(const std::string& template_name,
                                                           const json& input,
                                                           const submit_options& o) {
  workflow::submit_request req;
  req.id = o.id;
  req.tenant = o.tenant;
  req.template_name = template_name;
  req.input_json = input.dump();
  return submit(req);
}

result<workflow::submit_reply> connection::submit_definition(const json& definition,
                                                             const json& input,
                                                             const submit_options& o) {
  workflow::submit_request req;
  req.id = o.id;
  req.tenant = o.tenant;
  req.definition_json = definition.dump();
  req.input_json = input.dump();
  return submit(req);
}

namespace {

result<json> parse_reply(result<std::string> r) {
  if (!r) return r.error();
  auto j = json::parse(*r, nullptr, false);
  if (j.is_discarded()) return status::corruption("the node answered with malformed JSON");
  return j;
}

}  // namespace

result<json> connection::get(const std::string& id) {
  return parse_reply(
      impl_->call<std::string>(impl_->opts.call_timeout, gw_get_atom::value, impl_->opts.key, id));
}

result<json> connection::history(const std::string& id) {
  return parse_reply(impl_->call<std::string>(impl_->opts.call_timeout, gw_history_atom::value,
                                              impl_->opts.key, id));
}

result<json> connection::list(const list_options& q) {
  json query = json::object();
  if (!q.status.empty()) query["status"] = q.status;
  if (!q.template_name.empty()) query["template"] = q.template_name;
  if (!q.tenant.empty()) query["tenant"] = q.tenant;
  if (!q.cursor.empty()) query["cursor"] = q.cursor;
  query["limit"] = q.limit;
  return parse_reply(impl_->call<std::string>(impl_->opts.call_timeout, gw_list_atom::value,
                                              impl_->opts.key, query.dump()));
}

result<workflow::run_summary> connection::watch(const std::string& id,
                                                std::chrono::milliseconds timeout) {
  auto ms = std::clamp<uint64_t>(static_cast<uint64_t>(std::max<int64_t>(timeout.count(), 1)), 1,
                                 max_watch_ms);
  // The gateway's own limit ends the watch with a clear timeout; ours is a little later.
  auto ours = std::chrono::milliseconds(ms) + std::chrono::milliseconds(1000);
  return impl_->call<workflow::run_summary>(ours, gw_watch_atom::value, impl_->opts.key, id, ms);
}

result<workflow::submit_reply> connection::signal(const std::string& id, const std::string& name,
                                                  const json& payload) {
  return impl_->call<workflow::submit_reply>(impl_->opts.call_timeout, gw_signal_atom::value,
                                             impl_->opts.key, id, name, payload.dump());
}

result<workflow::submit_reply> connection::cancel(const std::string& id,
                                                  const std::string& reason) {
  return impl_->call<workflow::submit_reply>(impl_->opts.call_timeout, gw_cancel_atom::value,
                                             impl_->opts.key, id, reason);
}

}  // namespace xyn::client

#include "runtime/admin/event_stream.hpp"

#include <algorithm>
#include <limits>
#include <memory>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/event.hpp"
#include "runtime/node/names.hpp"

namespace xyn::admin {

namespace {

using json = nlohmann::json;

struct forwarder_state {
  static inline const char* name = "event_stream";
  std::shared_ptr<http::websocket> socket;
  stream_filter filter;
  caf::actor bus;
  uint64_t last_seq = 0;  // the newest event sent (or skipped): nothing at or before it again
};

using forwarder_actor = caf::stateful_actor<forwarder_state>;

bool wanted(const stream_filter& f, const actors::event& e) {
  if (!f.topic_prefixes.empty() &&
      std::none_of(f.topic_prefixes.begin(), f.topic_prefixes.end(),
                   [&](const std::string& p) { return e.topic.compare(0, p.size(), p) == 0; }))
    return false;
  // Node-wide events (no tenant: a service restarted) concern every tenant, as on the bus.
  if (!f.tenant.empty() && !e.tenant.empty() && e.tenant != f.tenant) return false;
  if (!f.workflow.empty()) {
    auto data = json::parse(e.data, nullptr, false);
    if (!data.is_object() || data.value("workflow", std::string()) != f.workflow) return false;
  }
  return true;
}

void forward(forwarder_actor* self, const actors::event& e) {
  auto& st = self->state;
  if (e.seq <= st.last_seq) return;  // already sent from the ring
  st.last_seq = e.seq;
  if (!wanted(st.filter, e)) return;
  if (!st.socket->send(actors::event_to_json(e).dump())) self->quit();
}

caf::behavior forwarder(forwarder_actor* self, std::shared_ptr<http::websocket> socket,
                        stream_filter filter) {
  auto& st = self->state;
  st.socket = std::move(socket);
  st.filter = std::move(filter);
  st.bus = node::lookup(self->system(), node::events_name);
  if (!st.bus) {
    st.socket->close(1011, "the event bus is not running; reconnect later");
    return {};
  }
  // The subscription ends with the bus: the client must reconnect (with since=) to go on.
  self->monitor(st.bus);
  self->set_down_handler([self](const caf::down_msg&) {
    self->state.socket->close(1012, "the event bus restarted; reconnect with since=");
    self->quit();
  });
  self->attach_functor([self] {
    if (self->state.bus)
      caf::anon_send(self->state.bus, actors::unsubscribe_atom::value,
                     caf::actor_cast<caf::actor>(self));
  });
  actors::event_query live;
  live.tenant = st.filter.tenant;
  self->send(st.bus, actors::subscribe_atom::value, caf::actor_cast<caf::actor>(self), live);
  if (st.filter.replay) {
    // Subscribed first, then read the ring: an event published in between arrives both ways,
    // and last_seq drops the second copy. `await` holds live events back until the ring's
    // events are out, so the client sees them in order.
    actors::event_query past;
    past.since = st.filter.since;
    past.tenant = st.filter.tenant;
    past.limit = std::numeric_limits<uint32_t>::max();
    self->request(st.bus, std::chrono::seconds(10), actors::query_atom::value, past)
        .await(
            [self](actors::event_page& page) {
              auto& s = self->state;
              if (page.gap)
                s.socket->send(json{{"seq", 0},
                                    {"topic", "gap"},
                                    {"data",
                                     {{"since", s.filter.since},
                                      {"reason", "events after since already left the ring"}}}}
                                   .dump());
              for (const auto& e : page.events) forward(self, e);
              s.last_seq = std::max(s.last_seq, page.last_seq);
            },
            [self](caf::error&) {
              self->state.socket->close(1011, "cannot read the event ring");
              self->quit();
            });
  }
  return {[self](const actors::event& e) { forward(self, e); }};
}

}  // namespace

http::websocket_handlers event_stream(caf::actor_system& sys, stream_filter filter) {
  // on_open and on_close run on the socket's strand, one after the other.
  auto running = std::make_shared<caf::actor>();
  http::websocket_handlers h;
  h.max_queued = filter.max_queued;
  h.on_open = [&sys, running, filter](std::shared_ptr<http::websocket> socket) {
    *running = sys.spawn(forwarder, std::move(socket), filter);
  };
  h.on_close = [running] {
    if (*running) caf::anon_send_exit(*running, caf::exit_reason::user_shutdown);
    *running = nullptr;
  };
  return h;
}

}  // namespace xyn::admin

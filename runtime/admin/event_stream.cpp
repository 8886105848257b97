#include "runtime/admin/event_stream.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <memory>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/event.hpp"
#include "runtime/cluster/directory.hpp"
#include "runtime/node/names.hpp"

namespace xyn::admin {

namespace {

using json = nlohmann::json;

using rescan_atom = caf::atom_constant<caf::atom("evrescan")>;
constexpr auto rescan_every = std::chrono::seconds(1);

struct forwarder_state {
  static inline const char* name = "event_stream";
  std::shared_ptr<http::websocket> socket;
  stream_filter filter;
  caf::actor bus;
  uint64_t last_seq = 0;  // the newest event sent (or skipped): nothing at or before it again
  // In a cluster: this node's address, and the other members' buses it is subscribed to, with
  // the member each is and the newest of its events seen (each member numbers its own).
  std::shared_ptr<cluster::directory> members;
  std::string self_address;
  struct remote_bus {
    std::string member;
    caf::actor bus;
    uint64_t last_seq = 0;
  };
  std::map<caf::actor_addr, remote_bus> remote;
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

// Sends `e` if the filter wants it; `member` names its node in a cluster.
void send_event(forwarder_actor* self, const actors::event& e, const std::string& member) {
  auto& st = self->state;
  if (!wanted(st.filter, e)) return;
  auto j = actors::event_to_json(e);
  if (!member.empty()) j["node"] = member;
  if (!st.socket->send(j.dump())) self->quit();
}

void subscribe_to_members(forwarder_actor* self);

void forward(forwarder_actor* self, const actors::event& e) {
  auto& st = self->state;
  if (e.seq <= st.last_seq) return;  // already sent from the ring
  st.last_seq = e.seq;
  // A member joined or returned: its bus is worth subscribing to now, not at the next rescan.
  if (st.members && e.topic.starts_with("cluster.member")) subscribe_to_members(self);
  send_event(self, e, st.self_address);
}

// An event of another member's bus: live only (its ring is that member's to replay).
void forward_remote(forwarder_actor* self, const actors::event& e) {
  auto it = self->state.remote.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
  if (it == self->state.remote.end() || e.seq <= it->second.last_seq) return;
  it->second.last_seq = e.seq;
  send_event(self, e, it->second.member);
}

actors::event_query live_query(const stream_filter& f) {
  actors::event_query q;
  q.tenant = f.tenant;
  return q;
}

// Subscribes to the bus of every other member that is up and not subscribed to yet. A bus
// that goes away (its member lost, or the bus restarted) is dropped by its down message and
// picked up again here once the member's card names the new one.
void subscribe_to_members(forwarder_actor* self) {
  auto& st = self->state;
  for (auto& [member, bus] : st.members->other_event_buses()) {
    if (st.remote.count(bus.address())) continue;
    st.remote.emplace(bus.address(), forwarder_state::remote_bus{member, bus, 0});
    self->monitor(bus);
    self->send(bus, actors::subscribe_atom::value, caf::actor_cast<caf::actor>(self),
               live_query(st.filter));
  }
}

caf::behavior forwarder(forwarder_actor* self, std::shared_ptr<http::websocket> socket,
                        stream_filter filter, std::shared_ptr<cluster::directory> members) {
  auto& st = self->state;
  st.socket = std::move(socket);
  st.filter = std::move(filter);
  if (members && members->has_map()) {
    st.members = std::move(members);
    for (const auto& e : st.members->snapshot())
      if (e.info.self) st.self_address = e.info.address;
  }
  st.bus = node::lookup(self->system(), node::events_name);
  if (!st.bus) {
    st.socket->close(1011, "the event bus is not running; reconnect later");
    return {};
  }
  // The subscription ends with the bus: the client must reconnect (with since=) to go on.
  self->monitor(st.bus);
  self->set_down_handler([self](const caf::down_msg& dm) {
    if (self->state.remote.erase(dm.source) > 0) return;  // another member's: live events only
    self->state.socket->close(1012, "the event bus restarted; reconnect with since=");
    self->quit();
  });
  // No unsubscribe on exit: every bus monitors its subscribers and drops one that is gone (an
  // exit functor would run after the state it needs is destroyed).
  self->send(st.bus, actors::subscribe_atom::value, caf::actor_cast<caf::actor>(self),
             live_query(st.filter));
  if (st.members) {
    subscribe_to_members(self);
    self->delayed_send(self, rescan_every, rescan_atom::value);
  }
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
  return {
      [self](const actors::event& e) {
        if (caf::actor_cast<caf::actor_addr>(self->current_sender()) == self->state.bus.address())
          forward(self, e);
        else
          forward_remote(self, e);
      },
      [self](rescan_atom) {
        subscribe_to_members(self);
        self->delayed_send(self, rescan_every, rescan_atom::value);
      },
  };
}

}  // namespace

http::websocket_handlers event_stream(caf::actor_system& sys, stream_filter filter,
                                      std::shared_ptr<cluster::directory> members) {
  // on_open and on_close run on the socket's strand, one after the other.
  auto running = std::make_shared<caf::actor>();
  http::websocket_handlers h;
  h.max_queued = filter.max_queued;
  h.on_open = [&sys, running, filter, members](std::shared_ptr<http::websocket> socket) {
    *running = sys.spawn(forwarder, std::move(socket), filter, members);
  };
  h.on_close = [running] {
    if (*running) caf::anon_send_exit(*running, caf::exit_reason::user_shutdown);
    *running = nullptr;
  };
  return h;
}

}  // namespace xyn::admin

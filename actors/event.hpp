#pragma once
// event.hpp — one platform event (service restarted, workflow step completed, ...) and the
// event bus's message contract. `publish` is the one way anything emits an event.
//
// Event bus contract (registered as node::events_name):
//   (publish_atom, event)                         fire-and-forget; the bus stamps seq and time
//   (query_atom, event_query)                     -> event_page (from the bounded ring)
//   (subscribe_atom, caf::actor, event_query)     the actor then receives each matching `event`
//   (unsubscribe_atom, caf::actor)

#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <nlohmann/json_fwd.hpp>

namespace xyn::actors {

using publish_atom = caf::atom_constant<caf::atom("publish")>;
using query_atom = caf::atom_constant<caf::atom("query")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("unsubscr")>;

struct event {
  uint64_t seq = 0;         // per node, from 1, no gaps
  int64_t time_ms = 0;      // Unix time
  std::string topic;        // dotted, e.g. "service.restarted"
  std::string tenant;       // empty for node-wide events
  std::string data = "{}";  // JSON object text
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event& x) {
  return f(caf::meta::type_name("event"), x.seq, x.time_ms, x.topic, x.tenant, x.data);
}

// Which events a reader wants: after `since`, whose topic starts with `topic_prefix`, of
// `tenant` (empty: any), at most `limit`.
struct event_query {
  uint64_t since = 0;
  std::string topic_prefix;
  std::string tenant;
  uint32_t limit = 1000;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_query& x) {
  return f(caf::meta::type_name("event_query"), x.since, x.topic_prefix, x.tenant, x.limit);
}

// `gap` is true when events after `since` have already left the ring.
struct event_page {
  std::vector<event> events;
  uint64_t last_seq = 0;
  bool gap = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_page& x) {
  return f(caf::meta::type_name("event_page"), x.events, x.last_seq, x.gap);
}

bool matches(const event& e, const event_query& q);

// {"seq","time","topic","tenant"?,"data":{...}}: how every client (HTTP page, WebSocket) sees
// an event.
nlohmann::json event_to_json(const event& e);

// Sends an event to the node's bus, if it is running (events are best-effort, never durable).
void publish(caf::actor_system& sys, std::string topic, std::string tenant,
             const nlohmann::json& data);

// Spawns the bus and registers it as node::events_name. `capacity`: events kept in the ring.
caf::actor spawn_event_bus(caf::actor_system& sys, size_t capacity);

void announce_event_messages(caf::actor_system_config& cfg);

}  // namespace xyn::actors

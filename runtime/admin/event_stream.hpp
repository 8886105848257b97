#pragma once
// event_stream.hpp — GET /v1/events as a WebSocket: each matching event, one JSON message
// each, as it happens. A client that reconnects with `since` first gets what it missed from
// the bus's ring — preceded by a {"topic":"gap"} message when some of it already left the
// ring — then the live stream, with no event twice and none skipped in between.
// Each socket has its own forwarder actor: it subscribes to the bus, filters (topic prefixes,
// tenant, workflow id) and sends; a client too slow to keep up is dropped by the socket's
// bounded queue (http/websocket.hpp), which ends the forwarder.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "runtime/http/websocket.hpp"

namespace xyn::admin {

struct stream_filter {
  std::vector<std::string> topic_prefixes;  // empty: every topic
  std::string tenant;                       // empty: every tenant
  std::string workflow;                     // empty: every event; else data.workflow == it
  bool replay = false;                      // send the ring's events after `since` first
  uint64_t since = 0;
  size_t max_queued = 1024;  // messages waiting for a slow client before it is dropped
};

http::websocket_handlers event_stream(caf::actor_system& sys, stream_filter filter);

}  // namespace xyn::admin

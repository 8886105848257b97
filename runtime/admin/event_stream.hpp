#pragma once
// event_stream.hpp — GET /v1/events as a WebSocket: each matching event, one JSON message
// each, as it happens. A client that reconnects with `since` first gets what it missed from
// the bus's ring — preceded by a {"topic":"gap"} message when some of it already left the
// ring — then the live stream, with no event twice and none skipped in between.
// Each socket has its own forwarder actor: it subscribes to the bus, filters (topic prefixes,
// tenant, workflow id) and sends; a client too slow to keep up is dropped by the socket's
// bounded queue (http/websocket.hpp), which ends the forwarder. In a cluster the forwarder also
// subscribes to every other member's bus (rescanning as members come and go), so a tenant's
// workflow events reach a subscriber on any node; `since` replays this node's ring only.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "runtime/http/websocket.hpp"

namespace xyn::cluster {
class directory;
}

namespace xyn::admin {

struct stream_filter {
  std::vector<std::string> topic_prefixes;  // empty: every topic
  std::string tenant;                       // empty: every tenant
  std::string workflow;                     // empty: every event; else data.workflow == it
  bool replay = false;                      // send the ring's events after `since` first
  uint64_t since = 0;
  size_t max_queued = 1024;  // messages waiting for a slow client before it is dropped
};

// `members`: in a cluster, the stream also carries the other members' events, live, each with
// "node" (the member's address; this node's own events have it too); null on a single node.
http::websocket_handlers event_stream(caf::actor_system& sys, stream_filter filter,
                                      std::shared_ptr<cluster::directory> members = nullptr);

}  // namespace xyn::admin

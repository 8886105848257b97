#pragma once
// websocket.hpp — what a route handler gets when it upgrades a request to a WebSocket
// (reply::upgrade in message.hpp): a text channel to one client. No Beast here.
//
// A slow client never holds anything back: `send` only queues, and once more than
// `max_queued` messages wait for the socket the server closes it with 1008 and the reason
// "client too slow" — the sender learns it from send() returning false.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace xyn::http {

class websocket {
 public:
  virtual ~websocket() = default;
  // Queues one text message; any thread. False once the socket is closing or closed
  // (including when this message would have overflowed the queue: then it closes).
  virtual bool send(std::string text) = 0;
  // Starts a clean close with a status code (RFC 6455 §7.4) and reason; any thread.
  virtual void close(uint16_t code, std::string reason) = 0;
};

// What happened to a WebSocket, for whoever counts them (server_options::on_websocket).
enum class websocket_event {
  opened,        // the handshake succeeded
  closed,        // an opened socket is gone (after `dropped_slow` too)
  dropped_slow,  // closed because its queue overflowed (a client too slow to keep up)
};

// What the handler wants done with the socket. Callbacks run on the server's io threads, one at
// a time per socket; they must not block.
struct websocket_handlers {
  // The handshake succeeded. Keep the pointer to send later; dropping it is fine.
  std::function<void(std::shared_ptr<websocket>)> on_open;
  // A text message from the client.
  std::function<void(std::string)> on_message;
  // The socket is gone (either side closed it, an error, server stop). Called exactly once
  // after on_open, and never when the handshake failed.
  std::function<void()> on_close;
  size_t max_queued = 1024;
};

}  // namespace xyn::http

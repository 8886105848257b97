#pragma once
// server.hpp — the HTTP/1.1 listener of the admin port (Boost.Beast on its own io threads).
// Owns an io_context, the acceptor and its threads. Each connection is a session on its own
// strand: read one request, route it through the server's copy of the router, write the reply
// (which may come from any thread, any time later), then read the next one. Pipelined
// requests are therefore answered in order.
//
// Promises: keep-alive; Server: xynergy and Content-Length on every reply; a body over
// max_body_bytes gets 413 {"error":{"code":"too_large"}} and the connection closes; a request
// that does not parse gets 400 and the connection closes; idle connections close after
// idle_timeout; `Expect: 100-continue` is honoured. Nothing a client sends can crash it.
//
// Threads: start/stop/port from one owner thread. stop() must not be called from a handler
// (it joins the io threads). A responder called after stop() is dropped safely, even after
// the server object is gone (sessions keep the io_context alive, not the threads).
// Boost headers stay in server.cpp: this header is cheap to include.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/base/status.hpp"
#include "runtime/http/router.hpp"

namespace xyn::http {

struct server_options {
  std::string address = "127.0.0.1";   // IP address or host name to listen on
  uint16_t port = 0;                   // 0: the kernel picks a free port; see server::port()
  int threads = 2;                     // io threads; handlers run on them (values < 1 mean 1)
  size_t max_body_bytes = 1 << 20;     // larger request bodies get 413
  size_t max_header_bytes = 16 << 10;  // larger request heads get 431
  // A connection with no complete request (or reply write) within this long is closed.
  std::chrono::seconds idle_timeout{30};
  // Told about trouble the server absorbs (accept failures, exceptions on io threads).
  // Called on io threads; empty: ignored.
  std::function<void(std::string_view)> log{};
  // Told when a WebSocket opens, closes or is dropped as too slow (for metrics). Called on io
  // threads; it must not block. Empty: ignored.
  std::function<void(websocket_event)> on_websocket{};
};

namespace detail {
struct server_core;
}

class server {
 public:
  // Keeps its own copy of `routes`: later changes to the caller's router are not seen.
  server(router routes, server_options options = {});
  ~server();  // stop()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds, listens and starts the io threads. io_error naming address:port when the port
  // cannot be bound; invalid_argument for an unusable address. At most once per object.
  status start();
  // The bound port (the picked one when options.port was 0); 0 before start().
  uint16_t port() const;
  // Closes the acceptor, closes every connection (a reply still being computed is dropped),
  // and joins the io threads. Idempotent. REQUIRES: not called on an io thread.
  void stop();

  // Connections currently open, for tests that check sessions are released.
  size_t test_open_sessions() const;

 private:
  std::shared_ptr<detail::server_core> core_;
};

}  // namespace xyn::http

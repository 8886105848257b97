// WebSocket upgrades on the admin port's server: handshake through a route, messages both
// ways, a slow client dropped with 1008 while others go on, 426 without a handshake, and stop()
// closing open sockets.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/http/client.hpp"
#include "runtime/http/server.hpp"
#include "runtime/http/ws_client.hpp"

using namespace xyn::http;
using namespace std::chrono_literals;

namespace {

// Sockets a test's routes opened, to push messages from the test thread.
struct open_sockets {
  std::mutex mu;
  std::vector<std::shared_ptr<websocket>> list;
  std::atomic<int> closed{0};

  std::shared_ptr<websocket> wait_for(size_t n) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mu);
        if (list.size() >= n) return list[n - 1];
      }
      std::this_thread::sleep_for(10ms);
    }
    return nullptr;
  }
};

router ws_routes(open_sockets& sockets, size_t max_queued = 1024) {
  router r;
  // /echo answers each message with "echo: " + it.
  r.add("GET", "/echo", [&sockets, max_queued](request& req, responder respond) {
    if (!req.websocket_upgrade) return respond(error_reply(400, "invalid_argument", "no ws"));
    websocket_handlers h;
    h.max_queued = max_queued;
    auto self = std::make_shared<std::weak_ptr<websocket>>();
    h.on_open = [&sockets, self](std::shared_ptr<websocket> ws) {
      *self = ws;
      std::lock_guard lock(sockets.mu);
      sockets.list.push_back(std::move(ws));
    };
    h.on_message = [self](std::string text) {
      if (auto ws = self->lock()) ws->send("echo: " + text);
    };
    h.on_close = [&sockets] { ++sockets.closed; };
    respond(upgrade_reply(std::move(h)));
  });
  return r;
}

}  // namespace

TEST_CASE("a route upgrades to a WebSocket, messages go both ways") {
  open_sockets sockets;
  server srv(ws_routes(sockets));
  REQUIRE(srv.start().ok());
  auto c = ws_client::connect("127.0.0.1", srv.port(), "/echo");
  REQUIRE(c.ok());
  auto ws = sockets.wait_for(1);
  REQUIRE(ws);
  CHECK(ws->send("hello"));
  auto m = (*c)->read(5s);
  REQUIRE(m.ok());
  CHECK(*m == "hello");
  // Nothing more: a read times out and the socket stays usable.
  CHECK((*c)->read(100ms).error().code() == xyn::status_code::timeout);
  CHECK(ws->send("second"));
  CHECK((*c)->read(5s).value() == "second");
  ws->close(1000, "bye");
  auto end = (*c)->read(5s);
  REQUIRE(!end.ok());
  CHECK((*c)->close_code() == 1000);
  CHECK(end.error().message().find("bye") != std::string::npos);
  CHECK(!ws->send("after close"));
  for (int i = 0; i < 200 && sockets.closed == 0; ++i) std::this_thread::sleep_for(10ms);
  CHECK(sockets.closed == 1);
}

TEST_CASE("the route's handlers hear the client's messages and its close") {
  open_sockets sockets;
  server srv(ws_routes(sockets));
  REQUIRE(srv.start().ok());
  auto c = ws_client::connect("127.0.0.1", srv.port(), "/echo");
  REQUIRE(c.ok());
  REQUIRE(sockets.wait_for(1));
  REQUIRE((*c)->send("ping").ok());
  CHECK((*c)->read(5s).value() == "echo: ping");
  (*c)->close();
  for (int i = 0; i < 200 && sockets.closed == 0; ++i) std::this_thread::sleep_for(10ms);
  CHECK(sockets.closed == 1);
  for (int i = 0; i < 200 && srv.test_open_sessions() > 0; ++i) std::this_thread::sleep_for(10ms);
  CHECK(srv.test_open_sessions() == 0);
}

TEST_CASE("a client that does not read is dropped with 1008, a reading one goes on") {
  open_sockets sockets;
  server srv(ws_routes(sockets, 16));
  REQUIRE(srv.start().ok());
  // The server may open two sessions in either order: the second client connects only once
  // the server holds the first one's socket, so socket 1 is surely the slow client's.
  auto slow = ws_client::connect("127.0.0.1", srv.port(), "/echo");
  REQUIRE(slow.ok());
  auto slow_ws = sockets.wait_for(1);
  auto fast = ws_client::connect("127.0.0.1", srv.port(), "/echo");
  REQUIRE(fast.ok());
  auto fast_ws = sockets.wait_for(2);
  REQUIRE(slow_ws);
  REQUIRE(fast_ws);
  // 64 KiB messages: the kernel's buffers fill quickly, then the queue of 16 overflows.
  std::string big(64 << 10, 'x');
  bool refused = false;
  for (int i = 0; i < 2000 && !refused; ++i) refused = !slow_ws->send(big);
  CHECK(refused);
  for (int i = 0; i < 20; ++i) {
    REQUIRE(fast_ws->send("tick " + std::to_string(i)));
    CHECK((*fast)->read(5s).value() == "tick " + std::to_string(i));
  }
  // The slow client finds, after what was already on the wire, the close with its reason.
  xyn::result<std::string> m = std::string();
  for (int i = 0; i < 10000 && m.ok(); ++i) m = (*slow)->read(5s);
  REQUIRE(!m.ok());
  CHECK((*slow)->close_code() == 1008);
  CHECK(m.error().message().find("too slow") != std::string::npos);
}

TEST_CASE("a WebSocket route without a handshake is 426, stop() closes open sockets") {
  open_sockets sockets;
  router r;
  r.add("GET", "/ws",
        [](request&, responder respond) { respond(upgrade_reply(websocket_handlers{})); });
  auto routes = ws_routes(sockets);
  server srv(routes);
  REQUIRE(srv.start().ok());
  server plain(r);
  REQUIRE(plain.start().ok());
  auto no_upgrade = fetch("127.0.0.1", plain.port(), "GET", "/ws");
  REQUIRE(no_upgrade.ok());
  CHECK(no_upgrade->status == 426);
  auto c = ws_client::connect("127.0.0.1", srv.port(), "/echo");
  REQUIRE(c.ok());
  REQUIRE(sockets.wait_for(1));
  auto t0 = std::chrono::steady_clock::now();
  srv.stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK(!(*c)->read(5s).ok());
  CHECK(sockets.closed == 1);
  CHECK(srv.test_open_sessions() == 0);
}

#pragma once
// ws_client.hpp — a small blocking WebSocket client (text messages) for tests, the CLI and
// examples; not for actors (it blocks the calling thread). Plain ws:// only.
// A read that times out leaves the socket usable: the next read picks up where it left off.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "runtime/base/status.hpp"

namespace xyn::http {

class ws_client {
 public:
  // Connects and does the handshake for `target` ("/v1/events?topic=workflow."). A refused
  // handshake is an error carrying the HTTP status (401 -> unauthenticated, ...).
  static result<std::unique_ptr<ws_client>> connect(
      const std::string& host, uint16_t port, const std::string& target,
      const std::map<std::string, std::string>& headers = {},
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // The next text message. timeout when none came in time; unavailable once the server closed
  // the socket (the message names its close code and reason, see close_code()).
  result<std::string> read(std::chrono::milliseconds timeout);
  // Sends one text message (waits until it is written, at most `timeout`).
  status send(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The server's close code once it closed the socket (0 before).
  uint16_t close_code() const;
  // Sends a clean close and waits briefly for the server's answer.
  void close();

 private:
  struct impl;
  explicit ws_client(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace xyn::http

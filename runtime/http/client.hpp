#pragma once
// client.hpp — a small blocking HTTP/1.1 client for tests and the CLI (not for actors: it
// blocks the calling thread). Plain HTTP only. Failures to connect, send or read, and
// timeouts, are statuses: unavailable (cannot connect / connection lost), timeout.
// A `client` is used by one thread at a time; separate clients are independent.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "runtime/base/status.hpp"

namespace xyn::http {

struct client_reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-case; repeats joined with ", "

  // The value of header `name` (any case), or "".
  std::string header(const std::string& name) const;
};

// One keep-alive connection to host:port, opened on first use and reopened when the server
// closed it between requests.
class client {
 public:
  client(std::string host, uint16_t port);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // Sends one request and waits for its reply, at most `timeout` for the whole exchange.
  // Sets Host, Content-Length and, for a non-empty body without one, Content-Type:
  // application/json. After a timeout or error the connection is closed.
  result<client_reply> send(std::string method, std::string target, std::string body = {},
                            std::map<std::string, std::string> headers = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Connections opened so far (tests: whether keep-alive reused one).
  int connections_opened() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// One request on a fresh connection, closed afterwards.
result<client_reply> fetch(std::string host, uint16_t port, std::string method, std::string target,
                           std::string body = {}, std::map<std::string, std::string> headers = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace xyn::http

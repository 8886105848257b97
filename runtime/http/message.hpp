#pragma once
// message.hpp — the request a handler reads and the reply it gives back, plus the one place
// that turns an error into an HTTP reply (`http_status_of`, `error_reply`).
// Plain values: no sockets, no Beast, no CAF. Requests are built by the server (or by a test
// through `make_request`); replies are built by handlers on any thread.
// Every error body has one shape: {"error": {"code": "<status_code name>", "message": "..."}}.

#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/base/status.hpp"
#include "runtime/http/websocket.hpp"

namespace xyn::http {

class router;

struct request {
  std::string method;  // as sent, e.g. "GET"; compared case-sensitively (RFC 9110)
  std::string target;  // as sent, e.g. "/v1/services/a%20b?limit=5"
  std::string path;    // the target up to '?', NOT percent-decoded (captures are decoded)
  std::map<std::string, std::string> query;    // percent-decoded, '+' is a space; first wins
  std::map<std::string, std::string> headers;  // names lower-case; repeats joined with ", "
  std::string body;
  std::map<std::string, std::string> params;    // route captures: "{name}" -> params["name"]
  std::map<std::string, std::string> identity;  // who is calling, set by the authenticator
  bool websocket_upgrade = false;  // a WebSocket handshake (GET with Upgrade: websocket)
  // The router that dispatched this request, so a handler can describe the table it is part
  // of (the OpenAPI document). Set before the handler runs; valid during that call (the
  // server's copy of the router may be gone by the time a late answer is sent).
  const router* routed_by = nullptr;

  // The value of header `name` (any case), or "" when absent.
  std::string header(std::string_view name) const;
};

struct reply {
  int status = 200;
  std::string content_type = "application/json";  // empty: no Content-Type header
  std::string body;
  // Extra headers. The server sets Server, Content-Type and Content-Length itself; a header
  // whose name or value holds CR or LF is dropped (no header injection).
  std::vector<std::pair<std::string, std::string>> headers;
  // Set by upgrade_reply: the server completes the WebSocket handshake instead of sending
  // this reply, then hands the socket to these handlers.
  std::shared_ptr<websocket_handlers> upgrade;
};

// Accepts a WebSocket handshake (only valid when req.websocket_upgrade; otherwise the server
// answers 426 Upgrade Required).
reply upgrade_reply(websocket_handlers handlers);

// Builds a request as the server does: splits `target` into path and decoded query, lower-cases
// header names. For tests and for callers that route without a socket.
request make_request(std::string method, std::string target, std::string body = {},
                     std::map<std::string, std::string> headers = {});

// Decodes %XX escapes; with `plus_is_space` also '+' (query strings). A malformed escape is
// kept literally rather than refused: the router never fails on a strange byte.
std::string percent_decode(std::string_view in, bool plus_is_space = false);

// The body parsed as JSON; invalid_argument naming the parse error when it is not JSON.
result<nlohmann::json> json_body(const request& req);

// `value` serialized as the body. Never throws: invalid UTF-8 in strings is replaced.
reply json_reply(int status, const nlohmann::json& value);
// {"error": {"code": code, "message": message}} with the given HTTP status.
reply error_reply(int status, std::string_view code, std::string_view message);

// The one mapping from xyn::status codes to HTTP status codes (ok -> 200, not_found -> 404,
// internal -> 500, ...); see message.cpp for the table.
int http_status_of(status_code code);
// error_reply(http_status_of(s.code()), to_string(s.code()), s.message()).
// REQUIRES: !s.ok() (an ok status gives a 200 with an "ok" error body, which is useless).
reply error_reply(const status& s);

}  // namespace xyn::http

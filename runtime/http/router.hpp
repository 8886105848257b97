#pragma once
// router.hpp — the admin port's route table: (method, path pattern) -> handler.
// Lookup order (Seastar's routes.hh): exact paths first, then patterns in insertion order.
// A path no route knows is a 404; a path some route knows under other methods is a 405 with
// an Allow header. Every answer the router makes itself is a JSON error (message.hpp).
//
// Threads: fill the table (add, set_authenticator) before serving; after that `handle` is
// const and may run on many threads at once, so handlers must be thread-safe. The server
// keeps its own copy of the router. No sockets here: tests call `handle` directly.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/status.hpp"
#include "runtime/http/message.hpp"

namespace xyn::http {

// Delivers the reply. Call it exactly once, from any thread, at any later time (an actor may
// answer on its own thread long after the handler returned). The router guards it: a second
// call is ignored, and if every copy is destroyed without a call the client gets a 500.
using responder = std::function<void(reply)>;

// A handler reads `req` and calls `respond`. It runs on a server io thread: it must not block
// (ask an actor and answer from its callback). `req` stays valid until the reply is written,
// but a handler that answers later should copy what it needs. An exception thrown before
// answering becomes a 500 JSON error.
using handler = std::function<void(request& req, responder respond)>;

// Adapts a synchronous function so a route that needs no actor is one line.
handler sync_handler(std::function<reply(request&)> fn);

// A query parameter a handler reads, for the API description (the router does not check it).
struct query_param {
  std::string name;
  std::string type = "string";  // JSON Schema type: "string", "integer", "boolean"
  std::string description{};
};

// How a route is guarded and described. Only `auth` changes routing; the rest feeds the
// OpenAPI document (runtime/admin/openapi.hpp), so a route without it is still listed.
struct route_options {
  bool auth = true;       // run the authenticator before the handler
  std::string summary{};  // one line for the route listing / OpenAPI document
  std::vector<query_param> query{};
  // JSON Schema (as JSON text) of the request body; empty: the route reads no body. Checked
  // to be JSON at add().
  std::string body_schema{};
  bool body_required = true;  // with a body_schema: whether the body may be left out
  int success_status = 200;   // the status of a successful answer
  std::string success_description{};
  std::string success_type = "application/json";  // content type of a successful answer
};

// One row of the table as registered, for listings and OpenAPI generation.
struct route_info : route_options {
  std::string method;
  std::string pattern;
};

// What the observer (set_observer) learns about one answered request.
struct request_outcome {
  std::string method;
  std::string pattern;  // the matched route's pattern; empty when none matched (404, 405)
  int status = 0;
  std::chrono::nanoseconds duration{};  // from routing to the answer (the write not included)
};

class router {
 public:
  router();
  ~router();
  router(const router&);
  router& operator=(const router&);
  router(router&&) noexcept;
  router& operator=(router&&) noexcept;

  // Registers `h` for `method` on `pattern`: a path starting with '/' whose segments are
  // literals or whole-segment captures "{name}" (name: letters, digits, '_'). A capture
  // matches one non-empty segment and arrives percent-decoded in req.params[name].
  // Throws std::invalid_argument for a malformed pattern or a duplicate (method, pattern):
  // that is a wiring bug, found at startup.
  void add(std::string method, std::string pattern, handler h, route_options opts = {});

  // Called before every handler of a route with auth = true. A non-ok status refuses the
  // request with error_reply(status): unauthenticated -> 401, permission_denied -> 403.
  // It may record the caller in req.identity for the handler. Without an authenticator,
  // auth routes are open (the admin layer decides whether keys are required).
  void set_authenticator(std::function<status(request&)> authenticator);

  // Called once per request as it is answered (on the answering thread), with the matched
  // route's pattern rather than the raw path, so what it records has bounded cardinality.
  // For metrics; empty (the default) costs nothing.
  void set_observer(std::function<void(const request_outcome&)> observer);

  // Routes `req` and answers through `respond` exactly once (see `responder`).
  void handle(request& req, responder respond) const;

  // Every route in registration order.
  std::vector<route_info> routes() const;

 private:
  struct table;
  std::unique_ptr<table> table_;
};

}  // namespace xyn::http

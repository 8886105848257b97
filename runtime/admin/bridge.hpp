#pragma once
// bridge.hpp — how admin route handlers reach actors without blocking an HTTP thread: each call
// runs in a short-lived actor that finishes the reply in its response handler, on CAF's
// threads. Plus the body and query helpers every route uses. Internal to runtime/admin.

#include <chrono>
#include <optional>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "runtime/http/message.hpp"
#include "runtime/http/router.hpp"
#include "runtime/node/names.hpp"

namespace xyn::admin {

using json = nlohmann::json;
using http::reply;
using http::request;
using http::responder;

constexpr auto ask_timeout = std::chrono::seconds(10);

// Turns an actor's error into the HTTP error a client should see: mesh errors and xyn statuses
// keep their meaning (404, 400, 409, ...), a timeout is 504, anything else 503.
reply error_from(caf::actor_system& sys, const caf::error& err);

// Runs `fn(self)` in a short-lived actor that ends when its requests are answered. The unused
// int works around CAF 0.17 dereferencing a null argument tuple for function actors that take
// no arguments (UBSan reports it).
template <class F>
void spawn_bridge(caf::actor_system& sys, F fn) {
  sys.spawn([fn](caf::event_based_actor* self, int) { fn(self); }, 0);
}

// Sends `args` to the actor registered as `name` and answers with `on_reply(Reply&)`. Runs in
// a short-lived actor so no HTTP thread waits on CAF.
template <class Reply, class OnReply, class... Args>
void ask(caf::actor_system& sys, caf::atom_value name, responder respond, OnReply on_reply,
         Args... args) {
  spawn_bridge(sys, [=, &sys](caf::event_based_actor* self) {
    auto target = node::lookup(sys, name);
    if (!target) {
      respond(http::error_reply(503, "unavailable", "the node is starting or stopping"));
      return;
    }
    self->request(target, ask_timeout, args...)
        .then([=](Reply& r) { respond(on_reply(r)); },
              [=, &sys](caf::error& err) { respond(error_from(sys, err)); });
  });
}

// The body as a JSON object, or nullopt after answering the 400 that explains why not.
std::optional<json> object_body(const request& req, const responder& respond);

// Checks that `field`, when present, has the JSON type `want` ("string", "object", "integer");
// answers the 400 and returns false when not (or when a required field is missing).
bool typed(const json& body, const char* field, const char* want, bool required,
           const responder& respond);

// The query parameter `name` as a number, or `fallback` when absent or malformed.
uint64_t query_number(const request& req, const char* name, uint64_t fallback);

}  // namespace xyn::admin

#include "runtime/admin/bridge.hpp"

#include "runtime/mesh/mesh.hpp"
#include "runtime/store/messages.hpp"

namespace xyn::admin {

// Turns an actor's error into the HTTP error a client should see.
reply error_from(caf::actor_system& sys, const caf::error& err) {
  std::string msg;
  if (!err.context().empty() && err.context().match_elements<std::string>())
    msg = err.context().get_as<std::string>(0);
  else
    msg = sys.render(err);
  if (auto code = mesh::mesh_error_code(err)) {
    switch (*code) {
      case mesh::mesh_errc::unknown_service:
        return http::error_reply(404, "not_found", msg);
      case mesh::mesh_errc::not_running:
        return http::error_reply(503, "unavailable", msg);
      case mesh::mesh_errc::invalid_fault:
        return http::error_reply(400, "invalid_argument", msg);
    }
  }
  if (err.category() == caf::atom("xyn")) return http::error_reply(store::to_status(err));
  if (err == caf::sec::request_timeout)
    return http::error_reply(504, "timeout", "the node did not answer in time");
  return http::error_reply(503, "unavailable", msg);
}

std::optional<json> object_body(const request& req, const responder& respond) {
  auto body = http::json_body(req);
  if (!body) {
    respond(http::error_reply(body.error()));
    return std::nullopt;
  }
  if (!body->is_object()) {
    respond(http::error_reply(400, "invalid_argument", "the body must be a JSON object"));
    return std::nullopt;
  }
  return *body;
}

// Checks that `field`, when present, has the JSON type `want` ("string", "object", "integer").
bool typed(const json& body, const char* field, const char* want, bool required,
           const responder& respond) {
  auto it = body.find(field);
  if (it == body.end()) {
    if (required)
      respond(http::error_reply(400, "invalid_argument",
                                std::string("field '") + field + "' is required"));
    return !required;
  }
  bool ok = (std::string_view(want) == "string" && it->is_string()) ||
            (std::string_view(want) == "object" && it->is_object()) ||
            (std::string_view(want) == "integer" && it->is_number_integer());
  if (!ok)
    respond(http::error_reply(400, "invalid_argument",
                              std::string("field '") + field + "' must be " +
                                  (want[0] == 'i' || want[0] == 'o' ? "an " : "a ") + want));
  return ok;
}

uint64_t query_number(const request& req, const char* name, uint64_t fallback) {
  auto it = req.query.find(name);
  if (it == req.query.end()) return fallback;
  try {
    return std::stoull(it->second);
  } catch (...) {
    return fallback;
  }
}

}  // namespace xyn::admin

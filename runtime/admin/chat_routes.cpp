// POST /v1/chat: one turn of a conversation with the ai-assistant. The service understands the
// turn and keeps the conversation (durably, per tenant); this route performs what the turn
// asks of the runtime — starting the planned workflow under the id the turn chose, or
// cancelling one — and answers the service's reply, corrected if the act failed.
#include "actors/workflow/messages.hpp"
#include "runtime/admin/bridge.hpp"
#include "runtime/admin/routes.hpp"
#include "runtime/mesh/messages.hpp"
#include "runtime/store/messages.hpp"

namespace xyn::admin {

namespace {

constexpr auto chat_timeout = std::chrono::seconds(30);

// Performs the turn's act with the workflow manager, then answers the turn.
void perform(caf::event_based_actor* self, caf::actor_system& sys, const std::string& tenant,
             json turn, const responder& respond) {
  auto act = turn.value("act", json::object());
  turn.erase("act");
  auto kind = act.value("kind", "");
  if (kind != "start" && kind != "cancel") return respond(http::json_reply(200, turn));
  auto manager = node::lookup(sys, node::workflows_name);
  if (!manager) return respond(http::error_reply(503, "unavailable", "the node is stopping"));
  auto failed = [=](caf::error& err) mutable {
    auto st = store::to_status(err);
    turn["reply"] =
        (kind == "start" ? "I couldn't start it: " : "I couldn't cancel it: ") + st.message();
    if (kind == "start") turn["workflow_id"] = nullptr;
    respond(http::json_reply(200, turn));
  };
  auto done = [=](workflow::submit_reply&) { respond(http::json_reply(200, turn)); };
  if (kind == "start") {
    workflow::submit_request sr;
    sr.id = act.value("id", "");
    sr.tenant = tenant;
    sr.template_name = act.value("template", "");
    sr.input_json = act.value("input", json::object()).dump();
    self->request(manager, chat_timeout, workflow::submit_atom::value, sr).then(done, failed);
  } else {
    self->request(manager, chat_timeout, workflow::cancel_atom::value,
                  act.value("id", std::string()), std::string("cancelled in conversation"))
        .then(done, failed);
  }
}

}  // namespace

void add_chat_routes(http::router& router, const route_context& ctx) {
  auto& sys = *ctx.system;
  router.add(
      "POST", "/v1/chat",
      [&sys](request& req, responder respond) {
        auto body = object_body(req, respond);
        if (!body) return;
        if (!typed(*body, "conversation", "string", true, respond) ||
            !typed(*body, "text", "string", true, respond) ||
            !typed(*body, "tenant", "string", false, respond) ||
            !typed(*body, "confirm_first", "boolean", false, respond))
          return;
        mesh::step_request sr;
        sr.action = "chat";
        json params = {{"conversation", (*body)["conversation"]}, {"text", (*body)["text"]}};
        if (body->contains("confirm_first")) params["confirm_first"] = (*body)["confirm_first"];
        sr.params = params.dump();
        sr.tenant = body->value("tenant", "default");
        auto tenant = sr.tenant;
        spawn_bridge(sys, [=, &sys](caf::event_based_actor* self) {
          auto mesh = node::lookup(sys, node::mesh_name);
          if (!mesh)
            return respond(
                http::error_reply(503, "unavailable", "the node is starting or stopping"));
          self->request(mesh, chat_timeout, mesh::execute_atom::value, std::string("ai-assistant"),
                        sr)
              .then(
                  [=, &sys](mesh::step_response& r) {
                    if (r.status != mesh::step_status::ok) {
                      int code = r.error_code == "invalid_params" ? 400 : 503;
                      return respond(http::error_reply(
                          code,
                          r.error_code == "invalid_params" ? "invalid_argument" : r.error_code,
                          r.error_message));
                    }
                    auto turn = json::parse(r.output, nullptr, false);
                    if (turn.is_discarded())
                      return respond(
                          http::error_reply(500, "internal", "the assistant's answer is not JSON"));
                    perform(self, sys, tenant, std::move(turn), respond);
                  },
                  [=, &sys](caf::error& err) { respond(error_from(sys, err)); });
        });
      },
      {.summary = "One turn of a conversation with the assistant: it understands the request, "
                  "keeps the context, and starts or cancels workflows",
       .body_schema = R"json({"type": "object", "required": ["conversation", "text"],
         "properties": {
           "conversation": {"type": "string", "description": "1-128 of [A-Za-z0-9_.:-]"},
           "text": {"type": "string"},
           "tenant": {"type": "string", "default": "default"},
           "confirm_first": {"type": "boolean",
                             "description": "ask before starting (default: the tenant's setting)"}}})json",
       .success_description = "{reply, intent, template, params, missing, workflow_id, "
                              "confidence, conversation}"});
}

}  // namespace xyn::admin

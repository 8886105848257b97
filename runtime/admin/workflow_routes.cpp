// The workflow API of the admin port: submit, look up, list, cancel, signal, history, templates.
// Reads (a run, its history, the list) come straight from LMDB on the HTTP thread — the
// journal is written before a workflow acts, so they never show what has not happened. In a
// cluster a run or its history is read on the owner of the run's shard: this node's copy is
// used when it is the owner, else the workflow manager asks the owner (or every member, for a
// run this node has no copy of). A list gathers every member's runs (run_list.hpp).
// Writes go to the workflow manager through a bridge actor.
#include "actors/workflow/library.hpp"
#include "actors/workflow/messages.hpp"
#include "actors/workflow/view.hpp"
#include "runtime/admin/bridge.hpp"
#include "runtime/admin/routes.hpp"
#include "runtime/cluster/directory.hpp"
#include "runtime/store/lmdb_env.hpp"

namespace xyn::admin {

namespace {

constexpr auto workflow_timeout = std::chrono::seconds(60);

json reply_json(const workflow::submit_reply& r) {
  return {{"id", r.id}, {"status", r.status}};
}

// Sends `args` to the workflow manager; answers `code` with {"id","status"} on success.
template <class... Args>
void to_manager(caf::actor_system& sys, responder respond, int code_new, int code_existing,
                Args... args) {
  spawn_bridge(sys, [=, &sys](caf::event_based_actor* self) {
    auto m = node::lookup(sys, node::workflows_name);
    if (!m)
      return respond(http::error_reply(503, "unavailable", "the node is starting or stopping"));
    self->request(m, workflow_timeout, args...)
        .then(
            [=](workflow::submit_reply& r) {
              respond(http::json_reply(r.created ? code_new : code_existing, reply_json(r)));
            },
            [=, &sys](caf::error& err) { respond(error_from(sys, err)); });
  });
}

// Asks the workflow manager for a JSON document (`args`) and answers 200 with it.
template <class... Args>
void read_through_manager(caf::actor_system& sys, responder respond, Args... args) {
  spawn_bridge(sys, [=, &sys](caf::event_based_actor* self) {
    auto m = node::lookup(sys, node::workflows_name);
    if (!m)
      return respond(http::error_reply(503, "unavailable", "the node is starting or stopping"));
    self->request(m, workflow_timeout, args...)
        .then([=](std::string& doc) { respond(http::json_reply(200, json::parse(doc))); },
              [=, &sys](caf::error& err) { respond(error_from(sys, err)); });
  });
}

// Answers run `id` ("run") or its journal ("history"), from here or from the run's owner.
void read_run(caf::actor_system& sys, const store::lmdb_env& env,
              const std::shared_ptr<cluster::directory>& members, const std::string& id,
              const std::string& what, const responder& respond) {
  bool clustered = members && members->has_map();
  if (!clustered || what == "run") {
    auto local = what == "history" ? workflow::history_json(env, id) : workflow::run_json(env, id);
    if (!clustered)
      return respond(local ? http::json_reply(200, *local) : http::error_reply(local.error()));
    if (local && members->route((*local)["tenant"].get<std::string>()).here)
      return respond(http::json_reply(200, *local));
  }
  read_through_manager(sys, respond, workflow::wf_read_atom::value, id, what, true);
}

}  // namespace

void add_workflow_routes(http::router& router, const route_context& ctx) {
  auto& sys = *ctx.system;
  auto env = ctx.env;
  auto lib = ctx.workflows;

  router.add(
      "POST", "/v1/workflows",
      [&sys](request& req, responder respond) {
        auto body = object_body(req, respond);
        if (!body) return;
        if (!typed(*body, "template", "string", false, respond) ||
            !typed(*body, "definition", "object", false, respond) ||
            !typed(*body, "input", "object", false, respond) ||
            !typed(*body, "id", "string", false, respond) ||
            !typed(*body, "tenant", "string", false, respond))
          return;
        bool has_template = body->contains("template");
        if (has_template == body->contains("definition"))
          return respond(http::error_reply(400, "invalid_argument",
                                           "give exactly one of 'template' and 'definition'"));
        workflow::submit_request sr;
        sr.id = body->value("id", "");
        sr.tenant = body->value("tenant", "default");
        if (has_template)
          sr.template_name = (*body)["template"];
        else
          sr.definition_json = (*body)["definition"].dump();
        sr.input_json = body->value("input", json::object()).dump();
        to_manager(sys, respond, 201, 200, workflow::submit_atom::value, sr);
      },
      {.summary = "Start a workflow from a template or a definition; an optional id makes it "
                  "idempotent",
       .body_schema = R"json({"type": "object", "properties": {
           "template": {"type": "string", "description": "a template name (GET /v1/templates)"},
           "definition": {"type": "object", "description": "a workflow definition"},
           "input": {"type": "object"},
           "id": {"type": "string", "description": "run id; resubmitting it answers the run"},
           "tenant": {"type": "string", "default": "default"}},
         "oneOf": [{"required": ["template"]}, {"required": ["definition"]}]})json",
       .success_status = 201,
       .success_description = "{\"id\", \"status\"} once the start is durable; 200 when "
                              "a run with this id already exists"});

  auto members = ctx.members;
  router.add("GET", "/v1/workflows",
             [&sys, env, members](request& req, responder respond) {
               workflow::list_query q;
               q.limit = query_number(req, "limit", 50);
               if (auto it = req.query.find("status"); it != req.query.end()) q.status = it->second;
               if (auto it = req.query.find("template"); it != req.query.end())
                 q.template_name = it->second;
               if (auto it = req.query.find("tenant"); it != req.query.end()) q.tenant = it->second;
               if (auto it = req.query.find("cursor"); it != req.query.end()) q.cursor = it->second;
               if (members && members->has_map())
                 return read_through_manager(sys, respond, workflow::wf_list_atom::value,
                                             workflow::to_json(q).dump());
               auto page = workflow::list_json(*env, q);
               respond(page ? http::json_reply(200, *page) : http::error_reply(page.error()));
             },
             {.summary = "Runs, newest first; ?status= ?template= ?tenant= ?limit= ?cursor=",
              .query = {{"status", "string", "only runs in this status"},
                        {"template", "string", "only runs of this template"},
                        {"tenant", "string", "only this tenant's runs"},
                        {"limit", "integer", "page size (default 50)"},
                        {"cursor", "string", "next_cursor of the previous page"}},
              .success_description = "{\"workflows\": [{id, tenant, template, name, status, "
                                     "created_at, finished_at}], \"next_cursor\"}; in a "
                                     "cluster, the runs of every member"});

  router.add("GET", "/v1/workflows/{id}",
             [&sys, env, members](request& req, responder respond) {
               read_run(sys, *env, members, req.params["id"], "run", respond);
             },
             {.summary = "One run with its steps, output and error",
              .success_description = "{id, tenant, template, name, status, steps, input, output, "
                                     "error, created_at, finished_at, parent}"});

  router.add("GET", "/v1/workflows/{id}/history",
             [&sys, env, members](request& req, responder respond) {
               read_run(sys, *env, members, req.params["id"], "history", respond);
             },
             {.summary = "The run's journal: every event in order",
              .success_description = "{\"id\", \"events\": [{seq, time, kind, step, ...}]}"});

  router.add("POST", "/v1/workflows/{id}/cancel",
             [&sys](request& req, responder respond) {
               std::string reason = "cancelled by request";
               if (!req.body.empty()) {
                 auto body = object_body(req, respond);
                 if (!body) return;
                 if (!typed(*body, "reason", "string", false, respond)) return;
                 reason = body->value("reason", reason);
               }
               to_manager(sys, respond, 200, 200, workflow::cancel_atom::value, req.params["id"],
                          reason);
             },
             {.summary = "Cancel a run: running steps are abandoned, completed ones compensated",
              .body_schema = R"({"type": "object", "properties": {"reason": {"type": "string"}}})",
              .body_required = false,
              .success_description = "{\"id\", \"status\"}"});

  router.add("POST", "/v1/workflows/{id}/signal",
             [&sys](request& req, responder respond) {
               auto body = object_body(req, respond);
               if (!body) return;
               if (!typed(*body, "name", "string", true, respond)) return;
               std::string payload = body->contains("payload") ? (*body)["payload"].dump() : "null";
               to_manager(sys, respond, 200, 200, workflow::signal_atom::value, req.params["id"],
                          (*body)["name"].get<std::string>(), payload);
             },
             {.summary = "Send a signal (e.g. an approval) to a run",
              .body_schema = R"({"type": "object", "required": ["name"], "properties": {
                  "name": {"type": "string"},
                  "payload": {"description": "any JSON value handed to the waiting step"}}})",
              .success_description = "{\"id\", \"status\"}"});

  router.add("GET", "/v1/templates", http::sync_handler([lib](request&) {
               return http::json_reply(200, {{"templates", lib->describe()}});
             }),
             {.summary = "The workflow templates with their inputs",
              .success_description = "{\"templates\": [...]}"});

  router.add("GET", "/v1/templates/{name}", http::sync_handler([lib](request& req) {
               const auto* t = lib->find_template(req.params["name"]);
               if (!t)
                 return http::error_reply(404, "not_found",
                                          "no template '" + req.params["name"] + "'");
               return http::json_reply(200, *t);
             }),
             {.summary = "One template's definition",
              .success_description = "The template's workflow definition"});
}

}  // namespace xyn::admin

#include "runtime/admin/routes.hpp"

#include "runtime/admin/bridge.hpp"
#include "runtime/admin/event_stream.hpp"
#include "runtime/admin/openapi.hpp"
#include "runtime/admin/web_routes.hpp"
#include "runtime/cluster/directory.hpp"

#include <chrono>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/event.hpp"
#include "runtime/http/message.hpp"
#include "runtime/http/router.hpp"
#include "runtime/mesh/catalog.hpp"
#include "runtime/mesh/mesh.hpp"
#include "runtime/mesh/messages.hpp"
#include "runtime/node/names.hpp"

namespace xyn::admin {

namespace {

using json = nlohmann::json;
using http::reply;
using http::request;
using http::responder;

json to_json(const mesh::service_info& i) {
  json j = {{"name", i.name},
            {"status", i.status},
            {"restarts", i.restarts},
            {"actions", i.actions},
            {"depends_on", i.dependencies}};
  if (!i.last_error.empty()) j["last_error"] = i.last_error;
  if (i.status == "up") j["up_since"] = i.up_since_ms;
  if (i.status == "failed") j["next_restart_at"] = i.next_restart_ms;
  return j;
}

json to_json(const mesh::step_response& r) {
  auto output = json::parse(r.output, nullptr, false);
  json j = {{"status", mesh::to_string(r.status)},
            {"output", output.is_discarded() ? json(r.output) : output},
            {"service", r.service},
            {"duration_us", r.duration_us}};
  if (r.status == mesh::step_status::ok)
    j["error"] = nullptr;
  else
    j["error"] = {{"code", r.error_code}, {"message", r.error_message}};
  return j;
}

// GET /v1/events's filters, as the WebSocket applies them.
stream_filter stream_filter_of(const request& req) {
  stream_filter f;
  if (auto it = req.query.find("topic"); it != req.query.end()) {
    size_t b = 0;
    while (b <= it->second.size()) {
      auto e = it->second.find(',', b);
      if (e == std::string::npos) e = it->second.size();
      if (e > b) f.topic_prefixes.push_back(it->second.substr(b, e - b));
      b = e + 1;
    }
  }
  if (auto it = req.query.find("tenant"); it != req.query.end()) f.tenant = it->second;
  if (auto it = req.query.find("workflow"); it != req.query.end()) f.workflow = it->second;
  if (req.query.count("since")) {
    f.replay = true;
    f.since = query_number(req, "since", 0);
  }
  return f;
}

}  // namespace

void add_routes(http::router& router, const route_context& ctx) {
  auto& sys = *ctx.system;
  auto key = ctx.key;
  // Browsers cannot set headers on a WebSocket, so a handshake may carry the key as ?key=
  // instead. Only there: keys in URLs end up in logs and histories.
  router.set_authenticator([key](request& req) {
    auto header = req.header("authorization");
    if (header.empty() && req.websocket_upgrade) {
      if (auto it = req.query.find("key"); it != req.query.end()) {
        if (key.matches(it->second)) return status{};
        return status{status_code::unauthenticated, "invalid API key"};
      }
    }
    return key.check_bearer(header);
  });

  auto node_name = ctx.node_name;
  router.add("GET", "/health", http::sync_handler([node_name](request&) {
               return http::json_reply(200, {{"status", "ok"}, {"node", node_name}});
             }),
             {.auth = false,
              .summary = "Liveness: the node process answers",
              .success_description = "{\"status\": \"ok\", \"node\": name}"});

  router.add(
      "GET", "/ready",
      [&sys](request&, responder respond) {
        ask<std::vector<mesh::service_info>>(
            sys, node::mesh_name, respond,
            [](std::vector<mesh::service_info>& list) {
              json not_up = json::array();
              for (const auto& i : list)
                if (i.status != "up" && i.status != "disabled") not_up.push_back(i.name);
              return http::json_reply(not_up.empty() ? 200 : 503,
                                      {{"ready", not_up.empty()}, {"not_up", not_up}});
            },
            mesh::list_atom::value);
      },
      {.auth = false,
       .summary = "Readiness: every service is up",
       .success_description = "{\"ready\": true, \"not_up\": []}; 503 with the services not up"});

  router.add("GET", "/v1/services",
             [&sys](request&, responder respond) {
               ask<std::vector<mesh::service_info>>(
                   sys, node::mesh_name, respond,
                   [](std::vector<mesh::service_info>& list) {
                     json out = json::array();
                     for (const auto& i : list) out.push_back(to_json(i));
                     return http::json_reply(200, {{"services", out}});
                   },
                   mesh::list_atom::value);
             },
             {.summary = "Every service with its status, restarts and actions",
              .success_description =
                  "{\"services\": [{name, status, restarts, actions, depends_on, last_error}]}"});

  auto cat = ctx.catalog;
  router.add(
      "GET", "/v1/cluster/members", http::sync_handler([members = ctx.members](request&) {
        return http::json_reply(200, members->to_json());
      }),
      {.summary = "The cluster's members as this node sees them",
       .success_description = "{\"members\": [{\"name\", \"address\", \"status\", \"incarnation\", "
                              "\"self\", \"services\"}], \"self\": address}"});

  router.add(
      "GET", "/v1/cluster/shards", http::sync_handler([members = ctx.members](request& req) {
        auto map = members->shards_json();
        auto it = req.query.find("tenant");
        if (it == req.query.end()) return http::json_reply(200, map);
        if (map["shards"].empty())
          return http::error_reply(503, "unavailable", "this node follows no shard map yet");
        auto shard = cluster::shard_of(it->second, map["count"].get<uint32_t>());
        const auto& a = map["shards"][shard];
        return http::json_reply(200, {{"tenant", it->second},
                                      {"version", map["version"]},
                                      {"shard", shard},
                                      {"owner", a["owner"]},
                                      {"backup", a["backup"]},
                                      {"epoch", a["epoch"]}});
      }),
      {.summary = "The shard map this node follows: owner, backup and epoch per shard; with "
                  "?tenant=T only T's shard",
       .success_description = "{\"version\", \"leader\", \"count\", \"lease_ms\", \"shards\": "
                              "[{\"shard\", \"owner\", \"backup\", \"epoch\", \"serving\"}]}"});

  router.add("GET", "/v1/services/graph", http::sync_handler([cat](request&) {
               json nodes = json::array(), edges = json::array();
               for (const auto& s : cat->services) {
                 nodes.push_back(s.name);
                 for (const auto& d : s.depends_on) edges.push_back({{"from", s.name}, {"to", d}});
               }
               return http::json_reply(200, {{"nodes", nodes}, {"edges", edges}});
             }),
             {.summary = "The service dependency graph from the catalog",
              .success_description = "{\"nodes\": [names], \"edges\": [{from, to}]}"});

  router.add("GET", "/v1/services/{name}",
             [&sys](request& req, responder respond) {
               auto name = req.params["name"];
               spawn_bridge(sys, [=, &sys](caf::event_based_actor* self) {
                 auto m = node::lookup(sys, node::mesh_name);
                 if (!m)
                   return respond(
                       http::error_reply(503, "unavailable", "the node is starting or stopping"));
                 self->request(m, ask_timeout, mesh::info_atom::value, name)
                     .then(
                         [=, &sys](mesh::service_info& info) {
                           auto j = to_json(info);
                           if (info.status != "up") return respond(http::json_reply(200, j));
                           self->request(m, ask_timeout, mesh::health_atom::value, name)
                               .then(
                                   [=](mesh::health_report& h) mutable {
                                     j["health"] = {
                                         {"status", h.status},     {"uptime_ms", h.uptime_ms},
                                         {"executes", h.executes}, {"errors", h.errors},
                                         {"mailbox", h.mailbox},   {"last_error", h.last_error}};
                                     respond(http::json_reply(200, j));
                                   },
                                   [=](caf::error&) { respond(http::json_reply(200, j)); });
                         },
                         [=, &sys](caf::error& err) { respond(error_from(sys, err)); });
               });
             },
             {.summary = "One service with its health detail",
              .success_description = "The service as listed, plus `health` when it is up"});

  router.add("POST", "/v1/services/{name}/execute",
             [&sys](request& req, responder respond) {
               auto body = object_body(req, respond);
               if (!body) return;
               if (!typed(*body, "action", "string", true, respond) ||
                   !typed(*body, "params", "object", false, respond) ||
                   !typed(*body, "idempotency_key", "string", false, respond) ||
                   !typed(*body, "tenant", "string", false, respond) ||
                   !typed(*body, "deadline_ms", "integer", false, respond))
                 return;
               mesh::step_request sr;
               sr.action = (*body)["action"];
               sr.params = body->value("params", json::object()).dump();
               sr.idempotency_key = body->value("idempotency_key", "");
               sr.tenant = body->value("tenant", "default");
               sr.deadline_ms = body->value("deadline_ms", int64_t{0});
               auto name = req.params["name"];
               ask<mesh::step_response>(
                   sys, node::mesh_name, respond,
                   [](mesh::step_response& r) {
                     int code = r.error_code == "unknown_service" ? 404 : 200;
                     if (code == 404) return http::error_reply(404, "not_found", r.error_message);
                     return http::json_reply(200, to_json(r));
                   },
                   mesh::execute_atom::value, name, sr);
             },
             {.summary = "Run one action of a service; the standard step response",
              .body_schema = R"({"type": "object", "required": ["action"], "properties": {
                  "action": {"type": "string"},
                  "params": {"type": "object"},
                  "idempotency_key": {"type": "string"},
                  "tenant": {"type": "string", "default": "default"},
                  "deadline_ms": {"type": "integer"}}})",
              .success_description = "{status: ok|error|retryable, output, error, service, "
                                     "duration_us}"});

  router.add("POST", "/v1/faults",
             [&sys](request& req, responder respond) {
               auto body = object_body(req, respond);
               if (!body) return;
               if (!typed(*body, "service", "string", true, respond) ||
                   !typed(*body, "kind", "string", true, respond) ||
                   !typed(*body, "count", "integer", false, respond) ||
                   !typed(*body, "latency_ms", "integer", false, respond))
                 return;
               mesh::fault_spec f;
               f.service = (*body)["service"];
               f.kind = (*body)["kind"];
               f.count = body->value("count", 1);
               f.latency_ms = body->value("latency_ms", 0);
               auto echo = *body;
               ask<caf::ok_atom>(
                   sys, node::mesh_name, respond,
                   [echo](caf::ok_atom) {
                     return http::json_reply(201, {{"fault", echo}});
                   },
                   mesh::fault_atom::value, f);
             },
             {.summary = "Inject a fault into a service (crash, error, latency)",
              .body_schema = R"({"type": "object", "required": ["service", "kind"], "properties": {
                  "service": {"type": "string"},
                  "kind": {"type": "string", "enum": ["crash", "error", "latency"]},
                  "count": {"type": "integer", "default": 1},
                  "latency_ms": {"type": "integer", "default": 0}}})",
              .success_status = 201,
              .success_description = "{\"fault\": the fault as requested}"});

  router.add(
      "DELETE", "/v1/faults",
      [&sys](request&, responder respond) {
        ask<caf::ok_atom>(
            sys, node::mesh_name, respond,
            [](caf::ok_atom) {
              return http::json_reply(200, {{"cleared", true}});
            },
            mesh::clear_atom::value);
      },
      {.summary = "Clear every injected fault", .success_description = "{\"cleared\": true}"});

  router.add(
      "GET", "/v1/events",
      [&sys, members = ctx.members](request& req, responder respond) {
        if (req.websocket_upgrade) {
          respond(http::upgrade_reply(event_stream(sys, stream_filter_of(req), members)));
          return;
        }
        actors::event_query q;
        q.since = query_number(req, "since", 0);
        q.limit =
            static_cast<uint32_t>(std::min<uint64_t>(query_number(req, "limit", 1000), 10000));
        if (auto it = req.query.find("topic"); it != req.query.end()) q.topic_prefix = it->second;
        if (auto it = req.query.find("tenant"); it != req.query.end()) q.tenant = it->second;
        ask<actors::event_page>(
            sys, node::events_name, respond,
            [](actors::event_page& page) {
              json events = json::array();
              for (const auto& e : page.events) events.push_back(actors::event_to_json(e));
              return http::json_reply(
                  200, {{"events", events}, {"last_seq", page.last_seq}, {"gap", page.gap}});
            },
            actors::query_atom::value, q);
      },
      {.summary = "Events: a WebSocket (live, after ?since=SEQ if given) or a page of "
                  "recent ones; filters ?topic= prefixes (comma-separated), ?tenant=, "
                  "?workflow=",
       .query = {{"topic", "string", "topic prefixes, comma-separated (workflow.,service.)"},
                 {"tenant", "string", "only this tenant's (and node-wide) events"},
                 {"workflow", "string", "only this run's events (WebSocket)"},
                 {"since", "integer", "first the events after this sequence number"},
                 {"limit", "integer", "page size (default 1000, at most 10000)"},
                 {"key", "string", "the API key, on a WebSocket handshake only"}},
       .success_description = "{\"events\": [...], \"last_seq\": n, \"gap\": bool}; with Upgrade: "
                              "websocket, 101 and then one JSON event per message (in a "
                              "cluster every member's, live, each with \"node\")"});

  add_workflow_routes(router, ctx);
  add_chat_routes(router, ctx);
  add_openapi_route(router);
  add_web_routes(router);
}

}  // namespace xyn::admin

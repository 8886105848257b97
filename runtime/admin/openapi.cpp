#include "runtime/admin/openapi.hpp"

#include <cctype>
#include <set>
#include <string_view>

#include "runtime/http/message.hpp"

namespace xyn::admin {

namespace {

using json = nlohmann::json;

constexpr const char* error_ref = "#/components/responses/Error";

// "/v1/workflows/{id}/history" -> {"v1", "workflows", "{id}", "history"}.
std::vector<std::string> segments_of(const std::string& pattern) {
  std::vector<std::string> out;
  size_t b = 1;
  while (b <= pattern.size()) {
    size_t e = pattern.find('/', b);
    if (e == std::string::npos) e = pattern.size();
    if (e > b) out.push_back(pattern.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

std::string lower_case(std::string_view text) {
  std::string out;
  for (unsigned char c : text) out.push_back(static_cast<char>(std::tolower(c)));
  return out;
}

bool is_capture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// "service_name" or "openapi.json" -> "ServiceName", "OpenapiJson".
std::string pascal_case(std::string_view text) {
  std::string out;
  bool upper = true;
  for (unsigned char c : text) {
    if (!std::isalnum(c)) {
      upper = true;
      continue;
    }
    out.push_back(static_cast<char>(upper ? std::toupper(c) : c));
    upper = false;
  }
  return out;
}

// "GET /v1/workflows/{id}/history" -> "getWorkflowsByIdHistory" (the API version segment is
// left out: every route has it).
std::string operation_id(const http::route_info& r) {
  std::string id = lower_case(r.method);
  for (const auto& s : segments_of(r.pattern)) {
    if (s == "v1") continue;
    id += is_capture(s) ? "By" + pascal_case(s.substr(1, s.size() - 2)) : pascal_case(s);
  }
  return id;
}

// The first literal segment after the version: "workflows", "services", "health".
std::string tag_of(const std::string& pattern) {
  for (const auto& s : segments_of(pattern))
    if (s != "v1" && !is_capture(s)) return s;
  return "root";
}

json parameters_of(const http::route_info& r) {
  json out = json::array();
  for (const auto& s : segments_of(r.pattern))
    if (is_capture(s))
      out.push_back({{"name", s.substr(1, s.size() - 2)},
                     {"in", "path"},
                     {"required", true},
                     {"schema", {{"type", "string"}}}});
  for (const auto& q : r.query) {
    json p = {{"name", q.name}, {"in", "query"}, {"schema", {{"type", q.type}}}};
    if (!q.description.empty()) p["description"] = q.description;
    out.push_back(std::move(p));
  }
  return out;
}

json responses_of(const http::route_info& r) {
  json ok = {{"description", !r.success_description.empty() ? r.success_description
                             : !r.summary.empty()           ? r.summary
                                                            : "Success"}};
  if (!r.success_type.empty()) ok["content"] = {{r.success_type, json::object()}};
  json out = {{std::to_string(r.success_status), std::move(ok)},
              {"default", {{"$ref", error_ref}}}};
  if (!r.body_schema.empty()) out["400"] = {{"$ref", error_ref}};
  if (r.auth) out["401"] = {{"$ref", error_ref}};
  return out;
}

json operation_of(const http::route_info& r) {
  json op = {{"operationId", operation_id(r)},
             {"tags", {tag_of(r.pattern)}},
             {"responses", responses_of(r)}};
  if (!r.summary.empty()) op["summary"] = r.summary;
  if (auto params = parameters_of(r); !params.empty()) op["parameters"] = std::move(params);
  if (!r.body_schema.empty())
    op["requestBody"] = {
        {"required", r.body_required},
        {"content", {{"application/json", {{"schema", json::parse(r.body_schema)}}}}}};
  if (!r.auth) op["security"] = json::array();
  return op;
}

json components() {
  json error_body = {
      {"type", "object"},
      {"required", {"error"}},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"required", {"code", "message"}},
          {"properties",
           {{"code",
             {{"type", "string"},
              {"description", "stable lower-case name, e.g. not_found, invalid_argument"}}},
            {"message", {{"type", "string"}}}}}}}}}};
  return {{"schemas", {{"Error", std::move(error_body)}}},
          {"responses",
           {{"Error",
             {{"description", "The request was refused or failed; the body says why"},
              {"content",
               {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}},
          {"securitySchemes",
           {{"bearer",
             {{"type", "http"},
              {"scheme", "bearer"},
              {"description",
               "An API key as `Authorization: Bearer KEY`; a WebSocket handshake may pass "
               "?key=KEY instead"}}}}}};
}

}  // namespace

json openapi_document(const std::vector<http::route_info>& routes, const api_info& info) {
  json paths = json::object();
  std::set<std::string> ids;
  for (const auto& r : routes) {
    auto op = operation_of(r);
    // Distinct patterns can still spell the same id ("/a_b" and "/a/b"): number the later one.
    const std::string base = op["operationId"];
    std::string id = base;
    for (int n = 2; !ids.insert(id).second; ++n) id = base + std::to_string(n);
    op["operationId"] = id;
    paths[r.pattern][lower_case(r.method)] = std::move(op);
  }
  json doc_info = {{"title", info.title}, {"version", info.version}};
  if (!info.description.empty()) doc_info["description"] = info.description;
  return {{"openapi", "3.0.3"},
          {"info", std::move(doc_info)},
          {"paths", std::move(paths)},
          {"components", components()},
          {"security", json::array({json{{"bearer", json::array()}}})}};
}

void add_openapi_route(http::router& router, api_info info) {
  router.add("GET", "/v1/openapi.json", http::sync_handler([info](http::request& req) {
               if (!req.routed_by)
                 return http::error_reply(500, "internal", "no route table to describe");
               return http::json_reply(200, openapi_document(req.routed_by->routes(), info));
             }),
             {.auth = false,
              .summary = "This API description (OpenAPI 3), generated from the route table",
              .success_description = "An OpenAPI 3.0.3 document"});
}

}  // namespace xyn::admin

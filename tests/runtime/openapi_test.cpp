// The OpenAPI generator on a small router: paths, path and query parameters, bodies, success
// answers, security, the error body, unique operationIds, and the route that serves it.
#include "runtime/admin/openapi.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <set>

#include "runtime/http/message.hpp"

using namespace xyn::http;
using xyn::admin::add_openapi_route;
using xyn::admin::openapi_document;
using json = nlohmann::json;

namespace {

handler ok_handler() {
  return sync_handler([](request&) { return json_reply(200, json::object()); });
}

router small_router() {
  router r;
  r.add("GET", "/health", ok_handler(), {.auth = false, .summary = "liveness"});
  r.add("POST", "/v1/things", ok_handler(),
        {.summary = "make a thing",
         .body_schema = R"({"type": "object", "required": ["name"]})",
         .success_status = 201,
         .success_description = "the new thing"});
  r.add("GET", "/v1/things/{id}/parts/{part}", ok_handler(),
        {.summary = "one part",
         .query = {{"limit", "integer", "at most this many"}},
         .success_type = "text/plain"});
  r.add("DELETE", "/v1/things/{id}/parts/{part}", ok_handler());  // no docs at all
  return r;
}

const json* parameter(const json& op, const std::string& in, const std::string& name) {
  if (!op.contains("parameters")) return nullptr;
  for (const auto& p : op["parameters"])
    if (p["in"] == in && p["name"] == name) return &p;
  return nullptr;
}

json serve(const router& r, const std::string& target) {
  auto req = make_request("GET", target);
  std::optional<reply> out;
  r.handle(req, [&](reply x) { out = std::move(x); });
  REQUIRE(out);
  REQUIRE(out->status == 200);
  return json::parse(out->body);
}

}  // namespace

TEST_CASE("openapi: every route is an operation under its pattern and method") {
  auto doc = openapi_document(small_router().routes());
  CHECK(doc["openapi"] == "3.0.3");
  CHECK(doc["info"]["title"] == "Xynergy admin API");
  REQUIRE(doc["paths"].size() == 3);
  CHECK(doc["paths"]["/health"].contains("get"));
  CHECK(doc["paths"]["/v1/things"].contains("post"));
  auto& parts = doc["paths"]["/v1/things/{id}/parts/{part}"];
  CHECK(parts.contains("get"));
  CHECK(parts.contains("delete"));
  CHECK(parts["get"]["summary"] == "one part");
  CHECK(parts["get"]["tags"] == json::array({"things"}));
}

TEST_CASE("openapi: path parameters come from the captures, query parameters from the docs") {
  auto doc = openapi_document(small_router().routes());
  auto& get = doc["paths"]["/v1/things/{id}/parts/{part}"]["get"];
  for (const char* name : {"id", "part"}) {
    const json* p = parameter(get, "path", name);
    REQUIRE(p);
    CHECK((*p)["required"] == true);
    CHECK((*p)["schema"]["type"] == "string");
  }
  const json* limit = parameter(get, "query", "limit");
  REQUIRE(limit);
  CHECK((*limit)["schema"]["type"] == "integer");
  CHECK((*limit)["description"] == "at most this many");
  // A route registered without docs still declares its path parameters.
  auto& del = doc["paths"]["/v1/things/{id}/parts/{part}"]["delete"];
  CHECK(parameter(del, "path", "id"));
  CHECK(parameter(del, "path", "part"));
  CHECK(del["responses"].contains("200"));
}

TEST_CASE("openapi: request bodies and success answers") {
  auto doc = openapi_document(small_router().routes());
  auto& post = doc["paths"]["/v1/things"]["post"];
  CHECK(post["requestBody"]["required"] == true);
  CHECK(post["requestBody"]["content"]["application/json"]["schema"] ==
        json::parse(R"({"type": "object", "required": ["name"]})"));
  CHECK(post["responses"]["201"]["description"] == "the new thing");
  CHECK(post["responses"]["201"]["content"].contains("application/json"));
  CHECK(post["responses"]["400"]["$ref"] == "#/components/responses/Error");
  CHECK_FALSE(post["responses"].contains("200"));

  auto& get = doc["paths"]["/v1/things/{id}/parts/{part}"]["get"];
  CHECK_FALSE(get.contains("requestBody"));
  CHECK(get["responses"]["200"]["content"].contains("text/plain"));
  CHECK(get["responses"]["200"]["description"] == "one part");  // the summary stands in
}

TEST_CASE("openapi: bearer security except on open routes, and the error body") {
  auto doc = openapi_document(small_router().routes());
  CHECK(doc["security"] == json::parse(R"([{"bearer": []}])"));
  CHECK(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
  CHECK(doc["paths"]["/health"]["get"]["security"] == json::array());
  CHECK_FALSE(doc["paths"]["/health"]["get"]["responses"].contains("401"));
  auto& post = doc["paths"]["/v1/things"]["post"];
  CHECK_FALSE(post.contains("security"));
  CHECK(post["responses"]["401"]["$ref"] == "#/components/responses/Error");

  // The schema describes what error_reply really sends.
  auto schema = doc["components"]["schemas"]["Error"];
  auto body = json::parse(error_reply(404, "not_found", "no such thing").body);
  for (const auto& field : schema["required"]) CHECK(body.contains(field.get<std::string>()));
  for (const auto& field : schema["properties"]["error"]["required"])
    CHECK(body["error"][field.get<std::string>()].is_string());
  CHECK(doc["components"]["responses"]["Error"]["content"]["application/json"]["schema"]["$ref"] ==
        "#/components/schemas/Error");
}

TEST_CASE("openapi: operationIds are unique, even when two paths spell the same one") {
  router r = small_router();
  r.add("GET", "/v1/a_b", ok_handler());
  r.add("GET", "/v1/a/b", ok_handler());
  auto doc = openapi_document(r.routes());
  std::set<std::string> ids;
  size_t operations = 0;
  for (auto& [path, item] : doc["paths"].items())
    for (auto& [method, op] : item.items()) {
      ++operations;
      ids.insert(op["operationId"].get<std::string>());
    }
  CHECK(operations == r.routes().size());
  CHECK(ids.size() == operations);
  CHECK(doc["paths"]["/v1/things/{id}/parts/{part}"]["get"]["operationId"] ==
        "getThingsByIdPartsByPart");
  CHECK(doc["paths"]["/v1/a_b"]["get"]["operationId"] == "getAB");
  CHECK(doc["paths"]["/v1/a/b"]["get"]["operationId"] == "getAB2");
}

TEST_CASE("openapi: the route serves the table it is routed by, routes added later included") {
  router r = small_router();
  add_openapi_route(r);
  r.add("GET", "/v1/later", ok_handler(), {.summary = "added after the document's route"});
  router served = r;  // as the server does: it keeps its own copy
  auto doc = serve(served, "/v1/openapi.json");
  CHECK(doc["paths"]["/v1/later"]["get"]["summary"] == "added after the document's route");
  CHECK(doc["paths"]["/v1/openapi.json"]["get"]["security"] == json::array());
  CHECK(doc == openapi_document(served.routes()));
}

TEST_CASE("openapi: a body schema that is not JSON is refused when the route is added") {
  router r;
  CHECK_THROWS_AS(r.add("POST", "/v1/x", ok_handler(), {.body_schema = "{not json"}),
                  std::invalid_argument);
}

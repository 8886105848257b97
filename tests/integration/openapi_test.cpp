// GET /v1/openapi.json on a real node: served without a key, it describes every route that
// add_routes registers (built here in-process from the same code), declares every {param}
// of a path, and gives each operation its own operationId.
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include <caf/all.hpp>

#include "runtime/admin/routes.hpp"
#include "runtime/http/router.hpp"
#include "runtime/mesh/catalog.hpp"
#include "tests/support/node_process.hpp"

using xyn::test::node_process;
using json = nlohmann::json;

namespace {

// The table add_routes builds, as the node builds it (handlers are registered, never run).
std::vector<xyn::http::route_info> admin_routes() {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  xyn::admin::route_context ctx;
  ctx.system = &system;
  ctx.catalog = std::make_shared<xyn::mesh::catalog>();
  ctx.key = xyn::admin::admin_key::from_secret("unused");
  xyn::http::router router;
  xyn::admin::add_routes(router, ctx);
  return router.routes();
}

std::set<std::string> captures_of(const std::string& pattern) {
  static const std::regex capture(R"(\{([A-Za-z0-9_]+)\})");
  std::set<std::string> out;
  for (std::sregex_iterator it(pattern.begin(), pattern.end(), capture), end; it != end; ++it)
    out.insert((*it)[1]);
  return out;
}

}  // namespace

TEST_CASE("openapi: the live document describes every route of the admin port") {
  node_process n;
  n.start();
  const std::string no_key;
  auto r = n.request("GET", "/v1/openapi.json", {}, &no_key);
  REQUIRE(r.status == 200);
  const json& doc = r.body;
  REQUIRE(doc.is_object());
  CHECK(doc["openapi"] == "3.0.3");
  CHECK(doc["components"]["securitySchemes"]["bearer"]["type"] == "http");

  auto routes = admin_routes();
  REQUIRE(routes.size() > 10);
  for (const auto& route : routes) {
    INFO(route.method << " " << route.pattern);
    std::string method = route.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    REQUIRE(doc["paths"].contains(route.pattern));
    REQUIRE(doc["paths"][route.pattern].contains(method));
    const json& op = doc["paths"][route.pattern][method];
    CHECK(op["summary"] == route.summary);
    CHECK(op.contains("security") == !route.auth);
    CHECK(op["responses"].contains(std::to_string(route.success_status)));
    CHECK(op.contains("requestBody") == !route.body_schema.empty());
  }
  CHECK(doc["paths"]["/v1/workflows"]["post"]["responses"].contains("201"));
  CHECK(doc["paths"]["/health"]["get"]["security"] == json::array());
}

TEST_CASE("openapi: path parameters match the captures and operationIds are unique") {
  node_process n;
  n.start();
  auto doc = n.get("/v1/openapi.json").body;
  REQUIRE(doc["paths"].is_object());
  std::set<std::string> ids;
  size_t operations = 0;
  for (auto& [path, item] : doc["paths"].items()) {
    for (auto& [method, op] : item.items()) {
      INFO(method << " " << path);
      ++operations;
      ids.insert(op["operationId"].get<std::string>());
      std::set<std::string> declared;
      for (const auto& p : op.value("parameters", json::array()))
        if (p["in"] == "path") {
          CHECK(p["required"] == true);
          declared.insert(p["name"].get<std::string>());
        }
      CHECK(declared == captures_of(path));
    }
  }
  CHECK(operations > 10);
  CHECK(ids.size() == operations);
}

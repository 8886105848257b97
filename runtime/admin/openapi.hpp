#pragma once
// openapi.hpp — the OpenAPI 3.0.3 description of the admin port, generated from a route table
// (router::routes()) whenever it is asked for, so it cannot drift from the routes the server
// serves. A route registered without docs is still described: its method, path, path
// parameters (from its {captures}), summary and security; route_options adds query
// parameters, the request body schema and the success answer.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/http/router.hpp"

namespace xyn::admin {

struct api_info {
  std::string title = "Xynergy admin API";
  std::string version = "1";
  std::string description{};
};

// The document describing `routes`: one path item per pattern, one operation per method,
// unique operationIds, the shared error body and the bearer-key security scheme (routes with
// auth = false carry `security: []`).
nlohmann::json openapi_document(const std::vector<http::route_info>& routes,
                                const api_info& info = {});

// Registers GET /v1/openapi.json (no key needed): the document of the router that serves it,
// so routes added before or after this call are all described.
void add_openapi_route(http::router& router, api_info info = {});

}  // namespace xyn::admin

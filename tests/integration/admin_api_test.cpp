// The admin port's routes against a real node process.
#include <catch2/catch.hpp>

#include "tests/support/node_process.hpp"

using xyn::test::node_process;
using json = nlohmann::json;

namespace {

node_process& shared_node() {
  static node_process node;
  if (!node.running()) node.start();
  return node;
}

json execute(const node_process& n, const std::string& service, const std::string& action,
             const json& params, const json& extra = json::object()) {
  json body = {{"action", action}, {"params", params}};
  body.update(extra);
  auto r = n.post("/v1/services/" + service + "/execute", body);
  REQUIRE(r.status == 200);
  return r.body;
}

}  // namespace

TEST_CASE("health is open, every /v1 route wants the admin key", "[integration]") {
  auto& n = shared_node();
  std::string none, wrong = "not-the-key";
  auto h = n.request("GET", "/health", {}, &none);
  CHECK(h.status == 200);
  CHECK(h.body["status"] == "ok");
  CHECK(h.body["node"] == "it-node");
  CHECK(n.request("GET", "/ready", {}, &none).status == 200);
  auto missing = n.request("GET", "/v1/services", {}, &none);
  CHECK(missing.status == 401);
  CHECK(missing.body["error"]["code"] == "unauthenticated");
  CHECK(n.request("GET", "/v1/services", {}, &wrong).status == 401);
  CHECK(n.request("POST", "/v1/faults", R"({"service":"content-hub","kind":"crash"})", &wrong)
            .status == 401);
  CHECK(n.get("/v1/services").status == 200);
}

TEST_CASE("services are listed with status, restarts and actions", "[integration]") {
  auto& n = shared_node();
  auto r = n.get("/v1/services");
  REQUIRE(r.status == 200);
  auto services = r.body["services"];
  CHECK(services.size() == 15);
  for (const auto& s : services) {
    INFO(s.dump());
    CHECK(s["status"] == "up");
    CHECK(s["restarts"].is_number_integer());
    CHECK_FALSE(s["actions"].empty());
  }
  auto one = n.get("/v1/services/content-hub");
  REQUIRE(one.status == 200);
  CHECK(one.body["name"] == "content-hub");
  CHECK(one.body["health"]["status"] == "up");
  auto actions = one.body["actions"].get<std::vector<std::string>>();
  for (auto a : {"create", "update", "get", "list", "publish", "unpublish", "delete", "search"})
    CHECK(std::find(actions.begin(), actions.end(), a) != actions.end());
  auto unknown = n.get("/v1/services/no-such-service");
  CHECK(unknown.status == 404);
  CHECK(unknown.body["error"]["code"] == "not_found");
}

TEST_CASE("the dependency graph comes from the catalog", "[integration]") {
  auto& n = shared_node();
  auto g = n.get("/v1/services/graph");
  REQUIRE(g.status == 200);
  CHECK(g.body["nodes"].size() == 15);
  bool found = false;
  for (const auto& e : g.body["edges"])
    if (e["from"] == "marketing-engine" && e["to"] == "content-hub") found = true;
  CHECK(found);
}

TEST_CASE("content-hub works end to end through execute", "[integration]") {
  auto& n = shared_node();
  json t = {{"tenant", "it-content"}};
  auto c = execute(n, "content-hub", "create",
                   {{"title", "Vega Watch launch"}, {"body", "The watch ships in March"}}, t);
  REQUIRE(c["status"] == "ok");
  CHECK(c["service"] == "content-hub");
  CHECK(c["error"].is_null());
  CHECK(c["duration_us"].is_number_integer());
  auto id = c["output"]["id"];
  CHECK(execute(n, "content-hub", "update", {{"id", id}, {"title", "Vega Watch"}},
                t)["output"]["version"] == 2);
  CHECK(execute(n, "content-hub", "publish", {{"id", id}}, t)["status"] == "ok");
  auto listed = execute(n, "content-hub", "list", {{"published", true}}, t);
  CHECK(listed["output"]["items"].size() == 1);
  auto found = execute(n, "content-hub", "search", {{"query", "watch"}}, t);
  REQUIRE(found["output"]["items"].size() == 1);
  CHECK(found["output"]["items"][0]["id"] == id);
  // Another tenant sees nothing.
  CHECK(
      execute(n, "content-hub", "list", json::object(), {{"tenant", "it-other"}})["output"]["items"]
          .empty());
  auto bad = execute(n, "content-hub", "create", {{"body", "no title"}}, t);
  CHECK(bad["status"] == "error");
  CHECK(bad["error"]["code"] == "invalid_params");
}

TEST_CASE("execute dedupes on the idempotency key", "[integration]") {
  auto& n = shared_node();
  json extra = {{"tenant", "it-idem"}, {"idempotency_key", "create-once"}};
  auto a = execute(n, "content-hub", "create", {{"title", "Once"}, {"body", "x"}}, extra);
  auto b = execute(n, "content-hub", "create", {{"title", "Once"}, {"body", "x"}}, extra);
  REQUIRE(a["status"] == "ok");
  CHECK(a["output"] == b["output"]);
  CHECK(
      execute(n, "content-hub", "list", json::object(), {{"tenant", "it-idem"}})["output"]["items"]
          .size() == 1);
}

TEST_CASE("bad requests get JSON errors with the right codes", "[integration]") {
  auto& n = shared_node();
  auto malformed = n.request("POST", "/v1/services/content-hub/execute", "{not json", nullptr);
  CHECK(malformed.status == 400);
  CHECK(malformed.body["error"]["code"] == "invalid_argument");
  auto no_action = n.post("/v1/services/content-hub/execute", {{"params", json::object()}});
  CHECK(no_action.status == 400);
  CHECK(no_action.body["error"]["message"].get<std::string>().find("action") != std::string::npos);
  auto wrong_type =
      n.post("/v1/services/content-hub/execute", {{"action", "list"}, {"params", "x"}});
  CHECK(wrong_type.status == 400);
  CHECK(n.post("/v1/services/content-hub/execute", json::array()).status == 400);
  auto unknown_service = n.post("/v1/services/nope/execute", {{"action", "x"}});
  CHECK(unknown_service.status == 404);
  auto unknown_route = n.get("/v1/nothing-here");
  CHECK(unknown_route.status == 404);
  CHECK(unknown_route.body["error"]["code"] == "not_found");
  {
    // A node with a small limit, so the body fits the socket buffers: the server answers 413
    // as soon as it has read the header and the client must still be able to read that.
    xyn::test::node_process small({"--set", "admin.max_body_bytes=1048576"});
    small.start();
    std::string big(1100 * 1024, 'a');
    auto too_big = small.request(
        "POST", "/v1/services/content-hub/execute",
        R"({"action":"create","params":{"title":"x","body":")" + big + "\"}}", nullptr);
    CHECK(too_big.status == 413);
    CHECK(too_big.body["error"]["code"] == "too_large");
  }
  auto bad_tenant =
      n.post("/v1/services/content-hub/execute", {{"action", "list"}, {"tenant", "a/b"}});
  CHECK(bad_tenant.body["error"]["code"] == "invalid_tenant");
  auto bad_fault = n.post("/v1/faults", {{"service", "content-hub"}, {"kind", "melt"}});
  CHECK(bad_fault.status == 400);
  CHECK(n.post("/v1/faults", {{"service", "nope"}, {"kind", "crash"}}).status == 404);
  // The node is still fine.
  CHECK(n.get("/health").status == 200);
}

TEST_CASE("error and latency faults affect the next executes only", "[integration]") {
  auto& n = shared_node();
  json t = {{"tenant", "it-faults"}};
  REQUIRE(
      n.post("/v1/faults", {{"service", "content-hub"}, {"kind", "error"}, {"count", 2}}).status ==
      201);
  for (int i = 0; i < 2; ++i) {
    auto r = execute(n, "content-hub", "list", json::object(), t);
    CHECK(r["status"] == "retryable");
    CHECK(r["error"]["code"] == "injected_fault");
  }
  CHECK(execute(n, "content-hub", "list", json::object(), t)["status"] == "ok");
  REQUIRE(
      n.post("/v1/faults", {{"service", "content-hub"}, {"kind", "latency"}, {"latency_ms", 300}})
          .status == 201);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(execute(n, "content-hub", "list", json::object(), t)["status"] == "ok");
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(300));
  REQUIRE(
      n.post("/v1/faults", {{"service", "content-hub"}, {"kind", "error"}, {"count", 5}}).status ==
      201);
  CHECK(n.del("/v1/faults").status == 200);
  CHECK(execute(n, "content-hub", "list", json::object(), t)["status"] == "ok");
}

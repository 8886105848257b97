#include "runtime/http/router.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

using namespace xyn::http;
using xyn::status;
using xyn::status_code;
using json = nlohmann::json;

namespace {

// Routes synchronously, the way Seastar's httpd tests call routes::handle.
reply call(const router& r, std::string method, std::string target,
           std::map<std::string, std::string> headers = {}) {
  auto req = make_request(std::move(method), std::move(target), {}, std::move(headers));
  std::optional<reply> out;
  int calls = 0;
  r.handle(req, [&](reply x) {
    ++calls;
    out = std::move(x);
  });
  REQUIRE(calls == 1);
  return *out;
}

// A handler answering with the route's name and its captures.
handler named(std::string name) {
  return sync_handler([name](request& req) {
    return json_reply(200, json{{"route", name}, {"params", req.params}});
  });
}

json body_of(const reply& r) {
  return json::parse(r.body);
}

}  // namespace

TEST_CASE("exact paths win over patterns, patterns match in insertion order") {
  router r;
  r.add("GET", "/v1/services/{name}", named("one"));
  r.add("GET", "/v1/services/special", named("exact"));
  r.add("GET", "/v1/{kind}/{id}/x", named("first"));
  r.add("GET", "/v1/things/{id}/{rest}", named("second"));

  CHECK(body_of(call(r, "GET", "/v1/services/special"))["route"] == "exact");
  auto one = body_of(call(r, "GET", "/v1/services/alpha"));
  CHECK(one["route"] == "one");
  CHECK(one["params"] == json{{"name", "alpha"}});
  auto first = body_of(call(r, "GET", "/v1/things/7/x"));
  CHECK(first["route"] == "first");
  CHECK(first["params"] == json{{"kind", "things"}, {"id", "7"}});
  CHECK(body_of(call(r, "GET", "/v1/things/7/y"))["route"] == "second");
}

TEST_CASE("captures are one non-empty segment, percent-decoded") {
  router r;
  r.add("GET", "/v1/services/{name}", named("svc"));
  CHECK(body_of(call(r, "GET", "/v1/services/a%20b"))["params"]["name"] == "a b");
  CHECK(body_of(call(r, "GET", "/v1/services/a%2Fb"))["params"]["name"] == "a/b");
  CHECK(body_of(call(r, "GET", "/v1/services/x?verbose=1"))["params"]["name"] == "x");
  CHECK(call(r, "GET", "/v1/services/").status == 404);
  CHECK(call(r, "GET", "/v1/services").status == 404);
  CHECK(call(r, "GET", "/v1/services/a/b").status == 404);
}

TEST_CASE("an unknown path is 404 and a known path with another method is 405 with Allow") {
  router r;
  r.add("GET", "/health", named("health"));
  r.add("POST", "/v1/workflows", named("submit"));
  r.add("GET", "/v1/workflows", named("list"));
  r.add("DELETE", "/v1/workflows/{id}", named("cancel"));

  auto nf = call(r, "GET", "/nope");
  CHECK(nf.status == 404);
  CHECK(body_of(nf)["error"]["code"] == "not_found");
  CHECK(body_of(nf)["error"]["message"].get<std::string>().find("/nope") != std::string::npos);

  auto na = call(r, "PUT", "/v1/workflows");
  CHECK(na.status == 405);
  CHECK(body_of(na)["error"]["code"] == "method_not_allowed");
  REQUIRE(na.headers.size() == 1);
  CHECK(na.headers[0].first == "Allow");
  CHECK(na.headers[0].second == "GET, POST");

  auto na2 = call(r, "GET", "/v1/workflows/42");
  CHECK(na2.status == 405);
  CHECK(na2.headers.at(0).second == "DELETE");

  CHECK(call(r, "get", "/health").status == 405);  // methods are case-sensitive
  CHECK(call(r, "GET", "health").status == 404);   // not an origin-form target
}

TEST_CASE("the authenticator guards auth routes and its refusal is a JSON error") {
  router r;
  r.add("GET", "/v1/me", sync_handler([](request& req) {
          return json_reply(200, json{{"tenant", req.identity.at("tenant")}});
        }));
  r.add("GET", "/health", named("health"), {.auth = false, .summary = "liveness"});
  int checks = 0;
  r.set_authenticator([&](request& req) {
    ++checks;
    if (req.header("authorization") == "Bearer good") {
      req.identity["tenant"] = "acme";
      return status{};
    }
    if (req.header("authorization") == "Bearer readonly")
      return status{status_code::permission_denied, "key may not read /v1/me"};
    return status{status_code::unauthenticated, "missing or unknown API key"};
  });

  auto denied = call(r, "GET", "/v1/me");
  CHECK(denied.status == 401);
  CHECK(body_of(denied) ==
        json{{"error", {{"code", "unauthenticated"}, {"message", "missing or unknown API key"}}}});
  CHECK(call(r, "GET", "/v1/me", {{"Authorization", "Bearer readonly"}}).status == 403);
  auto ok = call(r, "GET", "/v1/me", {{"Authorization", "Bearer good"}});
  CHECK(ok.status == 200);
  CHECK(body_of(ok)["tenant"] == "acme");
  CHECK(checks == 3);

  CHECK(call(r, "GET", "/health").status == 200);
  CHECK(checks == 3);  // auth = false routes never ask
  CHECK(call(r, "GET", "/nope").status == 404);
  CHECK(checks == 3);  // unknown paths are 404 before any authentication
}

TEST_CASE("a throwing handler or authenticator becomes a 500 JSON error") {
  router r;
  r.add("GET", "/boom", [](request&, responder) { throw std::runtime_error("kaboom"); });
  r.add("GET", "/int", [](request&, responder) { throw 42; });
  r.add("GET", "/auth", named("auth"));
  r.set_authenticator([](request& req) -> status {
    if (req.path == "/auth") throw std::logic_error("key store broken");
    return {};
  });

  auto boom = call(r, "GET", "/boom");
  CHECK(boom.status == 500);
  CHECK(boom.content_type == "application/json");
  CHECK(body_of(boom)["error"]["code"] == "internal");
  CHECK(body_of(boom)["error"]["message"].get<std::string>().find("kaboom") != std::string::npos);
  CHECK(call(r, "GET", "/int").status == 500);
  CHECK(call(r, "GET", "/auth").status == 500);
}

TEST_CASE("the responder answers exactly once") {
  router r;
  r.add("GET", "/twice", [](request&, responder respond) {
    respond(json_reply(200, json{{"n", 1}}));
    respond(json_reply(201, json{{"n", 2}}));
  });
  r.add("GET", "/then-throw", [](request&, responder respond) {
    respond(json_reply(200, json{{"n", 1}}));
    throw std::runtime_error("after answering");
  });
  r.add("GET", "/dropped", [](request&, responder) {});
  responder kept;
  r.add("GET", "/later", [&kept](request&, responder respond) { kept = std::move(respond); });

  auto twice = call(r, "GET", "/twice");  // call() REQUIREs a single delivery
  CHECK(twice.status == 200);
  CHECK(call(r, "GET", "/then-throw").status == 200);
  auto dropped = call(r, "GET", "/dropped");
  CHECK(dropped.status == 500);
  CHECK(body_of(dropped)["error"]["code"] == "internal");

  auto req = make_request("GET", "/later");
  std::vector<int> got;
  r.handle(req, [&](reply x) { got.push_back(x.status); });
  CHECK(got.empty());  // still pending while the handler's callback holds it
  kept(json_reply(202, json::object()));
  kept(json_reply(203, json::object()));
  kept = nullptr;
  CHECK(got == std::vector<int>{202});
}

TEST_CASE("routes are listed in registration order with their options") {
  router r;
  r.add("GET", "/health", named("h"), {.auth = false, .summary = "liveness"});
  r.add("POST", "/v1/services/{name}/restart", named("r"), {.summary = "restart a service"});
  auto routes = r.routes();
  REQUIRE(routes.size() == 2);
  CHECK(routes[0].method == "GET");
  CHECK(routes[0].pattern == "/health");
  CHECK_FALSE(routes[0].auth);
  CHECK(routes[0].summary == "liveness");
  CHECK(routes[1].pattern == "/v1/services/{name}/restart");
  CHECK(routes[1].auth);
  CHECK(routes[1].summary == "restart a service");

  router copy = r;  // the server keeps a copy: it must route the same
  CHECK(body_of(call(copy, "POST", "/v1/services/a/restart"))["route"] == "r");
}

TEST_CASE("malformed or duplicate patterns are refused when wired") {
  router r;
  r.add("GET", "/v1/{a}", named("a"));
  CHECK_THROWS_AS(r.add("GET", "/v1/{a}", named("dup")), std::invalid_argument);
  CHECK_NOTHROW(r.add("POST", "/v1/{a}", named("other method")));
  CHECK_THROWS_AS(r.add("GET", "v1", named("x")), std::invalid_argument);
  CHECK_THROWS_AS(r.add("GET", "/v1/x{a}", named("x")), std::invalid_argument);
  CHECK_THROWS_AS(r.add("GET", "/v1/{}", named("x")), std::invalid_argument);
  CHECK_THROWS_AS(r.add("GET", "/v1/{a-b}", named("x")), std::invalid_argument);
  CHECK_THROWS_AS(r.add("GET", "/v1/{a}/{a}/z", named("x")), std::invalid_argument);
  CHECK_THROWS_AS(r.add("", "/v2", named("x")), std::invalid_argument);
  CHECK_THROWS_AS(r.add("GET", "/v2", handler{}), std::invalid_argument);
}

TEST_CASE("the observer hears each answer once, with the pattern instead of the path") {
  router r;
  r.add("GET", "/v1/items/{id}", named("item"));
  r.add("GET", "/open", named("open"), {.auth = false});
  r.add("GET", "/never", [](request&, responder) {});  // drops its responder: a 500
  r.set_authenticator([](request& req) {
    return req.header("authorization") == "yes" ? status{}
                                                : status{status_code::unauthenticated, "no"};
  });
  std::vector<request_outcome> seen;
  r.set_observer([&](const request_outcome& o) { seen.push_back(o); });
  call(r, "GET", "/v1/items/42", {{"authorization", "yes"}});
  call(r, "GET", "/v1/items/43");  // refused by the authenticator
  call(r, "GET", "/open");
  call(r, "POST", "/open");    // 405
  call(r, "GET", "/nowhere");  // 404
  call(r, "GET", "/never", {{"authorization", "yes"}});
  REQUIRE(seen.size() == 6);
  CHECK(seen[0].pattern == "/v1/items/{id}");
  CHECK(seen[0].method == "GET");
  CHECK(seen[0].status == 200);
  CHECK(seen[0].duration.count() >= 0);
  CHECK(seen[1].pattern == "/v1/items/{id}");
  CHECK(seen[1].status == 401);
  CHECK(seen[2].pattern == "/open");
  CHECK(seen[3].pattern.empty());
  CHECK(seen[3].method == "POST");
  CHECK(seen[3].status == 405);
  CHECK(seen[4].pattern.empty());
  CHECK(seen[4].status == 404);
  CHECK(seen[5].pattern == "/never");
  CHECK(seen[5].status == 500);
}

#include "runtime/http/message.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace xyn::http;
using xyn::status;
using xyn::status_code;

TEST_CASE("make_request splits the target into a raw path and a decoded query") {
  auto req = make_request("GET", "/v1/x%20y?a=1&b=hello%20world&c=x+y&d&e=%zz&a=2&&f=%2F%3d#frag");
  CHECK(req.path == "/v1/x%20y");
  CHECK(req.target == "/v1/x%20y?a=1&b=hello%20world&c=x+y&d&e=%zz&a=2&&f=%2F%3d#frag");
  CHECK(req.query.at("a") == "1");  // the first of repeated keys wins
  CHECK(req.query.at("b") == "hello world");
  CHECK(req.query.at("c") == "x y");
  CHECK(req.query.at("d").empty());
  CHECK(req.query.at("e") == "%zz");  // a malformed escape stays as sent
  CHECK(req.query.at("f") == "/=");
  CHECK(req.query.size() == 6);
}

TEST_CASE("percent_decode handles escapes at the end and keeps '+' in paths") {
  CHECK(percent_decode("a%41") == "aA");
  CHECK(percent_decode("a%4") == "a%4");
  CHECK(percent_decode("%") == "%");
  CHECK(percent_decode("a+b") == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
}

TEST_CASE("header names are case-insensitive") {
  auto req = make_request("GET", "/", {}, {{"X-Api-Key", "k1"}, {"Content-Type", "text/plain"}});
  CHECK(req.headers.count("x-api-key") == 1);
  CHECK(req.header("X-API-KEY") == "k1");
  CHECK(req.header("content-type") == "text/plain");
  CHECK(req.header("missing").empty());
}

TEST_CASE("error replies share one JSON shape and status codes map to HTTP in one place") {
  auto r = error_reply(409, "already_exists", "service \"a\" exists");
  CHECK(r.status == 409);
  CHECK(r.content_type == "application/json");
  auto body = nlohmann::json::parse(r.body);
  CHECK(body == nlohmann::json{
                    {"error", {{"code", "already_exists"}, {"message", "service \"a\" exists"}}}});

  CHECK(http_status_of(status_code::ok) == 200);
  CHECK(http_status_of(status_code::invalid_argument) == 400);
  CHECK(http_status_of(status_code::unauthenticated) == 401);
  CHECK(http_status_of(status_code::permission_denied) == 403);
  CHECK(http_status_of(status_code::not_found) == 404);
  CHECK(http_status_of(status_code::already_exists) == 409);
  CHECK(http_status_of(status_code::too_large) == 413);
  CHECK(http_status_of(status_code::unavailable) == 503);
  CHECK(http_status_of(status_code::timeout) == 504);
  CHECK(http_status_of(status_code::io_error) == 500);
  CHECK(http_status_of(status_code::corruption) == 500);
  CHECK(http_status_of(status_code::internal) == 500);

  auto nf = error_reply(status::not_found("workflow 7"));
  CHECK(nf.status == 404);
  CHECK(nlohmann::json::parse(nf.body)["error"]["code"] == "not_found");
  CHECK(nlohmann::json::parse(nf.body)["error"]["message"] == "workflow 7");
}

TEST_CASE("json_reply never throws on invalid UTF-8 and json_body reports bad JSON as a status") {
  auto r = json_reply(200, nlohmann::json{{"name", std::string("bad\xff")}});
  CHECK(r.status == 200);
  CHECK(nlohmann::json::parse(r.body).contains("name"));

  auto good = json_body(make_request("POST", "/", R"({"a": 1})"));
  REQUIRE(good.ok());
  CHECK((*good)["a"] == 1);
  auto bad = json_body(make_request("POST", "/", "{not json"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code() == status_code::invalid_argument);
}

#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>

#include "runtime/admin/web_files.hpp"
#include "runtime/admin/web_routes.hpp"
#include "runtime/http/message.hpp"
#include "runtime/http/router.hpp"

namespace {

using xyn::http::reply;

// The dashboard's routes behind an authenticator that refuses everyone, as on a node whose
// key the browser does not know yet: the page itself must still load.
xyn::http::router web_router() {
  xyn::http::router r;
  xyn::admin::add_web_routes(r);
  r.set_authenticator([](xyn::http::request&) {
    return xyn::status{xyn::status_code::unauthenticated, "no key"};
  });
  return r;
}

reply get(const xyn::http::router& r, const std::string& target,
          std::map<std::string, std::string> headers = {}) {
  auto req = xyn::http::make_request("GET", target, {}, std::move(headers));
  std::optional<reply> out;
  r.handle(req, [&](reply rep) { out = std::move(rep); });
  REQUIRE(out);
  return *out;
}

std::string header(const reply& r, const std::string& name) {
  auto it = std::find_if(r.headers.begin(), r.headers.end(),
                         [&](const auto& h) { return h.first == name; });
  return it == r.headers.end() ? std::string() : it->second;
}

}  // namespace

TEST_CASE("GET / serves the embedded index.html without a key, as HTML") {
  auto r = get(web_router(), "/");
  CHECK(r.status == 200);
  CHECK(r.content_type == "text/html; charset=utf-8");
  CHECK(r.body == xyn::admin::web_files().at("index.html").body);
  CHECK(r.body.find("<script type=\"module\" src=\"app.js\"></script>") != std::string::npos);
  CHECK(header(r, "Cache-Control") == "no-cache");
  CHECK(header(r, "Content-Security-Policy").find("default-src 'self'") != std::string::npos);
}

TEST_CASE("every file of web/ is served under its name with its content type") {
  auto router = web_router();
  REQUIRE(xyn::admin::web_files().size() >= 4);
  for (const auto& [name, file] : xyn::admin::web_files()) {
    INFO(name);
    auto r = get(router, "/" + std::string(name));
    CHECK(r.status == 200);
    CHECK(r.body == file.body);
    CHECK(!file.body.empty());
    CHECK(header(r, "ETag") == "\"" + std::string(file.sha256) + "\"");
  }
  CHECK(get(router, "/app.js").content_type == "text/javascript; charset=utf-8");
  CHECK(get(router, "/style.css").content_type == "text/css; charset=utf-8");
  CHECK(get(router, "/favicon.svg").content_type == "image/svg+xml");
}

TEST_CASE("a browser that has the file gets a 304 without a body") {
  auto router = web_router();
  auto etag = header(get(router, "/app.js"), "ETag");
  REQUIRE(etag.size() == 66);  // a quoted SHA-256 in hex
  auto again = get(router, "/app.js", {{"If-None-Match", etag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(get(router, "/app.js", {{"If-None-Match", "\"stale\""}}).status == 200);
}

TEST_CASE("an unknown file is a JSON 404, and nothing outside web/ can be reached") {
  auto router = web_router();
  for (const char* target : {"/nope.js", "/..%2FCMakeLists.txt", "/%2e%2e", "/index.html.bak"}) {
    INFO(target);
    auto r = get(router, target);
    CHECK(r.status == 404);
    CHECK(r.content_type == "application/json");
    CHECK(r.body.find("\"not_found\"") != std::string::npos);
  }
  CHECK(get(router, "/a/b.js").status == 404);  // web/ is flat
}

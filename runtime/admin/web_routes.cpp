// The dashboard's routes: each file of web/ from the table compiled into the binary.
// Files are not fingerprinted (no build step), so browsers must revalidate every time
// (Cache-Control: no-cache) and the build-time SHA-256 as ETag makes that a cheap 304.
#include "runtime/admin/web_routes.hpp"

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "runtime/admin/web_files.hpp"
#include "runtime/http/message.hpp"
#include "runtime/http/router.hpp"

namespace xyn::admin {

namespace {

// The page talks only to the node that served it: no CDN, font or script from elsewhere.
constexpr std::string_view content_security_policy =
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

std::string content_type_of(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> types{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
  }};
  for (const auto& [ext, type] : types)
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext)
      return std::string(type);
  return "application/octet-stream";
}

// True when the client's If-None-Match lists `etag` (or is "*"): it already has the body.
bool client_has(const http::request& req, std::string_view etag) {
  auto listed = req.header("if-none-match");
  return listed == "*" || listed.find(etag) != std::string::npos;
}

http::reply serve(const http::request& req, std::string_view name) {
  const auto& files = web_files();
  auto it = files.find(name);
  if (it == files.end())
    return http::error_reply(404, "not_found",
                             "no file '" + std::string(name) + "' in the dashboard");
  const auto& file = it->second;
  auto etag = "\"" + std::string(file.sha256) + "\"";
  http::reply r;
  r.content_type = content_type_of(file.name);
  r.headers = {{"ETag", etag},
               {"Cache-Control", "no-cache"},
               {"X-Content-Type-Options", "nosniff"},
               {"Content-Security-Policy", std::string(content_security_policy)}};
  if (client_has(req, etag))
    r.status = 304;
  else
    r.body = std::string(file.body);
  return r;
}

}  // namespace

void add_web_routes(http::router& router) {
  router.add("GET", "/",
             http::sync_handler([](http::request& req) { return serve(req, "index.html"); }),
             {.auth = false,
              .summary = "The dashboard page (asks for the API key itself)",
              .success_description = "web/index.html",
              .success_type = "text/html"});
  router.add("GET", "/{file}",
             http::sync_handler([](http::request& req) { return serve(req, req.params["file"]); }),
             {.auth = false,
              .summary = "A file of the dashboard (app.js, style.css, ...); 404 for any other",
              .success_description = "the file, with its content type and an ETag",
              .success_type = "application/octet-stream"});
}

}  // namespace xyn::admin

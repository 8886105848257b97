#pragma once
// web_routes.hpp — serves the dashboard page (web/, embedded in the binary) on the admin port:
// GET / is index.html, GET /{file} any other file of web/. No key is needed to load the page;
// the page itself asks for the key and sends it with each API call.

namespace xyn::http {
class router;
}

namespace xyn::admin {

void add_web_routes(http::router& router);

}  // namespace xyn::admin

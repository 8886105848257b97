#pragma once
// web_files.hpp — the dashboard's static files (web/), compiled into the binary at build time
// (cmake/embed_web.cmake) so a node serves the page from wherever it is started, with no
// files to install beside it.

#include <map>
#include <string_view>

namespace xyn::admin {

struct web_file {
  std::string_view name;    // as in web/, e.g. "app.js"
  std::string_view sha256;  // hex digest of `body`, computed at build time: the ETag
  std::string_view body;
};

// Every file of web/ by name. Static storage: the views stay valid for the whole program.
const std::map<std::string_view, web_file>& web_files();

}  // namespace xyn::admin

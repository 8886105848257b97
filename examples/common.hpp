#pragma once
// common.hpp — how the examples find a node: `--data-dir DIR` (default ./data) reads the
// cluster port from DIR/node.json and the key from XYN_ADMIN_KEY or DIR/admin.key;
// `--port P` and `--key K` override them, `--host H` names another machine.

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "runtime/client/client.hpp"

namespace examples {

inline std::optional<xyn::client::connection> connect(int argc, char** argv) {
  std::string dir = "./data", host, key;
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data-dir"))
      dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--host"))
      host = argv[i + 1];
    else if (!std::strcmp(argv[i], "--port"))
      port = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--key"))
      key = argv[i + 1];
  }
  xyn::client::connect_options o;
  if (auto local = xyn::client::options_from_data_dir(dir))
    o = *local;
  else if (port == 0 || key.empty()) {
    std::cerr << local.error().to_string() << " (or pass --port and --key)\n";
    return std::nullopt;
  }
  if (!host.empty()) o.host = host;
  if (port) o.port = static_cast<uint16_t>(port);
  if (!key.empty()) o.key = key;
  auto c = xyn::client::connection::connect(o);
  if (!c) {
    std::cerr << "cannot reach the node at " << o.host << ":" << o.port << ": "
              << c.error().to_string() << "\n";
    return std::nullopt;
  }
  return std::move(*c);
}

}  // namespace examples

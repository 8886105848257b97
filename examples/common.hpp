#pragma once
// common.hpp — how the examples find a node: `--data-dir DIR` (default ./data) reads the
// ports from DIR/node.json and the key from XYN_ADMIN_KEY or DIR/admin.key; `--port P` and
// `--key K` override them, `--host H` names another machine. `connect` reaches the cluster
// port (client library); `admin_endpoint` the admin port (HTTP and WebSocket), where --port
// names the admin port.

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "runtime/client/client.hpp"

namespace examples {

struct node_flags {
  std::string dir = "./data", host, key;
  int port = 0;
};

inline node_flags parse_flags(int argc, char** argv) {
  node_flags f;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data-dir"))
      f.dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--host"))
      f.host = argv[i + 1];
    else if (!std::strcmp(argv[i], "--port"))
      f.port = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--key"))
      f.key = argv[i + 1];
  }
  return f;
}

inline std::optional<xyn::client::connection> connect(int argc, char** argv) {
  auto f = parse_flags(argc, argv);
  xyn::client::connect_options o;
  if (auto local = xyn::client::options_from_data_dir(f.dir))
    o = *local;
  else if (f.port == 0 || f.key.empty()) {
    std::cerr << local.error().to_string() << " (or pass --port and --key)\n";
    return std::nullopt;
  }
  if (!f.host.empty()) o.host = f.host;
  if (f.port) o.port = static_cast<uint16_t>(f.port);
  if (!f.key.empty()) o.key = f.key;
  auto c = xyn::client::connection::connect(o);
  if (!c) {
    std::cerr << "cannot reach the node at " << o.host << ":" << o.port << ": "
              << c.error().to_string() << "\n";
    return std::nullopt;
  }
  return std::move(*c);
}

struct admin_address {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string key;
};

// The admin port and key; prints why not and returns nullopt when they cannot be found.
inline std::optional<admin_address> admin_endpoint(int argc, char** argv) {
  auto f = parse_flags(argc, argv);
  admin_address a;
  if (!f.host.empty()) a.host = f.host;
  a.key = f.key;
  if (auto local = xyn::client::options_from_data_dir(f.dir); local && a.key.empty())
    a.key = local->key;
  a.port = static_cast<uint16_t>(f.port);
  if (a.port == 0) {
    auto j = xyn::client::json::parse(std::ifstream(f.dir + "/node.json"), nullptr, false);
    if (!j.is_discarded() && j.contains("admin_port")) a.port = j["admin_port"].get<uint16_t>();
  }
  if (a.port == 0 || a.key.empty()) {
    std::cerr << "no admin port or key in " << f.dir << " (is the node running? or pass --port "
              << "and --key)\n";
    return std::nullopt;
  }
  return a;
}

}  // namespace examples

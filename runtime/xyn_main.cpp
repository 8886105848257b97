// xyn: the command-line client of a node's admin port.
//   xyn health | services list | services get NAME | services graph
//   xyn services execute NAME ACTION [PARAMS_JSON] [--tenant T] [--idempotency-key K]
//   xyn fault NAME crash|error|latency [--count N] [--latency-ms MS] | faults clear
//   xyn events [--since SEQ] [--topic PREFIX]
// The key comes from --key, XYN_ADMIN_KEY, or <data-dir>/admin.key; the port from --port or
// <data-dir>/node.json (written by the node at start), else 8080.
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "runtime/http/client.hpp"

namespace {

using json = nlohmann::json;

struct connection {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string key;
  std::string data_dir = "./data";

  void resolve() {
    if (port == 0) {
      std::ifstream in(data_dir + "/node.json");
      auto j = json::parse(in, nullptr, false);
      port = (!j.is_discarded() && j.contains("admin_port")) ? j["admin_port"].get<int>() : 8080;
    }
    if (key.empty()) {
      if (const char* k = std::getenv("XYN_ADMIN_KEY")) key = k;
    }
    if (key.empty()) std::getline(std::ifstream(data_dir + "/admin.key"), key);
  }

  // Prints the body (pretty JSON when it is JSON); exit code 0 for 2xx, 1 otherwise.
  int call(const std::string& method, const std::string& target, const std::string& body = {}) {
    resolve();
    std::map<std::string, std::string> headers = {{"authorization", "Bearer " + key}};
    if (!body.empty()) headers["content-type"] = "application/json";
    auto r = xyn::http::fetch(host, static_cast<uint16_t>(port), method, target, body, headers);
    if (!r) {
      std::cerr << "xyn: " << r.error().message() << "\n";
      return 2;
    }
    auto j = json::parse(r->body, nullptr, false);
    std::cout << (j.is_discarded() ? r->body : j.dump(2)) << "\n";
    return r->status >= 200 && r->status < 300 ? 0 : 1;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xyn: talk to a Xynergy node's admin port"};
  app.require_subcommand(1);
  connection c;
  app.add_option("--host", c.host, "node address (default 127.0.0.1)");
  app.add_option("--port", c.port, "admin port (default: from <data-dir>/node.json, else 8080)");
  app.add_option("--key", c.key, "admin key (default: XYN_ADMIN_KEY or <data-dir>/admin.key)");
  app.add_option("--data-dir", c.data_dir, "the node's data directory (default ./data)");
  int code = 0;

  app.add_subcommand("health", "node liveness")->callback([&] { code = c.call("GET", "/health"); });

  auto* services = app.add_subcommand("services", "list, inspect and call services");
  services->require_subcommand(1);
  services->add_subcommand("list", "every service")->callback([&] {
    code = c.call("GET", "/v1/services");
  });
  services->add_subcommand("graph", "dependency graph")->callback([&] {
    code = c.call("GET", "/v1/services/graph");
  });
  std::string name, action, params = "{}", tenant, idem;
  auto* get = services->add_subcommand("get", "one service");
  get->add_option("name", name)->required();
  get->callback([&] { code = c.call("GET", "/v1/services/" + name); });
  auto* exec = services->add_subcommand("execute", "run one action");
  exec->add_option("name", name)->required();
  exec->add_option("action", action)->required();
  exec->add_option("params", params, "params as a JSON object");
  exec->add_option("--tenant", tenant);
  exec->add_option("--idempotency-key", idem);
  exec->callback([&] {
    auto p = json::parse(params, nullptr, false);
    if (p.is_discarded()) {
      std::cerr << "xyn: params are not valid JSON\n";
      code = 2;
      return;
    }
    json body = {{"action", action}, {"params", p}};
    if (!tenant.empty()) body["tenant"] = tenant;
    if (!idem.empty()) body["idempotency_key"] = idem;
    code = c.call("POST", "/v1/services/" + name + "/execute", body.dump());
  });

  std::string kind;
  int count = 1, latency_ms = 0;
  auto* fault = app.add_subcommand("fault", "inject a fault into a service");
  fault->add_option("service", name)->required();
  fault->add_option("kind", kind, "crash, error or latency")->required();
  fault->add_option("--count", count);
  fault->add_option("--latency-ms", latency_ms);
  fault->callback([&] {
    json body = {{"service", name}, {"kind", kind}, {"count", count}};
    if (latency_ms > 0) body["latency_ms"] = latency_ms;
    code = c.call("POST", "/v1/faults", body.dump());
  });
  auto* faults = app.add_subcommand("faults", "manage faults");
  faults->add_subcommand("clear", "clear every fault")->callback([&] {
    code = c.call("DELETE", "/v1/faults");
  });

  uint64_t since = 0;
  std::string topic;
  auto* events = app.add_subcommand("events", "recent events");
  events->add_option("--since", since);
  events->add_option("--topic", topic);
  events->callback([&] {
    code = c.call("GET", "/v1/events?since=" + std::to_string(since) +
                             (topic.empty() ? "" : "&topic=" + topic));
  });

  CLI11_PARSE(app, argc, argv);
  return code;
}

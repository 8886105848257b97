// xyn: the command-line client of a node: its admin port (HTTP) and, for workflows, its client
// gateway on the cluster port (the client library, runtime/client/client.hpp).
//   xyn health | services list | services get NAME | services graph
//   xyn services execute NAME ACTION [PARAMS_JSON] [--tenant T] [--idempotency-key K]
//   xyn fault NAME crash|error|latency [--count N] [--latency-ms MS] | faults clear
//   xyn events [--since SEQ] [--topic PREFIXES] [--tenant T] [--workflow ID] [--limit N] [--page]
//   xyn workflow start [TEMPLATE] --input JSON [--id ID] [--tenant T] [--definition FILE]
//   xyn workflow get ID | history ID | list [--status S] [--template T] [--limit N]
//   xyn workflow cancel ID [--reason R] | signal ID NAME [JSON] | watch ID [--timeout S]
// The key comes from --key, XYN_ADMIN_KEY, or <data-dir>/admin.key; the admin port from --port
// or <data-dir>/node.json (written by the node at start), else 8080; the cluster port from
// --cluster-port or node.json's `cluster_port`, else 4370.
// Exit codes: 0 success, 1 the node refused (or `watch`: the run did not complete), 2 the node
// could not be reached or did not answer in time.
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "runtime/client/client.hpp"
#include "runtime/http/client.hpp"
#include "runtime/http/ws_client.hpp"

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

  // Connects to the client gateway on the cluster port.
  xyn::result<xyn::client::connection> connect_gateway(int cluster_port) {
    resolve();
    xyn::client::connect_options o;
    o.host = host;
    o.key = key;
    if (cluster_port == 0) {
      std::ifstream in(data_dir + "/node.json");
      auto j = json::parse(in, nullptr, false);
      cluster_port = (!j.is_discarded() && j.contains("cluster_port") &&
                      j["cluster_port"].is_number_unsigned())
                         ? j["cluster_port"].get<int>()
                         : 4370;
    }
    o.port = static_cast<uint16_t>(cluster_port);
    return xyn::client::connection::connect(o);
  }

  // Prints a failed call's status; its exit code (2: unreachable or too slow, 1: refused).
  static int report(const xyn::status& st) {
    std::cerr << "xyn: " << st.to_string() << "\n";
    return st.code() == xyn::status_code::unavailable || st.code() == xyn::status_code::timeout ? 2
                                                                                                : 1;
  }

  // Streams a WebSocket's messages to stdout, one per line, until the node closes it or
  // `limit` (> 0) messages came. Exit code 0 when the limit was reached, else as report().
  int follow(const std::string& target, int64_t limit) {
    resolve();
    auto ws = xyn::http::ws_client::connect(host, static_cast<uint16_t>(port), target,
                                            {{"authorization", "Bearer " + key}});
    if (!ws) return report(ws.error());
    for (int64_t n = 0; limit <= 0 || n < limit; ++n) {
      xyn::result<std::string> m = xyn::status::timeout("");
      while (!m && m.error().code() == xyn::status_code::timeout)
        m = (*ws)->read(std::chrono::hours(1));
      if (!m) return report(m.error());
      std::cout << *m << std::endl;
    }
    (*ws)->close();
    return 0;
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

// RFC 3986 percent-encoding of a query value (unreserved characters stay).
std::string url_encode(const std::string& in) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : in) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(hex[ch >> 4]);
      out.push_back(hex[ch & 15]);
    }
  }
  return out;
}

json to_json(const xyn::workflow::submit_reply& r) {
  return {{"id", r.id}, {"status", r.status}, {"created", r.created}};
}

json to_json(const xyn::workflow::run_summary& s) {
  auto out = json::parse(s.output_json, nullptr, false);
  json j = {{"id", s.id},
            {"tenant", s.tenant},
            {"status", s.status},
            {"output", out.is_discarded() ? json(s.output_json) : out}};
  if (!s.error.empty()) j["error"] = s.error;
  return j;
}

// `xyn workflow ...`: over the client library, not the admin port.
void add_workflow_commands(CLI::App& app, connection& c, int& code) {
  static int cluster_port = 0;
  app.add_option("--cluster-port", cluster_port,
                 "cluster port for `workflow` (default: from <data-dir>/node.json, else 4370)");
  auto* wf = app.add_subcommand("workflow", "start, inspect, signal and cancel workflows");
  wf->require_subcommand(1);

  // Runs `fn(connection)` when the gateway answers; sets the exit code.
  auto with_gateway = [&c, &code](auto fn) {
    auto conn = c.connect_gateway(cluster_port);
    if (!conn) {
      code = connection::report(conn.error());
      return;
    }
    code = fn(*conn);
  };
  // Prints a call's JSON answer or its error.
  auto print = [](const auto& r) {
    if (!r) return connection::report(r.error());
    std::cout << to_json(*r).dump(2) << "\n";
    return 0;
  };

  static std::string tmpl, input = "{}", id, tenant = "default", definition_file;
  auto* start = wf->add_subcommand("start", "start a run of a template (or of --definition)");
  start->add_option("template", tmpl, "template name (config/workflows)");
  start->add_option("--input", input, "the input as a JSON object (default {})");
  start->add_option("--id", id, "run id: the same id never starts a second run");
  start->add_option("--tenant", tenant, "whose workflow it is (default: default)");
  start->add_option("--definition", definition_file, "a workflow definition (JSON file)");
  start->callback([=, &code] {
    auto in = json::parse(input, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
      std::cerr << "xyn: --input is not a JSON object\n";
      code = 2;
      return;
    }
    xyn::workflow::submit_request req;
    req.id = id;
    req.tenant = tenant;
    req.input_json = in.dump();
    if (!definition_file.empty()) {
      std::ifstream f(definition_file);
      if (!f) {
        std::cerr << "xyn: cannot read " << definition_file << "\n";
        code = 2;
        return;
      }
      std::stringstream ss;
      ss << f.rdbuf();
      req.definition_json = ss.str();
    } else if (tmpl.empty()) {
      std::cerr << "xyn: name a template or give --definition FILE\n";
      code = 2;
      return;
    } else {
      req.template_name = tmpl;
    }
    with_gateway([&](xyn::client::connection& conn) { return print(conn.submit(req)); });
  });

  static std::string run_id;
  auto* get = wf->add_subcommand("get", "one run: status, steps, output");
  get->add_option("id", run_id)->required();
  get->callback([=] {
    with_gateway([](xyn::client::connection& conn) {
      auto r = conn.get(run_id);
      if (!r) return connection::report(r.error());
      std::cout << r->dump(2) << "\n";
      return 0;
    });
  });

  auto* history = wf->add_subcommand("history", "a run's journal");
  history->add_option("id", run_id)->required();
  history->callback([=] {
    with_gateway([](xyn::client::connection& conn) {
      auto r = conn.history(run_id);
      if (!r) return connection::report(r.error());
      std::cout << r->dump(2) << "\n";
      return 0;
    });
  });

  static xyn::client::list_options q;
  auto* list = wf->add_subcommand("list", "runs, newest first");
  list->add_option("--status", q.status);
  list->add_option("--template", q.template_name);
  list->add_option("--tenant", q.tenant);
  list->add_option("--limit", q.limit, "at most 1000 (default 50)");
  list->add_option("--cursor", q.cursor, "the previous page's next_cursor");
  list->callback([=] {
    with_gateway([](xyn::client::connection& conn) {
      auto r = conn.list(q);
      if (!r) return connection::report(r.error());
      std::cout << r->dump(2) << "\n";
      return 0;
    });
  });

  static std::string reason;
  auto* cancel = wf->add_subcommand("cancel", "cancel a run (completed steps are compensated)");
  cancel->add_option("id", run_id)->required();
  cancel->add_option("--reason", reason);
  cancel->callback([=] {
    with_gateway([=](xyn::client::connection& conn) { return print(conn.cancel(run_id, reason)); });
  });

  static std::string signal_name, payload = "{}";
  auto* signal = wf->add_subcommand("signal", "send a signal (e.g. an approval) to a run");
  signal->add_option("id", run_id)->required();
  signal->add_option("name", signal_name)->required();
  signal->add_option("payload", payload, "JSON (default {})");
  signal->callback([=, &code] {
    auto p = json::parse(payload, nullptr, false);
    if (p.is_discarded()) {
      std::cerr << "xyn: the payload is not valid JSON\n";
      code = 2;
      return;
    }
    with_gateway(
        [=](xyn::client::connection& conn) { return print(conn.signal(run_id, signal_name, p)); });
  });

  static int timeout_s = 3600;
  auto* watch = wf->add_subcommand(
      "watch", "wait until a run ends and print it (exit 0 when it completed, 1 otherwise)");
  watch->add_option("id", run_id)->required();
  watch->add_option("--timeout", timeout_s, "give up after this many seconds (default 3600)");
  watch->callback([=] {
    with_gateway([](xyn::client::connection& conn) {
      auto s = conn.watch(run_id, std::chrono::seconds(std::max(timeout_s, 1)));
      if (!s) {
        // A run that is still going after --timeout did not complete: 1, like any other end.
        auto rc = connection::report(s.error());
        return s.error().code() == xyn::status_code::timeout &&
                       s.error().message().find("did not finish") != std::string::npos
                   ? 1
                   : rc;
      }
      auto run = conn.get(run_id);
      std::cout << (run ? *run : to_json(*s)).dump(2) << "\n";
      return s->status == "completed" ? 0 : 1;
    });
  });
}

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
  bool page = false;
  std::string topic, event_tenant, workflow;
  int64_t limit = 0;
  auto* events =
      app.add_subcommand("events", "print events as they happen, one JSON line each (Ctrl-C ends)");
  events->add_option("--since", since, "first replay what came after this sequence number");
  events->add_option("--topic", topic, "topic prefixes, comma-separated (e.g. workflow.,service.)");
  events->add_option("--tenant", event_tenant, "only this tenant's (and node-wide) events");
  events->add_option("--workflow", workflow, "only the events of this workflow run");
  events->add_option("--limit", limit, "stop after this many events");
  events->add_flag("--page", page, "print the recent events once instead of following");
  events->callback([&] {
    bool has_since = events->count("--since") > 0;
    std::string query;
    auto param = [&](const char* name, const std::string& value) {
      if (value.empty()) return;
      query += (query.empty() ? "?" : "&") + std::string(name) + "=" + url_encode(value);
    };
    param("topic", topic);
    param("tenant", event_tenant);
    param("workflow", workflow);
    if (page || has_since) param("since", std::to_string(since));
    code = page ? c.call("GET", "/v1/events" + query) : c.follow("/v1/events" + query, limit);
  });

  add_workflow_commands(app, c, code);

  CLI11_PARSE(app, argc, argv);
  return code;
}

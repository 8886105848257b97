#pragma once
// client.hpp — the C++ client library of a Xynergy node: a connection to the node's client
// gateway on its cluster port over CAF (caf_io), and the workflow calls of DESIGN.md
// ("Workflows"): submit, get, history, list, watch, signal, cancel.
//
// A connection owns a small actor_system of its own; calls block the calling thread until the
// node answers, the call's timeout passes (status timeout) or the connection to the node is
// lost (status unavailable) — never longer. Errors from the node arrive as the node's status
// (invalid_argument naming the bad step, not_found, unauthenticated, ...). Calls may be made
// from several threads at once. A lost connection is re-established by the next call.
//
//   auto c = xyn::client::connection::connect({.port = 4370, .key = key});
//   auto r = c->submit_template("product_launch", {{"product", "Widget"}});
//   auto done = c->watch(r->id, std::chrono::minutes(5));   // done->status == "completed"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/workflow/messages.hpp"
#include "runtime/base/status.hpp"
#include "runtime/cluster/tls_files.hpp"

namespace xyn::client {

using json = nlohmann::json;

struct connect_options {
  std::string host = "127.0.0.1";
  uint16_t port = 4370;  // the node's cluster port
  std::string key;       // the node's admin key
  // How long connecting (TCP and CAF's handshake) may take.
  std::chrono::milliseconds connect_timeout{5'000};
  // The limit of every call but watch (which has its own).
  std::chrono::milliseconds call_timeout{30'000};
  // During a call longer than this (a watch), a node that stops answering (frozen, cut off)
  // is declared lost after this much silence. A node that exits or closes the connection is
  // noticed at once.
  std::chrono::milliseconds connection_timeout{3'000};
  // For a node whose cluster port is TLS (cluster.tls_*): a certificate the node's CA signed,
  // its key, and that CA. All three or none; connect says which one is wrong.
  cluster::tls_files tls;
};

// Where a local node is: host 127.0.0.1, the port from <data_dir>/node.json (`cluster_port`),
// the key from XYN_ADMIN_KEY or <data_dir>/admin.key, and the node's own TLS files when its
// port is TLS. not_found when the port or key is missing.
result<connect_options> options_from_data_dir(const std::string& data_dir);

struct submit_options {
  std::string id;                  // makes the submit idempotent; empty: the node picks one
  std::string tenant = "default";  // whose workflow it is
};

// Which runs `list` returns; empty fields do not filter.
struct list_options {
  std::string status;
  std::string template_name;
  std::string tenant;
  size_t limit = 50;   // at most 1000
  std::string cursor;  // the previous page's next_cursor
};

class connection {
 public:
  // Connects and checks the key (unauthenticated when it is wrong, unavailable when nothing
  // answers at host:port).
  static result<connection> connect(const connect_options& opts);

  connection(connection&&) noexcept;
  connection& operator=(connection&&) noexcept;
  ~connection();

  // Starts a run of a template of config/workflows, or of a definition (JSON object).
  result<workflow::submit_reply> submit_template(const std::string& template_name,
                                                 const json& input = json::object(),
                                                 const submit_options& o = {});
  result<workflow::submit_reply> submit_definition(const json& definition,
                                                   const json& input = json::object(),
                                                   const submit_options& o = {});
  // The raw request (template_name or definition_json set).
  result<workflow::submit_reply> submit(const workflow::submit_request& req);

  // The run as the admin port shows it: {"id","status","steps":[...],"output",...}.
  result<json> get(const std::string& id);
  // The run's journal: {"id","events":[...]}.
  result<json> history(const std::string& id);
  // {"workflows":[...], "next_cursor"}, newest first.
  result<json> list(const list_options& q = {});

  // Waits until run `id` has finished and returns how it ended (at once if it already has);
  // timeout when it has not finished within `timeout`.
  result<workflow::run_summary> watch(const std::string& id, std::chrono::milliseconds timeout);

  // Delivers signal `name` (e.g. an approval step's) with a JSON payload.
  result<workflow::submit_reply> signal(const std::string& id, const std::string& name,
                                        const json& payload = json::object());
  // Cancels a running workflow: running steps are abandoned, completed ones compensated.
  result<workflow::submit_reply> cancel(const std::string& id, const std::string& reason = {});

  const connect_options& options() const;

 private:
  struct impl;
  explicit connection(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace xyn::client

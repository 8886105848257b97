// The client library and `xyn workflow` against a real node: everything goes over the node's
// cluster port (the client gateway), as a client program's calls do. The admin port is used
// only to look at the services' state behind the workflows.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "runtime/client/client.hpp"
#include "runtime/client/protocol.hpp"
#include "tests/support/node_process.hpp"

using xyn::status_code;
using xyn::client::connection;
using xyn::test::node_process;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A node on free admin and cluster ports.
struct client_node {
  node_process n{{"--cluster-port", "0"}};
  client_node() { n.start(); }

  xyn::client::connect_options options(std::string key = {}) const {
    xyn::client::connect_options o;
    o.port = n.cluster_port();
    o.key = key.empty() ? n.key() : key;
    o.call_timeout = 20s;
    return o;
  }
  connection connect() const {
    auto c = connection::connect(options());
    if (!c) FAIL("connect: " << c.error().to_string());
    return std::move(*c);
  }
};

// page (content-hub create, compensated by delete) -> publish
json two_step_definition() {
  return json::parse(R"({
    "name": "client_two_step", "version": "1",
    "inputs": [{"name": "title", "type": "string", "required": true}],
    "steps": [
      {"id": "page", "service": "content-hub", "action": "create",
       "params": {"title": "${input.title}", "body": "written by client_test"},
       "compensate": {"action": "delete", "params": {"id": "${steps.page.output.id}"}}},
      {"id": "publish", "service": "content-hub", "action": "publish", "depends_on": ["page"],
       "params": {"id": "${steps.page.output.id}"}}
    ],
    "output": {"page": "${steps.page.output.id}"}
  })");
}

// page -> approval (signal "approve") -> publish
json approval_definition() {
  auto d = two_step_definition();
  d["name"] = "client_approval";
  d["steps"][1]["depends_on"] = {"approve"};
  d["steps"].insert(d["steps"].begin() + 1, json{{"id", "approve"},
                                                 {"kind", "approval"},
                                                 {"signal", "approve"},
                                                 {"depends_on", {"page"}}});
  return d;
}

const json* find_step(const json& run, const std::string& id) {
  auto steps = run.find("steps");
  if (steps == run.end() || !steps->is_array()) return nullptr;
  for (const auto& s : *steps)
    if (s.value("id", "") == id) return &s;
  return nullptr;
}

// Waits until step `step` of run `id` has status `want`.
bool step_reaches(connection& c, const std::string& id, const std::string& step,
                  const std::string& want) {
  return node_process::eventually([&] {
    auto run = c.get(id);
    if (!run) return false;
    auto* s = find_step(*run, step);
    return s && s->value("status", "") == want;
  });
}

// Runs `xyn` with `args`; its exit code and stdout.
std::pair<int, std::string> run_cli(const std::string& args) {
  auto r = xyn::test::run_command(std::string("timeout 60 ") + XYN_CLI_BINARY + " " + args);
  return {r.exit_code, r.out};
}

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

}  // namespace

TEST_CASE("client: submit a definition, watch it complete, get it, list it, read its history",
          "[integration][client]") {
  client_node node;
  auto c = node.connect();
  auto r = c.submit_definition(two_step_definition(), {{"title", "Spring launch"}},
                               {.id = "client-run-1", .tenant = "acme"});
  REQUIRE(r.ok());
  CHECK(r->id == "client-run-1");
  CHECK(r->created);

  auto done = c.watch("client-run-1", 20s);
  REQUIRE(done.ok());
  CHECK(done->status == "completed");
  CHECK(done->tenant == "acme");
  auto output = json::parse(done->output_json);
  REQUIRE(output.contains("page"));
  CHECK_FALSE(output["page"].get<std::string>().empty());

  auto run = c.get("client-run-1");
  REQUIRE(run.ok());
  CHECK((*run)["status"] == "completed");
  REQUIRE(find_step(*run, "publish"));
  CHECK((*find_step(*run, "publish"))["status"] == "completed");
  CHECK((*run)["output"] == output);

  // The same id again starts nothing new.
  auto again = c.submit_definition(two_step_definition(), {{"title", "Spring launch"}},
                                   {.id = "client-run-1", .tenant = "acme"});
  REQUIRE(again.ok());
  CHECK_FALSE(again->created);

  xyn::client::list_options q;
  q.tenant = "acme";
  auto list = c.list(q);
  REQUIRE(list.ok());
  REQUIRE((*list)["workflows"].size() == 1);
  CHECK((*list)["workflows"][0]["id"] == "client-run-1");
  CHECK((*list)["workflows"][0]["status"] == "completed");
  q.status = "running";
  auto none = c.list(q);
  REQUIRE(none.ok());
  CHECK((*none)["workflows"].empty());

  auto history = c.history("client-run-1");
  REQUIRE(history.ok());
  CHECK((*history)["events"].size() >= 4);

  auto missing = c.get("no-such-run");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code() == status_code::not_found);
  auto missing_watch = c.watch("no-such-run", 2s);
  REQUIRE_FALSE(missing_watch.ok());
  CHECK(missing_watch.error().code() == status_code::not_found);
}

TEST_CASE("client: a wrong key is refused and changes nothing", "[integration][client]") {
  client_node node;
  auto refused = connection::connect(node.options("not-the-key"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == status_code::unauthenticated);

  // The admin (HTTP) port never answers CAF's handshake: a clear error, not a hang.
  auto http = node.options();
  http.port = node.n.port();
  http.connect_timeout = 1s;
  auto t0 = std::chrono::steady_clock::now();
  auto not_caf = connection::connect(http);
  REQUIRE_FALSE(not_caf.ok());
  CHECK(not_caf.error().code() == status_code::unavailable);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);

  // Straight at the gateway, bypassing the library's hello: the submit must not happen.
  {
    caf::actor_system_config cfg;
    xyn::workflow::announce_workflow_messages(cfg);
    cfg.load<caf::io::middleman>();
    caf::actor_system sys{cfg};
    auto gw = sys.middleman().remote_actor("127.0.0.1", node.n.cluster_port());
    REQUIRE(gw);
    xyn::workflow::submit_request req;
    req.id = "sneaky";
    req.definition_json = two_step_definition().dump();
    req.input_json = R"({"title":"x"})";
    caf::scoped_actor self{sys};
    bool got_error = false;
    self->request(*gw, 10s, xyn::client::gw_submit_atom::value, std::string("wrong"), req)
        .receive([](const xyn::workflow::submit_reply&) { FAIL("a wrong key was accepted"); },
                 [&](const caf::error& err) {
                   got_error = true;
                   CHECK(err.category() == caf::atom("xyn"));
                   CHECK(err.code() == static_cast<uint8_t>(status_code::unauthenticated));
                 });
    CHECK(got_error);
    self->request(*gw, 10s, xyn::client::gw_list_atom::value, std::string(""), std::string("{}"))
        .receive([](const std::string&) { FAIL("a missing key was accepted"); },
                 [&](const caf::error& err) {
                   CHECK(err.code() == static_cast<uint8_t>(status_code::unauthenticated));
                 });
  }
  auto c = node.connect();
  auto run = c.get("sneaky");
  REQUIRE_FALSE(run.ok());
  CHECK(run.error().code() == status_code::not_found);
  auto list = c.list();
  REQUIRE(list.ok());
  CHECK((*list)["workflows"].empty());
}

TEST_CASE("client: an approval waits for its signal, then the run completes",
          "[integration][client]") {
  client_node node;
  auto c = node.connect();
  auto r = c.submit_definition(approval_definition(), {{"title", "Needs a yes"}});
  REQUIRE(r.ok());
  auto id = r->id;
  CHECK_FALSE(id.empty());
  REQUIRE(step_reaches(c, id, "approve", "waiting"));
  auto run = c.get(id);
  REQUIRE(run.ok());
  CHECK((*run)["status"] == "running");
  CHECK((*find_step(*run, "publish"))["status"] == "pending");

  // Watching a run that is still waiting ends with a clear timeout, not a hang.
  auto t0 = std::chrono::steady_clock::now();
  auto early = c.watch(id, 300ms);
  REQUIRE_FALSE(early.ok());
  CHECK(early.error().code() == status_code::timeout);
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);

  // A signal the run does not wait for leaves it waiting.
  c.signal(id, "something-else", json::object());
  CHECK((*find_step(*c.get(id), "approve"))["status"] == "waiting");

  auto s = c.signal(id, "approve", {{"by", "client_test"}});
  REQUIRE(s.ok());
  auto done = c.watch(id, 20s);
  REQUIRE(done.ok());
  CHECK(done->status == "completed");
  auto final_run = c.get(id);
  REQUIRE(final_run.ok());
  CHECK((*find_step(*final_run, "approve"))["status"] == "completed");
  CHECK((*find_step(*final_run, "publish"))["status"] == "completed");
}

TEST_CASE("client: cancel compensates the completed steps", "[integration][client]") {
  client_node node;
  auto c = node.connect();
  auto r = c.submit_definition(approval_definition(), {{"title", "Never approved"}},
                               {.id = "to-cancel", .tenant = "cancels"});
  REQUIRE(r.ok());
  REQUIRE(step_reaches(c, "to-cancel", "approve", "waiting"));
  auto page_id = (*find_step(*c.get("to-cancel"), "page"))["output"]["id"].get<std::string>();

  auto cancelled = c.cancel("to-cancel", "changed our mind");
  REQUIRE(cancelled.ok());
  auto done = c.watch("to-cancel", 20s);
  REQUIRE(done.ok());
  CHECK(done->status == "cancelled");
  auto run = c.get("to-cancel");
  REQUIRE(run.ok());
  CHECK((*find_step(*run, "page"))["status"] == "compensated");
  CHECK((*find_step(*run, "publish"))["status"] != "completed");

  // The compensation really deleted the page the first step created.
  auto item =
      node.n.post("/v1/services/content-hub/execute",
                  {{"action", "get"}, {"tenant", "cancels"}, {"params", {{"id", page_id}}}});
  CHECK(item.body["status"] == "error");

  // A finished run cannot be cancelled again; an unknown one is not found.
  auto twice = c.cancel("to-cancel");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().code() == status_code::already_exists);
  auto unknown = c.cancel("no-such-run");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code() == status_code::not_found);
}

TEST_CASE("client: a bad definition is refused with the step named", "[integration][client]") {
  client_node node;
  auto c = node.connect();
  auto def = two_step_definition();
  def["steps"].push_back({{"id", "ghost_step"},
                          {"service", "no-such-service"},
                          {"action", "haunt"},
                          {"depends_on", {"page"}}});
  auto r = c.submit_definition(def, {{"title", "x"}}, {.id = "bad-def"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == status_code::invalid_argument);
  CHECK_THAT(r.error().message(), Catch::Contains("ghost_step"));
  CHECK_THAT(r.error().message(), Catch::Contains("no-such-service"));

  auto no_input = c.submit_definition(two_step_definition(), json::object());
  REQUIRE_FALSE(no_input.ok());
  CHECK(no_input.error().code() == status_code::invalid_argument);
  CHECK_THAT(no_input.error().message(), Catch::Contains("title"));

  auto no_template = c.submit_template("no_such_template", json::object());
  REQUIRE_FALSE(no_template.ok());
  CHECK(no_template.error().code() != status_code::ok);

  // Nothing was started by any of them.
  CHECK(c.get("bad-def").error().code() == status_code::not_found);
  CHECK((*c.list())["workflows"].empty());
}

TEST_CASE("client: a lost node becomes unavailable at once, not a hang", "[integration][client]") {
  client_node node;
  auto c = node.connect();
  auto r = c.submit_definition(approval_definition(), {{"title", "orphan"}}, {.id = "orphan"});
  REQUIRE(r.ok());
  REQUIRE(step_reaches(c, "orphan", "approve", "waiting"));

  // A watch in flight when the node dies ends with unavailable within moments.
  std::optional<xyn::result<xyn::workflow::run_summary>> watched;
  std::chrono::steady_clock::duration took{};
  std::thread watcher([&] {
    auto t0 = std::chrono::steady_clock::now();
    watched = c.watch("orphan", 60s);
    took = std::chrono::steady_clock::now() - t0;
  });
  node_process::sleep_ms(300);
  node.n.kill9();
  watcher.join();
  REQUIRE(watched.has_value());
  REQUIRE_FALSE(watched->ok());
  CHECK(watched->error().code() == status_code::unavailable);
  CHECK(took < 5s);

  auto t0 = std::chrono::steady_clock::now();
  auto after = c.get("orphan");
  REQUIRE_FALSE(after.ok());
  CHECK(after.error().code() == status_code::unavailable);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);

  auto nobody = connection::connect(node.options());
  REQUIRE_FALSE(nobody.ok());
  CHECK(nobody.error().code() == status_code::unavailable);
}

TEST_CASE("xyn workflow start / watch / get / list round trip", "[integration][client]") {
  client_node node;
  std::string dir = "--data-dir " + node.n.data_dir().string();

  auto [rc, out] = run_cli(dir + " workflow start product_launch --input " +
                           quoted(R"({"product":"Widget"})") + " --tenant cli");
  REQUIRE(rc == 0);
  auto started = json::parse(out, nullptr, false);
  REQUIRE_FALSE(started.is_discarded());
  std::string id = started.value("id", "");
  REQUIRE_FALSE(id.empty());
  CHECK(started["created"] == true);

  auto [wrc, wout] = run_cli(dir + " workflow watch " + id);
  INFO(wout);
  CHECK(wrc == 0);
  auto watched = json::parse(wout, nullptr, false);
  REQUIRE_FALSE(watched.is_discarded());
  CHECK(watched["id"] == id);
  CHECK(watched["status"] == "completed");
  CHECK(watched["steps"].size() >= 5);

  auto [grc, gout] = run_cli(dir + " workflow get " + id);
  CHECK(grc == 0);
  CHECK(json::parse(gout, nullptr, false)["status"] == "completed");

  auto [lrc, lout] = run_cli(dir + " workflow list --template product_launch --limit 5");
  CHECK(lrc == 0);
  auto listed = json::parse(lout, nullptr, false);
  REQUIRE(listed["workflows"].size() == 1);
  CHECK(listed["workflows"][0]["id"] == id);

  // A custom definition from a file, approved from the command line.
  auto def_file = node.n.data_dir() / "approval.json";
  std::ofstream(def_file) << approval_definition().dump();
  auto [src, sout] = run_cli(dir + " workflow start --definition " + def_file.string() +
                             " --id cli-approval --input " + quoted(R"({"title":"t"})"));
  REQUIRE(src == 0);
  auto c = node.connect();
  REQUIRE(step_reaches(c, "cli-approval", "approve", "waiting"));
  auto [wt, wtout] = run_cli(dir + " workflow watch cli-approval --timeout 1 2>/dev/null");
  CHECK(wt == 1);  // still waiting: not completed
  CHECK(run_cli(dir + " workflow signal cli-approval approve " + quoted(R"({"ok":true})")).first ==
        0);
  CHECK(run_cli(dir + " workflow watch cli-approval").first == 0);

  // Errors: a bad definition exits 1 with the message on stderr; a wrong key too.
  CHECK(run_cli(dir + " workflow get no-such-run 2>/dev/null").first == 1);
  CHECK(run_cli(dir + " --key wrong workflow list 2>/dev/null").first == 1);
  // No node at the given port: 2.
  CHECK(run_cli(dir + " --cluster-port 1 workflow list 2>/dev/null").first == 2);
}

// The engine inside a real node in this process: the workflow actors, the manager's
// supervision, passivation, and large runs. (The HTTP API is tested against node processes
// in tests/integration/workflow_api_test.cpp.)
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include <caf/all.hpp>

#include "actors/workflow/journal.hpp"
#include "actors/workflow/messages.hpp"
#include "actors/workflow/view.hpp"
#include "actors/workflow/workflow_actor.hpp"
#include "runtime/mesh/messages.hpp"
#include "runtime/node/names.hpp"
#include "runtime/node/node.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "runtime/store/messages.hpp"

using namespace std::chrono_literals;
namespace wf = xyn::workflow;
using json = nlohmann::json;

namespace {

class local_node {
 public:
  explicit local_node(std::vector<std::pair<std::string, std::string>> settings = {}) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("xyn-engine-" + std::to_string(rd()));
    xyn::node::node_config cfg;
    REQUIRE(xyn::node::apply_json(cfg, xyn::node::embedded_default_config(), "embedded").ok());
    cfg.data_dir = dir_.string();
    cfg.admin_port = 0;
    cfg.cluster_port = 0;
    cfg.log_level = "warn";
    for (const auto& [k, v] : settings) REQUIRE(xyn::node::apply_setting(cfg, k, v, "test").ok());
    REQUIRE(xyn::node::finalize(cfg).ok());
    auto n = xyn::node::node::start(cfg, "test-key");
    REQUIRE(n.ok());
    node_ = std::move(*n);
    env_ = node_->store();
  }
  ~local_node() {
    env_.reset();
    node_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  caf::actor_system& sys() { return node_->actors(); }
  caf::actor manager() { return xyn::node::lookup(sys(), xyn::node::workflows_name); }

  std::string submit(const json& definition, const json& input = json::object()) {
    wf::submit_request r;
    r.definition_json = definition.dump();
    r.input_json = input.dump();
    std::string id;
    caf::scoped_actor self{sys()};
    self->request(manager(), 30s, wf::submit_atom::value, r)
        .receive([&](wf::submit_reply& rep) { id = rep.id; },
                 [&](caf::error& e) { FAIL(sys().render(e)); });
    return id;
  }

  wf::run_summary wait(const std::string& id, std::chrono::seconds limit = 60s) {
    wf::run_summary out;
    caf::scoped_actor self{sys()};
    self->request(manager(), limit, wf::watch_atom::value, id)
        .receive([&](wf::run_summary& s) { out = s; },
                 [&](caf::error& e) { FAIL(sys().render(e)); });
    return out;
  }

  wf::manager_stats stats() {
    wf::manager_stats out;
    caf::scoped_actor self{sys()};
    self->request(manager(), 10s, wf::wf_stats_atom::value)
        .receive([&](wf::manager_stats& s) { out = s; }, [](caf::error&) {});
    return out;
  }

  template <class... Ts>
  void tell_manager(Ts... xs) {
    caf::anon_send(manager(), xs...);
  }

  json run(const std::string& id) {
    auto r = wf::run_json(*env_, id);
    REQUIRE(r.ok());
    return *r;
  }

  json execute(const std::string& service, const std::string& action, const json& params) {
    xyn::mesh::step_request req;
    req.action = action;
    req.params = params.dump();
    json out;
    caf::scoped_actor self{sys()};
    self->request(xyn::node::lookup(sys(), xyn::node::mesh_name), 10s,
                  xyn::mesh::execute_atom::value, service, req)
        .receive([&](xyn::mesh::step_response& r) { out = json::parse(r.output); },
                 [&](caf::error& e) { FAIL(sys().render(e)); });
    return out;
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<xyn::node::node> node_;
  std::shared_ptr<xyn::store::lmdb_env> env_;
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

json create_then_sleep(int sleep_ms, const std::string& title) {
  return {{"name", "nap"},
          {"steps",
           {{{"id", "make"},
             {"service", "content-hub"},
             {"action", "create"},
             {"params", {{"title", title}, {"body", "b"}}}},
            {{"id", "nap"}, {"kind", "sleep"}, {"duration_ms", sleep_ms}, {"depends_on", {"make"}}},
            {{"id", "read"},
             {"service", "content-hub"},
             {"action", "get"},
             {"params", {{"id", "${steps.make.output.id}"}}},
             {"depends_on", {"nap"}}}}}};
}

size_t items_titled(local_node& n, const std::string& title) {
  auto list = n.execute("content-hub", "list", json::object());
  size_t count = 0;
  for (const auto& item : list["items"])
    if (item["title"] == title) ++count;
  return count;
}

}  // namespace

TEST_CASE("a crashed workflow is restarted from its journal and the others never notice",
          "[engine]") {
  local_node n;
  auto a = n.submit(create_then_sleep(600, "crash-a"));
  auto b = n.submit(create_then_sleep(600, "crash-b"));
  REQUIRE(eventually([&] { return n.run(a)["steps"][1]["status"] == "sleeping"; }));
  caf::scoped_actor self{n.sys()};
  bool crashed = false;
  self->request(n.manager(), 5s, wf::crash_atom::value, a)
      .receive([&](bool ok) { crashed = ok; }, [](caf::error&) {});
  REQUIRE(crashed);
  CHECK(n.wait(a).status == "completed");
  CHECK(n.wait(b).status == "completed");
  CHECK(n.stats().restarts == 1);
  // The create ran once: the restarted run replayed its completion instead of acting again.
  CHECK(items_titled(n, "crash-a") == 1);
  CHECK(items_titled(n, "crash-b") == 1);
}

TEST_CASE("runs that only wait are passivated and come back on their signal", "[engine]") {
  local_node n(
      std::vector<std::pair<std::string, std::string>>{{"workflows.passivate_after_ms", "50"}});
  json def = {{"name", "wait"},
              {"steps",
               {{{"id", "ok"}, {"kind", "approval"}, {"signal", "go"}},
                {{"id", "nap"}, {"kind", "sleep"}, {"duration_ms", 300}, {"depends_on", {"ok"}}}}}};
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(n.submit(def));
  REQUIRE(eventually([&] {
    auto s = n.stats();
    return s.parked == 40 && s.active == 0;
  }));
  caf::scoped_actor self{n.sys()};
  for (const auto& id : ids)
    self->request(n.manager(), 10s, wf::signal_atom::value, id, std::string("go"),
                  std::string(R"({"by":"test"})"))
        .receive([](wf::submit_reply&) {}, [&](caf::error& e) { FAIL(n.sys().render(e)); });
  // After the signal each run sleeps 300 ms: longer than 50 ms, so it parks again and the
  // manager's timer wakes it.
  for (const auto& id : ids) CHECK(n.wait(id).status == "completed");
  auto s = n.stats();
  CHECK(s.parked == 0);
  CHECK(s.active == 0);
  CHECK(n.run(ids[0])["steps"][0]["output"]["payload"]["by"] == "test");
}

TEST_CASE("a workflow of 10,000 steps and a step output of 1 MiB", "[engine][large]") {
  local_node n;
  SECTION("10,000 steps") {
    json steps = json::array();
    for (int i = 0; i < 10000; ++i) {
      json s = {
          {"id", "s" + std::to_string(i)}, {"service", "system-runtime"}, {"action", "clock"}};
      if (i >= 1000) s["depends_on"] = {"s" + std::to_string(i - 1000)};  // 10 layers of 1,000
      steps.push_back(s);
    }
    json def = {
        {"name", "wide"}, {"steps", steps}, {"output", {{"last", "${steps.s9999.output}"}}}};
    auto t0 = std::chrono::steady_clock::now();
    auto id = n.submit(def);
    auto done = n.wait(id, 300s);
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    WARN("10,000-step workflow completed in " << secs << " s");
    REQUIRE(done.status == "completed");
    auto run = n.run(id);
    CHECK(run["steps"].size() == 10000);
    CHECK(run["steps"][9999]["status"] == "completed");
    CHECK(run["events"].get<int>() >= 20000);
  }
  SECTION("1 MiB output") {
    std::string big(1 << 20, 'x');
    json def = {{"name", "big"},
                {"inputs", {{{"name", "body"}, {"type", "string"}, {"required", true}}}},
                {"steps",
                 {{{"id", "make"},
                   {"service", "content-hub"},
                   {"action", "create"},
                   {"params", {{"title", "big"}, {"body", "${input.body}"}}}},
                  {{"id", "read"},
                   {"service", "content-hub"},
                   {"action", "get"},
                   {"params", {{"id", "${steps.make.output.id}"}}},
                   {"depends_on", {"make"}}}}},
                {"output", {{"body", "${steps.read.output.body}"}}}};
    auto id = n.submit(def, {{"body", big}});
    auto done = n.wait(id);
    REQUIRE(done.status == "completed");
    CHECK(json::parse(done.output_json)["body"].get<std::string>().size() == big.size());
    CHECK(n.run(id)["steps"][1]["output"]["body"].get<std::string>() == big);
  }
}

// The service host as an actor: durable-before-reply, idempotency across in-flight commits, and
// failed actions leaving nothing behind. Commits are held back with the store's test hook.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include <caf/all.hpp>

#include "actors/event.hpp"
#include "actors/service_host.hpp"
#include "actors/services/services.hpp"
#include "runtime/base/keys.hpp"
#include "runtime/mesh/catalog.hpp"
#include "runtime/mesh/mesh.hpp"
#include "runtime/mesh/messages.hpp"
#include "runtime/node/config.hpp"
#include "runtime/node/names.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "runtime/store/messages.hpp"
#include "runtime/store/writer.hpp"
#include "supervisors/supervisor.hpp"

using namespace std::chrono_literals;
using xyn::mesh::step_request;
using xyn::mesh::step_response;
using xyn::mesh::step_status;
using json = nlohmann::json;

namespace {

caf::actor_system_config& announced(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", 2);
  xyn::mesh::announce_messages(cfg);
  xyn::store::announce_messages(cfg);
  xyn::actors::announce_event_messages(cfg);
  xyn::supervisors::announce_messages(cfg);
  return cfg;
}

// A node core without HTTP: store, writer, bus, mesh and one content-hub host.
struct core {
  std::filesystem::path dir;
  std::shared_ptr<xyn::store::lmdb_env> env;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor writer, bus, mesh, host;

  core() {
    dir = std::filesystem::temp_directory_path() /
          ("xyn-host-" + std::to_string(std::random_device{}()));
    xyn::store::options o;
    o.dir = dir.string();
    o.map_size_bytes = 64ull << 20;
    env = *xyn::store::lmdb_env::open(o);
    sys = std::make_unique<caf::actor_system>(announced(cfg));
    writer = caf::actor_cast<caf::actor>(xyn::store::spawn_writer(*sys, env));
    xyn::node::register_as(*sys, xyn::node::store_name, writer);
    bus = xyn::actors::spawn_event_bus(*sys, 100);
    auto cat = std::make_shared<const xyn::mesh::catalog>(
        *xyn::mesh::parse_catalog(xyn::node::embedded_service_catalog()));
    mesh = xyn::mesh::spawn_mesh(*sys, {cat, 5s, {}, {}, {}});
    auto facts = std::make_shared<xyn::actors::node_facts>();
    host = xyn::actors::spawn_service_host(*sys, xyn::actors::services::make_content_hub,
                                           {env, facts});
  }
  ~core() {
    for (auto& a : {host, mesh, bus, writer})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    xyn::node::unregister_all(*sys);
    // Strong handles keep the detached writer's thread from finishing: drop them first.
    host = mesh = bus = writer = nullptr;
    sys.reset();
    env.reset();
    std::filesystem::remove_all(dir);
  }

  step_response call(const std::string& action, const json& params, const std::string& idem = {}) {
    caf::scoped_actor self{*sys};
    step_request r;
    r.action = action;
    r.params = params.dump();
    r.idempotency_key = idem;
    step_response out;
    self->request(host, 5s, xyn::mesh::execute_atom::value, r)
        .receive([&](step_response& resp) { out = std::move(resp); },
                 [&](caf::error& e) { FAIL("execute failed: " << sys->render(e)); });
    return out;
  }
};

// Collects answers from requests sent without waiting, so a test can hold commits meanwhile.
struct async_answers {
  std::mutex mu;
  std::vector<std::pair<int, step_response>> got;
  size_t size() {
    std::lock_guard<std::mutex> g(mu);
    return got.size();
  }
};

void send_async(core& c, std::shared_ptr<async_answers> out, int tag, step_request r) {
  c.sys->spawn(
      [out, tag, r](caf::event_based_actor* self, caf::actor host) {
        self->request(host, 10s, xyn::mesh::execute_atom::value, r)
            .then([out, tag](step_response& resp) {
              std::lock_guard<std::mutex> g(out->mu);
              out->got.emplace_back(tag, std::move(resp));
            });
      },
      c.host);
}

step_request req(const std::string& action, const json& params, const std::string& idem = {}) {
  step_request r;
  r.action = action;
  r.params = params.dump();
  r.idempotency_key = idem;
  return r;
}

}  // namespace

TEST_CASE(
    "the host answers only after the write is durable, in-flight repeats get the first answer") {
  core c;
  REQUIRE(c.call("list", json::object()).status == step_status::ok);  // host is up
  auto answers = std::make_shared<async_answers>();
  {
    auto hold = c.env->test_hold_writes();  // commits block until released
    send_async(c, answers, 1, req("create", {{"title", "Once"}, {"body", "b"}}, "k1"));
    std::this_thread::sleep_for(50ms);
    send_async(c, answers, 2, req("create", {{"title", "Once"}, {"body", "b"}}, "k1"));
    std::this_thread::sleep_for(50ms);
    send_async(c, answers, 3, req("list", json::object()));
    std::this_thread::sleep_for(300ms);
    CHECK(answers->size() == 0);  // nothing answered while the commit cannot happen
  }
  for (int i = 0; i < 500 && answers->size() < 3; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(answers->size() == 3);
  std::map<int, step_response> by_tag(answers->got.begin(), answers->got.end());
  REQUIRE(by_tag[1].status == step_status::ok);
  CHECK(by_tag[1].output == by_tag[2].output);         // the repeat got the first answer
  CHECK(json::parse(by_tag[3].output)["count"] == 1);  // the list saw the in-flight write, once
  // And it is on disk.
  CHECK(c.call("get", {{"id", json::parse(by_tag[1].output)["id"]}}).status == step_status::ok);
}

TEST_CASE("a repeat after the commit returns the recorded answer including errors") {
  core c;
  auto first = c.call("create", {{"title", "A"}, {"body", "b"}}, "same");
  auto again = c.call("create", {{"title", "A"}, {"body", "b"}}, "same");
  CHECK(first.output == again.output);
  CHECK(json::parse(c.call("list", json::object()).output)["count"] == 1);
  auto bad = c.call("create", {{"body", "no title"}}, "bad-once");
  CHECK(bad.status == step_status::error);
  CHECK(bad.error_code == "invalid_params");
  auto bad_again = c.call("create", {{"title", "now valid"}, {"body", "b"}}, "bad-once");
  CHECK(bad_again.status == step_status::error);  // recorded: same key, same answer
  CHECK(json::parse(c.call("list", json::object()).output)["count"] == 1);
}

namespace {

// A service whose `write_then_fail` writes a key and then fails: the host must drop the write.
class half_writer : public xyn::actors::service {
 public:
  half_writer() : service("half-writer", "test") {
    add({"write_then_fail", "", json::object(), "", true, [](xyn::actors::action_context& ctx) {
           ctx.state.put("k", "written");
           return xyn::actors::outcome::failure("boom", "failed after writing");
         }});
    add({"read", "", json::object(), "", false, [](xyn::actors::action_context& ctx) {
           auto v = ctx.state.get("k");
           return xyn::actors::outcome::success({{"found", v.ok()}});
         }});
  }
};

}  // namespace

TEST_CASE("a failed action leaves none of its writes behind") {
  core c;
  auto facts = std::make_shared<xyn::actors::node_facts>();
  auto host = xyn::actors::spawn_service_host(
      *c.sys, [] { return std::make_unique<half_writer>(); }, {c.env, facts});
  caf::scoped_actor self{*c.sys};
  auto call = [&](const std::string& action) {
    step_response out;
    self->request(host, 5s, xyn::mesh::execute_atom::value, req(action, json::object()))
        .receive([&](step_response& r) { out = std::move(r); },
                 [](caf::error&) { FAIL("no answer"); });
    return out;
  };
  CHECK(call("write_then_fail").error_code == "boom");
  CHECK(json::parse(call("read").output)["found"] == false);
  CHECK_FALSE(
      c.env->get(xyn::store::db::service_state, xyn::keys::join({"half-writer", "default", "k"}))
          .ok());
  caf::anon_send_exit(host, caf::exit_reason::user_shutdown);
}

TEST_CASE("bad tenants and bad JSON params are refused without touching state") {
  core c;
  auto r = req("list", json::object());
  r.tenant = "../etc";
  caf::scoped_actor self{*c.sys};
  self->request(c.host, 5s, xyn::mesh::execute_atom::value, r)
      .receive([](step_response& resp) { CHECK(resp.error_code == "invalid_tenant"); },
               [](caf::error&) { FAIL("no answer"); });
  auto bad = req("list", json::object());
  bad.params = "{not json";
  self->request(c.host, 5s, xyn::mesh::execute_atom::value, bad)
      .receive([](step_response& resp) { CHECK(resp.error_code == "invalid_params"); },
               [](caf::error&) { FAIL("no answer"); });
}

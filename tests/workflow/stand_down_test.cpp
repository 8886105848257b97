// A workflow manager in a cluster, with the directory in the test's hands: a run that stands
// down because this node's lease lapsed for a moment (a busy machine) goes on once the lease
// is back, although no new map came and the served shards never changed.

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/workflow/engine.hpp"
#include "actors/workflow/library.hpp"
#include "actors/workflow/messages.hpp"
#include "runtime/cluster/directory.hpp"
#include "runtime/node/names.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "runtime/store/messages.hpp"
#include "runtime/store/writer.hpp"
#include "tests/store/temp_dir.hpp"

using namespace std::chrono_literals;
namespace wf = xyn::workflow;
using json = nlohmann::json;

TEST_CASE("a run that stood down during a lapsed lease goes on when the lease is back") {
  xyn::store::testing::temp_dir tmp;
  auto env = *xyn::store::lmdb_env::open({.dir = tmp.path()});
  caf::actor_system_config cfg;
  xyn::store::announce_messages(cfg);
  wf::announce_workflow_messages(cfg);
  caf::actor_system sys{cfg};
  auto writer = caf::actor_cast<caf::actor>(xyn::store::spawn_writer(sys, env));
  xyn::node::register_as(sys, xyn::node::store_name, writer);

  // One member, "me", owning the only shard; the lease is what the test changes.
  auto members = std::make_shared<xyn::cluster::directory>();
  members->set_replication(1);
  xyn::cluster::member me;
  me.address = "me";
  me.status = xyn::cluster::member_status::up;
  me.self = true;
  members->replace({{me, {}, {}, {}, {}}});
  xyn::cluster::shard_map map;
  map.version = 1;
  map.leader = "me";
  xyn::cluster::shard_assignment only;
  only.owner = "me";
  only.epoch = 1;
  map.shards.push_back(only);
  auto lease_until = [&](std::chrono::steady_clock::time_point t) {
    members->set_shards(map, "me", t);
  };
  lease_until(std::chrono::steady_clock::now() + 1h);

  wf::engine_deps deps;
  deps.env = env;
  deps.lib = *wf::library::make({}, {});
  deps.options.publish_events = false;
  deps.members = members;
  auto manager = wf::spawn_workflow_manager(sys, deps);

  json def = {{"name", "nap"},
              {"version", "1"},
              {"steps", {{{"id", "nap"}, {"kind", "sleep"}, {"duration_ms", 300}}}}};
  wf::submit_request req;
  req.definition_json = def.dump();
  caf::scoped_actor self{sys};
  std::string id;
  self->request(manager, 10s, wf::submit_atom::value, req)
      .receive([&](wf::submit_reply& r) { id = r.id; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
  REQUIRE(!id.empty());

  // The run wakes while the lease has lapsed: it stands down. The lease then comes back with
  // the same map.
  lease_until(std::chrono::steady_clock::now());
  std::this_thread::sleep_for(800ms);
  lease_until(std::chrono::steady_clock::now() + 1h);

  std::string status;
  self->request(manager, 10s, wf::watch_atom::value, id)
      .receive([&](wf::run_summary& s) { status = s.status; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(status == "completed");

  self->send_exit(manager, caf::exit_reason::user_shutdown);
  self->send_exit(writer, caf::exit_reason::user_shutdown);
  xyn::node::unregister_all(sys);  // the registry's handles would keep the writer's thread
}

#include "runtime/node/node.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/event.hpp"
#include "actors/schedule_runner.hpp"
#include "actors/service.hpp"
#include "actors/service_host.hpp"
#include "actors/shard_contents.hpp"
#include "actors/workflow/engine.hpp"
#include "actors/workflow/library.hpp"
#include "actors/workflow/messages.hpp"
#include "actors/workflow/view.hpp"
#include "actors/workflow/workflow_meters.hpp"
#include "runtime/admin/admin_key.hpp"
#include "runtime/admin/admin_metrics.hpp"
#include "runtime/admin/routes.hpp"
#include "runtime/client/gateway.hpp"
#include "runtime/cluster/cluster_actor.hpp"
#include "runtime/cluster/directory.hpp"
#include "runtime/cluster/messages.hpp"
#include "runtime/cluster/tls.hpp"
#include "runtime/http/server.hpp"
#include "runtime/mesh/catalog.hpp"
#include "runtime/mesh/mesh.hpp"
#include "runtime/mesh/messages.hpp"
#include "runtime/mesh/service_board.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/node/master_key.hpp"
#include "runtime/node/names.hpp"
#include "runtime/node/node_metrics.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "runtime/store/writer.hpp"
#include "supervisors/messages.hpp"
#include "supervisors/supervisor.hpp"

namespace xyn::node {

namespace {

using namespace std::chrono_literals;
namespace sup = xyn::supervisors;

constexpr const char* version = "0.1.0";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<caf::actor_system_config> make_actor_config(const node_config& cfg) {
  auto ac = std::make_unique<caf::actor_system_config>();
  auto threads = cfg.scheduler_threads > 0
                     ? cfg.scheduler_threads
                     : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  ac->set("scheduler.max-threads", threads);
  ac->load<caf::io::middleman>();
  if (cfg.cluster_tls().enabled()) cluster::load_tls(*ac, cfg.cluster_tls());
  mesh::announce_messages(*ac);
  cluster::announce_messages(*ac);
  actors::announce_event_messages(*ac);
  store::announce_messages(*ac);
  sup::announce_messages(*ac);
  workflow::announce_workflow_messages(*ac);
  return ac;
}

// The services supervisor: one child per service, each its own one_for_one supervisor over
// the service host. A service that exceeds its intensity makes its supervisor give up; the
// services supervisor restarts it after a backoff and never gives up itself, so nothing a
// service does can take the node down.
caf::actor spawn_services(caf::actor_system& sys, const node_config& cfg,
                          std::shared_ptr<const mesh::catalog> cat, actors::host_deps deps) {
  std::vector<sup::child_spec> children;
  const auto& factories = actors::service_factories();
  for (const auto& entry : cat->services) {
    auto it = factories.find(entry.name);
    if (it == factories.end()) continue;
    if (std::find(cfg.disabled_services.begin(), cfg.disabled_services.end(), entry.name) !=
        cfg.disabled_services.end())
      continue;
    auto make = it->second;
    sup::sup_flags flags;
    flags.strategy = sup::strategy::one_for_one;
    flags.intensity = cfg.service_intensity;
    flags.period = std::chrono::milliseconds(cfg.service_period_ms);
    flags.on_restart = restart_counter(deps.metrics);
    std::string name = entry.name;
    children.push_back({name, [=](caf::actor_system& s) {
                          std::vector<sup::child_spec> host = {{name, [=](caf::actor_system& s2) {
                                                                  return actors::spawn_service_host(
                                                                      s2, make, deps);
                                                                }}};
                          return sup::spawn_supervisor(s, "service:" + name, flags,
                                                       std::move(host));
                        }});
  }
  sup::sup_flags flags;
  flags.strategy = sup::strategy::one_for_one;
  flags.intensity = -1;
  flags.backoff.initial = std::chrono::milliseconds(cfg.service_backoff_initial_ms);
  flags.backoff.max = std::chrono::milliseconds(cfg.service_backoff_max_ms);
  flags.on_restart = restart_counter(deps.metrics);
  return sup::spawn_supervisor(sys, "services", flags, std::move(children), lookup(sys, mesh_name));
}

class running_node : public node {
 public:
  running_node(node_config cfg) : cfg_(std::move(cfg)) {}
  ~running_node() override { drain(); }

  uint16_t admin_port() const override { return server_ ? server_->port() : 0; }
  const node_config& config() const override { return cfg_; }
  caf::actor_system& actors() override { return *system_; }
  std::shared_ptr<store::lmdb_env> store() override { return env_; }

  status boot(const std::string& admin_key_env, const std::string& master_key_env) {
    std::error_code ec;
    std::filesystem::create_directories(cfg_.data_dir, ec);
    if (ec)
      return status::io_error("cannot create data directory '" + cfg_.data_dir +
                              "': " + ec.message());
    store::options so;
    so.dir = cfg_.data_dir + "/store";
    so.map_size_bytes = static_cast<uint64_t>(cfg_.store_map_size_mb) << 20;
    auto env = store::lmdb_env::open(so);
    if (!env) return env.error();
    env_ = *env;
    auto key = admin::admin_key::load_or_create(cfg_.data_dir, admin_key_env);
    if (!key) return key.error();
    auto master = load_or_create_master_key(cfg_.data_dir, master_key_env);
    if (!master) return master.error();
    auto cat = mesh::parse_catalog(embedded_service_catalog());
    if (!cat) return cat.error();
    catalog_ = std::make_shared<const mesh::catalog>(std::move(*cat));
    for (const auto& name : cfg_.disabled_services)
      if (!catalog_->find(name))
        return status::invalid_argument("key 'services.disabled': no service named '" + name + "'");
    auto lib = workflow::library::make(catalog_->names());
    if (!lib) return lib.error();
    library_ = *lib;

    facts_ = std::make_shared<actors::node_facts>();
    facts_->node_name = cfg_.node_name;
    facts_->version = version;
    facts_->started_at_ms = now_ms();
    facts_->data_dir = cfg_.data_dir;
    facts_->service_names = catalog_->names();
    for (const auto& [name, t] : library_->templates()) facts_->workflow_templates.push_back(name);
    facts_->master_key = std::move(*master);
    facts_->settings["ai"] = ai_settings(cfg_);
    add_node_controls(*facts_);
    add_process_metrics(*metrics_, cfg_.node_name, version, facts_->started_at_ms);

    actor_cfg_ = make_actor_config(cfg_);
    system_ = std::make_unique<caf::actor_system>(*actor_cfg_);
    // The gateway first: the cluster port is this node's address in the cluster.
    if (auto st = publish_gateway(*key); !st.ok()) return st;
    start_tree();
    if (!wait_for_services(10s)) spdlog::warn("not every service registered within 10 s");

    admin::route_context rc{system_.get(),         catalog_, *key,     cfg_.node_name,
                            facts_->started_at_ms, env_,     library_, members_};
    router_ = std::make_unique<http::router>();
    admin::add_routes(*router_, rc);
    admin::add_metrics_route(*router_, metrics_);
    router_->set_observer(admin::request_meter(metrics_));
    http::server_options ho;
    ho.address = cfg_.admin_address;
    ho.port = cfg_.admin_port;
    ho.threads = cfg_.admin_threads;
    ho.max_body_bytes = static_cast<size_t>(cfg_.admin_max_body_bytes);
    ho.on_websocket = admin::websocket_meter(metrics_);
    server_ = std::make_unique<http::server>(*router_, ho);
    if (auto st = server_->start(); !st.ok()) return st;
    write_ports_file();
    spdlog::info("node '{}' up: admin http://{}:{}/ data {}", cfg_.node_name, cfg_.admin_address,
                 server_->port(), cfg_.data_dir);
    return {};
  }

  void drain() override {
    if (drained_) return;
    drained_ = true;
    if (server_) server_->stop();
    if (system_ && root_) {
      caf::scoped_actor self{*system_};
      leave_cluster(self);
      self->monitor(root_);
      self->send_exit(root_, caf::exit_reason::user_shutdown);
      self->receive([](const caf::down_msg&) {},
                    caf::after(std::chrono::seconds(4)) >>
                        [] { spdlog::warn("supervision tree did not stop within 4 s"); });
      root_ = nullptr;
      unregister_all(*system_);
      if (gateway_) {
        system_->middleman().unpublish(gateway_, cluster_port_);
        self->send_exit(gateway_, caf::exit_reason::user_shutdown);
        gateway_ = nullptr;
      }
    }
    system_.reset();  // waits for every actor
    server_.reset();
    env_.reset();
    spdlog::info("node '{}' drained", cfg_.node_name);
  }

 private:
  // root (rest_for_one): store writer, event bus, mesh, services, workflows, scheduler,
  // cluster. A restart of an early child restarts the ones that depend on it.
  void start_tree() {
    auto env = env_;
    auto cfg = cfg_;
    auto cat = catalog_;
    actors::host_deps deps{env_, facts_, metrics_, {}};
    if (!cfg_.cluster_secret.empty()) deps.members = members_;
    members_->set_replication(static_cast<int>(cfg_.cluster_replication));
    workflow::engine_deps wf{
        env_, library_, {}, draining_, std::make_shared<workflow::workflow_meters>(*metrics_)};
    wf.options.default_step_timeout_ms = cfg_.execute_timeout_ms;
    wf.options.passivate_after_ms = cfg_.workflow_passivate_after_ms;
    wf.options.resume_batch = static_cast<int>(cfg_.workflow_resume_batch);
    wf.members = deps.members;
    std::vector<sup::child_spec> children = {
        {"store",
         [env, metrics = metrics_, members = deps.members,
          self = cfg_.admin_address + ":" + std::to_string(cluster_port_)](caf::actor_system& s) {
           store::writer_options wo;
           wo.metrics = metrics;
           wo.shard_contents = actors::shard_contents;
           if (members) {
             wo.self = self;
             wo.replica_for = [members](const std::string& t) { return members->replica_for(t); };
             wo.serves = [members](const std::string& t) { return members->route(t).here; };
             wo.accepts = [members](const std::string& from, const std::string& tenant,
                                    std::optional<uint32_t> shard) {
               return members->accepts_copy(from, tenant, shard);
             };
           }
           auto w = caf::actor_cast<caf::actor>(store::spawn_writer(s, env, wo));
           register_as(s, store_name, w);
           return w;
         }},
        {"events",
         [cfg](caf::actor_system& s) {
           return actors::spawn_event_bus(s, static_cast<size_t>(cfg.event_ring_size));
         }},
        {"mesh",
         [cfg, cat, board = board_, members = members_](caf::actor_system& s) {
           mesh::mesh_options mo;
           mo.services = cat;
           mo.default_timeout = std::chrono::milliseconds(cfg.execute_timeout_ms);
           mo.board = board;
           mo.disabled = {cfg.disabled_services.begin(), cfg.disabled_services.end()};
           // Alone (no cluster secret) every tenant is served here, as before clustering.
           if (!cfg.cluster_secret.empty()) mo.members = members;
           return mesh::spawn_mesh(s, std::move(mo));
         }},
        {"services",
         [cfg, cat, deps](caf::actor_system& s) {
           auto sup = spawn_services(s, cfg, cat, deps);
           register_as(s, services_name, sup);
           return sup;
         }},
        {"workflows",
         [wf](caf::actor_system& s) { return workflow::spawn_workflow_manager(s, wf); }},
        {"scheduler",
         [env](caf::actor_system& s) { return actors::spawn_schedule_runner(s, env, {}); }},
        // Last: nothing depends on its actor (the mesh reads the shared directory), so its
        // restart restarts nothing else.
        {"cluster",
         [co = cluster_options()](caf::actor_system& s) { return cluster::spawn_cluster(s, co); }},
    };
    sup::sup_flags flags;
    flags.strategy = sup::strategy::rest_for_one;
    flags.intensity = 10;
    flags.period = 10s;
    flags.on_restart = restart_counter(metrics_);
    root_ = sup::spawn_supervisor(*system_, "root", flags, std::move(children));
  }

  // Tells the other members this node is leaving, so they drop it instead of declaring it down.
  void leave_cluster(caf::scoped_actor& self) {
    auto c = lookup(*system_, cluster_name);
    if (!c || cfg_.cluster_secret.empty()) return;
    self->request(c, 1s, cluster::cl_leave_atom::value)
        .receive([](caf::ok_atom) {}, [](caf::error&) {});
    // The notes leave through the middleman's own threads; give them a moment on the wire.
    std::this_thread::sleep_for(50ms);
  }

  cluster::cluster_options cluster_options() const {
    cluster::cluster_options o;
    o.address = cfg_.admin_address + ":" + std::to_string(cluster_port_);
    o.name = cfg_.node_name;
    o.secret = cfg_.cluster_secret;
    o.tls = cfg_.cluster_tls().enabled();
    o.seeds = cfg_.seeds;
    o.heartbeat = std::chrono::milliseconds(cfg_.cluster_heartbeat_ms);
    o.membership.phi.expected_interval = o.heartbeat;
    o.membership.phi.acceptable_pause = std::chrono::milliseconds(cfg_.cluster_acceptable_pause_ms);
    o.membership.phi.min_std_deviation = std::max<std::chrono::milliseconds>(o.heartbeat / 2, 10ms);
    o.membership.phi_threshold = static_cast<double>(cfg_.cluster_phi_threshold);
    o.membership.down_after = std::chrono::milliseconds(cfg_.cluster_down_after_ms);
    o.shards = static_cast<uint32_t>(cfg_.cluster_shards);
    o.replication = static_cast<int>(cfg_.cluster_replication);
    // Silence for longer than a heartbeat plus the acceptable pause is the earliest the others
    // can begin to suspect this node, and they take over only after down_after on top of that.
    // The lease runs from the send time of a heartbeat a majority echoed (one interval older
    // than their last word), so it keeps half of down_after as its margin.
    o.lease = o.heartbeat + o.membership.phi.acceptable_pause + o.membership.down_after / 2;
    o.members = members_;
    o.board = board_;
    return o;
  }

  // Client programs (runtime/client) reach the node over CAF on the cluster port. The gateway
  // checks the admin key on every request, so nothing unauthenticated is reachable there.
  status publish_gateway(const admin::admin_key& key) {
    gateway_ = client::spawn_gateway(*system_, key, env_,
                                     cfg_.cluster_secret.empty() ? nullptr : members_);
    auto port = cluster::publish_on(gateway_, cfg_.cluster_port, cfg_.admin_address,
                                    cfg_.cluster_tls().enabled());
    if (!port)
      return status::unavailable("cannot listen on cluster port " +
                                 std::to_string(cfg_.cluster_port) + ": " +
                                 system_->render(port.error()));
    cluster_port_ = *port;
    return {};
  }

  // What system-runtime and platform-dashboard may ask of the node (node_facts hooks).
  void add_node_controls(actors::node_facts& facts) {
    auto cat = catalog_;
    facts.restart_service = [this, cat](const std::string& name) -> status {
      if (!cat->find(name)) return status::not_found("no service '" + name + "'");
      // Fire and forget: the asker may be the service being restarted, and its supervisor
      // waits for it to stop. The unused int avoids CAF 0.17 dereferencing a null argument
      // tuple for function actors without arguments (UBSan reports it).
      system_->spawn(
          [name](caf::event_based_actor* self, int) {
            auto services = lookup(self->system(), services_name);
            if (!services) return;
            self->request(services, 5s, sup::which_children_atom::value)
                .then([self, name](const sup::children_info& info) {
                  // Each service has its own supervisor whose one child, the host, has its name.
                  for (const auto& c : info.children)
                    if (c.id == name && c.actor)
                      self->send(c.actor, sup::restart_child_atom::value, name);
                });
          },
          0);
      return {};
    };
    auto draining = draining_;
    facts.set_draining = [draining](bool on) { draining->store(on); };
    facts.draining = [draining] { return draining->load(); };
    facts.service_health = [board = board_] {
      auto list = nlohmann::json::array();
      for (const auto& i : board->snapshot())
        list.push_back({{"name", i.name},
                        {"status", i.status},
                        {"restarts", i.restarts},
                        {"last_error", i.last_error},
                        {"up_since", i.up_since_ms},
                        {"dependencies", i.dependencies}});
      return list;
    };
    auto env = env_;
    facts.workflow_summary = [env](const std::string& tenant, size_t recent_failures) {
      return workflow::status_summary(*env, tenant, recent_failures);
    };
    facts.workflow_view = [env](const std::string& id) -> nlohmann::json {
      auto run = workflow::run_json(*env, id);
      return run ? *run : nlohmann::json();
    };
    facts.workflow_list = [env](const std::string& tenant, size_t limit) -> nlohmann::json {
      workflow::list_query q;
      q.tenant = tenant;
      q.limit = limit;
      auto page = workflow::list_json(*env, q);
      return page ? (*page)["workflows"] : nlohmann::json::array();
    };
  }

  bool wait_for_services(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    caf::scoped_actor self{*system_};
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = lookup(*system_, mesh_name);
      bool all_up = false;
      if (m) {
        self->request(m, 1s, mesh::list_atom::value)
            .receive(
                [&](const std::vector<mesh::service_info>& list) {
                  all_up = std::all_of(list.begin(), list.end(), [](const auto& i) {
                    return i.status == "up" || i.status == "disabled";
                  });
                },
                [](caf::error&) {});
      }
      if (all_up) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  void write_ports_file() {
    nlohmann::json j = {{"admin_port", server_->port()},
                        {"cluster_port", cluster_port_},
                        {"pid", ::getpid()},
                        {"node", cfg_.node_name}};
    // A client program on this machine connects as the node does (client.hpp).
    if (auto tls = cfg_.cluster_tls(); tls.enabled())
      j["tls"] = {{"certificate", tls.certificate}, {"key", tls.key}, {"ca", tls.ca}};
    auto tmp = cfg_.data_dir + "/node.json.tmp";
    std::ofstream(tmp) << j.dump() << "\n";
    std::filesystem::rename(tmp, cfg_.data_dir + "/node.json");
  }

  node_config cfg_;
  std::shared_ptr<store::lmdb_env> env_;
  std::shared_ptr<const mesh::catalog> catalog_;
  std::shared_ptr<const workflow::library> library_;
  std::shared_ptr<actors::node_facts> facts_;
  // This node's metrics (GET /metrics); declared before the actor system and the server, so
  // it outlives everything that records into it.
  std::shared_ptr<metrics::registry> metrics_ = std::make_shared<metrics::registry>();
  std::shared_ptr<mesh::service_board> board_ = std::make_shared<mesh::service_board>();
  std::shared_ptr<cluster::directory> members_ = std::make_shared<cluster::directory>();
  // Set by system-runtime's drain: new workflows are refused, running ones go on.
  std::shared_ptr<std::atomic<bool>> draining_ = std::make_shared<std::atomic<bool>>(false);
  std::unique_ptr<caf::actor_system_config> actor_cfg_;
  std::unique_ptr<caf::actor_system> system_;
  caf::actor root_;
  caf::actor gateway_;
  uint16_t cluster_port_ = 0;
  std::unique_ptr<http::router> router_;
  std::unique_ptr<http::server> server_;
  bool drained_ = false;
};

}  // namespace

result<std::unique_ptr<node>> node::start(node_config cfg, std::string admin_key_env,
                                          std::string master_key_env) {
  auto n = std::make_unique<running_node>(std::move(cfg));
  if (auto st = n->boot(admin_key_env, master_key_env); !st.ok()) return st;
  return std::unique_ptr<node>(std::move(n));
}

}  // namespace xyn::node

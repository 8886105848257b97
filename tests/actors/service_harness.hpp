#pragma once
// service_harness.hpp — runs a service's actions directly against a temporary LMDB
// environment, without actors: each `run` builds a state view, executes, and applies the
// writes (as the host does after a successful action). For unit tests of service logic.

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/local_peers.hpp"
#include "actors/service.hpp"
#include "runtime/base/keys.hpp"
#include "runtime/store/lmdb_env.hpp"

namespace xyn::test {

class service_harness {
 public:
  explicit service_harness(std::unique_ptr<actors::service> svc) : svc_(std::move(svc)) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("xyn-svc-" + std::to_string(rd()));
    store::options o;
    o.dir = dir_.string();
    o.map_size_bytes = 64ull << 20;
    auto env = store::lmdb_env::open(o);
    if (!env) throw std::runtime_error(env.error().to_string());
    env_ = *env;
    init();
  }
  // Shares another harness's store (for seeding a peer service's state).
  service_harness(std::unique_ptr<actors::service> svc, std::shared_ptr<store::lmdb_env> env,
                  std::filesystem::path dir)
      : svc_(std::move(svc)), dir_(std::move(dir)), env_(std::move(env)), owns_dir_(false) {
    init();
  }
  service_harness(const service_harness&) = delete;
  service_harness& operator=(const service_harness&) = delete;

  ~service_harness() {
    peers_.reset();
    env_.reset();
    if (!owns_dir_) return;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Runs `action`; on success the writes become durable before it returns.
  actors::outcome run(const std::string& action, const nlohmann::json& params,
                      const std::string& tenant = "default") {
    actors::overlay_map overlay;
    actors::state_view view(env_.get(), &overlay, keys::prefix({svc_->name(), tenant}));
    actors::action_context ctx{tenant, params, view, facts_, now_ms, peers_.get()};
    auto out = svc_->execute(action, ctx);
    if (out.ok && !view.writes().empty()) {
      store::write_batch wb;
      for (const auto& [k, v] : view.writes()) {
        if (v)
          wb.put(store::db::service_state, k, *v);
        else
          wb.erase(store::db::service_state, k);
      }
      auto st = env_->apply(wb);
      if (!st.ok()) throw std::runtime_error(st.to_string());
    }
    return out;
  }

  // Runs `action` of another service against this harness's store, as a service host does
  // (writes are applied), to seed the state a peer ask will read.
  nlohmann::json ok_on(const std::string& service, const std::string& action,
                       const nlohmann::json& params, const std::string& tenant = "default") {
    auto f = actors::service_factories().find(service);
    if (f == actors::service_factories().end()) throw std::runtime_error("no service " + service);
    service_harness other(f->second(), env_, dir_);
    other.now_ms = now_ms;
    other.facts_ = facts_;  // the same node: master key, settings, hooks
    return other.ok(action, params, tenant);
  }

  // Runs and requires success; returns the output.
  nlohmann::json ok(const std::string& action, const nlohmann::json& params,
                    const std::string& tenant = "default") {
    auto out = run(action, params, tenant);
    if (!out.ok) throw std::runtime_error(action + " failed: " + out.code + ": " + out.message);
    return out.output;
  }

  actors::service& service() { return *svc_; }
  store::lmdb_env& env() { return *env_; }
  std::shared_ptr<store::lmdb_env> shared_env() const { return env_; }
  const std::filesystem::path& dir() const { return dir_; }
  actors::node_facts& facts() { return facts_; }

  int64_t now_ms = 1700000000000;  // tests move time by assigning

 private:
  void init() {
    facts_.node_name = "test-node";
    facts_.version = "test";
    facts_.started_at_ms = 1;
    facts_.data_dir = dir_.string();
    peers_ = std::make_unique<actors::local_peers>(env_.get(), &facts_, [this] { return now_ms; });
  }

  std::unique_ptr<actors::service> svc_;
  std::filesystem::path dir_;
  std::shared_ptr<store::lmdb_env> env_;
  actors::node_facts facts_;
  std::unique_ptr<actors::local_peers> peers_;
  bool owns_dir_ = true;
};

}  // namespace xyn::test

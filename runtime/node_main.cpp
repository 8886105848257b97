// xynergy-node: the daemon. Loads config (embedded defaults < file < XYN_* env < flags), starts
// the node, waits for SIGTERM or SIGINT, drains and exits 0.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "runtime/node/config.hpp"
#include "runtime/node/node.hpp"

extern char** environ;

namespace {

std::map<std::string, std::string> environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

int fail(const std::string& message) {
  std::cerr << "xynergy-node: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xynergy-node: runs one Xynergy node (services, workflows, admin port)"};
  std::string config_file;
  std::map<std::string, std::string> flags;  // key -> value, applied last
  std::vector<std::string> sets;
  app.add_option("--config", config_file, "JSON config file (see config/node.json for every key)");
  auto flag = [&](const char* name, const char* key, const char* help) {
    app.add_option_function<std::string>(
        name, [&flags, key](const std::string& v) { flags[key] = v; }, help);
  };
  flag("--data-dir", "node.data_dir", "data directory (default ./data)");
  flag("--admin-port", "admin.port", "admin HTTP port (default 8080; 0 picks a free one)");
  flag("--cluster-port", "cluster.port", "cluster port (default 4370)");
  flag("--node-name", "node.name", "node name (default: host name)");
  flag("--seeds", "cluster.seeds", "cluster seeds host:port,...");
  flag("--log-level", "log.level", "trace, debug, info, warn, error or off");
  app.add_option("--set", sets, "any config key: --set services.intensity=10 (repeatable)");
  bool print_keys = false;
  app.add_flag("--list-keys", print_keys, "print every config key with its type and variable");
  CLI11_PARSE(app, argc, argv);

  if (print_keys) {
    for (const auto& k : xyn::node::documented_keys())
      std::cout << k.key << "  (" << k.type << ")  " << k.env << "\n";
    return 0;
  }
  auto env = environment();
  auto cfg = xyn::node::load_config(config_file, env);
  if (!cfg) return fail(cfg.error().message());
  for (const auto& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos) return fail("--set wants key=value, got '" + s + "'");
    if (auto st = xyn::node::apply_setting(*cfg, s.substr(0, eq), s.substr(eq + 1), "flag --set");
        !st.ok())
      return fail(st.message());
  }
  for (const auto& [key, value] : flags)
    if (auto st = xyn::node::apply_setting(*cfg, key, value, "flag"); !st.ok())
      return fail(st.message());
  if (auto st = xyn::node::finalize(*cfg); !st.ok()) return fail(st.message());

  spdlog::set_level(spdlog::level::from_str(cfg->log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");

  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto admin_key_env = env.count("XYN_ADMIN_KEY") ? env["XYN_ADMIN_KEY"] : std::string();
  auto master_key_env = env.count("XYN_MASTER_KEY") ? env["XYN_MASTER_KEY"] : std::string();
  auto node = xyn::node::node::start(*cfg, admin_key_env, master_key_env);
  if (!node) return fail(node.error().message());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received {}, draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*node)->drain();
  return 0;
}

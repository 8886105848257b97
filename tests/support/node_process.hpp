#pragma once
// node_process.hpp — a real xynergy-node child process for integration tests.
// Starts the daemon on a fresh temporary data dir with --admin-port 0 (the node picks a free
// port and writes it to <data-dir>/node.json), waits until it answers /health, and talks to it
// over HTTP with the admin key it generated. The destructor kills the process and removes the
// data dir; `kill9`, `terminate` and `restart` exercise crashes and restarts on the same dir.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace xyn::test {

struct http_answer {
  int status = 0;
  nlohmann::json body;  // null when the body is not JSON
  std::string raw;
  std::map<std::string, std::string> headers;
};

class node_process {
 public:
  // `extra_args` go on the command line after the defaults (e.g. {"--set",
  // "services.intensity=2"}).
  explicit node_process(std::vector<std::string> extra_args = {});
  ~node_process();
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  // Starts the process and waits until /health answers (throws after `limit`).
  void start(std::chrono::milliseconds limit = std::chrono::seconds(20));
  // SIGKILL, then wait for the process.
  void kill9();
  // SIGSTOP / SIGCONT: the process is frozen with its sockets open, then goes on.
  void freeze();
  void thaw();
  // Arguments for the next start() (after the constructor's), e.g. to restart on the same
  // cluster port.
  void add_args(std::vector<std::string> args);
  // SIGTERM; returns the exit code (or -signal) and how long the exit took.
  int terminate(std::chrono::milliseconds* took = nullptr);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  uint16_t port() const { return port_; }
  // The cluster port the node bound (`cluster_port` of <data-dir>/node.json; 0 when absent).
  // start() lets the node pick it unless the test passes its own --cluster-port.
  uint16_t cluster_port() const;
  const std::string& key() const { return key_; }
  const std::filesystem::path& data_dir() const { return dir_; }

  // HTTP to the admin port with the admin key (unless `key` is given; "" sends none).
  http_answer get(const std::string& target) const;
  http_answer post(const std::string& target, const nlohmann::json& body) const;
  http_answer del(const std::string& target) const;
  http_answer request(const std::string& method, const std::string& target, const std::string& body,
                      const std::string* key = nullptr) const;

  // Polls `pred` every 20 ms until it holds or `limit` passes; returns whether it held.
  template <class Pred>
  static bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      sleep_ms(20);
    }
    return pred();
  }
  static void sleep_ms(int ms);

 private:
  std::filesystem::path dir_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string key_;
};

// Where the build put the daemon (compile definition XYN_NODE_BINARY).
std::string node_binary();

struct command_result {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;     // its stdout (add " 2>&1" to the command for stderr too)
};
// Runs `command` through the shell and waits for it (the caller bounds it, e.g. `timeout 60`).
command_result run_command(const std::string& command);

}  // namespace xyn::test

#include "tests/support/node_process.hpp"

#include <algorithm>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include "runtime/http/client.hpp"

namespace xyn::test {

command_result run_command(const std::string& command) {
  command_result r;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  int st = ::pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string node_binary() {
  return XYN_NODE_BINARY;
}

void node_process::sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

node_process::node_process(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)) {
  std::random_device rd;
  dir_ = std::filesystem::temp_directory_path() /
         ("xyn-it-" + std::to_string(rd()) + std::to_string(::getpid()));
  std::filesystem::create_directories(dir_);
}

node_process::~node_process() {
  if (pid_ > 0) kill9();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void node_process::start(std::chrono::milliseconds limit) {
  std::filesystem::remove(dir_ / "node.json");
  // NODE_LOG_LEVEL=info (or debug) shows more of the nodes' logs when a test needs a look.
  const char* level = std::getenv("NODE_LOG_LEVEL");
  std::vector<std::string> args = {node_binary(),         "--data-dir", dir_.string(),
                                   "--admin-port",        "0",          "--log-level",
                                   level ? level : "warn"};
  if (std::find(extra_args_.begin(), extra_args_.end(), "--node-name") == extra_args_.end()) {
    args.push_back("--node-name");
    args.push_back("it-node");
  }
  // The cluster port too is picked by the node unless a test asks for one: tests run at once.
  if (std::find(extra_args_.begin(), extra_args_.end(), "--cluster-port") == extra_args_.end()) {
    args.push_back("--cluster-port");
    args.push_back("0");
  }
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A test that dies without its destructors (an ASan report, a crash) must not leave nodes
    // behind: they would hold ctest's output pipe open until its timeout.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::unsetenv("XYN_ADMIN_KEY");
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  bool up = eventually(
      [&] {
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) {
          pid_ = -1;
          throw std::runtime_error("xynergy-node exited during start");
        }
        std::ifstream in(dir_ / "node.json");
        auto j = nlohmann::json::parse(in, nullptr, false);
        if (j.is_discarded() || !j.contains("admin_port")) return false;
        port_ = j["admin_port"].get<uint16_t>();
        auto r = http::fetch("127.0.0.1", port_, "GET", "/health", {}, {}, std::chrono::seconds(2));
        return r.ok() && r->status == 200;
      },
      limit);
  if (!up) throw std::runtime_error("xynergy-node did not answer /health in time");
  std::ifstream k(dir_ / "admin.key");
  std::getline(k, key_);
}

uint16_t node_process::cluster_port() const {
  std::ifstream in(dir_ / "node.json");
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("cluster_port") || !j["cluster_port"].is_number_unsigned())
    return 0;
  return j["cluster_port"].get<uint16_t>();
}

void node_process::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  ::waitpid(pid_, &st, 0);
  pid_ = -1;
}

void node_process::freeze() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void node_process::thaw() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

void node_process::add_args(std::vector<std::string> args) {
  extra_args_.insert(extra_args_.end(), args.begin(), args.end());
}

int node_process::terminate(std::chrono::milliseconds* took) {
  if (pid_ <= 0) return -1;
  auto t0 = std::chrono::steady_clock::now();
  ::kill(pid_, SIGTERM);
  int st = 0;
  ::waitpid(pid_, &st, 0);
  pid_ = -1;
  if (took)
    *took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  t0);
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  return -WTERMSIG(st);
}

http_answer node_process::request(const std::string& method, const std::string& target,
                                  const std::string& body, const std::string* key) const {
  std::map<std::string, std::string> headers;
  const std::string& k = key ? *key : key_;
  if (!k.empty()) headers["authorization"] = "Bearer " + k;
  if (!body.empty()) headers["content-type"] = "application/json";
  auto r = http::fetch("127.0.0.1", port_, method, target, body, headers, std::chrono::seconds(30));
  if (!r) throw std::runtime_error(method + " " + target + ": " + r.error().to_string());
  http_answer a;
  a.status = r->status;
  a.raw = r->body;
  a.headers = r->headers;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_discarded()) a.body = std::move(j);
  return a;
}

http_answer node_process::get(const std::string& target) const {
  return request("GET", target, {});
}
http_answer node_process::post(const std::string& target, const nlohmann::json& body) const {
  return request("POST", target, body.dump());
}
http_answer node_process::del(const std::string& target) const {
  return request("DELETE", target, {});
}

}  // namespace xyn::test

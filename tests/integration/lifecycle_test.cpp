// Process lifecycle: kill -9 loses nothing acknowledged, SIGTERM drains, one node per data dir,
// bad config is refused with the key named.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "tests/support/node_process.hpp"

using xyn::test::node_process;
using json = nlohmann::json;

namespace {

// Runs the daemon with `args`, waits for it to exit (at most a few seconds), returns exit code
// and stderr+stdout.
std::pair<int, std::string> run_daemon(const std::string& args) {
  auto r = xyn::test::run_command("timeout 10 " + xyn::test::node_binary() + " " + args + " 2>&1");
  return {r.exit_code, r.out};
}

}  // namespace

TEST_CASE("kill -9 and restart on the same data dir keeps every acknowledged item",
          "[integration]") {
  node_process n;
  n.start();
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    auto r = n.post("/v1/services/content-hub/execute",
                    {{"action", "create"},
                     {"tenant", "durable"},
                     {"params", {{"title", "item " + std::to_string(i)}, {"body", "body"}}}});
    REQUIRE(r.body["status"] == "ok");
    ids.push_back(r.body["output"]["id"]);
  }
  n.kill9();
  n.start();
  auto list = n.post("/v1/services/content-hub/execute",
                     {{"action", "list"}, {"tenant", "durable"}, {"params", json::object()}});
  REQUIRE(list.body["status"] == "ok");
  auto items = list.body["output"]["items"];
  REQUIRE(items.size() == ids.size());
  for (size_t i = 0; i < ids.size(); ++i) CHECK(items[i]["id"] == ids[i]);
  // Numbering continues after the restart: no id is reused.
  auto next =
      n.post("/v1/services/content-hub/execute", {{"action", "create"},
                                                  {"tenant", "durable"},
                                                  {"params", {{"title", "after"}, {"body", "b"}}}});
  CHECK(std::find(ids.begin(), ids.end(), next.body["output"]["id"]) == ids.end());
}

TEST_CASE("SIGTERM drains and exits 0 within 5 s", "[integration]") {
  node_process n;
  n.start();
  std::chrono::milliseconds took{};
  CHECK(n.terminate(&took) == 0);
  CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("a second node on a data dir in use is refused with a clear message", "[integration]") {
  node_process n;
  n.start();
  auto [code, out] = run_daemon("--data-dir " + n.data_dir().string() + " --admin-port 0");
  CHECK(code != 0);
  CHECK(out.find("in use") != std::string::npos);
  // The first node is unharmed.
  CHECK(n.get("/v1/services").status == 200);
}

TEST_CASE("bad config is refused with the key named", "[integration]") {
  auto dir = std::filesystem::temp_directory_path() / ("xyn-cfg-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = (dir / "node.json").string();
  std::ofstream(file) << R"({"admin": {"port": 9000, "colour": "blue"}})";
  auto [code, out] = run_daemon("--config " + file + " --data-dir " + (dir / "d").string());
  CHECK(code == 2);
  CHECK(out.find("admin.colour") != std::string::npos);
  std::ofstream(file) << R"({"admin": {"port": "high"}})";
  std::tie(code, out) = run_daemon("--config " + file + " --data-dir " + (dir / "d").string());
  CHECK(code == 2);
  CHECK(out.find("admin.port") != std::string::npos);
  std::tie(code, out) = run_daemon("--admin-port 99999 --data-dir " + (dir / "d").string());
  CHECK(code == 2);
  CHECK(out.find("admin.port") != std::string::npos);
  std::filesystem::remove_all(dir);
}

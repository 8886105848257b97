#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_system_runtime());
}
}  // namespace

TEST_CASE("system-runtime: node_info reports the node facts and the uptime") {
  auto h = make();
  h.facts().service_names = {"content-hub", "qa-engine"};
  // Started 1 d 1 h 1 min 1 s (90061000 ms) before now.
  h.facts().started_at_ms = h.now_ms - 90061000;
  auto r = h.ok("node_info", json::object());
  CHECK(r["node"] == "test-node");
  CHECK(r["version"] == "test");
  CHECK(r["uptime_ms"] == 90061000);
  CHECK(r["uptime"] == "1d 1h 1m 1s");
  CHECK(r["data_dir"] == h.dir().string());
  CHECK(r["services"] == json({"content-hub", "qa-engine"}));
  CHECK(r["service_count"] == 2);
  CHECK(r["started_at_utc"] == "2023-11-13T21:12:19Z");  // 1700000000000 - 90061000
}

TEST_CASE("system-runtime: clock and disk") {
  auto h = make();
  auto c = h.ok("clock", json::object());
  CHECK(c["utc"] == "2023-11-14T22:13:20Z");
  CHECK(c["weekday"] == "Tuesday");
  // A data directory with two files of known size, one in a subdirectory.
  auto dir = h.dir() / "disk-test";
  std::filesystem::create_directories(dir / "sub");
  std::ofstream(dir / "a.bin") << "12345";
  std::ofstream(dir / "sub" / "b.bin") << "1234567890";
  h.facts().data_dir = dir.string();
  auto d = h.ok("disk", json::object());
  CHECK(d["used_bytes"] == 15);
  CHECK(d["files"] == 2);
  CHECK(d["capacity_bytes"].get<uint64_t>() >= d["available_bytes"].get<uint64_t>());
  h.facts().data_dir = (h.dir() / "missing").string();
  CHECK(h.run("disk", json::object()).code == "unavailable");
}

TEST_CASE("system-runtime: params must be an object") {
  auto h = make();
  auto r = h.run("node_info", json::array());
  CHECK(r.code == "invalid_params");
}

// Checks every service of the registry against the rules all of them follow.
TEST_CASE("registry: fifteen services, compensations name real actions, schemas are objects") {
  const auto& factories = xyn::actors::service_factories();
  CHECK(factories.size() == 15);
  for (const auto& [name, make_service] : factories) {
    auto svc = make_service();
    INFO("service " << name);
    CHECK(svc->name() == name);
    CHECK(svc->actions().size() >= 2);
    std::set<std::string> names;
    for (const auto& a : svc->actions()) {
      INFO("action " << a.name);
      CHECK(names.insert(a.name).second);
      CHECK(a.params_schema["type"] == "object");
      CHECK(static_cast<bool>(a.run));
      if (!a.compensation.empty()) {
        CHECK(a.mutates);
        CHECK(svc->find(a.compensation) != nullptr);
      }
    }
  }
}

TEST_CASE("system-runtime: restart_service asks the node, naming the service") {
  auto h = make();
  CHECK(h.run("restart_service", {{"service", "qa-engine"}}).code == "unavailable");
  std::vector<std::string> asked;
  h.facts().restart_service = [&](const std::string& name) -> xyn::status {
    if (name != "qa-engine") return xyn::status::not_found(name);
    asked.push_back(name);
    return {};
  };
  auto r = h.ok("restart_service", {{"service", "qa-engine"}});
  CHECK(r["restarting"] == true);
  CHECK(asked == std::vector<std::string>{"qa-engine"});
  CHECK(h.run("restart_service", {{"service", "nope"}}).code == "not_found");
  CHECK(h.run("restart_service", json::object()).code == "invalid_params");
  CHECK(asked.size() == 1);
}

TEST_CASE("system-runtime: drain and undrain flip the node's flag and say what it was") {
  auto h = make();
  CHECK(h.run("drain", json::object()).code == "unavailable");
  bool draining = false;
  h.facts().set_draining = [&](bool on) { draining = on; };
  h.facts().draining = [&] { return draining; };
  auto d = h.ok("drain", json::object());
  CHECK(d["draining"] == true);
  CHECK(d["was_draining"] == false);
  CHECK(draining);
  CHECK(h.ok("node_info", json::object())["draining"] == true);
  auto u = h.ok("undrain", json::object());
  CHECK(u["was_draining"] == true);
  CHECK(!draining);
  // The service names each operation's undo, so a workflow can roll a drain back.
  CHECK(h.service().find("drain")->compensation == "undrain");
}

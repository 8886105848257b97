// The example programs (examples/) against a real node: each is run as a user would, with
// --data-dir pointing at the node's data dir, and must reach a completed run.
#include <catch2/catch.hpp>

#include <cstdio>
#include <regex>

#include "tests/support/node_process.hpp"

using xyn::test::node_process;

namespace {

// Runs `binary` with `args`; its exit code and stdout.
std::pair<int, std::string> run(const std::string& binary, const std::string& args) {
  auto r = xyn::test::run_command("timeout 120 " + binary + " " + args);
  return {r.exit_code, r.out};
}

}  // namespace

TEST_CASE("examples: launch_product, approval and watch_workflow complete their runs") {
  node_process n;
  n.start();
  const std::string dir = "--data-dir " + n.data_dir().string();

  SECTION("launch_product") {
    auto [rc, out] = run(XYN_EXAMPLE_LAUNCH_PRODUCT, dir + " --product Gadget");
    INFO(out);
    CHECK(rc == 0);
    CHECK(out.find("finished: completed") != std::string::npos);
  }

  SECTION("approval") {
    auto [rc, out] = run(XYN_EXAMPLE_APPROVAL, dir);
    INFO(out);
    CHECK(rc == 0);
    CHECK(out.find("is waiting for the signal") != std::string::npos);
    CHECK(out.find("finished: completed") != std::string::npos);
  }

  SECTION("watch_workflow prints the run's events live, in order, then its status") {
    auto [rc, out] = run(XYN_EXAMPLE_WATCH_WORKFLOW, dir);
    INFO(out);
    CHECK(rc == 0);
    std::smatch started;
    REQUIRE(std::regex_search(out, started, std::regex("started (watch-[0-9a-f]+)")));
    auto first = out.find("workflow.started");
    auto step = out.find("workflow.step.completed step=copy");
    auto last = out.find("workflow.completed");
    auto finished = out.find("finished: completed");
    REQUIRE(first != std::string::npos);
    REQUIRE(step != std::string::npos);
    REQUIRE(last != std::string::npos);
    REQUIRE(finished != std::string::npos);
    CHECK((first < step && step < last && last < finished));
    // The node agrees: the run it printed is the one that completed.
    CHECK(n.get("/v1/workflows/" + started[1].str()).body["status"] == "completed");
  }

  SECTION("watch_workflow reports a run that rolls back with exit code 1") {
    auto def = n.data_dir() / "failing.json";
    std::FILE* f = std::fopen(def.c_str(), "w");
    REQUIRE(f);
    std::fputs(R"({"name": "doomed", "version": "1", "steps": [{"id": "bad",
        "service": "content-hub", "action": "get", "params": {"id": "no-such-item"}}]})",
               f);
    std::fclose(f);
    auto [rc, out] = run(XYN_EXAMPLE_WATCH_WORKFLOW, dir + " --definition " + def.string());
    INFO(out);
    CHECK(rc == 1);
    CHECK(out.find("workflow.step.failed step=bad") != std::string::npos);
    CHECK(out.find("finished: rolled_back") != std::string::npos);
  }
}

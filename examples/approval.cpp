// approval: submits a custom definition whose middle step waits for an approval, shows the run
// waiting, approves it with a signal and waits until it has completed.
//   approval [--data-dir DIR | --port P --key K]
#include <chrono>
#include <iostream>
#include <thread>

#include "examples/common.hpp"

using xyn::client::json;

namespace {

// draft (content-hub create; undone by delete) -> approve (waits for "approve") -> publish
const char* definition = R"({
  "name": "approved_post", "version": "1",
  "inputs": [{"name": "title", "type": "string", "required": true}],
  "steps": [
    {"id": "draft", "service": "content-hub", "action": "create",
     "params": {"title": "${input.title}", "body": "Draft waiting for a reviewer."},
     "compensate": {"action": "delete", "params": {"id": "${steps.draft.output.id}"}}},
    {"id": "approve", "kind": "approval", "signal": "approve", "depends_on": ["draft"]},
    {"id": "publish", "service": "content-hub", "action": "publish", "depends_on": ["approve"],
     "params": {"id": "${steps.draft.output.id}"}}
  ],
  "output": {"post": "${steps.draft.output.id}"}
})";

std::string step_status(const json& run, const std::string& step) {
  for (const auto& s : run["steps"])
    if (s["id"] == step) return s.value("status", "");
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  auto node = examples::connect(argc, argv);
  if (!node) return 2;

  auto started = node->submit_definition(json::parse(definition), {{"title", "Q3 results"}});
  if (!started) {
    std::cerr << "submit: " << started.error().to_string() << "\n";
    return 1;
  }
  const std::string id = started->id;
  std::cout << "started " << id << "\n";

  // Wait (at most 30 s) until the approval step is waiting for its signal.
  for (int i = 0; i < 300; ++i) {
    auto run = node->get(id);
    if (run && step_status(*run, "approve") == "waiting") {
      std::cout << id << " is " << (*run)["status"].get<std::string>()
                << ", step 'approve' is waiting for the signal \"approve\"\n";
      break;
    }
    if (i == 299) {
      std::cerr << "the approval step never started waiting\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  auto signalled = node->signal(id, "approve", {{"by", "example reviewer"}});
  if (!signalled) {
    std::cerr << "signal: " << signalled.error().to_string() << "\n";
    return 1;
  }
  std::cout << "approved\n";

  auto done = node->watch(id, std::chrono::minutes(1));
  if (!done) {
    std::cerr << "watch: " << done.error().to_string() << "\n";
    return 1;
  }
  std::cout << "finished: " << done->status << " " << done->output_json << "\n";
  return done->status == "completed" ? 0 : 1;
}

// watch_workflow: submits a workflow through the admin port and prints its events live from
// the WebSocket (/v1/events?workflow=ID) until the run ends, then its final status and output.
//   watch_workflow [--data-dir DIR | --port ADMIN_PORT --key K]
//                  [--template NAME] [--input JSON] [--definition FILE]
// Default: the product_launch template for {"product": "Widget"}. Exit code 0 when the run
// completed, 1 when it ended otherwise or was refused, 2 when the node could not be reached.
//
// No event is missed: the program picks the run's id itself, opens the stream first (from
// the bus's current sequence number, so whatever happens after is replayed), then submits.
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "examples/common.hpp"
#include "runtime/http/client.hpp"
#include "runtime/http/ws_client.hpp"

using xyn::client::json;

namespace {

struct submit_options {
  std::string template_name = "product_launch";
  json input = nullptr;  // null: {} for a given run, the product for the default one
  std::string definition_file;
};

submit_options parse(int argc, char** argv) {
  submit_options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--template"))
      o.template_name = argv[i + 1];
    else if (!std::strcmp(argv[i], "--input"))
      o.input = json::parse(argv[i + 1], nullptr, false);
    else if (!std::strcmp(argv[i], "--definition"))
      o.definition_file = argv[i + 1];
  }
  if (o.input.is_null())
    o.input = o.definition_file.empty() && o.template_name == "product_launch"
                  ? json{{"product", "Widget"}}
                  : json::object();
  return o;
}

std::string fresh_id() {
  std::ostringstream id;
  id << "watch-" << std::hex << std::random_device{}() << std::random_device{}();
  return id.str();
}

// One line per event: "#42 workflow.step.completed step=copy".
void print_event(const json& e) {
  const json& data = e.value("data", json::object());
  std::cout << "#" << e.value("seq", 0) << " " << e.value("topic", "?");
  if (data.contains("step")) std::cout << " step=" << data["step"].get<std::string>();
  if (data.contains("attempt")) std::cout << " attempt=" << data["attempt"];
  if (data.contains("phase")) std::cout << " " << data["phase"].get<std::string>();
  if (data.contains("error")) std::cout << " error=" << data["error"].value("message", "");
  std::cout << std::endl;
}

bool run_ended(const std::string& topic) {
  return topic == "workflow.completed" || topic == "workflow.failed" ||
         topic == "workflow.rolled_back" || topic == "workflow.cancelled";
}

class admin_port {
 public:
  explicit admin_port(examples::admin_address a) : a_(std::move(a)) {}

  // The answer's JSON body when the node answered 2xx; prints why not otherwise.
  std::optional<json> call(const std::string& method, const std::string& target,
                           const json& body = nullptr) {
    auto r = xyn::http::fetch(a_.host, a_.port, method, target, body.is_null() ? "" : body.dump(),
                              {{"authorization", "Bearer " + a_.key}});
    if (!r) {
      std::cerr << method << " " << target << ": " << r.error().to_string() << "\n";
      return std::nullopt;
    }
    if (r->status / 100 != 2) {
      std::cerr << method << " " << target << ": " << r->status << " " << r->body << "\n";
      return std::nullopt;
    }
    return json::parse(r->body, nullptr, false);
  }

  xyn::result<std::unique_ptr<xyn::http::ws_client>> stream(const std::string& target) {
    return xyn::http::ws_client::connect(a_.host, a_.port, target,
                                         {{"authorization", "Bearer " + a_.key}});
  }

 private:
  examples::admin_address a_;
};

}  // namespace

int main(int argc, char** argv) {
  auto address = examples::admin_endpoint(argc, argv);
  if (!address) return 2;
  auto opts = parse(argc, argv);
  admin_port node(*address);

  json submit = {{"id", fresh_id()}, {"input", opts.input}};
  if (!opts.definition_file.empty())
    submit["definition"] = json::parse(std::ifstream(opts.definition_file), nullptr, false);
  else
    submit["template"] = opts.template_name;
  if (submit["input"].is_discarded() || submit.value("definition", json()).is_discarded()) {
    std::cerr << "--input and --definition must be JSON\n";
    return 1;
  }
  const std::string id = submit["id"];

  // Subscribe before submitting: replay from the bus's current sequence number.
  auto page = node.call("GET", "/v1/events?limit=1");
  if (!page) return 2;
  auto ws = node.stream("/v1/events?workflow=" + id +
                        "&since=" + std::to_string(page->value("last_seq", 0)));
  if (!ws) {
    std::cerr << "events: " << ws.error().to_string() << "\n";
    return 2;
  }
  if (!node.call("POST", "/v1/workflows", submit)) return 1;
  std::cout << "started " << id << std::endl;

  for (;;) {
    auto message = (*ws)->read(std::chrono::minutes(5));
    if (!message) {
      std::cerr << "events: " << message.error().to_string() << "\n";
      return 2;
    }
    auto event = json::parse(*message, nullptr, false);
    if (event.is_discarded()) continue;
    print_event(event);
    if (run_ended(event.value("topic", ""))) break;
  }
  (*ws)->close();

  auto run = node.call("GET", "/v1/workflows/" + id);
  if (!run) return 2;
  std::cout << "finished: " << run->value("status", "?") << "\n";
  for (const char* part : {"output", "error"})
    if (!run->value(part, json()).is_null())
      std::cout << part << ": " << (*run)[part].dump(2) << "\n";
  return run->value("status", "") == "completed" ? 0 : 1;
}

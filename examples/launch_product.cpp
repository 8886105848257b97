// launch_product: starts the product_launch template on a node through the client library,
// waits for it to finish and prints its output.
//   launch_product [--data-dir DIR | --port P --key K] [--product NAME]
#include <chrono>
#include <cstring>
#include <iostream>

#include "examples/common.hpp"

int main(int argc, char** argv) {
  std::string product = "Widget";
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--product")) product = argv[i + 1];

  auto node = examples::connect(argc, argv);
  if (!node) return 2;

  auto started = node->submit_template("product_launch", {{"product", product}});
  if (!started) {
    std::cerr << "submit: " << started.error().to_string() << "\n";
    return 1;
  }
  std::cout << "started " << started->id << " (" << started->status << ")\n";

  auto done = node->watch(started->id, std::chrono::minutes(5));
  if (!done) {
    std::cerr << "watch: " << done.error().to_string() << "\n";
    return 1;
  }
  std::cout << "finished: " << done->status << "\n";
  if (!done->error.empty()) std::cout << "error: " << done->error << "\n";
  std::cout << xyn::client::json::parse(done->output_json).dump(2) << "\n";
  return done->status == "completed" ? 0 : 1;
}

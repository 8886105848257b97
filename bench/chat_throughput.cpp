// chat_throughput — the assistant's turns: (1) understanding alone, in process (classifier,
// slots, dialogue) over a mix of requests, and (2) POST /v1/chat end to end on an in-process
// node (HTTP, mesh, the ai-assistant service's durable turn log and context, status lookups;
// starts excluded so the figure is the conversation, not the workflows). Prints turns/s and
// p50/p99. Usage: bench_chat_throughput [seconds per run] (default 2).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "actors/assistant/dialogue.hpp"
#include "bench/bench_node.hpp"
#include "runtime/http/client.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

const std::vector<std::string> utterances = {
    "what's the status of that?",
    "how many workflows failed this week",
    "is the content hub healthy?",
    "list my workflows",
    "give me a performance report for last month as csv",
    "Launch our new product Vega Watch with a budget of $25,000 on LinkedIn and email",
    "actually make the budget 10000",
    "asdf qwerty zxcv",
};

void print(const char* label, int clients, std::vector<int64_t>& ns, double elapsed, int failures) {
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double p) {
    return ns.empty() ? 0.0
                      : static_cast<double>(ns[static_cast<size_t>(p * (ns.size() - 1))]) / 1000.0;
  };
  std::printf("%-30s clients=%-2d turns/s=%-8.0f p50=%.0fus p99=%.0fus failures=%d\n", label,
              clients, static_cast<double>(ns.size()) / elapsed, pct(0.5), pct(0.99), failures);
}

void in_process(double seconds) {
  auto lex = xyn::assistant::parse_lexicon(xyn::assistant::builtin_lexicon_json());
  auto t_train = clock_type::now();
  xyn::assistant::dialogue d(std::move(*lex));
  std::printf("training on the lexicon: %.1f ms\n",
              std::chrono::duration<double, std::milli>(clock_type::now() - t_train).count());
  std::vector<int64_t> ns;
  json state = json::object();
  auto t0 = clock_type::now();
  auto until =
      t0 + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
  for (size_t i = 0; clock_type::now() < until; ++i) {
    xyn::assistant::turn_input in;
    in.text = utterances[i % utterances.size()];
    in.today = "2026-11-27";
    in.workflow_id = "wf-" + std::to_string(i);
    auto s = clock_type::now();
    auto r = d.turn(state, in);
    ns.push_back((clock_type::now() - s).count());
    if (r.intent.empty()) std::abort();
  }
  print("understanding (in process)", 1, ns,
        std::chrono::duration<double>(clock_type::now() - t0).count(), 0);
}

void over_http(uint16_t port, const std::string& key, int clients, double seconds) {
  std::vector<std::vector<int64_t>> lat(static_cast<size_t>(clients));
  std::atomic<int> failures{0};
  auto t0 = clock_type::now();
  auto until =
      t0 + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      xyn::http::client cl("127.0.0.1", port);
      std::map<std::string, std::string> headers = {{"authorization", "Bearer " + key}};
      std::string conv = "bench-" + std::to_string(c);
      for (size_t i = 0; clock_type::now() < until; ++i) {
        // Skip the starting requests: this measures conversation, not workflow starts.
        const auto& text = utterances[i % 4];
        json body = {{"conversation", conv}, {"text", text}, {"tenant", "bench"}};
        auto s = clock_type::now();
        auto reply = cl.send("POST", "/v1/chat", body.dump(), headers);
        if (!reply || reply->status != 200) {
          ++failures;
          continue;
        }
        lat[static_cast<size_t>(c)].push_back((clock_type::now() - s).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<int64_t> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  print("POST /v1/chat (durable turn)", clients, all,
        std::chrono::duration<double>(clock_type::now() - t0).count(), failures.load());
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  in_process(seconds);
  auto dir = std::filesystem::temp_directory_path() /
             ("xyn-bench-chat-" + std::to_string(std::random_device{}()));
  {
    auto node = start_bench_node(dir.string());
    for (int clients : {1, 8}) over_http(node->admin_port(), "bench-key", clients, seconds);
  }
  std::filesystem::remove_all(dir);
  return 0;
}

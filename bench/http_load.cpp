// http_load — the admin port under many concurrent keep-alive clients (issue 5's objective:
// p99 < 5 ms at 200 connections). C connections, each an async Beast client with one request
// in flight, all on one io_context in one thread, against an in-process node (durability as
// in production) or, with --port and --key, a running one.
//   phase A: GET /v1/workflows/{id} of a completed run (a read straight from LMDB)
//   phase B: POST /v1/workflows with a one-step definition (a durable submit: the reply comes
//            once the start is journaled, group commit makes that cheap per request)
// Prints requests/s, p50/p99/max latency and errors (a socket error or any non-2xx answer).
// By default each connection sends its next request as soon as the answer came (closed loop:
// that measures the most the node can do, and latency is then connections / throughput).
// With --rate R the connections share R requests/s on a fixed schedule instead, and latency
// counts from when a request was due, so a server falling behind is not hidden (wrk2's way).
// Usage: bench_http_load [--connections 200] [--seconds 5] [--rate R] [--port P --key K]
//                        [--phases AB]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_node.hpp"
#include "runtime/http/beast.hpp"
#include "runtime/http/client.hpp"

namespace {

using namespace xyn::http;
using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

struct load_options {
  int connections = 200;
  double seconds = 5;
  uint16_t port = 0;  // 0: start a node in this process
  std::string key = "bench-key";
  std::string phases = "AB";  // which phases to run (one alone, e.g. to profile it)
  double rate = 0;            // requests/s over all connections; 0: closed loop
};

// What every connection of one phase records; the io_context runs on one thread, so plain
// counters do.
struct phase_stats {
  std::vector<int64_t> latency_ns;
  int64_t errors = 0;
  int64_t reconnects = 0;
  clock_type::time_point measure_from;  // answers before this are warm-up, not counted
  clock_type::time_point until;
  clock_type::duration interval{};  // each connection's gap between requests; 0: closed loop
};

// One keep-alive client: connect, then write a request, read its answer, record, repeat
// (at once, or when the next one is due) until the phase ends. A socket error counts and
// reconnects.
class load_client : public std::enable_shared_from_this<load_client> {
 public:
  load_client(net::io_context& io, tcp::endpoint to, const bhttp::request<bhttp::string_body>& req,
              phase_stats& stats, clock_type::time_point first_due)
      : stream_(io), timer_(io), to_(to), req_(req), stats_(stats), due_(first_due) {}

  void connect() {
    stream_.expires_after(std::chrono::seconds(10));
    stream_.async_connect(to_, [self = shared_from_this()](error_code ec) {
      if (ec) return self->failed(true);
      self->send();
    });
  }

 private:
  void send() {
    auto now = clock_type::now();
    if (now >= stats_.until) {
      error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    if (stats_.interval == clock_type::duration::zero()) {
      sent_ = now;
      return write();
    }
    sent_ = due_;
    due_ += stats_.interval;
    timer_.expires_at(sent_);
    timer_.async_wait([self = shared_from_this()](error_code) { self->write(); });
  }

  void write() {
    res_ = {};
    stream_.expires_after(std::chrono::seconds(10));
    bhttp::async_write(stream_, req_, [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->failed(false);
      bhttp::async_read(self->stream_, self->buffer_, self->res_,
                        [self](error_code ec, size_t) { self->answered(ec); });
    });
  }

  void answered(error_code ec) {
    if (ec) return failed(false);
    auto now = clock_type::now();
    if (now >= stats_.measure_from && now < stats_.until) {
      if (res_.result_int() / 100 == 2)
        stats_.latency_ns.push_back((now - sent_).count());
      else
        ++stats_.errors;
    }
    if (!res_.keep_alive()) return reconnect();
    send();
  }

  void failed(bool connecting) {
    if (clock_type::now() < stats_.until) ++stats_.errors;
    if (!connecting) reconnect();
  }

  void reconnect() {
    if (clock_type::now() >= stats_.until) return;
    ++stats_.reconnects;
    stream_.close();
    buffer_.clear();
    connect();
  }

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  tcp::endpoint to_;
  const bhttp::request<bhttp::string_body>& req_;
  phase_stats& stats_;
  beast::flat_buffer buffer_;
  bhttp::response<bhttp::string_body> res_;
  clock_type::time_point sent_;  // when the request went out, or was due (with --rate)
  clock_type::time_point due_;   // with --rate: when the next request is due
};

bhttp::request<bhttp::string_body> make_request(const load_options& o, bhttp::verb verb,
                                                const std::string& target, std::string body) {
  bhttp::request<bhttp::string_body> req{verb, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  req.set(bhttp::field::authorization, "Bearer " + o.key);
  if (!body.empty()) req.set(bhttp::field::content_type, "application/json");
  req.body() = std::move(body);
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

double ms(int64_t ns) {
  return ns / 1e6;
}

// Runs one phase: `o.connections` clients for 1 s of warm-up, then `o.seconds` measured.
void run_phase(const char* label, const load_options& o,
               const bhttp::request<bhttp::string_body>& req) {
  net::io_context io;
  phase_stats stats;
  stats.measure_from = clock_type::now() + std::chrono::seconds(1);
  stats.until = stats.measure_from + std::chrono::duration_cast<clock_type::duration>(
                                         std::chrono::duration<double>(o.seconds));
  if (o.rate > 0)
    stats.interval = std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(o.connections / o.rate));
  tcp::endpoint to(net::ip::make_address("127.0.0.1"), o.port);
  // Paced connections start spread over one interval, not all at once.
  std::minstd_rand spread(42);
  auto start = clock_type::now();
  for (int i = 0; i < o.connections; ++i) {
    auto offset = stats.interval.count() ? spread() % stats.interval.count() : 0;
    std::make_shared<load_client>(io, to, req, stats, start + clock_type::duration(offset))
        ->connect();
  }
  io.run();

  auto& l = stats.latency_ns;
  std::sort(l.begin(), l.end());
  auto pct = [&](double p) {
    return l.empty() ? 0.0 : ms(l[static_cast<size_t>(p * (l.size() - 1))]);
  };
  std::printf("%-28s conns=%d  req/s=%-8.0f p50=%.2fms  p99=%.2fms  max=%.2fms  errors=%lld%s\n",
              label, o.connections, l.size() / o.seconds, pct(0.5), pct(0.99),
              l.empty() ? 0.0 : ms(l.back()), static_cast<long long>(stats.errors),
              stats.reconnects ? (" reconnects=" + std::to_string(stats.reconnects)).c_str() : "");
}

// {"definition": one system-runtime clock step} — the smallest workflow that runs a service.
std::string one_step_submit() {
  json def = {{"name", "http_load"},
              {"version", "1"},
              {"steps", {{{"id", "tick"}, {"service", "system-runtime"}, {"action", "clock"}}}}};
  return json{{"definition", def}}.dump();
}

// Submits one run and waits until it has completed; its id, or "" on failure.
std::string completed_run(const load_options& o) {
  std::map<std::string, std::string> auth = {{"authorization", "Bearer " + o.key}};
  auto r = fetch("127.0.0.1", o.port, "POST", "/v1/workflows", one_step_submit(), auth);
  if (!r || r->status / 100 != 2) return "";
  auto id = json::parse(r->body)["id"].get<std::string>();
  for (int i = 0; i < 500; ++i) {
    auto g = fetch("127.0.0.1", o.port, "GET", "/v1/workflows/" + id, {}, auth);
    if (g && g->status == 200 && json::parse(g->body)["status"] == "completed") return id;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

load_options parse(int argc, char** argv) {
  load_options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--connections"))
      o.connections = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds"))
      o.seconds = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--port"))
      o.port = static_cast<uint16_t>(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--key"))
      o.key = argv[i + 1];
    else if (!std::strcmp(argv[i], "--phases"))
      o.phases = argv[i + 1];
    else if (!std::strcmp(argv[i], "--rate"))
      o.rate = std::atof(argv[i + 1]);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  auto o = parse(argc, argv);
  std::unique_ptr<xyn::node::node> node;
  auto dir = std::filesystem::temp_directory_path() /
             ("xyn-bench-http-" + std::to_string(std::random_device{}()));
  if (o.port == 0) {
    node = start_bench_node(dir.string(), o.key);
    o.port = node->admin_port();
  }
  auto id = completed_run(o);
  if (id.empty()) {
    std::fprintf(stderr, "could not run a workflow on 127.0.0.1:%u\n", o.port);
    return 1;
  }
  std::printf(
      "http_load: %d keep-alive connections, %s, %.1f s per phase (after 1 s warm-up), %s\n",
      o.connections,
      o.rate > 0 ? ("paced at " + std::to_string(int(o.rate)) + " req/s").c_str() : "closed loop",
      o.seconds, node ? "node in process" : "running node");
  if (o.phases.find('A') != std::string::npos)
    run_phase("A GET /v1/workflows/{id}", o,
              make_request(o, bhttp::verb::get, "/v1/workflows/" + id, {}));
  if (o.phases.find('B') != std::string::npos)
    run_phase("B POST /v1/workflows", o,
              make_request(o, bhttp::verb::post, "/v1/workflows", one_step_submit()));
  if (node) {
    node->drain();
    node.reset();
    std::filesystem::remove_all(dir);
  }
  return 0;
}

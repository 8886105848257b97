// events_fanout — many WebSocket clients on GET /v1/events of one in-process node: how long
// they take to connect, and how fast an event reaches all of them. Each published event
// carries its send time; every client records its delivery latency. Clients run on one
// io_context thread (async Beast), like a fleet of browsers would, not one thread each.
// Usage: bench_events_fanout [clients] [events] (defaults 1000, 200).
#include <sys/resource.h>

#include <utility>  // before Asio under g++ 12 -std=c++20 (CAF-NOTES)

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/event.hpp"
#include "bench/bench_node.hpp"
#include "runtime/node/config.hpp"
#include "runtime/node/node.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bws = boost::beast::websocket;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch())
      .count();
}

struct totals {
  std::atomic<int> connected{0};
  std::atomic<int> failed{0};
  std::atomic<int64_t> received{0};
  std::mutex mu;
  std::vector<int64_t> latencies_ns;
};

// One client: connect, handshake, then read forever, recording each event's latency.
class client : public std::enable_shared_from_this<client> {
 public:
  client(net::io_context& ioc, totals& t) : ws_(ioc), totals_(t) {}

  void start(const tcp::endpoint& ep, const std::string& key) {
    key_ = key;
    beast::get_lowest_layer(ws_).async_connect(ep, [self = shared_from_this()](auto ec) {
      if (ec) return self->fail();
      self->ws_.set_option(bws::stream_base::decorator([k = self->key_](bws::request_type& r) {
        r.set(beast::http::field::authorization, "Bearer " + k);
      }));
      self->ws_.async_handshake("127.0.0.1", "/v1/events?topic=bench.", [self](auto ec2) {
        if (ec2) return self->fail();
        ++self->totals_.connected;
        self->read();
      });
    });
  }

  void stop() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  void fail() { ++totals_.failed; }

  void read() {
    ws_.async_read(buf_, [self = shared_from_this()](auto ec, size_t) {
      if (ec) return;
      auto j = json::parse(beast::buffers_to_string(self->buf_.data()), nullptr, false);
      self->buf_.consume(self->buf_.size());
      if (j.is_object() && j["data"].contains("t")) {
        auto lat = now_ns() - j["data"]["t"].get<int64_t>();
        ++self->totals_.received;
        std::lock_guard lock(self->totals_.mu);
        self->totals_.latencies_ns.push_back(lat);
      }
      self->read();
    });
  }

  bws::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buf_;
  totals& totals_;
  std::string key_;
};

void raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int clients = argc > 1 ? std::atoi(argv[1]) : 1000;
  int events = argc > 2 ? std::atoi(argv[2]) : 200;
  raise_fd_limit();
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / ("xyn-bench-ev-" + std::to_string(rd()));
  const std::string key = "bench-key";
  auto n = start_bench_node(dir.string(), key);
  net::io_context ioc;
  totals t;
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), n->admin_port());
  std::vector<std::shared_ptr<client>> all;
  auto t0 = clock_type::now();
  for (int i = 0; i < clients; ++i) {
    all.push_back(std::make_shared<client>(ioc, t));
    all.back()->start(ep, key);
  }
  auto guard = net::make_work_guard(ioc);
  std::thread io([&] { ioc.run(); });
  while (t.connected + t.failed < clients && clock_type::now() - t0 < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  double connect_s = std::chrono::duration<double>(clock_type::now() - t0).count();
  // Subscriptions are made by each socket's forwarder just after the handshake.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto& sys = n->actors();
  auto p0 = clock_type::now();
  for (int i = 0; i < events; ++i) {
    xyn::actors::publish(sys, "bench.tick", "", json{{"i", i}, {"t", now_ns()}});
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  int64_t want = static_cast<int64_t>(t.connected) * events;
  while (t.received < want && clock_type::now() - p0 < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  double deliver_s = std::chrono::duration<double>(clock_type::now() - p0).count();
  for (auto& c : all) net::post(ioc, [c] { c->stop(); });
  guard.reset();
  io.join();
  std::sort(t.latencies_ns.begin(), t.latencies_ns.end());
  auto pct = [&](double q) {
    if (t.latencies_ns.empty()) return 0.0;
    auto i = std::min(t.latencies_ns.size() - 1,
                      static_cast<size_t>(q * static_cast<double>(t.latencies_ns.size())));
    return t.latencies_ns[i] / 1e6;
  };
  std::printf("events_fanout: %d WebSocket clients, %d events (one every 2 ms)\n", clients, events);
  std::printf("  connected %d (failed %d) in %.2f s\n", t.connected.load(), t.failed.load(),
              connect_s);
  std::printf("  delivered %lld of %lld in %.2f s (%.0f messages/s)\n",
              static_cast<long long>(t.received.load()), static_cast<long long>(want), deliver_s,
              static_cast<double>(t.received.load()) / deliver_s);
  std::printf("  publish -> client latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", pct(0.5),
              pct(0.99), pct(1.0));
  n->drain();
  n.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}

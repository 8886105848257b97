// Socket tests: a real server on 127.0.0.1, port 0, driven by the library's client and by raw
// POSIX sockets for what a well-behaved client never sends.
#include "runtime/http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "runtime/http/client.hpp"

using namespace xyn::http;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

// A blocking TCP connection whose reads give up after 5 s, so a broken server fails a test
// instead of hanging it.
class raw_conn {
 public:
  explicit raw_conn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~raw_conn() { close(); }
  raw_conn(const raw_conn&) = delete;
  raw_conn& operator=(const raw_conn&) = delete;

  void send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      auto n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      off += static_cast<size_t>(n);
    }
  }

  // Reads until the peer closes: true on EOF or reset, false if the 5 s read timeout hit.
  bool read_to_eof(std::string* out = nullptr) {
    char buf[4096];
    for (;;) {
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        if (out) out->append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0 || errno == ECONNRESET) return true;
      return false;
    }
  }

  struct response {
    int status = 0;
    std::string head;
    std::string body;
  };

  // Reads a status line and headers, up to the blank line.
  std::string read_head() {
    while (pending_.find("\r\n\r\n") == std::string::npos) REQUIRE(fill());
    auto end = pending_.find("\r\n\r\n") + 4;
    std::string head = pending_.substr(0, end);
    pending_.erase(0, end);
    return head;
  }

  // Reads one response framed by Content-Length (all this server sends).
  response read_response() {
    response r;
    r.head = read_head();
    r.status = std::stoi(r.head.substr(9, 3));
    auto cl = r.head.find("Content-Length: ");
    REQUIRE(cl != std::string::npos);
    size_t len = std::stoul(r.head.substr(cl + 16));
    while (pending_.size() < len) REQUIRE(fill());
    r.body = pending_.substr(0, len);
    pending_.erase(0, len);
    return r;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool fill() {
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string pending_;
};

// Threads a test's handlers start to answer later; joined before the server goes away.
struct late_answers {
  std::mutex mu;
  std::vector<std::thread> threads;
  void spawn(std::function<void()> fn) {
    std::lock_guard lock(mu);
    threads.emplace_back(std::move(fn));
  }
  void join_all() {
    std::lock_guard lock(mu);
    for (auto& t : threads) t.join();
    threads.clear();
  }
  ~late_answers() { join_all(); }
};

router test_routes(late_answers& later) {
  router r;
  r.add("POST", "/v1/echo/{name}", sync_handler([](request& req) {
          auto body = json_body(req);
          if (!body) return error_reply(body.error());
          return json_reply(200, json{{"name", req.params["name"]},
                                      {"got", *body},
                                      {"q", req.query},
                                      {"header", req.header("x-test")}});
        }));
  r.add("GET", "/health", sync_handler([](request&) {
          return json_reply(200, json{{"ok", true}});
        }));
  r.add("GET", "/later", [&later](request& req, responder respond) {
    std::string tag = req.query["tag"];  // copied: the handler returns before the answer
    later.spawn([respond = std::move(respond), tag] {
      std::this_thread::sleep_for(50ms);
      respond(json_reply(200, json{{"tag", tag}}));
    });
  });
  r.add("GET", "/text", sync_handler([](request&) {
          reply rep{.status = 201,
                    .content_type = "text/plain",
                    .body = "hi",
                    .headers = {},
                    .upgrade = {}};
          rep.headers.emplace_back("X-Extra", "1");
          rep.headers.emplace_back("X-Evil", "a\r\nSet-Cookie: x=1");
          rep.headers.emplace_back("Content-Length", "999");
          return rep;
        }));
  return r;
}

std::string get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n";
}

// Polls `cond` for up to 5 s: for effects the server reaches asynchronously.
template <class F>
bool eventually(F cond) {
  for (int i = 0; i < 500; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return cond();
}

}  // namespace

TEST_CASE("a JSON request round-trips with the house headers") {
  late_answers later;
  server srv(test_routes(later));
  REQUIRE(srv.start().ok());
  REQUIRE(srv.port() != 0);

  auto r = fetch("127.0.0.1", srv.port(), "POST", "/v1/echo/a%20b?x=1+2", R"({"k": [1, 2]})",
                 {{"X-Test", "yes"}});
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->header("Content-Type") == "application/json");
  CHECK(r->header("server") == "xynergy");
  CHECK(r->header("content-length") == std::to_string(r->body.size()));
  auto body = json::parse(r->body);
  CHECK(body["name"] == "a b");
  CHECK(body["got"] == json{{"k", {1, 2}}});
  CHECK(body["q"]["x"] == "1 2");
  CHECK(body["header"] == "yes");

  auto bad = fetch("127.0.0.1", srv.port(), "POST", "/v1/echo/a", "{nope");
  REQUIRE(bad.ok());
  CHECK(bad->status == 400);
  CHECK(json::parse(bad->body)["error"]["code"] == "invalid_argument");

  auto nf = fetch("127.0.0.1", srv.port(), "GET", "/v1/none");
  REQUIRE(nf.ok());
  CHECK(nf->status == 404);
  CHECK(json::parse(nf->body)["error"]["code"] == "not_found");

  auto na = fetch("127.0.0.1", srv.port(), "DELETE", "/health");
  REQUIRE(na.ok());
  CHECK(na->status == 405);
  CHECK(na->header("allow") == "GET");

  auto text = fetch("127.0.0.1", srv.port(), "GET", "/text");
  REQUIRE(text.ok());
  CHECK(text->status == 201);
  CHECK(text->body == "hi");
  CHECK(text->header("content-type") == "text/plain");
  CHECK(text->header("x-extra") == "1");
  CHECK(text->header("x-evil").empty());  // CR/LF in a value: dropped, nothing injected
  CHECK(text->header("set-cookie").empty());
  CHECK(text->header("content-length") == "2");
}

TEST_CASE("keep-alive reuses one connection and pipelined requests are answered in order") {
  late_answers later;
  server srv(test_routes(later));
  REQUIRE(srv.start().ok());

  client c("127.0.0.1", srv.port());
  for (int i = 0; i < 3; ++i) {
    auto r = c.send("GET", "/health");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
  }
  CHECK(c.connections_opened() == 1);
  CHECK(srv.test_open_sessions() == 1);

  // The slow request first: its answer comes 50 ms later from another thread, yet must
  // precede the fast one's.
  raw_conn raw(srv.port());
  raw.send(get("/later?tag=first") + get("/health") + get("/later?tag=third"));
  auto a = raw.read_response();
  auto b = raw.read_response();
  auto d = raw.read_response();
  CHECK(a.status == 200);
  CHECK(json::parse(a.body)["tag"] == "first");
  CHECK(json::parse(b.body)["ok"] == true);
  CHECK(json::parse(d.body)["tag"] == "third");
}

TEST_CASE("a handler may answer from another thread later") {
  late_answers later;
  server srv(test_routes(later));
  REQUIRE(srv.start().ok());
  auto r = fetch("127.0.0.1", srv.port(), "GET", "/later?tag=t1");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(json::parse(r->body)["tag"] == "t1");
}

TEST_CASE("a body over the limit gets 413 and the server keeps serving") {
  late_answers later;
  server srv(test_routes(later), {.max_body_bytes = 1 << 20});
  REQUIRE(srv.start().ok());

  std::string big = "\"" + std::string(2 << 20, 'x') + "\"";
  auto r = fetch("127.0.0.1", srv.port(), "POST", "/v1/echo/a", big);
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  CHECK(r->status == 413);
  CHECK(json::parse(r->body)["error"]["code"] == "too_large");
  CHECK(r->header("connection") == "close");

  // Chunked bodies have no Content-Length up front: the limit still holds.
  raw_conn raw(srv.port());
  std::string chunk(64 << 10, 'y');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  std::string req = "POST /v1/echo/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i) req += size_line + chunk + "\r\n";
  req += "0\r\n\r\n";
  raw.send(req);
  auto res = raw.read_response();
  CHECK(res.status == 413);
  CHECK(json::parse(res.body)["error"]["code"] == "too_large");

  auto ok = fetch("127.0.0.1", srv.port(), "POST", "/v1/echo/a", R"({"small": true})");
  REQUIRE(ok.ok());
  CHECK(ok->status == 200);
}

TEST_CASE("Expect: 100-continue gets an interim answer before the body is sent") {
  late_answers later;
  server srv(test_routes(later));
  REQUIRE(srv.start().ok());
  raw_conn raw(srv.port());
  raw.send(
      "POST /v1/echo/c HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
      "Content-Length: 7\r\n\r\n");
  CHECK(raw.read_head().rfind("HTTP/1.1 100 Continue\r\n", 0) == 0);
  raw.send(R"({"a":1})");
  auto res = raw.read_response();
  CHECK(res.status == 200);
  CHECK(json::parse(res.body)["got"]["a"] == 1);
}

TEST_CASE("garbage, oversized heads and clients that vanish mid-request do not hurt the server") {
  late_answers later;
  server srv(test_routes(later), {.max_header_bytes = 4096});
  REQUIRE(srv.start().ok());

  {  // Not HTTP at all (a TLS ClientHello, say): 400 with the JSON error, then close.
    raw_conn raw(srv.port());
    const char hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n";
    raw.send(std::string(hello, sizeof hello - 1));
    std::string all;
    REQUIRE(raw.read_to_eof(&all));
    REQUIRE(all.rfind("HTTP/1.1 400 ", 0) == 0);
    auto body = json::parse(all.substr(all.find("\r\n\r\n") + 4));
    CHECK(body["error"]["code"] == "invalid_argument");
  }
  {  // A bad Content-Length.
    raw_conn raw(srv.port());
    raw.send("POST /v1/echo/a HTTP/1.1\r\nContent-Length: banana\r\n\r\n");
    auto res = raw.read_response();
    CHECK(res.status == 400);
    CHECK(raw.read_to_eof());
  }
  {  // A head over max_header_bytes.
    raw_conn raw(srv.port());
    raw.send("GET /health HTTP/1.1\r\nX-Big: " + std::string(8000, 'h') + "\r\n\r\n");
    auto res = raw.read_response();
    CHECK(res.status == 431);
    CHECK(json::parse(res.body)["error"]["code"] == "too_large");
  }
  {  // Half a head, then gone.
    raw_conn raw(srv.port());
    raw.send("GET /heal");
  }
  {  // A head promising 1000 bytes, 10 sent, then gone.
    raw_conn raw(srv.port());
    raw.send("POST /v1/echo/a HTTP/1.1\r\nContent-Length: 1000\r\n\r\n0123456789");
  }
  {  // Gone before its slow answer is ready: the late reply is dropped.
    raw_conn raw(srv.port());
    raw.send(get("/later?tag=orphan"));
  }
  auto ok = fetch("127.0.0.1", srv.port(), "GET", "/health");
  REQUIRE(ok.ok());
  CHECK(ok->status == 200);
  later.join_all();  // the orphan's late answer holds its session until it is given
  CHECK(eventually([&] { return srv.test_open_sessions() == 0; }));
}

TEST_CASE("50 concurrent clients are all served") {
  late_answers later;
  server srv(test_routes(later));
  REQUIRE(srv.start().ok());
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 50; ++i) {
    clients.emplace_back([&, i] {
      client c("127.0.0.1", srv.port());
      for (int j = 0; j < 4; ++j) {
        auto r = c.send("POST", "/v1/echo/c" + std::to_string(i), json{{"j", j}}.dump());
        if (r.ok() && r->status == 200 && json::parse(r->body)["name"] == "c" + std::to_string(i) &&
            json::parse(r->body)["got"]["j"] == j)
          ++good;
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(good == 200);
}

TEST_CASE("hundreds of open connections do not stop the server and are released when closed") {
  late_answers later;
  server srv(test_routes(later));
  REQUIRE(srv.start().ok());
  {
    std::vector<std::unique_ptr<raw_conn>> conns;
    for (int i = 0; i < 300; ++i) conns.push_back(std::make_unique<raw_conn>(srv.port()));
    auto r = fetch("127.0.0.1", srv.port(), "GET", "/health");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(eventually([&] { return srv.test_open_sessions() >= 300; }));
  }
  CHECK(eventually([&] { return srv.test_open_sessions() == 0; }));
}

TEST_CASE("idle connections are closed after idle_timeout") {
  late_answers later;
  server srv(test_routes(later), {.idle_timeout = std::chrono::seconds(1)});
  REQUIRE(srv.start().ok());
  raw_conn idle(srv.port());
  raw_conn used(srv.port());
  used.send(get("/health"));
  CHECK(used.read_response().status == 200);
  CHECK(idle.read_to_eof());  // the 5 s read timeout would return false
  CHECK(used.read_to_eof());  // idle again after its reply
}

TEST_CASE("stop() closes idle, half-read and waiting connections and joins its threads") {
  std::atomic<bool> held_ready{false};
  responder held;
  std::mutex held_mu;
  router r;
  r.add("GET", "/hold", [&](request&, responder respond) {
    std::lock_guard lock(held_mu);
    held = std::move(respond);
    held_ready = true;
  });
  auto srv = std::make_unique<server>(r, server_options{.idle_timeout = std::chrono::hours(1)});
  REQUIRE(srv->start().ok());

  std::vector<std::unique_ptr<raw_conn>> idle;
  for (int i = 0; i < 20; ++i) idle.push_back(std::make_unique<raw_conn>(srv->port()));
  raw_conn partial(srv->port());
  partial.send("GET /hold HTTP/1.1\r\nHost:");
  raw_conn waiting(srv->port());
  waiting.send(get("/hold"));
  REQUIRE(eventually([&] { return held_ready.load() && srv->test_open_sessions() == 22; }));

  srv->stop();  // with a 1 h idle timeout, this returns only if it closes the sessions itself
  for (auto& c : idle) CHECK(c->read_to_eof());
  CHECK(partial.read_to_eof());
  std::string got;
  CHECK(waiting.read_to_eof(&got));
  CHECK(got.empty());  // the pending answer was dropped, not half-written

  std::lock_guard lock(held_mu);
  held(json_reply(200, json::object()));  // after stop: dropped safely
  srv.reset();
  held = nullptr;  // the last reference to the session and its io_context goes here
}

TEST_CASE("start reports a port that cannot be bound and refuses to run twice") {
  late_answers later;
  server first(test_routes(later));
  REQUIRE(first.start().ok());
  auto again = first.start();
  CHECK_FALSE(again.ok());

  server second(test_routes(later), {.port = first.port()});
  auto st = second.start();
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == xyn::status_code::io_error);
  CHECK(st.message().find(std::to_string(first.port())) != std::string::npos);
  CHECK(second.port() == 0);
  second.stop();  // harmless on a server that never ran

  server bad_addr(test_routes(later), {.address = "not an address!"});
  CHECK(bad_addr.start().code() == xyn::status_code::invalid_argument);
}

TEST_CASE("the client reports a refused connection and a timeout as statuses") {
  uint16_t port = 0;
  {
    late_answers later;
    server srv(test_routes(later));
    REQUIRE(srv.start().ok());
    port = srv.port();
  }
  auto refused = fetch("127.0.0.1", port, "GET", "/health");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == xyn::status_code::unavailable);

  router r;
  responder parked;
  std::mutex mu;
  r.add("GET", "/never", [&](request&, responder respond) {
    std::lock_guard lock(mu);
    parked = std::move(respond);
  });
  server srv(r);
  REQUIRE(srv.start().ok());
  auto slow = fetch("127.0.0.1", srv.port(), "GET", "/never", {}, {}, 200ms);
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.error().code() == xyn::status_code::timeout);
  srv.stop();
  std::lock_guard lock(mu);
  parked = nullptr;
}

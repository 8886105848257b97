#include "runtime/http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "runtime/http/beast.hpp"

namespace xyn::http {

namespace {

// Anything stop() must close: HTTP sessions and the WebSockets they became.
class connection {
 public:
  virtual ~connection() = default;
  // From any thread.
  virtual void request_close() = 0;
};

// After a reply that ends the connection the session half-closes and reads what the client
// is still sending, so the kernel does not answer unread bytes with a reset that would
// destroy the reply in flight (a 413 sent while the client is still uploading).
constexpr std::chrono::seconds max_linger{5};
constexpr size_t max_linger_bytes = 16 << 20;
}  // namespace

namespace detail {

struct server_core : std::enable_shared_from_this<server_core> {
  server_core(router r, server_options o)
      : routes(std::move(r)),
        opts(std::move(o)),
        ioc(std::max(1, opts.threads)),
        acceptor(net::make_strand(ioc)),
        accept_retry(acceptor.get_executor()) {}

  // Fixed at construction.
  const router routes;
  const server_options opts;
  net::io_context ioc;  // declared before everything that uses it, so destroyed last

  // Used on the acceptor's strand once the io threads run.
  tcp::acceptor acceptor;
  net::steady_timer accept_retry;

  // Touched by start() and stop() only (the owner's thread).
  std::vector<std::thread> threads;
  uint16_t port = 0;
  // Keeps run() going between start() and stop() whatever the work count says (see stop()).
  std::optional<net::executor_work_guard<net::io_context::executor_type>> keep_running;

  // Set once under `mu`; read without it only for early exits.
  std::atomic<bool> stopped{false};

  // Guarded by mu.
  mutable std::mutex mu;
  bool started = false;
  std::unordered_map<connection*, std::weak_ptr<connection>> sessions;

  void log(std::string_view what) const {
    if (opts.log) opts.log(what);
  }
  void websocket_did(websocket_event e) const {
    if (opts.on_websocket) opts.on_websocket(e);
  }
  void run();
  void do_accept();
  void on_accept(error_code ec, tcp::socket socket);
  // False once stop() began: the caller must then drop the connection.
  bool register_session(const std::shared_ptr<connection>& s);
  void unregister_session(connection* s);
};

}  // namespace detail

namespace {

std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool header_safe(std::string_view s) {
  return s.find_first_of("\r\n") == std::string_view::npos;
}

// Headers the server owns: a handler cannot set them and break the framing.
bool reserved_header(std::string_view name) {
  auto n = lower(name);
  return n == "content-length" || n == "transfer-encoding" || n == "connection" || n == "server";
}

const error_code& http_error_sample() {
  static const error_code ec = bhttp::make_error_code(bhttp::error::bad_method);
  return ec;
}

//  read_header ──> (100 Continue) ──> read_body ──> dispatch ··· deliver ──> write ──┐
//       ^                                                                           │
//       └──────────────────────────── keep-alive ───────────────────────────────────┤
//                                     otherwise: linger (half-close, drain) ──> close
// Every step runs on the session's strand; `deliver` is the one entry from other threads.
// A handler that is still computing holds the only reference to the session (through its
// responder), which keeps the socket, the request and the core (io_context) alive.
class session : public connection, public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket&& socket, std::shared_ptr<detail::server_core> core)
      : core_(std::move(core)), stream_(std::move(socket)) {}

  ~session() override { core_->unregister_session(this); }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  // From any thread (stop()).
  void request_close() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

  // From any thread: the responder. Dropped once the server is stopping, because nobody will
  // run the io_context any more.
  void deliver(reply r) {
    std::lock_guard lock(core_->mu);
    if (core_->stopped) return;
    net::post(stream_.get_executor(), [self = shared_from_this(), r = std::move(r)]() mutable {
      self->write(std::move(r), false);
    });
  }

 private:
  void read_header() {
    if (closed_) return;
    if (core_->stopped) return close();
    version_ = 11;
    keep_alive_ = false;
    parser_.emplace();
    parser_->body_limit(core_->opts.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(core_->opts.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    stream_.expires_after(core_->opts.idle_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (closed_) return;
    if (ec) return on_read_error(ec);
    auto& msg = parser_->get();
    version_ = msg.version();
    keep_alive_ = msg.keep_alive();
    if (!parser_->is_done() && beast::iequals(msg[bhttp::field::expect], "100-continue")) {
      continue_.emplace(bhttp::status::continue_, version_);
      bhttp::async_write(stream_, *continue_, [self = shared_from_this()](error_code ec, size_t) {
        self->continue_.reset();
        if (self->closed_) return;
        if (ec) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) return dispatch();
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (self->closed_) return;
                        if (ec) return self->on_read_error(ec);
                        self->dispatch();
                      });
  }

  void on_read_error(error_code ec) {
    // The client left, idled out, or stop() closed us: nobody to answer.
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
        ec == beast::error::timeout || ec == net::error::operation_aborted)
      return close();
    if (ec == bhttp::error::body_limit)
      return write(error_reply(413, "too_large",
                               "request body is larger than " +
                                   std::to_string(core_->opts.max_body_bytes) + " bytes"),
                   true);
    if (ec == bhttp::error::header_limit)
      return write(error_reply(431, "too_large",
                               "request header is larger than " +
                                   std::to_string(core_->opts.max_header_bytes) + " bytes"),
                   true);
    if (ec.category() == http_error_sample().category())
      return write(error_reply(400, "invalid_argument", "malformed HTTP request: " + ec.message()),
                   true);
    close();  // a socket error: the connection is gone
  }

  void dispatch() {
    auto msg = parser_->release();
    parser_.reset();
    std::map<std::string, std::string> headers;
    for (const auto& field : msg) {
      auto [it, fresh] =
          headers.emplace(lower(sv(field.name_string())), std::string(sv(field.value())));
      if (!fresh) (it->second += ", ") += sv(field.value());
    }
    req_ = make_request(std::string(msg.method_string()), std::string(msg.target()),
                        std::move(msg.body()), std::move(headers));
    // The handshake itself waits for the handler: only a route that answers upgrade_reply
    // turns the connection into a WebSocket.
    req_.websocket_upgrade = bws::is_upgrade(msg);
    if (req_.websocket_upgrade) upgrade_req_.emplace(std::move(msg));
    try {
      core_->routes.handle(req_,
                           [self = shared_from_this()](reply r) { self->deliver(std::move(r)); });
    } catch (const std::exception& e) {
      // The router catches handler exceptions; this is allocation failure or similar. The
      // responder guard answers 500 when its last copy dies.
      core_->log(std::string("routing failed: ") + e.what());
    }
  }

  void write(reply r, bool close_after) {
    if (closed_) return;
    if (r.upgrade) {
      if (upgrade_req_) return become_websocket(std::move(r.upgrade));
      r = error_reply(426, "invalid_argument", "this route needs a WebSocket handshake");
      close_after = true;
    }
    upgrade_req_.reset();
    try {
      build_response(std::move(r), close_after);
    } catch (const std::exception& e) {
      core_->log(std::string("bad reply replaced by a 500: ") + e.what());
      build_response(error_reply(500, "internal", "the handler built an invalid reply"), true);
      close_after = true;
    }
    stream_.expires_after(core_->opts.idle_timeout);
    bhttp::async_write(stream_, *res_,
                       [self = shared_from_this(), close_after](error_code ec, size_t) {
                         self->on_write(ec, close_after);
                       });
  }

  void build_response(reply r, bool close_after) {
    if (r.status < 200 || r.status > 599)
      r = error_reply(500, "internal",
                      "the handler answered with HTTP status " + std::to_string(r.status));
    res_.emplace();
    auto& res = *res_;
    res.version(version_);
    res.result(static_cast<unsigned>(r.status));
    res.set(bhttp::field::server, "xynergy");
    bool bodiless = r.status == 204 || r.status == 304;
    if (!r.content_type.empty() && !bodiless) res.set(bhttp::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers)
      if (!name.empty() && header_safe(name) && header_safe(value) && !reserved_header(name))
        res.insert(name, value);
    if (!bodiless) res.body() = std::move(r.body);
    res.keep_alive(keep_alive_ && !close_after);
    res.prepare_payload();
  }

  void on_write(error_code ec, bool close_after) {
    bool keep_alive = res_ && res_->keep_alive();
    res_.reset();
    if (closed_) return;
    if (ec) return close();
    if (close_after || !keep_alive) return linger();
    read_header();
  }

  void linger() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(
        std::min<std::chrono::steady_clock::duration>(core_->opts.idle_timeout, max_linger));
    drained_ = 0;
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(drain_buf_),
                            [self = shared_from_this()](error_code ec, size_t n) {
                              if (self->closed_) return;
                              self->drained_ += n;
                              if (ec || self->drained_ > max_linger_bytes) return self->close();
                              self->drain();
                            });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  void become_websocket(std::shared_ptr<websocket_handlers> handlers);

  // Fixed at construction.
  const std::shared_ptr<detail::server_core> core_;

  // Touched only on the strand.
  beast::tcp_stream stream_;
  std::optional<bhttp::request<bhttp::string_body>> upgrade_req_;
  beast::flat_buffer buffer_;  // holds bytes of pipelined requests between reads
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  std::optional<bhttp::response<bhttp::string_body>> res_;
  request req_;  // valid from dispatch() until the reply is written
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool closed_ = false;
  size_t drained_ = 0;
  std::array<char, 16 << 10> drain_buf_{};
};

// A connection after its WebSocket handshake. Everything runs on the strand the HTTP session
// had; send/close come from any thread and are posted there. One write at a time (Beast's
// rule): messages wait in `outbox_`, counted by `queued_` so that senders on other threads
// see the backlog without a lock.
class ws_session : public connection,
                   public websocket,
                   public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(beast::tcp_stream&& stream, std::shared_ptr<detail::server_core> core,
             bhttp::request<bhttp::string_body> upgrade, std::shared_ptr<websocket_handlers> h)
      : core_(std::move(core)),
        ws_(std::move(stream)),
        upgrade_(std::move(upgrade)),
        max_queued_(h->max_queued),
        handlers_(std::move(h)) {}

  ~ws_session() override { core_->unregister_session(this); }

  void start() {
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket's own timeouts take over
    bws::stream_base::timeout t{};
    // No idle timeout: Beast's ping timer would keep the io_context busy after stop() closed
    // the socket (measured: stop() waited 30 s for it). A dead client is found by its writes
    // failing or its queue overflowing instead.
    t.handshake_timeout = std::chrono::seconds(5);
    t.idle_timeout = bws::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.set_option(bws::stream_base::decorator(
        [](bws::response_type& res) { res.set(bhttp::field::server, "xynergy"); }));
    ws_.read_message_max(64 << 10);
    ws_.async_accept(upgrade_, [self = shared_from_this()](error_code ec) {
      self->upgrade_ = {};
      if (ec) return self->finish();
      self->opened_ = true;
      self->core_->websocket_did(websocket_event::opened);
      if (self->handlers_->on_open) self->handlers_->on_open(self);
      self->read_next();
    });
  }

  // stop(): no closing handshake (a client that never answers must not hold stop() up).
  void request_close() override {
    closing_ = true;
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->finish(); });
  }

  bool send(std::string text) override {
    if (closing_) return false;
    if (queued_.fetch_add(1) >= max_queued_) {
      if (!closing_) core_->websocket_did(websocket_event::dropped_slow);
      close(1008,
            "client too slow: more than " + std::to_string(max_queued_) + " messages waiting");
      return false;
    }
    net::post(ws_.get_executor(), [self = shared_from_this(), t = std::move(text)]() mutable {
      if (self->finished_ || self->close_code_) {
        --self->queued_;
        return;
      }
      self->outbox_.push_back(std::move(t));
      if (!self->writing_) self->write_next();
    });
    return true;
  }

  void close(uint16_t code, std::string reason) override {
    if (closing_.exchange(true)) return;
    net::post(ws_.get_executor(), [self = shared_from_this(), code, r = std::move(reason)] {
      self->close_code_ = code;
      self->close_text_ = r;
      self->drop_unsent();  // what was not sent yet is dropped, not waited for
      if (!self->writing_) self->do_close();
    });
  }

 private:
  void read_next() {
    ws_.async_read(in_, [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->finish();
      auto text = beast::buffers_to_string(self->in_.data());
      self->in_.consume(self->in_.size());
      if (self->handlers_->on_message) self->handlers_->on_message(std::move(text));
      self->read_next();
    });
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(outbox_.front()),
                    [self = shared_from_this()](error_code ec, size_t) {
                      self->writing_ = false;
                      self->outbox_.pop_front();
                      --self->queued_;
                      if (ec) return self->finish();
                      if (self->close_code_) return self->do_close();
                      if (!self->outbox_.empty()) self->write_next();
                    });
  }

  // Empties the outbox except a message being written: its buffer must outlive the write.
  void drop_unsent() {
    auto keep = writing_ ? size_t{1} : size_t{0};
    while (outbox_.size() > keep) {
      outbox_.pop_back();
      --queued_;
    }
  }

  void do_close() {
    if (finished_) return;
    ws_.async_close(bws::close_reason(static_cast<bws::close_code>(close_code_), close_text_),
                    [self = shared_from_this()](error_code) { self->finish(); });
  }

  // The one way out: the socket is closed and the handler hears it once.
  void finish() {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    drop_unsent();
    core_->unregister_session(this);  // closed now, whoever still holds the object
    // Dropping the handlers breaks the cycle session -> handlers -> subscriber -> session.
    auto h = std::move(handlers_);
    handlers_ = std::make_shared<websocket_handlers>();
    if (opened_) core_->websocket_did(websocket_event::closed);
    if (opened_ && h->on_close) h->on_close();
  }

  const std::shared_ptr<detail::server_core> core_;
  bws::stream<beast::tcp_stream> ws_;
  bhttp::request<bhttp::string_body> upgrade_;
  const size_t max_queued_;
  std::shared_ptr<websocket_handlers> handlers_;  // strand only
  std::atomic<bool> closing_{false};
  std::atomic<size_t> queued_{0};
  // Strand only.
  std::deque<std::string> outbox_;
  beast::flat_buffer in_;
  bool writing_ = false;
  bool opened_ = false;
  bool finished_ = false;
  uint16_t close_code_ = 0;
  std::string close_text_;
};

void session::become_websocket(std::shared_ptr<websocket_handlers> handlers) {
  closed_ = true;  // this HTTP session is over; its socket lives on in the WebSocket
  auto ws = std::make_shared<ws_session>(std::move(stream_), core_, std::move(*upgrade_req_),
                                         std::move(handlers));
  upgrade_req_.reset();
  if (core_->register_session(ws)) ws->start();
}

}  // namespace

namespace detail {

void server_core::run() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      log(std::string("exception on an io thread: ") + e.what());
    } catch (...) {
      log("unknown exception on an io thread");
    }
  }
}

void server_core::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void server_core::on_accept(error_code ec, tcp::socket socket) {
  if (stopped || ec == net::error::operation_aborted) return;
  if (ec) {
    // Out of descriptors (or similar) repeats at once: wait a little instead of spinning.
    log("accept failed: " + ec.message());
    accept_retry.expires_after(std::chrono::milliseconds(50));
    accept_retry.async_wait([this](error_code wait_ec) {
      if (!wait_ec && !stopped) do_accept();
    });
    return;
  }
  auto s = std::make_shared<session>(std::move(socket), shared_from_this());
  if (register_session(s)) s->start();
  do_accept();
}

bool server_core::register_session(const std::shared_ptr<connection>& s) {
  std::lock_guard lock(mu);
  if (stopped) return false;
  sessions.emplace(s.get(), s);
  return true;
}

void server_core::unregister_session(connection* s) {
  std::lock_guard lock(mu);
  sessions.erase(s);
}

}  // namespace detail

server::server(router routes, server_options options)
    : core_(std::make_shared<detail::server_core>(std::move(routes), std::move(options))) {}

server::~server() {
  stop();
}

status server::start() {
  auto& c = *core_;
  {
    std::lock_guard lock(c.mu);
    if (c.started || c.stopped)
      return status::internal("the admin HTTP server was already started");
  }
  std::string where = c.opts.address + ":" + std::to_string(c.opts.port);
  error_code ec;
  tcp::endpoint endpoint;
  auto addr = net::ip::make_address(c.opts.address, ec);
  if (!ec) {
    endpoint = tcp::endpoint(addr, c.opts.port);
  } else {
    tcp::resolver resolver(c.ioc);
    auto found =
        resolver.resolve(c.opts.address, std::to_string(c.opts.port), tcp::resolver::passive, ec);
    if (ec || found.empty())
      return status::invalid_argument("cannot listen on " + where + ": unknown address (" +
                                      ec.message() + ")");
    endpoint = found.begin()->endpoint();
  }
  auto fail = [&](const char* step) {
    error_code ignored;
    c.acceptor.close(ignored);
    return status::io_error("cannot listen on " + where + ": " + step + ": " + ec.message());
  };
  c.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  c.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("SO_REUSEADDR");
  c.acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  c.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  c.port = c.acceptor.local_endpoint(ec).port();
  {
    std::lock_guard lock(c.mu);
    c.started = true;
  }
  c.keep_running.emplace(c.ioc.get_executor());
  c.do_accept();
  for (int i = 0; i < std::max(1, c.opts.threads); ++i)
    c.threads.emplace_back([core = core_] { core->run(); });
  return {};
}

uint16_t server::port() const {
  return core_->port;
}

void server::stop() {
  auto& c = *core_;
  std::vector<std::shared_ptr<connection>> live;
  {
    std::lock_guard lock(c.mu);
    bool was_running = c.started && !c.stopped;
    c.stopped = true;
    if (!was_running) return;
    for (auto& [ptr, weak] : c.sessions)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  net::post(c.acceptor.get_executor(), [&c] {
    error_code ignored;
    c.acceptor.close(ignored);
    c.accept_retry.cancel();
  });
  for (auto& s : live) s->request_close();
  live.clear();
  // The io_context runs out of work once every socket, the acceptor and the retry timer are
  // closed; run() then returns on each thread. No ioc.stop(): that would strand posted
  // handlers (and the sessions they hold) in a queue nobody drains.
  c.keep_running.reset();
  for (auto& t : c.threads) t.join();
  c.threads.clear();
  // Measured (Boost 1.74, about one run in five): run() can return while the completion of a
  // read that close() aborted is still queued; that handler holds its session, which holds
  // the core, so it would leak. Everything is closed now: finish what is left right here.
  c.ioc.restart();
  while (c.ioc.poll() > 0) {
  }
}

size_t server::test_open_sessions() const {
  std::lock_guard lock(core_->mu);
  return core_->sessions.size();
}

}  // namespace xyn::http

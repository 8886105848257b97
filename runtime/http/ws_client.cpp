#include "runtime/http/ws_client.hpp"

#include "runtime/http/beast.hpp"
#include "runtime/http/message.hpp"

namespace xyn::http {

struct ws_client::impl {
  net::io_context ioc{1};
  bws::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  // A read survives a timeout: it stays in flight and the next read() waits for it.
  bool reading = false;
  bool read_done = false;
  error_code read_ec;
  bool closed = false;

  // Runs the io_context until `done` or `timeout`; false on timeout.
  bool run_until(const bool& done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    ioc.restart();
    while (!done) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return false;
      ioc.run_one_for(left);
      if (ioc.stopped()) ioc.restart();
    }
    return true;
  }

  status closed_status() const {
    auto r = ws.reason();
    return status::unavailable("the server closed the WebSocket: " + std::to_string(r.code) +
                               (r.reason.empty() ? "" : " " + std::string(r.reason.c_str())));
  }
};

ws_client::ws_client(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

ws_client::~ws_client() {
  if (!impl_) return;
  error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

result<std::unique_ptr<ws_client>> ws_client::connect(
    const std::string& host, uint16_t port, const std::string& target,
    const std::map<std::string, std::string>& headers, std::chrono::milliseconds timeout) {
  auto p = std::make_unique<impl>();
  auto where = host + ":" + std::to_string(port);
  error_code ec;
  tcp::resolver resolver(p->ioc);
  auto found = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return status::unavailable("cannot resolve " + where + ": " + ec.message());
  auto& tcp_layer = beast::get_lowest_layer(p->ws);
  tcp_layer.expires_after(timeout);
  bool done = false;
  tcp_layer.async_connect(found, [&](error_code e, const tcp::endpoint&) {
    ec = e;
    done = true;
  });
  if (!p->run_until(done, timeout) || ec)
    return status::unavailable("cannot connect to " + where + ": " +
                               (ec ? ec.message() : std::string("timed out")));
  p->ws.set_option(bws::stream_base::decorator([headers](bws::request_type& req) {
    for (const auto& [k, v] : headers) req.set(k, v);
  }));
  bws::response_type res;
  done = false;
  p->ws.async_handshake(res, where, target, [&](error_code e) {
    ec = e;
    done = true;
  });
  if (!p->run_until(done, timeout))
    return status::timeout("WebSocket handshake with " + where + " timed out");
  if (ec) {
    if (res.result_int() >= 400) {
      auto body = res.body();
      // The server's own error_reply tells why; its HTTP status says how to read it.
      int code = static_cast<int>(res.result_int());
      auto sc = code == 401   ? status_code::unauthenticated
                : code == 403 ? status_code::permission_denied
                : code == 404 ? status_code::not_found
                              : status_code::unavailable;
      return status{sc,
                    "WebSocket handshake refused with HTTP " + std::to_string(code) + ": " + body};
    }
    return status::unavailable("WebSocket handshake with " + where + " failed: " + ec.message());
  }
  tcp_layer.expires_never();
  return std::unique_ptr<ws_client>(new ws_client(std::move(p)));
}

result<std::string> ws_client::read(std::chrono::milliseconds timeout) {
  auto& p = *impl_;
  if (p.closed) return p.closed_status();
  if (!p.reading) {
    p.reading = true;
    p.read_done = false;
    p.ws.async_read(p.buffer, [&p](error_code ec, size_t) {
      p.read_ec = ec;
      p.read_done = true;
    });
  }
  if (!p.run_until(p.read_done, timeout))
    return status::timeout("no WebSocket message within " + std::to_string(timeout.count()) +
                           " ms");
  p.reading = false;
  if (p.read_ec) {
    p.closed = true;
    if (p.read_ec == bws::error::closed) return p.closed_status();
    return status::unavailable("WebSocket lost: " + p.read_ec.message());
  }
  auto text = beast::buffers_to_string(p.buffer.data());
  p.buffer.consume(p.buffer.size());
  return text;
}

status ws_client::send(const std::string& text, std::chrono::milliseconds timeout) {
  auto& p = *impl_;
  if (p.closed) return p.closed_status();
  bool done = false;
  error_code ec;
  p.ws.text(true);
  p.ws.async_write(net::buffer(text), [&](error_code e, size_t) {
    ec = e;
    done = true;
  });
  // The write must finish before `text` and the locals go: wait without a limit once the
  // deadline passed, after closing the socket so that it ends at once.
  if (!p.run_until(done, timeout)) {
    error_code ignored;
    beast::get_lowest_layer(p.ws).socket().close(ignored);
    p.run_until(done, std::chrono::hours(1));
    p.closed = true;
    return status::timeout("WebSocket write timed out");
  }
  if (ec) {
    p.closed = true;
    return status::unavailable("WebSocket lost: " + ec.message());
  }
  return {};
}

uint16_t ws_client::close_code() const {
  return impl_->closed ? impl_->ws.reason().code : 0;
}

void ws_client::close() {
  auto& p = *impl_;
  if (p.closed) return;
  p.closed = true;
  bool done = false;
  p.ws.async_close(bws::close_code::normal, [&done](error_code) { done = true; });
  p.run_until(done, std::chrono::seconds(2));
  // A read still in flight completes with the close; let it finish before the stream goes.
  if (p.reading) p.run_until(p.read_done, std::chrono::seconds(2));
}

}  // namespace xyn::http

#include "runtime/http/client.hpp"

// g++ 12 with -std=c++20: <utility> must precede Asio (CAF-NOTES).
#include <utility>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <limits>
#include <optional>

namespace xyn::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using beast::error_code;

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

}  // namespace

std::string client_reply::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string{} : it->second;
}

struct client::impl {
  std::string host;
  uint16_t port;
  net::io_context ioc{1};
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int opened = 0;

  // Starts one asynchronous operation and runs the io_context until its handler ran; the
  // stream's deadline bounds it. Waits for the handler itself rather than for run() to
  // return: the server side measured run() returning early under Boost 1.74.
  template <class Start>
  error_code run(Start&& start) {
    error_code result;
    bool done = false;
    start([&result, &done](error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    auto guard = net::make_work_guard(ioc);
    ioc.restart();
    while (!done) ioc.run_one();
    return result;
  }

  void close() {
    if (!stream) return;
    error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->close();
    stream.reset();
    buffer.consume(buffer.size());
  }

  status error(const char* step, error_code ec, std::chrono::milliseconds timeout) {
    close();
    std::string where = host + ":" + std::to_string(port);
    if (ec == beast::error::timeout)
      return status::timeout(std::string(step) + " " + where + " timed out after " +
                             std::to_string(timeout.count()) + " ms");
    return status::unavailable(std::string(step) + " " + where + " failed: " + ec.message());
  }

  status connect(std::chrono::steady_clock::time_point deadline,
                 std::chrono::milliseconds timeout) {
    error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return error("resolving", ec, timeout);
    stream.emplace(ioc);
    ++opened;
    stream->expires_at(deadline);
    ec = run([&](auto handler) { stream->async_connect(endpoints, std::move(handler)); });
    if (ec) return error("connecting to", ec, timeout);
    return {};
  }
};

client::client(std::string host, uint16_t port) : impl_(std::make_unique<impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

client::~client() {
  impl_->close();
}

int client::connections_opened() const {
  return impl_->opened;
}

result<client_reply> client::send(std::string method, std::string target, std::string body,
                                  std::map<std::string, std::string> headers,
                                  std::chrono::milliseconds timeout) {
  auto& m = *impl_;
  auto deadline = std::chrono::steady_clock::now() + timeout;

  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, m.host + ":" + std::to_string(m.port));
  req.set(bhttp::field::user_agent, "xyn");
  bool has_type = false;
  for (auto& [name, value] : headers) {
    has_type = has_type || lower(name) == "content-type";
    req.set(name, value);
  }
  if (!body.empty() && !has_type) req.set(bhttp::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();

  // A reused connection may have been closed by the server's idle timeout just before we
  // wrote: then (and only then) try once more on a fresh one.
  for (int attempt = 0;; ++attempt) {
    bool reused = m.stream.has_value();
    if (!m.stream) {
      if (auto st = m.connect(deadline, timeout); !st.ok()) return st;
    }
    m.stream->expires_at(deadline);
    error_code ec =
        m.run([&](auto handler) { bhttp::async_write(*m.stream, req, std::move(handler)); });
    if (ec) {
      if (reused && attempt == 0 && ec != beast::error::timeout) {
        m.close();
        continue;
      }
      return m.error("sending to", ec, timeout);
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit((std::numeric_limits<std::uint64_t>::max)());
    ec = m.run(
        [&](auto handler) { bhttp::async_read(*m.stream, m.buffer, parser, std::move(handler)); });
    if (ec) {
      if (reused && attempt == 0 &&
          (ec == bhttp::error::end_of_stream || ec == net::error::connection_reset)) {
        m.close();
        continue;
      }
      return m.error("reading from", ec, timeout);
    }
    auto res = parser.release();
    client_reply out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      auto [it, fresh] =
          out.headers.emplace(lower(sv(field.name_string())), std::string(sv(field.value())));
      if (!fresh) (it->second += ", ") += sv(field.value());
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) m.close();
    return out;
  }
}

result<client_reply> fetch(std::string host, uint16_t port, std::string method, std::string target,
                           std::string body, std::map<std::string, std::string> headers,
                           std::chrono::milliseconds timeout) {
  client c(std::move(host), port);
  return c.send(std::move(method), std::move(target), std::move(body), std::move(headers), timeout);
}

}  // namespace xyn::http

#include "runtime/http/message.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace xyn::http {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string request::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string{} : it->second;
}

std::string percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

request make_request(std::string method, std::string target, std::string body,
                     std::map<std::string, std::string> headers) {
  request req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.body = std::move(body);
  for (auto& [name, value] : headers) req.headers[lower(name)] = std::move(value);

  std::string_view t = req.target;
  auto q = t.find('?');
  req.path = std::string(t.substr(0, q));
  if (q == std::string_view::npos) return req;
  std::string_view rest = t.substr(q + 1);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1), true);
    req.query.emplace(std::move(key), std::move(value));
  }
  return req;
}

result<nlohmann::json> json_body(const request& req) {
  try {
    return nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::exception& e) {
    return status::invalid_argument(std::string("body is not valid JSON: ") + e.what());
  }
}

reply json_reply(int status, const nlohmann::json& value) {
  reply r;
  r.status = status;
  r.body = dump(value);
  return r;
}

reply error_reply(int status, std::string_view code, std::string_view message) {
  nlohmann::json body = {
      {"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
  return json_reply(status, body);
}

int http_status_of(status_code code) {
  switch (code) {
    case status_code::ok:
      return 200;
    case status_code::invalid_argument:
      return 400;
    case status_code::unauthenticated:
      return 401;
    case status_code::permission_denied:
      return 403;
    case status_code::not_found:
      return 404;
    case status_code::already_exists:
      return 409;
    case status_code::too_large:
      return 413;
    case status_code::unavailable:
      return 503;
    case status_code::timeout:
      return 504;
    case status_code::io_error:
    case status_code::corruption:
    case status_code::internal:
      return 500;
  }
  return 500;
}

reply error_reply(const status& s) {
  return error_reply(http_status_of(s.code()), to_string(s.code()), s.message());
}

reply upgrade_reply(websocket_handlers handlers) {
  reply r;
  r.status = 101;
  r.content_type.clear();
  r.upgrade = std::make_shared<websocket_handlers>(std::move(handlers));
  return r;
}

}  // namespace xyn::http

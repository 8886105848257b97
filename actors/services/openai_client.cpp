#include "actors/services/openai_client.hpp"

// g++ 12 with -std=c++20: <utility> must precede Asio (CAF-NOTES).
#include <utility>

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "actors/services/text.hpp"
#include "runtime/http/client.hpp"

namespace xyn::actors::openai {

namespace {

using json = nlohmann::json;

constexpr std::string_view scheme = "http://";

status refused(std::string_view url, const std::string& problem) {
  return status::invalid_argument("OpenAI-compatible URL '" + std::string(url) + "' " + problem);
}

bool is_loopback(const std::string& host) {
  if (text::to_lower(host) == "localhost") return true;
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(host, ec);
  return !ec && addr.is_loopback();
}

// The reply's text and figures; corruption when it is not a chat completion.
result<chat_reply> read_completion(const std::string& body) {
  auto doc = json::parse(body, nullptr, false);
  auto bad = [](const std::string& why) {
    return status::corruption("the provider's reply is not a chat completion: " + why);
  };
  if (doc.is_discarded()) return bad("not JSON");
  if (!doc.is_object() || !doc.contains("choices") || !doc["choices"].is_array() ||
      doc["choices"].empty())
    return bad("no 'choices'");
  const json& choice = doc["choices"][0];
  if (!choice.is_object() || !choice.contains("message") || !choice["message"].is_object())
    return bad("no 'choices[0].message'");
  auto content = choice["message"].find("content");
  if (content == choice["message"].end() || !content->is_string())
    return bad("no string 'choices[0].message.content'");
  chat_reply out;
  out.text = content->get<std::string>();
  if (auto m = doc.find("model"); m != doc.end() && m->is_string()) out.model = *m;
  if (auto f = choice.find("finish_reason"); f != choice.end() && f->is_string())
    out.finish_reason = *f;
  if (auto u = doc.find("usage"); u != doc.end() && u->is_object()) {
    out.prompt_tokens = u->value("prompt_tokens", int64_t{-1});
    out.completion_tokens = u->value("completion_tokens", int64_t{-1});
  }
  return out;
}

}  // namespace

result<endpoint> parse_url(std::string_view url) {
  if (url.substr(0, scheme.size()) != scheme)
    return refused(url, "must start with http:// (plain HTTP to a loopback host)");
  std::string_view rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  endpoint out;
  if (slash != std::string_view::npos) out.base_path = std::string(rest.substr(slash));
  while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
  if (authority.find('@') != std::string_view::npos)
    return refused(url, "must not hold credentials (the API key comes from XYN_OPENAI_API_KEY)");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    auto close = authority.find(']');
    if (close == std::string_view::npos) return refused(url, "has an unclosed '['");
    out.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return refused(url, "has junk after ']'");
    if (!after.empty()) port_text = after.substr(1);
  } else {
    auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return refused(url, "names no host");
  if (!is_loopback(out.host))
    return refused(url, "names host '" + out.host +
                            "', which is not loopback: only 127.0.0.1, ::1 or localhost are "
                            "allowed (no traffic leaves this machine)");
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535)
      return refused(url, "has a bad port '" + std::string(port_text) + "'");
    out.port = static_cast<uint16_t>(port);
  }
  return out;
}

result<chat_reply> chat(std::string_view url, const chat_request& req) {
  auto where = parse_url(url);
  if (!where) return where.error();
  json messages = json::array();
  if (!req.system.empty()) messages.push_back({{"role", "system"}, {"content", req.system}});
  messages.push_back({{"role", "user"}, {"content", req.prompt}});
  json body = {{"model", req.model},
               {"messages", messages},
               {"max_tokens", req.max_tokens},
               {"stream", false}};
  std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}};
  if (!req.api_key.empty()) headers["Authorization"] = "Bearer " + req.api_key;
  // Blocking by design: the service host's thread waits here for at most `req.timeout` (the
  // client's deadline covers connect, write and read together).
  auto reply =
      http::fetch(where->host, where->port, "POST", where->base_path + "/v1/chat/completions",
                  body.dump(-1, ' ', false, json::error_handler_t::replace), headers, req.timeout);
  if (!reply) return reply.error();
  if (reply->status < 200 || reply->status > 299)
    return status::unavailable("the provider answered HTTP " + std::to_string(reply->status) +
                               ": " + reply->body.substr(0, 200));
  return read_completion(reply->body);
}

}  // namespace xyn::actors::openai

#pragma once
// openai_client.hpp — one chat completion from an OpenAI-compatible HTTP endpoint
// (POST {url}/v1/chat/completions), the transport of ai-routing-engine's HTTP providers.
// Plain HTTP to a loopback host only: the project sends no traffic off this machine, so any
// other host is refused before a socket is opened. Blocking: the calling thread waits for the
// reply, at most the request's timeout. No state between calls; any thread.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/base/status.hpp"

namespace xyn::actors::openai {

struct endpoint {
  std::string host;  // a loopback address or "localhost"
  uint16_t port = 80;
  std::string base_path;  // the URL's path after the port, without a trailing '/'
};

// Parses "http://HOST[:PORT][/PATH]". invalid_argument naming the problem for anything else,
// including https and every host that is not loopback (127.0.0.0/8, ::1 or localhost).
result<endpoint> parse_url(std::string_view url);

struct chat_request {
  std::string model;
  std::string system;  // empty: no system message
  std::string prompt;  // the user message
  int64_t max_tokens = 256;
  std::string api_key;  // empty: no Authorization header
  std::chrono::milliseconds timeout{10000};
};

struct chat_reply {
  std::string text;
  std::string model;
  std::string finish_reason;
  int64_t prompt_tokens = -1;  // -1: the server did not say
  int64_t completion_tokens = -1;
};

// Sends `req` to the endpoint at `url`. Failures: invalid_argument (parse_url refused the URL),
// unavailable (cannot connect, or a non-2xx status: its code and the start of its body are in
// the message), timeout, corruption (a 2xx body that is not a chat completion).
result<chat_reply> chat(std::string_view url, const chat_request& req);

}  // namespace xyn::actors::openai

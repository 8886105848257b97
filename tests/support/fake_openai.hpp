#pragma once
// fake_openai.hpp — a stand-in OpenAI-compatible server for tests: POST /v1/chat/completions on
// 127.0.0.1 with a kernel-picked port, served by the project's own HTTP server on its io
// threads. It answers "echo: <last user message>" with usage figures, and can be told to fail
// (500), answer junk (200 with a body that is not a completion), or be slow (sleep before
// answering). It counts requests and keeps the last one for tests to inspect. Thread-safe.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "runtime/http/message.hpp"
#include "runtime/http/router.hpp"
#include "runtime/http/server.hpp"

namespace xyn::test {

class fake_openai {
 public:
  enum class mode { ok, fail, junk, slow };

  fake_openai() {
    http::router routes;
    routes.add("POST", "/v1/chat/completions",
               http::sync_handler([this](http::request& req) { return answer(req); }));
    server_ = std::make_unique<http::server>(std::move(routes));
    if (auto st = server_->start(); !st.ok()) throw std::runtime_error(st.to_string());
  }
  ~fake_openai() { server_->stop(); }
  fake_openai(const fake_openai&) = delete;
  fake_openai& operator=(const fake_openai&) = delete;

  uint16_t port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // How the next requests are answered; `slow` sleeps `delay` first.
  void set_mode(mode m, std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
    std::lock_guard lock(mu_);
    mode_ = m;
    delay_ = delay;
  }
  int requests() const { return requests_.load(); }
  nlohmann::json last_body() const {
    std::lock_guard lock(mu_);
    return last_body_;
  }
  std::string last_authorization() const {
    std::lock_guard lock(mu_);
    return last_auth_;
  }

 private:
  http::reply answer(const http::request& req) {
    mode m;
    std::chrono::milliseconds delay;
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    {
      std::lock_guard lock(mu_);
      m = mode_;
      delay = delay_;
      last_body_ = body;
      last_auth_ = req.header("authorization");
    }
    ++requests_;
    if (m == mode::fail) return http::error_reply(500, "internal", "the fake was told to fail");
    if (m == mode::junk) return http::json_reply(200, {{"choices", "none"}});
    if (m == mode::slow) std::this_thread::sleep_for(delay);
    std::string prompt;
    if (body.is_object() && body.contains("messages") && body["messages"].is_array() &&
        !body["messages"].empty())
      prompt = body["messages"].back().value("content", std::string());
    nlohmann::json completion = {
        {"id", "chatcmpl-fake"},
        {"object", "chat.completion"},
        {"model", body.is_object() ? body.value("model", std::string("fake")) : "fake"},
        {"choices",
         {{{"index", 0},
           {"message", {{"role", "assistant"}, {"content", "echo: " + prompt}}},
           {"finish_reason", "stop"}}}},
        {"usage", {{"prompt_tokens", 7}, {"completion_tokens", 5}, {"total_tokens", 12}}}};
    return http::json_reply(200, completion);
  }

  std::unique_ptr<http::server> server_;
  mutable std::mutex mu_;
  mode mode_ = mode::ok;
  std::chrono::milliseconds delay_{0};
  nlohmann::json last_body_;
  std::string last_auth_;
  std::atomic<int> requests_{0};
};

}  // namespace xyn::test

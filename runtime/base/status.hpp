#pragma once
// status.hpp — the outcome of a fallible call: ok, or an error code with a message.
// Failures are values here (LevelDB's Status): store, config, codec and HTTP code return a
// `status` or a `result<T>` instead of throwing. Cheap to copy; no shared state, any thread.

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace xyn {

// The error codes shared by every layer. `http::http_status_of` (runtime/http) maps each to one HTTP code.
enum class status_code {
  ok = 0,
  invalid_argument,   // the caller sent something malformed (400)
  not_found,          // a named thing does not exist (404)
  already_exists,     // conflicts with existing state (409)
  unauthenticated,    // missing or wrong credentials (401)
  permission_denied,  // authenticated but not allowed (403)
  too_large,          // body or value over a limit (413)
  unavailable,        // temporarily cannot serve; retrying may help (503)
  timeout,            // a deadline passed (504)
  io_error,           // the operating system or LMDB refused (500)
  corruption,         // stored bytes do not decode (500)
  internal,           // a bug (500)
};

// Stable lower-case name of a code, used as the `code` field of JSON errors.
std::string_view to_string(status_code code);

class status {
 public:
  status() = default;
  status(status_code code, std::string message) : code_(code), message_(std::move(message)) {}

  static status ok_status() { return {}; }
  static status invalid_argument(std::string m) {
    return {status_code::invalid_argument, std::move(m)};
  }
  static status not_found(std::string m) { return {status_code::not_found, std::move(m)}; }
  static status already_exists(std::string m) {
    return {status_code::already_exists, std::move(m)};
  }
  static status unavailable(std::string m) { return {status_code::unavailable, std::move(m)}; }
  static status timeout(std::string m) { return {status_code::timeout, std::move(m)}; }
  static status io_error(std::string m) { return {status_code::io_error, std::move(m)}; }
  static status corruption(std::string m) { return {status_code::corruption, std::move(m)}; }
  static status internal(std::string m) { return {status_code::internal, std::move(m)}; }

  bool ok() const { return code_ == status_code::ok; }
  explicit operator bool() const { return ok(); }
  status_code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool is_not_found() const { return code_ == status_code::not_found; }

  // "not_found: item 7" — for logs and test failure messages.
  std::string to_string() const;

 private:
  status_code code_ = status_code::ok;
  std::string message_;
};

// Holds a T or the status that explains why there is none. REQUIRES: the status is not ok.
template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}
  result(status error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // The error; an ok status when a value is held.
  status error() const { return ok() ? status{} : std::get<1>(v_); }

 private:
  std::variant<T, status> v_;
};

}  // namespace xyn

#include "runtime/base/status.hpp"

namespace xyn {

std::string_view to_string(status_code code) {
  switch (code) {
    case status_code::ok:
      return "ok";
    case status_code::invalid_argument:
      return "invalid_argument";
    case status_code::not_found:
      return "not_found";
    case status_code::already_exists:
      return "already_exists";
    case status_code::unauthenticated:
      return "unauthenticated";
    case status_code::permission_denied:
      return "permission_denied";
    case status_code::too_large:
      return "too_large";
    case status_code::unavailable:
      return "unavailable";
    case status_code::timeout:
      return "timeout";
    case status_code::io_error:
      return "io_error";
    case status_code::corruption:
      return "corruption";
    case status_code::internal:
      return "internal";
  }
  return "internal";
}

std::string status::to_string() const {
  if (ok()) return "ok";
  std::string out{xyn::to_string(code_)};
  out += ": ";
  out += message_;
  return out;
}

}  // namespace xyn

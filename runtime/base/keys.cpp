#include "runtime/base/keys.hpp"

#include <cassert>

namespace xyn::keys {

bool valid_part(std::string_view part) {
  return part.find(separator) == std::string_view::npos;
}

std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  bool first = true;
  for (auto part : parts) {
    if (!first) out.push_back(separator);
    out.append(part);
    first = false;
  }
  return out;
}

std::string prefix(std::initializer_list<std::string_view> parts) {
  auto out = join(parts);
  out.push_back(separator);
  return out;
}

std::vector<std::string_view> split(std::string_view key) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    auto pos = key.find(separator, start);
    if (pos == std::string_view::npos) {
      out.push_back(key.substr(start));
      return out;
    }
    out.push_back(key.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string be64(std::uint64_t n) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(n & 0xff);
    n >>= 8;
  }
  return out;
}

std::uint64_t from_be64(std::string_view bytes) {
  assert(bytes.size() == 8);
  std::uint64_t n = 0;
  for (unsigned char c : bytes) n = (n << 8) | c;
  return n;
}

}  // namespace xyn::keys

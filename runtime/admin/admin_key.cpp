#include "runtime/admin/admin_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace xyn::admin {

std::string random_key() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) throw std::runtime_error("RAND_bytes failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xf]);
  }
  return out;
}

admin_key admin_key::from_secret(std::string_view secret) {
  admin_key k;
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), k.digest_.data());
  return k;
}

result<std::string> load_or_create_key_file(const std::string& path) {
  std::ifstream in(path);
  if (in) {
    std::string key;
    std::getline(in, key);
    if (key.empty())
      return status::invalid_argument(path + " is empty; delete it to get a new key");
    return key;
  }
  auto key = random_key();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return status::io_error("cannot create " + path + ": " + std::strerror(errno));
  auto line = key + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return status::io_error("cannot write " + path);
  return key;
}

result<admin_key> admin_key::load_or_create(const std::string& data_dir,
                                            const std::string& env_key) {
  if (!env_key.empty()) return from_secret(env_key);
  auto key = load_or_create_key_file(data_dir + "/admin.key");
  if (!key) return key.error();
  return from_secret(*key);
}

bool admin_key::matches(std::string_view presented) const {
  auto other = from_secret(presented);
  return CRYPTO_memcmp(digest_.data(), other.digest_.data(), digest_.size()) == 0;
}

status admin_key::check_bearer(std::string_view header) const {
  constexpr std::string_view scheme = "Bearer ";
  if (header.empty())
    return {status_code::unauthenticated, "missing Authorization: Bearer <key> header"};
  if (header.size() <= scheme.size() || header.substr(0, scheme.size()) != scheme)
    return {status_code::unauthenticated, "Authorization header must be 'Bearer <key>'"};
  if (!matches(header.substr(scheme.size())))
    return {status_code::unauthenticated, "invalid API key"};
  return {};
}

}  // namespace xyn::admin

#pragma once
// admin_key.hpp — the node's admin API key and how requests prove they hold it.
// The key comes from XYN_ADMIN_KEY, else <data-dir>/admin.key, else a new random key is
// written there with mode 0600. Only its SHA-256 digest is kept in memory for checking;
// comparison is constant-time. Immutable after load; safe to share between threads.

#include <array>
#include <string>
#include <string_view>

#include "runtime/base/status.hpp"

namespace xyn::admin {

class admin_key {
 public:
  // `env_key`: the value of XYN_ADMIN_KEY, or empty.
  static result<admin_key> load_or_create(const std::string& data_dir, const std::string& env_key);
  static admin_key from_secret(std::string_view secret);

  bool matches(std::string_view presented) const;
  // Checks an "Authorization: Bearer <key>" header value.
  status check_bearer(std::string_view authorization_header) const;

 private:
  std::array<unsigned char, 32> digest_{};
};

// 32 random bytes from OpenSSL, hex-encoded.
std::string random_key();

// The first line of the key file at `path`; when there is no file, a random_key() is written
// there first (mode 0600, fsynced). An empty file is an error rather than a silent new key.
result<std::string> load_or_create_key_file(const std::string& path);

}  // namespace xyn::admin

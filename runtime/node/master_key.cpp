#include "runtime/node/master_key.hpp"

#include <openssl/crypto.h>

#include "runtime/admin/admin_key.hpp"

namespace xyn::node {

namespace {

result<std::string> decode(const std::string& hex, const std::string& origin) {
  long len = 0;
  unsigned char* buf = OPENSSL_hexstr2buf(hex.c_str(), &len);
  if (buf == nullptr || len != 32) {
    OPENSSL_free(buf);
    return status::invalid_argument(origin + " must be 64 hex digits (a 32-byte key)");
  }
  std::string out(reinterpret_cast<const char*>(buf), static_cast<size_t>(len));
  OPENSSL_clear_free(buf, static_cast<size_t>(len));
  return out;
}

}  // namespace

result<std::string> load_or_create_master_key(const std::string& data_dir,
                                              const std::string& env_value) {
  if (!env_value.empty()) return decode(env_value, "XYN_MASTER_KEY");
  auto path = data_dir + "/master.key";
  auto hex = admin::load_or_create_key_file(path);
  if (!hex) return hex.error();
  return decode(*hex, path);
}

}  // namespace xyn::node

#include "runtime/cluster/handshake.hpp"

#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace xyn::cluster {

namespace {

std::string hex(const unsigned char* data, size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0xf];
  }
  return out;
}

// Fields are joined with '|' after their length, so no two field lists share an encoding.
std::string hmac(std::string_view secret, std::initializer_list<std::string_view> fields) {
  std::string msg;
  for (auto f : fields) {
    msg += std::to_string(f.size());
    msg += ':';
    msg.append(f);
    msg += '|';
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len))
    throw std::runtime_error("HMAC-SHA256 failed");
  return hex(out, len);
}

}  // namespace

std::string make_nonce() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return hex(bytes, sizeof bytes);
}

std::string server_proof(std::string_view secret, std::string_view joiner_nonce,
                         std::string_view door_nonce) {
  return hmac(secret, {"xyn-cluster-server", joiner_nonce, door_nonce});
}

std::string client_proof(std::string_view secret, std::string_view door_nonce,
                         std::string_view joiner_nonce, std::string_view joiner_address) {
  return hmac(secret, {"xyn-cluster-client", door_nonce, joiner_nonce, joiner_address});
}

bool same_proof(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace xyn::cluster

#include "actors/services/sealed_box.hpp"

#include <memory>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace xyn::actors::sealed_box {

namespace {

constexpr unsigned char format_v1 = 1;
constexpr size_t key_id_size = 8, nonce_size = 12, tag_size = 16;
constexpr size_t header_size = 1 + key_id_size + nonce_size;

using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

// A hash of the key under a label of its own, so the id says nothing about the key itself.
std::string key_id(std::string_view key) {
  std::string labelled = "xynergy sealed_box key id\n";
  labelled.append(key);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(bytes(labelled), labelled.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), key_id_size);
}

// What GCM authenticates besides the ciphertext: the header, then the caller's context.
std::string associated_data(std::string_view header, std::string_view context) {
  std::string aad(header);
  aad.append(context);
  return aad;
}

int length(std::string_view s) {
  return static_cast<int>(s.size());
}

}  // namespace

result<std::string> seal(std::string_view key, std::string_view plain, std::string_view context) {
  if (key.size() != key_size)
    return status::invalid_argument("the key must be " + std::to_string(key_size) + " bytes");
  std::string out(header_size + plain.size() + tag_size, '\0');
  out[0] = static_cast<char>(format_v1);
  out.replace(1, key_id_size, key_id(key));
  unsigned char* nonce = bytes(out) + 1 + key_id_size;
  if (RAND_bytes(nonce, nonce_size) != 1) return status::internal("RAND_bytes failed");
  auto aad = associated_data(std::string_view(out).substr(0, header_size), context);
  cipher_ctx c(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  unsigned char* body = bytes(out) + header_size;
  int n = 0, tail = 0;
  // GCM's default IV length is the 12 bytes used here.
  bool ok = c && EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, bytes(key), nonce) == 1 &&
            EVP_EncryptUpdate(c.get(), nullptr, &n, bytes(aad), length(aad)) == 1 &&
            EVP_EncryptUpdate(c.get(), body, &n, bytes(plain), length(plain)) == 1 &&
            EVP_EncryptFinal_ex(c.get(), body + n, &tail) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, tag_size, body + plain.size()) == 1;
  if (!ok) return status::internal("AES-256-GCM encryption failed");
  return out;
}

result<std::string> open(std::string_view key, std::string_view sealed, std::string_view context) {
  if (key.size() != key_size)
    return status::invalid_argument("the key must be " + std::to_string(key_size) + " bytes");
  if (sealed.size() < header_size + tag_size)
    return status::corruption("sealed value is too short");
  if (static_cast<unsigned char>(sealed[0]) != format_v1)
    return status::corruption("sealed value has an unknown format");
  if (sealed.substr(1, key_id_size) != key_id(key))
    return status{status_code::permission_denied, "sealed under a different key"};
  auto header = sealed.substr(0, header_size);
  auto body = sealed.substr(header_size, sealed.size() - header_size - tag_size);
  std::string tag(sealed.substr(sealed.size() - tag_size));
  auto aad = associated_data(header, context);
  std::string plain(body.size(), '\0');
  cipher_ctx c(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0, tail = 0;
  bool ok = c &&
            EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, bytes(key),
                               bytes(header) + 1 + key_id_size) == 1 &&
            EVP_DecryptUpdate(c.get(), nullptr, &n, bytes(aad), length(aad)) == 1 &&
            EVP_DecryptUpdate(c.get(), bytes(plain), &n, bytes(body), length(body)) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, tag_size, tag.data()) == 1 &&
            // Final checks the tag; until it passes, `plain` must not leave this function.
            EVP_DecryptFinal_ex(c.get(), bytes(plain) + n, &tail) == 1;
  if (!ok)
    return status::corruption(
        "sealed value failed its integrity check (changed, or sealed for "
        "another record)");
  return plain;
}

std::string to_base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(bytes(out), bytes(raw), length(raw));
  out.resize(static_cast<size_t>(n));
  return out;
}

result<std::string> from_base64(std::string_view text) {
  if (text.size() % 4 != 0) return status::corruption("not base64: length is not a multiple of 4");
  std::string out(3 * (text.size() / 4), '\0');
  int n = EVP_DecodeBlock(bytes(out), bytes(text), length(text));
  if (n < 0) return status::corruption("not base64");
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace xyn::actors::sealed_box

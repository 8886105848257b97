#pragma once
// sealed_box.hpp — authenticated encryption of small values at rest: AES-256-GCM (OpenSSL EVP)
// under a 32-byte key, with a fresh random 96-bit nonce per seal and a 128-bit tag. The caller
// names what the value is (its `context`, e.g. tenant, key and version) and must name the same
// thing to open it, so a sealed value copied to another record does not open there.
//
// Sealed form: format byte (1) | key id (8) | nonce (12) | ciphertext | tag (16). The key id
// (a hash of the key, which does not reveal it) lets `open` tell "sealed under another key"
// from "changed"; the header is authenticated along with the context. Random nonces keep a
// key safe for about 2^32 seals (NIST SP 800-38D); a node's secrets are far fewer.
// Pure functions; any thread.

#include <cstddef>
#include <string>
#include <string_view>

#include "runtime/base/status.hpp"

namespace xyn::actors::sealed_box {

constexpr size_t key_size = 32;

// The sealed form of `plain`; invalid_argument when the key is not key_size bytes.
result<std::string> seal(std::string_view key, std::string_view plain, std::string_view context);

// The plain text, or: permission_denied when the value was sealed under another key;
// corruption when it is malformed, was changed, or was sealed for another context.
// Never returns unauthenticated bytes.
result<std::string> open(std::string_view key, std::string_view sealed, std::string_view context);

// Base64 (RFC 4648) for keeping sealed bytes in JSON documents.
std::string to_base64(std::string_view bytes);
// corruption when `text` is not base64.
result<std::string> from_base64(std::string_view text);

}  // namespace xyn::actors::sealed_box

#pragma once
// handshake.hpp — how two nodes prove to each other that they hold the same cluster secret
// before either treats the other as a member: a mutual HMAC-SHA256 challenge-response, so the
// secret never crosses the wire and a recorded exchange cannot be replayed (each side picks a
// fresh nonce).
//
//   joiner -> door:   hello(joiner_nonce)
//   door   -> joiner: door_nonce, server_proof = HMAC(secret, "server" | joiner_nonce | door_nonce)
//   joiner checks server_proof (a door without the secret is refused by the joiner), then
//   joiner -> door:   join(member, client_proof = HMAC(secret, "client" | door_nonce |
//                                                          joiner_nonce | joiner_address))
//   the door checks client_proof against the nonce it handed out (used once, then forgotten).
// Pure functions over OpenSSL; any thread.

#include <string>
#include <string_view>

namespace xyn::cluster {

// 32 random bytes from OpenSSL's CSPRNG, hex-encoded.
std::string make_nonce();

std::string server_proof(std::string_view secret, std::string_view joiner_nonce,
                         std::string_view door_nonce);
std::string client_proof(std::string_view secret, std::string_view door_nonce,
                         std::string_view joiner_nonce, std::string_view joiner_address);

// Constant-time comparison of two proofs.
bool same_proof(std::string_view a, std::string_view b);

}  // namespace xyn::cluster

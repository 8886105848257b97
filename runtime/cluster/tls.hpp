#pragma once
// tls.hpp — TLS on the cluster port, through caf_openssl: between nodes, and for client
// programs. With certificates configured every connection on the port is TLS with mutual
// authentication: each side presents a certificate and accepts only one signed by the
// configured CA. The cluster secret's handshake still runs inside it (membership is the
// secret's; the CA guards the wire). Without certificates the port is plain CAF.

#include <cstdint>
#include <string>

#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

#include "runtime/cluster/tls_files.hpp"

namespace xyn::cluster {

// Loads caf_openssl into `cfg` with `files`. REQUIRES: check_tls(files).ok().
void load_tls(caf::actor_system_config& cfg, const tls_files& files);

// The middleman actor that opens connections to other nodes: caf_openssl's when `tls`.
caf::io::middleman_actor connector(caf::actor_system& sys, bool tls);

// Publishes `whom` on `port` of `address` (TLS when `tls`); the port bound, or why not.
// (The middleman's unpublish closes either kind: both go through its one BASP broker.)
caf::expected<uint16_t> publish_on(const caf::actor& whom, uint16_t port,
                                   const std::string& address, bool tls);

}  // namespace xyn::cluster

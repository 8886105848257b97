#pragma once
// tls_files.hpp — the certificate files of TLS on the cluster port (tls.hpp), and their check.
// Free of CAF so the node's config can hold and check them.

#include <string>

#include "runtime/base/status.hpp"

namespace xyn::cluster {

// PEM files: this side's certificate (chain), its private key, and the CA that signs peers.
struct tls_files {
  std::string certificate;
  std::string key;
  std::string ca;
  bool enabled() const { return !certificate.empty() || !key.empty() || !ca.empty(); }
};

// Why these files cannot serve (one missing, unreadable, not PEM, the key not the
// certificate's, the certificate not signed by the CA), or ok; ok when none is set.
// caf_openssl reads them only when a connection opens, and throws there, so a node and a
// client check them before they start.
status check_tls(const tls_files& files);

}  // namespace xyn::cluster

#include "runtime/cluster/tls.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <memory>
#include <type_traits>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

namespace xyn::cluster {

namespace {

// The last OpenSSL error as text ("" when there is none), clearing the queue.
std::string openssl_error() {
  std::string out;
  while (auto e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

struct ctx_free {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

}  // namespace

status check_tls(const tls_files& f) {
  if (!f.enabled()) return {};
  auto bad = [](const std::string& what) {
    return status::invalid_argument("cluster TLS: " + what + ": " + openssl_error());
  };
  for (auto [key, path] : {std::pair{"cluster.tls_certificate", &f.certificate},
                           {"cluster.tls_key", &f.key},
                           {"cluster.tls_ca", &f.ca}})
    if (path->empty())
      return status::invalid_argument(
          "cluster TLS needs all of cluster.tls_certificate, cluster.tls_key and "
          "cluster.tls_ca; '" +
          std::string(key) + "' is missing");
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, ctx_free> ctx(SSL_CTX_new(TLS_method()));
  if (!ctx) return bad("cannot make a context");
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), f.certificate.c_str()) != 1)
    return bad("cannot read the certificate '" + f.certificate + "'");
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), f.key.c_str(), SSL_FILETYPE_PEM) != 1)
    return bad("cannot read the key '" + f.key + "'");
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return bad("the key '" + f.key + "' is not the certificate's");
  if (SSL_CTX_load_verify_locations(ctx.get(), f.ca.c_str(), nullptr) != 1)
    return bad("cannot read the CA '" + f.ca + "'");
  // The peers check this node's certificate against the same CA: one it does not sign would
  // make every connection fail, so say it now.
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> verify(X509_STORE_CTX_new(),
                                                                         X509_STORE_CTX_free);
  X509* own = SSL_CTX_get0_certificate(ctx.get());
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx.get(), &chain);
  if (!verify || !X509_STORE_CTX_init(verify.get(), SSL_CTX_get_cert_store(ctx.get()), own, chain))
    return bad("cannot check the certificate");
  if (X509_verify_cert(verify.get()) != 1)
    return status::invalid_argument(
        "cluster TLS: the certificate '" + f.certificate + "' is not signed by the CA '" + f.ca +
        "': " + X509_verify_cert_error_string(X509_STORE_CTX_get_error(verify.get())));
  return {};
}

void load_tls(caf::actor_system_config& cfg, const tls_files& f) {
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = f.certificate;
  cfg.openssl_key = f.key;
  cfg.openssl_cafile = f.ca;
}

caf::io::middleman_actor connector(caf::actor_system& sys, bool tls) {
  return tls ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
}

caf::expected<uint16_t> publish_on(const caf::actor& whom, uint16_t port,
                                   const std::string& address, bool tls) {
  if (tls) return caf::openssl::publish(whom, port, address.c_str(), true);
  return whom.home_system().middleman().publish(whom, port, address.c_str(), true);
}

}  // namespace xyn::cluster

// caf_openssl 0.17 calls SSL_read/SSL_write/SSL_accept/SSL_connect without clearing the
// thread's OpenSSL error queue first, then asks SSL_get_error, which reports any queued error
// as this session's. One failed handshake on the cluster port (a plain or untrusted peer)
// leaves its error on the middleman's thread, and the next healthy connection to hit
// SSL_ERROR_WANT_READ is closed as broken: members were declared down that way. OpenSSL's
// documentation requires an empty queue before each I/O call (BoringSSL clears it itself);
// these definitions, which the dynamic linker prefers to libssl's for every caller in the
// process, clear it and call libssl's.
namespace {

template <class Fn>
Fn real_ssl(const char* name) {
  static_assert(std::is_pointer_v<Fn>);
  auto* fn = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
  if (!fn) std::abort();  // libssl is linked: it cannot be missing
  return fn;
}

}  // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto real = real_ssl<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto real = real_ssl<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static auto real = real_ssl<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

int SSL_connect(SSL* ssl) {
  static auto real = real_ssl<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

}  // extern "C"

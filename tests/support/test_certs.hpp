#pragma once
// test_certs.hpp — a throwaway CA with certificates it signed for the names given, and one
// "outsider" that signed its own, made by the openssl command in a temporary directory that
// goes with the object. For tests of TLS on the cluster port. Test-only.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace xyn::test {

class test_certs {
 public:
  explicit test_certs(const std::vector<std::string>& names) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "xyn-certs-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    // P-256 keys: quick to make, and in caf_openssl's "HIGH" cipher list.
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("req -x509 " + key + " -keyout " + p("ca.key") + " -out " + p("ca.pem") +
        " -days 2 -subj /CN=xyn-test-ca");
    for (const auto& n : names) {
      run("req " + key + " -keyout " + p(n + ".key") + " -out " + p(n + ".csr") +
          " -subj /CN=" + n);
      run("x509 -req -in " + p(n + ".csr") + " -CA " + p("ca.pem") + " -CAkey " + p("ca.key") +
          " -CAcreateserial -out " + p(n + ".pem") + " -days 2");
    }
    run("req -x509 " + key + " -keyout " + p("outsider.key") + " -out " + p("outsider.pem") +
        " -days 2 -subj /CN=outsider");
  }
  ~test_certs() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  test_certs(const test_certs&) = delete;
  test_certs& operator=(const test_certs&) = delete;

  std::string cert(const std::string& name) const { return p(name + ".pem"); }
  std::string key(const std::string& name) const { return p(name + ".key"); }
  std::string ca() const { return p("ca.pem"); }

  // xynergy-node arguments for TLS as `name` (certificates of the CA). The outsider trusts only
  // itself.
  std::vector<std::string> node_args(const std::string& name) const {
    auto trusted = name == "outsider" ? cert("outsider") : ca();
    return {"--set", "cluster.tls_certificate=" + cert(name),
            "--set", "cluster.tls_key=" + key(name),
            "--set", "cluster.tls_ca=" + trusted};
  }

 private:
  std::string p(const std::string& file) const { return (dir_ / file).string(); }
  static void run(const std::string& args) {
    auto cmd = "openssl " + args + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
  }
  std::filesystem::path dir_;
};

}  // namespace xyn::test

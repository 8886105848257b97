#pragma once
// temp_dir.hpp — a fresh directory under /tmp for one test, removed with everything in it when
// the object goes. Test-only; one owner, no sharing.

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace xyn::store::testing {

class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = "/tmp/xyn-store-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace xyn::store::testing

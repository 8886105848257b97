#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "runtime/admin/admin_key.hpp"

using xyn::admin::admin_key;

TEST_CASE("a new admin key is written once with mode 0600 and then reused") {
  auto dir = std::filesystem::temp_directory_path() / ("xyn-key-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto k1 = admin_key::load_or_create(dir.string(), "");
  REQUIRE(k1.ok());
  struct stat st {};
  REQUIRE(::stat((dir / "admin.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::string secret;
  std::getline(std::ifstream(dir / "admin.key"), secret);
  CHECK(secret.size() == 64);
  CHECK(k1->matches(secret));
  auto k2 = admin_key::load_or_create(dir.string(), "");
  CHECK(k2->matches(secret));
  CHECK(k2->check_bearer("Bearer " + secret).ok());
  CHECK_FALSE(k2->check_bearer("Bearer " + secret + "x").ok());
  CHECK_FALSE(k2->check_bearer(secret).ok());
  CHECK_FALSE(k2->check_bearer("").ok());
  std::filesystem::remove_all(dir);
}

TEST_CASE("XYN_ADMIN_KEY wins over the file") {
  auto k = admin_key::load_or_create("/nonexistent-dir", "from-env");
  REQUIRE(k.ok());
  CHECK(k->matches("from-env"));
  CHECK_FALSE(k->matches("other"));
}

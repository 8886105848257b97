#include "runtime/base/keys.hpp"

#include <catch2/catch.hpp>

namespace keys = xyn::keys;

TEST_CASE("joined keys split back into their parts") {
  auto k = keys::join({"content-hub", "acme", "item/7"});
  CHECK(k.size() == std::string("content-hub").size() + 1 + 4 + 1 + 6);
  auto parts = keys::split(k);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0] == "content-hub");
  CHECK(parts[1] == "acme");
  CHECK(parts[2] == "item/7");
}

TEST_CASE("a tenant prefix does not match a tenant whose name extends it") {
  auto p = keys::prefix({"svc", "acme"});
  auto mine = keys::join({"svc", "acme", "k"});
  auto other = keys::join({"svc", "acme2", "k"});
  CHECK(mine.rfind(p, 0) == 0);
  CHECK(other.rfind(p, 0) != 0);
}

TEST_CASE("big-endian sequence numbers sort numerically as bytes") {
  CHECK(keys::be64(1) < keys::be64(2));
  CHECK(keys::be64(255) < keys::be64(256));
  CHECK(keys::be64(1ull << 40) > keys::be64(1ull << 39));
  CHECK(keys::from_be64(keys::be64(0x0102030405060708ull)) == 0x0102030405060708ull);
  CHECK_FALSE(keys::valid_part(std::string("a\0b", 3)));
  CHECK(keys::valid_part("tenant-1"));
}

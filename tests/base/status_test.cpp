#include "runtime/base/status.hpp"

#include <catch2/catch.hpp>

using xyn::result;
using xyn::status;
using xyn::status_code;

TEST_CASE("a default status is ok and an error keeps its code and message") {
  status ok;
  CHECK(ok.ok());
  auto nf = status::not_found("item 7");
  CHECK_FALSE(nf.ok());
  CHECK(nf.is_not_found());
  CHECK(nf.code() == status_code::not_found);
  CHECK(nf.to_string() == "not_found: item 7");
}

TEST_CASE("a result holds either a value or the error that explains its absence") {
  result<int> good = 42;
  REQUIRE(good.ok());
  CHECK(*good == 42);
  CHECK(good.error().ok());
  result<int> bad = status::invalid_argument("x must be positive");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code() == status_code::invalid_argument);
  CHECK(bad.error().message() == "x must be positive");
}

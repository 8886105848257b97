#include <catch2/catch.hpp>

#include "runtime/mesh/catalog.hpp"
#include "runtime/node/config.hpp"

using xyn::mesh::parse_catalog;

TEST_CASE("the shipped catalog has the fifteen services and a valid graph") {
  auto cat = parse_catalog(xyn::node::embedded_service_catalog());
  REQUIRE(cat.ok());
  CHECK(cat->services.size() == 15);
  REQUIRE(cat->find("marketing-engine") != nullptr);
  auto deps = cat->find("marketing-engine")->depends_on;
  CHECK(std::find(deps.begin(), deps.end(), "content-hub") != deps.end());
}

TEST_CASE("catalog errors name the service and the problem") {
  auto cycle = parse_catalog(
      R"({"services":[{"name":"a","depends_on":["b"]},{"name":"b","depends_on":["a"]}]})");
  REQUIRE_FALSE(cycle.ok());
  CHECK(cycle.error().message().find("a -> b -> a") != std::string::npos);
  auto unknown = parse_catalog(R"({"services":[{"name":"a","depends_on":["zz"]}]})");
  CHECK(unknown.error().message().find("zz") != std::string::npos);
  auto dup = parse_catalog(R"({"services":[{"name":"a"},{"name":"a"}]})");
  CHECK(dup.error().message().find("duplicate") != std::string::npos);
  auto extra = parse_catalog(R"({"services":[{"name":"a","colour":1}]})");
  CHECK(extra.error().message().find("colour") != std::string::npos);
}

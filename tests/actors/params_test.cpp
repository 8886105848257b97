#include <catch2/catch.hpp>

#include "actors/params.hpp"

using xyn::actors::param_reader;
using json = nlohmann::json;

TEST_CASE("param_reader returns typed values and defaults") {
  json p = {{"name", "x"}, {"n", 3}, {"f", 1.5}, {"tags", {"a", "b"}}, {"on", true}};
  param_reader r(p);
  CHECK(r.string("name") == "x");
  CHECK(r.integer("n") == 3);
  CHECK(r.number("f") == 1.5);
  CHECK(r.strings("tags") == std::vector<std::string>{"a", "b"});
  CHECK(r.boolean("on", false));
  CHECK(r.integer("absent", 7) == 7);
  CHECK(r.ok());
}

TEST_CASE("param_reader names the first bad field") {
  json p = {{"n", "three"}, {"tags", {1, 2}}};
  param_reader r(p);
  r.string("name");
  r.integer("n");
  CHECK_FALSE(r.ok());
  auto f = r.failure();
  CHECK(f.code == "invalid_params");
  CHECK(f.message == "field 'name': required string is missing");
  param_reader r2(p);
  r2.strings("tags");
  CHECK(r2.failure().message == "field 'tags': must be an array of strings");
}

#include <catch2/catch.hpp>

#include "actors/workflow/references.hpp"

using namespace xyn::workflow;

namespace {

struct fixture {
  json input = {{"product", "Vega"}, {"budget", 2500}, {"channels", {"email", "blog"}}};
  std::map<std::string, json> outputs = {{"create", {{"id", "c-7"}, {"tags", {"a", "b"}}}},
                                         {"skipped", nullptr}};
  scope make() {
    scope s;
    s.input = &input;
    s.step_output = [this](std::string_view id) -> const json* {
      auto it = outputs.find(std::string(id));
      return it == outputs.end() ? nullptr : &it->second;
    };
    s.workflow_id = "wf-1";
    s.tenant = "acme";
    return s;
  }
};

}  // namespace

TEST_CASE("a whole-string reference keeps the value's type", "[references]") {
  fixture f;
  auto s = f.make();
  REQUIRE(*resolve(json("${input.budget}"), s) == json(2500));
  REQUIRE(*resolve(json("${input.channels}"), s) == json({"email", "blog"}));
  REQUIRE(*resolve(json("${steps.create.output.tags.1}"), s) == json("b"));
  REQUIRE(*resolve(json("${steps.create.output}"), s) == f.outputs["create"]);
  REQUIRE(*resolve(json("${workflow.tenant}"), s) == json("acme"));
}

TEST_CASE("references inside text are spliced in, recursively through objects", "[references]") {
  fixture f;
  auto s = f.make();
  json params = {{"title", "Launch ${input.product} for ${input.budget}"},
                 {"nested", {{"list", {"${steps.create.output.id}", 3}}}}};
  auto r = resolve(params, s);
  REQUIRE(r.ok());
  CHECK((*r)["title"] == "Launch Vega for 2500");
  CHECK((*r)["nested"]["list"] == json({"c-7", 3}));
}

TEST_CASE("a skipped step's output resolves to null on every path", "[references]") {
  fixture f;
  auto s = f.make();
  REQUIRE(resolve(json("${steps.skipped.output.id}"), s)->is_null());
}

TEST_CASE("unresolvable references name what is missing", "[references]") {
  fixture f;
  auto s = f.make();
  auto missing_input = resolve(json("${input.nope}"), s);
  REQUIRE_FALSE(missing_input.ok());
  CHECK_THAT(missing_input.error().message(), Catch::Contains("no input 'nope'"));
  auto not_done = resolve(json("${steps.later.output}"), s);
  CHECK_THAT(not_done.error().message(), Catch::Contains("has not completed"));
  auto no_field = resolve(json("x ${steps.create.output.zzz}"), s);
  CHECK_THAT(no_field.error().message(), Catch::Contains("no field 'zzz'"));
  CHECK_FALSE(resolve(json("${steps.create.output.tags.9}"), s).ok());
  CHECK_FALSE(find_references(json("${bogus.x}")).ok());
  CHECK_FALSE(find_references(json("${steps.create.id}")).ok());
  CHECK_FALSE(find_references(json("open ${input.x")).ok());
}

TEST_CASE("find_references lists every reference in order", "[references]") {
  auto refs = find_references(
      json{{"a", "${input.x} and ${steps.s1.output.y.z}"}, {"b", {"${workflow.id}"}}});
  REQUIRE(refs.ok());
  REQUIRE(refs->size() == 3);
  CHECK((*refs)[0].name == "x");
  CHECK((*refs)[1].where == reference::root::steps);
  CHECK((*refs)[1].path == std::vector<std::string>{"y", "z"});
}

TEST_CASE("conditions: truthiness, negation and comparisons", "[references]") {
  fixture f;
  auto s = f.make();
  CHECK(*evaluate_condition("${input.product}", s));
  CHECK_FALSE(*evaluate_condition("!${input.product}", s));
  CHECK_FALSE(*evaluate_condition("${steps.skipped.output}", s));
  CHECK(*evaluate_condition("${input.budget} > 1000", s));
  CHECK_FALSE(*evaluate_condition("${input.budget} <= 1000", s));
  CHECK(*evaluate_condition("${input.product} == Vega", s));
  CHECK(*evaluate_condition("${input.product} == 'Vega'", s));
  CHECK(*evaluate_condition("${input.product} != \"Orion\"", s));
  CHECK(*evaluate_condition("${steps.create.output.id} == c-7", s));
  CHECK_FALSE(evaluate_condition("${input.product} > 3", s).ok());
  CHECK_FALSE(evaluate_condition("  ", s).ok());
  auto refs = find_references_in_condition("${input.budget} >= ${steps.create.output.n}");
  REQUIRE(refs.ok());
  CHECK(refs->size() == 2);
}

#include <catch2/catch.hpp>

#include "actors/workflow/definition.hpp"

using namespace xyn::workflow;

namespace {

service_catalog_view catalog() {
  static const std::map<std::string, std::vector<std::string>> actions = {
      {"content-hub", {"create", "delete", "publish", "unpublish"}},
      {"qa-engine", {"check"}},
      {"secrets-config", {"get_secret"}}};
  static const json child = {
      {"name", "child"},
      {"inputs", {{{"name", "title"}, {"type", "string"}, {"required", true}}}},
      {"steps", {{{"id", "c"}, {"service", "qa-engine"}, {"action", "check"}}}}};
  static const json selfish = {
      {"name", "selfish"},
      {"steps", {{{"id", "again"}, {"kind", "workflow"}, {"template", "selfish"}}}}};
  service_catalog_view v;
  v.actions = [](std::string_view s) -> std::optional<std::vector<std::string>> {
    auto it = actions.find(std::string(s));
    if (it == actions.end()) return std::nullopt;
    return it->second;
  };
  v.secret = [](std::string_view s, std::string_view a) {
    return s == "secrets-config" && a == "get_secret";
  };
  v.find_template = [](std::string_view n) -> const json* {
    if (n == "child") return &child;
    if (n == "selfish") return &selfish;
    return nullptr;
  };
  return v;
}

json base() {
  return json::parse(R"({
    "name": "launch", "version": 2,
    "inputs": [{"name": "product", "type": "string", "required": true},
               {"name": "budget", "type": "number", "default": 100}],
    "steps": [
      {"id": "create", "service": "content-hub", "action": "create",
       "params": {"title": "${input.product}"},
       "compensate": {"action": "delete", "params": {"id": "${steps.create.output.id}"}},
       "retry": {"max_attempts": 5, "initial_backoff_ms": 10, "max_backoff_ms": 80, "multiplier": 3,
                 "retryable_codes": ["conflict"]}},
      {"id": "check", "service": "qa-engine", "action": "check", "depends_on": ["create"],
       "params": {"text": "${steps.create.output.title}"}, "when": "${input.budget} > 10"},
      {"id": "wait", "kind": "sleep", "duration_ms": 5, "depends_on": ["check"]},
      {"id": "ok", "kind": "approval", "signal": "approve", "timeout_ms": 1000, "depends_on": ["wait"]},
      {"id": "publish", "service": "content-hub", "action": "publish", "depends_on": ["ok"],
       "params": {"id": "${steps.create.output.id}"}},
      {"id": "sub", "kind": "workflow", "template": "child", "input": {"title": "${input.product}"},
       "depends_on": ["create"]}
    ],
    "output": {"item": "${steps.create.output.id}"}
  })");
}

std::string refusal(const json& doc) {
  auto r = parse_definition(doc, catalog());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == xyn::status_code::invalid_argument);
  return r.error().message();
}

}  // namespace

TEST_CASE("a valid definition parses with every step kind", "[definition]") {
  auto r = parse_definition(base(), catalog());
  REQUIRE(r.ok());
  const auto& d = *r;
  CHECK(d.name == "launch");
  CHECK(d.version == "2");
  REQUIRE(d.steps.size() == 6);
  CHECK(d.find("create")->retry.max_attempts == 5);
  CHECK(d.find("create")->compensate->action == "delete");
  CHECK(d.find("wait")->kind == step_kind::sleep);
  CHECK(d.find("ok")->signal == "approve");
  CHECK(d.find("sub")->child_definition["name"] == "child");
  // The child template is inlined into the stored source, and the source parses again.
  CHECK(d.source["steps"][5]["definition"]["name"] == "child");
  REQUIRE(parse_definition(d.source, catalog()).ok());
}

TEST_CASE("retry backoff grows by the multiplier up to the cap", "[definition]") {
  auto d = *parse_definition(base(), catalog());
  const auto& r = d.find("create")->retry;
  CHECK(r.backoff_ms(1) == 10);
  CHECK(r.backoff_ms(2) == 30);
  CHECK(r.backoff_ms(3) == 80);
  CHECK(r.backoff_ms(60) == 80);
  CHECK(r.retries_code("conflict"));
  CHECK_FALSE(r.retries_code("invalid_params"));
}

TEST_CASE("refusals name the step and the problem", "[definition]") {
  auto d = base();
  SECTION("unknown service") {
    d["steps"][1]["service"] = "nope";
    CHECK_THAT(refusal(d),
               Catch::Contains("step 'check'") && Catch::Contains("unknown service 'nope'"));
  }
  SECTION("unknown action") {
    d["steps"][0]["action"] = "explode";
    CHECK_THAT(refusal(d),
               Catch::Contains("step 'create'") && Catch::Contains("no action 'explode'"));
  }
  SECTION("an action that handles secrets") {
    d["steps"][1]["service"] = "secrets-config";
    d["steps"][1]["action"] = "get_secret";
    CHECK_THAT(refusal(d),
               Catch::Contains("step 'check'") && Catch::Contains("handles secret values"));
  }
  SECTION("unknown compensation action") {
    d["steps"][0]["compensate"]["action"] = "undo";
    CHECK_THAT(refusal(d), Catch::Contains("compensation") && Catch::Contains("'undo'"));
  }
  SECTION("a cycle is named") {
    d["steps"][0]["depends_on"] = {"publish"};
    CHECK_THAT(refusal(d),
               Catch::Contains("dependency cycle") &&
                   Catch::Contains("create -> publish -> ok -> wait -> check -> create"));
  }
  SECTION("self dependency") {
    d["steps"][1]["depends_on"] = {"check"};
    CHECK_THAT(refusal(d), Catch::Contains("step 'check': depends on itself"));
  }
  SECTION("dependency on an unknown step") {
    d["steps"][1]["depends_on"] = {"ghost"};
    CHECK_THAT(refusal(d), Catch::Contains("unknown step 'ghost'"));
  }
  SECTION("reference to an unknown step") {
    d["steps"][1]["params"]["text"] = "${steps.ghost.output.x}";
    CHECK_THAT(refusal(d),
               Catch::Contains("step 'check'") && Catch::Contains("unknown step 'ghost'"));
  }
  SECTION("reference to a step that is not upstream") {
    d["steps"][1]["params"]["text"] = "${steps.publish.output.x}";
    CHECK_THAT(refusal(d), Catch::Contains("not upstream"));
  }
  SECTION("reference in a condition to a step that is not upstream") {
    d["steps"][1]["when"] = "${steps.sub.output.x} == 1";
    CHECK_THAT(refusal(d), Catch::Contains("step 'check' when") && Catch::Contains("not upstream"));
  }
  SECTION("reference to an undeclared input") {
    d["steps"][0]["params"]["title"] = "${input.colour}";
    CHECK_THAT(refusal(d), Catch::Contains("undeclared input 'colour'"));
  }
  SECTION("bad retry values") {
    d["steps"][0]["retry"]["max_attempts"] = 0;
    CHECK_THAT(refusal(d), Catch::Contains("'max_attempts' must be between 1"));
  }
  SECTION("backoff cap below the initial backoff") {
    d["steps"][0]["retry"]["max_backoff_ms"] = 1;
    CHECK_THAT(refusal(d), Catch::Contains("'max_backoff_ms' must not be below"));
  }
  SECTION("multiplier below one") {
    d["steps"][0]["retry"]["multiplier"] = 0.5;
    CHECK_THAT(refusal(d), Catch::Contains("'multiplier'"));
  }
  SECTION("duplicate ids") {
    d["steps"][1]["id"] = "create";
    CHECK_THAT(refusal(d), Catch::Contains("used twice"));
  }
  SECTION("unknown fields and kinds") {
    d["steps"][1]["colour"] = "red";
    CHECK_THAT(refusal(d), Catch::Contains("unknown field 'colour'"));
    d["steps"][1].erase("colour");
    d["steps"][2]["kind"] = "nap";
    CHECK_THAT(refusal(d), Catch::Contains("unknown kind 'nap'"));
  }
  SECTION("sleep without a duration") {
    d["steps"][2].erase("duration_ms");
    CHECK_THAT(refusal(d), Catch::Contains("step 'wait': 'duration_ms' is required"));
  }
  SECTION("approval without a signal") {
    d["steps"][3].erase("signal");
    CHECK_THAT(refusal(d), Catch::Contains("step 'ok': 'signal' is required"));
  }
  SECTION("unknown template and a template that starts itself") {
    d["steps"][5]["template"] = "ghost";
    CHECK_THAT(refusal(d), Catch::Contains("unknown template 'ghost'"));
    d["steps"][5]["template"] = "selfish";
    CHECK_THAT(refusal(d), Catch::Contains("nest deeper"));
  }
  SECTION("an invalid inline child names the child step") {
    d["steps"][5].erase("template");
    d["steps"][5]["definition"] = {{"name", "x"}, {"steps", json::array()}};
    CHECK_THAT(refusal(d), Catch::Contains("step 'sub': child definition") &&
                               Catch::Contains("non-empty array"));
  }
  SECTION("no steps, not an object") {
    d["steps"] = json::array();
    CHECK_THAT(refusal(d), Catch::Contains("'steps' must be a non-empty array"));
    CHECK_THAT(refusal(json::array()), Catch::Contains("must be a JSON object"));
  }
}

TEST_CASE("bind_input applies defaults and refuses missing, mistyped or unknown inputs",
          "[definition]") {
  auto d = *parse_definition(base(), catalog());
  auto ok = bind_input(d, {{"product", "Vega"}});
  REQUIRE(ok.ok());
  CHECK(*ok == json({{"product", "Vega"}, {"budget", 100}}));
  auto missing = bind_input(d, json::object());
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message(), Catch::Contains("input 'product' is required"));
  CHECK_THAT(bind_input(d, {{"product", 7}}).error().message(),
             Catch::Contains("must be of type string"));
  CHECK_THAT(bind_input(d, {{"product", "x"}, {"colour", 1}}).error().message(),
             Catch::Contains("'colour' is not declared"));
  CHECK_FALSE(bind_input(d, json::array()).ok());
}

#include "supervisors/spec.hpp"

#include <catch2/catch.hpp>

#include "caf/actor.hpp"

using namespace std::chrono_literals;
using namespace xyn::supervisors;

namespace {

// Never called: validation only looks at whether a start function is there.
start_fn dummy_start() {
  return [](caf::actor_system&) -> caf::actor { throw std::logic_error("not called"); };
}

std::vector<child_spec> two_children() {
  return {{"a", dummy_start()}, {"b", dummy_start()}};
}

void check_refused(const xyn::status& st, const std::string& field) {
  INFO(st.to_string());
  CHECK(st.code() == xyn::status_code::invalid_argument);
  CHECK(st.message().rfind(field + ":", 0) == 0);
}

}  // namespace

TEST_CASE("valid flags and specs pass, and the defaults are OTP's") {
  sup_flags f;
  CHECK(f.strategy == strategy::one_for_one);
  CHECK(f.intensity == 3);
  CHECK(f.period == 5000ms);
  CHECK_FALSE(enabled(f.backoff));
  CHECK(validate(f, two_children()).ok());
  CHECK(validate(f, {}).ok());
  f.backoff = {100ms, 100ms, 1.0, 0.0};
  CHECK(validate(f, two_children()).ok());
}

TEST_CASE("validation names the bad child field") {
  sup_flags f;
  auto kids = two_children();
  kids[1].id = kids[0].id;  // (not = "a": g++ 12 -Wrestrict false positive)
  check_refused(validate(f, kids), "children[1].id");
  CHECK(validate(f, kids).message().find("duplicate child id 'a'") != std::string::npos);

  kids = two_children();
  kids[0].id.clear();
  check_refused(validate(f, kids), "children[0].id");

  kids = two_children();
  kids[1].start = nullptr;
  check_refused(validate(f, kids), "children[1].start");

  kids = two_children();
  kids[0].shutdown = -1ms;
  check_refused(validate(f, kids), "children[0].shutdown");

  kids = two_children();
  kids[0].restart = static_cast<restart_type>(42);
  check_refused(validate(f, kids), "children[0].restart");
}

TEST_CASE("validation names the bad flag") {
  auto kids = two_children();
  sup_flags f;
  f.period = 0ms;
  check_refused(validate(f, kids), "period");

  f = {};
  f.strategy = static_cast<strategy>(9);
  check_refused(validate(f, kids), "strategy");

  f = {};
  f.backoff = {200ms, 100ms};
  check_refused(validate(f, kids), "backoff.max");

  f.backoff = {100ms, 200ms, 0.5};
  check_refused(validate(f, kids), "backoff.multiplier");

  f.backoff = {100ms, 200ms, 2.0, 1.5};
  check_refused(validate(f, kids), "backoff.jitter");

  f.backoff = {-5ms, 200ms};
  check_refused(validate(f, kids), "backoff.initial");
}

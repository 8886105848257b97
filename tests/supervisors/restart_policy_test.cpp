#include "supervisors/restart_policy.hpp"

#include <catch2/catch.hpp>

using namespace xyn::supervisors;
using idx = std::vector<std::size_t>;

TEST_CASE("restart decision: permanent always, transient only abnormal, temporary never") {
  CHECK(should_restart(restart_type::permanent, false));
  CHECK(should_restart(restart_type::permanent, true));
  CHECK_FALSE(should_restart(restart_type::transient, false));
  CHECK(should_restart(restart_type::transient, true));
  CHECK_FALSE(should_restart(restart_type::temporary, false));
  CHECK_FALSE(should_restart(restart_type::temporary, true));
}

TEST_CASE("one_for_one touches only the exited child") {
  CHECK(children_to_stop(strategy::one_for_one, 1, 4) == idx{});
  CHECK(children_to_start(strategy::one_for_one, 1, 4) == idx{1});
}

TEST_CASE("one_for_all stops every sibling in reverse and starts all in order") {
  CHECK(children_to_stop(strategy::one_for_all, 1, 4) == idx{3, 2, 0});
  CHECK(children_to_start(strategy::one_for_all, 1, 4) == idx{0, 1, 2, 3});
  CHECK(children_to_stop(strategy::one_for_all, 0, 1) == idx{});
}

TEST_CASE("rest_for_one stops the later children in reverse and restarts from the exited one") {
  CHECK(children_to_stop(strategy::rest_for_one, 1, 4) == idx{3, 2});
  CHECK(children_to_start(strategy::rest_for_one, 1, 4) == idx{1, 2, 3});
  CHECK(children_to_stop(strategy::rest_for_one, 3, 4) == idx{});
  CHECK(children_to_start(strategy::rest_for_one, 3, 4) == idx{3});
}

#include "supervisors/restart_policy.hpp"

namespace xyn::supervisors {

std::string_view to_string(strategy s) {
  switch (s) {
    case strategy::one_for_one:
      return "one_for_one";
    case strategy::one_for_all:
      return "one_for_all";
    case strategy::rest_for_one:
      return "rest_for_one";
  }
  return "invalid_strategy";
}

std::string_view to_string(restart_type r) {
  switch (r) {
    case restart_type::permanent:
      return "permanent";
    case restart_type::transient:
      return "transient";
    case restart_type::temporary:
      return "temporary";
  }
  return "invalid_restart_type";
}

bool should_restart(restart_type type, bool abnormal) {
  switch (type) {
    case restart_type::permanent:
      return true;
    case restart_type::transient:
      return abnormal;
    case restart_type::temporary:
      return false;
  }
  return false;
}

std::vector<std::size_t> children_to_stop(strategy s, std::size_t failed, std::size_t count) {
  std::vector<std::size_t> out;
  switch (s) {
    case strategy::one_for_one:
      break;
    case strategy::one_for_all:
      for (std::size_t i = count; i-- > 0;)
        if (i != failed) out.push_back(i);
      break;
    case strategy::rest_for_one:
      for (std::size_t i = count; i-- > failed + 1;) out.push_back(i);
      break;
  }
  return out;
}

std::vector<std::size_t> children_to_start(strategy s, std::size_t failed, std::size_t count) {
  std::vector<std::size_t> out;
  switch (s) {
    case strategy::one_for_one:
      out.push_back(failed);
      break;
    case strategy::one_for_all:
      for (std::size_t i = 0; i < count; ++i) out.push_back(i);
      break;
    case strategy::rest_for_one:
      for (std::size_t i = failed; i < count; ++i) out.push_back(i);
      break;
  }
  return out;
}

}  // namespace xyn::supervisors

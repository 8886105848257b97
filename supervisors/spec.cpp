#include "supervisors/spec.hpp"

#include <cmath>
#include <set>

namespace xyn::supervisors {

namespace {

status bad(std::string field, std::string what) {
  return status::invalid_argument(std::move(field) + ": " + std::move(what));
}

bool known(strategy s) {
  return s == strategy::one_for_one || s == strategy::one_for_all || s == strategy::rest_for_one;
}

bool known(restart_type r) {
  return r == restart_type::permanent || r == restart_type::transient ||
         r == restart_type::temporary;
}

}  // namespace

status validate(const sup_flags& flags, const std::vector<child_spec>& children) {
  if (!known(flags.strategy)) return bad("strategy", "unknown strategy");
  if (flags.period.count() <= 0) return bad("period", "must be > 0 ms");
  const auto& b = flags.backoff;
  if (b.initial.count() < 0) return bad("backoff.initial", "must be >= 0 ms");
  if (enabled(b)) {
    if (b.max < b.initial) return bad("backoff.max", "must be >= backoff.initial");
    if (!std::isfinite(b.multiplier) || b.multiplier < 1.0)
      return bad("backoff.multiplier", "must be a finite number >= 1");
    if (!std::isfinite(b.jitter) || b.jitter < 0.0 || b.jitter > 1.0)
      return bad("backoff.jitter", "must be within [0, 1]");
  }
  std::set<std::string> ids;
  for (std::size_t i = 0; i < children.size(); ++i) {
    const auto& c = children[i];
    const std::string at = "children[" + std::to_string(i) + "]";
    if (c.id.empty()) return bad(at + ".id", "must not be empty");
    if (!ids.insert(c.id).second) return bad(at + ".id", "duplicate child id '" + c.id + "'");
    if (!c.start) return bad(at + ".start", "missing start function (child '" + c.id + "')");
    if (!known(c.restart))
      return bad(at + ".restart", "unknown restart type (child '" + c.id + "')");
    if (c.shutdown.count() < 0)
      return bad(at + ".shutdown", "must be >= 0 ms (child '" + c.id + "')");
  }
  return {};
}

}  // namespace xyn::supervisors

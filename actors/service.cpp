#include "actors/service.hpp"

namespace xyn::actors {

service::service(std::string name, std::string summary)
    : name_(std::move(name)), summary_(std::move(summary)) {}

void service::add(action_spec spec) {
  actions_.push_back(std::move(spec));
}

const action_spec* service::find(const std::string& action) const {
  for (const auto& a : actions_)
    if (a.name == action) return &a;
  return nullptr;
}

outcome service::execute(const std::string& action, action_context& ctx) const {
  const auto* spec = find(action);
  if (spec == nullptr)
    return outcome::failure("unknown_action",
                            "service '" + name_ + "' has no action '" + action + "'");
  if (!ctx.params.is_object())
    return outcome::failure("invalid_params", "params must be a JSON object");
  return spec->run(ctx);
}

}  // namespace xyn::actors

#include "actors/workflow/library.hpp"

#include <set>

#include "actors/service.hpp"

namespace xyn::workflow {

result<std::shared_ptr<const library>> library::make(
    const std::vector<std::string>& service_names) {
  std::map<std::string, std::vector<std::string>> actions;
  std::set<std::string, std::less<>> secret;
  const auto& factories = actors::service_factories();
  for (const auto& name : service_names) {
    auto it = factories.find(name);
    if (it == factories.end()) continue;
    auto svc = it->second();
    auto& list = actions[name];
    for (const auto& a : svc->actions()) {
      list.push_back(a.name);
      if (a.secret) secret.insert(name + "." + a.name);
    }
  }
  std::map<std::string, json> templates;
  for (const auto& [name, text] : embedded_templates()) {
    auto doc = json::parse(text, nullptr, false);
    if (doc.is_discarded())
      return status::invalid_argument("template '" + name + "' is not valid JSON");
    templates.emplace(name, std::move(doc));
  }
  return make(std::move(templates), std::move(actions), std::move(secret));
}

result<std::shared_ptr<const library>> library::make(
    std::map<std::string, json> templates, std::map<std::string, std::vector<std::string>> actions,
    std::set<std::string, std::less<>> secret_actions) {
  auto lib = std::make_shared<library>();
  lib->secret_actions_ = std::move(secret_actions);
  for (auto& [k, v] : actions) lib->actions_.emplace(k, std::move(v));
  for (auto& [k, v] : templates) lib->templates_.emplace(k, std::move(v));
  // Every template must validate (and so every child template it names).
  for (const auto& [name, doc] : lib->templates_) {
    auto def = parse_definition(doc, lib->view());
    if (!def) return status::invalid_argument("template '" + name + "': " + def.error().message());
    if (def->name != name)
      return status::invalid_argument("template file '" + name + "' declares name '" + def->name +
                                      "'");
  }
  return std::shared_ptr<const library>(std::move(lib));
}

const json* library::find_template(std::string_view name) const {
  auto it = templates_.find(name);
  return it == templates_.end() ? nullptr : &it->second;
}

service_catalog_view library::view() const {
  service_catalog_view v;
  v.actions = [this](std::string_view service) -> std::optional<std::vector<std::string>> {
    auto it = actions_.find(service);
    if (it == actions_.end()) return std::nullopt;
    return it->second;
  };
  v.find_template = [this](std::string_view name) { return find_template(name); };
  v.secret = [this](std::string_view service, std::string_view action) {
    std::string key(service);
    key.append(".").append(action);
    return secret_actions_.count(key) > 0;
  };
  return v;
}

json library::describe() const {
  json out = json::array();
  for (const auto& [name, doc] : templates_) {
    std::set<std::string> services;
    for (const auto& s : doc.value("steps", json::array()))
      if (s.contains("service")) services.insert(s["service"].get<std::string>());
    out.push_back({{"name", name},
                   {"version", doc.value("version", json("1"))},
                   {"description", doc.value("description", "")},
                   {"inputs", doc.value("inputs", json::array())},
                   {"steps", doc.value("steps", json::array()).size()},
                   {"services", services}});
  }
  return out;
}

}  // namespace xyn::workflow

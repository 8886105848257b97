#pragma once
// library.hpp — what the engine validates against: the workflow templates shipped in
// config/workflows/ (embedded in the binary at build time) and the actions of the local
// services. Built once at node start; immutable afterwards, shared read-only by every
// workflow actor and the admin routes.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/workflow/definition.hpp"
#include "runtime/base/status.hpp"

namespace xyn::workflow {

class library {
 public:
  // The embedded templates and the actions of every service in `service_names` (services
  // this build does not know are left out). Refuses a template that does not validate, naming it.
  static result<std::shared_ptr<const library>> make(const std::vector<std::string>& service_names);
  // For tests: explicit templates (name -> definition JSON), services (name -> actions) and
  // the actions that handle secrets ("service.action", not allowed as steps).
  static result<std::shared_ptr<const library>> make(
      std::map<std::string, json> templates,
      std::map<std::string, std::vector<std::string>> actions,
      std::set<std::string, std::less<>> secret_actions = {});

  const json* find_template(std::string_view name) const;
  const std::map<std::string, json, std::less<>>& templates() const { return templates_; }
  // The view parse_definition validates against.
  service_catalog_view view() const;
  // GET /v1/templates: [{"name","version","description","inputs","steps","services"}]
  json describe() const;

 private:
  std::map<std::string, json, std::less<>> templates_;
  std::map<std::string, std::vector<std::string>, std::less<>> actions_;
  std::set<std::string, std::less<>> secret_actions_;  // "service.action"
};

// The JSON text of every file in config/workflows/ (name without ".json" -> text), embedded.
const std::map<std::string, std::string>& embedded_templates();

}  // namespace xyn::workflow

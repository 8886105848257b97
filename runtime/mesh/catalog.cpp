#include "runtime/mesh/catalog.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace xyn::mesh {

const catalog_entry* catalog::find(std::string_view name) const {
  for (const auto& s : services)
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<std::string> catalog::names() const {
  std::vector<std::string> out;
  for (const auto& s : services) out.push_back(s.name);
  return out;
}

namespace {

// The first dependency cycle found, as "a -> b -> a", or empty.
std::string find_cycle(const catalog& cat) {
  std::map<std::string, int> color;  // 0 unvisited, 1 on stack, 2 done
  std::vector<std::string> stack;
  std::string cycle;
  std::function<bool(const std::string&)> visit = [&](const std::string& name) {
    color[name] = 1;
    stack.push_back(name);
    for (const auto& dep : cat.find(name)->depends_on) {
      if (color[dep] == 1) {
        auto it = std::find(stack.begin(), stack.end(), dep);
        for (; it != stack.end(); ++it) cycle += *it + " -> ";
        cycle += dep;
        return true;
      }
      if (color[dep] == 0 && visit(dep)) return true;
    }
    stack.pop_back();
    color[name] = 2;
    return false;
  };
  for (const auto& s : cat.services)
    if (color[s.name] == 0 && visit(s.name)) return cycle;
  return {};
}

}  // namespace

result<catalog> parse_catalog(std::string_view json_text) {
  auto doc = nlohmann::json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return status::invalid_argument("service catalog is not a JSON object");
  for (const auto& [key, _] : doc.items())
    if (key != "services")
      return status::invalid_argument("service catalog: unknown key '" + key + "'");
  if (!doc.contains("services") || !doc["services"].is_array())
    return status::invalid_argument("service catalog: 'services' must be an array");
  catalog cat;
  std::set<std::string> seen;
  for (const auto& s : doc["services"]) {
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string())
      return status::invalid_argument("service catalog: every service needs a string 'name'");
    catalog_entry e;
    e.name = s["name"].get<std::string>();
    for (const auto& [key, value] : s.items()) {
      if (key == "name") continue;
      if (key == "summary" && value.is_string()) {
        e.summary = value.get<std::string>();
      } else if (key == "stateless" && value.is_boolean()) {
        e.stateless = value.get<bool>();
      } else if (key == "depends_on" && value.is_array()) {
        for (const auto& d : value) {
          if (!d.is_string())
            return status::invalid_argument("service '" + e.name + "': depends_on must hold names");
          e.depends_on.push_back(d.get<std::string>());
        }
      } else {
        return status::invalid_argument("service '" + e.name + "': unknown or mistyped key '" +
                                        key + "'");
      }
    }
    if (!seen.insert(e.name).second)
      return status::invalid_argument("service catalog: duplicate service '" + e.name + "'");
    cat.services.push_back(std::move(e));
  }
  for (const auto& s : cat.services)
    for (const auto& d : s.depends_on)
      if (!seen.count(d))
        return status::invalid_argument("service '" + s.name + "' depends on unknown service '" +
                                        d + "'");
  if (auto cycle = find_cycle(cat); !cycle.empty())
    return status::invalid_argument("service catalog: dependency cycle " + cycle);
  return cat;
}

}  // namespace xyn::mesh

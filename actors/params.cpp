#include "actors/params.hpp"

namespace xyn::actors {

void param_reader::fail(const char* field, const std::string& problem) {
  if (problem_.empty()) problem_ = std::string("field '") + field + "': " + problem;
}

const nlohmann::json* param_reader::find(const char* field, bool required, const char* type) {
  auto it = params_.find(field);
  if (it == params_.end() || it->is_null()) {
    if (required) fail(field, std::string("required ") + type + " is missing");
    return nullptr;
  }
  return &*it;
}

std::string param_reader::string(const char* field) {
  auto* v = find(field, true, "string");
  if (v == nullptr) return {};
  if (!v->is_string()) {
    fail(field, "must be a string");
    return {};
  }
  return v->get<std::string>();
}

std::string param_reader::string(const char* field, std::string fallback) {
  auto v = optional_string(field);
  return v ? *v : fallback;
}

std::optional<std::string> param_reader::optional_string(const char* field) {
  auto* v = find(field, false, "string");
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    fail(field, "must be a string");
    return std::nullopt;
  }
  return v->get<std::string>();
}

int64_t param_reader::integer(const char* field) {
  auto* v = find(field, true, "integer");
  if (v == nullptr) return 0;
  if (!v->is_number_integer()) {
    fail(field, "must be an integer");
    return 0;
  }
  return v->get<int64_t>();
}

int64_t param_reader::integer(const char* field, int64_t fallback) {
  if (find(field, false, "integer") == nullptr) return fallback;
  return integer(field);
}

double param_reader::number(const char* field) {
  auto* v = find(field, true, "number");
  if (v == nullptr) return 0;
  if (!v->is_number()) {
    fail(field, "must be a number");
    return 0;
  }
  return v->get<double>();
}

double param_reader::number(const char* field, double fallback) {
  if (find(field, false, "number") == nullptr) return fallback;
  return number(field);
}

bool param_reader::boolean(const char* field, bool fallback) {
  auto* v = find(field, false, "boolean");
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) {
    fail(field, "must be a boolean");
    return fallback;
  }
  return v->get<bool>();
}

std::vector<std::string> param_reader::strings(const char* field) {
  auto* v = find(field, true, "array of strings");
  if (v == nullptr) return {};
  std::vector<std::string> out;
  if (!v->is_array()) {
    fail(field, "must be an array of strings");
    return out;
  }
  for (const auto& item : *v) {
    if (!item.is_string()) {
      fail(field, "must be an array of strings");
      return {};
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<std::string> param_reader::strings(const char* field,
                                               std::vector<std::string> fallback) {
  if (find(field, false, "array of strings") == nullptr) return fallback;
  return strings(field);
}

nlohmann::json param_reader::object(const char* field, nlohmann::json fallback) {
  auto* v = find(field, false, "object");
  if (v == nullptr) return fallback;
  if (!v->is_object()) {
    fail(field, "must be an object");
    return fallback;
  }
  return *v;
}

nlohmann::json param_reader::array(const char* field) {
  auto* v = find(field, true, "array");
  if (v == nullptr) return nlohmann::json::array();
  if (!v->is_array()) {
    fail(field, "must be an array");
    return nlohmann::json::array();
  }
  return *v;
}

nlohmann::json object_schema(std::initializer_list<std::pair<const char*, const char*>> props,
                             std::initializer_list<const char*> required) {
  nlohmann::json s = {{"type", "object"},
                      {"properties", nlohmann::json::object()},
                      {"required", nlohmann::json::array()}};
  for (auto [name, type] : props) s["properties"][name] = {{"type", type}};
  for (auto r : required) s["required"].push_back(r);
  return s;
}

}  // namespace xyn::actors

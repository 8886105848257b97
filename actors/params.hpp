#pragma once
// params.hpp — reads an action's JSON params with types checked, collecting the first problem
// as a value instead of throwing. Usage:
//   param_reader p(ctx.params);
//   auto title = p.string("title");             // required
//   auto tags = p.strings("tags", {});          // optional with default
//   if (!p.ok()) return p.failure();            // outcome invalid_params naming the field

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/service.hpp"

namespace xyn::actors {

class param_reader {
 public:
  explicit param_reader(const nlohmann::json& params) : params_(params) {}

  std::string string(const char* field);
  std::string string(const char* field, std::string fallback);
  std::optional<std::string> optional_string(const char* field);
  int64_t integer(const char* field);
  int64_t integer(const char* field, int64_t fallback);
  double number(const char* field);
  double number(const char* field, double fallback);
  bool boolean(const char* field, bool fallback);
  std::vector<std::string> strings(const char* field);
  std::vector<std::string> strings(const char* field, std::vector<std::string> fallback);
  nlohmann::json object(const char* field, nlohmann::json fallback);
  nlohmann::json array(const char* field);

  // Records a problem found by the caller's own checks (e.g. a value out of range).
  void fail(const char* field, const std::string& problem);

  bool ok() const { return problem_.empty(); }
  // invalid_params: "field 'title': required string is missing".
  outcome failure() const { return outcome::failure("invalid_params", problem_); }

 private:
  const nlohmann::json* find(const char* field, bool required, const char* type);

  const nlohmann::json& params_;
  std::string problem_;
};

// A JSON Schema for a params object:
// {"type":"object","properties":{name:{"type":type}},"required":[...]}.
nlohmann::json object_schema(std::initializer_list<std::pair<const char*, const char*>> props,
                             std::initializer_list<const char*> required);

}  // namespace xyn::actors

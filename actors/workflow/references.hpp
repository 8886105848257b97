#pragma once
// references.hpp — the `${...}` references in step params, compensation params, child inputs
// and the workflow output, and the `when` conditions of steps.
//   ${input.NAME[.path]}           a run input
//   ${steps.ID.output[.path]}      a completed step's output (null when the step was skipped)
//   ${workflow.id} ${workflow.tenant}
// A path is dot-separated keys; a number indexes an array. A string that is exactly one
// reference becomes that JSON value (typed); references inside a longer string are spliced in
// as text (strings as they are, other values as compact JSON).
// `when` is `REF` (truthy: not null/false/0/""/[]/{}), `!REF`, or `LEFT OP RIGHT` with OP one
// of == != < <= > >= and each side a reference or a JSON literal (a bare word is a string).
// Pure functions; any thread.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/base/status.hpp"

namespace xyn::workflow {

using json = nlohmann::json;

struct reference {
  enum class root { input, steps, workflow } where = root::input;
  std::string name;  // input name, step id, or workflow field
  std::vector<std::string> path;
  std::string text;  // as written, for messages
};

// Every reference in `value` (recursing into arrays and objects), or the parse error.
result<std::vector<reference>> find_references(const json& value);
result<std::vector<reference>> find_references_in_condition(std::string_view when);

// What references resolve against.
struct scope {
  const json* input = nullptr;
  // The output of step `id` if it completed, null json if skipped; nullptr if neither.
  std::function<const json*(std::string_view id)> step_output;
  std::string workflow_id;
  std::string tenant;
};

// `value` with every reference replaced; an unresolvable reference (missing path, step not
// done) is `invalid_argument` naming it.
result<json> resolve(const json& value, const scope& s);
result<bool> evaluate_condition(std::string_view when, const scope& s);

}  // namespace xyn::workflow

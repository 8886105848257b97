#include "actors/workflow/references.hpp"

#include <algorithm>
#include <cctype>

namespace xyn::workflow {

namespace {

constexpr std::string_view open_mark = "${";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string> split_dots(std::string_view s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    parts.emplace_back(s.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

// Parses the inside of one `${...}`.
result<reference> parse_reference(std::string_view body) {
  reference r;
  r.text = "${" + std::string(body) + "}";
  auto parts = split_dots(trim(body));
  if (std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.empty(); }))
    return status::invalid_argument("reference " + r.text + " has an empty name");
  const auto& root = parts[0];
  if (root == "input") {
    if (parts.size() < 2)
      return status::invalid_argument("reference " + r.text + " names no input");
    r.where = reference::root::input;
    r.name = parts[1];
    r.path.assign(parts.begin() + 2, parts.end());
  } else if (root == "steps") {
    if (parts.size() < 3 || parts[2] != "output")
      return status::invalid_argument("reference " + r.text +
                                      " must have the form ${steps.ID.output[.path]}");
    r.where = reference::root::steps;
    r.name = parts[1];
    r.path.assign(parts.begin() + 3, parts.end());
  } else if (root == "workflow") {
    if (parts.size() != 2 || (parts[1] != "id" && parts[1] != "tenant"))
      return status::invalid_argument("reference " + r.text +
                                      " must be ${workflow.id} or ${workflow.tenant}");
    r.where = reference::root::workflow;
    r.name = parts[1];
  } else {
    return status::invalid_argument("reference " + r.text +
                                    " must start with input., steps. or workflow.");
  }
  return r;
}

// Calls fn(literal_text) and fn_ref(reference) for the pieces of `s`, in order.
template <class Literal, class Ref>
status walk_string(std::string_view s, Literal on_literal, Ref on_ref) {
  size_t pos = 0;
  while (pos < s.size()) {
    auto open = s.find(open_mark, pos);
    if (open == std::string_view::npos) {
      on_literal(s.substr(pos));
      break;
    }
    on_literal(s.substr(pos, open - pos));
    auto close = s.find('}', open + 2);
    if (close == std::string_view::npos)
      return status::invalid_argument("unterminated reference in \"" + std::string(s) + "\"");
    auto ref = parse_reference(s.substr(open + 2, close - open - 2));
    if (!ref) return ref.error();
    if (auto st = on_ref(*ref); !st.ok()) return st;
    pos = close + 1;
  }
  return {};
}

status collect(const json& value, std::vector<reference>& out) {
  if (value.is_string()) {
    return walk_string(
        value.get_ref<const std::string&>(), [](std::string_view) {},
        [&](reference& r) {
          out.push_back(std::move(r));
          return status{};
        });
  }
  if (value.is_array() || value.is_object()) {
    for (const auto& item : value)
      if (auto st = collect(item, out); !st.ok()) return st;
  }
  return {};
}

result<json> lookup(const reference& r, const scope& s) {
  const json* at = nullptr;
  json workflow_field;
  switch (r.where) {
    case reference::root::input:
      if (s.input && s.input->is_object()) {
        auto it = s.input->find(r.name);
        if (it != s.input->end()) at = &*it;
      }
      if (!at)
        return status::invalid_argument("reference " + r.text + ": no input '" + r.name + "'");
      break;
    case reference::root::steps:
      at = s.step_output ? s.step_output(r.name) : nullptr;
      if (!at)
        return status::invalid_argument("reference " + r.text + ": step '" + r.name +
                                        "' has not completed");
      if (at->is_null()) return json(nullptr);  // skipped step: every path is null
      break;
    case reference::root::workflow:
      workflow_field = r.name == "id" ? s.workflow_id : s.tenant;
      at = &workflow_field;
      break;
  }
  for (const auto& key : r.path) {
    if (at->is_object()) {
      auto it = at->find(key);
      if (it == at->end())
        return status::invalid_argument("reference " + r.text + ": no field '" + key + "'");
      at = &*it;
    } else if (at->is_array() && !key.empty() &&
               std::all_of(key.begin(), key.end(), [](char c) { return std::isdigit(c); })) {
      auto i = std::stoull(key);
      if (i >= at->size())
        return status::invalid_argument("reference " + r.text + ": index " + key +
                                        " is out of range");
      at = &(*at)[i];
    } else {
      return status::invalid_argument("reference " + r.text + ": cannot take '" + key + "' of " +
                                      std::string(at->type_name()));
    }
  }
  return *at;
}

result<json> resolve_string(const std::string& s, const scope& sc) {
  // Exactly one reference: keep the referenced value's type.
  if (s.size() > 3 && s.starts_with(open_mark) && s.back() == '}' && s.find('}') == s.size() - 1) {
    auto ref = parse_reference(std::string_view(s).substr(2, s.size() - 3));
    if (!ref) return ref.error();
    return lookup(*ref, sc);
  }
  std::string out;
  auto st = walk_string(
      s, [&](std::string_view lit) { out.append(lit); },
      [&](reference& r) -> status {
        auto v = lookup(r, sc);
        if (!v) return v.error();
        out += v->is_string() ? v->get<std::string>() : v->dump();
        return {};
      });
  if (!st.ok()) return st;
  return json(std::move(out));
}

bool truthy(const json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0.0;
  if (v.is_string() || v.is_array() || v.is_object()) return !v.empty();
  return true;
}

constexpr std::string_view operators[] = {"==", "!=", "<=", ">=", "<", ">"};

// Finds the comparison operator outside of any ${...}; npos if none.
std::pair<size_t, std::string_view> find_operator(std::string_view expr) {
  int depth = 0;
  for (size_t i = 0; i < expr.size(); ++i) {
    if (expr.substr(i, 2) == open_mark) {
      ++depth;
      ++i;
      continue;
    }
    if (expr[i] == '}' && depth > 0) {
      --depth;
      continue;
    }
    if (depth > 0) continue;
    for (auto op : operators)
      if (expr.substr(i, op.size()) == op) return {i, op};
  }
  return {std::string_view::npos, {}};
}

// One side of a condition: a reference, a JSON literal, a 'quoted' or bare-word string.
result<json> operand(std::string_view text, const scope* sc, std::vector<reference>* refs) {
  text = trim(text);
  if (text.empty()) return status::invalid_argument("condition has an empty side");
  if (text.starts_with(open_mark) && text.back() == '}' && text.find('}') == text.size() - 1) {
    auto ref = parse_reference(text.substr(2, text.size() - 3));
    if (!ref) return ref.error();
    if (refs) refs->push_back(*ref);
    if (!sc) return json(nullptr);
    return lookup(*ref, *sc);
  }
  if (text.find(open_mark) != std::string_view::npos)
    return status::invalid_argument("condition side '" + std::string(text) +
                                    "' mixes a reference with text");
  if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'')
    return json(std::string(text.substr(1, text.size() - 2)));
  auto lit = json::parse(text, nullptr, false);
  if (!lit.is_discarded()) return lit;
  return json(std::string(text));
}

result<bool> compare(const json& l, std::string_view op, const json& r) {
  if (op == "==") return l == r;
  if (op == "!=") return l != r;
  bool numbers = l.is_number() && r.is_number();
  bool strings = l.is_string() && r.is_string();
  if (!numbers && !strings)
    return status::invalid_argument("cannot order " + l.dump() + " and " + r.dump() + " with " +
                                    std::string(op));
  int c;
  if (numbers) {
    double a = l.get<double>(), b = r.get<double>();
    c = a < b ? -1 : (a > b ? 1 : 0);
  } else {
    c = l.get_ref<const std::string&>().compare(r.get_ref<const std::string&>());
  }
  if (op == "<") return c < 0;
  if (op == "<=") return c <= 0;
  if (op == ">") return c > 0;
  return c >= 0;
}

// Parses (and, with a scope, evaluates) a condition; `refs` collects its references.
result<bool> condition(std::string_view when, const scope* sc, std::vector<reference>* refs) {
  auto expr = trim(when);
  if (expr.empty()) return status::invalid_argument("condition is empty");
  auto [at, op] = find_operator(expr);
  if (at == std::string_view::npos) {
    bool negate = expr.front() == '!';
    if (negate) expr.remove_prefix(1);
    auto v = operand(expr, sc, refs);
    if (!v) return v.error();
    return truthy(*v) != negate;
  }
  auto l = operand(expr.substr(0, at), sc, refs);
  if (!l) return l.error();
  auto r = operand(expr.substr(at + op.size()), sc, refs);
  if (!r) return r.error();
  if (!sc) return true;
  return compare(*l, op, *r);
}

}  // namespace

result<std::vector<reference>> find_references(const json& value) {
  std::vector<reference> out;
  if (auto st = collect(value, out); !st.ok()) return st;
  return out;
}

result<std::vector<reference>> find_references_in_condition(std::string_view when) {
  std::vector<reference> out;
  auto parsed = condition(when, nullptr, &out);
  if (!parsed) return parsed.error();
  return out;
}

result<json> resolve(const json& value, const scope& s) {
  if (value.is_string()) return resolve_string(value.get_ref<const std::string&>(), s);
  if (value.is_array()) {
    json out = json::array();
    for (const auto& item : value) {
      auto r = resolve(item, s);
      if (!r) return r.error();
      out.push_back(std::move(*r));
    }
    return out;
  }
  if (value.is_object()) {
    json out = json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      auto r = resolve(it.value(), s);
      if (!r) return r.error();
      out[it.key()] = std::move(*r);
    }
    return out;
  }
  return value;
}

result<bool> evaluate_condition(std::string_view when, const scope& s) {
  return condition(when, &s, nullptr);
}

}  // namespace xyn::workflow

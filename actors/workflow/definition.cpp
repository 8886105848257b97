#include "actors/workflow/definition.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "actors/workflow/references.hpp"

namespace xyn::workflow {

namespace {

using keyset = std::initializer_list<std::string_view>;

status bad(std::string where, std::string problem) {
  return status::invalid_argument(where + ": " + problem);
}

std::string step_where(const std::string& id) {
  return "step '" + id + "'";
}

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

status only_keys(const json& obj, keyset allowed, const std::string& where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
      return bad(where, "unknown field '" + it.key() + "'");
  }
  return {};
}

// Reads an optional integer field in [lo, hi].
status int_field(const json& obj, const char* field, int64_t lo, int64_t hi, int64_t& out,
                 const std::string& where) {
  auto it = obj.find(field);
  if (it == obj.end()) return {};
  if (!it->is_number_integer())
    return bad(where, std::string("'") + field + "' must be an integer");
  auto v = it->get<int64_t>();
  if (v < lo || v > hi)
    return bad(where, std::string("'") + field + "' must be between " + std::to_string(lo) +
                          " and " + std::to_string(hi) + ", not " + std::to_string(v));
  out = v;
  return {};
}

status string_field(const json& obj, const char* field, bool required, std::string& out,
                    const std::string& where) {
  auto it = obj.find(field);
  if (it == obj.end()) {
    if (required) return bad(where, std::string("'") + field + "' is required");
    return {};
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty())
    return bad(where, std::string("'") + field + "' must be a non-empty string");
  out = it->get<std::string>();
  return {};
}

bool type_matches(const std::string& type, const json& v) {
  if (type == "any") return true;
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer") return v.is_number_integer();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  return false;
}

constexpr std::string_view input_types[] = {"string", "number", "integer", "boolean",
                                            "array",  "object", "any"};

status parse_retry(const json& j, retry_policy& r, const std::string& where) {
  if (!j.is_object()) return bad(where, "'retry' must be an object");
  if (auto st = only_keys(
          j,
          {"max_attempts", "initial_backoff_ms", "max_backoff_ms", "multiplier", "retryable_codes"},
          where + " retry");
      !st.ok())
    return st;
  int64_t attempts = r.max_attempts;
  if (auto st = int_field(j, "max_attempts", 1, 1000, attempts, where + " retry"); !st.ok())
    return st;
  r.max_attempts = static_cast<int>(attempts);
  const int64_t day = 86'400'000;
  if (auto st = int_field(j, "initial_backoff_ms", 0, day, r.initial_backoff_ms, where + " retry");
      !st.ok())
    return st;
  r.max_backoff_ms = std::max(r.max_backoff_ms, r.initial_backoff_ms);
  if (auto st = int_field(j, "max_backoff_ms", 0, day, r.max_backoff_ms, where + " retry");
      !st.ok())
    return st;
  if (r.max_backoff_ms < r.initial_backoff_ms)
    return bad(where + " retry", "'max_backoff_ms' must not be below 'initial_backoff_ms'");
  if (auto it = j.find("multiplier"); it != j.end()) {
    if (!it->is_number() || it->get<double>() < 1.0 || it->get<double>() > 100.0)
      return bad(where + " retry", "'multiplier' must be a number between 1 and 100");
    r.multiplier = it->get<double>();
  }
  if (auto it = j.find("retryable_codes"); it != j.end()) {
    if (!it->is_array()) return bad(where + " retry", "'retryable_codes' must be an array");
    for (const auto& c : *it) {
      if (!c.is_string()) return bad(where + " retry", "'retryable_codes' holds a non-string");
      r.retryable_codes.push_back(c.get<std::string>());
    }
  }
  return {};
}

class parser {
 public:
  parser(const service_catalog_view& services, int depth) : services_(services), depth_(depth) {}

  result<definition> parse(const json& doc) {
    definition def;
    if (!doc.is_object()) return status::invalid_argument("a definition must be a JSON object");
    def.source = doc;
    if (auto st = only_keys(doc, {"name", "version", "description", "inputs", "steps", "output"},
                            "definition");
        !st.ok())
      return st;
    if (auto st = string_field(doc, "name", true, def.name, "definition"); !st.ok()) return st;
    if (auto it = doc.find("version"); it != doc.end()) {
      if (it->is_string())
        def.version = it->get<std::string>();
      else if (it->is_number())
        def.version = it->dump();
      else
        return bad("definition", "'version' must be a string or a number");
    }
    if (auto st = parse_inputs(doc, def); !st.ok()) return st;
    auto steps = doc.find("steps");
    if (steps == doc.end() || !steps->is_array() || steps->empty())
      return bad("definition", "'steps' must be a non-empty array");
    if (steps->size() > max_steps)
      return bad("definition", "at most " + std::to_string(max_steps) + " steps");
    for (size_t i = 0; i < steps->size(); ++i) {
      auto st = parse_step((*steps)[i], i, def);
      if (!st.ok()) return st;
    }
    for (auto& [pos, src] : child_sources_) def.source["steps"][pos]["definition"] = src;
    if (auto st = check_dependencies(def); !st.ok()) return st;
    if (auto st = check_references(def); !st.ok()) return st;
    if (auto it = doc.find("output"); it != doc.end()) def.output = *it;
    if (auto st = check_value_refs(def, def.output, nullptr, "output"); !st.ok()) return st;
    return def;
  }

 private:
  status parse_inputs(const json& doc, definition& def) {
    auto it = doc.find("inputs");
    if (it == doc.end()) return {};
    if (!it->is_array()) return bad("definition", "'inputs' must be an array");
    std::set<std::string> seen;
    for (const auto& in : *it) {
      if (!in.is_object()) return bad("definition", "each input must be an object");
      input_def d;
      if (auto st = string_field(in, "name", true, d.name, "input"); !st.ok()) return st;
      std::string where = "input '" + d.name + "'";
      if (auto st = only_keys(in, {"name", "type", "required", "default", "description"}, where);
          !st.ok())
        return st;
      if (!valid_id(d.name)) return bad(where, "names are letters, digits, '_' and '-'");
      if (!seen.insert(d.name).second) return bad(where, "is declared twice");
      if (auto st = string_field(in, "type", false, d.type, where); !st.ok()) return st;
      if (std::find(std::begin(input_types), std::end(input_types), d.type) ==
          std::end(input_types))
        return bad(where, "unknown type '" + d.type +
                              "' (string, number, integer, boolean, array, object, any)");
      if (auto r = in.find("required"); r != in.end()) {
        if (!r->is_boolean()) return bad(where, "'required' must be true or false");
        d.required = r->get<bool>();
      }
      if (auto dv = in.find("default"); dv != in.end()) {
        if (!type_matches(d.type, *dv)) return bad(where, "default is not of type " + d.type);
        d.default_value = *dv;
      }
      def.inputs.push_back(std::move(d));
    }
    return {};
  }

  status parse_step(const json& j, size_t pos, definition& def) {
    if (!j.is_object()) return bad("step " + std::to_string(pos + 1), "must be an object");
    step_def s;
    if (auto st = string_field(j, "id", true, s.id, "step " + std::to_string(pos + 1)); !st.ok())
      return st;
    auto where = step_where(s.id);
    if (!valid_id(s.id)) return bad(where, "ids are letters, digits, '_' and '-' (at most 128)");
    if (def.index.count(s.id)) return bad(where, "the id is used twice");
    std::string kind = "service";
    if (auto st = string_field(j, "kind", false, kind, where); !st.ok()) return st;
    if (auto it = j.find("depends_on"); it != j.end()) {
      if (!it->is_array()) return bad(where, "'depends_on' must be an array of step ids");
      for (const auto& d : *it) {
        if (!d.is_string()) return bad(where, "'depends_on' must be an array of step ids");
        s.depends_on.push_back(d.get<std::string>());
      }
    }
    if (auto it = j.find("when"); it != j.end()) {
      if (!it->is_string()) return bad(where, "'when' must be a string");
      s.when = it->get<std::string>();
    }
    status st;
    if (kind == "service") {
      s.kind = step_kind::service;
      st = parse_service_step(j, s, where);
    } else if (kind == "sleep") {
      s.kind = step_kind::sleep;
      st = only_keys(j, {"id", "kind", "depends_on", "when", "description", "duration_ms"}, where);
      if (st.ok() && !j.contains("duration_ms")) st = bad(where, "'duration_ms' is required");
      if (st.ok()) st = int_field(j, "duration_ms", 0, 366LL * 86'400'000, s.duration_ms, where);
    } else if (kind == "approval") {
      s.kind = step_kind::approval;
      st = only_keys(j, {"id", "kind", "depends_on", "when", "description", "signal", "timeout_ms"},
                     where);
      if (st.ok()) st = string_field(j, "signal", true, s.signal, where);
      if (st.ok()) st = int_field(j, "timeout_ms", 0, 366LL * 86'400'000, s.timeout_ms, where);
    } else if (kind == "workflow") {
      s.kind = step_kind::workflow;
      st = parse_child_step(j, s, where, def.steps.size());
    } else {
      st = bad(where, "unknown kind '" + kind + "' (service, sleep, approval, workflow)");
    }
    if (!st.ok()) return st;
    def.index.emplace(s.id, static_cast<int>(def.steps.size()));
    def.steps.push_back(std::move(s));
    return {};
  }

  status parse_service_step(const json& j, step_def& s, const std::string& where) {
    if (auto st = only_keys(j,
                            {"id", "kind", "depends_on", "when", "description", "service", "action",
                             "params", "retry", "timeout_ms", "compensate"},
                            where);
        !st.ok())
      return st;
    if (auto st = string_field(j, "service", true, s.service, where); !st.ok()) return st;
    if (auto st = string_field(j, "action", true, s.action, where); !st.ok()) return st;
    // Without a catalog (a stored run being replayed) every service and action is accepted.
    auto actions = services_.actions ? services_.actions(s.service) : std::nullopt;
    if (services_.actions && !actions) return bad(where, "unknown service '" + s.service + "'");
    auto has = [&](const std::string& a) {
      return !actions || std::find(actions->begin(), actions->end(), a) != actions->end();
    };
    if (!has(s.action))
      return bad(where, "service '" + s.service + "' has no action '" + s.action + "'");
    if (services_.secret && services_.secret(s.service, s.action))
      return bad(where, "'" + s.service + "." + s.action +
                            "' handles secret values, and the journal keeps every step's params "
                            "and output: call it directly, not from a workflow");
    if (auto it = j.find("params"); it != j.end()) {
      if (!it->is_object()) return bad(where, "'params' must be an object");
      s.params = *it;
    }
    if (auto it = j.find("retry"); it != j.end())
      if (auto st = parse_retry(*it, s.retry, where); !st.ok()) return st;
    if (auto st = int_field(j, "timeout_ms", 0, 86'400'000, s.timeout_ms, where); !st.ok())
      return st;
    if (auto it = j.find("compensate"); it != j.end()) {
      if (!it->is_object()) return bad(where, "'compensate' must be an object");
      if (auto st = only_keys(*it, {"action", "params"}, where + " compensate"); !st.ok())
        return st;
      compensation c;
      if (auto st = string_field(*it, "action", true, c.action, where + " compensate"); !st.ok())
        return st;
      if (!has(c.action))
        return bad(where,
                   "compensation: service '" + s.service + "' has no action '" + c.action + "'");
      if (auto p = it->find("params"); p != it->end()) {
        if (!p->is_object()) return bad(where, "compensation 'params' must be an object");
        c.params = *p;
      }
      s.compensate = std::move(c);
    }
    return {};
  }

  status parse_child_step(const json& j, step_def& s, const std::string& where, size_t pos) {
    if (auto st = only_keys(
            j,
            {"id", "kind", "depends_on", "when", "description", "template", "definition", "input"},
            where);
        !st.ok())
      return st;
    if (depth_ >= max_child_depth)
      return bad(where, "child workflows nest deeper than " + std::to_string(max_child_depth) +
                            " (a template that starts itself?)");
    auto tpl = j.find("template");
    auto inline_def = j.find("definition");
    if (inline_def != j.end()) {
      s.child_definition = *inline_def;
      if (tpl != j.end() && tpl->is_string()) s.child_template = tpl->get<std::string>();
    } else if (tpl != j.end()) {
      if (auto st = string_field(j, "template", true, s.child_template, where); !st.ok()) return st;
      const json* found =
          services_.find_template ? services_.find_template(s.child_template) : nullptr;
      if (!found) return bad(where, "unknown template '" + s.child_template + "'");
      s.child_definition = *found;
    } else {
      return bad(where, "a workflow step needs 'template' or 'definition'");
    }
    parser child(services_, depth_ + 1);
    auto parsed = child.parse(s.child_definition);
    if (!parsed) return bad(where, "child definition: " + parsed.error().message());
    s.child_definition = parsed->source;
    if (auto it = j.find("input"); it != j.end()) {
      if (!it->is_object()) return bad(where, "'input' must be an object");
      s.child_input = *it;
    }
    // Store the child inlined, so the run never reads the template again.
    child_sources_.emplace_back(pos, s.child_definition);
    return {};
  }

  status check_dependencies(definition& def) {
    for (const auto& s : def.steps) {
      for (const auto& d : s.depends_on) {
        if (d == s.id) return bad(step_where(s.id), "depends on itself");
        if (!def.index.count(d))
          return bad(step_where(s.id), "depends on unknown step '" + d + "'");
      }
    }
    // Depth-first search with colours; a grey node reached again closes a cycle.
    enum : uint8_t { white, grey, black };
    std::vector<uint8_t> colour(def.steps.size(), white);
    std::vector<int> stack;
    for (size_t root = 0; root < def.steps.size(); ++root) {
      if (colour[root] != white) continue;
      // Iterative DFS: (node, next dependency index).
      std::vector<std::pair<int, size_t>> work{{static_cast<int>(root), 0}};
      colour[root] = grey;
      stack = {static_cast<int>(root)};
      while (!work.empty()) {
        auto& [node, next] = work.back();
        const auto& deps = def.steps[node].depends_on;
        if (next == deps.size()) {
          colour[node] = black;
          work.pop_back();
          stack.pop_back();
          continue;
        }
        int dep = def.index.find(deps[next++])->second;
        if (colour[dep] == grey) {
          auto from = std::find(stack.begin(), stack.end(), dep);
          std::string cycle;
          for (auto it = from; it != stack.end(); ++it) cycle += def.steps[*it].id + " -> ";
          cycle += def.steps[dep].id;
          return bad(step_where(def.steps[dep].id), "dependency cycle " + cycle);
        }
        if (colour[dep] == white) {
          colour[dep] = grey;
          stack.push_back(dep);
          work.emplace_back(dep, 0);
        }
      }
    }
    return {};
  }

  // Whether `target` is a transitive dependency of step `from`.
  bool upstream(const definition& def, int from, int target) const {
    std::vector<int> todo{from};
    std::vector<bool> seen(def.steps.size(), false);
    while (!todo.empty()) {
      int n = todo.back();
      todo.pop_back();
      for (const auto& d : def.steps[n].depends_on) {
        int i = def.index.find(d)->second;
        if (i == target) return true;
        if (!seen[i]) {
          seen[i] = true;
          todo.push_back(i);
        }
      }
    }
    return false;
  }

  // References in `value` name declared inputs and, when `from` is a step, steps upstream of it
  // (or the step itself when `self_ok`, as in its compensation).
  status check_refs(const definition& def, const std::vector<reference>& refs, const step_def* from,
                    bool self_ok, const std::string& where) const {
    for (const auto& r : refs) {
      if (r.where == reference::root::input) {
        bool declared = std::any_of(def.inputs.begin(), def.inputs.end(),
                                    [&](const input_def& d) { return d.name == r.name; });
        if (!declared)
          return bad(where, "reference " + r.text + " names undeclared input '" + r.name + "'");
      } else if (r.where == reference::root::steps) {
        int target = def.index_of(r.name);
        if (target < 0)
          return bad(where, "reference " + r.text + " names unknown step '" + r.name + "'");
        if (!from) continue;
        if (self_ok && r.name == from->id) continue;
        if (!upstream(def, def.index_of(from->id), target))
          return bad(where, "reference " + r.text + " names step '" + r.name +
                                "', which is not upstream (add it to depends_on)");
      }
    }
    return {};
  }

  status check_value_refs(const definition& def, const json& value, const step_def* from,
                          const std::string& where, bool self_ok = false) const {
    auto refs = find_references(value);
    if (!refs) return bad(where, refs.error().message());
    return check_refs(def, *refs, from, self_ok, where);
  }

  status check_references(const definition& def) const {
    for (const auto& s : def.steps) {
      auto where = step_where(s.id);
      if (auto st = check_value_refs(def, s.params, &s, where); !st.ok()) return st;
      if (s.compensate)
        if (auto st = check_value_refs(def, s.compensate->params, &s, where + " compensate", true);
            !st.ok())
          return st;
      if (auto st = check_value_refs(def, s.child_input, &s, where); !st.ok()) return st;
      if (!s.when.empty()) {
        auto refs = find_references_in_condition(s.when);
        if (!refs) return bad(where, "'when': " + refs.error().message());
        if (auto st = check_refs(def, *refs, &s, false, where + " when"); !st.ok()) return st;
      }
    }
    return {};
  }

  const service_catalog_view& services_;
  int depth_;
  std::vector<std::pair<size_t, json>> child_sources_;
};

}  // namespace

std::string_view to_string(step_kind k) {
  switch (k) {
    case step_kind::service:
      return "service";
    case step_kind::sleep:
      return "sleep";
    case step_kind::approval:
      return "approval";
    case step_kind::workflow:
      return "workflow";
  }
  return "?";
}

int64_t retry_policy::backoff_ms(int attempt) const {
  double d =
      static_cast<double>(initial_backoff_ms) * std::pow(multiplier, std::max(0, attempt - 1));
  if (!std::isfinite(d) || d > static_cast<double>(max_backoff_ms)) return max_backoff_ms;
  return static_cast<int64_t>(d);
}

bool retry_policy::retries_code(std::string_view code) const {
  return std::find(retryable_codes.begin(), retryable_codes.end(), code) != retryable_codes.end();
}

int definition::index_of(std::string_view id) const {
  auto it = index.find(id);
  return it == index.end() ? -1 : it->second;
}

const step_def* definition::find(std::string_view id) const {
  int i = index_of(id);
  return i < 0 ? nullptr : &steps[static_cast<size_t>(i)];
}

result<definition> parse_definition(const json& doc, const service_catalog_view& services) {
  return parser(services, 0).parse(doc);
}

result<json> bind_input(const definition& def, const json& given) {
  if (!given.is_null() && !given.is_object())
    return status::invalid_argument("'input' must be an object");
  json out = json::object();
  if (given.is_object()) {
    for (auto it = given.begin(); it != given.end(); ++it) {
      bool declared = std::any_of(def.inputs.begin(), def.inputs.end(),
                                  [&](const input_def& d) { return d.name == it.key(); });
      if (!declared)
        return status::invalid_argument("input '" + it.key() + "' is not declared by '" + def.name +
                                        "'");
    }
  }
  for (const auto& d : def.inputs) {
    auto it = given.is_object() ? given.find(d.name) : given.end();
    if (given.is_object() && it != given.end()) {
      if (!type_matches(d.type, *it))
        return status::invalid_argument("input '" + d.name + "' must be of type " + d.type);
      out[d.name] = *it;
    } else if (!d.default_value.is_null()) {
      out[d.name] = d.default_value;
    } else if (d.required) {
      return status::invalid_argument("input '" + d.name + "' is required by '" + def.name + "'");
    }
  }
  return out;
}

}  // namespace xyn::workflow

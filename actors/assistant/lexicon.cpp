#include "actors/assistant/lexicon.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace xyn::assistant {

// Generated from config/assistant/lexicon.json (see runtime/CMakeLists.txt).
std::string_view embedded_lexicon_text();

namespace {

using ojson = nlohmann::ordered_json;

const std::map<std::string, param_source, std::less<>>& source_names() {
  static const std::map<std::string, param_source, std::less<>> all = {
      {"name", param_source::name},
      {"money", param_source::money},
      {"channels", param_source::channels},
      {"date", param_source::date},
      {"count", param_source::count},
      {"plan", param_source::plan},
      {"format", param_source::format},
      {"text_after_colon", param_source::text_after_colon},
      {"period_start", param_source::period_start},
      {"period_end", param_source::period_end}};
  return all;
}

status bad(const std::string& where, const std::string& problem) {
  return status::invalid_argument("lexicon " + where + ": " + problem);
}

result<gazetteer> read_gazetteer(const ojson& j, const std::string& where) {
  gazetteer g;
  if (!j.is_object()) return bad(where, "must be an object of canonical name -> aliases");
  for (const auto& [canonical, aliases] : j.items()) {
    if (!aliases.is_array()) return bad(where + "." + canonical, "aliases must be an array");
    auto& list = g[canonical];
    for (const auto& a : aliases) {
      if (!a.is_string()) return bad(where + "." + canonical, "aliases must be strings");
      list.push_back(a.get<std::string>());
    }
  }
  return g;
}

result<std::vector<std::string>> read_examples(const ojson& owner, const std::string& where) {
  std::vector<std::string> out;
  auto it = owner.find("examples");
  if (it == owner.end() || !it->is_array() || it->empty())
    return bad(where, "needs a non-empty 'examples' array");
  for (const auto& e : *it) {
    if (!e.is_string() || e.get<std::string>().empty())
      return bad(where, "examples must be non-empty strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

result<param_spec> read_param(const std::string& name, const ojson& j, const std::string& where) {
  param_spec p;
  p.name = name;
  if (!j.is_object()) return bad(where, "must be an object");
  auto from = j.value("from", "");
  auto src = source_names().find(from);
  if (src == source_names().end()) return bad(where, "unknown 'from' \"" + from + "\"");
  p.from = src->second;
  for (const auto& c : j.value("cues", ojson::array())) p.cues.push_back(c.get<std::string>());
  auto input = j.value("input", "");
  if (input == "minor_units")
    p.input = input_conversion::minor_units;
  else if (input == "unix_ms")
    p.input = input_conversion::unix_ms;
  else if (!input.empty())
    return bad(where, "unknown 'input' \"" + input + "\"");
  p.ask = j.value("ask", "");
  if (j.contains("default")) p.fallback = json::parse(j["default"].dump());
  p.period_title = j.value("default_from", "") == "period_title";
  return p;
}

}  // namespace

const param_spec* template_spec::find(std::string_view param) const {
  for (const auto& p : params)
    if (p.name == param) return &p;
  return nullptr;
}

const template_spec* lexicon::find_template(std::string_view name) const {
  for (const auto& t : templates)
    if (t.name == name) return &t;
  return nullptr;
}

result<lexicon> parse_lexicon(const ojson& doc) {
  if (!doc.is_object()) return bad("", "must be a JSON object");
  lexicon lex;
  // Each `value()` is a copy: bind it before iterating, or the loop walks a destroyed object.
  const auto intents = doc.value("intents", ojson::object());
  for (const auto& [intent, body] : intents.items()) {
    auto ex = read_examples(body, "intents." + intent);
    if (!ex) return ex.error();
    for (auto& t : *ex) lex.examples.push_back({std::move(t), intent});
  }
  const auto templates = doc.value("templates", ojson::object());
  for (const auto& [name, body] : templates.items()) {
    std::string where = "templates." + name;
    auto ex = read_examples(body, where);
    if (!ex) return ex.error();
    for (auto& t : *ex) lex.examples.push_back({std::move(t), "start_workflow:" + name});
    template_spec spec;
    spec.name = name;
    spec.title = body.value("title", name);
    // Parameter order is the file's order: it is the order `missing` lists and asks in.
    auto params = body.value("params", ojson::object());
    if (!params.is_object()) return bad(where, "'params' must be an object");
    for (const auto& [pname, pbody] : params.items()) {
      auto p = read_param(pname, pbody, where + ".params." + pname);
      if (!p) return p.error();
      spec.params.push_back(std::move(*p));
    }
    lex.templates.push_back(std::move(spec));
  }
  if (lex.examples.empty()) return bad("", "has no examples");
  const auto cues = doc.value("cues", ojson::object());
  for (const auto& [kind, phrases] : cues.items()) {
    if (!phrases.is_array()) return bad("cues." + kind, "must be an array of phrases");
    for (const auto& p : phrases) {
      if (!p.is_string()) return bad("cues." + kind, "phrases must be strings");
      lex.cues[kind].push_back(p.get<std::string>());
    }
  }
  auto g = doc.value("gazetteers", ojson::object());
  struct {
    const char* key;
    gazetteer slot_vocabulary::*field;
  } const vocabularies[] = {{"channels", &slot_vocabulary::channels},
                            {"plans", &slot_vocabulary::plans},
                            {"services", &slot_vocabulary::services},
                            {"formats", &slot_vocabulary::formats},
                            {"periods", &slot_vocabulary::periods}};
  for (const auto& v : vocabularies) {
    if (!g.contains(v.key)) continue;
    auto read = read_gazetteer(g[v.key], std::string("gazetteers.") + v.key);
    if (!read) return read.error();
    lex.vocab.*(v.field) = std::move(*read);
  }
  return lex;
}

result<nlohmann::ordered_json> extend_lexicon(const ojson& base, const json& extension) {
  ojson doc = base;
  if (!extension.is_object()) return bad("extension", "must be an object");
  const auto examples = extension.value("examples", json::array());
  if (!examples.is_array()) return bad("extension.examples", "must be an array");
  for (size_t i = 0; i < examples.size(); ++i) {
    const auto& e = examples[i];
    std::string where = "extension.examples[" + std::to_string(i) + "]";
    if (!e.is_object() || !e.value("text", json()).is_string() ||
        e["text"].get<std::string>().empty())
      return bad(where, "needs a non-empty \"text\"");
    std::string intent = e.value("intent", ""), tpl = e.value("template", "");
    ojson* owner = nullptr;
    if (!intent.empty() && doc["intents"].contains(intent)) owner = &doc["intents"][intent];
    if (!tpl.empty() && doc["templates"].contains(tpl)) owner = &doc["templates"][tpl];
    if (owner == nullptr)
      return bad(where, "names no known intent or template (\"" + intent + tpl + "\")");
    (*owner)["examples"].push_back(e["text"].get<std::string>());
  }
  const auto gazetteers = extension.value("gazetteers", json::object());
  if (!gazetteers.is_object()) return bad("extension.gazetteers", "must be an object");
  for (const auto& [kind, entries] : gazetteers.items()) {
    std::string where = "extension.gazetteers." + kind;
    if (!entries.is_object()) return bad(where, "must be an object of canonical -> aliases");
    for (const auto& [canonical, aliases] : entries.items()) {
      if (!aliases.is_array()) return bad(where + "." + canonical, "aliases must be an array");
      auto& list = doc["gazetteers"][kind][canonical];
      if (list.is_null()) list = ojson::array();
      for (const auto& a : aliases) {
        if (!a.is_string()) return bad(where + "." + canonical, "aliases must be strings");
        auto alias = a.get<std::string>();
        std::transform(alias.begin(), alias.end(), alias.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        list.push_back(alias);
      }
    }
  }
  return doc;
}

const nlohmann::ordered_json& builtin_lexicon_json() {
  static const auto doc = nlohmann::ordered_json::parse(embedded_lexicon_text());
  return doc;
}

}  // namespace xyn::assistant

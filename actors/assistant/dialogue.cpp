#include "actors/assistant/dialogue.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "actors/services/text.hpp"

namespace xyn::assistant {

namespace {

namespace text = actors::text;

// A fill-in answer or a follow-up is believed over a plan's context only when another label is
// this sure; below it, a short answer fills what the plan asked for.
constexpr double switch_threshold = 0.45;

std::string lower(std::string_view s) {
  return text::to_lower(s);
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (std::isspace(static_cast<unsigned char>(s[b])) != 0)) ++b;
  while (e > b && (std::isspace(static_cast<unsigned char>(s[e - 1])) != 0)) --e;
  return std::string(s.substr(b, e - b));
}

// True when `phrase` occurs in `lowered` as whole words.
bool has_phrase(const std::string& lowered, const std::string& phrase) {
  for (size_t at = lowered.find(phrase); at != std::string::npos;
       at = lowered.find(phrase, at + 1)) {
    bool start_ok = at == 0 || std::isalnum(static_cast<unsigned char>(lowered[at - 1])) == 0;
    size_t end = at + phrase.size();
    bool end_ok =
        end == lowered.size() || std::isalnum(static_cast<unsigned char>(lowered[end])) == 0;
    if (start_ok && end_ok) return true;
  }
  return false;
}

bool any_phrase(const lexicon& lex, const char* kind, const std::string& lowered) {
  auto it = lex.cues.find(kind);
  if (it == lex.cues.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const std::string& p) { return has_phrase(lowered, p); });
}

bool starts_with_cue(const lexicon& lex, const char* kind, const std::string& lowered) {
  auto it = lex.cues.find(kind);
  if (it == lex.cues.end()) return false;
  std::string t = trim(lowered);
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const std::string& p) { return t.rfind(p + " ", 0) == 0; });
}

json number_json(double x) {
  if (std::floor(x) == x && std::fabs(x) < 9e15) return static_cast<int64_t>(x);
  return x;
}

std::string iso_of(int64_t ms) {
  return text::format_utc(ms).substr(0, 10);
}

int64_t ms_of(std::string_view iso) {
  if (iso.size() < 10) return 0;
  auto num = [&](size_t at, size_t n) { return std::stoi(std::string(iso.substr(at, n))); };
  return text::from_utc(num(0, 4), num(5, 2), num(8, 2));
}

std::string text_after_colon(std::string_view t) {
  auto colon = t.find(':');
  if (colon == std::string_view::npos) return {};
  // "wf-...:" is not a colon of speech, nor is a time like 9:30.
  if (colon + 1 < t.size() && std::isdigit(static_cast<unsigned char>(t[colon + 1])) != 0)
    return {};
  return trim(t.substr(colon + 1));
}

std::string join(const std::vector<std::string>& items, const std::string& last_sep = " and ") {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? last_sep : ", ";
    out += items[i];
  }
  return out;
}

std::string show_value(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const auto& x : v) parts.push_back(show_value(x));
    return join(parts);
  }
  return v.dump();
}

std::string show_params(const json& params) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : params.items()) {
    std::string name = k;
    std::replace(name.begin(), name.end(), '_', ' ');
    parts.push_back(name + " " + show_value(v));
  }
  return join(parts);
}

// A bare answer to "What is it called?": the text without "it's called" and end punctuation.
std::string bare_answer(const lexicon& lex, std::string_view utterance) {
  std::string t = trim(utterance);
  while (!t.empty() && (t.back() == '.' || t.back() == '!' || t.back() == '?')) t.pop_back();
  std::string l = lower(t);
  size_t best = 0;
  for (const char* kind : {"fill_prefixes", "answer_prefixes"})
    if (auto it = lex.cues.find(kind); it != lex.cues.end())
      for (const auto& p : it->second)
        if (l.rfind(p + " ", 0) == 0 && p.size() + 1 > best) best = p.size() + 1;
  t = trim(t.substr(best));
  if (t.size() >= 2 && (t.front() == '"' || t.front() == '\'') && t.back() == t.front())
    t = t.substr(1, t.size() - 2);
  return t;
}

size_t word_count(std::string_view s) {
  size_t n = 0;
  bool in = false;
  for (char c : s) {
    bool w = std::isspace(static_cast<unsigned char>(c)) == 0;
    if (w && !in) ++n;
    in = w;
  }
  return n;
}

struct understood {
  const std::string& text;
  const slots& s;
  std::string_view today;
};

// Fills `params` from what the utterance says for `spec`'s parameters. `only`, when given,
// restricts it to those parameters. Names go to the parameter whose cues introduced them.
void fill_from_slots(const lexicon& lex, const template_spec& spec, const understood& u,
                     json& params, const std::set<std::string>* only = nullptr) {
  std::vector<bool> used(u.s.names.size(), false);
  for (const auto& p : spec.params) {
    if (only && !only->count(p.name)) continue;
    json value;
    switch (p.from) {
      case param_source::name:
        for (size_t i = 0; i < u.s.names.size(); ++i) {
          if (used[i]) continue;
          if (std::find(p.cues.begin(), p.cues.end(), u.s.names[i].cue) == p.cues.end()) continue;
          used[i] = true;
          value = u.s.names[i].text;
          break;
        }
        break;
      case param_source::money:
        if (u.s.budget) value = number_json(u.s.budget->amount);
        break;
      case param_source::channels:
        if (!u.s.channels.empty()) value = u.s.channels;
        break;
      case param_source::date:
        if (!u.s.dates.empty()) value = u.s.dates.front();
        break;
      case param_source::count:
        if (!u.s.counts.empty()) value = u.s.counts.front();
        break;
      case param_source::plan:
        if (u.s.plan) value = *u.s.plan;
        break;
      case param_source::format:
        if (u.s.format) value = *u.s.format;
        break;
      case param_source::text_after_colon:
        if (auto t = text_after_colon(u.text); !t.empty()) value = t;
        break;
      case param_source::period_start:
      case param_source::period_end:
        if (u.s.period) {
          auto [from, to] = period_range(*u.s.period, u.today);
          value = p.from == param_source::period_start ? from : to;
        }
        break;
    }
    if (!value.is_null()) params[p.name] = std::move(value);
  }
  (void)lex;
}

std::vector<std::string> missing_of(const template_spec& spec, const json& params) {
  std::vector<std::string> out;
  for (const auto& p : spec.params)
    if (!p.ask.empty() && !params.contains(p.name)) out.push_back(p.name);
  return out;
}

// The template's input from the plan: said values converted, defaults for the rest.
json input_of(const template_spec& spec, const json& params, std::string_view today) {
  json input = json::object();
  for (const auto& p : spec.params) {
    json v = params.contains(p.name) ? params[p.name] : p.fallback;
    if (v.is_null() && p.period_title) {
      std::string period = "Performance report " + std::string(today);
      v = period;
    }
    if (v.is_null()) continue;
    if (p.input == input_conversion::minor_units && v.is_number())
      v = static_cast<int64_t>(std::llround(v.get<double>() * 100));
    if (p.input == input_conversion::unix_ms && v.is_string()) v = ms_of(v.get<std::string>());
    input[p.name] = std::move(v);
  }
  return input;
}

const std::string& first_name_param(const template_spec& spec) {
  static const std::string none;
  for (const auto& p : spec.params)
    if (p.from == param_source::name) return p.name;
  return none;
}

}  // namespace

std::pair<std::string, std::string> period_range(std::string_view period, std::string_view today) {
  auto t = text::to_utc(ms_of(today));
  constexpr int64_t day = 86'400'000;
  int64_t midnight = text::from_utc(t.year, t.month, t.day);
  auto month_start = [](int y, int m) {
    while (m < 1) m += 12, --y;
    while (m > 12) m -= 12, ++y;
    return text::from_utc(y, m, 1);
  };
  int q = (t.month - 1) / 3 * 3 + 1;  // first month of this quarter
  int64_t monday = midnight - ((t.weekday + 6) % 7) * day;
  int64_t from = midnight, to = midnight + day;
  if (period == "yesterday")
    from = midnight - day, to = midnight;
  else if (period == "this_week")
    from = monday, to = monday + 7 * day;
  else if (period == "last_week")
    from = monday - 7 * day, to = monday;
  else if (period == "this_month")
    from = month_start(t.year, t.month), to = month_start(t.year, t.month + 1);
  else if (period == "last_month")
    from = month_start(t.year, t.month - 1), to = month_start(t.year, t.month);
  else if (period == "this_quarter")
    from = month_start(t.year, q), to = month_start(t.year, q + 3);
  else if (period == "last_quarter")
    from = month_start(t.year, q - 3), to = month_start(t.year, q);
  else if (period == "this_year")
    from = text::from_utc(t.year, 1, 1), to = text::from_utc(t.year + 1, 1, 1);
  else if (period == "last_year")
    from = text::from_utc(t.year - 1, 1, 1), to = text::from_utc(t.year, 1, 1);
  return {iso_of(from), iso_of(to)};
}

dialogue::dialogue(lexicon lex) : lex_(std::move(lex)), clf_(lex_) {}

turn_result dialogue::turn(json& state, const turn_input& in) const {
  if (!state.is_object()) state = json::object();
  state["turns"] = state.value("turns", 0) + 1;
  const std::string utterance(in.text);
  const std::string lowered = lower(utterance);
  const auto s = extract_slots(utterance, lex_.vocab, in.today);
  const understood u{utterance, s, in.today};
  auto ranked = clf_.rank(utterance);
  std::string label = ranked.empty() ? "unknown" : ranked.front().label;
  double score = ranked.empty() ? 0 : ranked.front().score;

  turn_result r;
  r.confidence = std::clamp(score, 0.0, 1.0);
  json plan = state.value("plan", json());
  const template_spec* plan_spec =
      plan.is_object() ? lex_.find_template(plan.value("template", "")) : nullptr;
  json plan_params = plan_spec ? plan.value("params", json::object()) : json::object();
  auto plan_missing = plan_spec ? missing_of(*plan_spec, plan_params) : std::vector<std::string>{};
  bool plan_started = plan_spec && plan.value("workflow_id", json()).is_string();
  bool pending_confirm = state.value("pending", "") == "confirm";

  auto remember_plan = [&](const template_spec& spec, const json& params) {
    state["plan"] = {{"template", spec.name}, {"params", params}, {"workflow_id", nullptr}};
    r.template_name = spec.name;
    r.params = params;
    r.missing = missing_of(spec, params);
  };
  // Starts the plan now (or asks first), or asks for what it still lacks.
  auto go = [&](const template_spec& spec, const json& params, const std::string& opening) {
    remember_plan(spec, params);
    state["pending"] = "";
    if (!r.missing.empty()) {
      const auto* p = spec.find(r.missing.front());
      r.reply = opening + p->ask;
      return;
    }
    if (in.confirm_first && !pending_confirm) {
      state["pending"] = "confirm";
      r.reply = opening + "Ready to start a " + spec.title +
                (params.empty() ? "" : " with " + show_params(params)) + ". Shall I go ahead?";
      return;
    }
    r.act = {{"kind", "start"},
             {"template", spec.name},
             {"input", input_of(spec, params, in.today)},
             {"id", in.workflow_id}};
    state["plan"]["workflow_id"] = in.workflow_id;
    state["last_workflow"] = in.workflow_id;
    r.reply = opening + "Starting a " + spec.title +
              (params.empty() ? "" : " with " + show_params(params)) + " as workflow " +
              in.workflow_id + ".";
  };

  // 1. "Do the same for Wayne Enterprises": the last plan again with another name.
  if (plan_spec && any_phrase(lex_, "repeat", lowered) && !s.names.empty()) {
    r.intent = "start_workflow";
    json params = plan_params;
    fill_from_slots(lex_, *plan_spec, u, params, nullptr);
    // The new name replaces the plan's main name, whatever cue introduced it.
    const auto& name_param = first_name_param(*plan_spec);
    if (!name_param.empty()) params[name_param] = s.names.back().text;
    go(*plan_spec, params, "");
    return r;
  }

  // 2. A yes or no to "Shall I go ahead?".
  if (pending_confirm && plan_spec && (label == "confirm" || label == "deny") &&
      score >= believe_threshold) {
    r.intent = label;
    r.template_name = plan_spec->name;
    r.params = plan_params;
    if (label == "deny") {
      state["pending"] = "";
      state["plan"] = nullptr;
      r.reply = "OK, I won't start the " + plan_spec->title + ".";
      return r;
    }
    pending_confirm = true;  // the go-ahead was given
    auto spec = plan_spec;
    go(*spec, plan_params, "");
    r.intent = "confirm";
    return r;
  }
  state["pending"] = "";

  // 3. An answer to the plan's question fills what is missing, unless the turn clearly asks
  //    for something else. "It's called ..." is always an answer.
  const bool fill_prefix = starts_with_cue(lex_, "fill_prefixes", lowered);
  const bool same_template = plan_spec && label == "start_workflow:" + plan_spec->name;
  const bool is_start = label.rfind("start_workflow:", 0) == 0;
  const param_spec* first =
      plan_spec && !plan_missing.empty() ? plan_spec->find(plan_missing.front()) : nullptr;
  // "Here it is: <text>" answers a question for a text.
  const bool colon_answer = first && first->from == param_source::text_after_colon &&
                            !text_after_colon(utterance).empty();
  const bool other_intent = !fill_prefix && !colon_answer && !same_template && label != "modify" &&
                            (is_start ? score >= switch_threshold : score >= believe_threshold);
  if (first && !plan_started && !other_intent) {
    json params = plan_params;
    auto bare = bare_answer(lex_, utterance);
    // After "it's called", the rest is the name, even where the name finder would stop early.
    if (fill_prefix && first->from == param_source::name && !bare.empty() && word_count(bare) <= 8)
      params[first->name] = bare;
    std::set<std::string> wanted;
    for (const auto& m : plan_missing)
      if (!params.contains(m)) wanted.insert(m);
    fill_from_slots(lex_, *plan_spec, u, params, &wanted);
    // Optional parameters said along the way count too ("the budget is 30k").
    std::set<std::string> optional;
    for (const auto& p : plan_spec->params)
      if (!params.contains(p.name)) optional.insert(p.name);
    json before_optional = params;
    fill_from_slots(lex_, *plan_spec, u, params, &optional);
    bool said_other = params != before_optional;
    if (!params.contains(first->name) && !said_other && !bare.empty()) {
      if (first->from == param_source::text_after_colon)
        params[first->name] = trim(utterance);
      else if (first->from == param_source::name && word_count(bare) <= 6)
        params[first->name] = bare;
    }
    if (params != plan_params) {
      r.intent = "start_workflow";
      go(*plan_spec, params, "");
      return r;
    }
  }

  // 3b. A new value for the plan under discussion ("use tiktok instead", "this month") is a
  //     change of plan, unless the turn is sure it is something else.
  if (plan_spec && label != "modify" && (score < switch_threshold || same_template) &&
      (!is_start || same_template)) {
    json said = json::object();
    std::set<std::string> typed;
    for (const auto& p : plan_spec->params)
      if (p.from != param_source::name && p.from != param_source::text_after_colon)
        typed.insert(p.name);
    fill_from_slots(lex_, *plan_spec, u, said, &typed);
    bool renamed = any_phrase(lex_, "rename", lowered) && !s.names.empty();
    if (!said.empty() || renamed) label = "modify", score = std::max(score, believe_threshold);
  }

  // 4. Below the threshold nothing is guessed.
  if (score < believe_threshold) label = "unknown";
  auto colon = label.find(':');
  if (colon != std::string::npos) {
    const auto* spec = lex_.find_template(label.substr(colon + 1));
    r.intent = "start_workflow";
    json params = json::object();
    fill_from_slots(lex_, *spec, u, params);
    go(*spec, params, "");
    return r;
  }
  r.intent = label;

  if (label == "modify") {
    if (!plan_spec) {
      r.reply =
          "There's no plan to change yet. Tell me what you'd like to run, for example "
          "\"launch a product called Vega Watch\".";
      return r;
    }
    json params = plan_params;
    json said = json::object();
    fill_from_slots(lex_, *plan_spec, u, said);
    if (said.contains("channels") && params.contains("channels") &&
        any_phrase(lex_, "append", lowered)) {
      for (const auto& c : said["channels"])
        if (std::find(params["channels"].begin(), params["channels"].end(), c) ==
            params["channels"].end())
          params["channels"].push_back(c);
      said.erase("channels");
    }
    // A name said without its usual cue ("rename it to Nova") goes to the plan's name.
    if (!s.names.empty() && (said.empty() || any_phrase(lex_, "rename", lowered)))
      said[first_name_param(*plan_spec)] = s.names.back().text;
    for (const auto& [k, v] : said.items()) params[k] = v;
    if (params == plan_params) {
      r.template_name = plan_spec->name;
      r.params = plan_params;
      r.missing = plan_missing;
      r.reply = "What should I change? For example \"make the budget 10000\".";
      return r;
    }
    if (plan_started) {
      std::string running = plan["workflow_id"].get<std::string>();
      remember_plan(*plan_spec, params);
      state["pending"] = "confirm";
      r.reply = "Updated the plan: " + show_params(params) + ". Workflow " + running +
                " already started with the old settings; shall I start a new " + plan_spec->title +
                " with these?";
      return r;
    }
    go(*plan_spec, params, "Updated. ");
    r.intent = "modify";
    return r;
  }

  if (label == "confirm" || label == "deny") {
    r.reply = label == "confirm" ? "There's nothing waiting for a yes right now."
                                 : "OK. Nothing is waiting, so nothing changes.";
    if (label == "deny" && plan_spec && !plan_started) {
      state["plan"] = nullptr;
      r.reply = "OK, I've dropped the " + plan_spec->title + ".";
    }
    return r;
  }

  auto target = [&]() -> std::string {
    if (!s.workflow_ids.empty()) return s.workflow_ids.front();
    return state.value("last_workflow", json()).is_string()
               ? state["last_workflow"].get<std::string>()
               : "";
  };
  if (label == "workflow_status" || label == "cancel_workflow") {
    auto id = target();
    if (id.empty()) {
      r.reply = "Which workflow? Give me its id (GET /v1/workflows lists them).";
      return r;
    }
    r.act = {{"kind", label == "workflow_status" ? "status" : "cancel"}, {"id", id}};
    r.reply = label == "workflow_status" ? "Looking up " + id + "." : "Cancelling " + id + ".";
    return r;
  }
  if (label == "list_workflows") {
    r.act = {{"kind", "list"}};
    r.reply = "Here are your workflows.";
    return r;
  }
  if (label == "service_health") {
    r.act = {{"kind", "health"}, {"services", s.services}};
    r.reply = "Checking the services.";
    return r;
  }
  if (label == "kpi_query") {
    r.act = {{"kind", "kpi"}};
    r.reply = "Here are the numbers.";
    return r;
  }
  std::vector<std::string> titles;
  for (const auto& t : lex_.templates) titles.push_back(t.title);
  const std::string can = "I can start a " + join(titles, " or a ") +
                          "; tell you how a workflow is going or cancel it; list your workflows; "
                          "check the services' health; and answer questions about the numbers.";
  if (label == "help") {
    r.reply = can + " Try \"launch a product called Vega Watch with a $25,000 budget\".";
  } else if (label == "smalltalk") {
    r.reply = "Hello! " + can;
  } else {
    r.intent = "unknown";
    r.reply = "Sorry, I didn't understand that. " + can;
  }
  return r;
}

std::string dialogue::describe_run(const json& run) {
  auto steps = run.value("steps", json::array());
  size_t done = 0;
  std::string current;
  for (const auto& s : steps) {
    auto st = s.value("status", "");
    if (st == "completed" || st == "skipped") ++done;
    if (st == "running" && current.empty()) current = s.value("id", "");
  }
  std::string name = run["template"].is_string() ? run["template"].get<std::string>()
                                                 : run.value("name", "workflow");
  std::replace(name.begin(), name.end(), '_', ' ');
  std::string out = "The " + name + " " + run.value("id", "") + " is " +
                    run.value("status", "unknown") + ": " + std::to_string(done) + " of " +
                    std::to_string(steps.size()) + " steps done";
  if (!current.empty()) out += ", now at " + current;
  if (run.contains("error") && run["error"].is_object())
    out += ". Error: " + run["error"].value("message", "");
  return out + ".";
}

std::string dialogue::describe_list(const json& runs) {
  if (!runs.is_array() || runs.empty()) return "You have no workflows yet.";
  std::map<std::string, int> by_status;
  for (const auto& r : runs) ++by_status[r.value("status", "unknown")];
  std::vector<std::string> counts;
  for (const auto& [st, n] : by_status) counts.push_back(std::to_string(n) + " " + st);
  std::string out =
      "Your latest " + std::to_string(runs.size()) + " workflows: " + join(counts) + ". Newest: ";
  std::vector<std::string> items;
  for (size_t i = 0; i < runs.size() && i < 5; ++i) {
    const auto& r = runs[i];
    std::string name =
        r["template"].is_string() ? r["template"].get<std::string>() : r.value("name", "workflow");
    items.push_back(r.value("id", "") + " (" + name + ", " + r.value("status", "") + ")");
  }
  return out + join(items) + ".";
}

std::string dialogue::describe_health(const json& services, const std::vector<std::string>& asked) {
  std::vector<std::string> down, named;
  size_t up = 0, total = 0;
  for (const auto& s : services) {
    auto name = s.value("name", "");
    auto status = s.value("status", "unknown");
    bool wanted = std::find(asked.begin(), asked.end(), name) != asked.end();
    if (wanted)
      named.push_back(name + " is " + status + " (" + std::to_string(s.value("restarts", 0)) +
                      " restarts)");
    ++total;
    if (status == "up")
      ++up;
    else
      down.push_back(name + " (" + status + ")");
  }
  if (!named.empty()) return join(named) + ".";
  std::string out = std::to_string(up) + " of " + std::to_string(total) + " services are up";
  if (!down.empty()) out += "; not up: " + join(down);
  return out + ".";
}

std::string dialogue::describe_kpis(const json& summary) {
  auto counts = summary.value("counts", json::object());
  int64_t total = summary.value("total", int64_t{0});
  auto n = [&](const char* k) { return counts.value(k, int64_t{0}); };
  int64_t finished = n("completed") + n("failed") + n("rolled_back") + n("cancelled");
  std::string out = std::to_string(total) + " workflows in all: " + std::to_string(n("completed")) +
                    " completed, " + std::to_string(n("running")) + " running, " +
                    std::to_string(n("failed")) + " failed, " + std::to_string(n("rolled_back")) +
                    " rolled back, " + std::to_string(n("cancelled")) + " cancelled";
  if (finished > 0) {
    double rate = 100.0 * static_cast<double>(n("completed")) / static_cast<double>(finished);
    out += "; success rate " + std::to_string(static_cast<int>(std::lround(rate))) + "%";
  }
  return out + ".";
}

}  // namespace xyn::assistant

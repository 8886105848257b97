// ai-assistant: the conversational front door. `chat` understands one turn of a conversation
// (actors/assistant: intent, template, parameters, context across turns) and says what the
// runtime should do; the admin port's POST /v1/chat performs it (start, cancel). The service
// keeps each conversation's turns and its dialogue state, per tenant, so context survives
// restarts.
//
// Layout under (ai-assistant, tenant):
//   lexicon                JSON {examples, gazetteers, version}: what the tenant taught
//   conv/<id>              JSON {id, turns, last_turn, created_at, updated_at}
//   turn/<id>/<be64 n>     JSON {turn, role, text, at}
//   ctx/<id>               JSON dialogue state {plan, pending, last_workflow, turns}
//   settings               JSON {confirm_first}
// Conversation ids are [A-Za-z0-9_.:-], so "turn/<id>/" prefixes never overlap.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

#include "actors/assistant/dialogue.hpp"
#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"
#include "runtime/base/keys.hpp"

namespace xyn::actors::services {

namespace {

constexpr size_t max_turn_bytes = 16 * 1024;

bool valid_conversation(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != ':' && c != '-') return false;
  return true;
}

std::string conv_key(const std::string& id) {
  return "conv/" + id;
}
std::string ctx_key(const std::string& id) {
  return "ctx/" + id;
}
std::string turn_prefix(const std::string& id) {
  return "turn/" + id + "/";
}
std::string turn_key(const std::string& id, uint64_t n) {
  return turn_prefix(id) + keys::be64(n);
}

std::optional<std::string> read_conversation(param_reader& p) {
  auto id = p.string("conversation");
  if (p.ok() && !valid_conversation(id))
    p.fail("conversation", "must be 1-128 letters, digits, '_', '.', ':' or '-'");
  if (!p.ok()) return std::nullopt;
  return id;
}

// The JSON object stored at `key`, or {} when there is none.
json json_or_empty(state_view& state, const std::string& key) {
  auto j = state.get_json(key);
  return j && j->is_object() ? *j : json::object();
}

// Appends one turn to the conversation's log; returns its number.
uint64_t append_turn(action_context& ctx, const std::string& conv, const std::string& role,
                     const std::string& body) {
  json c = {{"id", conv}, {"turns", 0}, {"last_turn", 0}, {"created_at", ctx.now_ms}};
  if (auto old = ctx.state.get_json(conv_key(conv))) c = *old;
  uint64_t n = c["last_turn"].get<uint64_t>() + 1;
  c["last_turn"] = n;
  c["turns"] = c["turns"].get<uint64_t>() + 1;
  c["updated_at"] = ctx.now_ms;
  ctx.state.put_json(turn_key(conv, n),
                     {{"turn", n}, {"role", role}, {"text", body}, {"at", ctx.now_ms}}, ctx.now_ms);
  ctx.state.put_json(conv_key(conv), c, ctx.now_ms);
  return n;
}

// The node's lexicon: the built-in one, or the file named by the `assistant.lexicon` setting.
nlohmann::ordered_json node_lexicon(const node_facts& node) {
  auto path = node.settings.value("assistant", json::object()).value("lexicon", "");
  if (!path.empty()) {
    std::ifstream in(path);
    auto loaded = nlohmann::ordered_json::parse(in, nullptr, false);
    if (!loaded.is_discarded() && assistant::parse_lexicon(loaded).ok()) return loaded;
  }
  return assistant::builtin_lexicon_json();
}

std::shared_ptr<const assistant::dialogue> make_dialogue(const nlohmann::ordered_json& doc) {
  auto lex = assistant::parse_lexicon(doc);
  if (!lex) lex = assistant::parse_lexicon(assistant::builtin_lexicon_json());
  return std::make_shared<const assistant::dialogue>(std::move(*lex));
}

// A tenant's taught additions, {"examples": [...], "gazetteers": {...}, "version": n}.
json tenant_extension(state_view& state) {
  auto j = state.get_json("lexicon");
  return j && j->is_object()
             ? *j
             : json{{"examples", json::array()}, {"gazetteers", json::object()}, {"version", 0}};
}

// Adds (or, with `remove`, takes back) taught examples and aliases.
json merge_extension(json ext, const json& taught, bool remove) {
  auto& examples = ext["examples"];
  for (const auto& e : taught.value("examples", json::array())) {
    auto it = std::find(examples.begin(), examples.end(), e);
    if (remove && it != examples.end()) examples.erase(it);
    if (!remove && it == examples.end()) examples.push_back(e);
  }
  const auto gazetteers = taught.value("gazetteers", json::object());  // bound: items() keeps
  for (const auto& [kind, entries] : gazetteers.items())               // a reference to it
    for (const auto& [canonical, aliases] : entries.items()) {
      auto& list = ext["gazetteers"][kind][canonical];
      if (list.is_null()) list = json::array();
      for (const auto& a : aliases) {
        auto it = std::find(list.begin(), list.end(), a);
        if (remove && it != list.end()) list.erase(it);
        if (!remove && it == list.end()) list.push_back(a);
      }
    }
  ext["version"] = ext.value("version", 0) + 1;
  return ext;
}

class ai_assistant : public service {
 public:
  ai_assistant() : service("ai-assistant", "Conversational front door: conversation memory") {
    auto remember_schema =
        object_schema({{"conversation", "string"}, {"text", "string"}, {"role", "string"}},
                      {"conversation", "text"});
    remember_schema["properties"]["role"]["enum"] = {"user", "assistant", "system"};
    add({"remember", "Append a turn to a conversation; returns its number", remember_schema,
         "forget", true, remember});
    add({"forget", "Forget one turn, or the whole conversation when no turn is given (final)",
         object_schema({{"conversation", "string"}, {"turn", "integer"}}, {"conversation"}), "",
         true, forget});
    add({"history", "The turns of a conversation, oldest first (the last `limit` ones)",
         object_schema({{"conversation", "string"}, {"limit", "integer"}}, {"conversation"}), "",
         false, history});
    add({"list_conversations", "Conversations with their turn counts", object_schema({}, {}), "",
         false, list_conversations});
    add({"chat",
         "Understand one turn of a conversation: intent, template, parameters, what is "
         "missing, the reply, and the act for the runtime (start, cancel, look up)",
         object_schema(
             {{"conversation", "string"}, {"text", "string"}, {"confirm_first", "boolean"}},
             {"conversation", "text"}),
         "forget", true, [this](action_context& ctx) { return chat(ctx); }});
    auto teach_schema = object_schema({{"examples", "array"}, {"gazetteers", "object"}}, {});
    add({"teach",
         "Teach this tenant's assistant: examples [{text, intent|template}] and gazetteer "
         "aliases {channels: {email: [\"mailshot\"]}}",
         teach_schema, "unteach", true, [this](action_context& ctx) { return teach(ctx, false); }});
    add({"unteach", "Take back what teach added (same params)", teach_schema, "teach", true,
         [this](action_context& ctx) { return teach(ctx, true); }});
    add({"set_settings", "The tenant's assistant settings: confirm_first asks before starting",
         object_schema({{"confirm_first", "boolean"}}, {"confirm_first"}), "set_settings", true,
         set_settings});
  }

 private:
  outcome chat(action_context& ctx) {
    param_reader p(ctx.params);
    auto conv = read_conversation(p);
    auto utterance = p.string("text");
    if (p.ok() && utterance.empty()) p.fail("text", "must not be empty");
    if (p.ok() && utterance.size() > max_turn_bytes)
      p.fail("text", "must be at most " + std::to_string(max_turn_bytes) + " bytes");
    auto settings = json_or_empty(ctx.state, "settings");
    bool confirm_first = p.boolean("confirm_first", settings.value("confirm_first", false));
    if (!p.ok()) return p.failure();
    auto dialogue = dialogue_for(ctx);

    auto state = json_or_empty(ctx.state, ctx_key(*conv));
    auto user_turn = append_turn(ctx, *conv, "user", utterance);
    assistant::turn_input in;
    in.text = utterance;
    auto today = text::format_utc(ctx.now_ms).substr(0, 10);
    in.today = today;
    // The run id is the conversation's turn: a retried chat starts no second workflow.
    in.workflow_id = "chat-" + ctx.tenant + "-" + *conv + "-" + std::to_string(user_turn);
    in.confirm_first = confirm_first;
    auto r = dialogue->turn(state, in);

    json workflow_id = nullptr;
    auto kind = r.act.value("kind", "");
    if (kind == "start") workflow_id = r.act["id"];
    if (kind == "status" || kind == "cancel") {
      auto id = r.act["id"].get<std::string>();
      workflow_id = id;
      json run = ctx.node.workflow_view ? ctx.node.workflow_view(id) : json();
      if (run.is_null() || run.value("tenant", "") != ctx.tenant) {
        r.reply = "I can't find a workflow " + id + ".";
        r.act = json::object();
      } else if (kind == "status") {
        r.reply = assistant::dialogue::describe_run(run);
        r.act = json::object();
      } else if (run.value("status", "") != "running") {
        r.reply = "Workflow " + id + " already finished (" + run.value("status", "") +
                  "); there is nothing to cancel.";
        r.act = json::object();
      } else {
        r.reply = "Cancelling workflow " + id + "; its completed steps will be undone.";
      }
    }
    std::vector<std::string> asked;
    for (const auto& n : r.act.value("services", json::array())) asked.push_back(n);
    if (kind == "list" || kind == "health" || kind == "kpi") r.act = json::object();
    if (kind == "list")
      r.reply = ctx.node.workflow_list
                    ? assistant::dialogue::describe_list(ctx.node.workflow_list(ctx.tenant, 10))
                    : "I can't see the workflows from here.";
    if (kind == "health")
      r.reply = ctx.node.service_health
                    ? assistant::dialogue::describe_health(ctx.node.service_health(), asked)
                    : "I can't see the services from here.";
    if (kind == "kpi")
      r.reply = ctx.node.workflow_summary
                    ? assistant::dialogue::describe_kpis(ctx.node.workflow_summary(ctx.tenant, 3))
                    : "I can't see the numbers from here.";

    ctx.state.put_json(ctx_key(*conv), state, ctx.now_ms);
    append_turn(ctx, *conv, "assistant", r.reply);
    json out = {{"conversation", *conv},
                {"reply", r.reply},
                {"intent", r.intent},
                {"template", r.template_name.empty() ? json(nullptr) : json(r.template_name)},
                {"params", r.params},
                {"missing", r.missing},
                {"workflow_id", workflow_id},
                {"confidence", text::round2(r.confidence)}};
    if (!r.act.empty()) out["act"] = r.act;
    return outcome::success(std::move(out));
  }

  // The dialogue for this tenant: the node's, or one also trained on what the tenant taught
  // (rebuilt when that changes).
  std::shared_ptr<const assistant::dialogue> dialogue_for(action_context& ctx) {
    if (!node_dialogue_) node_dialogue_ = make_dialogue(node_lexicon(ctx.node));
    auto ext = tenant_extension(ctx.state);
    int64_t version = ext.value("version", int64_t{0});
    if (version == 0) return node_dialogue_;
    auto& cached = tenant_dialogues_[ctx.tenant];
    if (cached.first != version || !cached.second) {
      auto doc = assistant::extend_lexicon(node_lexicon(ctx.node), ext);
      cached = {version, doc ? make_dialogue(*doc) : node_dialogue_};
    }
    return cached.second;
  }

  // teach / unteach: a tenant's own example utterances and vocabulary aliases.
  outcome teach(action_context& ctx, bool remove) {
    json taught = {{"examples", ctx.params.value("examples", json::array())},
                   {"gazetteers", ctx.params.value("gazetteers", json::object())}};
    if (!taught["examples"].is_array())
      return outcome::failure("invalid_params", "field 'examples': must be an array");
    if (!taught["gazetteers"].is_object())
      return outcome::failure("invalid_params", "field 'gazetteers': must be an object");
    if (taught["examples"].empty() && taught["gazetteers"].empty())
      return outcome::failure("invalid_params", "field 'examples': give examples or gazetteers");
    // Checked against the node's lexicon so a bad example never reaches the store.
    if (auto check = assistant::extend_lexicon(node_lexicon(ctx.node), taught); !check)
      return outcome::failure("invalid_params", check.error().message());
    auto ext = merge_extension(tenant_extension(ctx.state), taught, remove);
    ctx.state.put_json("lexicon", ext, ctx.now_ms);
    return outcome::success({{"examples", ext["examples"].size()}, {"version", ext["version"]}});
  }

  static outcome set_settings(action_context& ctx) {
    param_reader p(ctx.params);
    bool confirm = p.boolean("confirm_first", false);
    if (!p.ok()) return p.failure();
    auto now = json_or_empty(ctx.state, "settings");
    json previous = {{"confirm_first", now.value("confirm_first", false)}};
    now["confirm_first"] = confirm;
    ctx.state.put_json("settings", now, ctx.now_ms);
    // `previous` is what set_settings takes to undo this one.
    return outcome::success({{"settings", now}, {"previous", previous}});
  }

  static outcome remember(action_context& ctx) {
    param_reader p(ctx.params);
    auto conv = read_conversation(p);
    auto body = p.string("text");
    auto role = p.string("role", "user");
    if (p.ok() && body.empty()) p.fail("text", "must not be empty");
    if (p.ok() && body.size() > max_turn_bytes)
      p.fail("text", "must be at most " + std::to_string(max_turn_bytes) + " bytes");
    if (p.ok() && role != "user" && role != "assistant" && role != "system")
      p.fail("role", "must be user, assistant or system");
    if (!p.ok()) return p.failure();
    auto n = append_turn(ctx, *conv, role, body);
    return outcome::success({{"conversation", *conv}, {"turn", n}});
  }

  static outcome forget(action_context& ctx) {
    param_reader p(ctx.params);
    auto conv = read_conversation(p);
    bool one = ctx.params.contains("turn") && !ctx.params["turn"].is_null();
    auto turn = p.integer("turn", 0);
    if (p.ok() && one && turn < 1) p.fail("turn", "must be at least 1");
    if (!p.ok()) return p.failure();
    auto c = ctx.state.get_json(conv_key(*conv));
    if (!c) return outcome::not_found("no conversation '" + *conv + "'");
    if (one) {
      auto key = turn_key(*conv, static_cast<uint64_t>(turn));
      if (!ctx.state.get(key))
        return outcome::not_found("conversation '" + *conv + "' has no turn " +
                                  std::to_string(turn));
      ctx.state.erase(key);
      (*c)["turns"] = (*c)["turns"].get<uint64_t>() - 1;
      (*c)["updated_at"] = ctx.now_ms;
      ctx.state.put_json(conv_key(*conv), *c, ctx.now_ms);
      return outcome::success({{"conversation", *conv}, {"forgotten", 1}});
    }
    std::vector<std::string> doomed;
    ctx.state.scan(turn_prefix(*conv), [&](std::string_view k, std::string_view) {
      doomed.emplace_back(k);
      return true;
    });
    for (const auto& k : doomed) ctx.state.erase(k);
    ctx.state.erase(conv_key(*conv));
    return outcome::success({{"conversation", *conv}, {"forgotten", doomed.size()}});
  }

  static outcome history(action_context& ctx) {
    param_reader p(ctx.params);
    auto conv = read_conversation(p);
    auto limit = p.integer("limit", 100);
    if (p.ok() && limit < 1) p.fail("limit", "must be at least 1");
    if (!p.ok()) return p.failure();
    if (!ctx.state.get(conv_key(*conv)))
      return outcome::not_found("no conversation '" + *conv + "'");
    std::vector<json> turns;
    ctx.state.scan_json(turn_prefix(*conv), [&](std::string_view, const json& t) {
      turns.push_back(t);
      return true;
    });
    size_t skip =
        turns.size() > static_cast<size_t>(limit) ? turns.size() - static_cast<size_t>(limit) : 0;
    json out = json::array();
    for (size_t i = skip; i < turns.size(); ++i) out.push_back(turns[i]);
    return outcome::success({{"conversation", *conv}, {"turns", out}, {"total", turns.size()}});
  }

  static outcome list_conversations(action_context& ctx) {
    json out = json::array();
    auto st = ctx.state.scan_json("conv/", [&](std::string_view, const json& c) {
      out.push_back({{"id", c["id"]}, {"turns", c["turns"]}, {"updated_at", c["updated_at"]}});
      return true;
    });
    if (!st.ok()) return outcome::failure("io_error", st.message());
    return outcome::success({{"conversations", out}, {"count", out.size()}});
  }

  // Built on first chat (it needs the node's settings); rebuilt with the service on restart.
  std::shared_ptr<const assistant::dialogue> node_dialogue_;
  std::map<std::string, std::pair<int64_t, std::shared_ptr<const assistant::dialogue>>>
      tenant_dialogues_;
};

}  // namespace

std::unique_ptr<service> make_ai_assistant() {
  return std::make_unique<ai_assistant>();
}

}  // namespace xyn::actors::services

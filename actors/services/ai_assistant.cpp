// ai-assistant: the conversational front door. `chat` understands one turn of a conversation
// (actors/assistant: intent, template, parameters, context across turns) and says what the
// runtime should do; the admin port's POST /v1/chat performs it (start, cancel). The service
// keeps each conversation's turns and its dialogue state, per tenant, so context survives
// restarts.
//
// Layout under (ai-assistant, tenant):
//   conv/<id>              JSON {id, turns, last_turn, created_at, updated_at}
//   turn/<id>/<be64 n>     JSON {turn, role, text, at}
//   ctx/<id>               JSON dialogue state {plan, pending, last_workflow, turns}
//   settings               JSON {confirm_first}
// Conversation ids are [A-Za-z0-9_.:-], so "turn/<id>/" prefixes never overlap.
#include <cctype>
#include <fstream>

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

// The dialogue every tenant shares: the built-in lexicon, or the file named by the node's
// `assistant.lexicon` setting. Trained once per service (re)start, on first use.
std::shared_ptr<const assistant::dialogue> make_dialogue(const node_facts& node) {
  auto doc = assistant::builtin_lexicon_json();
  auto path = node.settings.value("assistant", json::object()).value("lexicon", "");
  if (!path.empty()) {
    std::ifstream in(path);
    auto loaded = nlohmann::ordered_json::parse(in, nullptr, false);
    if (!loaded.is_discarded()) doc = std::move(loaded);
  }
  auto lex = assistant::parse_lexicon(doc);
  if (!lex) lex = assistant::parse_lexicon(assistant::builtin_lexicon_json());
  return std::make_shared<const assistant::dialogue>(std::move(*lex));
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
    if (!dialogue_) dialogue_ = make_dialogue(ctx.node);

    auto state = json_or_empty(ctx.state, ctx_key(*conv));
    auto user_turn = append_turn(ctx, *conv, "user", utterance);
    assistant::turn_input in;
    in.text = utterance;
    auto today = text::format_utc(ctx.now_ms).substr(0, 10);
    in.today = today;
    // The run id is the conversation's turn: a retried chat starts no second workflow.
    in.workflow_id = "chat-" + ctx.tenant + "-" + *conv + "-" + std::to_string(user_turn);
    in.confirm_first = confirm_first;
    auto r = dialogue_->turn(state, in);

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
  std::shared_ptr<const assistant::dialogue> dialogue_;
};

}  // namespace

std::unique_ptr<service> make_ai_assistant() {
  return std::make_unique<ai_assistant>();
}

}  // namespace xyn::actors::services

// ai-assistant: the conversational front door's memory — the turns of each conversation, per
// tenant. Understanding what a turn asks for (intent, plan, workflow) is a later issue; this
// service stores and returns what was said.
//
// Layout under (ai-assistant, tenant):
//   conv/<id>              JSON {id, turns, last_turn, created_at, updated_at}
//   turn/<id>/<be64 n>     JSON {turn, role, text, at}
// Conversation ids are [A-Za-z0-9_.:-], so "turn/<id>/" prefixes never overlap.
#include <cctype>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
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
  }

 private:
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
    json c = {{"id", *conv}, {"turns", 0}, {"last_turn", 0}, {"created_at", ctx.now_ms}};
    if (auto old = ctx.state.get_json(conv_key(*conv))) c = *old;
    uint64_t n = c["last_turn"].get<uint64_t>() + 1;
    c["last_turn"] = n;
    c["turns"] = c["turns"].get<uint64_t>() + 1;
    c["updated_at"] = ctx.now_ms;
    ctx.state.put_json(turn_key(*conv, n),
                       {{"turn", n}, {"role", role}, {"text", body}, {"at", ctx.now_ms}},
                       ctx.now_ms);
    ctx.state.put_json(conv_key(*conv), c, ctx.now_ms);
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
};

}  // namespace

std::unique_ptr<service> make_ai_assistant() {
  return std::make_unique<ai_assistant>();
}

}  // namespace xyn::actors::services

// secrets-config: per-tenant configuration values, versioned (every set keeps the old value).
// Secrets (encrypted at rest) are not here yet: this service stores plain config values only
// and must not be given credentials until that lands.
//
// Layout under (secrets-config, tenant):
//   head/<key>       JSON {key, version (latest), deleted, updated_at}
//   ver/<key>@<n>    JSON {version, value, set_at, live_before}  (immutable)
// Keys are [A-Za-z0-9_.:/-], so '@' cannot occur in them and "ver/<key>@<n>" is unambiguous.
//
// Undoing a set: revert_config {key, version} (the output of set_config) puts back what was
// there before — the previous value as a new version, or the deleted state when there was no
// live value — and refuses when the key has changed since. delete_config also works as a
// blunt compensation when the key is known to be new.
#include <algorithm>
#include <cctype>

#include "actors/params.hpp"
#include "actors/services/services.hpp"

namespace xyn::actors::services {

namespace {

constexpr size_t max_value_bytes = 64 * 1024;

bool valid_key(const std::string& k) {
  if (k.empty() || k.size() > 200) return false;
  for (unsigned char c : k)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != ':' && c != '/' && c != '-') return false;
  return true;
}

std::string head_key(const std::string& k) {
  return "head/" + k;
}
std::string version_key(const std::string& k, int64_t v) {
  return "ver/" + k + "@" + std::to_string(v);
}

// Reads and validates params.key; the head is empty when the key was never set.
std::optional<std::string> read_key(param_reader& p) {
  auto key = p.string("key");
  if (p.ok() && !valid_key(key))
    p.fail("key", "must be 1-200 letters, digits, '_', '.', ':', '/' or '-'");
  if (!p.ok()) return std::nullopt;
  return key;
}

std::optional<json> load_head(const state_view& st, const std::string& key) {
  auto doc = st.get_json(head_key(key));
  if (!doc) return std::nullopt;
  return *doc;
}

// Writes version `head.version + 1` holding `value`, and the new head.
int64_t write_version(action_context& ctx, const std::string& key, std::optional<json>& head,
                      const json& value, std::optional<int64_t> reverts) {
  bool live_before = head && !(*head)["deleted"].get<bool>();
  int64_t v = head ? (*head)["version"].get<int64_t>() + 1 : 1;
  json ver = {
      {"version", v}, {"value", value}, {"set_at", ctx.now_ms}, {"live_before", live_before}};
  if (reverts) ver["reverts"] = *reverts;
  ctx.state.put_json(version_key(key, v), ver, ctx.now_ms);
  head = json{{"key", key}, {"version", v}, {"deleted", false}, {"updated_at", ctx.now_ms}};
  ctx.state.put_json(head_key(key), *head, ctx.now_ms);
  return v;
}

class secrets_config : public service {
 public:
  secrets_config()
      : service("secrets-config", "Per-tenant configuration, versioned (secrets come later)") {
    auto set_schema = object_schema({{"key", "string"}}, {"key", "value"});
    set_schema["properties"]["value"] = {{"description", "any JSON value except null"}};
    add({"set_config", "Set a value; returns the new version (older ones are kept)", set_schema,
         "revert_config", true, set_config});
    add({"get_config", "The current value, or the value at a given version",
         object_schema({{"key", "string"}, {"version", "integer"}}, {"key"}), "", false,
         get_config});
    add({"history", "Every version of a key, oldest first",
         object_schema({{"key", "string"}}, {"key"}), "", false, history});
    add({"list_config", "Live keys with their current version, optionally under a prefix",
         object_schema({{"prefix", "string"}}, {}), "", false, list_config});
    add({"revert_config", "Undo the set that produced `version` if nothing changed since",
         object_schema({{"key", "string"}, {"version", "integer"}}, {"key", "version"}), "", true,
         revert_config});
    add({"delete_config", "Delete a key (its history is kept; restore_config undoes it)",
         object_schema({{"key", "string"}}, {"key"}), "restore_config", true, delete_config});
    add({"restore_config", "Undo a delete", object_schema({{"key", "string"}}, {"key"}),
         "delete_config", true, restore_config});
  }

 private:
  static outcome set_config(action_context& ctx) {
    param_reader p(ctx.params);
    auto key = read_key(p);
    if (!ctx.params.contains("value") || ctx.params["value"].is_null())
      p.fail("value", "required value is missing (any JSON except null)");
    if (!p.ok()) return p.failure();
    const json& value = ctx.params["value"];
    if (value.dump().size() > max_value_bytes)
      return outcome::failure("too_large", "field 'value': more than " +
                                               std::to_string(max_value_bytes) + " bytes of JSON");
    auto head = load_head(ctx.state, *key);
    std::optional<int64_t> previous;
    if (head && !(*head)["deleted"].get<bool>()) previous = (*head)["version"].get<int64_t>();
    auto v = write_version(ctx, *key, head, value, std::nullopt);
    return outcome::success({{"key", *key},
                             {"version", v},
                             {"previous_version", previous ? json(*previous) : json(nullptr)}});
  }

  static outcome get_config(action_context& ctx) {
    param_reader p(ctx.params);
    auto key = read_key(p);
    bool pinned = ctx.params.contains("version") && !ctx.params["version"].is_null();
    auto version = p.integer("version", 0);
    if (!p.ok()) return p.failure();
    auto head = load_head(ctx.state, *key);
    if (!head || (!pinned && (*head)["deleted"].get<bool>()))
      return outcome::not_found("no config key '" + *key + "'");
    int64_t latest = (*head)["version"].get<int64_t>();
    if (!pinned) version = latest;
    auto ver = ctx.state.get_json(version_key(*key, version));
    if (version < 1 || version > latest || !ver)
      return outcome::not_found("config key '" + *key + "' has no version " +
                                std::to_string(version));
    return outcome::success({{"key", *key},
                             {"value", (*ver)["value"]},
                             {"version", version},
                             {"latest_version", latest},
                             {"deleted", (*head)["deleted"]},
                             {"set_at", (*ver)["set_at"]}});
  }

  static outcome history(action_context& ctx) {
    param_reader p(ctx.params);
    auto key = read_key(p);
    if (!p.ok()) return p.failure();
    auto head = load_head(ctx.state, *key);
    if (!head) return outcome::not_found("no config key '" + *key + "'");
    json versions = json::array();
    for (int64_t v = 1; v <= (*head)["version"].get<int64_t>(); ++v) {
      auto ver = ctx.state.get_json(version_key(*key, v));
      if (!ver) continue;
      json row = {{"version", v}, {"value", (*ver)["value"]}, {"set_at", (*ver)["set_at"]}};
      if (ver->contains("reverts")) row["reverts"] = (*ver)["reverts"];
      versions.push_back(std::move(row));
    }
    return outcome::success(
        {{"key", *key}, {"deleted", (*head)["deleted"]}, {"versions", versions}});
  }

  static outcome list_config(action_context& ctx) {
    param_reader p(ctx.params);
    auto prefix = p.string("prefix", "");
    if (!p.ok()) return p.failure();
    json keys = json::array();
    auto st = ctx.state.scan_json(head_key(prefix), [&](std::string_view, const json& h) {
      if (!h["deleted"].get<bool>())
        keys.push_back(
            {{"key", h["key"]}, {"version", h["version"]}, {"updated_at", h["updated_at"]}});
      return true;
    });
    if (!st.ok()) return outcome::failure("io_error", st.message());
    return outcome::success({{"keys", keys}, {"count", keys.size()}});
  }

  static outcome revert_config(action_context& ctx) {
    param_reader p(ctx.params);
    auto key = read_key(p);
    auto version = p.integer("version");
    if (!p.ok()) return p.failure();
    auto head = load_head(ctx.state, *key);
    if (!head) return outcome::not_found("no config key '" + *key + "'");
    if ((*head)["version"] != version || (*head)["deleted"].get<bool>())
      return outcome::failure("conflict", "config key '" + *key + "' changed after version " +
                                              std::to_string(version) + "; not reverting");
    auto ver = ctx.state.get_json(version_key(*key, version));
    if (!ver) return outcome::failure("corruption", "version record missing");
    if (!(*ver)["live_before"].get<bool>()) {
      (*head)["deleted"] = true;
      (*head)["updated_at"] = ctx.now_ms;
      ctx.state.put_json(head_key(*key), *head, ctx.now_ms);
      return outcome::success({{"key", *key}, {"version", nullptr}, {"deleted", true}});
    }
    auto before = ctx.state.get_json(version_key(*key, version - 1));
    if (!before) return outcome::failure("corruption", "previous version record missing");
    auto v = write_version(ctx, *key, head, (*before)["value"], version);
    return outcome::success({{"key", *key}, {"version", v}, {"deleted", false}});
  }

  static outcome set_deleted(action_context& ctx, bool deleted) {
    param_reader p(ctx.params);
    auto key = read_key(p);
    if (!p.ok()) return p.failure();
    auto head = load_head(ctx.state, *key);
    if (!head || (*head)["deleted"].get<bool>() == deleted)
      return outcome::not_found(
          std::string(deleted ? "no config key '" : "no deleted config key '") + *key + "'");
    (*head)["deleted"] = deleted;
    (*head)["updated_at"] = ctx.now_ms;
    ctx.state.put_json(head_key(*key), *head, ctx.now_ms);
    return outcome::success({{"key", *key}, {"deleted", deleted}, {"version", (*head)["version"]}});
  }
  static outcome delete_config(action_context& ctx) { return set_deleted(ctx, true); }
  static outcome restore_config(action_context& ctx) { return set_deleted(ctx, false); }
};

}  // namespace

std::unique_ptr<service> make_secrets_config() {
  return std::make_unique<secrets_config>();
}

}  // namespace xyn::actors::services

// secrets-config: per-tenant configuration values and secrets, both versioned (every set keeps
// the old version). Secrets are sealed with AES-256-GCM under the node's master key
// (sealed_box.hpp) and bound to (tenant, key, version), so their plain text never reaches LMDB
// and a sealed value moved to another record does not open. Every secret read and change is
// written to the tenant's audit trail in the same commit.
//
// Layout under (secrets-config, tenant):
//   head/<key>       config head JSON {key, version (latest), deleted, set_at, updated_at}
//   ver/<key>@<n>    config version JSON {version, value, set_at, live_before, reverts?}
//                    (immutable)
//   shead/<key>      secret head, same shape as a config head
//   sver/<key>@<n>   secret version JSON {version, sealed (base64), set_at, live_before, reverts?}
//   audit/<seq>      JSON {seq, at, op (set|read|revert|delete|restore), key, version, reason?};
//                    seq is 20 decimal digits so the scan is in order
//   seq/audit        audit counter
// Keys are [A-Za-z0-9_.:/-], so '@' cannot occur in them and "ver/<key>@<n>" is unambiguous.
//
// Undoing a set: revert_config / revert_secret {key, version} (the output of the set) puts back
// what was there before — the previous value as a new version, or the deleted state when there
// was no live value — and refuses when the key has changed since. delete_* also works as a
// blunt compensation when the key is known to be new.
//
// Why get_secret does not mutate: the service host keeps the output of a mutating action in
// the idempotency db, and get_secret's output is the plain text. As a non-mutating action its
// output is never stored, while its audit record still commits (the host commits the writes of
// every successful action). Peer asks run non-mutating actions but drop their writes, so a peer
// ask of get_secret would read without an audit record: the host must refuse peer asks of it.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <deque>
#include <functional>

#include "actors/params.hpp"
#include "actors/services/sealed_box.hpp"
#include "actors/services/services.hpp"

namespace xyn::actors::services {

namespace {

constexpr size_t max_value_bytes = 64 * 1024;
constexpr size_t max_reason_bytes = 500;
constexpr int64_t default_audit_limit = 100, max_audit_limit = 1000;

// Config values and secrets keep the same versioned records under different prefixes.
struct family {
  const char* head;
  const char* ver;
  const char* noun;
};
constexpr family config_values{"head/", "ver/", "config key"};
constexpr family secrets{"shead/", "sver/", "secret"};

bool valid_key(const std::string& k) {
  if (k.empty() || k.size() > 200) return false;
  for (unsigned char c : k)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != ':' && c != '/' && c != '-') return false;
  return true;
}

std::string head_key(const family& f, const std::string& k) {
  return f.head + k;
}
std::string version_key(const family& f, const std::string& k, int64_t v) {
  return f.ver + k + "@" + std::to_string(v);
}

// Reads and validates params.key.
std::optional<std::string> read_key(param_reader& p) {
  auto key = p.string("key");
  if (p.ok() && !valid_key(key))
    p.fail("key", "must be 1-200 letters, digits, '_', '.', ':', '/' or '-'");
  if (!p.ok()) return std::nullopt;
  return key;
}

// The head, or nullopt when the key was never set.
std::optional<json> load_head(const state_view& st, const family& f, const std::string& key) {
  auto doc = st.get_json(head_key(f, key));
  if (!doc) return std::nullopt;
  return *doc;
}

bool live(const std::optional<json>& head) {
  return head && !(*head)["deleted"].get<bool>();
}

outcome no_such(const family& f, const std::string& key) {
  return outcome::not_found(std::string("no ") + f.noun + " '" + key + "'");
}

// Writes version `head.version + 1` holding `fields`, and the new head.
int64_t write_version(action_context& ctx, const family& f, const std::string& key,
                      std::optional<json>& head, json fields, std::optional<int64_t> reverts) {
  int64_t v = head ? (*head)["version"].get<int64_t>() + 1 : 1;
  fields["version"] = v;
  fields["set_at"] = ctx.now_ms;
  fields["live_before"] = live(head);
  if (reverts) fields["reverts"] = *reverts;
  ctx.state.put_json(version_key(f, key, v), fields, ctx.now_ms);
  head = json{{"key", key},
              {"version", v},
              {"deleted", false},
              {"set_at", ctx.now_ms},
              {"updated_at", ctx.now_ms}};
  ctx.state.put_json(head_key(f, key), *head, ctx.now_ms);
  return v;
}

// Sets `key` to a new version holding `fields`: the output names the version to revert.
json set_version(action_context& ctx, const family& f, const std::string& key, json fields) {
  auto head = load_head(ctx.state, f, key);
  json previous = live(head) ? (*head)["version"] : json(nullptr);
  auto v = write_version(ctx, f, key, head, std::move(fields), std::nullopt);
  return {{"key", key}, {"version", v}, {"previous_version", previous}};
}

// One version of a key, found from params {key, version?}: the latest live one unless pinned
// (a pinned version of a deleted key stays readable, as history).
struct located {
  outcome error;  // ok when found
  std::string key;
  json head, ver;
  int64_t version = 0;
};
located locate(action_context& ctx, param_reader& p, const family& f) {
  located at;
  auto key = read_key(p);
  bool pinned = ctx.params.contains("version") && !ctx.params["version"].is_null();
  at.version = p.integer("version", 0);
  if (!p.ok()) {
    at.error = p.failure();
    return at;
  }
  at.key = *key;
  auto head = load_head(ctx.state, f, at.key);
  if (!head || (!pinned && (*head)["deleted"].get<bool>())) {
    at.error = no_such(f, at.key);
    return at;
  }
  at.head = *head;
  int64_t latest = at.head["version"].get<int64_t>();
  if (!pinned) at.version = latest;
  auto ver = ctx.state.get_json(version_key(f, at.key, at.version));
  if (at.version < 1 || at.version > latest || !ver) {
    at.error = outcome::not_found(std::string(f.noun) + " '" + at.key + "' has no version " +
                                  std::to_string(at.version));
    return at;
  }
  at.ver = *ver;
  return at;
}

// Every version, oldest first; `row` adds what the family may show of a version.
outcome history(action_context& ctx, const family& f,
                const std::function<void(const json& ver, json& row)>& row) {
  param_reader p(ctx.params);
  auto key = read_key(p);
  if (!p.ok()) return p.failure();
  auto head = load_head(ctx.state, f, *key);
  if (!head) return no_such(f, *key);
  json versions = json::array();
  for (int64_t v = 1; v <= (*head)["version"].get<int64_t>(); ++v) {
    auto ver = ctx.state.get_json(version_key(f, *key, v));
    if (!ver) continue;
    json r = {{"version", v}, {"set_at", (*ver)["set_at"]}};
    if (ver->contains("reverts")) r["reverts"] = (*ver)["reverts"];
    row(*ver, r);
    versions.push_back(std::move(r));
  }
  return outcome::success({{"key", *key}, {"deleted", (*head)["deleted"]}, {"versions", versions}});
}

// Live keys under params.prefix, as {`field`: [{key, version, set_at, updated_at}], count}.
outcome list(action_context& ctx, const family& f, const char* field) {
  param_reader p(ctx.params);
  auto prefix = p.string("prefix", "");
  if (!p.ok()) return p.failure();
  json keys = json::array();
  auto st = ctx.state.scan_json(head_key(f, prefix), [&](std::string_view, const json& h) {
    if (!h["deleted"].get<bool>())
      keys.push_back({{"key", h["key"]},
                      {"version", h["version"]},
                      {"set_at", h.value("set_at", h["updated_at"])},
                      {"updated_at", h["updated_at"]}});
    return true;
  });
  if (!st.ok()) return outcome::failure("io_error", st.message());
  return outcome::success({{field, keys}, {"count", keys.size()}});
}

// What a revert puts back: the fields of a new version carrying `before`'s value, or a failure.
using carry_fn =
    std::function<outcome(const std::string& key, const json& before, int64_t new_version)>;

// Undoes the set that produced params.version, if the key has not changed since.
outcome revert(action_context& ctx, const family& f, const carry_fn& carry) {
  param_reader p(ctx.params);
  auto key = read_key(p);
  auto version = p.integer("version");
  if (!p.ok()) return p.failure();
  auto head = load_head(ctx.state, f, *key);
  if (!head) return no_such(f, *key);
  if ((*head)["version"] != version || (*head)["deleted"].get<bool>())
    return outcome::failure("conflict", std::string(f.noun) + " '" + *key +
                                            "' changed after version " + std::to_string(version) +
                                            "; not reverting");
  auto ver = ctx.state.get_json(version_key(f, *key, version));
  if (!ver) return outcome::failure("corruption", "version record missing");
  if (!(*ver)["live_before"].get<bool>()) {
    (*head)["deleted"] = true;
    (*head)["updated_at"] = ctx.now_ms;
    ctx.state.put_json(head_key(f, *key), *head, ctx.now_ms);
    return outcome::success({{"key", *key}, {"version", nullptr}, {"deleted", true}});
  }
  auto before = ctx.state.get_json(version_key(f, *key, version - 1));
  if (!before) return outcome::failure("corruption", "previous version record missing");
  auto fields = carry(*key, *before, version + 1);
  if (!fields.ok) return fields;
  auto v = write_version(ctx, f, *key, head, std::move(fields.output), version);
  return outcome::success({{"key", *key}, {"version", v}, {"deleted", false}});
}

// Marks params.key deleted (or live again); history is kept.
outcome set_deleted(action_context& ctx, const family& f, bool deleted) {
  param_reader p(ctx.params);
  auto key = read_key(p);
  if (!p.ok()) return p.failure();
  auto head = load_head(ctx.state, f, *key);
  if (!head || (*head)["deleted"].get<bool>() == deleted)
    return outcome::not_found(std::string(deleted ? "no " : "no deleted ") + f.noun + " '" + *key +
                              "'");
  (*head)["deleted"] = deleted;
  (*head)["updated_at"] = ctx.now_ms;
  ctx.state.put_json(head_key(f, *key), *head, ctx.now_ms);
  return outcome::success({{"key", *key}, {"deleted", deleted}, {"version", (*head)["version"]}});
}

// ---- secrets ------------------------------------------------------------------------------

// Why secrets cannot be used on this node, if they cannot.
std::optional<outcome> no_master_key(const node_facts& node) {
  if (node.master_key.empty()) return outcome::failure("unavailable", "no master key on this node");
  if (node.master_key.size() != sealed_box::key_size)
    return outcome::failure("unavailable", "the node's master key is not " +
                                               std::to_string(sealed_box::key_size) + " bytes");
  return std::nullopt;
}

// What a sealed secret is bound to. Tenants and keys hold no NUL, so the parts cannot run
// into each other.
std::string seal_context(const std::string& tenant, const std::string& key, int64_t version) {
  std::string c = "secrets-config";
  for (const std::string& part : {tenant, key, std::to_string(version)}) c += '\0' + part;
  return c;
}

// The fields of a secret version holding `plain`: {sealed}.
outcome seal(const action_context& ctx, const std::string& key, int64_t version,
             const std::string& plain) {
  auto sealed =
      sealed_box::seal(ctx.node.master_key, plain, seal_context(ctx.tenant, key, version));
  if (!sealed) return outcome::failure("internal", sealed.error().message());
  return outcome::success({{"sealed", sealed_box::to_base64(*sealed)}});
}

// The plain text of a stored secret version, as output {value}.
outcome unseal(const action_context& ctx, const std::string& key, int64_t version,
               const json& ver) {
  auto what = "secret '" + key + "' version " + std::to_string(version);
  // A record whose `sealed` is missing or not a string was changed too.
  const json& text = ver.contains("sealed") ? ver["sealed"] : json();
  auto raw = sealed_box::from_base64(text.is_string() ? text.get<std::string>() : "");
  auto plain =
      raw ? sealed_box::open(ctx.node.master_key, *raw, seal_context(ctx.tenant, key, version))
          : result<std::string>(raw.error());
  if (plain) return outcome::success({{"value", std::move(*plain)}});
  if (plain.error().code() == status_code::permission_denied)
    return outcome::failure("wrong_master_key",
                            what + " was sealed under a different master key than this node's");
  return outcome::failure("tampered", what +
                                          " failed its integrity check: its stored bytes were "
                                          "changed or moved from another record");
}

std::string audit_key(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "audit/%020llu", static_cast<unsigned long long>(seq));
  return buf;
}

void audit(action_context& ctx, const char* op, const std::string& key, const json& version,
           const std::string& reason = {}) {
  auto seq = ctx.state.next_sequence("seq/audit");
  json entry = {{"seq", seq}, {"at", ctx.now_ms}, {"op", op}, {"key", key}, {"version", version}};
  if (!reason.empty()) entry["reason"] = reason;
  ctx.state.put_json(audit_key(seq), entry, ctx.now_ms);
}

// Records a successful change of a secret in the audit trail; passes the outcome on.
outcome audited(action_context& ctx, const char* op, outcome out) {
  if (out.ok) audit(ctx, op, out.output["key"].get<std::string>(), out.output["version"]);
  return out;
}

class secrets_config : public service {
 public:
  secrets_config() : service("secrets-config", "Per-tenant configuration and encrypted secrets") {
    auto set_schema = object_schema({{"key", "string"}}, {"key", "value"});
    set_schema["properties"]["value"] = {{"description", "any JSON value except null"}};
    add({"set_config", "Set a value; returns the new version (older ones are kept)", set_schema,
         "revert_config", true, set_config});
    auto get_schema = object_schema({{"key", "string"}, {"version", "integer"}}, {"key"});
    add({"get_config", "The current value, or the value at a given version", get_schema, "", false,
         get_config});
    auto key_schema = object_schema({{"key", "string"}}, {"key"});
    add({"history", "Every version of a key, oldest first", key_schema, "", false, history_config});
    auto list_schema = object_schema({{"prefix", "string"}}, {});
    add({"list_config", "Live keys with their current version, optionally under a prefix",
         list_schema, "", false, list_config});
    auto revert_schema =
        object_schema({{"key", "string"}, {"version", "integer"}}, {"key", "version"});
    add({"revert_config", "Undo the set that produced `version` if nothing changed since",
         revert_schema, "", true, revert_config});
    add({"delete_config", "Delete a key (its history is kept; restore_config undoes it)",
         key_schema, "restore_config", true, delete_config});
    add({"restore_config", "Undo a delete", key_schema, "delete_config", true, restore_config});

    add({"set_secret", "Store a secret string, encrypted; returns the new version",
         object_schema({{"key", "string"}, {"value", "string"}}, {"key", "value"}), "revert_secret",
         true, set_secret, /*secret=*/true});
    auto read_schema =
        object_schema({{"key", "string"}, {"version", "integer"}, {"reason", "string"}}, {"key"});
    // Not `mutates` although it writes an audit record: see the file comment.
    add({"get_secret", "The plain text of a secret (every read is audited, with its reason)",
         read_schema, "", false, get_secret, /*secret=*/true});
    add({"list_secrets", "Live secrets with versions and times, never their values", list_schema,
         "", false, list_secrets});
    add({"secret_history", "Every version of a secret with its time, never its value", key_schema,
         "", false, secret_history});
    add({"revert_secret", "Undo the set_secret that produced `version` if nothing changed since",
         revert_schema, "", true, revert_secret});
    add({"delete_secret", "Delete a secret (its versions are kept; restore_secret undoes it)",
         key_schema, "restore_secret", true, delete_secret});
    add({"restore_secret", "Undo a delete_secret", key_schema, "delete_secret", true,
         restore_secret});
    add({"audit", "The trail of secret reads and changes, newest first",
         object_schema({{"key", "string"}, {"limit", "integer"}}, {}), "", false, audit_trail});
  }

 private:
  static outcome set_config(action_context& ctx) {
    param_reader p(ctx.params);
    auto key = read_key(p);
    if (!ctx.params.contains("value") || ctx.params["value"].is_null())
      p.fail("value", "required value is missing (any JSON except null)");
    if (!p.ok()) return p.failure();
    const json& value = ctx.params["value"];
    if (value.dump().size() > max_value_bytes) return too_large();
    return outcome::success(set_version(ctx, config_values, *key, {{"value", value}}));
  }

  static outcome get_config(action_context& ctx) {
    param_reader p(ctx.params);
    auto at = locate(ctx, p, config_values);
    if (!at.error.ok) return at.error;
    return outcome::success({{"key", at.key},
                             {"value", at.ver["value"]},
                             {"version", at.version},
                             {"latest_version", at.head["version"]},
                             {"deleted", at.head["deleted"]},
                             {"set_at", at.ver["set_at"]}});
  }

  static outcome history_config(action_context& ctx) {
    return history(ctx, config_values,
                   [](const json& ver, json& row) { row["value"] = ver["value"]; });
  }
  static outcome list_config(action_context& ctx) { return list(ctx, config_values, "keys"); }
  static outcome revert_config(action_context& ctx) {
    return revert(ctx, config_values, [](const std::string&, const json& before, int64_t) {
      return outcome::success({{"value", before["value"]}});
    });
  }
  static outcome delete_config(action_context& ctx) {
    return set_deleted(ctx, config_values, true);
  }
  static outcome restore_config(action_context& ctx) {
    return set_deleted(ctx, config_values, false);
  }

  static outcome set_secret(action_context& ctx) {
    param_reader p(ctx.params);
    auto key = read_key(p);
    auto value = p.string("value");
    if (!p.ok()) return p.failure();
    if (value.size() > max_value_bytes) return too_large();
    if (auto no = no_master_key(ctx.node)) return *no;
    auto head = load_head(ctx.state, secrets, *key);
    int64_t version = head ? (*head)["version"].get<int64_t>() + 1 : 1;
    auto fields = seal(ctx, *key, version, value);
    if (!fields.ok) return fields;
    return audited(ctx, "set",
                   outcome::success(set_version(ctx, secrets, *key, std::move(fields.output))));
  }

  static outcome get_secret(action_context& ctx) {
    param_reader p(ctx.params);
    auto reason = p.string("reason", "");
    if (p.ok() && reason.size() > max_reason_bytes)
      p.fail("reason", "longer than " + std::to_string(max_reason_bytes) + " bytes");
    auto at = locate(ctx, p, secrets);
    if (!at.error.ok) return at.error;
    if (auto no = no_master_key(ctx.node)) return *no;
    auto plain = unseal(ctx, at.key, at.version, at.ver);
    if (!plain.ok) return plain;
    audit(ctx, "read", at.key, at.version, reason);
    return outcome::success({{"key", at.key},
                             {"value", std::move(plain.output["value"])},
                             {"version", at.version},
                             {"latest_version", at.head["version"]},
                             {"set_at", at.ver["set_at"]}});
  }

  static outcome list_secrets(action_context& ctx) { return list(ctx, secrets, "secrets"); }
  static outcome secret_history(action_context& ctx) {
    return history(ctx, secrets, [](const json&, json&) {});
  }

  // The previous plain text is opened and sealed again: its sealed bytes are bound to its own
  // version and would not open as the new one.
  static outcome revert_secret(action_context& ctx) {
    if (auto no = no_master_key(ctx.node)) return *no;
    return audited(ctx, "revert",
                   revert(ctx, secrets, [&](const std::string& key, const json& before, int64_t v) {
                     auto plain = unseal(ctx, key, before["version"].get<int64_t>(), before);
                     if (!plain.ok) return plain;
                     return seal(ctx, key, v, plain.output["value"].get<std::string>());
                   }));
  }
  static outcome delete_secret(action_context& ctx) {
    return audited(ctx, "delete", set_deleted(ctx, secrets, true));
  }
  static outcome restore_secret(action_context& ctx) {
    return audited(ctx, "restore", set_deleted(ctx, secrets, false));
  }

  static outcome audit_trail(action_context& ctx) {
    param_reader p(ctx.params);
    auto key = p.optional_string("key");
    auto limit = p.integer("limit", default_audit_limit);
    if (p.ok() && (limit < 1 || limit > max_audit_limit))
      p.fail("limit", "must be 1-" + std::to_string(max_audit_limit));
    if (!p.ok()) return p.failure();
    // Oldest first in the store; the newest `limit` are kept.
    std::deque<json> kept;
    auto st = ctx.state.scan_json("audit/", [&](std::string_view, const json& e) {
      if (key && e["key"] != *key) return true;
      kept.push_back(e);
      if (kept.size() > static_cast<size_t>(limit)) kept.pop_front();
      return true;
    });
    if (!st.ok()) return outcome::failure("io_error", st.message());
    json entries = json::array();
    for (auto it = kept.rbegin(); it != kept.rend(); ++it) entries.push_back(std::move(*it));
    return outcome::success({{"entries", entries}, {"count", entries.size()}});
  }

  static outcome too_large() {
    return outcome::failure(
        "too_large", "field 'value': more than " + std::to_string(max_value_bytes) + " bytes");
  }
};

}  // namespace

std::unique_ptr<service> make_secrets_config() {
  return std::make_unique<secrets_config>();
}

}  // namespace xyn::actors::services

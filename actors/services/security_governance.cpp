// security-governance: secret and PII scanning of text, and role-based policy checks against
// policies stored per tenant (allow/deny rules with glob patterns; deny wins; default deny).
//
// Layout under (security-governance, tenant):
//   policy/<id>   JSON {id, seq, role, actions, resources, effect: allow|deny, deleted, created_at}
//   seq/policy    id counter
// The scanners are hand-written single passes (no std::regex: its recursion can exhaust the
// stack on long input, and nothing a client sends may crash the node).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

#include "actors/params.hpp"
#include "actors/services/services.hpp"

namespace xyn::actors::services {

namespace {

// ---- scanning ---------------------------------------------------------------------------

struct finding {
  size_t position;
  size_t length;
  const char* kind;
  const char* severity;
  std::string detail;
};

bool upper_or_digit(char c) {
  return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
}
bool alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// AWS access key ids: "AKIA" (long-term) or "ASIA" (temporary) and 16 more of [A-Z0-9].
void scan_aws_keys(const std::string& s, std::vector<finding>& out) {
  for (const char* prefix : {"AKIA", "ASIA"}) {
    for (size_t pos = s.find(prefix); pos != std::string::npos; pos = s.find(prefix, pos + 1)) {
      if (pos > 0 && alnum(s[pos - 1])) continue;
      if (pos + 20 > s.size()) continue;
      if (!std::all_of(s.begin() + static_cast<long>(pos) + 4,
                       s.begin() + static_cast<long>(pos) + 20, upper_or_digit))
        continue;
      if (pos + 20 < s.size() && alnum(s[pos + 20])) continue;
      out.push_back({pos, 20, "aws_access_key_id", "high", "AWS access key id"});
    }
  }
}

// PEM private keys: "-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED ...]PRIVATE KEY-----", through
// the matching END line when present. Searches only move forward, so the scan is linear.
void scan_private_keys(const std::string& s, std::vector<finding>& out) {
  const std::string begin = "-----BEGIN ", tail = "PRIVATE KEY-----", end_marker = "-----END ";
  bool more_ends = true;
  size_t next = 0;
  for (size_t pos = s.find(begin); pos != std::string::npos; pos = s.find(begin, next)) {
    next = pos + 1;
    size_t eol = s.find('\n', pos);
    if (eol == std::string::npos) eol = s.size();
    size_t t = std::string_view(s).substr(pos, eol - pos).find(tail);
    if (t == std::string_view::npos) continue;
    size_t end = pos + t + tail.size();
    if (more_ends) {
      size_t e = s.find(end_marker, end);
      more_ends = e != std::string::npos;
      if (more_ends) {
        size_t e_eol = std::min(s.find('\n', e), s.size());
        size_t e_tail = std::string_view(s).substr(e, e_eol - e).find(tail);
        if (e_tail != std::string_view::npos) end = e + e_tail + tail.size();
      }
    }
    out.push_back({pos, end - pos, "private_key", "critical", "PEM private key"});
    next = end;
  }
}

// Credentials assigned in config or code: an identifier ending in password, passwd, pwd,
// secret, token or api key, then '=' or ':' and a value (quoted or up to a delimiter).
// The finding covers the value.
void scan_assignments(const std::string& s, std::vector<finding>& out) {
  static const char* const names[] = {"password", "passwd", "pwd",     "secret",
                                      "token",    "apikey", "api_key", "api-key"};
  const size_t n = s.size();
  size_t i = 0;
  auto ident_char = [](char c) { return alnum(c) || c == '_' || c == '-'; };
  while (i < n) {
    if (!ident_char(s[i])) {
      ++i;
      continue;
    }
    size_t b = i;
    while (i < n && ident_char(s[i])) ++i;
    std::string ident;
    for (size_t k = b; k < i; ++k)
      ident.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(s[k]))));
    const char* hit = nullptr;
    for (const char* name : names) {
      std::string_view nv(name);
      if (ident.size() >= nv.size() &&
          std::string_view(ident).substr(ident.size() - nv.size()) == nv)
        hit = name;
    }
    if (!hit) continue;
    size_t j = i;
    if (j < n && (s[j] == '"' || s[j] == '\'')) ++j;  // the key's closing quote in JSON/YAML
    while (j < n && (s[j] == ' ' || s[j] == '\t')) ++j;
    if (j < n && s[j] == ':' && j + 1 < n && s[j + 1] == '=') ++j;
    if (j >= n || (s[j] != '=' && s[j] != ':')) continue;
    ++j;
    while (j < n && (s[j] == ' ' || s[j] == '\t')) ++j;
    size_t vb = j, ve = j;
    if (j < n && (s[j] == '"' || s[j] == '\'')) {
      char q = s[j];
      vb = j + 1;
      // The value ends at the closing quote on the same line; an unclosed one is skipped
      // to the end of the line, so the scan stays linear in the text's length.
      ve = vb;
      while (ve < n && s[ve] != q && s[ve] != '\n') ++ve;
      if (ve == n || s[ve] != q) {
        i = ve;
        continue;
      }
    } else {
      while (ve < n && !std::isspace(static_cast<unsigned char>(s[ve])) && s[ve] != ',' &&
             s[ve] != ';' && s[ve] != '&' && s[ve] != ')' && s[ve] != '}')
        ++ve;
    }
    std::string_view value(s.data() + vb, ve - vb);
    bool placeholder = value.empty() || std::all_of(value.begin(), value.end(), [](char c) {
                         return c == '*' || c == 'x' || c == 'X';
                       });
    if (!placeholder)
      out.push_back({vb, ve - vb, "credential_assignment", "high",
                     std::string("value assigned to '") + s.substr(b, i - b) + "'"});
    i = std::max(i, ve);
  }
}

// Shannon entropy of the bytes of `s`, in bits per character.
double shannon_entropy(std::string_view s) {
  std::map<char, int> counts;
  for (char c : s) ++counts[c];
  double h = 0;
  for (const auto& [_, k] : counts) {
    double p = static_cast<double>(k) / static_cast<double>(s.size());
    h -= p * std::log2(p);
  }
  return h;
}

// Random-looking tokens (API keys, signing secrets): runs of 20+ base64/base64url characters
// with upper case, lower case and digits and entropy >= 4.0 bits/char, or hex runs of 32+
// with entropy >= 3.0 (hex tops out at 4). English words and identifiers fall well below.
void scan_entropy(const std::string& s, std::vector<finding>& out) {
  auto token_char = [](char c) {
    return alnum(c) || c == '+' || c == '/' || c == '=' || c == '_' || c == '-';
  };
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    if (!token_char(s[i])) {
      ++i;
      continue;
    }
    size_t b = i;
    while (i < n && token_char(s[i])) ++i;
    std::string_view tok(s.data() + b, i - b);
    if (tok.size() < 20) continue;
    bool up = false, low = false, dig = false, hex_only = true;
    for (char c : tok) {
      up |= std::isupper(static_cast<unsigned char>(c)) != 0;
      low |= std::islower(static_cast<unsigned char>(c)) != 0;
      dig |= std::isdigit(static_cast<unsigned char>(c)) != 0;
      hex_only &= std::isxdigit(static_cast<unsigned char>(c)) != 0;
    }
    double h = shannon_entropy(tok);
    bool hex_secret = hex_only && !(up && low) && tok.size() >= 32 && h >= 3.0;
    bool b64_secret = up && low && dig && h >= 4.0;
    if (hex_secret || b64_secret) {
      char detail[64];
      std::snprintf(detail, sizeof detail, "%.2f bits/char over %zu chars", h, tok.size());
      out.push_back({b, tok.size(), "high_entropy_token", "medium", detail});
    }
  }
}

// E-mail addresses (personal data): local@domain.tld with a 2+ letter top-level domain.
void scan_emails(const std::string& s, std::vector<finding>& out) {
  auto local_char = [](char c) {
    return alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
  };
  auto domain_char = [](char c) { return alnum(c) || c == '.' || c == '-'; };
  size_t last_end = 0;
  for (size_t at = s.find('@'); at != std::string::npos; at = s.find('@', at + 1)) {
    if (at < last_end) continue;
    size_t b = at;
    while (b > last_end && local_char(s[b - 1])) --b;
    size_t e = at + 1;
    while (e < s.size() && domain_char(s[e])) ++e;
    while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) --e;
    while (b < at && s[b] == '.') ++b;
    if (b == at || e == at + 1) continue;
    std::string_view domain(s.data() + at + 1, e - at - 1);
    size_t dot = domain.rfind('.');
    if (dot == std::string_view::npos || dot == 0) continue;
    std::string_view tld = domain.substr(dot + 1);
    if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), [](char c) {
          return std::isalpha(static_cast<unsigned char>(c)) != 0;
        }))
      continue;
    out.push_back({b, e - b, "email", "pii", "e-mail address"});
    last_end = e;
  }
}

// Shows a few leading characters so a person can find the value, never the value itself.
std::string redact(std::string_view v) {
  size_t keep = std::min<size_t>(4, v.size() / 4);
  for (size_t k = 0; k < keep; ++k)
    if (static_cast<unsigned char>(v[k]) >= 0x80) keep = k;
  return std::string(v.substr(0, keep)) + "****";
}

// ---- policies ---------------------------------------------------------------------------

// Glob match: '*' any run (including '/'), '?' one character. Linear backtracking to the last
// star, so no pattern can take exponential time.
bool glob_match(std::string_view pat, std::string_view s) {
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && (pat[p] == '?' || pat[p] == s[i])) {
      ++p;
      ++i;
    } else if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

bool any_match(const json& patterns, const std::string& value) {
  for (const auto& pat : patterns)
    if (glob_match(pat.get<std::string>(), value)) return true;
  return false;
}

std::string policy_key(const std::string& id) {
  return "policy/" + id;
}

std::vector<json> live_policies(const state_view& st) {
  std::vector<json> out;
  st.scan_json("policy/", [&](std::string_view, const json& p) {
    if (!p.value("deleted", false)) out.push_back(p);
    return true;
  });
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return a["seq"].get<uint64_t>() < b["seq"].get<uint64_t>();
  });
  return out;
}

json policy_view(const json& p) {
  return {{"id", p["id"]},
          {"role", p["role"]},
          {"actions", p["actions"]},
          {"resources", p["resources"]},
          {"effect", p["effect"]}};
}

class security_governance : public service {
 public:
  security_governance()
      : service("security-governance", "Policy checks, secret scanning, compliance") {
    add({"scan_text",
         "Find secrets (AWS keys, private keys, credentials, random tokens) and e-mails",
         object_schema({{"text", "string"}}, {"text"}), "", false, scan_text});
    add({"check_policy", "Is role allowed action on resource? Deny rules win; default deny",
         object_schema({{"role", "string"}, {"action", "string"}, {"resource", "string"}},
                       {"role", "action", "resource"}),
         "", false, check_policy});
    auto put_schema = object_schema(
        {{"role", "string"}, {"actions", "array"}, {"resources", "array"}, {"effect", "string"}},
        {"role", "actions", "resources"});
    put_schema["properties"]["actions"]["items"] = {{"type", "string"}};
    put_schema["properties"]["resources"]["items"] = {{"type", "string"}};
    put_schema["properties"]["effect"]["enum"] = {"allow", "deny"};
    add({"put_policy", "Add a policy; actions and resources are globs ('*', '?')", put_schema,
         "delete_policy", true, put_policy});
    add({"list_policies", "Live policies, optionally for one role",
         object_schema({{"role", "string"}}, {}), "", false, list_policies});
    auto id_schema = object_schema({{"id", "string"}}, {"id"});
    add({"delete_policy", "Delete a policy (kept for restore)", id_schema, "restore_policy", true,
         delete_policy});
    add({"restore_policy", "Undo a delete", id_schema, "delete_policy", true, restore_policy});
  }

 private:
  static outcome scan_text(action_context& ctx) {
    param_reader p(ctx.params);
    auto s = p.string("text");
    if (!p.ok()) return p.failure();
    std::vector<finding> found;
    scan_aws_keys(s, found);
    scan_private_keys(s, found);
    scan_assignments(s, found);
    scan_emails(s, found);
    // Random tokens already reported as something more specific are not reported twice.
    std::vector<finding> tokens;
    scan_entropy(s, tokens);
    for (auto& t : tokens) {
      bool overlaps = std::any_of(found.begin(), found.end(), [&](const finding& f) {
        return t.position < f.position + f.length && f.position < t.position + t.length;
      });
      if (!overlaps) found.push_back(std::move(t));
    }
    std::sort(found.begin(), found.end(), [](const finding& a, const finding& b) {
      return a.position != b.position ? a.position < b.position : std::string_view(a.kind) < b.kind;
    });
    json out = json::array();
    for (const auto& f : found)
      out.push_back({{"kind", f.kind},
                     {"severity", f.severity},
                     {"position", f.position},
                     {"length", f.length},
                     {"redacted", redact(std::string_view(s).substr(f.position, f.length))},
                     {"detail", f.detail}});
    return outcome::success({{"findings", out}, {"count", out.size()}, {"clean", out.empty()}});
  }

  static outcome check_policy(action_context& ctx) {
    param_reader p(ctx.params);
    auto role = p.string("role");
    auto action = p.string("action");
    auto resource = p.string("resource");
    if (!p.ok()) return p.failure();
    std::optional<json> allow, deny;
    for (const auto& pol : live_policies(ctx.state)) {
      if (pol["role"] != role && pol["role"] != "*") continue;
      if (!any_match(pol["actions"], action) || !any_match(pol["resources"], resource)) continue;
      auto& slot = pol["effect"] == "deny" ? deny : allow;
      if (!slot) slot = pol;
    }
    if (deny)
      return outcome::success({{"allowed", false},
                               {"policy_id", (*deny)["id"]},
                               {"reason", "denied by policy " + (*deny)["id"].get<std::string>()}});
    if (allow)
      return outcome::success(
          {{"allowed", true},
           {"policy_id", (*allow)["id"]},
           {"reason", "allowed by policy " + (*allow)["id"].get<std::string>()}});
    return outcome::success(
        {{"allowed", false},
         {"policy_id", nullptr},
         {"reason", "no policy allows role '" + role + "' to " + action + " on " + resource}});
  }

  static outcome put_policy(action_context& ctx) {
    param_reader p(ctx.params);
    auto role = p.string("role");
    auto actions = p.strings("actions");
    auto resources = p.strings("resources");
    auto effect = p.string("effect", "allow");
    if (p.ok() && role.empty()) p.fail("role", "must not be empty");
    if (p.ok() && actions.empty()) p.fail("actions", "must hold at least one pattern");
    if (p.ok() && resources.empty()) p.fail("resources", "must hold at least one pattern");
    for (const auto& a : actions)
      if (p.ok() && a.empty()) p.fail("actions", "patterns must not be empty");
    for (const auto& r : resources)
      if (p.ok() && r.empty()) p.fail("resources", "patterns must not be empty");
    if (p.ok() && effect != "allow" && effect != "deny")
      p.fail("effect", "must be 'allow' or 'deny'");
    if (!p.ok()) return p.failure();
    auto seq = ctx.state.next_sequence("seq/policy");
    std::string id = "pol" + std::to_string(seq);
    json doc = {{"id", id},
                {"seq", seq},
                {"role", role},
                {"actions", actions},
                {"resources", resources},
                {"effect", effect},
                {"deleted", false},
                {"created_at", ctx.now_ms}};
    ctx.state.put_json(policy_key(id), doc, ctx.now_ms);
    return outcome::success(policy_view(doc));
  }

  static outcome list_policies(action_context& ctx) {
    param_reader p(ctx.params);
    auto role = p.optional_string("role");
    if (!p.ok()) return p.failure();
    json out = json::array();
    for (const auto& pol : live_policies(ctx.state))
      if (!role || pol["role"] == *role) out.push_back(policy_view(pol));
    return outcome::success({{"policies", out}, {"count", out.size()}});
  }

  static outcome set_deleted(action_context& ctx, bool deleted) {
    param_reader p(ctx.params);
    auto id = p.string("id");
    if (!p.ok()) return p.failure();
    auto doc = ctx.state.get_json(policy_key(id));
    if (!doc || (*doc).value("deleted", false) == deleted)
      return outcome::not_found(std::string(deleted ? "no policy '" : "no deleted policy '") + id +
                                "'");
    (*doc)["deleted"] = deleted;
    ctx.state.put_json(policy_key(id), *doc, ctx.now_ms);
    return outcome::success({{"id", id}, {"deleted", deleted}});
  }
  static outcome delete_policy(action_context& ctx) { return set_deleted(ctx, true); }
  static outcome restore_policy(action_context& ctx) { return set_deleted(ctx, false); }
};

}  // namespace

std::unique_ptr<service> make_security_governance() {
  return std::make_unique<security_governance>();
}

}  // namespace xyn::actors::services

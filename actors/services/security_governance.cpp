// security-governance: secret and PII scanning of text; RBAC/ABAC policy checks against
// policies stored per tenant (allow/deny rules on role, action and resource globs, with optional
// conditions on attributes; deny wins; default deny); and a compliance checklist over the
// tenant's policies, secrets, config and published content (controls listed at
// compliance_check below).
//
// Layout under (security-governance, tenant):
//   policy/<id>   JSON {id, seq, role, actions, resources, effect: allow|deny, conditions?,
//                 deleted, created_at}
//   seq/policy    id counter
// The scanners are hand-written single passes (no std::regex: its recursion can exhaust the
// stack on long input, and nothing a client sends may crash the node).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"

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

bool alnum_or(char c, std::string_view extra) {
  return alnum(c) || extra.find(c) != std::string_view::npos;
}

// Credentials with a known shape: a fixed prefix and a body of given characters and length.
struct token_rule {
  const char* prefix;
  const char* body_extra;  // characters besides letters and digits the body may hold
  bool upper_only;         // body letters are upper case (AWS)
  size_t min_body, max_body;
  const char* kind;
  const char* severity;
  const char* detail;
};
// clang-format off
const token_rule token_rules[] = {
    {"AKIA", "", true, 16, 16, "aws_access_key_id", "high", "AWS access key id"},
    {"ASIA", "", true, 16, 16, "aws_access_key_id", "high", "AWS access key id (temporary)"},
    {"ghp_", "", false, 36, 36, "github_token", "high", "GitHub personal access token"},
    {"gho_", "", false, 36, 36, "github_token", "high", "GitHub OAuth token"},
    {"ghu_", "", false, 36, 36, "github_token", "high", "GitHub user-to-server token"},
    {"ghs_", "", false, 36, 36, "github_token", "high", "GitHub server-to-server token"},
    {"ghr_", "", false, 36, 36, "github_token", "high", "GitHub refresh token"},
    {"github_pat_", "_", false, 22, 255, "github_token", "high", "GitHub fine-grained token"},
    {"xoxb-", "-", false, 10, 255, "slack_token", "high", "Slack bot token"},
    {"xoxp-", "-", false, 10, 255, "slack_token", "high", "Slack user token"},
    {"xoxa-", "-", false, 10, 255, "slack_token", "high", "Slack app token"},
    {"xoxr-", "-", false, 10, 255, "slack_token", "high", "Slack refresh token"},
    {"sk_live_", "", false, 24, 255, "stripe_key", "critical", "Stripe live secret key"},
    {"rk_live_", "", false, 24, 255, "stripe_key", "critical", "Stripe live restricted key"},
    {"sk_test_", "", false, 24, 255, "stripe_key", "medium", "Stripe test secret key"},
    {"AIza", "-_", false, 35, 35, "google_api_key", "high", "Google API key"},
};
// clang-format on

// Each rule's prefix, not glued to a word before it, then the longest run of body characters,
// which must have the rule's length and not run on into more letters or digits.
void scan_known_tokens(const std::string& s, std::vector<finding>& out) {
  for (const auto& r : token_rules) {
    const size_t plen = std::strlen(r.prefix);
    for (size_t pos = s.find(r.prefix); pos != std::string::npos; pos = s.find(r.prefix, pos + 1)) {
      if (pos > 0 && alnum(s[pos - 1])) continue;
      // Reading one past max_body is enough to refuse a longer run, and keeps overlapping
      // prefixes ("xoxb-xoxb-...") from making the scan quadratic.
      size_t e = pos + plen, stop = std::min(s.size(), e + r.max_body + 1);
      while (e < stop && (r.upper_only ? upper_or_digit(s[e]) : alnum_or(s[e], r.body_extra))) ++e;
      size_t body = e - pos - plen;
      if (body < r.min_body || body > r.max_body || (e < s.size() && alnum(s[e]))) continue;
      out.push_back({pos, e - pos, r.kind, r.severity, r.detail});
    }
  }
}

// A number written as groups of digits joined by single ' ', '-' or '.', with perhaps a
// leading '+' and one group in parentheses: "4111 1111 1111 1111", "+1 (555) 123-4567".
struct grouped_number {
  size_t begin = 0, end = 0;
  std::string digits;
  std::vector<size_t> groups;  // digits per group
  std::string separators;      // between groups
  bool plus = false, parens = false;
};

bool digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// The number starting at `i`, if one starts there; `next` is where to look again.
std::optional<grouped_number> read_number(const std::string& s, size_t i, size_t& next) {
  const size_t n = s.size();
  auto at = [&](size_t k) { return k < n ? s[k] : '\0'; };
  next = i + 1;
  // Not a piece of a longer token ("v2", "eu-west-1", "1.2.3", "a_1").
  if (i > 0 &&
      (alnum(s[i - 1]) || std::string_view("+-._/").find(s[i - 1]) != std::string_view::npos))
    return std::nullopt;
  grouped_number g;
  g.begin = i;
  size_t k = i;
  if (at(k) == '+') {
    g.plus = true;
    ++k;
  }
  while (true) {
    bool paren = at(k) == '(' && !g.parens;
    size_t b = paren ? k + 1 : k, e = b;
    while (digit(at(e))) ++e;
    if (e == b || (paren && at(e) != ')')) break;
    g.digits.append(s, b, e - b);
    g.groups.push_back(e - b);
    g.parens |= paren;
    k = g.end = paren ? e + 1 : e;
    char sep = at(k);
    if (paren && digit(sep)) {  // "(555)123-4567"
      g.separators.push_back(' ');
      continue;
    }
    if ((sep != ' ' && sep != '-' && sep != '.') || !(digit(at(k + 1)) || at(k + 1) == '(')) break;
    g.separators.push_back(sep);
    ++k;
  }
  if (g.groups.empty()) return std::nullopt;
  g.separators.resize(g.groups.size() - 1);
  next = std::max(next, g.end);
  if (g.end < n && alnum(s[g.end])) return std::nullopt;  // "555-1234x"
  return g;
}

// The Luhn checksum of card numbers (ISO/IEC 7812).
bool luhn_valid(const std::string& digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, twice = !twice) {
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 == 0;
}

bool all_separators(const grouped_number& g, char c) {
  return std::all_of(g.separators.begin(), g.separators.end(), [c](char x) { return x == c; });
}

// Payment cards: 13-19 digits that pass the Luhn check, starting 2-6 (Mastercard, Visa, Amex,
// Discover...), written in one run or in groups of 3-6 joined by one kind of separator.
bool card_number(const grouped_number& g) {
  if (g.plus || g.parens || g.digits.size() < 13 || g.digits.size() > 19) return false;
  if (g.digits[0] < '2' || g.digits[0] > '6') return false;
  bool grouped =
      g.groups.size() == 1 ||
      (g.groups[0] == 4 && !g.separators.empty() && all_separators(g, g.separators[0]) &&
       g.separators[0] != '.' &&
       std::all_of(g.groups.begin(), g.groups.end(), [](size_t k) { return k >= 3 && k <= 6; }));
  return grouped && luhn_valid(g.digits);
}

// US social security numbers: 3-2-4 digits joined by '-', not in the never-issued ranges
// (area 000, 666 or 9xx; group 00; serial 0000).
bool us_ssn(const grouped_number& g) {
  if (g.plus || g.parens || g.groups != std::vector<size_t>{3, 2, 4} || !all_separators(g, '-'))
    return false;
  const auto& d = g.digits;
  return d.compare(0, 3, "000") != 0 && d.compare(0, 3, "666") != 0 && d[0] != '9' &&
         d.compare(3, 2, "00") != 0 && d.compare(5, 4, "0000") != 0;
}

// Phone numbers: international ("+" and 8-15 digits, E.164) or North American written as
// 3-3-4 digits, "1" first optionally, whose area code and exchange start with 2-9.
bool phone_number(const grouped_number& g) {
  if (g.plus) return g.digits.size() >= 8 && g.digits.size() <= 15;
  auto nanp = [&](size_t first) {
    return g.groups.size() == first + 3 && g.groups[first] == 3 && g.groups[first + 1] == 3 &&
           g.groups[first + 2] == 4 && g.digits[first] >= '2' && g.digits[first + 3] >= '2';
  };
  return nanp(0) || (g.groups[0] == 1 && g.digits[0] == '1' && nanp(1));
}

// Card numbers, social security numbers and phone numbers (personal data).
void scan_numbers(const std::string& s, std::vector<finding>& out) {
  size_t next = 0;
  for (size_t i = 0; i < s.size(); i = next) {
    next = i + 1;
    if (!digit(s[i]) && s[i] != '+' && s[i] != '(') continue;
    auto g = read_number(s, i, next);
    if (!g) continue;
    size_t len = g->end - g->begin;
    if (card_number(*g))
      out.push_back({g->begin, len, "card_number", "pii", "payment card number (Luhn valid)"});
    else if (us_ssn(*g))
      out.push_back({g->begin, len, "us_ssn", "pii", "US social security number"});
    else if (phone_number(*g))
      out.push_back({g->begin, len, "phone_number", "pii", "phone number"});
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

bool is_pii(const finding& f) {
  return std::string_view(f.severity) == "pii";
}

// Every finding in `s`, by position. Scanners run from the most specific to the least, and a
// finding that overlaps an earlier one is dropped: a Stripe key assigned to `api_key` is one
// Stripe key, not also a credential assignment and a random token.
std::vector<finding> scan_all(const std::string& s) {
  using scanner = void (*)(const std::string&, std::vector<finding>&);
  const scanner order[] = {scan_private_keys, scan_known_tokens, scan_numbers,
                           scan_emails,       scan_assignments,  scan_entropy};
  std::vector<finding> found;
  for (auto scan : order) {
    std::vector<finding> more;
    scan(s, more);
    for (auto& m : more) {
      bool overlaps = std::any_of(found.begin(), found.end(), [&](const finding& f) {
        return m.position < f.position + f.length && f.position < m.position + m.length;
      });
      if (!overlaps) found.push_back(std::move(m));
    }
  }
  std::sort(found.begin(), found.end(), [](const finding& a, const finding& b) {
    return a.position != b.position ? a.position < b.position : std::string_view(a.kind) < b.kind;
  });
  return found;
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

// ABAC conditions: {attribute, op, value} or {attribute, op, value_of: other attribute}.
const char* const condition_ops[] = {"eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "exists"};

bool is_op(const std::string& op) {
  return std::any_of(std::begin(condition_ops), std::end(condition_ops),
                     [&](const char* o) { return op == o; });
}
bool ordering_op(const std::string& op) {
  return op == "lt" || op == "le" || op == "gt" || op == "ge";
}
bool nonempty_string(const json& j, const char* field) {
  return j.contains(field) && j[field].is_string() &&
         !j[field].get_ref<const std::string&>().empty();
}

// Why `c` is not a valid condition; empty when it is.
std::string condition_problem(const json& c) {
  if (!c.is_object()) return "each condition must be an object";
  if (!nonempty_string(c, "attribute")) return "each condition needs an 'attribute' name";
  if (!nonempty_string(c, "op") || !is_op(c["op"].get<std::string>()))
    return "'op' must be one of eq, ne, in, not_in, lt, le, gt, ge, exists";
  const auto op = c["op"].get<std::string>();
  bool has_value = c.contains("value"), has_ref = c.contains("value_of");
  if (op == "exists") return has_value || has_ref ? "'exists' takes no value" : "";
  if (has_value == has_ref) return "give either 'value' or 'value_of' (an attribute name)";
  if (has_ref && !nonempty_string(c, "value_of")) return "'value_of' must be an attribute name";
  if (has_value && (op == "in" || op == "not_in") && !c["value"].is_array())
    return "'" + op + "' needs an array 'value'";
  if (has_value && ordering_op(op) && !c["value"].is_number())
    return "'" + op + "' needs a number 'value'";
  return "";
}

// An attribute by name: a key of `attrs` as given ("user.dept"), else a path into nested
// objects ({"user": {"dept": ...}}). Null when absent.
const json* attribute(const json& attrs, const std::string& name) {
  if (auto it = attrs.find(name); it != attrs.end()) return &*it;
  const json* at = &attrs;
  for (size_t b = 0;;) {
    size_t dot = name.find('.', b);
    if (!at->is_object()) return nullptr;
    auto it = at->find(name.substr(b, dot == std::string::npos ? dot : dot - b));
    if (it == at->end()) return nullptr;
    at = &*it;
    if (dot == std::string::npos) return at;
    b = dot + 1;
  }
}

enum class truth { yes, no, unknown };

truth holds(const json& c, const json& attrs) {
  const auto op = c["op"].get<std::string>();
  const json* a = attribute(attrs, c["attribute"].get<std::string>());
  if (op == "exists") return a ? truth::yes : truth::no;
  const json* v =
      c.contains("value_of") ? attribute(attrs, c["value_of"].get<std::string>()) : &c["value"];
  if (a == nullptr || v == nullptr) return truth::unknown;
  auto answer = [](bool b) { return b ? truth::yes : truth::no; };
  if (op == "eq") return answer(*a == *v);
  if (op == "ne") return answer(*a != *v);
  if (op == "in" || op == "not_in") {
    if (!v->is_array()) return truth::unknown;
    bool found = std::find(v->begin(), v->end(), *a) != v->end();
    return answer(found == (op == "in"));
  }
  if (!a->is_number() || !v->is_number()) return truth::unknown;
  double x = a->get<double>(), y = v->get<double>();
  return answer(op == "lt" ? x < y : op == "le" ? x <= y : op == "gt" ? x > y : x >= y);
}

// Whether a policy's conditions hold. A condition that cannot be decided (its attribute is
// missing or of the wrong type) keeps an allow from applying and lets a deny apply: missing
// facts never open access.
bool conditions_hold(const json& policy, const json& attrs) {
  if (!policy.contains("conditions")) return true;
  bool deny = policy["effect"] == "deny";
  for (const auto& c : policy["conditions"]) {
    auto t = holds(c, attrs);
    if (t == truth::no || (t == truth::unknown && !deny)) return false;
  }
  return true;
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
  json v = {{"id", p["id"]},
            {"role", p["role"]},
            {"actions", p["actions"]},
            {"resources", p["resources"]},
            {"effect", p["effect"]}};
  if (p.contains("conditions")) v["conditions"] = p["conditions"];
  return v;
}

// The first deny that applies wins, else the first allow; none is a deny.
struct decision {
  bool allowed = false;
  const json* policy = nullptr;
};
decision decide(const std::vector<json>& policies, const std::string& role,
                const std::string& action, const std::string& resource, const json& attrs) {
  const json *allow = nullptr, *deny = nullptr;
  for (const auto& pol : policies) {
    if (pol["role"] != role && pol["role"] != "*") continue;
    if (!any_match(pol["actions"], action) || !any_match(pol["resources"], resource)) continue;
    if (!conditions_hold(pol, attrs)) continue;
    auto& slot = pol["effect"] == "deny" ? deny : allow;
    if (!slot) slot = &pol;
  }
  if (deny) return {false, deny};
  return {allow != nullptr, allow};
}

// The caller's attributes and the environment's: env.now_ms, env.hour_utc and env.weekday
// (0 = Sunday) come from the node's clock and replace any the caller sent.
json attributes_at(json attrs, int64_t now_ms) {
  auto t = text::to_utc(now_ms);
  json& env = attrs["env"];
  if (!env.is_object()) env = json::object();
  env["now_ms"] = now_ms;
  env["hour_utc"] = t.hour;
  env["weekday"] = t.weekday;
  for (const char* flat : {"env.now_ms", "env.hour_utc", "env.weekday"}) attrs.erase(flat);
  return attrs;
}

// ---- compliance -------------------------------------------------------------------------

struct control {
  control(const char* id_, const char* title_) : id(id_), title(title_) {}
  const char* id;
  const char* title;
  std::string status = "pass";  // pass | warn | fail
  std::string evidence;
  json details = json::array();
};

json control_json(const control& c) {
  return {{"id", c.id},
          {"title", c.title},
          {"status", c.status},
          {"evidence", c.evidence},
          {"details", c.details}};
}

bool full_access(const json& pol) {
  auto has_star = [](const json& pats) {
    return std::any_of(pats.begin(), pats.end(), [](const json& p) { return p == "*"; });
  };
  return pol["effect"] == "allow" && !pol.contains("conditions") && has_star(pol["actions"]) &&
         has_star(pol["resources"]);
}

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// A control whose evidence comes from another service that could not answer.
control unanswered(control c, const std::string& service, const outcome& out) {
  c.status = "warn";
  c.evidence = "could not ask " + service + ": " + out.code + ": " + out.message;
  return c;
}

std::string plural(size_t n, const char* noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// The secret-kind findings of `s` (personal data excluded), as kind names.
std::set<std::string> secret_kinds(const std::string& s) {
  std::set<std::string> kinds;
  for (const auto& f : scan_all(s))
    if (!is_pii(f)) kinds.insert(f.kind);
  return kinds;
}

class security_governance : public service {
 public:
  security_governance()
      : service("security-governance", "Policy checks, secret scanning, compliance") {
    add({"scan_text",
         "Find secrets (private keys, cloud and SaaS tokens, credentials, random tokens) and "
         "personal data (e-mails, phone, card and social security numbers)",
         object_schema({{"text", "string"}}, {"text"}), "", false, scan_text});
    add({"check_policy",
         "Is role allowed action on resource, given attributes? Deny rules win; default deny",
         object_schema({{"role", "string"},
                        {"action", "string"},
                        {"resource", "string"},
                        {"attributes", "object"}},
                       {"role", "action", "resource"}),
         "", false, check_policy});
    auto put_schema = object_schema({{"role", "string"},
                                     {"actions", "array"},
                                     {"resources", "array"},
                                     {"effect", "string"},
                                     {"conditions", "array"}},
                                    {"role", "actions", "resources"});
    put_schema["properties"]["actions"]["items"] = {{"type", "string"}};
    put_schema["properties"]["resources"]["items"] = {{"type", "string"}};
    put_schema["properties"]["effect"]["enum"] = {"allow", "deny"};
    put_schema["properties"]["conditions"]["items"] = {{"type", "object"}};
    add({"put_policy",
         "Add a policy; actions and resources are globs ('*', '?'); conditions on attributes",
         put_schema, "delete_policy", true, put_policy});
    add({"list_policies", "Live policies, optionally for one role",
         object_schema({{"role", "string"}}, {}), "", false, list_policies});
    auto id_schema = object_schema({{"id", "string"}}, {"id"});
    add({"delete_policy", "Delete a policy (kept for restore)", id_schema, "restore_policy", true,
         delete_policy});
    add({"restore_policy", "Undo a delete", id_schema, "delete_policy", true, restore_policy});
    add({"compliance_check",
         "Checklist of access, secret and content controls with pass/warn/fail and evidence",
         object_schema({{"max_secret_age_days", "integer"}, {"max_full_access_roles", "integer"}},
                       {}),
         "", false, compliance_check});
  }

 private:
  static outcome scan_text(action_context& ctx) {
    param_reader p(ctx.params);
    auto s = p.string("text");
    if (!p.ok()) return p.failure();
    json out = json::array();
    size_t pii = 0;
    for (const auto& f : scan_all(s)) {
      pii += is_pii(f) ? 1 : 0;
      out.push_back({{"kind", f.kind},
                     {"severity", f.severity},
                     {"position", f.position},
                     {"length", f.length},
                     {"redacted", redact(std::string_view(s).substr(f.position, f.length))},
                     {"detail", f.detail}});
    }
    return outcome::success({{"findings", out},
                             {"count", out.size()},
                             {"clean", out.empty()},
                             {"secrets", out.size() - pii},
                             {"pii", pii}});
  }

  static outcome check_policy(action_context& ctx) {
    param_reader p(ctx.params);
    auto role = p.string("role");
    auto action = p.string("action");
    auto resource = p.string("resource");
    auto attrs = p.object("attributes", json::object());
    if (!p.ok()) return p.failure();
    auto policies = live_policies(ctx.state);
    auto d = decide(policies, role, action, resource, attributes_at(std::move(attrs), ctx.now_ms));
    if (d.policy == nullptr)
      return outcome::success(
          {{"allowed", false},
           {"policy_id", nullptr},
           {"reason", "no policy allows role '" + role + "' to " + action + " on " + resource}});
    auto id = (*d.policy)["id"].get<std::string>();
    return outcome::success(
        {{"allowed", d.allowed},
         {"policy_id", id},
         {"reason", (d.allowed ? "allowed by policy " : "denied by policy ") + id}});
  }

  static outcome put_policy(action_context& ctx) {
    param_reader p(ctx.params);
    auto role = p.string("role");
    auto actions = p.strings("actions");
    auto resources = p.strings("resources");
    auto effect = p.string("effect", "allow");
    bool conditional = ctx.params.contains("conditions");
    auto conditions = conditional ? p.array("conditions") : json::array();
    if (p.ok() && role.empty()) p.fail("role", "must not be empty");
    if (p.ok() && actions.empty()) p.fail("actions", "must hold at least one pattern");
    if (p.ok() && resources.empty()) p.fail("resources", "must hold at least one pattern");
    for (const auto& a : actions)
      if (p.ok() && a.empty()) p.fail("actions", "patterns must not be empty");
    for (const auto& r : resources)
      if (p.ok() && r.empty()) p.fail("resources", "patterns must not be empty");
    if (p.ok() && effect != "allow" && effect != "deny")
      p.fail("effect", "must be 'allow' or 'deny'");
    for (size_t i = 0; p.ok() && i < conditions.size(); ++i)
      if (auto problem = condition_problem(conditions[i]); !problem.empty())
        p.fail("conditions", "item " + std::to_string(i) + ": " + problem);
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
    if (conditional && !conditions.empty()) doc["conditions"] = conditions;
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

  // ---- compliance_check ---------------------------------------------------------------
  // The controls, each from state this service can read (its policies) or ask for:
  //   access.default_deny       fail when a role this tenant never named may do an action
  //                             no policy names (an allow for role '*' on action '*').
  //   access.public_grants      warn on other allow policies for every role ('*').
  //   access.full_access_roles  warn when more roles than max_full_access_roles (default 2)
  //                             hold an unconditional allow of '*' on '*'.
  //   access.secrets_restricted warn when a role without full access may get_secret on
  //                             "secrets/<name>" (onboarding's guard policy denies it).
  //   secrets.master_key        fail when this node has no 32-byte master key.
  //   secrets.rotation          fail when a live secret's current version is older than
  //                             max_secret_age_days (default 90).  [secrets-config]
  //   secrets.reads_justified   warn when any of the last 1000 audited secret reads gave no
  //                             reason.                             [secrets-config]
  //   config.no_plain_secrets   fail when a plain config value scans as a secret (store it
  //                             with set_secret instead).           [secrets-config]
  //   content.published_clean   fail when published content holds a secret, warn when it
  //                             holds personal data.                [content-hub]
  // A peer that cannot answer makes its control `warn`, never `pass`.
  static outcome compliance_check(action_context& ctx) {
    param_reader p(ctx.params);
    auto max_age_days = p.integer("max_secret_age_days", 90);
    auto max_full = p.integer("max_full_access_roles", 2);
    if (p.ok() && (max_age_days < 1 || max_age_days > 3650))
      p.fail("max_secret_age_days", "must be 1-3650");
    if (p.ok() && (max_full < 0 || max_full > 1000))
      p.fail("max_full_access_roles", "must be 0-1000");
    if (!p.ok()) return p.failure();
    auto policies = live_policies(ctx.state);
    std::vector<control> controls = access_controls(ctx, policies, max_full);
    controls.push_back(master_key_control(ctx.node));
    controls.push_back(rotation_control(ctx, max_age_days));
    controls.push_back(reads_justified_control(ctx));
    controls.push_back(plain_config_control(ctx));
    controls.push_back(published_content_control(ctx));
    json out = json::array();
    json summary = {{"pass", 0}, {"warn", 0}, {"fail", 0}};
    for (const auto& c : controls) {
      out.push_back(control_json(c));
      summary[c.status] = summary[c.status].get<int>() + 1;
    }
    return outcome::success({{"checked_at", ctx.now_ms},
                             {"controls", out},
                             {"summary", summary},
                             {"passed", summary["fail"] == 0}});
  }

  static std::vector<control> access_controls(const action_context& ctx,
                                              const std::vector<json>& policies, int64_t max_full) {
    control deny{"access.default_deny", "Callers no policy names are denied by default"};
    const json attrs = attributes_at(json::object(), ctx.now_ms);
    auto probe = decide(policies, "compliance.unnamed-role", "compliance.unnamed-action",
                        "compliance/unnamed-resource", attrs);
    if (probe.allowed) {
      deny.status = "fail";
      deny.evidence = "policy " + (*probe.policy)["id"].get<std::string>() +
                      " lets any role do anything it does not name";
      deny.details.push_back(policy_view(*probe.policy));
    } else {
      deny.evidence = "an unnamed role is denied an unnamed action";
    }

    control open{"access.public_grants", "No allow policy applies to every role"};
    std::set<std::string> full_roles, named_roles;
    std::set<std::string> full_ids;
    for (const auto& pol : policies) {
      auto role = pol["role"].get<std::string>();
      if (role != "*") named_roles.insert(role);
      if (pol["effect"] == "allow" && role == "*") open.details.push_back(policy_view(pol));
      if (full_access(pol) && role != "*") {
        full_roles.insert(role);
        full_ids.insert(pol["id"].get<std::string>());
      }
    }
    if (!open.details.empty()) {
      open.status = "warn";
      open.evidence = plural(open.details.size(), "allow policy") + " for role '*'";
    } else {
      open.evidence = "every allow names its role";
    }

    control full{"access.full_access_roles", "Few roles may do everything"};
    full.details = full_roles;
    full.evidence =
        plural(full_roles.size(), "role") + " with '*' on '*'" +
        (full_roles.empty() ? "" : ": " + joined(full_roles) + " (" + joined(full_ids) + ")") +
        "; at most " + std::to_string(max_full) + " expected";
    if (full_roles.size() > static_cast<size_t>(max_full)) full.status = "warn";

    control secrets{"access.secrets_restricted", "Only full-access roles may read secrets"};
    std::set<std::string> readers;
    for (const auto& role : named_roles)
      if (!full_roles.count(role) &&
          decide(policies, role, "get_secret", "secrets/compliance-probe", attrs).allowed)
        readers.insert(role);
    secrets.details = readers;
    if (!readers.empty()) {
      secrets.status = "warn";
      secrets.evidence = "may get_secret on secrets/*: " + joined(readers);
    } else {
      secrets.evidence = "no role without full access may get_secret on secrets/*";
    }
    return {deny, open, full, secrets};
  }

  static control master_key_control(const node_facts& node) {
    control c{"secrets.master_key", "Secrets can be encrypted at rest on this node"};
    if (node.master_key.size() == 32) {
      c.evidence = "a 32-byte master key is loaded";
    } else {
      c.status = "fail";
      c.evidence = node.master_key.empty() ? "no master key: secrets are refused"
                                           : "the master key is not 32 bytes";
    }
    return c;
  }

  static control rotation_control(action_context& ctx, int64_t max_age_days) {
    control c{"secrets.rotation", "Secrets were rotated recently"};
    auto out = ctx.ask("secrets-config", "list_secrets", json::object());
    if (!out.ok) return unanswered(c, "secrets-config", out);
    constexpr int64_t day_ms = 86400000;
    for (const auto& s : out.output["secrets"]) {
      int64_t age_days = (ctx.now_ms - s["set_at"].get<int64_t>()) / day_ms;
      if (age_days > max_age_days)
        c.details.push_back({{"key", s["key"]}, {"version", s["version"]}, {"age_days", age_days}});
    }
    size_t total = out.output["secrets"].size();
    if (!c.details.empty()) c.status = "fail";
    c.evidence = total == 0 ? "no secrets stored"
                            : std::to_string(c.details.size()) + " of " + plural(total, "secret") +
                                  " older than " + std::to_string(max_age_days) + " days";
    return c;
  }

  static control reads_justified_control(action_context& ctx) {
    control c{"secrets.reads_justified", "Every secret read states a reason"};
    auto out = ctx.ask("secrets-config", "audit", {{"limit", 1000}});
    if (!out.ok) return unanswered(c, "secrets-config", out);
    size_t reads = 0;
    std::set<std::string> keys;
    for (const auto& e : out.output["entries"]) {
      if (e["op"] != "read") continue;
      ++reads;
      if (!e.contains("reason")) {
        c.details.push_back({{"key", e["key"]}, {"version", e["version"]}, {"at", e["at"]}});
        keys.insert(e["key"].get<std::string>());
      }
    }
    if (!c.details.empty()) c.status = "warn";
    c.evidence = std::to_string(c.details.size()) + " of " + plural(reads, "recent read") +
                 " without a reason" + (keys.empty() ? "" : " (" + joined(keys) + ")");
    return c;
  }

  static control plain_config_control(action_context& ctx) {
    control c{"config.no_plain_secrets", "No secret is kept as a plain config value"};
    auto list = ctx.ask("secrets-config", "list_config", json::object());
    if (!list.ok) return unanswered(c, "secrets-config", list);
    for (const auto& k : list.output["keys"]) {
      auto got = ctx.ask("secrets-config", "get_config", {{"key", k["key"]}});
      if (!got.ok) return unanswered(c, "secrets-config", got);
      auto kinds = secret_kinds(got.output["value"].dump());
      if (!kinds.empty()) c.details.push_back({{"key", k["key"]}, {"kinds", kinds}});
    }
    if (!c.details.empty()) c.status = "fail";
    c.evidence = std::to_string(c.details.size()) + " of " +
                 plural(list.output["keys"].size(), "config value") +
                 " look like secrets; keep them with set_secret";
    return c;
  }

  static control published_content_control(action_context& ctx) {
    control c{"content.published_clean", "Published content holds no secrets or personal data"};
    auto list = ctx.ask("content-hub", "list", {{"published", true}});
    if (!list.ok) return unanswered(c, "content-hub", list);
    bool secret = false;
    for (const auto& item : list.output["items"]) {
      auto got = ctx.ask("content-hub", "get",
                         {{"id", item["id"]}, {"version", item["published_version"]}});
      if (!got.ok) return unanswered(c, "content-hub", got);
      std::set<std::string> kinds;
      for (const auto& f : scan_all(got.output["title"].get<std::string>() + "\n" +
                                    got.output["body"].get<std::string>())) {
        kinds.insert(f.kind);
        secret |= !is_pii(f);
      }
      if (!kinds.empty()) c.details.push_back({{"id", item["id"]}, {"kinds", kinds}});
    }
    if (!c.details.empty()) c.status = secret ? "fail" : "warn";
    c.evidence = std::to_string(c.details.size()) + " of " +
                 plural(list.output["items"].size(), "published item") +
                 " hold secrets or personal data";
    return c;
  }
};

}  // namespace

std::unique_ptr<service> make_security_governance() {
  return std::make_unique<security_governance>();
}

}  // namespace xyn::actors::services

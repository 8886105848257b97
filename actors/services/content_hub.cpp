// content-hub: versioned content items — create, update (a new version), get at any version,
// line diff between versions, revert, publish/unpublish, delete/restore, filtered listing and
// BM25 search.
//
// Layout under (content-hub, tenant):
//   head/<id>          proto::ContentItem  (latest and published version, deleted flag)
//   ver/<id>/<be64 n>  proto::ContentVersion (immutable)
//   seq/item           id counter
//
// Undoing an update: revert {id, version} (the output of update) adds a version equal to the
// one before `version`, and refuses when the item has changed since; revert undoes itself the
// same way. Publish and unpublish undo each other; both return the previously published
// version, so a workflow can put back an older publication with publish {id, version}.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"
#include "runtime/base/keys.hpp"
#include "xyn.pb.h"

namespace xyn::actors::services {

namespace {

// Beyond this many changed lines diff stops looking for the shortest edit (its memory grows
// with the square of it) and reports every old line removed and every new line added.
constexpr int64_t max_diff_edits = 2000;

std::string head_key(const std::string& id) {
  return "head/" + id;
}
std::string version_key(const std::string& id, uint64_t v) {
  return "ver/" + id + "/" + keys::be64(v);
}

std::optional<proto::ContentItem> load_head(const state_view& st, const std::string& id) {
  auto raw = st.get(head_key(id));
  if (!raw) return std::nullopt;
  proto::ContentItem item;
  if (!item.ParseFromString(*raw)) return std::nullopt;
  return item;
}

std::optional<proto::ContentVersion> load_version(const state_view& st, const std::string& id,
                                                  uint64_t v) {
  auto raw = st.get(version_key(id, v));
  if (!raw) return std::nullopt;
  proto::ContentVersion ver;
  if (!ver.ParseFromString(*raw)) return std::nullopt;
  return ver;
}

std::vector<std::string> tags_of(const proto::ContentVersion& ver) {
  return {ver.tags().begin(), ver.tags().end()};
}

json to_json(const proto::ContentItem& head, const proto::ContentVersion& ver, bool with_body) {
  json j = {{"id", head.id()},
            {"version", ver.version()},
            {"latest_version", head.latest_version()},
            {"title", ver.title()},
            {"tags", tags_of(ver)},
            {"published", head.published_version() > 0},
            {"published_version", head.published_version()},
            {"deleted", head.deleted()},
            {"created_at", head.created_at_ms()},
            {"updated_at", head.updated_at_ms()}};
  if (with_body) j["body"] = ver.body();
  return j;
}

void save(state_view& st, const proto::ContentItem& head) {
  st.put(head_key(head.id()), head.SerializeAsString());
}

uint64_t add_version(state_view& st, proto::ContentItem& head, std::string title, std::string body,
                     const std::vector<std::string>& tags, int64_t now) {
  proto::ContentVersion ver;
  ver.set_version(head.latest_version() + 1);
  ver.set_title(std::move(title));
  ver.set_body(std::move(body));
  for (const auto& t : tags) ver.add_tags(t);
  ver.set_created_at_ms(now);
  st.put(version_key(head.id(), ver.version()), ver.SerializeAsString());
  head.set_latest_version(ver.version());
  head.set_updated_at_ms(now);
  return ver.version();
}

// Loads a live (not deleted) item or explains why not.
std::optional<proto::ContentItem> live_item(action_context& ctx, param_reader& p, outcome& fail) {
  auto id = p.string("id");
  if (!p.ok()) {
    fail = p.failure();
    return std::nullopt;
  }
  auto head = load_head(ctx.state, id);
  if (!head || head->deleted()) {
    fail = outcome::not_found("no content item '" + id + "'");
    return std::nullopt;
  }
  return head;
}

// Reads version number params[field] (default `fallback`) of `head`: 1 to its latest version.
std::optional<uint64_t> read_version(param_reader& p, const char* field, int64_t fallback,
                                     const proto::ContentItem& head, outcome& fail) {
  auto v = p.integer(field, fallback);
  if (!p.ok()) {
    fail = p.failure();
    return std::nullopt;
  }
  if (v < 1 || static_cast<uint64_t>(v) > head.latest_version()) {
    fail = outcome::not_found("item '" + head.id() + "' has no version " + std::to_string(v));
    return std::nullopt;
  }
  return static_cast<uint64_t>(v);
}

// The filters list and search share: status (published, draft or deleted; live items only
// unless "deleted"), the older boolean `published`, a tag, and a lower bound on updated_at.
struct item_filter {
  std::optional<std::string> status;
  std::optional<bool> published;
  std::optional<std::string> tag;
  int64_t updated_since = 0;

  bool deleted() const { return status == "deleted"; }
  bool matches(const proto::ContentItem& head, const proto::ContentVersion& ver) const {
    bool is_published = head.published_version() > 0;
    if (status == "published" && !is_published) return false;
    if (status == "draft" && is_published) return false;
    if (published && is_published != *published) return false;
    if (tag && std::find(ver.tags().begin(), ver.tags().end(), *tag) == ver.tags().end())
      return false;
    return head.updated_at_ms() >= updated_since;
  }
};

item_filter read_filter(param_reader& p, const json& params) {
  item_filter f;
  f.status = p.optional_string("status");
  if (params.contains("published") && !params["published"].is_null())
    f.published = p.boolean("published", false);
  f.tag = p.optional_string("tag");
  f.updated_since = p.integer("updated_since", 0);
  if (p.ok() && f.status && *f.status != "published" && *f.status != "draft" &&
      *f.status != "deleted")
    p.fail("status", "must be published, draft or deleted");
  return f;
}

json filter_schema(std::initializer_list<std::pair<const char*, const char*>> more,
                   std::initializer_list<const char*> required) {
  auto s = object_schema(more, required);
  for (auto [name, type] : {std::pair{"status", "string"}, std::pair{"published", "boolean"},
                            std::pair{"tag", "string"}, std::pair{"updated_since", "integer"}})
    s["properties"][name] = {{"type", type}};
  s["properties"]["status"]["enum"] = {"published", "draft", "deleted"};
  return s;
}

// Visits the items that pass `f` with their latest version, in id-key order.
void each_item(
    const state_view& st, const item_filter& f,
    const std::function<void(const proto::ContentItem&, const proto::ContentVersion&)>& fn) {
  st.scan("head/", [&](std::string_view, std::string_view raw) {
    proto::ContentItem head;
    if (!head.ParseFromArray(raw.data(), static_cast<int>(raw.size())) ||
        head.deleted() != f.deleted())
      return true;
    if (auto ver = load_version(st, head.id(), head.latest_version()))
      if (f.matches(head, *ver)) fn(head, *ver);
    return true;
  });
}

std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t b = 0; b < s.size();) {
    size_t e = s.find('\n', b);
    if (e == std::string_view::npos) e = s.size();
    out.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

// One line of a diff: removed from the old text ('-', line numbered in the old text) or added
// in the new one ('+', numbered in the new text); lines are numbered from 1.
struct diff_line {
  char op;
  size_t line;
  std::string_view text;
};

// Myers' O(ND) shortest edit script ("An O(ND) Difference Algorithm and Its Variations",
// 1986): v[k] is the furthest x reached on diagonal k = x - y with d edits; the v of every step
// is kept to walk back from (n, m). Returns nullopt when more than max_edits edits are needed.
std::optional<std::vector<diff_line>> myers_diff(const std::vector<std::string_view>& a,
                                                 const std::vector<std::string_view>& b,
                                                 int64_t max_edits) {
  const auto n = static_cast<int64_t>(a.size()), m = static_cast<int64_t>(b.size());
  const int64_t limit = std::min(n + m, max_edits);
  std::vector<int64_t> v(static_cast<size_t>(2 * limit + 3), 0);
  auto at = [&](int64_t k) -> int64_t& { return v[static_cast<size_t>(k + limit + 1)]; };
  // trace[d] holds v[-d..d] after step d.
  std::vector<std::vector<int64_t>> trace;
  auto down = [](int64_t k, int64_t d, auto&& get) {  // did step d reach k by an insertion?
    return k == -d || (k != d && get(k - 1) < get(k + 1));
  };
  bool done = false;
  for (int64_t d = 0; d <= limit && !done; ++d) {
    for (int64_t k = -d; k <= d; k += 2) {
      int64_t x = down(k, d, at) ? at(k + 1) : at(k - 1) + 1;
      int64_t y = x - k;
      while (x < n && y < m && a[static_cast<size_t>(x)] == b[static_cast<size_t>(y)]) ++x, ++y;
      at(k) = x;
      if (x >= n && y >= m) done = true;
    }
    trace.emplace_back(v.begin() + (limit + 1 - d), v.begin() + (limit + 2 + d));
  }
  if (!done) return std::nullopt;
  std::vector<diff_line> rev;
  int64_t x = n, y = m;
  for (auto d = static_cast<int64_t>(trace.size()) - 1; d > 0; --d) {
    const auto& prev = trace[static_cast<size_t>(d - 1)];
    auto get = [&](int64_t k) { return prev[static_cast<size_t>(k + d - 1)]; };
    int64_t k = x - y;
    int64_t prev_k = down(k, d, get) ? k + 1 : k - 1;
    int64_t prev_x = get(prev_k), prev_y = prev_x - prev_k;
    // Step d went from (prev_x, prev_y) by one insertion or deletion, then along equal lines
    // (a snake) to (x, y); only the edit is reported.
    if (prev_k == k + 1)
      rev.push_back({'+', static_cast<size_t>(prev_y) + 1, b[static_cast<size_t>(prev_y)]});
    else
      rev.push_back({'-', static_cast<size_t>(prev_x) + 1, a[static_cast<size_t>(prev_x)]});
    x = prev_x;
    y = prev_y;
  }
  return std::vector<diff_line>(rev.rbegin(), rev.rend());
}

// The line diff of one field between two versions: {added, removed, lines: [{op, line, text}]}.
json diff_field(std::string_view from, std::string_view to, bool& minimal) {
  auto a = split_lines(from), b = split_lines(to);
  auto edits = myers_diff(a, b, max_diff_edits);
  if (!edits) {
    minimal = false;
    edits.emplace();
    for (size_t i = 0; i < a.size(); ++i) edits->push_back({'-', i + 1, a[i]});
    for (size_t i = 0; i < b.size(); ++i) edits->push_back({'+', i + 1, b[i]});
  }
  json lines = json::array();
  size_t added = 0;
  for (const auto& e : *edits) {
    added += e.op == '+';
    lines.push_back({{"op", std::string(1, e.op)}, {"line", e.line}, {"text", e.text}});
  }
  return {{"added", added}, {"removed", edits->size() - added}, {"lines", std::move(lines)}};
}

class content_hub : public service {
 public:
  content_hub()
      : service("content-hub", "Versioned content items: diff, revert, publish, list, search") {
    add({"create", "Create an item; returns its id and version 1",
         object_schema({{"title", "string"}, {"body", "string"}, {"tags", "array"}},
                       {"title", "body"}),
         "delete", true, create});
    add({"update", "Add a new version with the given fields changed",
         object_schema(
             {{"id", "string"}, {"title", "string"}, {"body", "string"}, {"tags", "array"}},
             {"id"}),
         "revert", true, update});
    add({"revert",
         "Undo the change that made `version` (still the latest): add a version equal to the one "
         "before it, or to `to`",
         object_schema({{"id", "string"}, {"version", "integer"}, {"to", "integer"}},
                       {"id", "version"}),
         "revert", true, revert});
    add({"get", "Get an item at its latest or a given version",
         object_schema({{"id", "string"}, {"version", "integer"}}, {"id"}), "", false, get});
    add({"history", "Every version of an item, oldest first",
         object_schema({{"id", "string"}}, {"id"}), "", false, history});
    add({"diff",
         "Line diff of title and body between versions `from` (default to - 1) and `to` "
         "(default latest), with tag changes",
         object_schema({{"id", "string"}, {"from", "integer"}, {"to", "integer"}}, {"id"}), "",
         false, diff});
    add({"list",
         "List items, oldest first, filtered by status (published, draft, deleted), tag and "
         "updated_since; with_body adds each body",
         filter_schema({{"with_body", "boolean"}}, {}), "", false, list});
    add({"publish", "Publish the latest or a given version",
         object_schema({{"id", "string"}, {"version", "integer"}}, {"id"}), "unpublish", true,
         publish});
    add({"unpublish", "Withdraw the published version", object_schema({{"id", "string"}}, {"id"}),
         "publish", true, unpublish});
    add({"delete", "Delete an item (its versions are kept for restore)",
         object_schema({{"id", "string"}}, {"id"}), "restore", true, remove});
    add({"restore", "Undo a delete", object_schema({{"id", "string"}}, {"id"}), "delete", true,
         restore});
    add({"search", "Rank items by BM25 over title and body; takes list's filters",
         filter_schema({{"query", "string"}, {"limit", "integer"}}, {"query"}), "", false, search});
  }

 private:
  static outcome create(action_context& ctx) {
    param_reader p(ctx.params);
    auto title = p.string("title");
    auto body = p.string("body");
    auto tags = p.strings("tags", {});
    if (!p.ok()) return p.failure();
    if (title.empty())
      return outcome::failure("invalid_params", "field 'title': must not be empty");
    proto::ContentItem head;
    head.set_id("c" + std::to_string(ctx.state.next_sequence("seq/item")));
    head.set_created_at_ms(ctx.now_ms);
    auto v = add_version(ctx.state, head, std::move(title), std::move(body), tags, ctx.now_ms);
    save(ctx.state, head);
    return outcome::success({{"id", head.id()}, {"version", v}});
  }

  static outcome update(action_context& ctx) {
    param_reader p(ctx.params);
    outcome fail;
    auto head = live_item(ctx, p, fail);
    if (!head) return fail;
    auto title = p.optional_string("title");
    auto body = p.optional_string("body");
    auto tags = p.strings("tags", {});
    bool has_tags = ctx.params.contains("tags");
    if (!p.ok()) return p.failure();
    if (title && title->empty())
      return outcome::failure("invalid_params", "field 'title': must not be empty");
    auto cur = load_version(ctx.state, head->id(), head->latest_version());
    if (!cur) return outcome::failure("corruption", "latest version missing");
    if (!has_tags) tags = tags_of(*cur);
    auto v = add_version(ctx.state, *head, title ? *title : cur->title(),
                         body ? *body : cur->body(), tags, ctx.now_ms);
    save(ctx.state, *head);
    return outcome::success({{"id", head->id()}, {"version", v}});
  }

  static outcome revert(action_context& ctx) {
    param_reader p(ctx.params);
    outcome fail;
    auto head = live_item(ctx, p, fail);
    if (!head) return fail;
    auto version = p.integer("version");
    auto to = p.integer("to", version - 1);
    if (!p.ok()) return p.failure();
    if (static_cast<uint64_t>(version) != head->latest_version())
      return outcome::failure("conflict", "item '" + head->id() + "' is at version " +
                                              std::to_string(head->latest_version()) + ", not " +
                                              std::to_string(version) + "; not reverting");
    if (to < 1 || to >= version)
      return outcome::failure("invalid_params", "field 'to': must be a version from 1 to " +
                                                    std::to_string(version - 1) +
                                                    " (delete undoes a create)");
    auto old = load_version(ctx.state, head->id(), static_cast<uint64_t>(to));
    if (!old) return outcome::failure("corruption", "version missing");
    auto v = add_version(ctx.state, *head, old->title(), old->body(), tags_of(*old), ctx.now_ms);
    save(ctx.state, *head);
    return outcome::success(
        {{"id", head->id()}, {"version", v}, {"reverts", version}, {"restored", to}});
  }

  static outcome get(action_context& ctx) {
    param_reader p(ctx.params);
    outcome fail;
    auto head = live_item(ctx, p, fail);
    if (!head) return fail;
    auto v = read_version(p, "version", static_cast<int64_t>(head->latest_version()), *head, fail);
    if (!v) return fail;
    auto ver = load_version(ctx.state, head->id(), *v);
    if (!ver) return outcome::failure("corruption", "version missing");
    return outcome::success(to_json(*head, *ver, true));
  }

  static outcome history(action_context& ctx) {
    param_reader p(ctx.params);
    outcome fail;
    auto head = live_item(ctx, p, fail);
    if (!head) return fail;
    json versions = json::array();
    for (uint64_t v = 1; v <= head->latest_version(); ++v) {
      auto ver = load_version(ctx.state, head->id(), v);
      if (!ver) return outcome::failure("corruption", "version missing");
      versions.push_back({{"version", v},
                          {"title", ver->title()},
                          {"tags", tags_of(*ver)},
                          {"created_at", ver->created_at_ms()},
                          {"published", v == head->published_version()}});
    }
    return outcome::success({{"id", head->id()},
                             {"latest_version", head->latest_version()},
                             {"published_version", head->published_version()},
                             {"versions", std::move(versions)}});
  }

  static outcome diff(action_context& ctx) {
    param_reader p(ctx.params);
    outcome fail;
    auto head = live_item(ctx, p, fail);
    if (!head) return fail;
    auto to = read_version(p, "to", static_cast<int64_t>(head->latest_version()), *head, fail);
    if (!to) return fail;
    auto from =
        read_version(p, "from", std::max<int64_t>(1, static_cast<int64_t>(*to) - 1), *head, fail);
    if (!from) return fail;
    auto a = load_version(ctx.state, head->id(), *from);
    auto b = load_version(ctx.state, head->id(), *to);
    if (!a || !b) return outcome::failure("corruption", "version missing");
    bool minimal = true;
    json title = diff_field(a->title(), b->title(), minimal);
    json body = diff_field(a->body(), b->body(), minimal);
    auto old_tags = tags_of(*a), new_tags = tags_of(*b);
    json tags_added = json::array(), tags_removed = json::array();
    for (const auto& t : new_tags)
      if (std::find(old_tags.begin(), old_tags.end(), t) == old_tags.end()) tags_added.push_back(t);
    for (const auto& t : old_tags)
      if (std::find(new_tags.begin(), new_tags.end(), t) == new_tags.end())
        tags_removed.push_back(t);
    bool changed = !title["lines"].empty() || !body["lines"].empty() || !tags_added.empty() ||
                   !tags_removed.empty();
    return outcome::success({{"id", head->id()},
                             {"from", *from},
                             {"to", *to},
                             {"changed", changed},
                             {"minimal", minimal},
                             {"title", std::move(title)},
                             {"body", std::move(body)},
                             {"tags", {{"added", tags_added}, {"removed", tags_removed}}}});
  }

  static outcome list(action_context& ctx) {
    param_reader p(ctx.params);
    auto filter = read_filter(p, ctx.params);
    bool with_body = p.boolean("with_body", false);
    if (!p.ok()) return p.failure();
    std::vector<std::pair<int64_t, json>> items;
    each_item(ctx.state, filter,
              [&](const proto::ContentItem& head, const proto::ContentVersion& ver) {
                items.emplace_back(head.created_at_ms(), to_json(head, ver, with_body));
              });
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    json out = json::array();
    for (auto& [_, j] : items) out.push_back(std::move(j));
    return outcome::success({{"items", std::move(out)}, {"count", items.size()}});
  }

  // Publishes `version` (0: unpublish). Both directions answer the version published before,
  // which is what their undo needs.
  static outcome set_published(action_context& ctx, bool publish) {
    param_reader p(ctx.params);
    outcome fail;
    auto head = live_item(ctx, p, fail);
    if (!head) return fail;
    uint64_t version = 0;
    if (publish) {
      auto v =
          read_version(p, "version", static_cast<int64_t>(head->latest_version()), *head, fail);
      if (!v) return fail;
      version = *v;
    }
    auto previous = head->published_version();
    head->set_published_version(version);
    head->set_updated_at_ms(ctx.now_ms);
    save(ctx.state, *head);
    return outcome::success({{"id", head->id()},
                             {"published", publish},
                             {"published_version", version},
                             {"previous_published_version", previous}});
  }
  static outcome publish(action_context& ctx) { return set_published(ctx, true); }
  static outcome unpublish(action_context& ctx) { return set_published(ctx, false); }

  static outcome set_deleted(action_context& ctx, bool deleted) {
    param_reader p(ctx.params);
    auto id = p.string("id");
    if (!p.ok()) return p.failure();
    auto head = load_head(ctx.state, id);
    if (!head || head->deleted() == deleted)
      return outcome::not_found("no " + std::string(deleted ? "live" : "deleted") +
                                " content item '" + id + "'");
    head->set_deleted(deleted);
    head->set_updated_at_ms(ctx.now_ms);
    save(ctx.state, *head);
    return outcome::success({{"id", id}, {"deleted", deleted}});
  }
  static outcome remove(action_context& ctx) { return set_deleted(ctx, true); }
  static outcome restore(action_context& ctx) { return set_deleted(ctx, false); }

  // Okapi BM25 (k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))) over title
  // (counted twice) and body of the latest versions of the items that pass the filters.
  static outcome search(action_context& ctx) {
    param_reader p(ctx.params);
    auto query = p.string("query");
    auto limit = p.integer("limit", 20);
    auto filter = read_filter(p, ctx.params);
    if (p.ok() && limit < 1) p.fail("limit", "must be at least 1");
    if (!p.ok()) return p.failure();
    auto terms = text::tokens(query);
    if (terms.empty()) return outcome::failure("invalid_params", "field 'query': has no words");
    std::set<std::string> unique_terms(terms.begin(), terms.end());
    struct doc {
      json summary;
      std::map<std::string, int> tf;
      size_t length = 0;
    };
    std::vector<doc> docs;
    std::map<std::string, int> df;
    each_item(ctx.state, filter,
              [&](const proto::ContentItem& head, const proto::ContentVersion& ver) {
                doc d;
                d.summary = to_json(head, ver, false);
                auto title_tokens = text::tokens(ver.title());
                auto body_tokens = text::tokens(ver.body());
                for (int i = 0; i < 2; ++i)
                  for (const auto& t : title_tokens) ++d.tf[t];
                for (const auto& t : body_tokens) ++d.tf[t];
                d.length = 2 * title_tokens.size() + body_tokens.size();
                for (const auto& t : unique_terms)
                  if (d.tf.count(t)) ++df[t];
                docs.push_back(std::move(d));
              });
    double avg_len = 0;
    for (const auto& d : docs) avg_len += static_cast<double>(d.length);
    avg_len = docs.empty() ? 1 : std::max(1.0, avg_len / static_cast<double>(docs.size()));
    const double k1 = 1.2, b = 0.75, n = static_cast<double>(docs.size());
    std::vector<std::pair<double, json>> ranked;
    for (auto& d : docs) {
      double score = 0;
      for (const auto& t : unique_terms) {
        auto it = d.tf.find(t);
        if (it == d.tf.end()) continue;
        double idf = std::log(1 + (n - df[t] + 0.5) / (df[t] + 0.5));
        double f = it->second;
        score +=
            idf * f * (k1 + 1) / (f + k1 * (1 - b + b * static_cast<double>(d.length) / avg_len));
      }
      if (score > 0) {
        d.summary["score"] = std::round(score * 10000) / 10000;
        ranked.emplace_back(score, std::move(d.summary));
      }
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b2) { return a.first > b2.first; });
    json out = json::array();
    for (auto& [_, j] : ranked) {
      if (static_cast<int64_t>(out.size()) >= limit) break;
      out.push_back(std::move(j));
    }
    return outcome::success({{"items", std::move(out)}, {"total", ranked.size()}});
  }
};

}  // namespace

std::unique_ptr<service> make_content_hub() {
  return std::make_unique<content_hub>();
}

}  // namespace xyn::actors::services

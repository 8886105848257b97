// content-hub: versioned content items with publish/unpublish, listing and BM25 search.
//
// Layout under (content-hub, tenant):
//   head/<id>          proto::ContentItem  (latest and published version, deleted flag)
//   ver/<id>/<be64 n>  proto::ContentVersion (immutable)
//   seq/item           id counter
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

json to_json(const proto::ContentItem& head, const proto::ContentVersion& ver, bool with_body) {
  json j = {{"id", head.id()},
            {"version", ver.version()},
            {"latest_version", head.latest_version()},
            {"title", ver.title()},
            {"tags", std::vector<std::string>(ver.tags().begin(), ver.tags().end())},
            {"published", head.published_version() > 0},
            {"published_version", head.published_version()},
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

class content_hub : public service {
 public:
  content_hub() : service("content-hub", "Versioned content items: publish, list, search") {
    add({"create", "Create an item; returns its id and version 1",
         object_schema({{"title", "string"}, {"body", "string"}, {"tags", "array"}},
                       {"title", "body"}),
         "delete", true, create});
    add({"update", "Add a new version with the given fields changed",
         object_schema(
             {{"id", "string"}, {"title", "string"}, {"body", "string"}, {"tags", "array"}},
             {"id"}),
         "", true, update});
    add({"get", "Get an item at its latest or a given version",
         object_schema({{"id", "string"}, {"version", "integer"}}, {"id"}), "", false, get});
    add({"list", "List live items, optionally only published ones or one tag",
         object_schema({{"published", "boolean"}, {"tag", "string"}}, {}), "", false, list});
    add({"publish", "Publish the latest version", object_schema({{"id", "string"}}, {"id"}),
         "unpublish", true, publish});
    add({"unpublish", "Withdraw the published version", object_schema({{"id", "string"}}, {"id"}),
         "publish", true, unpublish});
    add({"delete", "Delete an item (its versions are kept for restore)",
         object_schema({{"id", "string"}}, {"id"}), "restore", true, remove});
    add({"restore", "Undo a delete", object_schema({{"id", "string"}}, {"id"}), "delete", true,
         restore});
    add({"search", "Rank live items by BM25 over title and body",
         object_schema({{"query", "string"}, {"limit", "integer"}}, {"query"}), "", false, search});
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
    auto cur = load_version(ctx.state, head->id(), head->latest_version());
    if (!cur) return outcome::failure("corruption", "latest version missing");
    if (!has_tags) tags.assign(cur->tags().begin(), cur->tags().end());
    auto v = add_version(ctx.state, *head, title ? *title : cur->title(),
                         body ? *body : cur->body(), tags, ctx.now_ms);
    save(ctx.state, *head);
    return outcome::success({{"id", head->id()}, {"version", v}});
  }

  static outcome get(action_context& ctx) {
    param_reader p(ctx.params);
    outcome fail;
    auto head = live_item(ctx, p, fail);
    if (!head) return fail;
    auto v = p.integer("version", static_cast<int64_t>(head->latest_version()));
    if (!p.ok()) return p.failure();
    if (v < 1 || static_cast<uint64_t>(v) > head->latest_version())
      return outcome::not_found("item '" + head->id() + "' has no version " + std::to_string(v));
    auto ver = load_version(ctx.state, head->id(), static_cast<uint64_t>(v));
    if (!ver) return outcome::failure("corruption", "version missing");
    return outcome::success(to_json(*head, *ver, true));
  }

  // Visits each live item with its latest version, in id order.
  static void each_live(
      const state_view& st,
      const std::function<void(const proto::ContentItem&, const proto::ContentVersion&)>& fn) {
    st.scan("head/", [&](std::string_view, std::string_view raw) {
      proto::ContentItem head;
      if (!head.ParseFromArray(raw.data(), static_cast<int>(raw.size())) || head.deleted())
        return true;
      if (auto ver = load_version(st, head.id(), head.latest_version())) fn(head, *ver);
      return true;
    });
  }

  static outcome list(action_context& ctx) {
    param_reader p(ctx.params);
    std::optional<bool> published;
    if (ctx.params.contains("published")) published = p.boolean("published", false);
    auto tag = p.optional_string("tag");
    if (!p.ok()) return p.failure();
    std::vector<std::pair<int64_t, json>> items;
    each_live(ctx.state, [&](const proto::ContentItem& head, const proto::ContentVersion& ver) {
      if (published && (head.published_version() > 0) != *published) return;
      if (tag && std::find(ver.tags().begin(), ver.tags().end(), *tag) == ver.tags().end()) return;
      items.emplace_back(head.created_at_ms(), to_json(head, ver, false));
    });
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    json out = json::array();
    for (auto& [_, j] : items) out.push_back(std::move(j));
    return outcome::success({{"items", std::move(out)}, {"count", items.size()}});
  }

  static outcome set_published(action_context& ctx, bool publish) {
    param_reader p(ctx.params);
    outcome fail;
    auto head = live_item(ctx, p, fail);
    if (!head) return fail;
    head->set_published_version(publish ? head->latest_version() : 0);
    head->set_updated_at_ms(ctx.now_ms);
    save(ctx.state, *head);
    return outcome::success({{"id", head->id()},
                             {"published", publish},
                             {"published_version", head->published_version()}});
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

  // Okapi BM25 (k1 = 1.2, b = 0.75) over title (counted twice) and body of latest versions.
  static outcome search(action_context& ctx) {
    param_reader p(ctx.params);
    auto query = p.string("query");
    auto limit = p.integer("limit", 20);
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
    each_live(ctx.state, [&](const proto::ContentItem& head, const proto::ContentVersion& ver) {
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

// marketing-engine: campaigns (create, get, list, schedule, launch, pause/resume, delete/restore),
// channel copy generated from per-channel templates within each channel's length limit, and
// campaign stats read from the tenant's analytics events.
//
// Layout under (marketing-engine, tenant):
//   campaign/<id>   JSON {id, seq, name, product, channels, budget, audience, start?, end?,
//                         status: active|paused, launched_at?, schedule_revision,
//                         schedule_history: [{start, end}, ...] (the windows that
//                         schedule_campaign replaced, newest last), deleted, created_at,
//                         updated_at}
//   seq/campaign    id counter
//
// campaign_stats asks analytics-data-layer, which holds the events, by this convention:
//   type "ad_spend"    value: money spent, in the budget's minor units; dimensions {campaign}
//   type "impression"  one ad shown; dimensions {campaign, user}
// where `campaign` is the campaign id. Spend is the sum of ad_spend values, impressions the
// count of impression events, and reach the number of distinct users among them.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "actors/params.hpp"
#include "actors/services/services.hpp"

namespace xyn::actors::services {

namespace {

// A channel: the most characters (Unicode code points) a post may have, and whether it uses
// hashtags. Limits are the networks' own (Twitter/X 280, SMS one 160-char segment, Instagram
// caption 2200, LinkedIn post 3000); facebook, email and blog limits are our editorial ones.
struct channel_spec {
  const char* name;
  size_t limit;
  bool hashtags;
};
constexpr channel_spec channels[] = {
    {"twitter", 280, true},    {"sms", 160, false},      {"instagram", 2200, true},
    {"linkedin", 3000, false}, {"facebook", 2000, true}, {"email", 5000, false},
    {"blog", 10000, false},
};

// A tone: how the headline, the audience line and the call to action read.
struct tone_spec {
  const char* name;
  const char* headline;  // "%p" is the product
  const char* audience;  // "%a" is the audience
  const char* cta;
  const char* greeting;
};
constexpr tone_spec tones[] = {
    {"neutral", "Introducing %p.", "Made for %a.", "Learn more.", "Hello,"},
    {"friendly", "Say hello to %p!", "We built it with %a in mind.",
     "Give it a try, we think you will love it.", "Hi there,"},
    {"bold", "%p changes everything.", "%a, this is your move.", "Get it now.", "Listen up,"},
    {"professional", "%p: built for teams that deliver.", "Designed for %a.",
     "Request a demo today.", "Dear reader,"},
};

const channel_spec* find_channel(const std::string& name) {
  for (const auto& c : channels)
    if (name == c.name) return &c;
  return nullptr;
}
const tone_spec* find_tone(const std::string& name) {
  for (const auto& t : tones)
    if (name == t.name) return &t;
  return nullptr;
}

std::string known_channels() {
  std::string out;
  for (const auto& c : channels) out += (out.empty() ? "" : ", ") + std::string(c.name);
  return out;
}

std::string fill(const char* pattern, const std::string& product, const std::string& audience) {
  std::string out;
  for (const char* p = pattern; *p; ++p) {
    if (p[0] == '%' && p[1] == 'p') {
      out += product;
      ++p;
    } else if (p[0] == '%' && p[1] == 'a') {
      out += audience;
      ++p;
    } else {
      out.push_back(*p);
    }
  }
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// "#SolarLamp2" from "solar lamp 2": each word capitalized, everything but letters and digits
// dropped.
std::string hashtag(const std::string& product) {
  std::string tag = "#";
  bool word_start = true;
  for (unsigned char c : product) {
    if (std::isalnum(c)) {
      tag.push_back(static_cast<char>(word_start ? std::toupper(c) : c));
      word_start = false;
    } else {
      word_start = true;
    }
  }
  return tag.size() > 1 ? tag : "";
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// Cuts `s` to at most `limit` code points, ending on a word boundary with an ellipsis.
std::string truncate(const std::string& s, size_t limit) {
  // Byte index where the first (limit - 1) code points end, leaving room for the ellipsis.
  size_t keep = 0, cps = 0;
  while (keep < s.size()) {
    if ((static_cast<unsigned char>(s[keep]) & 0xC0) != 0x80) {
      if (cps == limit - 1) break;
      ++cps;
    }
    ++keep;
  }
  size_t cut = keep;
  while (cut > 0 && !std::isspace(static_cast<unsigned char>(s[cut]))) --cut;
  if (cut == 0) cut = keep;  // one giant word: cut inside it, at a code point boundary
  while (cut > 0 && std::isspace(static_cast<unsigned char>(s[cut - 1]))) --cut;
  return s.substr(0, cut) + "\u2026";
}

std::string compose(const channel_spec& ch, const tone_spec& tone, const std::string& product,
                    const std::string& audience, const std::vector<std::string>& points) {
  std::string headline = fill(tone.headline, product, audience);
  std::string who = audience.empty() ? "" : fill(tone.audience, product, audience);
  std::string cta = tone.cta;
  std::string tag = ch.hashtags ? hashtag(product) : "";
  auto join_nonempty = [](std::initializer_list<std::string> parts, const char* sep) {
    std::string out;
    for (const auto& p : parts)
      if (!p.empty()) out += (out.empty() ? "" : sep) + p;
    return out;
  };
  auto bullets = [&](const char* marker) {
    std::string out;
    for (const auto& p : points) out += (out.empty() ? "" : "\n") + std::string(marker) + p;
    return out;
  };
  std::string name = ch.name;
  if (name == "twitter" || name == "sms") {
    std::string inline_points;
    for (const auto& p : points) inline_points += (inline_points.empty() ? "" : " ") + p + ".";
    return join_nonempty({headline, who, inline_points, cta, tag}, " ");
  }
  if (name == "email")
    return join_nonempty({"Subject: " + headline, tone.greeting, who, bullets("- "), cta}, "\n\n");
  if (name == "blog") return join_nonempty({"# " + headline, who, bullets("- "), cta}, "\n\n");
  return join_nonempty({headline, who, bullets("\u2022 "), cta, tag}, "\n\n");
}

// upcoming / running / ended, from the campaign's window and the clock.
std::string phase(const json& c, int64_t now) {
  if (c.contains("start") && c["start"].is_number() && now < c["start"].get<int64_t>())
    return "upcoming";
  if (c.contains("end") && c["end"].is_number() && now >= c["end"].get<int64_t>()) return "ended";
  return "running";
}

json view(json c, int64_t now) {
  c["phase"] = phase(c, now);
  c.erase("seq");
  c.erase("deleted");
  c.erase("schedule_history");
  return c;
}

std::string campaign_key(const std::string& id) {
  return "campaign/" + id;
}

// Loads the campaign named by params.id when it exists and its deleted flag is `deleted`.
std::optional<json> load_campaign(action_context& ctx, bool deleted, outcome& fail) {
  param_reader p(ctx.params);
  auto id = p.string("id");
  if (!p.ok()) {
    fail = p.failure();
    return std::nullopt;
  }
  auto doc = ctx.state.get_json(campaign_key(id));
  if (!doc && !doc.error().is_not_found()) {
    fail = outcome::failure("corruption", doc.error().message());
    return std::nullopt;
  }
  if (!doc || (*doc).value("deleted", false) != deleted) {
    fail = outcome::not_found(std::string(deleted ? "no deleted campaign '" : "no campaign '") +
                              id + "'");
    return std::nullopt;
  }
  return *doc;
}

// schedule_campaign keeps this many earlier windows for unschedule_campaign to put back.
constexpr size_t max_schedule_undo = 20;

bool given(const json& params, const char* field) {
  return params.contains(field) && !params[field].is_null();
}

// A campaign's launch window, {start, end}, null for an open side.
json window_of(const json& c) {
  return {{"start", c.value("start", json(nullptr))}, {"end", c.value("end", json(nullptr))}};
}

void set_window(json& c, const json& start, const json& end) {
  for (auto [field, value] : {std::pair{"start", &start}, std::pair{"end", &end}}) {
    if (value->is_null())
      c.erase(field);
    else
      c[field] = *value;
  }
}

void save(action_context& ctx, json& c) {
  c["updated_at"] = ctx.now_ms;
  ctx.state.put_json(campaign_key(c["id"].get<std::string>()), c, ctx.now_ms);
}

outcome conflict(const json& c, const std::string& why) {
  return outcome::failure("conflict", "campaign '" + c["id"].get<std::string>() + "' " + why);
}

double round4(double x) {
  return std::round(x * 10000) / 10000;
}

// How spend keeps pace with the launch window: the share of the budget spent over the share
// of the window gone by, 1 meaning on pace. Null without a start, an end and a budget.
json pacing(const json& c, int64_t spent, int64_t now) {
  auto budget = c["budget"].get<int64_t>();
  if (!c.contains("start") || !c.contains("end") || budget <= 0) return nullptr;
  auto start = c["start"].get<int64_t>(), end = c["end"].get<int64_t>();
  double elapsed =
      static_cast<double>(std::clamp(now - start, int64_t{0}, end - start)) / (end - start);
  double share = static_cast<double>(spent) / static_cast<double>(budget);
  json out = {{"elapsed", round4(elapsed)},
              {"spent", round4(share)},
              {"expected_spend", std::llround(static_cast<double>(budget) * elapsed)},
              {"ratio", nullptr},
              {"status", "not_started"}};
  if (now <= start) return out;
  double ratio = share / elapsed;
  out["ratio"] = round4(ratio);
  out["status"] = ratio < 0.9 ? "under" : ratio > 1.1 ? "over" : "on_track";
  return out;
}

class marketing_engine : public service {
 public:
  marketing_engine() : service("marketing-engine", "Campaigns: create, copy, pause, resume") {
    auto create_schema = object_schema({{"name", "string"},
                                        {"product", "string"},
                                        {"channels", "array"},
                                        {"budget", "integer"},
                                        {"audience", "string"},
                                        {"start", "integer"},
                                        {"end", "integer"}},
                                       {"name", "product", "channels", "budget"});
    create_schema["properties"]["channels"]["items"] = {{"type", "string"}};
    auto id_schema = object_schema({{"id", "string"}}, {"id"});
    add({"create_campaign", "Create an active campaign; budget in minor currency units",
         create_schema, "delete_campaign", true, create});
    add({"get_campaign", "Get a campaign with its phase (upcoming, running, ended)", id_schema, "",
         false, get});
    add({"list_campaigns", "List live campaigns, optionally only active or paused ones",
         object_schema({{"status", "string"}}, {}), "", false, list});
    auto schedule_schema = object_schema(
        {{"id", "string"}, {"start", "integer"}, {"end", "integer"}}, {"id", "start"});
    add({"schedule_campaign",
         "Set the launch window (start, optional end); unschedule_campaign puts the previous back",
         schedule_schema, "unschedule_campaign", true, schedule});
    add({"unschedule_campaign",
         "Put back the window the latest schedule_campaign replaced; with schedule_revision, "
         "only if no other schedule came since",
         object_schema({{"id", "string"}, {"schedule_revision", "integer"}}, {"id"}),
         "schedule_campaign", true, unschedule});
    add({"launch_campaign", "Start a campaign now (or restart a paused one); pause undoes it",
         id_schema, "pause_campaign", true, launch});
    add({"pause_campaign", "Pause an active campaign", id_schema, "resume_campaign", true, pause});
    add({"resume_campaign", "Resume a paused campaign", id_schema, "pause_campaign", true, resume});
    add({"delete_campaign", "Delete a campaign (kept for restore)", id_schema, "restore_campaign",
         true, remove});
    add({"restore_campaign", "Undo a delete", id_schema, "delete_campaign", true, restore});
    auto copy_schema = object_schema({{"product", "string"},
                                      {"channel", "string"},
                                      {"tone", "string"},
                                      {"audience", "string"},
                                      {"key_points", "array"}},
                                     {"product", "channel"});
    json channel_names = json::array(), tone_names = json::array();
    for (const auto& c : channels) channel_names.push_back(c.name);
    for (const auto& t : tones) tone_names.push_back(t.name);
    copy_schema["properties"]["channel"]["enum"] = channel_names;
    copy_schema["properties"]["tone"]["enum"] = tone_names;
    add({"generate_copy", "Write channel copy from templates, within the channel's length limit",
         copy_schema, "", false, generate_copy});
    add({"campaign_stats",
         "Spend, impressions and reach over [from, to) from analytics events; budget left and "
         "pacing",
         object_schema({{"id", "string"}, {"from", "integer"}, {"to", "integer"}}, {"id"}), "",
         false, stats});
  }

 private:
  static outcome create(action_context& ctx) {
    param_reader p(ctx.params);
    auto name = p.string("name");
    auto product = p.string("product");
    auto chans = p.strings("channels");
    auto budget = p.integer("budget");
    auto audience = p.string("audience", "");
    bool has_start = ctx.params.contains("start") && !ctx.params["start"].is_null();
    bool has_end = ctx.params.contains("end") && !ctx.params["end"].is_null();
    auto start = p.integer("start", 0);
    auto end = p.integer("end", 0);
    if (p.ok() && name.empty()) p.fail("name", "must not be empty");
    if (p.ok() && product.empty()) p.fail("product", "must not be empty");
    if (p.ok() && chans.empty()) p.fail("channels", "must name at least one channel");
    std::vector<std::string> unique;
    for (const auto& c : chans) {
      if (p.ok() && find_channel(c) == nullptr)
        p.fail("channels", "unknown channel '" + c + "' (known: " + known_channels() + ")");
      if (std::find(unique.begin(), unique.end(), c) == unique.end()) unique.push_back(c);
    }
    if (p.ok() && budget < 0) p.fail("budget", "must not be negative");
    if (p.ok() && has_start && has_end && end <= start) p.fail("end", "must be after start");
    if (!p.ok()) return p.failure();
    auto seq = ctx.state.next_sequence("seq/campaign");
    std::string id = "cmp" + std::to_string(seq);
    json c = {{"id", id},
              {"seq", seq},
              {"name", name},
              {"product", product},
              {"channels", unique},
              {"budget", budget},
              {"status", "active"},
              {"deleted", false},
              {"created_at", ctx.now_ms},
              {"updated_at", ctx.now_ms}};
    if (!audience.empty()) c["audience"] = audience;
    if (has_start) c["start"] = start;
    if (has_end) c["end"] = end;
    ctx.state.put_json(campaign_key(id), c, ctx.now_ms);
    return outcome::success(view(c, ctx.now_ms));
  }

  static outcome get(action_context& ctx) {
    outcome fail;
    auto c = load_campaign(ctx, false, fail);
    if (!c) return fail;
    return outcome::success(view(*c, ctx.now_ms));
  }

  static outcome list(action_context& ctx) {
    param_reader p(ctx.params);
    auto status = p.optional_string("status");
    if (p.ok() && status && *status != "active" && *status != "paused")
      p.fail("status", "must be 'active' or 'paused'");
    if (!p.ok()) return p.failure();
    std::vector<json> found;
    auto st = ctx.state.scan_json("campaign/", [&](std::string_view, const json& c) {
      if (c.value("deleted", false)) return true;
      if (status && c.value("status", "") != *status) return true;
      found.push_back(c);
      return true;
    });
    if (!st.ok()) return outcome::failure("io_error", st.message());
    std::sort(found.begin(), found.end(), [](const json& a, const json& b) {
      return a["seq"].get<uint64_t>() < b["seq"].get<uint64_t>();
    });
    json out = json::array();
    for (auto& c : found) out.push_back(view(std::move(c), ctx.now_ms));
    return outcome::success({{"campaigns", out}, {"count", out.size()}});
  }

  static outcome set_status(action_context& ctx, const char* from, const char* to) {
    outcome fail;
    auto c = load_campaign(ctx, false, fail);
    if (!c) return fail;
    if ((*c)["status"] != from)
      return conflict(*c, "is " + (*c)["status"].get<std::string>() + ", not " + from);
    (*c)["status"] = to;
    save(ctx, *c);
    return outcome::success(view(*c, ctx.now_ms));
  }
  static outcome pause(action_context& ctx) { return set_status(ctx, "active", "paused"); }
  static outcome resume(action_context& ctx) { return set_status(ctx, "paused", "active"); }

  static outcome schedule(action_context& ctx) {
    param_reader p(ctx.params);
    auto start = p.integer("start");
    bool has_end = given(ctx.params, "end");
    auto end = p.integer("end", 0);
    if (p.ok() && start < 0) p.fail("start", "must not be negative");
    if (p.ok() && has_end && end <= start) p.fail("end", "must be after start");
    if (!p.ok()) return p.failure();
    outcome fail;
    auto c = load_campaign(ctx, false, fail);
    if (!c) return fail;
    json history = c->value("schedule_history", json::array());
    history.push_back(window_of(*c));
    if (history.size() > max_schedule_undo) history.erase(history.begin());
    (*c)["schedule_history"] = std::move(history);
    (*c)["schedule_revision"] = c->value("schedule_revision", int64_t{0}) + 1;
    set_window(*c, start, has_end ? json(end) : json(nullptr));
    save(ctx, *c);
    return outcome::success(view(*c, ctx.now_ms));
  }

  // Output: the campaign with its window put back, and in `removed` the window taken off as
  // schedule_campaign's params, which is how an unschedule is undone.
  static outcome unschedule(action_context& ctx) {
    param_reader p(ctx.params);
    bool has_revision = given(ctx.params, "schedule_revision");
    auto revision = p.integer("schedule_revision", 0);
    if (!p.ok()) return p.failure();
    outcome fail;
    auto c = load_campaign(ctx, false, fail);
    if (!c) return fail;
    json history = c->value("schedule_history", json::array());
    auto current = c->value("schedule_revision", int64_t{0});
    if (history.empty()) return conflict(*c, "has no schedule change to undo");
    if (has_revision && revision != current)
      return conflict(*c, "was rescheduled since: its schedule_revision is " +
                              std::to_string(current) + ", not " + std::to_string(revision));
    json removed = window_of(*c);
    removed["id"] = (*c)["id"];
    set_window(*c, history.back()["start"], history.back()["end"]);
    history.erase(history.end() - 1);
    (*c)["schedule_history"] = std::move(history);
    (*c)["schedule_revision"] = current - 1;
    save(ctx, *c);
    json out = view(*c, ctx.now_ms);
    out["removed"] = std::move(removed);
    return outcome::success(std::move(out));
  }

  // Goes live now: active, and a start in the future (or none) moves to now. Once launched, a
  // campaign launches again only from paused (then like resume). pause_campaign undoes it.
  static outcome launch(action_context& ctx) {
    outcome fail;
    auto c = load_campaign(ctx, false, fail);
    if (!c) return fail;
    if (phase(*c, ctx.now_ms) == "ended") return conflict(*c, "has ended");
    if (c->contains("launched_at") && (*c)["status"] == "active")
      return conflict(*c, "is already launched");
    if (!c->contains("start") || (*c)["start"].get<int64_t>() > ctx.now_ms)
      (*c)["start"] = ctx.now_ms;
    if (!c->contains("launched_at")) (*c)["launched_at"] = ctx.now_ms;
    (*c)["status"] = "active";
    save(ctx, *c);
    return outcome::success(view(*c, ctx.now_ms));
  }

  static outcome set_deleted(action_context& ctx, bool deleted) {
    outcome fail;
    auto c = load_campaign(ctx, !deleted, fail);
    if (!c) return fail;
    (*c)["deleted"] = deleted;
    save(ctx, *c);
    return outcome::success({{"id", (*c)["id"]}, {"deleted", deleted}});
  }
  static outcome remove(action_context& ctx) { return set_deleted(ctx, true); }
  static outcome restore(action_context& ctx) { return set_deleted(ctx, false); }

  static outcome generate_copy(action_context& ctx) {
    param_reader p(ctx.params);
    auto product = p.string("product");
    auto channel = p.string("channel");
    auto tone_name = p.string("tone", "neutral");
    auto audience = p.string("audience", "");
    auto points = p.strings("key_points", {});
    if (p.ok() && product.empty()) p.fail("product", "must not be empty");
    const channel_spec* ch = p.ok() ? find_channel(channel) : nullptr;
    if (p.ok() && ch == nullptr)
      p.fail("channel", "unknown channel '" + channel + "' (known: " + known_channels() + ")");
    const tone_spec* tone = p.ok() ? find_tone(tone_name) : nullptr;
    if (p.ok() && tone == nullptr)
      p.fail("tone",
             "unknown tone '" + tone_name + "' (known: neutral, friendly, bold, professional)");
    if (!p.ok()) return p.failure();
    auto text = compose(*ch, *tone, product, audience, points);
    bool truncated = code_points(text) > ch->limit;
    if (truncated) text = truncate(text, ch->limit);
    return outcome::success({{"channel", ch->name},
                             {"tone", tone->name},
                             {"text", text},
                             {"length", code_points(text)},
                             {"limit", ch->limit},
                             {"truncated", truncated}});
  }

  // Spend and reach over [from, to); budget left and pacing from all spend to date.
  static outcome stats(action_context& ctx) {
    param_reader p(ctx.params);
    json window = json::object();
    for (const char* f : {"from", "to"})
      if (auto v = p.integer(f, 0); given(ctx.params, f) && p.ok()) window[f] = v;
    if (p.ok() && window.size() == 2 && window["to"] <= window["from"])
      p.fail("to", "must be after from");
    if (!p.ok()) return p.failure();
    outcome fail;
    auto c = load_campaign(ctx, false, fail);
    if (!c) return fail;
    // One aggregate of this campaign's events, over the asked window or all time.
    auto ask = [&](json query, bool windowed) {
      query["where"] = {{"campaign", (*c)["id"]}};
      if (windowed) query.update(window);
      return ctx.ask("analytics-data-layer", "aggregate", query);
    };
    const json spend_query = {{"type", "ad_spend"}, {"op", "sum"}};
    auto spend = ask(spend_query, true);
    if (!spend.ok) return spend;
    auto seen = ask({{"type", "impression"}, {"op", "count_distinct"}, {"distinct", "user"}}, true);
    if (!seen.ok) return seen;
    auto total = window.empty() ? spend : ask(spend_query, false);
    if (!total.ok) return total;
    // A sum of no events is null: nothing spent.
    auto minor = [](const json& v) -> int64_t {
      return v.is_number() ? std::llround(v.get<double>()) : 0;
    };
    auto budget = (*c)["budget"].get<int64_t>();
    int64_t spent = minor(total.output["value"]);
    return outcome::success({{"id", (*c)["id"]},
                             {"from", window.value("from", json(nullptr))},
                             {"to", window.value("to", json(nullptr))},
                             {"spend", minor(spend.output["value"])},
                             {"impressions", seen.output["count"]},
                             {"reach", seen.output["value"]},
                             {"budget", budget},
                             {"total_spend", spent},
                             {"budget_remaining", std::max<int64_t>(0, budget - spent)},
                             {"overspend", std::max<int64_t>(0, spent - budget)},
                             {"pacing", pacing(*c, spent, ctx.now_ms)}});
  }
};

}  // namespace

std::unique_ptr<service> make_marketing_engine() {
  return std::make_unique<marketing_engine>();
}

}  // namespace xyn::actors::services

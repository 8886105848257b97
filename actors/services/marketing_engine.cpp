// marketing-engine: campaigns (create, get, list, pause/resume, delete/restore) and channel copy
// generated from per-channel templates within each channel's length limit.
//
// Layout under (marketing-engine, tenant):
//   campaign/<id>   JSON {id, seq, name, product, channels, budget, audience, start, end,
//                         status: active|paused, deleted, created_at, updated_at}
//   seq/campaign    id counter
#include <algorithm>
#include <cctype>

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
      return outcome::failure("conflict", "campaign '" + (*c)["id"].get<std::string>() + "' is " +
                                              (*c)["status"].get<std::string>() + ", not " + from);
    (*c)["status"] = to;
    (*c)["updated_at"] = ctx.now_ms;
    ctx.state.put_json(campaign_key((*c)["id"].get<std::string>()), *c, ctx.now_ms);
    return outcome::success(view(*c, ctx.now_ms));
  }
  static outcome pause(action_context& ctx) { return set_status(ctx, "active", "paused"); }
  static outcome resume(action_context& ctx) { return set_status(ctx, "paused", "active"); }

  static outcome set_deleted(action_context& ctx, bool deleted) {
    outcome fail;
    auto c = load_campaign(ctx, !deleted, fail);
    if (!c) return fail;
    (*c)["deleted"] = deleted;
    (*c)["updated_at"] = ctx.now_ms;
    ctx.state.put_json(campaign_key((*c)["id"].get<std::string>()), *c, ctx.now_ms);
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
};

}  // namespace

std::unique_ptr<service> make_marketing_engine() {
  return std::make_unique<marketing_engine>();
}

}  // namespace xyn::actors::services

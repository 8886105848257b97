// platform-dashboard: one status document for the UI, built only from what this service knows
// for certain — node facts, the catalog's services, the clock — plus notices operators post
// per tenant (maintenance windows, incidents). The live view of workflows, alerts and cluster
// members comes from the actors that own them in a later issue; until then the document says
// nothing about them rather than guessing.
//
// Layout under (platform-dashboard, tenant):
//   notice/<id>   JSON {id, seq, message, level: info|warning|critical, dismissed, posted_at}
//   seq/notice    id counter
#include <algorithm>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"

namespace xyn::actors::services {

namespace {

int level_rank(const std::string& level) {
  return level == "critical" ? 2 : level == "warning" ? 1 : 0;
}

json notice_view(const json& n) {
  return {{"id", n["id"]},
          {"message", n["message"]},
          {"level", n["level"]},
          {"posted_at", n["posted_at"]}};
}

class platform_dashboard : public service {
 public:
  platform_dashboard() : service("platform-dashboard", "One status document for the UI") {
    add({"status", "Node, services, uptime and the tenant's active notices", object_schema({}, {}),
         "", false, status});
    auto post_schema = object_schema({{"message", "string"}, {"level", "string"}}, {"message"});
    post_schema["properties"]["level"]["enum"] = {"info", "warning", "critical"};
    add({"post_notice", "Show a notice on the tenant's dashboard", post_schema, "dismiss_notice",
         true, post_notice});
    auto id_schema = object_schema({{"id", "string"}}, {"id"});
    add({"dismiss_notice", "Hide a notice (restore_notice undoes it)", id_schema, "restore_notice",
         true, dismiss_notice});
    add({"restore_notice", "Show a dismissed notice again", id_schema, "dismiss_notice", true,
         restore_notice});
  }

 private:
  static outcome status(action_context& ctx) {
    std::vector<json> active;
    auto st = ctx.state.scan_json("notice/", [&](std::string_view, const json& n) {
      if (!n["dismissed"].get<bool>()) active.push_back(n);
      return true;
    });
    if (!st.ok()) return outcome::failure("io_error", st.message());
    // Most severe first, then newest first.
    std::sort(active.begin(), active.end(), [](const json& a, const json& b) {
      int ra = level_rank(a["level"]), rb = level_rank(b["level"]);
      if (ra != rb) return ra > rb;
      return a["seq"].get<uint64_t>() > b["seq"].get<uint64_t>();
    });
    json notices = json::array();
    for (const auto& n : active) notices.push_back(notice_view(n));
    const auto& node = ctx.node;
    int64_t uptime = std::max<int64_t>(0, ctx.now_ms - node.started_at_ms);
    std::string overall = "ok";
    if (!active.empty())
      overall = level_rank(active.front()["level"]) == 2   ? "critical"
                : level_rank(active.front()["level"]) == 1 ? "warning"
                                                           : "ok";
    return outcome::success(
        {{"generated_at", ctx.now_ms},
         {"generated_at_utc", text::format_utc(ctx.now_ms)},
         {"tenant", ctx.tenant},
         {"overall", overall},
         {"node",
          {{"name", node.node_name},
           {"version", node.version},
           {"uptime_ms", uptime},
           {"data_dir", node.data_dir}}},
         {"services", {{"count", node.service_names.size()}, {"names", node.service_names}}},
         {"notices", notices}});
  }

  static outcome post_notice(action_context& ctx) {
    param_reader p(ctx.params);
    auto message = p.string("message");
    auto level = p.string("level", "info");
    if (p.ok() && message.empty()) p.fail("message", "must not be empty");
    if (p.ok() && message.size() > 2000) p.fail("message", "must be at most 2000 bytes");
    if (p.ok() && level != "info" && level != "warning" && level != "critical")
      p.fail("level", "must be info, warning or critical");
    if (!p.ok()) return p.failure();
    auto seq = ctx.state.next_sequence("seq/notice");
    std::string id = "n" + std::to_string(seq);
    json doc = {{"id", id},       {"seq", seq},         {"message", message},
                {"level", level}, {"dismissed", false}, {"posted_at", ctx.now_ms}};
    ctx.state.put_json("notice/" + id, doc, ctx.now_ms);
    return outcome::success(notice_view(doc));
  }

  static outcome set_dismissed(action_context& ctx, bool dismissed) {
    param_reader p(ctx.params);
    auto id = p.string("id");
    if (!p.ok()) return p.failure();
    auto doc = ctx.state.get_json("notice/" + id);
    if (!doc || (*doc)["dismissed"].get<bool>() == dismissed)
      return outcome::not_found(
          std::string(dismissed ? "no active notice '" : "no dismissed notice '") + id + "'");
    (*doc)["dismissed"] = dismissed;
    ctx.state.put_json("notice/" + id, *doc, ctx.now_ms);
    return outcome::success({{"id", id}, {"dismissed", dismissed}});
  }
  static outcome dismiss_notice(action_context& ctx) { return set_dismissed(ctx, true); }
  static outcome restore_notice(action_context& ctx) { return set_dismissed(ctx, false); }
};

}  // namespace

std::unique_ptr<service> make_platform_dashboard() {
  return std::make_unique<platform_dashboard>();
}

}  // namespace xyn::actors::services

// platform-dashboard: one status document for the UI: the node, every service's health as the
// mesh sees it, the tenant's workflow counts by status and latest failures, alerts derived from
// those (a service that is not up, recent workflow failures), and notices operators post per
// tenant (maintenance windows, incidents). Health and workflow figures come from the node's
// hooks (node_facts); where a hook is absent (unit tests) the document leaves the part out
// rather than guessing. Cluster members join the document with the cluster issue.
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

// How many of a tenant's latest failed or rolled-back workflows the document lists.
constexpr size_t recent_failure_count = 10;
// A workflow failure younger than this raises a warning.
constexpr int64_t failure_alert_window_ms = 15 * 60 * 1000;

// Alerts the document derives from health and workflow figures (most severe first).
json derived_alerts(const json& health, const json& workflows, int64_t now_ms) {
  json alerts = json::array();
  for (const auto& s : health) {
    if (s["status"] == "up") continue;
    alerts.push_back({{"level", s["status"] == "failed" ? "critical" : "warning"},
                      {"source", "service"},
                      {"subject", s["name"]},
                      {"message", "service " + s["name"].get<std::string>() + " is " +
                                      s["status"].get<std::string>() +
                                      (s["last_error"].get<std::string>().empty()
                                           ? std::string()
                                           : ": " + s["last_error"].get<std::string>())}});
  }
  if (workflows.is_object()) {
    for (const auto& f : workflows["recent_failures"]) {
      if (!f["finished_at"].is_number() ||
          now_ms - f["finished_at"].get<int64_t>() > failure_alert_window_ms)
        continue;
      alerts.push_back(
          {{"level", "warning"},
           {"source", "workflow"},
           {"subject", f["id"]},
           {"message", "workflow " + f["id"].get<std::string>() + " " +
                           f["status"].get<std::string>() + ": " + f["error"].get<std::string>()}});
    }
  }
  std::stable_sort(alerts.begin(), alerts.end(), [](const json& a, const json& b) {
    return level_rank(a["level"]) > level_rank(b["level"]);
  });
  return alerts;
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
    add({"status",
         "Node, service health, workflow counts, recent failures, alerts and active notices",
         object_schema({}, {}), "", false, status});
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
    json services = {{"count", node.service_names.size()}, {"names", node.service_names}};
    json health = json::array();
    if (node.service_health) {
      health = node.service_health();
      services["up"] = std::count_if(health.begin(), health.end(),
                                     [](const json& h) { return h["status"] == "up"; });
      services["health"] = health;
    }
    json workflows = nullptr;
    if (node.workflow_summary) workflows = node.workflow_summary(ctx.tenant, recent_failure_count);
    auto alerts = derived_alerts(health, workflows, ctx.now_ms);
    int worst = 0;
    for (const auto& n : active) worst = std::max(worst, level_rank(n["level"]));
    for (const auto& a : alerts) worst = std::max(worst, level_rank(a["level"]));
    static const char* const overall_names[] = {"ok", "warning", "critical"};
    json doc = {{"generated_at", ctx.now_ms},
                {"generated_at_utc", text::format_utc(ctx.now_ms)},
                {"tenant", ctx.tenant},
                {"overall", overall_names[worst]},
                {"node",
                 {{"name", node.node_name},
                  {"version", node.version},
                  {"uptime_ms", uptime},
                  {"data_dir", node.data_dir},
                  {"draining", node.draining ? json(node.draining()) : json(nullptr)}}},
                {"services", services},
                {"alerts", alerts},
                {"notices", notices}};
    if (!workflows.is_null()) doc["workflows"] = workflows;
    return outcome::success(std::move(doc));
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

// templates_test.cpp — the workflow templates in config/workflows, checked against the real
// services: each parses with the real catalog, declares sound inputs, compensates every step
// that changes state with the action the service names for it, and dry-runs. A dry run runs the
// steps in dependency order through the real services (one harness per service, shared by the
// steps so state carries over), resolving params as the engine does and skipping steps whose
// `when` is false; then it runs every compensation in reverse order of completion, as the saga
// does, and some tests look at the services' state to see the effects undone.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "actors/service.hpp"
#include "actors/workflow/definition.hpp"
#include "actors/workflow/references.hpp"
#include "tests/actors/service_harness.hpp"
#include "tests/support/sample_data.hpp"

namespace wf = xyn::workflow;
using json = nlohmann::json;
using xyn::test::service_harness;

namespace {

const std::filesystem::path templates_dir =
    std::filesystem::path(XYN_SOURCE_DIR) / "config" / "workflows";

const std::vector<std::string> shipped = {
    "product_launch",    "marketing_campaign", "content_pipeline",     "performance_report",
    "tenant_onboarding", "project_kickoff",    "competitive_analysis", "security_review"};

// One instance of every service, to read its action table.
const std::map<std::string, std::unique_ptr<xyn::actors::service>, std::less<>>& services() {
  static const auto all = [] {
    std::map<std::string, std::unique_ptr<xyn::actors::service>, std::less<>> m;
    for (const auto& [name, make] : xyn::actors::service_factories()) m.emplace(name, make());
    return m;
  }();
  return all;
}

const xyn::actors::action_spec* spec_of(const std::string& service, const std::string& action) {
  auto it = services().find(service);
  return it == services().end() ? nullptr : it->second->find(action);
}

// The catalog as submit-time validation sees it: each service's own action names.
const wf::service_catalog_view& catalog() {
  static const wf::service_catalog_view view{
      .actions = [](std::string_view name) -> std::optional<std::vector<std::string>> {
        auto it = services().find(name);
        if (it == services().end()) return std::nullopt;
        std::vector<std::string> names;
        for (const auto& a : it->second->actions()) names.push_back(a.name);
        return names;
      },
      .secret = {},
      .find_template = [](std::string_view) -> const json* { return nullptr; }};
  return view;
}

json load(const std::string& name) {
  std::ifstream in(templates_dir / (name + ".json"));
  REQUIRE(in.good());
  return json::parse(in);
}

wf::definition parse(const std::string& name) {
  auto def = wf::parse_definition(load(name), catalog());
  INFO(name << ": " << def.error().to_string());
  REQUIRE(def.ok());
  return std::move(*def);
}

// Step indices in an order that respects depends_on (Kahn; ties in the order written), and
// each step's level: 0 for a step with no dependencies, else 1 + the deepest dependency's.
struct schedule {
  std::vector<int> order;
  std::vector<int> level;
};

schedule plan(const wf::definition& def) {
  const size_t n = def.steps.size();
  schedule s;
  s.level.assign(n, 0);
  std::vector<size_t> waiting(n);
  std::vector<std::vector<int>> dependents(n);
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i) {
    waiting[i] = def.steps[i].depends_on.size();
    for (const auto& d : def.steps[i].depends_on)
      dependents[static_cast<size_t>(def.index_of(d))].push_back(static_cast<int>(i));
    if (waiting[i] == 0) ready.push(static_cast<int>(i));
  }
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    s.order.push_back(i);
    for (int d : dependents[static_cast<size_t>(i)]) {
      s.level[static_cast<size_t>(d)] =
          std::max(s.level[static_cast<size_t>(d)], s.level[static_cast<size_t>(i)] + 1);
      if (--waiting[static_cast<size_t>(d)] == 0) ready.push(d);
    }
  }
  REQUIRE(s.order.size() == n);
  return s;
}

// One dry run of a definition against fresh services.
class dry_run {
 public:
  dry_run(wf::definition def, json input) : def_(std::move(def)), input_(std::move(input)) {}

  service_harness& harness(const std::string& service) {
    auto& h = harnesses_[service];
    if (!h) h = std::make_unique<service_harness>(xyn::actors::service_factories().at(service)());
    return *h;
  }

  // Runs every step in dependency order; REQUIREs each to succeed (or be skipped by `when`).
  void run_steps() {
    for (int i : plan(def_).order) {
      const auto& s = def_.steps[static_cast<size_t>(i)];
      INFO(def_.name << " step '" << s.id << "' (" << s.service << " " << s.action << ")");
      REQUIRE(s.kind == wf::step_kind::service);
      if (!s.when.empty()) {
        auto go = wf::evaluate_condition(s.when, scope());
        INFO("when " << s.when << ": " << go.error().to_string());
        REQUIRE(go.ok());
        if (!*go) {
          outputs_[s.id] = nullptr;
          skipped_.push_back(s.id);
          continue;
        }
      }
      auto params = wf::resolve(s.params, scope());
      INFO("params: " << params.error().to_string());
      REQUIRE(params.ok());
      auto out = harness(s.service).run(s.action, *params);
      INFO("params " << params->dump() << " -> " << out.code << ": " << out.message);
      REQUIRE(out.ok);
      outputs_[s.id] = out.output;
      completed_.push_back(s.id);
    }
  }

  // The definition's output object, resolved against the finished run.
  json output() const {
    auto out = wf::resolve(def_.output, scope());
    INFO(def_.name << " output: " << out.error().to_string());
    REQUIRE(out.ok());
    return *out;
  }

  // Runs the compensation of every completed step, last completed first; REQUIREs each to
  // succeed. Returns how many ran.
  int compensate() {
    int ran = 0;
    for (auto it = completed_.rbegin(); it != completed_.rend(); ++it) {
      const auto& s = *def_.find(*it);
      if (!s.compensate) continue;
      INFO(def_.name << " compensating '" << s.id << "' with " << s.service << " "
                     << s.compensate->action);
      auto params = wf::resolve(s.compensate->params, scope());
      INFO("params: " << params.error().to_string());
      REQUIRE(params.ok());
      auto out = harness(s.service).run(s.compensate->action, *params);
      INFO("params " << params->dump() << " -> " << out.code << ": " << out.message);
      REQUIRE(out.ok);
      ++ran;
    }
    return ran;
  }

  const json& out(const std::string& step) const { return outputs_.at(step); }
  bool skipped(const std::string& step) const {
    return std::find(skipped_.begin(), skipped_.end(), step) != skipped_.end();
  }
  const std::vector<std::string>& completed() const { return completed_; }
  const wf::definition& def() const { return def_; }

 private:
  wf::scope scope() const {
    wf::scope sc;
    sc.input = &input_;
    sc.step_output = [this](std::string_view id) -> const json* {
      auto it = outputs_.find(std::string(id));
      return it == outputs_.end() ? nullptr : &it->second;
    };
    sc.workflow_id = "wf-dry-" + def_.name;
    sc.tenant = "default";
    return sc;
  }

  wf::definition def_;
  json input_;
  std::map<std::string, json> outputs_;  // null for a skipped step
  std::vector<std::string> completed_;
  std::vector<std::string> skipped_;
  std::map<std::string, std::unique_ptr<service_harness>> harnesses_;
};

// Inputs a caller would give: `required` alone (every default used) and `typical`, which
// also overrides some defaults. `seed` puts data in the services first, as a tenant that has
// been using the platform would have.
struct sample {
  json required;
  json typical;
  std::function<void(dry_run&)> seed;
};

const std::string article =
    "Solar lamps charge in daylight and light a tent all night. Our new model adds a bigger "
    "battery and a brighter lens. It weighs less than a cup of coffee, so it fits in any pack. "
    "You can hang it from a hook or stand it on a table. Three modes let you choose between a "
    "soft glow and a strong beam. The lamp is made from recycled plastic and ships without "
    "any plastic bags.";

const std::string leaky_change =
    "deploy:\n  region: eu-west-1\n  aws_key: AKIAIOSFODNN7EXAMPLE\n  owner: ops@example.com\n";

const std::map<std::string, sample>& samples() {
  static const std::map<std::string, sample> all = {
      {"product_launch",
       {{{"product", "Solar Lamp"}},
        {{"product", "Solar Lamp"},
         {"audience", "campers"},
         {"budget", 1200000},
         {"channels", {"instagram", "twitter"}},
         {"tone", "bold"},
         {"key_points", {"Charges in daylight", "Lasts all night"}}},
        nullptr}},
      {"marketing_campaign",
       {{{"name", "Spring sale"}, {"product", "Solar Lamp"}},
        {{"name", "Spring sale"},
         {"product", "Solar Lamp"},
         {"channels", {"instagram", "facebook"}},
         {"budget", 90000},
         {"tone", "friendly"},
         {"report_cron", "@weekly"}},
        nullptr}},
      {"content_pipeline",
       {{{"title", "Meet the new solar lamp"}, {"body", article}},
        {{"title", "Meet the new solar lamp"},
         {"body", article},
         {"tags", {"guide", "solar"}},
         {"min_words", 30},
         {"min_reading_ease", 50.0}},
        nullptr}},
      {"performance_report",
       {{{"title", "Weekly campaign performance"}},
        {{"title", "Signups by plan"},
         {"event_type", "signup"},
         {"group_by", "plan"},
         {"funnel_steps", {"campaign.click", "signup"}},
         {"from", 1690000000000},
         {"to", 1800000000000},
         {"format", "csv"}},
        [](dry_run& r) {
          r.harness("analytics-data-layer")
              .ok("ingest", {{"events", xyn::test::sample_funnel_events()}});
        }}},
      {"tenant_onboarding",
       {{{"tenant_name", "Acme Corp"}},
        {{"tenant_name", "Acme Corp"},
         {"plan", "enterprise"},
         {"region", "us-east-1"},
         {"admin_role", "owner"},
         {"features", {"workflows", "assistant"}},
         {"ai_provider", "acme-gpt"},
         {"ai_cost_per_1k", 2.5},
         {"ai_latency_ms", 450}},
        nullptr}},
      {"project_kickoff",
       {{{"project", "Website relaunch"}, {"start", 1767225600000}},
        {{"project", "Website relaunch"},
         {"start", 1767225600000},
         {"build_days", 20},
         {"skills", {{"c++", 4}, {"design", 2}}},
         {"team_size", 2}},
        [](dry_run& r) {
          auto& h = r.harness("xynergy-competency-engine");
          h.ok("add_person", {{"name", "Ada"}, {"skills", {{"c++", 5}, {"design", 2}}}});
          h.ok("add_person", {{"name", "Grace"}, {"skills", {{"project management", 4}}}});
          h.ok("add_person", {{"name", "Linus"}, {"skills", {{"c++", 3}}}});
        }}},
      {"competitive_analysis",
       {{{"competitor", "Globex"},
         {"our_product", "Xynergy"},
         {"competitor_notes",
          "Globex sells a workflow tool for large teams. Customers say setup is slow and "
          "expensive. The reporting is good but the audit trail is poor. Support is helpful."}},
        {{"competitor", "Globex"},
         {"our_product", "Xynergy"},
         {"competitor_notes",
          "Globex ships a new automation suite. Reviewers love the templates and find the "
          "pricing fair. Some report crashes when importing large files."},
         {"our_notes", "Xynergy rolls back failed workflows and keeps every tenant separate."},
         {"format", "html"},
         {"routing_policy", "fastest"}},
        [](dry_run& r) {
          r.harness("content-hub")
              .ok("create", {{"title", "Globex pricing notes"}, {"body", "Globex raised prices."}});
        }}},
      {"security_review",
       {{{"subject", "billing-service 2.3"},
         {"text", "deploy:\n  region: eu-west-1\n  replicas: 3\n"}},
        {{"subject", "billing-service 2.3"},
         {"text", leaky_change},
         {"role", "deployer"},
         {"action", "deploy"},
         {"resource", "production/billing"}},
        [](dry_run& r) {
          r.harness("security-governance")
              .ok("put_policy",
                  {{"role", "deployer"}, {"actions", {"deploy"}}, {"resources", {"production*"}}});
        }}},
  };
  return all;
}

dry_run start(const std::string& name, bool typical) {
  auto def = parse(name);
  const auto& s = samples().at(name);
  auto input = wf::bind_input(def, typical ? s.typical : s.required);
  INFO(name << " input: " << input.error().to_string());
  REQUIRE(input.ok());
  dry_run run(std::move(def), std::move(*input));
  if (s.seed) s.seed(run);
  return run;
}

}  // namespace

TEST_CASE("templates: the eight templates ship and no others", "[templates]") {
  std::set<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(templates_dir))
    if (e.path().extension() == ".json") files.insert(e.path().stem().string());
  CHECK(files == std::set<std::string>(shipped.begin(), shipped.end()));
  for (const auto& name : files) CHECK(samples().count(name) == 1);
}

TEST_CASE("templates: each parses against the real services and is well formed", "[templates]") {
  for (const auto& name : shipped) {
    INFO(name);
    auto def = parse(name);
    CHECK(def.name == name);
    CHECK(load(name).contains("description"));
    CHECK(def.steps.size() >= 4);
    CHECK(def.steps.size() <= 9);

    // Inputs: some required; every optional one has a default (references to it always resolve).
    size_t required = 0;
    for (const auto& in : def.inputs) {
      INFO("input " << in.name);
      if (in.required)
        ++required;
      else
        CHECK(!in.default_value.is_null());
    }
    CHECK(required >= 1);
    CHECK(required < def.inputs.size());

    std::set<std::string> used_services;
    for (const auto& s : def.steps) {
      INFO("step " << s.id);
      REQUIRE(s.kind == wf::step_kind::service);
      used_services.insert(s.service);
      const auto* spec = spec_of(s.service, s.action);
      REQUIRE(spec != nullptr);
      // A step that changes state is undone by the action its service names for that.
      if (spec->mutates) {
        CHECK(!spec->compensation.empty());
        REQUIRE(s.compensate.has_value());
        CHECK(s.compensate->action == spec->compensation);
        CHECK(!s.compensate->params.empty());
      } else {
        CHECK(!s.compensate.has_value());
      }
    }
    CHECK(used_services.size() >= 3);

    // Independent steps exist, so the engine has something to run in parallel.
    auto sched = plan(def);
    std::map<int, int> per_level;
    for (int l : sched.level) ++per_level[l];
    CHECK(std::any_of(per_level.begin(), per_level.end(),
                      [](const auto& kv) { return kv.second >= 2; }));
  }
}

TEST_CASE("templates: all fifteen services are used by some template", "[templates]") {
  std::set<std::string> used;
  for (const auto& name : shipped)
    for (const auto& s : parse(name).steps) used.insert(s.service);
  for (const auto& [name, _] : xyn::actors::service_factories()) {
    INFO(name);
    CHECK(used.count(name) == 1);
  }
}

TEST_CASE("templates: each dry-runs on its defaults and on typical inputs, then rolls back",
          "[templates]") {
  for (const auto& name : shipped) {
    for (bool typical : {false, true}) {
      INFO(name << (typical ? " (typical inputs)" : " (defaults)"));
      auto run = start(name, typical);
      run.run_steps();
      CHECK(!run.completed().empty());
      auto out = run.output();
      CHECK(out.is_object());
      CHECK(out.size() >= 3);
      size_t compensable = 0;
      for (const auto& id : run.completed())
        if (run.def().find(id)->compensate) ++compensable;
      CHECK(compensable >= 1);
      CHECK(run.compensate() == static_cast<int>(compensable));
    }
  }
}

TEST_CASE("templates: product_launch launches, and its compensations undo the launch",
          "[templates]") {
  auto run = start("product_launch", true);
  run.run_steps();
  auto out = run.output();
  auto page = out["page"].get<std::string>();
  auto campaign = out["campaign"].get<std::string>();

  auto& hub = run.harness("content-hub");
  auto& marketing = run.harness("marketing-engine");
  auto& analytics = run.harness("analytics-data-layer");
  auto& dashboard = run.harness("platform-dashboard");
  const json launches = {{"type", "launch.started"}, {"op", "count"}};

  // The launch happened: the page is up and published, the campaign runs, the event is in.
  CHECK(out["qa_passed"] == true);
  CHECK(out["published"] == true);
  CHECK(out["secrets_found"] == 0);
  auto item = hub.ok("get", {{"id", page}});
  CHECK(item["published"] == true);
  CHECK(item["title"] == "Solar Lamp: launch announcement");
  CHECK(item["body"].get<std::string>().find("Charges in daylight") != std::string::npos);
  auto c = marketing.ok("get_campaign", {{"id", campaign}});
  CHECK(c["status"] == "active");
  CHECK(c["budget"] == 1200000);
  CHECK(c["channels"] == json({"instagram", "twitter"}));
  CHECK(analytics.ok("aggregate", launches)["count"] == 1);
  CHECK(dashboard.ok("status", json::object())["notices"].size() == 1);

  CHECK(run.compensate() == 5);

  // Rolled back: no live page (nothing published), no campaign, no event, no notice.
  CHECK(hub.run("get", {{"id", page}}).code == "not_found");
  CHECK(hub.ok("list", {{"published", true}})["count"] == 0);
  CHECK(marketing.run("get_campaign", {{"id", campaign}}).code == "not_found");
  CHECK(marketing.ok("list_campaigns", json::object())["count"] == 0);
  CHECK(analytics.ok("aggregate", launches)["count"] == 0);
  CHECK(dashboard.ok("status", json::object())["notices"].empty());
}

TEST_CASE("templates: product_launch does not publish copy that fails QA", "[templates]") {
  json input = samples().at("product_launch").typical;
  input["key_points"] = {"Guaranteed to last ten years"};
  auto def = parse("product_launch");
  auto bound = wf::bind_input(def, input);
  REQUIRE(bound.ok());
  dry_run run(std::move(def), std::move(*bound));
  run.run_steps();
  CHECK(run.out("qa")["passed"] == false);
  CHECK(run.skipped("publish"));
  CHECK(run.output()["published"].is_null());
  // The page exists as a draft; the rollback still removes it.
  auto page = run.out("page")["id"].get<std::string>();
  CHECK(run.harness("content-hub").ok("get", {{"id", page}})["published"] == false);
  CHECK(run.compensate() == 4);
  CHECK(run.harness("content-hub").run("get", {{"id", page}}).code == "not_found");
}

TEST_CASE("templates: marketing_campaign schedules its report, rollback cancels it",
          "[templates]") {
  auto run = start("marketing_campaign", true);
  run.run_steps();
  auto out = run.output();
  auto& scheduler = run.harness("scheduler-automation-engine");
  auto sched = scheduler.ok("get_schedule", {{"id", out["report_schedule"]}});
  CHECK(sched["status"] == "active");
  CHECK(sched["workflow_template"] == "performance_report");
  CHECK(sched["input"]["title"] == "Spring sale: weekly performance");
  CHECK(run.harness("content-hub").ok("list", {{"tag", out["campaign"]}})["count"] == 2);
  run.compensate();
  CHECK(scheduler.ok("get_schedule", {{"id", out["report_schedule"]}})["status"] == "cancelled");
  CHECK(run.harness("content-hub").ok("list", json::object())["count"] == 0);
  CHECK(run.harness("marketing-engine").ok("list_campaigns", json::object())["count"] == 0);
}

TEST_CASE("templates: content_pipeline publishes readable text and holds back the rest",
          "[templates]") {
  {
    auto run = start("content_pipeline", true);
    run.run_steps();
    auto out = run.output();
    CHECK(out["qa_passed"] == true);
    CHECK(out["published"] == true);
    CHECK(!out["keywords"].empty());
    CHECK(!out["summary"].get<std::string>().empty());
  }
  json input = samples().at("content_pipeline").required;
  input["body"] = article + " TODO: add the price.";
  auto def = parse("content_pipeline");
  auto bound = wf::bind_input(def, input);
  REQUIRE(bound.ok());
  dry_run run(std::move(def), std::move(*bound));
  run.run_steps();
  CHECK(run.skipped("publish"));
  CHECK(run.out("qa")["issues"][0]["kind"] == "banned_term");
  CHECK(run.harness("content-hub").ok("list", {{"published", false}})["count"] == 1);
  run.compensate();
  CHECK(run.harness("content-hub").ok("list", json::object())["count"] == 0);
}

TEST_CASE("templates: performance_report reports the tenant's events", "[templates]") {
  auto run = start("performance_report", true);
  run.run_steps();
  auto out = run.output();
  CHECK(out["events"] == 2);
  CHECK(out["total_value"] == 98.0);
  CHECK(out["average_value"] == 49.0);
  CHECK(out["groups"] == json::parse(R"([{"group":"pro","count":2,"value":2}])"));
  CHECK(out["funnel"][1]["conversion_overall"] == 0.5);
  CHECK(out["headline"] == "Signups by plan: 2 signup events in the period.");
  auto content = out["content"].get<std::string>();
  CHECK(content.rfind("metric,value\r\nevents,2\r\n", 0) == 0);
  auto& reports = run.harness("reports-export");
  CHECK(reports.ok("list_reports", json::object())["count"] == 1);
  run.compensate();
  CHECK(reports.ok("list_reports", json::object())["count"] == 0);
  CHECK(run.harness("platform-dashboard").ok("status", json::object())["notices"].empty());
}

TEST_CASE("templates: tenant_onboarding grants access, rollback takes it away", "[templates]") {
  auto run = start("tenant_onboarding", true);
  run.run_steps();
  auto out = run.output();
  CHECK(out["admin_allowed"] == true);
  CHECK(!run.skipped("announce"));
  auto& security = run.harness("security-governance");
  auto& config = run.harness("secrets-config");
  const json owner_deploys = {
      {"role", "owner"}, {"action", "workflow.start"}, {"resource", "templates/x"}};
  const json viewer_reads_secret = {
      {"role", "viewer"}, {"action", "get"}, {"resource", "secrets/db"}};
  CHECK(security.ok("check_policy", owner_deploys)["allowed"] == true);
  CHECK(security.ok("check_policy", viewer_reads_secret)["allowed"] == false);
  CHECK(config.ok("get_config", {{"key", "tenant/profile"}})["value"]["plan"] == "enterprise");
  CHECK(run.harness("ai-routing-engine").ok("list_providers", json::object())["count"] == 2);

  CHECK(run.compensate() == 7);
  CHECK(security.ok("check_policy", owner_deploys)["allowed"] == false);
  CHECK(security.ok("list_policies", json::object())["count"] == 0);
  CHECK(config.run("get_config", {{"key", "tenant/profile"}}).code == "not_found");
  CHECK(run.harness("ai-routing-engine").ok("list_providers", json::object())["count"] == 1);
  CHECK(
      run.harness("ai-assistant").ok("history", {{"conversation", "onboarding"}})["turns"].empty());
  CHECK(run.harness("platform-dashboard").ok("status", json::object())["notices"].empty());
}

TEST_CASE("templates: project_kickoff plans the phases, rollback removes them", "[templates]") {
  auto run = start("project_kickoff", false);
  run.run_steps();
  auto out = run.output();
  // requirements 5, design 5, build 15, launch 1 (docs, 3 days, runs beside design and build).
  CHECK(out["duration_days"] == 26);
  CHECK(out["critical_path"] == json({"requirements", "design", "build", "launch"}));
  CHECK(out["finish_at"] == 1767225600000 + 26 * 86400000LL);
  REQUIRE(out["team"].size() == 3);
  CHECK(out["team"][0]["name"] == "Ada");

  auto& pm = run.harness("project-management");
  auto project = out["project"].get<std::string>();
  CHECK(pm.ok("get_project", {{"id", project}})["tasks"].size() == 5);
  run.compensate();
  CHECK(pm.run("get_project", {{"id", project}}).code == "not_found");
  // Undeleting the project shows the tasks were removed too, dependents first.
  pm.ok("restore_project", {{"id", project}});
  CHECK(pm.ok("get_project", {{"id", project}})["tasks"].empty());
}

TEST_CASE("templates: security_review opens remediation only when it finds something",
          "[templates]") {
  SECTION("a clean change") {
    auto run = start("security_review", false);
    run.run_steps();
    auto out = run.output();
    CHECK(out["clean"] == true);
    CHECK(out["access_allowed"] == true);
    CHECK(run.skipped("alert"));
    CHECK(run.skipped("remediation"));
    CHECK(run.skipped("remediation_task"));
    CHECK(out["remediation_project"].is_null());
    CHECK(run.compensate() == 3);
  }
  SECTION("a change that leaks a key") {
    auto run = start("security_review", true);
    run.run_steps();
    auto out = run.output();
    CHECK(out["clean"] == false);
    CHECK(out["findings"].size() == 2);  // the key id and the e-mail address
    CHECK(out["access_allowed"] == true);
    auto project = out["remediation_project"].get<std::string>();
    auto& pm = run.harness("project-management");
    CHECK(pm.ok("get_project", {{"id", project}})["tasks"][0]["id"] == "remove-findings");
    auto& dashboard = run.harness("platform-dashboard");
    CHECK(dashboard.ok("status", json::object())["overall"] == "warning");
    auto record = run.harness("secrets-config").ok("get_config", {{"key", "security/last_review"}});
    CHECK(record["value"]["findings"] == 2);
    CHECK(run.compensate() == 6);
    CHECK(pm.run("get_project", {{"id", project}}).code == "not_found");
    CHECK(dashboard.ok("status", json::object())["overall"] == "ok");
    CHECK(run.harness("secrets-config").run("get_config", {{"key", "security/last_review"}}).code ==
          "not_found");
  }
}

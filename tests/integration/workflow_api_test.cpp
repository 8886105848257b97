// The workflow engine through the admin port, as a user drives it: real xynergy-node processes,
// real services, HTTP only. Templates, saga rollback with the compensations visible in the
// services' state, failed compensations, cancel, approvals and signals, retries, `when`, child
// workflows, idempotent submits and tenants, the 400s of bad submits, paging, and durability:
// kill -9 with 200 runs in flight, and timers that outlive a restart.
// Each case starts its own node (free admin and cluster ports), so ctest runs them in parallel.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/node_process.hpp"
#include "tests/support/sample_data.hpp"

using xyn::test::http_answer;
using xyn::test::node_process;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

bool is_final(const std::string& s) {
  return s == "completed" || s == "failed" || s == "rolled_back" || s == "cancelled";
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> with_cluster_port(std::vector<std::string> extra) {
  extra.insert(extra.begin(), {"--cluster-port", "0"});
  return extra;
}

const json* find_step(const json& run, const std::string& id) {
  if (!run.is_object() || !run.contains("steps") || !run["steps"].is_array()) return nullptr;
  for (const auto& s : run["steps"])
    if (s.value("id", "") == id) return &s;
  return nullptr;
}

std::string step_status(const json& run, const std::string& id) {
  const auto* s = find_step(run, id);
  return s ? s->value("status", "") : "<no step '" + id + "'>";
}

std::string error_message(const http_answer& a) {
  if (a.body.is_object() && a.body.contains("error") && a.body["error"].is_object())
    return a.body["error"].value("message", "");
  return {};
}

// A node for one test case: started, every service up.
struct wf_node {
  node_process n;

  explicit wf_node(std::vector<std::string> extra = {}) : n(with_cluster_port(std::move(extra))) {
    boot();
  }

  void boot() {
    n.start();
    REQUIRE(node_process::eventually([&] { return n.get("/ready").status == 200; }, 20s));
  }

  http_answer submit(const json& body) const { return n.post("/v1/workflows", body); }

  // Submits; REQUIREs 201; returns the run id.
  std::string start(const json& body) const {
    auto r = submit(body);
    INFO("submit " << body.dump().substr(0, 300) << " -> " << r.status << " " << r.raw);
    REQUIRE(r.status == 201);
    REQUIRE(r.body["id"].is_string());
    CHECK(r.body.contains("status"));
    return r.body["id"].get<std::string>();
  }

  json run(const std::string& id) const {
    auto r = n.get("/v1/workflows/" + id);
    INFO("GET /v1/workflows/" << id << " -> " << r.status << " " << r.raw.substr(0, 500));
    REQUIRE(r.status == 200);
    return r.body;
  }

  // Polls the run until it reaches a final status; REQUIREs that it does within `limit`.
  json wait_final(const std::string& id, std::chrono::milliseconds limit = 20s) const {
    json last;
    bool done = node_process::eventually(
        [&] {
          last = run(id);
          return is_final(last.value("status", ""));
        },
        limit);
    INFO("run " << id << " did not finish: " << last.dump().substr(0, 2000));
    REQUIRE(done);
    return last;
  }

  // Polls until step `step` has status `status`; REQUIREs it.
  json wait_step(const std::string& id, const std::string& step, const std::string& status,
                 std::chrono::milliseconds limit = 10s) const {
    json last;
    bool ok = node_process::eventually(
        [&] {
          last = run(id);
          return step_status(last, step) == status;
        },
        limit);
    INFO("step " << step << " of " << id << " never became " << status << ": "
                 << last.dump().substr(0, 2000));
    REQUIRE(ok);
    return last;
  }

  // One service action through the admin port; returns the step response
  // {"status","output","error",...}.
  json exec(const std::string& service, const std::string& action, const json& params,
            const std::string& tenant = "default") const {
    auto r = n.post("/v1/services/" + service + "/execute",
                    {{"action", action}, {"params", params}, {"tenant", tenant}});
    INFO(service << " " << action << " " << params.dump() << " -> " << r.raw.substr(0, 500));
    REQUIRE(r.status == 200);
    return r.body;
  }
  // Same, REQUIREs status ok, returns the output.
  json ok(const std::string& service, const std::string& action, const json& params,
          const std::string& tenant = "default") const {
    auto r = exec(service, action, params, tenant);
    INFO(service << " " << action << " " << params.dump() << " -> " << r.dump().substr(0, 500));
    REQUIRE(r["status"] == "ok");
    return r["output"];
  }

  json history(const std::string& id) const {
    auto r = n.get("/v1/workflows/" + id + "/history");
    INFO(r.raw.substr(0, 500));
    REQUIRE(r.status == 200);
    REQUIRE(r.body["events"].is_array());
    return r.body["events"];
  }

  // The live content-hub items of `tenant`.
  json items(const std::string& tenant = "default") const {
    return ok("content-hub", "list", json::object(), tenant)["items"];
  }
};

// content-hub create (compensated by delete) of `title`.
json create_step(const std::string& id, const std::string& title,
                 std::vector<std::string> deps = {}) {
  json s = {{"id", id},
            {"service", "content-hub"},
            {"action", "create"},
            {"params", {{"title", title}, {"body", "made by workflow_api_test"}}},
            {"compensate",
             {{"action", "delete"}, {"params", {{"id", "${steps." + id + ".output.id}"}}}}}};
  if (!deps.empty()) s["depends_on"] = deps;
  return s;
}

json keywords_step(const std::string& id, const std::string& text,
                   std::vector<std::string> deps = {}) {
  json s = {{"id", id},
            {"service", "internal-ai-service"},
            {"action", "keywords"},
            {"params", {{"text", text}, {"count", 3}}}};
  if (!deps.empty()) s["depends_on"] = deps;
  return s;
}

json definition(const std::string& name, json steps, json inputs = json::array(),
                json output = json::object()) {
  return {{"name", name},
          {"version", "1"},
          {"inputs", std::move(inputs)},
          {"steps", std::move(steps)},
          {"output", std::move(output)}};
}

const std::string article =
    "Solar lamps charge in daylight and light a tent all night. Our new model adds a bigger "
    "battery and a brighter lens. It weighs less than a cup of coffee, so it fits in any pack. "
    "You can hang it from a hook or stand it on a table. Three modes let you choose between a "
    "soft glow and a strong beam. The lamp is made from recycled plastic and ships without "
    "any plastic bags.";

// Typical inputs per template (as a caller would give them), and the data a tenant that has
// been using the platform would already have.
struct template_case {
  std::string name;
  json input;
};

std::vector<template_case> template_cases() {
  return {
      {"product_launch",
       {{"product", "Solar Lamp"},
        {"audience", "campers"},
        {"budget", 1200000},
        {"channels", {"instagram", "twitter"}},
        {"tone", "bold"},
        {"key_points", {"Charges in daylight", "Lasts all night"}}}},
      {"marketing_campaign",
       {{"name", "Spring sale"},
        {"product", "Solar Lamp"},
        {"channels", {"instagram", "facebook"}},
        {"budget", 90000},
        {"tone", "friendly"},
        {"report_cron", "@weekly"}}},
      {"content_pipeline",
       {{"title", "Meet the new solar lamp"},
        {"body", article},
        {"tags", {"guide", "solar"}},
        {"min_words", 30},
        {"min_reading_ease", 50.0}}},
      {"performance_report",
       {{"title", "Signups by plan"},
        {"event_type", "signup"},
        {"group_by", "plan"},
        {"funnel_steps", {"campaign.click", "signup"}},
        {"from", 1690000000000},
        {"to", 1800000000000},
        {"format", "csv"}}},
      {"tenant_onboarding",
       {{"tenant_name", "Acme Corp"},
        {"plan", "enterprise"},
        {"region", "us-east-1"},
        {"admin_role", "owner"},
        {"features", {"workflows", "assistant"}},
        {"ai_provider", "acme-gpt"},
        {"ai_cost_per_1k", 2.5},
        {"ai_latency_ms", 450}}},
      {"project_kickoff",
       {{"project", "Website relaunch"},
        {"start", 1767225600000},
        {"build_days", 20},
        {"skills", {{"c++", 4}, {"design", 2}}},
        {"team_size", 2}}},
      {"competitive_analysis",
       {{"competitor", "Globex"},
        {"our_product", "Xynergy"},
        {"competitor_notes",
         "Globex ships a new automation suite. Reviewers love the templates and find the "
         "pricing fair. Some report crashes when importing large files."},
        {"our_notes", "Xynergy rolls back failed workflows and keeps every tenant separate."},
        {"format", "html"},
        {"routing_policy", "fastest"}}},
      {"security_review",
       {{"subject", "billing-service 2.3"},
        {"text",
         "deploy:\n  region: eu-west-1\n  aws_key: AKIAIOSFODNN7EXAMPLE\n  owner: "
         "ops@example.com\n"},
        {"role", "deployer"},
        {"action", "deploy"},
        {"resource", "production/billing"}}},
  };
}

void seed_services(const wf_node& w) {
  w.ok("analytics-data-layer", "ingest", {{"events", xyn::test::sample_funnel_events()}});
  w.ok("xynergy-competency-engine", "add_person",
       {{"name", "Ada"}, {"skills", {{"c++", 5}, {"design", 2}}}});
  w.ok("xynergy-competency-engine", "add_person",
       {{"name", "Grace"}, {"skills", {{"project management", 4}}}});
  w.ok("xynergy-competency-engine", "add_person", {{"name", "Linus"}, {"skills", {{"c++", 3}}}});
  w.ok("content-hub", "create",
       {{"title", "Globex pricing notes"}, {"body", "Globex raised prices."}});
  w.ok("security-governance", "put_policy",
       {{"role", "deployer"}, {"actions", {"deploy"}}, {"resources", {"production*"}}});
}

}  // namespace

// 1 ----------------------------------------------------------------------------------------------
TEST_CASE("workflow api: every template completes against a real node", "[workflow-api]") {
  wf_node w;
  auto t = w.n.get("/v1/templates");
  REQUIRE(t.status == 200);
  REQUIRE(t.body["templates"].size() == 8);
  std::set<std::string> listed;
  for (const auto& tpl : t.body["templates"]) listed.insert(tpl["name"].get<std::string>());
  auto cases = template_cases();
  for (const auto& c : cases) CHECK(listed.count(c.name) == 1);

  seed_services(w);
  // All at once, then wait.
  std::map<std::string, std::string> ids;
  for (const auto& c : cases) ids[c.name] = w.start({{"template", c.name}, {"input", c.input}});
  for (const auto& c : cases) {
    auto run = w.wait_final(ids[c.name]);
    INFO(c.name << ": " << run.dump().substr(0, 3000));
    REQUIRE(run["status"] == "completed");
    CHECK(run["template"] == c.name);
    CHECK(run["output"].is_object());
    CHECK(!run["output"].empty());
    CHECK(run["finished_at"].is_number());
    for (const auto& s : run["steps"]) {
      INFO("step " << s["id"]);
      CHECK((s["status"] == "completed" || s["status"] == "skipped"));
      if (s["status"] == "completed") CHECK(!s["output"].is_null());
      CHECK(s["error"].is_null());
    }
  }
  // Spot checks that the outputs are the services' real answers.
  auto launch = w.run(ids["product_launch"]);
  auto page = w.ok("content-hub", "get", {{"id", launch["output"]["page"]}});
  CHECK(page["title"] == "Solar Lamp: launch announcement");
  auto campaign = w.ok("marketing-engine", "get_campaign", {{"id", launch["output"]["campaign"]}});
  CHECK(campaign["status"] == "active");
  auto review = w.run(ids["security_review"]);
  CHECK(review["output"]["clean"] == false);
  CHECK(step_status(review, "remediation") == "completed");
}

// 2 ----------------------------------------------------------------------------------------------
TEST_CASE("workflow api: a failing step rolls product_launch back with visible compensations",
          "[workflow-api]") {
  wf_node w;
  auto f =
      w.n.post("/v1/faults", {{"service", "platform-dashboard"}, {"kind", "error"}, {"count", 50}});
  REQUIRE(f.status == 201);
  auto id = w.start({{"template", "product_launch"},
                     {"input", {{"product", "Solar Lamp"}, {"channels", {"twitter", "email"}}}}});
  auto run = w.wait_final(id);
  INFO(run.dump().substr(0, 4000));
  REQUIRE(run["status"] == "rolled_back");
  CHECK(run["error"]["code"] == "injected_fault");
  CHECK(run["error"]["message"].get<std::string>().find("notice") != std::string::npos);

  // The failed step tried as often as its retry policy allows (the template gives it none: the
  // default max_attempts is 3).
  const auto* notice = find_step(run, "notice");
  REQUIRE(notice);
  CHECK((*notice)["status"] == "failed");
  CHECK((*notice)["attempts"] == 3);
  CHECK((*notice)["error"]["code"] == "injected_fault");

  // Steps that changed something were compensated; read-only ones stay completed.
  for (const auto& s : run["steps"]) {
    INFO("step " << s["id"]);
    if (s["id"] == "notice") continue;
    if (s.contains("compensation")) {
      if (s["id"] == "publish" && s["status"] == "skipped") continue;  // QA did not pass
      CHECK(s["status"] == "compensated");
    } else {
      CHECK(s["status"] == "completed");
    }
  }
  for (const char* changed : {"page", "campaign", "track"}) {
    INFO(changed);
    CHECK(step_status(run, changed) == "compensated");
  }

  // In the services' state: the page is deleted, the campaign deleted, the launch event gone.
  auto page_id = find_step(run, "page")->at("output").at("id").get<std::string>();
  auto page = w.exec("content-hub", "get", {{"id", page_id}});
  CHECK(page["status"] == "error");
  CHECK(page["error"]["code"] == "not_found");
  for (const auto& item : w.items()) CHECK(item["id"] != page_id);
  auto campaign_id = find_step(run, "campaign")->at("output").at("id").get<std::string>();
  auto campaign = w.exec("marketing-engine", "get_campaign", {{"id", campaign_id}});
  CHECK(campaign["status"] == "error");
  CHECK(campaign["error"]["code"] == "not_found");
  CHECK(w.ok("marketing-engine", "list_campaigns", json::object())["count"] == 0);
  auto launched =
      w.ok("analytics-data-layer", "aggregate", {{"type", "launch.started"}, {"op", "count"}});
  CHECK(launched["count"] == 0);

  // History: compensations run in reverse order of completion.
  auto events = w.history(id);
  std::set<std::string> compensable;
  for (const auto& s : run["steps"])
    if (s.contains("compensation")) compensable.insert(s["id"].get<std::string>());
  std::vector<std::string> completed, compensated_started, compensated_done;
  for (const auto& e : events) {
    auto kind = e.value("kind", "");
    auto step = e.value("step", "");
    if (kind == "step_completed" && compensable.count(step)) completed.push_back(step);
    if (kind == "compensation_started") compensated_started.push_back(step);
    if (kind == "compensation_completed") compensated_done.push_back(step);
  }
  std::vector<std::string> expected(completed.rbegin(), completed.rend());
  CHECK(compensated_started == expected);
  CHECK(compensated_done == expected);
  CHECK(expected.size() >= 3);
  CHECK(events.back()["kind"] == "rolled_back");
  int notice_failures = 0;
  for (const auto& e : events)
    if (e.value("kind", "") == "step_failed" && e.value("step", "") == "notice") ++notice_failures;
  CHECK(notice_failures == 3);

  auto cleared = w.n.del("/v1/faults");
  CHECK(cleared.status == 200);
  CHECK(w.exec("platform-dashboard", "status", json::object())["status"] == "ok");
}

// 3 ----------------------------------------------------------------------------------------------
TEST_CASE("workflow api: a compensation that fails ends the run failed, naming the step",
          "[workflow-api]") {
  wf_node w;
  // `undo_me`'s compensation lacks the id `delete` requires; `doomed` fails for good
  // (not_found is not retryable).
  auto undo = create_step("undo_me", "compensation will fail");
  undo["compensate"]["params"] = json::object();
  auto ok_step = create_step("fine", "compensation will work");
  json doomed = {{"id", "doomed"},
                 {"service", "content-hub"},
                 {"action", "get"},
                 {"depends_on", {"undo_me", "fine"}},
                 {"params", {{"id", "no-such-item"}}},
                 {"retry", {{"max_attempts", 2}, {"initial_backoff_ms", 10}}}};
  auto id = w.start({{"definition", definition("bad_compensation", {undo, ok_step, doomed})}});
  auto run = w.wait_final(id);
  INFO(run.dump().substr(0, 3000));
  REQUIRE(run["status"] == "failed");
  REQUIRE(run["error"].is_object());
  auto message = run["error"]["message"].get<std::string>();
  CHECK(run["error"]["code"] == "compensation_failed");
  CHECK(message.find("undo_me") != std::string::npos);
  CHECK(message.find("delete") != std::string::npos);
  CHECK(message.find("doomed") != std::string::npos);  // what set the saga off
  CHECK(step_status(run, "undo_me") == "compensation_failed");
  CHECK(step_status(run, "fine") == "compensated");
  CHECK(step_status(run, "doomed") == "failed");
  // A non-retryable error is not retried, whatever max_attempts says.
  CHECK(find_step(run, "doomed")->at("attempts") == 1);
  // The item whose compensation failed is still there; the other one is gone.
  auto left = w.items();
  REQUIRE(left.size() == 1);
  CHECK(left[0]["title"] == "compensation will fail");
}

// 4 ----------------------------------------------------------------------------------------------
TEST_CASE("workflow api: cancel compensates finished steps and abandons running ones",
          "[workflow-api]") {
  wf_node w;
  auto def = definition(
      "cancel_me",
      {create_step("create", "to be cancelled"),
       {{"id", "nap"}, {"kind", "sleep"}, {"duration_ms", 60000}, {"depends_on", {"create"}}}});
  auto id = w.start({{"definition", def}});
  w.wait_step(id, "nap", "sleeping");
  REQUIRE(w.items().size() == 1);
  auto c = w.n.post("/v1/workflows/" + id + "/cancel", {{"reason", "changed my mind"}});
  INFO(c.raw);
  CHECK(c.status == 200);
  CHECK(c.body["id"] == id);
  auto run = w.wait_final(id);
  INFO(run.dump().substr(0, 3000));
  CHECK(run["status"] == "cancelled");
  CHECK(step_status(run, "create") == "compensated");
  CHECK(step_status(run, "nap") == "abandoned");
  CHECK(run["error"]["message"] == "changed my mind");
  CHECK(w.items().empty());

  auto again = w.n.post("/v1/workflows/" + id + "/cancel", json::object());
  INFO(again.raw);
  CHECK(again.status == 409);
  auto unknown = w.n.post("/v1/workflows/no-such-run/cancel", json::object());
  INFO(unknown.raw);
  CHECK(unknown.status == 404);
  auto signal_done = w.n.post("/v1/workflows/" + id + "/signal", {{"name", "x"}});
  CHECK(signal_done.status == 409);
}

// 5 ----------------------------------------------------------------------------------------------
TEST_CASE("workflow api: approvals wait for their signal, keep early signals, and time out",
          "[workflow-api]") {
  wf_node w;
  auto approve_then = definition(
      "approve_then_tag",
      {{{"id", "approve"}, {"kind", "approval"}, {"signal", "go"}},
       keywords_step("after", "approved by ${steps.approve.output.payload.by}", {"approve"})},
      json::array(), {{"approved_by", "${steps.approve.output.payload.by}"}});
  auto id = w.start({{"definition", approve_then}});
  auto waiting = w.wait_step(id, "approve", "waiting");
  CHECK(waiting["status"] == "running");
  // A signal with another name does not complete it.
  auto other = w.n.post("/v1/workflows/" + id + "/signal", {{"name", "nope"}, {"payload", 1}});
  CHECK(other.status == 200);
  node_process::sleep_ms(200);
  CHECK(step_status(w.run(id), "approve") == "waiting");
  json payload = {{"by", "alice"}, {"note", "ship it"}};
  auto sig = w.n.post("/v1/workflows/" + id + "/signal", {{"name", "go"}, {"payload", payload}});
  INFO(sig.raw);
  CHECK(sig.status == 200);
  auto run = w.wait_final(id);
  INFO(run.dump().substr(0, 3000));
  CHECK(run["status"] == "completed");
  CHECK(find_step(run, "approve")->at("output").at("payload") == payload);
  CHECK(find_step(run, "approve")->at("output").at("signal") == "go");
  CHECK(run["output"]["approved_by"] == "alice");

  // A signal sent before the approval step starts is kept and consumed when it does.
  auto early = definition(
      "early_signal",
      {{{"id", "wait"}, {"kind", "sleep"}, {"duration_ms", 700}},
       {{"id", "approve"}, {"kind", "approval"}, {"signal", "go"}, {"depends_on", {"wait"}}}});
  auto id2 = w.start({{"definition", early}});
  auto sig2 =
      w.n.post("/v1/workflows/" + id2 + "/signal", {{"name", "go"}, {"payload", {{"by", "bob"}}}});
  CHECK(sig2.status == 200);
  CHECK(step_status(w.run(id2), "approve") == "pending");
  auto run2 = w.wait_final(id2);
  INFO(run2.dump().substr(0, 3000));
  CHECK(run2["status"] == "completed");
  CHECK(find_step(run2, "approve")->at("output").at("payload") == json{{"by", "bob"}});
  int signal_at = -1, approve_started_at = -1, i = 0;
  for (const auto& e : w.history(id2)) {
    if (e["kind"] == "signal_received") signal_at = i;
    if (e["kind"] == "step_started" && e.value("step", "") == "approve") approve_started_at = i;
    ++i;
  }
  CHECK(signal_at >= 0);
  CHECK(signal_at < approve_started_at);

  // No signal within timeout_ms: the approval fails and the run rolls back.
  auto timeout = definition("approval_timeout", {create_step("draft", "awaiting approval"),
                                                 {{"id", "approve"},
                                                  {"kind", "approval"},
                                                  {"signal", "go"},
                                                  {"timeout_ms", 200},
                                                  {"depends_on", {"draft"}}}});
  auto id3 = w.start({{"definition", timeout}});
  auto run3 = w.wait_final(id3);
  INFO(run3.dump().substr(0, 3000));
  CHECK(run3["status"] == "rolled_back");
  CHECK(run3["error"]["code"] == "approval_timeout");
  CHECK(step_status(run3, "approve") == "failed");
  CHECK(find_step(run3, "approve")->at("error").at("code") == "approval_timeout");
  CHECK(step_status(run3, "draft") == "compensated");
  for (const auto& item : w.items()) CHECK(item["title"] != "awaiting approval");
}

// 6 ----------------------------------------------------------------------------------------------
TEST_CASE("workflow api: a step retries through injected errors", "[workflow-api]") {
  wf_node w;
  REQUIRE(
      w.n.post("/v1/faults", {{"service", "internal-ai-service"}, {"kind", "error"}, {"count", 2}})
          .status == 201);
  auto step = keywords_step("kw", article);
  step["retry"] = {{"max_attempts", 3}, {"initial_backoff_ms", 20}, {"multiplier", 2}};
  auto id = w.start({{"definition", definition("retry_twice", {step}, json::array(),
                                               {{"keywords", "${steps.kw.output.keywords}"}})}});
  auto run = w.wait_final(id);
  INFO(run.dump().substr(0, 3000));
  CHECK(run["status"] == "completed");
  CHECK(find_step(run, "kw")->at("attempts") == 3);
  CHECK(run["output"]["keywords"].is_array());
  CHECK(!run["output"]["keywords"].empty());
  std::vector<bool> finals;
  std::vector<int> attempts;
  for (const auto& e : w.history(id))
    if (e["kind"] == "step_failed" && e.value("step", "") == "kw") {
      finals.push_back(e.value("final", true));
      attempts.push_back(e.value("attempt", 0));
      CHECK(e.contains("wake_at"));
      CHECK(e["error"]["code"] == "injected_fault");
    }
  CHECK(finals == std::vector<bool>{false, false});
  CHECK(attempts == std::vector<int>{1, 2});
  w.n.del("/v1/faults");
}

// 7 ----------------------------------------------------------------------------------------------
TEST_CASE("workflow api: a step whose `when` is false is skipped and its dependents run",
          "[workflow-api]") {
  wf_node w;
  auto gated = create_step("gated", "only when asked");
  gated["when"] = "${input.publish}";
  auto gated2 = keywords_step("big_only", "large budgets only");
  gated2["when"] = "${input.budget} > 1000";
  auto def = definition(
      "when_test",
      {keywords_step("first", article), gated, gated2,
       keywords_step("after", "gated gave ${steps.gated.output}", {"gated", "big_only", "first"})},
      {{{"name", "publish"}, {"type", "boolean"}, {"required", true}},
       {{"name", "budget"}, {"type", "integer"}, {"default", 10}}},
      {{"gated", "${steps.gated.output}"}, {"after", "${steps.after.output.keywords}"}});
  auto id = w.start({{"definition", def}, {"input", {{"publish", false}}}});
  auto run = w.wait_final(id);
  INFO(run.dump().substr(0, 3000));
  CHECK(run["status"] == "completed");
  CHECK(step_status(run, "gated") == "skipped");
  CHECK(step_status(run, "big_only") == "skipped");
  CHECK(step_status(run, "first") == "completed");
  CHECK(step_status(run, "after") == "completed");
  CHECK(run["output"]["gated"].is_null());
  CHECK(w.items().empty());
  // The same definition with the condition true runs the step.
  auto id2 = w.start({{"definition", def}, {"input", {{"publish", true}, {"budget", 5000}}}});
  auto run2 = w.wait_final(id2);
  CHECK(run2["status"] == "completed");
  CHECK(step_status(run2, "gated") == "completed");
  CHECK(step_status(run2, "big_only") == "completed");
  CHECK(w.items().size() == 1);
}

// 8 ----------------------------------------------------------------------------------------------
TEST_CASE("workflow api: a child workflow step runs a template and hands back its output",
          "[workflow-api]") {
  wf_node w;
  auto def = definition(
      "with_child",
      {{{"id", "article"},
        {"kind", "workflow"},
        {"template", "content_pipeline"},
        {"input", {{"title", "${input.title}"}, {"body", "${input.body}"}, {"min_words", 30}}}},
       {{"id", "check"},
        {"service", "content-hub"},
        {"action", "get"},
        {"depends_on", {"article"}},
        {"params", {{"id", "${steps.article.output.id}"}}}}},
      {{{"name", "title"}, {"type", "string"}, {"required", true}},
       {{"name", "body"}, {"type", "string"}, {"required", true}}},
      {{"child", "${steps.article.output}"}, {"title", "${steps.check.output.title}"}});
  auto id =
      w.start({{"definition", def}, {"input", {{"title", "Child article"}, {"body", article}}}});
  auto run = w.wait_final(id, 30s);
  INFO(run.dump().substr(0, 3000));
  REQUIRE(run["status"] == "completed");
  const auto* step = find_step(run, "article");
  REQUIRE(step);
  CHECK((*step)["status"] == "completed");
  CHECK((*step)["child"] == id + ".article");
  auto child = w.n.get("/v1/workflows/" + id + ".article");
  INFO(child.raw.substr(0, 2000));
  REQUIRE(child.status == 200);
  CHECK(child.body["status"] == "completed");
  CHECK(child.body["template"] == "content_pipeline");
  CHECK(child.body["parent"] == id);
  CHECK((*step)["output"] == child.body["output"]);
  CHECK(run["output"]["child"] == child.body["output"]);
  CHECK(run["output"]["title"] == "Child article");
}

// 9 ----------------------------------------------------------------------------------------------
TEST_CASE("workflow api: a submit with an id is idempotent, a tenant's steps run as that tenant",
          "[workflow-api]") {
  wf_node w;
  json body = {{"id", "order-42"},
               {"template", "content_pipeline"},
               {"input", {{"title", "Idempotent article"}, {"body", article}, {"min_words", 30}}}};
  auto first = w.submit(body);
  INFO(first.raw);
  CHECK(first.status == 201);
  CHECK(first.body["id"] == "order-42");
  auto second = w.submit(body);
  INFO(second.raw);
  CHECK(second.status == 200);
  CHECK(second.body["id"] == "order-42");
  CHECK(w.wait_final("order-42")["status"] == "completed");
  auto third = w.submit(body);
  CHECK(third.status == 200);
  CHECK(third.body["status"] == "completed");
  auto list = w.n.get("/v1/workflows");
  REQUIRE(list.status == 200);
  int seen = 0;
  for (const auto& r : list.body["workflows"]) seen += r["id"] == "order-42";
  CHECK(seen == 1);
  CHECK(list.body["workflows"].size() == 1);
  CHECK(w.items().size() == 1);  // one article, not two

  auto def = definition("tenant_item", {create_step("create", "${input.title}")},
                        {{{"name", "title"}, {"type", "string"}, {"required", true}}},
                        {{"id", "${steps.create.output.id}"}});
  auto acme =
      w.start({{"definition", def}, {"tenant", "acme"}, {"input", {{"title", "for acme"}}}});
  auto run = w.wait_final(acme);
  CHECK(run["status"] == "completed");
  CHECK(run["tenant"] == "acme");
  auto acme_items = w.items("acme");
  REQUIRE(acme_items.size() == 1);
  CHECK(acme_items[0]["title"] == "for acme");
  CHECK(acme_items[0]["id"] == run["output"]["id"]);
  for (const auto& item : w.items()) CHECK(item["title"] != "for acme");
  auto by_tenant = w.n.get("/v1/workflows?tenant=acme");
  REQUIRE(by_tenant.status == 200);
  REQUIRE(by_tenant.body["workflows"].size() == 1);
  CHECK(by_tenant.body["workflows"][0]["id"] == acme);
}

// 10 ---------------------------------------------------------------------------------------------
TEST_CASE("workflow api: bad submits get a 400 naming the step and the problem", "[workflow-api]") {
  wf_node w;
  auto expect_400 = [&](const std::string& what, const http_answer& r,
                        std::vector<std::string> needles) {
    INFO(what << " -> " << r.status << " " << r.raw);
    CHECK(r.status == 400);
    auto msg = error_message(r);
    CHECK(r.body["error"]["code"] == "invalid_argument");
    for (const auto& n : needles) {
      INFO("message should name: " << n);
      CHECK(msg.find(n) != std::string::npos);
    }
  };
  auto sub = [&](json def, json input = json::object()) {
    return w.submit({{"definition", std::move(def)}, {"input", std::move(input)}});
  };
  auto one = [](json step) { return definition("bad", json::array({std::move(step)})); };

  auto unknown_service = keywords_step("ask", "x");
  unknown_service["service"] = "no-such-service";
  expect_400("unknown service", sub(one(unknown_service)), {"step 'ask'", "no-such-service"});

  auto unknown_action = keywords_step("ask", "x");
  unknown_action["action"] = "fly";
  expect_400("unknown action", sub(one(unknown_action)), {"step 'ask'", "fly"});

  auto bad_comp = create_step("c", "t");
  bad_comp["compensate"]["action"] = "shred";
  expect_400("unknown compensation action", sub(one(bad_comp)), {"step 'c'", "shred"});

  expect_400(
      "cycle",
      sub(definition("cyc", {keywords_step("a", "x", {"b"}), keywords_step("b", "y", {"a"})})),
      {"a -> b -> a"});
  expect_400("self dependency", sub(one(keywords_step("a", "x", {"a"}))), {"step 'a'", "itself"});
  expect_400("unknown dependency", sub(one(keywords_step("a", "x", {"ghost"}))),
             {"step 'a'", "ghost"});

  expect_400("reference to a step that is not upstream",
             sub(definition("ref", {keywords_step("a", "x"),
                                    keywords_step("b", "${steps.a.output.keywords}")})),
             {"step 'b'", "not upstream"});
  expect_400("reference to an unknown step",
             sub(one(keywords_step("b", "${steps.nowhere.output.x}"))), {"step 'b'", "nowhere"});
  expect_400("reference to an undeclared input", sub(one(keywords_step("b", "${input.nope}"))),
             {"step 'b'", "nope"});

  auto zero_attempts = keywords_step("r", "x");
  zero_attempts["retry"] = {{"max_attempts", 0}};
  expect_400("max_attempts 0", sub(one(zero_attempts)), {"step 'r'", "max_attempts"});
  auto shrinking = keywords_step("r", "x");
  shrinking["retry"] = {{"multiplier", 0.5}};
  expect_400("multiplier 0.5", sub(one(shrinking)), {"step 'r'", "multiplier"});
  auto backwards = keywords_step("r", "x");
  backwards["retry"] = {{"initial_backoff_ms", 500}, {"max_backoff_ms", 100}};
  expect_400("max below initial backoff", sub(one(backwards)), {"step 'r'", "max_backoff_ms"});
  auto negative = keywords_step("r", "x");
  negative["retry"] = {{"initial_backoff_ms", -1}};
  expect_400("negative backoff", sub(one(negative)), {"step 'r'", "initial_backoff_ms"});

  expect_400("missing required input",
             w.submit({{"template", "product_launch"}, {"input", json::object()}}), {"product"});
  expect_400("wrongly typed input",
             w.submit({{"template", "product_launch"}, {"input", {{"product", 7}}}}),
             {"product", "string"});
  expect_400("undeclared input",
             w.submit({{"template", "product_launch"},
                       {"input", {{"product", "Lamp"}, {"colour", "red"}}}}),
             {"colour"});
  expect_400("unknown template", w.submit({{"template", "no_such_template"}}),
             {"no_such_template"});
  expect_400("unknown child template",
             sub(one({{"id", "kid"}, {"kind", "workflow"}, {"template", "nope_tpl"}})),
             {"step 'kid'", "nope_tpl"});
  expect_400("neither template nor definition", w.submit({{"input", json::object()}}),
             {"template", "definition"});
  expect_400(
      "both template and definition",
      w.submit({{"template", "product_launch"}, {"definition", one(keywords_step("a", "x"))}}),
      {"template", "definition"});
  expect_400("definition not an object", w.submit({{"definition", "steps"}}), {"definition"});
  expect_400(
      "bad run id",
      w.submit(
          {{"id", "has space"}, {"template", "product_launch"}, {"input", {{"product", "L"}}}}),
      {"id"});

  auto malformed = w.n.request("POST", "/v1/workflows", "{\"template\": \"product_launch\",");
  INFO(malformed.raw);
  CHECK(malformed.status == 400);
  auto not_object = w.n.request("POST", "/v1/workflows", "[1,2]");
  CHECK(not_object.status == 400);

  CHECK(w.n.get("/v1/workflows/no-such-run").status == 404);
  CHECK(w.n.get("/v1/workflows/no-such-run/history").status == 404);
  CHECK(w.n.post("/v1/workflows/no-such-run/signal", {{"name", "go"}}).status == 404);
  std::string none;
  CHECK(w.n.request("GET", "/v1/workflows", {}, &none).status == 401);
  CHECK(w.n.request("POST", "/v1/workflows", json{{"template", "product_launch"}}.dump(), &none)
            .status == 401);
  std::string wrong = "not-the-key";
  CHECK(w.n.request("GET", "/v1/templates", {}, &wrong).status == 401);

  // Nothing was started, and the node still serves.
  auto list = w.n.get("/v1/workflows");
  REQUIRE(list.status == 200);
  CHECK(list.body["workflows"].empty());
  CHECK(w.n.get("/health").status == 200);
  auto id = w.start({{"definition", one(keywords_step("a", article))}});
  CHECK(w.wait_final(id)["status"] == "completed");
}

// 11 ---------------------------------------------------------------------------------------------
TEST_CASE("workflow api: the run list pages newest first and filters by status", "[workflow-api]") {
  wf_node w;
  auto small = definition("small", {keywords_step("a", "paging test text")});
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    ids.push_back(w.start({{"definition", small}}));
    node_process::sleep_ms(3);  // distinct created_at, so "newest first" is well defined
  }
  auto waiting = w.start(
      {{"definition",
        definition("parked", {{{"id", "approve"}, {"kind", "approval"}, {"signal", "go"}}})}});
  for (const auto& id : ids) CHECK(w.wait_final(id)["status"] == "completed");
  w.wait_step(waiting, "approve", "waiting");

  std::vector<std::string> seen;
  std::vector<int64_t> created;
  std::vector<size_t> page_sizes;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto r = w.n.get("/v1/workflows?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
    INFO(r.raw);
    REQUIRE(r.status == 200);
    page_sizes.push_back(r.body["workflows"].size());
    for (const auto& s : r.body["workflows"]) {
      seen.push_back(s["id"].get<std::string>());
      created.push_back(s["created_at"].get<int64_t>());
    }
    if (r.body["next_cursor"].is_null()) break;
    cursor = r.body["next_cursor"].get<std::string>();
  }
  CHECK(page_sizes == std::vector<size_t>{3, 3, 2});
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == seen.size());
  REQUIRE(seen.size() == 8);
  CHECK(std::is_sorted(created.rbegin(), created.rend()));
  CHECK(seen.front() == waiting);  // the newest
  std::vector<std::string> expected(ids.rbegin(), ids.rend());
  CHECK(std::vector<std::string>(seen.begin() + 1, seen.end()) == expected);

  auto done = w.n.get("/v1/workflows?status=completed&limit=100");
  REQUIRE(done.status == 200);
  CHECK(done.body["workflows"].size() == 7);
  for (const auto& s : done.body["workflows"]) CHECK(s["status"] == "completed");
  auto running = w.n.get("/v1/workflows?status=running");
  REQUIRE(running.body["workflows"].size() == 1);
  CHECK(running.body["workflows"][0]["id"] == waiting);
  // Paged with a filter: 7 completed runs in pages of 3.
  size_t total = 0;
  cursor.clear();
  for (int page = 0; page < 10; ++page) {
    auto r = w.n.get("/v1/workflows?status=completed&limit=3" +
                     (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE(r.status == 200);
    total += r.body["workflows"].size();
    for (const auto& s : r.body["workflows"]) CHECK(s["status"] == "completed");
    if (r.body["next_cursor"].is_null()) break;
    cursor = r.body["next_cursor"].get<std::string>();
  }
  CHECK(total == 7);
  CHECK(w.n.get("/v1/workflows?cursor=zz").status == 400);
}

// 12 ---------------------------------------------------------------------------------------------
TEST_CASE(
    "workflow api: kill -9 with 200 runs in flight, after restart all complete and no effect "
    "happens twice",
    "[workflow-api]") {
  wf_node w;
  const int runs = 200;
  auto def = definition(
      "two_items",
      {{{"id", "first"},
        {"service", "content-hub"},
        {"action", "create"},
        {"params", {{"title", "${input.key}-a"}, {"body", "first"}}}},
       {{"id", "nap"}, {"kind", "sleep"}, {"duration_ms", 1500}, {"depends_on", {"first"}}},
       {{"id", "second"},
        {"service", "content-hub"},
        {"action", "create"},
        {"depends_on", {"nap"}},
        {"params", {{"title", "${input.key}-b"}, {"body", "second"}}}}},
      {{{"name", "key"}, {"type", "string"}, {"required", true}}});

  std::vector<int> codes(runs, 0);
  std::vector<std::string> answers(runs);
  std::atomic<int> next{0};
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t)
    pool.emplace_back([&] {
      for (int i = next++; i < runs; i = next++) {
        std::string key = "k" + std::to_string(i);
        try {
          auto r = w.submit(
              {{"id", "dur-" + std::to_string(i)}, {"definition", def}, {"input", {{"key", key}}}});
          codes[i] = r.status;
          answers[i] = r.raw;
        } catch (const std::exception& e) {
          answers[i] = e.what();
        }
      }
    });
  for (auto& th : pool) th.join();
  auto submit_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  w.n.kill9();
  const int64_t killed_at = wall_ms();
  for (int i = 0; i < runs; ++i) {
    INFO("run " << i << ": " << answers[i]);
    REQUIRE(codes[i] == 201);
  }

  w.boot();
  auto t1 = std::chrono::steady_clock::now();
  std::vector<json> finished(runs);
  bool all_done = node_process::eventually(
      [&] {
        for (int i = 0; i < runs; ++i) {
          if (finished[i].is_object()) continue;
          auto r = w.n.get("/v1/workflows/dur-" + std::to_string(i));
          if (r.status != 200 || !is_final(r.body.value("status", ""))) return false;
          finished[i] = r.body;
        }
        return true;
      },
      30s);
  auto resume_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t1)
          .count();
  REQUIRE(all_done);
  int unfinished_at_kill = 0, first_done_before_kill = 0;
  for (int i = 0; i < runs; ++i) {
    INFO("run dur-" << i << ": " << finished[i].dump().substr(0, 2000));
    CHECK(finished[i]["status"] == "completed");
    if (finished[i]["finished_at"].is_number() &&
        finished[i]["finished_at"].get<int64_t>() > killed_at)
      ++unfinished_at_kill;
    if (const auto* first = find_step(finished[i], "first");
        first && (*first)["finished_at"].is_number() &&
        (*first)["finished_at"].get<int64_t>() <= killed_at)
      ++first_done_before_kill;
  }
  WARN("kill -9 test: 200 submits took "
       << submit_ms << " ms; " << unfinished_at_kill << " runs were unfinished at the kill ("
       << first_done_before_kill << " had their first item journaled); all finished " << resume_ms
       << " ms after the restart");
  // The kill must have caught runs in flight, or this test proves nothing.
  CHECK(unfinished_at_kill > 0);

  // Exactly one item per step: 400 items, each title once.
  auto items = w.items();
  CHECK(items.size() == 2 * runs);
  std::map<std::string, int> titles;
  for (const auto& item : items) ++titles[item["title"].get<std::string>()];
  for (int i = 0; i < runs; ++i)
    for (const char* suffix : {"-a", "-b"}) {
      auto title = "k" + std::to_string(i) + suffix;
      INFO(title);
      CHECK(titles[title] == 1);
    }
  // The journals agree: each step completed once, each run finished once.
  for (int i = 0; i < runs; ++i) {
    std::map<std::string, int> completions;
    int finishes = 0;
    for (const auto& e : w.history("dur-" + std::to_string(i))) {
      if (e["kind"] == "step_completed") ++completions[e.value("step", "")];
      if (is_final(e["kind"].get<std::string>())) ++finishes;
    }
    INFO("history of dur-" << i);
    CHECK(completions == std::map<std::string, int>{{"first", 1}, {"nap", 1}, {"second", 1}});
    CHECK(finishes == 1);
  }
  auto listed = w.n.get("/v1/workflows?status=completed&limit=1000");
  REQUIRE(listed.status == 200);
  CHECK(listed.body["workflows"].size() == runs);
  // And each run's outputs name distinct items.
  std::set<std::string> ids;
  for (const auto& run : finished)
    for (const char* step : {"first", "second"})
      if (const auto* s = find_step(run, step); s && (*s)["output"].is_object())
        ids.insert((*s)["output"].value("id", ""));
  CHECK(ids.size() == 2 * runs);
}

// 13 ---------------------------------------------------------------------------------------------
TEST_CASE("workflow api: sleep and approval timers survive a restart", "[workflow-api]") {
  wf_node w;
  auto sleeper = definition("sleeper", {{{"id", "nap"}, {"kind", "sleep"}, {"duration_ms", 1000}},
                                        create_step("after", "after the nap", {"nap"})});
  auto approver = definition("approver", {create_step("draft", "waiting for a signal"),
                                          {{"id", "approve"},
                                           {"kind", "approval"},
                                           {"signal", "go"},
                                           {"timeout_ms", 1200},
                                           {"depends_on", {"draft"}}}});
  auto waiter = definition("waiter", {{{"id", "approve"}, {"kind", "approval"}, {"signal", "go"}}},
                           json::array(), {{"by", "${steps.approve.output.payload}"}});
  auto s = w.start({{"definition", sleeper}});
  auto a = w.start({{"definition", approver}});
  auto q = w.start({{"definition", waiter}});
  w.wait_step(s, "nap", "sleeping");
  w.wait_step(a, "approve", "waiting");
  w.wait_step(q, "approve", "waiting");
  std::chrono::milliseconds took{};
  int code = w.n.terminate(&took);
  CHECK(code == 0);
  w.boot();
  auto sr = w.wait_final(s);
  INFO(sr.dump().substr(0, 2000));
  CHECK(sr["status"] == "completed");
  CHECK(step_status(sr, "after") == "completed");
  CHECK(sr["finished_at"].get<int64_t>() - sr["created_at"].get<int64_t>() >= 1000);
  auto ar = w.wait_final(a);
  INFO(ar.dump().substr(0, 2000));
  CHECK(ar["status"] == "rolled_back");
  CHECK(ar["error"]["code"] == "approval_timeout");
  CHECK(step_status(ar, "draft") == "compensated");
  // A run parked on a signal with no deadline is still there and takes its signal.
  CHECK(w.run(q)["status"] == "running");
  CHECK(w.n.post("/v1/workflows/" + q + "/signal", {{"name", "go"}, {"payload", "carol"}}).status ==
        200);
  auto qr = w.wait_final(q);
  CHECK(qr["status"] == "completed");
  CHECK(qr["output"]["by"] == "carol");
  auto items = w.items();
  REQUIRE(items.size() == 1);
  CHECK(items[0]["title"] == "after the nap");
}

// run_state is pure: these tests drive it with explicit times (the injected clock) and
// hand-made service answers, the way the workflow actor does.
#include <catch2/catch.hpp>

#include "actors/workflow/state.hpp"

using namespace xyn::workflow;
using xyn::mesh::step_response;
namespace proto = xyn::proto;
using answer_status = xyn::mesh::step_status;

namespace {

service_catalog_view catalog() {
  service_catalog_view v;
  v.actions = [](std::string_view s) -> std::optional<std::vector<std::string>> {
    if (s == "svc") return std::vector<std::string>{"do", "undo"};
    return std::nullopt;
  };
  return v;
}

json step(const std::string& id, std::vector<std::string> deps = {}, bool compensable = true) {
  json s = {{"id", id},
            {"service", "svc"},
            {"action", "do"},
            {"params", {{"n", id}}},
            {"depends_on", deps}};
  if (compensable)
    s["compensate"] = {{"action", "undo"}, {"params", {{"of", "${steps." + id + ".output.v}"}}}};
  return s;
}

struct driver {
  run_state run;
  std::vector<event> journal;

  explicit driver(json steps, json extra = json::object()) {
    json doc = {{"name", "t"}, {"steps", std::move(steps)}};
    doc.update(extra);
    auto def = parse_definition(doc, catalog());
    REQUIRE(def.ok());
    run.set_id("w1");
    record(make_started(*def, json::object(), "acme", "", "", "", 0));
  }
  void record(const event& e) {
    REQUIRE(run.apply(e).ok());
    journal.push_back(e);
  }
  // decide-and-apply until quiet, as the actor does; returns what was decided.
  std::vector<event> settle(int64_t now) {
    std::vector<event> all;
    for (int i = 0; i < 100; ++i) {
      auto more = run.decide(now);
      if (more.empty()) break;
      for (auto& e : more) {
        record(e);
        all.push_back(e);
      }
    }
    return all;
  }
  void answer(const std::string& id, int attempt, bool comp, answer_status st, int64_t now,
              const std::string& code = "boom") {
    step_response r;
    r.status = st;
    if (st == answer_status::ok)
      r.output = json{{"v", id + "-out"}}.dump();
    else
      r.error_code = code;
    auto e = run.on_result(id, attempt, comp, r, now);
    REQUIRE(e.has_value());
    record(*e);
  }
};

std::vector<std::string> kinds_of(const std::vector<event>& evs, event_kind k) {
  std::vector<std::string> out;
  for (const auto& e : evs)
    if (e.kind() == k) out.push_back(e.step());
  return out;
}

}  // namespace

TEST_CASE("ready steps start together, dependents start when their dependencies complete",
          "[state]") {
  driver d(json::array({step("a"), step("b"), step("c", {"a", "b"})}));
  auto first = d.settle(10);
  CHECK(kinds_of(first, proto::WorkflowEvent::STEP_STARTED) == std::vector<std::string>{"a", "b"});
  CHECK(d.run.calls_in_flight().size() == 2);
  d.answer("a", 1, false, answer_status::ok, 11);
  CHECK(d.settle(11).empty());  // c still waits for b
  d.answer("b", 1, false, answer_status::ok, 12);
  CHECK(kinds_of(d.settle(12), proto::WorkflowEvent::STEP_STARTED) ==
        std::vector<std::string>{"c"});
  auto c = d.run.calls_in_flight();
  REQUIRE(c.size() == 1);
  CHECK(c[0].request.idempotency_key == "wf:w1:c");
  CHECK(c[0].request.tenant == "acme");
  d.answer("c", 1, false, answer_status::ok, 13);
  auto last = d.settle(13);
  REQUIRE(last.size() == 1);
  CHECK(last[0].kind() == proto::WorkflowEvent::COMPLETED);
  CHECK(d.run.current_status() == run_status::completed);
}

TEST_CASE("retries wait initial * multiplier^(n-1), capped, then the saga starts", "[state]") {
  json s = step("a", {}, false);
  s["retry"] = {
      {"max_attempts", 3}, {"initial_backoff_ms", 100}, {"max_backoff_ms", 150}, {"multiplier", 2}};
  driver d(json::array({s}));
  d.settle(1000);
  d.answer("a", 1, false, answer_status::retryable, 1010);
  CHECK(d.run.step("a")->status == xyn::workflow::step_status::retry_wait);
  CHECK(d.run.next_wake_ms() == 1110);
  CHECK(d.settle(1109).empty());  // not yet due
  auto again = d.settle(1110);
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempt() == 2);
  d.answer("a", 2, false, answer_status::retryable, 1120);
  CHECK(d.run.next_wake_ms() == 1270);  // 200 capped at 150
  d.settle(1270);
  d.answer("a", 3, false, answer_status::retryable, 1300);
  CHECK(d.run.step("a")->status == xyn::workflow::step_status::failed);
  auto end = d.settle(1300);
  REQUIRE(end.size() == 1);
  CHECK(end[0].kind() == proto::WorkflowEvent::ROLLED_BACK);
  CHECK(d.run.step("a")->attempt == 3);
}

TEST_CASE(
    "an error is final unless its code is declared retryable, a stored error gets a fresh key",
    "[state]") {
  json s = step("a", {}, false);
  s["retry"] = {{"max_attempts", 2}, {"initial_backoff_ms", 0}, {"retryable_codes", {"conflict"}}};
  driver d(json::array({s}));
  d.settle(0);
  d.answer("a", 1, false, answer_status::error, 1, "conflict");
  CHECK(d.run.step("a")->status == xyn::workflow::step_status::retry_wait);
  d.settle(1);
  // The service stored the first answer under the first key; the retry must not get it back.
  CHECK(d.run.calls_in_flight().at(0).request.idempotency_key == "wf:w1:a#1");
  d.answer("a", 2, false, answer_status::error, 2, "invalid_params");
  CHECK(d.run.step("a")->status == xyn::workflow::step_status::failed);

  driver once(json::array({step("b", {}, false)}));
  once.settle(0);
  once.answer("b", 1, false, answer_status::error, 1, "invalid_params");
  CHECK(once.run.step("b")->status == xyn::workflow::step_status::failed);
}

TEST_CASE("compensations run one at a time in reverse order of completion", "[state]") {
  driver d(json::array({step("a"), step("b"), step("c", {}, false), step("d", {"a", "b", "c"})}));
  d.settle(0);
  d.answer("b", 1, false, answer_status::ok, 1);  // b completes first, then c, then a
  d.answer("c", 1, false, answer_status::ok, 2);
  d.answer("a", 1, false, answer_status::ok, 3);
  d.settle(3);
  d.answer("d", 1, false, answer_status::error, 4);  // d fails for good
  auto first = d.settle(4);
  REQUIRE(first.size() == 1);
  CHECK(first[0].kind() == proto::WorkflowEvent::COMPENSATION_STARTED);
  CHECK(first[0].step() == "a");
  auto call = d.run.calls_in_flight().at(0);
  CHECK(call.request.action == "undo");
  CHECK(call.request.params == json({{"of", "a-out"}}).dump());
  CHECK(call.request.idempotency_key == "wf:w1:a:undo");
  d.answer("a", 1, true, answer_status::ok, 5);
  auto second = d.settle(5);
  REQUIRE(second.size() == 1);
  CHECK(second[0].step() == "b");  // c has no compensation
  d.answer("b", 1, true, answer_status::ok, 6);
  auto end = d.settle(6);
  REQUIRE(end.size() == 1);
  CHECK(end[0].kind() == proto::WorkflowEvent::ROLLED_BACK);
  CHECK(d.run.current_status() == run_status::rolled_back);
  CHECK_THAT(d.run.error_message(), Catch::Contains("step 'd' failed"));
}

TEST_CASE("a failing compensation ends the run failed, naming it, after the others ran",
          "[state]") {
  driver d(json::array({step("a"), step("b", {"a"}), step("c", {"b"}, false)}));
  d.settle(0);
  d.answer("a", 1, false, answer_status::ok, 1);
  d.settle(1);
  d.answer("b", 1, false, answer_status::ok, 2);
  d.settle(2);
  d.answer("c", 1, false, answer_status::error, 3);
  d.settle(3);
  d.answer("b", 1, true, answer_status::error, 4, "undo_refused");  // b's compensation fails
  auto next = d.settle(4);
  REQUIRE(next.size() == 1);
  CHECK(next[0].step() == "a");  // the rest still compensate
  d.answer("a", 1, true, answer_status::ok, 5);
  auto end = d.settle(5);
  REQUIRE(end.size() == 1);
  CHECK(end[0].kind() == proto::WorkflowEvent::FAILED);
  CHECK_THAT(end[0].error_message(), Catch::Contains("compensation of step 'b' (undo) failed") &&
                                         Catch::Contains("undo_refused"));
}

TEST_CASE("a failure waits for calls in flight before compensating", "[state]") {
  driver d(json::array({step("a"), step("b")}));
  d.settle(0);
  d.answer("a", 1, false, answer_status::error, 1);
  CHECK(d.settle(1).empty());  // b is still running
  d.answer("b", 1, false, answer_status::ok, 2);
  auto comp = d.settle(2);
  REQUIRE(comp.size() == 1);
  CHECK(comp[0].step() == "b");
}

TEST_CASE("cancel abandons running steps and compensates completed ones", "[state]") {
  driver d(json::array({step("a"), step("b", {"a"})}));
  d.settle(0);
  d.answer("a", 1, false, answer_status::ok, 1);
  d.settle(1);
  auto c = d.run.on_cancel("", 2);
  REQUIRE(c);
  d.record(*c);
  CHECK(d.run.step("b")->status == xyn::workflow::step_status::abandoned);
  // b's late answer is stale
  step_response late;
  CHECK_FALSE(d.run.on_result("b", 1, false, late, 3).has_value());
  auto comp = d.settle(2);
  REQUIRE(comp.size() == 1);
  CHECK(comp[0].step() == "a");
  d.answer("a", 1, true, answer_status::ok, 3);
  auto end = d.settle(3);
  CHECK(end.at(0).kind() == proto::WorkflowEvent::CANCELLED);
  CHECK_FALSE(d.run.on_cancel("", 4).has_value());
  CHECK_FALSE(d.run.on_signal("x", "{}", 4).has_value());
}

TEST_CASE("sleep, approval deadlines and early signals", "[state]") {
  driver d(json::array(
      {json{{"id", "nap"}, {"kind", "sleep"}, {"duration_ms", 500}},
       json{{"id", "ok"}, {"kind", "approval"}, {"signal", "go"}, {"depends_on", {"nap"}}},
       json{{"id", "late"},
            {"kind", "approval"},
            {"signal", "never"},
            {"timeout_ms", 100},
            {"depends_on", {"ok"}}}}));
  d.settle(1000);
  CHECK(d.run.next_wake_ms() == 1500);
  d.record(*d.run.on_signal("go", R"({"by":"ann"})", 1100));  // before the approval starts
  CHECK(d.settle(1499).empty());
  d.settle(1500);  // nap completes, ok starts and consumes the buffered signal, late starts
  CHECK(d.run.step("ok")->status == xyn::workflow::step_status::completed);
  CHECK(d.run.step("ok")->output["payload"]["by"] == "ann");
  CHECK(d.run.step("late")->status == xyn::workflow::step_status::waiting);
  CHECK(d.run.next_wake_ms() == 1600);
  d.settle(1600);
  CHECK(d.run.step("late")->status == xyn::workflow::step_status::failed);
  CHECK(d.run.step("late")->error_code == "approval_timeout");
  CHECK(d.run.current_status() == run_status::rolled_back);
}

TEST_CASE("a false `when` skips the step, dependents still run and see null", "[state]") {
  json s2 = step("b", {"a"}, false);
  s2["when"] = "${steps.a.output.v} == nope";
  json s3 = step("c", {"b"}, false);
  s3["params"] = {{"from_b", "${steps.b.output.v}"}};
  driver d(json::array({step("a", {}, false), s2, s3}));
  d.settle(0);
  d.answer("a", 1, false, answer_status::ok, 1);
  d.settle(1);
  CHECK(d.run.step("b")->status == xyn::workflow::step_status::skipped);
  auto call = d.run.calls_in_flight().at(0);
  CHECK(call.step == "c");
  CHECK(call.request.params == R"({"from_b":null})");
}

TEST_CASE("replaying the journal rebuilds the same run and the same calls in flight", "[state]") {
  driver d(json::array({step("a"), step("b", {"a"}), step("c", {"a"})}));
  d.settle(0);
  d.answer("a", 1, false, answer_status::ok, 1);
  d.settle(1);
  d.answer("b", 1, false, answer_status::retryable, 2);
  d.settle(2);

  run_state replayed;
  replayed.set_id("w1");
  for (const auto& e : d.journal) REQUIRE(replayed.apply(e).ok());
  for (const auto& id : {"a", "b", "c"}) {
    CHECK(replayed.step(id)->status == d.run.step(id)->status);
    CHECK(replayed.step(id)->attempt == d.run.step(id)->attempt);
    CHECK(replayed.step(id)->output == d.run.step(id)->output);
  }
  CHECK(replayed.next_wake_ms() == d.run.next_wake_ms());
  auto calls = replayed.calls_in_flight();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].step == "c");
  CHECK(calls[0].request.idempotency_key == d.run.calls_in_flight().at(0).request.idempotency_key);
  CHECK(replayed.decide(2).size() == d.run.decide(2).size());

  run_state broken;
  event stray;
  stray.set_kind(proto::WorkflowEvent::STEP_COMPLETED);
  stray.set_step("a");
  CHECK_FALSE(broken.apply(stray).ok());  // a journal must begin with STARTED
}

// The supervisor actor on a real caf::actor_system. Each test reads the events the supervisor
// sends to its observer (a scoped_actor): one sender to one receiver keeps its order, so event
// sequences are deterministic even though the actors run on two threads.

#include "supervisors/supervisor.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "caf/all.hpp"
#include "supervisors/messages.hpp"

using namespace std::chrono_literals;
using namespace xyn::supervisors;

namespace {

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;
using crash_atom = caf::atom_constant<caf::atom("crash")>;
using finish_atom = caf::atom_constant<caf::atom("finish")>;

constexpr auto wait_limit = 5s;  // only reached when a test is about to fail

// A supervised child: answers ping, throws on crash (exit reason carries "boom"), quits
// normally on finish. A stubborn one ignores user_shutdown: only exit_reason::kill stops it.
// (Spawned with an argument on purpose: CAF 0.17.6 dereferences a null shared_ptr when a
// function actor is spawned without arguments, which UBSan aborts on.)
caf::behavior worker(caf::event_based_actor* self, bool stubborn) {
  self->set_exception_handler(exception_reason);
  if (stubborn) self->set_exit_handler([](caf::exit_msg&) {});
  return {
      [](ping_atom) { return pong_atom::value; },
      [](crash_atom) { throw std::runtime_error("boom"); },
      [self](finish_atom) { self->quit(); },
  };
}

start_fn spawn_worker() {
  return [](caf::actor_system& sys) { return sys.spawn(worker, false); };
}

start_fn spawn_stubborn() {
  return [](caf::actor_system& sys) { return sys.spawn(worker, true); };
}

struct test_config : caf::actor_system_config {
  test_config() {
    announce_messages(*this);
    set("scheduler.max-threads", 2);
  }
};

struct fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  caf::actor observer() { return caf::actor_cast<caf::actor>(self); }

  child_event next_event() {
    child_event out;
    bool got = false;
    self->receive(
        [&](child_event& e) {
          out = std::move(e);
          got = true;
        },
        caf::after(wait_limit) >> [] {});
    if (!got) FAIL("no child_event arrived");
    return out;
  }

  // The next n events as "kind:child" strings.
  std::vector<std::string> next_events(std::size_t n) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) {
      auto e = next_event();
      out.push_back(to_string(e.kind) + ":" + e.child);
    }
    return out;
  }

  // True when a child_event is already in the mailbox (consumed).
  bool event_queued() {
    bool got = false;
    self->receive([&](child_event&) { got = true; }, caf::after(0ms) >> [] {});
    return got;
  }

  children_info which(const caf::actor& sup) {
    children_info out;
    self->request(sup, wait_limit, which_children_atom::value)
        .receive([&](children_info& x) { out = std::move(x); },
                 [&](caf::error& e) { FAIL("which_children failed: " << sys.render(e)); });
    return out;
  }

  caf::actor child(const caf::actor& sup, const std::string& id) {
    for (auto& c : which(sup).children)
      if (c.id == id) return c.actor;
    return {};
  }

  caf::down_msg wait_down() {
    caf::down_msg out;
    bool got = false;
    self->receive(
        [&](caf::down_msg& dm) {
          out = std::move(dm);
          got = true;
        },
        caf::after(wait_limit) >> [] {});
    if (!got) FAIL("no down_msg arrived");
    return out;
  }

  bool answers_ping(const caf::actor& a) {
    bool ok = false;
    self->request(a, wait_limit, ping_atom::value)
        .receive([&](pong_atom) { ok = true; }, [&](caf::error&) {});
    return ok;
  }
};

std::vector<child_spec> workers(std::initializer_list<const char*> ids) {
  std::vector<child_spec> out;
  for (auto id : ids) out.push_back({id, spawn_worker()});
  return out;
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE_METHOD(fixture, "children start in list order and are listed by which_children") {
  auto sup = spawn_supervisor(sys, "sup", {}, workers({"a", "b", "c"}), observer());
  REQUIRE(sup);
  CHECK(next_events(3) == strings{"started:a", "started:b", "started:c"});
  auto info = which(sup);
  REQUIRE(info.children.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(info.children[i].id == std::string(1, static_cast<char>('a' + i)));
    CHECK(info.children[i].running);
    CHECK(info.children[i].restarts == 0);
    CHECK(answers_ping(info.children[i].actor));
  }
  self->send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "one_for_one restarts only the crashed child") {
  auto sup = spawn_supervisor(sys, "sup", {}, workers({"a", "b", "c"}), observer());
  next_events(3);
  auto before = which(sup).children;
  self->send(before[1].actor, crash_atom::value);
  auto exited = next_event();
  CHECK(exited.kind == child_event_kind::exited);
  CHECK(exited.child == "b");
  CHECK(exited.reason.find("boom") != std::string::npos);
  auto restarted = next_event();
  CHECK(restarted.kind == child_event_kind::restarted);
  CHECK(restarted.child == "b");
  CHECK(restarted.restarts == 1);
  auto after = which(sup).children;
  CHECK(after[0].actor == before[0].actor);
  CHECK(after[1].actor != before[1].actor);
  CHECK(after[2].actor == before[2].actor);
  CHECK(after[1].restarts == 1);
  CHECK(after[0].restarts == 0);
  CHECK(answers_ping(after[1].actor));
  self->send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "one_for_all stops the others in reverse and restarts all in order") {
  sup_flags flags{.strategy = strategy::one_for_all};
  auto sup = spawn_supervisor(sys, "sup", flags, workers({"a", "b", "c"}), observer());
  next_events(3);
  auto before = which(sup).children;
  for (auto& c : before) self->monitor(c.actor);
  self->send(before[1].actor, crash_atom::value);
  CHECK(next_events(6) ==
        strings{"exited:b", "stopped:c", "stopped:a", "restarted:a", "restarted:b", "restarted:c"});
  auto after = which(sup).children;
  REQUIRE(after.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(after[i].actor != before[i].actor);
    CHECK(after[i].restarts == 1);
    CHECK(answers_ping(after[i].actor));
  }
  for (int i = 0; i < 3; ++i) wait_down();  // every old incarnation is really gone
  self->send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "rest_for_one restarts the crashed child and the ones after it") {
  sup_flags flags{.strategy = strategy::rest_for_one};
  auto sup = spawn_supervisor(sys, "sup", flags, workers({"a", "b", "c", "d"}), observer());
  next_events(4);
  auto before = which(sup).children;
  self->send(before[1].actor, crash_atom::value);
  CHECK(next_events(6) ==
        strings{"exited:b", "stopped:d", "stopped:c", "restarted:b", "restarted:c", "restarted:d"});
  auto after = which(sup).children;
  CHECK(after[0].actor == before[0].actor);
  CHECK(after[0].restarts == 0);
  for (std::size_t i = 1; i < 4; ++i) {
    CHECK(after[i].actor != before[i].actor);
    CHECK(after[i].restarts == 1);
  }
  self->send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "restart type times normal or abnormal exit") {
  struct row {
    restart_type type;
    bool abnormal;
    bool restarted;
    bool listed;
  };
  auto r = GENERATE(row{restart_type::permanent, false, true, true},
                    row{restart_type::permanent, true, true, true},
                    row{restart_type::transient, false, false, true},
                    row{restart_type::transient, true, true, true},
                    row{restart_type::temporary, false, false, false},
                    row{restart_type::temporary, true, false, false});
  INFO("type " << to_string(r.type) << (r.abnormal ? ", abnormal exit" : ", normal exit"));
  std::vector<child_spec> kids{{"w", spawn_worker(), r.type}, {"s", spawn_worker()}};
  auto sup = spawn_supervisor(sys, "sup", {}, kids, observer());
  next_events(2);
  auto old = child(sup, "w");
  if (r.abnormal)
    self->send(old, crash_atom::value);
  else
    self->send(old, finish_atom::value);
  auto exited = next_event();
  CHECK(exited.kind == child_event_kind::exited);
  CHECK(exited.child == "w");
  if (r.abnormal)
    CHECK(exited.reason.find("boom") != std::string::npos);
  else
    CHECK(exited.reason == "normal");
  // The decision is made while handling the exit: its events precede the which_children reply.
  auto info = which(sup).children;
  CHECK(event_queued() == r.restarted);
  CHECK(event_queued() == false);
  CHECK(info.size() == (r.listed ? 2u : 1u));
  if (r.listed) {
    CHECK(info[0].id == "w");
    CHECK(info[0].running == r.restarted);
    CHECK(info[0].restarts == (r.restarted ? 1 : 0));
    if (r.restarted)
      CHECK(info[0].actor != old);
    else
      CHECK_FALSE(info[0].actor);
  }
  CHECK(info.back().id == "s");
  CHECK(info.back().running);
  self->send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "too many restarts: the supervisor stops all and exits abnormally") {
  sup_flags flags{.intensity = 2, .period = 60s};
  auto sup = spawn_supervisor(sys, "sup", flags, workers({"s", "w"}), observer());
  self->monitor(sup);
  next_events(2);
  auto sibling = child(sup, "s");
  self->monitor(sibling);
  for (int i = 0; i < 2; ++i) {
    self->send(child(sup, "w"), crash_atom::value);
    CHECK(next_events(2) == strings{"exited:w", "restarted:w"});
  }
  self->send(child(sup, "w"), crash_atom::value);
  auto exited = next_event();
  CHECK(exited.kind == child_event_kind::exited);
  auto gave_up = next_event();
  CHECK(gave_up.kind == child_event_kind::gave_up);
  CHECK(gave_up.child == "w");
  CHECK(gave_up.reason == "reached_max_restart_intensity");
  CHECK(next_events(1) == strings{"stopped:s"});
  // Both are down; the two reports come from different actors, in either order.
  caf::error sup_reason;
  bool sibling_down = false;
  for (int i = 0; i < 2; ++i) {
    auto d = wait_down();
    if (d.source == sup.address()) sup_reason = d.reason;
    if (d.source == sibling.address()) sibling_down = true;
  }
  CHECK(sibling_down);
  CHECK(sup_reason == sup_error::reached_max_restart_intensity);
  CHECK(sys.render(sup_reason).find("reached_max_restart_intensity") != std::string::npos);
}

TEST_CASE_METHOD(fixture, "a nested supervisor that gives up is restarted by its parent") {
  auto obs = observer();
  child_spec inner{"inner", [obs](caf::actor_system& sys) {
                     sup_flags f{.intensity = 0};
                     return spawn_supervisor(sys, "inner", f, workers({"w"}), obs);
                   }};
  auto parent = spawn_supervisor(sys, "parent", {}, {inner}, obs);
  // The inner supervisor starts its child on its own thread: the two reports may come in
  // either order.
  strings boot;
  for (int i = 0; i < 2; ++i) {
    auto e = next_event();
    boot.push_back(e.supervisor + ":" + to_string(e.kind) + ":" + e.child);
  }
  std::sort(boot.begin(), boot.end());
  CHECK(boot == strings{"inner:started:w", "parent:started:inner"});
  auto old_inner = child(parent, "inner");
  auto old_worker = child(old_inner, "w");
  self->send(old_worker, crash_atom::value);
  // The two supervisors send concurrently: compare each one's own sequence.
  strings inner_seq, parent_seq;
  std::string inner_reason;
  while (parent_seq.size() < 2 || inner_seq.size() < 3) {
    auto e = next_event();
    if (e.supervisor == "parent" && e.kind == child_event_kind::exited) inner_reason = e.reason;
    (e.supervisor == "parent" ? parent_seq : inner_seq)
        .push_back(to_string(e.kind) + ":" + e.child);
  }
  CHECK(inner_seq == strings{"exited:w", "gave_up:w", "started:w"});
  CHECK(inner_reason.find("reached_max_restart_intensity") != std::string::npos);
  CHECK(parent_seq == strings{"exited:inner", "restarted:inner"});
  auto new_inner = child(parent, "inner");
  CHECK(new_inner != old_inner);
  auto new_worker = child(new_inner, "w");
  CHECK(new_worker != old_worker);
  CHECK(answers_ping(new_worker));
  self->send_exit(parent, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "backoff delays a restart, grows and is capped") {
  sup_flags flags{.backoff = {.initial = 100ms, .max = 150ms, .multiplier = 2.0, .jitter = 0.0}};
  auto sup = spawn_supervisor(sys, "sup", flags, workers({"w"}), observer());
  next_events(1);
  std::vector<int64_t> delays;
  for (int i = 0; i < 2; ++i) {
    auto crashed_at = std::chrono::steady_clock::now();
    self->send(child(sup, "w"), crash_atom::value);
    CHECK(next_event().kind == child_event_kind::exited);
    auto restarting = next_event();
    CHECK(restarting.kind == child_event_kind::restarting);
    delays.push_back(restarting.delay_ms);
    auto restarted = next_event();
    CHECK(restarted.kind == child_event_kind::restarted);
    // A lower bound only: the restart must not come before its delay.
    CHECK(std::chrono::steady_clock::now() - crashed_at >=
          std::chrono::milliseconds{restarting.delay_ms});
  }
  CHECK(delays == std::vector<int64_t>{100, 150});
  self->send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "a shutdown during a backoff cancels the pending restart") {
  sup_flags flags{.backoff = {.initial = 60000ms, .max = 60000ms}};
  auto sup = spawn_supervisor(sys, "sup", flags, workers({"w"}), observer());
  self->monitor(sup);
  next_events(1);
  self->send(child(sup, "w"), crash_atom::value);
  CHECK(next_events(2) == strings{"exited:w", "restarting:w"});
  auto info = which(sup).children;
  CHECK_FALSE(info[0].running);  // absent during the delay
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  CHECK(wait_down().reason == caf::exit_reason::user_shutdown);  // not after 60 s
  CHECK_FALSE(event_queued());
}

TEST_CASE_METHOD(fixture, "shutdown stops every child in reverse order, killing a stubborn one") {
  std::vector<child_spec> kids{{"a", spawn_worker()},
                               {"b", spawn_stubborn(), restart_type::permanent, 50ms},
                               {"c", spawn_worker()}};
  auto sup = spawn_supervisor(sys, "sup", {}, kids, observer());
  next_events(3);
  auto info = which(sup).children;
  for (auto& c : info) self->monitor(c.actor);
  self->monitor(sup);
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  strings order;
  strings reasons;
  for (int i = 0; i < 3; ++i) {
    auto e = next_event();
    CHECK(e.kind == child_event_kind::stopped);
    order.push_back(e.child);
    reasons.push_back(e.reason);
  }
  CHECK(order == strings{"c", "b", "a"});
  CHECK(reasons[0].find("user_shutdown") != std::string::npos);
  CHECK(reasons[1].find("kill") != std::string::npos);  // ignored user_shutdown for 50 ms
  std::vector<caf::actor_addr> down;
  for (int i = 0; i < 4; ++i) down.push_back(wait_down().source);
  for (auto& c : info) CHECK(std::find(down.begin(), down.end(), c.actor.address()) != down.end());
  CHECK(std::find(down.begin(), down.end(), sup.address()) != down.end());
}

TEST_CASE_METHOD(fixture, "a start function that throws counts as a crash and is retried") {
  auto attempts = std::make_shared<std::atomic<int>>(0);
  std::vector<child_spec> kids{{"flaky",
                                [attempts](caf::actor_system& sys) {
                                  if (attempts->fetch_add(1) < 2) throw std::runtime_error("disk");
                                  return sys.spawn(worker, false);
                                }},
                               {"after", spawn_worker()}};
  auto sup = spawn_supervisor(sys, "sup", {}, kids, observer());
  auto e = next_event();
  CHECK(e.kind == child_event_kind::exited);
  CHECK(e.reason.find("start failed: disk") != std::string::npos);
  // one_for_one: the sibling is not held back by the retry.
  CHECK(next_events(3) == strings{"started:after", "exited:flaky", "started:flaky"});
  CHECK(attempts->load() == 3);
  auto info = which(sup).children;
  CHECK(info[0].running);
  CHECK(info[1].running);
  self->send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "a start function that always fails makes the supervisor give up") {
  std::vector<child_spec> kids{{"ok", spawn_worker()},
                               {"bad", [](caf::actor_system&) { return caf::actor{}; }}};
  sup_flags flags{.strategy = strategy::rest_for_one, .intensity = 3};
  auto sup = spawn_supervisor(sys, "sup", flags, kids, observer());
  self->monitor(sup);
  CHECK(next_events(7) == strings{"started:ok", "exited:bad", "exited:bad", "exited:bad",
                                  "exited:bad", "gave_up:bad", "stopped:ok"});
  CHECK(wait_down().reason == sup_error::reached_max_restart_intensity);
}

TEST_CASE_METHOD(fixture, "a crash inside a one_for_all restart is absorbed by that restart") {
  // While the supervisor waits for the stubborn child to exit, "a" (also about to be stopped)
  // crashes: it must not count as a second restart (intensity 1 would then give up) nor be
  // started twice.
  std::vector<child_spec> kids{{"a", spawn_worker()},
                               {"s", spawn_stubborn(), restart_type::permanent, 500ms},
                               {"c", spawn_worker()}};
  sup_flags flags{.strategy = strategy::one_for_all, .intensity = 1};
  auto sup = spawn_supervisor(sys, "sup", flags, kids, observer());
  next_events(3);
  auto before = which(sup).children;
  self->send(before[2].actor, crash_atom::value);
  CHECK(next_events(1) == strings{"exited:c"});
  self->send(before[0].actor, crash_atom::value);
  CHECK(next_events(5) ==
        strings{"exited:a", "stopped:s", "restarted:a", "restarted:s", "restarted:c"});
  auto after = which(sup).children;
  for (auto& c : after) {
    CHECK(c.running);
    CHECK(c.restarts == 1);
  }
  CHECK_FALSE(event_queued());
  self->send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "a crash outside a rest_for_one restart is handled after it") {
  std::vector<child_spec> kids{{"a", spawn_worker()},
                               {"b", spawn_worker()},
                               {"s", spawn_stubborn(), restart_type::permanent, 100ms}};
  sup_flags flags{.strategy = strategy::rest_for_one};
  auto sup = spawn_supervisor(sys, "sup", flags, kids, observer());
  next_events(3);
  auto before = which(sup).children;
  self->send(before[1].actor, crash_atom::value);
  CHECK(next_events(1) == strings{"exited:b"});
  self->send(before[0].actor, crash_atom::value);  // while "s" is being stopped
  CHECK(next_events(9) == strings{"stopped:s", "restarted:b", "restarted:s", "exited:a",
                                  "stopped:s", "stopped:b", "restarted:a", "restarted:b",
                                  "restarted:s"});
  auto after = which(sup).children;
  CHECK(after[0].restarts == 1);
  CHECK(after[1].restarts == 2);
  CHECK(after[2].restarts == 2);
  for (auto& c : after) CHECK(answers_ping(c.actor));
  self->send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "an invalid spec starts nothing") {
  std::vector<child_spec> kids{{"a", spawn_worker()}, {"a", spawn_worker()}};
  CHECK_FALSE(spawn_supervisor(sys, "sup", {}, kids, observer()));
  CHECK_FALSE(event_queued());
}

TEST_CASE_METHOD(fixture, "on_restart hears every restart with the supervisor and child names") {
  // The callback runs on the supervisor's thread; the restarted event follows it, so by the
  // time the test reads that event the call has happened.
  auto heard = std::make_shared<std::vector<std::string>>();
  sup_flags flags;
  flags.on_restart = [heard](const std::string& sup, const std::string& child) {
    heard->push_back(sup + "/" + child);
  };
  auto sup = spawn_supervisor(sys, "sup-x", flags, workers({"a", "b"}), observer());
  next_events(2);
  CHECK(heard->empty());  // first starts are not restarts
  self->send(child(sup, "b"), crash_atom::value);
  CHECK(next_events(2) == strings{"exited:b", "restarted:b"});
  CHECK(*heard == strings{"sup-x/b"});
  self->request(sup, wait_limit, restart_child_atom::value, std::string("a"))
      .receive([](caf::ok_atom) {}, [&](caf::error& e) { FAIL(sys.render(e)); });
  for (int i = 0; i < 5 && next_event().kind != child_event_kind::restarted; ++i) {
  }
  CHECK(*heard == strings{"sup-x/b", "sup-x/a"});
  self->send_exit(sup, caf::exit_reason::user_shutdown);
}

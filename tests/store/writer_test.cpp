// Tests of the writer actor: acks only after durable commits, group commit, arrival order,
// failure isolation, flush, stats, shutdown, and acked writes surviving a killed process.

#include "runtime/store/writer.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/after.hpp"
#include "caf/binary_deserializer.hpp"
#include "caf/binary_serializer.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "tests/store/temp_dir.hpp"

namespace xyn::store {
namespace {

using namespace std::chrono_literals;
using testing::temp_dir;

constexpr auto write_timeout = 10s;

struct node_config : caf::actor_system_config {
  node_config() {
    announce_messages(*this);
    set("scheduler.max-threads", 2);
  }
};

// An environment, an actor system and a writer; torn down in the order the node does it
// (writer told to stop, then the system waits for it, then the environment closes).
struct fixture {
  explicit fixture(options opts) {
    auto opened = lmdb_env::open(opts);
    INFO(opened.error().to_string());
    REQUIRE(opened.ok());
    env = *opened;
    writer = spawn_writer(sys, env);
  }
  ~fixture() {
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    writer = nullptr;
  }

  node_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<lmdb_env> env;
  writer_actor writer;
};

// Spawns a function actor. CAF 0.17 dereferences a null argument tuple when a function actor is
// spawned without arguments (UBSan reports it), so the wrapper takes one unused argument.
template <class F>
caf::actor spawn_client(caf::actor_system& sys, F fun) {
  return sys.spawn(
      [fun = std::move(fun)](caf::event_based_actor* self, int) mutable { return fun(self); }, 0);
}

write_batch put(db d, std::string key, std::string value) {
  write_batch b;
  b.put(d, std::move(key), std::move(value));
  return b;
}

// Waits for something other threads do; false if it did not happen within `limit` (a hang,
// not a speed judgement).
template <class Pred>
bool wait_until(Pred done, std::chrono::milliseconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

status write_sync(caf::scoped_actor& self, const writer_actor& w, write_batch b) {
  status out = status::internal("no reply");
  self->request(w, write_timeout, write_atom::value, std::move(b))
      .receive([&](ok_atom) { out = {}; }, [&](caf::error& err) { out = to_status(err); });
  return out;
}

writer_stats stats_of(caf::scoped_actor& self, const writer_actor& w) {
  writer_stats out;
  self->request(w, write_timeout, stats_atom::value)
      .receive([&](const writer_stats& s) { out = s; },
               [&](caf::error& err) { FAIL(to_status(err).to_string()); });
  return out;
}

// A realistic client: write i + 1 goes out only after write i was acked. on_ack(i) runs for
// each ack, done(ok) once at the end (ok false after an error).
void write_in_turn(caf::event_based_actor* self, const writer_actor& w, int i, int n,
                   const std::function<write_batch(int)>& make,
                   const std::function<void(int)>& on_ack, const std::function<void(bool)>& done) {
  if (i == n) {
    done(true);
    return;
  }
  self->request(w, write_timeout, write_atom::value, make(i))
      .then(
          [=](ok_atom) {
            on_ack(i);
            write_in_turn(self, w, i + 1, n, make, on_ack, done);
          },
          [=](caf::error&) { done(false); });
}

std::string key_of(int client, int i) {
  return "c" + std::to_string(client) + "/" + std::to_string(i);
}

TEST_CASE("an ok from the writer means a fresh read already sees the write") {
  temp_dir tmp;
  fixture f({.dir = tmp.path()});
  caf::scoped_actor self{f.sys};
  for (int i = 0; i < 50; ++i) {
    auto key = "k" + std::to_string(i);
    REQUIRE(write_sync(self, f.writer, put(db::service_state, key, "v" + std::to_string(i))).ok());
    CHECK(*f.env->get(db::service_state, key) == "v" + std::to_string(i));
  }
  // The same from concurrent client actors, checked inside each ok handler.
  std::atomic<int> seen{0}, missing{0};
  for (int c = 0; c < 8; ++c) {
    spawn_client(f.sys, [&, c](caf::event_based_actor* client) {
      for (int i = 0; i < 10; ++i) {
        auto key = key_of(c, i);
        client->request(f.writer, write_timeout, write_atom::value, put(db::workflows, key, key))
            .then([&, key](ok_atom) { (f.env->get(db::workflows, key).ok() ? seen : missing)++; },
                  [&](caf::error&) { missing++; });
      }
    });
  }
  REQUIRE(wait_until([&] { return seen + missing == 80; }));
  CHECK(missing == 0);
}

TEST_CASE("writes queued behind a busy writer share one commit and are acked only after it") {
  temp_dir tmp;
  fixture f({.dir = tmp.path()});
  constexpr int n = 64;
  std::atomic<int> sent{0}, acked{0}, failed{0};
  auto hold = f.env->test_hold_writes();  // no commit can happen while this lives
  REQUIRE(hold != nullptr);
  for (int c = 0; c < n; ++c) {
    spawn_client(f.sys, [&, c](caf::event_based_actor* client) {
      client
          ->request(f.writer, write_timeout, write_atom::value,
                    put(db::idempotency, key_of(c, 0), "v"))
          .then([&](ok_atom) { acked++; }, [&](caf::error&) { failed++; });
      sent++;
    });
  }
  REQUIRE(wait_until([&] { return sent == n; }));
  std::this_thread::sleep_for(50ms);  // room for a wrong early ack to show up
  CHECK(acked == 0);
  CHECK(failed == 0);
  hold.reset();
  REQUIRE(wait_until([&] { return acked + failed == n; }));
  CHECK(failed == 0);
  caf::scoped_actor self{f.sys};
  auto s = stats_of(self, f.writer);
  CHECK(s.batches == n);
  CHECK(s.ops == n);
  // The first write triggers a commit that blocks; every later one queues behind it and joins
  // the next: at most two commits for 64 writes.
  CHECK(s.commits <= 2);
  CHECK(s.max_batches_per_commit >= n / 2);
  for (int c = 0; c < n; ++c) CHECK(f.env->get(db::idempotency, key_of(c, 0)).ok());
}

TEST_CASE("many clients writing in a loop get fewer commits than writes") {
  temp_dir tmp;
  fixture f({.dir = tmp.path()});
  constexpr int clients = 32, rounds = 20;
  std::atomic<int> started{0}, finished{0}, failed{0};
  auto hold = f.env->test_hold_writes();  // the first round lines up behind this
  for (int c = 0; c < clients; ++c) {
    spawn_client(f.sys, [&, c](caf::event_based_actor* client) {
      write_in_turn(
          client, f.writer, 0, rounds,
          [c](int i) { return put(db::usage, key_of(c, 0), std::to_string(i)); }, [](int) {},
          [&](bool ok) {
            if (!ok) failed++;
            finished++;
          });
      started++;
    });
  }
  REQUIRE(wait_until([&] { return started == clients; }));
  hold.reset();
  REQUIRE(wait_until([&] { return finished == clients; }));
  CHECK(failed == 0);
  caf::scoped_actor self{f.sys};
  auto s = stats_of(self, f.writer);
  CHECK(s.batches == clients * rounds);
  // The 32 first writes alone fit in at most two commits.
  CHECK(s.commits <= clients * rounds - (clients - 2));
  for (int c = 0; c < clients; ++c)
    CHECK(*f.env->get(db::usage, key_of(c, 0)) == std::to_string(rounds - 1));
}

TEST_CASE("writes apply in arrival order: the later put wins, an erase after a put erases") {
  temp_dir tmp;
  fixture f({.dir = tmp.path()});
  std::atomic<int> replies{0}, failed{0};
  auto hold = f.env->test_hold_writes();  // all of them land in the same one or two commits
  spawn_client(f.sys, [&](caf::event_based_actor* client) {
    auto send = [&, client](write_batch b) {
      client->request(f.writer, write_timeout, write_atom::value, std::move(b))
          .then([&](ok_atom) { replies++; },
                [&](caf::error&) {
                  failed++;
                  replies++;
                });
    };
    for (int i = 0; i < 10; ++i) send(put(db::keys, "k", "v" + std::to_string(i)));
    send(put(db::keys, "gone", "x"));
    write_batch e;
    e.erase(db::keys, "gone");
    send(e);
  });
  std::this_thread::sleep_for(10ms);
  hold.reset();
  REQUIRE(wait_until([&] { return replies == 12; }));
  CHECK(failed == 0);
  CHECK(*f.env->get(db::keys, "k") == "v9");
  CHECK(f.env->get(db::keys, "gone").error().is_not_found());
}

TEST_CASE("a batch that cannot be committed fails alone, its neighbours commit") {
  temp_dir tmp;
  fixture f({.dir = tmp.path(), .map_size_bytes = 1 << 20, .max_map_size_bytes = 1 << 20});
  caf::scoped_actor self{f.sys};
  REQUIRE(write_sync(self, f.writer, put(db::meta, "earlier", "kept")).ok());

  write_batch big;
  for (int i = 0; i < 20; ++i)
    big.put(db::blobs, "blob" + std::to_string(i), std::string(100'000, 'x'));
  std::vector<write_batch> batches = {put(db::meta, "small0", "a"), big,
                                      put(db::meta, "small1", "b"), put(db::meta, "small2", "c")};
  std::mutex mu;
  std::vector<status> results(batches.size(), status::internal("no reply"));
  std::atomic<int> replies{0};
  auto hold = f.env->test_hold_writes();  // so that the big batch shares a commit with others
  spawn_client(f.sys, [&](caf::event_based_actor* client) {
    for (std::size_t i = 0; i < batches.size(); ++i) {
      client->request(f.writer, write_timeout, write_atom::value, batches[i])
          .then(
              [&, i](ok_atom) {
                std::lock_guard lock(mu);
                results[i] = {};
                replies++;
              },
              [&, i](caf::error& err) {
                std::lock_guard lock(mu);
                results[i] = to_status(err);
                replies++;
              });
    }
  });
  std::this_thread::sleep_for(10ms);
  hold.reset();
  REQUIRE(wait_until([&] { return replies == 4; }));
  std::lock_guard lock(mu);
  CHECK(results[0].ok());
  CHECK(results[1].code() == status_code::io_error);
  CHECK(results[1].message().find("database is full") != std::string::npos);
  CHECK(results[2].ok());
  CHECK(results[3].ok());
  CHECK(*f.env->get(db::meta, "earlier") == "kept");
  CHECK(*f.env->get(db::meta, "small2") == "c");
  CHECK(f.env->get(db::blobs, "blob0").error().is_not_found());
  auto s = stats_of(self, f.writer);
  CHECK(s.failed_batches == 1);
  CHECK(s.failed_commits >= 1);
  CHECK(s.batches == 4);  // "earlier" and the three small ones
}

TEST_CASE("an invalid batch is refused at once and does not disturb a commit") {
  temp_dir tmp;
  fixture f({.dir = tmp.path()});
  caf::scoped_actor self{f.sys};
  auto st = write_sync(self, f.writer, put(db::meta, "", "v"));
  CHECK(st.code() == status_code::invalid_argument);
  st = write_sync(self, f.writer, put(static_cast<db>(77), "k", "v"));
  CHECK(st.code() == status_code::invalid_argument);
  CHECK(write_sync(self, f.writer, put(db::meta, "k", "v")).ok());
  auto s = stats_of(self, f.writer);
  CHECK(s.failed_batches == 2);
  CHECK(s.failed_commits == 0);
  CHECK(s.batches == 1);
}

TEST_CASE("flush answers only after every write before it is durable") {
  temp_dir tmp;
  fixture f({.dir = tmp.path()});
  std::atomic<int> flushed{0}, visible_at_flush{0};
  auto hold = f.env->test_hold_writes();
  spawn_client(f.sys, [&](caf::event_based_actor* client) {
    for (int i = 0; i < 10; ++i)
      client
          ->request(f.writer, write_timeout, write_atom::value,
                    put(db::conversations, key_of(0, i), "m"))
          .then([](ok_atom) {});
    client->request(f.writer, write_timeout, flush_atom::value).then([&](ok_atom) {
      for (int i = 0; i < 10; ++i)
        if (f.env->get(db::conversations, key_of(0, i)).ok()) visible_at_flush++;
      flushed++;
    });
  });
  std::this_thread::sleep_for(10ms);
  hold.reset();
  REQUIRE(wait_until([&] { return flushed == 1; }));
  CHECK(visible_at_flush == 10);
  // A flush with nothing pending answers at once.
  caf::scoped_actor self{f.sys};
  bool ok = false;
  self->request(f.writer, write_timeout, flush_atom::value)
      .receive([&](ok_atom) { ok = true; }, [](caf::error& err) { FAIL(caf::to_string(err)); });
  CHECK(ok);
}

TEST_CASE("a client that cannot handle the ok does not stop the writer") {
  temp_dir tmp;
  fixture f({.dir = tmp.path()});
  caf::scoped_actor self{f.sys};
  self->monitor(f.writer);
  std::atomic<int> bounced{0};
  auto client = spawn_client(f.sys, [&](caf::event_based_actor* client) -> caf::behavior {
    // Like CAF's default, but silent: the unexpected ok_atom goes back as an error message.
    client->set_default_handler(
        [&](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
          bounced++;
          return caf::sec::unexpected_message;
        });
    for (int i = 0; i < 3; ++i) client->send(f.writer, write_atom::value, put(db::meta, "k", "v"));
    return {[](int) {}};  // stays alive until the test ends
  });
  REQUIRE(wait_until([&] { return bounced == 3; }));
  CHECK(write_sync(self, f.writer, put(db::meta, "after", "v")).ok());
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; }, caf::after(0ms) >> [] {});
  CHECK_FALSE(down);
  caf::anon_send_exit(client, caf::exit_reason::user_shutdown);
}

TEST_CASE("stats count commits, batches, ops, bytes and commit time") {
  temp_dir tmp;
  fixture f({.dir = tmp.path()});
  caf::scoped_actor self{f.sys};
  write_batch b;
  b.put(db::metrics, "a", "12345");
  b.put(db::metrics, "b", "67890");
  b.erase(db::metrics, "c");
  REQUIRE(write_sync(self, f.writer, b).ok());
  REQUIRE(write_sync(self, f.writer, put(db::metrics, "d", "x")).ok());
  auto s = stats_of(self, f.writer);
  CHECK(s.commits == 2);
  CHECK(s.batches == 2);
  CHECK(s.ops == 4);
  CHECK(s.bytes == 1 + 5 + 1 + 5 + 1 + 1 + 1);
  CHECK(s.commit_ns_total > 0);
  CHECK(s.commit_ns_max <= s.commit_ns_total);
  CHECK(s.batches_per_commit() == Approx(1.0));
  CHECK(s.avg_commit_us() > 0.0);
}

TEST_CASE("large floods are split into capped transactions, each batch whole") {
  temp_dir tmp;
  auto env = *lmdb_env::open({.dir = tmp.path()});
  node_config cfg;
  caf::actor_system sys{cfg};
  auto w =
      spawn_writer(sys, env, writer_options{.max_ops_per_txn = 10, .max_bytes_per_txn = 1 << 20});
  std::atomic<int> acked{0};
  auto hold = env->test_hold_writes();
  spawn_client(sys, [&](caf::event_based_actor* client) {
    for (int i = 0; i < 30; ++i) {
      write_batch b;  // 4 ops per batch: at most 2 batches per transaction of 10 ops
      for (int j = 0; j < 4; ++j) b.put(db::meta, key_of(i, j), "v");
      client->request(w, write_timeout, write_atom::value, std::move(b)).then([&](ok_atom) {
        acked++;
      });
    }
  });
  std::this_thread::sleep_for(10ms);
  hold.reset();
  REQUIRE(wait_until([&] { return acked == 30; }));
  caf::scoped_actor self{sys};
  auto s = stats_of(self, w);
  CHECK(s.ops == 120);
  CHECK(s.commits >= 15);
  CHECK(s.max_batches_per_commit == 2);
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

TEST_CASE("writes acked through the writer survive closing and reopening") {
  temp_dir tmp;
  {
    fixture f({.dir = tmp.path()});
    std::atomic<int> acked{0};
    for (int c = 0; c < 4; ++c)
      spawn_client(f.sys, [&, c](caf::event_based_actor* client) {
        for (int i = 0; i < 25; ++i)
          client
              ->request(f.writer, write_timeout, write_atom::value,
                        put(db::tenants, key_of(c, i), std::to_string(i)))
              .then([&](ok_atom) { acked++; });
      });
    REQUIRE(wait_until([&] { return acked == 100; }));
  }  // writer stopped, actor system gone, environment closed
  auto env = lmdb_env::open({.dir = tmp.path()});
  REQUIRE(env.ok());
  for (int c = 0; c < 4; ++c)
    for (int i = 0; i < 25; ++i)
      CHECK(*(*env)->get(db::tenants, key_of(c, i)) == std::to_string(i));
}

TEST_CASE("every write acked before the process is killed is on disk") {
  temp_dir tmp;
  int acks[2];
  REQUIRE(::pipe(acks) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(acks[0]);
    auto env = *lmdb_env::open({.dir = tmp.path()});
    node_config cfg;
    caf::actor_system sys{cfg};
    auto w = spawn_writer(sys, env);
    std::atomic<int> acked{0};
    for (int c = 0; c < 8; ++c)
      spawn_client(sys, [&, c](caf::event_based_actor* client) {
        write_in_turn(
            client, w, 0, 1'000'000, [c](int i) { return put(db::journal, key_of(c, i), "v"); },
            [&, c](int i) {
              int id = c * 100000 + i;  // reported only once the writer said ok
              (void)!::write(acks[1], &id, sizeof id);
              acked++;
            },
            [](bool) {});
      });
    while (acked < 300) std::this_thread::sleep_for(1ms);
    ::raise(SIGKILL);  // more writes are in flight; nothing gets to clean up
  }
  ::close(acks[1]);
  std::set<int> reported;
  int id = 0;
  while (::read(acks[0], &id, sizeof id) == static_cast<ssize_t>(sizeof id)) reported.insert(id);
  ::close(acks[0]);
  int wstatus = 0;
  REQUIRE(::waitpid(child, &wstatus, 0) == child);
  REQUIRE(WIFSIGNALED(wstatus));
  REQUIRE(reported.size() >= 300);
  auto env = lmdb_env::open({.dir = tmp.path()});  // the dead child's lock is gone
  REQUIRE(env.ok());
  int missing = 0;
  for (int v : reported)
    if (!(*env)->get(db::journal, key_of(v / 100000, v % 100000)).ok()) ++missing;
  CHECK(missing == 0);
}

TEST_CASE("writes pending when the writer stops are committed or refused, never left hanging") {
  temp_dir tmp;
  fixture f({.dir = tmp.path()});
  std::atomic<int> sent{0}, ok{0}, refused{0}, lost{0};
  auto send_writes = [&](int from, int to) {
    spawn_client(f.sys, [&, from, to](caf::event_based_actor* client) {
      for (int i = from; i < to; ++i) {
        auto key = key_of(0, i);
        client->request(f.writer, write_timeout, write_atom::value, put(db::audit, key, "v"))
            .then([&, key](ok_atom) { (f.env->get(db::audit, key).ok() ? ok : lost)++; },
                  [&](caf::error& err) { (err == caf::sec::request_timeout ? lost : refused)++; });
        sent++;
      }
    });
  };
  auto hold = f.env->test_hold_writes();
  send_writes(0, 1);
  // Give the writer time to block in its first commit, so that the next writes are pending (not
  // yet committed) when the exit message arrives. If it is slower, the test checks less, never
  // fails wrongly.
  std::this_thread::sleep_for(20ms);
  send_writes(1, 20);
  REQUIRE(wait_until([&] { return sent == 20; }));
  caf::anon_send_exit(f.writer, caf::exit_reason::user_shutdown);
  hold.reset();
  REQUIRE(wait_until([&] { return ok + refused + lost == 20; }));
  CHECK(lost == 0);
  CHECK(ok >= 1);  // at least the write the writer was committing when told to stop
}

TEST_CASE("a status crosses the actor boundary and back unchanged") {
  for (auto st : {status::not_found("nope"), status::io_error("disk"), status::unavailable("busy"),
                  status::invalid_argument("")}) {
    auto back = to_status(to_error(st));
    CHECK(back.code() == st.code());
    CHECK(back.message() == st.message());
  }
  CHECK(!to_error(status{}));
  CHECK(to_status(caf::error{}).ok());
  CHECK(to_status(caf::make_error(caf::sec::request_timeout)).code() == status_code::timeout);
  CHECK(to_status(caf::make_error(caf::sec::request_receiver_down)).code() ==
        status_code::unavailable);
  CHECK(to_status(caf::make_error(caf::sec::unexpected_message)).code() == status_code::internal);

  // A dead writer answers with an error that maps to unavailable.
  temp_dir tmp;
  fixture f({.dir = tmp.path()});
  caf::scoped_actor self{f.sys};
  self->monitor(f.writer);
  caf::anon_send_exit(f.writer, caf::exit_reason::user_shutdown);
  self->receive([](caf::down_msg&) {});
  CHECK(write_sync(self, f.writer, put(db::meta, "k", "v")).code() == status_code::unavailable);
}

TEST_CASE("write_batch and writer_stats survive serialization") {
  node_config cfg;
  caf::actor_system sys{cfg};
  write_batch in;
  in.put(db::service_state, std::string("te\0nant", 7), std::string(300, 'v'));
  in.erase(db::metrics, "old");
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE(!sink(in));
  write_batch out;
  caf::binary_deserializer source{sys, buf};
  REQUIRE(!source(out));
  CHECK(out == in);

  writer_stats s{.commits = 3, .batches = 9, .commit_ns_max = 77};
  buf.clear();
  caf::binary_serializer sink2{sys, buf};
  REQUIRE(!sink2(s));
  writer_stats t;
  caf::binary_deserializer source2{sys, buf};
  REQUIRE(!source2(t));
  CHECK(t.commits == 3);
  CHECK(t.batches == 9);
  CHECK(t.commit_ns_max == 77);
}

}  // namespace
}  // namespace xyn::store

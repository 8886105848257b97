// The cluster's pure parts: the phi-accrual detector, the handshake's proofs, the membership
// rules (suspicion, downing only with a majority, incarnations, leaving) and the config keys.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "runtime/cluster/handshake.hpp"
#include "runtime/cluster/membership.hpp"
#include "runtime/cluster/phi_detector.hpp"
#include "runtime/cluster/shard_map.hpp"
#include "runtime/node/config.hpp"

using namespace xyn::cluster;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

TEST_CASE("phi stays low while heartbeats arrive on time and climbs once they stop") {
  phi_detector d({100ms, 150ms, 40ms, 200});
  auto t = clock_type::time_point{} + 1s;
  CHECK(d.phi(t) == 0);  // nothing heard yet: no suspicion
  for (int i = 0; i < 50; ++i, t += 100ms) d.heartbeat(t);
  auto last = t - 100ms;
  CHECK(d.phi(last + 100ms) < 1);
  CHECK(d.phi(last + 250ms) < 1);  // within the acceptable pause
  CHECK(d.phi(last + 600ms) > 8);  // a frozen peer
  CHECK(d.phi(last + 2s) > d.phi(last + 600ms));
  double previous = 0;
  for (auto at = last; at < last + 1s; at += 50ms) {
    CHECK(d.phi(at) >= previous);  // suspicion only grows while silent
    previous = d.phi(at);
  }
}

TEST_CASE("phi adapts to a peer whose heartbeats are irregular") {
  phi_detector steady({100ms, 0ms, 10ms, 200}), jittery({100ms, 0ms, 10ms, 200});
  auto t = clock_type::time_point{} + 1s;
  auto u = t;
  for (int i = 0; i < 100; ++i) {
    steady.heartbeat(t += 100ms);
    jittery.heartbeat(u += (i % 2 ? 40ms : 160ms));
  }
  CHECK(jittery.phi(u + 300ms) < steady.phi(t + 300ms));
}

TEST_CASE("handshake proofs match only with the same secret, nonces and address") {
  auto jn = make_nonce(), dn = make_nonce();
  CHECK(jn.size() == 64);
  CHECK(jn != dn);
  auto s = server_proof("secret-one-secret-one", jn, dn);
  CHECK(same_proof(s, server_proof("secret-one-secret-one", jn, dn)));
  CHECK_FALSE(same_proof(s, server_proof("secret-two-secret-two", jn, dn)));
  CHECK_FALSE(same_proof(s, server_proof("secret-one-secret-one", dn, jn)));
  auto c = client_proof("secret-one-secret-one", dn, jn, "127.0.0.1:1");
  CHECK_FALSE(same_proof(c, s));  // a door's proof cannot be replayed as a joiner's
  CHECK_FALSE(same_proof(c, client_proof("secret-one-secret-one", dn, jn, "127.0.0.1:2")));
  CHECK_FALSE(same_proof(c, ""));
}

namespace {

member peer(const std::string& address, uint64_t incarnation = 1) {
  return {address, "n" + address.substr(address.size() - 1), incarnation, member_status::up, {},
          false};
}

membership_options fast() {
  membership_options o;
  o.phi = {100ms, 100ms, 20ms, 200};
  o.phi_threshold = 8;
  o.down_after = 200ms;
  return o;
}

member_status status(const membership& m, const std::string& a) {
  return m.find(a)->status;
}

}  // namespace

TEST_CASE("a member whose connection closed is unreachable at once and down after the delay") {
  auto t = clock_type::now();
  membership m(peer("h:1"), fast());
  REQUIRE(m.joined(peer("h:2"), t));
  REQUIRE(m.joined(peer("h:3"), t));
  CHECK(m.tick(t).empty());
  m.connection_lost("h:3", 1);
  auto changes = m.tick(t + 10ms);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].to == member_status::unreachable);
  m.heartbeat("h:2", 1, {}, t + 100ms);
  CHECK(m.tick(t + 150ms).empty());
  m.heartbeat("h:2", 1, {}, t + 200ms);
  changes = m.tick(t + 220ms);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].address == "h:3");
  CHECK(changes[0].to == member_status::down);
  // Its heartbeats are not taken back; it must come back as a newer incarnation.
  CHECK_FALSE(m.heartbeat("h:3", 1, {}, t + 230ms));
  CHECK_FALSE(m.joined(peer("h:3", 1), t + 240ms));
  auto back = m.joined(peer("h:3", 2), t + 250ms);
  REQUIRE(back);
  CHECK(back->from == member_status::down);
  CHECK(status(m, "h:3") == member_status::up);
}

TEST_CASE("a silent member is suspected by phi and forgiven when it speaks again") {
  auto t = clock_type::now();
  membership m(peer("h:1"), fast());
  m.joined(peer("h:2"), t);
  m.joined(peer("h:3"), t);
  for (int i = 1; i <= 10; ++i) {
    m.heartbeat("h:2", 1, {}, t + i * 100ms);
    m.heartbeat("h:3", 1, {}, t + i * 100ms);
  }
  auto now = t + 1000ms;
  CHECK(m.tick(now + 100ms).empty());
  m.heartbeat("h:2", 1, {}, now + 100ms);
  m.heartbeat("h:2", 1, {}, now + 200ms);
  m.heartbeat("h:2", 1, {}, now + 300ms);
  auto changes = m.tick(now + 400ms);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].address == "h:3");
  CHECK(changes[0].to == member_status::unreachable);
  m.heartbeat("h:2", 1, {}, now + 400ms);
  m.heartbeat("h:3", 1, {}, now + 410ms);
  changes = m.tick(now + 420ms);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].to == member_status::up);
}

TEST_CASE("the minority side of a partition downs nobody, the majority side does") {
  auto t = clock_type::now();
  membership minority(peer("h:5"), fast());
  for (auto a : {"h:1", "h:2", "h:3", "h:4"}) minority.joined(peer(a), t);
  for (auto a : {"h:1", "h:2", "h:3"}) minority.connection_lost(a, 1);
  minority.tick(t + 10ms);
  CHECK_FALSE(minority.has_majority());
  for (const auto& c : minority.tick(t + 1s)) CHECK(c.to != member_status::down);
  for (auto a : {"h:1", "h:2", "h:3"}) CHECK(status(minority, a) == member_status::unreachable);

  membership majority(peer("h:1"), fast());
  for (auto a : {"h:2", "h:3", "h:4", "h:5"}) majority.joined(peer(a), t);
  majority.connection_lost("h:4", 1);
  majority.connection_lost("h:5", 1);
  majority.tick(t + 10ms);
  for (auto a : {"h:2", "h:3"}) majority.heartbeat(a, 1, {}, t + 150ms);
  CHECK(majority.has_majority());
  auto downs = majority.tick(t + 250ms);
  CHECK(downs.size() == 2);
  for (auto a : {"h:4", "h:5"}) CHECK(status(majority, a) == member_status::down);
}

TEST_CASE("an even split keeps the half with the lowest address") {
  auto t = clock_type::now();
  membership low(peer("h:1"), fast()), high(peer("h:3"), fast());
  low.joined(peer("h:3"), t);
  high.joined(peer("h:1"), t);
  low.connection_lost("h:3", 1);
  high.connection_lost("h:1", 1);
  low.tick(t);
  high.tick(t);
  CHECK(low.has_majority());
  CHECK_FALSE(high.has_majority());
  CHECK(low.tick(t + 300ms).size() == 1);
  CHECK(high.tick(t + 300ms).empty());
}

TEST_CASE("a leaving member is removed once its connection closes, never declared down") {
  auto t = clock_type::now();
  membership m(peer("h:1"), fast());
  m.joined(peer("h:2"), t);
  auto c = m.leaving("h:2");
  REQUIRE(c);
  CHECK(c->to == member_status::leaving);
  CHECK(m.tick(t + 1s).empty());  // still connected: waits, phi ignored
  m.connection_lost("h:2", 1);
  auto changes = m.tick(t + 2s);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].removed);
  CHECK(m.find("h:2") == nullptr);
  CHECK(m.members().size() == 1);
}

TEST_CASE("seeds need a cluster secret, and seeds must be host:port") {
  using namespace xyn::node;
  auto cfg = load_config("", {{"XYN_CLUSTER_SEEDS", "127.0.0.1:4370"}});
  REQUIRE(cfg.ok());
  auto st = finalize(*cfg);
  CHECK(st.code() == xyn::status_code::invalid_argument);
  CHECK(st.message().find("secret") != std::string::npos);

  cfg = load_config("", {{"XYN_CLUSTER_SEEDS", "127.0.0.1:4370"},
                         {"XYN_CLUSTER_SECRET", "sixteen-chars-or-more"}});
  REQUIRE(cfg.ok());
  CHECK(finalize(*cfg).ok());
  CHECK(cfg->cluster_secret == "sixteen-chars-or-more");

  cfg = load_config("", {{"XYN_CLUSTER_SECRET", "short"}});
  CHECK_FALSE(finalize(*cfg).ok());
  cfg = load_config(
      "", {{"XYN_CLUSTER_SEEDS", "nohost"}, {"XYN_CLUSTER_SECRET", "sixteen-chars-or-more"}});
  CHECK(finalize(*cfg).message().find("nohost") != std::string::npos);
  cfg = load_config("", {});
  REQUIRE(apply_setting(*cfg, "cluster.secret_file", "/nonexistent/secret", "flag").ok());
  CHECK(finalize(*cfg).message().find("/nonexistent/secret") != std::string::npos);
}

TEST_CASE("an owner's lease lasts only while a majority echoes its heartbeats") {
  auto t = clock_type::now();
  membership m(peer("h:1"), fast());
  m.joined(peer("h:2"), t);
  m.joined(peer("h:3"), t);
  // Each echoes the heartbeat we sent 50 ms before theirs arrived.
  m.heartbeat("h:2", 1, {}, t + 100ms, t + 50ms);
  m.heartbeat("h:3", 1, {}, t + 100ms, t + 50ms);
  CHECK(m.lease_until(t + 150ms, 250ms) == t + 300ms);
  m.heartbeat("h:2", 1, {}, t + 200ms, t + 150ms);  // one other is enough: 2 of 3
  CHECK(m.lease_until(t + 250ms, 250ms) == t + 400ms);
  // Heartbeats that queued up while this node was frozen arrive late and echo old times:
  // they extend nothing.
  m.heartbeat("h:2", 1, {}, t + 900ms, t + 60ms);
  m.heartbeat("h:3", 1, {}, t + 900ms, t + 70ms);
  CHECK(m.lease_until(t + 900ms, 250ms) == t + 400ms);
  m.connection_lost("h:2", 1);
  CHECK(m.lease_until(t + 910ms, 250ms) == t + 320ms);  // h:3 is now the one that counts
  CHECK(m.leader() == "h:1");
}

TEST_CASE("shards are placed by rendezvous hashing, and only a lost member's shards move") {
  CHECK(shard_of("acme", 64) == shard_of("acme", 64));
  std::set<uint32_t> spread;
  for (int i = 0; i < 200; ++i) spread.insert(shard_of("tenant-" + std::to_string(i), 64));
  CHECK(spread.size() > 50);

  std::vector<std::string> three = {"h:1", "h:2", "h:3"};
  auto m1 = next_map({}, three, "h:1", 64);
  CHECK(m1.version == 1);
  REQUIRE(m1.shards.size() == 64);
  std::map<std::string, int> owned;
  for (const auto& a : m1.shards) {
    CHECK(a.owner != a.backup);
    CHECK(a.epoch == 1);
    ++owned[a.owner];
  }
  for (const auto& h : three) CHECK(owned[h] > 8);
  CHECK(next_map(m1, three, "h:1", 64).version == 1);  // nothing changed: same map

  auto m2 = next_map(m1, {"h:1", "h:2"}, "h:1", 64);
  CHECK(m2.version == 2);
  for (size_t s = 0; s < 64; ++s) {
    const auto &was = m1.shards[s], &now = m2.shards[s];
    CHECK(now.owner != "h:3");
    if (was.owner == "h:3") {
      CHECK(now.owner == was.backup);  // the backup takes over
      CHECK(now.epoch == was.epoch + 1);
    } else {
      CHECK(now.owner == was.owner);  // nobody else's shard moves
      CHECK(now.epoch == was.epoch);
    }
  }
  auto m3 = next_map(m2, three, "h:1", 64);
  for (size_t s = 0; s < 64; ++s) {
    CHECK(m3.shards[s].owner == m1.shards[s].owner);  // a rejoin takes its shards back...
    CHECK(m3.shards[s].epoch >= m2.shards[s].epoch);  // ...with epochs that never go back
  }
}

TEST_CASE("a shard moves to a returning member only once it has caught up as the backup") {
  std::vector<std::string> three = {"h:1", "h:2", "h:3"};
  auto m1 = next_map({}, three, "h:1", 64);
  auto m2 = next_map(m1, {"h:1", "h:2"}, "h:1", 64);  // h:3 is lost
  std::set<uint32_t> copied;
  auto caught_up = [&](uint32_t shard, const std::string& backup) {
    return backup == "h:3" && copied.count(shard) > 0;
  };
  // h:3 is back with nothing copied yet: its shards stay where they are, backed up by h:3.
  auto m3 = next_map(m2, three, "h:1", 64, caught_up);
  CHECK(m3.version == m2.version + 1);
  std::vector<uint32_t> waiting;
  for (uint32_t s = 0; s < 64; ++s) {
    CHECK(m3.shards[s].owner == m2.shards[s].owner);
    CHECK(m3.shards[s].epoch == m2.shards[s].epoch);
    if (m1.shards[s].owner == "h:3") {
      CHECK(m3.shards[s].backup == "h:3");
      waiting.push_back(s);
    }
  }
  REQUIRE(waiting.size() > 2);
  // One shard caught up: it alone moves, with a higher epoch, handed over by its owner, which
  // becomes its backup.
  copied.insert(waiting[0]);
  auto m4 = next_map(m3, three, "h:1", 64, caught_up);
  CHECK(m4.version == m3.version + 1);
  for (uint32_t s = 0; s < 64; ++s) {
    const auto &was = m3.shards[s], &now = m4.shards[s];
    if (s == waiting[0]) {
      CHECK(now.owner == "h:3");
      CHECK(now.backup == was.owner);
      CHECK(now.epoch == was.epoch + 1);
      CHECK(now.handoff_from == was.owner);
      CHECK(now.moved_in == m4.version);
    } else {
      CHECK(now.owner == was.owner);
      CHECK(now.epoch == was.epoch);
    }
  }
  // A later map keeps the handoff's record; nothing more changes while nothing more is copied.
  CHECK(next_map(m4, three, "h:1", 64, caught_up).version == m4.version);
  // Lost again before the rest moved: its shards stay with their owners, and the one it had
  // taken goes back to its backup as a failover (nobody to hand it over).
  auto m5 = next_map(m4, {"h:1", "h:2"}, "h:1", 64, caught_up);
  CHECK(m5.shards[waiting[0]].owner == m4.shards[waiting[0]].backup);
  CHECK(m5.shards[waiting[0]].handoff_from.empty());
  CHECK(m5.shards[waiting[1]].owner == m4.shards[waiting[1]].owner);
}

TEST_CASE("members adopt a map with a higher version, or the same version from a lower leader") {
  shard_map a{3, "h:2", {}}, b{4, "h:9", {}}, c{3, "h:1", {}};
  CHECK(newer(b, a));
  CHECK_FALSE(newer(a, b));
  CHECK(newer(c, a));
  CHECK_FALSE(newer(a, c));
  CHECK_FALSE(newer(a, a));
}

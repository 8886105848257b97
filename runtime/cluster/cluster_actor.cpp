#include "runtime/cluster/cluster_actor.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/event.hpp"
#include "runtime/cluster/directory.hpp"
#include "runtime/cluster/handshake.hpp"
#include "runtime/cluster/messages.hpp"
#include "runtime/cluster/tls.hpp"
#include "runtime/mesh/service_board.hpp"
#include "runtime/node/names.hpp"
#include "runtime/store/messages.hpp"

namespace xyn::cluster {

namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;
using tick_atom = caf::atom_constant<caf::atom("cltick")>;

constexpr auto handshake_timeout = 2s;
constexpr auto nonce_lifetime = 10s;
constexpr size_t max_open_nonces = 1024;
constexpr auto first_retry = 200ms;
constexpr auto max_retry = 2000ms;
// Shard copies to backups in flight at once, and how long one may take.
constexpr size_t max_syncs = 8;
constexpr auto sync_timeout = 60s;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A member we have shaken hands with: its actors, and whether CAF still has its connection.
struct peer {
  uint64_t incarnation = 0;
  caf::actor cluster;
  caf::actor mesh;
  caf::actor store;
  caf::actor workflows;
  caf::actor events;
  bool lost = false;
};

// When to try an address again that we have no live connection to.
struct retry {
  clock::time_point next{};
  std::chrono::milliseconds wait = first_retry;
};

struct door_nonce {
  std::string joiner_nonce;
  clock::time_point issued;
};

struct cluster_state {
  static inline const char* name = "xyn.cluster";
  cluster_options opts;
  std::unique_ptr<membership> view;
  std::map<std::string, peer> peers;
  std::map<std::string, retry> retries;
  std::set<std::string> connecting;
  std::map<std::string, door_nonce> nonces;
  shard_map map;
  // A founder (no seeds, or the first seed is this node) may make the first map; any other
  // node makes none until it has adopted the cluster's, so a joiner never claims shards and a
  // new leader's epochs continue from the map everyone followed.
  bool founder = false;
  bool leaving = false;
  std::vector<uint32_t> served;  // as last told to the workflow manager
  // The map version each member last said it follows (heartbeats): releases handoffs.
  std::map<std::string, uint64_t> versions;
  // Shards this node owns whose backup it has caught up (copied whole, forwarding since).
  std::map<uint32_t, shard_copy> copies;
  std::set<uint32_t> syncing;
  // Grows when a shard's backup changes, so a copy that finishes after that counts for nothing.
  std::map<uint32_t, uint64_t> backup_turn;
  // As the leader: which backups the owners report caught up, by shard.
  std::map<uint32_t, shard_copy> reported;
  // The `sent_ns` of each member's latest heartbeat, echoed back to it in ours.
  std::map<std::string, int64_t> their_sent;
};

using cluster_actor = caf::stateful_actor<cluster_state>;

std::vector<std::string> local_services(const cluster_state& st) {
  std::vector<std::string> out;
  if (!st.opts.board) return out;
  for (const auto& i : st.opts.board->snapshot())
    if (i.status == "up") out.push_back(i.name);
  return out;
}

member_card own_card(cluster_actor* self) {
  auto& st = self->state;
  return {st.opts.address,
          st.opts.name,
          st.view->self().incarnation,
          caf::actor_cast<caf::actor>(self),
          node::lookup(self->system(), node::mesh_name),
          node::lookup(self->system(), node::store_name),
          node::lookup(self->system(), node::workflows_name),
          node::lookup(self->system(), node::events_name),
          local_services(st),
          st.opts.shards};
}

// Shards this node owns whose backup (as the map names it now) has caught up.
std::vector<shard_copy> current_copies(const cluster_state& st) {
  std::vector<shard_copy> out;
  for (const auto& [shard, c] : st.copies) {
    const auto* backup = st.view->find(c.backup);
    if (shard < st.map.shards.size() && st.map.shards[shard].owner == st.opts.address &&
        st.map.shards[shard].backup == c.backup && backup && backup->incarnation == c.incarnation)
      out.push_back(c);
  }
  return out;
}

void publish_directory(cluster_actor* self) {
  auto& st = self->state;
  if (!st.opts.members) return;
  std::vector<directory_entry> entries;
  for (auto& m : st.view->members()) {
    directory_entry e{m, {}, {}, {}, {}};
    if (m.self) {
      e.info.services = local_services(st);
    } else if (auto it = st.peers.find(m.address);
               it != st.peers.end() && it->second.incarnation == m.incarnation) {
      e.mesh = it->second.mesh;
      e.store = it->second.store;
      e.workflows = it->second.workflows;
      e.events = it->second.events;
    }
    entries.push_back(std::move(e));
  }
  st.opts.members->replace(std::move(entries));
  st.versions[st.opts.address] = st.map.version;
  std::vector<uint32_t> synced;
  for (const auto& c : current_copies(st)) synced.push_back(c.shard);
  st.opts.members->set_shards(st.map, st.opts.address,
                              st.view->lease_until(clock::now(), st.opts.lease), st.versions,
                              std::move(synced));
  // The workflow manager starts and stops runs as shards come and go (or the lease lapses).
  auto served = st.opts.members->served();
  if (served != st.served) {
    st.served = std::move(served);
    if (auto wf = node::lookup(self->system(), node::workflows_name))
      self->send(wf, cl_served_atom::value);
  }
}

void report(cluster_actor* self, const member_change& c) {
  const auto* m = self->state.view->find(c.address);
  const std::string& name = c.name;
  std::string topic;
  if (c.removed)
    topic = "cluster.member_removed";
  else if (c.to == member_status::up)
    topic = c.from == member_status::unreachable ? "cluster.member_reachable" : "cluster.member_up";
  else
    topic = std::string("cluster.member_") + to_string(c.to);
  if (c.to == member_status::down || c.to == member_status::unreachable)
    spdlog::warn("cluster: member {} ({}) is {}", c.address, name, to_string(c.to));
  else
    spdlog::info("cluster: member {} ({}) {}", c.address, name, topic.substr(15));
  actors::publish(self->system(), topic, {},
                  {{"address", c.address},
                   {"name", name},
                   {"from", to_string(c.from)},
                   {"incarnation", m ? m->incarnation : 0}});
}

void report_if(cluster_actor* self, const std::optional<member_change>& c) {
  if (c) report(self, *c);
}

// A member's card after a completed handshake (either direction).
bool admit(cluster_actor* self, const member_card& card) {
  auto& st = self->state;
  member m{card.address, card.name, card.incarnation, member_status::up, card.services, false};
  auto change = st.view->joined(m, clock::now());
  const auto* now_known = st.view->find(card.address);
  if (!now_known || now_known->incarnation != card.incarnation ||
      now_known->status != member_status::up)
    return false;
  auto& p = st.peers[card.address];
  if (p.cluster != card.cluster) {
    p.cluster = card.cluster;
    self->monitor(card.cluster);
  }
  p.incarnation = card.incarnation;
  p.mesh = card.mesh;
  p.store = card.store;
  p.workflows = card.workflows;
  p.events = card.events;
  p.lost = false;
  st.retries.erase(card.address);
  report_if(self, change);
  publish_directory(self);
  return true;
}

bool parse_address(const std::string& address, std::string& host, uint16_t& port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  host = address.substr(0, colon);
  int p = 0;
  auto [ptr, ec] = std::from_chars(address.data() + colon + 1, address.data() + address.size(), p);
  if (ec != std::errc() || p < 1 || p > 65535) return false;
  port = static_cast<uint16_t>(p);
  return true;
}

void failed_attempt(cluster_actor* self, const std::string& address, const std::string& why,
                    bool loud) {
  auto& st = self->state;
  st.connecting.erase(address);
  auto& r = st.retries[address];
  r.next = clock::now() + r.wait;
  r.wait = std::min<std::chrono::milliseconds>(r.wait * 2, max_retry);
  if (loud)
    spdlog::warn("cluster: cannot join {}: {}", address, why);
  else
    spdlog::debug("cluster: cannot reach {}: {}", address, why);
}

// Connect to `address`, prove we hold the secret, check that it does, and join it.
void connect(cluster_actor* self, const std::string& address) {
  auto& st = self->state;
  if (st.connecting.count(address) || address == st.opts.address) return;
  std::string host;
  uint16_t port = 0;
  if (!parse_address(address, host, port)) return;
  st.connecting.insert(address);
  auto mm = connector(self->system(), st.opts.tls);
  self->request(mm, handshake_timeout, caf::connect_atom::value, host, port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            auto door = caf::actor_cast<caf::actor>(ptr);
            if (!door) return failed_attempt(self, address, "nothing published there", false);
            auto joiner_nonce = make_nonce();
            self->request(door, handshake_timeout, cl_hello_atom::value, joiner_nonce)
                .then(
                    [=](const std::string& door_nonce, const std::string& proof) {
                      auto& s = self->state;
                      if (!same_proof(proof,
                                      server_proof(s.opts.secret, joiner_nonce, door_nonce))) {
                        // Tell the door too (an empty proof gives away nothing), so both
                        // sides log the mismatch.
                        self->send(door, cl_join_atom::value, own_card(self), door_nonce,
                                   std::string());
                        return failed_attempt(self, address, "it does not know the cluster secret",
                                              true);
                      }
                      auto my = own_card(self);
                      auto mine =
                          client_proof(s.opts.secret, door_nonce, joiner_nonce, s.opts.address);
                      self->request(door, handshake_timeout, cl_join_atom::value, my, door_nonce,
                                    mine)
                          .then(
                              [=](const join_reply& r) {
                                if (r.door.shard_count != self->state.opts.shards)
                                  return failed_attempt(self, address,
                                                        "it spreads tenants over a different "
                                                        "number of shards",
                                                        true);
                                self->state.connecting.erase(address);
                                if (r.door.address != address)
                                  spdlog::debug("cluster: {} calls itself {}", address,
                                                r.door.address);
                                admit(self, r.door);
                                for (const auto& other : r.others)
                                  self->state.view->heard_of(other);
                              },
                              [=](caf::error& err) {
                                failed_attempt(self, address, store::to_status(err).message(),
                                               true);
                              });
                    },
                    [=](caf::error& err) {
                      failed_attempt(self, address, store::to_status(err).message(), true);
                    });
          },
          [=](caf::error& err) {
            // A peer that closes the connection in CAF's handshake is up but speaks another
            // transport (TLS on one side only) or refused this node's certificate: loud, for
            // it will not heal by retrying.
            if (err == caf::sec::disconnect_during_handshake)
              return failed_attempt(self, address,
                                    self->state.opts.tls
                                        ? "it closed the connection during the handshake: its "
                                          "cluster port is not TLS, or it does not trust this "
                                          "node's certificate (or this node not its)"
                                        : "it closed the connection during the handshake: its "
                                          "cluster port may be TLS (cluster.tls_*)",
                                    true);
            failed_attempt(self, address, self->system().render(err), false);
          });
}

// Follows `map` from now on, and says what moved.
void adopt(cluster_actor* self, shard_map map) {
  auto& st = self->state;
  size_t moved = 0, mine = 0;
  for (size_t i = 0; i < map.shards.size(); ++i) {
    if (i >= st.map.shards.size() || st.map.shards[i].owner != map.shards[i].owner) ++moved;
    if (map.shards[i].owner == st.opts.address) ++mine;
  }
  for (size_t i = 0; i < map.shards.size(); ++i) {
    bool same_backup = i < st.map.shards.size() && st.map.shards[i].backup == map.shards[i].backup;
    if (!same_backup || map.shards[i].owner != st.opts.address) {
      ++st.backup_turn[static_cast<uint32_t>(i)];
      st.copies.erase(static_cast<uint32_t>(i));
    }
  }
  spdlog::info("cluster: shard map {} from {}: {} shards changed owner, {} owned here", map.version,
               map.leader, moved, mine);
  actors::publish(
      self->system(), "cluster.shards", {},
      {{"version", map.version}, {"leader", map.leader}, {"moved", moved}, {"owned", mine}});
  st.map = std::move(map);
  // Before any heartbeat says this node follows the map: a member taking a shard over from
  // this one starts serving on that word, so this node must have stopped by then.
  publish_directory(self);
}

void send_heartbeats(cluster_actor* self);

// The leader places every shard over the members that may own one (up, or unreachable but not
// yet down: ownership does not move on a suspicion) and bumps the epoch of each moved shard.
void decide(cluster_actor* self) {
  auto& st = self->state;
  if (st.leaving || (!st.founder && st.map.version == 0) || st.view->leader() != st.opts.address)
    return;
  std::vector<std::string> candidates;
  for (const auto& m : st.view->members())
    if (m.status == member_status::up || m.status == member_status::unreachable)
      candidates.push_back(m.address);
  caught_up_fn caught_up;
  if (st.opts.replication >= 2)
    caught_up = [&st](uint32_t shard, const std::string& backup) {
      auto it = st.reported.find(shard);
      const auto* m = st.view->find(backup);
      return it != st.reported.end() && m && it->second.backup == backup &&
             it->second.incarnation == m->incarnation;
    };
  auto next = next_map(st.map, candidates, st.opts.address, st.opts.shards, caught_up);
  if (next.version == st.map.version) return;
  adopt(self, std::move(next));
  // Spread it now rather than at the next tick: a failover or handoff waits on it.
  if (!st.opts.secret.empty()) send_heartbeats(self);
}

// What the owner of `shard` says about its backup; as the leader, remembered for `decide`.
void take_report(cluster_state& st, const std::string& owner,
                 const std::vector<shard_copy>& copies) {
  for (uint32_t s = 0; s < st.map.shards.size(); ++s)
    if (st.map.shards[s].owner == owner) st.reported.erase(s);
  for (const auto& c : copies)
    if (c.shard < st.map.shards.size() && st.map.shards[c.shard].owner == owner)
      st.reported[c.shard] = c;
}

// Catch-up: every shard this node serves gets a whole copy on its backup (a new backup, or a
// new incarnation of it), sent by the store writer, which forwards every later write there
// too. A few at a time; one that fails is tried again on a later tick.
void keep_backups_current(cluster_actor* self) {
  auto& st = self->state;
  if (st.opts.replication < 2 || st.leaving) return;
  auto writer = node::lookup(self->system(), node::store_name);
  if (!writer) return;
  for (auto shard : st.served) {
    if (st.syncing.size() >= max_syncs) return;
    const auto& a = st.map.shards[shard];
    const auto* b = a.backup.empty() ? nullptr : st.view->find(a.backup);
    auto p = st.peers.find(a.backup);
    if (!b || b->status != member_status::up || p == st.peers.end() || !p->second.store ||
        p->second.incarnation != b->incarnation || st.syncing.count(shard))
      continue;
    auto have = st.copies.find(shard);
    if (have != st.copies.end() && have->second.backup == a.backup &&
        have->second.incarnation == b->incarnation)
      continue;
    shard_copy c{shard, a.backup, b->incarnation};
    auto turn = st.backup_turn[shard];
    st.syncing.insert(shard);
    auto started = clock::now();
    self->request(writer, sync_timeout, store::sync_atom::value, shard, st.opts.shards,
                  p->second.store)
        .then(
            [=](caf::ok_atom) {
              auto& s = self->state;
              s.syncing.erase(shard);
              if (s.backup_turn[shard] != turn) return;
              s.copies[shard] = c;
              spdlog::debug(
                  "cluster: shard {} copied to {} in {} ms", shard, c.backup,
                  std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started)
                      .count());
            },
            [=](caf::error& err) {
              self->state.syncing.erase(shard);
              // Refused while the backup has not yet adopted the map that names it: tried
              // again on a later tick.
              spdlog::log(store::to_status(err).code() == status_code::unavailable
                              ? spdlog::level::debug
                              : spdlog::level::warn,
                          "cluster: copying shard {} to {} failed: {}", shard, c.backup,
                          self->system().render(err));
            });
  }
}

void send_heartbeats(cluster_actor* self) {
  auto& st = self->state;
  heartbeat hb;
  hb.address = st.opts.address;
  hb.incarnation = st.view->self().incarnation;
  hb.services = local_services(st);
  hb.shards = st.map;
  hb.copies = current_copies(st);
  hb.sent_ns = clock::now().time_since_epoch().count();
  auto all = st.view->members();
  for (const auto& m : all)
    if (m.self || m.status == member_status::up) hb.members.push_back(m.address);
  for (const auto& m : all) {
    if (m.self || m.status == member_status::down || m.status == member_status::joining) continue;
    auto it = st.peers.find(m.address);
    if (it != st.peers.end() && !it->second.lost && it->second.incarnation == m.incarnation) {
      auto echo = st.their_sent.find(m.address);
      hb.echo_ns = echo == st.their_sent.end() ? 0 : echo->second;
      self->send(it->second.cluster, cl_beat_atom::value, hb);
    }
  }
}

// Addresses we know of but hold no live connection to: seeds, members we heard of, members
// whose connection was lost (a restarted node comes back at its address).
void reconnect(cluster_actor* self) {
  auto& st = self->state;
  auto now = clock::now();
  std::set<std::string> wanted(st.opts.seeds.begin(), st.opts.seeds.end());
  for (const auto& m : st.view->members()) {
    if (m.self || m.status == member_status::leaving) continue;
    auto it = st.peers.find(m.address);
    if (it == st.peers.end() || it->second.lost || it->second.incarnation != m.incarnation)
      wanted.insert(m.address);
  }
  for (const auto& address : wanted) {
    if (address == st.opts.address || st.connecting.count(address)) continue;
    auto p = st.peers.find(address);
    const auto* m = st.view->find(address);
    if (p != st.peers.end() && !p->second.lost && m && m->incarnation == p->second.incarnation)
      continue;
    auto& r = st.retries[address];
    if (now < r.next) continue;
    connect(self, address);
  }
}

void tick(cluster_actor* self) {
  auto& st = self->state;
  auto now = clock::now();
  for (auto it = st.nonces.begin(); it != st.nonces.end();)
    it = now - it->second.issued > nonce_lifetime ? st.nonces.erase(it) : std::next(it);
  if (!st.leaving && !st.opts.secret.empty()) {
    send_heartbeats(self);
    reconnect(self);
  }
  for (const auto& c : st.view->tick(now)) {
    report(self, c);
    if (c.removed) {
      // Nothing of a removed member is needed again: a return is a new incarnation.
      st.peers.erase(c.address);
      st.versions.erase(c.address);
      st.their_sent.erase(c.address);
    }
  }
  take_report(st, st.opts.address, current_copies(st));
  decide(self);
  publish_directory(self);
  keep_backups_current(self);
}

caf::behavior cluster(cluster_actor* self, cluster_options opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  member me{st.opts.address,   st.opts.name, static_cast<uint64_t>(now_ms()),
            member_status::up, {},           true};
  st.view = std::make_unique<membership>(me, st.opts.membership);
  st.founder = st.opts.seeds.empty() || st.opts.seeds.front() == st.opts.address;
  self->set_error_handler([](caf::error&) {});
  self->set_down_handler([=](const caf::down_msg& dm) {
    for (auto& [address, p] : self->state.peers)
      if (p.cluster.address() == dm.source) {
        p.lost = true;
        self->state.view->connection_lost(address, p.incarnation);
      }
    // Judge at once rather than at the next tick: a closed connection is certain news.
    for (const auto& c : self->state.view->tick(clock::now())) report(self, c);
    decide(self);
    publish_directory(self);
  });
  if (!st.opts.secret.empty())
    for (const auto& s : st.opts.seeds) st.view->heard_of(s);
  publish_directory(self);
  // Alone (no secret), the ticks only keep the directory's own entry current.
  self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        tick(self);
        self->delayed_send(self, self->state.opts.heartbeat, tick_atom::value);
      },
      [=](cl_hello_atom, const std::string& joiner_nonce) -> caf::result<std::string, std::string> {
        auto& s = self->state;
        if (s.opts.secret.empty())
          return store::to_error(status::unavailable("this node is not configured for a cluster"));
        if (joiner_nonce.size() != 64)
          return store::to_error(status::invalid_argument("bad nonce"));
        if (s.nonces.size() >= max_open_nonces) s.nonces.erase(s.nonces.begin());
        auto door = make_nonce();
        s.nonces[door] = {joiner_nonce, clock::now()};
        return caf::make_result(door, server_proof(s.opts.secret, joiner_nonce, door));
      },
      [=](cl_join_atom, const member_card& card, const std::string& door,
          const std::string& proof) -> caf::result<join_reply> {
        auto& s = self->state;
        auto it = s.nonces.find(door);
        bool ok = it != s.nonces.end() &&
                  same_proof(proof, client_proof(s.opts.secret, door, it->second.joiner_nonce,
                                                 card.address));
        if (it != s.nonces.end()) s.nonces.erase(it);
        if (!ok) {
          spdlog::warn("cluster: refused a join from {} ({}): wrong cluster secret", card.address,
                       card.name);
          actors::publish(self->system(), "cluster.join_refused", {},
                          {{"address", card.address}, {"name", card.name}});
          return store::to_error({status_code::unauthenticated, "wrong cluster secret"});
        }
        if (card.shard_count != s.opts.shards)
          return store::to_error(status::invalid_argument(
              "this cluster spreads tenants over " + std::to_string(s.opts.shards) +
              " shards, the joiner over " + std::to_string(card.shard_count) +
              ": cluster.shards must be the same on every member"));
        if (!card.cluster || !admit(self, card))
          return store::to_error(status(status_code::already_exists,
                                        "incarnation " + std::to_string(card.incarnation) + " of " +
                                            card.address +
                                            " was declared down: rejoin as a new incarnation"));
        join_reply r{own_card(self), {}};
        for (const auto& m : s.view->members())
          if (!m.self && m.address != card.address && m.status == member_status::up)
            r.others.push_back(m.address);
        return r;
      },
      [=](cl_beat_atom, heartbeat& hb) {
        auto& s = self->state;
        auto echoed = clock::time_point(clock::duration(hb.echo_ns));
        if (s.view->heartbeat(hb.address, hb.incarnation, std::move(hb.services), clock::now(),
                              echoed)) {
          s.their_sent[hb.address] = hb.sent_ns;
          for (const auto& a : hb.members) s.view->heard_of(a);
          auto& known = s.versions[hb.address];
          bool moved_on = known != hb.shards.version;
          known = hb.shards.version;
          if (newer(hb.shards, s.map) && hb.shards.shards.size() == s.opts.shards)
            adopt(self, std::move(hb.shards));
          else if (moved_on)
            publish_directory(self);  // may release a shard handed over by the sender
          take_report(s, hb.address, hb.copies);
          return;
        }
        const auto* m = s.view->find(hb.address);
        bool down = m && m->status == member_status::down && m->incarnation >= hb.incarnation;
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        if (sender) self->send(sender, cl_rejoin_atom::value, s.opts.address, hb.incarnation, down);
      },
      [=](cl_rejoin_atom, const std::string& refuser, uint64_t incarnation, bool down) {
        auto& s = self->state;
        if (s.leaving) return;
        if (down && incarnation == s.view->self().incarnation) {
          auto next = std::max<uint64_t>(incarnation + 1, static_cast<uint64_t>(now_ms()));
          spdlog::warn("cluster: {} declared this node down; rejoining as incarnation {}", refuser,
                       next);
          s.view->reincarnate(next);
          actors::publish(self->system(), "cluster.rejoining", {},
                          {{"declared_down_by", refuser}, {"incarnation", next}});
        }
        s.retries.erase(refuser);
        connect(self, refuser);
      },
      [=](cl_leave_atom, const std::string& address) {
        report_if(self, self->state.view->leaving(address));
        publish_directory(self);
      },
      [=](cl_leave_atom) {
        auto& s = self->state;
        s.leaving = true;
        for (const auto& [address, p] : s.peers)
          if (!p.lost) self->send(p.cluster, cl_leave_atom::value, s.opts.address);
        return caf::ok_atom::value;
      },
  };
}

}  // namespace

caf::actor spawn_cluster(caf::actor_system& sys, cluster_options opts) {
  auto a = sys.spawn(cluster, std::move(opts));
  node::register_as(sys, node::cluster_name, a);
  return a;
}

}  // namespace xyn::cluster

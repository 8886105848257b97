#pragma once
// membership.hpp — one node's view of the cluster: who is a member, in which state, and the
// rules that move members between states. No I/O: the cluster actor feeds it what it hears
// (joins, heartbeats, lost connections, leaves) and the clock, and acts on the changes it
// returns. Pure and deterministic, so the rules are tested without processes.
//
//   joining --handshake done--> up --phi over threshold or connection lost--> unreachable
//   unreachable --heartbeats again--> up
//   unreachable --for down_after, and this side has the majority--> down
//   up --leave announced--> leaving --connection closed--> (removed)
//   down --same address joins with a higher incarnation--> up
// Keep-majority (Akka's split-brain resolver default): a node downs others only while it
// reaches more than half of the members that are not down, or exactly half including the
// member with the lowest address. The minority side never takes anything over.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cluster/phi_detector.hpp"

namespace xyn::cluster {

enum class member_status { joining, up, unreachable, down, leaving };

const char* to_string(member_status s);

struct member {
  std::string address;
  std::string name;
  uint64_t incarnation = 0;
  member_status status = member_status::joining;
  std::vector<std::string> services;
  bool self = false;
};

struct membership_options {
  phi_options phi;
  double phi_threshold = 8.0;
  std::chrono::milliseconds down_after{200};
};

// One state change the caller acts on (events, directory, shard ownership).
struct member_change {
  std::string address;
  std::string name;
  member_status from;
  member_status to;
  bool removed = false;  // left the table (a graceful leave completed)
};

class membership {
 public:
  using clock = std::chrono::steady_clock;

  membership(member self, membership_options opts = {});

  const member& self() const { return self_; }
  // A new incarnation of this node (after it learned it had been declared down).
  void reincarnate(uint64_t incarnation) { self_.incarnation = incarnation; }

  // An address heard of (gossip, seeds) but not yet joined: shown as joining. No-op if known.
  void heard_of(const std::string& address);
  // A completed handshake with `m`. Refused (nullopt) when we hold the same or a newer
  // incarnation of that address as down: that process must rejoin as a new incarnation.
  std::optional<member_change> joined(const member& m, clock::time_point now);
  // A heartbeat from (address, incarnation), arriving at `now`, that echoes the send time of
  // the latest heartbeat of ours it had received (`echoed`, our clock; {}: none yet). False
  // when the sender is not a current member (unknown, down, or an older incarnation): the
  // caller tells it to rejoin.
  bool heartbeat(const std::string& address, uint64_t incarnation,
                 std::vector<std::string> services, clock::time_point now,
                 clock::time_point echoed = {});
  void connection_lost(const std::string& address, uint64_t incarnation);
  std::optional<member_change> leaving(const std::string& address);
  // Applies the timing rules at `now` and returns what changed.
  std::vector<member_change> tick(clock::time_point now);

  bool has_majority() const;
  // Until when this node may act as an owner: `lease` after the latest moment a majority of
  // the members that are not down are known to have heard from it (a heartbeat of ours that
  // they echoed; itself counts as now). Others take a shard over only after declaring its
  // owner down, which takes longer than `lease` of silence from it, so an owner cut off (or
  // frozen) stops serving before anyone else starts. Measured on this node's own clock: the
  // heartbeats a frozen node finds queued when it thaws echo old times and extend nothing.
  clock::time_point lease_until(clock::time_point now, std::chrono::milliseconds lease) const;
  // The lowest address among up members (self included) while this side has the majority;
  // empty on the minority side.
  std::string leader() const;
  // Self first, then by address.
  std::vector<member> members() const;
  const member* find(const std::string& address) const;

 private:
  struct entry {
    member m;
    phi_detector detector;
    bool connected = true;
    clock::time_point unreachable_since{};
    clock::time_point last_heard{};
    clock::time_point echoed{};  // the send time of our latest heartbeat it confirmed
  };

  member_change set_status(entry& e, member_status to, clock::time_point now);

  member self_;
  membership_options opts_;
  std::map<std::string, entry> others_;
};

}  // namespace xyn::cluster

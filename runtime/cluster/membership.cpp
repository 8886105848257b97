#include "runtime/cluster/membership.hpp"

#include <algorithm>

namespace xyn::cluster {

const char* to_string(member_status s) {
  switch (s) {
    case member_status::joining:
      return "joining";
    case member_status::up:
      return "up";
    case member_status::unreachable:
      return "unreachable";
    case member_status::down:
      return "down";
    case member_status::leaving:
      return "leaving";
  }
  return "?";
}

membership::membership(member self, membership_options opts) : self_(std::move(self)), opts_(opts) {
  self_.self = true;
  self_.status = member_status::up;
}

member_change membership::set_status(entry& e, member_status to, clock::time_point now) {
  member_change c{e.m.address, e.m.name, e.m.status, to};
  e.m.status = to;
  if (to == member_status::unreachable) e.unreachable_since = now;
  return c;
}

void membership::heard_of(const std::string& address) {
  if (address == self_.address || others_.count(address)) return;
  entry e{member{address, {}, 0, member_status::joining, {}, false},
          phi_detector(opts_.phi),
          false,
          {},
          {}};
  others_.emplace(address, std::move(e));
}

std::optional<member_change> membership::joined(const member& m, clock::time_point now) {
  if (m.address == self_.address) return std::nullopt;
  auto it = others_.find(m.address);
  if (it != others_.end()) {
    auto& e = it->second;
    if (e.m.status == member_status::down && m.incarnation <= e.m.incarnation) return std::nullopt;
    if (e.m.status != member_status::joining && m.incarnation < e.m.incarnation)
      return std::nullopt;
    auto from = e.m.status;
    e.m.name = m.name;
    e.m.incarnation = m.incarnation;
    e.m.services = m.services;
    e.detector = phi_detector(opts_.phi);
    e.detector.heartbeat(now);
    e.last_heard = now;
    e.echoed = now;  // the handshake was a round trip
    e.connected = true;
    e.m.status = member_status::up;
    if (from == member_status::up) return std::nullopt;
    return member_change{m.address, m.name, from, member_status::up};
  }
  entry e{m, phi_detector(opts_.phi), true, {}, now, now};
  e.m.self = false;
  e.m.status = member_status::up;
  e.detector.heartbeat(now);
  others_.emplace(m.address, std::move(e));
  return member_change{m.address, m.name, member_status::joining, member_status::up};
}

bool membership::heartbeat(const std::string& address, uint64_t incarnation,
                           std::vector<std::string> services, clock::time_point now,
                           clock::time_point echoed) {
  auto it = others_.find(address);
  if (it == others_.end()) return false;
  auto& e = it->second;
  if (e.m.incarnation != incarnation || e.m.status == member_status::down ||
      e.m.status == member_status::joining)
    return false;
  e.detector.heartbeat(now);
  e.last_heard = now;
  e.echoed = std::max(e.echoed, std::min(echoed, now));
  e.m.services = std::move(services);
  return true;
}

void membership::connection_lost(const std::string& address, uint64_t incarnation) {
  auto it = others_.find(address);
  if (it != others_.end() && it->second.m.incarnation == incarnation) it->second.connected = false;
}

std::optional<member_change> membership::leaving(const std::string& address) {
  auto it = others_.find(address);
  if (it == others_.end() || it->second.m.status == member_status::down ||
      it->second.m.status == member_status::leaving)
    return std::nullopt;
  return set_status(it->second, member_status::leaving, clock::now());
}

std::vector<member_change> membership::tick(clock::time_point now) {
  std::vector<member_change> out;
  for (auto it = others_.begin(); it != others_.end();) {
    auto& e = it->second;
    bool suspect = !e.connected || e.detector.phi(now) > opts_.phi_threshold;
    switch (e.m.status) {
      case member_status::up:
        if (suspect) out.push_back(set_status(e, member_status::unreachable, now));
        break;
      case member_status::unreachable:
        if (!suspect) out.push_back(set_status(e, member_status::up, now));
        break;
      case member_status::leaving:
        if (!e.connected) {
          out.push_back(
              {e.m.address, e.m.name, member_status::leaving, member_status::leaving, true});
          it = others_.erase(it);
          continue;
        }
        break;
      default:
        break;
    }
    ++it;
  }
  // Downing is decided after every reachability change of this tick, on the resulting view.
  if (has_majority())
    for (auto& [address, e] : others_)
      if (e.m.status == member_status::unreachable && now - e.unreachable_since >= opts_.down_after)
        out.push_back(set_status(e, member_status::down, now));
  return out;
}

bool membership::has_majority() const {
  size_t counted = 1, reachable = 1;
  std::string lowest_counted = self_.address, lowest_reachable = self_.address;
  for (const auto& [address, e] : others_) {
    auto s = e.m.status;
    if (s == member_status::down || s == member_status::joining) continue;
    ++counted;
    lowest_counted = std::min(lowest_counted, address);
    if (s == member_status::up || s == member_status::leaving) {
      ++reachable;
      lowest_reachable = std::min(lowest_reachable, address);
    }
  }
  if (reachable * 2 > counted) return true;
  return reachable * 2 == counted && lowest_reachable == lowest_counted;
}

membership::clock::time_point membership::lease_until(clock::time_point now,
                                                      std::chrono::milliseconds lease) const {
  std::vector<clock::time_point> heard{now};
  for (const auto& [address, e] : others_)
    if (e.m.status != member_status::down && e.m.status != member_status::joining)
      heard.push_back(e.connected ? e.echoed : clock::time_point{});
  std::sort(heard.begin(), heard.end(), std::greater<>());
  auto majority = heard.size() / 2 + 1;
  auto at = heard[majority - 1];
  return at == clock::time_point{} ? at : at + lease;
}

std::string membership::leader() const {
  if (!has_majority()) return {};
  std::string lowest = self_.address;
  for (const auto& [address, e] : others_)
    if (e.m.status == member_status::up) lowest = std::min(lowest, address);
  return lowest;
}

std::vector<member> membership::members() const {
  std::vector<member> out{self_};
  for (const auto& [address, e] : others_) out.push_back(e.m);
  return out;
}

const member* membership::find(const std::string& address) const {
  if (address == self_.address) return &self_;
  auto it = others_.find(address);
  return it == others_.end() ? nullptr : &it->second.m;
}

}  // namespace xyn::cluster

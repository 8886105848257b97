#include "runtime/cluster/shard_map.hpp"

#include <algorithm>

#include <openssl/sha.h>

namespace xyn::cluster {

namespace {

uint64_t score(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  return v;
}

}  // namespace

uint32_t shard_of(const std::string& tenant, uint32_t count) {
  return count == 0 ? 0 : static_cast<uint32_t>(score(tenant) % count);
}

namespace {

// `candidates`, best first for `shard`.
std::vector<std::string> ranked(uint32_t shard, const std::vector<std::string>& candidates) {
  std::vector<std::pair<uint64_t, std::string>> scored;
  for (const auto& c : candidates) scored.emplace_back(score(c + "#" + std::to_string(shard)), c);
  std::sort(scored.begin(), scored.end(), std::greater<>());
  std::vector<std::string> out;
  for (auto& [s, c] : scored) out.push_back(std::move(c));
  return out;
}

}  // namespace

shard_assignment place(uint32_t shard, const std::vector<std::string>& candidates) {
  auto best = ranked(shard, candidates);
  shard_assignment a;
  if (!best.empty()) a.owner = best[0];
  if (best.size() > 1) a.backup = best[1];
  return a;
}

shard_map next_map(const shard_map& previous, const std::vector<std::string>& candidates,
                   const std::string& leader, uint32_t count, const caught_up_fn& caught_up) {
  auto alive = [&](const std::string& a) {
    return !a.empty() && std::find(candidates.begin(), candidates.end(), a) != candidates.end();
  };
  shard_map next;
  next.leader = leader;
  next.version = previous.version + 1;
  next.shards.resize(count);
  for (uint32_t s = 0; s < count; ++s) {
    auto best = ranked(s, candidates);
    std::string wanted = best.empty() ? std::string() : best[0];
    const shard_assignment* was = s < previous.shards.size() ? &previous.shards[s] : nullptr;
    shard_assignment a;
    if (!was || !alive(was->owner)) {
      // Its owner is gone: the backup holds its data.
      a.owner = was && alive(was->backup) ? was->backup : wanted;
    } else if (was->owner == wanted || !caught_up ||
               (was->backup == wanted && caught_up(s, wanted))) {
      a.owner = wanted;
    } else {
      a.owner = was->owner;  // until `wanted` has caught up as its backup
    }
    for (const auto& c : best)
      if (c != a.owner) {
        a.backup = c;
        break;
      }
    if (!was) {
      a.epoch = 1;
    } else if (was->owner == a.owner) {
      a.epoch = was->epoch;
      a.handoff_from = was->handoff_from;
      a.moved_in = was->moved_in;
    } else {
      a.epoch = was->epoch + 1;
      a.moved_in = next.version;
      if (alive(was->owner)) a.handoff_from = was->owner;
    }
    next.shards[s] = std::move(a);
  }
  if (next.shards == previous.shards) return previous;
  return next;
}

bool newer(const shard_map& candidate, const shard_map& current) {
  if (candidate.version != current.version) return candidate.version > current.version;
  return !candidate.leader.empty() && candidate.leader < current.leader;
}

}  // namespace xyn::cluster

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

shard_assignment place(uint32_t shard, const std::vector<std::string>& candidates) {
  std::vector<std::pair<uint64_t, std::string>> ranked;
  for (const auto& c : candidates) ranked.emplace_back(score(c + "#" + std::to_string(shard)), c);
  std::sort(ranked.begin(), ranked.end(), std::greater<>());
  shard_assignment a;
  if (!ranked.empty()) a.owner = ranked[0].second;
  if (ranked.size() > 1) a.backup = ranked[1].second;
  return a;
}

shard_map next_map(const shard_map& previous, const std::vector<std::string>& candidates,
                   const std::string& leader, uint32_t count) {
  shard_map next;
  next.leader = leader;
  next.shards.resize(count);
  for (uint32_t s = 0; s < count; ++s) {
    auto a = place(s, candidates);
    if (s < previous.shards.size()) {
      const auto& was = previous.shards[s];
      a.epoch = was.owner == a.owner ? was.epoch : was.epoch + 1;
    } else {
      a.epoch = 1;
    }
    next.shards[s] = std::move(a);
  }
  if (next.shards == previous.shards) return previous;
  next.version = previous.version + 1;
  return next;
}

bool newer(const shard_map& candidate, const shard_map& current) {
  if (candidate.version != current.version) return candidate.version > current.version;
  return !candidate.leader.empty() && candidate.leader < current.leader;
}

}  // namespace xyn::cluster

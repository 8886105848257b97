#include "actors/shard_contents.hpp"

#include <set>
#include <string>
#include <string_view>

#include "actors/workflow/journal.hpp"
#include "runtime/base/keys.hpp"
#include "runtime/cluster/shard_map.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "xyn.pb.h"

namespace xyn::actors {

result<store::write_batch> shard_contents(const store::lmdb_env& env, uint32_t shard,
                                          uint32_t count) {
  namespace journal = workflow::journal;
  using store::db;
  store::write_batch out;
  auto in_shard = [&](std::string_view tenant) {
    return cluster::shard_of(std::string(tenant), count) == shard;
  };
  auto keep = [&](db d, std::string_view k, std::string_view v) {
    out.put(d, std::string(k), std::string(v));
  };
  for (auto d : {db::service_state, db::idempotency}) {
    auto scanned = env.scan(d, {}, [&](std::string_view k, std::string_view v) {
      auto parts = keys::split(k);
      if (parts.size() >= 2 && in_shard(parts[1])) keep(d, k, v);
      return true;
    });
    if (!scanned) return scanned;
  }
  // A run belongs to its tenant's shard; its record says whose it is.
  std::set<std::string, std::less<>> runs;
  const auto records = journal::record_key("");
  auto scanned = env.scan(db::workflows, records, [&](std::string_view k, std::string_view v) {
    proto::WorkflowRecord rec;
    if (rec.ParseFromArray(v.data(), static_cast<int>(v.size())) && in_shard(rec.tenant())) {
      runs.insert(std::string(k.substr(records.size())));
      keep(db::workflows, k, v);
    }
    return true;
  });
  if (!scanned) return scanned;
  // Index entries end with the run's id: after a fixed prefix ("u"), or after the prefix and
  // an 8-byte creation time ("o").
  auto index = [&](const std::string& prefix, size_t skip) {
    return env.scan(db::workflows, prefix, [&](std::string_view k, std::string_view v) {
      if (k.size() >= prefix.size() + skip && runs.count(k.substr(prefix.size() + skip)))
        keep(db::workflows, k, v);
      return true;
    });
  };
  if (auto s = index(journal::order_prefix(), 8); !s) return s;
  if (auto s = index(journal::unfinished_prefix(), 0); !s) return s;
  for (const auto& id : runs) {
    auto events = env.scan(db::journal, journal::event_prefix(id),
                           [&](std::string_view k, std::string_view v) {
                             keep(db::journal, k, v);
                             return true;
                           });
    if (!events) return events;
  }
  return out;
}

}  // namespace xyn::actors

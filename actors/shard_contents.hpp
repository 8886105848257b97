#pragma once
// shard_contents.hpp — which stored keys belong to one shard (DESIGN.md "Cluster"): its
// tenants' service state and idempotency records (keys "service\0tenant\0..."), and its
// tenants' workflow runs (record, order and unfinished index entries, journal), found through
// each run's record. What a shard's owner copies to a new backup, and what the backup drops
// before it takes the copy (store::writer_options::shard_contents). Reads only; any thread.

#include <cstdint>

#include "runtime/base/status.hpp"
#include "runtime/store/write_batch.hpp"

namespace xyn::store {
class lmdb_env;
}

namespace xyn::actors {

// Every key and value of shard `shard` of `count`, as puts in key order per database.
result<store::write_batch> shard_contents(const store::lmdb_env& env, uint32_t shard,
                                          uint32_t count);

}  // namespace xyn::actors

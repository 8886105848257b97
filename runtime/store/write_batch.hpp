#pragma once
// write_batch.hpp — the named databases of the node's LMDB environment and the unit of writing:
// an ordered list of puts and erases that commits atomically (all or nothing).
// Plain data with `inspect` overloads: a write_batch travels in messages to the writer actor
// (writer.hpp) and may cross nodes, so a `db` value read off the wire is range-checked before use
// (`valid_db`). No shared state; any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "caf/meta/type_name.hpp"

namespace xyn::store {

// One named database per concern (DESIGN.md "Storage"); all are opened when the environment
// opens. The numeric values are stored in messages: append new ones at the end, never reorder.
enum class db : std::uint8_t {
  meta,
  service_state,
  idempotency,
  workflows,
  journal,
  blobs,
  tenants,
  keys,
  usage,
  audit,
  conversations,
  metrics,
};

inline constexpr std::size_t db_count = 12;

inline constexpr bool valid_db(db d) {
  return static_cast<std::size_t>(d) < db_count;
}

// The LMDB name of a database ("service_state"); "?" for an invalid value.
std::string_view db_name(db d);
inline std::string to_string(db d) {
  return std::string(db_name(d));
}

struct write_op {
  db database = db::meta;
  std::string key;
  std::string value;   // ignored when `erase`
  bool erase = false;  // erasing an absent key is not an error

  friend bool operator==(const write_op&, const write_op&) = default;
};

// Ops apply in order, so a later put of the same key wins. Keys must be 1..max_key_size() bytes
// (lmdb_env::check says why a batch is refused).
struct write_batch {
  std::vector<write_op> ops;

  void put(db d, std::string key, std::string value) {
    ops.push_back(write_op{d, std::move(key), std::move(value), false});
  }
  void erase(db d, std::string key) { ops.push_back(write_op{d, std::move(key), {}, true}); }
  bool empty() const { return ops.empty(); }
  // Key plus value bytes: what the writer uses to cap the size of one transaction.
  std::size_t byte_size() const {
    std::size_t n = 0;
    for (const auto& op : ops) n += op.key.size() + op.value.size();
    return n;
  }

  friend bool operator==(const write_batch&, const write_batch&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_op& x) {
  return f(caf::meta::type_name("xyn.store.write_op"), x.database, x.key, x.value, x.erase);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_batch& x) {
  return f(caf::meta::type_name("xyn.store.write_batch"), x.ops);
}

}  // namespace xyn::store

#pragma once
// state_view.hpp — one service's state for one tenant during one execute.
// Keys are relative ("item/7"); the view prefixes them with (service, tenant) so a service
// cannot see another tenant's data. Reads see this execute's own writes and the writes of
// earlier executes whose commit is still in flight (the host's overlay), then LMDB.
// Writes are collected into a batch the host commits after the action returns. Not
// thread-safe: used by one actor's thread for the length of one execute.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/base/status.hpp"

namespace xyn::store {
class lmdb_env;
}

namespace xyn::actors {

// Writes not yet durable, keyed by full store key: a value, or nullopt for an erase.
// Owned by the service host; shared by all executes of that service.
using overlay_map = std::map<std::string, std::optional<std::string>, std::less<>>;

class state_view {
 public:
  // REQUIRES: env and overlay outlive the view. The view never modifies the overlay.
  state_view(const store::lmdb_env* env, const overlay_map* overlay, std::string prefix);

  // Raw bytes.
  result<std::string> get(std::string_view key) const;
  void put(std::string_view key, std::string value);
  void erase(std::string_view key);
  // Visits keys starting with `key_prefix` in key order (relative keys); stop by returning false.
  status scan(std::string_view key_prefix,
              const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

  // JSON documents (stored as proto::JsonDocument with a version that grows on each write).
  result<nlohmann::json> get_json(std::string_view key) const;
  void put_json(std::string_view key, const nlohmann::json& doc, int64_t now_ms);
  // Visits JSON documents under key_prefix; undecodable entries are skipped.
  status scan_json(
      std::string_view key_prefix,
      const std::function<bool(std::string_view key, const nlohmann::json& doc)>& fn) const;

  // A per-tenant counter stored under `key`, incremented and returned (starts at 1).
  uint64_t next_sequence(std::string_view key);

  // The writes this execute made, as (full key, value-or-erase), in order.
  const std::vector<std::pair<std::string, std::optional<std::string>>>& writes() const {
    return writes_;
  }

 private:
  std::string full_key(std::string_view key) const;

  const store::lmdb_env* env_;
  const overlay_map* overlay_;
  overlay_map local_;
  std::string prefix_;
  std::vector<std::pair<std::string, std::optional<std::string>>> writes_;
};

}  // namespace xyn::actors

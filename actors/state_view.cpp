#include "actors/state_view.hpp"

#include "runtime/base/keys.hpp"
#include "runtime/store/lmdb_env.hpp"
#include "xyn.pb.h"

namespace xyn::actors {

state_view::state_view(const store::lmdb_env* env, const overlay_map* overlay, std::string prefix)
    : env_(env), overlay_(overlay), prefix_(std::move(prefix)) {}

std::string state_view::full_key(std::string_view key) const {
  std::string out = prefix_;
  out.append(key);
  return out;
}

result<std::string> state_view::get(std::string_view key) const {
  auto full = full_key(key);
  for (const auto* layer : {&local_, overlay_}) {
    if (auto it = layer->find(full); it != layer->end()) {
      if (!it->second) return status::not_found(std::string(key));
      return *it->second;
    }
  }
  return env_->get(store::db::service_state, full);
}

void state_view::put(std::string_view key, std::string value) {
  auto full = full_key(key);
  local_[full] = value;
  writes_.emplace_back(std::move(full), std::move(value));
}

void state_view::erase(std::string_view key) {
  auto full = full_key(key);
  local_[full] = std::nullopt;
  writes_.emplace_back(std::move(full), std::nullopt);
}

status state_view::scan(
    std::string_view key_prefix,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  // Merge the durable keys with the overlay, overlay winning, both in key order.
  auto full_prefix = full_key(key_prefix);
  std::map<std::string, std::string, std::less<>> merged;
  auto st = env_->scan(store::db::service_state, full_prefix,
                       [&](std::string_view k, std::string_view v) {
                         merged.emplace(std::string(k), std::string(v));
                         return true;
                       });
  if (!st.ok()) return st;
  for (const auto* layer : {overlay_, &local_}) {
    for (auto it = layer->lower_bound(full_prefix);
         it != layer->end() && it->first.compare(0, full_prefix.size(), full_prefix) == 0; ++it) {
      if (it->second)
        merged[it->first] = *it->second;
      else
        merged.erase(it->first);
    }
  }
  for (const auto& [k, v] : merged)
    if (!fn(std::string_view(k).substr(prefix_.size()), v)) break;
  return {};
}

result<nlohmann::json> state_view::get_json(std::string_view key) const {
  auto raw = get(key);
  if (!raw) return raw.error();
  proto::JsonDocument doc;
  if (!doc.ParseFromString(*raw))
    return status::corruption("undecodable document " + std::string(key));
  auto parsed = nlohmann::json::parse(doc.json(), nullptr, false);
  if (parsed.is_discarded()) return status::corruption("bad JSON in document " + std::string(key));
  return parsed;
}

void state_view::put_json(std::string_view key, const nlohmann::json& value, int64_t now_ms) {
  proto::JsonDocument doc;
  uint64_t version = 1;
  if (auto old = get(key); old.ok()) {
    proto::JsonDocument prev;
    if (prev.ParseFromString(*old)) version = prev.version() + 1;
  }
  doc.set_json(value.dump());
  doc.set_version(version);
  doc.set_updated_at_ms(now_ms);
  put(key, doc.SerializeAsString());
}

status state_view::scan_json(
    std::string_view key_prefix,
    const std::function<bool(std::string_view key, const nlohmann::json& doc)>& fn) const {
  return scan(key_prefix, [&](std::string_view k, std::string_view v) {
    proto::JsonDocument doc;
    if (!doc.ParseFromArray(v.data(), static_cast<int>(v.size()))) return true;
    auto parsed = nlohmann::json::parse(doc.json(), nullptr, false);
    if (parsed.is_discarded()) return true;
    return fn(k, parsed);
  });
}

uint64_t state_view::next_sequence(std::string_view key) {
  uint64_t n = 0;
  if (auto cur = get(key); cur.ok() && cur->size() == 8) n = keys::from_be64(*cur);
  put(key, keys::be64(++n));
  return n;
}

}  // namespace xyn::actors

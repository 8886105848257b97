#include "actors/workflow/journal.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "runtime/base/keys.hpp"
#include "runtime/store/lmdb_env.hpp"

namespace xyn::workflow::journal {

std::string event_prefix(const std::string& id) {
  return keys::prefix({id});
}

std::string event_key(const std::string& id, uint64_t seq) {
  return event_prefix(id) + keys::be64(seq);
}

std::string record_key(const std::string& id) {
  return keys::join({"r", id});
}

std::string order_prefix() {
  return keys::prefix({"o"});
}

std::string order_key(int64_t created_at_ms, const std::string& id) {
  auto inverted = std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(created_at_ms);
  return order_prefix() + keys::be64(inverted) + id;
}

std::string unfinished_prefix() {
  return keys::prefix({"u"});
}

std::string unfinished_key(const std::string& id) {
  return unfinished_prefix() + id;
}

result<std::vector<event>> load(const store::lmdb_env& env, const std::string& id) {
  std::vector<event> out;
  status bad;
  auto st =
      env.scan(store::db::journal, event_prefix(id), [&](std::string_view, std::string_view v) {
        event e;
        if (!e.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          bad = status::corruption("journal event " + std::to_string(out.size() + 1) + " of '" +
                                   id + "' does not decode");
          return false;
        }
        out.push_back(std::move(e));
        return true;
      });
  if (!st.ok()) return st;
  if (!bad.ok()) return bad;
  if (out.empty()) return status::not_found("no workflow '" + id + "'");
  return out;
}

result<proto::WorkflowRecord> load_record(const store::lmdb_env& env, const std::string& id) {
  auto raw = env.get(store::db::workflows, record_key(id));
  if (!raw) {
    if (raw.error().is_not_found()) return status::not_found("no workflow '" + id + "'");
    return raw.error();
  }
  proto::WorkflowRecord r;
  if (!r.ParseFromString(*raw)) return status::corruption("record of '" + id + "' does not decode");
  return r;
}

result<replayed> replay(const store::lmdb_env& env, const std::string& id) {
  auto events = load(env, id);
  if (!events) return events.error();
  replayed r;
  r.run.set_id(id);
  for (const auto& e : *events) {
    if (auto st = r.run.apply(e); !st.ok()) return st;
    ++r.events;
  }
  return r;
}

proto::WorkflowRecord record_of(const run_state& run) {
  proto::WorkflowRecord r;
  r.set_id(run.id());
  r.set_tenant(run.tenant());
  r.set_template_name(run.template_name());
  r.set_definition_name(run.def().name);
  r.set_status(std::string(to_string(run.current_status())));
  r.set_created_at_ms(run.created_at_ms());
  r.set_finished_at_ms(run.finished_at_ms());
  r.set_parent_id(run.parent_id());
  r.set_error(run.error_message());
  return r;
}

result<std::vector<std::string>> unfinished(const store::lmdb_env& env) {
  std::vector<std::string> ids;
  auto prefix = unfinished_prefix();
  auto st = env.scan(store::db::workflows, prefix, [&](std::string_view k, std::string_view) {
    ids.emplace_back(k.substr(prefix.size()));
    return true;
  });
  if (!st.ok()) return st;
  return ids;
}

bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 200 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == ':';
  });
}

}  // namespace xyn::workflow::journal

#include "actors/workflow/view.hpp"

#include <algorithm>

#include "actors/workflow/journal.hpp"
#include "runtime/store/lmdb_env.hpp"

namespace xyn::workflow {

namespace {

json parse_or_text(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(text) : j;
}

json time_or_null(int64_t ms) {
  return ms > 0 ? json(ms) : json(nullptr);
}

std::string kind_name(event_kind k) {
  auto name = proto::WorkflowEvent::Kind_Name(k);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return name;
}

json summary_json(const proto::WorkflowRecord& r) {
  return {{"id", r.id()},
          {"tenant", r.tenant()},
          {"template", r.template_name().empty() ? json(nullptr) : json(r.template_name())},
          {"name", r.definition_name()},
          {"status", r.status()},
          {"created_at", r.created_at_ms()},
          {"finished_at", time_or_null(r.finished_at_ms())}};
}

}  // namespace

result<json> run_json(const store::lmdb_env& env, const std::string& id) {
  auto rep = journal::replay(env, id);
  if (!rep) return rep.error();
  const auto& run = rep->run;
  json steps = json::array();
  for (size_t i = 0; i < run.steps().size(); ++i) {
    const auto& sd = run.def().steps[i];
    const auto& s = run.steps()[i];
    json j = {{"id", sd.id},
              {"kind", to_string(sd.kind)},
              {"status", to_string(s.status)},
              {"attempts", s.attempt},
              {"output", s.status == step_status::pending ? json(nullptr) : s.output},
              {"started_at", time_or_null(s.started_at_ms)},
              {"finished_at", time_or_null(s.finished_at_ms)}};
    if (sd.kind == step_kind::service) {
      j["service"] = sd.service;
      j["action"] = sd.action;
    }
    if (sd.kind == step_kind::approval) j["signal"] = sd.signal;
    if (sd.kind == step_kind::workflow) j["child"] = id + "." + sd.id;
    if (s.wake_at_ms > 0) j["wake_at"] = s.wake_at_ms;
    if (!s.error_code.empty())
      j["error"] = {{"code", s.error_code}, {"message", s.error_message}};
    else
      j["error"] = nullptr;
    if (sd.compensate) {
      j["compensation"] = {{"action", sd.compensate->action}};
      if (s.comp_attempt > 0) j["compensation"]["attempts"] = s.comp_attempt;
    }
    steps.push_back(std::move(j));
  }
  json out = {{"id", id},
              {"tenant", run.tenant()},
              {"template", run.template_name().empty() ? json(nullptr) : json(run.template_name())},
              {"name", run.def().name},
              {"version", run.def().version},
              {"status", to_string(run.current_status())},
              {"steps", steps},
              {"input", run.input()},
              {"output", run.output()},
              {"created_at", run.created_at_ms()},
              {"finished_at", time_or_null(run.finished_at_ms())},
              {"events", rep->events}};
  if (run.phase() == phase::failing) out["unwinding"] = "compensating after a failure";
  if (run.phase() == phase::cancelling) out["unwinding"] = "compensating after cancel";
  if (!run.error_message().empty())
    out["error"] = {{"code", run.error_code()}, {"message", run.error_message()}};
  else
    out["error"] = nullptr;
  out["parent"] = run.parent_id().empty() ? json(nullptr) : json(run.parent_id());
  return out;
}

result<json> history_json(const store::lmdb_env& env, const std::string& id) {
  auto events = journal::load(env, id);
  if (!events) return events.error();
  json list = json::array();
  uint64_t seq = 0;
  for (const auto& e : *events) {
    json j = {{"seq", ++seq}, {"time", e.time_ms()}, {"kind", kind_name(e.kind())}};
    if (!e.step().empty()) j["step"] = e.step();
    if (e.attempt() > 0) j["attempt"] = e.attempt();
    if (!e.output_json().empty()) j["output"] = parse_or_text(e.output_json());
    if (!e.error_code().empty() || !e.error_message().empty())
      j["error"] = {{"code", e.error_code()}, {"message", e.error_message()}};
    if (e.wake_at_ms() > 0) j["wake_at"] = e.wake_at_ms();
    if (!e.name().empty()) j["name"] = e.name();
    if (!e.payload_json().empty()) j["payload"] = parse_or_text(e.payload_json());
    if (e.kind() == proto::WorkflowEvent::STEP_FAILED ||
        e.kind() == proto::WorkflowEvent::COMPENSATION_FAILED)
      j["final"] = e.final();
    if (e.kind() == proto::WorkflowEvent::STARTED) {
      j["definition"] = parse_or_text(e.definition_json());
      j["input"] = parse_or_text(e.input_json());
      j["tenant"] = e.tenant();
      if (!e.template_name().empty()) j["template"] = e.template_name();
      if (!e.parent_id().empty()) j["parent"] = e.parent_id();
    }
    list.push_back(std::move(j));
  }
  return json{{"id", id}, {"events", list}};
}

result<json> list_json(const store::lmdb_env& env, const list_query& q) {
  size_t limit = std::clamp<size_t>(q.limit, 1, 1000);
  auto prefix = journal::order_prefix();
  std::string start = prefix;
  if (!q.cursor.empty()) {
    // The cursor is the hex of the last key's suffix; the scan resumes after it.
    std::string raw;
    if (q.cursor.size() % 2 != 0) return status::invalid_argument("cursor is malformed");
    for (size_t i = 0; i < q.cursor.size(); i += 2) {
      auto byte = q.cursor.substr(i, 2);
      if (!std::all_of(byte.begin(), byte.end(), [](unsigned char c) { return std::isxdigit(c); }))
        return status::invalid_argument("cursor is malformed");
      raw.push_back(static_cast<char>(std::stoi(byte, nullptr, 16)));
    }
    start = prefix + raw;
  }
  json items = json::array();
  std::string last_key;
  bool more = false;
  std::vector<std::string> ids;
  std::vector<std::string> keys_seen;
  status st_inner;
  // LMDB scans are prefix scans: walk the order index, skip up to the cursor.
  auto st = env.scan(store::db::workflows, prefix, [&](std::string_view k, std::string_view) {
    if (!q.cursor.empty() && std::string_view(k) <= std::string_view(start)) return true;
    if (ids.size() == limit * 4 + 64) {  // read ahead a bounded amount, then filter below
      more = true;
      return false;
    }
    ids.emplace_back(k.substr(prefix.size() + 8));
    keys_seen.emplace_back(k);
    return true;
  });
  if (!st.ok()) return st;
  size_t used = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    used = i + 1;
    auto rec = journal::load_record(env, ids[i]);
    if (!rec) continue;
    if (!q.status.empty() && rec->status() != q.status) continue;
    if (!q.template_name.empty() && rec->template_name() != q.template_name) continue;
    if (!q.tenant.empty() && rec->tenant() != q.tenant) continue;
    items.push_back(summary_json(*rec));
    last_key = keys_seen[i];
    if (items.size() == limit) break;
  }
  if (used < ids.size() || more) {
    if (last_key.empty() && used > 0) last_key = keys_seen[used - 1];
  } else {
    last_key.clear();
  }
  json next = nullptr;
  if (!last_key.empty()) {
    static const char* hex = "0123456789abcdef";
    std::string c;
    for (unsigned char ch : last_key.substr(prefix.size())) {
      c.push_back(hex[ch >> 4]);
      c.push_back(hex[ch & 15]);
    }
    next = c;
  }
  return json{{"workflows", items}, {"next_cursor", next}};
}

json status_summary(const store::lmdb_env& env, const std::string& tenant, size_t recent_failures) {
  json counts = {
      {"running", 0}, {"completed", 0}, {"failed", 0}, {"rolled_back", 0}, {"cancelled", 0}};
  int64_t total = 0;
  std::vector<proto::WorkflowRecord> failures;
  auto prefix = journal::record_key("");
  (void)env.scan(store::db::workflows, prefix, [&](std::string_view, std::string_view v) {
    proto::WorkflowRecord rec;
    if (!rec.ParseFromArray(v.data(), static_cast<int>(v.size())) || rec.tenant() != tenant)
      return true;
    ++total;
    auto& c = counts[rec.status()];
    c = c.is_number() ? c.get<int64_t>() + 1 : 1;
    if (rec.status() == "failed" || rec.status() == "rolled_back") failures.push_back(rec);
    return true;
  });
  std::sort(failures.begin(), failures.end(),
            [](const auto& a, const auto& b) { return a.finished_at_ms() > b.finished_at_ms(); });
  if (failures.size() > recent_failures) failures.resize(recent_failures);
  json recent = json::array();
  for (const auto& f : failures) {
    auto j = summary_json(f);
    j["error"] = f.error();
    recent.push_back(std::move(j));
  }
  return {{"counts", counts}, {"total", total}, {"recent_failures", recent}};
}

}  // namespace xyn::workflow

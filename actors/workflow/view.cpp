#include "actors/workflow/view.hpp"

#include <algorithm>
#include <iterator>
#include <optional>

#include <boost/algorithm/hex.hpp>

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

// A list position (an order key without its prefix) as the hex text clients pass back.
std::string cursor_of(std::string_view position) {
  std::string out;
  boost::algorithm::hex_lower(position.begin(), position.end(), std::back_inserter(out));
  return out;
}

result<std::string> position_from_cursor(const std::string& cursor) {
  try {
    return boost::algorithm::unhex(cursor);
  } catch (const boost::algorithm::hex_decode_error&) {
    return status::invalid_argument("cursor is malformed");
  }
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

result<list_query> list_query_from_json(const json& j) {
  if (!j.is_object()) return status::invalid_argument("list query: not a JSON object");
  list_query q;
  for (auto [k, out] : {std::pair<const char*, std::string*>{"status", &q.status},
                        {"template", &q.template_name},
                        {"tenant", &q.tenant},
                        {"cursor", &q.cursor}}) {
    if (!j.contains(k) || j[k].is_null()) continue;
    if (!j[k].is_string())
      return status::invalid_argument(std::string("list query: '") + k + "' must be a string");
    *out = j[k].get<std::string>();
  }
  if (j.contains("limit") && !j["limit"].is_null()) {
    if (!j["limit"].is_number_integer() || j["limit"].get<int64_t>() <= 0)
      return status::invalid_argument("list query: 'limit' must be a positive integer");
    q.limit = static_cast<size_t>(std::min<uint64_t>(j["limit"].get<uint64_t>(), 1000));
  }
  if (auto pos = position_from_cursor(q.cursor); !pos) return pos.error();
  return q;
}

json to_json(const list_query& q) {
  return {{"status", q.status},
          {"template", q.template_name},
          {"tenant", q.tenant},
          {"limit", q.limit},
          {"cursor", q.cursor}};
}

result<json> list_page_json(const store::lmdb_env& env, const list_query& q,
                            const tenant_filter& include) {
  size_t limit = std::clamp<size_t>(q.limit, 1, 1000);
  auto after = position_from_cursor(q.cursor);
  if (!after) return after.error();
  auto prefix = journal::order_prefix();
  // The scan only collects positions: loading a record inside it would call into the env.
  // It reads ahead a bounded amount, so a filter that admits little cannot make one page
  // walk the whole index; the page then says how far it got.
  const size_t read_ahead = limit * 4 + 64;
  std::vector<std::string> positions;
  bool more = false;
  auto st = env.scan(store::db::workflows, prefix, prefix + *after,
                     [&](std::string_view k, std::string_view) {
                       auto pos = k.substr(prefix.size());
                       if (pos == *after && !after->empty()) return true;
                       if (positions.size() == read_ahead) {
                         more = true;
                         return false;
                       }
                       positions.emplace_back(pos);
                       return true;
                     });
  if (!st.ok()) return st;
  json runs = json::array();
  json scanned_to = more && !positions.empty() ? json(cursor_of(positions.back())) : json(nullptr);
  for (const auto& pos : positions) {
    auto rec = journal::load_record(env, pos.substr(8));  // after the be64 creation time
    if (!rec) continue;
    if (!q.status.empty() && rec->status() != q.status) continue;
    if (!q.template_name.empty() && rec->template_name() != q.template_name) continue;
    if (!q.tenant.empty() && rec->tenant() != q.tenant) continue;
    if (include && !include(rec->tenant())) continue;
    runs.push_back({{"at", cursor_of(pos)}, {"run", summary_json(*rec)}});
    if (runs.size() == limit) {
      scanned_to = runs.back()["at"];
      break;
    }
  }
  return json{{"runs", std::move(runs)}, {"scanned_to", std::move(scanned_to)}};
}

result<json> merge_list_pages(const std::vector<json>& pages, size_t limit) {
  limit = std::clamp<size_t>(limit, 1, 1000);
  auto malformed = [] { return status::internal("a member's list page is malformed"); };
  // Positions are hex of byte strings, so comparing the text compares the positions.
  std::optional<std::string> complete_to;  // none: every member reached its end
  std::vector<std::pair<std::string, const json*>> runs;
  for (const auto& page : pages) {
    if (!page.is_object() || !page.contains("runs") || !page["runs"].is_array()) return malformed();
    const auto& to = page.value("scanned_to", json());
    if (to.is_string() && (!complete_to || to.get<std::string>() < *complete_to))
      complete_to = to.get<std::string>();
    for (const auto& r : page["runs"]) {
      if (!r.is_object() || !r.contains("at") || !r["at"].is_string() || !r.contains("run"))
        return malformed();
      runs.emplace_back(r["at"].get<std::string>(), &r["run"]);
    }
  }
  // A run past the point some member has not looked beyond may be preceded there by one of
  // that member's runs: it waits for the next page.
  if (complete_to) std::erase_if(runs, [&](const auto& r) { return r.first > *complete_to; });
  std::sort(runs.begin(), runs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  json items = json::array();
  for (size_t i = 0; i < std::min(limit, runs.size()); ++i) items.push_back(*runs[i].second);
  json next = nullptr;
  if (runs.size() > limit)
    next = runs[limit - 1].first;
  else if (complete_to)
    next = *complete_to;
  return json{{"workflows", std::move(items)}, {"next_cursor", std::move(next)}};
}

result<json> list_json(const store::lmdb_env& env, const list_query& q) {
  auto page = list_page_json(env, q, nullptr);
  if (!page) return page.error();
  return merge_list_pages({*page}, q.limit);
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

// analytics-data-layer: event ingest in batches; aggregates (count, sum, avg, min, max,
// nearest-rank percentiles, distinct count) by dimension and time bucket over a window;
// ordered funnels; and retention of raw events under a per-tenant policy. Everything is
// computed from the stored events.
//
// Layout under (analytics-data-layer, tenant):
//   ev/<type>/<be64 timestamp><be64 seq>  JSON {type, dimensions, value?, timestamp, batch}
//   at/<be64 timestamp><be64 seq>         "<type>/<batch id>": every event in time order across
//                                         types, the order retention deletes in
//   batch/<id>                            JSON {id, events: [[type, timestamp, seq], ...], at,
//                                         live: how many of them are still stored}
//   meta/events                           JSON {events, oldest}: the stored count, and a lower
//                                         bound of their timestamps (when retention must look)
//   policy/retention                      JSON {max_age_days?, max_events?}
//   seq/event, seq/batch                  counters
// Keys sort by time within a type, so a query scans only its type. Types are restricted to
// [A-Za-z0-9_.:-] so that no type's prefix ("ev/a/") is a prefix of another's, and cannot hold
// the '/' that ends the type in an at/ value.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"
#include "runtime/base/keys.hpp"

namespace xyn::actors::services {

namespace {

constexpr size_t max_events_per_batch = 10000;
constexpr int64_t day_ms = 86400000;
constexpr int64_t no_time = std::numeric_limits<int64_t>::max();

bool valid_type(const std::string& t) {
  if (t.empty() || t.size() > 100) return false;
  for (unsigned char c : t)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != ':' && c != '-') return false;
  return true;
}

std::string type_prefix(const std::string& type) {
  return "ev/" + type + "/";
}
std::string time_suffix(int64_t ts, uint64_t seq) {
  return keys::be64(static_cast<uint64_t>(ts)) + keys::be64(seq);
}
std::string event_key(const std::string& type, int64_t ts, uint64_t seq) {
  return type_prefix(type) + time_suffix(ts, seq);
}
std::string index_key(int64_t ts, uint64_t seq) {
  return "at/" + time_suffix(ts, seq);
}

// ---- retention ---------------------------------------------------------------------------

// What a tenant keeps: events younger than max_age_days, and at most the newest max_events
// (0: no limit of that kind).
struct retention_policy {
  int64_t max_age_days = 0;
  int64_t max_events = 0;

  bool any() const { return max_age_days > 0 || max_events > 0; }
  // Events with a timestamp before this are expired (the smallest time when age is no limit).
  int64_t cutoff(int64_t now) const {
    return max_age_days > 0 ? now - max_age_days * day_ms : std::numeric_limits<int64_t>::min();
  }
  json to_json() const {
    return {{"max_age_days", max_age_days > 0 ? json(max_age_days) : json(nullptr)},
            {"max_events", max_events > 0 ? json(max_events) : json(nullptr)}};
  }
};

retention_policy load_policy(const state_view& st) {
  retention_policy p;
  auto doc = st.get_json("policy/retention");
  if (!doc) return p;
  // Stored as to_json() makes it: null for no limit.
  auto limit = [&](const char* field) {
    auto it = doc->find(field);
    return it != doc->end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  };
  p.max_age_days = limit("max_age_days");
  p.max_events = limit("max_events");
  return p;
}

// How many events are stored, and a time no later than the oldest of them (a lower bound:
// discard_batch leaves it be, and the next purge that looks makes it exact).
struct event_stats {
  int64_t events = 0;
  int64_t oldest = no_time;
};

event_stats load_stats(const state_view& st) {
  event_stats s;
  if (auto doc = st.get_json("meta/events")) {
    s.events = doc->value("events", int64_t{0});
    s.oldest = doc->value("oldest", no_time);
  }
  return s;
}

void save_stats(state_view& st, const event_stats& s, int64_t now) {
  st.put_json("meta/events", {{"events", std::max<int64_t>(0, s.events)}, {"oldest", s.oldest}},
              now);
}

// Takes `removed` events of batch `id` off its live count; a batch with none left goes.
void batch_lost(state_view& st, const std::string& id, int64_t removed, int64_t now) {
  auto batch = st.get_json("batch/" + id);
  if (!batch) return;
  int64_t live = batch->value("live", static_cast<int64_t>((*batch)["events"].size())) - removed;
  if (live <= 0) {
    st.erase("batch/" + id);
    return;
  }
  (*batch)["live"] = live;
  st.put_json("batch/" + id, *batch, now);
}

struct purge_result {
  int64_t purged = 0;
  bool more = false;  // the limit stopped it before everything expired was gone
};

// Deletes, oldest first and at most `limit`, the events `pol` no longer keeps: those older than
// its age limit and, while more than max_events are stored, the oldest. This is the one way
// raw events leave besides discard_batch, and it cannot be undone: a purge enforces the
// policy the tenant set, and keeping copies to restore from would defeat bounded storage. So
// `purge` names no compensation, and ingest's compensation (discard_batch) only takes back the
// ingested events, never what the ingest purged.
status purge_expired(state_view& st, const retention_policy& pol, int64_t now, int64_t limit,
                     purge_result& out) {
  auto stats = load_stats(st);
  int64_t cutoff = pol.cutoff(now);
  int64_t excess = pol.max_events > 0 ? std::max<int64_t>(0, stats.events - pol.max_events) : 0;
  if (excess == 0 && stats.oldest >= cutoff) return {};
  // Collected first and deleted after: the scan must not see its own erasures.
  std::vector<std::pair<std::string, std::string>> doomed;
  int64_t first_kept = no_time;
  auto st_scan = st.scan("at/", [&](std::string_view key, std::string_view value) {
    auto ts = static_cast<int64_t>(keys::from_be64(key.substr(3, 8)));
    bool expired = ts < cutoff || static_cast<int64_t>(doomed.size()) < excess;
    if (!expired || static_cast<int64_t>(doomed.size()) == limit) {
      out.more = expired;
      first_kept = ts;
      return false;
    }
    doomed.emplace_back(key, value);
    return true;
  });
  if (!st_scan.ok()) return st_scan;
  std::map<std::string, int64_t> per_batch;
  for (const auto& [key, value] : doomed) {
    auto ts = static_cast<int64_t>(keys::from_be64(std::string_view(key).substr(3, 8)));
    auto seq = keys::from_be64(std::string_view(key).substr(11, 8));
    auto slash = value.find('/');
    st.erase(event_key(value.substr(0, slash), ts, seq));
    st.erase(key);
    ++per_batch[value.substr(slash + 1)];
  }
  for (const auto& [id, n] : per_batch) batch_lost(st, id, n, now);
  out.purged = static_cast<int64_t>(doomed.size());
  stats.events -= out.purged;
  stats.oldest = first_kept;
  save_stats(st, stats, now);
  return {};
}

// On ingest a purge runs once the policy is overrun by a margin of 1% of its limit, so that a
// steady stream pays for one scan of the time index per 1% of turnover rather than one per
// batch. Queries never count events past the age limit either way (query_window), so only
// max_events is held loosely (to within 1%) between explicit purges.
bool overrun(const retention_policy& pol, const event_stats& s, int64_t now) {
  if (pol.max_events > 0 && s.events > pol.max_events + pol.max_events / 100) return true;
  return pol.max_age_days > 0 && s.oldest < pol.cutoff(now) - pol.max_age_days * day_ms / 100;
}

// ---- queries -----------------------------------------------------------------------------

// The time range [from, to) of a query; absent bounds are open.
struct window {
  int64_t from = std::numeric_limits<int64_t>::min();
  int64_t to = std::numeric_limits<int64_t>::max();
  bool contains(int64_t t) const { return t >= from && t < to; }
};

// The window a query asks for, starting no earlier than the retention age limit: an expired
// event counts nowhere, even before a purge has removed it.
window query_window(const action_context& ctx, param_reader& p) {
  window w;
  w.from = p.integer("from", w.from);
  w.to = p.integer("to", w.to);
  if (p.ok() && w.to <= w.from) p.fail("to", "must be after from");
  w.from = std::max(w.from, load_policy(ctx.state).cutoff(ctx.now_ms));
  return w;
}

// Visits the events of `type` inside `w` in time order.
status each_event(const state_view& st, const std::string& type, const window& w,
                  const std::function<void(const json&)>& fn) {
  return st.scan_json(type_prefix(type), [&](std::string_view, const json& ev) {
    int64_t ts = ev.value("timestamp", int64_t{0});
    if (ts >= w.to) return false;
    if (w.contains(ts)) fn(ev);
    return true;
  });
}

// True when every (dimension, value) of `where` is present in the event with an equal value.
bool matches(const json& ev, const json& where) {
  const json& dims = ev.contains("dimensions") ? ev["dimensions"] : json::object();
  for (auto it = where.begin(); it != where.end(); ++it) {
    auto d = dims.find(it.key());
    if (d == dims.end() || *d != it.value()) return false;
  }
  return true;
}

// Time buckets: fixed intervals aligned to the Unix epoch (shifted so weeks start on Monday,
// 1970-01-05), or calendar months in UTC.
struct bucketing {
  int64_t interval = 0;
  int64_t offset = 0;
  bool month = false;

  bool on() const { return interval > 0 || month; }
  int64_t start(int64_t ts) const {
    if (month) {
      auto t = text::to_utc(ts);
      return text::from_utc(t.year, t.month, 1);
    }
    int64_t r = (ts - offset) % interval;
    return ts - (r < 0 ? r + interval : r);
  }
};

// Reads `bucket` (minute, hour, day, week, month) or `interval_ms`, not both.
bucketing read_bucketing(param_reader& p) {
  bucketing b;
  auto unit = p.optional_string("bucket");
  b.interval = p.integer("interval_ms", 0);
  if (!p.ok()) return b;
  if (b.interval < 0) p.fail("interval_ms", "must be positive");
  if (!unit) return b;
  if (b.interval > 0) p.fail("bucket", "give either bucket or interval_ms, not both");
  static const std::map<std::string, int64_t> fixed = {
      {"minute", 60000}, {"hour", 3600000}, {"day", day_ms}, {"week", 7 * day_ms}};
  if (*unit == "month") {
    b.month = true;
  } else if (auto it = fixed.find(*unit); it != fixed.end()) {
    b.interval = it->second;
    if (*unit == "week") b.offset = 4 * day_ms;
  } else {
    p.fail("bucket", "must be one of minute, hour, day, week, month");
  }
  return b;
}

const std::vector<std::string> ops = {"count", "sum",         "avg",           "min",
                                      "max",   "percentiles", "count_distinct"};

// What an aggregate computes per group.
struct measure {
  std::string op;
  std::vector<double> percentiles;  // op percentiles: each in (0, 100]
  std::string distinct;             // op count_distinct: the dimension whose values count
};

// "p50", "p99.9".
std::string percentile_name(double p) {
  return "p" + (p == std::floor(p) ? std::to_string(static_cast<int64_t>(p)) : json(p).dump());
}

// Running figures for one group.
struct accumulator {
  uint64_t count = 0;   // events
  uint64_t valued = 0;  // events that carry a value
  double sum = 0, min = 0, max = 0;
  std::vector<double> values;      // kept for percentiles only
  std::set<std::string> distinct;  // kept for count_distinct only: the values' JSON text

  void add(const json& ev, const measure& m) {
    ++count;
    if (m.op == "count_distinct") {
      const auto& dims = ev["dimensions"];
      if (auto it = dims.find(m.distinct); it != dims.end()) distinct.insert(it->dump());
    }
    auto v = ev.find("value");
    if (v == ev.end() || !v->is_number()) return;
    double x = v->get<double>();
    min = valued == 0 ? x : std::min(min, x);
    max = valued == 0 ? x : std::max(max, x);
    sum += x;
    ++valued;
    if (m.op == "percentiles") values.push_back(x);
  }

  json result(const measure& m) const {
    if (m.op == "count") return count;
    if (m.op == "count_distinct") return distinct.size();
    if (valued == 0) return nullptr;
    if (m.op == "sum") return sum;
    if (m.op == "avg") return sum / static_cast<double>(valued);
    if (m.op == "min") return min;
    if (m.op == "max") return max;
    return percentiles(m.percentiles);
  }

  // Nearest rank: the p-th percentile of n sorted values is the one at rank ceil(p/100 * n)
  // (1-based) — always a value that occurred, never an interpolation.
  json percentiles(const std::vector<double>& ps) const {
    auto sorted = values;
    std::sort(sorted.begin(), sorted.end());
    json out = json::object();
    auto n = static_cast<double>(sorted.size());
    for (double p : ps) {
      // The epsilon keeps 90% of 10 values at rank 9 despite binary rounding.
      auto rank = static_cast<size_t>(std::ceil(p / 100 * n - 1e-9));
      out[percentile_name(p)] = sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
    }
    return out;
  }
};

// Reads op, and `percentiles` (default 50, 90, 99) or `distinct` where the op needs them.
measure read_measure(const json& params, param_reader& p) {
  measure m;
  m.op = p.string("op");
  m.distinct = p.string("distinct", "");
  if (!p.ok()) return m;
  if (std::find(ops.begin(), ops.end(), m.op) == ops.end())
    p.fail("op", "must be one of count, sum, avg, min, max, percentiles, count_distinct");
  if (m.op == "count_distinct" && m.distinct.empty())
    p.fail("distinct", "must name the dimension whose distinct values op count_distinct counts");
  auto ps = params.find("percentiles");
  bool given = ps != params.end() && !ps->is_null();
  if (given && m.op != "percentiles") p.fail("percentiles", "is only for op percentiles");
  if (!p.ok() || m.op != "percentiles") return m;
  if (!given) {
    m.percentiles = {50, 90, 99};
    return m;
  }
  bool good = ps->is_array() && !ps->empty();
  for (size_t i = 0; good && i < ps->size(); ++i) {
    const auto& v = (*ps)[i];
    good = v.is_number() && v.get<double>() > 0 && v.get<double>() <= 100;
    if (good) m.percentiles.push_back(v.get<double>());
  }
  if (!good) p.fail("percentiles", "must be a non-empty array of numbers in (0, 100]");
  return m;
}

class analytics_data_layer : public service {
 public:
  analytics_data_layer()
      : service("analytics-data-layer", "Event ingest, aggregates, funnels and retention") {
    auto ingest_schema = object_schema({{"events", "array"}}, {"events"});
    ingest_schema["properties"]["events"]["items"] = object_schema({{"type", "string"},
                                                                    {"dimensions", "object"},
                                                                    {"value", "number"},
                                                                    {"timestamp", "integer"}},
                                                                   {"type"});
    add({"ingest",
         "Store a batch of events (purging what the retention policy expired); returns the batch "
         "id that discard_batch takes",
         ingest_schema, "discard_batch", true, ingest});
    add({"discard_batch", "Remove every event of one ingested batch (cannot be undone)",
         object_schema({{"batch_id", "string"}}, {"batch_id"}), "", true, discard_batch});
    auto agg_schema = object_schema({{"type", "string"},
                                     {"op", "string"},
                                     {"percentiles", "array"},
                                     {"distinct", "string"},
                                     {"group_by", "string"},
                                     {"bucket", "string"},
                                     {"interval_ms", "integer"},
                                     {"where", "object"},
                                     {"from", "integer"},
                                     {"to", "integer"}},
                                    {"type", "op"});
    agg_schema["properties"]["op"]["enum"] = ops;
    agg_schema["properties"]["percentiles"]["items"] = {{"type", "number"}};
    agg_schema["properties"]["bucket"]["enum"] = {"minute", "hour", "day", "week", "month"};
    add({"aggregate",
         "count/sum/avg/min/max/percentiles/count_distinct of one event type over [from, to), "
         "by dimension and time bucket",
         agg_schema, "", false, aggregate});
    add({"funnel", "How many entities did each step in order (optionally within a time limit)",
         object_schema({{"steps", "array"},
                        {"by", "string"},
                        {"within_ms", "integer"},
                        {"from", "integer"},
                        {"to", "integer"}},
                       {"steps", "by"}),
         "", false, funnel});
    add({"set_retention",
         "Keep events for max_age_days and/or only the newest max_events (neither: keep all); "
         "returns the previous policy, which set_retention takes to undo",
         object_schema({{"max_age_days", "integer"}, {"max_events", "integer"}}, {}),
         "set_retention", true, set_retention});
    add({"get_retention", "The retention policy and how many events are stored",
         object_schema({}, {}), "", false, get_retention});
    add({"purge", "Delete the events the retention policy expired, oldest first (not undoable)",
         object_schema({{"limit", "integer"}}, {}), "", true, purge});
  }

 private:
  // Checks the events of an ingest and makes the documents to store, or names the bad field.
  static std::optional<std::vector<json>> read_events(const json& events, int64_t now,
                                                      outcome& fail) {
    std::vector<json> docs;
    for (size_t i = 0; i < events.size(); ++i) {
      std::string at = "events[" + std::to_string(i) + "]";
      const json& e = events[i];
      if (!e.is_object()) {
        fail = outcome::failure("invalid_params", "field '" + at + "': must be an object");
        return std::nullopt;
      }
      param_reader ep(e);
      auto type = ep.string("type");
      auto dims = ep.object("dimensions", json::object());
      auto ts = ep.integer("timestamp", now);
      bool has_value = e.contains("value") && !e["value"].is_null();
      double value = ep.number("value", 0);
      if (ep.ok() && !valid_type(type))
        ep.fail("type", "must be 1-100 characters of letters, digits, '_', '.', ':' or '-'");
      if (ep.ok() && ts < 0) ep.fail("timestamp", "must not be negative");
      if (ep.ok() && has_value && !std::isfinite(value)) ep.fail("value", "must be finite");
      for (auto it = dims.begin(); ep.ok() && it != dims.end(); ++it)
        if (it->is_structured())
          ep.fail(("dimensions." + it.key()).c_str(), "must be a string, number or boolean");
      if (!ep.ok()) {
        // "field 'type': ..." becomes "field 'events[3].type': ...".
        fail = ep.failure();
        fail.message.insert(7, at + ".");
        return std::nullopt;
      }
      json doc = {{"type", type}, {"dimensions", dims}, {"timestamp", ts}};
      if (has_value) doc["value"] = e["value"];
      docs.push_back(std::move(doc));
    }
    return docs;
  }

  static outcome ingest(action_context& ctx) {
    param_reader p(ctx.params);
    auto events = p.array("events");
    if (p.ok() && events.empty()) p.fail("events", "must hold at least one event");
    if (p.ok() && events.size() > max_events_per_batch)
      p.fail("events", "at most " + std::to_string(max_events_per_batch) + " events per batch");
    if (!p.ok()) return p.failure();
    // Validate everything before writing anything, so a bad event stores none of the batch.
    outcome fail;
    auto docs = read_events(events, ctx.now_ms, fail);
    if (!docs) return fail;
    std::string batch_id = "b" + std::to_string(ctx.state.next_sequence("seq/batch"));
    uint64_t seq = 0;
    if (auto cur = ctx.state.get("seq/event"); cur.ok() && cur->size() == 8)
      seq = keys::from_be64(*cur);
    auto stats = load_stats(ctx.state);
    json refs = json::array();
    for (auto& doc : *docs) {
      ++seq;
      doc["batch"] = batch_id;
      auto type = doc["type"].get<std::string>();
      auto ts = doc["timestamp"].get<int64_t>();
      ctx.state.put_json(event_key(type, ts, seq), doc, ctx.now_ms);
      ctx.state.put(index_key(ts, seq), type + "/" + batch_id);
      refs.push_back({type, ts, seq});
      stats.oldest = std::min(stats.oldest, ts);
    }
    ctx.state.put("seq/event", keys::be64(seq));
    ctx.state.put_json(
        "batch/" + batch_id,
        {{"id", batch_id}, {"events", refs}, {"at", ctx.now_ms}, {"live", refs.size()}},
        ctx.now_ms);
    stats.events += static_cast<int64_t>(docs->size());
    save_stats(ctx.state, stats, ctx.now_ms);
    // Retention without a scheduler: each ingest purges a bounded chunk once the policy is
    // overrun, at least twice what it added, so a backlog shrinks while events keep coming.
    purge_result purged;
    auto pol = load_policy(ctx.state);
    if (pol.any() && overrun(pol, stats, ctx.now_ms)) {
      int64_t chunk = std::max<int64_t>(1000, 2 * static_cast<int64_t>(docs->size()));
      auto st = purge_expired(ctx.state, pol, ctx.now_ms, chunk, purged);
      if (!st.ok()) return outcome::failure("io_error", st.message());
    }
    return outcome::success(
        {{"ingested", docs->size()}, {"batch_id", batch_id}, {"purged", purged.purged}});
  }

  // Discarding a batch whose events retention already purged finds nothing left to remove and
  // succeeds, so a workflow can always compensate its ingest; an id never issued is not_found.
  static outcome discard_batch(action_context& ctx) {
    param_reader p(ctx.params);
    auto id = p.string("batch_id");
    if (!p.ok()) return p.failure();
    auto batch = ctx.state.get_json("batch/" + id);
    if (!batch) {
      if (!issued(ctx.state, id)) return outcome::not_found("no batch '" + id + "'");
      return outcome::success({{"batch_id", id}, {"discarded", 0}});
    }
    int64_t n = 0;
    for (const auto& ref : (*batch)["events"]) {
      auto type = ref[0].get<std::string>();
      auto ts = ref[1].get<int64_t>();
      auto seq = ref[2].get<uint64_t>();
      if (!ctx.state.get(event_key(type, ts, seq)).ok()) continue;  // purged
      ctx.state.erase(event_key(type, ts, seq));
      ctx.state.erase(index_key(ts, seq));
      ++n;
    }
    ctx.state.erase("batch/" + id);
    auto stats = load_stats(ctx.state);
    stats.events -= n;
    save_stats(ctx.state, stats, ctx.now_ms);
    return outcome::success({{"batch_id", id}, {"discarded", n}});
  }

  // True when `id` is "b<n>" for a batch number this tenant has handed out.
  static bool issued(const state_view& st, const std::string& id) {
    if (id.size() < 2 || id.size() > 19 || id[0] != 'b' || id[1] == '0') return false;
    if (!std::all_of(id.begin() + 1, id.end(), [](unsigned char c) { return std::isdigit(c); }))
      return false;
    auto cur = st.get("seq/batch");
    return cur.ok() && cur->size() == 8 && std::stoull(id.substr(1)) <= keys::from_be64(*cur);
  }

  static outcome aggregate(action_context& ctx) {
    param_reader p(ctx.params);
    auto type = p.string("type");
    auto m = read_measure(ctx.params, p);
    auto group_by = p.optional_string("group_by");
    auto buckets = read_bucketing(p);
    auto where = p.object("where", json::object());
    auto w = query_window(ctx, p);
    if (p.ok() && !valid_type(type)) p.fail("type", "is not a valid event type");
    if (!p.ok()) return p.failure();
    // Groups in (bucket start, dimension value) order; the value's JSON text orders groups.
    std::map<std::pair<int64_t, std::string>, std::pair<json, accumulator>> groups;
    accumulator total;
    auto st = each_event(ctx.state, type, w, [&](const json& ev) {
      if (!matches(ev, where)) return;
      total.add(ev, m);
      if (!group_by && !buckets.on()) return;
      int64_t bucket = buckets.on() ? buckets.start(ev["timestamp"].get<int64_t>()) : 0;
      json g = nullptr;
      if (group_by) {
        const auto& dims = ev["dimensions"];
        if (auto it = dims.find(*group_by); it != dims.end()) g = *it;
      }
      auto& slot = groups[{bucket, g.dump()}];
      slot.first = g;
      slot.second.add(ev, m);
    });
    if (!st.ok()) return outcome::failure("io_error", st.message());
    json out = {{"type", type}, {"op", m.op}, {"value", total.result(m)}, {"count", total.count}};
    if (group_by || buckets.on()) {
      json rows = json::array();
      for (const auto& [key, slot] : groups) {
        json row = {{"value", slot.second.result(m)}, {"count", slot.second.count}};
        if (group_by) row["group"] = slot.first;
        if (buckets.on()) row["window_start"] = key.first;
        rows.push_back(std::move(row));
      }
      out["groups"] = std::move(rows);
    }
    if (group_by) out["group_by"] = *group_by;
    return outcome::success(std::move(out));
  }

  static outcome funnel(action_context& ctx) {
    param_reader p(ctx.params);
    auto steps = p.strings("steps");
    auto by = p.string("by");
    auto within = p.integer("within_ms", 0);
    auto w = query_window(ctx, p);
    if (p.ok() && steps.size() < 2) p.fail("steps", "must name at least two event types");
    for (const auto& s : steps)
      if (p.ok() && !valid_type(s)) p.fail("steps", "'" + s + "' is not a valid event type");
    if (p.ok() && within < 0) p.fail("within_ms", "must not be negative");
    if (!p.ok()) return p.failure();
    // Per step: entity -> the times it did that step, ascending.
    std::vector<std::map<std::string, std::vector<int64_t>>> times(steps.size());
    for (size_t i = 0; i < steps.size(); ++i) {
      auto st = each_event(ctx.state, steps[i], w, [&](const json& ev) {
        const auto& dims = ev["dimensions"];
        auto it = dims.find(by);
        if (it == dims.end()) return;
        times[i][it->dump()].push_back(ev["timestamp"].get<int64_t>());
      });
      if (!st.ok()) return outcome::failure("io_error", st.message());
    }
    // An entity reaches step k at the first time it did step k no earlier than it reached k-1.
    std::vector<uint64_t> reached(steps.size(), 0);
    for (const auto& [entity, first_times] : times[0]) {
      int64_t t0 = first_times.front(), t = t0;
      ++reached[0];
      for (size_t k = 1; k < steps.size(); ++k) {
        auto it = times[k].find(entity);
        if (it == times[k].end()) break;
        auto next = std::lower_bound(it->second.begin(), it->second.end(), t);
        if (next == it->second.end() || (within > 0 && *next - t0 > within)) break;
        t = *next;
        ++reached[k];
      }
    }
    auto ratio = [](uint64_t a, uint64_t b) {
      return b == 0 ? 0.0
                    : std::round(10000.0 * static_cast<double>(a) / static_cast<double>(b)) / 10000;
    };
    json out = json::array();
    for (size_t k = 0; k < steps.size(); ++k)
      out.push_back({{"type", steps[k]},
                     {"entities", reached[k]},
                     {"conversion_from_previous", k == 0 ? 1.0 : ratio(reached[k], reached[k - 1])},
                     {"conversion_overall", ratio(reached[k], reached[0])}});
    return outcome::success({{"by", by}, {"steps", out}});
  }

  // Changes the policy only; what it expires goes at the next purge or ingest (and queries
  // stop counting expired events at once), so putting the old policy back undoes it fully.
  static outcome set_retention(action_context& ctx) {
    param_reader p(ctx.params);
    retention_policy next;
    next.max_age_days = p.integer("max_age_days", 0);
    next.max_events = p.integer("max_events", 0);
    // Absent or null means no limit of that kind; a given limit must be a real one.
    auto given = [&](const char* f) { return ctx.params.contains(f) && !ctx.params[f].is_null(); };
    if (p.ok() && given("max_age_days") && (next.max_age_days < 1 || next.max_age_days > 36500))
      p.fail("max_age_days", "must be 1 to 36500");
    if (p.ok() && given("max_events") && next.max_events < 1)
      p.fail("max_events", "must be at least 1");
    if (!p.ok()) return p.failure();
    auto previous = load_policy(ctx.state);
    if (next.any())
      ctx.state.put_json("policy/retention", next.to_json(), ctx.now_ms);
    else
      ctx.state.erase("policy/retention");
    json out = next.to_json();
    out["previous"] = previous.to_json();
    return outcome::success(std::move(out));
  }

  static outcome get_retention(action_context& ctx) {
    auto pol = load_policy(ctx.state);
    auto stats = load_stats(ctx.state);
    json out = pol.to_json();
    out["events"] = stats.events;
    out["expires_before"] = pol.max_age_days > 0 ? json(pol.cutoff(ctx.now_ms)) : json(nullptr);
    return outcome::success(std::move(out));
  }

  static outcome purge(action_context& ctx) {
    param_reader p(ctx.params);
    auto limit = p.integer("limit", 10000);
    if (p.ok() && (limit < 1 || limit > 100000)) p.fail("limit", "must be 1 to 100000");
    if (!p.ok()) return p.failure();
    purge_result r;
    auto pol = load_policy(ctx.state);
    if (pol.any()) {
      auto st = purge_expired(ctx.state, pol, ctx.now_ms, limit, r);
      if (!st.ok()) return outcome::failure("io_error", st.message());
    }
    return outcome::success(
        {{"purged", r.purged}, {"more", r.more}, {"events", load_stats(ctx.state).events}});
  }
};

}  // namespace

std::unique_ptr<service> make_analytics_data_layer() {
  return std::make_unique<analytics_data_layer>();
}

}  // namespace xyn::actors::services

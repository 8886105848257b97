// analytics-data-layer: event ingest in batches, aggregates (count/sum/avg/min/max by dimension
// and time window) and ordered funnels, all computed from the stored events.
//
// Layout under (analytics-data-layer, tenant):
//   ev/<type>/<be64 timestamp><be64 seq>  JSON {type, dimensions, value?, timestamp, batch}
//   batch/<id>                            JSON {id, events: [[type, timestamp, seq], ...], at}
//   seq/event, seq/batch                  counters
// Keys sort by time within a type, so a query scans only its type. Types are restricted to
// [A-Za-z0-9_.:-] so that no type's prefix ("ev/a/") is a prefix of another's.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "runtime/base/keys.hpp"

namespace xyn::actors::services {

namespace {

constexpr size_t max_events_per_batch = 10000;

bool valid_type(const std::string& t) {
  if (t.empty() || t.size() > 100) return false;
  for (unsigned char c : t)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != ':' && c != '-') return false;
  return true;
}

std::string type_prefix(const std::string& type) {
  return "ev/" + type + "/";
}
std::string event_key(const std::string& type, int64_t ts, uint64_t seq) {
  return type_prefix(type) + keys::be64(static_cast<uint64_t>(ts)) + keys::be64(seq);
}

// The time range [from, to) of a query; absent bounds are open.
struct window {
  int64_t from = std::numeric_limits<int64_t>::min();
  int64_t to = std::numeric_limits<int64_t>::max();
  bool contains(int64_t t) const { return t >= from && t < to; }
};

window read_window(param_reader& p) {
  window w;
  w.from = p.integer("from", w.from);
  w.to = p.integer("to", w.to);
  if (p.ok() && w.to <= w.from) p.fail("to", "must be after from");
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

// Running figures for one group.
struct accumulator {
  uint64_t count = 0;   // events
  uint64_t valued = 0;  // events that carry a value
  double sum = 0, min = 0, max = 0;

  void add(const json& ev) {
    ++count;
    auto v = ev.find("value");
    if (v == ev.end() || !v->is_number()) return;
    double x = v->get<double>();
    min = valued == 0 ? x : std::min(min, x);
    max = valued == 0 ? x : std::max(max, x);
    sum += x;
    ++valued;
  }

  json result(const std::string& op) const {
    if (op == "count") return count;
    if (valued == 0) return nullptr;
    if (op == "sum") return sum;
    if (op == "avg") return sum / static_cast<double>(valued);
    if (op == "min") return min;
    return max;
  }
};

class analytics_data_layer : public service {
 public:
  analytics_data_layer() : service("analytics-data-layer", "Event ingest, aggregates and funnels") {
    auto ingest_schema = object_schema({{"events", "array"}}, {"events"});
    ingest_schema["properties"]["events"]["items"] = object_schema({{"type", "string"},
                                                                    {"dimensions", "object"},
                                                                    {"value", "number"},
                                                                    {"timestamp", "integer"}},
                                                                   {"type"});
    add({"ingest", "Store a batch of events; returns the batch id that discard_batch takes",
         ingest_schema, "discard_batch", true, ingest});
    add({"discard_batch", "Remove every event of one ingested batch (cannot be undone)",
         object_schema({{"batch_id", "string"}}, {"batch_id"}), "", true, discard_batch});
    auto agg_schema = object_schema({{"type", "string"},
                                     {"op", "string"},
                                     {"group_by", "string"},
                                     {"interval_ms", "integer"},
                                     {"where", "object"},
                                     {"from", "integer"},
                                     {"to", "integer"}},
                                    {"type", "op"});
    agg_schema["properties"]["op"]["enum"] = {"count", "sum", "avg", "min", "max"};
    add({"aggregate",
         "count/sum/avg/min/max of one event type over [from, to), by dimension and window",
         agg_schema, "", false, aggregate});
    add({"funnel", "How many entities did each step in order (optionally within a time limit)",
         object_schema({{"steps", "array"},
                        {"by", "string"},
                        {"within_ms", "integer"},
                        {"from", "integer"},
                        {"to", "integer"}},
                       {"steps", "by"}),
         "", false, funnel});
  }

 private:
  static outcome ingest(action_context& ctx) {
    param_reader p(ctx.params);
    auto events = p.array("events");
    if (p.ok() && events.empty()) p.fail("events", "must hold at least one event");
    if (p.ok() && events.size() > max_events_per_batch)
      p.fail("events", "at most " + std::to_string(max_events_per_batch) + " events per batch");
    if (!p.ok()) return p.failure();
    // Validate everything before writing anything, so a bad event stores none of the batch.
    std::vector<json> docs;
    for (size_t i = 0; i < events.size(); ++i) {
      std::string at = "events[" + std::to_string(i) + "]";
      const json& e = events[i];
      if (!e.is_object()) {
        p.fail(at.c_str(), "must be an object");
        return p.failure();
      }
      param_reader ep(e);
      auto type = ep.string("type");
      auto dims = ep.object("dimensions", json::object());
      auto ts = ep.integer("timestamp", ctx.now_ms);
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
        auto message = ep.failure().message;
        message.insert(7, at + ".");
        return outcome::failure("invalid_params", message);
      }
      json doc = {{"type", type}, {"dimensions", dims}, {"timestamp", ts}};
      if (has_value) doc["value"] = e["value"];
      docs.push_back(std::move(doc));
    }
    std::string batch_id = "b" + std::to_string(ctx.state.next_sequence("seq/batch"));
    uint64_t seq = 0;
    if (auto cur = ctx.state.get("seq/event"); cur.ok() && cur->size() == 8)
      seq = keys::from_be64(*cur);
    json refs = json::array();
    for (auto& doc : docs) {
      ++seq;
      doc["batch"] = batch_id;
      auto type = doc["type"].get<std::string>();
      auto ts = doc["timestamp"].get<int64_t>();
      ctx.state.put_json(event_key(type, ts, seq), doc, ctx.now_ms);
      refs.push_back({type, ts, seq});
    }
    ctx.state.put("seq/event", keys::be64(seq));
    ctx.state.put_json("batch/" + batch_id,
                       {{"id", batch_id}, {"events", refs}, {"at", ctx.now_ms}}, ctx.now_ms);
    return outcome::success({{"ingested", docs.size()}, {"batch_id", batch_id}});
  }

  static outcome discard_batch(action_context& ctx) {
    param_reader p(ctx.params);
    auto id = p.string("batch_id");
    if (!p.ok()) return p.failure();
    auto batch = ctx.state.get_json("batch/" + id);
    if (!batch) return outcome::not_found("no batch '" + id + "'");
    size_t n = 0;
    for (const auto& ref : (*batch)["events"]) {
      ctx.state.erase(
          event_key(ref[0].get<std::string>(), ref[1].get<int64_t>(), ref[2].get<uint64_t>()));
      ++n;
    }
    ctx.state.erase("batch/" + id);
    return outcome::success({{"batch_id", id}, {"discarded", n}});
  }

  static outcome aggregate(action_context& ctx) {
    param_reader p(ctx.params);
    auto type = p.string("type");
    auto op = p.string("op");
    auto group_by = p.optional_string("group_by");
    auto interval = p.integer("interval_ms", 0);
    auto where = p.object("where", json::object());
    auto w = read_window(p);
    if (p.ok() && !valid_type(type)) p.fail("type", "is not a valid event type");
    if (p.ok() && op != "count" && op != "sum" && op != "avg" && op != "min" && op != "max")
      p.fail("op", "must be one of count, sum, avg, min, max");
    if (p.ok() && interval < 0) p.fail("interval_ms", "must be positive");
    if (!p.ok()) return p.failure();
    // Groups in (window start, dimension value) order; the value's JSON text orders groups.
    std::map<std::pair<int64_t, std::string>, std::pair<json, accumulator>> groups;
    accumulator total;
    auto st = each_event(ctx.state, type, w, [&](const json& ev) {
      if (!matches(ev, where)) return;
      total.add(ev);
      if (!group_by && interval == 0) return;
      int64_t bucket = 0;
      if (interval > 0) {
        int64_t ts = ev["timestamp"].get<int64_t>();
        bucket = ts - ts % interval;
      }
      json g = nullptr;
      if (group_by) {
        const auto& dims = ev["dimensions"];
        if (auto it = dims.find(*group_by); it != dims.end()) g = *it;
      }
      auto& slot = groups[{bucket, g.dump()}];
      slot.first = g;
      slot.second.add(ev);
    });
    if (!st.ok()) return outcome::failure("io_error", st.message());
    json out = {{"type", type}, {"op", op}, {"value", total.result(op)}, {"count", total.count}};
    if (group_by || interval > 0) {
      json rows = json::array();
      for (const auto& [key, slot] : groups) {
        json row = {{"value", slot.second.result(op)}, {"count", slot.second.count}};
        if (group_by) row["group"] = slot.first;
        if (interval > 0) row["window_start"] = key.first;
        rows.push_back(std::move(row));
      }
      out["groups"] = std::move(rows);
    }
    return outcome::success(std::move(out));
  }

  static outcome funnel(action_context& ctx) {
    param_reader p(ctx.params);
    auto steps = p.strings("steps");
    auto by = p.string("by");
    auto within = p.integer("within_ms", 0);
    auto w = read_window(p);
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
};

}  // namespace

std::unique_ptr<service> make_analytics_data_layer() {
  return std::make_unique<analytics_data_layer>();
}

}  // namespace xyn::actors::services

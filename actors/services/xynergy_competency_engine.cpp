// xynergy-competency-engine: people with skill levels (1-5) and capacity, and a matcher that
// ranks people against a task's requirements with a per-skill explanation of every score.
//
// Layout under (xynergy-competency-engine, tenant):
//   person/<id>   JSON {id, seq, name, skills: {skill: level}, capacity_hours, deleted, created_at}
//   seq/person    id counter
// Skill names are compared trimmed and lower-cased ("C++ " and "c++" are one skill).
//
// Score of a person for requirements {skill: min_level}: the mean over required skills of
//   level >= min       1 + 0.1 x (level - min)  (meeting counts fully; each level above adds
//                                                a tenth)
//   0 < level < min    0.5 x level / min        (partial credit, at most one half)
//   no such skill      0
// rounded to 3 decimals. Ties go to more free hours, then to the earlier-added person.
// Capacity: a person's free hours are capacity_hours less the hours already committed, which
// this engine does not track — the caller passes them as load_hours {person id: hours} (the
// project-management service does, from its assignments). A task needing `hours` a week only
// matches people with that many free; everyone left out is listed with the reason.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"

namespace xyn::actors::services {

namespace {

std::string skill_name(const std::string& raw) {
  size_t b = raw.find_first_not_of(" \t"), e = raw.find_last_not_of(" \t");
  return b == std::string::npos ? "" : text::to_lower(std::string_view(raw).substr(b, e - b + 1));
}

// Reads {skill: level 1-5} from params[field], normalizing names.
json read_levels(param_reader& p, const char* field, bool required) {
  json raw = p.object(field, json());
  json out = json::object();
  if (!p.ok()) return out;
  if (raw.is_null()) {
    if (required) p.fail(field, "required object is missing");
    return out;
  }
  if (required && raw.empty()) p.fail(field, "must name at least one skill");
  for (auto it = raw.begin(); p.ok() && it != raw.end(); ++it) {
    auto name = skill_name(it.key());
    std::string at = std::string(field) + "." + it.key();
    if (name.empty()) {
      p.fail(field, "skill names must not be empty");
    } else if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 5) {
      p.fail(at.c_str(), "level must be an integer from 1 to 5");
    } else {
      out[name] = it->get<int64_t>();
    }
  }
  return out;
}

std::string person_key(const std::string& id) {
  return "person/" + id;
}

json person_view(const json& p) {
  return {{"id", p["id"]},
          {"name", p["name"]},
          {"skills", p["skills"]},
          {"capacity_hours", p["capacity_hours"]}};
}

std::string fmt(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

class xynergy_competency_engine : public service {
 public:
  xynergy_competency_engine()
      : service("xynergy-competency-engine", "People, skills and task matching") {
    auto add_schema =
        object_schema({{"name", "string"}, {"skills", "object"}, {"capacity_hours", "number"}},
                      {"name", "skills"});
    add_schema["properties"]["skills"]["additionalProperties"] = {
        {"type", "integer"}, {"minimum", 1}, {"maximum", 5}};
    add({"add_person", "Add a person with skill levels 1-5 and weekly capacity (default 40 h)",
         add_schema, "remove_person", true, add_person});
    auto id_schema = object_schema({{"id", "string"}}, {"id"});
    add({"get_person", "One person", id_schema, "", false, get_person});
    add({"list_people", "People, optionally only those with a skill",
         object_schema({{"skill", "string"}}, {}), "", false, list_people});
    add({"remove_person", "Remove a person (kept for restore)", id_schema, "restore_person", true,
         remove_person});
    add({"restore_person", "Undo a remove", id_schema, "remove_person", true, restore_person});
    auto match_schema = object_schema({{"skills", "object"},
                                       {"count", "integer"},
                                       {"min_capacity_hours", "number"},
                                       {"hours", "number"},
                                       {"load_hours", "object"},
                                       {"require_all", "boolean"}},
                                      {"skills"});
    match_schema["properties"]["load_hours"]["additionalProperties"] = {{"type", "number"},
                                                                        {"minimum", 0}};
    add({"match",
         "Rank people against required skill levels, explaining each score; `hours` a week "
         "needed and load_hours {person: hours already committed} leave out the busy",
         match_schema, "", false, match});
  }

 private:
  static outcome add_person(action_context& ctx) {
    param_reader p(ctx.params);
    auto name = p.string("name");
    auto skills = read_levels(p, "skills", true);
    auto capacity = p.number("capacity_hours", 40);
    if (p.ok() && name.empty()) p.fail("name", "must not be empty");
    if (p.ok() && (capacity < 0 || capacity > 168))
      p.fail("capacity_hours", "must be 0-168 hours a week");
    if (!p.ok()) return p.failure();
    auto seq = ctx.state.next_sequence("seq/person");
    std::string id = "u" + std::to_string(seq);
    json doc = {{"id", id},
                {"seq", seq},
                {"name", name},
                {"skills", skills},
                {"capacity_hours", capacity},
                {"deleted", false},
                {"created_at", ctx.now_ms}};
    ctx.state.put_json(person_key(id), doc, ctx.now_ms);
    return outcome::success(person_view(doc));
  }

  static std::vector<json> live_people(const state_view& st) {
    std::vector<json> out;
    st.scan_json("person/", [&](std::string_view, const json& p) {
      if (!p["deleted"].get<bool>()) out.push_back(p);
      return true;
    });
    std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
      return a["seq"].get<uint64_t>() < b["seq"].get<uint64_t>();
    });
    return out;
  }

  static outcome get_person(action_context& ctx) {
    param_reader p(ctx.params);
    auto id = p.string("id");
    if (!p.ok()) return p.failure();
    auto doc = ctx.state.get_json(person_key(id));
    if (!doc || (*doc)["deleted"].get<bool>()) return outcome::not_found("no person '" + id + "'");
    return outcome::success(person_view(*doc));
  }

  static outcome list_people(action_context& ctx) {
    param_reader p(ctx.params);
    auto skill = p.optional_string("skill");
    if (!p.ok()) return p.failure();
    json out = json::array();
    for (const auto& person : live_people(ctx.state))
      if (!skill || person["skills"].contains(skill_name(*skill)))
        out.push_back(person_view(person));
    return outcome::success({{"people", out}, {"count", out.size()}});
  }

  static outcome set_deleted(action_context& ctx, bool deleted) {
    param_reader p(ctx.params);
    auto id = p.string("id");
    if (!p.ok()) return p.failure();
    auto doc = ctx.state.get_json(person_key(id));
    if (!doc || (*doc)["deleted"].get<bool>() == deleted)
      return outcome::not_found(std::string(deleted ? "no person '" : "no removed person '") + id +
                                "'");
    (*doc)["deleted"] = deleted;
    ctx.state.put_json(person_key(id), *doc, ctx.now_ms);
    return outcome::success({{"id", id}, {"removed", deleted}});
  }
  static outcome remove_person(action_context& ctx) { return set_deleted(ctx, true); }
  static outcome restore_person(action_context& ctx) { return set_deleted(ctx, false); }

  // load_hours {person id: hours >= 0}.
  static json read_load(param_reader& p) {
    json load = p.object("load_hours", json::object());
    for (auto it = load.begin(); p.ok() && it != load.end(); ++it)
      if (!it->is_number() || it->get<double>() < 0)
        p.fail(("load_hours." + it.key()).c_str(), "must be a number of hours >= 0");
    return load;
  }

  static outcome match(action_context& ctx) {
    param_reader p(ctx.params);
    auto required = read_levels(p, "skills", true);
    auto count = p.integer("count", 5);
    auto min_capacity = p.number("min_capacity_hours", 0);
    auto hours = p.number("hours", 0);
    auto load = read_load(p);
    bool require_all = p.boolean("require_all", false);
    if (p.ok() && (count < 1 || count > 100)) p.fail("count", "must be 1-100");
    if (p.ok() && (hours < 0 || hours > 168)) p.fail("hours", "must be 0-168 hours a week");
    if (!p.ok()) return p.failure();
    struct ranked {
      double score;
      double free;
      uint64_t seq;
      json row;
    };
    std::vector<ranked> results;
    json excluded = json::array();
    auto leave_out = [&](const json& person, std::string reason) {
      excluded.push_back({{"id", person["id"]}, {"name", person["name"]}, {"reason", reason}});
    };
    size_t considered = 0;
    for (const auto& person : live_people(ctx.state)) {
      double capacity = person["capacity_hours"].get<double>();
      double busy = load.value(person["id"].get<std::string>(), 0.0);
      double free = std::max(0.0, capacity - busy);
      std::string hours_note =
          fmt(capacity) + " h a week, " + fmt(busy) + " h committed, " + fmt(free) + " h free";
      if (capacity < min_capacity) {
        leave_out(person, "capacity " + fmt(capacity) + " h a week is below the minimum " +
                              fmt(min_capacity) + " h");
        continue;
      }
      if (free < hours) {
        leave_out(person, hours_note + ": the task needs " + fmt(hours) + " h");
        continue;
      }
      ++considered;
      double total = 0;
      bool meets_all = true;
      json why = json::array();
      for (auto it = required.begin(); it != required.end(); ++it) {
        int64_t need = it->get<int64_t>();
        int64_t have = person["skills"].value(it.key(), int64_t{0});
        double points;
        std::string note;
        if (have >= need) {
          points = 1 + 0.1 * static_cast<double>(have - need);
          note = have == need ? "meets level " + std::to_string(need)
                              : "exceeds level " + std::to_string(need) + " by " +
                                    std::to_string(have - need);
        } else if (have > 0) {
          points = 0.5 * static_cast<double>(have) / static_cast<double>(need);
          note =
              "level " + std::to_string(have) + " of " + std::to_string(need) + ": partial credit";
          meets_all = false;
        } else {
          points = 0;
          note = "does not have the skill";
          meets_all = false;
        }
        total += points;
        why.push_back({{"skill", it.key()},
                       {"required", need},
                       {"level", have},
                       {"points", std::round(points * 1000) / 1000},
                       {"note", note + " (+" + fmt(points) + ")"}});
      }
      double score = std::round(1000 * total / static_cast<double>(required.size())) / 1000;
      if (score <= 0) {
        leave_out(person, "has none of the required skills");
        continue;
      }
      if (require_all && !meets_all) {
        leave_out(person, "does not meet every required level (score " + fmt(score) + ")");
        continue;
      }
      json row = {{"id", person["id"]},     {"name", person["name"]},      {"score", score},
                  {"meets_all", meets_all}, {"capacity_hours", capacity},  {"load_hours", busy},
                  {"free_hours", free},     {"capacity_note", hours_note}, {"explanation", why}};
      results.push_back({score, free, person["seq"].get<uint64_t>(), std::move(row)});
    }
    std::sort(results.begin(), results.end(), [](const ranked& a, const ranked& b) {
      if (a.score != b.score) return a.score > b.score;
      if (a.free != b.free) return a.free > b.free;
      return a.seq < b.seq;
    });
    json out = json::array();
    for (auto& r : results) {
      if (static_cast<int64_t>(out.size()) >= count) break;
      out.push_back(std::move(r.row));
    }
    return outcome::success({{"matches", out}, {"considered", considered}, {"excluded", excluded}});
  }
};

}  // namespace

std::unique_ptr<service> make_xynergy_competency_engine() {
  return std::make_unique<xynergy_competency_engine>();
}

}  // namespace xyn::actors::services

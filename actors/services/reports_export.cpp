// reports-export: renders a table (title, columns, rows) to JSON, CSV (RFC 4180), Markdown or
// HTML, and keeps the rendered artifact so later steps and people can fetch it. The table is
// given as rows (arrays of cells, or objects keyed by column) or as an analytics query
// (aggregate or funnel) that is asked of analytics-data-layer and turned into a table.
//
// Layout under (reports-export, tenant):
//   report/<id>   JSON {id, seq, title, format, content_type, content, size, columns, rows,
//                       query?, deleted, created_at}
//   seq/report    id counter
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"

namespace xyn::actors::services {

namespace {

// Rendered reports are kept whole in one record; bigger ones belong in a file export.
constexpr size_t max_content_bytes = 1 << 20;

// A cell as text: strings as they are, null empty, a whole floating-point number without its
// ".0" (analytics sums are doubles), anything else as JSON.
std::string cell_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == std::trunc(d) && std::fabs(d) < 9007199254740992.0)  // 2^53: exact as an integer
      return std::to_string(static_cast<int64_t>(d));
  }
  return v.dump();
}

// RFC 4180: a field holding a comma, a quote, CR or LF is enclosed in quotes, and each quote
// inside is doubled. Records end with CRLF.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// Line breaks (CRLF, CR or LF) as <br>, so a table row stays one line (Markdown) and the break
// shows (HTML).
std::string with_breaks(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' || s[i] == '\n') {
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      out += "<br>";
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string html_cell(const std::string& s) {
  return with_breaks(html_escape(s));
}

// A Markdown table cell shows its text literally: the characters Markdown would read as table
// structure ('|'), inline HTML or entities ('<', '&'), emphasis, code or links are
// backslash-escaped (CommonMark allows that for any ASCII punctuation), and line breaks become
// <br>.
std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\|<&*_`[]~").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return with_breaks(out);
}

std::string render_json(const std::string& title, const std::vector<std::string>& cols,
                        const json& rows) {
  json out = {{"title", title}, {"columns", cols}, {"rows", json::array()}};
  for (const auto& r : rows) {
    json obj = json::object();
    for (size_t i = 0; i < cols.size(); ++i) obj[cols[i]] = r[i];
    out["rows"].push_back(std::move(obj));
  }
  return out.dump(2);
}

std::string render_csv(const std::vector<std::string>& cols, const json& rows) {
  std::string out;
  auto line = [&](auto&& cell_at, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      if (i) out.push_back(',');
      out += csv_field(cell_at(i));
    }
    out += "\r\n";
  };
  line([&](size_t i) { return cols[i]; }, cols.size());
  for (const auto& r : rows) line([&](size_t i) { return cell_text(r[i]); }, cols.size());
  return out;
}

std::string render_markdown(const std::string& title, const std::vector<std::string>& cols,
                            const json& rows) {
  std::string out = "# " + md_cell(title) + "\n\n|";
  for (const auto& c : cols) out += " " + md_cell(c) + " |";
  out += "\n|";
  for (size_t i = 0; i < cols.size(); ++i) {
    // A column of numbers is right-aligned.
    bool numeric = false, other = false;
    for (const auto& r : rows) {
      if (r[i].is_number())
        numeric = true;
      else if (!r[i].is_null())
        other = true;
    }
    out += numeric && !other ? " ---: |" : " --- |";
  }
  out += "\n";
  for (const auto& r : rows) {
    out += "|";
    for (size_t i = 0; i < cols.size(); ++i) out += " " + md_cell(cell_text(r[i])) + " |";
    out += "\n";
  }
  return out;
}

std::string render_html(const std::string& title, const std::vector<std::string>& cols,
                        const json& rows) {
  auto t = html_escape(title);
  std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + t +
                    "</title></head>\n<body>\n<h1>" + t + "</h1>\n<table>\n<thead><tr>";
  for (const auto& c : cols) out += "<th>" + html_cell(c) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& r : rows) {
    out += "<tr>";
    for (size_t i = 0; i < cols.size(); ++i) out += "<td>" + html_cell(cell_text(r[i])) + "</td>";
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n</body></html>\n";
  return out;
}

const char* content_type(const std::string& format) {
  if (format == "json") return "application/json";
  if (format == "csv") return "text/csv; charset=utf-8; header=present";
  if (format == "markdown") return "text/markdown; charset=utf-8";
  return "text/html; charset=utf-8";
}

std::string report_key(const std::string& id) {
  return "report/" + id;
}

std::optional<json> load_report(action_context& ctx, bool deleted, outcome& fail) {
  param_reader p(ctx.params);
  auto id = p.string("id");
  if (!p.ok()) {
    fail = p.failure();
    return std::nullopt;
  }
  auto doc = ctx.state.get_json(report_key(id));
  if (!doc || (*doc).value("deleted", false) != deleted) {
    fail =
        outcome::not_found(std::string(deleted ? "no deleted report '" : "no report '") + id + "'");
    return std::nullopt;
  }
  return *doc;
}

json report_summary(const json& r) {
  return {{"id", r["id"]},
          {"title", r["title"]},
          {"format", r["format"]},
          {"size", r["size"]},
          {"content_type", r["content_type"]},
          {"created_at", r["created_at"]}};
}

// A table ready to render: column names and rows as arrays of one cell per column.
struct table {
  std::vector<std::string> columns;
  json rows = json::array();
};

outcome invalid(const std::string& field, const std::string& problem) {
  return outcome::failure("invalid_params", "field '" + field + "': " + problem);
}

// The table of params {columns?, rows}: a row is an array of one cell per column, or an object
// whose keys name columns (cells it lacks are empty). Without `columns`, every row must be an
// object and the columns are their keys, in order of first appearance (each object's keys in
// name order); with `columns`, an object's other keys are left out.
std::optional<table> given_table(const json& params, outcome& fail) {
  param_reader p(params);
  table t;
  auto rows = p.array("rows");
  bool named = params.contains("columns") && !params["columns"].is_null();
  if (named) t.columns = p.strings("columns");
  std::set<std::string> seen;
  for (size_t i = 0; p.ok() && !named && i < rows.size(); ++i) {
    if (!rows[i].is_object()) {
      p.fail("columns", "required unless every row is an object");
      break;
    }
    for (auto it = rows[i].begin(); it != rows[i].end(); ++it)
      if (seen.insert(it.key()).second) t.columns.push_back(it.key());
  }
  if (p.ok() && t.columns.empty()) p.fail("columns", "must name at least one column");
  seen.clear();
  for (const auto& c : t.columns) {
    if (p.ok() && c.empty()) p.fail("columns", "names must not be empty");
    if (p.ok() && !seen.insert(c).second) p.fail("columns", "duplicate column '" + c + "'");
  }
  for (size_t i = 0; p.ok() && i < rows.size(); ++i) {
    const json& r = rows[i];
    if (r.is_array() && r.size() == t.columns.size()) {
      t.rows.push_back(r);
    } else if (r.is_object()) {
      json cells = json::array();
      for (const auto& c : t.columns) cells.push_back(r.value(c, json(nullptr)));
      t.rows.push_back(std::move(cells));
    } else {
      p.fail("rows", "row " + std::to_string(i) + " must be an array of " +
                         std::to_string(t.columns.size()) + " cells or an object");
    }
  }
  if (!p.ok()) {
    fail = p.failure();
    return std::nullopt;
  }
  return t;
}

// The value columns of an aggregate: none for count (the count column is its value), one per
// percentile in ascending order ("p50", "p90", ...), else one named after the op.
std::vector<std::string> value_columns(const json& out) {
  auto op = out["op"].get<std::string>();
  if (op == "count") return {};
  if (op != "percentiles") return {op};
  std::vector<std::string> names;
  auto collect = [&](const json& v) {
    if (!v.is_object()) return;
    for (auto it = v.begin(); it != v.end(); ++it)
      if (std::find(names.begin(), names.end(), it.key()) == names.end()) names.push_back(it.key());
  };
  collect(out["value"]);
  for (const auto& g : out.value("groups", json::array())) collect(g["value"]);
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return std::stod(a.substr(1)) < std::stod(b.substr(1));
  });
  return names;
}

// An aggregate's answer as a table: one row per group (bucket start as UTC text, then the
// dimension's value), or one row for the whole when it was not grouped; then count and values.
table aggregate_table(const json& out) {
  table t;
  bool grouped = out.contains("groups");
  const json& groups = grouped ? out["groups"] : json::array({out});
  bool by_dimension = out.contains("group_by");
  bool by_time = grouped && !groups.empty() && groups[0].contains("window_start");
  if (by_time) t.columns.push_back("window_start");
  if (by_dimension) t.columns.push_back(out["group_by"].get<std::string>());
  t.columns.push_back("count");
  auto values = value_columns(out);
  t.columns.insert(t.columns.end(), values.begin(), values.end());
  bool percentiles = out["op"] == "percentiles";
  for (const auto& g : groups) {
    json row = json::array();
    if (by_time) row.push_back(text::format_utc(g["window_start"].get<int64_t>()));
    if (by_dimension) row.push_back(g["group"]);
    row.push_back(g["count"]);
    for (const auto& v : values)
      row.push_back(!percentiles             ? g["value"]
                    : g["value"].is_object() ? g["value"].value(v, json(nullptr))
                                             : json(nullptr));
    t.rows.push_back(std::move(row));
  }
  return t;
}

table funnel_table(const json& out) {
  table t{{"step", "entities", "conversion_from_previous", "conversion_overall"}};
  for (const auto& s : out["steps"])
    t.rows.push_back(
        {s["type"], s["entities"], s["conversion_from_previous"], s["conversion_overall"]});
  return t;
}

// The table an analytics query {action: aggregate|funnel, params} answers, asked of
// analytics-data-layer for this tenant. Its complaints about the params name them as
// query.params.<field>.
std::optional<table> query_table(action_context& ctx, const json& query, outcome& fail) {
  auto action = query.find("action");
  if (action == query.end() || !action->is_string() ||
      (*action != "aggregate" && *action != "funnel")) {
    fail = invalid("query.action", "must be 'aggregate' or 'funnel'");
    return std::nullopt;
  }
  json params = query.value("params", json::object());
  if (!params.is_object()) {
    fail = invalid("query.params", "must be an object");
    return std::nullopt;
  }
  auto answer = ctx.ask("analytics-data-layer", action->get<std::string>(), params);
  if (!answer.ok) {
    if (answer.code == "invalid_params" && answer.message.rfind("field '", 0) == 0)
      answer.message.insert(7, "query.params.");
    fail = std::move(answer);
    return std::nullopt;
  }
  return *action == "aggregate" ? aggregate_table(answer.output) : funnel_table(answer.output);
}

class reports_export : public service {
 public:
  reports_export() : service("reports-export", "Reports rendered to JSON, CSV, Markdown and HTML") {
    auto schema = object_schema({{"title", "string"},
                                 {"columns", "array"},
                                 {"rows", "array"},
                                 {"query", "object"},
                                 {"format", "string"}},
                                {"title", "format"});
    schema["properties"]["columns"]["items"] = {{"type", "string"}};
    schema["properties"]["rows"]["items"] = {{"type", {"array", "object"}}};
    schema["properties"]["query"]["properties"] = {
        {"action", {{"type", "string"}, {"enum", {"aggregate", "funnel"}}}},
        {"params", {{"type", "object"}}}};
    schema["properties"]["format"]["enum"] = {"json", "csv", "markdown", "html"};
    add({"render",
         "Render a table (rows, or an analytics query) and keep the artifact; returns id, "
         "format, size, content",
         schema, "delete_report", true, render});
    auto id_schema = object_schema({{"id", "string"}}, {"id"});
    add({"get_report", "A stored report with its content", id_schema, "", false, get_report});
    add({"list_reports", "Stored reports without their content", object_schema({}, {}), "", false,
         list_reports});
    add({"delete_report", "Delete a report (kept for restore)", id_schema, "restore_report", true,
         remove});
    add({"restore_report", "Undo a delete", id_schema, "delete_report", true, restore});
  }

 private:
  static outcome render(action_context& ctx) {
    param_reader p(ctx.params);
    auto title = p.string("title");
    auto format = p.string("format");
    auto query = p.object("query", nullptr);
    if (p.ok() && format != "json" && format != "csv" && format != "markdown" && format != "html")
      p.fail("format", "must be one of json, csv, markdown, html");
    if (p.ok() && !query.is_null() &&
        (ctx.params.contains("rows") || ctx.params.contains("columns")))
      p.fail("query", "give either a query or columns and rows, not both");
    if (!p.ok()) return p.failure();
    outcome fail;
    auto t = query.is_null() ? given_table(ctx.params, fail) : query_table(ctx, query, fail);
    if (!t) return fail;
    const auto& cols = t->columns;
    const auto& rows = t->rows;
    std::string content;
    if (format == "json")
      content = render_json(title, cols, rows);
    else if (format == "csv")
      content = render_csv(cols, rows);
    else if (format == "markdown")
      content = render_markdown(title, cols, rows);
    else
      content = render_html(title, cols, rows);
    if (content.size() > max_content_bytes)
      return outcome::failure("too_large", "rendered report is " + std::to_string(content.size()) +
                                               " bytes; the limit is " +
                                               std::to_string(max_content_bytes));
    auto seq = ctx.state.next_sequence("seq/report");
    std::string id = "r" + std::to_string(seq);
    json doc = {{"id", id},
                {"seq", seq},
                {"title", title},
                {"format", format},
                {"content_type", content_type(format)},
                {"content", content},
                {"size", content.size()},
                {"columns", cols.size()},
                {"rows", rows.size()},
                {"deleted", false},
                {"created_at", ctx.now_ms}};
    if (!query.is_null()) doc["query"] = query;
    ctx.state.put_json(report_key(id), doc, ctx.now_ms);
    return outcome::success({{"id", id},
                             {"format", format},
                             {"content_type", doc["content_type"]},
                             {"size", content.size()},
                             {"content", content}});
  }

  static outcome get_report(action_context& ctx) {
    outcome fail;
    auto r = load_report(ctx, false, fail);
    if (!r) return fail;
    json out = report_summary(*r);
    out["content"] = (*r)["content"];
    out["columns"] = (*r)["columns"];
    out["rows"] = (*r)["rows"];
    return outcome::success(out);
  }

  static outcome list_reports(action_context& ctx) {
    std::vector<json> found;
    auto st = ctx.state.scan_json("report/", [&](std::string_view, const json& r) {
      if (!r.value("deleted", false)) found.push_back(r);
      return true;
    });
    if (!st.ok()) return outcome::failure("io_error", st.message());
    std::sort(found.begin(), found.end(), [](const json& a, const json& b) {
      return a["seq"].get<uint64_t>() < b["seq"].get<uint64_t>();
    });
    json out = json::array();
    for (const auto& r : found) out.push_back(report_summary(r));
    return outcome::success({{"reports", out}, {"count", out.size()}});
  }

  static outcome set_deleted(action_context& ctx, bool deleted) {
    outcome fail;
    auto r = load_report(ctx, !deleted, fail);
    if (!r) return fail;
    (*r)["deleted"] = deleted;
    ctx.state.put_json(report_key((*r)["id"].get<std::string>()), *r, ctx.now_ms);
    return outcome::success({{"id", (*r)["id"]}, {"deleted", deleted}});
  }
  static outcome remove(action_context& ctx) { return set_deleted(ctx, true); }
  static outcome restore(action_context& ctx) { return set_deleted(ctx, false); }
};

}  // namespace

std::unique_ptr<service> make_reports_export() {
  return std::make_unique<reports_export>();
}

}  // namespace xyn::actors::services

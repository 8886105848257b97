// reports-export: renders a table (title, columns, rows) to JSON, CSV (RFC 4180), Markdown or
// HTML, and keeps the rendered artifact so later steps and people can fetch it.
//
// Layout under (reports-export, tenant):
//   report/<id>   JSON {id, seq, title, format, content_type, content, size, columns, rows,
//                       deleted, created_at}
//   seq/report    id counter
#include <algorithm>
#include <set>

#include "actors/params.hpp"
#include "actors/services/services.hpp"

namespace xyn::actors::services {

namespace {

// Rendered reports are kept whole in one record; bigger ones belong in a file export.
constexpr size_t max_content_bytes = 1 << 20;

std::string cell_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
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

// A Markdown table cell: pipes escaped, line breaks as <br> so the row stays one line.
std::string md_cell(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '|' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      out += "<br>";
    } else if (c == '\n') {
      out += "<br>";
    } else {
      out.push_back(c);
    }
  }
  return out;
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
  for (const auto& c : cols) out += "<th>" + html_escape(c) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& r : rows) {
    out += "<tr>";
    for (size_t i = 0; i < cols.size(); ++i) out += "<td>" + html_escape(cell_text(r[i])) + "</td>";
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

class reports_export : public service {
 public:
  reports_export() : service("reports-export", "Reports rendered to JSON, CSV, Markdown and HTML") {
    auto schema = object_schema(
        {{"title", "string"}, {"columns", "array"}, {"rows", "array"}, {"format", "string"}},
        {"title", "columns", "rows", "format"});
    schema["properties"]["columns"]["items"] = {{"type", "string"}};
    schema["properties"]["rows"]["items"] = {{"type", "array"}};
    schema["properties"]["format"]["enum"] = {"json", "csv", "markdown", "html"};
    add({"render", "Render a table and keep the artifact; returns id, format, size, content",
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
    auto cols = p.strings("columns");
    auto rows = p.array("rows");
    auto format = p.string("format");
    if (p.ok() && format != "json" && format != "csv" && format != "markdown" && format != "html")
      p.fail("format", "must be one of json, csv, markdown, html");
    if (p.ok() && cols.empty()) p.fail("columns", "must name at least one column");
    std::set<std::string> seen;
    for (const auto& c : cols) {
      if (p.ok() && c.empty()) p.fail("columns", "names must not be empty");
      if (p.ok() && !seen.insert(c).second) p.fail("columns", "duplicate column '" + c + "'");
    }
    for (size_t i = 0; p.ok() && i < rows.size(); ++i) {
      if (!rows[i].is_array() || rows[i].size() != cols.size())
        p.fail("rows", "row " + std::to_string(i) + " must be an array of " +
                           std::to_string(cols.size()) + " cells");
    }
    if (!p.ok()) return p.failure();
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

#include <catch2/catch.hpp>

#include "actors/services/services.hpp"
#include "tests/actors/service_harness.hpp"

using xyn::test::service_harness;
using json = nlohmann::json;

namespace {
service_harness make() {
  return service_harness(xyn::actors::services::make_reports_export());
}

json table(const char* format) {
  return {{"title", "Q3 <Sales> & \"more\""},
          {"columns", {"name", "note", "amount"}},
          {"rows",
           {{"Acme, Inc.", "says \"hi\"", 12.5}, {"Line\nBreak", nullptr, 3}, {"a|b", "plain", 7}}},
          {"format", format}};
}
}  // namespace

TEST_CASE("reports-export: CSV follows RFC 4180") {
  auto h = make();
  auto r = h.ok("render", table("csv"));
  // Fields with a comma, quote or line break are quoted; inner quotes doubled; CRLF records;
  // null is an empty field.
  std::string want =
      "name,note,amount\r\n"
      "\"Acme, Inc.\",\"says \"\"hi\"\"\",12.5\r\n"
      "\"Line\nBreak\",,3\r\n"
      "a|b,plain,7\r\n";
  CHECK(r["content"] == want);
  CHECK(r["size"] == want.size());
  CHECK(r["format"] == "csv");
  CHECK(r["id"] == "r1");
}

TEST_CASE("reports-export: Markdown escapes pipes, HTML and entities, right-aligns numbers") {
  auto h = make();
  auto r = h.ok("render", table("markdown"));
  std::string want =
      "# Q3 \\<Sales> \\& \"more\"\n\n"
      "| name | note | amount |\n"
      "| --- | --- | ---: |\n"
      "| Acme, Inc. | says \"hi\" | 12.5 |\n"
      "| Line<br>Break |  | 3 |\n"
      "| a\\|b | plain | 7 |\n";
  CHECK(r["content"] == want);
}

TEST_CASE("reports-export: HTML is escaped") {
  auto h = make();
  auto content = h.ok("render", table("html"))["content"].get<std::string>();
  CHECK(content.find("<title>Q3 &lt;Sales&gt; &amp; &quot;more&quot;</title>") !=
        std::string::npos);
  CHECK(content.find("<tr><th>name</th><th>note</th><th>amount</th></tr>") != std::string::npos);
  CHECK(content.find("<tr><td>Acme, Inc.</td><td>says &quot;hi&quot;</td><td>12.5</td></tr>") !=
        std::string::npos);
  CHECK(content.find("<Sales>") == std::string::npos);
  CHECK(content.find("<tr><td>Line<br>Break</td><td></td><td>3</td></tr>") != std::string::npos);
}

TEST_CASE("reports-export: JSON rows are objects keyed by column") {
  auto h = make();
  auto doc = json::parse(h.ok("render", table("json"))["content"].get<std::string>());
  CHECK(doc["title"] == "Q3 <Sales> & \"more\"");
  REQUIRE(doc["rows"].size() == 3);
  CHECK(doc["rows"][0]["amount"] == 12.5);
  CHECK(doc["rows"][1]["note"].is_null());
}

TEST_CASE("reports-export: stored, fetched, deleted and restored") {
  auto h = make();
  CHECK(h.service().find("render")->compensation == "delete_report");
  auto r = h.ok("render", table("csv"));
  auto got = h.ok("get_report", {{"id", r["id"]}});
  CHECK(got["content"] == r["content"]);
  CHECK(got["rows"] == 3);
  CHECK(got["content_type"].get<std::string>().rfind("text/csv", 0) == 0);
  CHECK(h.ok("list_reports", json::object())["count"] == 1);
  h.ok("delete_report", {{"id", r["id"]}});
  CHECK(h.run("get_report", {{"id", r["id"]}}).code == "not_found");
  CHECK(h.ok("list_reports", json::object())["count"] == 0);
  h.ok("restore_report", {{"id", r["id"]}});
  CHECK(h.ok("get_report", {{"id", r["id"]}})["content"] == r["content"]);
  CHECK(h.run("get_report", {{"id", r["id"]}}, "globex").code == "not_found");  // other tenant
}

TEST_CASE("reports-export: bad params are invalid_params naming the field") {
  auto h = make();
  auto r = h.run("render", table("pdf"));
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'format'") != std::string::npos);
  auto bad = table("csv");
  bad["rows"].push_back({"only one cell"});
  r = h.run("render", bad);
  CHECK(r.message.find("'rows'") != std::string::npos);
  CHECK(r.message.find("row 3") != std::string::npos);
  bad = table("csv");
  bad["columns"] = {"a", "a", "b"};
  CHECK(h.run("render", bad).message.find("'columns'") != std::string::npos);
  bad = table("csv");
  bad.erase("title");
  CHECK(h.run("render", bad).message.find("'title'") != std::string::npos);
}

TEST_CASE("reports-export: Markdown cells show emphasis, code and link syntax literally") {
  auto h = make();
  auto r =
      h.ok("render", {{"title", "T"},
                      {"columns", {"text"}},
                      {"rows", json::array({json::array({"*a* _b_ `c` [d](e) ~f~ a\\b &amp;"})})},
                      {"format", "markdown"}});
  CHECK(r["content"] ==
        "# T\n\n| text |\n| --- |\n"
        "| \\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) \\~f\\~ a\\\\b \\&amp; |\n");
}

TEST_CASE("reports-export: rows may be objects, columns come from their keys") {
  auto h = make();
  json rows = {{{"name", "Acme"}, {"amount", 3}}, {{"amount", 5.0}, {"note", "x"}}};
  // Without columns: the keys in order of first appearance, each object's in name order.
  auto r = h.ok("render", {{"title", "T"}, {"rows", rows}, {"format", "csv"}});
  CHECK(r["content"] == "amount,name,note\r\n3,Acme,\r\n5,,x\r\n");
  // With columns: they choose and order; other keys are left out, missing ones are empty.
  r = h.ok("render",
           {{"title", "T"}, {"columns", {"name", "amount"}}, {"rows", rows}, {"format", "csv"}});
  CHECK(r["content"] == "name,amount\r\nAcme,3\r\n,5\r\n");
  // Arrays and objects mix when columns are given.
  json mixed = json::array({json::array({"Globex", 7}), json{{"amount", 1}}});
  r = h.ok("render",
           {{"title", "T"}, {"columns", {"name", "amount"}}, {"rows", mixed}, {"format", "csv"}});
  CHECK(r["content"] == "name,amount\r\nGlobex,7\r\n,1\r\n");
  auto bad = h.run("render", {{"title", "T"}, {"rows", mixed}, {"format", "csv"}});
  CHECK(bad.code == "invalid_params");
  CHECK(bad.message.find("'columns'") != std::string::npos);
  CHECK(h.run("render", {{"title", "T"}, {"rows", json::array()}, {"format", "csv"}})
            .message.find("'columns'") != std::string::npos);
  CHECK(h.run("render", {{"title", "T"}, {"columns", {"a"}}, {"rows", {1}}, {"format", "csv"}})
            .message.find("'rows'") != std::string::npos);
}

namespace {
json purchase(const char* plan, double value, int64_t ts) {
  return {
      {"type", "purchase"}, {"dimensions", {{"plan", plan}}}, {"value", value}, {"timestamp", ts}};
}
}  // namespace

TEST_CASE("reports-export: a report from an analytics aggregate, by plan and day") {
  auto h = make();
  const int64_t day1 = 1699833600000, day2 = 1699920000000, hour = 3600000;  // 2023-11-13, -14
  const char* annual = "pro, \"annual\"";
  h.ok_on("analytics-data-layer", "ingest",
          {{"events",
            {purchase(annual, 30, day1 + hour), purchase(annual, 50, day1 + 2 * hour),
             purchase("basic", 10, day1 + 3 * hour), purchase("basic", 12.5, day2 + hour),
             purchase(annual, 20, day2 + 5 * hour)}}});
  json query = {
      {"action", "aggregate"},
      {"params", {{"type", "purchase"}, {"op", "sum"}, {"group_by", "plan"}, {"bucket", "day"}}}};
  auto r = h.ok("render", {{"title", "Sales by day"}, {"query", query}, {"format", "csv"}});
  // By day, then plan: sums 10 | 30 + 50 on the 13th, 12.5 | 20 on the 14th.
  std::string want =
      "window_start,plan,count,sum\r\n"
      "2023-11-13T00:00:00Z,basic,1,10\r\n"
      "2023-11-13T00:00:00Z,\"pro, \"\"annual\"\"\",2,80\r\n"
      "2023-11-14T00:00:00Z,basic,1,12.5\r\n"
      "2023-11-14T00:00:00Z,\"pro, \"\"annual\"\"\",1,20\r\n";
  CHECK(r["content"] == want);
  CHECK(h.ok("get_report", {{"id", r["id"]}})["rows"] == 4);

  // Percentiles become one column each, ascending: of 10, 12.5, 20, 30, 50 the nearest-rank
  // p50 is the 3rd (20) and p90 the 5th (50).
  query = {{"action", "aggregate"},
           {"params", {{"type", "purchase"}, {"op", "percentiles"}, {"percentiles", {90, 50}}}}};
  r = h.ok("render", {{"title", "Spread"}, {"query", query}, {"format", "markdown"}});
  CHECK(r["content"] ==
        "# Spread\n\n| count | p50 | p90 |\n| ---: | ---: | ---: |\n| 5 | 20 | 50 |\n");
}

TEST_CASE("reports-export: a report from an analytics funnel") {
  auto h = make();
  auto ev = [](const char* type, const char* user, int64_t ts) {
    return json{{"type", type}, {"dimensions", {{"user", user}}}, {"timestamp", ts}};
  };
  h.ok_on("analytics-data-layer", "ingest",
          {{"events", {ev("signup", "u1", 1), ev("signup", "u2", 2), ev("activate", "u1", 3)}}});
  json query = {{"action", "funnel"},
                {"params", {{"steps", {"signup", "activate"}}, {"by", "user"}}}};
  auto r = h.ok("render", {{"title", "Activation"}, {"query", query}, {"format", "csv"}});
  CHECK(r["content"] ==
        "step,entities,conversion_from_previous,conversion_overall\r\n"
        "signup,2,1,1\r\n"
        "activate,1,0.5,0.5\r\n");
}

TEST_CASE("reports-export: bad queries are invalid_params naming the field") {
  auto h = make();
  auto render = [&](json query) {
    return h.run("render", {{"title", "T"}, {"query", query}, {"format", "csv"}});
  };
  auto r = render({{"action", "delete_everything"}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'query.action'") != std::string::npos);
  CHECK(render({{"action", "funnel"}, {"params", 3}}).message.find("'query.params'") !=
        std::string::npos);
  r = render({{"action", "aggregate"}, {"params", {{"type", "purchase"}, {"op", "median"}}}});
  CHECK(r.code == "invalid_params");
  CHECK(r.message.find("'query.params.op'") != std::string::npos);
  r = h.run("render", {{"title", "T"},
                       {"query", {{"action", "funnel"}}},
                       {"rows", json::array()},
                       {"format", "csv"}});
  CHECK(r.message.find("'query'") != std::string::npos);
  CHECK(h.run("render", {{"title", "T"}, {"query", "x"}, {"format", "csv"}})
            .message.find("'query'") != std::string::npos);
}

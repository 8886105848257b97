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

TEST_CASE("reports-export: Markdown escapes pipes and right-aligns numbers") {
  auto h = make();
  auto r = h.ok("render", table("markdown"));
  std::string want =
      "# Q3 <Sales> & \"more\"\n\n"
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

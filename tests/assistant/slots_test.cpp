#include <catch2/catch.hpp>

#include "actors/assistant/slots.hpp"

using namespace xyn::assistant;

namespace {

// A Friday, a month before the year turns: yearless dates and "next month" roll over.
constexpr std::string_view today = "2026-11-27";

// A small slice of config/assistant/lexicon.json's gazetteers.
slot_vocabulary vocabulary() {
  slot_vocabulary v;
  v.channels = {{"email", {"e-mail", "emails", "newsletter"}},
                {"linkedin", {"linked in"}},
                {"instagram", {"insta"}},
                {"twitter", {"tweets", "tweet", "x.com"}}};
  v.plans = {{"free", {"free tier"}},
             {"pro", {"professional", "pro plan"}},
             {"enterprise", {"enterprise plan"}}};
  v.services = {{"ai-assistant", {"assistant", "ai assistant"}},
                {"ai-routing-engine", {"ai routing engine", "ai routing", "router"}},
                {"content-hub", {"content hub", "cms"}},
                {"marketing-engine", {"marketing engine", "marketing"}}};
  v.formats = {{"csv", {"spreadsheet", "excel"}}, {"html", {"web page"}}, {"json", {}}};
  v.periods = {{"last_month", {"last month", "previous month"}},
               {"this_quarter", {"this quarter"}}};
  return v;
}

double amount(std::string_view text) {
  auto m = parse_money(text);
  return m ? m->amount : -1;
}

std::string currency(std::string_view text) {
  auto m = parse_money(text);
  return m ? m->currency : "none";
}

std::string date(std::string_view text) {
  auto d = parse_dates(text, today);
  return d.size() == 1 ? d[0] : "dates: " + std::to_string(d.size());
}

using strings = std::vector<std::string>;
using counts = std::vector<int64_t>;

// The names as "text/cue" pairs, easy to compare.
strings names(std::string_view text) {
  strings out;
  for (const auto& n : find_names(text)) out.push_back(n.text + "/" + n.cue);
  return out;
}

}  // namespace

TEST_CASE("slots: money with a currency sign, word or code") {
  CHECK(amount("a budget of $25,000") == 25000);
  CHECK(currency("a budget of $25,000") == "USD");
  CHECK(amount("12,500 dollars") == 12500);
  CHECK(currency("12,500 dollars") == "USD");
  CHECK(amount("15000 euro") == 15000);
  CHECK(currency("15000 euro") == "EUR");
  CHECK(amount("€15,000") == 15000);
  CHECK(currency("€15,000") == "EUR");
  CHECK(amount("USD 2,500") == 2500);
  CHECK(currency("US$ 300") == "USD");
  CHECK(amount("$25,000.50 total") == Approx(25000.5));
}

TEST_CASE("slots: money with k, m and million") {
  CHECK(amount("make it 40k") == 40000);
  CHECK(currency("make it 40k") == "");
  CHECK(amount("25k") == 25000);
  CHECK(amount("15k EUR") == 15000);
  CHECK(currency("15k EUR") == "EUR");
  CHECK(amount("£3m") == 3000000);
  CHECK(currency("£3m") == "GBP");
  CHECK(amount("1.5 million") == 1500000);
  CHECK(amount("$1.5 million") == 1500000);
  CHECK(amount("1.5m") == 1500000);
}

TEST_CASE("slots: a bare number is money right after the word budget") {
  CHECK(amount("budget of 10000") == 10000);
  CHECK(amount("budget 10000") == 10000);
  CHECK(amount("set the budget to 10000") == 10000);
  CHECK(amount("the budget is 10000") == 10000);
  CHECK(amount("budget = 10000") == 10000);
  CHECK(amount("actually make the budget 10000") == 10000);
  CHECK(amount("a 10000 budget") == 10000);
}

TEST_CASE("slots: numbers that are not money") {
  CHECK_FALSE(parse_money("version 2 of the app"));
  CHECK_FALSE(parse_money("10x faster"));
  CHECK_FALSE(parse_money("a team of 10000 people"));
  CHECK_FALSE(parse_money("start March 3rd"));
  CHECK_FALSE(parse_money("begin on 2027-01-15"));
  CHECK_FALSE(parse_money("budget by December 15"));
  CHECK_FALSE(parse_money("grow 50% this quarter"));
  CHECK_FALSE(parse_money("status of wf-9eb8897c-1"));
  CHECK_FALSE(parse_money("publish \"Win $500 Today\""));  // a quoted title, not a budget
}

TEST_CASE("slots: the first amount is the budget") {
  CHECK(amount("$5k on linkedin and $3k on email") == 5000);
}

TEST_CASE("slots: calendar dates") {
  CHECK(date("begin on 2027-01-15") == "2027-01-15");
  CHECK(date("starting March 3rd") == "2027-03-03");
  CHECK(date("on 3 March") == "2027-03-03");
  CHECK(date("from Mar 3") == "2027-03-03");
  CHECK(date("December 15") == "2026-12-15");
  CHECK(date("by December 15") == "2026-12-15");
  CHECK(date("the 15th of December") == "2026-12-15");
  CHECK(date("Dec 15, 2027") == "2027-12-15");
  CHECK(date("Dec. 15 2027") == "2027-12-15");
  CHECK(date("due November 27") == "2026-11-27");  // today itself is on or after today
}

TEST_CASE("slots: relative dates") {
  CHECK(date("today") == "2026-11-27");
  CHECK(date("tomorrow") == "2026-11-28");
  CHECK(date("the day after tomorrow") == "2026-11-29");
  CHECK(date("next week") == "2026-11-30");   // the next Monday
  CHECK(date("next month") == "2026-12-01");  // the first of the next month
  CHECK(date("next year") == "2027-01-01");
  CHECK(date("next monday") == "2026-11-30");
  CHECK(date("on friday") == "2026-12-04");  // today is a Friday: the next one
  CHECK(date("on Fri") == "2026-12-04");
  CHECK(date("in 3 days") == "2026-11-30");
  CHECK(date("in three days") == "2026-11-30");
  CHECK(date("in 2 weeks") == "2026-12-11");
  CHECK(date("in a month") == "2026-12-27");
  CHECK(date("2 weeks from now") == "2026-12-11");
}

TEST_CASE("slots: dates come in order of mention and resolve against today") {
  CHECK(parse_dates("from tomorrow until Dec 15, 2027 and again March 3rd", today) ==
        strings{"2026-11-28", "2027-12-15", "2027-03-03"});
  CHECK(parse_dates("March 3rd", "2027-03-04") == strings{"2028-03-03"});
  CHECK(parse_dates("next month", "2026-01-31") == strings{"2026-02-01"});
  CHECK(parse_dates("in a month", "2026-01-31") == strings{"2026-02-28"});
  CHECK(parse_dates("February 29", today) == strings{"2028-02-29"});
  CHECK(parse_dates("2027-02-30", today).empty());  // no such day
  CHECK(parse_dates("we may 3 times", today).empty());
  CHECK(parse_dates("a chat-based bot", today).empty());
  CHECK(parse_dates("tomorrow", "not a date").empty());
  CHECK(parse_dates("Dec 15, 2027", "not a date") == strings{"2027-12-15"});
}

TEST_CASE("slots: counts in words and digits") {
  CHECK(parse_counts("three") == counts{3});
  CHECK(parse_counts("ten people and twenty seats") == counts{10, 20});
  CHECK(parse_counts("a dozen posts") == counts{12});
  CHECK(parse_counts("with a team of four") == counts{4});
  CHECK(parse_counts("10 users") == counts{10});
  CHECK(parse_counts("twenty-five or thirty") == counts{25, 30});
  CHECK(parse_counts("1,000 users") == counts{1000});
}

TEST_CASE("slots: counts skip money, dates, e-mails and ids") {
  CHECK(parse_counts("$25,000 and 40k for 3 people").size() == 1);
  CHECK(parse_counts("March 3rd, 2027-01-15, in three days, Dec 15, 2027").empty());
  CHECK(parse_counts("mail ann2@x9.com about wf-9eb8897c-1 and chat-17-2").empty());
  CHECK(parse_counts("at 10:30, v1.2, 50% or 1.5").empty());
  CHECK(parse_counts("in 2027").empty());
  CHECK(parse_counts("which one").empty());
}

TEST_CASE("slots: gazetteer phrases are whole words in reading order") {
  const auto v = vocabulary();
  CHECK(match_gazetteer("Post it on LinkedIn, Insta and e-mail!", v.channels) ==
        strings{"linkedin", "instagram", "email"});
  CHECK(match_gazetteer("email and the newsletter", v.channels) == strings{"email"});
  CHECK(match_gazetteer("linked in", v.channels) == strings{"linkedin"});
  CHECK(match_gazetteer("linkedinfluencers", v.channels).empty());
  CHECK(match_gazetteer("is the content-hub up", v.services) == strings{"content-hub"});
  CHECK(match_gazetteer("is the Content Hub up", v.services) == strings{"content-hub"});
  CHECK(match_gazetteer("content, hub", v.services).empty());  // a comma breaks the phrase
  CHECK(match_gazetteer("x.com", v.channels) == strings{"twitter"});
  CHECK(match_gazetteer("write to bob@x.com", v.channels).empty());  // part of an address
}

TEST_CASE("slots: the longest phrase wins its words") {
  const auto v = vocabulary();
  CHECK(match_gazetteer("is the ai routing engine up", v.services) == strings{"ai-routing-engine"});
  CHECK(match_gazetteer("the marketing engine and the assistant", v.services) ==
        strings{"marketing-engine", "ai-assistant"});
  gazetteer overlapping{{"routing", {"ai routing engine"}}, {"assistant", {"ai", "engine"}}};
  CHECK(match_gazetteer("the ai routing engine", overlapping) == strings{"routing"});
}

TEST_CASE("slots: names after cue words") {
  CHECK(names("launch our new product Vega Watch") == strings{"Vega Watch/product"});
  CHECK(names("I want a product called Aurora with a budget") == strings{"Aurora/called"});
  CHECK(names("a project named Atlas") == strings{"Atlas/named"});
  CHECK(names("kick off project Apollo starting March 3rd") == strings{"Apollo/project"});
  CHECK(names("Launch Helios on linkedin") == strings{"Helios/launch"});
  CHECK(names("a campaign for Wayne Enterprises") == strings{"Wayne Enterprises/for"});
  CHECK(names("onboard Acme Corp on the pro plan") == strings{"Acme Corp/onboard"});
  CHECK(names("how do we stack up against Globex") == strings{"Globex/against"});
  CHECK(names("analyze competitor Umbrella") == strings{"Umbrella/competitor"});
  CHECK(names("compare Contoso with our product Xynergy: they are cheaper") ==
        strings{"Contoso/compare", "Xynergy/our product"});
  CHECK(names("an article titled Ten Tips: here is the text") == strings{"Ten Tips/titled"});
}

TEST_CASE("slots: what a name after a cue spans") {
  CHECK(names("onboard Bank of Nowhere next week") == strings{"Bank of Nowhere/onboard"});
  CHECK(names("a campaign for Procter & Gamble by friday") == strings{"Procter & Gamble/for"});
  CHECK(names("launch Vega 2 with a team of 3") == strings{"Vega 2/launch"});
  CHECK(names("launch Vega 2 weeks from now") == strings{"Vega/launch"});
  CHECK(names("a campaign called spring push for Nova") ==
        strings{"spring push/called", "Nova/for"});
  CHECK(names("a campaign called the best of us, next week") == strings{"best of us/called"});
  CHECK(names("a project for the Phoenix team") == strings{"Phoenix/for"});
}

TEST_CASE("slots: names from the lexicon's harder examples") {
  CHECK(names("a campaign named Black Friday Blast for Quantum Desk") ==
        strings{"Black Friday Blast/named", "Quantum Desk/for"});
  CHECK(parse_dates("a Black Friday sale", today).empty());
  CHECK(names("get the blog post named Winter Roadmap published") ==
        strings{"Winter Roadmap/named"});
  CHECK(names("push the article Why Automation Matters through review") ==
        strings{"Why Automation Matters/article"});
  CHECK(names("scan the Checkout API change: AWS_SECRET=abc123") ==
        strings{"Checkout API/capitalized"});
}

TEST_CASE("slots: quoted names") {
  CHECK(names("publish \"Ten Tips\" today") == strings{"Ten Tips/quote"});
  CHECK(names("publish 'Ten Tips' today") == strings{"Ten Tips/quote"});
  CHECK(names("publish “Ten Tips.” today") == strings{"Ten Tips/quote"});
  CHECK(names("what's the status of Nova's 'launch'") == strings{"Nova/of", "launch/quote"});
  CHECK(names("an article titled \"ten tips for you\"") == strings{"ten tips for you/titled"});
  auto found = find_names("publish \"Ten Tips\"");
  REQUIRE(found.size() == 1);
  CHECK(found[0].offset == 9);
}

TEST_CASE("slots: capitalized runs and the words that are not names") {
  CHECK(names("set up the Phoenix project") == strings{"Phoenix/capitalized"});
  CHECK(names("Contoso is cheaper than us") == strings{"Contoso/capitalized"});
  CHECK(names("Please Run this. What now? I think so").empty());
  CHECK(names("Organize a webinar on Monday in March").empty());
  CHECK(names("Post on LinkedIn and Email in CSV on the Pro plan").empty());
  auto found = find_names("Launch Nova on LinkedIn. Nova is our new watch.");
  REQUIRE(found.size() == 1);  // the capitalized repeat goes, the cued mention stays
  CHECK(found[0].text == "Nova");
  CHECK(found[0].cue == "launch");
  CHECK(found[0].offset == 7);
}

TEST_CASE("slots: e-mails and workflow ids") {
  const auto s = extract_slots(
      "email bob.smith@example.co.uk and ALICE@x.com. Status of wf-9eb8897c-1, wf-deadbeef, "
      "chat-1700000000-3. Not chat-based, re-deface or wf-12345",
      vocabulary(), today);
  CHECK(s.emails == strings{"bob.smith@example.co.uk", "ALICE@x.com"});
  CHECK(s.workflow_ids == strings{"wf-9eb8897c-1", "chat-1700000000-3"});
  CHECK(extract_slots("not an @address or a@b", vocabulary(), today).emails.empty());
}

TEST_CASE("slots: extract_slots reads a whole request") {
  const auto s = extract_slots(
      "launch our new product Vega Watch with a budget of $25,000 on linkedin and email by "
      "December 15 with a team of four, on the pro plan, report as a spreadsheet for last month",
      vocabulary(), today);
  REQUIRE(s.budget);
  CHECK(s.budget->amount == 25000);
  CHECK(s.budget->currency == "USD");
  CHECK(s.dates == strings{"2026-12-15"});
  CHECK(s.counts == counts{4});
  CHECK(s.channels == strings{"linkedin", "email"});
  CHECK(s.plan == "pro");
  CHECK(s.format == "csv");
  CHECK(s.period == "last_month");
  REQUIRE(s.names.size() == 1);
  CHECK(s.names[0].text == "Vega Watch");
  CHECK(s.names[0].cue == "product");
  CHECK(s.names[0].offset == 23);
}

TEST_CASE("slots: a name's words belong to the name") {
  const auto v = vocabulary();
  auto s = extract_slots("publish \"Ten Email Marketing Tips\" on linkedin", v, today);
  CHECK(s.channels == strings{"linkedin"});
  CHECK(s.services.empty());
  CHECK(s.counts.empty());
  s = extract_slots("launch Vega 2 with a team of 3", v, today);
  CHECK(s.counts == counts{3});
  s = extract_slots("is the Content Hub healthy", v, today);
  CHECK(s.names.empty());  // a service, not a name
  CHECK(s.services == strings{"content-hub"});
}

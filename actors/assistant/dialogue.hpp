#pragma once
// dialogue.hpp — one conversational turn: what the user means given what was said before, and
// what the runtime should do about it. The conversation's state (the plan being discussed,
// whether it waits for a yes, the last workflow) is a JSON document the caller keeps durable;
// a turn reads and updates it. Deterministic: the same state, text and day give the same
// answer. Acting (starting, cancelling, looking things up) is the caller's: a turn returns the
// `act` to perform and the reply to give, which the caller may complete with what it found.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/assistant/classifier.hpp"
#include "actors/assistant/lexicon.hpp"

namespace xyn::assistant {

// Below this a label is not believed: the turn is `unknown` (or a fill-in of a plan).
constexpr double believe_threshold = 0.2;

struct turn_input {
  std::string_view text;
  std::string_view today;      // ISO yyyy-mm-dd (UTC), for relative dates and periods
  std::string workflow_id;     // the id a workflow started by this turn gets
  bool confirm_first = false;  // ask before starting a complete plan
};

struct turn_result {
  std::string intent;            // start_workflow, workflow_status, ..., unknown
  std::string template_name;     // empty: none
  json params = json::object();  // the plan's parameters as said (typed, major units, ISO dates)
  std::vector<std::string> missing;
  std::string reply;
  double confidence = 0;
  // What the runtime should do: {} nothing, or {"kind": "start", "template", "input", "id"},
  // {"kind": "cancel"|"status", "id"}, {"kind": "list"}, {"kind": "kpi"},
  // {"kind": "health", "services": [...]}.
  json act = json::object();
};

class dialogue {
 public:
  explicit dialogue(lexicon lex);

  // Understands `in.text` in the conversation `state` (updated in place; {} for a new one).
  turn_result turn(json& state, const turn_input& in) const;

  const lexicon& language() const { return lex_; }

  // Replies that need the runtime's answer: a run (as GET /v1/workflows/{id} shows it), a
  // page of runs, the services' health, a tenant's workflow counts.
  static std::string describe_run(const json& run);
  static std::string describe_list(const json& runs);
  static std::string describe_health(const json& services, const std::vector<std::string>& asked);
  static std::string describe_kpis(const json& summary);

 private:
  lexicon lex_;
  classifier clf_;
};

// The ISO dates [from, to) of a period name ("last_month") as seen on `today`.
std::pair<std::string, std::string> period_range(std::string_view period, std::string_view today);

}  // namespace xyn::assistant

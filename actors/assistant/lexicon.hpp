#pragma once
// lexicon.hpp — the assistant's language data as the code uses it: labelled example utterances
// (the classifier's training set), what each workflow template takes from an utterance and
// how to ask for what is missing, and the slot vocabularies. Read from JSON
// (config/assistant/lexicon.json is built in; a node may load another), so tenants extend the
// language without code.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/assistant/slots.hpp"
#include "runtime/base/status.hpp"

namespace xyn::assistant {

using json = nlohmann::json;

// Where a template parameter's value comes from in an utterance.
enum class param_source {
  name,
  money,
  channels,
  date,
  count,
  plan,
  format,
  text_after_colon,
  period_start,
  period_end
};

// How a value said in conversation becomes the template's input: as is, money in minor units
// (x100), or an ISO date as Unix milliseconds (UTC midnight).
enum class input_conversion { none, minor_units, unix_ms };

struct param_spec {
  std::string name;
  param_source from = param_source::name;
  std::vector<std::string> cues;  // for names: the cue words that introduce this one
  input_conversion input = input_conversion::none;
  std::string ask;            // non-empty: required, and this is how to ask for it
  json fallback;              // value used at start when not said (null: none)
  bool period_title = false;  // when not said, "<Period> performance report"
};

struct template_spec {
  std::string name;   // the workflow template ("product_launch")
  std::string title;  // for people ("product launch")
  std::vector<param_spec> params;
  const param_spec* find(std::string_view param) const;
};

// One training utterance: its label is an intent ("workflow_status") or, for starting a
// workflow, "start_workflow:<template>".
struct example {
  std::string text;
  std::string label;
};

struct lexicon {
  std::vector<example> examples;
  std::vector<template_spec> templates;
  slot_vocabulary vocab;
  // Phrases the dialogue reacts to, lower case: "repeat" ("do the same for"), "append" ("add",
  // "too": channels are added, not replaced), "fill_prefixes" ("it's called": what precedes a
  // bare answer to a question).
  std::map<std::string, std::vector<std::string>> cues;
  const template_spec* find_template(std::string_view name) const;
};

// Parses the lexicon format (see config/assistant/lexicon.json); invalid_argument naming the
// part that is wrong. Ordered JSON because a template's parameter order is meaningful: it is
// the order missing ones are listed and asked for.
result<lexicon> parse_lexicon(const nlohmann::ordered_json& doc);

// `base` with a tenant's additions: {"examples": [{"text", "intent"} | {"text", "template"}],
// "gazetteers": {"channels": {"email": ["mailshot"]}, ...}}. invalid_argument naming the entry
// when an example names no known intent or template, or an alias is not a string.
result<nlohmann::ordered_json> extend_lexicon(const nlohmann::ordered_json& base,
                                              const json& extension);

// The built-in lexicon (config/assistant/lexicon.json, compiled in).
const nlohmann::ordered_json& builtin_lexicon_json();

}  // namespace xyn::assistant

#pragma once
// sample_data.hpp — data the workflow tests seed services with, shared by the dry runs of the
// templates (tests/workflow) and the runs against a real node (tests/integration).

#include <string>

#include <nlohmann/json.hpp>

namespace xyn::test {

// Four users click a campaign e-mail; two of them sign up for "pro": a funnel of 4 -> 2.
inline nlohmann::json sample_funnel_events() {
  const int64_t t = 1700000000000;
  nlohmann::json events = nlohmann::json::array();
  for (int u = 0; u < 4; ++u) {
    std::string user = "u" + std::to_string(u);
    events.push_back({{"type", "campaign.click"},
                      {"dimensions", {{"user", user}, {"channel", "email"}}},
                      {"timestamp", t + u}});
    if (u % 2 == 0)
      events.push_back({{"type", "signup"},
                        {"dimensions", {{"user", user}, {"plan", "pro"}}},
                        {"value", 49},
                        {"timestamp", t + 100 + u}});
  }
  return events;
}

}  // namespace xyn::test

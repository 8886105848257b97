#include "actors/workflow/messages.hpp"

#include <caf/actor_system_config.hpp>

namespace xyn::workflow {

void announce_workflow_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<submit_request>("xyn.wf.submit_request");
  cfg.add_message_type<submit_reply>("xyn.wf.submit_reply");
  cfg.add_message_type<run_summary>("xyn.wf.run_summary");
  cfg.add_message_type<manager_stats>("xyn.wf.manager_stats");
}

}  // namespace xyn::workflow

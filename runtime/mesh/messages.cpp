#include "runtime/mesh/messages.hpp"

#include <caf/actor_system_config.hpp>

namespace xyn::mesh {

const char* to_string(step_status s) {
  switch (s) {
    case step_status::ok:
      return "ok";
    case step_status::error:
      return "error";
    case step_status::retryable:
      return "retryable";
  }
  return "error";
}

step_response make_error_response(std::string service, step_status status, std::string code,
                                  std::string message) {
  step_response r;
  r.status = status;
  r.service = std::move(service);
  r.error_code = std::move(code);
  r.error_message = std::move(message);
  return r;
}

void announce_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<step_request>("xyn.step_request");
  cfg.add_message_type<step_response>("xyn.step_response");
  cfg.add_message_type<health_report>("xyn.health_report");
  cfg.add_message_type<action_description>("xyn.action_description");
  cfg.add_message_type<service_description>("xyn.service_description");
  cfg.add_message_type<fault_spec>("xyn.fault_spec");
  cfg.add_message_type<service_info>("xyn.service_info");
  cfg.add_message_type<std::vector<service_info>>("xyn.service_info_vector");
}

}  // namespace xyn::mesh

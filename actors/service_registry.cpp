// The list of services this build knows. Adding a service: write services/<name>.cpp with a
// make_<name>() and add one line here; the catalog (config/services.json) lists it too.
#include "actors/service.hpp"
#include "actors/services/services.hpp"

namespace xyn::actors {

const std::map<std::string, service_factory>& service_factories() {
  static const std::map<std::string, service_factory> factories = {
      {"content-hub", services::make_content_hub},
      {"ai-assistant", services::make_ai_assistant},
      {"ai-routing-engine", services::make_ai_routing_engine},
      {"analytics-data-layer", services::make_analytics_data_layer},
      {"internal-ai-service", services::make_internal_ai_service},
      {"marketing-engine", services::make_marketing_engine},
      {"platform-dashboard", services::make_platform_dashboard},
      {"project-management", services::make_project_management},
      {"qa-engine", services::make_qa_engine},
      {"reports-export", services::make_reports_export},
      {"scheduler-automation-engine", services::make_scheduler_automation_engine},
      {"secrets-config", services::make_secrets_config},
      {"security-governance", services::make_security_governance},
      {"system-runtime", services::make_system_runtime},
      {"xynergy-competency-engine", services::make_xynergy_competency_engine},
  };
  return factories;
}

}  // namespace xyn::actors

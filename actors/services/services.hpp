#pragma once
// services.hpp — constructors of the fifteen business services (one file each in this folder).

#include <memory>

#include "actors/service.hpp"

namespace xyn::actors::services {

std::unique_ptr<service> make_content_hub();
std::unique_ptr<service> make_ai_assistant();
std::unique_ptr<service> make_ai_routing_engine();
std::unique_ptr<service> make_analytics_data_layer();
std::unique_ptr<service> make_internal_ai_service();
std::unique_ptr<service> make_marketing_engine();
std::unique_ptr<service> make_platform_dashboard();
std::unique_ptr<service> make_project_management();
std::unique_ptr<service> make_qa_engine();
std::unique_ptr<service> make_reports_export();
std::unique_ptr<service> make_scheduler_automation_engine();
std::unique_ptr<service> make_secrets_config();
std::unique_ptr<service> make_security_governance();
std::unique_ptr<service> make_system_runtime();
std::unique_ptr<service> make_xynergy_competency_engine();

}  // namespace xyn::actors::services

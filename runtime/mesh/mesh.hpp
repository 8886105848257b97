#pragma once
// mesh.hpp — resolves services by name and routes calls to the current instance.
// Callers never hold a service actor: they send to the mesh (registered as node::mesh_name),
// which forwards to whichever instance registered last and answers with the service's reply.
// It tracks each service's supervision status (up | restarting | failed) and restart count
// from registrations, down messages and the services supervisor's child events, emits
// service.* events, and holds injected faults so they outlive the restarts they cause.
//
// Contract (dynamically typed caf::actor):
//   (register_atom, std::string name, caf::actor)      from a service host when it starts
//   (execute_atom, std::string name, step_request)  -> step_response; failures are responses
//                                                      (unknown_service, unavailable,
//                                                      service_crashed, timeout). A service
//                                                      that is not up here (disabled, or
//                                                      restarting) is called on a member that
//                                                      has it up (cluster directory), trying
//                                                      the next member when one fails.
//   (execute_atom, local_atom, std::string name, step_request)
//                                                   -> step_response, here or not at all (what
//                                                      another node's mesh sends)
//   (info_atom, std::string name)                   -> service_info        | mesh error
//   unknown_service (list_atom)                                     -> std::vector<service_info>,
//   catalog order (health_atom, std::string name)                 -> health_report       |
//   unknown_service / not_running (describe_atom, std::string name)               ->
//   service_description | unknown_service / not_running (fault_atom, fault_spec) -> ok_atom |
//   unknown_service / invalid_fault (clear_atom)                                    -> ok_atom
//   (clears every fault) supervisors::child_event                           from the services
//   supervisor

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include "runtime/mesh/catalog.hpp"

namespace xyn::cluster {
class directory;
}

namespace xyn::mesh {

class service_board;

enum class mesh_errc : uint8_t { unknown_service = 1, not_running, invalid_fault };

caf::error make_error(mesh_errc code, std::string message);
// The mesh error code of `err`, or nullopt when `err` is not a mesh error.
std::optional<mesh_errc> mesh_error_code(const caf::error& err);

struct mesh_options {
  std::shared_ptr<const catalog> services;
  std::chrono::milliseconds default_timeout{30000};
  // Kept current with every service's info when set (it outlives mesh restarts).
  std::shared_ptr<service_board> board;
  // Services this node does not run (status "disabled"); calls go to other members.
  std::set<std::string> disabled;
  // The cluster's members, for calls to services not up here; null: this node alone.
  std::shared_ptr<cluster::directory> members;
};

caf::actor spawn_mesh(caf::actor_system& sys, mesh_options opts);

}  // namespace xyn::mesh

#include "runtime/node/names.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>

namespace xyn::node {

caf::actor lookup(caf::actor_system& sys, caf::atom_value name) {
  return caf::actor_cast<caf::actor>(sys.registry().get(name));
}

void register_as(caf::actor_system& sys, caf::atom_value name, const caf::actor& self) {
  sys.registry().put(name, caf::actor_cast<caf::strong_actor_ptr>(self));
}

void unregister_all(caf::actor_system& sys) {
  for (auto name :
       {store_name, events_name, mesh_name, workflows_name, services_name, cluster_name})
    sys.registry().erase(name);
}

}  // namespace xyn::node

#pragma once
// names.hpp — registered names of the node's long-lived actors (OTP's registered processes).
// Each infrastructure actor puts itself into CAF's actor registry under its name when it
// starts, so that others find the current instance after a restart instead of holding a stale
// handle. `lookup` may return an invalid actor while the named actor is restarting.

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

namespace xyn::node {

inline constexpr caf::atom_value store_name = caf::atom("xyn.store");
inline constexpr caf::atom_value events_name = caf::atom("xyn.events");
inline constexpr caf::atom_value mesh_name = caf::atom("xyn.mesh");
inline constexpr caf::atom_value workflows_name = caf::atom("xyn.wf");
inline constexpr caf::atom_value services_name = caf::atom("xyn.svcs");
inline constexpr caf::atom_value cluster_name = caf::atom("xyn.clus");

caf::actor lookup(caf::actor_system& sys, caf::atom_value name);
void register_as(caf::actor_system& sys, caf::atom_value name, const caf::actor& self);
// Drops every name above. The registry holds strong references: a detached actor's thread
// (the store writer's) cannot finish while its name still points at it.
void unregister_all(caf::actor_system& sys);

}  // namespace xyn::node

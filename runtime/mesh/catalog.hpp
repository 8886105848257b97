#pragma once
// catalog.hpp — the service catalog (config/services.json): which services exist, what each is
// for, and what it depends on. Parsed and validated once at start; immutable afterwards, so it
// is shared read-only between threads. The dependency graph of GET /v1/services/graph comes
// from here.

#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/status.hpp"

namespace xyn::mesh {

struct catalog_entry {
  std::string name;
  std::string summary;
  std::vector<std::string> depends_on;
  // Keeps no per-tenant state: in a cluster any member may run it (local first). A stateful
  // service runs for a tenant on the owner of the tenant's shard.
  bool stateless = false;
};

struct catalog {
  std::vector<catalog_entry> services;  // in file order

  const catalog_entry* find(std::string_view name) const;
  std::vector<std::string> names() const;
};

// Refuses unknown keys, duplicate names, dependencies on unknown services and dependency
// cycles, with a message naming the service.
result<catalog> parse_catalog(std::string_view json_text);

}  // namespace xyn::mesh

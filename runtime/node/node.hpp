#pragma once
// node.hpp — one running Xynergy node: the actor system, the LMDB store, the supervision tree
// of DESIGN.md and the admin port. `start` brings everything up in order and returns once the
// admin port is listening; `drain` stops accepting requests, shuts the tree down in reverse
// order (services first, store last) and returns when every actor has stopped. Not copyable;
// one per process (the data directory lock refuses a second one on the same data dir).

#include <cstdint>
#include <memory>

#include <caf/fwd.hpp>

#include "runtime/base/status.hpp"
#include "runtime/node/config.hpp"

namespace xyn::store {
class lmdb_env;
}

namespace xyn::node {

class node {
 public:
  // `admin_key_env`, `master_key_env`: the values of XYN_ADMIN_KEY and XYN_MASTER_KEY, or empty.
  static result<std::unique_ptr<node>> start(node_config cfg, std::string admin_key_env,
                                             std::string master_key_env = {});

  virtual ~node() = default;
  virtual uint16_t admin_port() const = 0;
  virtual const node_config& config() const = 0;
  // The node's actor system, for programs that embed a node (benches, in-process tests) and
  // talk to its registered actors (names.hpp). Valid until drain().
  virtual caf::actor_system& actors() = 0;
  // The node's LMDB environment, for direct reads (workflow views, counts). Writes go through
  // the store writer actor.
  virtual std::shared_ptr<store::lmdb_env> store() = 0;
  // Idempotent; also called by the destructor.
  virtual void drain() = 0;
};

}  // namespace xyn::node

#include "runtime/cluster/messages.hpp"

#include <caf/actor_system_config.hpp>

namespace xyn::cluster {

void announce_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<member_card>("xyn.cluster.member_card");
  cfg.add_message_type<join_reply>("xyn.cluster.join_reply");
  cfg.add_message_type<heartbeat>("xyn.cluster.heartbeat");
  cfg.add_message_type<shard_map>("xyn.cluster.shard_map");
}

}  // namespace xyn::cluster

#pragma once
// master_key.hpp — the node's master key: the 32 bytes secrets-config encrypts secrets under.
// It comes from XYN_MASTER_KEY (64 hex digits), else <data-dir>/master.key, else a new random
// key is written there (mode 0600). Losing the key loses the secrets; back it up apart from
// the data (a copy of the data dir alone should not be enough to read them, so operators who
// care set XYN_MASTER_KEY and keep master.key out of the data dir).

#include <string>

#include "runtime/base/status.hpp"

namespace xyn::node {

// `env_value`: the value of XYN_MASTER_KEY, or empty. Returns the raw 32 bytes.
result<std::string> load_or_create_master_key(const std::string& data_dir,
                                              const std::string& env_value);

}  // namespace xyn::node

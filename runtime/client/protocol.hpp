#pragma once
// protocol.hpp — the message contract between a node's client gateway (gateway.hpp, published
// on the cluster port) and the client library (client.hpp). Every request carries the node's
// admin key as its first argument after the atom; a wrong key is answered with the error
// unauthenticated and has no effect. Errors are xyn statuses carried as caf::error (category
// "xyn": code = status_code, context = the message), as everywhere in the node.
//
//   (gw_hello_atom,   key)                               -> std::string  protocol banner
//   (gw_submit_atom,  key, workflow::submit_request)     -> workflow::submit_reply
//   (gw_get_atom,     key, std::string id)               -> std::string  run JSON (view.hpp)
//   (gw_history_atom, key, std::string id)               -> std::string  history JSON
//   (gw_list_atom,    key, std::string query_json)       -> std::string  list JSON; the query
//                       is {"status","template","tenant","limit","cursor"}, each optional
//   (gw_watch_atom,   key, std::string id, uint64_t timeout_ms)
//                                                        -> workflow::run_summary when the run
//                       has finished; error timeout when it has not within timeout_ms
//   (gw_signal_atom,  key, std::string id, std::string name, std::string payload_json)
//                                                        -> workflow::submit_reply
//   (gw_cancel_atom,  key, std::string id, std::string reason)
//                                                        -> workflow::submit_reply
// Only the types of actors/workflow/messages.hpp cross the wire besides strings and integers.

#include <cstdint>
#include <string_view>

#include <caf/atom.hpp>

namespace xyn::client {

using gw_hello_atom = caf::atom_constant<caf::atom("gwhello")>;
using gw_submit_atom = caf::atom_constant<caf::atom("gwsubmit")>;
using gw_get_atom = caf::atom_constant<caf::atom("gwget")>;
using gw_history_atom = caf::atom_constant<caf::atom("gwhistory")>;
using gw_list_atom = caf::atom_constant<caf::atom("gwlist")>;
using gw_watch_atom = caf::atom_constant<caf::atom("gwwatch")>;
using gw_signal_atom = caf::atom_constant<caf::atom("gwsignal")>;
using gw_cancel_atom = caf::atom_constant<caf::atom("gwcancel")>;

// What (gw_hello_atom, key) answers; a client refuses a gateway that answers anything else.
inline constexpr std::string_view protocol_banner = "xynergy-gateway/1";

// The longest a watch may wait in one request (the gateway clamps longer ones).
inline constexpr uint64_t max_watch_ms = 24ull * 3600 * 1000;

}  // namespace xyn::client

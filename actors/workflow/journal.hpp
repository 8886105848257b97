#pragma once
// journal.hpp — where workflow runs live in LMDB and how a run is read back.
//   db journal:   <id> 0x00 <be64 seq>        -> WorkflowEvent (seq from 1, no gaps)
//   db workflows: "r" 0x00 <id>               -> WorkflowRecord (the run's summary)
//                 "o" 0x00 <be64 ~created> <id> -> ""  (newest-first order for lists)
//                 "u" 0x00 <id>               -> ""  (unfinished: resumed at start-up)
// The STARTED event, the record and both index entries commit in one batch, and so do the
// final event, the final record and the erase of "u": the indexes never disagree with the
// journal. Reads are plain LMDB reads (any thread).

#include <cstdint>
#include <string>
#include <vector>

#include "actors/workflow/state.hpp"
#include "runtime/base/status.hpp"
#include "runtime/store/write_batch.hpp"

namespace xyn::store {
class lmdb_env;
}

namespace xyn::workflow::journal {

std::string event_key(const std::string& id, uint64_t seq);
std::string event_prefix(const std::string& id);
std::string record_key(const std::string& id);
std::string order_key(int64_t created_at_ms, const std::string& id);
std::string order_prefix();
std::string unfinished_key(const std::string& id);
std::string unfinished_prefix();

// Every event of run `id`, in order; not_found when it has none.
result<std::vector<event>> load(const store::lmdb_env& env, const std::string& id);
result<proto::WorkflowRecord> load_record(const store::lmdb_env& env, const std::string& id);

// The run rebuilt from its journal, and how many events that took.
struct replayed {
  run_state run;
  uint64_t events = 0;
};
result<replayed> replay(const store::lmdb_env& env, const std::string& id);

// The record that goes with the run's current state.
proto::WorkflowRecord record_of(const run_state& run);

// Ids of every unfinished run.
result<std::vector<std::string>> unfinished(const store::lmdb_env& env);

// Whether `id` is acceptable as a workflow id (letters, digits, '_', '-', '.', ':'; ≤ 200).
bool valid_id(const std::string& id);

}  // namespace xyn::workflow::journal

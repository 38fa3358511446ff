#pragma once

#include <string>
#include <system_error>

#include "storage/error_category.h"

namespace thidua::storage {

// Why a storage operation failed. Values are stable: they are logged and mapped to wire codes.
enum class errc {
  ok = 0,
  wrong_expected_version = 1,  // the stream is not at the expected version; error::actual_version says where
  invalid_stream_id = 2,
  invalid_command_id = 3,
  invalid_event_type = 4,
  too_many_events = 5,
  event_too_large = 6,
  empty_append = 7,
  log_poisoned = 8,  // an earlier write or sync failed; writes are refused until restart
  io_error = 9,
  corruption = 10,
  not_found = 11,
  shutting_down = 12,
  invalid_argument = 13,
  tampered = 14,  // verify found a record altered, removed or reordered
  // The command id was used before for a command with other contents (append_request::command_digest).
  command_id_reused = 15,
  chain_broken = 16,  // an earlier append of the same append_chain wrote nothing; this one was not written
  read_only = 17,     // the log was opened read-only (log_options::read_only)
  locked = 18,        // another process has the log open for writing (RocksDB allows one writer)
};

}  // namespace thidua::storage

THIDUA_ERRC_ENUM(thidua::storage, storage_category);

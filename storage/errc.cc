#include "storage/errc.h"

namespace thidua::storage {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "thidua.storage"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "ok";
      case errc::wrong_expected_version:
        return "stream is not at the expected version";
      case errc::invalid_stream_id:
        return "invalid stream id";
      case errc::invalid_command_id:
        return "invalid command id";
      case errc::invalid_event_type:
        return "invalid event type";
      case errc::too_many_events:
        return "too many events in one append";
      case errc::event_too_large:
        return "event too large";
      case errc::empty_append:
        return "an append needs at least one event";
      case errc::log_poisoned:
        return "the log refuses writes after a failed write or sync; restart the server";
      case errc::io_error:
        return "I/O error";
      case errc::corruption:
        return "corruption";
      case errc::not_found:
        return "not found";
      case errc::shutting_down:
        return "shutting down";
      case errc::invalid_argument:
        return "invalid argument";
      case errc::tampered:
        return "the hash chain is broken";
      case errc::command_id_reused:
        return "the command id was already used for a different command";
      case errc::chain_broken:
        return "an earlier append this one depends on was not written";
    }
    return "unknown storage error";
  }
};

}  // namespace

const std::error_category& storage_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace thidua::storage

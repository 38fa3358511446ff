#include "engine/errc.h"

#include <string>

namespace thidua::engine {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "thidua.engine"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "ok";
      case errc::rejected:
        return "the command was refused";
      case errc::conflict_retries_exhausted:
        return "the stream changed concurrently too often; retry";
      case errc::undecodable_event:
        return "a stored event does not decode";
      case errc::timeout:
        return "timed out";
      case errc::stopped:
        return "stopped";
      case errc::busy:
        return "too many commands wait on this stream; retry in a moment";
    }
    return "unknown engine error";
  }
};

}  // namespace

const std::error_category& engine_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace thidua::engine

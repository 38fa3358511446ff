#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <boost/outcome/basic_result.hpp>
#include <boost/outcome/policy/terminate.hpp>
#include <boost/outcome/success_failure.hpp>

namespace thidua {

// Structured facts a higher layer attaches to an error that the layers below it cannot know (the engine's
// decider rejection: engine/errc.h). Read back with error::detail_as<T>(), as absl::Status carries payloads.
struct error_detail {
  virtual ~error_detail() = default;
};

// A failure as it crosses a layer boundary: a code from a layer's errc, a message for people, and the few
// structured facts a caller may act on.
struct error {
  std::error_code code;
  std::string message;
  // For wrong_expected_version: the stream's actual version (0 when the stream does not exist).
  std::uint64_t actual_version = 0;
  // The input that was wrong, as a path ("stream_id", "open_cycle.members[2].unit_id"); empty when none.
  std::string field;
  std::shared_ptr<const error_detail> detail;

  template <class T>
  const T* detail_as() const {
    return dynamic_cast<const T*>(detail.get());
  }
};

inline error make_error(std::error_code code, std::string message = {}) {
  error e;
  e.code = code;
  e.message = message.empty() ? code.message() : std::move(message);
  return e;
}

// result<T>: a T or an error. Reading the wrong side terminates: check first.
template <class T>
using result = boost::outcome_v2::basic_result<T, error, boost::outcome_v2::policy::terminate>;

using boost::outcome_v2::success;

// Marks an intentional ignore so it can be found with grep.
template <class T>
void ignore_result(T&&) noexcept {}

}  // namespace thidua

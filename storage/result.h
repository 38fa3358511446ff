#pragma once

#include <cstdint>
#include <string>
#include <system_error>
#include <utility>

#include <boost/outcome/basic_result.hpp>
#include <boost/outcome/policy/terminate.hpp>
#include <boost/outcome/success_failure.hpp>

namespace thidua {

// A failure as it crosses a layer boundary: a code from a layer's errc, a message for people, and the few
// structured facts a caller may act on.
struct error {
  std::error_code code;
  std::string message;
  // For wrong_expected_version: the stream's actual version (0 when the stream does not exist).
  std::uint64_t actual_version = 0;

  // For a decider's rejection (engine::errc::rejected): the decider's stable code, the offending field and
  // the Vietnamese message beside `message` in English.
  std::string reason;
  std::string field;
  std::string message_vi;
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

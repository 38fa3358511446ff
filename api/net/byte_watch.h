#pragma once
// A rate policy for beast::basic_stream that limits nothing and watches reads: it notes when the first bytes
// of a message arrive, so that a message trickled a byte at a time can be cut off by a deadline (the
// WebSocket idle timeout alone is reset by every byte). The session marks each message's end (boundary()).

#include <boost/beast/core/rate_policy.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>

namespace thidua::api {

class byte_watch {
 public:
  using clock = std::chrono::steady_clock;
  // Called on the stream's thread when bytes arrive after a boundary.
  std::function<void()> on_message_start;

  bool in_message() const { return in_message_; }
  clock::time_point message_started() const { return started_; }
  void boundary() { in_message_ = false; }

 private:
  friend class boost::beast::rate_policy_access;
  std::size_t available_read_bytes() const { return std::numeric_limits<std::size_t>::max(); }
  std::size_t available_write_bytes() const { return std::numeric_limits<std::size_t>::max(); }
  void transfer_read_bytes(std::size_t n) {
    if (n == 0 || in_message_) return;
    in_message_ = true;
    started_ = clock::now();
    if (on_message_start) on_message_start();
  }
  void transfer_write_bytes(std::size_t) {}
  void on_timer() {}

  bool in_message_ = false;
  clock::time_point started_{};
};

}  // namespace thidua::api

#pragma once
// Subscription events on the wire: each event's envelope encoded once (protobuf, or the JSON mapping) and
// shared by every subscriber it goes to, so fan-out costs one encoding per event, not one per subscriber; and
// the frame around it, built without encoding the envelope again.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/event_log.h"

namespace thidua::api {

class envelope_encoder {
 public:
  envelope_encoder();
  // The encoded envelope (app/envelope.h) of `e`; recently encoded ones come from a ring per encoding.
  std::shared_ptr<const std::string> encoded(const storage::stored_event& e, bool json);

 private:
  static constexpr std::size_t ring_size = 8192;
  struct slot {
    std::uint64_t position = 0;
    std::shared_ptr<const std::string> bytes;
  };
  std::mutex mu_;
  std::vector<slot> rings_[2];
};

// A ServerFrame carrying one subscription event around an envelope encoded by envelope_encoder: the same
// bytes as encoding the whole frame.
std::string event_frame(const std::string& subscription_id, const std::string& envelope, bool json);

}  // namespace thidua::api

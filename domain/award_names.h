#pragma once
// How people name the award forms, in Vietnamese as the decisions write them and in English.

#include "domain/proto/cycle.pb.h"

namespace thidua::domain {

inline const char* award_vi(pb::Award a) {
  switch (a) {
    case pb::GOVERNMENT_FLAG:
      return "Cờ thi đua của Chính phủ";
    case pb::MINISTRY_FLAG:
      return "Cờ thi đua của Bộ Công an";
    case pb::CERTIFICATE_OF_MERIT:
      return "Bằng khen của Bộ trưởng Bộ Công an";
    default:
      return "hình thức khen thưởng không rõ";
  }
}

inline const char* award_en(pb::Award a) {
  switch (a) {
    case pb::GOVERNMENT_FLAG:
      return "the Government's emulation flag";
    case pb::MINISTRY_FLAG:
      return "the Ministry's emulation flag";
    case pb::CERTIFICATE_OF_MERIT:
      return "the Minister's Certificate of Merit";
    default:
      return "an unknown award";
  }
}

}  // namespace thidua::domain

#pragma once

#include <string>

namespace thidua::domain {

// Why the domain refused a command: a stable code (e.g. PLEDGE_ALREADY_SIGNED), the field or step it
// concerns, and a message in English and in Vietnamese that names the unit, step or field.
struct rejection {
  std::string code;
  std::string field;
  std::string message_en;
  std::string message_vi;
};

}  // namespace thidua::domain

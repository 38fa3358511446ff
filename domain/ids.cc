#include "domain/ids.h"

#include <algorithm>

namespace thidua::domain {
namespace {

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool valid_entity_id(std::string_view id) {
  return !id.empty() && id.size() <= max_entity_id_bytes &&
         std::all_of(id.begin(), id.end(), [](char c) { return alnum(c) || c == '-' || c == '_'; });
}

bool valid_subscription_id(std::string_view id) {
  return !id.empty() && id.size() <= max_subscription_id_bytes &&
         std::all_of(id.begin(), id.end(),
                     [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool valid_command_id(std::string_view id) {
  return !id.empty() && id.size() <= max_command_id_bytes &&
         std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace thidua::domain

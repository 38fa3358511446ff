#pragma once
// The API's own error codes (docs/api.md, "Error codes"), built the same way everywhere.

#include <string>

#include "api/wire/proto/wire.pb.h"

namespace thidua::api {

inline pb::Error api_error(std::string code, std::string field, std::string en, std::string vi) {
  pb::Error e;
  e.set_code(std::move(code));
  e.set_field(std::move(field));
  e.set_message(std::move(en));
  e.set_message_vi(std::move(vi));
  return e;
}

}  // namespace thidua::api

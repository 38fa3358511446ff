#pragma once

#include <string>
#include <string_view>

namespace thidua::engine {

// SHA-256 of `bytes`: 32 raw bytes.
std::string sha256(std::string_view bytes);

}  // namespace thidua::engine

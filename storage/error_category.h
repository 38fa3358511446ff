#pragma once
// The error category of a layer's errc enum, so that each layer writes only its own messages: a name and one
// message per value, in the enum's order (values 0, 1, 2, … without gaps).

#include <array>
#include <cstddef>
#include <string>
#include <system_error>

namespace thidua {

template <std::size_t N>
class errc_category final : public std::error_category {
 public:
  constexpr errc_category(const char* name, const std::array<const char*, N>& messages)
      : name_(name), messages_(messages) {}
  const char* name() const noexcept override { return name_; }
  std::string message(int value) const override {
    return value >= 0 && static_cast<std::size_t>(value) < N ? messages_[value] : "unknown error";
  }

 private:
  const char* name_;
  const std::array<const char*, N>& messages_;
};

}  // namespace thidua

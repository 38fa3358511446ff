#pragma once
// The error category of a layer's errc enum, so that each layer writes only its own enum and messages: a name
// and one message per value, in the enum's order (values 0, 1, 2, … without gaps).

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

// The one category of the enum whose last value is `Last` (a static per enum), checking that every value has
// a message.
template <auto Last, std::size_t N>
const std::error_category& errc_category_instance(const char* name,
                                                  const std::array<const char*, N>& messages) {
  static_assert(N == static_cast<std::size_t>(Last) + 1, "a message for every errc");
  static const errc_category<N> instance{name, messages};
  return instance;
}

}  // namespace thidua

// After a layer's `enum class errc` in namespace NS: declares its category function CATEGORY (defined with
// errc_category_instance) and make_error_code, and makes the enum a std::error_code enum.
#define THIDUA_ERRC_ENUM(NS, CATEGORY)                      \
  namespace NS {                                            \
  const std::error_category& CATEGORY() noexcept;           \
  inline std::error_code make_error_code(errc e) noexcept { \
    return {static_cast<int>(e), CATEGORY()};               \
  }                                                         \
  }                                                         \
  template <>                                               \
  struct std::is_error_code_enum<NS::errc> : std::true_type {}

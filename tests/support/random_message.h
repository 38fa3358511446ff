#pragma once
// Fills any protobuf message at random (through reflection): every field set or not, repeated ones 0-3 times,
// text with Vietnamese words and the characters escaping rules single out, enum numbers no name has. For
// tests that must hold for every message type, not the few a person thought of.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <iterator>
#include <random>
#include <string>

namespace thidua::testing {

namespace gp = google::protobuf;

// The UTF-8 encoding of code point c.
inline std::string utf8(std::uint32_t c) {
  std::string s;
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 63));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 63));
    s += static_cast<char>(0x80 | (c & 63));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 63));
    s += static_cast<char>(0x80 | ((c >> 6) & 63));
    s += static_cast<char>(0x80 | (c & 63));
  }
  return s;
}

class random_filler {
 public:
  explicit random_filler(std::uint64_t seed) : rng_(seed) {}

  void fill(gp::Message& m, int depth) {
    const auto* d = m.GetDescriptor();
    const auto* r = m.GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const auto* f = d->field(i);
      if (pick(3) == 0) continue;  // left unset
      if (f->containing_oneof() && pick(2) == 0) continue;
      const int n = f->is_repeated() ? static_cast<int>(pick(4)) : 1;
      for (int k = 0; k < n; ++k) set(m, r, f, depth);
    }
  }

 private:
  std::uint64_t pick(std::uint64_t n) { return rng_() % n; }

  std::string text() {
    static const std::uint32_t singled_out[] = {
        0x7F,    0x80,    0x9F,    0xA0,    0xAD,    0x600,   0x603,   0x604,  0x6DD,  0x70F,
        0x17B4,  0x17B5,  0x200A,  0x200B,  0x200F,  0x2010,  0x2027,  0x2028, 0x202E, 0x202F,
        0x2060,  0x2064,  0x2065,  0x206A,  0x206F,  0xFEFF,  0xFFF9,  0xFFFB, 0xFFFC, 0x1D172,
        0x1D173, 0x1D17A, 0xE0001, 0xE0020, 0xE007F, 0x1F600, 0x10FFFF};
    static const char* words[] = {"Đại tá Nguyễn Văn A",
                                  "Cụm thi đua số II",
                                  "Hưng Yên",
                                  "“Vì an ninh Tổ quốc”",
                                  "a<b>c",
                                  "\"quoted\"",
                                  "back\\slash",
                                  "tab\tnew\nline\r",
                                  "",
                                  "x"};
    std::string s;
    const int parts = static_cast<int>(pick(5));
    for (int i = 0; i < parts; ++i) {
      switch (pick(3)) {
        case 0:
          s += words[pick(std::size(words))];
          break;
        case 1:
          s += utf8(static_cast<std::uint32_t>(pick(0x80)));
          break;
        default:
          s += utf8(singled_out[pick(std::size(singled_out))]);
      }
    }
    return s;
  }

  std::int64_t integer() {
    switch (pick(4)) {
      case 0:
        return 0;
      case 1:
        return static_cast<std::int64_t>(pick(1000));
      case 2:
        return -static_cast<std::int64_t>(pick(1'000'000'000'000));
      default:
        return static_cast<std::int64_t>(rng_());
    }
  }

  double floating() {
    static const double values[] = {0.0, 0.1, 1.5, 3.0, -2.25, 1e21, 123456789.123, 1.0 / 3, 2e-7, 95.5};
    return values[pick(std::size(values))];
  }

  void set(gp::Message& m, const gp::Reflection* r, const gp::FieldDescriptor* f, int depth) {
    using fd = gp::FieldDescriptor;
    const bool rep = f->is_repeated();
    switch (f->cpp_type()) {
      case fd::CPPTYPE_INT32:
        rep ? r->AddInt32(&m, f, static_cast<std::int32_t>(integer()))
            : r->SetInt32(&m, f, static_cast<std::int32_t>(integer()));
        break;
      case fd::CPPTYPE_UINT32:
        rep ? r->AddUInt32(&m, f, static_cast<std::uint32_t>(integer()))
            : r->SetUInt32(&m, f, static_cast<std::uint32_t>(integer()));
        break;
      case fd::CPPTYPE_INT64:
        rep ? r->AddInt64(&m, f, integer()) : r->SetInt64(&m, f, integer());
        break;
      case fd::CPPTYPE_UINT64:
        rep ? r->AddUInt64(&m, f, static_cast<std::uint64_t>(integer()))
            : r->SetUInt64(&m, f, static_cast<std::uint64_t>(integer()));
        break;
      case fd::CPPTYPE_DOUBLE:
        rep ? r->AddDouble(&m, f, floating()) : r->SetDouble(&m, f, floating());
        break;
      case fd::CPPTYPE_FLOAT:
        rep ? r->AddFloat(&m, f, static_cast<float>(floating()))
            : r->SetFloat(&m, f, static_cast<float>(floating()));
        break;
      case fd::CPPTYPE_BOOL:
        rep ? r->AddBool(&m, f, pick(2)) : r->SetBool(&m, f, pick(2));
        break;
      case fd::CPPTYPE_ENUM: {
        // Now and then a number the enum does not name (a newer peer's value).
        const int n =
            pick(8) == 0
                ? 77
                : f->enum_type()->value(static_cast<int>(pick(f->enum_type()->value_count())))->number();
        rep ? r->AddEnumValue(&m, f, n) : r->SetEnumValue(&m, f, n);
        break;
      }
      case fd::CPPTYPE_STRING: {
        std::string v = text();
        if (f->type() == fd::TYPE_BYTES)
          for (std::size_t k = 0, len = pick(6); k < len; ++k) v += static_cast<char>(pick(256));
        rep ? r->AddString(&m, f, v) : r->SetString(&m, f, v);
        break;
      }
      case fd::CPPTYPE_MESSAGE:
        if (depth > 4) break;
        fill(rep ? *r->AddMessage(&m, f) : *r->MutableMessage(&m, f), depth + 1);
        break;
    }
  }

  std::mt19937_64 rng_;
};

}  // namespace thidua::testing

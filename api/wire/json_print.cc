#include "api/wire/json_print.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>
#include <vector>

namespace thidua::api {
namespace {

namespace gp = google::protobuf;
using field = gp::FieldDescriptor;

// Whether this printer handles the type and every type under it (no maps, no well-known types, proto3).
bool printable(const gp::Descriptor* d, std::unordered_map<const gp::Descriptor*, bool>& seen) {
  if (auto it = seen.find(d); it != seen.end()) return it->second;
  seen[d] = true;  // a recursive type is judged by its other fields
  bool ok = d->file()->syntax() == gp::FileDescriptor::SYNTAX_PROTO3 &&
            !d->file()->name().starts_with("google/protobuf/");
  for (int i = 0; ok && i < d->field_count(); ++i) {
    const field* f = d->field(i);
    if (f->is_map()) ok = false;
    if (ok && f->message_type()) ok = printable(f->message_type(), seen);
  }
  seen[d] = ok;
  return ok;
}

bool printable(const gp::Descriptor* d) {
  // Per thread: printing runs on every network thread, and a shared cache would need a lock per message.
  thread_local std::unordered_map<const gp::Descriptor*, bool> known;
  return printable(d, known);
}

void hex4(unsigned v, std::string& out) {
  static constexpr char digits[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += digits[(v >> shift) & 0xF];
}

// The code points protobuf's JSON printer writes as \u escapes although they are valid UTF-8: C1 controls and
// format characters that some readers treat as line breaks or invisible.
bool escaped_code_point(std::uint32_t c) {
  return (c >= 0x80 && c <= 0x9F) || c == 0xAD || (c >= 0x600 && c <= 0x603) || c == 0x6DD || c == 0x70F ||
         c == 0x17B4 || c == 0x17B5 || (c >= 0x200B && c <= 0x200F) || (c >= 0x2028 && c <= 0x202E) ||
         (c >= 0x2060 && c <= 0x2064) || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF ||
         (c >= 0xFFF9 && c <= 0xFFFB) || (c >= 0x1D173 && c <= 0x1D17A) || c == 0xE0001 ||
         (c >= 0xE0020 && c <= 0xE007F);
}

void append_string(std::string_view s, std::string& out) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '<':
        case '>':
        case 0x7F:
          hex4(c, out);
          break;
        default:
          if (c < 0x20) {
            hex4(c, out);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // A proto3 string is valid UTF-8 (the parser checks it): decode one code point.
    const std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (i + n > s.size()) break;
    std::uint32_t cp = c & (n == 4 ? 0x07 : n == 3 ? 0x0F : 0x1F);
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    if (!escaped_code_point(cp)) {
      out.append(s.substr(i, n));
    } else if (cp < 0x10000) {
      hex4(cp, out);
    } else {
      const std::uint32_t v = cp - 0x10000;
      hex4(0xD800 + (v >> 10), out);
      hex4(0xDC00 + (v & 0x3FF), out);
    }
    i += n;
  }
  out += '"';
}

}  // namespace

void append_json_string(std::string_view s, std::string& out) {
  append_string(s, out);
}

namespace {

void append_base64(std::string_view s, std::string& out) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out += '"';
  std::size_t i = 0;
  for (; i + 3 <= s.size(); i += 3) {
    const std::uint32_t v = (static_cast<unsigned char>(s[i]) << 16) |
                            (static_cast<unsigned char>(s[i + 1]) << 8) |
                            static_cast<unsigned char>(s[i + 2]);
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i + 1 == s.size()) {
    const std::uint32_t v = static_cast<unsigned char>(s[i]) << 16;
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == s.size()) {
    const std::uint32_t v =
        (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8);
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += '=';
  }
  out += '"';
}

// Shortest of %.15g / %.17g (%.6g / %.9g for a float) that reads back the same, as protobuf does.
template <class T>
void append_floating(T v, std::string& out) {
  if (std::isnan(v)) {
    out += "\"NaN\"";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    return;
  }
  constexpr bool is_float = sizeof(T) == sizeof(float);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", is_float ? 6 : 15, static_cast<double>(v));
  const bool exact =
      is_float ? std::strtof(buf, nullptr) == static_cast<float>(v) : std::strtod(buf, nullptr) == v;
  if (!exact) std::snprintf(buf, sizeof buf, "%.*g", is_float ? 9 : 17, static_cast<double>(v));
  out += buf;
}

void append_message(const gp::Message& m, std::string& out);

void append_value(const gp::Message& m, const gp::Reflection* r, const field* f, int index,
                  std::string& out) {
  const bool repeated = f->is_repeated();
  switch (f->cpp_type()) {
    case field::CPPTYPE_INT32:
      out += std::to_string(repeated ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
      break;
    case field::CPPTYPE_UINT32:
      out += std::to_string(repeated ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
      break;
    case field::CPPTYPE_INT64:
      out += '"' + std::to_string(repeated ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f)) + '"';
      break;
    case field::CPPTYPE_UINT64:
      out += '"' + std::to_string(repeated ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f)) + '"';
      break;
    case field::CPPTYPE_DOUBLE:
      append_floating(repeated ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f), out);
      break;
    case field::CPPTYPE_FLOAT:
      append_floating(repeated ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f), out);
      break;
    case field::CPPTYPE_BOOL:
      out += (repeated ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
      break;
    case field::CPPTYPE_ENUM: {
      const int number = repeated ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
      if (const auto* v = f->enum_type()->FindValueByNumber(number)) {
        out += '"';
        out += v->name();
        out += '"';
      } else {
        out += std::to_string(number);
      }
      break;
    }
    case field::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = repeated ? r->GetRepeatedStringReference(m, f, index, &scratch)
                                      : r->GetStringReference(m, f, &scratch);
      if (f->type() == field::TYPE_BYTES) {
        append_base64(s, out);
      } else {
        append_string(s, out);
      }
      break;
    }
    case field::CPPTYPE_MESSAGE:
      append_message(repeated ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), out);
      break;
  }
}

void append_message(const gp::Message& m, std::string& out) {
  const gp::Reflection* r = m.GetReflection();
  std::vector<const field*> fields;
  r->ListFields(m, &fields);  // the fields that are set, by number: what the JSON mapping prints
  out += '{';
  bool first = true;
  for (const field* f : fields) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += f->name();
    out += "\":";
    if (f->is_repeated()) {
      out += '[';
      const int n = r->FieldSize(m, f);
      for (int i = 0; i < n; ++i) {
        if (i) out += ',';
        append_value(m, r, f, i, out);
      }
      out += ']';
    } else {
      append_value(m, r, f, 0, out);
    }
  }
  out += '}';
}

}  // namespace

void append_json(const gp::Message& m, std::string& out) {
  if (printable(m.GetDescriptor())) {
    append_message(m, out);
    return;
  }
  std::string s;
  gp::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  if (!gp::util::MessageToJsonString(m, &s, o).ok()) s = "{}";
  out += s;
}

std::string to_json(const gp::Message& m) {
  std::string out;
  append_json(m, out);
  return out;
}

}  // namespace thidua::api

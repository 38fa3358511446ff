#include "tools/cli/cli_support.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>

#include "storage/errc.h"

namespace thidua::cli {

std::unique_ptr<storage::event_log> open_log(const std::string& command, const std::string& dir,
                                             open_mode mode) {
  storage::log_options o;
  o.path = dir;
  o.create_if_missing = mode == open_mode::create;
  o.read_only = mode == open_mode::read_only;
  // No WAL spares: a short-lived tool would take the server's spare and start zeroing the next for nothing.
  o.wal_spare_bytes = 0;
  auto opened = storage::event_log::open(o);
  if (opened) return std::move(opened).value();
  const auto& e = opened.error();
  if (e.code == storage::errc::not_found) {
    complain(command, "no event log in " + dir + ": check --data-dir (the server's data dir holds CURRENT)");
  } else if (e.code == storage::errc::locked) {
    complain(command, "the data dir " + dir +
                          " is in use by a running server (or another thidua command; RocksDB lets one "
                          "process write): stop it first, or use a command that only reads");
  } else {
    complain(command, e.message);
  }
  return nullptr;
}

std::string json_of(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

namespace {

// Characters, not bytes: a UTF-8 continuation byte starts none.
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

void print_json(const google::protobuf::Value& value) {
  std::puts(json_of(value).c_str());
}

void print_json(const google::protobuf::Struct& object) {
  std::puts(json_of(object).c_str());
}

google::protobuf::Value json_text(const std::string& s) {
  google::protobuf::Value v;
  v.set_string_value(s);
  return v;
}

google::protobuf::Value json_number(double n) {
  google::protobuf::Value v;
  v.set_number_value(n);
  return v;
}

google::protobuf::Value json_bool(bool b) {
  google::protobuf::Value v;
  v.set_bool_value(b);
  return v;
}

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) widths[c] = width(header[c]);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], width(row[c]));
  const auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - width(row[c]) + 2, ' ');
    }
    std::puts(line.c_str());
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

void complain(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "thidua %s: %s\n", command.c_str(), message.c_str());
}

}  // namespace thidua::cli

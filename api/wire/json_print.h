#pragma once
// Protobuf's JSON mapping, with the proto field names, written straight from a message by reflection.
// protobuf's own printer (util::MessageToJsonString) serializes the message, resolves its type and renders
// the bytes again: ~20 µs for an event envelope, most of an export's time. This one prints the same bytes
// (tests/api/wire/json_print_test.cc compares them) for the messages of this protocol — proto3, no maps, no
// well-known types — and hands any other message to protobuf's.

#include <string>
#include <string_view>

namespace google::protobuf {
class Message;
}

namespace thidua::api {

// The message in the JSON mapping, as MessageToJsonString prints it with preserve_proto_field_names.
std::string to_json(const google::protobuf::Message& m);
// The same, appended to `out`.
void append_json(const google::protobuf::Message& m, std::string& out);
// `s` as a JSON string, quoted and escaped as protobuf's printer escapes it, appended to `out`.
void append_json_string(std::string_view s, std::string& out);

}  // namespace thidua::api

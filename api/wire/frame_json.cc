#include "api/wire/frame_json.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/wire_format_lite.h>

#include <set>

namespace thidua::api {
namespace {

namespace gp = google::protobuf;

// Protobuf names the place of an error as "(a.b) name: Cannot find field." or "(a.b.c): invalid value …".
frame_error from_protobuf_status(std::string_view message) {
  frame_error e{"frame",
                "the text frame is not a ClientFrame in the protobuf JSON mapping: " + std::string(message)};
  std::string path;
  std::string_view rest = message;
  if (rest.starts_with("(")) {
    const auto close = rest.find(')');
    if (close == std::string_view::npos) return e;
    path = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    while (rest.starts_with(" ")) rest.remove_prefix(1);
  }
  const auto colon = rest.find(": ");
  if (colon == std::string_view::npos) return e;
  std::string_view name = rest.substr(0, colon);
  std::string_view detail = rest.substr(colon + 2);
  // A syntax error has no path and its own words before the colon.
  if (path.empty() && name.find(' ') != std::string_view::npos) return e;
  if (!name.empty()) path += (path.empty() ? "" : ".") + std::string(name);
  if (path.empty()) return e;
  if (path.starts_with("query.")) path.erase(0, 6);
  e.field = std::move(path);
  e.detail = detail == "Cannot find field." ? "unknown field" : std::string(detail);
  return e;
}

bool is_well_known(const gp::Descriptor* d) {
  return d->file()->name().starts_with("google/protobuf/");
}

// Every name (proto and JSON) that a boolean field of ClientFrame, at any depth, goes by.
void collect_bool_names(const gp::Descriptor* d, std::set<const gp::Descriptor*>& seen,
                        std::set<std::string>& names) {
  if (!seen.insert(d).second || is_well_known(d)) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->type() == gp::FieldDescriptor::TYPE_BOOL) {
      names.insert("\"" + f->name() + "\"");
      names.insert("\"" + f->json_name() + "\"");
    }
    if (f->message_type()) collect_bool_names(f->message_type(), seen, names);
  }
}

const std::set<std::string>& bool_names() {
  static const std::set<std::string> names = [] {
    std::set<std::string> out;
    std::set<const gp::Descriptor*> seen;
    collect_bool_names(pb::ClientFrame::descriptor(), seen, out);
    return out;
  }();
  return names;
}

std::string joined(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

std::optional<frame_error> check_bools(const gp::Struct& object, const gp::Descriptor* d,
                                       const std::string& path) {
  for (const auto& [key, value] : object.fields()) {
    const auto* f = d->FindFieldByName(key);
    for (int i = 0; !f && i < d->field_count(); ++i)
      if (d->field(i)->json_name() == key) f = d->field(i);
    if (!f) continue;  // protobuf has refused unknown fields already
    const std::string here = joined(path, f->name());
    if (f->type() == gp::FieldDescriptor::TYPE_BOOL && !f->is_repeated() &&
        value.kind_case() == gp::Value::kStringValue)
      return frame_error{here, "a boolean is true or false, not a string"};
    const auto* m = f->message_type();
    if (!m || is_well_known(m) || f->is_map()) continue;
    if (value.has_struct_value()) {
      if (auto e = check_bools(value.struct_value(), m, here)) return e;
    } else if (value.has_list_value()) {
      for (const auto& item : value.list_value().values())
        if (item.has_struct_value())
          if (auto e = check_bools(item.struct_value(), m, here)) return e;
    }
  }
  return std::nullopt;
}

bool mentions_a_bool(std::string_view text) {
  for (const auto& name : bool_names())
    if (text.find(name) != std::string_view::npos) return true;
  return false;
}

}  // namespace

std::optional<frame_error> parse_json_frame(std::string_view text, pb::ClientFrame& out) {
  gp::util::JsonParseOptions o;
  o.ignore_unknown_fields = false;
  const auto status = gp::util::JsonStringToMessage(gp::StringPiece(text.data(), text.size()), &out, o);
  if (!status.ok()) {
    return from_protobuf_status(std::string_view(status.message().data(), status.message().size()));
  }
  // Protobuf takes "yes", "true" and other strings for a boolean; only a frame naming a boolean field pays
  // for the second reading that refuses them.
  if (!mentions_a_bool(text)) return std::nullopt;
  gp::Value tree;
  if (!gp::util::JsonStringToMessage(gp::StringPiece(text.data(), text.size()), &tree).ok() ||
      !tree.has_struct_value())
    return std::nullopt;
  auto e = check_bools(tree.struct_value(), pb::ClientFrame::descriptor(), "");
  if (e && e->field.starts_with("query.")) e->field.erase(0, 6);
  return e;
}

std::string peek_request_id(std::string_view data, bool text) {
  if (text) {
    gp::Value tree;
    if (!gp::util::JsonStringToMessage(gp::StringPiece(data.data(), data.size()), &tree).ok() ||
        !tree.has_struct_value())
      return {};
    const auto& fields = tree.struct_value().fields();
    for (const char* name : {"request_id", "requestId"}) {
      auto it = fields.find(name);
      if (it != fields.end() && it->second.kind_case() == gp::Value::kStringValue)
        return it->second.string_value();
    }
    return {};
  }
  // Field 1 of a ClientFrame, read up to the point where the frame stops making sense.
  gp::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(data.data()),
                              static_cast<int>(data.size()));
  using wire = gp::internal::WireFormatLite;
  std::string id;
  while (const auto tag = in.ReadTag()) {
    if (wire::GetTagFieldNumber(tag) == 1 && wire::GetTagWireType(tag) == wire::WIRETYPE_LENGTH_DELIMITED) {
      if (!wire::ReadString(&in, &id)) return {};
      continue;  // the last occurrence wins, as in a parse
    }
    if (!wire::SkipField(&in, tag)) break;
  }
  return id;
}

}  // namespace thidua::api

#include "api/wire/audit_export.h"

#include <google/protobuf/util/json_util.h>

namespace thidua::api {
namespace {

std::string json_of(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(m, &out, o).ok()) return "{}";
  return out;
}

// The event itself, without the envelope's fields that have their own columns.
std::string event_body_json(const pb::EventEnvelope& e) {
  if (e.has_cycle()) return json_of(e.cycle());
  if (e.has_registry()) return json_of(e.registry());
  return {};
}

}  // namespace

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string export_preamble(export_format f) {
  if (f == export_format::ndjson) return {};
  return "\xEF\xBB\xBF"
         "position,recorded_at,recorded_at_ms,stream_id,cluster,stream_version,type,actor_unit_id,actor_"
         "person,"
         "actor_role,command_id,corrects_position,corrected_by,hash,event\r\n";
}

std::string export_rows(export_format f, const pb::QueryResult& page) {
  std::string out;
  for (const auto& entry : page.audit()) {
    if (f == export_format::ndjson) {
      out += json_of(entry);
      out += '\n';
      continue;
    }
    const auto& e = entry.event();
    std::string corrected_by;
    for (auto p : entry.corrected_by()) corrected_by += (corrected_by.empty() ? "" : " ") + std::to_string(p);
    const std::string fields[] = {
        std::to_string(e.position()),
        entry.recorded_at(),
        std::to_string(e.recorded_at_ms()),
        e.stream_id(),
        e.has_cycle() ? e.cycle().cluster() : std::string(),
        std::to_string(e.stream_version()),
        e.type(),
        e.actor_unit_id(),
        e.actor_person(),
        e.actor_role(),
        e.command_id(),
        entry.has_corrects() ? std::to_string(entry.corrects().position()) : std::string(),
        corrected_by,
        e.hash(),
        event_body_json(e)};
    bool first = true;
    for (const auto& field : fields) {
      if (!first) out += ',';
      first = false;
      out += csv_field(field);
    }
    out += "\r\n";
  }
  return out;
}

const char* export_content_type(export_format f) {
  return f == export_format::csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
}

}  // namespace thidua::api

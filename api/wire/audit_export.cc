#include "api/wire/audit_export.h"

#include "api/wire/json_print.h"

namespace thidua::api {

void append_csv_field(std::string& out, std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += value;
    return;
  }
  out += '"';
  // Copied a run at a time up to each quote, which is doubled.
  for (std::size_t at = 0;;) {
    const std::size_t quote = value.find('"', at);
    if (quote == std::string_view::npos) {
      out += value.substr(at);
      break;
    }
    out += value.substr(at, quote + 1 - at);
    out += '"';
    at = quote + 1;
  }
  out += '"';
}

std::string csv_field(std::string_view value) {
  std::string out;
  append_csv_field(out, value);
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
  std::string out, scratch;
  for (const auto& entry : page.audit()) {
    if (f == export_format::ndjson) {
      append_json(entry, out);
      out += '\n';
      continue;
    }
    const auto& e = entry.event();
    auto field = [&](std::string_view value) {
      append_csv_field(out, value);
      out += ',';
    };
    field(std::to_string(e.position()));
    field(entry.recorded_at());
    field(std::to_string(e.recorded_at_ms()));
    field(e.stream_id());
    field(e.has_cycle() ? std::string_view(e.cycle().cluster()) : std::string_view());
    field(std::to_string(e.stream_version()));
    field(e.type());
    field(e.actor_unit_id());
    field(e.actor_person());
    field(e.actor_role());
    field(e.command_id());
    field(entry.has_corrects() ? std::to_string(entry.corrects().position()) : std::string());
    scratch.clear();
    for (auto p : entry.corrected_by()) {
      if (!scratch.empty()) scratch += ' ';
      scratch += std::to_string(p);
    }
    field(scratch);
    field(e.hash());
    // The event itself, without the envelope's fields that have their own columns.
    scratch.clear();
    if (e.has_cycle()) append_json(e.cycle(), scratch);
    if (e.has_registry()) append_json(e.registry(), scratch);
    append_csv_field(out, scratch);
    out += "\r\n";
  }
  return out;
}

const char* export_content_type(export_format f) {
  return f == export_format::csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
}

}  // namespace thidua::api

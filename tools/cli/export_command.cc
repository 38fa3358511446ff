#include "tools/cli/export_command.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <sstream>

#include "api/app/read_service.h"
#include "api/wire/audit_export.h"
#include "tools/cli/progress.h"

namespace thidua::cli {
namespace {

const std::string& option(const std::map<std::string, std::string>& o, const std::string& name) {
  static const std::string none;
  auto it = o.find(name);
  return it == o.end() ? none : it->second;
}

template <class Number>
bool number_option(const std::map<std::string, std::string>& o, const std::string& name, Number& out) {
  const std::string& text = option(o, name);
  if (text.empty()) return true;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec == std::errc() && end == text.data() + text.size()) return true;
  std::fprintf(stderr, "thidua export: --%s must be a number, not \"%s\"\n", name.c_str(), text.c_str());
  return false;
}

// The query once the read models have applied its at_least_position.
result<api::pb::QueryResult> ask(api::read_service& reads,
                                 const std::shared_ptr<const api::pb::TokenGrant>& grant,
                                 const api::pb::Query& q) {
  std::promise<result<api::pb::QueryResult>> answered;
  reads.query_when_applied(grant, q,
                           [&](result<api::pb::QueryResult> r) { answered.set_value(std::move(r)); });
  return answered.get_future().get();
}

// A query string's value: unreserved characters as they are, every other byte %XX (UTF-8 as its bytes).
std::string percent_encoded(const std::string& s) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

// Where --out points, or standard output; null (said why) when it cannot be written.
std::FILE* open_out(const std::map<std::string, std::string>& o,
                    std::unique_ptr<std::FILE, int (*)(std::FILE*)>& file) {
  const std::string& path = option(o, "out");
  if (path.empty() || path == "-") return stdout;
  file.reset(std::fopen(path.c_str(), "wb"));
  if (!file) std::fprintf(stderr, "thidua export: cannot write %s\n", path.c_str());
  return file.get();
}

}  // namespace

int export_through_server(const std::map<std::string, std::string>& o, const server_link& link) {
  const std::string format = option(o, "format").empty() ? "csv" : option(o, "format");
  std::string target = "/v1/audit." + format;
  char sep = '?';
  for (const auto& [name, param] :
       std::vector<std::pair<std::string, std::string>>{{"organizer", "organizer_id"},
                                                        {"series", "series"},
                                                        {"year", "year"},
                                                        {"number", "number"},
                                                        {"unit", "unit_id"},
                                                        {"person", "person"},
                                                        {"role", "role"},
                                                        {"types", "event_types"},
                                                        {"from-date", "from_date"},
                                                        {"to-date", "to_date"},
                                                        {"from-position", "from_position"},
                                                        {"to-position", "to_position"}}) {
    if (option(o, name).empty()) continue;
    target += sep + param + "=" + percent_encoded(option(o, name));
    sep = '&';
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, std::fclose);
  std::FILE* out = open_out(o, file);
  if (!out) return 1;
  std::uint64_t bytes = 0;
  progress_bar bar("exporting", 0, "MB");
  api::http_answer answer;
  std::string why;
  const bool whole = api::http_download(
      link.url, link.client, target,
      [&](std::string_view piece) {
        bytes += piece.size();
        bar.update(bytes >> 20);
        return std::fwrite(piece.data(), 1, piece.size(), out) == piece.size();
      },
      answer, why);
  bar.finish();
  const bool written = std::fflush(out) == 0;
  if (whole && answer.status != 200) {
    if (file) {
      file.reset();
      std::remove(option(o, "out").c_str());
    }
    return report_refusal("export", answer);
  }
  if (!whole || !written) {
    std::fprintf(stderr, "thidua export: %s\n", whole ? "writing failed (disk full?)" : why.c_str());
    if (file) {
      file.reset();
      std::remove(option(o, "out").c_str());
      std::fprintf(stderr, "thidua export: the incomplete %s was removed\n", option(o, "out").c_str());
    }
    return 1;
  }
  std::fprintf(stderr, "exported %.1f MB (%s)\n", static_cast<double>(bytes) / 1e6, format.c_str());
  return 0;
}

int export_command(const std::map<std::string, std::string>& o, storage::event_log& log) {
  const std::string& organizer = option(o, "organizer");
  if (organizer.empty()) {
    std::fprintf(stderr,
                 "thidua export: --organizer is required (the export reads what that organizer's office "
                 "may read)\n");
    return 2;
  }
  const std::string format = option(o, "format").empty() ? "csv" : option(o, "format");
  if (format != "csv" && format != "ndjson") {
    std::fprintf(stderr, "thidua export: --format is csv or ndjson, not \"%s\"\n", format.c_str());
    return 2;
  }
  const auto kind = format == "csv" ? api::export_format::csv : api::export_format::ndjson;
  api::pb::Query q;
  auto* a = q.mutable_audit();
  a->set_organizer_id(organizer);
  a->set_series(option(o, "series"));
  a->set_number(option(o, "number"));
  a->set_unit_id(option(o, "unit"));
  a->set_person(option(o, "person"));
  a->set_role(option(o, "role"));
  a->set_from_date(option(o, "from-date"));
  a->set_to_date(option(o, "to-date"));
  std::uint32_t year = 0;
  std::uint64_t from = 0, to = 0;
  if (!number_option(o, "year", year) || !number_option(o, "from-position", from) ||
      !number_option(o, "to-position", to))
    return 2;
  a->set_year(year);
  a->set_to_position(to);
  std::stringstream types(option(o, "types"));
  for (std::string t; std::getline(types, t, ',');)
    if (!t.empty()) a->add_event_types(t);
  a->set_limit(1000);

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, std::fclose);
  std::FILE* out = open_out(o, file);
  if (!out) return 1;
  api::read_service reads(log);
  if (auto r = reads.start(); !r) {
    std::fprintf(stderr, "thidua export: %s\n", r.error().message.c_str());
    return 1;
  }
  auto office = std::make_shared<api::pb::TokenGrant>();
  office->set_role("ORGANIZER_OFFICE");
  office->set_unit_id(organizer);
  office->set_organizer_id(organizer);
  // The read models at the head, as the server's export would see them (corrections listed with each entry).
  q.set_at_least_position(log.head().value);
  const std::string preamble = api::export_preamble(kind);
  std::fwrite(preamble.data(), 1, preamble.size(), out);
  std::uint64_t rows = 0;
  progress_bar bar("exporting", log.head().value, "positions");
  for (a->set_from_position(from);;) {
    auto page = ask(reads, office, q);
    if (!page) {
      reads.stop();
      std::fprintf(stderr, "thidua export: %s (%s)\n", page.error().message.c_str(),
                   page.error().field.c_str());
      return page.error().field.empty() ? 1 : 2;
    }
    const std::string text = api::export_rows(kind, page.value());
    if (std::fwrite(text.data(), 1, text.size(), out) != text.size()) {
      reads.stop();
      std::fprintf(stderr, "thidua export: writing failed (disk full?)\n");
      return 1;
    }
    rows += static_cast<std::uint64_t>(page.value().audit_size());
    if (page.value().next_position() == 0) break;
    a->set_from_position(page.value().next_position());
    bar.update(page.value().next_position());
  }
  bar.finish();
  reads.stop();
  if (std::fflush(out) != 0) {
    std::fprintf(stderr, "thidua export: writing failed (disk full?)\n");
    return 1;
  }
  std::fprintf(stderr, "exported %llu entries (%s)\n", static_cast<unsigned long long>(rows), format.c_str());
  return 0;
}

}  // namespace thidua::cli

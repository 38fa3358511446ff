#include "api/wire/http_routes.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <variant>

#include "api/app/build_info.h"
#include "api/app/command_service.h"
#include "api/app/read_service.h"
#include "api/app/server_metrics.h"
#include "api/app/vietnam_time.h"
#include "api/app/webhook_metrics.h"
#include "api/net/bearer.h"
#include "api/wire/audit_export.h"
#include "api/wire/error_table.h"
#include "api/wire/frame_json.h"
#include "api/wire/json_print.h"
#include "api/wire/replies.h"
#include "api/wire/services.h"

namespace thidua::api {
namespace {

constexpr const char* json_type = "application/json; charset=utf-8";

http_reply error_reply(const error& e) {
  return {wire_error_of(e).http_status, json_type, to_json(to_wire(e))};
}

error no_such_resource(const std::string& path) {
  return app_error(errc::not_found, "path", "no such resource: " + path, "Không có tài nguyên này");
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding ('+' is a space in a query string); nullopt on a broken escape.
std::optional<std::string> decode(std::string_view s, bool query) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (query && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

struct parsed_target {
  std::string path;
  std::map<std::string, std::string> params;
};

std::optional<parsed_target> parse_target(std::string_view target) {
  parsed_target t;
  const auto q = target.find('?');
  auto path = decode(target.substr(0, q), false);
  if (!path) return std::nullopt;
  t.path = std::move(*path);
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = decode(pair.substr(0, eq), true);
    auto value = decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    t.params[*key] = *value;
  }
  return t;
}

// Reads the query string into a Query: every parameter must be one the route knows, with a value of its type.
class params_reader {
 public:
  explicit params_reader(std::map<std::string, std::string> p) : params_(std::move(p)) {}

  std::string text(const std::string& name) {
    auto it = params_.find(name);
    if (it == params_.end()) return {};
    std::string v = std::move(it->second);
    params_.erase(it);
    return v;
  }
  template <class T>
  T number(const std::string& name) {
    const std::string v = text(name);
    T n{};
    if (v.empty()) return n;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size())
      error_ = app_error(errc::invalid_field, name, name + " must be a non-negative integer",
                         name + " phải là số nguyên không âm");
    return n;
  }
  bool flag(const std::string& name) {
    const std::string v = text(name);
    if (v.empty() || v == "false" || v == "0") return false;
    if (v == "true" || v == "1") return true;
    error_ = app_error(errc::invalid_field, name, name + " must be true or false",
                       name + " phải là true hoặc false");
    return false;
  }
  // The first problem: a bad value, or a parameter the route does not know.
  std::optional<error> problem() const {
    if (error_) return error_;
    if (!params_.empty())
      return app_error(errc::invalid_field, params_.begin()->first,
                       "unknown query parameter \"" + params_.begin()->first + "\"",
                       "Tham số truy vấn không được hỗ trợ: \"" + params_.begin()->first + "\"");
    return std::nullopt;
  }

 private:
  std::map<std::string, std::string> params_;
  std::optional<error> error_;
};

// Splits "/a/b/c" into its segments.
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 1;
  while (i <= path.size()) {
    const auto slash = path.find('/', i);
    out.push_back(path.substr(i, slash == std::string::npos ? std::string::npos : slash - i));
    if (slash == std::string::npos) break;
    i = slash + 1;
  }
  return out;
}

// ?as_of_position=… or ?as_of_date=… (checked by the query).
pb::AsOf as_of_of(params_reader& p) {
  pb::AsOf a;
  a.set_position(p.number<std::uint64_t>("as_of_position"));
  a.set_date(p.text("as_of_date"));
  return a;
}

// The query a /v1 path asks for, or an error reply.
std::variant<pb::Query, http_reply> route(const std::string& path, params_reader& p) {
  pb::Query q;
  q.set_at_least_position(p.number<std::uint64_t>("at_least_position"));
  const auto seg = segments(path);
  if (path == "/v1/clusters") {
    q.mutable_list_clusters()->set_organizer_id(p.text("organizer_id"));
    q.mutable_list_clusters()->set_series(p.text("series"));
  } else if (path == "/v1/units") {
    q.mutable_list_units();
  } else if (path == "/v1/cycles" || path == "/v1/board") {
    // The same filters: ListCycles and GetBoard.
    const auto fill = [&](auto* m) {
      m->set_organizer_id(p.text("organizer_id"));
      m->set_series(p.text("series"));
      m->set_year(p.number<std::uint32_t>("year"));
      m->set_number(p.text("number"));
      *m->mutable_as_of() = as_of_of(p);
    };
    if (path == "/v1/board") {
      fill(q.mutable_get_board());
    } else {
      fill(q.mutable_list_cycles());
    }
  } else if ((seg.size() == 6 || (seg.size() == 7 && seg[6] == "full")) && seg[0] == "v1" &&
             seg[1] == "cycles") {
    // /v1/cycles/{organizer}/{series}/{year}/{number}[/full]
    auto* c = q.mutable_get_cycle();
    c->set_organizer_id(seg[2]);
    c->set_series(seg[3]);
    std::uint32_t year = 0;
    auto [end, ec] = std::from_chars(seg[4].data(), seg[4].data() + seg[4].size(), year);
    if (ec != std::errc() || end != seg[4].data() + seg[4].size())
      return error_reply(app_error(errc::invalid_field, "get_cycle.year",
                                   "the year in the path must be a number",
                                   "Năm trong đường dẫn phải là số"));
    c->set_year(year);
    c->set_number(seg[5]);
    c->set_in_full(seg.size() == 7);
    *c->mutable_as_of() = as_of_of(p);
  } else if (path == "/v1/statistics") {
    auto* st = q.mutable_get_statistics();
    st->set_organizer_id(p.text("organizer_id"));
    st->set_year(p.number<std::uint32_t>("year"));
    *st->mutable_as_of() = as_of_of(p);
  } else if (seg.size() == 4 && seg[0] == "v1" && seg[1] == "units" && seg[3] == "record") {
    // /v1/units/{unit}/record
    auto* u = q.mutable_get_unit_record();
    u->set_unit_id(seg[2]);
    *u->mutable_as_of() = as_of_of(p);
  } else if (path.starts_with("/v1/streams/")) {
    auto* r = q.mutable_read_stream();
    r->set_stream_id(path.substr(std::string_view("/v1/streams/").size()));
    r->set_from_version(p.number<std::uint64_t>("from_version"));
    r->set_limit(p.number<std::uint32_t>("limit"));
  } else if (path == "/v1/audit" || path == "/v1/audit.csv" || path == "/v1/audit.ndjson") {
    auto* a = q.mutable_audit();
    a->set_organizer_id(p.text("organizer_id"));
    a->set_series(p.text("series"));
    a->set_year(p.number<std::uint32_t>("year"));
    a->set_number(p.text("number"));
    a->set_unit_id(p.text("unit_id"));
    a->set_person(p.text("person"));
    a->set_role(p.text("role"));
    // event_types=PledgeSigned,VoteHeld
    const std::string types = p.text("event_types");
    for (std::size_t start = 0; start < types.size();) {
      const auto comma = std::min(types.find(',', start), types.size());
      a->add_event_types(types.substr(start, comma - start));
      start = comma + 1;
    }
    a->set_from_date(p.text("from_date"));
    a->set_to_date(p.text("to_date"));
    a->set_from_ms(p.number<std::int64_t>("from_ms"));
    a->set_to_ms(p.number<std::int64_t>("to_ms"));
    a->set_from_position(p.number<std::uint64_t>("from_position"));
    a->set_to_position(p.number<std::uint64_t>("to_position"));
    a->set_backward(p.flag("backward"));
    a->set_limit(p.number<std::uint32_t>("limit"));
  } else if (path == "/v1/inbox") {
    auto* i = q.mutable_get_inbox();
    i->set_before_position(p.number<std::uint64_t>("before_position"));
    i->set_limit(p.number<std::uint32_t>("limit"));
    i->set_unread_only(p.flag("unread_only"));
  } else if (path == "/v1/webhooks") {
    q.mutable_list_webhooks();
  } else if (path == "/v1/tokens") {
    q.mutable_list_tokens();
  } else if (path == "/v1/verify") {
    auto* v = q.mutable_verify_log();
    v->set_from_position(p.number<std::uint64_t>("from_position"));
    v->set_to_position(p.number<std::uint64_t>("to_position"));
  } else if (path == "/v1/receipt") {
    q.mutable_issue_receipt();
  } else if (path == "/v1/receipt-key" || path == "/v1/receipt-key.pem") {
    q.mutable_get_receipt_key();
  } else if (path == "/v1/log") {
    auto* r = q.mutable_read_log();
    r->set_from_position(p.number<std::uint64_t>("from_position"));
    r->set_limit(p.number<std::uint32_t>("limit"));
    r->set_backward(p.flag("backward"));
  } else {
    return error_reply(no_such_resource(path));
  }
  if (auto e = p.problem()) return error_reply(*e);
  return q;
}

// An audit query streamed as a file: the first page is asked before anything is sent, so a bad filter still
// gets its status and error; then each page is produced (on the read service's export thread) when the
// connection has written the one before, so memory holds one page whatever the log's length.
struct audit_export : std::enable_shared_from_this<audit_export> {
  const services* api;
  std::shared_ptr<const pb::TokenGrant> grant;
  pb::Query query;
  export_format format;
  std::optional<body_piece> first;  // the first page's piece, until it is handed over

  void first_page(http_server::responder respond) {
    api->reads->query_for_export(
        grant, query, [self = shared_from_this(), respond](result<pb::QueryResult> r) {
          if (!r) return respond(error_reply(r.error()));
          http_reply reply{200, export_content_type(self->format), {}};
          reply.content_disposition = std::string("attachment; filename=\"thidua-audit.") +
                                      (self->format == export_format::csv ? "csv" : "ndjson") + "\"";
          const bool more = self->advance(r.value());
          self->first =
              body_piece{export_preamble(self->format) + export_rows(self->format, r.value()), more, false};
          // Pieces are asked for one at a time, each once the one before is written: no two calls overlap.
          reply.stream = [self](std::function<void(body_piece)> deliver) {
            if (self->first) {
              body_piece p = std::move(*self->first);
              self->first.reset();
              return deliver(std::move(p));
            }
            self->next_page(std::move(deliver));
          };
          respond(std::move(reply));
        });
  }

  // Moves the query to the page after `page`; false when there is none.
  bool advance(const pb::QueryResult& page) {
    if (page.next_position() == 0) return false;
    query.mutable_audit()->set_from_position(page.next_position());
    return true;
  }

  void next_page(std::function<void(body_piece)> deliver) {
    api->reads->query_for_export(
        grant, query, [self = shared_from_this(), deliver](result<pb::QueryResult> r) {
          if (!r) return deliver({{}, false, true});
          deliver({export_rows(self->format, r.value()), self->advance(r.value()), false});
        });
  }
};

http_reply answer(result<pb::QueryResult> r) {
  if (!r) return error_reply(r.error());
  return {200, json_type, to_json(r.value())};
}

// The paths that take POST: each does something (a command, a backup) rather than read.
bool posted_path(const std::string& path) {
  return path == "/v1/commands" || path == "/v1/backups";
}

// A POST body in the protobuf JSON mapping, read as the message at `at` (e.g. {"command"}) inside a
// ClientFrame, so that it is checked as strictly as a WebSocket text frame. Errors name the field as a
// WebSocket frame's would, without the "command." in front.
std::variant<pb::ClientFrame, http_reply> parse_body(const std::string& body,
                                                     const std::vector<std::string>& at,
                                                     const std::string& what) {
  // One JSON object, nothing around it: a body that closed the braces written around it could set other
  // fields of the frame.
  google::protobuf::Value whole;
  if (!body.empty() &&
      (!google::protobuf::util::JsonStringToMessage(body, &whole).ok() || !whole.has_struct_value()))
    return error_reply(app_error(errc::bad_request, "body",
                                 "the body must be one JSON object (a " + what + ")",
                                 "Nội dung yêu cầu phải là một đối tượng JSON"));
  pb::ClientFrame frame;
  std::string text;
  for (const auto& f : at) text += "{\"" + f + "\":";
  text += body.empty() ? std::string("{}") : body;
  text += std::string(at.size(), '}');
  if (auto e = parse_json_frame(text, frame)) {
    std::string field = e->field == "frame" ? "body" : e->field;
    if (field.starts_with("command.")) field.erase(0, 8);
    return error_reply(app_error(errc::bad_request, field,
                                 "the body is not a " + what + " in the protobuf JSON mapping: " + e->detail,
                                 "Nội dung yêu cầu không đúng định dạng JSON của " + what));
  }
  return frame;
}

// POST /v1/commands: a SubmitCommand, as over the WebSocket; answers its CommandAccepted or its error.
void post_command(const services& api, const pb::TokenGrant& grant, const std::string& body,
                  http_server::responder respond) {
  auto parsed = parse_body(body, {"command"}, "SubmitCommand");
  if (auto* r = std::get_if<http_reply>(&parsed)) return respond(std::move(*r));
  auto& frame = std::get<pb::ClientFrame>(parsed);
  if (!frame.has_command())
    return respond(error_reply(app_error(errc::bad_request, "body", "the body is not a SubmitCommand",
                                         "Nội dung yêu cầu không phải là một lệnh")));
  std::vector<std::pair<std::string, std::string>> logged = {{"command", command_name(frame.command())},
                                                             {"command_id", frame.command().command_id()}};
  api.commands->execute(
      grant, std::move(*frame.mutable_command()),
      [respond, metrics = api.metrics, logged = std::move(logged),
       start = std::chrono::steady_clock::now()](result<pb::CommandAccepted> r) mutable {
        if (metrics)
          metrics->command_done(
              command_outcome_of(r),
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        logged.emplace_back("result", r ? (r.value().duplicate() ? "DUPLICATE" : "ACCEPTED")
                                        : std::string(wire_error_of(r.error()).code));
        http_reply reply = r ? http_reply{200, json_type, to_json(r.value())} : error_reply(r.error());
        reply.logged = std::move(logged);
        respond(std::move(reply));
      });
}

// POST /v1/backups: a CreateBackup (the body may be empty); answered once the copy is made.
void post_backup(const services& api, std::shared_ptr<const pb::TokenGrant> grant, const std::string& body,
                 http_server::responder respond) {
  auto parsed = parse_body(body, {"query", "create_backup"}, "CreateBackup");
  if (auto* r = std::get_if<http_reply>(&parsed)) return respond(std::move(*r));
  auto& frame = std::get<pb::ClientFrame>(parsed);
  if (!frame.has_query() || !frame.query().has_create_backup())
    return respond(error_reply(app_error(errc::bad_request, "body", "the body is not a CreateBackup",
                                         "Nội dung yêu cầu không phải là yêu cầu sao lưu")));
  api.reads->query_when_applied(std::move(grant), std::move(*frame.mutable_query()),
                                [respond](result<pb::QueryResult> r) { respond(answer(std::move(r))); });
}

// The log's counters in the Prometheus text format.
std::string log_metrics(const storage::event_log& log) {
  const auto st = log.stats();
  std::string out;
  append_metric(out, "thidua_log_head", "gauge", "Last durable position of the event log.",
                static_cast<double>(log.head().value));
  append_metric(out, "thidua_log_appends_total", "counter",
                "Appends completed (accepted or refused) since start.", static_cast<double>(st.appends));
  append_metric(out, "thidua_log_events_total", "counter", "Events made durable since start.",
                static_cast<double>(st.events));
  append_metric(out, "thidua_log_batches_total", "counter", "Write batches written since start.",
                static_cast<double>(st.batches));
  append_metric(out, "thidua_log_syncs_total", "counter", "WAL syncs since start.",
                static_cast<double>(st.syncs));
  std::vector<double> bounds;
  for (auto us : storage::log_stats::latency_bounds_us) bounds.push_back(static_cast<double>(us) / 1e6);
  append_histogram(out, "thidua_log_append_latency_seconds",
                   "From an append's arrival at the log to its durable acknowledgement (queue, write, sync).",
                   bounds, std::vector<std::uint64_t>(st.latency_buckets.begin(), st.latency_buckets.end()),
                   static_cast<double>(st.latency_sum_us) / 1e6);
  return out;
}

// `office`: the request came with an organizer's office's token, which alone is told where backups go (a
// path on the server's machine is nobody else's business).
std::string status_json(const services& api, const storage::event_log& log, std::int64_t started_ms,
                        std::int64_t now_ms, bool office) {
  pb::ServerStatus s;
  s.set_version(build_version());
  s.set_commit(build_commit());
  s.set_started_at(vietnam_time(started_ms));
  s.set_uptime_seconds(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ms - started_ms) / 1000));
  s.set_head(log.head().value);
  if (api.reads) {
    s.set_read_model_position(api.reads->read_model_position().value);
    s.set_read_model_lag(s.head() > s.read_model_position() ? s.head() - s.read_model_position() : 0);
    s.set_rebuilding(api.reads->read_model_status().rebuilding());
    s.set_subscriptions(api.reads->subscribers());
    s.set_max_subscription_lag(api.reads->max_subscription_lag());
    if (office) s.set_backup_dir(api.reads->backup_dir());
  }
  if (api.metrics) {
    s.set_http_connections(
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, api.metrics->http_connections)));
    s.set_websocket_connections(
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, api.metrics->websocket_connections)));
  }
  return to_json(s);
}

std::shared_ptr<const pb::TokenGrant> authenticated(const services& api, const http_request_view& req) {
  if (auto token = bearer_token(req.authorization)) return api.commands->authenticate(*token);
  return nullptr;
}

http_reply unauthenticated_reply() {
  return error_reply(app_error(errc::unauthenticated, "authorization",
                               "send a valid token: Authorization: Bearer <token>",
                               "Cần gửi token hợp lệ trong tiêu đề Authorization: Bearer <token>"));
}

// The reply names whom the token speaks for, for the access log.
http_server::responder signed_by(const pb::TokenGrant& grant, http_server::responder respond) {
  return [respond = std::move(respond), unit = grant.unit_id(), person = grant.person_name()](http_reply r) {
    r.unit = unit;
    r.person = person;
    respond(std::move(r));
  };
}

}  // namespace

http_server::handler make_http_routes(const services& api, const storage::event_log& log,
                                      const engine::wall_clock& clock) {
  const std::int64_t started = clock.now_ms();
  return [&api, &log, &clock, started](const http_request_view& req, http_server::responder respond) {
    auto target = parse_target(req.target);
    if (!target)
      return respond(error_reply(app_error(errc::bad_request, "target", "a broken percent-escape in the URL",
                                           "Địa chỉ URL có mã thoát % không hợp lệ")));
    const std::string& path = target->path;
    const bool posted = posted_path(path);
    if (req.method != (posted ? "POST" : "GET"))
      return respond(
          error_reply(posted ? app_error(errc::method_not_allowed, "method", path + " takes POST",
                                         path + " chỉ nhận phương thức POST")
                             : app_error(errc::method_not_allowed, "method",
                                         path + " takes GET; POST goes to /v1/commands and /v1/backups",
                                         path + " chỉ nhận GET; POST gửi tới /v1/commands và /v1/backups")));
    if (path == "/healthz")
      return respond({200, json_type, R"({"status":"ok","head":)" + std::to_string(log.head().value) + "}"});
    if (path == "/readyz") {
      // Ready once listening: the log is open and the demo data, if any, was loaded before the listener
      // started; the read models catch up on their own (queries can wait with at_least_position).
      return respond({200, json_type,
                      R"({"status":"ready","head":)" + std::to_string(log.head().value) +
                          R"(,"read_model_position":)" +
                          std::to_string(api.reads ? api.reads->read_model_position().value : 0) + "}"});
    }
    if (path == "/v1/status") {
      const auto grant = api.commands ? authenticated(api, req) : nullptr;
      return respond(
          {200, json_type,
           status_json(api, log, started, clock.now_ms(), grant && grant->role() == "ORGANIZER_OFFICE")});
    }
    if (path == "/metrics") {
      std::string body = log_metrics(log);
      if (api.metrics) body += api.metrics->render();
      if (api.reads) {
        append_metric(body, "thidua_read_model_position", "gauge", "Last position the read models applied.",
                      static_cast<double>(api.reads->read_model_position().value));
        append_metric(body, "thidua_subscriptions", "gauge", "Open subscriptions.",
                      static_cast<double>(api.reads->subscribers()));
        append_metric(body, "thidua_subscription_lag_events", "gauge",
                      "Events the furthest-behind subscription has not been handed yet.",
                      static_cast<double>(api.reads->max_subscription_lag()));
        append_metric(body, "thidua_inbox_read_model_position", "gauge",
                      "Last position the inbox read model (and the webhooks' outbox) applied.",
                      static_cast<double>(api.reads->inbox_position().value));
        append_metric(body, "thidua_inbox_subscriptions", "gauge", "Open inbox subscriptions.",
                      static_cast<double>(api.reads->inbox_subscribers()));
      }
      if (api.webhooks) append_webhook_metrics(body, *api.webhooks);
      if (api.commands) {
        const auto t = api.commands->timer_stats();
        append_metric(body, "thidua_deadline_timers_fired_total", "counter",
                      "Deadline timers fired (their notice decided) since the server started.",
                      static_cast<double>(t.fired));
        append_metric(
            body, "thidua_deadline_notices_recorded_total", "counter",
            "Deadline notices (DeadlineApproaching, StepOverdue) recorded since the server started.",
            static_cast<double>(t.recorded));
        append_metric(body, "thidua_deadline_timers_failed_total", "counter",
                      "Deadline timer firings that failed and wait to be tried again.",
                      static_cast<double>(t.failed));
      }
      return respond({200, "text/plain; version=0.0.4; charset=utf-8", std::move(body)});
    }
    if (!path.starts_with("/v1/") || !api.reads || !api.commands)
      return respond(error_reply(no_such_resource(path)));
    if (posted) {
      if (!target->params.empty())
        return respond(error_reply(app_error(
            errc::invalid_field, target->params.begin()->first,
            "unknown query parameter \"" + target->params.begin()->first + "\" (POST takes a JSON body)",
            "Tham số truy vấn không được hỗ trợ: \"" + target->params.begin()->first + "\"")));
      auto grant = authenticated(api, req);
      if (!grant) return respond(unauthenticated_reply());
      respond = signed_by(*grant, std::move(respond));
      if (path == "/v1/commands") return post_command(api, *grant, req.body, std::move(respond));
      return post_backup(api, std::move(grant), req.body, std::move(respond));
    }
    params_reader params(std::move(target->params));
    auto routed = route(path, params);
    if (auto* r = std::get_if<http_reply>(&routed)) return respond(std::move(*r));
    // Published: whoever holds a receipt checks it with this key, token or not.
    if (std::get<pb::Query>(routed).has_get_receipt_key()) {
      auto key = api.reads->query(pb::TokenGrant{}, std::get<pb::Query>(routed));
      // .pem: the key as a file, for `curl -o key.pub …` then `thidua verify --public-key key.pub`.
      if (key && path.ends_with(".pem"))
        return respond({200, "application/x-pem-file", key.value().receipt_key().public_key_pem()});
      return respond(answer(std::move(key)));
    }
    auto grant = authenticated(api, req);
    if (!grant) return respond(unauthenticated_reply());
    respond = signed_by(*grant, std::move(respond));
    if (path == "/v1/audit.csv" || path == "/v1/audit.ndjson") {
      auto e = std::make_shared<audit_export>();
      e->api = &api;
      e->grant = std::move(grant);
      e->query = std::get<pb::Query>(std::move(routed));
      if (e->query.audit().limit() == 0) e->query.mutable_audit()->set_limit(1000);
      e->format = path.ends_with(".csv") ? export_format::csv : export_format::ndjson;
      return e->first_page(std::move(respond));
    }
    // Waiting for the read models (at_least_position) happens off the network and projection threads.
    api.reads->query_when_applied(std::move(grant), std::get<pb::Query>(std::move(routed)),
                                  [respond](result<pb::QueryResult> r) { respond(answer(std::move(r))); });
  };
}

}  // namespace thidua::api

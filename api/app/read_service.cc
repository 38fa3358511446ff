#include "api/app/read_service.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <mutex>

#include "api/app/catalog_projection.h"
#include "api/app/membership_index.h"
#include "api/app/token_registry.h"
#include "api/wire/error_table.h"
#include "domain/cycle_decider.h"
#include "domain/read_access.h"
#include "domain/registry_decider.h"
#include "domain/views.h"
#include "engine/command_id.h"
#include "engine/projection_runner.h"

namespace thidua::api {
namespace {

domain::reader reader_of(const pb::TokenGrant& g) {
  domain::reader r;
  // Only grants whose role parses authenticate (role_of): value_or never hands out "unspecified" here.
  const domain::pb::Role role = role_of(g.role()).value_or(domain::pb::ROLE_UNSPECIFIED);
  r.role = role;
  r.unit_id = g.unit_id();
  r.organizer_id = g.organizer_id();
  r.stream_prefixes.assign(g.readable_stream_prefixes().begin(), g.readable_stream_prefixes().end());
  return r;
}

bool valid_id(const std::string& s, std::size_t max) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

pb::Error invalid(std::string field, std::string en, std::string vi) {
  return api_error(errc::invalid_field, std::move(field), std::move(en), std::move(vi));
}

pb::Error internal(const error& e) {
  return api_error(errc::internal, "", "the server could not read its log: " + e.message,
                   "Máy chủ không đọc được sổ sự kiện");
}

// Checks an optional cycle-key part ([A-Za-z0-9._-]); empty passes.
bool key_part_ok(const std::string& s) {
  return s.empty() || valid_id(s, 64);
}

}  // namespace

pb::Error read_model_behind(std::uint64_t position) {
  return api_error(
      errc::read_model_behind, "query.at_least_position",
      "the read models did not reach position " + std::to_string(position) + " within 5 s; retry",
      "Dữ liệu đọc chưa cập nhật tới vị trí yêu cầu; vui lòng thử lại");
}

struct read_service::impl {
  impl(storage::event_log& l, read_options o)
      : log(l),
        options(o),
        members(l),
        hub(l, o.hub,
            {.learn = [this](const std::vector<storage::event_ptr>& batch) { members.learn(batch); },
             .annotate = [this](const storage::stored_event& e) { return note_of(e); }}),
        runner(l, catalog) {}

  // What every subscription's filter wants to know of a cycle's event, worked out once per event.
  struct cycle_note {
    std::string cluster;
    membership_index::unit_list units;
  };
  engine::event_note note_of(const storage::stored_event& e) const {
    const std::string& stream = e.record.stream_id();
    if (domain::organizer_of_cycle_stream(stream).empty()) return {};
    cycle_note n{cluster_of_payload(e.record.payload()), nullptr};
    n.units = members.members(stream, n.cluster);
    return n;
  }

  storage::event_log& log;
  read_options options;
  // Learns each batch from the hub before the hub's filters see it (engine::hub_hooks).
  membership_index members;
  engine::subscription_hub hub;
  catalog_projection catalog;
  engine::projection_runner runner;

  // Recently encoded envelopes by position, one ring per encoding.
  static constexpr std::size_t ring_size = 8192;
  struct encoded_slot {
    std::uint64_t position = 0;
    std::shared_ptr<const std::string> bytes;
  };
  mutable std::mutex ring_mu;
  mutable std::vector<encoded_slot> rings[2] = {std::vector<encoded_slot>(ring_size),
                                                std::vector<encoded_slot>(ring_size)};

  bool readable(const domain::reader& r, const storage::pb::EventRecord& rec) const {
    const std::string& stream = rec.stream_id();
    if (domain::organizer_of_cycle_stream(stream).empty()) return domain::may_read(r, stream, {});
    return domain::may_read(r, stream, *members.members(stream, cluster_of_payload(rec.payload())));
  }

  std::optional<pb::Error> scan_views(std::string_view prefix,
                                      const std::function<void(std::string_view)>& each) const {
    auto r = log.projection_scan(catalog_projection::projection_name, prefix,
                                 [&](std::string_view, std::string_view value) {
                                   each(value);
                                   return true;
                                 });
    if (!r) return internal(r.error());
    return std::nullopt;
  }

  query_answer list_cycles(const domain::reader& reader, const pb::ListCycles& q, pb::QueryResult out) const;
  query_answer get_cycle(const domain::reader& reader, const pb::GetCycle& q, pb::QueryResult out) const;
  query_answer read_stream(const domain::reader& reader, const pb::ReadStream& q, pb::QueryResult out,
                           const read_service& self) const;
  query_answer read_log(const domain::reader& reader, const pb::ReadLog& q, pb::QueryResult out,
                        const read_service& self) const;
};

read_service::read_service(storage::event_log& log, read_options options)
    : impl_(std::make_unique<impl>(log, options)) {}

read_service::~read_service() {
  impl_->runner.stop();
}

result<void> read_service::start() {
  if (auto r = impl_->members.load(catalog_projection::projection_name); !r) return r.error();
  impl_->runner.start();
  return success();
}

void read_service::stop() {
  impl_->runner.stop();
}

void read_service::when_applied(storage::position p, std::chrono::milliseconds timeout,
                                std::function<void(bool)> done) {
  impl_->runner.when_applied(p, timeout, std::move(done));
}

storage::position read_service::head() const {
  return impl_->log.head();
}

storage::position read_service::read_model_position() const {
  return impl_->runner.checkpoint();
}

std::size_t read_service::subscribers() const {
  return impl_->hub.subscribers();
}

std::uint64_t read_service::max_subscription_lag() const {
  return impl_->hub.max_lag(impl_->log.head());
}

pb::EventEnvelope read_service::envelope(const storage::stored_event& e) const {
  const auto& r = e.record;
  pb::EventEnvelope env;
  env.set_position(r.position());
  env.set_stream_id(r.stream_id());
  env.set_stream_version(r.stream_version());
  env.set_type(r.event_type());
  env.set_recorded_at_ms(r.recorded_at_ms());
  env.set_actor_unit_id(r.actor().unit_id());
  env.set_actor_person(r.actor().person());
  env.set_actor_role(r.actor().role());
  // The id the client chose, without the scope that keeps it apart from other clients' ids.
  env.set_command_id(std::string(engine::client_command_id(r.command_id())));
  env.set_hash(storage::to_hex(e.hash));
  if (!domain::organizer_of_cycle_stream(r.stream_id()).empty()) {
    if (auto ev = domain::cycle_decider::decode(r.event_type(), r.payload())) *env.mutable_cycle() = *ev;
  } else if (domain::is_registry_stream(r.stream_id())) {
    if (auto ev = domain::registry_decider::decode(r.event_type(), r.payload()))
      *env.mutable_registry() = *ev;
  }
  return env;
}

std::shared_ptr<const std::string> read_service::encoded_envelope(const storage::stored_event& e,
                                                                  bool json) const {
  const std::uint64_t pos = e.pos().value;
  auto& slot = impl_->rings[json ? 1 : 0][pos % impl::ring_size];
  {
    std::lock_guard lk(impl_->ring_mu);
    if (slot.position == pos && slot.bytes) return slot.bytes;
  }
  auto bytes = std::make_shared<std::string>();
  const pb::EventEnvelope env = envelope(e);
  if (json) {
    google::protobuf::util::JsonPrintOptions o;
    o.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(env, bytes.get(), o).ok()) *bytes = "{}";
  } else {
    env.SerializeToString(bytes.get());
  }
  std::lock_guard lk(impl_->ring_mu);
  slot = {pos, bytes};
  return bytes;
}

read_service::query_answer read_service::query(const pb::TokenGrant& grant, const pb::Query& q) const {
  const domain::reader reader = reader_of(grant);
  pb::QueryResult out;
  out.set_read_model_position(impl_->runner.checkpoint().value);
  out.set_head(impl_->log.head().value);
  switch (q.what_case()) {
    case pb::Query::kListClusters: {
      const auto& f = q.list_clusters();
      if (!key_part_ok(f.organizer_id()))
        return invalid("list_clusters.organizer_id", "not a valid organizer id",
                       "Mã đơn vị tổ chức không hợp lệ");
      if (!key_part_ok(f.series()))
        return invalid("list_clusters.series", "not a valid series", "Mã khối thi đua không hợp lệ");
      std::string prefix(domain::cluster_view_prefix);
      if (!f.organizer_id().empty()) prefix += f.organizer_id() + "/";
      if (!f.organizer_id().empty() && !f.series().empty()) prefix += f.series() + "/";
      if (auto e = impl_->scan_views(prefix, [&](std::string_view v) {
            domain::pb::ClusterView c;
            if (c.ParseFromArray(v.data(), static_cast<int>(v.size())) &&
                (f.series().empty() || c.series() == f.series()))
              *out.add_clusters() = std::move(c);
          }))
        return *e;
      return out;
    }
    case pb::Query::kListUnits: {
      if (auto e = impl_->scan_views(domain::unit_view_prefix, [&](std::string_view v) {
            domain::pb::UnitView u;
            if (u.ParseFromArray(v.data(), static_cast<int>(v.size()))) *out.add_units() = std::move(u);
          }))
        return *e;
      return out;
    }
    case pb::Query::kListCycles:
      return impl_->list_cycles(reader, q.list_cycles(), std::move(out));
    case pb::Query::kGetCycle:
      return impl_->get_cycle(reader, q.get_cycle(), std::move(out));
    case pb::Query::kReadStream:
      return impl_->read_stream(reader, q.read_stream(), std::move(out), *this);
    case pb::Query::kReadLog:
      return impl_->read_log(reader, q.read_log(), std::move(out), *this);
    case pb::Query::WHAT_NOT_SET:
      break;
  }
  return api_error(errc::missing_field, "query.what", "the query names nothing to read",
                   "Truy vấn không nêu cần đọc gì");
}

read_service::query_answer read_service::impl::list_cycles(const domain::reader& reader,
                                                           const pb::ListCycles& q,
                                                           pb::QueryResult out) const {
  if (!key_part_ok(q.organizer_id()))
    return invalid("list_cycles.organizer_id", "not a valid organizer id", "Mã đơn vị tổ chức không hợp lệ");
  if (!key_part_ok(q.series()))
    return invalid("list_cycles.series", "not a valid series", "Mã khối thi đua không hợp lệ");
  std::string number;
  if (!q.number().empty()) {
    number = domain::normalize_cluster_number(q.number());
    if (number.empty())
      return invalid("list_cycles.number", "a cluster number is a number or a Roman numeral (\"II\", \"2\")",
                     "Số cụm phải là số hoặc số La Mã (\"II\", \"2\")");
  }
  std::string prefix(domain::cycle_view_prefix);
  if (!q.organizer_id().empty()) {
    prefix += q.organizer_id() + "/";
    if (!q.series().empty()) prefix += q.series() + "/";
  }
  if (auto e = scan_views(prefix, [&](std::string_view v) {
        domain::pb::CycleView c;
        if (!c.ParseFromArray(v.data(), static_cast<int>(v.size()))) return;
        if (!q.series().empty() && c.key().series() != q.series()) return;
        if (q.year() != 0 && c.key().year() != q.year()) return;
        if (!number.empty() && c.key().number() != number) return;
        const std::vector<std::string> units(c.member_unit_ids().begin(), c.member_unit_ids().end());
        if (domain::may_read(reader, c.stream_id(), units)) *out.add_cycles() = std::move(c);
      }))
    return *e;
  return out;
}

read_service::query_answer read_service::impl::get_cycle(const domain::reader& reader, const pb::GetCycle& q,
                                                         pb::QueryResult out) const {
  if (!valid_id(q.organizer_id(), 64))
    return invalid("get_cycle.organizer_id", "an organizer id is required ([A-Za-z0-9._-])",
                   "Cần mã đơn vị tổ chức hợp lệ");
  if (!valid_id(q.series(), 64))
    return invalid("get_cycle.series", "a series is required ([A-Za-z0-9._-])", "Cần mã khối thi đua hợp lệ");
  if (q.year() < 2000 || q.year() > 2100)
    return invalid("get_cycle.year", "the year must be between 2000 and 2100", "Năm phải từ 2000 đến 2100");
  const std::string number = domain::normalize_cluster_number(q.number());
  if (number.empty())
    return invalid("get_cycle.number", "a cluster number is a number or a Roman numeral (\"II\", \"2\")",
                   "Số cụm phải là số hoặc số La Mã (\"II\", \"2\")");
  auto got = log.projection_get(catalog_projection::projection_name,
                                domain::cycle_view_key(q.organizer_id(), q.series(), q.year(), number));
  if (!got) return internal(got.error());
  domain::pb::CycleView c;
  if (!got.value() || !c.ParseFromString(*got.value()))
    return api_error(errc::not_found, "get_cycle",
                     "no such cycle (yet: pass at_least_position to read your writes)",
                     "Không có chu kỳ thi đua này");
  const std::vector<std::string> units(c.member_unit_ids().begin(), c.member_unit_ids().end());
  if (!domain::may_read(reader, c.stream_id(), units))
    return api_error(errc::forbidden, "get_cycle", "this token may not read this cycle",
                     "Token này không được xem chu kỳ thi đua này");
  *out.add_cycles() = std::move(c);
  return out;
}

read_service::query_answer read_service::impl::read_stream(const domain::reader& reader,
                                                           const pb::ReadStream& q, pb::QueryResult out,
                                                           const read_service& self) const {
  if (q.stream_id().empty() || q.stream_id().size() > 256)
    return invalid("read_stream.stream_id", "a stream id is required", "Cần mã dòng sự kiện");
  const bool known =
      domain::is_registry_stream(q.stream_id()) || !domain::organizer_of_cycle_stream(q.stream_id()).empty();
  // Which events of a known stream a token sees is decided per event below; other streams nobody reads.
  if (!known)
    return api_error(errc::forbidden, "read_stream.stream_id", "this token may not read this stream",
                     "Token này không được đọc dòng sự kiện này");
  const std::uint32_t limit = q.limit() == 0 ? options.max_events : std::min(q.limit(), options.max_events);
  const std::uint64_t from = std::max<std::uint64_t>(q.from_version(), 1);
  auto events = log.read_stream(q.stream_id(), {from}, limit);
  if (!events && events.error().code == storage::errc::invalid_stream_id)
    return invalid("read_stream.stream_id", events.error().message, "Mã dòng sự kiện không hợp lệ");
  if (!events) return internal(events.error());
  for (const auto& e : events.value())
    if (readable(reader, e->record)) *out.add_events() = self.envelope(*e);
  if (events.value().size() == limit)
    out.set_next_version(events.value().back()->record.stream_version() + 1);
  return out;
}

read_service::query_answer read_service::impl::read_log(const domain::reader& reader, const pb::ReadLog& q,
                                                        pb::QueryResult out, const read_service& self) const {
  const std::uint32_t limit = q.limit() == 0 ? options.max_events : std::min(q.limit(), options.max_events);
  const std::uint64_t head = log.head().value;
  std::uint64_t from = q.from_position();
  if (q.backward() && (from == 0 || from > head)) from = head;
  if (!q.backward()) from = std::max<std::uint64_t>(from, 1);
  if (from == 0) return out;  // an empty log, read backward
  auto events =
      log.read_all({from}, limit, q.backward() ? storage::direction::backward : storage::direction::forward);
  if (!events) return internal(events.error());
  for (const auto& e : events.value())
    if (readable(reader, e->record)) *out.add_events() = self.envelope(*e);
  if (events.value().size() == limit) {
    const std::uint64_t last = events.value().back()->pos().value;
    out.set_next_position(q.backward() ? (last > 1 ? last - 1 : 0) : last + 1);
  }
  return out;
}

read_service::subscribe_answer read_service::subscribe(const pb::TokenGrant& grant, const pb::Subscribe& s,
                                                       std::function<void()> ready) {
  if (!valid_id(s.subscription_id(), 64))
    return invalid("subscribe.subscription_id", "a subscription id is required: [A-Za-z0-9._-], at most 64",
                   "Cần mã đăng ký theo dõi: [A-Za-z0-9._-], tối đa 64 ký tự");
  if (!key_part_ok(s.organizer_id()))
    return invalid("subscribe.organizer_id", "not a valid organizer id", "Mã đơn vị tổ chức không hợp lệ");
  if (!key_part_ok(s.series()))
    return invalid("subscribe.series", "not a valid series", "Mã khối thi đua không hợp lệ");
  if (s.organizer_id().empty() && (!s.series().empty() || !s.number().empty() || s.year() != 0))
    return invalid("subscribe.organizer_id", "series, number and year narrow an organizer: name it too",
                   "Khối, số cụm và năm đi kèm đơn vị tổ chức: cần nêu cả đơn vị tổ chức");
  if (s.series().empty() && (!s.number().empty() || s.year() != 0))
    return invalid("subscribe.series", "number and year narrow a series: name it too",
                   "Số cụm và năm đi kèm khối thi đua: cần nêu cả khối");
  if (s.year() != 0 && (s.year() < 2000 || s.year() > 2100))
    return invalid("subscribe.year", "the year must be between 2000 and 2100", "Năm phải từ 2000 đến 2100");
  std::string number;
  if (!s.number().empty()) {
    number = domain::normalize_cluster_number(s.number());
    if (number.empty())
      return invalid("subscribe.number", "a cluster number is a number or a Roman numeral (\"II\", \"2\")",
                     "Số cụm phải là số hoặc số La Mã (\"II\", \"2\")");
  }
  if (!s.unit_id().empty() && !valid_id(s.unit_id(), 64))
    return invalid("subscribe.unit_id", "not a valid unit id", "Mã đơn vị không hợp lệ");
  for (const auto& t : s.event_types())
    if (!domain::cycle_decider::known_event_type(t) && !domain::registry_decider::known_event_type(t))
      return invalid("subscribe.event_types", "unknown event type \"" + t + "\" (docs/events.md)",
                     "Loại sự kiện không tồn tại: \"" + t + "\"");
  const std::uint64_t head = impl_->log.head().value;
  if (s.from_position() > head + 1)
    return invalid("subscribe.from_position",
                   "beyond the head of the log (" + std::to_string(head) + "); 0 subscribes from now",
                   "Vượt quá vị trí cuối của sổ sự kiện; 0 để theo dõi từ bây giờ");

  engine::event_filter filter;
  if (!s.organizer_id().empty()) {
    std::string prefix = "cycles/" + s.organizer_id() + "/";
    if (!s.series().empty()) {
      prefix += s.series() + "/";
      if (s.year() != 0) prefix += std::to_string(s.year());
    }
    filter.stream_prefixes.push_back(std::move(prefix));
  }
  filter.event_types.assign(s.event_types().begin(), s.event_types().end());
  filter.allow = [reader = reader_of(grant), number, unit = s.unit_id()](const storage::stored_event& e,
                                                                         const engine::event_note& note) {
    const std::string& stream = e.record.stream_id();
    const auto* cycle = std::any_cast<impl::cycle_note>(&note);
    if (!cycle) return number.empty() && unit.empty() && domain::may_read(reader, stream, {});
    if (!number.empty() && cycle->cluster != number) return false;
    const auto& units = *cycle->units;
    if (!unit.empty() && std::find(units.begin(), units.end(), unit) == units.end()) return false;
    return domain::may_read(reader, stream, units);
  };
  return impl_->hub.subscribe(std::move(filter), {s.from_position()}, std::move(ready));
}

}  // namespace thidua::api

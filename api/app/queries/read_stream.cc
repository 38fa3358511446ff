#include "api/app/envelope.h"
#include "api/app/queries/query_context.h"
#include "domain/streams.h"

namespace thidua::api {

result<pb::QueryResult> read_stream(const query_context& c, const pb::ReadStream& q, pb::QueryResult out) {
  if (q.stream_id().empty() || q.stream_id().size() > 256)
    return invalid("read_stream.stream_id", "a stream id is required", "Cần mã dòng sự kiện");
  const bool known = domain::kind_of_stream(q.stream_id()) != domain::stream_kind::other ||
                     !domain::inbox_of_stream(q.stream_id()).empty();
  // Which events of a known stream (or an inbox's) a token sees is decided per event below; other streams
  // nobody reads.
  if (!known)
    return app_error(errc::forbidden, "read_stream.stream_id", "this token may not read this stream",
                     "Token này không được đọc dòng sự kiện này");
  const std::uint32_t limit = c.page(q.limit());
  const std::uint64_t from = std::max<std::uint64_t>(q.from_version(), 1);
  auto events = c.log.read_stream(q.stream_id(), {from}, limit);
  if (!events && events.error().code == storage::errc::invalid_stream_id)
    return invalid("read_stream.stream_id", events.error().message, "Mã dòng sự kiện không hợp lệ");
  if (!events) return unreadable_log(events.error());
  for (const auto& e : events.value())
    if (c.readable(e->record)) *out.add_events() = envelope_of(*e);
  if (events.value().size() == limit)
    out.set_next_version(events.value().back()->record.stream_version() + 1);
  return out;
}

}  // namespace thidua::api

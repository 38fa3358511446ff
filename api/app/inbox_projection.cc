#include "api/app/inbox_projection.h"

#include <algorithm>
#include <charconv>
#include <deque>

#include "api/app/position_key.h"
#include "api/app/token_registry.h"
#include "api/app/vietnam_time.h"
#include "api/app/webhook_decider.h"
#include "domain/notices.h"
#include "domain/streams.h"
#include "engine/errc.h"

namespace thidua::api {
namespace {

// Adds `delta` to the counter under `key`.
result<void> add_to(engine::projection_context& ctx, const std::string& key, std::int64_t delta) {
  auto stored = ctx.get(key);
  if (!stored) return stored.error();
  const std::uint64_t n = counter_value(stored.value());
  ctx.put(key, std::to_string(delta < 0 && n == 0 ? 0 : n + delta));
  return success();
}

std::string cycle_of(const domain::pb::NoticeAudience& a) {
  return a.key().organizer_id() + "/" + a.key().series() + "/" + a.key().number() + "/" +
         std::to_string(a.key().year());
}

std::string link_of(const domain::pb::NoticeAudience& a) {
  return "/v1/cycles/" + a.key().organizer_id() + "/" + a.key().series() + "/" +
         std::to_string(a.key().year()) + "/" + a.key().number() + "/full";
}

error undecodable(std::string_view what, std::uint64_t position) {
  return make_error(engine::errc::undecodable_event, "inbox: undecodable " + std::string(what) +
                                                         " event at position " + std::to_string(position));
}

}  // namespace

std::string inbox_projection::person_key(const std::string& person) {
  return token_hash(person).substr(0, 16);
}

std::string inbox_projection::notice_prefix(const std::string& inbox) {
  return "n/" + inbox + "/";
}

void inbox_projection::begin_step(engine::projection_context&) {
  step_.emplace();
}

result<void> inbox_projection::apply(const storage::record_view& record, engine::projection_context& ctx) {
  if (!step_) step_.emplace();
  const auto kind = domain::kind_of_stream(record.stream_id);
  if (kind == domain::stream_kind::registry) {
    auto decoded = domain::decode_event(record.stream_id, record.event_type, record.payload);
    const auto* e = std::get_if<domain::pb::RegistryEvent>(&decoded.event);
    if (!e) return undecodable("registry", record.position);
    if (e->has_unit_registered()) ctx.put("u/" + e->unit_registered().unit_id(), e->unit_registered().name());
    if (e->has_unit_renamed()) ctx.put("u/" + e->unit_renamed().unit_id(), e->unit_renamed().name());
    return success();
  }
  if (const auto hooks = inbox_of_webhook_stream(record.stream_id); !hooks.empty())
    return apply_webhook(record, hooks, ctx);
  if (const auto inbox = domain::inbox_of_stream(record.stream_id); !inbox.empty()) {
    pb::InboxEvent e;
    if (!e.ParseFromArray(record.payload.data(), static_cast<int>(record.payload.size())))
      return undecodable("inbox", record.position);
    const bool read = e.has_notices_read();
    const auto& person = read ? e.notices_read().person() : e.notices_unread().person();
    const auto& positions = read ? e.notices_read().positions() : e.notices_unread().positions();
    const std::string marks = "r/" + inbox + "/" + person_key(person) + "/";
    std::int64_t delta = 0;
    for (auto p : positions) {
      const std::string key = marks + position_key(p);
      auto stored = ctx.get(key);
      if (!stored) return stored.error();
      if (read && !stored.value()) {
        ctx.put(key, "");
        ++delta;
      } else if (!read && stored.value()) {
        ctx.erase(key);
        --delta;
      }
    }
    if (delta != 0) {
      if (auto added = add_to(ctx, "c/" + inbox + "/" + person_key(person), delta); !added) return added;
      step_->changed[inbox] = record.position;
    }
    return success();
  }
  if (kind != domain::stream_kind::cycle) return success();
  // The commonest event tells no one anything and changes no audience: not even decoded.
  if (record.event_type == "ActivityRecorded") return success();
  auto decoded = domain::decode_event(record.stream_id, record.event_type, record.payload);
  const auto* e = std::get_if<domain::pb::Event>(&decoded.event);
  if (!e) return undecodable("cycle", record.position);
  const std::string audience_key = "a/" + std::string(record.stream_id) + "|" + e->cluster();
  auto stored = ctx.get(audience_key);
  if (!stored) return stored.error();
  domain::pb::NoticeAudience audience;
  if (stored.value() && !audience.ParseFromString(*stored.value()))
    return undecodable("audience of a cycle", record.position);
  std::optional<error> failure;
  const auto name = [&](const std::string& unit) {
    auto n = ctx.get("u/" + unit);
    if (!n) failure = n.error();
    return n && n.value() ? *n.value() : unit;
  };
  const auto notices = domain::notices_of(audience, *e, name);
  if (failure) return *failure;
  if (domain::changes_audience(*e)) {
    domain::fold_audience(audience, *e);
    ctx.put(audience_key, audience.SerializeAsString());
  }
  if (notices.empty()) return success();
  pb::Notice n;
  n.set_position(record.position);
  n.set_event_type(std::string(record.event_type));
  n.set_recorded_at_ms(record.recorded_at_ms);
  n.set_recorded_at(vietnam_time(record.recorded_at_ms));
  // The opening's own audience names the cycle (the one before it is empty).
  n.set_cycle(cycle_of(audience));
  n.set_link(link_of(audience));
  for (const auto& notice : notices) {
    n.set_kind(notice.kind);
    n.set_text_vi(notice.text_vi);
    n.set_text_en(notice.text_en);
    n.set_needs_action(notice.needs_action);
    const std::string bytes = n.SerializeAsString();
    ctx.put(notice_prefix(notice.inbox) + position_key(record.position), bytes);
    if (auto queued = queue_for_webhooks(ctx, notice.inbox, notice.kind, record.position, bytes); !queued)
      return queued;
    if (auto added = add_to(ctx, "t/" + notice.inbox, 1); !added) return added;
    step_->changed[notice.inbox] = record.position;
  }
  return success();
}

result<void> inbox_projection::apply_webhook(const storage::record_view& record, const std::string& inbox,
                                             engine::projection_context& ctx) {
  pb::WebhookEvent e;
  if (!e.ParseFromArray(record.payload.data(), static_cast<int>(record.payload.size())))
    return undecodable("webhook", record.position);
  auto listed = ctx.get("wi/" + inbox);
  if (!listed) return listed.error();
  std::string ids = listed.value().value_or("");
  if (e.has_added()) {
    ctx.put(webhook_key(e.added().webhook_id()), e.added().SerializeAsString());
    ids += (ids.empty() ? "" : ",") + e.added().webhook_id();
    ctx.put("wi/" + inbox, ids);
  } else if (e.has_removed()) {
    std::string kept;
    for (const auto& id : split_ids(ids))
      if (id != e.removed().webhook_id()) kept += (kept.empty() ? "" : ",") + id;
    ctx.put("wi/" + inbox, kept);
    ctx.put("wx/" + e.removed().webhook_id(), e.removed().reason());
  } else if (e.has_resumed()) {
    if (auto added = add_to(ctx, "wr/" + e.resumed().webhook_id(), 1); !added) return added;
  }
  return success();
}

result<void> inbox_projection::queue_for_webhooks(engine::projection_context& ctx, const std::string& inbox,
                                                  const std::string& kind, std::uint64_t position,
                                                  const std::string& notice) {
  auto listed = ctx.get("wi/" + inbox);
  if (!listed) return listed.error();
  if (!listed.value()) return success();
  for (const auto& id : split_ids(*listed.value())) {
    auto stored = ctx.get(webhook_key(id));
    if (!stored) return stored.error();
    pb::WebhookAdded hook;
    if (!stored.value() || !hook.ParseFromString(*stored.value())) continue;
    if (hook.kinds_size() > 0 &&
        std::find(hook.kinds().begin(), hook.kinds().end(), kind) == hook.kinds().end())
      continue;
    ctx.put(outbox_prefix(id) + position_key(position), notice);
  }
  return success();
}

std::vector<std::string> inbox_projection::split_ids(const std::string& ids) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < ids.size();) {
    const auto comma = std::min(ids.find(',', at), ids.size());
    out.push_back(ids.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

std::string inbox_projection::webhook_key(const std::string& id) {
  return "w/" + id;
}

std::string inbox_projection::outbox_prefix(const std::string& id) {
  return "o/" + id + "/";
}

result<void> inbox_projection::end_step(engine::projection_context&) {
  if (!step_) return success();
  {
    std::lock_guard lock(changed_mutex_);
    for (const auto& [inbox, position] : step_->changed) changed_[inbox] = position;
  }
  step_.reset();
  return success();
}

std::set<std::string> inbox_projection::take_changed(std::uint64_t applied) {
  std::set<std::string> out;
  std::lock_guard lock(changed_mutex_);
  for (auto it = changed_.begin(); it != changed_.end();) {
    if (it->second <= applied) {
      out.insert(it->first);
      it = changed_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

result<inbox_reader::counts> inbox_reader::count(const std::string& inbox, const std::string& person) const {
  auto total = log_.projection_get(model_, "t/" + inbox);
  if (!total) return total.error();
  auto read = log_.projection_get(model_, "c/" + inbox + "/" + inbox_projection::person_key(person));
  if (!read) return read.error();
  return counts{counter_value(total.value()), counter_value(read.value())};
}

result<bool> inbox_reader::is_read(const std::string& inbox, const std::string& person_key,
                                   std::uint64_t position) const {
  auto mark = log_.projection_get(model_, "r/" + inbox + "/" + person_key + "/" + position_key(position));
  if (!mark) return mark.error();
  return mark.value().has_value();
}

result<bool> inbox_reader::has_notice(const std::string& inbox, std::uint64_t position) const {
  auto n = log_.projection_get(model_, inbox_projection::notice_prefix(inbox) + position_key(position));
  if (!n) return n.error();
  return n.value().has_value();
}

result<std::vector<pb::Notice>> inbox_reader::after(const std::string& inbox, const std::string& person,
                                                    std::uint64_t after, std::size_t max) const {
  const std::string prefix = inbox_projection::notice_prefix(inbox);
  const std::string from = prefix + position_key(after);
  const std::string pk = inbox_projection::person_key(person);
  std::vector<pb::Notice> out;
  std::optional<error> failure;
  auto scanned =
      log_.projection_scan_from(model_, prefix, from + '\x01', [&](std::string_view, std::string_view value) {
        pb::Notice n;
        if (!n.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
        auto read = is_read(inbox, pk, n.position());
        if (!read) {
          failure = read.error();
          return false;
        }
        n.set_read(read.value());
        out.push_back(std::move(n));
        return out.size() < max;
      });
  if (!scanned) return scanned.error();
  if (failure) return *failure;
  return out;
}

result<std::vector<std::uint64_t>> inbox_reader::unread_up_to(const std::string& inbox,
                                                              const std::string& person, std::uint64_t up_to,
                                                              std::size_t max) const {
  const std::string prefix = inbox_projection::notice_prefix(inbox);
  const std::string last = prefix + position_key(up_to);
  const std::string pk = inbox_projection::person_key(person);
  std::vector<std::uint64_t> out;
  std::optional<error> failure;
  auto scanned = log_.projection_scan(model_, prefix, [&](std::string_view key, std::string_view) {
    if (key > last) return false;
    std::uint64_t p = 0;
    const auto digits = key.substr(prefix.size());
    std::from_chars(digits.data(), digits.data() + digits.size(), p);
    auto read = is_read(inbox, pk, p);
    if (!read) {
      failure = read.error();
      return false;
    }
    if (!read.value()) out.push_back(p);
    return out.size() < max;
  });
  if (!scanned) return scanned.error();
  if (failure) return *failure;
  return out;
}

result<pb::Inbox> inbox_reader::page(const std::string& inbox, const std::string& person,
                                     const pb::GetInbox& q) const {
  pb::Inbox out;
  out.set_inbox(inbox);
  auto c = count(inbox, person);
  if (!c) return c.error();
  out.set_total(c.value().total);
  out.set_unread(c.value().unread());
  const std::uint32_t limit = q.limit() == 0 ? 50 : std::min<std::uint32_t>(q.limit(), 200);
  // Newest first: the notices are read in key order and the last `limit` before the cursor kept.
  const std::string prefix = inbox_projection::notice_prefix(inbox);
  const std::string before = prefix + position_key(q.before_position() ? q.before_position() : UINT64_MAX);
  const std::string pk = inbox_projection::person_key(person);
  std::deque<pb::Notice> kept;
  bool more = false;
  std::optional<error> failure;
  auto scanned = log_.projection_scan(model_, prefix, [&](std::string_view key, std::string_view value) {
    if (key >= before) return false;
    pb::Notice n;
    if (!n.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
    if (q.unread_only()) {
      auto read = is_read(inbox, pk, n.position());
      if (!read) {
        failure = read.error();
        return false;
      }
      if (read.value()) return true;
      n.set_read(false);  // known: not read again below
    }
    kept.push_back(std::move(n));
    if (kept.size() > limit) {
      kept.pop_front();
      more = true;
    }
    return true;
  });
  if (!scanned) return scanned.error();
  if (failure) return *failure;
  // The oldest notice of the page is where the next page ends.
  if (more && !kept.empty()) out.set_next_before_position(kept.front().position());
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    if (!q.unread_only()) {
      auto read = is_read(inbox, pk, it->position());
      if (!read) return read.error();
      it->set_read(read.value());
    }
    *out.add_notices() = std::move(*it);
  }
  return out;
}

}  // namespace thidua::api

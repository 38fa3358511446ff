#include "engine/subscription_hub.h"

#include <algorithm>

namespace thidua::engine {

bool event_filter::matches(const storage::stored_event& e, const event_note& note) const {
  const auto& r = e.record;
  if (!stream_prefixes.empty() &&
      std::none_of(stream_prefixes.begin(), stream_prefixes.end(),
                   [&](const std::string& p) { return r.stream_id().starts_with(p); }))
    return false;
  if (!event_types.empty() &&
      std::find(event_types.begin(), event_types.end(), r.event_type()) == event_types.end())
    return false;
  return !allow || allow(e, note);
}

subscription::subscription(subscription_hub& hub, event_filter filter, storage::position from,
                           std::function<void()> ready)
    : hub_(hub),
      filter_(std::move(filter)),
      ready_(std::move(ready)),
      next_(std::max<std::uint64_t>(from.value, 1)) {}

void subscription::on_batch(const std::vector<storage::event_ptr>& batch,
                            const std::vector<event_note>& notes, std::size_t capacity) {
  static const event_note no_note;
  bool wake = false;
  {
    std::lock_guard lk(mu_);
    if (mode_ != mode::live) return;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto& e = batch[i];
      const std::uint64_t pos = e->pos().value;
      if (pos < next_) continue;  // already delivered from the log while catching up
      if (filter_.matches(*e, notes.empty() ? no_note : notes[i])) {
        if (queue_.size() >= capacity) {
          // Overflow: stop queueing and let the consumer read the rest from the log. next_ stays at the first
          // event not queued, so nothing is lost and nothing repeats.
          mode_ = mode::catching_up;
          ++overflows_;
          break;
        }
        queue_.push_back(e);
      }
      next_ = pos + 1;
    }
    wake = waiting_ && (!queue_.empty() || mode_ == mode::catching_up);
    if (wake) waiting_ = false;
  }
  if (wake && ready_) ready_();
}

result<std::vector<subscription::item>> subscription::poll(std::size_t max) {
  std::vector<item> out;
  std::uint64_t from = 0;
  {
    std::lock_guard lk(mu_);
    if (mode_ == mode::closed) return out;
    while (!queue_.empty() && out.size() < max) {
      out.push_back({std::move(queue_.front()), {}});
      queue_.pop_front();
    }
    if (marker_pending_ && queue_.empty() && out.size() < max) {
      out.push_back({nullptr, {marker_head_}});
      marker_pending_ = false;
    }
    if (!out.empty() || mode_ != mode::catching_up) {
      if (out.empty()) waiting_ = true;
      return out;
    }
    from = next_;
  }
  // Catching up: read pages from the log outside every lock until something matches or the subscriber is
  // live. Never return empty while catching up: the consumer would wait for news that may already be in the
  // log.
  const std::size_t page = std::max<std::size_t>(1, std::min(max, hub_.options_.catchup_page));
  for (;;) {
    std::uint64_t scanned_to = from - 1;
    bool short_page = false;
    while (out.empty() && !short_page) {
      auto events = hub_.log_.read_all({scanned_to + 1}, page);
      if (!events) return events.error();
      for (auto& e : events.value()) {
        scanned_to = e->pos().value;
        if (filter_.matches(*e, hub_.note_of(*e))) out.push_back({std::move(e), {}});
      }
      short_page = events.value().size() < page;
    }
    std::lock_guard hub_lock(hub_.mu_);
    std::lock_guard lk(mu_);
    if (mode_ == mode::closed) return std::vector<item>{};
    next_ = scanned_to + 1;
    // Live again once everything the hub has published is behind us: the hub's next batch starts after it.
    if (short_page && next_ > hub_.last_published_) {
      mode_ = mode::live;
      if (out.size() < max) {
        out.push_back({nullptr, {next_ - 1}});
      } else {
        marker_pending_ = true;
        marker_head_ = next_ - 1;
      }
    }
    if (!out.empty()) return out;
    from = next_;  // the hub published past what we read: read on
  }
}

storage::position subscription::next_position() const {
  std::lock_guard lk(mu_);
  return {queue_.empty() ? next_ : queue_.front()->pos().value};
}

bool subscription::live() const {
  std::lock_guard lk(mu_);
  return mode_ == mode::live;
}

std::uint64_t subscription::overflows() const {
  std::lock_guard lk(mu_);
  return overflows_;
}

std::size_t subscription::queued() const {
  std::lock_guard lk(mu_);
  return queue_.size();
}

void subscription::close() {
  hub_.detach(this);
}

subscription_hub::subscription_hub(storage::event_log& log, hub_options options, hub_hooks hooks)
    : log_(log), options_(options), hooks_(std::move(hooks)) {
  // The log's thread only hands the batch over: filters run on the fan-out thread.
  listener_id_ = log_.add_commit_listener([this](const std::vector<storage::event_ptr>& batch) {
    fan_out_.post([this, batch] { publish(batch); });
  });
  // Everything durable before now is history for subscribers, who can only arrive after the constructor.
  std::lock_guard lk(mu_);
  last_published_ = std::max(last_published_, log_.head().value);
}

subscription_hub::~subscription_hub() {
  log_.remove_commit_listener(listener_id_);
}

std::shared_ptr<subscription> subscription_hub::subscribe(event_filter filter, storage::position from,
                                                          std::function<void()> on_ready) {
  std::shared_ptr<subscription> s(new subscription(*this, std::move(filter), from, std::move(on_ready)),
                                  [](subscription* p) {
                                    p->close();
                                    delete p;
                                  });
  std::lock_guard lk(mu_);
  if (from.value == 0) {
    // From now: live at once, starting after everything durable (batches still on their way to the fan-out
    // thread are skipped up to there).
    const std::uint64_t now = std::max(last_published_, log_.head().value);
    std::lock_guard sl(s->mu_);
    s->mode_ = subscription::mode::live;
    s->next_ = now + 1;
    s->marker_pending_ = true;
    s->marker_head_ = now;
  }
  subs_.push_back(s.get());
  return s;
}

void subscription_hub::detach(subscription* s) {
  std::lock_guard lk(mu_);
  std::erase(subs_, s);
  std::lock_guard sl(s->mu_);
  s->mode_ = subscription::mode::closed;
  s->queue_.clear();
}

event_note subscription_hub::note_of(const storage::stored_event& e) const {
  return hooks_.annotate ? hooks_.annotate(e) : event_note{};
}

void subscription_hub::publish(const std::vector<storage::event_ptr>& batch) {
  if (hooks_.learn) hooks_.learn(batch);
  std::vector<event_note> notes;
  if (hooks_.annotate) {
    notes.reserve(batch.size());
    for (const auto& e : batch) notes.push_back(hooks_.annotate(*e));
  }
  std::lock_guard lk(mu_);
  for (auto* s : subs_) s->on_batch(batch, notes, options_.queue_capacity);
  if (!batch.empty()) last_published_ = std::max(last_published_, batch.back()->pos().value);
}

std::size_t subscription_hub::subscribers() const {
  std::lock_guard lk(mu_);
  return subs_.size();
}

std::uint64_t subscription_hub::max_lag(storage::position head) const {
  std::uint64_t lag = 0;
  std::lock_guard lk(mu_);
  for (const subscription* s : subs_) {
    std::lock_guard sl(s->mu_);
    // Queued events count as not handed yet: they wait in memory for the consumer.
    const std::uint64_t next = s->queue_.empty() ? s->next_ : s->queue_.front()->pos().value;
    if (head.value + 1 > next) lag = std::max(lag, head.value + 1 - next);
  }
  return lag;
}

storage::position subscription_hub::last_published() const {
  std::lock_guard lk(mu_);
  return {last_published_};
}

}  // namespace thidua::engine

#include "api/app/inbox_subscriptions.h"

#include <pthread.h>

#include "api/app/inbox_projection.h"
#include "engine/projection_runner.h"

namespace thidua::api {

inbox_subscription::inbox_subscription(const storage::event_log& log, std::function<std::string()> model,
                                       std::string id, std::string inbox, std::string person,
                                       std::uint64_t after, std::function<void()> ready)
    : log_(log),
      model_(std::move(model)),
      id_(std::move(id)),
      inbox_(std::move(inbox)),
      person_(std::move(person)),
      delivered_(after),
      ready_(std::move(ready)) {}

result<std::optional<pb::InboxUpdate>> inbox_subscription::poll(std::size_t max) {
  if (closed_) return std::optional<pb::InboxUpdate>();
  const inbox_reader reader(log_, model_());
  auto notices = reader.after(inbox_, person_, delivered_, max);
  if (!notices) return notices.error();
  auto counts = reader.count(inbox_, person_);
  if (!counts) return counts.error();
  const std::uint64_t unread = counts.value().unread();
  if (notices.value().empty() && unread_sent_ == unread) return std::optional<pb::InboxUpdate>();
  pb::InboxUpdate u;
  u.set_subscription_id(id_);
  u.set_inbox(inbox_);
  u.set_total(counts.value().total);
  u.set_unread(unread);
  for (auto& n : notices.value()) {
    delivered_ = n.position();
    *u.add_notices() = std::move(n);
  }
  unread_sent_ = unread;
  return std::optional<pb::InboxUpdate>(std::move(u));
}

inbox_watch::inbox_watch(inbox_projection& projection, engine::projection_runner& runner)
    : projection_(projection), runner_(runner) {}

inbox_watch::~inbox_watch() {
  stop();
}

void inbox_watch::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "inbox-watch");
    loop();
  });
}

void inbox_watch::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void inbox_watch::add(const std::shared_ptr<inbox_subscription>& s) {
  std::lock_guard lock(mutex_);
  by_inbox_.emplace(s->inbox(), s);
}

std::size_t inbox_watch::subscribers() const {
  std::lock_guard lock(mutex_);
  std::size_t open = 0;
  for (const auto& [inbox, weak] : by_inbox_)
    if (auto s = weak.lock(); s && !s->closed()) ++open;
  return open;
}

void inbox_watch::loop() {
  std::uint64_t seen = 0;
  while (!stopping_) {
    // Looks at the checkpoint ten times a second rather than waiting on the runner: a waiter would make the
    // runner commit every batch at once instead of letting bursts gather.
    {
      std::unique_lock lock(stop_mutex_);
      stop_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping_.load(); });
    }
    const auto applied = runner_.checkpoint().value;
    if (applied == seen) continue;
    seen = applied;
    const auto changed = projection_.take_changed(applied);
    if (changed.empty()) continue;
    std::vector<std::shared_ptr<inbox_subscription>> told;
    {
      std::lock_guard lock(mutex_);
      for (auto it = by_inbox_.begin(); it != by_inbox_.end();) {
        auto s = it->second.lock();
        if (!s || s->closed()) {
          it = by_inbox_.erase(it);
          continue;
        }
        if (changed.count(it->first)) told.push_back(std::move(s));
        ++it;
      }
    }
    // Outside the lock: a connection may subscribe again from its callback.
    for (const auto& s : told) s->notify();
  }
}

}  // namespace thidua::api

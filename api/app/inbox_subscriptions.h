#pragma once
// The live inboxes of the WebSocket API: a subscription per connection and inbox, told when the inbox read
// model applied a change to its inbox (a notice, a read mark), and polled by its connection for the update.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/app/proto/inbox.pb.h"
#include "storage/event_log.h"

namespace thidua::engine {
class projection_runner;
}

namespace thidua::api {

class inbox_projection;

class inbox_subscription {
 public:
  // `model`: where the inbox read model is stored now (a rebuild moves it).
  inbox_subscription(const storage::event_log& log, std::function<std::string()> model, std::string id,
                     std::string inbox, std::string person, std::uint64_t after, std::function<void()> ready);
  // The next update, if there is one: the notices after the last delivered (at most `max`; poll again while
  // one comes back full) and the unread count. The first poll always answers.
  result<std::optional<pb::InboxUpdate>> poll(std::size_t max);
  void close() { closed_ = true; }
  bool closed() const { return closed_; }
  const std::string& inbox() const { return inbox_; }
  void notify() const {
    if (!closed_) ready_();
  }

 private:
  const storage::event_log& log_;
  std::function<std::string()> model_;
  std::string id_, inbox_, person_;
  std::uint64_t delivered_;
  std::optional<std::uint64_t> unread_sent_;
  std::function<void()> ready_;
  std::atomic<bool> closed_{false};
};

// Tells the subscriptions of each inbox the read model changed, once the change is committed. Its thread
// ("inbox-watch") looks at the runner's checkpoint ten times a second.
class inbox_watch {
 public:
  inbox_watch(inbox_projection& projection, engine::projection_runner& runner);
  ~inbox_watch();
  void start();
  void stop();
  void add(const std::shared_ptr<inbox_subscription>& s);
  // Open inbox subscriptions.
  std::size_t subscribers() const;

 private:
  void loop();
  inbox_projection& projection_;
  engine::projection_runner& runner_;
  mutable std::mutex mutex_;
  std::multimap<std::string, std::weak_ptr<inbox_subscription>> by_inbox_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;
  std::condition_variable stop_;
  std::thread thread_;
};

}  // namespace thidua::api

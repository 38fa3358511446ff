#pragma once
// POSTs the webhooks' deliveries (api/app/webhook_outbox.h) on a thread of its own ("webhooks"): each due
// delivery, signed, then the outcome back to the outbox. One request at a time, each bounded by `timeout`.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace thidua::api {

class webhook_outbox;
struct webhook_delivery;

class webhook_sender {
 public:
  // `ca_file`: PEM authorities for HTTPS receivers; empty: this machine's.
  webhook_sender(webhook_outbox& outbox, std::chrono::milliseconds timeout, std::string ca_file);
  ~webhook_sender();
  void start();
  void stop();

 private:
  void loop();
  void deliver(const webhook_delivery& d);
  webhook_outbox& outbox_;
  const std::chrono::milliseconds timeout_;
  const std::string ca_file_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace thidua::api

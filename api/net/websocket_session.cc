#include "api/net/websocket_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <map>
#include <optional>

#include "api/app/command_service.h"
#include "api/app/inbox_subscriptions.h"
#include "api/app/proto/tokens.pb.h"
#include "api/app/read_service.h"
#include "api/app/server_metrics.h"
#include "api/net/connection_log.h"
#include "api/net/frame_queue.h"
#include "api/net/refusal_window.h"
#include "api/net/server_log.h"
#include "api/wire/error_table.h"
#include "api/wire/event_frames.h"
#include "api/wire/frame_json.h"
#include "api/wire/json_print.h"
#include "api/wire/replies.h"

namespace thidua::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;

// Subscription events are taken from the hub only while fewer frames than this wait to be written, so a slow
// reader leaves its events in the log (the hub falls back to catch-up reads) instead of in memory.
constexpr std::size_t pump_below = 32;
constexpr std::size_t poll_batch = 64;
// Most bytes one read of a message asks for; larger messages arrive in several reads.
constexpr std::size_t read_chunk = 512;
// Refused frames answered with RATE_LIMITED within refusal_window::span; later ones are dropped unanswered.
constexpr std::uint32_t answered_refusals = 10;

// Owns itself via shared_from_this; everything runs on the thread of the stream's io_context; one write in
// flight, a bounded queue behind it. `Next` is the layer under the WebSocket: plain TCP or TLS over it.
template <class Next>
class session : public closable, public std::enable_shared_from_this<session<Next>> {
  using std::enable_shared_from_this<session<Next>>::shared_from_this;
  using std::enable_shared_from_this<session<Next>>::weak_from_this;

 public:
  session(Next stream, const services& api, websocket_limits limits, std::shared_ptr<connection_slot> slot,
          std::shared_ptr<const pb::TokenGrant> grant, std::unique_ptr<unauthenticated_slot> pending)
      : ws_(std::move(stream)),
        peer_(peer_of(beast::get_lowest_layer(ws_).socket())),
        executor_(ws_.get_executor()),
        api_(api),
        limits_(limits),
        slot_(std::move(slot)),
        pending_(std::move(pending)),
        heartbeat_(ws_.get_executor()),
        auth_deadline_(ws_.get_executor()),
        revocation_watch_(ws_.get_executor()),
        frame_deadline_(ws_.get_executor()),
        grant_(std::move(grant)),
        tokens_(2.0 * limits.frames_per_second),
        refilled_(std::chrono::steady_clock::now()) {
    if (api_.metrics) ++api_.metrics->websocket_connections;
    access_log("websocket_opened", {{"peer", peer_}, {"unit", grant_ ? grant_->unit_id() : ""}});
  }

  ~session() override {
    watch().on_message_start = nullptr;
    for (auto& [id, s] : subs_) s.sub->close();
    for (auto& [id, s] : inbox_subs_) s.sub->close();
    if (api_.metrics) --api_.metrics->websocket_connections;
    access_log("connection_closed", {{"peer", peer_},
                                     {"kind", "websocket"},
                                     {"unit", grant_ ? grant_->unit_id() : ""},
                                     {"seconds", seconds_since(opened_), true}});
  }

  void run(http::request<http::string_body> req) {
    // The session outlives every read of its stream (each holds it), so the hooks may point at it.
    watch().boundary();  // the HTTP request's bytes came through the same stream
    watch().on_message_start = [this] { watch_message(); };
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { watch().boundary(); });
    if (!grant_) {
      auth_deadline_.expires_after(std::chrono::seconds(limits_.auth_timeout_seconds));
      auth_deadline_.async_wait([weak = weak_from_this()](beast::error_code ec) {
        if (auto self = weak.lock(); self && !ec) self->on_auth_deadline();
      });
    } else {
      watch_revocations();
    }
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::seconds(10);
    // A silent peer is pinged at half the idle time and dropped if it does not answer: half-open connections
    // do not linger.
    t.idle_timeout = std::chrono::seconds(limits_.idle_timeout_seconds);
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.read_message_max(limits_.max_frame_bytes);
    ws_.async_accept(req, beast::bind_front_handler(&session::on_accept, shared_from_this()));
  }

 private:
  struct subscription_entry {
    std::shared_ptr<engine::subscription> sub;
    bool text = false;
    bool blocked = false;  // stopped pumping because the write queue was full
  };
  struct inbox_entry {
    std::shared_ptr<inbox_subscription> sub;
    bool text = false;
  };

 public:
  // The server is stopping: the replies this connection is owed are sent, then close 1001.
  void close() override {
    asio::post(executor_, [self = shared_from_this()] {
      if (self->closing_) return;
      self->stopping_ = true;
      if (!self->accepted_) return beast::get_lowest_layer(self->ws_).close();
      if (self->owed_ == 0)
        self->close_after_sending(websocket::close_code::going_away, "the server is stopping");
    });
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return log_give_up("websocket", peer_, "accept", ec);
    accepted_ = true;
    if (stopping_) return close_after_sending(websocket::close_code::going_away, "the server is stopping");
    do_read();
  }

  // A reply the connection was owed went out (or the connection is gone).
  void owed_reply_sent() {
    --owed_;
    if (stopping_ && owed_ == 0)
      close_after_sending(websocket::close_code::going_away, "the server is stopping");
  }

  void do_read() {
    // A message is read in pieces of at most read_chunk bytes: an idle connection's pending read holds that
    // much, not a whole TCP frame's worth (10,000 idle connections are ~10 MB apart).
    ws_.async_read_some(buffer_, read_chunk,
                        beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    // Closed, timed out, too large (1009) or invalid UTF-8 in a text frame (1007): Beast closes with the
    // code.
    if (ec) return log_give_up("websocket", peer_, "read", ec);
    if (!ws_.is_message_done()) return do_read();
    watch().boundary();
    const bool text = ws_.got_text();
    const std::string data = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    // A large message's buffer is not kept for the rest of the connection's life.
    if (buffer_.capacity() > 4 * read_chunk) buffer_.shrink_to_fit();
    if (closing_) return do_read();
    if (stopping_) {
      send(error_frame(
               peek_request_id(data, text),
               api_error(errc::unavailable, "frame", "the server is stopping; this request was not handled",
                         "Máy chủ đang dừng; yêu cầu này không được xử lý")),
           text);
      return do_read();
    }
    const auto now = std::chrono::steady_clock::now();
    if (!take_token(now)) {
      refuse_over_rate(data, text, refusals_.add(now));
      return do_read();
    }
    pb::ClientFrame frame;
    std::optional<frame_error> malformed;
    if (text) {
      malformed = parse_json_frame(data, frame);
    } else if (!frame.ParseFromString(data)) {
      malformed = frame_error{"frame", "the binary frame is not a protobuf ClientFrame"};
    }
    if (malformed) {
      const bool whole = malformed->field == "frame";
      send(error_frame(peek_request_id(data, text),
                       api_error(errc::malformed_frame, malformed->field,
                                 whole ? malformed->detail : malformed->field + ": " + malformed->detail,
                                 whole ? "Khung tin không đúng định dạng ClientFrame"
                                       : "Trường " + malformed->field + " không hợp lệ trong khung tin")),
           text);
      return do_read();
    }
    handle(std::move(frame), text);
    do_read();
  }

  // Past the rate: the first refusals of the window are answered (with the frame's request_id), later ones
  // are dropped unread, and more than a second's worth of frames refused within the window closes the
  // connection — however the flood is paced against the refills.
  void refuse_over_rate(const std::string& data, bool text, std::uint32_t refused) {
    if (api_.metrics) ++api_.metrics->frames_rate_limited;
    if (refused > limits_.frames_per_second) {
      if (!closing_ && api_.metrics) ++api_.metrics->closed_for_flooding;
      return close_after_sending(websocket::close_code::policy_error, "rate limit exceeded");
    }
    if (refused > answered_refusals) return;
    send(error_frame(peek_request_id(data, text),
                     api_error(errc::rate_limited, "frame",
                               "more than " + std::to_string(limits_.frames_per_second) +
                                   " frames per second on this connection; this frame was not handled",
                               "Gửi quá nhiều khung tin mỗi giây; khung tin này không được xử lý")),
         text);
  }

  byte_watch& watch() { return beast::get_lowest_layer(ws_).rate_policy(); }

  // The first bytes of a message arrived: it must be complete within the frame timeout. One timer serves
  // many messages: when it fires it looks at the message under way, if any, and waits again for its rest.
  void watch_message() {
    if (frame_deadline_armed_ || closing_) return;
    wait_for_message(std::chrono::seconds(limits_.frame_timeout_seconds));
  }

  void wait_for_message(std::chrono::steady_clock::duration d) {
    frame_deadline_armed_ = true;
    frame_deadline_.expires_after(d);
    frame_deadline_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      self->frame_deadline_armed_ = false;
      auto& w = self->watch();
      if (!w.in_message() || self->closing_) return;
      const auto limit = std::chrono::seconds(self->limits_.frame_timeout_seconds);
      const auto taken = std::chrono::steady_clock::now() - w.message_started();
      if (taken < limit) return self->wait_for_message(limit - taken);
      if (self->api_.metrics) ++self->api_.metrics->closed_slow_frame;
      self->close_after_sending(websocket::close_code::policy_error, "message too slow");
    });
  }

  void on_auth_deadline() {
    if (grant_ || closing_) return;
    if (api_.metrics) ++api_.metrics->closed_unauthenticated;
    access_log("auth_refused",
               {{"peer", peer_},
                {"kind", "websocket"},
                {"why", "no valid token within " + std::to_string(limits_.auth_timeout_seconds) + " s"}});
    send(error_frame("",
                     api_error(errc::unauthenticated, "auth",
                               "no valid token within " + std::to_string(limits_.auth_timeout_seconds) +
                                   " s of connecting",
                               "Không nhận được token hợp lệ trong " +
                                   std::to_string(limits_.auth_timeout_seconds) + " giây sau khi kết nối")),
         true);
    close_after_sending(websocket::close_code::policy_error, "authentication timeout");
  }

  // Token bucket: frames_per_second refill, twice that as the burst.
  bool take_token(std::chrono::steady_clock::time_point now) {
    const double rate = limits_.frames_per_second;
    tokens_ = std::min(2 * rate, tokens_ + rate * std::chrono::duration<double>(now - refilled_).count());
    refilled_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

  void handle(pb::ClientFrame frame, bool text) {
    const std::string id = frame.request_id();
    if (frame.has_auth()) {
      grant_ = api_.commands->authenticate(frame.auth().token());
      if (!grant_) return refuse_unauthenticated(id, text);
      access_log("authenticated", {{"peer", peer_},
                                   {"unit", grant_->unit_id()},
                                   {"person", grant_->person_name()},
                                   {"role", grant_->role()},
                                   {"token_id", grant_->token_id()}});
      pending_.reset();
      auth_deadline_.cancel();
      watch_revocations();
      pb::ServerFrame ok;
      ok.set_request_id(id);
      ok.mutable_auth_ok()->set_unit_id(grant_->unit_id());
      ok.mutable_auth_ok()->set_role(grant_->role());
      ok.mutable_auth_ok()->set_person_name(grant_->person_name());
      return send(std::move(ok), text);
    }
    if (!grant_) return refuse_unauthenticated(id, text);
    switch (frame.body_case()) {
      case pb::ClientFrame::kPing: {
        pb::ServerFrame pong;
        pong.set_request_id(id);
        pong.mutable_pong()->set_head(api_.reads ? api_.reads->head().value : 0);
        return send(std::move(pong), text);
      }
      case pb::ClientFrame::kCommand:
        return submit(id, std::move(*frame.mutable_command()), text);
      case pb::ClientFrame::kQuery:
        return query(id, std::move(*frame.mutable_query()), text);
      case pb::ClientFrame::kSubscribe:
        return subscribe(id, frame.subscribe(), text);
      case pb::ClientFrame::kUnsubscribe:
        return unsubscribe(id, frame.unsubscribe(), text);
      case pb::ClientFrame::kSubscribeInbox:
        return subscribe_inbox(id, frame.subscribe_inbox(), text);
      default:
        return send(error_frame(id, api_error(errc::missing_field, "body", "the frame carries no request",
                                              "Khung tin không có yêu cầu")),
                    text);
    }
  }

  // Runs `fn` on this connection's thread if the connection is still there.
  template <class Fn>
  static void on_own_thread(const std::weak_ptr<session>& weak, Fn fn) {
    if (auto self = weak.lock())
      asio::post(self->ws_.get_executor(), [self, fn = std::move(fn)]() mutable { fn(*self); });
  }

  void submit(const std::string& id, pb::SubmitCommand command, bool text) {
    ++owed_;
    std::vector<log_field> line = {{"peer", peer_},
                                   {"unit", grant_->unit_id()},
                                   {"person", grant_->person_name()},
                                   {"command", command_name(command)},
                                   {"command_id", command.command_id()}};
    api_.commands->execute(
        *grant_, std::move(command),
        [weak = weak_from_this(), id, text, metrics = api_.metrics, line = std::move(line),
         start = std::chrono::steady_clock::now()](result<pb::CommandAccepted> r) mutable {
          if (metrics)
            metrics->command_done(
                command_outcome_of(r),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
          line.push_back({"result", r ? (r.value().duplicate() ? "DUPLICATE" : "ACCEPTED")
                                      : std::string(wire_error_of(r.error()).code)});
          line.push_back({"ms", milliseconds_since(start), true});
          access_log("command", line);
          // Replies come from the engine's thread: back onto the connection's thread.
          on_own_thread(weak, [reply = reply_frame(id, std::move(r)), text](session& s) mutable {
            s.send(std::move(reply), text);
            s.owed_reply_sent();
          });
        });
  }

  void query(const std::string& id, pb::Query q, bool text) {
    if (!api_.reads)
      return send(error_frame(id, api_error(errc::unavailable, "query", "this server serves no queries",
                                            "Máy chủ này không phục vụ truy vấn")),
                  text);
    // Answered at once, or (waiting for the read models) later from the read side's thread: either way the
    // reply goes out on this connection's thread, counted as owed until then.
    ++owed_;
    api_.reads->query_when_applied(
        grant_, std::move(q), [weak = weak_from_this(), id, text](result<pb::QueryResult> r) {
          on_own_thread(weak, [reply = reply_frame(id, std::move(r)), text](session& s) mutable {
            s.send(std::move(reply), text);
            s.owed_reply_sent();
          });
        });
  }

  void subscribe(const std::string& id, const pb::Subscribe& s, bool text) {
    if (!api_.reads)
      return send(
          error_frame(id, api_error(errc::unavailable, "subscribe", "this server serves no subscriptions",
                                    "Máy chủ này không phục vụ theo dõi")),
          text);
    if (auto refused = refuse_subscription(s.subscription_id(), "subscribe"))
      return send(error_frame(id, *refused), text);
    const std::string sid = s.subscription_id();
    auto a = api_.reads->subscribe(*grant_, s, [weak = weak_from_this(), sid] {
      on_own_thread(weak, [sid](session& self) { self.pump(sid); });
    });
    if (!a) return send(error_frame(id, a.error()), text);
    subs_[sid] = {std::move(a).value(), text, false};
    pb::ServerFrame ok;
    ok.set_request_id(id);
    ok.mutable_subscribed()->set_subscription_id(sid);
    ok.mutable_subscribed()->set_head(api_.reads->head().value);
    send(std::move(ok), text);
    heartbeat_text_ = text;
    if (subs_.size() == 1) schedule_heartbeat();
    pump(sid);
  }

  // Why a new subscription cannot be had on this connection: its id is taken, or there are enough.
  std::optional<pb::Error> refuse_subscription(const std::string& sid, const std::string& kind) const {
    if (subs_.contains(sid) || inbox_subs_.contains(sid))
      return api_error(errc::duplicate_subscription, kind + ".subscription_id",
                       "this connection already has a subscription with this id",
                       "Kết nối này đã có đăng ký theo dõi với mã này");
    if (subs_.size() + inbox_subs_.size() >= limits_.max_subscriptions)
      return api_error(
          errc::too_many_subscriptions, kind,
          "at most " + std::to_string(limits_.max_subscriptions) + " subscriptions per connection",
          "Mỗi kết nối được tối đa " + std::to_string(limits_.max_subscriptions) + " đăng ký theo dõi");
    return std::nullopt;
  }

  void subscribe_inbox(const std::string& id, const pb::SubscribeInbox& s, bool text) {
    if (!api_.reads)
      return send(error_frame(id, api_error(errc::unavailable, "subscribe_inbox",
                                            "this server serves no subscriptions",
                                            "Máy chủ này không phục vụ theo dõi")),
                  text);
    if (auto refused = refuse_subscription(s.subscription_id(), "subscribe_inbox"))
      return send(error_frame(id, *refused), text);
    const std::string sid = s.subscription_id();
    auto a = api_.reads->subscribe_inbox(*grant_, s, [weak = weak_from_this(), sid] {
      on_own_thread(weak, [sid](session& self) { self.pump_inbox(sid); });
    });
    if (!a) return send(error_frame(id, a.error()), text);
    inbox_subs_[sid] = {std::move(a).value(), text};
    pb::ServerFrame ok;
    ok.set_request_id(id);
    ok.mutable_subscribed()->set_subscription_id(sid);
    ok.mutable_subscribed()->set_head(api_.reads->head().value);
    send(std::move(ok), text);
    pump_inbox(sid);
  }

  // Sends an inbox subscription's updates: the notices it has not delivered, a page at a time, and the count.
  void pump_inbox(const std::string& sid) {
    constexpr std::size_t page = 200;
    auto it = inbox_subs_.find(sid);
    if (it == inbox_subs_.end() || closing_) return;
    for (;;) {
      auto update = it->second.sub->poll(page);
      if (!update) {
        spdlog::warn("inbox subscription {}: reading the inbox failed: {}", sid, update.error().message);
        send(error_frame("", api_error(errc::internal, "subscription_id",
                                       "the subscription " + sid + " stopped: the inbox could not be read",
                                       "Việc theo dõi hộp thư đã dừng vì không đọc được dữ liệu")),
             it->second.text);
        it->second.sub->close();
        inbox_subs_.erase(it);
        return;
      }
      if (!update.value()) return;
      const bool full = static_cast<std::size_t>(update.value()->notices_size()) == page;
      pb::ServerFrame f;
      *f.mutable_inbox_update() = std::move(*update.value());
      send(std::move(f), it->second.text, /*bounded=*/false);
      if (!full) return;
    }
  }

  void unsubscribe(const std::string& id, const pb::Unsubscribe& u, bool text) {
    if (auto inbox = inbox_subs_.find(u.subscription_id()); inbox != inbox_subs_.end()) {
      inbox->second.sub->close();
      inbox_subs_.erase(inbox);
      pb::ServerFrame ok;
      ok.set_request_id(id);
      ok.mutable_unsubscribed()->set_subscription_id(u.subscription_id());
      return send(std::move(ok), text);
    }
    auto it = subs_.find(u.subscription_id());
    if (it == subs_.end())
      return send(error_frame(id, api_error(errc::not_found, "unsubscribe.subscription_id",
                                            "no subscription with this id on this connection",
                                            "Không có đăng ký theo dõi với mã này")),
                  text);
    it->second.sub->close();
    subs_.erase(it);
    pb::ServerFrame ok;
    ok.set_request_id(id);
    ok.mutable_unsubscribed()->set_subscription_id(u.subscription_id());
    send(std::move(ok), text);
  }

  // Moves a subscription's events into the write queue while it has room.
  void pump(const std::string& sid) {
    auto it = subs_.find(sid);
    if (it == subs_.end() || closing_) return;
    auto& entry = it->second;
    entry.blocked = false;
    while (queue_.size() < pump_below) {
      auto items = entry.sub->poll(poll_batch);
      if (!items) {
        spdlog::warn("subscription {}: reading the log failed: {}", sid, items.error().message);
        send(error_frame("", api_error(errc::internal, "subscription_id",
                                       "the subscription " + sid + " stopped: the log could not be read",
                                       "Việc theo dõi đã dừng vì không đọc được sổ sự kiện")),
             entry.text);
        entry.sub->close();
        subs_.erase(it);
        return;
      }
      if (items.value().empty()) return;  // the hub calls back when there is news
      for (auto& item : items.value()) {
        if (item.event) {
          enqueue(event_frame(sid, *api_.envelopes->encoded(*item.event, entry.text), entry.text),
                  entry.text);
          if (api_.metrics) ++api_.metrics->events_delivered;
        } else {
          pb::ServerFrame f;
          f.mutable_caught_up()->set_subscription_id(sid);
          f.mutable_caught_up()->set_position(item.caught_up.value);
          send(std::move(f), entry.text, /*bounded=*/false);
        }
      }
    }
    entry.blocked = true;
  }

  void schedule_heartbeat() {
    heartbeat_.expires_after(std::chrono::seconds(limits_.heartbeat_seconds));
    heartbeat_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->subs_.empty() || self->closing_) return;
      pb::ServerFrame f;
      f.mutable_heartbeat()->set_head(self->api_.reads->head().value);
      self->send(std::move(f), self->heartbeat_text_);
      self->schedule_heartbeat();
    });
  }

  // Each second: when a token was revoked since the last look, is it this connection's? Then the connection
  // is told and closed (1008): a revoked token keeps no open connection for more than about a second.
  void watch_revocations() {
    revocations_seen_ = api_.commands->revocations();
    schedule_revocation_watch();
  }

  void schedule_revocation_watch() {
    revocation_watch_.expires_after(std::chrono::seconds(1));
    revocation_watch_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->closing_ || !self->grant_) return;
      const auto now = self->api_.commands->revocations();
      if (now != self->revocations_seen_) {
        self->revocations_seen_ = now;
        if (!self->api_.commands->token_live(self->grant_->token_id())) return self->close_revoked();
      }
      self->schedule_revocation_watch();
    });
  }

  void close_revoked() {
    access_log("token_revoked_closed",
               {{"peer", peer_}, {"unit", grant_->unit_id()}, {"token_id", grant_->token_id()}});
    send(error_frame("", api_error(errc::unauthenticated, "auth", "this connection's token was revoked",
                                   "Token của kết nối này đã bị thu hồi")),
         true);
    close_after_sending(websocket::close_code::policy_error, "token revoked");
  }

  void refuse_unauthenticated(const std::string& id, bool text) {
    access_log("auth_refused", {{"peer", peer_}, {"kind", "websocket"}, {"why", "unknown or revoked token"}});
    send(error_frame(id, api_error(errc::unauthenticated, "auth",
                                   "send a valid token first (Authorization header or an auth frame)",
                                   "Cần gửi token hợp lệ trước (tiêu đề Authorization hoặc khung auth)")),
         text);
    close_after_sending(websocket::close_code::policy_error, "unauthenticated");
  }

  void close_after_sending(websocket::close_code code, const char* reason) {
    if (closing_) return;
    closing_ = true;
    close_reason_ = websocket::close_reason(code, reason);
    heartbeat_.cancel();
    auth_deadline_.cancel();
    revocation_watch_.cancel();
    frame_deadline_.cancel();
    if (queue_.empty()) do_close();
  }

  void do_close() {
    close_started_ = true;
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) {});
  }

  // `bounded`: a reply counts against max_queued_frames; subscription events are bounded by the pump.
  void send(pb::ServerFrame frame, bool text, bool bounded = true) {
    std::string out;
    if (text) {
      append_json(frame, out);
    } else {
      frame.SerializeToString(&out);
    }
    if (bounded && queue_.size() >= limits_.max_queued_frames) {
      // The client does not read what it is sent: drop it rather than let memory grow.
      beast::get_lowest_layer(ws_).close();
      return;
    }
    enqueue(std::move(out), text);
  }

  void enqueue(std::string bytes, bool text) {
    // Once the close handshake has begun nothing more may be written (a late command reply is dropped; the
    // command itself is durable and a retry with its command_id returns the result).
    if (close_started_) return;
    queue_.push_back({std::move(bytes), text});
    if (queue_.size() == 1) do_write();
  }

  void do_write() {
    ws_.text(queue_.front().text);
    ws_.async_write(asio::buffer(queue_.front().bytes),
                    beast::bind_front_handler(&session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return log_give_up("websocket", peer_, "write", ec);
    queue_.pop_front();
    if (!queue_.empty()) do_write();
    if (queue_.size() < pump_below / 2) {
      for (auto it = subs_.begin(); it != subs_.end();) {
        const std::string sid = (it++)->first;  // pump may erase the entry
        auto found = subs_.find(sid);
        if (found != subs_.end() && found->second.blocked) pump(sid);
      }
    }
    if (closing_ && queue_.empty()) do_close();
  }

  websocket::stream<Next> ws_;
  const std::string peer_;  // for the log: "address:port"
  const std::chrono::steady_clock::time_point opened_ = std::chrono::steady_clock::now();
  asio::any_io_executor executor_;  // the stream's, for close() from another thread
  beast::flat_buffer buffer_;
  const services& api_;
  websocket_limits limits_;
  std::shared_ptr<connection_slot> slot_;
  std::unique_ptr<unauthenticated_slot> pending_;
  asio::steady_timer heartbeat_;
  asio::steady_timer auth_deadline_;
  asio::steady_timer revocation_watch_;
  std::uint64_t revocations_seen_ = 0;
  asio::steady_timer frame_deadline_;
  bool frame_deadline_armed_ = false;
  bool heartbeat_text_ = true;
  std::shared_ptr<const pb::TokenGrant> grant_;
  frame_queue queue_;
  std::map<std::string, subscription_entry> subs_;
  std::map<std::string, inbox_entry> inbox_subs_;
  double tokens_;
  std::chrono::steady_clock::time_point refilled_;
  refusal_window refusals_;
  bool closing_ = false;
  bool close_started_ = false;
  bool accepted_ = false;
  bool stopping_ = false;  // the server is stopping: close 1001 once nothing is owed
  std::size_t owed_ = 0;   // commands and waiting queries whose replies have not been sent yet
  websocket::close_reason close_reason_;
};

}  // namespace

websocket_limits websocket_limits_of(const http_options& o) {
  websocket_limits l;
  l.frames_per_second = o.frames_per_second;
  l.max_subscriptions = o.max_subscriptions;
  l.heartbeat_seconds = o.heartbeat_seconds;
  l.idle_timeout_seconds = o.idle_timeout_seconds;
  l.auth_timeout_seconds = o.auth_timeout_seconds;
  l.frame_timeout_seconds = o.frame_timeout_seconds;
  return l;
}

// Not make_shared: the server keeps weak_ptrs to its connections, which would keep a joint block's memory.
std::shared_ptr<closable> start_websocket_session(net_stream stream, http::request<http::string_body> request,
                                                  const services& api, websocket_limits limits,
                                                  std::shared_ptr<connection_slot> slot,
                                                  std::shared_ptr<const pb::TokenGrant> grant,
                                                  std::unique_ptr<unauthenticated_slot> pending) {
  std::shared_ptr<session<net_stream>> s(new session<net_stream>(
      std::move(stream), api, limits, std::move(slot), std::move(grant), std::move(pending)));
  s->run(std::move(request));
  return s;
}

std::shared_ptr<closable> start_websocket_session(beast::ssl_stream<net_stream> stream,
                                                  http::request<http::string_body> request,
                                                  const services& api, websocket_limits limits,
                                                  std::shared_ptr<connection_slot> slot,
                                                  std::shared_ptr<const pb::TokenGrant> grant,
                                                  std::unique_ptr<unauthenticated_slot> pending) {
  std::shared_ptr<session<beast::ssl_stream<net_stream>>> s(new session<beast::ssl_stream<net_stream>>(
      std::move(stream), api, limits, std::move(slot), std::move(grant), std::move(pending)));
  s->run(std::move(request));
  return s;
}

}  // namespace thidua::api

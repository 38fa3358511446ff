#include "api/websocket_session.h"

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>

namespace thidua::api {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

pb::ServerFrame error_frame(const std::string& request_id, const char* code, const std::string& field,
                            const std::string& en, const std::string& vi) {
  pb::ServerFrame f;
  f.set_request_id(request_id);
  auto* e = f.mutable_error();
  e->set_code(code);
  e->set_field(field);
  e->set_message(en);
  e->set_message_vi(vi);
  return f;
}

// Owns itself via shared_from_this; one strand (the stream's executor); one write in flight, a bounded queue.
class session : public std::enable_shared_from_this<session> {
 public:
  session(beast::tcp_stream stream, command_service& service, websocket_limits limits)
      : ws_(std::move(stream)), service_(service), limits_(limits) {}

  void run(http::request<http::string_body> req) {
    // A token in the Authorization header authenticates the connection before its first frame.
    auto auth = req[http::field::authorization];
    const std::string_view header(auth.data(), auth.size());
    if (header.starts_with("Bearer ")) grant_ = service_.authenticate(header.substr(7));
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(limits_.max_frame_bytes);
    ws_.async_accept(req, beast::bind_front_handler(&session::on_accept, shared_from_this()));
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    // Closed, timed out, too large (1009) or invalid UTF-8 in a text frame (1007): Beast closes with the
    // code.
    if (ec) return;
    const bool text = ws_.got_text();
    const std::string data = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    pb::ClientFrame frame;
    bool parsed = false;
    if (text) {
      google::protobuf::util::JsonParseOptions o;
      o.ignore_unknown_fields = false;
      parsed = google::protobuf::util::JsonStringToMessage(data, &frame, o).ok();
    } else {
      parsed = frame.ParseFromString(data);
    }
    if (!parsed) {
      send(error_frame("", "MALFORMED_FRAME", "frame",
                       text ? "the text frame is not a ClientFrame in the protobuf JSON mapping"
                            : "the binary frame is not a protobuf ClientFrame",
                       "Khung tin không đúng định dạng ClientFrame"),
           text);
      return do_read();
    }
    handle(std::move(frame), text);
    do_read();
  }

  void handle(pb::ClientFrame frame, bool text) {
    const std::string& id = frame.request_id();
    if (frame.has_auth()) {
      grant_ = service_.authenticate(frame.auth().token());
      if (!grant_) return refuse_unauthenticated(id, text);
      pb::ServerFrame ok;
      ok.set_request_id(id);
      ok.mutable_auth_ok()->set_unit_id(grant_->unit_id());
      ok.mutable_auth_ok()->set_role(grant_->role());
      ok.mutable_auth_ok()->set_person_name(grant_->person_name());
      return send(std::move(ok), text);
    }
    if (!grant_) return refuse_unauthenticated(id, text);
    if (frame.has_ping()) {
      pb::ServerFrame pong;
      pong.set_request_id(id);
      pong.mutable_pong();
      return send(std::move(pong), text);
    }
    if (frame.has_command()) {
      auto self = shared_from_this();
      service_.execute(
          *grant_, std::move(*frame.mutable_command()), now_ms(), [self, id, text](pb::ServerFrame reply) {
            reply.set_request_id(id);
            // Back onto this connection's strand: replies come from the log's completion thread.
            boost::asio::post(self->ws_.get_executor(), [self, reply = std::move(reply), text]() mutable {
              self->send(std::move(reply), text);
            });
          });
      return;
    }
    send(error_frame(id, "MISSING_FIELD", "body", "the frame carries no request",
                     "Khung tin không có yêu cầu"),
         text);
  }

  void refuse_unauthenticated(const std::string& id, bool text) {
    send(error_frame(id, "UNAUTHENTICATED", "auth",
                     "send a valid token first (Authorization header or an auth frame)",
                     "Cần gửi token hợp lệ trước (tiêu đề Authorization hoặc khung auth)"),
         text);
    closing_ = true;
  }

  void send(pb::ServerFrame frame, bool text) {
    std::string out;
    if (text) {
      google::protobuf::util::JsonPrintOptions o;
      o.preserve_proto_field_names = true;
      if (!google::protobuf::util::MessageToJsonString(frame, &out, o).ok())
        out = R"({"error":{"code":"INTERNAL"}})";
    } else {
      frame.SerializeToString(&out);
    }
    if (queue_.size() >= limits_.max_queued_replies) {
      // The client does not read its replies: drop it rather than let memory grow.
      beast::get_lowest_layer(ws_).close();
      return;
    }
    queue_.push_back({std::move(out), text});
    if (queue_.size() == 1) do_write();
  }

  void do_write() {
    ws_.text(queue_.front().second);
    ws_.async_write(boost::asio::buffer(queue_.front().first),
                    beast::bind_front_handler(&session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return;
    queue_.pop_front();
    if (!queue_.empty()) return do_write();
    if (closing_) {
      ws_.async_close(websocket::close_reason(websocket::close_code::policy_error, "unauthenticated"),
                      [self = shared_from_this()](beast::error_code) {});
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  command_service& service_;
  websocket_limits limits_;
  std::optional<pb::TokenGrant> grant_;
  std::deque<std::pair<std::string, bool>> queue_;
  bool closing_ = false;
};

}  // namespace

void start_websocket_session(beast::tcp_stream stream, http::request<http::string_body> request,
                             command_service& service, websocket_limits limits) {
  std::make_shared<session>(std::move(stream), service, limits)->run(std::move(request));
}

}  // namespace thidua::api

#pragma once
// The server's log: text for people or one JSON object per line for machines (--log-format), and the access
// log — one line per connection opened and closed, per refused authentication (never the token), per HTTP
// request and per WebSocket command with its result code and latency.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace thidua::api {

enum class log_format { text, json };

// Sets how every line of spdlog's default logger is written from now on. Text:
// `2026-12-05T14:03:07.125+0700 info message`. JSON: `{"time":"2026-12-05T07:03:07.125Z","level":"info",
// "msg":"message"}`, and an access line adds its fields (`"event":"command","peer":…`).
void set_log_format(log_format f);

// One access-log line at info: `event` and its fields, in order (values are text; numbers stay text in
// text mode and become JSON numbers when `number` is set).
struct log_field {
  std::string_view key;
  std::string value;
  bool number = false;
};
void access_log(std::string_view event, const std::vector<log_field>& fields);

// "12.345" seconds, "3.210" milliseconds: the time since `since`, for an access line's number fields.
std::string seconds_since(std::chrono::steady_clock::time_point since);
std::string milliseconds_since(std::chrono::steady_clock::time_point since);

}  // namespace thidua::api

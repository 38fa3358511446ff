#include "api/net/server_log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include "api/wire/json_print.h"

namespace thidua::api {
namespace {

std::atomic<log_format> format{log_format::text};

// Marks a message that already holds its JSON fields (an access line), so the JSON formatter merges them.
constexpr char fields_mark = '\x1e';

class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(msg.time.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char time[40];
    const std::size_t n = std::strftime(time, sizeof time, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(time + n, sizeof time - n, ".%03dZ", static_cast<int>(ms % 1000));
    std::string line = "{\"time\":\"";
    line += time;
    line += "\",\"level\":\"";
    const auto level = spdlog::level::to_string_view(msg.level);
    line.append(level.data(), level.size());
    line += '"';
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!payload.empty() && payload.front() == fields_mark) {
      line += ',';
      line.append(payload.substr(1));
    } else {
      line += ",\"msg\":";
      append_json_string(payload, line);
    }
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_formatter>(); }
};

// A text value that holds a blank or a quote is quoted, so the line still splits into key=value pairs.
void append_text_value(std::string& out, const std::string& v) {
  if (!v.empty() && v.find_first_of(" \"=") == std::string::npos) {
    out += v;
    return;
  }
  append_json_string(v, out);
}

}  // namespace

void set_log_format(log_format f) {
  format = f;
  if (f == log_format::json) {
    spdlog::default_logger()->set_formatter(std::make_unique<json_formatter>());
  } else {
    spdlog::default_logger()->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  }
}

void access_log(std::string_view event, const std::vector<log_field>& fields) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  std::string line;
  if (format == log_format::json) {
    line += fields_mark;
    line += "\"event\":";
    append_json_string(event, line);
    for (const auto& f : fields) {
      line += ',';
      append_json_string(f.key, line);
      line += ':';
      if (f.number && !f.value.empty()) {
        line += f.value;
      } else {
        append_json_string(f.value, line);
      }
    }
  } else {
    line += "access ";
    line += event;
    for (const auto& f : fields) {
      line += ' ';
      line += f.key;
      line += '=';
      append_text_value(line, f.value);
    }
  }
  spdlog::info("{}", line);
}

namespace {

std::string fixed3(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", v);
  return text;
}

}  // namespace

std::string seconds_since(std::chrono::steady_clock::time_point since) {
  return fixed3(std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count());
}

std::string milliseconds_since(std::chrono::steady_clock::time_point since) {
  return fixed3(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count());
}

}  // namespace thidua::api

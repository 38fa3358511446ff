#pragma once
// A decider with a deadline, and nothing of emulation cycles: an invoice falls overdue at its due time unless
// it was paid. It proves the engine's durable timers generic (engine/timer_service.h).

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace thidua::testing {

struct invoice {
  struct state {
    bool issued = false, paid = false, overdue = false;
    std::int64_t due_ms = 0;
  };
  struct command {
    enum kind { issue, move_due, pay, mark_overdue } what;
    std::string id;
    std::int64_t due_ms = 0;
  };
  struct event {
    enum kind { issued, due_moved, paid, fell_overdue } what;
    std::int64_t due_ms = 0;
  };
  struct actor {
    std::string unit = "billing";
    std::string person = "clerk";
  };
  struct rejection {
    std::string code, field, message_en, message_vi;
  };
  struct timer {
    std::string id;
    std::int64_t due_ms;
    command fires;  // decided when it fires
  };

  static state initial() { return {}; }
  static std::string stream_of(const command& c) { return "invoice-" + c.id; }
  static std::variant<std::vector<event>, rejection> decide(const state& s, const command& c, const actor& a,
                                                            std::int64_t now_ms) {
    switch (c.what) {
      case command::issue:
        if (s.issued) return rejection{"ISSUED", "id", "already issued", "đã phát hành"};
        return std::vector<event>{{event::issued, c.due_ms}};
      case command::move_due:
        if (!s.issued || s.paid) return rejection{"CLOSED", "id", "not open", "không mở"};
        return std::vector<event>{{event::due_moved, c.due_ms}};
      case command::pay:
        if (!s.issued || s.paid) return rejection{"CLOSED", "id", "not open", "không mở"};
        return std::vector<event>{{event::paid, 0}};
      case command::mark_overdue:
        if (a.unit != "clock") return rejection{"NOT_CLOCK", "what", "only the clock", "chỉ đồng hồ"};
        // Fired for a due time that moved, or an invoice paid meanwhile: nothing to record.
        if (!s.issued || s.paid || s.overdue || now_ms < s.due_ms) return std::vector<event>{};
        return std::vector<event>{{event::fell_overdue, s.due_ms}};
    }
    return rejection{"UNKNOWN", "what", "unknown command", "lệnh không rõ"};
  }
  static state evolve(state s, const event& e) {
    switch (e.what) {
      case event::issued:
      case event::due_moved:
        s.issued = true;
        s.due_ms = e.due_ms;
        break;
      case event::paid:
        s.paid = true;
        break;
      case event::fell_overdue:
        s.overdue = true;
        break;
    }
    return s;
  }
  // Until it is paid or overdue, an invoice wants one timer at its due time.
  static std::vector<timer> timers(const state& s, const command& c) {
    if (!s.issued || s.paid || s.overdue) return {};
    return {{"overdue", s.due_ms, {command::mark_overdue, c.id, 0}}};
  }
  static actor timer_actor() { return {"clock", "timer"}; }

  static std::string event_type(const event& e) {
    static constexpr const char* names[] = {"Invoice.Issued", "Invoice.DueMoved", "Invoice.Paid",
                                            "Invoice.Overdue"};
    return names[e.what];
  }
  static std::string encode(const event& e) { return std::to_string(e.due_ms); }
  static std::optional<event> decode(std::string_view type, std::string_view bytes) {
    for (int k = 0; k < 4; ++k) {
      if (event_type({static_cast<event::kind>(k)}) != type) continue;
      event e{static_cast<event::kind>(k), 0};
      std::from_chars(bytes.data(), bytes.data() + bytes.size(), e.due_ms);
      return e;
    }
    return std::nullopt;
  }
  static std::string encode_command(const command& c) {
    return std::to_string(c.what) + "/" + c.id + "/" + std::to_string(c.due_ms);
  }
  static std::optional<command> decode_command(std::string_view bytes) {
    const auto a = bytes.find('/'), b = bytes.rfind('/');
    if (a == std::string_view::npos || a == b || bytes.empty() || bytes[0] < '0' || bytes[0] > '3')
      return std::nullopt;
    command c{static_cast<command::kind>(bytes[0] - '0'), std::string(bytes.substr(a + 1, b - a - 1)), 0};
    std::from_chars(bytes.data() + b + 1, bytes.data() + bytes.size(), c.due_ms);
    return c;
  }
  static std::string actor_unit(const actor& a) { return a.unit; }
  static std::string actor_person(const actor& a) { return a.person; }
  static std::string actor_role(const actor&) { return "clerk"; }
};

}  // namespace thidua::testing

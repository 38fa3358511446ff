#pragma once
// A decider that knows nothing of emulation cycles: a bank account. It proves the engine is generic.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace thidua::testing {

struct account {
  struct state {
    bool open = false;
    std::int64_t balance = 0;
  };
  struct command {
    enum kind { open_account, deposit, withdraw } what;
    std::string id;
    std::int64_t amount = 0;
  };
  struct event {
    enum kind { opened, deposited, withdrawn } what;
    std::int64_t amount = 0;
  };
  struct actor {
    std::string unit = "bank";
    std::string person = "teller";
  };
  struct rejection {
    std::string code, field, message_en, message_vi;
  };

  static state initial() { return {}; }
  static std::string stream_of(const command& c) { return "account-" + c.id; }
  static std::variant<std::vector<event>, rejection> decide(const state& s, const command& c, const actor&,
                                                            std::int64_t) {
    switch (c.what) {
      case command::open_account:
        if (s.open) return rejection{"ALREADY_OPEN", "id", "account already open", "tài khoản đã mở"};
        return std::vector<event>{{event::opened, 0}};
      case command::deposit:
        if (!s.open) return rejection{"NOT_OPEN", "id", "account not open", "tài khoản chưa mở"};
        if (c.amount <= 0)
          return rejection{"BAD_AMOUNT", "amount", "amount must be positive", "số tiền phải dương"};
        return std::vector<event>{{event::deposited, c.amount}};
      case command::withdraw:
        if (!s.open) return rejection{"NOT_OPEN", "id", "account not open", "tài khoản chưa mở"};
        if (c.amount > s.balance)
          return rejection{"INSUFFICIENT_FUNDS", "amount", "balance too low", "số dư không đủ"};
        return std::vector<event>{{event::withdrawn, c.amount}};
    }
    return rejection{"UNKNOWN", "what", "unknown command", "lệnh không rõ"};
  }
  static state evolve(state s, const event& e) {
    switch (e.what) {
      case event::opened:
        s.open = true;
        break;
      case event::deposited:
        s.balance += e.amount;
        break;
      case event::withdrawn:
        s.balance -= e.amount;
        break;
    }
    return s;
  }
  static std::string event_type(const event& e) {
    switch (e.what) {
      case event::opened:
        return "Account.Opened";
      case event::deposited:
        return "Account.Deposited";
      case event::withdrawn:
        return "Account.Withdrawn";
    }
    return "Account.Unknown";
  }
  static std::string encode(const event& e) { return std::to_string(e.amount); }
  static std::string encode_command(const command& c) {
    return std::to_string(c.what) + "/" + c.id + "/" + std::to_string(c.amount);
  }
  static std::optional<event> decode(std::string_view type, std::string_view bytes) {
    event e{event::opened, std::stoll(std::string(bytes))};
    if (type == "Account.Opened")
      e.what = event::opened;
    else if (type == "Account.Deposited")
      e.what = event::deposited;
    else if (type == "Account.Withdrawn")
      e.what = event::withdrawn;
    else
      return std::nullopt;
    return e;
  }
  static std::string actor_unit(const actor& a) { return a.unit; }
  static std::string actor_person(const actor& a) { return a.person; }
  static std::string actor_role(const actor&) { return "teller"; }
};

}  // namespace thidua::testing

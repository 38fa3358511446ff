#pragma once
// Plain sockets for the API tests that must misbehave below what a WebSocket library allows: trickle a frame
// a byte at a time, put thousands of frames into one write, or never send a request at all.

#include <chrono>
#include <string>
#include <vector>

namespace thidua::testing {

// A TCP connection to 127.0.0.1:port; -1 if it failed.
int connect_raw(int port);
// Seconds until the server closes a connection that reads and writes nothing more (bounded by `limit`).
double seconds_until_closed(int fd, int limit);
void send_all(int fd, const std::string& bytes);

// Upgrades a raw connection to a WebSocket at /v1/ws, sending `authorization` as the Authorization header
// when it is not empty; returns the socket after the 101 answer, or -1 (then `answer` has what came back).
int raw_websocket(int port, const std::string& authorization, std::string* answer = nullptr);
// One client frame (masked, as clients must): opcode 1 = text, 2 = binary.
std::string masked_frame(int opcode, const std::string& payload);

struct raw_frame {
  int opcode = 0;  // 1 text, 2 binary, 8 close, 9 ping, 10 pong
  std::string payload;
  // For a close frame: its status code.
  int close_code() const;
};
// The frames the server sends until it closes the connection, it sends a close frame, `max_frames` came or
// `timeout` passes.
std::vector<raw_frame> read_frames(int fd, std::chrono::milliseconds timeout,
                                   std::size_t max_frames = 1'000'000);

}  // namespace thidua::testing

#include "tests/api/raw_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace thidua::testing {

int connect_raw(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

double seconds_until_closed(int fd, int limit) {
  timeval tv{limit, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const auto start = std::chrono::steady_clock::now();
  char buf[4096];
  while (::recv(fd, buf, sizeof buf, 0) > 0) {
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

int raw_websocket(int port, const std::string& authorization, std::string* answer) {
  const int fd = connect_raw(port);
  if (fd < 0) return -1;
  std::string upgrade =
      "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  if (!authorization.empty()) upgrade += "Authorization: " + authorization + "\r\n";
  send_all(fd, upgrade + "\r\n");
  // Byte by byte up to the end of the header, so no frame that follows it is swallowed.
  std::string header;
  char c = 0;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (!header.ends_with("\r\n\r\n") && ::recv(fd, &c, 1, 0) == 1) header += c;
  if (answer) *answer = header;
  if (!header.starts_with("HTTP/1.1 101")) {
    // Not upgraded: the rest is the body of the refusal.
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0)
      if (answer) answer->append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string masked_frame(int opcode, const std::string& payload) {
  std::string out;
  out += static_cast<char>(0x80 | opcode);
  const std::size_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(0x80 | n);
  } else {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>((n >> 8) & 0xff);
    out += static_cast<char>(n & 0xff);
  }
  const char mask[4] = {0x12, 0x34, 0x56, 0x78};
  out.append(mask, 4);
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(payload[i] ^ mask[i % 4]);
  return out;
}

int raw_frame::close_code() const {
  if (opcode != 8 || payload.size() < 2) return 0;
  return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
}

std::vector<raw_frame> read_frames(int fd, std::chrono::milliseconds timeout, std::size_t max_frames) {
  std::vector<raw_frame> frames;
  std::string in;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Every whole frame in what has arrived (server frames are not masked).
    for (;;) {
      if (in.size() < 2) break;
      std::size_t len = static_cast<unsigned char>(in[1]) & 0x7f;
      std::size_t at = 2;
      if (len == 126) {
        if (in.size() < 4) break;
        len = (static_cast<unsigned char>(in[2]) << 8) | static_cast<unsigned char>(in[3]);
        at = 4;
      } else if (len == 127) {
        if (in.size() < 10) break;
        len = 0;
        for (int i = 2; i < 10; ++i) len = (len << 8) | static_cast<unsigned char>(in[i]);
        at = 10;
      }
      if (in.size() < at + len) break;
      frames.push_back({static_cast<unsigned char>(in[0]) & 0x0f, in.substr(at, len)});
      in.erase(0, at + len);
      if (frames.back().opcode == 8 || frames.size() >= max_frames) return frames;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return frames;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return frames;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return frames;
    in.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace thidua::testing

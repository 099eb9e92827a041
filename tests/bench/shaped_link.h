#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace yard::bench {

// A TCP relay on a free loopback port in front of target_port that carries traffic like a WAN
// link of bytes_per_second in each direction, shared by every connection through it: a chunk
// leaves only when the link has finished sending every byte before it. Idle time earns no
// credit, so a request and its answer cost bytes / rate each, as on a real link.
//
// Why not FaultProxy::setBandwidth: byte n of a connection may leave at start + n / rate, with no
// cap on the burst, so a direction that was idle (waiting for the other side's answer) sends its
// next message at loopback speed as long as its average since the connection opened is below
// the rate. Request/response traffic, where each direction idles while the other talks, is
// slowed down only in its first exchange or two.
//
// Thread-safe; stops and joins its threads on destruction.
class ShapedLink {
 public:
  ShapedLink(int target_port, int64_t bytes_per_second);
  ~ShapedLink();
  ShapedLink(const ShapedLink&) = delete;
  ShapedLink& operator=(const ShapedLink&) = delete;

  int port() const { return port_; }
  int64_t bytesUp() const { return up_.bytes.load(); }      // client -> server
  int64_t bytesDown() const { return down_.bytes.load(); }  // server -> client

 private:
  // One direction of the link.
  struct Direction {
    std::mutex mu;
    std::chrono::steady_clock::time_point free_at{};
    std::atomic<int64_t> bytes{0};
  };
  void acceptLoop();
  void relay(int from, int to, Direction& direction);
  void transmit(Direction& direction, size_t bytes);

  int target_port_;
  int64_t rate_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  Direction up_, down_;
  std::mutex threads_mu_;
  std::vector<std::thread> threads_;
  std::vector<int> fds_;
  std::thread acceptor_;
};

}  // namespace yard::bench

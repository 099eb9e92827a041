#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace yard::it {

// A TCP proxy on a free loopback port in front of a daemon, for fault injection (the kernel here
// has no netem). Each exchange (a request and its response, on new or kept-alive connections
// alike) is given the fault currently set:
//   kRefuse       accept and close at once (the link is down); set with setFault, it also cuts
//                 open connections within 50 ms, as a WAN outage would an MQTT session;
//   kCutRequest   forward the first `after_bytes` of the request, then cut both sides: the
//                 server sees half a request;
//   kCutResponse  forward the request whole, then cut after `after_bytes` of the response: the
//                 server did the work, the client never hears of it;
//   kDelay        forward everything, each chunk `delay_ms` late.
// randomFaults() gives each exchange one of these at random (or none). A bandwidth limit
// (bytes per second, each direction) shapes every connection, as a slow WAN would.
// Thread-safe; stops and joins its threads on destruction.
class FaultProxy {
 public:
  enum class Fault { kNone, kRefuse, kCutRequest, kCutResponse, kDelay };

  explicit FaultProxy(int target_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }

  void setFault(Fault fault, size_t after_bytes = 0, int delay_ms = 0);
  // Each exchange: no fault with probability 1 - p, else one of the four faults, with
  // cut points and delays drawn from seed.
  void randomFaults(double p, uint64_t seed);
  void setBandwidth(int64_t bytes_per_second);  // 0: unlimited

  int64_t connections() const { return connections_.load(); }
  int64_t faultsInjected() const { return faults_.load(); }
  int64_t bytesUp() const { return bytes_up_.load(); }      // client -> server
  int64_t bytesDown() const { return bytes_down_.load(); }  // server -> client

 private:
  struct Plan {
    Fault fault = Fault::kNone;
    size_t after_bytes = 0;
    int delay_ms = 0;
  };
  Plan nextPlan();
  void acceptLoop();
  void pump(int client);
  void throttle(size_t bytes, std::chrono::steady_clock::time_point start, int64_t& sent);

  int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> pumps_;
  Plan fixed_;
  double random_p_ = 0;
  std::mt19937_64 random_;
  std::atomic<bool> link_down_{false};  // setFault(kRefuse)
  std::atomic<int64_t> bandwidth_{0};
  std::atomic<int64_t> connections_{0};
  std::atomic<int64_t> faults_{0};
  std::atomic<int64_t> bytes_up_{0};
  std::atomic<int64_t> bytes_down_{0};
};

}  // namespace yard::it

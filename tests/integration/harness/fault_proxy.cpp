#include "harness/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace yard::it {
namespace {

int connectTo(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void cut(int a, int b) {
  // RST rather than FIN: a peer mid-message sees the connection break, as on a dropped WAN.
  linger hard{1, 0};
  for (int fd : {a, b}) {
    if (fd < 0) continue;
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::close(fd);
  }
}

}  // namespace

FaultProxy::FaultProxy(int target_port) : target_port_(target_port), random_(1) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 128) != 0)
    throw std::runtime_error("fault proxy: cannot listen");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> pumps;
  {
    std::lock_guard lock(mu_);
    pumps.swap(pumps_);
  }
  for (auto& t : pumps) t.join();
}

void FaultProxy::setFault(Fault fault, size_t after_bytes, int delay_ms) {
  std::lock_guard lock(mu_);
  fixed_ = Plan{fault, after_bytes, delay_ms};
  random_p_ = 0;
  link_down_ = fault == Fault::kRefuse;
}

void FaultProxy::randomFaults(double p, uint64_t seed) {
  std::lock_guard lock(mu_);
  random_p_ = p;
  random_.seed(seed);
  fixed_ = Plan{};
  link_down_ = false;
}

void FaultProxy::setBandwidth(int64_t bytes_per_second) { bandwidth_ = bytes_per_second; }

FaultProxy::Plan FaultProxy::nextPlan() {
  std::lock_guard lock(mu_);
  if (random_p_ <= 0) return fixed_;
  std::uniform_real_distribution<double> unit(0, 1);
  if (unit(random_) >= random_p_) return Plan{};
  std::uniform_int_distribution<int> kind(0, 3);
  std::uniform_int_distribution<size_t> bytes(1, 4000);
  std::uniform_int_distribution<int> delay(20, 300);
  switch (kind(random_)) {
    case 0:
      return Plan{Fault::kRefuse};
    case 1:
      return Plan{Fault::kCutRequest, bytes(random_)};
    case 2:
      return Plan{Fault::kCutResponse, bytes(random_)};
    default:
      return Plan{Fault::kDelay, 0, delay(random_)};
  }
}

void FaultProxy::acceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    ++connections_;
    std::lock_guard lock(mu_);
    pumps_.emplace_back([this, client] { pump(client); });
  }
}

void FaultProxy::throttle(size_t bytes, std::chrono::steady_clock::time_point start,
                          int64_t& sent) {
  const int64_t rate = bandwidth_.load();
  sent += static_cast<int64_t>(bytes);
  if (rate <= 0) return;
  // Token bucket with no burst: byte n may leave at start + n / rate.
  const auto due = start + std::chrono::microseconds(sent * 1'000'000 / rate);
  std::this_thread::sleep_until(due);
}

void FaultProxy::pump(int client) {
  int server = connectTo(target_port_);
  if (server < 0) {
    cut(client, -1);
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  int64_t sent_up = 0, sent_down = 0;
  // Faults are drawn per exchange, not per connection: a keep-alive client sends many requests
  // on one connection. A request starts when the client speaks after the server did.
  Plan plan;
  size_t exchange_up = 0, exchange_down = 0;
  int last_side = 1;
  char buffer[16384];
  while (!stopping_) {
    if (link_down_) {
      // A connection that stays open between exchanges (an MQTT session) goes down with the link.
      cut(client, server);
      return;
    }
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (::poll(fds, 2, 50) <= 0) continue;
    for (int side = 0; side < 2; ++side) {
      if (!(fds[side].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int from = side == 0 ? client : server;
      const int to = side == 0 ? server : client;
      ssize_t n = ::recv(from, buffer, sizeof buffer, 0);
      if (n <= 0) {
        ::close(client);
        ::close(server);
        return;
      }
      size_t len = static_cast<size_t>(n);
      if (side == 0 && last_side == 1) {
        plan = nextPlan();
        exchange_up = exchange_down = 0;
        if (plan.fault != Fault::kNone) ++faults_;
        if (plan.fault == Fault::kRefuse) {
          cut(client, server);
          return;
        }
      }
      last_side = side;
      size_t& exchanged = side == 0 ? exchange_up : exchange_down;
      const bool cutting = (side == 0 && plan.fault == Fault::kCutRequest) ||
                           (side == 1 && plan.fault == Fault::kCutResponse);
      if (cutting && exchanged + len >= plan.after_bytes) {
        const size_t keep = plan.after_bytes > exchanged ? plan.after_bytes - exchanged : 0;
        if (keep > 0) ::send(to, buffer, keep, MSG_NOSIGNAL);
        cut(client, server);
        return;
      }
      exchanged += len;
      if (plan.fault == Fault::kDelay)
        std::this_thread::sleep_for(std::chrono::milliseconds(plan.delay_ms));
      throttle(len, start, side == 0 ? sent_up : sent_down);
      (side == 0 ? bytes_up_ : bytes_down_) += static_cast<int64_t>(len);
      if (::send(to, buffer, len, MSG_NOSIGNAL) != static_cast<ssize_t>(len)) {
        ::close(client);
        ::close(server);
        return;
      }
    }
  }
  ::close(client);
  ::close(server);
}

}  // namespace yard::it

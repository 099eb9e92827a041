#include "shaped_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace yard::bench {
namespace {

// Small chunks keep the store-and-forward delay of each chunk (chunk / rate) negligible.
constexpr size_t kChunk = 4096;

int connectTo(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
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

}  // namespace

ShapedLink::ShapedLink(int target_port, int64_t bytes_per_second)
    : target_port_(target_port), rate_(bytes_per_second) {
  if (rate_ <= 0) throw std::invalid_argument("shaped link: the rate must be positive");
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0)
    throw std::runtime_error("shaped link: cannot listen");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

ShapedLink::~ShapedLink() {
  stopping_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(threads_mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  for (int fd : fds_) ::close(fd);
}

void ShapedLink::acceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    const int server = connectTo(target_port_);
    if (server < 0) {
      ::close(client);
      continue;
    }
    int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::lock_guard lock(threads_mu_);
    fds_.push_back(client);
    fds_.push_back(server);
    threads_.emplace_back([this, client, server] { relay(client, server, up_); });
    threads_.emplace_back([this, client, server] { relay(server, client, down_); });
  }
}

void ShapedLink::transmit(Direction& direction, size_t bytes) {
  std::chrono::steady_clock::time_point done;
  {
    std::lock_guard lock(direction.mu);
    const auto now = std::chrono::steady_clock::now();
    const auto begin = std::max(now, direction.free_at);
    direction.free_at =
        begin + std::chrono::nanoseconds(static_cast<int64_t>(bytes) * 1'000'000'000 / rate_);
    done = direction.free_at;
  }
  // The chunk is delivered once its last byte has crossed the link.
  std::this_thread::sleep_until(done);
  direction.bytes += static_cast<int64_t>(bytes);
}

void ShapedLink::relay(int from, int to, Direction& direction) {
  char buffer[kChunk];
  while (!stopping_) {
    pollfd p{from, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(from, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    transmit(direction, static_cast<size_t>(n));
    if (::send(to, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
  }
  // Either side closing ends both directions (the peer relay sees the shutdown).
  ::shutdown(from, SHUT_RDWR);
  ::shutdown(to, SHUT_RDWR);
}

}  // namespace yard::bench

#include "connection_pool.h"

#include <string>

#include "yard/plugin.hpp"

namespace yard::sqlite {

ConnectionPool::Lease& ConnectionPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    giveBack();
    pool_ = std::exchange(other.pool_, nullptr);
    conn_ = std::move(other.conn_);
    discard_ = std::exchange(other.discard_, false);
  }
  return *this;
}

ConnectionPool::Lease::~Lease() { giveBack(); }

void ConnectionPool::Lease::giveBack() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->release(std::move(conn_), discard_);
  pool_ = nullptr;
  discard_ = false;
}

ConnectionPool::ConnectionPool(std::unique_ptr<Connection> writer, Opener open, size_t max_readers,
                               std::chrono::milliseconds max_wait)
    : open_(std::move(open)),
      max_readers_(max_readers),
      max_wait_(max_wait),
      writer_(std::move(writer)) {}

yard_rc ConnectionPool::acquire(Connection::Role role, Lease& out, yard_error* err) {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + max_wait_;
  std::unique_ptr<Connection> conn;
  if (role == Connection::Role::kWriter) {
    // The host serialises writers, so waiting here means a writable transaction was left open.
    if (!freed_.wait_until(lock, deadline, [&] { return !writer_leased_; }))
      return sdk::fail(err, YARD_RETRY,
                       "another writable transaction has been open for over " +
                           std::to_string(max_wait_.count()) + " ms");
    writer_leased_ = true;
    conn = std::move(writer_);  // null after a discard: reopened below
  } else {
    if (!freed_.wait_until(lock, deadline,
                           [&] { return !idle_readers_.empty() || readers_open_ < max_readers_; }))
      return sdk::fail(err, YARD_RETRY,
                       "all " + std::to_string(max_readers_) + " reader connections are busy");
    if (!idle_readers_.empty()) {
      conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    } else {
      ++readers_open_;
    }
  }
  if (conn == nullptr) {
    lock.unlock();  // opening does I/O; the slot is already reserved above
    if (yard_rc rc = open_(role, conn, err); rc != YARD_OK) {
      lock.lock();
      if (role == Connection::Role::kWriter) {
        writer_leased_ = false;
      } else {
        --readers_open_;
      }
      freed_.notify_all();
      return rc;
    }
  }
  out = Lease(this, std::move(conn));
  return YARD_OK;
}

void ConnectionPool::release(std::unique_ptr<Connection> conn, bool discard) {
  std::unique_ptr<Connection> closing;  // closed after unlocking: closing does I/O
  {
    std::lock_guard lock(mu_);
    const bool writer = conn->role() == Connection::Role::kWriter;
    if (discard) {
      closing = std::move(conn);
      if (!writer) --readers_open_;
    } else if (writer) {
      writer_ = std::move(conn);
    } else {
      idle_readers_.push_back(std::move(conn));
    }
    if (writer) writer_leased_ = false;
  }
  freed_.notify_all();
}

}  // namespace yard::sqlite

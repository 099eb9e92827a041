#include "pg_pool.h"

#include <string>

#include "yard/plugin.hpp"

namespace yard::postgres {

PgPool::Lease& PgPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    giveBack();
    pool_ = std::exchange(other.pool_, nullptr);
    conn_ = std::move(other.conn_);
  }
  return *this;
}

PgPool::Lease::~Lease() { giveBack(); }

void PgPool::Lease::giveBack() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->release(std::move(conn_));
  pool_ = nullptr;
}

PgPool::PgPool(Opener open, size_t max_size, std::chrono::milliseconds max_wait)
    : open_(std::move(open)), max_size_(max_size), max_wait_(max_wait) {}

yard_rc PgPool::acquire(Lease& out, yard_error* err) {
  std::unique_ptr<PgConnection> conn;
  {
    std::unique_lock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + max_wait_;
    if (!freed_.wait_until(lock, deadline,
                           [&] { return !idle_.empty() || open_count_ < max_size_; }))
      return sdk::fail(err, YARD_RETRY,
                       "all " + std::to_string(max_size_) + " PostgreSQL connections are busy");
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_count_;
    }
  }
  if (conn == nullptr) {
    if (yard_rc rc = open_(conn, err); rc != YARD_OK) {
      std::lock_guard lock(mu_);
      --open_count_;
      freed_.notify_one();
      return rc;
    }
  }
  out = Lease(this, std::move(conn));
  return YARD_OK;
}

void PgPool::dropIdle() {
  std::vector<std::unique_ptr<PgConnection>> closing;
  {
    std::lock_guard lock(mu_);
    closing.swap(idle_);
    open_count_ -= closing.size();
  }
  freed_.notify_all();
}

void PgPool::release(std::unique_ptr<PgConnection> conn) {
  // A connection still inside a transaction (a ROLLBACK that failed) or without a server would
  // wedge or fail the next user: close it instead.
  const bool reusable = !conn->broken() && !conn->inTransaction();
  if (!reusable) conn.reset();
  std::lock_guard lock(mu_);
  if (reusable)
    idle_.push_back(std::move(conn));
  else
    --open_count_;
  freed_.notify_one();
}

}  // namespace yard::postgres

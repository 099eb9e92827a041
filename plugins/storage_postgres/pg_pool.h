#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "pg_connection.h"

namespace yard::postgres {

// The store's connections to PostgreSQL, at most max_size of them, opened on demand and kept
// idle between transactions. A connection that broke (the server restarted) or was left in an
// unknown state is discarded when given back, and the next acquire opens a fresh one: that is
// the whole reconnect logic, so a database restart costs the transactions that were in flight
// (they fail with YARD_RETRY) and nothing else. Thread-safe. Every Lease must be gone before
// the pool is destroyed.
class PgPool {
 public:
  using Opener = std::function<yard_rc(std::unique_ptr<PgConnection>&, yard_error*)>;

  // A connection on loan to one transaction (or backup, or check). Returns it on destruction.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();
    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }
    explicit operator bool() const { return conn_ != nullptr; }

   private:
    friend class PgPool;
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    void giveBack();
    PgPool* pool_ = nullptr;
    std::unique_ptr<PgConnection> conn_;
  };

  PgPool(Opener open, size_t max_size, std::chrono::milliseconds max_wait);
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // Waits up to max_wait for a free slot; YARD_RETRY when none became free or the database
  // cannot be reached.
  yard_rc acquire(Lease& out, yard_error* err);
  // Closes every idle connection (after one was found broken: they all went with the server).
  void dropIdle();
  size_t maxSize() const { return max_size_; }

 private:
  void release(std::unique_ptr<PgConnection> conn);

  const Opener open_;
  const size_t max_size_;
  const std::chrono::milliseconds max_wait_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  size_t open_count_ = 0;  // idle + leased
};

}  // namespace yard::postgres

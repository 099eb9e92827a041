#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "connection.h"

namespace yard::sqlite {

// The store's connections: exactly one writer (SQLite allows one writer at a time anyway, and
// one connection keeps its statements hot) and up to max_readers readers, each of which holds
// its own WAL snapshot while leased. Readers are opened on demand, so an idle store costs one
// connection's page cache plus whatever readers were needed at the busiest moment.
// Thread-safe. Every Lease must be gone before the pool is destroyed.
class ConnectionPool {
 public:
  using Opener =
      std::function<yard_rc(Connection::Role, std::unique_ptr<Connection>&, yard_error*)>;

  // A connection on loan to one transaction (or backup, or check). Returns it on destruction.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)),
          conn_(std::move(other.conn_)),
          discard_(std::exchange(other.discard_, false)) {}
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }
    // The connection is in an unknown state (say a ROLLBACK failed): close it instead of
    // reusing it. The pool opens a fresh one when next needed.
    void discard() { discard_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    void giveBack();
    ConnectionPool* pool_ = nullptr;
    std::unique_ptr<Connection> conn_;
    bool discard_ = false;
  };

  ConnectionPool(std::unique_ptr<Connection> writer, Opener open, size_t max_readers,
                 std::chrono::milliseconds max_wait);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Waits up to max_wait for a connection of role; YARD_RETRY when none became free.
  yard_rc acquire(Connection::Role role, Lease& out, yard_error* err);

 private:
  void release(std::unique_ptr<Connection> conn, bool discard);

  const Opener open_;
  const size_t max_readers_;
  const std::chrono::milliseconds max_wait_;
  std::mutex mu_;
  std::condition_variable freed_;
  // Declared before the readers, so it is closed last: the last connection to close
  // checkpoints the WAL into the database file.
  std::unique_ptr<Connection> writer_;
  bool writer_leased_ = false;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
  size_t readers_open_ = 0;  // idle + leased
};

}  // namespace yard::sqlite

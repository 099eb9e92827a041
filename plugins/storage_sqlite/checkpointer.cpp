#include "checkpointer.h"

#include <pthread.h>

#include <string>

namespace yard::sqlite {

Checkpointer::Checkpointer(sdk::Host host, std::unique_ptr<Connection> conn)
    : host_(host), conn_(std::move(conn)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "yard-checkpoint");
    run();
  });
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Checkpointer::watch(Connection& writer) { sqlite3_wal_hook(writer.db(), afterCommit, this); }

int Checkpointer::afterCommit(void* self, sqlite3* db, const char* schema, int frames) {
  auto* me = static_cast<Checkpointer*>(self);
  if (frames >= kWriterTakesOver) {
    // The thread is not keeping up: back-pressure on the writer, as SQLite's own hook does.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (frames >= kFrames) {
    {
      std::lock_guard lock(me->mu_);
      me->due_ = true;
    }
    me->wake_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return due_ || stopping_; });
    if (stopping_) return;
    due_ = false;
    lock.unlock();
    const int code = sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                               nullptr, nullptr);
    // BUSY: another checkpoint (the writer's, past kWriterTakesOver) holds the lock; the next
    // commit nudges again.
    if (code != SQLITE_OK && code != SQLITE_BUSY)
      host_.warn("checkpoint of " + conn_->path() + " failed: " + sqlite3_errmsg(conn_->db()));
    lock.lock();
  }
}

}  // namespace yard::sqlite

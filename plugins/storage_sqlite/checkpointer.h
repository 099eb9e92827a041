#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "connection.h"
#include "yard/plugin.hpp"

namespace yard::sqlite {

// Copies the WAL back into the database file on its own thread and connection. SQLite's
// automatic checkpoint runs inside COMMIT, i.e. on the gateway's one writer thread that every
// device waits for: a seventh of that thread's time in the sync benchmark. Passive checkpoints
// here never block the writer or the readers. Should they fall far behind (a long reader pins
// old frames), the writer checkpoints in its own COMMIT again, as SQLite would: the WAL cannot
// grow without bound. Durability is unchanged: a commit is durable once its WAL frames are
// synced; a checkpoint only moves them, and one cut short by kill -9 is redone at the next open.
class Checkpointer {
 public:
  // Frames in the WAL that ask for a checkpoint (SQLite's own autocheckpoint threshold), and
  // how many the writer lets pile up (~64 MiB) before it checkpoints itself.
  static constexpr int kFrames = 1000;
  static constexpr int kWriterTakesOver = 16 * kFrames;

  // conn: a connection of its own to the store's file.
  Checkpointer(sdk::Host host, std::unique_ptr<Connection> conn);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Replaces writer's automatic checkpoint with a nudge to this thread after its commits. The
  // checkpointer must outlive writer.
  void watch(Connection& writer);

 private:
  static int afterCommit(void* self, sqlite3* db, const char* schema, int frames);
  void run();

  sdk::Host host_;
  std::unique_ptr<Connection> conn_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace yard::sqlite

#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "core/status.h"
#include "store/store.h"

namespace yard::sync {

// The node's single writer. Every change to the store runs here, so the reconciler sees one
// total order, and concurrent callers share one durable commit (group commit): a SQLite FULL
// commit costs an fsync whether it holds one row or a thousand.
//
// run() returns only after the caller's job is committed durably (ok) or abandoned (error).
// A job may be run more than once (after a failure elsewhere in its group it is retried alone,
// and a job alone in its group is run again once after a RETRY from the store),
// so it must reset whatever outputs it fills at its start. Jobs run on the writer thread; they
// must not call run() themselves.
class CommitQueue {
 public:
  using Job = std::function<Status(store::Txn&)>;
  // Runs inside every transaction just before commit (persist the HLC high-water mark, device
  // activity). An error aborts the group.
  using Hook = std::function<Status(store::Txn&)>;

  CommitQueue(store::Store& store, Hook before_commit, size_t max_group = 256);
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  Status run(Job job);

  // Finishes queued jobs, then refuses new ones with Status::retry.
  void stop();

  // Groups committed and jobs in them, for /metrics.
  uint64_t groupsCommitted() const;
  uint64_t jobsCommitted() const;

 private:
  struct Pending {
    Job job;
    Status result;
    bool done = false;
  };

  void writerLoop();
  void commitGroup(std::deque<Pending*>& group);
  Status runInOneTxn(const std::deque<Pending*>& group);

  store::Store& store_;
  Hook before_commit_;
  const size_t max_group_;

  mutable std::mutex mu_;
  std::condition_variable queued_;
  std::condition_variable finished_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  uint64_t groups_ = 0;
  uint64_t jobs_ = 0;
  std::thread writer_;
};

}  // namespace yard::sync

#include "sync/commit_queue.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

namespace yard::sync {

CommitQueue::CommitQueue(store::Store& store, Hook before_commit, size_t max_group)
    : store_(store), before_commit_(std::move(before_commit)), max_group_(max_group) {
  writer_ = std::thread([this] {
    // Named so `top -H` and the benchmarks can tell the one thread every write waits for.
    pthread_setname_np(pthread_self(), "yard-writer");
    writerLoop();
  });
}

CommitQueue::~CommitQueue() { stop(); }

void CommitQueue::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  queued_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Status CommitQueue::run(Job job) {
  Pending pending{std::move(job), Status::ok(), false};
  std::unique_lock lock(mu_);
  if (stopping_) return Status::retry("the gateway is shutting down");
  queue_.push_back(&pending);
  queued_.notify_one();
  finished_.wait(lock, [&] { return pending.done; });
  return pending.result;
}

uint64_t CommitQueue::groupsCommitted() const {
  std::lock_guard lock(mu_);
  return groups_;
}

uint64_t CommitQueue::jobsCommitted() const {
  std::lock_guard lock(mu_);
  return jobs_;
}

void CommitQueue::writerLoop() {
  for (;;) {
    std::deque<Pending*> group;
    {
      std::unique_lock lock(mu_);
      queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && group.size() < max_group_) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    commitGroup(group);
  }
}

void CommitQueue::commitGroup(std::deque<Pending*>& group) {
  Status status = runInOneTxn(group);
  // One job's failure must not fail its neighbours: retry each on its own. A lone job is run
  // again once when the store said RETRY: with several hub processes on one database, another
  // hub creating the same record meanwhile is answered so, and deciding again resolves it.
  if (!status.isOk() && (group.size() > 1 || status.code() == Code::kRetry)) {
    spdlog::warn("[store] group of {} failed ({}); retrying its jobs one by one", group.size(),
                 status.message());
    for (Pending* p : group) {
      std::deque<Pending*> alone{p};
      Status s = runInOneTxn(alone);
      std::lock_guard lock(mu_);
      p->result = s;
      p->done = true;
      if (s.isOk()) ++groups_, ++jobs_;
    }
  } else {
    std::lock_guard lock(mu_);
    for (Pending* p : group) {
      p->result = status;
      p->done = true;
    }
    if (status.isOk()) ++groups_, jobs_ += group.size();
  }
  finished_.notify_all();
}

Status CommitQueue::runInOneTxn(const std::deque<Pending*>& group) {
  auto txn = store_.begin(true);
  if (!txn.isOk()) return txn.status();
  for (Pending* p : group) {
    if (Status s = p->job(txn.value()); !s.isOk()) return s;  // Txn rolls back on destruction
  }
  if (before_commit_) {
    if (Status s = before_commit_(txn.value()); !s.isOk()) return s;
  }
  return txn->commit();
}

}  // namespace yard::sync

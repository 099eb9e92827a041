#pragma once

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "harness/sync_client.h"

namespace yard::it {

// n writes creating new inspections, equipment ids prefix0, prefix1, ...
std::vector<Json> newInspections(size_t n, const std::string& prefix);

// One batch of new records a client sent, and what the daemon answered.
struct SentBatch {
  std::vector<std::string> ids;
  int status = 0;      // HTTP status, 0 when no answer came (connection failed)
  bool acked = false;  // 200 with every write accepted
  std::map<std::string, std::string> stamps;  // id -> stamp, when acked
  std::string answer;  // the raw answer of a non-200 reply, for failure messages
};

// Fills batch from the daemon's answer to it: acked only for a complete 200 answer that
// accepted every write. Throws nothing for a malformed answer (it is just not acked).
void readAnswer(const HttpResponse& response, SentBatch& batch);

// A phone in a hurry: sends batches of new records in a loop, on its own thread and keep-alive
// connection, until stop() or until the daemon goes away (a network error ends the loop; a
// non-200 answer is recorded and the loop goes on). batches() may be read after stop().
class BatchSender {
 public:
  BatchSender(int port, Enrolment device, size_t batch_size);
  ~BatchSender();
  BatchSender(const BatchSender&) = delete;
  BatchSender& operator=(const BatchSender&) = delete;

  // Asks the loop to end after the batch in flight and joins the thread.
  void stop();
  int acked() const { return acked_.load(); }
  bool finished() const { return finished_.load(); }
  const std::vector<SentBatch>& batches() const { return batches_; }

 private:
  void loop();

  SyncClient client_;
  size_t batch_size_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::atomic<int> acked_{0};
  std::vector<SentBatch> batches_;
  std::thread thread_;
};

// Checks batches against what the store holds after a restart (id -> stamp): every acked batch
// is there whole with its stamps, every other batch is there whole or not at all. Returns one
// line per violation (empty: all good).
std::vector<std::string> batchViolations(const std::vector<SentBatch>& batches,
                                         const std::map<std::string, std::string>& stored);

// id -> stamp of every record the client can pull from a null cursor.
std::map<std::string, std::string> storedStamps(SyncClient& client);

}  // namespace yard::it

// kill -9 durability of a storage plugin (see crash_rounds.h).

#include "crash_rounds.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "conformance_cases.h"

namespace yard::test {

namespace {

constexpr int kRecordsPerBatch = 10;

std::string recordId(int64_t batch, int i) {
  return "b" + std::to_string(batch) + "-" + std::to_string(i);
}

// A distinct 64-hex name per batch.
std::string blobSha(int64_t batch) {
  std::string n = std::to_string(batch);
  return std::string(64 - n.size(), '0') + n;
}

// The child: commits batches forever, numbering on from the last committed one, and writes
// "<batch>\n" to fd after each commit returned OK. Never returns.
[[noreturn]] void runChild(StorageBackend& backend, int fd) {
  auto s = backend.open();
  if (!s.isOk()) _exit(2);
  int64_t batch = 0;
  {
    auto txn = (*s)->begin(false);
    if (!txn.isOk()) _exit(3);
    auto last = txn->getMeta("last_batch");
    if (!last.isOk()) _exit(3);
    if (last->has_value()) batch = std::stoll(**last);
  }
  const std::string body(300, 'p');
  for (;;) {
    ++batch;
    auto txn = (*s)->begin(true);
    if (!txn.isOk()) _exit(4);
    for (int i = 0; i < kRecordsPerBatch; ++i) {
      auto seq = txn->putRecord({recordId(batch, i), "site-1", "inspection", "s", 0, body});
      if (!seq.isOk()) _exit(5);
    }
    // The attachment paths (ABI 1.1) in the same transaction: one blob and its reference per
    // batch, and one upload whose offset is the batch number.
    const std::string sha = blobSha(batch);
    if (!txn->putBlob({sha, batch, "image/jpeg", batch, 0, true}).isOk()) _exit(9);
    if (!txn->addBlobRef(sha, recordId(batch, 0)).isOk()) _exit(9);
    if (!txn->putUpload({"upload", sha, 1 << 30, batch, "image/jpeg", "dev", 1, batch}).isOk())
      _exit(9);
    if (!txn->putMeta("last_batch", std::to_string(batch)).isOk()) _exit(6);
    if (!txn->commit().isOk()) _exit(7);
    const std::string line = std::to_string(batch) + "\n";
    if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(8);
  }
}

// Reads "<n>\n" lines from fd; returns the last complete number, or 0 at EOF before any.
class AckReader {
 public:
  explicit AckReader(int fd) : fd_(fd) {}
  // Blocks until at least `count` acks were read (or EOF); returns how many were read, which
  // may be more than count.
  int readUntil(int count) {
    while (acks_ < count && fill()) {
    }
    return acks_;
  }
  void drain() {
    while (fill()) {
    }
  }
  int64_t lastAck() const { return last_; }

 private:
  bool fill() {
    char buf[256];
    const ssize_t n = read(fd_, buf, sizeof(buf));
    if (n <= 0) return false;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] != '\n') {
        pending_ += buf[i];
        continue;
      }
      last_ = std::stoll(pending_);
      pending_.clear();
      ++acks_;
    }
    return true;
  }
  int fd_;
  int acks_ = 0;
  int64_t last_ = 0;
  std::string pending_;
};

}  // namespace

void killWriterRounds(StorageBackend& backend) {
  { auto s = openStore(backend); }  // create it up front: the child only ever reopens
  const unsigned seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  int64_t acknowledged = 0;

  for (int round = 0; round < 5; ++round) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::fflush(nullptr);  // nothing buffered may be written twice by the child
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      close(fds[0]);
      runChild(backend, fds[1]);
    }
    close(fds[1]);
    AckReader acks(fds[0]);
    const int target = std::uniform_int_distribution<int>(2, 40)(rng);
    REQUIRE(acks.readUntil(target) >= target);  // one read may bring several acks
    // A random moment after the target: mostly mid-transaction or mid-commit.
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng)));
    REQUIRE(kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));  // it was still running, not dead of its own error
    acks.drain();                // acks written between the sleep and the kill count too
    close(fds[0]);
    INFO("round " << round << ": killed after " << target << "+ acks, last ack " << acks.lastAck());
    REQUIRE(acks.lastAck() > acknowledged);
    acknowledged = acks.lastAck();

    auto s = openStore(backend);
    YARD_REQUIRE_OK(s->check());
    auto read = beginTxn(*s, false);
    auto last = valueOf(read.getMeta("last_batch"));
    REQUIRE(last.has_value());
    const int64_t committed = std::stoll(*last);
    CHECK(committed >= acknowledged);
    // Every batch up to the last committed one is there in full, and nothing else is.
    std::map<int64_t, int> per_batch;
    YARD_REQUIRE_OK(read.changes(0, 1 << 30, [&](const yard::store::RecordRow& r) {
      per_batch[std::stoll(r.id.substr(1, r.id.find('-') - 1))]++;
      return true;
    }));
    CHECK(valueOf(read.countRecords()) == committed * kRecordsPerBatch);
    REQUIRE(static_cast<int64_t>(per_batch.size()) == committed);
    for (const auto& [batch, n] : per_batch) {
      INFO("batch " << batch);
      CHECK(batch >= 1);
      CHECK(batch <= committed);
      CHECK(n == kRecordsPerBatch);
    }
    // Attachment metadata went with its batch: all or nothing.
    auto blobs = valueOf(read.blobStats());
    CHECK(blobs.count == committed);
    CHECK(blobs.bytes == committed * (committed + 1) / 2);
    CHECK(valueOf(read.blobRefs(blobSha(committed))) ==
          std::vector<std::string>{recordId(committed, 0)});
    auto upload = valueOf(read.getUpload("upload"));
    REQUIRE(upload.has_value());
    CHECK(upload->offset == committed);
  }
}

}  // namespace yard::test

// Conformance cases for transactions, the store's identity, check() and backup().

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "conformance_cases.h"

namespace yard::test::cases {

using store::RecordRow;

void readOnlyRefusesWrites(StorageBackend& b) {
  auto s = openStore(b);
  auto read = beginTxn(*s, false);
  CHECK(read.putRecord(recordRow("r-1", "s")).status().code() == Code::kInvalid);
  CHECK(read.putMeta("k", "v").code() == Code::kInvalid);
  CHECK(read.addNotice({"n-1", "dev-a", "r-1", "{}", 1}).code() == Code::kInvalid);
  read.rollback();
  auto check = beginTxn(*s, false);
  CHECK(valueOf(check.countRecords()) == 0);
  CHECK_FALSE(valueOf(check.getMeta("k")).has_value());
}

void rollbackDiscards(StorageBackend& b) {
  auto s = openStore(b);
  const int64_t kept = putCommitted(*s, recordRow("r-0", "s"));
  {
    auto txn = beginTxn(*s, true);
    (void)valueOf(txn.putRecord(recordRow("r-1", "s")));
    (void)valueOf(txn.putRecord(recordRow("r-0", "s-new")));
    YARD_REQUIRE_OK(txn.putMeta("k", "v"));
    (void)valueOf(txn.addAudit({0, "r-0", "w-1", "{}", "{}", 1, false}));
    YARD_REQUIRE_OK(txn.addNotice({"n-1", "dev-a", "r-0", "{}", 1}));
    YARD_REQUIRE_OK(txn.putDevice({"dev-a", "site-1", "op", false, "h", false, 1, "{}"}));
    txn.rollback();
  }
  {
    auto txn = beginTxn(*s, true);
    (void)valueOf(txn.putRecord(recordRow("r-2", "s")));
  }  // destroyed without commit: rolled back
  auto read = beginTxn(*s, false);
  CHECK(valueOf(read.countRecords()) == 1);
  CHECK(valueOf(read.getRecord("r-0"))->stamp == "s");
  CHECK(valueOf(read.getRecord("r-0"))->seq == kept);
  CHECK_FALSE(valueOf(read.getRecord("r-1")).has_value());
  CHECK_FALSE(valueOf(read.getRecord("r-2")).has_value());
  CHECK_FALSE(valueOf(read.getMeta("k")).has_value());
  CHECK(valueOf(read.listAudit(0, 10)).empty());
  CHECK(valueOf(read.listNotices("dev-a", 10)).empty());
  CHECK(valueOf(read.listDevices()).empty());
  read.rollback();
  CHECK(putCommitted(*s, recordRow("r-3", "s")) > kept);
}

void readSnapshotIsolation(StorageBackend& b) {
  auto s = openStore(b);
  const int64_t first = putCommitted(*s, recordRow("r-1", "s1"));

  // The snapshot is taken at begin(), before this reader has read anything.
  auto reader = beginTxn(*s, false);
  auto writer = beginTxn(*s, true);
  (void)valueOf(writer.putRecord(recordRow("r-2", "s1")));
  (void)valueOf(writer.putRecord(recordRow("r-1", "s2")));
  YARD_REQUIRE_OK(writer.putMeta("k", "v"));
  YARD_REQUIRE_OK(writer.commit());

  CHECK(valueOf(reader.countRecords()) == 1);
  CHECK_FALSE(valueOf(reader.getRecord("r-2")).has_value());
  CHECK(valueOf(reader.getRecord("r-1"))->stamp == "s1");
  CHECK_FALSE(valueOf(reader.getMeta("k")).has_value());
  std::vector<int64_t> seqs;
  YARD_REQUIRE_OK(reader.changes(0, 10, [&](const RecordRow& r) {
    seqs.push_back(r.seq);
    return true;
  }));
  CHECK(seqs == std::vector<int64_t>{first});

  auto fresh = beginTxn(*s, false);
  CHECK(valueOf(fresh.countRecords()) == 2);
  CHECK(valueOf(fresh.getRecord("r-1"))->stamp == "s2");
}

void commitDurableOnReopen(StorageBackend& b) {
  int64_t seq = 0;
  {
    auto s = openStore(b);
    auto txn = beginTxn(*s, true);
    seq = valueOf(txn.putRecord(recordRow("r-1", "s1", R"({"a":1})")));
    YARD_REQUIRE_OK(txn.putWrite({"w-1", "r-1", "s1"}));
    (void)valueOf(txn.addAudit({0, "r-1", "w-0", "{}", "{}", 5, false}));
    YARD_REQUIRE_OK(txn.addNotice({"n-1", "dev-a", "r-1", "{}", 5}));
    YARD_REQUIRE_OK(txn.putDevice({"dev-a", "site-1", "op", false, "h", false, 1, "{}"}));
    YARD_REQUIRE_OK(txn.putMeta("hlc", "42"));
    YARD_REQUIRE_OK(txn.commit());
  }
  auto s = openStore(b);
  auto read = beginTxn(*s, false);
  auto r = valueOf(read.getRecord("r-1"));
  REQUIRE(r.has_value());
  CHECK(r->doc == R"({"a":1})");
  CHECK(r->seq == seq);
  CHECK(valueOf(read.getWrite("w-1")).has_value());
  CHECK(valueOf(read.listAudit(0, 10)).size() == 1);
  CHECK(valueOf(read.listNotices("dev-a", 10)).size() == 1);
  CHECK(valueOf(read.getDevice("dev-a")).has_value());
  CHECK(valueOf(read.getMeta("hlc")) == std::optional<std::string>("42"));
}

void finishedTxnRefusesCalls(StorageBackend& b) {
  auto s = openStore(b);
  auto txn = beginTxn(*s, true);
  (void)valueOf(txn.putRecord(recordRow("r-1", "s")));
  YARD_REQUIRE_OK(txn.commit());
  CHECK(txn.getRecord("r-1").status().code() == Code::kInvalid);
  CHECK(txn.commit().code() == Code::kInvalid);
  txn.rollback();  // harmless
  auto read = beginTxn(*s, false);
  CHECK(valueOf(read.countRecords()) == 1);
}

void refusesForeignPlugin(StorageBackend& b) {
  {
    auto s = openStore(b);
    (void)putCommitted(*s, recordRow("r-1", "s"));
  }
  b.forgePluginName("someoneelse");
  auto again = b.open();
  REQUIRE_FALSE(again.isOk());
  CHECK(again.status().code() == Code::kPermanent);
  CHECK_THAT(again.status().message(), Catch::Contains("someoneelse"));
}

void refusesNewerFormat(StorageBackend& b) {
  { auto s = openStore(b); }
  b.forgeFormat(999);
  auto again = b.open();
  REQUIRE_FALSE(again.isOk());
  CHECK(again.status().code() == Code::kPermanent);
  CHECK_THAT(again.status().message(), Catch::Contains("999"));
}

void checkAndBackup(StorageBackend& b) {
  auto s = openStore(b);
  {
    auto txn = beginTxn(*s, true);
    for (int i = 0; i < 50; ++i)
      (void)valueOf(txn.putRecord(recordRow("r-" + std::to_string(i), "s", R"({"i":1})")));
    (void)valueOf(txn.addAudit({0, "r-1", "w-1", "{}", "{}", 5, false}));
    YARD_REQUIRE_OK(txn.addNotice({"n-1", "dev-a", "r-1", "{}", 5}));
    YARD_REQUIRE_OK(txn.putDevice({"dev-a", "site-1", "op", false, "h", false, 1, "{}"}));
    YARD_REQUIRE_OK(txn.putMeta("hlc", "42"));
    YARD_REQUIRE_OK(txn.commit());
  }
  YARD_REQUIRE_OK(s->check());
  YARD_REQUIRE_OK(s->backup(b.backupTarget()));
  // A second backup replaces the first, and the store carries on.
  (void)putCommitted(*s, recordRow("r-extra", "s"));
  YARD_REQUIRE_OK(s->backup(b.backupTarget()));

  auto copy = valueOf(b.openBackup());
  YARD_REQUIRE_OK(copy->check());
  auto read = beginTxn(*copy, false);
  CHECK(valueOf(read.countRecords()) == 51);
  CHECK(valueOf(read.getRecord("r-7"))->doc == R"({"i":1})");
  CHECK(valueOf(read.getRecord("r-extra")).has_value());
  CHECK(valueOf(read.listAudit(0, 10)).size() == 1);
  CHECK(valueOf(read.listNotices("dev-a", 10)).size() == 1);
  CHECK(valueOf(read.deviceByToken("h")).has_value());
  CHECK(valueOf(read.getMeta("hlc")) == std::optional<std::string>("42"));
}

void backupWhileWriting(StorageBackend& b) {
  auto s = openStore(b);
  // Catch assertions are not thread-safe: the writer only reports, the test thread checks.
  std::atomic<int> committed{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::string writer_error;  // written by the writer only before it sets failed, read after join
  std::thread writer([&] {
    auto report = [&](const Status& st) {
      writer_error = st.message();
      failed = true;
    };
    for (int batch = 0; !stop && !failed; ++batch) {
      auto txn = s->begin(true);
      if (!txn.isOk()) return report(txn.status());
      for (int i = 0; i < 2; ++i) {
        auto seq = txn->putRecord(recordRow("b" + std::to_string(batch) + "-" + std::to_string(i),
                                            "s", std::string(512, 'x')));
        if (!seq.isOk()) return report(seq.status());
      }
      if (Status st = txn->commit(); !st.isOk()) return report(st);
      committed = batch + 1;
    }
  });
  while (committed < 20 && !failed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const Status backed_up = s->backup(b.backupTarget());
  const int after_backup = committed;
  stop = true;
  writer.join();
  INFO(writer_error);
  REQUIRE_FALSE(failed);
  YARD_REQUIRE_OK(backed_up);

  auto copy = valueOf(b.openBackup());
  YARD_REQUIRE_OK(copy->check());
  auto read = beginTxn(*copy, false);
  const int64_t n = valueOf(read.countRecords());
  CHECK(n % 2 == 0);  // whole batches only
  CHECK(n >= 2 * 20);
  CHECK(n <= 2 * (after_backup + 1));
  for (int64_t batch = 0; batch < n / 2; ++batch)
    CHECK(valueOf(read.getRecord("b" + std::to_string(batch) + "-1")).has_value());
}

}  // namespace yard::test::cases

// Conformance cases for the row families: records, writes, audit, notices, devices, meta.

#include <set>
#include <vector>

#include "conformance_cases.h"

namespace yard::test::cases {

using store::AuditRow;
using store::DeviceRow;
using store::NoticeRow;
using store::RecordRow;

void recordsPutGet(StorageBackend& b) {
  auto s = openStore(b);
  auto txn = beginTxn(*s, true);
  CHECK_FALSE(valueOf(txn.getRecord("r-1")).has_value());

  const int64_t first = valueOf(txn.putRecord(recordRow("r-1", "0001-a", R"({"v":1})")));
  CHECK(first > 0);
  auto got = valueOf(txn.getRecord("r-1"));
  REQUIRE(got.has_value());
  CHECK(got->id == "r-1");
  CHECK(got->site == "site-1");
  CHECK(got->type == "inspection");
  CHECK(got->stamp == "0001-a");
  CHECK(got->seq == first);
  CHECK(got->doc == R"({"v":1})");

  // Replacing gives the record a new, greater seq and the new contents.
  const int64_t second = valueOf(txn.putRecord(recordRow("r-1", "0002-a", R"({"v":2})")));
  CHECK(second > first);
  got = valueOf(txn.getRecord("r-1"));
  REQUIRE(got.has_value());
  CHECK(got->stamp == "0002-a");
  CHECK(got->seq == second);
  CHECK(got->doc == R"({"v":2})");

  // Text is stored byte for byte, including non-ASCII.
  const std::string utf8 =
      "{\"note\":\"Gr\xC3\xBC\xC3\x9F"
      "e \xE2\x9C\x93\"}";
  (void)valueOf(txn.putRecord(recordRow("r-2", "0003-a", utf8)));
  CHECK(valueOf(txn.getRecord("r-2"))->doc == utf8);

  CHECK(valueOf(txn.countRecords()) == 2);  // a replace does not add a record
  YARD_REQUIRE_OK(txn.commit());

  auto read = beginTxn(*s, false);
  CHECK(valueOf(read.countRecords()) == 2);
  CHECK(valueOf(read.getRecord("r-1"))->seq == second);
}

void changesOrderAndPaging(StorageBackend& b) {
  auto s = openStore(b);
  {
    auto txn = beginTxn(*s, true);
    for (int i = 0; i < 20; ++i)
      (void)valueOf(txn.putRecord(recordRow("r-" + std::to_string(i), "s1")));
    YARD_REQUIRE_OK(txn.commit());
  }
  // Rewriting r-3 and r-7 moves them to the end of the feed, once each.
  (void)putCommitted(*s, recordRow("r-3", "s2"));
  (void)putCommitted(*s, recordRow("r-7", "s2"));

  auto read = beginTxn(*s, false);
  std::vector<RecordRow> all;
  int64_t cursor = 0;
  int pages = 0;
  for (;;) {
    std::vector<RecordRow> page;
    YARD_REQUIRE_OK(read.changes(cursor, 6, [&](const RecordRow& r) {
      page.push_back(r);
      return true;
    }));
    CHECK(page.size() <= 6);
    if (page.empty()) break;
    ++pages;
    cursor = page.back().seq;
    all.insert(all.end(), page.begin(), page.end());
  }
  CHECK(pages == 4);
  REQUIRE(all.size() == 20);
  std::set<std::string> ids;
  for (size_t i = 0; i < all.size(); ++i) {
    ids.insert(all[i].id);
    if (i > 0) CHECK(all[i].seq > all[i - 1].seq);
  }
  CHECK(ids.size() == 20);
  CHECK(all[18].id == "r-3");
  CHECK(all[18].stamp == "s2");
  CHECK(all[19].id == "r-7");

  // The visitor can stop early; a non-positive limit is the caller's mistake.
  int seen = 0;
  YARD_REQUIRE_OK(read.changes(0, 100, [&](const RecordRow&) { return ++seen < 3; }));
  CHECK(seen == 3);
  std::vector<RecordRow> none;
  YARD_REQUIRE_OK(read.changes(all.back().seq, 10, [&](const RecordRow& r) {
    none.push_back(r);
    return true;
  }));
  CHECK(none.empty());
  CHECK(read.changes(0, 0, [](const RecordRow&) { return true; }).code() == Code::kInvalid);
}

void seqMonotonicAcrossReopen(StorageBackend& b) {
  int64_t last = 0;
  for (int round = 0; round < 3; ++round) {
    auto s = openStore(b);
    for (int i = 0; i < 5; ++i) {
      // Re-putting the same ids: the newest seq must still always grow.
      const int64_t seq = putCommitted(*s, recordRow("r-" + std::to_string(i % 2), "s"));
      CHECK(seq > last);
      last = seq;
    }
  }
  auto s = openStore(b);
  auto read = beginTxn(*s, false);
  CHECK(valueOf(read.countRecords()) == 2);
}

void writes(StorageBackend& b) {
  auto s = openStore(b);
  auto txn = beginTxn(*s, true);
  CHECK_FALSE(valueOf(txn.getWrite("w-1")).has_value());
  YARD_REQUIRE_OK(txn.putWrite({"w-1", "r-1", "0001-a"}));
  YARD_REQUIRE_OK(txn.putWrite({"w-2", "r-1", "0002-a"}));
  YARD_REQUIRE_OK(txn.commit());

  auto read = beginTxn(*s, false);
  auto w = valueOf(read.getWrite("w-1"));
  REQUIRE(w.has_value());
  CHECK(w->write_id == "w-1");
  CHECK(w->record_id == "r-1");
  CHECK(w->stamp == "0001-a");
  CHECK(valueOf(read.getWrite("w-2"))->stamp == "0002-a");
}

void audit(StorageBackend& b) {
  auto s = openStore(b);
  auto txn = beginTxn(*s, true);
  CHECK(valueOf(txn.listAudit(0, 10)).empty());
  const int64_t a1 =
      valueOf(txn.addAudit({0, "r-1", "w-1", "{\"lost\":1}", "{\"kept\":1}", 100, false}));
  const int64_t a2 =
      valueOf(txn.addAudit({0, "r-2", "w-2", "{\"lost\":2}", "{\"kept\":2}", 200, false}));
  const int64_t a3 =
      valueOf(txn.addAudit({0, "r-1", "w-3", "{\"lost\":3}", "{\"kept\":3}", 300, false}));
  CHECK(a1 < a2);
  CHECK(a2 < a3);
  // A retransmitted losing write: same id back, no second row, first contents kept.
  CHECK(valueOf(txn.addAudit({0, "r-1", "w-1", "{\"lost\":9}", "{}", 999, false})) == a1);
  YARD_REQUIRE_OK(txn.commit());

  auto read = beginTxn(*s, false);
  auto list = valueOf(read.listAudit(0, 10));
  REQUIRE(list.size() == 3);
  CHECK(list[0].audit_id == a3);  // newest first
  CHECK(list[1].audit_id == a2);
  CHECK(list[2].audit_id == a1);
  CHECK(list[2].lost_doc == "{\"lost\":1}");
  CHECK(list[2].kept_doc == "{\"kept\":1}");
  CHECK(list[2].at_ms == 100);
  CHECK(list[2].write_id == "w-1");
  CHECK(list[2].record_id == "r-1");
  auto page = valueOf(read.listAudit(a3, 1));  // ids below a3, at most one
  REQUIRE(page.size() == 1);
  CHECK(page[0].audit_id == a2);
  CHECK(valueOf(read.listAudit(a1, 10)).empty());
  CHECK_FALSE(valueOf(read.getAudit(a3 + 1000)).has_value());
  CHECK_FALSE(valueOf(read.getAudit(a2))->restored);
  read.rollback();

  auto w = beginTxn(*s, true);
  YARD_REQUIRE_OK(w.markRestored(a2));
  CHECK(w.markRestored(a3 + 1000).code() == Code::kNotFound);
  YARD_REQUIRE_OK(w.commit());
  auto after = beginTxn(*s, false);
  CHECK(valueOf(after.getAudit(a2))->restored);
  CHECK_FALSE(valueOf(after.getAudit(a1))->restored);
}

void notices(StorageBackend& b) {
  auto s = openStore(b);
  auto txn = beginTxn(*s, true);
  YARD_REQUIRE_OK(txn.addNotice({"n-2", "dev-a", "r-1", "{\"n\":2}", 200}));
  YARD_REQUIRE_OK(txn.addNotice({"n-1", "dev-a", "r-1", "{\"n\":1}", 100}));
  YARD_REQUIRE_OK(txn.addNotice({"n-3", "dev-a", "r-2", "{\"n\":3}", 300}));
  YARD_REQUIRE_OK(txn.addNotice({"n-b", "dev-b", "r-1", "{\"n\":\"b\"}", 150}));
  YARD_REQUIRE_OK(txn.addNotice({"n-1", "dev-a", "r-1", "{\"n\":\"again\"}", 999}));
  YARD_REQUIRE_OK(txn.commit());

  auto ids = [&](const std::string& device, int limit) {
    auto t = beginTxn(*s, false);
    std::vector<std::string> out;
    for (const NoticeRow& n : valueOf(t.listNotices(device, limit))) out.push_back(n.notice_id);
    return out;
  };
  CHECK(ids("dev-a", 10) == std::vector<std::string>{"n-1", "n-2", "n-3"});  // oldest first
  CHECK(ids("dev-a", 2) == std::vector<std::string>{"n-1", "n-2"});
  CHECK(ids("dev-b", 10) == std::vector<std::string>{"n-b"});
  CHECK(ids("dev-c", 10).empty());
  {
    auto t = beginTxn(*s, false);
    auto rows = valueOf(t.listNotices("dev-a", 1));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].doc == "{\"n\":1}");  // the repeat did not replace the first
    CHECK(rows[0].device == "dev-a");
    CHECK(rows[0].record_id == "r-1");
    CHECK(rows[0].at_ms == 100);
  }

  auto ack = beginTxn(*s, true);
  YARD_REQUIRE_OK(ack.ackNotice("dev-b", "n-1"));    // someone else's notice: no-op
  YARD_REQUIRE_OK(ack.ackNotice("dev-a", "n-404"));  // unknown: no-op
  YARD_REQUIRE_OK(ack.ackNotice("dev-a", "n-1"));
  YARD_REQUIRE_OK(ack.commit());
  CHECK(ids("dev-a", 10) == std::vector<std::string>{"n-2", "n-3"});
  CHECK(ids("dev-b", 10) == std::vector<std::string>{"n-b"});

  // Re-adding an acknowledged notice (a retried batch) must not bring it back.
  auto again = beginTxn(*s, true);
  YARD_REQUIRE_OK(again.addNotice({"n-1", "dev-a", "r-1", "{}", 100}));
  YARD_REQUIRE_OK(again.commit());
  CHECK(ids("dev-a", 10) == std::vector<std::string>{"n-2", "n-3"});
}

void devices(StorageBackend& b) {
  auto s = openStore(b);
  DeviceRow phone{"dev-b", "site-1", "op-7", false, "hash-b", false, 1000, R"({"pending":0})"};
  DeviceRow node{"dev-a", "site-1", "", true, "hash-a", false, 2000, "{}"};
  auto txn = beginTxn(*s, true);
  YARD_REQUIRE_OK(txn.putDevice(phone));
  YARD_REQUIRE_OK(txn.putDevice(node));
  YARD_REQUIRE_OK(txn.commit());

  auto read = beginTxn(*s, false);
  auto got = valueOf(read.getDevice("dev-b"));
  REQUIRE(got.has_value());
  CHECK(got->site == "site-1");
  CHECK(got->operator_id == "op-7");
  CHECK_FALSE(got->node);
  CHECK(got->token_hash == "hash-b");
  CHECK_FALSE(got->revoked);
  CHECK(got->created_ms == 1000);
  CHECK(got->state_doc == R"({"pending":0})");
  CHECK(valueOf(read.deviceByToken("hash-a"))->id == "dev-a");
  CHECK(valueOf(read.deviceByToken("hash-a"))->node);
  CHECK_FALSE(valueOf(read.deviceByToken("hash-zzz")).has_value());
  CHECK_FALSE(valueOf(read.getDevice("dev-zzz")).has_value());
  auto list = valueOf(read.listDevices());
  REQUIRE(list.size() == 2);
  CHECK(list[0].id == "dev-a");  // ordered by id
  CHECK(list[1].id == "dev-b");
  read.rollback();

  // Revoke (a put by id replaces), and token hashes stay unique across devices.
  phone.revoked = true;
  phone.state_doc = R"({"pending":3})";
  auto w = beginTxn(*s, true);
  YARD_REQUIRE_OK(w.putDevice(phone));
  DeviceRow thief{"dev-c", "site-1", "op-9", false, "hash-a", false, 3000, "{}"};
  CHECK(w.putDevice(thief).code() == Code::kInvalid);
  YARD_REQUIRE_OK(w.commit());

  auto after = beginTxn(*s, false);
  auto revoked = valueOf(after.deviceByToken("hash-b"));
  REQUIRE(revoked.has_value());
  CHECK(revoked->revoked);  // still found: the host decides what revoked means
  CHECK(revoked->state_doc == R"({"pending":3})");
  CHECK(valueOf(after.listDevices()).size() == 2);
}

void meta(StorageBackend& b) {
  auto s = openStore(b);
  auto txn = beginTxn(*s, true);
  CHECK_FALSE(valueOf(txn.getMeta("hlc")).has_value());
  YARD_REQUIRE_OK(txn.putMeta("hlc", "0001732456789012-0003"));
  YARD_REQUIRE_OK(txn.putMeta("node_id", "gw-1"));
  YARD_REQUIRE_OK(txn.putMeta("hlc", "0001732456789999-0000"));
  YARD_REQUIRE_OK(txn.putMeta("empty", ""));
  YARD_REQUIRE_OK(txn.commit());

  auto read = beginTxn(*s, false);
  CHECK(valueOf(read.getMeta("hlc")) == std::optional<std::string>("0001732456789999-0000"));
  CHECK(valueOf(read.getMeta("node_id")) == std::optional<std::string>("gw-1"));
  CHECK(valueOf(read.getMeta("empty")) == std::optional<std::string>(""));
}

void outbox(StorageBackend& b) {
  auto s = openStore(b);
  {
    auto read = beginTxn(*s, false);
    CHECK(valueOf(read.listOutbox(10)).empty());
    const store::OutboxStats empty = valueOf(read.outboxStats());
    CHECK(empty.count == 0);
    CHECK(empty.oldest_at_ms == 0);
  }
  auto txn = beginTxn(*s, true);
  YARD_REQUIRE_OK(txn.putOutbox({"r-2", "s1", "", 300}));
  YARD_REQUIRE_OK(txn.putOutbox({"r-1", "s1", "s0", 100}));
  YARD_REQUIRE_OK(txn.putOutbox({"r-2", "s2", "s1", 400}));  // a newer version of r-2
  YARD_REQUIRE_OK(txn.putOutbox({"r-3", "s1", "", 500}));
  YARD_REQUIRE_OK(txn.commit());

  auto keys = [&](int limit) {
    auto t = beginTxn(*s, false);
    std::vector<std::string> out;
    for (const store::OutboxRow& r : valueOf(t.listOutbox(limit)))
      out.push_back(r.record_id + "@" + r.stamp);
    return out;
  };
  // One row per record, in the order records were first queued; the newer version of r-2
  // took over its row.
  CHECK(keys(10) == std::vector<std::string>{"r-2@s2", "r-1@s1", "r-3@s1"});
  CHECK(keys(1) == std::vector<std::string>{"r-2@s2"});
  {
    auto read = beginTxn(*s, false);
    auto rows = valueOf(read.listOutbox(10));
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].base.empty());  // the base upstream knows: the first queued version's
    CHECK(rows[0].at_ms == 300);  // and its queue time
    CHECK(rows[1].base == "s0");
    const store::OutboxStats stats = valueOf(read.outboxStats());
    CHECK(stats.count == 3);
    CHECK(stats.oldest_at_ms == 300);  // the oldest queued row's time
    CHECK(read.listOutbox(0).status().code() == Code::kInvalid);
    CHECK(read.outboxDone("r-1", "s1").code() == Code::kInvalid);  // read-only
  }

  auto done = beginTxn(*s, true);
  YARD_REQUIRE_OK(done.outboxDone("r-2", "s1"));  // an answer for the superseded version: kept
  YARD_REQUIRE_OK(done.outboxDone("r-3", "s1"));
  YARD_REQUIRE_OK(done.outboxDone("r-3", "s1"));   // again: no-op
  YARD_REQUIRE_OK(done.outboxDone("r-9", "s1"));   // unknown: no-op
  YARD_REQUIRE_OK(done.outboxDone("r-1", "s-x"));  // other stamp: untouched
  YARD_REQUIRE_OK(done.commit());
  CHECK(keys(10) == std::vector<std::string>{"r-2@s2", "r-1@s1"});
  {
    auto more = beginTxn(*s, true);
    YARD_REQUIRE_OK(more.outboxDone("r-2", "s2"));
    YARD_REQUIRE_OK(more.commit());
  }
  auto read = beginTxn(*s, false);
  const store::OutboxStats stats = valueOf(read.outboxStats());
  CHECK(stats.count == 1);
  CHECK(stats.oldest_at_ms == 100);
}

void nulBytes(StorageBackend& b) {
  using namespace std::string_literals;
  auto s = openStore(b);
  auto txn = beginTxn(*s, true);
  (void)valueOf(txn.putRecord(recordRow("r-1", "s")));
  YARD_REQUIRE_OK(txn.putDevice({"dev-a", "site-1", "op", false, "h", false, 1, "{}"}));
  YARD_REQUIRE_OK(txn.addNotice({"n-1", "dev-a", "r-1", "{}", 1}));
  YARD_REQUIRE_OK(txn.putMeta("k", "v"));
  // Lookups by a key that merely starts like an existing one find nothing.
  CHECK_FALSE(valueOf(txn.getRecord("r-1\0x"s)).has_value());
  CHECK_FALSE(valueOf(txn.getDevice("dev-a\0"s)).has_value());
  CHECK_FALSE(valueOf(txn.deviceByToken("h\0"s)).has_value());
  CHECK_FALSE(valueOf(txn.getMeta("k\0"s)).has_value());
  CHECK(valueOf(txn.listNotices("dev-a\0"s, 10)).empty());
  // Writes holding one are refused; acks of one touch nothing.
  CHECK(txn.putRecord(recordRow("r-1\0x"s, "s2")).status().code() == Code::kInvalid);
  CHECK(txn.putMeta("k\0x"s, "w").code() == Code::kInvalid);
  CHECK(txn.putDevice({"dev-a\0"s, "site-1", "op", true, "h2", true, 1, "{}"}).code() ==
        Code::kInvalid);
  YARD_REQUIRE_OK(txn.ackNotice("dev-a", "n-1\0x"s));
  YARD_REQUIRE_OK(txn.commit());

  auto read = beginTxn(*s, false);
  CHECK(valueOf(read.getRecord("r-1"))->stamp == "s");
  CHECK(valueOf(read.getMeta("k")) == std::optional<std::string>("v"));
  CHECK_FALSE(valueOf(read.getDevice("dev-a"))->revoked);
  CHECK(valueOf(read.listNotices("dev-a", 10)).size() == 1);
}

}  // namespace yard::test::cases

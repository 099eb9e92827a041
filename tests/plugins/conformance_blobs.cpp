// Conformance cases for attachment metadata and tus uploads (ABI 1.1).

#include <string>

#include "conformance_cases.h"

namespace yard::test::cases {

using store::BlobRow;
using store::UploadRow;

namespace {
std::string sha(char c) { return std::string(64, c); }
}  // namespace

void blobs(StorageBackend& b) {
  auto s = openStore(b);
  REQUIRE(s->hasAttachments());
  {
    auto txn = beginTxn(*s, true);
    YARD_REQUIRE_OK(txn.putBlob({sha('b'), 200, "image/jpeg", 1000, 0, true}));
    YARD_REQUIRE_OK(txn.putBlob({sha('a'), 100, "image/png", 1001, 0, true}));
    YARD_REQUIRE_OK(txn.putBlob({sha('c'), 50, "application/pdf", 1002, 0, true}));
    YARD_REQUIRE_OK(txn.commit());
  }
  {
    auto txn = beginTxn(*s, true);
    // A later put keeps first_seen_ms and takes everything else.
    YARD_REQUIRE_OK(txn.putBlob({sha('b'), 200, "image/jpeg", 9999, 5000, true}));
    YARD_REQUIRE_OK(txn.putBlob({sha('c'), 50, "application/pdf", 9999, 4000, false}));
    YARD_REQUIRE_OK(txn.commit());
  }
  auto read = beginTxn(*s, false);
  auto b_row = valueOf(read.getBlob(sha('b')));
  REQUIRE(b_row.has_value());
  CHECK(b_row->size == 200);
  CHECK(b_row->mime == "image/jpeg");
  CHECK(b_row->first_seen_ms == 1000);
  CHECK(b_row->confirmed_ms == 5000);
  CHECK(b_row->present);
  CHECK_FALSE(valueOf(read.getBlob(sha('c')))->present);
  CHECK_FALSE(valueOf(read.getBlob(sha('d'))).has_value());

  auto all = valueOf(read.listBlobs("", 10));
  REQUIRE(all.size() == 3);
  CHECK(all[0].sha256 == sha('a'));
  CHECK(all[2].sha256 == sha('c'));
  auto page = valueOf(read.listBlobs(sha('a'), 1));
  REQUIRE(page.size() == 1);
  CHECK(page[0].sha256 == sha('b'));

  // Only present blobs count; unconfirmed bytes are those without a confirmation.
  auto stats = valueOf(read.blobStats());
  CHECK(stats.count == 2);
  CHECK(stats.bytes == 300);
  CHECK(stats.unconfirmed_bytes == 100);
  read.rollback();

  auto w = beginTxn(*s, true);
  YARD_REQUIRE_OK(w.deleteBlob(sha('a')));
  YARD_REQUIRE_OK(w.deleteBlob(sha('z')));  // absent: no-op
  YARD_REQUIRE_OK(w.commit());
  auto after = beginTxn(*s, false);
  CHECK_FALSE(valueOf(after.getBlob(sha('a'))).has_value());
  CHECK(valueOf(after.blobStats()).bytes == 200);
}

void blobRefs(StorageBackend& b) {
  auto s = openStore(b);
  {
    auto txn = beginTxn(*s, true);
    // A reference may come before the blob itself (a record synced before its photo).
    YARD_REQUIRE_OK(txn.addBlobRef(sha('a'), "rec-2"));
    YARD_REQUIRE_OK(txn.addBlobRef(sha('a'), "rec-1"));
    YARD_REQUIRE_OK(txn.addBlobRef(sha('a'), "rec-2"));  // idempotent
    YARD_REQUIRE_OK(txn.addBlobRef(sha('b'), "rec-1"));
    YARD_REQUIRE_OK(txn.commit());
  }
  auto read = beginTxn(*s, false);
  CHECK(valueOf(read.blobRefs(sha('a'))) == std::vector<std::string>{"rec-1", "rec-2"});
  CHECK(valueOf(read.blobRefs(sha('b'))) == std::vector<std::string>{"rec-1"});
  CHECK(valueOf(read.blobRefs(sha('c'))).empty());
  CHECK_FALSE(valueOf(read.getBlob(sha('a'))).has_value());
}

void uploads(StorageBackend& b) {
  auto s = openStore(b);
  {
    auto txn = beginTxn(*s, true);
    YARD_REQUIRE_OK(txn.putUpload({"u-2", sha('a'), 5000, 0, "image/jpeg", "dev-1", 20, 20}));
    YARD_REQUIRE_OK(txn.putUpload({"u-1", sha('b'), 0, 0, "image/png", "", 10, 10}));
    YARD_REQUIRE_OK(txn.commit());
  }
  {
    auto txn = beginTxn(*s, true);
    YARD_REQUIRE_OK(txn.putUpload({"u-2", sha('a'), 5000, 4096, "image/jpeg", "dev-1", 20, 30}));
    // An offset past the declared length is refused.
    CHECK(txn.putUpload({"u-3", sha('c'), 10, 11, "x/y", "d", 1, 1}).code() == Code::kInvalid);
  }  // rolled back
  {
    auto txn = beginTxn(*s, true);
    YARD_REQUIRE_OK(txn.putUpload({"u-2", sha('a'), 5000, 4096, "image/jpeg", "dev-1", 20, 30}));
    YARD_REQUIRE_OK(txn.commit());
  }
  auto read = beginTxn(*s, false);
  auto u = valueOf(read.getUpload("u-2"));
  REQUIRE(u.has_value());
  CHECK(u->sha256 == sha('a'));
  CHECK(u->length == 5000);
  CHECK(u->offset == 4096);
  CHECK(u->mime == "image/jpeg");
  CHECK(u->device == "dev-1");
  CHECK(u->created_ms == 20);
  CHECK(u->updated_ms == 30);
  CHECK_FALSE(valueOf(read.getUpload("u-3")).has_value());
  auto list = valueOf(read.listUploads());
  REQUIRE(list.size() == 2);
  CHECK(list[0].upload_id == "u-1");  // oldest created first
  CHECK(list[1].upload_id == "u-2");
  read.rollback();

  auto w = beginTxn(*s, true);
  YARD_REQUIRE_OK(w.deleteUpload("u-1"));
  YARD_REQUIRE_OK(w.deleteUpload("u-9"));  // absent: no-op
  YARD_REQUIRE_OK(w.commit());
  auto after = beginTxn(*s, false);
  CHECK(valueOf(after.listUploads()).size() == 1);
}

}  // namespace yard::test::cases

// The attachment members of SqliteTxn (ABI 1.1): blob metadata, blob references, tus uploads.

#include "sqlite_txn.h"
#include "yard/plugin.hpp"

namespace yard::sqlite {

namespace {

// Row readers: column order as BLOB_COLS / UPLOAD_COLS in statements.cpp.
yard_blob_row blobRow(const Query& q) {
  return yard_blob_row{q.text(0),    q.integer(1), q.text(2),
                       q.integer(3), q.integer(4), static_cast<int32_t>(q.integer(5))};
}
yard_upload_row uploadRow(const Query& q) {
  return yard_upload_row{q.text(0), q.text(1), q.integer(2), q.integer(3),
                         q.text(4), q.text(5), q.integer(6), q.integer(7)};
}

// Runs a lookup of at most one row: emit gets it, or the answer is YARD_NOT_FOUND.
template <typename Emit>
yard_rc single(Query& q, Emit&& emit, yard_error* err) {
  bool found = false;
  yard_rc rc = q.each(
      [&](const Query& r) {
        found = true;
        emit(r);
        return 1;
      },
      err);
  if (rc != YARD_OK) return rc;
  return found ? YARD_OK : YARD_NOT_FOUND;
}

}  // namespace

yard_rc SqliteTxn::blobPut(const yard_blob_row& row, yard_error* err) {
  if (yard_rc rc = ready("blob_put", true, err); rc != YARD_OK) return rc;
  if (row.sha256 == nullptr || row.mime == nullptr)
    return sdk::fail(err, YARD_INVALID, "blob_put: sha256 and mime are required");
  Query q(*lease_, Stmt::kBlobPut, err);
  if (!q) return q.rc();
  q.bind(1, row.sha256).bind(2, row.size).bind(3, row.mime).bind(4, row.first_seen_ms);
  q.bind(5, row.confirmed_ms).bind(6, int64_t{row.present != 0 ? 1 : 0});
  return q.run(err);
}

yard_rc SqliteTxn::blobGet(const char* sha256, yard_blob_fn fn, void* ctx, yard_error* err) {
  if (yard_rc rc = ready("blob_get", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kBlobGet, err);
  if (!q) return q.rc();
  q.bind(1, sha256);
  return single(
      q,
      [&](const Query& r) {
        const yard_blob_row row = blobRow(r);
        fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::blobList(const char* after, int32_t limit, yard_blob_fn fn, void* ctx,
                            yard_error* err) {
  if (yard_rc rc = ready("blob_list", false, err); rc != YARD_OK) return rc;
  if (limit <= 0) return sdk::fail(err, YARD_INVALID, "limit must be positive");
  Query q(*lease_, Stmt::kBlobList, err);
  if (!q) return q.rc();
  q.bind(1, after).bind(2, int64_t{limit});
  return q.each(
      [&](const Query& r) {
        const yard_blob_row row = blobRow(r);
        return fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::blobDelete(const char* sha256, yard_error* err) {
  if (yard_rc rc = ready("blob_delete", true, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kBlobDelete, err);
  if (!q) return q.rc();
  return q.bind(1, sha256).run(err);
}

yard_rc SqliteTxn::blobStats(int64_t& count, int64_t& bytes, int64_t& unconfirmed,
                             yard_error* err) {
  if (yard_rc rc = ready("blob_stats", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kBlobStats, err);
  if (!q) return q.rc();
  return single(
      q,
      [&](const Query& r) {
        count = r.integer(0);
        bytes = r.integer(1);
        unconfirmed = r.integer(2);
      },
      err);
}

yard_rc SqliteTxn::blobRefAdd(const char* sha256, const char* record_id, yard_error* err) {
  if (yard_rc rc = ready("blob_ref_add", true, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kBlobRefAdd, err);
  if (!q) return q.rc();
  return q.bind(1, sha256).bind(2, record_id).run(err);
}

yard_rc SqliteTxn::blobRefs(const char* sha256, yard_text_fn fn, void* ctx, yard_error* err) {
  if (yard_rc rc = ready("blob_refs", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kBlobRefs, err);
  if (!q) return q.rc();
  q.bind(1, sha256);
  return q.each([&](const Query& r) { return fn(ctx, r.text(0)); }, err);
}

yard_rc SqliteTxn::uploadPut(const yard_upload_row& row, yard_error* err) {
  if (yard_rc rc = ready("upload_put", true, err); rc != YARD_OK) return rc;
  if (row.upload_id == nullptr || row.sha256 == nullptr || row.mime == nullptr ||
      row.device == nullptr)
    return sdk::fail(err, YARD_INVALID, "upload_put: upload_id, sha256, mime, device required");
  if (row.offset < 0 || row.offset > row.length)
    return sdk::fail(err, YARD_INVALID, "upload_put: offset outside 0..length");
  Query q(*lease_, Stmt::kUploadPut, err);
  if (!q) return q.rc();
  q.bind(1, row.upload_id).bind(2, row.sha256).bind(3, row.length).bind(4, row.offset);
  q.bind(5, row.mime).bind(6, row.device).bind(7, row.created_ms).bind(8, row.updated_ms);
  return q.run(err);
}

yard_rc SqliteTxn::uploadGet(const char* upload_id, yard_upload_fn fn, void* ctx, yard_error* err) {
  if (yard_rc rc = ready("upload_get", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kUploadGet, err);
  if (!q) return q.rc();
  q.bind(1, upload_id);
  return single(
      q,
      [&](const Query& r) {
        const yard_upload_row row = uploadRow(r);
        fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::uploadList(yard_upload_fn fn, void* ctx, yard_error* err) {
  if (yard_rc rc = ready("upload_list", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kUploadList, err);
  if (!q) return q.rc();
  return q.each(
      [&](const Query& r) {
        const yard_upload_row row = uploadRow(r);
        return fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::uploadDelete(const char* upload_id, yard_error* err) {
  if (yard_rc rc = ready("upload_delete", true, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kUploadDelete, err);
  if (!q) return q.rc();
  return q.bind(1, upload_id).run(err);
}

}  // namespace yard::sqlite

// The attachment members of PgTxn (ABI 1.1): blob metadata, blob references, tus uploads. The
// bytes stay in each node's blob directory; only what must survive with the records is here.

#include "pg_rows.h"
#include "pg_txn.h"
#include "yard/plugin.hpp"

namespace yard::postgres {

yard_rc PgTxn::blobPut(const yard_blob_row& row, yard_error* err) {
  if (row.sha256 == nullptr || row.mime == nullptr)
    return sdk::fail(err, YARD_INVALID, "blob_put: sha256 and mime are required");
  Params p;
  p.add(row.sha256).add(row.size).add(row.mime).add(row.first_seen_ms).add(row.confirmed_ms);
  p.add(int64_t{row.present != 0 ? 1 : 0});
  PgResult r;
  return run("blob_put", true, Stmt::kBlobPut, p, r, err);
}

yard_rc PgTxn::blobGet(const char* sha256, yard_blob_fn fn, void* ctx, yard_error* err) {
  Params p;
  p.add(sha256);
  PgResult r;
  if (yard_rc rc = run("blob_get", false, Stmt::kBlobGet, p, r, err); rc != YARD_OK) return rc;
  return oneRow(r, blobRow, fn, ctx);
}

yard_rc PgTxn::blobList(const char* after, int32_t limit, yard_blob_fn fn, void* ctx,
                        yard_error* err) {
  if (limit <= 0) return sdk::fail(err, YARD_INVALID, "limit must be positive");
  Params p;
  p.add(after).add(int64_t{limit});
  PgResult r;
  if (yard_rc rc = run("blob_list", false, Stmt::kBlobList, p, r, err); rc != YARD_OK) return rc;
  return eachRow(r, blobRow, fn, ctx);
}

yard_rc PgTxn::blobDelete(const char* sha256, yard_error* err) {
  Params p;
  p.add(sha256);
  PgResult r;
  return run("blob_delete", true, Stmt::kBlobDelete, p, r, err);
}

yard_rc PgTxn::blobStats(int64_t& count, int64_t& bytes, int64_t& unconfirmed, yard_error* err) {
  Params p;
  PgResult r;
  if (yard_rc rc = run("blob_stats", false, Stmt::kBlobStats, p, r, err); rc != YARD_OK) return rc;
  count = r.integer(0, 0);
  bytes = r.integer(0, 1);
  unconfirmed = r.integer(0, 2);
  return YARD_OK;
}

yard_rc PgTxn::blobRefAdd(const char* sha256, const char* record_id, yard_error* err) {
  Params p;
  p.add(sha256).add(record_id);
  PgResult r;
  return run("blob_ref_add", true, Stmt::kBlobRefAdd, p, r, err);
}

yard_rc PgTxn::blobRefs(const char* sha256, yard_text_fn fn, void* ctx, yard_error* err) {
  Params p;
  p.add(sha256);
  PgResult r;
  if (yard_rc rc = run("blob_refs", false, Stmt::kBlobRefs, p, r, err); rc != YARD_OK) return rc;
  for (int i = 0; i < r.rows(); ++i)
    if (fn(ctx, r.text(i, 0)) != 0) break;
  return YARD_OK;
}

yard_rc PgTxn::uploadPut(const yard_upload_row& row, yard_error* err) {
  if (row.upload_id == nullptr || row.sha256 == nullptr || row.mime == nullptr ||
      row.device == nullptr)
    return sdk::fail(err, YARD_INVALID, "upload_put: upload_id, sha256, mime, device required");
  if (row.offset < 0 || row.offset > row.length)
    return sdk::fail(err, YARD_INVALID, "upload_put: offset outside 0..length");
  Params p;
  p.add(row.upload_id).add(row.sha256).add(row.length).add(row.offset).add(row.mime);
  p.add(row.device).add(row.created_ms).add(row.updated_ms);
  PgResult r;
  return run("upload_put", true, Stmt::kUploadPut, p, r, err);
}

yard_rc PgTxn::uploadGet(const char* upload_id, yard_upload_fn fn, void* ctx, yard_error* err) {
  Params p;
  p.add(upload_id);
  PgResult r;
  if (yard_rc rc = run("upload_get", false, Stmt::kUploadGet, p, r, err); rc != YARD_OK) return rc;
  return oneRow(r, uploadRow, fn, ctx);
}

yard_rc PgTxn::uploadList(yard_upload_fn fn, void* ctx, yard_error* err) {
  Params p;
  PgResult r;
  if (yard_rc rc = run("upload_list", false, Stmt::kUploadList, p, r, err); rc != YARD_OK)
    return rc;
  return eachRow(r, uploadRow, fn, ctx);
}

yard_rc PgTxn::uploadDelete(const char* upload_id, yard_error* err) {
  Params p;
  p.add(upload_id);
  PgResult r;
  return run("upload_delete", true, Stmt::kUploadDelete, p, r, err);
}

}  // namespace yard::postgres

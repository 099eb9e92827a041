#pragma once

// Readers of result rows into the ABI's row structs (column order as the *_COLS lists in
// pg_statements.cpp), and the two ways rows are handed to a callback. Pointers in a row are
// valid while the PgResult lives.

#include "pg_connection.h"
#include "yard/plugin.h"

namespace yard::postgres {

inline yard_record_row recordRow(const PgResult& r, int i) {
  return yard_record_row{r.text(i, 0), r.text(i, 1),    r.text(i, 2),
                         r.text(i, 3), r.integer(i, 4), r.text(i, 5)};
}
inline yard_audit_row auditRow(const PgResult& r, int i) {
  return yard_audit_row{r.integer(i, 0),
                        r.text(i, 1),
                        r.text(i, 2),
                        r.text(i, 3),
                        r.text(i, 4),
                        r.integer(i, 5),
                        static_cast<int32_t>(r.integer(i, 6))};
}
inline yard_notice_row noticeRow(const PgResult& r, int i) {
  return yard_notice_row{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.integer(i, 4)};
}
inline yard_device_row deviceRow(const PgResult& r, int i) {
  return yard_device_row{r.text(i, 0),    r.text(i, 1),
                         r.text(i, 2),    static_cast<int32_t>(r.integer(i, 3)),
                         r.text(i, 4),    static_cast<int32_t>(r.integer(i, 5)),
                         r.integer(i, 6), r.text(i, 7)};
}
inline yard_blob_row blobRow(const PgResult& r, int i) {
  return yard_blob_row{r.text(i, 0),    r.integer(i, 1), r.text(i, 2),
                       r.integer(i, 3), r.integer(i, 4), static_cast<int32_t>(r.integer(i, 5))};
}
inline yard_upload_row uploadRow(const PgResult& r, int i) {
  return yard_upload_row{r.text(i, 0), r.text(i, 1), r.integer(i, 2), r.integer(i, 3),
                         r.text(i, 4), r.text(i, 5), r.integer(i, 6), r.integer(i, 7)};
}

// Hands every row to fn until it returns non-zero (the ABI's callback rule).
template <typename Make, typename Fn>
yard_rc eachRow(const PgResult& r, Make make, Fn fn, void* ctx) {
  for (int i = 0; i < r.rows(); ++i) {
    const auto row = make(r, i);
    if (fn(ctx, &row) != 0) break;
  }
  return YARD_OK;
}

// A lookup of at most one row: fn gets it, or the answer is YARD_NOT_FOUND.
template <typename Make, typename Fn>
yard_rc oneRow(const PgResult& r, Make make, Fn fn, void* ctx) {
  if (r.rows() == 0) return YARD_NOT_FOUND;
  const auto row = make(r, 0);
  fn(ctx, &row);
  return YARD_OK;
}

}  // namespace yard::postgres

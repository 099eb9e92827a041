/*
 * yard/plugin.h — the yard-gateway plugin ABI (plain C, stable across compilers).
 *
 * A plugin is a shared library that exports exactly one symbol, YARD_PLUGIN_ENTRY, of type
 * yard_plugin_entry_fn. It returns a descriptor that lives as long as the library. The host
 * loads plugins with dlopen(RTLD_NOW | RTLD_LOCAL) and never unloads them.
 *
 * Versioning: a plugin built against ABI major M, minor m is accepted by a host of major M and
 * minor >= m. Tables only grow at the end; every table starts with struct_size so each side can
 * tell which members the other one has. A new minor only appends members.
 *
 * Errors: functions return yard_rc. On anything but YARD_OK (and YARD_NOT_FOUND where documented)
 * they write a one-line, secret-free message into the caller's yard_error. No C++ exception ever
 * crosses this boundary; the helper in yard/plugin.hpp turns them into YARD_PERMANENT.
 *
 * Strings are UTF-8, NUL-terminated, and borrowed: a pointer handed to a callback is valid only
 * for the duration of that callback; a pointer handed to a plugin function is valid only for the
 * duration of that call.
 */
#ifndef YARD_PLUGIN_H
#define YARD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define YARD_ABI_MAJOR 1
#define YARD_ABI_MINOR 2
#define YARD_PLUGIN_ENTRY "yard_plugin_entry"

typedef enum yard_rc {
  YARD_OK = 0,
  YARD_NOT_FOUND = 1, /* the looked-up item does not exist; not an error */
  YARD_RETRY = 2,     /* transient (busy, serialization failure, timeout): retry the operation */
  YARD_PERMANENT = 3, /* will fail again the same way (corruption, bad config, disk full) */
  YARD_INVALID = 4    /* the caller passed something the plugin cannot accept */
} yard_rc;

typedef struct yard_error {
  char message[512];
} yard_error;

typedef enum yard_log_level {
  YARD_LOG_DEBUG = 0,
  YARD_LOG_INFO = 1,
  YARD_LOG_WARN = 2,
  YARD_LOG_ERROR = 3
} yard_log_level;

/* Services the host lends to a plugin. Valid from open() until close(); thread-safe. */
typedef struct yard_host {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  void* ctx;
  /* The host prefixes the plugin's name. Never pass secrets or record bodies. */
  void (*log)(void* ctx, yard_log_level level, const char* message);
  /* Wall-clock milliseconds since the epoch; tests inject a fake clock here. */
  int64_t (*now_ms)(void* ctx);
  /* A key of the plugin's own config section (e.g. "dsn"), or NULL when unset. The returned
   * pointer stays valid until close(). Keys the plugin did not declare are never passed. */
  const char* (*config)(void* ctx, const char* key);
  /* Adds delta to the counter yard_plugin_<name>_total{plugin="..."}. */
  void (*count)(void* ctx, const char* name, double delta);
  /* The node's data directory (absolute path). */
  const char* data_dir;
} yard_host;

typedef enum yard_plugin_kind { YARD_KIND_STORAGE = 1, YARD_KIND_TRANSPORT = 2 } yard_plugin_kind;

typedef struct yard_plugin {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  uint32_t kind; /* yard_plugin_kind */
  const char* name;
  const char* version;
  /* NULL-terminated list of the keys the plugin accepts in its config section. The host refuses
   * to start when the config holds any other key for this plugin. */
  const char* const* config_keys;
  /* Kind-specific function table: const yard_storage_api* or const yard_transport_api*. */
  const void* api;
  void* reserved[4];
} yard_plugin;

typedef const yard_plugin* (*yard_plugin_entry_fn)(void);

/* ------------------------------------------------------------------------------------------ */
/* Storage (kind YARD_KIND_STORAGE)                                                            */
/*                                                                                             */
/* The store keeps the node's durable state. The host decides everything (LWW, validation);    */
/* the store only keeps rows, orders changes and makes a committed transaction durable.        */
/* Thread-safety: a yard_store may be used from many threads; a yard_txn from one at a time.   */
/* At most one writable transaction exists at a time (the host serialises them).               */

typedef struct yard_store yard_store;
typedef struct yard_txn yard_txn;

/* The canonical version of a record. doc is the whole record as JSON. */
typedef struct yard_record_row {
  const char* id;
  const char* site;
  const char* type;
  const char* stamp;
  int64_t seq; /* position in the node's change sequence; assigned by record_put */
  const char* doc;
} yard_record_row;

/* A write this node has stamped: write_id -> (record, stamp). Remembered forever. */
typedef struct yard_write_row {
  const char* write_id;
  const char* record_id;
  const char* stamp;
} yard_write_row;

/* A version that lost under LWW. One row per write_id, however often it is retransmitted. */
typedef struct yard_audit_row {
  int64_t audit_id; /* assigned by audit_add */
  const char* record_id;
  const char* write_id;
  const char* lost_doc; /* the losing version as a record JSON */
  const char* kept_doc; /* the canonical version when it lost */
  int64_t at_ms;
  int32_t restored; /* 1 once an admin restored it */
} yard_audit_row;

/* A plain-language notice for one device. doc is the notice JSON sent to the device. */
typedef struct yard_notice_row {
  const char* notice_id;
  const char* device;
  const char* record_id;
  const char* doc;
  int64_t at_ms;
} yard_notice_row;

/* A device (phone) or node client (a gateway enrolled at its hub). */
typedef struct yard_device_row {
  const char* id;
  const char* site;
  const char* operator_id; /* "" for node clients */
  int32_t node;
  const char* token_hash; /* lowercase hex SHA-256 of the bearer token */
  int32_t revoked;
  int64_t created_ms;
  const char* state_doc; /* JSON the host keeps per device: last sync, pending, channel, skew */
} yard_device_row;

/* A record whose local version must still be pushed upstream (DESIGN §7: the outbox is written
 * in the same transaction as the version itself, so nothing accepted is ever forgotten). One row
 * per record: sync is state reconciliation, so only a record's latest version is pushed. */
typedef struct yard_outbox_row {
  const char* record_id;
  const char* stamp;
  const char* base; /* the stamp this version was edited from; "" for a new record */
  int64_t at_ms;    /* when it was queued */
} yard_outbox_row;

/* Metadata of an attachment this node holds or held (DESIGN §6). The bytes live in the host's
 * blob directory; the store keeps what must survive with the records. (ABI 1.1) */
typedef struct yard_blob_row {
  const char* sha256; /* 64 lowercase hex digits */
  int64_t size;
  const char* mime;
  int64_t first_seen_ms; /* when this node first held it whole; kept by blob_put */
  int64_t confirmed_ms;  /* when upstream confirmed it holds it whole; 0: not yet */
  int32_t present;       /* 1 while the node holds the bytes; 0 once evicted */
} yard_blob_row;

/* A tus upload in progress. offset is durable: the host fsyncs the bytes before it records a
 * larger offset. (ABI 1.1) */
typedef struct yard_upload_row {
  const char* upload_id;
  const char* sha256; /* the digest the client declared */
  int64_t length;     /* Upload-Length */
  int64_t offset;     /* bytes received and fsync'd */
  const char* mime;
  const char* device; /* who created it ("" for the admin token) */
  int64_t created_ms;
  int64_t updated_ms;
} yard_upload_row;

/* Row callbacks return 0 to continue, non-zero to stop the scan early. */
typedef int (*yard_record_fn)(void* ctx, const yard_record_row* row);
typedef int (*yard_write_fn)(void* ctx, const yard_write_row* row);
typedef int (*yard_audit_fn)(void* ctx, const yard_audit_row* row);
typedef int (*yard_notice_fn)(void* ctx, const yard_notice_row* row);
typedef int (*yard_device_fn)(void* ctx, const yard_device_row* row);
typedef int (*yard_text_fn)(void* ctx, const char* text);
typedef int (*yard_outbox_fn)(void* ctx, const yard_outbox_row* row);
typedef int (*yard_blob_fn)(void* ctx, const yard_blob_row* row);
typedef int (*yard_upload_fn)(void* ctx, const yard_upload_row* row);

typedef struct yard_storage_api {
  uint32_t struct_size;

  /* Opens (creating or migrating) the store. Refuses a database written by another plugin or a
   * newer format. Runs a quick integrity check. */
  yard_rc (*open)(const yard_host* host, yard_store** out, yard_error* err);
  void (*close)(yard_store* store);
  /* Full integrity check of the stored data. */
  yard_rc (*check)(yard_store* store, yard_error* err);
  /* Writes an online, consistent copy of the store to path (a file or a DSN-specific target). */
  yard_rc (*backup)(yard_store* store, const char* path, yard_error* err);

  /* Transactions. commit returning YARD_OK means durable (fsync'd); the txn is freed by commit
   * and by rollback whatever they return. Read-only transactions see a consistent snapshot. */
  yard_rc (*begin)(yard_store* store, int writable, yard_txn** out, yard_error* err);
  yard_rc (*commit)(yard_txn* txn, yard_error* err);
  void (*rollback)(yard_txn* txn);

  /* Records. record_get: YARD_NOT_FOUND when absent. A writable record_get locks the row
   * (where the engine has row locks) until the transaction ends. record_put inserts or replaces
   * and gives the record the next change sequence number, which it also returns. */
  yard_rc (*record_get)(yard_txn* txn, const char* id, yard_record_fn fn, void* ctx,
                        yard_error* err);
  yard_rc (*record_put)(yard_txn* txn, const yard_record_row* row, int64_t* out_seq,
                        yard_error* err);
  /* Canonical records with seq > after_seq in seq order, at most limit of them. A reader never
   * sees a seq appear below one it has already been given. */
  yard_rc (*record_changes)(yard_txn* txn, int64_t after_seq, int32_t limit, yard_record_fn fn,
                            void* ctx, yard_error* err);
  yard_rc (*record_count)(yard_txn* txn, int64_t* out, yard_error* err);

  yard_rc (*write_get)(yard_txn* txn, const char* write_id, yard_write_fn fn, void* ctx,
                       yard_error* err);
  yard_rc (*write_put)(yard_txn* txn, const yard_write_row* row, yard_error* err);

  /* audit_add is idempotent on write_id: a second add returns the first row's id. */
  yard_rc (*audit_add)(yard_txn* txn, const yard_audit_row* row, int64_t* out_id, yard_error* err);
  yard_rc (*audit_get)(yard_txn* txn, int64_t audit_id, yard_audit_fn fn, void* ctx,
                       yard_error* err);
  /* Newest first, ids below before_id (0: from the newest). */
  yard_rc (*audit_list)(yard_txn* txn, int64_t before_id, int32_t limit, yard_audit_fn fn,
                        void* ctx, yard_error* err);
  yard_rc (*audit_mark_restored)(yard_txn* txn, int64_t audit_id, yard_error* err);

  /* notice_add is idempotent on notice_id. notice_list gives unacknowledged notices, oldest
   * first. Acknowledging an unknown or foreign notice is a no-op. */
  yard_rc (*notice_add)(yard_txn* txn, const yard_notice_row* row, yard_error* err);
  yard_rc (*notice_list)(yard_txn* txn, const char* device, int32_t limit, yard_notice_fn fn,
                         void* ctx, yard_error* err);
  yard_rc (*notice_ack)(yard_txn* txn, const char* device, const char* notice_id, yard_error* err);

  /* device_put inserts or replaces by id; token hashes are unique. */
  yard_rc (*device_put)(yard_txn* txn, const yard_device_row* row, yard_error* err);
  yard_rc (*device_get)(yard_txn* txn, const char* id, yard_device_fn fn, void* ctx,
                        yard_error* err);
  yard_rc (*device_by_token)(yard_txn* txn, const char* token_hash, yard_device_fn fn, void* ctx,
                             yard_error* err);
  yard_rc (*device_list)(yard_txn* txn, yard_device_fn fn, void* ctx, yard_error* err);

  /* Small named values: the HLC high-water mark, the node id, upstream cursors. */
  yard_rc (*meta_get)(yard_txn* txn, const char* key, yard_text_fn fn, void* ctx, yard_error* err);
  yard_rc (*meta_put)(yard_txn* txn, const char* key, const char* value, yard_error* err);

  /* Outbox. outbox_put queues a record; when the record is queued already, the row takes the
   * new stamp but keeps its queue position, base and at_ms (upstream still knows the record as
   * of that base). outbox_list gives rows in queue order. outbox_done removes the record's row
   * only if it still has that stamp (a newer version queued meanwhile stays); removing an
   * absent row is a no-op. outbox_stats gives the number of rows and the at_ms of the oldest
   * one (0 when empty). */
  yard_rc (*outbox_put)(yard_txn* txn, const yard_outbox_row* row, yard_error* err);
  yard_rc (*outbox_list)(yard_txn* txn, int32_t limit, yard_outbox_fn fn, void* ctx,
                         yard_error* err);
  yard_rc (*outbox_done)(yard_txn* txn, const char* record_id, const char* stamp, yard_error* err);
  yard_rc (*outbox_stats)(yard_txn* txn, int64_t* out_count, int64_t* out_oldest_ms,
                          yard_error* err);

  /* ---- ABI 1.1: attachments. A 1.0 plugin's table ends above; the host then serves no
   * attachments. ---- */

  /* blob_put inserts or replaces by sha256, but an existing row keeps its first_seen_ms.
   * blob_list gives rows with sha256 > after (after "" : from the start) in sha256 order, at
   * most limit. blob_delete of an absent row is a no-op. blob_stats counts present rows only:
   * their number, total size, and the size of those not confirmed upstream. */
  yard_rc (*blob_put)(yard_txn* txn, const yard_blob_row* row, yard_error* err);
  yard_rc (*blob_get)(yard_txn* txn, const char* sha256, yard_blob_fn fn, void* ctx,
                      yard_error* err);
  yard_rc (*blob_list)(yard_txn* txn, const char* after, int32_t limit, yard_blob_fn fn, void* ctx,
                       yard_error* err);
  yard_rc (*blob_delete)(yard_txn* txn, const char* sha256, yard_error* err);
  yard_rc (*blob_stats)(yard_txn* txn, int64_t* out_count, int64_t* out_bytes,
                        int64_t* out_unconfirmed_bytes, yard_error* err);
  /* Which records reference a blob (by sha256, whether or not the node holds it).
   * blob_ref_add is idempotent; blob_refs gives the record ids in id order. */
  yard_rc (*blob_ref_add)(yard_txn* txn, const char* sha256, const char* record_id,
                          yard_error* err);
  yard_rc (*blob_refs)(yard_txn* txn, const char* sha256, yard_text_fn fn, void* ctx,
                       yard_error* err);

  /* tus uploads in progress. upload_put inserts or replaces by upload_id; upload_list gives
   * every row, oldest created first; upload_delete of an absent row is a no-op. */
  yard_rc (*upload_put)(yard_txn* txn, const yard_upload_row* row, yard_error* err);
  yard_rc (*upload_get)(yard_txn* txn, const char* upload_id, yard_upload_fn fn, void* ctx,
                        yard_error* err);
  yard_rc (*upload_list)(yard_txn* txn, yard_upload_fn fn, void* ctx, yard_error* err);
  yard_rc (*upload_delete)(yard_txn* txn, const char* upload_id, yard_error* err);
} yard_storage_api;

/* ------------------------------------------------------------------------------------------ */
/* Transport (kind YARD_KIND_TRANSPORT)                                                        */
/*                                                                                             */
/* How a gateway talks to its upstream node. The host builds every request and decides what   */
/* to do with every answer; a transport only carries bytes and classifies failures:           */
/*   YARD_OK         upstream answered (for sync: with a response body to read);              */
/*   YARD_RETRY      may work later: unreachable, reset, timeout, overloaded (HTTP 5xx, 408,   */
/*                   429), broker down. The host backs off and tries again;                    */
/*   YARD_PERMANENT  upstream refused this request itself (HTTP 4xx: bad or revoked token,     */
/*                   malformed request). Retrying unchanged will not help; an operator must    */
/*                   act. The host shows the message on the status page.                      */
/* A transport is used by one thread at a time (the host's upstream loop), except that a      */
/* transport declaring concurrent_syncs > 1 (ABI 1.2) gets up to that many sync calls at once. */
/* Calls may block up to the transport's own timeout; they must not block forever.            */

typedef struct yard_transport yard_transport;

typedef struct yard_transport_api {
  uint32_t struct_size;

  yard_rc (*open)(const yard_host* host, yard_transport** out, yard_error* err);
  void (*close)(yard_transport* transport);

  /* One sync exchange (DESIGN §4): request is the request JSON. On YARD_OK, on_response is
   * called exactly once with the response JSON before sync returns. */
  yard_rc (*sync)(yard_transport* transport, const char* request, size_t request_len,
                  yard_text_fn on_response, void* ctx, yard_error* err);

  /* A cheap check that upstream answers, without side effects: YARD_OK or YARD_RETRY. */
  yard_rc (*probe)(yard_transport* transport, yard_error* err);

  /* Attachments (DESIGN §6). blob_has: YARD_OK when upstream holds sha256 whole, else
   * YARD_NOT_FOUND. blob_push: sends the size-byte file at path, resuming whatever part of it
   * upstream already holds; YARD_OK once upstream holds it whole and verified. blob_fetch:
   * downloads sha256 into a new file at dest_path (the host verifies the hash); YARD_NOT_FOUND
   * when upstream does not have it. A transport that cannot carry attachments sets these to
   * NULL. */
  yard_rc (*blob_has)(yard_transport* transport, const char* sha256, yard_error* err);
  yard_rc (*blob_push)(yard_transport* transport, const char* sha256, const char* path,
                       int64_t size, const char* mime, yard_error* err);
  yard_rc (*blob_fetch)(yard_transport* transport, const char* sha256, const char* dest_path,
                        yard_error* err);

  /* ---- ABI 1.2 ---- */

  /* How many sync calls the host may make at once, each from its own thread (0 or 1: one at a
   * time, as a 1.1 table's host assumes). A transport with a connection per call says how
   * many it will open: the host then keeps more requests in flight while upstream decides the
   * first, so a slow link never idles. probe and the blob calls are never made while a sync
   * runs. */
  uint32_t concurrent_syncs;
} yard_transport_api;

#ifdef __cplusplus
}
#endif

#endif /* YARD_PLUGIN_H */

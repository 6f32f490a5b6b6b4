/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The durable inbox: an SQLite database in WAL mode.
 *
 * Pure (no sockets, no main loop, no clock): times are passed in. Calls
 * block on disk I/O (fsync at every commit), so the daemon calls them from
 * one worker thread or accepts the latency; an NsStore is not thread-safe.
 *
 * Durability: journal_mode=WAL with synchronous=FULL, so when
 * ns_store_insert_batch() returns TRUE the rows are in the fsync'ed WAL and
 * survive kill -9 and power loss. Send the final response to the sender
 * (0xD0/0xD6 reply, RPC response) only after that.
 *
 * Refused messages: the daemon should not store them at all (count and log
 * them instead): a flood of refused spam must not turn into disk writes,
 * and refused text is never shown. If it does store one (verdict other
 * than NS_VERDICT_ACCEPTED, e.g. for an audit trail), the store drops its
 * text and raw bytes and keeps only the metadata; queries skip refused
 * rows unless asked for them.
 *
 * Readers (netmsg --store PATH) open with NS_STORE_OPEN_READONLY. A WAL
 * reader needs the -wal and -shm files next to the database: the writer
 * keeps them in place after it closes (SQLITE_FCNTL_PERSIST_WAL), so a
 * reader with read access to all three files works even when it cannot
 * write to the directory. */

#include <gio/gio.h>

#include "policy.h"

G_BEGIN_DECLS

/**
 * NS_STORE_ERROR:
 *
 * Error domain of the inbox. The daemon refuses new messages with an error
 * to the sender on any of these and logs loudly; nothing stored is changed
 * by a failed call.
 */
#define NS_STORE_ERROR (ns_store_error_quark ())

/**
 * NsStoreError:
 * @NS_STORE_ERROR_FAILED: any other SQLite failure.
 * @NS_STORE_ERROR_FULL: the disk (or the configured size cap) is full
 *   (SQLITE_FULL). Not sticky: a later call may succeed.
 * @NS_STORE_ERROR_CORRUPT: the file is not a database or is damaged
 *   (SQLITE_CORRUPT, SQLITE_NOTADB). Sticky: the store refuses every later
 *   write without touching the file.
 * @NS_STORE_ERROR_IO: an I/O error (SQLITE_IOERR). Sticky like CORRUPT.
 * @NS_STORE_ERROR_BUSY: another process held a lock past the busy timeout.
 * @NS_STORE_ERROR_READONLY: a write on a store opened read-only, or the
 *   file is not writable.
 * @NS_STORE_ERROR_CANT_OPEN: the file cannot be opened (missing for a
 *   reader, no permission, directory absent).
 * @NS_STORE_ERROR_VERSION: the file is an SQLite database but not a netsend
 *   store, or one written by a newer netsend (schema version unknown).
 * @NS_STORE_ERROR_INVALID: a message to insert is not valid (bad UTF-8,
 *   missing field).
 * @NS_STORE_ERROR_NOT_FOUND: no message with that id.
 */
typedef enum {
  NS_STORE_ERROR_FAILED,
  NS_STORE_ERROR_FULL,
  NS_STORE_ERROR_CORRUPT,
  NS_STORE_ERROR_IO,
  NS_STORE_ERROR_BUSY,
  NS_STORE_ERROR_READONLY,
  NS_STORE_ERROR_CANT_OPEN,
  NS_STORE_ERROR_VERSION,
  NS_STORE_ERROR_INVALID,
  NS_STORE_ERROR_NOT_FOUND,
} NsStoreError;

GQuark ns_store_error_quark (void);

/* The schema version this build writes (PRAGMA user_version). */
#define NS_STORE_SCHEMA_VERSION 1

/* Identifies a netsend store (PRAGMA application_id): "NSMS". */
#define NS_STORE_APPLICATION_ID 0x4E534D53

/**
 * NsStoredMessage:
 * @id: the row id (>= 1) once stored; ids only grow and are never reused,
 *   also after pruning (AUTOINCREMENT), so `--follow` can page by id.
 * @received_us: when it was received, microseconds since the Unix epoch
 *   (UTC).
 * @transport: the path it arrived on.
 * @source: the peer address as text ("192.0.2.7", "2001:db8::1").
 * @port: the peer port.
 * @from: the sender name (UTF-8).
 * @to: the recipient name (UTF-8).
 * @text: (nullable): the text (UTF-8); %NULL for refused messages.
 * @raw: (nullable): the text bytes as received, before conversion; %NULL
 *   for refused messages.
 * @codepage: the code page @raw was decoded from, e.g. "CP850".
 * @verdict: NS_VERDICT_ACCEPTED, or why it was refused.
 * @dedup_window_us: on insert only: when > 0 and the message is accepted,
 *   it is not stored again if an accepted message with the same from, to
 *   and text (names compared case-insensitively) was received within this
 *   many microseconds of it, before or after; that message's id is
 *   returned instead. Copies within one batch count too. The source
 *   address is deliberately not compared: a multihomed Windows sender
 *   sends `net send *` once per adapter, from different addresses
 *   (LANDSCAPE.md §1), and issue 4 wants such a message stored once.
 *
 * One message of the inbox; all strings owned.
 */
typedef struct {
  gint64 id;
  gint64 received_us;
  NsTransportKind transport;
  char *source;
  guint16 port;
  char *from;
  char *to;
  char *text;
  GBytes *raw;
  char *codepage;
  NsVerdict verdict;
  gint64 dedup_window_us;
} NsStoredMessage;

NsStoredMessage *ns_stored_message_new (void);
NsStoredMessage *ns_stored_message_copy (const NsStoredMessage *msg);
void ns_stored_message_free (NsStoredMessage *msg);

typedef enum {
  NS_STORE_OPEN_NONE = 0,
  /* Open an existing store for reading only (netmsg). */
  NS_STORE_OPEN_READONLY = 1 << 0,
  /* Run PRAGMA quick_check at open and refuse a damaged file. Costs a read
   * of the whole file (about 1 s per GB); the daemon does it at start. */
  NS_STORE_OPEN_CHECK = 1 << 1,
} NsStoreOpenFlags;

typedef struct _NsStore NsStore;

/* Opens or creates (mode 0640, not for READONLY) the store at @path and
 * migrates its schema to NS_STORE_SCHEMA_VERSION. */
NsStore *ns_store_open (const char *path, NsStoreOpenFlags flags, GError **error);
void ns_store_free (NsStore *store);

const char *ns_store_get_path (const NsStore *store);
gboolean ns_store_is_readonly (const NsStore *store);
/* TRUE after a CORRUPT or IO error: the store refuses writes until reopened. */
gboolean ns_store_is_broken (const NsStore *store);

/* Caps the database file at about @max_bytes (0: no cap beyond the disk);
 * inserts past it fail with NS_STORE_ERROR_FULL like a full disk. */
gboolean ns_store_set_size_limit (NsStore *store, guint64 max_bytes, GError **error);

/* Stores @n messages in ONE transaction and one fsync (group commit: the
 * daemon collects the messages of concurrent senders for a few ms and
 * commits them together). On success @ret_ids[i] (optional, n entries)
 * holds the id of msgs[i], or of the earlier copy when msgs[i] was a
 * duplicate (see dedup_window_us), and @ret_duplicate[i] (optional) says
 * which. On failure nothing of the batch is stored and no output is
 * touched. msgs[i]->id is not changed. */
gboolean ns_store_insert_batch (NsStore *store,
                                NsStoredMessage *const *msgs,
                                guint n,
                                gint64 *ret_ids,
                                gboolean *ret_duplicate,
                                GError **error);

/* The id of a stored accepted message with the same from, to and text
 * received in [received_us - window_us, received_us + window_us], or 0. */
gboolean ns_store_find_recent_duplicate (NsStore *store,
                                         const NsStoredMessage *msg,
                                         gint64 window_us,
                                         gint64 *ret_id,
                                         GError **error);

/**
 * NsStoreQuery:
 * @since_us: only messages received at or after this time (0: no bound).
 * @after_id: only messages with a larger id (0: no bound).
 * @from: (nullable): only this sender: a name or a glob ('*', '?'),
 *   compared like the policy does (case-insensitive, trailing spaces
 *   ignored).
 * @limit: at most this many (0: all). Without @after_id these are the
 *   newest ones; with @after_id the oldest ones after it, so a follower
 *   paging forward never skips a message.
 * @include_refused: also return refused rows (metadata only).
 *
 * A filter for ns_store_query() and ns_store_count(). Zero-initialise.
 */
typedef struct {
  gint64 since_us;
  gint64 after_id;
  const char *from;
  guint limit;
  gboolean include_refused;
} NsStoreQuery;

/* (transfer full) (element-type NsStoredMessage): oldest first, newest
 * last. @query may be NULL (all accepted messages). */
GPtrArray *ns_store_query (NsStore *store, const NsStoreQuery *query, GError **error);

/* The message with @id (refused ones too), or NS_STORE_ERROR_NOT_FOUND. */
NsStoredMessage *ns_store_get (NsStore *store, gint64 id, GError **error);

/* Counts what ns_store_query() would return, ignoring @limit. */
gboolean ns_store_count (NsStore *store, const NsStoreQuery *query, guint64 *ret_count, GError **error);

/* The largest id ever assigned (0 for a new store). */
gboolean ns_store_get_last_id (NsStore *store, gint64 *ret_id, GError **error);

/* Retention: deletes messages received before @now_us - @max_age_s seconds
 * (@max_age_s 0: no age limit), then the oldest ones beyond the newest
 * @max_count (0: no count limit), in one transaction. @ret_deleted is
 * optional. */
gboolean ns_store_prune (NsStore *store,
                         gint64 max_age_s,
                         guint64 max_count,
                         gint64 now_us,
                         guint64 *ret_deleted,
                         GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsStoredMessage, ns_stored_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsStore, ns_store_free)

G_END_DECLS

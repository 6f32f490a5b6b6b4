/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The durable inbox (issue 4: "an acknowledged message is never lost, also
 * on kill -9 or power loss").
 *
 * SQLite in WAL mode with synchronous=FULL: every COMMIT appends to the WAL
 * and fsyncs it before returning, and a crash at any point leaves either
 * the whole transaction or none of it (https://sqlite.org/wal.html,
 * https://sqlite.org/pragma.html#pragma_synchronous). Group commit is one
 * transaction per batch; the daemon does the batching. Errors that mean
 * the file is damaged make the store refuse further writes, so a broken
 * database is never written to again by us. */

#include "store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 5000

/* Largest value PRAGMA max_page_count takes; used to lift a size cap. */
#define MAX_PAGE_COUNT G_GINT64_CONSTANT (4294967294)

/* Schema migrations: entry i brings user_version i to i + 1. Never edit a
 * released entry; append a new one and bump NS_STORE_SCHEMA_VERSION. */
static const char *const migrations[NS_STORE_SCHEMA_VERSION] = {
  /* 0 -> 1 */
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  received_us INTEGER NOT NULL,"
  "  transport TEXT NOT NULL,"
  "  source TEXT NOT NULL,"
  "  port INTEGER NOT NULL CHECK (port BETWEEN 0 AND 65535),"
  "  sender TEXT NOT NULL,"
  "  recipient TEXT NOT NULL,"
  "  text TEXT,"
  "  raw BLOB,"
  "  codepage TEXT NOT NULL,"
  "  verdict TEXT NOT NULL,"
  "  dedup_key BLOB,"
  /* Refused text is never shown to users, so it is never stored. */
  "  CHECK (verdict = 'accepted' OR (text IS NULL AND raw IS NULL))"
  ");"
  "CREATE INDEX messages_by_time ON messages (received_us);"
  "CREATE INDEX messages_by_dedup ON messages (dedup_key, received_us)"
  "  WHERE dedup_key IS NOT NULL;",
};

G_DEFINE_QUARK (ns-store-error-quark, ns_store_error)

/* ---- messages ------------------------------------------------------------ */

NsStoredMessage *
ns_stored_message_new (void)
{
  NsStoredMessage *msg = g_new0 (NsStoredMessage, 1);

  msg->verdict = NS_VERDICT_ACCEPTED;
  return msg;
}

NsStoredMessage *
ns_stored_message_copy (const NsStoredMessage *msg)
{
  NsStoredMessage *copy;

  g_return_val_if_fail (msg != NULL, NULL);
  copy = g_memdup2 (msg, sizeof *msg);
  copy->source = g_strdup (msg->source);
  copy->from = g_strdup (msg->from);
  copy->to = g_strdup (msg->to);
  copy->text = g_strdup (msg->text);
  copy->raw = msg->raw != NULL ? g_bytes_ref (msg->raw) : NULL;
  copy->codepage = g_strdup (msg->codepage);
  return copy;
}

void
ns_stored_message_free (NsStoredMessage *msg)
{
  if (msg == NULL)
    return;
  g_free (msg->source);
  g_free (msg->from);
  g_free (msg->to);
  g_free (msg->text);
  g_clear_pointer (&msg->raw, g_bytes_unref);
  g_free (msg->codepage);
  g_free (msg);
}

/* ---- errors --------------------------------------------------------------- */

static NsStoreError
code_for (int rc)
{
  switch (rc & 0xff) {
  case SQLITE_FULL:
    return NS_STORE_ERROR_FULL;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    return NS_STORE_ERROR_CORRUPT;
  case SQLITE_IOERR:
    return NS_STORE_ERROR_IO;
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return NS_STORE_ERROR_BUSY;
  case SQLITE_READONLY:
    return NS_STORE_ERROR_READONLY;
  case SQLITE_CANTOPEN:
  case SQLITE_PERM:
  case SQLITE_AUTH:
    return NS_STORE_ERROR_CANT_OPEN;
  case SQLITE_CONSTRAINT:
  case SQLITE_MISMATCH:
  case SQLITE_TOOBIG:
    return NS_STORE_ERROR_INVALID;
  default:
    return NS_STORE_ERROR_FAILED;
  }
}

/* Reports the last SQLite error of @store as "WHAT 'PATH': REASON", and
 * marks the store broken when the error says the file is damaged. */
gboolean
_ns_store_fail (NsStore *store, int rc, const char *what, GError **error)
{
  NsStoreError code = code_for (rc);

  if (code == NS_STORE_ERROR_CORRUPT || code == NS_STORE_ERROR_IO)
    store->broken = TRUE;
  g_set_error (error, NS_STORE_ERROR, code, "%s '%s': %s", what, store->path,
               store->db != NULL ? sqlite3_errmsg (store->db) : sqlite3_errstr (rc));
  return FALSE;
}

gboolean
_ns_store_check_writable (NsStore *store, GError **error)
{
  if (store->readonly) {
    g_set_error (error, NS_STORE_ERROR, NS_STORE_ERROR_READONLY,
                 "store '%s' is open read-only", store->path);
    return FALSE;
  }
  if (store->broken) {
    g_set_error (error, NS_STORE_ERROR, NS_STORE_ERROR_CORRUPT,
                 "store '%s' had a corruption or I/O error; refusing to write "
                 "until it is checked and reopened", store->path);
    return FALSE;
  }
  return TRUE;
}

/* ---- small SQL helpers ------------------------------------------------------ */

static gboolean
exec (NsStore *store, const char *sql, const char *what, GError **error)
{
  int rc = sqlite3_exec (store->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return _ns_store_fail (store, rc, what, error);
  return TRUE;
}

gboolean
_ns_store_pragma_int (NsStore *store, const char *sql, gint64 *ret, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK) {
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW) {
      *ret = sqlite3_column_int64 (stmt, 0);
      rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
      *ret = 0;
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    return _ns_store_fail (store, rc, "reading", error);
  return TRUE;
}

static gboolean
pragma_text (NsStore *store, const char *sql, char **ret, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK) {
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW) {
      *ret = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
      *ret = g_strdup ("");
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    return _ns_store_fail (store, rc, "reading", error);
  return TRUE;
}

void
_ns_store_rollback_if_open (NsStore *store)
{
  /* After SQLITE_FULL, IOERR, BUSY or NOMEM SQLite may already have rolled
   * the transaction back (https://sqlite.org/lang_transaction.html);
   * ROLLBACK is needed only if it is still open. */
  if (!sqlite3_get_autocommit (store->db))
    sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
}

static gboolean
prepare (NsStore *store, sqlite3_stmt **slot, const char *sql, GError **error)
{
  int rc;

  if (*slot != NULL) {
    sqlite3_reset (*slot);
    sqlite3_clear_bindings (*slot);
    return TRUE;
  }
  rc = sqlite3_prepare_v3 (store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
  if (rc != SQLITE_OK)
    return _ns_store_fail (store, rc, "preparing a statement on", error);
  return TRUE;
}

/* ---- the name-matching SQL function ------------------------------------------ */

/* ns_name_match(pattern, name): the policy's glob semantics in SQL, so
 * `netmsg --from` matches exactly like allow-senders. The compiled glob is
 * cached per statement with sqlite3_set_auxdata. */
static void
sql_name_match (sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  NsNameGlob *glob = sqlite3_get_auxdata (ctx, 0);
  const char *name = (const char *) sqlite3_value_text (argv[1]);

  if (glob == NULL) {
    const char *pattern = (const char *) sqlite3_value_text (argv[0]);

    glob = pattern != NULL ? ns_name_glob_new (pattern, NULL) : NULL;
    if (glob == NULL) {
      sqlite3_result_int (ctx, 0);
      return;
    }
    sqlite3_set_auxdata (ctx, 0, glob, (void (*) (void *)) ns_name_glob_free);
    /* set_auxdata may free it at once; fetch it back. */
    glob = sqlite3_get_auxdata (ctx, 0);
    if (glob == NULL) {
      sqlite3_result_error_nomem (ctx);
      return;
    }
  }
  sqlite3_result_int (ctx, name != NULL && ns_name_glob_match (glob, name));
}

/* ---- open, schema, migrations ----------------------------------------------- */

static gboolean
migrate_step (NsStore *store, gint64 *version, GError **error)
{
  g_autofree char *stamp = NULL;

  if (!exec (store, "BEGIN IMMEDIATE", "starting the schema migration of", error))
    return FALSE;
  /* Two writers opening a new file at once both saw version 0; the one that
   * got the write lock second must see the first one's work, so the
   * version is read again under the lock. */
  if (!_ns_store_pragma_int (store, "PRAGMA user_version", version, error)) {
    _ns_store_rollback_if_open (store);
    return FALSE;
  }
  if (*version < NS_STORE_SCHEMA_VERSION) {
    stamp = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT ";"
                             "PRAGMA application_id = %d;",
                             *version + 1, NS_STORE_APPLICATION_ID);
    if (!exec (store, migrations[*version], "migrating the schema of", error) ||
        !exec (store, stamp, "migrating the schema of", error)) {
      _ns_store_rollback_if_open (store);
      return FALSE;
    }
  }
  if (!exec (store, "COMMIT", "committing the schema migration of", error)) {
    _ns_store_rollback_if_open (store);
    return FALSE;
  }
  if (stamp != NULL)
    (*version)++;
  return TRUE;
}

static gboolean
migrate (NsStore *store, gint64 from_version, GError **error)
{
  gint64 version = from_version;

  while (version < NS_STORE_SCHEMA_VERSION)
    if (!migrate_step (store, &version, error))
      return FALSE;
  return TRUE;
}

/* Refuses files that are SQLite but not ours, or from a newer netsend. */
static gboolean
check_identity (NsStore *store, gint64 *ret_version, GError **error)
{
  gint64 app_id = 0, version = 0, n_objects = 0;

  /* The first read of the header: a file that is not a database fails
   * here with SQLITE_NOTADB. */
  /* One read transaction, so the three values are one snapshot: another
   * writer creating the schema in between must not make a new store look
   * like a foreign database. */
  if (!exec (store, "BEGIN", "reading the header of", error))
    return FALSE;
  if (!_ns_store_pragma_int (store, "PRAGMA application_id", &app_id, error) ||
      !_ns_store_pragma_int (store, "PRAGMA user_version", &version, error) ||
      !_ns_store_pragma_int (store, "SELECT count(*) FROM sqlite_master", &n_objects, error) ||
      !exec (store, "COMMIT", "reading the header of", error)) {
    _ns_store_rollback_if_open (store);
    return FALSE;
  }
  if ((app_id != 0 && app_id != NS_STORE_APPLICATION_ID) ||
      (app_id == 0 && version == 0 && n_objects > 0)) {
    g_set_error (error, NS_STORE_ERROR, NS_STORE_ERROR_VERSION,
                 "'%s' is an SQLite database but not a netsend message store", store->path);
    return FALSE;
  }
  if (version > NS_STORE_SCHEMA_VERSION) {
    g_set_error (error, NS_STORE_ERROR, NS_STORE_ERROR_VERSION,
                 "'%s' has schema version %" G_GINT64_FORMAT ", newer than this "
                 "netsend knows (%d)", store->path, version, NS_STORE_SCHEMA_VERSION);
    return FALSE;
  }
  if (store->readonly && version < NS_STORE_SCHEMA_VERSION) {
    g_set_error (error, NS_STORE_ERROR, NS_STORE_ERROR_VERSION,
                 version == 0 ? "'%s' is not a netsend message store (empty)"
                              : "'%s' has an old schema; start netsendd once to upgrade it",
                 store->path);
    return FALSE;
  }
  *ret_version = version;
  return TRUE;
}

static gboolean
quick_check (NsStore *store, GError **error)
{
  g_autofree char *result = NULL;

  if (!pragma_text (store, "PRAGMA quick_check(1)", &result, error))
    return FALSE;
  if (g_strcmp0 (result, "ok") != 0) {
    store->broken = TRUE;
    g_set_error (error, NS_STORE_ERROR, NS_STORE_ERROR_CORRUPT,
                 "store '%s' is damaged: %s", store->path, result);
    return FALSE;
  }
  return TRUE;
}

/* Switching a new store to WAL needs an exclusive lock. When two writers
 * open a new store at once, SQLite answers the switch with SQLITE_BUSY
 * straight away, without the busy handler, while the other connection
 * holds a shared lock (store-kill9.sh found it): retried, bounded by the
 * busy timeout. */
static gboolean
switch_to_wal (NsStore *store, char **ret_mode, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + BUSY_TIMEOUT_MS * G_GINT64_CONSTANT (1000);

  for (;;) {
    g_autoptr (GError) local = NULL;

    if (pragma_text (store, "PRAGMA journal_mode = WAL", ret_mode, &local))
      return TRUE;
    if (!g_error_matches (local, NS_STORE_ERROR, NS_STORE_ERROR_BUSY) ||
        g_get_monotonic_time () >= deadline) {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
    g_usleep (5000);
  }
}

static gboolean
configure_writer (NsStore *store, GError **error)
{
  g_autofree char *mode = NULL;
  int persist = 1;

  if (!switch_to_wal (store, &mode, error))
    return FALSE;
  if (g_ascii_strcasecmp (mode, "wal") != 0) {
    g_set_error (error, NS_STORE_ERROR, NS_STORE_ERROR_FAILED,
                 "store '%s': cannot switch to WAL mode (journal mode is '%s')",
                 store->path, mode);
    return FALSE;
  }
  /* FULL: fsync the WAL at every commit; NORMAL would only sync at
   * checkpoints and could lose the last acknowledged messages on power
   * loss. */
  if (!exec (store, "PRAGMA synchronous = FULL", "configuring", error))
    return FALSE;
  /* The WAL file persists (below); cap what it keeps after a checkpoint. */
  if (!exec (store, "PRAGMA journal_size_limit = 4194304", "configuring", error))
    return FALSE;
  /* Keep -wal and -shm after close so read-only readers can open. */
  sqlite3_file_control (store->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  return TRUE;
}

/* Creates the file with mode 0640 before SQLite does (it would use 0644):
 * messages are private to the daemon and its admin group. */
static gboolean
precreate (const char *path, GError **error)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);

  if (fd < 0 && errno != EEXIST) {
    int err = errno;

    g_set_error (error, NS_STORE_ERROR,
                 err == EACCES || err == ENOENT || err == EPERM || err == EISDIR
                 ? NS_STORE_ERROR_CANT_OPEN
                 : err == ENOSPC ? NS_STORE_ERROR_FULL : NS_STORE_ERROR_IO,
                 "cannot create store '%s': %s", path, g_strerror (err));
    return FALSE;
  }
  if (fd >= 0)
    close (fd);
  return TRUE;
}

static gboolean
open_db (NsStore *store, GError **error)
{
  int flags = store->readonly ? SQLITE_OPEN_READONLY
                              : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int rc;

  /* SQLite opens a directory and fails at the first read with "disk I/O
   * error" (NS_STORE_ERROR_IO): say what is wrong instead. */
  if (g_file_test (store->path, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, NS_STORE_ERROR, NS_STORE_ERROR_CANT_OPEN,
                 "cannot open store '%s': it is a directory", store->path);
    return FALSE;
  }
  rc = sqlite3_open_v2 (store->path, &store->db,
                        flags | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    g_set_error (error, NS_STORE_ERROR, code_for (rc), "cannot open store '%s': %s",
                 store->path, store->db != NULL ? sqlite3_errmsg (store->db) : sqlite3_errstr (rc));
    return FALSE;
  }
  sqlite3_extended_result_codes (store->db, 1);
  sqlite3_busy_timeout (store->db, BUSY_TIMEOUT_MS);
  rc = sqlite3_create_function (store->db, "ns_name_match", 2,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
                                NULL, sql_name_match, NULL, NULL);
  if (rc != SQLITE_OK)
    return _ns_store_fail (store, rc, "registering functions on", error);
  return exec (store, store->readonly ? "PRAGMA query_only = ON; PRAGMA trusted_schema = OFF"
                                      : "PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON",
               "configuring", error);
}

/* A WAL reader that cannot write to the directory needs the -wal and -shm
 * files to exist already; SQLite's own messages do not say so. */
static void
explain_reader_error (NsStore *store, GError **error)
{
  GError *e = error != NULL ? *error : NULL;
  char *message;

  if (e == NULL || e->domain != NS_STORE_ERROR ||
      (e->code != NS_STORE_ERROR_CANT_OPEN && e->code != NS_STORE_ERROR_READONLY))
    return;
  message = g_strdup_printf ("%s (a reader needs read access to the store and to its "
                             "-wal and -shm files, which netsendd keeps next to it)",
                             e->message);
  g_free (e->message);
  e->message = message;
  e->code = NS_STORE_ERROR_CANT_OPEN;
}

NsStore *
ns_store_open (const char *path, NsStoreOpenFlags flags, GError **error)
{
  g_autoptr (NsStore) store = NULL;
  gint64 version = 0;

  g_return_val_if_fail (path != NULL, NULL);

  store = g_new0 (NsStore, 1);
  store->path = g_strdup (path);
  store->readonly = (flags & NS_STORE_OPEN_READONLY) != 0;

  if (!store->readonly && !precreate (path, error))
    return NULL;
  if (!open_db (store, error) || !check_identity (store, &version, error)) {
    if (store->readonly)
      explain_reader_error (store, error);
    return NULL;
  }
  if ((flags & NS_STORE_OPEN_CHECK) && !quick_check (store, error))
    return NULL;
  if (!store->readonly) {
    if (!configure_writer (store, error) || !migrate (store, version, error))
      return NULL;
  }
  return g_steal_pointer (&store);
}

void
ns_store_free (NsStore *store)
{
  if (store == NULL)
    return;
  sqlite3_finalize (store->insert_stmt);
  sqlite3_finalize (store->dedup_stmt);
  sqlite3_close_v2 (store->db);
  g_free (store->path);
  g_free (store);
}

const char *
ns_store_get_path (const NsStore *store)
{
  g_return_val_if_fail (store != NULL, NULL);
  return store->path;
}

gboolean
ns_store_is_readonly (const NsStore *store)
{
  g_return_val_if_fail (store != NULL, TRUE);
  return store->readonly;
}

gboolean
ns_store_is_broken (const NsStore *store)
{
  g_return_val_if_fail (store != NULL, TRUE);
  return store->broken;
}

gboolean
ns_store_set_size_limit (NsStore *store, guint64 max_bytes, GError **error)
{
  gint64 page_size = 0, pages, result = 0;
  g_autofree char *sql = NULL;

  g_return_val_if_fail (store != NULL, FALSE);
  if (!_ns_store_check_writable (store, error) ||
      !_ns_store_pragma_int (store, "PRAGMA page_size", &page_size, error))
    return FALSE;
  pages = max_bytes == 0 ? MAX_PAGE_COUNT
        : (gint64) MIN (max_bytes / (guint64) MAX (page_size, 512), (guint64) MAX_PAGE_COUNT);
  /* SQLite never sets the cap below the current size; it returns the cap
   * in force. */
  sql = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT, MAX (pages, 1));
  return _ns_store_pragma_int (store, sql, &result, error);
}

/* ---- inserting ------------------------------------------------------------------ */

static gboolean
validate_message (const NsStoredMessage *msg, guint index, GError **error)
{
  const char *problem = NULL;

  if (msg == NULL)
    problem = "is NULL";
  else if ((guint) msg->transport > NS_TRANSPORT_RPC)
    problem = "has an unknown transport";
  else if ((guint) msg->verdict >= NS_VERDICT_N_VALUES)
    problem = "has an unknown verdict";
  else if (msg->source == NULL || !g_utf8_validate (msg->source, -1, NULL))
    problem = "has no source address";
  else if (msg->from == NULL || !g_utf8_validate (msg->from, -1, NULL))
    problem = "has no valid sender name";
  else if (msg->to == NULL || !g_utf8_validate (msg->to, -1, NULL))
    problem = "has no valid recipient name";
  else if (msg->codepage != NULL && !g_utf8_validate (msg->codepage, -1, NULL))
    problem = "has an invalid code page name";
  else if (msg->verdict == NS_VERDICT_ACCEPTED &&
           (msg->text == NULL || !g_utf8_validate (msg->text, -1, NULL)))
    problem = "is accepted but its text is missing or not UTF-8";
  if (problem != NULL) {
    g_set_error (error, NS_STORE_ERROR, NS_STORE_ERROR_INVALID,
                 "message %u of the batch %s", index + 1, problem);
    return FALSE;
  }
  return TRUE;
}

/* SHA-256 of the normalised names and the text: what makes two copies of
 * a message "the same" for de-duplication. */
static GBytes *
dedup_key (const NsStoredMessage *msg)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *from = ns_name_normalize (msg->from);
  g_autofree char *to = ns_name_normalize (msg->to);
  guint8 digest[32];
  gsize len = sizeof digest;

  g_checksum_update (sum, (const guchar *) from, (gssize) strlen (from) + 1);
  g_checksum_update (sum, (const guchar *) to, (gssize) strlen (to) + 1);
  g_checksum_update (sum, (const guchar *) msg->text, (gssize) strlen (msg->text));
  g_checksum_get_digest (sum, digest, &len);
  return g_bytes_new (digest, len);
}

gint64
_ns_store_sat_add (gint64 a, gint64 b)
{
  if (b > 0 && a > G_MAXINT64 - b)
    return G_MAXINT64;
  if (b < 0 && a < G_MININT64 - b)
    return G_MININT64;
  return a + b;
}

/* Looks for an accepted message with @key within @window_us of @when.
 * *ret_id = 0 when there is none. */
static gboolean
find_duplicate (NsStore *store, GBytes *key, gint64 when, gint64 window_us,
                gint64 *ret_id, GError **error)
{
  gsize len = 0;
  const void *data = g_bytes_get_data (key, &len);
  int rc;

  if (!prepare (store, &store->dedup_stmt,
                "SELECT id FROM messages WHERE dedup_key = ?1 AND received_us BETWEEN ?2 AND ?3"
                " AND verdict = 'accepted' ORDER BY id DESC LIMIT 1", error))
    return FALSE;
  sqlite3_bind_blob (store->dedup_stmt, 1, data, (int) len, SQLITE_STATIC);
  sqlite3_bind_int64 (store->dedup_stmt, 2, _ns_store_sat_add (when, -window_us));
  sqlite3_bind_int64 (store->dedup_stmt, 3, _ns_store_sat_add (when, window_us));
  rc = sqlite3_step (store->dedup_stmt);
  *ret_id = rc == SQLITE_ROW ? sqlite3_column_int64 (store->dedup_stmt, 0) : 0;
  sqlite3_reset (store->dedup_stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _ns_store_fail (store, rc, "looking for duplicates in", error);
  return TRUE;
}

static void
bind_text_or_null (sqlite3_stmt *stmt, int col, const char *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, col, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, col);
}

static gboolean
insert_one (NsStore *store, const NsStoredMessage *msg, GBytes *key, gint64 *ret_id, GError **error)
{
  gboolean accepted = msg->verdict == NS_VERDICT_ACCEPTED;
  sqlite3_stmt *s;
  int rc;

  if (!prepare (store, &store->insert_stmt,
                "INSERT INTO messages (received_us, transport, source, port, sender, recipient,"
                " text, raw, codepage, verdict, dedup_key)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", error))
    return FALSE;
  s = store->insert_stmt;
  sqlite3_bind_int64 (s, 1, msg->received_us);
  sqlite3_bind_text (s, 2, ns_transport_kind_to_string (msg->transport), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, msg->source, -1, SQLITE_STATIC);
  sqlite3_bind_int (s, 4, msg->port);
  sqlite3_bind_text (s, 5, msg->from, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 6, msg->to, -1, SQLITE_STATIC);
  /* Refused: metadata only (see store.h). */
  bind_text_or_null (s, 7, accepted ? msg->text : NULL);
  if (accepted && msg->raw != NULL) {
    gsize len = 0;
    const void *data = g_bytes_get_data (msg->raw, &len);

    /* A zero-length blob must not become NULL: bind an empty one. */
    sqlite3_bind_blob64 (s, 8, data != NULL ? data : "", len, SQLITE_STATIC);
  } else {
    sqlite3_bind_null (s, 8);
  }
  sqlite3_bind_text (s, 9, msg->codepage != NULL ? msg->codepage : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 10, ns_verdict_to_nick (msg->verdict), -1, SQLITE_STATIC);
  if (key != NULL)
    sqlite3_bind_blob (s, 11, g_bytes_get_data (key, NULL), (int) g_bytes_get_size (key), SQLITE_STATIC);
  else
    sqlite3_bind_null (s, 11);
  rc = sqlite3_step (s);
  sqlite3_reset (s);
  sqlite3_clear_bindings (s);
  if (rc != SQLITE_DONE)
    return _ns_store_fail (store, rc, "storing a message in", error);
  *ret_id = sqlite3_last_insert_rowid (store->db);
  return TRUE;
}

/* Inserts or de-duplicates msgs[i]; the caller holds the transaction. */
static gboolean
store_one (NsStore *store, const NsStoredMessage *msg, gint64 *ret_id, gboolean *ret_dup, GError **error)
{
  g_autoptr (GBytes) key = NULL;
  gint64 found = 0;

  if (msg->verdict == NS_VERDICT_ACCEPTED)
    key = dedup_key (msg);
  if (key != NULL && msg->dedup_window_us > 0 &&
      !find_duplicate (store, key, msg->received_us, msg->dedup_window_us, &found, error))
    return FALSE;
  *ret_dup = found != 0;
  if (found != 0) {
    *ret_id = found;
    return TRUE;
  }
  return insert_one (store, msg, key, ret_id, error);
}

gboolean
ns_store_insert_batch (NsStore *store,
                       NsStoredMessage *const *msgs,
                       guint n,
                       gint64 *ret_ids,
                       gboolean *ret_duplicate,
                       GError **error)
{
  g_autofree gint64 *ids = NULL;
  g_autofree gboolean *dups = NULL;
  int rc;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (msgs != NULL || n == 0, FALSE);

  if (!_ns_store_check_writable (store, error))
    return FALSE;
  for (guint i = 0; i < n; i++) {
    if (!validate_message (msgs[i], i, error))
      return FALSE;
  }
  if (n == 0)
    return TRUE;
  ids = g_new0 (gint64, n);
  dups = g_new0 (gboolean, n);
  rc = sqlite3_exec (store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return _ns_store_fail (store, rc, "starting a transaction on", error);
  for (guint i = 0; i < n; i++) {
    if (!store_one (store, msgs[i], &ids[i], &dups[i], error)) {
      _ns_store_rollback_if_open (store);
      return FALSE;
    }
  }
  /* The durability point: with synchronous=FULL, COMMIT returns after
   * the WAL is fsynced. */
  rc = sqlite3_exec (store->db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    _ns_store_fail (store, rc, "committing messages to", error);
    _ns_store_rollback_if_open (store);
    return FALSE;
  }
  if (ret_ids != NULL)
    memcpy (ret_ids, ids, n * sizeof *ids);
  if (ret_duplicate != NULL)
    memcpy (ret_duplicate, dups, n * sizeof *dups);
  return TRUE;
}

gboolean
ns_store_find_recent_duplicate (NsStore *store,
                                const NsStoredMessage *msg,
                                gint64 window_us,
                                gint64 *ret_id,
                                GError **error)
{
  g_autoptr (GBytes) key = NULL;
  gint64 found = 0;

  g_return_val_if_fail (store != NULL, FALSE);
  if (!validate_message (msg, 0, error))
    return FALSE;
  if (msg->verdict == NS_VERDICT_ACCEPTED && window_us > 0) {
    key = dedup_key (msg);
    if (!find_duplicate (store, key, msg->received_us, window_us, &found, error))
      return FALSE;
  }
  if (ret_id != NULL)
    *ret_id = found;
  return TRUE;
}

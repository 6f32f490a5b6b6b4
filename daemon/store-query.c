/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The inbox, reading side: queries for `netmsg` (newest last, --since,
 * --from, --follow by id), lookups by id, counts, and retention. See
 * store.c for the durability design. */

#include "store-private.h"

#include <string.h>

#define MESSAGE_COLUMNS \
  "id, received_us, transport, source, port, sender, recipient, text, raw, codepage, verdict"

/* ---- reading -------------------------------------------------------------------- */

static char *
column_strdup (sqlite3_stmt *stmt, int col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

static NsStoredMessage *
row_to_message (NsStore *store, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (NsStoredMessage) msg = ns_stored_message_new ();
  const char *transport = (const char *) sqlite3_column_text (stmt, 2);
  const char *verdict = (const char *) sqlite3_column_text (stmt, 10);

  msg->id = sqlite3_column_int64 (stmt, 0);
  msg->received_us = sqlite3_column_int64 (stmt, 1);
  if (!ns_transport_kind_from_string (transport, &msg->transport) ||
      !ns_verdict_from_nick (verdict, &msg->verdict)) {
    g_set_error (error, NS_STORE_ERROR, NS_STORE_ERROR_VERSION,
                 "store '%s': message %" G_GINT64_FORMAT " has an unknown transport "
                 "or verdict ('%s', '%s')", store->path, msg->id,
                 transport != NULL ? transport : "", verdict != NULL ? verdict : "");
    return NULL;
  }
  msg->source = column_strdup (stmt, 3);
  msg->port = (guint16) sqlite3_column_int (stmt, 4);
  msg->from = column_strdup (stmt, 5);
  msg->to = column_strdup (stmt, 6);
  msg->text = column_strdup (stmt, 7);
  if (sqlite3_column_type (stmt, 8) != SQLITE_NULL)
    msg->raw = g_bytes_new (sqlite3_column_blob (stmt, 8), (gsize) sqlite3_column_bytes (stmt, 8));
  msg->codepage = column_strdup (stmt, 9);
  return g_steal_pointer (&msg);
}

/* Appends the WHERE clause for @q to @sql; bind_query() binds it. */
static void
append_where (GString *sql, const NsStoreQuery *q)
{
  g_string_append (sql, " WHERE 1");
  if (!q->include_refused)
    g_string_append (sql, " AND verdict = 'accepted'");
  if (q->since_us != 0)
    g_string_append (sql, " AND received_us >= :since");
  if (q->after_id != 0)
    g_string_append (sql, " AND id > :after");
  if (q->from != NULL)
    g_string_append (sql, " AND ns_name_match(:from, sender)");
}

static void
bind_query (sqlite3_stmt *stmt, const NsStoreQuery *q)
{
  int i;

  if ((i = sqlite3_bind_parameter_index (stmt, ":since")) > 0)
    sqlite3_bind_int64 (stmt, i, q->since_us);
  if ((i = sqlite3_bind_parameter_index (stmt, ":after")) > 0)
    sqlite3_bind_int64 (stmt, i, q->after_id);
  if ((i = sqlite3_bind_parameter_index (stmt, ":from")) > 0)
    sqlite3_bind_text (stmt, i, q->from, -1, SQLITE_STATIC);
  if ((i = sqlite3_bind_parameter_index (stmt, ":limit")) > 0)
    sqlite3_bind_int64 (stmt, i, q->limit);
}

static gboolean
check_query (NsStore *store, const NsStoreQuery *q, GError **error)
{
  g_autoptr (NsNameGlob) glob = NULL;
  g_autoptr (GError) local = NULL;

  if (q->from == NULL)
    return TRUE;
  glob = ns_name_glob_new (q->from, &local);
  if (glob == NULL) {
    g_set_error (error, NS_STORE_ERROR, NS_STORE_ERROR_INVALID,
                 "sender filter: %s", local->message);
    return FALSE;
  }
  return TRUE;
}

/* Runs @stmt to the end, collecting messages into @out. */
static gboolean
collect (NsStore *store, sqlite3_stmt *stmt, GPtrArray *out, GError **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    NsStoredMessage *msg = row_to_message (store, stmt, error);

    if (msg == NULL)
      return FALSE;
    g_ptr_array_add (out, msg);
  }
  if (rc != SQLITE_DONE)
    return _ns_store_fail (store, rc, "reading messages from", error);
  return TRUE;
}

GPtrArray *
ns_store_query (NsStore *store, const NsStoreQuery *query, GError **error)
{
  static const NsStoreQuery all = { 0 };
  const NsStoreQuery *q = query != NULL ? query : &all;
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_stored_message_free);
  g_autoptr (GString) sql = g_string_new ("SELECT " MESSAGE_COLUMNS " FROM messages");
  gboolean newest = q->limit != 0 && q->after_id == 0;
  sqlite3_stmt *stmt = NULL;
  gboolean ok;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);
  if (!check_query (store, q, error))
    return NULL;
  append_where (sql, q);
  /* The newest N are found by walking ids down, then turned around. */
  g_string_append (sql, newest ? " ORDER BY id DESC" : " ORDER BY id ASC");
  if (q->limit != 0)
    g_string_append (sql, " LIMIT :limit");
  rc = sqlite3_prepare_v2 (store->db, sql->str, -1, &stmt, NULL);
  if (rc != SQLITE_OK) {
    _ns_store_fail (store, rc, "querying", error);
    return NULL;
  }
  bind_query (stmt, q);
  ok = collect (store, stmt, out, error);
  sqlite3_finalize (stmt);
  if (!ok)
    return NULL;
  if (newest) {
    for (guint i = 0, j = out->len; i + 1 < j; i++, j--) {
      gpointer t = out->pdata[i];

      out->pdata[i] = out->pdata[j - 1];
      out->pdata[j - 1] = t;
    }
  }
  return g_steal_pointer (&out);
}

NsStoredMessage *
ns_store_get (NsStore *store, gint64 id, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  NsStoredMessage *msg = NULL;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);
  rc = sqlite3_prepare_v2 (store->db, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE id = ?1",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK) {
    _ns_store_fail (store, rc, "reading", error);
    return NULL;
  }
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    msg = row_to_message (store, stmt, error);
  else if (rc == SQLITE_DONE)
    g_set_error (error, NS_STORE_ERROR, NS_STORE_ERROR_NOT_FOUND,
                 "no message %" G_GINT64_FORMAT " in store '%s'", id, store->path);
  else
    _ns_store_fail (store, rc, "reading", error);
  sqlite3_finalize (stmt);
  return msg;
}

gboolean
ns_store_count (NsStore *store, const NsStoreQuery *query, guint64 *ret_count, GError **error)
{
  static const NsStoreQuery all = { 0 };
  const NsStoreQuery *q = query != NULL ? query : &all;
  g_autoptr (GString) sql = g_string_new ("SELECT count(*) FROM messages");
  sqlite3_stmt *stmt = NULL;
  gint64 count = 0;
  int rc;

  g_return_val_if_fail (store != NULL, FALSE);
  if (!check_query (store, q, error))
    return FALSE;
  append_where (sql, q);
  rc = sqlite3_prepare_v2 (store->db, sql->str, -1, &stmt, NULL);
  if (rc == SQLITE_OK) {
    bind_query (stmt, q);
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW) {
      count = sqlite3_column_int64 (stmt, 0);
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    return _ns_store_fail (store, rc, "counting messages in", error);
  if (ret_count != NULL)
    *ret_count = (guint64) count;
  return TRUE;
}

gboolean
ns_store_get_last_id (NsStore *store, gint64 *ret_id, GError **error)
{
  gint64 id = 0;

  g_return_val_if_fail (store != NULL, FALSE);
  /* sqlite_sequence keeps the AUTOINCREMENT high-water mark, which stays
   * put when the newest rows are pruned. */
  if (!_ns_store_pragma_int (store, "SELECT seq FROM sqlite_sequence WHERE name = 'messages'", &id, error))
    return FALSE;
  if (ret_id != NULL)
    *ret_id = id;
  return TRUE;
}

/* ---- retention -------------------------------------------------------------------- */

static gboolean
run_delete (NsStore *store, const char *sql, gint64 param, guint64 *deleted, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK) {
    sqlite3_bind_int64 (stmt, 1, param);
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_DONE) {
      *deleted += (guint64) sqlite3_changes (store->db);
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    return _ns_store_fail (store, rc, "pruning", error);
  return TRUE;
}

gboolean
ns_store_prune (NsStore *store,
                gint64 max_age_s,
                guint64 max_count,
                gint64 now_us,
                guint64 *ret_deleted,
                GError **error)
{
  guint64 deleted = 0;
  int rc;

  g_return_val_if_fail (store != NULL, FALSE);
  if (!_ns_store_check_writable (store, error))
    return FALSE;
  if (max_age_s <= 0 && max_count == 0) {
    if (ret_deleted != NULL)
      *ret_deleted = 0;
    return TRUE;
  }
  rc = sqlite3_exec (store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return _ns_store_fail (store, rc, "starting a transaction on", error);
  if ((max_age_s > 0 &&
       !run_delete (store, "DELETE FROM messages WHERE received_us < ?1",
                    _ns_store_sat_add (now_us, -(max_age_s > G_MAXINT64 / G_USEC_PER_SEC
                                       ? G_MAXINT64 : max_age_s * G_USEC_PER_SEC)),
                    &deleted, error)) ||
      (max_count > 0 &&
       !run_delete (store, "DELETE FROM messages WHERE id <= "
                           "(SELECT id FROM messages ORDER BY id DESC LIMIT 1 OFFSET ?1)",
                    (gint64) MIN (max_count, (guint64) G_MAXINT64), &deleted, error))) {
    _ns_store_rollback_if_open (store);
    return FALSE;
  }
  rc = sqlite3_exec (store->db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    _ns_store_fail (store, rc, "committing the pruning of", error);
    _ns_store_rollback_if_open (store);
    return FALSE;
  }
  if (ret_deleted != NULL)
    *ret_deleted = deleted;
  return TRUE;
}

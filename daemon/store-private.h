/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared between store.c (open, schema, inserting) and store-query.c
 * (reading, retention). Not for other modules. */

#include <sqlite3.h>

#include "store.h"

struct _NsStore {
  sqlite3 *db;
  char *path;
  gboolean readonly;
  gboolean broken;
  sqlite3_stmt *insert_stmt;
  sqlite3_stmt *dedup_stmt;
};

/* Reports the last SQLite error of @store as "WHAT 'PATH': REASON" in
 * NS_STORE_ERROR, marking the store broken on corruption or I/O errors.
 * Always returns FALSE. */
gboolean _ns_store_fail (NsStore *store, int rc, const char *what, GError **error);
/* FALSE with an error for read-only or broken stores. */
gboolean _ns_store_check_writable (NsStore *store, GError **error);
/* Runs @sql and returns the first column of the first row (0 if none). */
gboolean _ns_store_pragma_int (NsStore *store, const char *sql, gint64 *ret, GError **error);
void _ns_store_rollback_if_open (NsStore *store);
/* Saturating addition. */
gint64 _ns_store_sat_add (gint64 a, gint64 b);

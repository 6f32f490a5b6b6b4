/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

#define SEC G_GINT64_CONSTANT (1000000)
#define T0 G_GINT64_CONSTANT (1700000000000000) /* 2023-11-14T22:13:20Z */

typedef struct {
  char *dir;
  char *path;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->dir = g_dir_make_tmp ("test-store-XXXXXX", NULL);
  assert_non_null (f->dir);
  f->path = g_build_filename (f->dir, "inbox.db", NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_autoptr (GDir) d = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree char *p = g_build_filename (f->dir, name, NULL);

    g_unlink (p);
  }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f);
  return 0;
}

static NsStoredMessage *
make_msg (gint64 t, const char *from, const char *to, const char *text)
{
  NsStoredMessage *m = ns_stored_message_new ();

  m->received_us = t;
  m->transport = NS_TRANSPORT_SMB;
  m->source = g_strdup ("192.0.2.7");
  m->port = 40000;
  m->from = g_strdup (from);
  m->to = g_strdup (to);
  m->text = g_strdup (text);
  m->raw = g_bytes_new (text, strlen (text));
  m->codepage = g_strdup ("CP850");
  return m;
}

static gint64
insert1 (NsStore *store, NsStoredMessage *m)
{
  gint64 id = -1;
  g_autoptr (GError) error = NULL;

  if (!ns_store_insert_batch (store, &m, 1, &id, NULL, &error))
    fail_msg ("insert: %s", error->message);
  return id;
}

static guint64
count_all (NsStore *store, gboolean include_refused)
{
  NsStoreQuery q = { 0 };
  guint64 n = 0;

  q.include_refused = include_refused;
  assert_true (ns_store_count (store, &q, &n, NULL));
  return n;
}

static void
assert_same_message (const NsStoredMessage *a, const NsStoredMessage *b)
{
  assert_int_equal (a->received_us, b->received_us);
  assert_int_equal (a->transport, b->transport);
  assert_string_equal (a->source, b->source);
  assert_int_equal (a->port, b->port);
  assert_string_equal (a->from, b->from);
  assert_string_equal (a->to, b->to);
  assert_string_equal (a->text, b->text);
  assert_true (g_bytes_equal (a->raw, b->raw));
  assert_string_equal (a->codepage, b->codepage);
  assert_int_equal (a->verdict, b->verdict);
}

/* ---- basics ------------------------------------------------------------------- */

static void
test_insert_get_reopen (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (NsStoredMessage) a = make_msg (T0, "ALICE", "HOST", "Hallo Welt");
  g_autoptr (NsStoredMessage) b = make_msg (T0 + 1, "UPS", "HOST", "on battery\nsecond line");
  g_autoptr (NsStoredMessage) c = make_msg (T0 + 2, "Иван", "HOST", "Привет");
  NsStoredMessage *batch[3] = { a, b, c };
  gint64 ids[3] = { 0 };
  gboolean dups[3] = { TRUE, TRUE, TRUE };
  struct stat st;

  b->transport = NS_TRANSPORT_MAILSLOT;
  b->source = (g_free (b->source), g_strdup ("2001:db8::5"));
  b->port = 138;
  c->transport = NS_TRANSPORT_RPC;
  c->codepage = (g_free (c->codepage), g_strdup ("CP866"));
  {
    g_autoptr (NsStore) store = ns_store_open (f->path, NS_STORE_OPEN_CHECK, &error);
    gint64 last = -1;

    assert_non_null (store);
    assert_false (ns_store_is_readonly (store));
    assert_true (ns_store_get_last_id (store, &last, NULL));
    assert_int_equal (last, 0);
    assert_true (ns_store_insert_batch (store, batch, 3, ids, dups, &error));
    assert_int_equal (ids[0], 1);
    assert_int_equal (ids[1], 2);
    assert_int_equal (ids[2], 3);
    assert_false (dups[0] || dups[1] || dups[2]);
    assert_true (ns_store_get_last_id (store, &last, NULL));
    assert_int_equal (last, 3);
  }
  /* Private to the daemon and its group. */
  assert_int_equal (stat (f->path, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0640);
  {
    g_autoptr (NsStore) store = ns_store_open (f->path, NS_STORE_OPEN_CHECK, &error);

    assert_non_null (store);
    for (guint i = 0; i < 3; i++) {
      g_autoptr (NsStoredMessage) got = ns_store_get (store, ids[i], &error);

      assert_non_null (got);
      assert_int_equal (got->id, ids[i]);
      assert_same_message (got, batch[i]);
    }
    assert_null (ns_store_get (store, 99, &error));
    assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_NOT_FOUND));
  }
}

static void
test_empty_batch_and_empty_text (void **state)
{
  Fixture *f = *state;
  g_autoptr (NsStore) store = ns_store_open (f->path, 0, NULL);
  g_autoptr (NsStoredMessage) m = make_msg (T0, "A", "B", "");
  g_autoptr (NsStoredMessage) got = NULL;
  gint64 id;

  assert_true (ns_store_insert_batch (store, NULL, 0, NULL, NULL, NULL));
  assert_int_equal (count_all (store, TRUE), 0);
  /* An empty message (capture 12: one 0x00 byte of TEXT) is still one. */
  id = insert1 (store, m);
  got = ns_store_get (store, id, NULL);
  assert_string_equal (got->text, "");
  assert_non_null (got->raw);
  assert_int_equal (g_bytes_get_size (got->raw), 0);
}

static void
test_invalid_messages_store_nothing (void **state)
{
  Fixture *f = *state;
  g_autoptr (NsStore) store = ns_store_open (f->path, 0, NULL);
  g_autoptr (NsStoredMessage) good = make_msg (T0, "A", "B", "fine");
  g_autoptr (NsStoredMessage) bad = make_msg (T0, "A", "B", "x");
  g_autoptr (NsStoredMessage) no_from = make_msg (T0, "A", "B", "x");
  NsStoredMessage *batch[2] = { good, bad };
  gint64 ids[2] = { -5, -5 };
  g_autoptr (GError) error = NULL;

  bad->text = (g_free (bad->text), g_strdup ("bad \xff utf-8"));
  assert_false (ns_store_insert_batch (store, batch, 2, ids, NULL, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_INVALID));
  assert_string_equal (error->message, "message 2 of the batch is accepted but its text is missing or not UTF-8");
  assert_int_equal (ids[0], -5); /* outputs untouched on failure */
  assert_int_equal (count_all (store, TRUE), 0);

  g_clear_error (&error);
  g_clear_pointer (&no_from->from, g_free);
  assert_false (ns_store_insert_batch (store, &no_from, 1, NULL, NULL, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_INVALID));
  assert_int_equal (count_all (store, TRUE), 0);
}

static void
test_refused_stored_without_text (void **state)
{
  Fixture *f = *state;
  g_autoptr (NsStore) store = ns_store_open (f->path, 0, NULL);
  g_autoptr (NsStoredMessage) ok = make_msg (T0, "A", "B", "hello");
  g_autoptr (NsStoredMessage) spam = make_msg (T0 + 1, "SPAMMER", "B", "BUY NOW");
  g_autoptr (NsStoredMessage) got = NULL;
  g_autoptr (GPtrArray) list = NULL;
  NsStoreQuery q = { 0 };
  gint64 spam_id;

  spam->verdict = NS_VERDICT_SENDER_DENIED;
  insert1 (store, ok);
  spam_id = insert1 (store, spam);
  got = ns_store_get (store, spam_id, NULL);
  assert_int_equal (got->verdict, NS_VERDICT_SENDER_DENIED);
  assert_null (got->text);   /* refused text is never stored */
  assert_null (got->raw);
  assert_string_equal (got->from, "SPAMMER");

  list = ns_store_query (store, NULL, NULL);
  assert_int_equal (list->len, 1);
  assert_string_equal (((NsStoredMessage *) list->pdata[0])->text, "hello");
  assert_int_equal (count_all (store, FALSE), 1);
  q.include_refused = TRUE;
  g_clear_pointer (&list, g_ptr_array_unref);
  list = ns_store_query (store, &q, NULL);
  assert_int_equal (list->len, 2);
}

static void
test_message_copy (void **state)
{
  g_autoptr (NsStoredMessage) a = make_msg (T0, "A", "B", "text");
  g_autoptr (NsStoredMessage) b = ns_stored_message_copy (a);

  a->id = 7;
  g_clear_pointer (&b, ns_stored_message_free);
  b = ns_stored_message_copy (a);
  assert_int_equal (b->id, 7);
  assert_same_message (a, b);
  assert_ptr_not_equal (a->text, b->text); /* deep copy */
  ns_stored_message_free (NULL);
}

/* ---- queries ------------------------------------------------------------------- */

static NsStore *
open_with_ten (const char *path)
{
  NsStore *store = ns_store_open (path, 0, NULL);
  static const char *const senders[] = { "ALICE", "bob", "PowerChute@NETCOMP1", "BOB", "ups" };
  NsStoredMessage *msgs[10];

  /* Ids 1..10 at T0, T0+10 s, ..., senders cycling. */
  for (guint i = 0; i < 10; i++) {
    g_autofree char *text = g_strdup_printf ("message %u", i + 1);

    msgs[i] = make_msg (T0 + i * 10 * SEC, senders[i % 5], "HOST", text);
  }
  assert_true (ns_store_insert_batch (store, msgs, 10, NULL, NULL, NULL));
  for (guint i = 0; i < 10; i++)
    ns_stored_message_free (msgs[i]);
  return store;
}

static void
assert_ids (NsStore *store, const NsStoreQuery *q, const char *expect)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = ns_store_query (store, q, &error);
  g_autoptr (GString) got = g_string_new (NULL);
  guint64 n = 0;

  if (list == NULL)
    fail_msg ("query: %s", error->message);
  for (guint i = 0; i < list->len; i++)
    g_string_append_printf (got, "%s%" G_GINT64_FORMAT, i ? "," : "",
                            ((NsStoredMessage *) list->pdata[i])->id);
  if (strcmp (got->str, expect) != 0)
    fail_msg ("got ids [%s], expected [%s]", got->str, expect);
  /* count ignores the limit */
  assert_true (ns_store_count (store, q, &n, NULL));
  if (q->limit == 0)
    assert_int_equal (n, list->len);
  else
    assert_true (n >= list->len);
}

static void
test_query_filters (void **state)
{
  Fixture *f = *state;
  g_autoptr (NsStore) store = open_with_ten (f->path);
  NsStoreQuery q = { 0 };
  g_autoptr (GError) error = NULL;

  assert_ids (store, &q, "1,2,3,4,5,6,7,8,9,10");
  q.limit = 3;                                  /* newest three, newest last */
  assert_ids (store, &q, "8,9,10");
  q.limit = 0;
  q.since_us = T0 + 70 * SEC;
  assert_ids (store, &q, "8,9,10");
  q.since_us = T0 + 65 * SEC;
  assert_ids (store, &q, "8,9,10");
  q.since_us = 0;
  q.from = "bob";                               /* exact, case-insensitive */
  assert_ids (store, &q, "2,4,7,9");
  q.from = "BOB   ";                            /* NetBIOS padding */
  assert_ids (store, &q, "2,4,7,9");
  q.from = "powerchute@*";                      /* glob */
  assert_ids (store, &q, "3,8");
  q.from = "?L*";
  assert_ids (store, &q, "1,6");
  q.from = "NOBODY";
  assert_ids (store, &q, "");
  q.from = "bob";
  q.limit = 2;
  assert_ids (store, &q, "7,9");
  q.from = NULL;
  q.limit = 0;
  q.after_id = 7;                               /* --follow */
  assert_ids (store, &q, "8,9,10");
  q.limit = 2;                                  /* paging forward: oldest first */
  assert_ids (store, &q, "8,9");
  q.after_id = 10;
  assert_ids (store, &q, "");
  q.after_id = 3;
  q.limit = 0;
  q.since_us = T0 + 50 * SEC;
  q.from = "B*";
  assert_ids (store, &q, "7,9");

  q = (NsStoreQuery) { 0 };
  q.from = "bad\tglob";
  assert_null (ns_store_query (store, &q, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_INVALID));
}

/* ---- dedup --------------------------------------------------------------------------- */

static void
test_dedup (void **state)
{
  Fixture *f = *state;
  g_autoptr (NsStore) store = ns_store_open (f->path, 0, NULL);
  g_autoptr (NsStoredMessage) first = make_msg (T0, "PowerChute@NETCOMP1", "*", "On battery");
  g_autoptr (NsStoredMessage) again = make_msg (T0 + 2 * SEC, "POWERCHUTE@netcomp1", "*  ", "On battery");
  g_autoptr (NsStoredMessage) later = make_msg (T0 + 11 * SEC, "PowerChute@NETCOMP1", "*", "On battery");
  g_autoptr (NsStoredMessage) other = make_msg (T0 + 3 * SEC, "PowerChute@NETCOMP1", "*", "On mains");
  gint64 window = 10 * SEC, id1, found = -1;
  gint64 ids[3];
  gboolean dups[3];
  NsStoredMessage *batch[3];

  first->dedup_window_us = again->dedup_window_us = later->dedup_window_us = window;
  other->dedup_window_us = window;
  /* Another interface: another source address, same message. */
  again->source = (g_free (again->source), g_strdup ("10.9.9.9"));
  again->transport = NS_TRANSPORT_MAILSLOT;

  id1 = insert1 (store, first);
  assert_true (ns_store_find_recent_duplicate (store, again, window, &found, NULL));
  assert_int_equal (found, id1);
  assert_true (ns_store_find_recent_duplicate (store, later, window, &found, NULL));
  assert_int_equal (found, 0);

  batch[0] = again;   /* duplicate of id1 */
  batch[1] = other;   /* different text: stored */
  batch[2] = other;   /* the same twice in one batch: stored once */
  assert_true (ns_store_insert_batch (store, batch, 3, ids, dups, NULL));
  assert_int_equal (ids[0], id1);
  assert_true (dups[0]);
  assert_false (dups[1]);
  assert_true (dups[2]);
  assert_int_equal (ids[2], ids[1]);
  /* Outside the window: stored again. */
  assert_int_not_equal (insert1 (store, later), id1);
  /* Without a window nothing is de-duplicated. */
  first->dedup_window_us = 0;
  assert_int_not_equal (insert1 (store, first), id1);
  assert_int_equal (count_all (store, FALSE), 4);
}

/* ---- retention ---------------------------------------------------------------------- */

static void
test_prune (void **state)
{
  Fixture *f = *state;
  g_autoptr (NsStore) store = open_with_ten (f->path);
  NsStoreQuery q = { 0 };
  guint64 deleted = 999;
  gint64 last = 0;
  gint64 now = T0 + 100 * SEC;

  assert_true (ns_store_prune (store, 0, 0, now, &deleted, NULL));
  assert_int_equal (deleted, 0);
  /* Older than 60 s at T0+100 s: received before T0+40 s -> ids 1-4. */
  assert_true (ns_store_prune (store, 60, 0, now, &deleted, NULL));
  assert_int_equal (deleted, 4);
  assert_ids (store, &q, "5,6,7,8,9,10");
  assert_true (ns_store_prune (store, 0, 4, now, &deleted, NULL));
  assert_int_equal (deleted, 2);
  assert_ids (store, &q, "7,8,9,10");
  assert_true (ns_store_prune (store, 0, 10, now, &deleted, NULL));
  assert_int_equal (deleted, 0);
  /* Both at once. */
  assert_true (ns_store_prune (store, 25, 1, now, &deleted, NULL));
  assert_int_equal (deleted, 3);
  assert_ids (store, &q, "10");
  /* Ids are never reused, even when the store was emptied. */
  assert_true (ns_store_prune (store, 1, 0, now + 3600 * SEC, &deleted, NULL));
  assert_int_equal (count_all (store, TRUE), 0);
  {
    g_autoptr (NsStoredMessage) m = make_msg (now, "A", "B", "new");

    assert_int_equal (insert1 (store, m), 11);
  }
  assert_true (ns_store_get_last_id (store, &last, NULL));
  assert_int_equal (last, 11);
}

/* ---- failures ---------------------------------------------------------------------------- */

static void
test_full_disk (void **state)
{
  Fixture *f = *state;
  g_autoptr (NsStore) store = ns_store_open (f->path, 0, NULL);
  g_autofree char *big = g_strnfill (3000, 'x');
  g_autoptr (GError) error = NULL;
  guint64 stored = 0, after = 0;
  guint i;

  /* A size cap acts like a full disk: SQLite answers SQLITE_FULL. */
  assert_true (ns_store_set_size_limit (store, 64 * 1024, NULL));
  for (i = 0; i < 1000; i++) {
    g_autoptr (NsStoredMessage) m = make_msg (T0 + i, "A", "B", big);

    if (!ns_store_insert_batch (store, &m, 1, NULL, NULL, &error))
      break;
    stored++;
  }
  assert_true (i < 1000);
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_FULL));
  assert_non_null (strstr (error->message, f->path));
  assert_false (ns_store_is_broken (store)); /* FULL is not sticky */
  assert_true (stored > 5);
  assert_int_equal (count_all (store, TRUE), stored);

  /* A batch that does not fit is not stored in part. */
  {
    NsStoredMessage *batch[4];

    for (guint j = 0; j < 4; j++)
      batch[j] = make_msg (T0 + 5000 + j, "A", "B", j == 3 ? big : "small");
    g_clear_error (&error);
    assert_false (ns_store_insert_batch (store, batch, 4, NULL, NULL, &error));
    assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_FULL));
    for (guint j = 0; j < 4; j++)
      ns_stored_message_free (batch[j]);
  }
  assert_int_equal (count_all (store, TRUE), stored);

  /* Everything stored before is intact, also after reopening. */
  g_clear_pointer (&store, ns_store_free);
  store = ns_store_open (f->path, NS_STORE_OPEN_CHECK, &error);
  assert_non_null (store);
  assert_true (ns_store_count (store, NULL, &after, NULL));
  assert_int_equal (after, stored);
  {
    g_autoptr (NsStoredMessage) m = make_msg (T0, "A", "B", big);

    assert_true (insert1 (store, m) > 0); /* space again without the cap */
  }
}

static void
write_file (const char *path, const void *data, gsize len)
{
  assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
}

static void
test_garbage_file_refused (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  guint8 junk[8192];
  g_autofree char *after = NULL;
  gsize len = 0;

  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) (i * 131 + 7);
  write_file (f->path, junk, sizeof junk);
  assert_null (ns_store_open (f->path, 0, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_CORRUPT));
  assert_non_null (strstr (error->message, f->path));
  assert_non_null (strstr (error->message, "not a database"));
  /* The file was not touched. */
  assert_true (g_file_get_contents (f->path, &after, &len, NULL));
  assert_int_equal (len, sizeof junk);
  assert_memory_equal (after, junk, sizeof junk);

  g_clear_error (&error);
  assert_null (ns_store_open (f->path, NS_STORE_OPEN_READONLY, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_CORRUPT));
}

/* Fills a store with 200 messages of 2,000 bytes and closes it (closing
 * checkpoints the WAL into the main file). Returns the file's bytes. */
static char *
make_full_store (const char *path, gsize *ret_len)
{
  g_autofree char *text = g_strnfill (2000, 'y');
  char *data = NULL;

  {
    g_autoptr (NsStore) store = ns_store_open (path, 0, NULL);

    for (guint i = 0; i < 200; i++) {
      g_autoptr (NsStoredMessage) m = make_msg (T0 + i, "A", "B", text);

      insert1 (store, m);
    }
  }
  assert_true (g_file_get_contents (path, &data, ret_len, NULL));
  assert_true (*ret_len > 100000);
  return data;
}

static void
test_truncated_file_refused (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  g_autofree char *data = make_full_store (f->path, &len);

  write_file (f->path, data, len / 2);
  /* The daemon opens with the check at start. */
  assert_null (ns_store_open (f->path, NS_STORE_OPEN_CHECK, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_CORRUPT));
  assert_non_null (strstr (error->message, f->path));
}

static void
test_damaged_page_makes_store_refuse_writes (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  g_autofree char *data = make_full_store (f->path, &len);
  g_autofree char *after = NULL;
  gsize after_len = 0;

  /* Overwrite pages in the middle; page 1 (header, schema) stays good, so
   * opening without the check works and the damage shows on first read. */
  memset (data + len / 2, 0x55, 8192);
  write_file (f->path, data, len);

  assert_null (ns_store_open (f->path, NS_STORE_OPEN_CHECK, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_CORRUPT));
  if (strstr (error->message, "is damaged") == NULL)
    fail_msg ("%s", error->message);
  g_clear_error (&error);
  {
    g_autoptr (NsStore) store = ns_store_open (f->path, 0, &error);
    g_autoptr (NsStoredMessage) m = make_msg (T0, "A", "B", "hi");
    g_autoptr (GPtrArray) list = NULL;

    assert_non_null (store);
    list = ns_store_query (store, NULL, &error);
    assert_null (list);
    assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_CORRUPT));
    assert_true (ns_store_is_broken (store));
    g_clear_error (&error);
    /* From now on the store refuses writes without touching the file. */
    assert_false (ns_store_insert_batch (store, &m, 1, NULL, NULL, &error));
    assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_CORRUPT));
    assert_non_null (strstr (error->message, "refusing to write"));
    g_clear_error (&error);
    assert_false (ns_store_prune (store, 1, 1, T0, NULL, &error));
    assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_CORRUPT));
  }
  assert_true (g_file_get_contents (f->path, &after, &after_len, NULL));
  assert_int_equal (after_len, len);
  assert_memory_equal (after, data, len);
}

static void
test_foreign_and_newer_databases (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;

  assert_int_equal (sqlite3_open (f->path, &db), SQLITE_OK);
  assert_int_equal (sqlite3_exec (db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (db);
  assert_null (ns_store_open (f->path, 0, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_VERSION));
  assert_non_null (strstr (error->message, "not a netsend message store"));
  g_unlink (f->path);

  g_clear_error (&error);
  db = NULL;
  {
    g_autoptr (NsStore) store = ns_store_open (f->path, 0, NULL);

    assert_non_null (store);
  }
  assert_int_equal (sqlite3_open (f->path, &db), SQLITE_OK);
  assert_int_equal (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (db);
  assert_null (ns_store_open (f->path, 0, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_VERSION));
  assert_non_null (strstr (error->message, "schema version 99"));
}

static void
test_readonly (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (NsStore) writer = NULL;
  g_autoptr (NsStore) reader = NULL;
  g_autoptr (NsStoredMessage) m = make_msg (T0, "A", "B", "first");
  g_autoptr (NsStoredMessage) m2 = make_msg (T0 + 1, "A", "B", "second");

  assert_null (ns_store_open (f->path, NS_STORE_OPEN_READONLY, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_CANT_OPEN));
  assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS)); /* a reader creates nothing */
  g_clear_error (&error);

  writer = ns_store_open (f->path, 0, NULL);
  insert1 (writer, m);
  reader = ns_store_open (f->path, NS_STORE_OPEN_READONLY, &error);
  assert_non_null (reader);
  assert_true (ns_store_is_readonly (reader));
  assert_int_equal (count_all (reader, TRUE), 1);
  /* A reader sees what the running writer commits (WAL). */
  insert1 (writer, m2);
  assert_int_equal (count_all (reader, TRUE), 2);
  assert_false (ns_store_insert_batch (reader, &m, 1, NULL, NULL, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_READONLY));
  g_clear_error (&error);
  assert_false (ns_store_prune (reader, 1, 0, T0 + 100 * SEC, NULL, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_READONLY));

  /* The writer keeps -wal and -shm after closing, for readers that cannot
   * create them. */
  g_clear_pointer (&reader, ns_store_free);
  g_clear_pointer (&writer, ns_store_free);
  {
    g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);

    assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
    assert_true (g_file_test (shm, G_FILE_TEST_EXISTS));
  }
  reader = ns_store_open (f->path, NS_STORE_OPEN_READONLY, &error);
  assert_non_null (reader);
  assert_int_equal (count_all (reader, TRUE), 2);
}

static void
test_missing_directory (void **state)
{
  Fixture *f = *state;
  g_autofree char *path = g_build_filename (f->dir, "no", "such", "inbox.db", NULL);
  g_autoptr (GError) error = NULL;

  assert_null (ns_store_open (path, 0, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_CANT_OPEN));
  assert_non_null (strstr (error->message, path));
}

static void
test_directory_refused (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;

  assert_null (ns_store_open (f->dir, NS_STORE_OPEN_READONLY, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_CANT_OPEN));
  assert_non_null (strstr (error->message, "is a directory"));
  g_clear_error (&error);
  assert_null (ns_store_open (f->dir, 0, &error));
  assert_true (g_error_matches (error, NS_STORE_ERROR, NS_STORE_ERROR_CANT_OPEN));
}

int
main (void)
{
#define T(fn) cmocka_unit_test_setup_teardown (fn, setup, teardown)
  const struct CMUnitTest tests[] = {
    T (test_insert_get_reopen),
    T (test_empty_batch_and_empty_text),
    T (test_invalid_messages_store_nothing),
    T (test_refused_stored_without_text),
    T (test_message_copy),
    T (test_query_filters),
    T (test_dedup),
    T (test_prune),
    T (test_full_disk),
    T (test_garbage_file_refused),
    T (test_truncated_file_refused),
    T (test_damaged_page_makes_store_refuse_writes),
    T (test_foreign_and_newer_databases),
    T (test_readonly),
    T (test_missing_directory),
    T (test_directory_refused),
  };

  return cmocka_run_group_tests_name ("store", tests, NULL, NULL);
}

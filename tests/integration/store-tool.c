/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Helper for store-kill9.sh: drives the inbox (daemon/store.c) the way the
 * daemon does, so the durability promise can be checked from outside.
 *
 *   store-tool write PATH COUNT BATCH TAG
 *       Inserts COUNT messages in batches of BATCH (one transaction each).
 *       After each batch has committed it prints "ID TAG SEQ" per message
 *       with write(2): a line is only printed for an acknowledged message.
 *   store-tool check PATH ACKFILE
 *       Opens the store (with the integrity check) and verifies that every
 *       acknowledged "ID TAG SEQ" line is present with the text it was
 *       written with. Prints a summary; exit 1 on any loss.
 *   store-tool check-ro PATH ACKFILE
 *       The same through a read-only open (as `netmsg --store` does). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

static char *
text_for (const char *tag, guint64 seq)
{
  return g_strdup_printf ("durability probe %s #%" G_GUINT64_FORMAT " Grüße", tag, seq);
}

static gboolean
write_all (int fd, const char *buf, gsize len)
{
  while (len > 0) {
    ssize_t n = write (fd, buf, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    buf += n;
    len -= (gsize) n;
  }
  return TRUE;
}

static int
do_write (const char *path, guint64 count, guint batch, const char *tag)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NsStore) store = ns_store_open (path, NS_STORE_OPEN_NONE, &error);
  g_autofree NsStoredMessage **msgs = g_new0 (NsStoredMessage *, batch);
  g_autofree gint64 *ids = g_new0 (gint64, batch);
  guint64 seq = 0;

  if (store == NULL) {
    fprintf (stderr, "store-tool: %s\n", error->message);
    return 1;
  }
  while (seq < count) {
    guint n = (guint) MIN ((guint64) batch, count - seq);
    g_autoptr (GString) acks = g_string_new (NULL);

    for (guint i = 0; i < n; i++) {
      NsStoredMessage *m = ns_stored_message_new ();

      m->received_us = g_get_real_time ();
      m->transport = NS_TRANSPORT_SMB;
      m->source = g_strdup ("127.0.0.1");
      m->port = 40000;
      m->from = g_strdup (tag);
      m->to = g_strdup ("HOST");
      m->text = text_for (tag, seq + i);
      m->raw = g_bytes_new (m->text, strlen (m->text));
      m->codepage = g_strdup ("CP850");
      msgs[i] = m;
    }
    if (!ns_store_insert_batch (store, msgs, n, ids, NULL, &error)) {
      fprintf (stderr, "store-tool: %s\n", error->message);
      return 1;
    }
    /* Only now is the batch acknowledged. */
    for (guint i = 0; i < n; i++) {
      g_string_append_printf (acks, "%" G_GINT64_FORMAT " %s %" G_GUINT64_FORMAT "\n",
                              ids[i], tag, seq + i);
      g_clear_pointer (&msgs[i], ns_stored_message_free);
    }
    if (!write_all (STDOUT_FILENO, acks->str, acks->len))
      return 1;
    seq += n;
  }
  return 0;
}

static int
do_check (const char *path, const char *ackfile, NsStoreOpenFlags flags)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NsStore) store = ns_store_open (path, NS_STORE_OPEN_CHECK | flags, &error);
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  guint64 acked = 0, lost = 0, stored = 0;

  if (store == NULL) {
    fprintf (stderr, "store-tool: %s\n", error->message);
    return 1;
  }
  if (!g_file_get_contents (ackfile, &data, NULL, &error)) {
    fprintf (stderr, "store-tool: %s\n", error->message);
    return 1;
  }
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    gint64 id = 0;
    guint64 seq = 0;
    char tag[64];
    g_autoptr (NsStoredMessage) m = NULL;
    g_autofree char *want = NULL;

    /* A line cut by the kill (no newline yet) was never complete. */
    if (lines[i + 1] == NULL)
      break;
    if (sscanf (lines[i], "%" G_GINT64_FORMAT " %63s %" G_GUINT64_FORMAT, &id, tag, &seq) != 3)
      continue;
    acked++;
    want = text_for (tag, seq);
    m = ns_store_get (store, id, NULL);
    if (m == NULL || g_strcmp0 (m->text, want) != 0) {
      fprintf (stderr, "LOST: acknowledged message %" G_GINT64_FORMAT " (%s #%" G_GUINT64_FORMAT ")\n",
               id, tag, seq);
      lost++;
    }
  }
  if (!ns_store_count (store, NULL, &stored, &error)) {
    fprintf (stderr, "store-tool: %s\n", error->message);
    return 1;
  }
  printf ("acknowledged %" G_GUINT64_FORMAT ", lost %" G_GUINT64_FORMAT ", stored %" G_GUINT64_FORMAT "\n",
          acked, lost, stored);
  return lost == 0 && stored >= acked ? 0 : 1;
}

int
main (int argc, char **argv)
{
  if (argc == 6 && strcmp (argv[1], "write") == 0)
    return do_write (argv[2], g_ascii_strtoull (argv[3], NULL, 10),
                     (guint) MAX (g_ascii_strtoull (argv[4], NULL, 10), 1), argv[5]);
  if (argc == 4 && strcmp (argv[1], "check") == 0)
    return do_check (argv[2], argv[3], NS_STORE_OPEN_NONE);
  if (argc == 4 && strcmp (argv[1], "check-ro") == 0)
    return do_check (argv[2], argv[3], NS_STORE_OPEN_READONLY);
  fprintf (stderr, "usage: store-tool write PATH COUNT BATCH TAG | check[-ro] PATH ACKFILE\n");
  return 2;
}

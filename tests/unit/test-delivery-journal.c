/* SPDX-License-Identifier: GPL-3.0-or-later */

/* daemon/delivery.c: the journal record of a delivered message (fields,
 * MESSAGE_ID, level; the text only at debug level) and the GetStatus
 * keys, with a log writer that keeps what it is given. No hook, no
 * terminals, no control API: those are deliver-loopback.sh's. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "delivery.h"

typedef struct {
  GLogLevelFlags level;
  GHashTable *fields; /* key -> value (strings only) */
} Record;

static GPtrArray *records;

static void
record_free (Record *r)
{
  g_hash_table_unref (r->fields);
  g_free (r);
}

static GLogWriterOutput
keep (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer user_data)
{
  Record *r;

  if (records == NULL)
    return G_LOG_WRITER_HANDLED;
  r = g_new0 (Record, 1);
  r->level = level & G_LOG_LEVEL_MASK;
  r->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (gsize i = 0; i < n; i++)
    if (fields[i].length < 0)
      g_hash_table_insert (r->fields, g_strdup (fields[i].key), g_strdup (fields[i].value));
  g_ptr_array_add (records, r);
  return G_LOG_WRITER_HANDLED;
}

static NsStoredMessage *
make_msg (void)
{
  NsStoredMessage *m = ns_stored_message_new ();

  m->id = 17;
  m->received_us = G_GINT64_CONSTANT (1079259323) * G_USEC_PER_SEC;
  m->transport = NS_TRANSPORT_MAILSLOT;
  m->source = g_strdup ("192.0.2.7");
  m->port = 138;
  m->from = g_strdup ("UPS\x1b[2J");
  m->to = g_strdup ("ALICE");
  m->text = g_strdup ("secret text");
  m->codepage = g_strdup ("CP850");
  return m;
}

static const char *
field (const Record *r, const char *key)
{
  return g_hash_table_lookup (r->fields, key);
}

static void
test_journal_record (void **state)
{
  g_autoptr (NsDaemonConfig) config = ns_daemon_config_new_default ();
  g_autoptr (NsDelivery) delivery = ns_delivery_new (config, NULL, "/nonexistent/inbox.db");
  g_autoptr (NsStoredMessage) m = make_msg ();
  const Record *notice = NULL, *debug = NULL;

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) record_free);
  ns_delivery_deliver (delivery, m);
  for (guint i = 0; i < records->len; i++) {
    const Record *r = g_ptr_array_index (records, i);

    if (g_strcmp0 (field (r, "NETSEND_ID"), "17") != 0)
      continue;
    if (r->level == G_LOG_LEVEL_MESSAGE)
      notice = r;
    else if (r->level == G_LOG_LEVEL_DEBUG)
      debug = r;
    /* Above debug level, the text is nowhere. */
    if (r->level != G_LOG_LEVEL_DEBUG) {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, r->fields);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        assert_null (strstr (value, "secret"));
    }
  }
  assert_non_null (notice);
  assert_string_equal (field (notice, "MESSAGE_ID"), NS_DELIVERY_MESSAGE_ID);
  assert_int_equal (strlen (NS_DELIVERY_MESSAGE_ID), 32);
  /* Fields exact (journalctl NETSEND_FROM=...), MESSAGE on one safe line. */
  assert_string_equal (field (notice, "NETSEND_FROM"), "UPS\x1b[2J");
  assert_string_equal (field (notice, "NETSEND_TO"), "ALICE");
  assert_string_equal (field (notice, "NETSEND_SOURCE"), "192.0.2.7");
  assert_string_equal (field (notice, "NETSEND_TRANSPORT"), "mailslot");
  assert_string_equal (field (notice, "MESSAGE"),
                       "Message 17 from UPS\xef\xbf\xbd to ALICE (mailslot from 192.0.2.7)");
  assert_string_equal (field (notice, "GLIB_DOMAIN"), "netsendd");
  assert_non_null (debug);
  assert_string_equal (field (debug, "NETSEND_TEXT"), "secret text");
  assert_string_equal (field (debug, "MESSAGE"), "Message 17 text: secret text");
  g_clear_pointer (&records, g_ptr_array_unref);
}

static void
test_status (void **state)
{
  g_autoptr (NsDaemonConfig) config = ns_daemon_config_new_default ();
  g_autoptr (NsDelivery) delivery = ns_delivery_new (config, NULL, "/nonexistent/inbox.db");
  g_autoptr (NsStoredMessage) m = make_msg ();
  g_autoptr (GVariant) status = NULL;
  GVariantBuilder b;
  const char *urgency = NULL;
  guint64 n = 99;

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) record_free);
  ns_delivery_deliver (delivery, m);
  ns_delivery_deliver (delivery, m);
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  ns_delivery_add_status (delivery, &b);
  status = g_variant_ref_sink (g_variant_builder_end (&b));
  assert_true (g_variant_lookup (status, "notify-urgency", "&s", &urgency));
  assert_string_equal (urgency, "critical");
  assert_true (g_variant_lookup (status, "delivery-messages", "t", &n));
  assert_int_equal (n, 2);
  /* No control API here, no hook configured. */
  assert_true (g_variant_lookup (status, "delivery-signals", "t", &n));
  assert_int_equal (n, 0);
  assert_true (g_variant_lookup (status, "delivery-hooks-started", "t", &n));
  assert_int_equal (n, 0);
  assert_true (g_variant_lookup (status, "delivery-terminals-written", "t", &n));
  assert_int_equal (n, 0);
  g_clear_pointer (&records, g_ptr_array_unref);
}

/* GLib takes one writer per process. */
static int
setup (void **state)
{
  g_log_set_writer_func (keep, NULL, NULL);
  return 0;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_journal_record),
    cmocka_unit_test (test_status),
  };

  return cmocka_run_group_tests_name ("delivery-journal", tests, setup, NULL);
}

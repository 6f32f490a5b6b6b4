/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the mailslot write and MESSNGR body codec
 * (lib/codec/msgr-mailslot.c). The input is a datagram's USER_DATA.
 *
 * 1. msgr_mailslot_write_parse(); a parsed write builds, the build parses to
 *    the same write, and building that again gives the same bytes (the
 *    fields receivers ignore are normalised once, then stable).
 * 2. msgr_mailslot_parse(); a message the builder accepts rebuilds and
 *    reparses to an equal message; From/To/Text decode to valid UTF-8.
 * abort() on any mismatch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netsend/msgr-mailslot.h"
#include "netsend/msgr-text.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
writes_equal (const MsgrMailslotWrite *a, const MsgrMailslotWrite *b)
{
  g_autoptr (MsgrMailslotMessage) ma = msgr_mailslot_message_new (NULL, 0, NULL, 0, NULL, 0);
  g_autoptr (MsgrMailslotMessage) mb = msgr_mailslot_message_new (NULL, 0, NULL, 0, NULL, 0);

  /* Compare params through the message comparison. */
  ma->params = a->params;
  mb->params = b->params;
  return msgr_mailslot_message_equal (ma, mb) && g_strcmp0 (a->mailslot, b->mailslot) == 0 &&
         g_bytes_equal (a->data, b->data);
}

static void
check_write (const uint8_t *data, size_t size)
{
  g_autoptr (MsgrMailslotWrite) w = NULL;
  g_autoptr (MsgrMailslotWrite) w2 = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GByteArray) out2 = g_byte_array_new ();

  if (!msgr_mailslot_write_parse (data, size, &w, NULL))
    return;
  if (w->mailslot == NULL || w->data == NULL || size > 0xffff)
    abort ();
  if (!msgr_mailslot_write_build (w, out, NULL))
    abort ();
  if (out->len != size)
    abort (); /* same name, padding and data: same length */
  if (!msgr_mailslot_write_parse (out->data, out->len, &w2, NULL) || !writes_equal (w, w2))
    abort ();
  if (!msgr_mailslot_write_build (w2, out2, NULL) || out2->len != out->len ||
      memcmp (out2->data, out->data, out->len) != 0)
    abort ();
}

static void
check_decode (GBytes *field)
{
  static const char *codepages[] = { "CP850", "CP866", "UTF-8" };
  gsize n;
  const guint8 *p = g_bytes_get_data (field, &n);

  for (guint i = 0; i < G_N_ELEMENTS (codepages); i++) {
    g_autofree char *s = msgr_text_decode (p, n, codepages[i], 0, NULL, NULL);

    if (s == NULL || !g_utf8_validate (s, -1, NULL))
      abort ();
  }
}

static void
check_message (const uint8_t *data, size_t size)
{
  g_autoptr (MsgrMailslotMessage) m = NULL;
  g_autoptr (MsgrMailslotMessage) m2 = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();

  if (!msgr_mailslot_parse (data, size, &m, NULL))
    return;
  if (m->from == NULL || m->to == NULL || m->text == NULL ||
      g_bytes_get_size (m->from) > MSGR_MAILSLOT_MAX_FIELD ||
      g_bytes_get_size (m->to) > MSGR_MAILSLOT_MAX_FIELD)
    abort ();
  if (g_bytes_get_size (m->text) > 0 &&
      memchr (g_bytes_get_data (m->text, NULL), 0, g_bytes_get_size (m->text)) != NULL)
    abort ();
  check_decode (m->from);
  check_decode (m->to);
  check_decode (m->text);
  if (!msgr_mailslot_build (m, out, NULL))
    return;
  if (!msgr_mailslot_parse (out->data, out->len, &m2, NULL) || !msgr_mailslot_message_equal (m, m2))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > 65536)
    return 0;
  check_write (data, size);
  check_message (data, size);
  return 0;
}

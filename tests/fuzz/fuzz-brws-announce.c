/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the browser frames (lib/codec/brws-announce.c).
 *
 * 1. The input as a browser frame: an announcement or a request that
 *    parses builds back to exactly the input (every field is kept), except
 *    an announcement whose string or name the builder refuses to send
 *    (longer than a sender may write, or an empty name).
 * 2. The input as a UDP 138 payload: brws_parse_datagram(); the frame it
 *    carries is parsed, the whole datagram rebuilt, reparsed to the same
 *    frame and header values, and rebuilt to the same bytes again.
 * abort() on any mismatch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netsend/brws-announce.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_announcement (const uint8_t *data, size_t size)
{
  g_autoptr (BrwsAnnouncement) a = NULL;
  g_autoptr (BrwsAnnouncement) a2 = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  gsize max;

  if (!brws_announcement_parse (data, size, &a, NULL))
    return;
  if (a->comment == NULL || memchr (a->name, 0, sizeof a->name) == NULL)
    abort ();
  max = a->opcode == BRWS_DOMAIN_ANNOUNCEMENT ? BRWS_NAME_FIELD_LEN - 1 : BRWS_COMMENT_MAX - 1;
  if (!brws_announcement_build (a, out, NULL)) {
    if (out->len != 0 || (strlen (a->comment) <= max && a->name[0] != '\0'))
      abort ();
    return;
  }
  if (out->len != size || memcmp (out->data, data, size) != 0)
    abort ();
  if (!brws_announcement_parse (out->data, out->len, &a2, NULL) || !brws_announcement_equal (a, a2))
    abort ();
}

static void
check_request (const uint8_t *data, size_t size)
{
  g_autoptr (BrwsAnnouncementRequest) r = NULL;
  g_autoptr (BrwsAnnouncementRequest) r2 = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autofree char *name = NULL;

  if (!brws_announcement_request_parse (data, size, &r, NULL))
    return;
  name = brws_announcement_request_dup_name (r);
  if (name == NULL || !brws_announcement_request_build (r, out, NULL))
    abort ();
  if (out->len != size || memcmp (out->data, data, size) != 0)
    abort ();
  if (!brws_announcement_request_parse (out->data, out->len, &r2, NULL) ||
      !brws_announcement_request_equal (r, r2))
    abort ();
}

/* Builds @d around @w's data; FALSE if the builder refuses. */
static gboolean
rebuild (const NbDgram *d, const MsgrMailslotWrite *w, GByteArray *out)
{
  gsize n = 0;
  const guint8 *frame = g_bytes_get_data (w->data, &n);

  return brws_build_datagram (d, &w->params, frame != NULL ? frame : (const guint8 *) "", n, out,
                              NULL);
}

static void
check_datagram (const uint8_t *data, size_t size)
{
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (NbDgram) d2 = NULL;
  g_autoptr (MsgrMailslotWrite) w = NULL;
  g_autoptr (MsgrMailslotWrite) w2 = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GByteArray) out2 = g_byte_array_new ();
  guint8 opcode;

  if (!brws_parse_datagram (data, size, &d, &w, NULL))
    return;
  if (g_ascii_strcasecmp (w->mailslot, BRWS_MAILSLOT_NAME) != 0)
    abort ();
  if (brws_frame_opcode (g_bytes_get_data (w->data, NULL), g_bytes_get_size (w->data), &opcode,
                         NULL)) {
    check_announcement (g_bytes_get_data (w->data, NULL), g_bytes_get_size (w->data));
    check_request (g_bytes_get_data (w->data, NULL), g_bytes_get_size (w->data));
  }
  /* The parsed mailslot name may differ in case from ours: rebuilding
   * writes ours, so compare from the second round on. */
  if (!rebuild (d, w, out))
    return;
  if (!brws_parse_datagram (out->data, out->len, &d2, &w2, NULL))
    abort ();
  if (!g_bytes_equal (w->data, w2->data) || d2->type != d->type || d2->dgm_id != d->dgm_id ||
      !nb_name_equal (&d2->source_name, &d->source_name) ||
      !nb_name_equal (&d2->destination_name, &d->destination_name) ||
      w2->params.timeout_ms != w->params.timeout_ms || w2->params.priority != w->params.priority)
    abort ();
  if (!rebuild (d2, w2, out2) || out2->len != out->len ||
      memcmp (out2->data, out->data, out->len) != 0)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  check_announcement (data, size);
  check_request (data, size);
  check_datagram (data, size);
  return 0;
}

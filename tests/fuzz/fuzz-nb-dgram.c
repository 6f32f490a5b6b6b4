/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the datagram service (lib/codec/nb-dgram.c) and the whole
 * mailslot path on top of it (msgr_mailslot_parse_datagram).
 *
 * 1. nb_dgram_parse() with fragments allowed; a parsed datagram builds back
 *    to exactly the input (the format is canonical: DGM_LENGTH is derived,
 *    every other field is kept) and parses again to an equal datagram.
 *    Without NB_DGRAM_PARSE_FRAGMENTS it parses iff it is no fragment.
 * 2. msgr_mailslot_parse_datagram(); a message that the builder accepts
 *    (Windows limits) rebuilds and reparses to the same message and header.
 * 3. The input cut into length-prefixed records fed to a bounded
 *    reassembler; its bounds must hold.
 * abort() on any mismatch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netsend/msgr-mailslot.h"
#include "netsend/msgr-text.h"
#include "netsend/nb-dgram.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_dgram (const uint8_t *data, size_t size)
{
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (NbDgram) strict = NULL;
  g_autoptr (NbDgram) again = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  gboolean whole;

  whole = nb_dgram_parse (data, size, NB_DGRAM_PARSE_NONE, &strict, NULL);
  if (!nb_dgram_parse (data, size, NB_DGRAM_PARSE_FRAGMENTS, &d, NULL)) {
    if (whole)
      abort ();
    return;
  }
  if (whole == nb_dgram_is_fragment (d))
    abort ();
  if (!nb_dgram_build (d, out, NULL))
    abort ();
  if (out->len != size || memcmp (out->data, data, size) != 0)
    abort ();
  if (!nb_dgram_parse (out->data, out->len, NB_DGRAM_PARSE_FRAGMENTS, &again, NULL) ||
      !nb_dgram_equal (d, again))
    abort ();
}

static void
check_text_fields (const MsgrMailslotMessage *m)
{
  GBytes *fields[] = { m->from, m->to, m->text };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++) {
    gsize n;
    const guint8 *p = g_bytes_get_data (fields[i], &n);
    g_autofree char *s = msgr_text_decode (p, n, NULL, 0, NULL, NULL);
    g_autofree char *shown = NULL;

    if (s == NULL || !g_utf8_validate (s, -1, NULL))
      abort ();
    shown = msgr_text_sanitize (s, -1, MSGR_TEXT_MAX_DISPLAY_CHARS, NULL);
    if (shown == NULL || !g_utf8_validate (shown, -1, NULL))
      abort ();
  }
}

static void
check_mailslot (const uint8_t *data, size_t size)
{
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (NbDgram) d2 = NULL;
  g_autoptr (MsgrMailslotMessage) m = NULL;
  g_autoptr (MsgrMailslotMessage) m2 = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();

  if (!msgr_mailslot_parse_datagram (data, size, &d, &m, NULL))
    return;
  if (d == NULL || m == NULL || nb_dgram_is_fragment (d))
    abort ();
  check_text_fields (m);
  if (!msgr_mailslot_build_datagram (d->type, d->flags & NB_DGRAM_NODE_MASK, d->dgm_id,
                                     d->source_ip, d->source_port, &d->source_name,
                                     &d->destination_name, m, out, NULL))
    return; /* e.g. From longer than 15 bytes: accepted, never sent */
  if (!msgr_mailslot_parse_datagram (out->data, out->len, &d2, &m2, NULL))
    abort ();
  if (!msgr_mailslot_message_equal (m, m2) || d2->type != d->type || d2->dgm_id != d->dgm_id ||
      d2->source_ip != d->source_ip || d2->source_port != d->source_port ||
      !nb_name_equal (&d->source_name, &d2->source_name) ||
      !nb_name_equal (&d->destination_name, &d2->destination_name))
    abort ();
}

#define REASM_MAX_PENDING 3
#define REASM_MAX_BYTES 600

static void
check_reassembly (const uint8_t *data, size_t size)
{
  g_autoptr (NbDgramReassembler) r =
    nb_dgram_reassembler_new (REASM_MAX_PENDING, REASM_MAX_BYTES, NB_DGRAM_FRAGMENT_TIMEOUT_US);
  gint64 now = 0;
  size_t pos = 0;

  /* Records: [len_hi len_lo time_step] then len bytes of datagram. */
  while (size - pos >= 3) {
    size_t len = ((size_t) data[pos] << 8) | data[pos + 1];
    g_autoptr (NbDgram) d = NULL;
    g_autoptr (NbDgram) done = NULL;

    now += (gint64) data[pos + 2] * 20000;
    pos += 3;
    len = MIN (len, size - pos);
    if (nb_dgram_parse (data + pos, len, NB_DGRAM_PARSE_FRAGMENTS, &d, NULL) &&
        nb_dgram_reassembler_add (r, d, now, &done, NULL) && done != NULL) {
      if (nb_dgram_is_fragment (done) || done->packet_offset != 0)
        abort ();
      if (nb_dgram_is_fragment (d) && g_bytes_get_size (done->user_data) > REASM_MAX_BYTES)
        abort ();
    }
    if (nb_dgram_reassembler_pending (r) > REASM_MAX_PENDING)
      abort ();
    pos += len;
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > 65536)
    return 0;
  check_dgram (data, size);
  check_mailslot (data, size);
  check_reassembly (data, size);
  return 0;
}

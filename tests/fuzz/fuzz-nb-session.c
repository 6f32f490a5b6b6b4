/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the NetBIOS session service codec (lib/codec/nb-session.c).
 *
 * 1. nb_session_packet_parse() on the whole input; a parsed packet rebuilds
 *    to exactly the input and parses again to an equal packet.
 * 2. The framer, with the framing, max_frame and the chunk sizes drawn from
 *    the first 4 bytes, fed the rest of the input in those chunks. The frames
 *    it pops (and whether and where it fails) must match a plain walk over
 *    the headers with nb_session_header_parse(); every popped frame goes
 *    through nb_session_packet_parse_trailer() and, if accepted, rebuilds to
 *    the bytes it was cut from.
 * abort() on any mismatch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nb-name-private.h"
#include "netsend/nb-session.h"
#include "netsend/ns-errors.h"

static gboolean
packet_equal (const NbSessionPacket *a, const NbSessionPacket *b)
{
  if (a->type != b->type || a->error_code != b->error_code ||
      memcmp (a->retarget_ip, b->retarget_ip, 4) != 0 || a->retarget_port != b->retarget_port ||
      !_nb_name_identical (&a->called, &b->called) ||
      !_nb_name_identical (&a->calling, &b->calling))
    return FALSE;
  if (a->payload == NULL || b->payload == NULL)
    return a->payload == b->payload;
  return g_bytes_equal (a->payload, b->payload);
}

static void
check_packet (const uint8_t *data, size_t size)
{
  g_autoptr (NbSessionPacket) p = NULL;
  g_autoptr (NbSessionPacket) again = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  if (!nb_session_packet_parse (data, size, &p, &error)) {
    if (error == NULL || error->domain != NS_CODEC_ERROR || p != NULL)
      abort ();
    return;
  }
  if (nb_session_type_name (p->type) == NULL || nb_session_error_describe (p->error_code) == NULL)
    abort ();
  if (!nb_session_packet_build (p, out, NULL) || out->len != size ||
      memcmp (out->data, data, size) != 0)
    abort ();
  if (!nb_session_packet_parse (out->data, out->len, &again, NULL) || !packet_equal (p, again))
    abort ();
}

/* A tiny deterministic generator for chunk sizes (xorshift32). */
static guint32
next_rand (guint32 *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* The reference: walks the headers of @stream[0..len) without the framer.
 * Returns the number of complete frames before the first bad header or the
 * end; @ret_bad is set if a bad header (or oversized frame) was reached. */
static guint
reference_walk (const guint8 *stream, gsize len, NbSessionFraming framing, gsize max_frame,
                GArray *offsets, gboolean *ret_bad)
{
  gsize pos = 0;
  guint count = 0;

  *ret_bad = FALSE;
  while (len - pos >= NB_SESSION_HEADER_SIZE) {
    guint8 type;
    gsize length;

    if (!nb_session_header_parse (stream + pos, NB_SESSION_HEADER_SIZE, framing, &type, &length,
                                  NULL) ||
        length > max_frame) {
      *ret_bad = TRUE;
      break;
    }
    if (length > len - pos - NB_SESSION_HEADER_SIZE)
      break;
    g_array_append_val (offsets, pos);
    pos += NB_SESSION_HEADER_SIZE + length;
    count++;
  }
  return count;
}

static void
check_popped (NbSessionFraming framing, guint8 type, GBytes *payload, const guint8 *frame)
{
  g_autoptr (NbSessionPacket) p = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  gsize len;
  const guint8 *pl = g_bytes_get_data (payload, &len);

  /* The payload is exactly what follows the header in the stream. */
  if (len > 0 && memcmp (pl, frame + NB_SESSION_HEADER_SIZE, len) != 0)
    abort ();
  if (framing == NB_SESSION_FRAMING_DIRECT) {
    if (type != NB_SESSION_MESSAGE ||
        !nb_session_build_message (out, framing, pl, len, NULL) ||
        memcmp (out->data, frame, out->len) != 0)
      abort ();
    return;
  }
  if (type != frame[0])
    abort ();
  if (!nb_session_packet_parse_trailer (type, pl, len, &p, NULL))
    return;
  if (!nb_session_packet_build (p, out, NULL) || out->len != NB_SESSION_HEADER_SIZE + len ||
      memcmp (out->data, frame, out->len) != 0)
    abort ();
}

static void
check_framer (const uint8_t *data, size_t size)
{
  g_autoptr (NbSessionFramer) f = NULL;
  g_autoptr (GArray) offsets = g_array_new (FALSE, FALSE, sizeof (gsize));
  NbSessionFraming framing;
  const guint8 *stream;
  gsize len, max_frame, pushed = 0, popped_bytes = 0;
  guint32 seed;
  guint expected, popped = 0;
  gboolean bad, failed = FALSE;

  if (size < 4)
    return;
  framing = (data[0] & 1) ? NB_SESSION_FRAMING_DIRECT : NB_SESSION_FRAMING_NBSS;
  /* Small limits so that oversized frames are reachable. */
  max_frame = 1 + (((gsize) data[1] << 4) | (data[0] >> 4));
  seed = ((guint32) data[2] << 8 | data[3]) | 1;
  stream = data + 4;
  len = size - 4;
  expected = reference_walk (stream, len, framing, max_frame, offsets, &bad);

  f = nb_session_framer_new (framing, max_frame);
  while (pushed < len && !failed) {
    gsize wish = (gsize) (next_rand (&seed) % 64) + 1;
    gsize n = MIN (wish, len - pushed);
    guint8 type;
    GBytes *payload;

    failed = !nb_session_framer_push (f, stream + pushed, n, NULL);
    pushed += n;
    while (nb_session_framer_pop (f, &type, &payload)) {
      if (popped >= expected)
        abort ();
      check_popped (framing, type, payload,
                    stream + g_array_index (offsets, gsize, popped));
      popped_bytes += NB_SESSION_HEADER_SIZE + g_bytes_get_size (payload);
      g_bytes_unref (payload);
      popped++;
    }
  }
  /* Same frames as the reference, and a failure exactly when it saw a bad
   * header (chunks of <= 64 bytes never reach the buffer cap). */
  if (popped != expected || failed != bad)
    abort ();
  if (!failed && nb_session_framer_get_buffered (f) != len - popped_bytes)
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  check_packet (data, size);
  check_framer (data, size);
  return 0;
}

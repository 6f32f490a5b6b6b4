/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/nb-session.h"

#include <stdarg.h>

#include "nb-name-private.h"
#include "nb-reader.h"
#include "nb-writer.h"
#include "netsend/ns-errors.h"
#include "ns-codec-private.h"

/* Trailer sizes fixed by RFC 1002 §4.3.4 / §4.3.5. */
#define NEGATIVE_TRAILER_LEN 1
#define RETARGET_TRAILER_LEN 6

struct _NbSessionFramer {
  NbSessionFraming framing;
  gsize max_frame;
  gsize max_buffered;
  GByteArray *buf;
  /* Offset of the first byte not popped yet. */
  gsize head;
  /* Offset of the first header not checked yet; may point past the end of
   * buf while the body of a checked frame is still arriving. head <= scan. */
  gsize scan;
  /* Sticky: the stream cannot be resynchronised after a bad header. */
  GError *failure;
};

const char *
nb_session_type_name (guint8 type)
{
  switch (type) {
    case NB_SESSION_MESSAGE: return "SESSION MESSAGE";
    case NB_SESSION_REQUEST: return "SESSION REQUEST";
    case NB_SESSION_POSITIVE_RESPONSE: return "POSITIVE SESSION RESPONSE";
    case NB_SESSION_NEGATIVE_RESPONSE: return "NEGATIVE SESSION RESPONSE";
    case NB_SESSION_RETARGET_RESPONSE: return "RETARGET SESSION RESPONSE";
    case NB_SESSION_KEEP_ALIVE: return "SESSION KEEP ALIVE";
    default: return "unknown type";
  }
}

const char *
nb_session_error_describe (guint8 code)
{
  /* RFC 1002 §4.3.4; 0x81 is "calling" (Wireshark 1.8's "called" is a typo). */
  switch (code) {
    case NB_SESSION_ERR_NOT_LISTENING_ON_CALLED: return "Not listening on called name";
    case NB_SESSION_ERR_NOT_LISTENING_FOR_CALLING: return "Not listening for calling name";
    case NB_SESSION_ERR_CALLED_NOT_PRESENT: return "Called name not present";
    case NB_SESSION_ERR_INSUFFICIENT_RESOURCES:
      return "Called name present, but insufficient resources";
    case NB_SESSION_ERR_UNSPECIFIED: return "Unspecified error";
    default: return "unknown error code";
  }
}

static gboolean
type_is_known (guint8 type)
{
  return type == NB_SESSION_MESSAGE ||
         (type >= NB_SESSION_REQUEST && type <= NB_SESSION_KEEP_ALIVE);
}

NbSessionPacket *
nb_session_packet_new (guint8 type)
{
  NbSessionPacket *p = g_new0 (NbSessionPacket, 1);

  p->type = type;
  return p;
}

void
nb_session_packet_free (NbSessionPacket *packet)
{
  if (packet == NULL)
    return;
  g_clear_pointer (&packet->payload, g_bytes_unref);
  g_free (packet);
}

/* ---- header ---- */

/* RFC 1002 §4.3.1: TYPE, FLAGS (bit 0 = E, the 17th length bit; the rest
 * reserved 0), LENGTH. Direct-hosted TCP 445 (MS-SMB2 §2.1): a zero byte and
 * a 24-bit length. Both big-endian. */
gboolean
nb_session_header_parse (const guint8 *data, gsize len, NbSessionFraming framing,
                         guint8 *ret_type, gsize *ret_length, GError **error)
{
  NbReader r;
  guint8 type = 0, flags = 0;
  guint16 length16 = 0;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret_type != NULL && ret_length != NULL, FALSE);
  nb_reader_init (&r, data, len);
  nb_reader_u8 (&r, &type);
  nb_reader_u8 (&r, &flags);
  nb_reader_be16 (&r, &length16);
  if (!nb_reader_finish (&r, "session packet header", error))
    return FALSE;
  if (framing == NB_SESSION_FRAMING_DIRECT) {
    if (type != 0)
      return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                        "direct-hosted SMB header must start with 0x00, found 0x%02x", type);
    *ret_type = NB_SESSION_MESSAGE;
    *ret_length = ((gsize) flags << 16) | length16;
    return TRUE;
  }
  if (!type_is_known (type))
    return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED, "unknown session packet type 0x%02x",
                      type);
  if (flags & ~NB_SESSION_FLAG_E)
    return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                      "%s: reserved FLAGS bits set (0x%02x)", nb_session_type_name (type), flags);
  *ret_type = type;
  *ret_length = ((gsize) (flags & NB_SESSION_FLAG_E) << 16) | length16;
  return TRUE;
}

/* ---- trailers ---- */

static gboolean
check_trailer_len (guint8 type, gsize len, gsize expected, GError **error)
{
  if (len == expected)
    return TRUE;
  return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED, "%s: LENGTH must be %" G_GSIZE_FORMAT
                    ", found %" G_GSIZE_FORMAT, nb_session_type_name (type), expected, len);
}

/* RFC 1002 §4.3.2: CALLED_NAME then CALLING_NAME, second-level encoded; the
 * session service has no compression (there is nothing to point back to). */
static gboolean
parse_request (const guint8 *trailer, gsize len, NbSessionPacket *p, GError **error)
{
  NbReader r;

  nb_reader_init (&r, trailer, len);
  if (!_nb_name_read (&r, trailer, len, FALSE, &p->called) ||
      !_nb_name_read (&r, trailer, len, FALSE, &p->calling))
    return nb_reader_finish (&r, "SESSION REQUEST", error);
  nb_reader_expect_end (&r);
  return nb_reader_finish (&r, "SESSION REQUEST", error);
}

static void
parse_retarget (const guint8 *trailer, gsize len, NbSessionPacket *p)
{
  NbReader r;

  nb_reader_init (&r, trailer, len);
  nb_reader_copy (&r, p->retarget_ip, sizeof p->retarget_ip);
  nb_reader_be16 (&r, &p->retarget_port);
  /* The caller checked len == 6. */
  g_assert (nb_reader_ok (&r));
}

static gboolean
parse_trailer (NbSessionPacket *p, const guint8 *trailer, gsize len, GError **error)
{
  NbReader r;

  switch (p->type) {
    case NB_SESSION_MESSAGE:
      /* An empty payload may come as trailer == NULL (g_bytes_get_data() of
       * an empty GBytes); the reader must not do NULL + 0. */
      if (len == 0) {
        p->payload = g_bytes_new (NULL, 0);
        return TRUE;
      }
      nb_reader_init (&r, trailer, len);
      nb_reader_dup (&r, len, &p->payload);
      return TRUE;
    case NB_SESSION_REQUEST:
      return parse_request (trailer, len, p, error);
    case NB_SESSION_POSITIVE_RESPONSE:
    case NB_SESSION_KEEP_ALIVE:
      return check_trailer_len (p->type, len, 0, error);
    case NB_SESSION_NEGATIVE_RESPONSE:
      if (!check_trailer_len (p->type, len, NEGATIVE_TRAILER_LEN, error))
        return FALSE;
      nb_reader_init (&r, trailer, len);
      nb_reader_u8 (&r, &p->error_code);
      return TRUE;
    case NB_SESSION_RETARGET_RESPONSE:
      if (!check_trailer_len (p->type, len, RETARGET_TRAILER_LEN, error))
        return FALSE;
      parse_retarget (trailer, len, p);
      return TRUE;
    default:
      return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED, "unknown session packet type 0x%02x",
                        p->type);
  }
}

gboolean
nb_session_packet_parse_trailer (guint8 type, const guint8 *trailer, gsize len,
                                 NbSessionPacket **ret_packet, GError **error)
{
  g_autoptr (NbSessionPacket) p = NULL;

  g_return_val_if_fail (trailer != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret_packet != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (len > NB_SESSION_MAX_LENGTH)
    return _ns_codec_fail (error, NS_CODEC_ERROR_TOO_LARGE,
                      "%s: %" G_GSIZE_FORMAT " bytes exceed the 17-bit LENGTH",
                      nb_session_type_name (type), len);
  p = nb_session_packet_new (type);
  if (!parse_trailer (p, trailer, len, error))
    return FALSE;
  *ret_packet = g_steal_pointer (&p);
  return TRUE;
}

gboolean
nb_session_packet_parse (const guint8 *data, gsize len, NbSessionPacket **ret_packet,
                         GError **error)
{
  guint8 type;
  gsize length;
  gsize have;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret_packet != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!nb_session_header_parse (data, len, NB_SESSION_FRAMING_NBSS, &type, &length, error))
    return FALSE;
  have = len - NB_SESSION_HEADER_SIZE;
  if (length > have)
    return _ns_codec_fail (error, NS_CODEC_ERROR_TRUNCATED,
                      "%s truncated: LENGTH %" G_GSIZE_FORMAT ", only %" G_GSIZE_FORMAT
                      " bytes follow the header", nb_session_type_name (type), length, have);
  if (length < have)
    return _ns_codec_fail (error, NS_CODEC_ERROR_TRAILING_DATA,
                      "%s: %" G_GSIZE_FORMAT " unexpected bytes after LENGTH %" G_GSIZE_FORMAT,
                      nb_session_type_name (type), have - length, length);
  return nb_session_packet_parse_trailer (type, data + NB_SESSION_HEADER_SIZE, length,
                                          ret_packet, error);
}

/* ---- building ---- */

/* Reserves the 4-byte header; end_packet() fills it in. */
static gsize
begin_packet (NbWriter *w)
{
  return nb_writer_reserve (w, NB_SESSION_HEADER_SIZE);
}

static void
end_packet (NbWriter *w, gsize off, guint8 type, NbSessionFraming framing)
{
  gsize length;

  if (!nb_writer_ok (w))
    return;
  length = nb_writer_len (w) - off - NB_SESSION_HEADER_SIZE;
  if (length > (framing == NB_SESSION_FRAMING_DIRECT ? NB_SESSION_DIRECT_MAX_LENGTH
                                                     : NB_SESSION_MAX_LENGTH)) {
    nb_writer_fail (w, NULL);
    return;
  }
  /* Read as one BE32 the header is TYPE << 24 | length: for NBSS the FLAGS
   * byte is then exactly the E bit (length <= 0x1FFFF), for direct framing
   * the top byte of the 24-bit length. */
  nb_writer_patch_be32 (w, off, ((guint32) type << 24) | (guint32) length);
}

gboolean
nb_session_packet_build (const NbSessionPacket *p, GByteArray *buf, GError **error)
{
  NbWriter w;
  gsize off;

  g_return_val_if_fail (p != NULL && buf != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!type_is_known (p->type))
    return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                      "cannot build session packet of unknown type 0x%02x", p->type);
  /* The writer's cap makes an oversized message fail with TOO_LARGE. */
  nb_writer_init (&w, buf, NB_SESSION_HEADER_SIZE + NB_SESSION_MAX_LENGTH);
  off = begin_packet (&w);
  switch (p->type) {
    case NB_SESSION_MESSAGE:
      if (p->payload != NULL)
        nb_writer_bytes (&w, g_bytes_get_data (p->payload, NULL), g_bytes_get_size (p->payload));
      break;
    case NB_SESSION_REQUEST:
      _nb_name_write (&w, &p->called);
      _nb_name_write (&w, &p->calling);
      break;
    case NB_SESSION_NEGATIVE_RESPONSE:
      nb_writer_u8 (&w, p->error_code);
      break;
    case NB_SESSION_RETARGET_RESPONSE:
      nb_writer_bytes (&w, p->retarget_ip, sizeof p->retarget_ip);
      nb_writer_be16 (&w, p->retarget_port);
      break;
    default:
      break;
  }
  end_packet (&w, off, p->type, NB_SESSION_FRAMING_NBSS);
  return nb_writer_finish (&w, nb_session_type_name (p->type), error);
}

gboolean
nb_session_build_request (GByteArray *buf, const NbName *called, const NbName *calling,
                          GError **error)
{
  NbSessionPacket p = { .type = NB_SESSION_REQUEST };

  g_return_val_if_fail (called != NULL && calling != NULL, FALSE);
  p.called = *called;
  p.calling = *calling;
  return nb_session_packet_build (&p, buf, error);
}

static void
build_fixed (GByteArray *buf, const NbSessionPacket *p)
{
  /* Fixed-size packets cannot exceed any limit. */
  gboolean ok = nb_session_packet_build (p, buf, NULL);

  g_assert (ok);
}

void
nb_session_build_positive_response (GByteArray *buf)
{
  NbSessionPacket p = { .type = NB_SESSION_POSITIVE_RESPONSE };

  g_return_if_fail (buf != NULL);
  build_fixed (buf, &p);
}

void
nb_session_build_negative_response (GByteArray *buf, guint8 code)
{
  NbSessionPacket p = { .type = NB_SESSION_NEGATIVE_RESPONSE, .error_code = code };

  g_return_if_fail (buf != NULL);
  build_fixed (buf, &p);
}

void
nb_session_build_retarget_response (GByteArray *buf, const guint8 ip[4], guint16 port)
{
  NbSessionPacket p = { .type = NB_SESSION_RETARGET_RESPONSE, .retarget_port = port };

  g_return_if_fail (buf != NULL && ip != NULL);
  for (guint i = 0; i < 4; i++)
    p.retarget_ip[i] = ip[i];
  build_fixed (buf, &p);
}

void
nb_session_build_keep_alive (GByteArray *buf)
{
  NbSessionPacket p = { .type = NB_SESSION_KEEP_ALIVE };

  g_return_if_fail (buf != NULL);
  build_fixed (buf, &p);
}

gboolean
nb_session_build_message (GByteArray *buf, NbSessionFraming framing, const guint8 *data,
                          gsize len, GError **error)
{
  gsize max = framing == NB_SESSION_FRAMING_DIRECT ? NB_SESSION_DIRECT_MAX_LENGTH
                                                   : NB_SESSION_MAX_LENGTH;
  NbWriter w;
  gsize off;

  g_return_val_if_fail (buf != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (len > max)
    return _ns_codec_fail (error, NS_CODEC_ERROR_TOO_LARGE,
                      "session message of %" G_GSIZE_FORMAT " bytes exceeds the %s limit of %"
                      G_GSIZE_FORMAT, len,
                      framing == NB_SESSION_FRAMING_DIRECT ? "24-bit" : "17-bit", max);
  nb_writer_init (&w, buf, NB_SESSION_HEADER_SIZE + max);
  off = begin_packet (&w);
  nb_writer_bytes (&w, data, len);
  end_packet (&w, off, NB_SESSION_MESSAGE, framing);
  return nb_writer_finish (&w, "session message", error);
}

/* ---- framer ---- */

NbSessionFramer *
nb_session_framer_new (NbSessionFraming framing, gsize max_frame)
{
  NbSessionFramer *f;
  gsize proto_max = framing == NB_SESSION_FRAMING_DIRECT ? NB_SESSION_DIRECT_MAX_LENGTH
                                                         : NB_SESSION_MAX_LENGTH;

  g_return_val_if_fail (max_frame > 0, NULL);
  f = g_new0 (NbSessionFramer, 1);
  f->framing = framing;
  f->max_frame = MIN (max_frame, proto_max);
  f->max_buffered = f->max_frame + NB_SESSION_HEADER_SIZE + NB_SESSION_FRAMER_READ_MAX;
  f->buf = g_byte_array_new ();
  return f;
}

void
nb_session_framer_free (NbSessionFramer *f)
{
  if (f == NULL)
    return;
  g_byte_array_unref (f->buf);
  g_clear_error (&f->failure);
  g_free (f);
}

gsize
nb_session_framer_get_buffered (const NbSessionFramer *f)
{
  g_return_val_if_fail (f != NULL, 0);
  return f->buf->len - f->head;
}

static gboolean
framer_fail (NbSessionFramer *f, GError *failure, GError **error)
{
  g_assert (f->failure == NULL);
  f->failure = failure;
  g_propagate_error (error, g_error_copy (failure));
  return FALSE;
}

/* Checks every header that is complete in the buffer and not checked yet. */
static gboolean
framer_scan (NbSessionFramer *f, GError **error)
{
  while (f->scan + NB_SESSION_HEADER_SIZE <= f->buf->len) {
    GError *local = NULL;
    guint8 type;
    gsize length;

    if (!nb_session_header_parse (f->buf->data + f->scan, NB_SESSION_HEADER_SIZE, f->framing,
                                  &type, &length, &local))
      return framer_fail (f, local, error);
    if (length > f->max_frame) {
      g_set_error (&local, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE,
                   "%s of %" G_GSIZE_FORMAT " bytes exceeds the limit of %" G_GSIZE_FORMAT,
                   nb_session_type_name (type), length, f->max_frame);
      return framer_fail (f, local, error);
    }
    f->scan += NB_SESSION_HEADER_SIZE + length;
  }
  return TRUE;
}

/* Drops popped bytes once they are at least half the buffer, so that
 * compaction costs amortised O(1) per byte. */
static void
framer_compact (NbSessionFramer *f)
{
  if (f->head == 0 || f->head < f->buf->len / 2)
    return;
  g_byte_array_remove_range (f->buf, 0, (guint) f->head);
  f->scan -= f->head;
  f->head = 0;
}

gboolean
nb_session_framer_push (NbSessionFramer *f, const guint8 *data, gsize len, GError **error)
{
  gsize buffered;

  g_return_val_if_fail (f != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (f->failure != NULL) {
    g_propagate_error (error, g_error_copy (f->failure));
    return FALSE;
  }
  buffered = f->buf->len - f->head;
  if (len > f->max_buffered - buffered) {
    GError *local = g_error_new (NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE,
                                 "session framer: %" G_GSIZE_FORMAT " more bytes would exceed "
                                 "the buffer cap of %" G_GSIZE_FORMAT " (%" G_GSIZE_FORMAT
                                 " buffered; pop frames first)",
                                 len, f->max_buffered, buffered);
    return framer_fail (f, local, error);
  }
  framer_compact (f);
  g_byte_array_append (f->buf, data, (guint) len);
  return framer_scan (f, error);
}

gboolean
nb_session_framer_pop (NbSessionFramer *f, guint8 *ret_type, GBytes **ret_payload)
{
  NbReader r;
  guint8 type, flags;
  guint16 length16;
  gsize length;

  g_return_val_if_fail (f != NULL && ret_type != NULL && ret_payload != NULL, FALSE);
  /* Only frames whose header framer_scan() accepted are handed out. */
  if (f->head >= f->scan || f->head + NB_SESSION_HEADER_SIZE > f->buf->len)
    return FALSE;
  nb_reader_init (&r, f->buf->data + f->head, f->buf->len - f->head);
  nb_reader_u8 (&r, &type);
  nb_reader_u8 (&r, &flags);
  nb_reader_be16 (&r, &length16);
  if (f->framing == NB_SESSION_FRAMING_DIRECT) {
    length = ((gsize) flags << 16) | length16;
    type = NB_SESSION_MESSAGE;
  } else {
    length = ((gsize) (flags & NB_SESSION_FLAG_E) << 16) | length16;
  }
  if (length > nb_reader_remaining (&r))
    return FALSE;
  nb_reader_dup (&r, length, ret_payload);
  *ret_type = type;
  f->head += NB_SESSION_HEADER_SIZE + length;
  if (f->head == f->buf->len) {
    /* Everything popped: start over at the front for free. */
    g_byte_array_set_size (f->buf, 0);
    f->scan -= f->head;
    f->head = 0;
  }
  return TRUE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/nb-dgram.h"

#include "nb-name-private.h"
#include "nb-reader.h"
#include "nb-writer.h"
#include "netsend/ns-errors.h"

/* RFC 1002 §4.4: a 10-byte common header (BE), then per MSG_TYPE
 *   0x10-0x12  DGM_LENGTH(2) PACKET_OFFSET(2) SOURCE_NAME DESTINATION_NAME USER_DATA
 *   0x13       ERROR_CODE(1)
 *   0x14-0x16  DESTINATION_NAME
 * Names are second-level encoded without compression (§4.4.1). */

static gboolean
is_direct (guint type)
{
  return type == NB_DGRAM_DIRECT_UNIQUE || type == NB_DGRAM_DIRECT_GROUP || type == NB_DGRAM_BROADCAST;
}

static gboolean
is_query (guint type)
{
  return type == NB_DGRAM_QUERY_REQUEST || type == NB_DGRAM_POSITIVE_QUERY_RESPONSE ||
         type == NB_DGRAM_NEGATIVE_QUERY_RESPONSE;
}

static gboolean
is_error_code (guint code)
{
  return code >= NB_DGRAM_ERROR_DEST_NAME_NOT_PRESENT && code <= NB_DGRAM_ERROR_INVALID_DEST_NAME;
}

/**
 * nb_dgram_new:
 * @type: the MSG_TYPE
 *
 * Returns: (transfer full): a datagram of @type with FLAGS = F (complete, B
 *   node), source port 138 and everything else zero or empty
 *
 * Since: 0.1
 */
NbDgram *
nb_dgram_new (NbDgramType type)
{
  NbDgram *d = g_new0 (NbDgram, 1);

  d->type = type;
  d->flags = NB_DGRAM_FLAG_FIRST;
  d->source_port = NB_DGRAM_PORT;
  return d;
}

/**
 * nb_dgram_free:
 * @dgram: (nullable): a datagram
 *
 * Since: 0.1
 */
void
nb_dgram_free (NbDgram *dgram)
{
  if (dgram == NULL)
    return;
  g_clear_pointer (&dgram->user_data, g_bytes_unref);
  g_free (dgram);
}

/**
 * nb_dgram_copy:
 * @dgram: a datagram
 *
 * Returns: (transfer full): a copy sharing the immutable user data
 *
 * Since: 0.1
 */
NbDgram *
nb_dgram_copy (const NbDgram *dgram)
{
  NbDgram *d;

  g_return_val_if_fail (dgram != NULL, NULL);
  d = g_memdup2 (dgram, sizeof *dgram);
  if (d->user_data != NULL)
    g_bytes_ref (d->user_data);
  return d;
}

static gboolean
bytes_equal (GBytes *a, GBytes *b)
{
  gsize la = a != NULL ? g_bytes_get_size (a) : 0;
  gsize lb = b != NULL ? g_bytes_get_size (b) : 0;

  if (la != lb)
    return FALSE;
  return la == 0 || g_bytes_equal (a, b);
}

/**
 * nb_dgram_equal:
 * @a: a datagram
 * @b: a datagram
 *
 * Compares the fields @a's type carries on the wire (names exactly, scope
 * case included); what a parse/build round trip preserves. %NULL and empty
 * user data are equal.
 *
 * Returns: %TRUE if equal
 *
 * Since: 0.1
 */
gboolean
nb_dgram_equal (const NbDgram *a, const NbDgram *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->type != b->type || a->flags != b->flags || a->dgm_id != b->dgm_id ||
      a->source_ip != b->source_ip || a->source_port != b->source_port)
    return FALSE;
  if (is_direct (a->type))
    return a->packet_offset == b->packet_offset &&
           _nb_name_identical (&a->source_name, &b->source_name) &&
           _nb_name_identical (&a->destination_name, &b->destination_name) &&
           bytes_equal (a->user_data, b->user_data);
  if (a->type == NB_DGRAM_ERROR)
    return a->error_code == b->error_code;
  return _nb_name_identical (&a->destination_name, &b->destination_name);
}

/**
 * nb_dgram_is_fragment:
 * @dgram: a datagram
 *
 * Returns: %TRUE if @dgram is a DIRECT_UNIQUE, DIRECT_GROUP or BROADCAST
 *   datagram that is only part of one: M set or F clear (RFC 1002 §4.4.1)
 *
 * Since: 0.1
 */
gboolean
nb_dgram_is_fragment (const NbDgram *dgram)
{
  g_return_val_if_fail (dgram != NULL, FALSE);

  return is_direct (dgram->type) &&
         ((dgram->flags & NB_DGRAM_FLAG_MORE) || !(dgram->flags & NB_DGRAM_FLAG_FIRST));
}

/**
 * nb_dgram_type_to_string:
 * @type: a MSG_TYPE
 *
 * Returns: a short name for logs ("direct unique", ...), "unknown" otherwise
 *
 * Since: 0.1
 */
const char *
nb_dgram_type_to_string (guint type)
{
  switch (type) {
  case NB_DGRAM_DIRECT_UNIQUE:
    return "direct unique";
  case NB_DGRAM_DIRECT_GROUP:
    return "direct group";
  case NB_DGRAM_BROADCAST:
    return "broadcast";
  case NB_DGRAM_ERROR:
    return "error";
  case NB_DGRAM_QUERY_REQUEST:
    return "query request";
  case NB_DGRAM_POSITIVE_QUERY_RESPONSE:
    return "positive query response";
  case NB_DGRAM_NEGATIVE_QUERY_RESPONSE:
    return "negative query response";
  default:
    return "unknown";
  }
}

/* DGM_LENGTH counts the bytes after PACKET_OFFSET: both names and the user
 * data (RFC 1002 §4.4.2). It must cover the names, and nothing may follow
 * the bytes it announces. */
static void
read_direct (NbReader *r, NbDgram *d)
{
  guint16 dgm_length;
  NbReader body;

  if (!nb_reader_be16 (r, &dgm_length) || !nb_reader_be16 (r, &d->packet_offset) ||
      !nb_reader_sub (r, dgm_length, &body))
    return;
  if (!_nb_name_read (&body, NULL, 0, FALSE, &d->source_name) ||
      !_nb_name_read (&body, NULL, 0, FALSE, &d->destination_name)) {
    /* Short names inside DGM_LENGTH mean DGM_LENGTH is wrong, not that the
     * packet was cut: the sub-reader's failure is reported through @r. */
    if (body.fail_what == NULL)
      nb_reader_fail (r, "DGM_LENGTH too small for the source and destination names");
    else
      nb_reader_fail (r, body.fail_what);
    return;
  }
  nb_reader_dup (&body, nb_reader_remaining (&body), &d->user_data);
  nb_reader_expect_end (r);
  if (nb_reader_ok (r) && (d->flags & NB_DGRAM_FLAG_FIRST) && d->packet_offset != 0)
    nb_reader_fail (r, "first fragment with a non-zero PACKET_OFFSET");
}

static gboolean
refuse_fragment (const NbDgram *d, GError **error)
{
  g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
               "fragmented NetBIOS datagram (FLAGS 0x%02x: %s fragment%s, PACKET_OFFSET %u, "
               "DGM_ID 0x%04x from %u.%u.%u.%u): fragments are not reassembled here",
               d->flags, (d->flags & NB_DGRAM_FLAG_FIRST) ? "first" : "later",
               (d->flags & NB_DGRAM_FLAG_MORE) ? ", more follow" : "", d->packet_offset,
               d->dgm_id, d->source_ip >> 24, (d->source_ip >> 16) & 0xff,
               (d->source_ip >> 8) & 0xff, d->source_ip & 0xff);
  return FALSE;
}

/**
 * nb_dgram_parse:
 * @data: (array length=len): a UDP payload
 * @len: its length
 * @flags: #NbDgramParseFlags
 * @ret: (out) (transfer full): the datagram; untouched on failure
 * @error: return location for a #GError
 *
 * Parses a datagram-service packet, all or nothing. The node type and the
 * reserved FLAGS bits are kept but not judged (PROTOCOL.md §1.5.1). Errors:
 * %NS_CODEC_ERROR_TRUNCATED for short input (including a DGM_LENGTH beyond
 * the packet), %NS_CODEC_ERROR_TRAILING_DATA for bytes after it,
 * %NS_CODEC_ERROR_UNSUPPORTED for an unknown MSG_TYPE and, without
 * %NB_DGRAM_PARSE_FRAGMENTS, for a fragment (M set or F clear),
 * %NS_CODEC_ERROR_MALFORMED otherwise (bad names, a DGM_LENGTH shorter than
 * the names, an unknown ERROR_CODE, a first fragment with an offset).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
nb_dgram_parse (const guint8 *data, gsize len, NbDgramParseFlags flags, NbDgram **ret,
                GError **error)
{
  g_autoptr (NbDgram) d = g_new0 (NbDgram, 1);
  NbReader r;
  guint8 type;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nb_reader_init (&r, data, len);
  if (!nb_reader_u8 (&r, &type) || !nb_reader_u8 (&r, &d->flags) || !nb_reader_be16 (&r, &d->dgm_id) ||
      !nb_reader_be32 (&r, &d->source_ip) || !nb_reader_be16 (&r, &d->source_port))
    return nb_reader_finish (&r, "NetBIOS datagram header", error);
  d->type = type;
  if (is_direct (type)) {
    read_direct (&r, d);
  } else if (type == NB_DGRAM_ERROR) {
    if (nb_reader_u8 (&r, &d->error_code) && !is_error_code (d->error_code))
      nb_reader_fail (&r, "unknown ERROR_CODE (expected 0x82, 0x83 or 0x84)");
    nb_reader_expect_end (&r);
  } else if (is_query (type)) {
    _nb_name_read (&r, NULL, 0, FALSE, &d->destination_name);
    nb_reader_expect_end (&r);
  } else {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
                 "unknown NetBIOS datagram MSG_TYPE 0x%02x (expected 0x10-0x16)", type);
    return FALSE;
  }
  if (!nb_reader_finish (&r, "NetBIOS datagram", error))
    return FALSE;
  if (!(flags & NB_DGRAM_PARSE_FRAGMENTS) && nb_dgram_is_fragment (d))
    return refuse_fragment (d, error);
  *ret = g_steal_pointer (&d);
  return TRUE;
}

/**
 * nb_dgram_build:
 * @dgram: the datagram
 * @out: array the datagram is appended to; unchanged on failure
 * @error: return location for a #GError
 *
 * Builds a datagram-service packet with FLAGS, PACKET_OFFSET and the rest as
 * given, computing DGM_LENGTH. Fails with %NS_CODEC_ERROR_TOO_LARGE past
 * %NB_DGRAM_BUILD_MAX bytes, %NS_CODEC_ERROR_MALFORMED for an unknown type
 * or error code or an invalid scope.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
nb_dgram_build (const NbDgram *dgram, GByteArray *out, GError **error)
{
  NbWriter w;

  g_return_val_if_fail (dgram != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nb_writer_init (&w, out, NB_DGRAM_BUILD_MAX);
  nb_writer_u8 (&w, (guint8) dgram->type);
  nb_writer_u8 (&w, dgram->flags);
  nb_writer_be16 (&w, dgram->dgm_id);
  nb_writer_be32 (&w, dgram->source_ip);
  nb_writer_be16 (&w, dgram->source_port);
  if (is_direct (dgram->type)) {
    gsize at = nb_writer_reserve (&w, 2);
    gsize user_len = dgram->user_data != NULL ? g_bytes_get_size (dgram->user_data) : 0;

    nb_writer_be16 (&w, dgram->packet_offset);
    _nb_name_write (&w, &dgram->source_name);
    _nb_name_write (&w, &dgram->destination_name);
    if (user_len > 0)
      nb_writer_bytes (&w, g_bytes_get_data (dgram->user_data, NULL), user_len);
    /* <= NB_DGRAM_BUILD_MAX - 14, so it fits 16 bits. */
    nb_writer_patch_be16 (&w, at, (guint16) (nb_writer_len (&w) - NB_DGRAM_DIRECT_HEADER_LEN));
  } else if (dgram->type == NB_DGRAM_ERROR) {
    if (!is_error_code (dgram->error_code))
      nb_writer_fail (&w, "unknown ERROR_CODE (expected 0x82, 0x83 or 0x84)");
    nb_writer_u8 (&w, dgram->error_code);
  } else if (is_query (dgram->type)) {
    _nb_name_write (&w, &dgram->destination_name);
  } else {
    nb_writer_fail (&w, "unknown MSG_TYPE (expected 0x10-0x16)");
  }
  return nb_writer_finish (&w, "NetBIOS datagram", error);
}

/* ---- Reassembly (RFC 1002 §4.4.1, §6) ------------------------------------ */

typedef struct {
  NbDgram *first;     /* header and names of the first fragment */
  GByteArray *data;   /* user data so far */
  gint64 started_us;
} Pending;

struct _NbDgramReassembler {
  GPtrArray *pending; /* of Pending, oldest first; at most max_pending */
  guint max_pending;
  gsize max_bytes;
  gint64 timeout_us;
};

static void
pending_free (Pending *p)
{
  nb_dgram_free (p->first);
  g_byte_array_unref (p->data);
  g_free (p);
}

/**
 * nb_dgram_reassembler_new:
 * @max_pending: most datagrams in reassembly at once (at least 1); a new
 *   first fragment beyond it evicts the oldest
 * @max_bytes: largest reassembled user data
 * @timeout_us: how long a datagram may take to complete, e.g.
 *   %NB_DGRAM_FRAGMENT_TIMEOUT_US
 *
 * Returns: (transfer full): a reassembler
 *
 * Since: 0.1
 */
NbDgramReassembler *
nb_dgram_reassembler_new (guint max_pending, gsize max_bytes, gint64 timeout_us)
{
  NbDgramReassembler *self;

  g_return_val_if_fail (max_pending > 0 && timeout_us > 0, NULL);
  self = g_new0 (NbDgramReassembler, 1);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_free);
  self->max_pending = max_pending;
  self->max_bytes = max_bytes;
  self->timeout_us = timeout_us;
  return self;
}

/**
 * nb_dgram_reassembler_free:
 * @self: (nullable): a reassembler
 *
 * Since: 0.1
 */
void
nb_dgram_reassembler_free (NbDgramReassembler *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->pending);
  g_free (self);
}

/**
 * nb_dgram_reassembler_expire:
 * @self: a reassembler
 * @now_us: the current time, monotonic microseconds
 *
 * Drops partial datagrams older than the timeout.
 *
 * Since: 0.1
 */
void
nb_dgram_reassembler_expire (NbDgramReassembler *self, gint64 now_us)
{
  g_return_if_fail (self != NULL);

  for (guint i = self->pending->len; i > 0; i--) {
    Pending *p = g_ptr_array_index (self->pending, i - 1);

    if (now_us - p->started_us >= self->timeout_us)
      g_ptr_array_remove_index (self->pending, i - 1);
  }
}

/**
 * nb_dgram_reassembler_pending:
 * @self: a reassembler
 *
 * Returns: the number of partial datagrams held
 *
 * Since: 0.1
 */
guint
nb_dgram_reassembler_pending (const NbDgramReassembler *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->pending->len;
}

static gint
find_pending (NbDgramReassembler *self, const NbDgram *frag)
{
  for (guint i = 0; i < self->pending->len; i++) {
    Pending *p = g_ptr_array_index (self->pending, i);

    if (p->first->source_ip == frag->source_ip && p->first->dgm_id == frag->dgm_id)
      return (gint) i;
  }
  return -1;
}

static gboolean
refuse (NbDgramReassembler *self, gint index, NsCodecError code, const char *why,
        const NbDgram *frag, GError **error)
{
  if (index >= 0)
    g_ptr_array_remove_index (self->pending, (guint) index);
  g_set_error (error, NS_CODEC_ERROR, code, "datagram fragment DGM_ID 0x%04x (offset %u) refused: %s",
               frag->dgm_id, frag->packet_offset, why);
  return FALSE;
}

static gboolean
start_pending (NbDgramReassembler *self, const NbDgram *frag, gint64 now_us, GError **error)
{
  Pending *p;

  gint old = find_pending (self, frag);

  if (frag->packet_offset != 0)
    return refuse (self, old, NS_CODEC_ERROR_MALFORMED, "first fragment with an offset", frag, error);
  /* A new first fragment restarts an unfinished datagram with its key. */
  if (old >= 0)
    g_ptr_array_remove_index (self->pending, (guint) old);
  if (self->pending->len >= self->max_pending)
    g_ptr_array_remove_index (self->pending, 0);
  p = g_new0 (Pending, 1);
  p->first = nb_dgram_copy (frag);
  g_clear_pointer (&p->first->user_data, g_bytes_unref);
  p->data = g_byte_array_new ();
  p->started_us = now_us;
  g_ptr_array_add (self->pending, p);
  return TRUE;
}

/**
 * nb_dgram_reassembler_add:
 * @self: a reassembler
 * @fragment: a parsed datagram (see %NB_DGRAM_PARSE_FRAGMENTS)
 * @now_us: the current time, monotonic microseconds
 * @ret_complete: (out) (transfer full): the whole datagram when @fragment
 *   completed one (or was not a fragment), else %NULL
 * @error: return location for a #GError
 *
 * Adds one fragment. A first fragment (F set) starts a datagram, replacing
 * an unfinished one with the same source IP and DGM_ID; a later fragment
 * must continue it at PACKET_OFFSET = bytes so far, with the same names; the
 * fragment with M clear completes it. The result has FLAGS = F plus the
 * first fragment's node type and PACKET_OFFSET 0.
 *
 * Returns: %TRUE if the fragment was taken (@ret_complete may still be
 *   %NULL); %FALSE if refused: %NS_CODEC_ERROR_MALFORMED for a fragment with
 *   no first fragment, out of order or with other names (the partial
 *   datagram is dropped), %NS_CODEC_ERROR_TOO_LARGE past the byte limit.
 *
 * Since: 0.1
 */
gboolean
nb_dgram_reassembler_add (NbDgramReassembler *self, const NbDgram *fragment, gint64 now_us,
                          NbDgram **ret_complete, GError **error)
{
  gsize n = fragment->user_data != NULL ? g_bytes_get_size (fragment->user_data) : 0;
  Pending *p;
  NbDgram *done;
  gint i;

  g_return_val_if_fail (self != NULL && fragment != NULL && ret_complete != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nb_dgram_reassembler_expire (self, now_us);
  if (!nb_dgram_is_fragment (fragment)) {
    *ret_complete = nb_dgram_copy (fragment);
    return TRUE;
  }
  if ((fragment->flags & NB_DGRAM_FLAG_FIRST) && !start_pending (self, fragment, now_us, error))
    return FALSE;
  i = find_pending (self, fragment);
  if (i < 0)
    return refuse (self, i, NS_CODEC_ERROR_MALFORMED, "no first fragment", fragment, error);
  p = g_ptr_array_index (self->pending, (guint) i);
  if (fragment->packet_offset != p->data->len)
    return refuse (self, i, NS_CODEC_ERROR_MALFORMED, "out of order", fragment, error);
  if (fragment->type != p->first->type ||
      !_nb_name_identical (&fragment->source_name, &p->first->source_name) ||
      !_nb_name_identical (&fragment->destination_name, &p->first->destination_name))
    return refuse (self, i, NS_CODEC_ERROR_MALFORMED, "type or names differ from the first fragment",
                   fragment, error);
  if (n > self->max_bytes - p->data->len)
    return refuse (self, i, NS_CODEC_ERROR_TOO_LARGE, "reassembled datagram too large", fragment, error);
  if (n > 0)
    g_byte_array_append (p->data, g_bytes_get_data (fragment->user_data, NULL), (guint) n);
  *ret_complete = NULL;
  if (fragment->flags & NB_DGRAM_FLAG_MORE)
    return TRUE;
  done = g_steal_pointer (&p->first);
  done->flags = NB_DGRAM_FLAG_FIRST | (done->flags & NB_DGRAM_NODE_MASK);
  done->packet_offset = 0;
  done->user_data = g_byte_array_free_to_bytes (g_steal_pointer (&p->data));
  p->data = g_byte_array_new ();
  g_ptr_array_remove_index (self->pending, (guint) i);
  *ret_complete = done;
  return TRUE;
}

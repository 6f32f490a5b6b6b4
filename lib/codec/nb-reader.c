/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nb-reader.h"

#include <string.h>

#include "netsend/ns-errors.h"

void
nb_reader_init (NbReader *r, const guint8 *data, gsize len)
{
  static const guint8 empty[1];

  g_assert (r != NULL);
  g_assert (data != NULL || len == 0);
  /* An empty GBytes hands out NULL; pointer arithmetic on NULL (even + 0)
   * is undefined, so an empty input points at a static byte instead. */
  *r = (NbReader) { .data = data != NULL ? data : empty, .len = len };
}

gboolean
nb_reader_ok (const NbReader *r)
{
  return !r->failed;
}

gsize
nb_reader_pos (const NbReader *r)
{
  return r->pos;
}

gsize
nb_reader_remaining (const NbReader *r)
{
  return r->len - r->pos;
}

static gboolean
fail_at (NbReader *r, gsize need, const char *what)
{
  if (!r->failed) {
    r->failed = TRUE;
    r->fail_pos = r->pos;
    r->fail_need = need;
    r->fail_what = what;
  }
  return FALSE;
}

gboolean
nb_reader_fail (NbReader *r, const char *what)
{
  return fail_at (r, 0, what);
}

/* The single bounds check: written as n > len - pos so it cannot overflow
 * (pos <= len is an invariant). */
static const guint8 *
take (NbReader *r, gsize n)
{
  const guint8 *p;

  if (r->failed)
    return NULL;
  if (n > r->len - r->pos) {
    fail_at (r, n, NULL);
    return NULL;
  }
  p = r->data + r->pos;
  r->pos += n;
  return p;
}

gboolean
nb_reader_u8 (NbReader *r, guint8 *ret)
{
  const guint8 *p = take (r, 1);

  if (p == NULL)
    return FALSE;
  *ret = p[0];
  return TRUE;
}

gboolean
nb_reader_peek_u8 (NbReader *r, guint8 *ret)
{
  if (r->failed)
    return FALSE;
  if (r->pos >= r->len)
    return fail_at (r, 1, NULL);
  *ret = r->data[r->pos];
  return TRUE;
}

gboolean
nb_reader_be16 (NbReader *r, guint16 *ret)
{
  const guint8 *p = take (r, 2);

  if (p == NULL)
    return FALSE;
  *ret = (guint16) ((p[0] << 8) | p[1]);
  return TRUE;
}

gboolean
nb_reader_be32 (NbReader *r, guint32 *ret)
{
  const guint8 *p = take (r, 4);

  if (p == NULL)
    return FALSE;
  *ret = ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
  return TRUE;
}

gboolean
nb_reader_le16 (NbReader *r, guint16 *ret)
{
  const guint8 *p = take (r, 2);

  if (p == NULL)
    return FALSE;
  *ret = (guint16) (p[0] | (p[1] << 8));
  return TRUE;
}

gboolean
nb_reader_le32 (NbReader *r, guint32 *ret)
{
  const guint8 *p = take (r, 4);

  if (p == NULL)
    return FALSE;
  *ret = p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
  return TRUE;
}

gboolean
nb_reader_le64 (NbReader *r, guint64 *ret)
{
  const guint8 *p = take (r, 8);
  guint64 v = 0;

  if (p == NULL)
    return FALSE;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  *ret = v;
  return TRUE;
}

gboolean
nb_reader_bytes (NbReader *r, gsize n, const guint8 **ret)
{
  const guint8 *p = take (r, n);

  if (p == NULL)
    return FALSE;
  *ret = p;
  return TRUE;
}

gboolean
nb_reader_copy (NbReader *r, void *dst, gsize n)
{
  const guint8 *p = take (r, n);

  if (p == NULL)
    return FALSE;
  if (n > 0)
    memcpy (dst, p, n);
  return TRUE;
}

gboolean
nb_reader_dup (NbReader *r, gsize n, GBytes **ret)
{
  const guint8 *p = take (r, n);

  if (p == NULL)
    return FALSE;
  *ret = g_bytes_new (p, n);
  return TRUE;
}

gboolean
nb_reader_skip (NbReader *r, gsize n)
{
  return take (r, n) != NULL;
}

gboolean
nb_reader_cstring (NbReader *r, gsize max, const guint8 **ret, gsize *ret_len)
{
  const guint8 *start, *nul;
  gsize avail, len;

  if (r->failed)
    return FALSE;
  start = r->data + r->pos;
  avail = MIN (r->len - r->pos, max == G_MAXSIZE ? max : max + 1);
  nul = avail > 0 ? memchr (start, 0, avail) : NULL;
  if (nul == NULL)
    return fail_at (r, 0, r->len - r->pos <= max ? "unterminated string" : "string too long");
  len = (gsize) (nul - start);
  r->pos += len + 1;
  *ret = start;
  *ret_len = len;
  return TRUE;
}

gboolean
nb_reader_sub (NbReader *r, gsize n, NbReader *ret_sub)
{
  const guint8 *p = take (r, n);

  if (p == NULL)
    return FALSE;
  nb_reader_init (ret_sub, p, n);
  return TRUE;
}

gboolean
nb_reader_seek (NbReader *r, gsize pos)
{
  if (r->failed)
    return FALSE;
  if (pos > r->len)
    return fail_at (r, 0, "offset out of range");
  r->pos = pos;
  return TRUE;
}

gboolean
nb_reader_align (NbReader *r, gsize base, gsize alignment)
{
  gsize rel, pad;

  g_assert (alignment > 0);
  if (r->failed)
    return FALSE;
  if (r->pos < base)
    return fail_at (r, 0, "alignment base after position");
  rel = r->pos - base;
  pad = (alignment - rel % alignment) % alignment;
  return take (r, pad) != NULL;
}

gboolean
nb_reader_expect_end (NbReader *r)
{
  if (r->failed)
    return FALSE;
  if (r->pos != r->len)
    return fail_at (r, 0, "trailing data");
  return TRUE;
}

gboolean
nb_reader_finish (const NbReader *r, const char *what, GError **error)
{
  if (!r->failed)
    return TRUE;
  if (r->fail_what == NULL) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRUNCATED,
                 "%s truncated: needed %" G_GSIZE_FORMAT " bytes at offset %" G_GSIZE_FORMAT
                 ", only %" G_GSIZE_FORMAT " left",
                 what, r->fail_need, r->fail_pos, r->len - r->fail_pos);
  } else if (g_str_equal (r->fail_what, "trailing data")) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRAILING_DATA,
                 "%s: %" G_GSIZE_FORMAT " unexpected bytes after offset %" G_GSIZE_FORMAT,
                 what, r->len - r->fail_pos, r->fail_pos);
  } else {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                 "%s malformed at offset %" G_GSIZE_FORMAT ": %s",
                 what, r->fail_pos, r->fail_what);
  }
  return FALSE;
}

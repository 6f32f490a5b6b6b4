/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nb-writer.h"

#include <string.h>

#include "netsend/ns-errors.h"

void
nb_writer_init (NbWriter *w, GByteArray *buf, gsize max)
{
  g_assert (w != NULL && buf != NULL);
  *w = (NbWriter) { .buf = buf, .start = buf->len, .max = max };
}

gboolean
nb_writer_ok (const NbWriter *w)
{
  return !w->failed;
}

gsize
nb_writer_len (const NbWriter *w)
{
  return w->buf->len - w->start;
}

gboolean
nb_writer_fail (NbWriter *w, const char *what)
{
  if (!w->failed) {
    w->failed = TRUE;
    w->fail_what = what;
  }
  return FALSE;
}

/* The single size check, overflow-safe like the reader's. */
static gboolean
room (NbWriter *w, gsize n)
{
  if (w->failed)
    return FALSE;
  if (n > w->max - nb_writer_len (w))
    return nb_writer_fail (w, NULL);
  return TRUE;
}

void
nb_writer_bytes (NbWriter *w, const void *data, gsize n)
{
  if (!room (w, n) || n == 0)
    return;
  g_byte_array_append (w->buf, data, (guint) n);
}

void
nb_writer_zeros (NbWriter *w, gsize n)
{
  gsize old;

  if (!room (w, n) || n == 0)
    return;
  old = w->buf->len;
  g_byte_array_set_size (w->buf, (guint) (old + n));
  memset (w->buf->data + old, 0, n);
}

void
nb_writer_u8 (NbWriter *w, guint8 v)
{
  nb_writer_bytes (w, &v, 1);
}

void
nb_writer_be16 (NbWriter *w, guint16 v)
{
  guint8 b[2] = { v >> 8, v & 0xff };

  nb_writer_bytes (w, b, sizeof b);
}

void
nb_writer_be32 (NbWriter *w, guint32 v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

  nb_writer_bytes (w, b, sizeof b);
}

void
nb_writer_le16 (NbWriter *w, guint16 v)
{
  guint8 b[2] = { v & 0xff, v >> 8 };

  nb_writer_bytes (w, b, sizeof b);
}

void
nb_writer_le32 (NbWriter *w, guint32 v)
{
  guint8 b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

  nb_writer_bytes (w, b, sizeof b);
}

void
nb_writer_le64 (NbWriter *w, guint64 v)
{
  nb_writer_le32 (w, (guint32) (v & 0xffffffffu));
  nb_writer_le32 (w, (guint32) (v >> 32));
}

gsize
nb_writer_reserve (NbWriter *w, gsize n)
{
  gsize off = nb_writer_len (w);

  nb_writer_zeros (w, n);
  return off;
}

static guint8 *
patch_at (NbWriter *w, gsize off, gsize n)
{
  if (w->failed)
    return NULL;
  g_assert (off <= nb_writer_len (w) && n <= nb_writer_len (w) - off);
  return w->buf->data + w->start + off;
}

void
nb_writer_patch_be16 (NbWriter *w, gsize off, guint16 v)
{
  guint8 *p = patch_at (w, off, 2);

  if (p != NULL) {
    p[0] = v >> 8;
    p[1] = v & 0xff;
  }
}

void
nb_writer_patch_le16 (NbWriter *w, gsize off, guint16 v)
{
  guint8 *p = patch_at (w, off, 2);

  if (p != NULL) {
    p[0] = v & 0xff;
    p[1] = v >> 8;
  }
}

void
nb_writer_patch_be32 (NbWriter *w, gsize off, guint32 v)
{
  guint8 *p = patch_at (w, off, 4);

  if (p != NULL) {
    p[0] = v >> 24;
    p[1] = (v >> 16) & 0xff;
    p[2] = (v >> 8) & 0xff;
    p[3] = v & 0xff;
  }
}

void
nb_writer_patch_le32 (NbWriter *w, gsize off, guint32 v)
{
  guint8 *p = patch_at (w, off, 4);

  if (p != NULL) {
    p[0] = v & 0xff;
    p[1] = (v >> 8) & 0xff;
    p[2] = (v >> 16) & 0xff;
    p[3] = v >> 24;
  }
}

void
nb_writer_align (NbWriter *w, gsize base, gsize alignment)
{
  gsize len = nb_writer_len (w);

  g_assert (alignment > 0 && base <= len);
  nb_writer_zeros (w, (alignment - (len - base) % alignment) % alignment);
}

gboolean
nb_writer_finish (NbWriter *w, const char *what, GError **error)
{
  if (!w->failed)
    return TRUE;
  g_byte_array_set_size (w->buf, (guint) w->start);
  if (w->fail_what == NULL)
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE,
                 "%s would exceed its limit of %" G_GSIZE_FORMAT " bytes", what, w->max);
  else
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED, "cannot build %s: %s",
                 what, w->fail_what);
  return FALSE;
}

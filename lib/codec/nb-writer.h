/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The one bounded writer every builder in lib/codec uses.
 *
 * It appends to a GByteArray and never lets the array grow past @max bytes
 * (counted from where the writer started). Errors are sticky like the
 * reader's; nb_writer_finish() reports them and, on failure, truncates the
 * array back to where the writer started, so building is all or nothing.
 */

#include <glib.h>

typedef struct {
  GByteArray *buf;
  gsize start;
  gsize max;
  gboolean failed;
  const char *fail_what;
} NbWriter;

void nb_writer_init (NbWriter *w, GByteArray *buf, gsize max);

gboolean nb_writer_ok (const NbWriter *w);
/* Bytes written by this writer so far. */
gsize nb_writer_len (const NbWriter *w);

gboolean nb_writer_fail (NbWriter *w, const char *what);

void nb_writer_u8 (NbWriter *w, guint8 v);
void nb_writer_be16 (NbWriter *w, guint16 v);
void nb_writer_be32 (NbWriter *w, guint32 v);
void nb_writer_le16 (NbWriter *w, guint16 v);
void nb_writer_le32 (NbWriter *w, guint32 v);
void nb_writer_le64 (NbWriter *w, guint64 v);
void nb_writer_bytes (NbWriter *w, const void *data, gsize n);
void nb_writer_zeros (NbWriter *w, gsize n);

/* Reserves a 16/32-bit field to be filled in later; returns its offset
 * relative to the writer's start. */
gsize nb_writer_reserve (NbWriter *w, gsize n);
void nb_writer_patch_be16 (NbWriter *w, gsize off, guint16 v);
void nb_writer_patch_le16 (NbWriter *w, gsize off, guint16 v);
void nb_writer_patch_be32 (NbWriter *w, gsize off, guint32 v);
void nb_writer_patch_le32 (NbWriter *w, gsize off, guint32 v);

/* Pads with zeros so that (len - @base) is a multiple of @alignment (NDR). */
void nb_writer_align (NbWriter *w, gsize base, gsize alignment);

/* Returns TRUE if nothing failed; otherwise sets @error (NS_CODEC_ERROR,
 * naming @what) and truncates the array back to where the writer started. */
gboolean nb_writer_finish (NbWriter *w, const char *what, GError **error);

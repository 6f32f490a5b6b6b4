/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The one bounded reader every parser in lib/codec uses (STYLE.md practice 2).
 *
 * Reads never go past the end: every getter checks `n > len - pos` (no
 * overflow possible), and the first failure makes the reader sticky-failed so
 * that a chain of reads is checked once at the end with nb_reader_finish().
 * After a failure every getter returns FALSE and leaves its output untouched.
 * This file and nb-reader.c hold the only copies out of wire buffers.
 */

#include <glib.h>

typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
  gboolean failed;
  /* First failure, for the error message. */
  gsize fail_pos;
  gsize fail_need;
  const char *fail_what;
} NbReader;

void nb_reader_init (NbReader *r, const guint8 *data, gsize len);

gboolean nb_reader_ok (const NbReader *r);
gsize nb_reader_pos (const NbReader *r);
gsize nb_reader_remaining (const NbReader *r);

/* Marks the reader failed with a reason (a static string) unless it already
 * failed; always returns FALSE so parsers can `return nb_reader_fail (...)`. */
gboolean nb_reader_fail (NbReader *r, const char *what);

gboolean nb_reader_u8 (NbReader *r, guint8 *ret);
gboolean nb_reader_be16 (NbReader *r, guint16 *ret);
gboolean nb_reader_be32 (NbReader *r, guint32 *ret);
gboolean nb_reader_le16 (NbReader *r, guint16 *ret);
gboolean nb_reader_le32 (NbReader *r, guint32 *ret);
gboolean nb_reader_le64 (NbReader *r, guint64 *ret);

/* Peeks at the next byte without consuming it. */
gboolean nb_reader_peek_u8 (NbReader *r, guint8 *ret);

/* Returns a pointer to the next @n bytes (valid while the input lives). */
gboolean nb_reader_bytes (NbReader *r, gsize n, const guint8 **ret);
/* Copies the next @n bytes into @dst (which must hold @n bytes). */
gboolean nb_reader_copy (NbReader *r, void *dst, gsize n);
/* Returns a newly allocated copy of the next @n bytes. */
gboolean nb_reader_dup (NbReader *r, gsize n, GBytes **ret);
gboolean nb_reader_skip (NbReader *r, gsize n);

/* Reads a NUL-terminated byte string of at most @max bytes before the NUL;
 * returns a pointer into the input and its length without the NUL. */
gboolean nb_reader_cstring (NbReader *r, gsize max, const guint8 **ret, gsize *ret_len);

/* Splits off the next @n bytes as an independent reader (for length-prefixed
 * parts such as NBNS RDATA or SMB byte counts). A failure in @ret_sub does
 * not fail @r; check it with its own nb_reader_finish(). */
gboolean nb_reader_sub (NbReader *r, gsize n, NbReader *ret_sub);

/* Moves to absolute offset @pos (<= len). Used only to follow NBNS label
 * compression pointers, which the name codec bounds. */
gboolean nb_reader_seek (NbReader *r, gsize pos);

/* Skips padding so that (pos - @base) is a multiple of @alignment (NDR). */
gboolean nb_reader_align (NbReader *r, gsize base, gsize alignment);

/* Fails the reader if any byte is left. */
gboolean nb_reader_expect_end (NbReader *r);

/* Turns a failed reader into a GError in NS_CODEC_ERROR naming @what (the
 * packet kind). Returns TRUE if the reader has not failed. */
gboolean nb_reader_finish (const NbReader *r, const char *what, GError **error);

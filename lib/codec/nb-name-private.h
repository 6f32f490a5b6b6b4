/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* NetBIOS name codec for the other codecs in lib/codec (name, datagram and
 * session services). Not installed. */

#include <netsend/nb-name.h>

#include "nb-reader.h"
#include "nb-writer.h"

/* Most compression pointers followed for one name. A legitimate NBNS packet
 * needs one (the RR name pointing at the question); a few more are allowed
 * for other encoders, but never enough to loop. */
#define NB_NAME_MAX_JUMPS 8

/* Reads a second-level encoded name at @r's position (RFC 1002 §4.1).
 *
 * @packet/@packet_len is the whole packet the reader belongs to (compression
 * pointers are offsets from its start). @r may read all of it or a slice of
 * it (e.g. a sub-reader over RDATA); without compression @packet may be
 * NULL (datagram and session services: `_nb_name_read (r, NULL, 0, FALSE,
 * &name)`). Label compression (RFC 1002 §4.1, RFC 1035
 * §4.1.4, 14-bit offset per PROTOCOL.md errata 13) is accepted only when
 * @allow_compression: pointers must point strictly backwards of the label
 * they replace, at most NB_NAME_MAX_JUMPS are followed, the expanded name
 * must stay within NB_NAME_ENCODED_MAX bytes, labels are at most 63 bytes and
 * the first label is exactly 32 letters 'A'..'P'. Scope labels must be
 * printable ASCII other than '.'.
 *
 * On success @r is positioned after the name as it appears at the original
 * position (after the first pointer, if any) and @ret is filled. On failure
 * @r is failed (sticky, with a reason) and @ret is untouched. */
gboolean _nb_name_read (NbReader *r, const guint8 *packet, gsize packet_len,
                        gboolean allow_compression, NbName *ret);

/* Appends the second-level encoding of @name (never compressed). Marks @w
 * failed if the scope is invalid. */
void _nb_name_write (NbWriter *w, const NbName *name);

/* Number of bytes _nb_name_write() produces for @name (34 + scope part). */
gsize _nb_name_encoded_len (const NbName *name);

/* Checks a dotted scope string (see nb_name_set_scope()); returns a static
 * reason on failure, NULL if valid. */
const char *_nb_name_scope_invalid (const char *scope);

/* Exact comparison of bytes and scope (scope case included), unlike
 * nb_name_equal(): what a parse/build round trip must preserve. */
gboolean _nb_name_identical (const NbName *a, const NbName *b);

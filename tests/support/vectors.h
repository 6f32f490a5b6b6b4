/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Access to tests/vectors/golden-vectors.json (frames captured from Samba). */

#include <glib.h>

/* Returns the payload of the frame with this "name" and "label", or aborts
 * the test with a message if there is none. The file is found through the
 * NETSEND_VECTORS environment variable that meson sets. */
GBytes *tv_lookup (const char *name, const char *label);

/* Number of frames whose "name" is @name. */
guint tv_count (const char *name);

/* The i-th frame (in file order) whose "name" is @name; NULL past the end.
 * @ret_label, if given, receives the frame's label (owned by the cache). */
GBytes *tv_nth (const char *name, guint i, const char **ret_label);

/* Parses a hex string (whitespace allowed) into bytes; aborts on bad input. */
GBytes *tv_hex (const char *hex);

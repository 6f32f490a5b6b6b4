/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* How a received message looks on a terminal, in `netmsg` and as JSON.
 *
 * Pure: no I/O. The time zone is a parameter (NULL: the local one), so the
 * output is reproducible in tests. */

#include <json-glib/json-glib.h>

#include "store.h"

G_BEGIN_DECLS

/* Windows shows at most 4,095 characters of a message (MS-MSRP <24>). */
#define NS_FORMAT_MAX_DISPLAY_CHARS 4095

/* Makes received text safe for a terminal, with msgr_text_sanitize()
 * (netsend/msgr-text.h): invalid UTF-8 replaced; 0x14, CR LF, LF CR and
 * lone CR become "\n"; a whole escape sequence (ESC or C1 CSI/OSC/...)
 * becomes one U+FFFD; every other C0 control except TAB and LF, DEL, C1
 * and the bidi embedding/override/isolate characters become U+FFFD. With
 * @single_line, "\n" and TAB become U+FFFD too (for names in a header).
 * @max_chars 0: no limit; otherwise the text is cut there and "…"
 * appended. */
char *ns_format_sanitize (const char *text, gboolean single_line, gsize max_chars);

/* "3/14/2004 10:15:23 AM": the shape Windows shows (PROTOCOL.md §5.3,
 * en-US short date and long time), in @tz (NULL: local time). */
char *ns_format_datetime (gint64 time_us, GTimeZone *tz);

/* "2004-03-14T10:15:23.000000Z": UTC, microseconds. */
char *ns_format_time_iso8601 (gint64 time_us);

/* "Message from FROM to TO on DATE TIME" (names sanitised, no newline). */
char *ns_format_header (const char *from, const char *to, gint64 time_us, GTimeZone *tz);

/* The header, a blank line, the sanitised text (at most
 * NS_FORMAT_MAX_DISPLAY_CHARS characters) and a final "\n". A refused
 * message (no text) shows "[refused: REASON]" instead of the text. */
char *ns_format_message (const NsStoredMessage *msg, GTimeZone *tz);

/* Adds one JSON object to @builder (inside an array or as the root) with
 * members id, time (ISO 8601 UTC), transport, source, port, from, to, text
 * (exact, not sanitised; null when not stored), codepage and verdict. */
void ns_format_json_add (JsonBuilder *builder, const NsStoredMessage *msg);

/* (transfer full) */
JsonNode *ns_format_json_node (const NsStoredMessage *msg);

/* The object of ns_format_json_add() as a string (no trailing newline). */
char *ns_format_json (const NsStoredMessage *msg, gboolean pretty);

G_END_DECLS

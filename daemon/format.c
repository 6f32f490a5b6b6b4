/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Display and JSON forms of a received message.
 *
 * Received text comes from unauthenticated peers and ends up on terminals
 * (issue 4, [delivery] terminals) and in `netmsg`, so every control
 * character that a terminal would act on is neutralised first
 * (ECOSYSTEM.md §2: "Sanitize C0/C1 control characters and escape
 * sequences before anything reaches a terminal"). JSON carries the exact
 * text: json-glib escapes it. */

#include "format.h"

#include <string.h>

#include "netsend/msgr-text.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */
#define ELLIPSIS "\xe2\x80\xa6"    /* U+2026 */

char *
ns_format_sanitize (const char *text, gboolean single_line, gsize max_chars)
{
  gboolean truncated = FALSE;
  /* The codec's neutraliser (lib/codec/msgr-text.c) does the work, so the
   * terminal, netmsg and notifications all show the same text. */
  g_autofree char *clean = msgr_text_sanitize (text != NULL ? text : "", -1, max_chars, &truncated);
  GString *out;

  if (!single_line && !truncated)
    return g_steal_pointer (&clean);
  out = g_string_sized_new (strlen (clean) + 4);
  for (const char *p = clean; *p != '\0'; p++) {
    /* A name in a header must not start a second line. */
    if (single_line && (*p == '\n' || *p == '\t'))
      g_string_append (out, REPLACEMENT);
    else
      g_string_append_c (out, *p);
  }
  if (truncated)
    g_string_append (out, ELLIPSIS);
  return g_string_free (out, FALSE);
}

static GDateTime *
date_time_from_us (gint64 time_us, GTimeZone *tz)
{
  g_autoptr (GTimeZone) local = tz == NULL ? g_time_zone_new_local () : NULL;
  /* Floor division, so times before 1970 land in the right second. */
  gint64 secs = time_us / G_USEC_PER_SEC - (time_us % G_USEC_PER_SEC < 0 ? 1 : 0);
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (secs);
  GDateTime *dt;

  /* Out of GDateTime's range (years 1-9999): show the epoch rather than
   * fail; the store never holds such times from a sane clock. */
  if (utc == NULL)
    utc = g_date_time_new_from_unix_utc (0);
  dt = g_date_time_to_timezone (utc, tz != NULL ? tz : local);
  return dt;
}

char *
ns_format_datetime (gint64 time_us, GTimeZone *tz)
{
  g_autoptr (GDateTime) dt = date_time_from_us (time_us, tz);
  int hour = g_date_time_get_hour (dt);

  /* Fixed en-US shape rather than the C library's %x/%X: the header must
   * read the same for every locale and in tests (PROTOCOL.md §5.3). */
  return g_strdup_printf ("%d/%d/%d %d:%02d:%02d %s",
                          g_date_time_get_month (dt), g_date_time_get_day_of_month (dt),
                          g_date_time_get_year (dt),
                          hour % 12 == 0 ? 12 : hour % 12,
                          g_date_time_get_minute (dt), g_date_time_get_second (dt),
                          hour < 12 ? "AM" : "PM");
}

char *
ns_format_time_iso8601 (gint64 time_us)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) dt = date_time_from_us (time_us, utc);
  /* Sub-second part, also for negative times (before 1970). */
  gint64 usec = ((time_us % G_USEC_PER_SEC) + G_USEC_PER_SEC) % G_USEC_PER_SEC;
  g_autofree char *base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%06" G_GINT64_FORMAT "Z", base, usec);
}

char *
ns_format_header (const char *from, const char *to, gint64 time_us, GTimeZone *tz)
{
  g_autofree char *f = ns_format_sanitize (from, TRUE, 0);
  g_autofree char *t = ns_format_sanitize (to, TRUE, 0);
  g_autofree char *when = ns_format_datetime (time_us, tz);

  return g_strdup_printf ("Message from %s to %s on %s", f, t, when);
}

char *
ns_format_message (const NsStoredMessage *msg, GTimeZone *tz)
{
  g_autofree char *header = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (msg != NULL, NULL);
  header = ns_format_header (msg->from, msg->to, msg->received_us, tz);
  if (msg->text != NULL)
    body = ns_format_sanitize (msg->text, FALSE, NS_FORMAT_MAX_DISPLAY_CHARS);
  else
    body = g_strdup_printf ("[refused: %s]", ns_verdict_to_string (msg->verdict));
  return g_strdup_printf ("%s\n\n%s\n", header, body);
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

void
ns_format_json_add (JsonBuilder *builder, const NsStoredMessage *msg)
{
  g_autofree char *time = NULL;

  g_return_if_fail (JSON_IS_BUILDER (builder));
  g_return_if_fail (msg != NULL);

  time = ns_format_time_iso8601 (msg->received_us);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, msg->id);
  add_string (builder, "time", time);
  add_string (builder, "transport", ns_transport_kind_to_string (msg->transport));
  add_string (builder, "source", msg->source);
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, msg->port);
  add_string (builder, "from", msg->from);
  add_string (builder, "to", msg->to);
  add_string (builder, "text", msg->text);
  add_string (builder, "codepage", msg->codepage);
  add_string (builder, "verdict", ns_verdict_to_nick (msg->verdict));
  json_builder_end_object (builder);
}

JsonNode *
ns_format_json_node (const NsStoredMessage *msg)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (msg != NULL, NULL);
  ns_format_json_add (builder, msg);
  return json_builder_get_root (builder);
}

char *
ns_format_json (const NsStoredMessage *msg, gboolean pretty)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonGenerator) gen = json_generator_new ();

  g_return_val_if_fail (msg != NULL, NULL);
  root = ns_format_json_node (msg);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, pretty);
  return json_generator_to_data (gen, NULL);
}

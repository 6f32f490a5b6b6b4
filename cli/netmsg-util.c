/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The pure parts of netmsg; see netmsg.h. */

#include "netmsg.h"

#include <string.h>

#include "daemon/format.h"

static gboolean
parse_age (const char *text, gint64 *ret_us)
{
  static const struct { char unit; gint64 us; } units[] = {
    { 's', G_USEC_PER_SEC },                { 'm', G_GINT64_CONSTANT (60) * G_USEC_PER_SEC },
    { 'h', G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC },
    { 'd', G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC },
    { 'w', G_GINT64_CONSTANT (7 * 86400) * G_USEC_PER_SEC },
  };
  const gint64 max_us = G_GINT64_CONSTANT (3650 * 86400) * G_USEC_PER_SEC;
  gsize len = strlen (text);
  g_autofree char *digits = NULL;
  guint64 n;

  if (len < 2 || len > 12)
    return FALSE;
  digits = g_strndup (text, len - 1);
  /* At most 10 years back: anything larger is a typo, not an age. */
  if (!g_ascii_string_to_unsigned (digits, 10, 0, 3650 * 86400, &n, NULL))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (units); i++) {
    if (g_ascii_tolower (text[len - 1]) == units[i].unit) {
      if (n > (guint64) (max_us / units[i].us))
        return FALSE;
      *ret_us = (gint64) n * units[i].us;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
netmsg_parse_since (const char *text, gint64 now_us, GTimeZone *tz, gint64 *ret_us,
                    GError **error)
{
  g_autoptr (GTimeZone) local = tz == NULL ? g_time_zone_new_local () : NULL;
  g_autoptr (GDateTime) dt = NULL;
  gint64 age;

  if (text == NULL || text[0] == '\0')
    goto bad;
  if (parse_age (text, &age)) {
    *ret_us = MAX (now_us - age, 0);
    return TRUE;
  }
  dt = g_date_time_new_from_iso8601 (text, tz != NULL ? tz : local);
  if (dt == NULL && strlen (text) == 10) {
    /* A date alone: midnight of that day. */
    g_autofree char *midnight = g_strconcat (text, "T00:00:00", NULL);

    dt = g_date_time_new_from_iso8601 (midnight, tz != NULL ? tz : local);
  }
  if (dt != NULL) {
    *ret_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
    return TRUE;
  }
bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--since '%s': use a time like 2024-05-01T08:00:00, 2024-05-01, or an age like "
               "90s, 15m, 2h, 1d, 1w", text ? text : "");
  return FALSE;
}

char *
netmsg_format (const NsStoredMessage *msg, gboolean json, GTimeZone *tz)
{
  g_autofree char *shown = NULL;

  if (json) {
    g_autofree char *obj = ns_format_json (msg, FALSE);

    return g_strconcat (obj, "\n", NULL);
  }
  /* ns_format_message() ends with "\n"; a blank line separates blocks. */
  shown = ns_format_message (msg, tz);
  return g_strconcat (shown, "\n", NULL);
}

void
netmsg_notification_text (const NsStoredMessage *msg, gboolean markup, GTimeZone *tz,
                          char **ret_summary, char **ret_body)
{
  g_autofree char *body = ns_format_sanitize (msg->text, FALSE, NS_FORMAT_MAX_DISPLAY_CHARS);

  *ret_summary = ns_format_header (msg->from, msg->to, msg->received_us, tz);
  /* A server with body-markup would read "<b>" in a message as markup. */
  *ret_body = markup ? g_markup_escape_text (body, -1) : g_steal_pointer (&body);
}

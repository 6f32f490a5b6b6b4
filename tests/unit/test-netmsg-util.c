/* SPDX-License-Identifier: GPL-3.0-or-later */

/* cli/netmsg-util.c: --since, the printed forms and the notification. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "netmsg.h"

#define SEC G_GINT64_CONSTANT (1000000)
/* 2004-03-14T10:15:23Z */
#define T_EXAMPLE (G_GINT64_CONSTANT (1079259323) * SEC)

static void
test_since (void **state)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GTimeZone) plus2 = g_time_zone_new_identifier ("+02:00");
  const gint64 now = T_EXAMPLE;
  static const struct {
    const char *text;
    gboolean local_plus2;
    gint64 expect;
  } cases[] = {
    { "90s", FALSE, T_EXAMPLE - 90 * SEC },
    { "15m", FALSE, T_EXAMPLE - 15 * 60 * SEC },
    { "2h", FALSE, T_EXAMPLE - 2 * 3600 * SEC },
    { "1D", FALSE, T_EXAMPLE - 86400 * SEC },
    { "1w", FALSE, T_EXAMPLE - 7 * 86400 * SEC },
    { "0s", FALSE, T_EXAMPLE },
    { "2004-03-14T10:00:00Z", FALSE, T_EXAMPLE - 923 * SEC },
    { "2004-03-14T10:00:00.5+01:00", FALSE, T_EXAMPLE - 923 * SEC - 3600 * SEC + SEC / 2 },
    /* Without a zone: the local one (here +02:00). */
    { "2004-03-14T12:00:00", TRUE, T_EXAMPLE - 923 * SEC },
    { "2004-03-14", TRUE, T_EXAMPLE - (10 * 3600 + 15 * 60 + 23) * SEC - 2 * 3600 * SEC },
    { "2004-03-14", FALSE, T_EXAMPLE - (10 * 3600 + 15 * 60 + 23) * SEC },
    { "520w", FALSE, T_EXAMPLE - G_GINT64_CONSTANT (520 * 7 * 86400) * SEC },
  };
  static const char *const bad[] = {
    "", "h", "1", "1y", "-1h", "1.5h", "yesterday", "2004-13-01", "2004-03-14T25:00:00",
    "99999999999s", "5215w",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    gint64 got = -1;
    g_autoptr (GError) error = NULL;

    if (!netmsg_parse_since (cases[i].text, now, cases[i].local_plus2 ? plus2 : utc, &got,
                             &error))
      fail_msg ("'%s': %s", cases[i].text, error->message);
    if (got != cases[i].expect)
      fail_msg ("'%s': got %" G_GINT64_FORMAT ", wanted %" G_GINT64_FORMAT, cases[i].text, got,
                cases[i].expect);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    gint64 got = 42;
    g_autoptr (GError) error = NULL;

    if (netmsg_parse_since (bad[i], now, utc, &got, &error))
      fail_msg ("'%s' accepted as %" G_GINT64_FORMAT, bad[i], got);
    assert_true (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE));
    assert_int_equal (got, 42);
  }
  assert_false (netmsg_parse_since (NULL, now, utc, NULL, NULL));
  {
    /* An age older than the epoch stops there. */
    gint64 got = -1;

    assert_true (netmsg_parse_since ("1h", 100 * SEC, utc, &got, NULL));
    assert_int_equal (got, 0);
  }
}

static NsStoredMessage *
make_msg (void)
{
  NsStoredMessage *m = ns_stored_message_new ();

  m->id = 3;
  m->received_us = T_EXAMPLE;
  m->transport = NS_TRANSPORT_RPC;
  m->source = g_strdup ("192.0.2.9");
  m->port = 1025;
  m->from = g_strdup ("ADMIN");
  m->to = g_strdup ("PC7");
  m->text = g_strdup ("Reboot at 5 <b>&</b>\n\x1b[1mnow");
  m->codepage = g_strdup ("CP850");
  return m;
}

static void
test_format (void **state)
{
  g_autoptr (NsStoredMessage) m = make_msg ();
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autofree char *text = netmsg_format (m, FALSE, utc);
  g_autofree char *json = netmsg_format (m, TRUE, utc);

  assert_string_equal (text, "Message from ADMIN to PC7 on 3/14/2004 10:15:23 AM\n\n"
                             "Reboot at 5 <b>&</b>\n\xef\xbf\xbdnow\n\n");
  /* One line, the exact text (json-glib escapes the ESC). */
  assert_string_equal (json, "{\"id\":3,\"time\":\"2004-03-14T10:15:23.000000Z\","
                             "\"transport\":\"rpc\",\"source\":\"192.0.2.9\",\"port\":1025,"
                             "\"from\":\"ADMIN\",\"to\":\"PC7\","
                             "\"text\":\"Reboot at 5 <b>&</b>\\n\\u001b[1mnow\","
                             "\"codepage\":\"CP850\",\"verdict\":\"accepted\"}\n");
}

static void
test_notification (void **state)
{
  g_autoptr (NsStoredMessage) m = make_msg ();
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_autofree char *summary2 = NULL;
  g_autofree char *body2 = NULL;

  netmsg_notification_text (m, TRUE, utc, &summary, &body);
  assert_string_equal (summary, "Message from ADMIN to PC7 on 3/14/2004 10:15:23 AM");
  assert_string_equal (body, "Reboot at 5 &lt;b&gt;&amp;&lt;/b&gt;\n\xef\xbf\xbdnow");
  netmsg_notification_text (m, FALSE, utc, &summary2, &body2);
  assert_string_equal (body2, "Reboot at 5 <b>&</b>\n\xef\xbf\xbdnow");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_since),
    cmocka_unit_test (test_format),
    cmocka_unit_test (test_notification),
  };

  return cmocka_run_group_tests_name ("netmsg-util", tests, NULL, NULL);
}

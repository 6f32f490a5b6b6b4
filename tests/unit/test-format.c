/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "format.h"

#define SEC G_GINT64_CONSTANT (1000000)
/* 2004-03-14T10:15:23Z, the example of PROTOCOL.md §5.3 */
#define T_EXAMPLE (G_GINT64_CONSTANT (1079259323) * SEC)

#define FFFD "\xef\xbf\xbd"

static NsStoredMessage *
make_msg (void)
{
  NsStoredMessage *m = ns_stored_message_new ();

  m->id = 42;
  m->received_us = T_EXAMPLE + 123456;
  m->transport = NS_TRANSPORT_MAILSLOT;
  m->source = g_strdup ("192.0.2.7");
  m->port = 138;
  m->from = g_strdup ("PowerChute@NETCOMP1");
  m->to = g_strdup ("*");
  m->text = g_strdup ("NETCOMP1 is running on battery power.\nShutdown in 29 min");
  m->raw = g_bytes_new_static ("x", 1);
  m->codepage = g_strdup ("CP850");
  return m;
}

static void
test_datetime (void **state)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GTimeZone) plus2 = g_time_zone_new_identifier ("+02:00");
  g_autoptr (GTimeZone) minus11 = g_time_zone_new_identifier ("-11:00");
  static const struct {
    gint64 t;
    int zone; /* 0 utc, 1 +02:00, 2 -11:00 */
    const char *expect;
  } cases[] = {
    { T_EXAMPLE, 0, "3/14/2004 10:15:23 AM" },
    { T_EXAMPLE + 999999, 0, "3/14/2004 10:15:23 AM" },        /* no rounding up */
    { T_EXAMPLE, 1, "3/14/2004 12:15:23 PM" },
    { T_EXAMPLE, 2, "3/13/2004 11:15:23 PM" },
    { 0, 0, "1/1/1970 12:00:00 AM" },                           /* midnight is 12 AM */
    { 12 * 3600 * SEC, 0, "1/1/1970 12:00:00 PM" },             /* noon is 12 PM */
    { (13 * 3600 + 5 * 60 + 9) * SEC, 0, "1/1/1970 1:05:09 PM" },
    { -1, 0, "12/31/1969 11:59:59 PM" },
    { G_GINT64_CONSTANT (1735689599) * SEC, 0, "12/31/2024 11:59:59 PM" },
  };
  GTimeZone *zones[] = { utc, plus2, minus11 };

  assert_non_null (plus2);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *s = ns_format_datetime (cases[i].t, zones[cases[i].zone]);

    if (strcmp (s, cases[i].expect) != 0)
      fail_msg ("case %u: got '%s', expected '%s'", i, s, cases[i].expect);
  }
}

static void
test_datetime_local_zone (void **state)
{
  /* main() set TZ=UTC before anything asked for the local zone. */
  g_autofree char *s = ns_format_datetime (T_EXAMPLE, NULL);

  assert_string_equal (s, "3/14/2004 10:15:23 AM");
}

static void
test_iso8601 (void **state)
{
  g_autofree char *a = ns_format_time_iso8601 (T_EXAMPLE);
  g_autofree char *b = ns_format_time_iso8601 (T_EXAMPLE + 123456);
  g_autofree char *c = ns_format_time_iso8601 (-1);

  assert_string_equal (a, "2004-03-14T10:15:23.000000Z");
  assert_string_equal (b, "2004-03-14T10:15:23.123456Z");
  assert_string_equal (c, "1969-12-31T23:59:59.999999Z");
}

static const struct {
  const char *in;
  gboolean single_line;
  gsize max;
  const char *out;
} sanitize_cases[] = {
  { "plain text", FALSE, 0, "plain text" },
  { "a\r\nb", FALSE, 0, "a\nb" },
  { "a\n\rb", FALSE, 0, "a\nb" },
  { "a\rb", FALSE, 0, "a\nb" },
  { "a\x14" "b", FALSE, 0, "a\nb" },             /* Windows' 0x14 line break */
  { "a\r\n\r\nb", FALSE, 0, "a\n\nb" },          /* a blank line survives */
  { "col1\tcol2", FALSE, 0, "col1\tcol2" },
  /* A whole escape sequence becomes one U+FFFD (CSI, then OSC ended by BEL). */
  { "\x1b[2J\x1b]0;owned\x07", FALSE, 0, FFFD FFFD },
  { "\x1b[31mred\x1b[0m", FALSE, 0, FFFD "red" FFFD },
  { "bell\x07", FALSE, 0, "bell" FFFD },
  { "del\x7f", FALSE, 0, "del" FFFD },
  { "c1 \xc2\x9b" "31mx", FALSE, 0, "c1 " FFFD "x" },   /* U+009B CSI */
  { "c1 \xc2\x85x", FALSE, 0, "c1 " FFFD "x" },         /* U+0085 NEL */
  { "bidi \xe2\x80\xae" "txt", FALSE, 0, "bidi " FFFD "txt" }, /* U+202E */
  { "iso \xe2\x81\xa6x", FALSE, 0, "iso " FFFD "x" },    /* U+2066 */
  { "bad \xff utf8", FALSE, 0, "bad " FFFD " utf8" },
  { "Grüße, Привет", FALSE, 0, "Grüße, Привет" },
  { "two\nlines", TRUE, 0, "two" FFFD "lines" },
  { "tab\tname", TRUE, 0, "tab" FFFD "name" },
  { "abcdef", FALSE, 3, "abc\xe2\x80\xa6" },
  { "abc", FALSE, 3, "abc" },
  { "ääää", FALSE, 2, "ää\xe2\x80\xa6" },       /* characters, not bytes */
  { "", FALSE, 0, "" },
};

static void
test_sanitize (void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS (sanitize_cases); i++) {
    g_autofree char *s = ns_format_sanitize (sanitize_cases[i].in, sanitize_cases[i].single_line,
                                             sanitize_cases[i].max);

    if (strcmp (s, sanitize_cases[i].out) != 0)
      fail_msg ("case %u: got '%s'", i, s);
  }
  {
    g_autofree char *s = ns_format_sanitize (NULL, FALSE, 0);

    assert_string_equal (s, "");
  }
}

static void
test_header_and_message (void **state)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (NsStoredMessage) m = make_msg ();
  g_autofree char *header = ns_format_header ("ALICE", "BOB", T_EXAMPLE, utc);
  g_autofree char *evil = ns_format_header ("X\nMessage from BOSS", "\x1b[2JBOB", T_EXAMPLE, utc);
  g_autofree char *full = ns_format_message (m, utc);
  g_autofree char *refused = NULL;
  g_autofree char *longtext = NULL;
  g_autofree char *huge = g_strnfill (5000, 'z');

  assert_string_equal (header, "Message from ALICE to BOB on 3/14/2004 10:15:23 AM");
  /* A name cannot forge a second header line or clear the screen. */
  assert_string_equal (evil, "Message from X" FFFD "Message from BOSS to " FFFD "BOB on 3/14/2004 10:15:23 AM");
  assert_string_equal (full,
                       "Message from PowerChute@NETCOMP1 to * on 3/14/2004 10:15:23 AM\n"
                       "\n"
                       "NETCOMP1 is running on battery power.\n"
                       "Shutdown in 29 min\n");

  m->verdict = NS_VERDICT_SENDER_DENIED;
  g_clear_pointer (&m->text, g_free);
  refused = ns_format_message (m, utc);
  assert_string_equal (refused,
                       "Message from PowerChute@NETCOMP1 to * on 3/14/2004 10:15:23 AM\n"
                       "\n"
                       "[refused: sender denied]\n");

  /* Windows shows at most 4,095 characters. */
  m->verdict = NS_VERDICT_ACCEPTED;
  m->text = g_strdup (huge);
  longtext = ns_format_message (m, utc);
  assert_int_equal (g_utf8_strlen (strstr (longtext, "\n\n") + 2, -1), NS_FORMAT_MAX_DISPLAY_CHARS + 2);
}

static void
test_json (void **state)
{
  g_autoptr (NsStoredMessage) m = make_msg ();
  g_autofree char *compact = NULL;
  g_autofree char *with_controls = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;

  compact = ns_format_json (m, FALSE);
  assert_string_equal (compact,
                       "{\"id\":42,\"time\":\"2004-03-14T10:15:23.123456Z\",\"transport\":\"mailslot\","
                       "\"source\":\"192.0.2.7\",\"port\":138,\"from\":\"PowerChute@NETCOMP1\",\"to\":\"*\","
                       "\"text\":\"NETCOMP1 is running on battery power.\\nShutdown in 29 min\","
                       "\"codepage\":\"CP850\",\"verdict\":\"accepted\"}");

  /* JSON carries the exact text; the escaping makes it safe. */
  g_free (m->text);
  m->text = g_strdup ("esc\x1b[31m \"quoted\" Привет");
  with_controls = ns_format_json (m, TRUE);
  assert_true (json_parser_load_from_data (parser, with_controls, -1, NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  assert_string_equal (json_object_get_string_member (o, "text"), m->text);
  assert_null (strchr (with_controls, '\x1b'));
  assert_int_equal (json_object_get_int_member (o, "port"), 138);

  /* Refused: text is null. */
  g_clear_pointer (&m->text, g_free);
  m->verdict = NS_VERDICT_RATE_LIMITED;
  {
    g_autoptr (JsonNode) node = ns_format_json_node (m);
    JsonObject *r = json_node_get_object (node);

    assert_true (json_object_get_null_member (r, "text"));
    assert_string_equal (json_object_get_string_member (r, "verdict"), "rate-limited");
  }
}

static void
test_json_array (void **state)
{
  g_autoptr (NsStoredMessage) a = make_msg ();
  g_autoptr (NsStoredMessage) b = make_msg ();
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *out = NULL;
  JsonArray *arr;

  b->id = 43;
  json_builder_begin_array (builder);
  ns_format_json_add (builder, a);
  ns_format_json_add (builder, b);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  arr = json_node_get_array (root);
  assert_int_equal (json_array_get_length (arr), 2);
  assert_int_equal (json_object_get_int_member (json_array_get_object_element (arr, 1), "id"), 43);
  json_generator_set_root (gen, root);
  out = json_generator_to_data (gen, NULL);
  assert_true (g_str_has_prefix (out, "[{\"id\":42,"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_datetime),
    cmocka_unit_test (test_datetime_local_zone),
    cmocka_unit_test (test_iso8601),
    cmocka_unit_test (test_sanitize),
    cmocka_unit_test (test_header_and_message),
    cmocka_unit_test (test_json),
    cmocka_unit_test (test_json_array),
  };

  /* Output must not depend on where the tests run. */
  setenv ("TZ", "UTC", 1);
  return cmocka_run_group_tests_name ("format", tests, NULL, NULL);
}

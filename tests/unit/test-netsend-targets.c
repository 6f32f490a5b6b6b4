/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The pure part of netsend (cli/netsend-targets.c): Windows switches,
 * targets, @FILE lists, standard input, smbstatus sessions, exit codes,
 * Windows' wording and the JSON shape of a result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend-targets.h"

/* ---- switch rewriting ---------------------------------------------------- */

static void
check_rewrite (const char *const *in, const char *const *want)
{
  g_auto (GStrv) out = netsend_rewrite_args ((int) g_strv_length ((char **) in), (char **) in);

  assert_int_equal (g_strv_length (out), g_strv_length ((char **) want));
  for (guint i = 0; want[i] != NULL; i++)
    assert_string_equal (out[i], want[i]);
}

static void
test_rewrite (void **state)
{
  const char *help_in[] = { "netsend", "/?", NULL };
  const char *help_want[] = { "netsend", "--help", NULL };
  const char *help2_in[] = { "netsend", "-q", "/HeLp", NULL };
  const char *help2_want[] = { "netsend", "-q", "--help", NULL };
  /* The target and everything after it stay as typed: /DOMAIN is a
   * target, "/?" after it is text. */
  const char *dom_in[] = { "netsend", "/DOMAIN:lab", "is", "/users", "/?", "-q", NULL };
  const char *name_in[] = { "netsend", "--json", "BOB", "/?", "--quiet", NULL };

  check_rewrite (help_in, help_want);
  check_rewrite (help2_in, help2_want);
  check_rewrite (dom_in, dom_in);
  check_rewrite (name_in, name_in);
}

/* ---- targets --------------------------------------------------------------- */

static void
test_classify (void **state)
{
  static const struct {
    const char *arg;
    NetsendTargetKind kind;
    const char *value;
  } good[] = {
    { "*", NETSEND_TARGET_BROADCAST, "*" },
    { "@hosts.txt", NETSEND_TARGET_FILE, "hosts.txt" },
    { "/domain", NETSEND_TARGET_DOMAIN, "/domain" },
    { "/DOMAIN", NETSEND_TARGET_DOMAIN, "/domain" },
    { "/Domain:lab", NETSEND_TARGET_DOMAIN, "/domain:LAB" },
    { "/users", NETSEND_TARGET_USERS, NULL },
    { "/USERS", NETSEND_TARGET_USERS, NULL },
    { "bob", NETSEND_TARGET_NAME, "bob" },
    { "10.1.2.3", NETSEND_TARGET_NAME, "10.1.2.3" },
    { "ABCDEFGHIJKLMNO", NETSEND_TARGET_NAME, "ABCDEFGHIJKLMNO" },
    { "MÜLLER", NETSEND_TARGET_NAME, "MÜLLER" },
  };
  static const char *const bad[] = {
    "@", "/domain:", "/domain:a*b", "/usersx", "/add", "ABCDEFGHIJKLMNOP", "a:b", " bob",
    "bob ", "a|b", "",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++) {
    NetsendTargetKind kind = (NetsendTargetKind) 99;
    g_autofree char *value = NULL;
    g_autoptr (GError) error = NULL;

    assert_true (netsend_target_classify (good[i].arg, &kind, &value, &error));
    assert_null (error);
    assert_int_equal (kind, good[i].kind);
    if (good[i].value == NULL)
      assert_null (value);
    else
      assert_string_equal (value, good[i].value);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    NetsendTargetKind kind = (NetsendTargetKind) 99;
    char *value = (char *) "untouched";
    g_autoptr (GError) error = NULL;

    assert_false (netsend_target_classify (bad[i], &kind, &value, &error));
    assert_true (error != NULL && error->domain == G_OPTION_ERROR);
    assert_int_equal (kind, 99);
    assert_string_equal (value, "untouched");
  }
}

static void
test_check_name_messages (void **state)
{
  g_autoptr (GError) e1 = NULL, e2 = NULL, e3 = NULL;

  assert_false (netsend_check_name ("ABCDEFGHIJKLMNOP", &e1));
  assert_non_null (strstr (e1->message, "16 characters"));
  assert_false (netsend_check_name ("A?B", &e2));
  assert_non_null (strstr (e2->message, "'?'"));
  assert_false (netsend_check_name ("A\tB", &e3));
  assert_non_null (strstr (e3->message, "control character"));
  /* 15 characters, 16 bytes in UTF-8: the library applies the byte rule
   * in the code page (Ü is one byte in CP850). */
  assert_true (netsend_check_name ("ÜBCDEFGHIJKLMNO", NULL));
}

/* ---- @FILE ----------------------------------------------------------------- */

static void
test_recipient_file (void **state)
{
  static const char data[] =
    "# maintenance list\n"
    "alice\n"
    "\n"
    "  BOB  \r\n"
    "; old style comment\n"
    "10.0.0.7\n"
    "carol"; /* no final newline */
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (out, g_strdup ("before"));
  assert_true (netsend_parse_recipient_file (data, strlen (data), "list", out, &error));
  assert_null (error);
  assert_int_equal (out->len, 5);
  assert_string_equal (out->pdata[0], "before");
  assert_string_equal (out->pdata[1], "alice");
  assert_string_equal (out->pdata[2], "BOB");
  assert_string_equal (out->pdata[3], "10.0.0.7");
  assert_string_equal (out->pdata[4], "carol");
}

static void
test_recipient_file_errors (void **state)
{
  static const struct {
    const char *data;
    gsize len;
    const char *want;
  } cases[] = {
#define S(x) x, sizeof (x) - 1
    { S ("alice\nb*b\n"), "list:2: 'b*b' contains '*'" },
    { S ("alice\n\nTHIS-NAME-IS-TOO-LONG\n"), "list:3: 'THIS-NAME-IS-TOO-LONG' has 21" },
    { S ("alice\nb\xff\n"), "list:2: not UTF-8" },
    { S ("al\0ce\n"), "list:1: not UTF-8" },
    { S ("# only comments\n\n"), "list lists no recipient" },
    { S (""), "list lists no recipient" },
#undef S
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
    g_autoptr (GError) error = NULL;

    assert_false (netsend_parse_recipient_file (cases[i].data, cases[i].len, "list", out,
                                                &error));
    assert_true (error != NULL && error->domain == G_OPTION_ERROR);
    if (strstr (error->message, cases[i].want) != error->message)
      fail_msg ("case %zu: '%s' does not start with '%s'", i, error->message, cases[i].want);
    assert_int_equal (out->len, 0); /* all or nothing */
  }
}

/* ---- standard input ---------------------------------------------------------- */

static void
test_message_from_input (void **state)
{
  g_autofree char *a = netsend_message_from_input ("hello\n", 6, NULL);
  g_autofree char *b = netsend_message_from_input ("line 1\r\nline 2\r\n\n", 17, NULL);
  g_autofree char *c = netsend_message_from_input ("\n", 1, NULL);
  g_autofree char *big = g_malloc0 (NETSEND_MAX_INPUT_BYTES + 1);
  g_autoptr (GError) e1 = NULL, e2 = NULL;

  assert_string_equal (a, "hello");
  assert_string_equal (b, "line 1\r\nline 2"); /* inner breaks kept */
  assert_string_equal (c, "");                 /* refused later as empty */
  assert_null (netsend_message_from_input ("caf\xe9\n", 5, &e1));
  assert_true (g_error_matches (e1, NS_SEND_ERROR, NS_SEND_ERROR_CONVERSION));
  memset (big, 'x', NETSEND_MAX_INPUT_BYTES + 1);
  assert_null (netsend_message_from_input (big, NETSEND_MAX_INPUT_BYTES + 1, &e2));
  assert_true (g_error_matches (e2, NS_SEND_ERROR, NS_SEND_ERROR_MESSAGE_TOO_LONG));
}

/* ---- /USERS from smbstatus -b --json (Samba 4.17 layout) -------------------- */

static void
test_smbstatus_sessions (void **state)
{
  /* Sessions over 139 carry the NetBIOS calling name, over 445 the
   * address; duplicates (two sessions of one machine) count once. */
  static const char json[] =
    "{\"timestamp\": \"2026-11-27T06:08:06+0000\", \"version\": \"4.17.12-Debian\","
    " \"smb_conf\": \"/etc/samba/smb.conf\", \"sessions\": {"
    "  \"3001\": {\"session_id\": \"3001\", \"uid\": 65534, \"username\": \"nobody\","
    "    \"remote_machine\": \"ws-alice\", \"hostname\": \"ipv4:10.0.0.2:49152\","
    "    \"session_dialect\": \"NT1\"},"
    "  \"3002\": {\"session_id\": \"3002\", \"remote_machine\": \"10.0.0.3\","
    "    \"hostname\": \"ipv4:10.0.0.3:40000\", \"session_dialect\": \"SMB3_11\"},"
    "  \"3003\": {\"session_id\": \"3003\", \"remote_machine\": \"WS-ALICE\","
    "    \"hostname\": \"ipv4:10.0.0.2:49153\"},"
    "  \"3004\": {\"session_id\": \"3004\", \"remote_machine\": \"fd00::5\","
    "    \"hostname\": \"ipv6:fd00::5:40000\"},"
    "  \"3005\": {\"session_id\": \"3005\", \"remote_machine\": \"a-very-long-dns-name\","
    "    \"hostname\": \"ipv4:10.0.0.9:40000\"},"
    "  \"3006\": 17"
    "}}";
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) users = netsend_users_from_smbstatus (json, -1, &error);
  g_auto (GStrv) none = netsend_users_from_smbstatus ("{\"sessions\": {}}", -1, NULL);
  g_auto (GStrv) absent = netsend_users_from_smbstatus ("{\"version\": \"4.17\"}", -1, NULL);
  g_autoptr (GError) e1 = NULL, e2 = NULL, e3 = NULL;

  assert_null (error);
  assert_int_equal (g_strv_length (users), 3);
  assert_string_equal (users[0], "10.0.0.3");
  assert_string_equal (users[1], "10.0.0.9");
  assert_string_equal (users[2], "WS-ALICE");
  assert_non_null (none);
  assert_int_equal (g_strv_length (none), 0);
  assert_non_null (absent);
  assert_int_equal (g_strv_length (absent), 0);
  assert_null (netsend_users_from_smbstatus ("Failed to open sessionid.tdb", -1, &e1));
  assert_true (g_error_matches (e1, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
  assert_null (netsend_users_from_smbstatus ("[1, 2]", -1, &e2));
  assert_true (g_error_matches (e2, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
  assert_null (netsend_users_from_smbstatus ("{\"sessions\": []}", -1, &e3));
  assert_true (g_error_matches (e3, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
}

/* ---- exit codes ---------------------------------------------------------------- */

static void
test_exit_codes (void **state)
{
  static const struct {
    guint results, delivered, sent, failed;
    gboolean interrupted;
    int want;
  } runs[] = {
    { 1, 1, 0, 0, FALSE, NETSEND_EXIT_OK },
    { 1, 0, 1, 0, FALSE, NETSEND_EXIT_OK }, /* broadcast: sent counts */
    { 4, 3, 0, 1, FALSE, NETSEND_EXIT_PARTIAL },
    { 4, 0, 1, 3, FALSE, NETSEND_EXIT_PARTIAL },
    { 1, 0, 0, 1, FALSE, NETSEND_EXIT_FAILED },
    { 1000, 0, 0, 1000, FALSE, NETSEND_EXIT_FAILED },
    { 3, 3, 0, 0, TRUE, NETSEND_EXIT_INTERRUPTED },
  };
  static const struct {
    GQuark (*domain) (void);
    int code;
    int want;
  } errors[] = {
    { g_option_error_quark, G_OPTION_ERROR_BAD_VALUE, NETSEND_EXIT_USAGE },
    { ns_send_error_quark, NS_SEND_ERROR_EMPTY_MESSAGE, NETSEND_EXIT_REFUSED },
    { ns_send_error_quark, NS_SEND_ERROR_MESSAGE_TOO_LONG, NETSEND_EXIT_REFUSED },
    { ns_send_error_quark, NS_SEND_ERROR_CONVERSION, NETSEND_EXIT_REFUSED },
    { ns_send_error_quark, NS_SEND_ERROR_INVALID_NAME, NETSEND_EXIT_USAGE },
    { ns_send_error_quark, NS_SEND_ERROR_INVALID_ARGUMENT, NETSEND_EXIT_USAGE },
    { ns_send_error_quark, NS_SEND_ERROR_NAME_NOT_FOUND, NETSEND_EXIT_FAILED },
    { ns_send_error_quark, NS_SEND_ERROR_NETWORK, NETSEND_EXIT_SETUP },
    { ns_send_error_quark, NS_SEND_ERROR_NOT_SUPPORTED, NETSEND_EXIT_SETUP },
    { g_io_error_quark, G_IO_ERROR_CANCELLED, NETSEND_EXIT_INTERRUPTED },
    { g_io_error_quark, G_IO_ERROR_INVALID_DATA, NETSEND_EXIT_SETUP },
    { g_file_error_quark, G_FILE_ERROR_NOENT, NETSEND_EXIT_SETUP },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (runs); i++) {
    NsSendSummary s = { runs[i].results, runs[i].delivered, runs[i].sent, runs[i].failed, 0 };

    assert_int_equal (netsend_exit_code (&s, runs[i].interrupted), runs[i].want);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (errors); i++) {
    g_autoptr (GError) e = g_error_new_literal (errors[i].domain (), errors[i].code, "x");

    assert_int_equal (netsend_exit_code_for_error (e), errors[i].want);
  }
  assert_int_equal (netsend_exit_code_for_error (NULL), NETSEND_EXIT_OK);
}

/* ---- wording and JSON ------------------------------------------------------------ */

static void
test_lines (void **state)
{
  NsSendResult ok = { .recipient = (char *) "BOB", .outcome = NS_SEND_DELIVERED };
  NsSendResult star = { .recipient = (char *) "*", .outcome = NS_SEND_SENT };
  NsSendResult dom = { .recipient = (char *) "/domain:LAB", .outcome = NS_SEND_SENT };
  NsSendResult slot = { .recipient = (char *) "CAROL", .outcome = NS_SEND_SENT };
  NsSendResult bad = { .recipient = (char *) "DAVE", .outcome = NS_SEND_FAILED };
  NsSendSummary s1 = { 4, 3, 0, 1, 0 };
  NsSendSummary s2 = { 2, 1, 1, 0, 0 };
  g_autofree char *l1 = netsend_success_line (&ok, "WG");
  g_autofree char *l2 = netsend_success_line (&star, "WG");
  g_autofree char *l3 = netsend_success_line (&dom, "WG");
  g_autofree char *l4 = netsend_success_line (&slot, "WG");
  g_autofree char *l5 = netsend_failure_line (&bad);
  g_autofree char *l6 = netsend_summary_line (&s1);
  g_autofree char *l7 = netsend_summary_line (&s2);

  assert_string_equal (l1, "The message was successfully sent to BOB.");
  assert_string_equal (l2, "The message was successfully sent to domain WG.");
  assert_string_equal (l3, "The message was successfully sent to domain LAB.");
  assert_string_equal (l4, "The message was sent to CAROL without acknowledgement "
                           "(mailslot datagram).");
  assert_null (netsend_success_line (&bad, "WG"));
  assert_string_equal (l5, "An error occurred while sending a message to DAVE.");
  assert_string_equal (l6, "3 delivered, 1 failed");
  assert_string_equal (l7, "1 delivered, 1 sent without acknowledgement, 0 failed");
}

static JsonObject *
parse_line (const char *line, JsonParser *parser)
{
  JsonNode *root;

  assert_null (strchr (line, '\n')); /* one object, one line */
  assert_true (json_parser_load_from_data (parser, line, -1, NULL));
  root = json_parser_get_root (parser);
  assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_node_get_object (root);
}

static void
test_json_shape (void **state)
{
  NsSendResult ok = { .recipient = (char *) "BOB", .address = (char *) "10.0.0.2",
                      .transport = NS_SEND_TRANSPORT_SMB, .outcome = NS_SEND_DELIVERED,
                      .elapsed_us = 1500, .n_parts = 1, .multi_block = TRUE };
  g_autoptr (GError) err = g_error_new_literal (NS_SEND_ERROR, NS_SEND_ERROR_NAME_NOT_FOUND,
                                                "nobody answered for DAVE<03>");
  NsSendResult bad = { .recipient = (char *) "DAVE", .transport = NS_SEND_TRANSPORT_SMB,
                       .outcome = NS_SEND_FAILED, .windows_code = 2273, .error = err,
                       .elapsed_us = 2000000 };
  g_autoptr (JsonNode) n1 = netsend_result_to_json (&ok);
  g_autoptr (JsonNode) n2 = netsend_result_to_json (&bad);
  g_autoptr (JsonNode) n3 = netsend_error_to_json (err);
  g_autofree char *t1 = netsend_json_line (n1);
  g_autofree char *t2 = netsend_json_line (n2);
  g_autofree char *t3 = netsend_json_line (n3);
  g_autoptr (JsonParser) p1 = json_parser_new ();
  g_autoptr (JsonParser) p2 = json_parser_new ();
  g_autoptr (JsonParser) p3 = json_parser_new ();
  JsonObject *o1 = parse_line (t1, p1), *o2 = parse_line (t2, p2), *o3 = parse_line (t3, p3);
  static const char *const members[] = { "recipient", "address", "transport", "result",
                                         "error_code", "error_message", "time_ms", "time_us", "parts",
                                         "multi_block" };

  for (gsize i = 0; i < G_N_ELEMENTS (members); i++) {
    assert_true (json_object_has_member (o1, members[i]));
    assert_true (json_object_has_member (o2, members[i]));
  }
  assert_int_equal (json_object_get_size (o1), G_N_ELEMENTS (members));
  assert_string_equal (json_object_get_string_member (o1, "recipient"), "BOB");
  assert_string_equal (json_object_get_string_member (o1, "address"), "10.0.0.2");
  assert_string_equal (json_object_get_string_member (o1, "transport"), "smb");
  assert_string_equal (json_object_get_string_member (o1, "result"), "delivered");
  assert_int_equal (json_object_get_int_member (o1, "error_code"), 0);
  assert_true (json_object_get_null_member (o1, "error_message"));
  assert_int_equal (json_object_get_int_member (o1, "time_ms"), 2); /* 1.5 rounds up */
  assert_int_equal (json_object_get_int_member (o1, "time_us"), 1500);
  assert_true (json_object_get_boolean_member (o1, "multi_block"));

  assert_true (json_object_get_null_member (o2, "address"));
  assert_string_equal (json_object_get_string_member (o2, "result"), "failed");
  assert_int_equal (json_object_get_int_member (o2, "error_code"), 2273);
  assert_string_equal (json_object_get_string_member (o2, "error_message"),
                       "nobody answered for DAVE<03>");
  assert_int_equal (json_object_get_int_member (o2, "time_ms"), 2000);

  assert_string_equal (json_object_get_string_member (o3, "result"), "error");
  assert_int_equal (json_object_get_int_member (o3, "error_code"), 2273);
  assert_true (json_object_get_null_member (o3, "recipient"));
}

static void
test_json_failed_without_code (void **state)
{
  /* A failure the library gave no Windows code gets the code of its
   * error, so a script always sees one. */
  g_autoptr (GError) err = g_error_new_literal (NS_SEND_ERROR, NS_SEND_ERROR_TIMEOUT, "late");
  NsSendResult bad = { .recipient = (char *) "EVE", .outcome = NS_SEND_FAILED, .error = err,
                       .transport = NS_SEND_TRANSPORT_RPC };
  g_autoptr (JsonNode) n = netsend_result_to_json (&bad);
  JsonObject *o = json_node_get_object (n);

  assert_int_equal (json_object_get_int_member (o, "error_code"), 121);
  assert_string_equal (json_object_get_string_member (o, "transport"), "rpc");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_rewrite),
    cmocka_unit_test (test_classify),
    cmocka_unit_test (test_check_name_messages),
    cmocka_unit_test (test_recipient_file),
    cmocka_unit_test (test_recipient_file_errors),
    cmocka_unit_test (test_message_from_input),
    cmocka_unit_test (test_smbstatus_sessions),
    cmocka_unit_test (test_exit_codes),
    cmocka_unit_test (test_lines),
    cmocka_unit_test (test_json_shape),
    cmocka_unit_test (test_json_failed_without_code),
  };

  return cmocka_run_group_tests_name ("netsend-targets", tests, NULL, NULL);
}

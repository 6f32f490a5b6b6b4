/* SPDX-License-Identifier: GPL-3.0-or-later */

/* daemon/delivery-util.c: the hook's environment, who gets a message on
 * which terminal (a made-up utmp list and account table), the terminal
 * bytes, and the control API's message and filter dictionaries. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>

#include "daemon/config.h"
#include "delivery-util.h"

#define SEC G_GINT64_CONSTANT (1000000)
/* 2004-03-14T10:15:23Z (PROTOCOL.md §5.3's example) */
#define T_EXAMPLE (G_GINT64_CONSTANT (1079259323) * SEC)
#define FFFD "\xef\xbf\xbd"

static NsStoredMessage *
make_msg (void)
{
  NsStoredMessage *m = ns_stored_message_new ();

  m->id = 17;
  m->received_us = T_EXAMPLE + 250000;
  m->transport = NS_TRANSPORT_SMB;
  m->source = g_strdup ("192.0.2.7");
  m->port = 1030;
  m->from = g_strdup ("UPS-ROOM2");
  m->to = g_strdup ("ALICE");
  m->text = g_strdup ("Power fail.\nShutdown in 5 min \xc3\xa4");
  m->codepage = g_strdup ("CP850");
  return m;
}

/* ---- hook environment ---------------------------------------------------------- */

static void
test_hook_env (void **state)
{
  g_autoptr (NsStoredMessage) m = make_msg ();
  const char *base[] = { "PATH=/usr/bin:/bin", "NETSEND_FROM=spoofed", "LANG=C.UTF-8",
                         "NETSEND_EXTRA=x", NULL };
  g_auto (GStrv) env = ns_delivery_hook_env (m, base);
  static const char *const expect[] = {
    "PATH=/usr/bin:/bin",
    "LANG=C.UTF-8",
    "NETSEND_ID=17",
    "NETSEND_FROM=UPS-ROOM2",
    "NETSEND_TO=ALICE",
    "NETSEND_SOURCE=192.0.2.7",
    "NETSEND_PORT=1030",
    "NETSEND_TRANSPORT=smb",
    "NETSEND_TIME=2004-03-14T10:15:23.250000Z",
    "NETSEND_CODEPAGE=CP850",
  };

  /* The inherited NETSEND_* entries are gone, ours follow the base in a
   * fixed order; the text is not in the environment. */
  assert_int_equal (g_strv_length (env), G_N_ELEMENTS (expect));
  for (gsize i = 0; i < G_N_ELEMENTS (expect); i++)
    assert_string_equal (env[i], expect[i]);
}

static void
test_hook_env_neutralised (void **state)
{
  g_autoptr (NsStoredMessage) m = make_msg ();
  g_auto (GStrv) env = NULL;

  g_free (m->from);
  m->from = g_strdup ("EVIL\n\x1b[2JX");
  m->transport = NS_TRANSPORT_MAILSLOT;
  m->port = 138;
  g_clear_pointer (&m->codepage, g_free);
  env = ns_delivery_hook_env (m, NULL);
  /* One line, no escape sequence; a missing code page is empty. */
  assert_string_equal (g_environ_getenv (env, "NETSEND_FROM"), "EVIL" FFFD FFFD "X");
  assert_string_equal (g_environ_getenv (env, "NETSEND_TRANSPORT"), "mailslot");
  assert_string_equal (g_environ_getenv (env, "NETSEND_PORT"), "138");
  assert_string_equal (g_environ_getenv (env, "NETSEND_CODEPAGE"), "");
  assert_null (g_environ_getenv (env, "PATH"));
}

/* [delivery] hook is split like a shell would, but never run by one:
 * ns_daemon_config_parse_command() (config.c) gives GSubprocess its argv. */
static void
test_hook_argv (void **state)
{
  static const struct {
    const char *command;
    const char *argv[8];
  } good[] = {
    { "/usr/local/bin/on-message", { "/usr/local/bin/on-message" } },
    { "/usr/local/bin/x --tag 'net send' \"a b\" c\\ d",
      { "/usr/local/bin/x", "--tag", "net send", "a b", "c d" } },
    /* Shell syntax is just text for the program. */
    { "/bin/x; rm -rf /", { "/bin/x;", "rm", "-rf", "/" } },
    { "/bin/echo $(id) `id` $HOME | cat", { "/bin/echo", "$(id)", "`id`", "$HOME", "|", "cat" } },
    { "  /bin/true  ", { "/bin/true" } },
  };
  static const char *const bad[] = {
    "", "   ", "on-message", "./on-message", "$HOME/x", "~/x", "/bin/echo 'open", "'/bin/x",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++) {
    g_auto (GStrv) argv = NULL;
    g_autoptr (GError) error = NULL;

    if (!ns_daemon_config_parse_command (good[i].command, &argv, &error))
      fail_msg ("'%s': %s", good[i].command, error->message);
    assert_int_equal (g_strv_length (argv), g_strv_length ((char **) good[i].argv));
    for (guint j = 0; argv[j] != NULL; j++)
      assert_string_equal (argv[j], good[i].argv[j]);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    char **argv = (char **) 0x1;
    g_autoptr (GError) error = NULL;

    if (ns_daemon_config_parse_command (bad[i], &argv, &error))
      fail_msg ("'%s' accepted", bad[i]);
    assert_true (g_error_matches (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID));
    assert_ptr_equal (argv, (char **) 0x1);
  }
}

/* ---- recipients and terminals ---------------------------------------------------- */

/* The accounts of the made-up host. */
static gboolean
fake_user_exists (const char *name, gpointer user_data)
{
  static const char *const accounts[] = { "alice", "bob", "carol", "root", NULL };
  g_autofree char *lower = g_ascii_strdown (name, -1);

  g_strchomp (lower);
  return g_strv_contains (accounts, lower);
}

static gboolean
all_exist (const char *name, gpointer user_data)
{
  return TRUE;
}

static GPtrArray *
fake_utmp (void)
{
  static const char *const rows[][2] = {
    { "alice", "pts/0" }, { "bob", "pts/1" },   { "alice", "pts/2" },
    { "dave", "tty1" },   { "bob", "pts/1" },   /* the same terminal twice */
    { "carol", "../etc/passwd" },               /* not a terminal line */
    { "carol", "pts/x" }, { "", "pts/7" },      /* no user */
  };
  GPtrArray *sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_login_session_free);

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    g_ptr_array_add (sessions, ns_login_session_new (rows[i][0], rows[i][1]));
  return sessions;
}

static char *
lines_of (GPtrArray *chosen)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < chosen->len; i++) {
    NsLoginSession *x = g_ptr_array_index (chosen, i);

    g_string_append_printf (s, "%s%s:%s", i ? " " : "", x->user, x->line);
  }
  return g_string_free (s, FALSE);
}

static void
test_select_sessions (void **state)
{
  g_autoptr (GPtrArray) sessions = fake_utmp ();
  static const struct {
    const char *to;
    const char *expect;
  } cases[] = {
    /* A user's name (NetBIOS names are upper case): that user's terminals. */
    { "ALICE", "alice:pts/0 alice:pts/2" },
    { "alice", "alice:pts/0 alice:pts/2" },
    { "BOB            ", "bob:pts/1" },          /* space-padded, one line once */
    /* An account that is not logged in: nobody (it waits in the inbox). */
    { "ROOT", "" },
    /* The computer name, an alias, the workgroup, '*': everybody. */
    { "HOST7", "alice:pts/0 bob:pts/1 alice:pts/2 dave:tty1" },
    { "HELPDESK", "alice:pts/0 bob:pts/1 alice:pts/2 dave:tty1" },
    { "*", "alice:pts/0 bob:pts/1 alice:pts/2 dave:tty1" },
    { "", "alice:pts/0 bob:pts/1 alice:pts/2 dave:tty1" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GPtrArray) chosen = ns_delivery_select_sessions (cases[i].to, "HOST7", sessions,
                                                                fake_user_exists, NULL);
    g_autofree char *got = lines_of (chosen);

    if (strcmp (got, cases[i].expect) != 0)
      fail_msg ("to '%s': got '%s', wanted '%s'", cases[i].to, got, cases[i].expect);
  }
}

static void
test_is_for_user (void **state)
{
  /* The computer name wins even when an account has that name. */
  assert_true (ns_delivery_is_for_user ("BOB", "alice", "BOB", fake_user_exists, NULL));
  assert_false (ns_delivery_is_for_user ("BOB", "alice", "HOST7", fake_user_exists, NULL));
  assert_true (ns_delivery_is_for_user ("Bob", "bob", "HOST7", fake_user_exists, NULL));
  assert_true (ns_delivery_is_for_user ("ALIAS", "bob", NULL, fake_user_exists, NULL));
  /* Without a way to look accounts up, a message is everybody's. */
  assert_true (ns_delivery_is_for_user ("CAROL", "bob", NULL, NULL, NULL));
  /* Names are case-folded beyond ASCII (CP850 names). */
  assert_true (ns_delivery_is_for_user ("J\xc3\x96RG", "j\xc3\xb6rg", NULL, all_exist, NULL));
  assert_false (ns_delivery_is_for_user ("J\xc3\x96RG", "bob", NULL, all_exist, NULL));
}

static void
test_tty_path (void **state)
{
  static const struct {
    const char *line;
    const char *path;
  } cases[] = {
    { "pts/0", "/dev/pts/0" },   { "pts/123", "/dev/pts/123" }, { "tty1", "/dev/tty1" },
    { "ttyS0", "/dev/ttyS0" },   { "pts/", NULL },              { "pts/1a", NULL },
    { "pts/../x", NULL },        { "tty", NULL },               { "tty1/..", NULL },
    { "../dev/sda", NULL },      { "console", NULL },           { ":0", NULL },
    { "", NULL },                { "pts/-1", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *path = ns_delivery_tty_path (cases[i].line);

    if (g_strcmp0 (path, cases[i].path) != 0)
      fail_msg ("line '%s': got %s", cases[i].line, path ? path : "NULL");
  }
  assert_null (ns_delivery_tty_path (NULL));
  assert_null (ns_delivery_tty_path ("pts/000000000000000000000000000000001"));
}

static void
test_tty_allowed (void **state)
{
  const char *why = NULL;

  /* crw--w---- alice: mesg y */
  assert_true (ns_delivery_tty_allowed (S_IFCHR | 0620, 1000, 1000, &why));
  assert_null (why);
  /* crw------- alice: mesg n */
  assert_false (ns_delivery_tty_allowed (S_IFCHR | 0600, 1000, 1000, &why));
  assert_string_equal (why, "messages are off (mesg n)");
  /* Someone else's terminal (a stale utmp record). */
  assert_false (ns_delivery_tty_allowed (S_IFCHR | 0620, 0, 1000, &why));
  assert_string_equal (why, "owned by another user");
  /* A regular file behind a symlink trick. */
  assert_false (ns_delivery_tty_allowed (S_IFREG | 0666, 1000, 1000, &why));
  assert_string_equal (why, "not a terminal device");
  assert_false (ns_delivery_tty_allowed (S_IFCHR | 0620, 1000, 1001, NULL));
}

static void
test_terminal_text (void **state)
{
  g_autoptr (NsStoredMessage) m = make_msg ();
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GBytes) bytes = NULL;
  static const char expect[] =
    "\r\n\a"
    "Message from UPS-ROOM2 to ALICE on 3/14/2004 10:15:23 AM\r\n"
    "\r\n"
    "Power fail.\r\n"
    "Shutdown in 5 min \xc3\xa4\r\n";
  gsize len = 0;
  const char *data;

  bytes = ns_delivery_terminal_text (m, utc);
  data = g_bytes_get_data (bytes, &len);
  assert_int_equal (len, strlen (expect));
  assert_memory_equal (data, expect, len);
}

static void
test_terminal_text_hostile (void **state)
{
  g_autoptr (NsStoredMessage) m = make_msg ();
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *text = NULL;
  GString *big = g_string_new (NULL);

  /* Escape sequences (title change, screen clear), a lone CR that would
   * overwrite the header, BEL, DEL, C1 CSI: none reaches the terminal. */
  g_free (m->text);
  m->text = g_strdup ("a\x1b]0;owned\x07" "b\rc\x1b[2Jd\x07\x7f\xc2\x9b" "31me");
  bytes = ns_delivery_terminal_text (m, utc);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  /* Only our own bell, at the start. */
  assert_ptr_equal (strchr (text, '\a'), text + 2);
  assert_null (strchr (text + 3, '\a'));
  assert_null (strchr (text, '\x1b'));
  assert_null (strstr (text, "\xc2\x9b"));
  assert_null (strchr (text, '\x7f'));
  /* Every CR is part of a CR LF. */
  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\r')
      assert_int_equal (p[1], '\n');
  g_clear_pointer (&bytes, g_bytes_unref);
  g_clear_pointer (&text, g_free);

  /* Long text is cut at what Windows shows. */
  for (int i = 0; i < 5000; i++)
    g_string_append_c (big, 'x');
  g_free (m->text);
  m->text = g_string_free (big, FALSE);
  bytes = ns_delivery_terminal_text (m, utc);
  assert_true (g_bytes_get_size (bytes) < 4095 + 200);
  assert_true (g_bytes_get_size (bytes) > 4095);
}

/* ---- control API ------------------------------------------------------------------ */

static void
test_message_variant_round_trip (void **state)
{
  g_autoptr (NsStoredMessage) m = make_msg ();
  g_autoptr (GVariant) v = g_variant_ref_sink (ns_delivery_message_to_variant (m));
  g_autoptr (NsStoredMessage) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *printed = g_variant_print (v, TRUE);

  assert_string_equal (printed,
    "{'id': <uint64 17>, 'time': <int64 1079259323250000>, 'from': <'UPS-ROOM2'>, "
    "'to': <'ALICE'>, 'text': <'Power fail.\\nShutdown in 5 min \xc3\xa4'>, "
    "'source': <'192.0.2.7'>, 'port': <uint16 1030>, 'transport': <'smb'>, "
    "'codepage': <'CP850'>}");
  back = ns_delivery_message_from_variant (v, &error);
  assert_non_null (back);
  assert_int_equal (back->id, 17);
  assert_int_equal (back->received_us, m->received_us);
  assert_string_equal (back->from, m->from);
  assert_string_equal (back->to, m->to);
  assert_string_equal (back->text, m->text);
  assert_string_equal (back->source, m->source);
  assert_int_equal (back->port, 1030);
  assert_int_equal (back->transport, NS_TRANSPORT_SMB);
  assert_string_equal (back->codepage, "CP850");
}

static void
test_message_variant_errors (void **state)
{
  static const char *const bad[] = {
    "{'time': <int64 1>, 'from': <'A'>, 'to': <'B'>, 'text': <'t'>}",               /* no id */
    "{'id': <17>, 'time': <int64 1>, 'from': <'A'>, 'to': <'B'>, 'text': <'t'>}",   /* int32 id */
    "{'id': <uint64 1>, 'time': <int64 1>, 'from': <'A'>, 'to': <'B'>}",            /* no text */
    "{'id': <uint64 1>, 'time': <int64 1>, 'from': <'A'>, 'to': <'B'>, 'text': <'t'>, "
    "'port': <'139'>}",                                                              /* port */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GVariant) v = g_variant_parse (G_VARIANT_TYPE_VARDICT, bad[i], NULL, NULL, NULL);
    g_autoptr (GError) error = NULL;
    g_autoptr (NsStoredMessage) msg = NULL;

    assert_non_null (v);
    msg = ns_delivery_message_from_variant (v, &error);
    assert_null (msg);
    assert_true (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
  }
  {
    /* Optional fields absent, unknown keys and transports tolerated. */
    g_autoptr (GVariant) v = g_variant_parse (G_VARIANT_TYPE_VARDICT,
      "{'id': <uint64 5>, 'time': <int64 -1>, 'from': <'A'>, 'to': <'B'>, 'text': <''>, "
      "'transport': <'pigeon'>, 'later': <42>}", NULL, NULL, NULL);
    g_autoptr (NsStoredMessage) msg = ns_delivery_message_from_variant (v, NULL);

    assert_non_null (msg);
    assert_int_equal (msg->id, 5);
    assert_int_equal (msg->received_us, -1);
    assert_null (msg->source);
    assert_null (msg->codepage);
    assert_int_equal (msg->transport, NS_TRANSPORT_SMB);
  }
}

static void
test_message_from_signal (void **state)
{
  g_autoptr (GVariant) args = g_variant_ref_sink (
    g_variant_new ("(txsssss)", (guint64) 9, (gint64) 77, "F", "T", "hi", "10.0.0.1", "rpc"));
  g_autoptr (GVariant) wrong = g_variant_ref_sink (g_variant_new ("(ts)", (guint64) 9, "x"));
  g_autoptr (NsStoredMessage) msg = ns_delivery_message_from_signal (args);

  assert_non_null (msg);
  assert_int_equal (msg->id, 9);
  assert_int_equal (msg->received_us, 77);
  assert_string_equal (msg->from, "F");
  assert_string_equal (msg->to, "T");
  assert_string_equal (msg->text, "hi");
  assert_string_equal (msg->source, "10.0.0.1");
  assert_int_equal (msg->transport, NS_TRANSPORT_RPC);
  assert_null (ns_delivery_message_from_signal (wrong));
  assert_null (ns_delivery_message_from_signal (NULL));
}

static void
test_filter (void **state)
{
  static const struct {
    const char *text;
    gint64 since, after;
    const char *from;
    guint limit;
  } good[] = {
    { "@a{sv} {}", 0, 0, NULL, NS_DELIVERY_LIST_MAX },
    { "{'since': <int64 1000>, 'from': <'UPS*'>, 'after-id': <uint64 7>, 'limit': <uint32 5>}",
      1000, 7, "UPS*", 5 },
    /* Any integer type (gdbus call writes <5> as int32). */
    { "{'limit': <5>, 'after-id': <byte 3>}", 0, 3, NULL, 5 },
    { "{'limit': <uint64 99999999>}", 0, 0, NULL, NS_DELIVERY_LIST_MAX },
    { "{'limit': <0>}", 0, 0, NULL, NS_DELIVERY_LIST_MAX },
  };
  static const struct {
    const char *text;
    const char *error;
  } bad[] = {
    { "{'sinse': <int64 1>}", "unknown key \"sinse\"" },
    { "{'since': <int64 -1>}", "\"since\" must not be negative" },
    { "{'from': <5>}", "\"from\" must be a string" },
    { "{'limit': <'ten'>}", "\"limit\" must be an integer" },
    { "{'after-id': <2.5>}", "\"after-id\" must be an integer" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autoptr (GVariant) v = g_variant_parse (G_VARIANT_TYPE_VARDICT, good[i].text, NULL, NULL,
                                              NULL);
    NsStoreQuery q;

    assert_non_null (v);
    assert_true (ns_delivery_parse_filter (v, &q, NULL));
    assert_int_equal (q.since_us, good[i].since);
    assert_int_equal (q.after_id, good[i].after);
    assert_string_equal (q.from ? q.from : "(null)", good[i].from ? good[i].from : "(null)");
    assert_int_equal (q.limit, good[i].limit);
    assert_false (q.include_refused);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GVariant) v = g_variant_parse (G_VARIANT_TYPE_VARDICT, bad[i].text, NULL, NULL,
                                              NULL);
    g_autoptr (GError) error = NULL;
    NsStoreQuery q = { .limit = 12345 };

    assert_non_null (v);
    assert_false (ns_delivery_parse_filter (v, &q, &error));
    assert_true (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
    if (strstr (error->message, bad[i].error) == NULL)
      fail_msg ("%s: error '%s' lacks '%s'", bad[i].text, error->message, bad[i].error);
    /* All or nothing: the output is untouched. */
    assert_int_equal (q.limit, 12345);
  }
}

static void
test_filter_round_trip (void **state)
{
  NsStoreQuery q = { .since_us = 5 * SEC, .after_id = 9, .from = "BOB", .limit = 3 };
  NsStoreQuery empty = { 0 };
  g_autoptr (GVariant) v = g_variant_ref_sink (ns_delivery_filter_to_variant (&q));
  g_autoptr (GVariant) e = g_variant_ref_sink (ns_delivery_filter_to_variant (&empty));
  NsStoreQuery back;

  assert_true (ns_delivery_parse_filter (v, &back, NULL));
  assert_int_equal (back.since_us, q.since_us);
  assert_int_equal (back.after_id, q.after_id);
  assert_string_equal (back.from, "BOB");
  assert_int_equal (back.limit, 3);
  assert_int_equal (g_variant_n_children (e), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_hook_env),
    cmocka_unit_test (test_hook_env_neutralised),
    cmocka_unit_test (test_hook_argv),
    cmocka_unit_test (test_select_sessions),
    cmocka_unit_test (test_is_for_user),
    cmocka_unit_test (test_tty_path),
    cmocka_unit_test (test_tty_allowed),
    cmocka_unit_test (test_terminal_text),
    cmocka_unit_test (test_terminal_text_hostile),
    cmocka_unit_test (test_message_variant_round_trip),
    cmocka_unit_test (test_message_variant_errors),
    cmocka_unit_test (test_message_from_signal),
    cmocka_unit_test (test_filter),
    cmocka_unit_test (test_filter_round_trip),
  };

  return cmocka_run_group_tests_name ("delivery-util", tests, NULL, NULL);
}

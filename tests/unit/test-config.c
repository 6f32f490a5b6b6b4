/* SPDX-License-Identifier: GPL-3.0-or-later */

/* daemon/config.c: table-driven valid and invalid key files. Expectations
 * of valid files are written as the "[group] key = value" the config gives
 * back (ns_daemon_config_to_data), so one table covers every key type. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "daemon/config.h"
#include <netsend/ns-errors.h>

typedef struct {
  const char *group;
  const char *key;
  const char *value; /* NULL: the key must be absent */
} Expect;

typedef struct {
  const char *what;
  const char *text;
  Expect expect[6];
  const char *warning; /* substring of one warning, or NULL for none */
} ValidCase;

static const ValidCase valid_cases[] = {
  { "empty file: defaults", "",
    { { "netbios", "workgroup", "WORKGROUP" }, { "netbios", "interfaces", "" },
      { "netbios", "node-type", "b" }, { "ports", "name-service", "137" },
      { "control", "socket", "/run/netsend/control" }, { "policy", "allow", NULL } }, NULL },
  { "defaults 2", "# only a comment\n",
    { { "ports", "datagram", "138" }, { "ports", "session", "139" }, { "ports", "rpc", "135" },
      { "control", "admin-group", "netsend-admin" }, { "daemon", "user", "netsend" },
      { "daemon", "log-level", "message" } }, NULL },
  { "names are upper-cased",
    "[netbios]\nname = pc-07\nworkgroup = lab\naliases = bob, Carol;dave\n",
    { { "netbios", "name", "PC-07" }, { "netbios", "workgroup", "LAB" },
      { "netbios", "aliases", "BOB, CAROL, DAVE" } }, NULL },
  { "15-byte name", "[netbios]\nname = ABCDEFGHIJKLMNO\n",
    { { "netbios", "name", "ABCDEFGHIJKLMNO" } }, NULL },
  { "name with an inner space", "[netbios]\nname = MY PC\n",
    { { "netbios", "name", "MY PC" } }, NULL },
  { "duplicate alias dropped", "[netbios]\nname = PC\naliases = bob, BOB, pc\n",
    { { "netbios", "aliases", "BOB" } }, "listed twice" },
  { "interfaces by name and address",
    "[netbios]\ninterfaces = lo 127.0.0.2, eth0;192.0.2.1\n",
    { { "netbios", "interfaces", "lo, 127.0.0.2, eth0, 192.0.2.1" } }, NULL },
  { "wins makes an h-node", "[netbios]\nwins-server = 192.0.2.10\n",
    { { "netbios", "node-type", "h" }, { "netbios", "wins-server", "192.0.2.10" } }, NULL },
  { "explicit p-node with wins", "[netbios]\nwins-server = 10.0.0.1 10.0.0.2\nnode-type = P\n",
    { { "netbios", "node-type", "p" }, { "netbios", "wins-server", "10.0.0.1, 10.0.0.2" } },
    NULL },
  { "b-node ignores wins", "[netbios]\nwins-server = 10.0.0.1\nnode-type = b\n",
    { { "netbios", "node-type", "b" } }, "not used by a b-node" },
  { "scope", "[netbios]\nscope = netbios.com\n", { { "netbios", "scope", "netbios.com" } },
    NULL },
  { "ports 0 disables, unprivileged",
    "[ports]\nname-service = 10137\ndatagram = 10138\nsession = 0\nrpc = 0\n",
    { { "ports", "name-service", "10137" }, { "ports", "datagram", "10138" },
      { "ports", "session", "0" }, { "ports", "rpc", "0" } }, NULL },
  { "control", "[control]\nsocket = /tmp/x/ctl\nadmin-group = wheel\nsystem-bus = NO\n",
    { { "control", "socket", "/tmp/x/ctl" }, { "control", "admin-group", "wheel" },
      { "control", "system-bus", "no" } }, NULL },
  { "daemon", "[daemon]\nuser = nobody\nlog-level = Debug\n",
    { { "daemon", "user", "nobody" }, { "daemon", "log-level", "debug" } }, NULL },
  { "policy lists", "[policy]\nallow = 10.0.0.0/8, 127.0.0.1\nallow-senders =\n"
    "deny-senders = spam*\nmax-message-bytes = 1600\n",
    { { "policy", "allow", "10.0.0.0/8, 127.0.0.1" }, { "policy", "allow-senders", "" },
      { "policy", "deny-senders", "spam*" }, { "policy", "recipients", NULL },
      { "policy", "max-message-bytes", "1600" } }, NULL },
  { "unknown key", "[netbios]\nnmae = X\n", { { "netbios", "workgroup", "WORKGROUP" } },
    "unknown key 'nmae'" },
  { "unknown group", "[netbois]\nname = X\n", { { "netbios", "workgroup", "WORKGROUP" } },
    "unknown group [netbois]" },
  { "delivery defaults", "",
    { { "delivery", "hook", "" }, { "delivery", "hook-timeout", "10" },
      { "delivery", "hook-user", NULL }, { "delivery", "terminals", "false" },
      { "delivery", "notify-urgency", "critical" } }, NULL },
  { "delivery keys",
    "[delivery]\nhook = /usr/local/bin/on-message --tag 'net send' \"a b\"\nhook-timeout = 3600\n"
    "hook-user = nobody\nterminals = yes\nnotify-urgency = Normal\n",
    { { "delivery", "hook", "/usr/local/bin/on-message --tag 'net send' \"a b\"" },
      { "delivery", "hook-timeout", "3600" }, { "delivery", "hook-user", "nobody" },
      { "delivery", "terminals", "true" }, { "delivery", "notify-urgency", "normal" } }, NULL },
  { "[delivery] is checked here", "[store]\npath = /x\n[delivery]\nwhatever = 1\n",
    { { "netbios", "workgroup", "WORKGROUP" } }, "[delivery] unknown key 'whatever'" },
  { "receiver defaults", "[netbios]\ndos-charset = CP866\n",
    { { "text", "codepage", "CP866" }, { "limits", "per-source-rate", "10" },
      { "store", "path", "/var/lib/netsend/inbox.db" }, { "rpc", "enabled", "false" },
      { "ports", "direct-445", "0" }, { "policy", "verify-sender", "false" } }, NULL },
  { "receiver keys", "[policy]\nverify-sender = YES\n[limits]\nglobal-rate = 2.5\n"
    "max-connections = 0\n[store]\nmax-size = 1048576\n[rpc]\nenabled = 1\n"
    "[ports]\ndirect-445 = 10445\n[text]\ncodepage = CP850\n",
    { { "policy", "verify-sender", "true" }, { "limits", "global-rate", "2.5" },
      { "limits", "max-connections", "0" }, { "store", "max-size", "1048576" },
      { "rpc", "enabled", "true" }, { "ports", "direct-445", "10445" } }, NULL },
  { "unknown receiver key", "[store]\npaht = /x\n", { { "store", "max-messages", "100000" } },
    "[store] unknown key 'paht'" },
  { "localised key is unknown", "[netbios]\nname[de] = X\n",
    { { "netbios", "workgroup", "WORKGROUP" } }, "unknown key 'name[de]'" },
  { "browse defaults", "",
    { { "browse", "announce", "true" }, { "browse", "comment", "netsend" },
      { "browse", "remote-announce", "" } }, NULL },
  { "browse keys",
    "[browse]\nannounce = no\ncomment = Grüße vom Drucker\n"
    "remote-announce = 192.0.2.7/other, 198.51.100.255 10.1.2.3/WORKGROUP\n",
    { { "browse", "announce", "false" }, { "browse", "comment", "Grüße vom Drucker" },
      { "browse", "remote-announce", "192.0.2.7/OTHER, 198.51.100.255, 10.1.2.3/WORKGROUP" } },
    NULL },
  { "browse comment of 42 bytes, empty comment",
    "[browse]\ncomment = 123456789012345678901234567890123456789012\n",
    { { "browse", "comment", "123456789012345678901234567890123456789012" } }, NULL },
  { "empty browse comment", "[browse]\ncomment =\n", { { "browse", "comment", "" } }, NULL },
  { "unknown browse key", "[browse]\nannounce-interval = 5\n",
    { { "browse", "announce", "true" } }, "[browse] unknown key 'announce-interval'" },
};

typedef struct {
  const char *what;
  const char *text;
  const char *error; /* substring of the error message */
  int code;
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "not a key file", "name = x\n", "not a valid key file", NS_DAEMON_CONFIG_ERROR_SYNTAX },
  { "bad line", "[netbios]\njunk\n", "not a valid key file", NS_DAEMON_CONFIG_ERROR_SYNTAX },
  { "name too long", "[netbios]\nname = ABCDEFGHIJKLMNOP\n", "[netbios] name: 'ABCDEFGHIJKLMNOP'",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "empty name", "[netbios]\nname =\n", "[netbios] name:", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "name with '*'", "[netbios]\nname = A*B\n", "[netbios] name:",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "alias too long", "[netbios]\naliases = OK, WAYTOOLONGALIASNAME\n",
    "[netbios] aliases: 'WAYTOOLONGALIASNAME'", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "workgroup = name", "[netbios]\nname = LAB\nworkgroup = lab\n",
    "[netbios] workgroup: must differ", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "ipv6 interface", "[netbios]\ninterfaces = ::1\n", "[netbios] interfaces: '::1' is not an IPv4",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "interface name too long", "[netbios]\ninterfaces = averyveryverylongname\n",
    "[netbios] interfaces:", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "bad scope", "[netbios]\nscope = a..b\n", "[netbios] scope:", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "node type", "[netbios]\nnode-type = x\n", "[netbios] node-type: 'x' is not one of b, p, m, h",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "p-node without wins", "[netbios]\nnode-type = p\n", "a p-node needs a wins-server",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "bad wins", "[netbios]\nwins-server = 10.0.0.300\n", "[netbios] wins-server: '10.0.0.300'",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "wins 0.0.0.0", "[netbios]\nwins-server = 0.0.0.0\n", "[netbios] wins-server:",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "bool not a bool", "[browse]\nannounce = maybe\n",
    "[browse] announce: 'maybe' is not one of true, false (or yes, no, 1, 0, on, off)",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "wins limited broadcast", "[netbios]\nwins-server = 255.255.255.255\n",
    "[netbios] wins-server: '255.255.255.255' is not a unicast", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "wins listed twice", "[netbios]\nwins-server = 10.0.0.1 10.0.0.2 10.0.0.1\n",
    "[netbios] wins-server: '10.0.0.1' is listed twice", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "wins too many", "[netbios]\nwins-server = 10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 "
    "10.0.0.6 10.0.0.7 10.0.0.8 10.0.0.9 10.0.0.10 10.0.0.11 10.0.0.12 10.0.0.13\n",
    "[netbios] wins-server: 13 servers, at most 12", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "charset", "[netbios]\ndos-charset = NOPE-42\n", "[netbios] dos-charset: 'NOPE-42'",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "port too big", "[ports]\nname-service = 65536\n", "[ports] name-service: '65536' is not a number",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "port negative", "[ports]\nrpc = -1\n", "[ports] rpc:", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "port not a number", "[ports]\nsession = 13x\n", "[ports] session:",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "port clash", "[ports]\nname-service = 10137\ndatagram = 10137\n",
    "[ports] datagram: port 10137 is already used", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "relative socket", "[control]\nsocket = run/ctl\n", "[control] socket: 'run/ctl'",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "hook not absolute", "[delivery]\nhook = notify-send x\n",
    "[delivery] hook: 'notify-send': the program must be an absolute path",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "hook unbalanced quote", "[delivery]\nhook = /bin/echo 'a\n", "[delivery] hook:",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "hook-timeout 0", "[delivery]\nhook-timeout = 0\n", "[delivery] hook-timeout: '0'",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "hook-timeout too long", "[delivery]\nhook-timeout = 3601\n", "[delivery] hook-timeout:",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "hook-user empty", "[delivery]\nhook-user =\n", "[delivery] hook-user:",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "terminals", "[delivery]\nterminals = sometimes\n", "[delivery] terminals: 'sometimes'",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "urgency", "[delivery]\nnotify-urgency = urgent\n",
    "[delivery] notify-urgency: 'urgent' is not one of low, normal, critical",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "bad group name", "[control]\nadmin-group = a b\n", "[control] admin-group: 'a b'",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "bus mode", "[control]\nsystem-bus = maybe\n", "[control] system-bus: 'maybe' is not one of",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "user with dash", "[daemon]\nuser = -root\n", "[daemon] user:", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "log level", "[daemon]\nlog-level = loud\n", "[daemon] log-level: 'loud'",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "policy cidr", "[policy]\nallow = 10.0.0.0/33\n", "[policy] allow:",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "max message 0", "[policy]\nmax-message-bytes = 0\n", "[policy] max-message-bytes:",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "bad escape", "[netbios]\nname = A\\qB\n", "[netbios] name:", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "bad bool", "[rpc]\nenabled = maybe\n", "[rpc] enabled: 'maybe'", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "bad rate", "[limits]\nper-source-rate = 1e3\n", "[limits] per-source-rate: '1e3'",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "negative rate", "[limits]\nglobal-rate = -1\n", "[limits] global-rate:",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "relative store", "[store]\npath = inbox.db\n", "[store] path:", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "direct port clash", "[ports]\nsession = 10139\ndirect-445 = 10139\n",
    "[ports] direct-445: port 10139 is already used", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "bad codepage", "[text]\ncodepage = NOPE-7\n", "[text] codepage: 'NOPE-7'",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "browse announce", "[browse]\nannounce = often\n", "[browse] announce: 'often'",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "comment too long", "[browse]\ncomment = 1234567890123456789012345678901234567890123\n",
    "[browse] comment: '1234567890123456789012345678901234567890123' is 43 bytes in CP850",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "comment too long in OEM bytes", "[netbios]\ndos-charset = UTF-8\n"
    "[browse]\ncomment = ääääääääääääääääääääää\n", "is 44 bytes in UTF-8",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "comment not in the code page", "[browse]\ncomment = Привет\n",
    "[browse] comment: 'Привет' cannot be written in CP850", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "comment with a tab", "[browse]\ncomment = a\\tb\n", "has a control character",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "remote-announce not an address", "[browse]\nremote-announce = master.lan\n",
    "[browse] remote-announce: 'master.lan' is not IPv4-ADDRESS or IPv4-ADDRESS/WORKGROUP",
    NS_DAEMON_CONFIG_ERROR_INVALID },
  { "remote-announce ipv6", "[browse]\nremote-announce = ::1/WG\n",
    "[browse] remote-announce: '::1/WG'", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "remote-announce bad workgroup", "[browse]\nremote-announce = 10.0.0.1/ABCDEFGHIJKLMNOP\n",
    "[browse] remote-announce: '10.0.0.1/ABCDEFGHIJKLMNOP': workgroup", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "remote-announce empty workgroup", "[browse]\nremote-announce = 10.0.0.1/\n",
    "[browse] remote-announce: '10.0.0.1/'", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "remote-announce limited broadcast", "[browse]\nremote-announce = 255.255.255.255\n",
    "[browse] remote-announce: '255.255.255.255': the limited broadcast", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "remote-announce listed twice", "[browse]\nremote-announce = 10.0.0.1/wg, 10.0.0.2 10.0.0.1/WG\n",
    "[browse] remote-announce: '10.0.0.1/WG' is listed twice", NS_DAEMON_CONFIG_ERROR_INVALID },
  { "remote-announce 0.0.0.0", "[browse]\nremote-announce = 0.0.0.0\n",
    "[browse] remote-announce: '0.0.0.0'", NS_DAEMON_CONFIG_ERROR_INVALID },
};

static void
check_expect (const char *what, const NsDaemonConfig *cfg, const Expect *e)
{
  g_autofree char *data = ns_daemon_config_to_data (cfg);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *value = NULL;

  assert_true (g_key_file_load_from_data (kf, data, (gsize) -1, G_KEY_FILE_NONE, NULL));
  value = g_key_file_get_string (kf, e->group, e->key, NULL);
  if (g_strcmp0 (value, e->value) != 0)
    fail_msg ("%s: [%s] %s: expected '%s', got '%s'", what, e->group, e->key,
              e->value ? e->value : "(absent)", value ? value : "(absent)");
}

static void
test_valid (void **state)
{
  for (gsize i = 0; i < G_N_ELEMENTS (valid_cases); i++) {
    const ValidCase *c = &valid_cases[i];
    g_autoptr (NsDaemonConfig) cfg = NULL;
    g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
    g_autoptr (GError) error = NULL;
    gboolean found = FALSE;

    if (!ns_daemon_config_load_data (c->text, -1, &cfg, warnings, &error))
      fail_msg ("%s: %s", c->what, error->message);
    for (gsize j = 0; j < G_N_ELEMENTS (c->expect) && c->expect[j].group != NULL; j++)
      check_expect (c->what, cfg, &c->expect[j]);
    for (guint j = 0; j < warnings->len; j++)
      found |= c->warning != NULL && strstr (g_ptr_array_index (warnings, j), c->warning) != NULL;
    if (c->warning == NULL && warnings->len > 0)
      fail_msg ("%s: unexpected warning '%s'", c->what, (char *) g_ptr_array_index (warnings, 0));
    if (c->warning != NULL && !found)
      fail_msg ("%s: no warning containing '%s'", c->what, c->warning);
  }
}

static void
test_invalid (void **state)
{
  for (gsize i = 0; i < G_N_ELEMENTS (invalid_cases); i++) {
    const InvalidCase *c = &invalid_cases[i];
    NsDaemonConfig *cfg = (NsDaemonConfig *) &cfg; /* sentinel: must stay untouched */
    g_autoptr (GError) error = NULL;

    if (ns_daemon_config_load_data (c->text, -1, &cfg, NULL, &error))
      fail_msg ("%s: accepted", c->what);
    assert_true (cfg == (NsDaemonConfig *) &cfg);
    assert_true (g_error_matches (error, NS_DAEMON_CONFIG_ERROR, c->code));
    if (strstr (error->message, c->error) == NULL)
      fail_msg ("%s: error '%s' lacks '%s'", c->what, error->message, c->error);
  }
}

static void
test_all_errors_at_once (void **state)
{
  g_autoptr (NsDaemonConfig) cfg = NULL;
  g_autoptr (GError) error = NULL;

  assert_false (ns_daemon_config_load_data ("[ports]\nrpc = x\n[daemon]\nlog-level = y\n", -1,
                                            &cfg, NULL, &error));
  assert_non_null (strstr (error->message, "[ports] rpc:"));
  assert_non_null (strstr (error->message, "\n[daemon] log-level:"));
}

static void
test_default_name (void **state)
{
  static const struct { const char *host, *name; } cases[] = {
    { "alice", "ALICE" },
    { "web-01.example.org", "WEB-01" },
    { "averyveryverylonghostname", "AVERYVERYVERYLO" },
    { "odd*name", "ODD-NAME" },
    { "", "NETSEND" },
    { ".starts-with-dot", "NETSEND" },
    { NULL, "NETSEND" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = ns_daemon_config_default_name (cases[i].host);

    assert_string_equal (name, cases[i].name);
  }
}

static void
test_default_config (void **state)
{
  g_autoptr (NsDaemonConfig) cfg = ns_daemon_config_new_default ();
  g_autofree char *expected = ns_daemon_config_default_name (g_get_host_name ());

  assert_string_equal (cfg->name, expected);
  assert_string_equal (cfg->workgroup, "WORKGROUP");
  assert_null (cfg->aliases[0]);
  assert_null (cfg->interfaces[0]);
  assert_int_equal (cfg->node_type, NS_NODE_TYPE_B);
  assert_int_equal (cfg->name_service_port, 137);
  assert_int_equal (cfg->system_bus, NS_SYSTEM_BUS_AUTO);
  assert_int_equal (cfg->log_level, G_LOG_LEVEL_MESSAGE);
  assert_null (cfg->policy_allow);
  assert_int_equal (cfg->max_message_bytes, 4095);
  assert_non_null (cfg->keyfile);
}

static void
test_round_trip (void **state)
{
  static const char text[] =
    "[netbios]\nname = pc\nworkgroup = lab\naliases = a, b\ninterfaces = lo\n"
    "scope = x.y\nwins-server = 10.0.0.1\n[ports]\nsession = 0\n"
    "[policy]\nallow =\ndeny-senders = x*\n";
  g_autoptr (NsDaemonConfig) a = NULL;
  g_autoptr (NsDaemonConfig) b = NULL;
  g_autofree char *data = NULL;

  assert_true (ns_daemon_config_load_data (text, -1, &a, NULL, NULL));
  data = ns_daemon_config_to_data (a);
  assert_true (ns_daemon_config_load_data (data, -1, &b, NULL, NULL));
  assert_true (ns_daemon_config_equal (a, b));
  /* "allow =" (no source) is not the same as an absent allow. */
  assert_non_null (b->policy_allow);
  assert_null (b->policy_allow[0]);
}

static void
test_restart_keys (void **state)
{
  g_autoptr (NsDaemonConfig) a = NULL;
  g_autoptr (NsDaemonConfig) b = NULL;
  g_autoptr (GPtrArray) keys = NULL;

  assert_true (ns_daemon_config_load_data ("[netbios]\nname=A\naliases=X\n", -1, &a, NULL, NULL));
  assert_true (ns_daemon_config_load_data ("[netbios]\nname=B\naliases=Y\n[ports]\nrpc=0\n"
                                           "[daemon]\nlog-level=debug\n", -1, &b, NULL, NULL));
  keys = ns_daemon_config_restart_keys (a, b);
  /* aliases and log-level apply live; name and the port need a restart. */
  assert_int_equal (keys->len, 2);
  assert_string_equal (g_ptr_array_index (keys, 0), "[netbios] name");
  assert_string_equal (g_ptr_array_index (keys, 1), "[ports] rpc");
  assert_false (ns_daemon_config_equal (a, b));
}

static void
test_missing_file (void **state)
{
  g_autoptr (NsDaemonConfig) cfg = NULL;
  g_autoptr (GError) error = NULL;

  assert_false (ns_daemon_config_load_file ("/nonexistent/netsendd.conf", &cfg, NULL, &error));
  assert_true (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
  assert_null (cfg);
}

static void
test_file_error_names_path (void **state)
{
  g_autofree char *path = NULL;
  g_autoptr (NsDaemonConfig) cfg = NULL;
  g_autoptr (GError) error = NULL;
  int fd = g_file_open_tmp ("test-config-XXXXXX.conf", &path, NULL);

  assert_true (fd >= 0);
  close (fd);
  assert_true (g_file_set_contents (path, "[ports]\nrpc = 70000\n", -1, NULL));
  assert_false (ns_daemon_config_load_file (path, &cfg, NULL, &error));
  assert_true (g_str_has_prefix (error->message, path));
  assert_non_null (strstr (error->message, "[ports] rpc:"));
  g_unlink (path);
}

static void
test_take_live (void **state)
{
  g_autoptr (NsDaemonConfig) running = NULL;
  NsDaemonConfig *reloaded = NULL;

  assert_true (ns_daemon_config_load_data ("[netbios]\nname=A\naliases=X\n[control]\n"
                                           "admin-group=one\n", -1, &running, NULL, NULL));
  assert_true (ns_daemon_config_load_data ("[netbios]\nname=B\naliases=Y,Z\n[control]\n"
                                           "admin-group=two\n[daemon]\nlog-level=debug\n"
                                           "[ports]\nrpc=0\n[policy]\nallow=10.0.0.0/8\n",
                                           -1, &reloaded, NULL, NULL));
  ns_daemon_config_take_live (running, reloaded);
  /* Live keys move over, restart keys stay. */
  assert_string_equal (running->aliases[0], "Y");
  assert_string_equal (running->aliases[1], "Z");
  assert_string_equal (running->admin_group, "two");
  assert_int_equal (running->log_level, G_LOG_LEVEL_DEBUG);
  assert_string_equal (running->policy_allow[0], "10.0.0.0/8");
  assert_string_equal (running->name, "A");
  assert_int_equal (running->rpc_port, 135);
}

/* The shipped example (daemon/netsendd.conf) documents every default as a
 * commented "#key = value" line: it must load without warnings, and with
 * those lines uncommented it must still be the default configuration. */
static void
test_example_config (void **state)
{
  const char *root = g_getenv ("NETSEND_SOURCE_ROOT");
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GRegex) regex = NULL;
  g_autofree char *uncommented = NULL;
  g_autoptr (NsDaemonConfig) as_shipped = NULL;
  g_autoptr (NsDaemonConfig) explicit = NULL;
  g_autoptr (NsDaemonConfig) defaults = ns_daemon_config_new_default ();
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  if (root == NULL)
    skip ();
  path = g_build_filename (root, "daemon", "netsendd.conf", NULL);
  assert_true (g_file_get_contents (path, &text, NULL, NULL));
  assert_true (ns_daemon_config_load_data (text, -1, &as_shipped, warnings, NULL));
  assert_int_equal (warnings->len, 0);
  assert_true (ns_daemon_config_equal (as_shipped, defaults));
  /* Only lines with a value: "#name =" means "computed", "#allow =" absent. */
  regex = g_regex_new ("^#([a-z-]+ = \\S.*)$", G_REGEX_MULTILINE, 0, NULL);
  uncommented = g_regex_replace (regex, text, -1, 0, "\\1", 0, NULL);
  assert_non_null (strstr (uncommented, "\nname-service = 137\n"));
  if (!ns_daemon_config_load_data (uncommented, -1, &explicit, warnings, &error))
    fail_msg ("%s", error->message);
  assert_int_equal (warnings->len, 0);
  assert_true (ns_daemon_config_equal (explicit, defaults));
}

/* The helpers announce.c uses at send time. */
static void
test_browse_helpers (void **state)
{
  g_autofree char *oem = NULL;
  g_autofree char *wg = NULL;
  guint32 ipv4 = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (NsDaemonConfig) running = NULL;
  NsDaemonConfig *reloaded = NULL;

  assert_true (ns_daemon_config_comment_to_oem ("Grüße", "CP850", &oem, &error));
  assert_string_equal (oem, "Gr\x81\xe1" "e"); /* ü = 0x81, ß = 0xE1 in CP850 */
  assert_true (ns_daemon_config_parse_remote_announce ("192.0.2.7/other", "CP850", &ipv4, &wg,
                                                       &error));
  assert_int_equal (ipv4, 0xc0000207);
  assert_string_equal (wg, "OTHER");
  g_clear_pointer (&wg, g_free);
  assert_true (ns_daemon_config_parse_remote_announce ("10.0.0.1", "CP850", &ipv4, &wg, &error));
  assert_int_equal (ipv4, 0x0a000001);
  assert_null (wg);
  assert_false (ns_daemon_config_parse_remote_announce ("10.0.0.256", "CP850", &ipv4, &wg,
                                                        &error));
  assert_int_equal (ipv4, 0x0a000001); /* untouched */
  /* Every [browse] key applies on reload. */
  assert_true (ns_daemon_config_load_data ("", -1, &running, NULL, NULL));
  assert_true (ns_daemon_config_load_data ("[browse]\nannounce=no\ncomment=x\n"
                                           "remote-announce=10.0.0.1\n", -1, &reloaded, NULL,
                                           NULL));
  {
    g_autoptr (GPtrArray) keys = ns_daemon_config_restart_keys (running, reloaded);

    assert_int_equal (keys->len, 0);
  }
  ns_daemon_config_take_live (running, reloaded);
  assert_false (running->browse_announce);
  assert_string_equal (running->browse_comment, "x");
  assert_string_equal (running->remote_announce[0], "10.0.0.1");
  assert_null (running->remote_announce[1]);
}

static void
test_canonical_name (void **state)
{
  g_autofree char *name = NULL;
  g_autoptr (GError) error = NULL;

  assert_true (ns_daemon_config_canonical_name ("alice", NULL, &name, NULL));
  assert_string_equal (name, "ALICE");
  assert_false (ns_daemon_config_canonical_name ("toolongtoolongtoo", NULL, &name, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_INVALID_NAME));
  assert_string_equal (name, "ALICE");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_valid),
    cmocka_unit_test (test_invalid),
    cmocka_unit_test (test_all_errors_at_once),
    cmocka_unit_test (test_default_name),
    cmocka_unit_test (test_default_config),
    cmocka_unit_test (test_round_trip),
    cmocka_unit_test (test_restart_keys),
    cmocka_unit_test (test_missing_file),
    cmocka_unit_test (test_file_error_names_path),
    cmocka_unit_test (test_take_live),
    cmocka_unit_test (test_example_config),
    cmocka_unit_test (test_canonical_name),
    cmocka_unit_test (test_browse_helpers),
  };

  return cmocka_run_group_tests_name ("config", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */

/* GKeyFile -> NsDaemonConfig. See config.h for the rules; the key table
 * below is the one place that lists every key, its type and its default
 * (the man page netsendd.conf(5) and daemon/netsendd.conf mirror it). */

#include "config.h"

#include <gio/gio.h>
#include <stddef.h>
#include <string.h>

#include <netsend/nb-name.h>
#include <netsend/nb-transport.h>
#include <netsend/ns-errors.h>

#include "policy.h"

G_DEFINE_QUARK (ns-daemon-config-error-quark, ns_daemon_config_error)

typedef enum {
  T_NAME,         /* one NetBIOS name, canonicalised (char *) */
  T_NAME_LIST,    /* NetBIOS names (char **) */
  T_IFACE_LIST,   /* interface names or IPv4 addresses (char **) */
  T_SCOPE,        /* NetBIOS scope (char *) */
  T_NODE_TYPE,    /* b|p|m|h (NsNodeType) */
  T_IPV4_LIST,    /* IPv4 addresses (char **) */
  T_CHARSET,      /* an iconv code page (char *) */
  T_PORT,         /* 0..65535 (guint16) */
  T_PATH,         /* absolute path (char *) */
  T_ACCOUNT,      /* user or group name (char *) */
  T_BUS_MODE,     /* auto|yes|no (NsSystemBusMode) */
  T_LOG_LEVEL,    /* error..debug (GLogLevelFlags) */
  T_OPT_LIST,     /* free list, NULL when absent (char **) */
  T_SIZE,         /* 1..NS_CONFIG_MAX_SIZE (gsize) */
  T_BOOL,         /* true|false|yes|no|1|0 (gboolean) */
  T_COUNT,        /* 0..NS_CONFIG_MAX_COUNT (guint) */
  T_RATE,         /* 0..NS_CONFIG_MAX_RATE per second, decimals allowed (double) */
  T_BYTES,        /* 0..NS_CONFIG_MAX_BYTES (guint64) */
  T_COMMAND,      /* "" or a command line, program absolute (char *) */
  T_TIMEOUT,      /* 1..NS_CONFIG_MAX_HOOK_TIMEOUT seconds (guint) */
  T_URGENCY,      /* low|normal|critical (NsNotifyUrgency) */
  T_COMMENT,      /* [browse] comment: text the DOS code page holds (char *) */
  T_REMOTE_LIST,  /* [browse] remote-announce: IP[/WORKGROUP] entries (char **) */
} KeyType;

/* A change of a RESTART key needs a daemon restart: it is bound into
 * sockets, privileges or the identity already announced on the wire. */
enum { LIVE = 0, RESTART = 1 };

typedef struct {
  const char *group;
  const char *key;
  KeyType type;
  gsize offset;
  /* As written in the file; NULL = computed (name, node-type) or, for
   * T_OPT_LIST, "absent". */
  const char *default_value;
  gboolean restart;
} KeyDef;

#define F(field) offsetof (NsDaemonConfig, field)
#define NS_CONFIG_MAX_SIZE (1024 * 1024)
#define NS_CONFIG_MAX_COUNT 100000000
#define NS_CONFIG_MAX_RATE 1000000.0
#define NS_CONFIG_MAX_BYTES (G_GUINT64_CONSTANT (1) << 50)

/* The defaults table (netsendd.conf(5) documents the same values). Order
 * matters: dos-charset comes before the names it converts, wins-server
 * before node-type, whose default depends on it. */
static const KeyDef keys[] = {
  { "netbios", "dos-charset", T_CHARSET, F (dos_charset), "CP850", RESTART },
  { "netbios", "name", T_NAME, F (name), NULL, RESTART },
  { "netbios", "workgroup", T_NAME, F (workgroup), "WORKGROUP", RESTART },
  { "netbios", "aliases", T_NAME_LIST, F (aliases), "", LIVE },
  { "netbios", "interfaces", T_IFACE_LIST, F (interfaces), "", RESTART },
  { "netbios", "scope", T_SCOPE, F (scope), "", RESTART },
  { "netbios", "wins-server", T_IPV4_LIST, F (wins_servers), "", RESTART },
  { "netbios", "node-type", T_NODE_TYPE, F (node_type), NULL, RESTART },
  { "ports", "name-service", T_PORT, F (name_service_port), "137", RESTART },
  { "ports", "datagram", T_PORT, F (datagram_port), "138", RESTART },
  { "ports", "session", T_PORT, F (session_port), "139", RESTART },
  { "ports", "rpc", T_PORT, F (rpc_port), "135", RESTART },
  { "control", "socket", T_PATH, F (control_socket), "/run/netsend/control", RESTART },
  { "control", "admin-group", T_ACCOUNT, F (admin_group), "netsend-admin", LIVE },
  { "control", "system-bus", T_BUS_MODE, F (system_bus), "auto", RESTART },
  { "daemon", "user", T_ACCOUNT, F (user), "netsend", RESTART },
  { "daemon", "log-level", T_LOG_LEVEL, F (log_level), "message", LIVE },
  { "policy", "allow", T_OPT_LIST, F (policy_allow), NULL, LIVE },
  { "policy", "allow-senders", T_OPT_LIST, F (policy_allow_senders), NULL, LIVE },
  { "policy", "deny-senders", T_OPT_LIST, F (policy_deny_senders), NULL, LIVE },
  { "policy", "recipients", T_OPT_LIST, F (policy_recipients), NULL, LIVE },
  { "policy", "max-message-bytes", T_SIZE, F (max_message_bytes),
    G_STRINGIFY (NS_POLICY_DEFAULT_MAX_MESSAGE_BYTES), LIVE },
  /* The receivers (issue 4): SMB on 139/445, mailslot on 138, RPC on 135. */
  { "policy", "verify-sender", T_BOOL, F (verify_sender), "false", LIVE },
  { "policy", "accept-smbserver", T_BOOL, F (accept_smbserver), "false", LIVE },
  { "ports", "direct-445", T_PORT, F (direct_port), "0", RESTART },
  { "text", "codepage", T_CHARSET, F (text_codepage), NULL, LIVE },
  { "limits", "per-source-rate", T_RATE, F (per_source_rate), "10", LIVE },
  { "limits", "per-source-burst", T_COUNT, F (per_source_burst), "30", LIVE },
  { "limits", "global-rate", T_RATE, F (global_rate), "500", LIVE },
  { "limits", "global-burst", T_COUNT, F (global_burst), "1000", LIVE },
  { "limits", "max-connections", T_COUNT, F (max_connections), "64", LIVE },
  { "limits", "max-connections-per-source", T_COUNT, F (max_connections_per_source), "8",
    RESTART },
  { "limits", "idle-timeout", T_COUNT, F (idle_timeout_s), "30", LIVE },
  { "limits", "message-timeout", T_COUNT, F (message_timeout_s), "60", LIVE },
  { "store", "path", T_PATH, F (store_path), "/var/lib/netsend/inbox.db", RESTART },
  { "store", "max-age-days", T_COUNT, F (store_max_age_days), "90", LIVE },
  { "store", "max-messages", T_COUNT, F (store_max_messages), "100000", LIVE },
  { "store", "max-size", T_BYTES, F (store_max_size), "0", RESTART },
  { "store", "commit-window-ms", T_COUNT, F (commit_window_ms), "0", LIVE },
  { "rpc", "enabled", T_BOOL, F (rpc_enabled), "false", RESTART },
  /* Delivery of stored messages (delivery.c). hook-user NULL: the daemon's
   * own user. */
  { "delivery", "hook", T_COMMAND, F (hook), "", LIVE },
  { "delivery", "hook-timeout", T_TIMEOUT, F (hook_timeout_s), "10", LIVE },
  { "delivery", "hook-user", T_ACCOUNT, F (hook_user), NULL, LIVE },
  { "delivery", "terminals", T_BOOL, F (terminals), "false", LIVE },
  { "delivery", "notify-urgency", T_URGENCY, F (notify_urgency), "critical", LIVE },
  /* MS-BRWS host announcements (announce.c); comment after dos-charset,
   * which converts it. */
  { "browse", "announce", T_BOOL, F (browse_announce), "true", LIVE },
  { "browse", "comment", T_COMMENT, F (browse_comment), "netsend", LIVE },
  { "browse", "remote-announce", T_REMOTE_LIST, F (remote_announce), "", LIVE },
};

static const char *const own_groups[] = { "netbios", "ports", "control", "daemon", "policy",
                                          "text", "limits", "store", "rpc", "delivery", "browse",
                                          NULL };
static const char *const foreign_groups[] = { NULL };

static const struct {
  const char *name;
  GLogLevelFlags level;
} log_levels[] = {
  { "error", G_LOG_LEVEL_ERROR },     { "critical", G_LOG_LEVEL_CRITICAL },
  { "warning", G_LOG_LEVEL_WARNING }, { "message", G_LOG_LEVEL_MESSAGE },
  { "info", G_LOG_LEVEL_INFO },       { "debug", G_LOG_LEVEL_DEBUG },
};

static const char *const node_types[] = { "b", "p", "m", "h" };
static const char *const bus_modes[] = { "auto", "yes", "no" };
/* Indexed by NsNotifyUrgency. */
static const char *const urgencies[] = { "low", "normal", "critical" };
static const char *const bool_true[] = { "true", "yes", "1", "on" };
static const char *const bool_false[] = { "false", "no", "0", "off" };

#define FIELD(cfg, def, type) ((type *) (gpointer) ((guint8 *) (cfg) + (def)->offset))

const char *const *
ns_daemon_config_foreign_groups (void)
{
  return foreign_groups;
}

const char *
ns_node_type_to_string (NsNodeType type)
{
  return (guint) type < G_N_ELEMENTS (node_types) ? node_types[type] : "?";
}

const char *
ns_notify_urgency_to_string (NsNotifyUrgency urgency)
{
  return (guint) urgency < G_N_ELEMENTS (urgencies) ? urgencies[urgency] : "?";
}

gboolean
ns_notify_urgency_from_string (const char *str, NsNotifyUrgency *ret)
{
  for (gsize i = 0; str != NULL && i < G_N_ELEMENTS (urgencies); i++) {
    if (g_ascii_strcasecmp (str, urgencies[i]) == 0) {
      *ret = (NsNotifyUrgency) i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
ns_log_level_to_string (GLogLevelFlags level)
{
  for (gsize i = 0; i < G_N_ELEMENTS (log_levels); i++)
    if (log_levels[i].level == level)
      return log_levels[i].name;
  return "?";
}

void
ns_daemon_config_free (NsDaemonConfig *config)
{
  if (config == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++) {
    switch (keys[i].type) {
      case T_NAME: case T_SCOPE: case T_CHARSET: case T_PATH: case T_ACCOUNT: case T_COMMAND:
      case T_COMMENT:
        g_free (*FIELD (config, &keys[i], char *));
        break;
      case T_NAME_LIST: case T_IFACE_LIST: case T_IPV4_LIST: case T_OPT_LIST: case T_REMOTE_LIST:
        g_strfreev (*FIELD (config, &keys[i], char **));
        break;
      default:
        break;
    }
  }
  g_clear_pointer (&config->keyfile, g_key_file_unref);
  g_free (config);
}

char *
ns_daemon_config_default_name (const char *hostname)
{
  GString *out = g_string_new (NULL);

  for (const char *p = hostname ? hostname : ""; *p != '\0' && *p != '.'; p++) {
    char c = *p;

    if (out->len == NB_NAME_MAX_CHARS)
      break;
    /* What nb_name_from_utf8() refuses becomes '-': host names are
     * ASCII by RFC 1123, but be safe with odd ones. */
    if ((guchar) c < 0x21 || (guchar) c > 0x7e || strchr ("\\/:*?\"<>|", c) != NULL)
      c = '-';
    g_string_append_c (out, g_ascii_toupper (c));
  }
  if (out->len == 0)
    g_string_append (out, "NETSEND");
  return g_string_free (out, FALSE);
}

gboolean
ns_daemon_config_canonical_name (const char *name, const char *charset, char **ret, GError **error)
{
  NbName nb;

  if (!nb_name_from_utf8 (&nb, name, NB_SUFFIX_MESSENGER, charset, error))
    return FALSE;
  *ret = nb_name_to_utf8 (&nb, charset);
  return TRUE;
}

/* Splits a list value on ',' and ';' (and on white space too when
 * @split_space), trims the items and drops empty ones. */
static char **
split_list (const char *value, gboolean split_space)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  const char *seps = split_space ? ",; \t" : ",;";
  g_auto (GStrv) parts = g_strsplit_set (value, seps, -1);

  for (char **p = parts; *p != NULL; p++) {
    g_strstrip (*p);
    if (**p != '\0')
      g_strv_builder_add (builder, *p);
  }
  return g_strv_builder_end (builder);
}

static gboolean
parse_enum (const char *value, const char *const *names, gsize n, int *ret, GError **error)
{
  g_autoptr (GString) expected = g_string_new (NULL);

  for (gsize i = 0; i < n; i++) {
    if (g_ascii_strcasecmp (value, names[i]) == 0) {
      *ret = (int) i;
      return TRUE;
    }
    g_string_append_printf (expected, "%s%s", i ? ", " : "", names[i]);
  }
  g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
               "'%s' is not one of %s", value, expected->str);
  return FALSE;
}

static gboolean
parse_name_list (const char *value, const char *charset, char ***ret, GError **error)
{
  g_auto (GStrv) items = split_list (value, FALSE);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (char **p = items; *p != NULL; p++) {
    g_autofree char *canonical = NULL;
    g_autoptr (GError) local = NULL;

    if (!ns_daemon_config_canonical_name (*p, charset, &canonical, &local)) {
      g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                   "'%s': %s", *p, local->message);
      return FALSE;
    }
    g_strv_builder_add (builder, canonical);
  }
  *ret = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
check_iface (const char *item, GError **error)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (item);

  if (addr != NULL) {
    if (g_inet_address_get_family (addr) != G_SOCKET_FAMILY_IPV4) {
      g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                   "'%s' is not an IPv4 address (NetBIOS over TCP/IP is IPv4 only)", item);
      return FALSE;
    }
    return TRUE;
  }
  /* Linux interface names: 1..15 bytes (IFNAMSIZ - 1), no '/', no ':'
   * (':' would be an old-style alias, which has no interface of its own). */
  if (strlen (item) > 15 || strpbrk (item, "/:") != NULL || !g_str_is_ascii (item)) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s' is neither an IPv4 address nor an interface name", item);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_account (const char *value, GError **error)
{
  /* POSIX portable user/group names, plus a trailing '$' (Samba machine
   * accounts); refuse anything a shell or NSS would treat specially. */
  gboolean ok = value[0] != '\0' && value[0] != '-' && strlen (value) <= 32;

  for (const char *p = value; ok && *p != '\0'; p++)
    ok = g_ascii_isalnum (*p) || strchr ("._-", *p) != NULL || (*p == '$' && p[1] == '\0');
  if (!ok)
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s' is not a valid user or group name", value);
  return ok;
}

static gboolean
parse_unsigned (const char *value, guint64 min, guint64 max, guint64 *ret, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (!g_ascii_string_to_unsigned (value, 10, min, max, ret, &local)) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s' is not a number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                 value, min, max);
    return FALSE;
  }
  return TRUE;
}

/* A dotted IPv4 address other than 0.0.0.0 and multicast, in host order
 * (wins-server, remote-announce). The limited broadcast passes: each key
 * says why it does not take it. */
static gboolean
ipv4_from_text (const char *text, guint32 *ret)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (text);
  const guint8 *b;

  if (addr == NULL || g_inet_address_get_family (addr) != G_SOCKET_FAMILY_IPV4
      || g_inet_address_get_is_any (addr) || g_inet_address_get_is_multicast (addr))
    return FALSE;
  b = g_inet_address_to_bytes (addr);
  *ret = ((guint32) b[0] << 24) | ((guint32) b[1] << 16) | ((guint32) b[2] << 8) | b[3];
  return TRUE;
}

/* [netbios] wins-server: the registrar and resolver take at most
 * NB_ENGINE_MAX_WINS_SERVERS, each a host (a WINS request is unicast,
 * RFC 1002 §4.2.2), each once (fail-over goes down the list). */
static gboolean
parse_ipv4_list (const char *value, char ***ret, GError **error)
{
  g_auto (GStrv) items = split_list (value, TRUE);
  guint32 seen[NB_ENGINE_MAX_WINS_SERVERS];
  guint n = 0;

  if (g_strv_length (items) > NB_ENGINE_MAX_WINS_SERVERS) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "%u servers, at most %d", g_strv_length (items), NB_ENGINE_MAX_WINS_SERVERS);
    return FALSE;
  }
  for (char **p = items; *p != NULL; p++) {
    guint32 ipv4;

    if (!ipv4_from_text (*p, &ipv4) || ipv4 == 0xFFFFFFFFu) {
      g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                   "'%s' is not a unicast IPv4 address", *p);
      return FALSE;
    }
    for (guint i = 0; i < n; i++) {
      if (seen[i] == ipv4) {
        g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                     "'%s' is listed twice", *p);
        return FALSE;
      }
    }
    seen[n++] = ipv4;
  }
  *ret = g_steal_pointer (&items);
  return TRUE;
}

static gboolean
parse_charset (const char *value, char **ret, GError **error)
{
  GIConv conv = g_iconv_open (value, "UTF-8");

  if (conv == (GIConv) -1) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s' is not a character set iconv knows", value);
    return FALSE;
  }
  g_iconv_close (conv);
  *ret = g_strdup (value);
  return TRUE;
}

static gboolean
parse_path (const char *value, char **ret, GError **error)
{
  /* sockaddr_un.sun_path holds 108 bytes including the NUL. */
  if (!g_path_is_absolute (value) || strlen (value) > 107) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s' is not an absolute path of at most 107 bytes", value);
    return FALSE;
  }
  *ret = g_strdup (value);
  return TRUE;
}

gboolean
ns_daemon_config_parse_command (const char *command, char ***ret_argv, GError **error)
{
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) local = NULL;

  if (command == NULL || !g_shell_parse_argv (command, NULL, &argv, &local)) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s' is not a command line: %s", command ? command : "",
                 local ? local->message : "empty");
    return FALSE;
  }
  /* No search in $PATH: the daemon's PATH is not the admin's shell's. */
  if (!g_path_is_absolute (argv[0])) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s': the program must be an absolute path", argv[0]);
    return FALSE;
  }
  if (ret_argv != NULL)
    *ret_argv = g_steal_pointer (&argv);
  return TRUE;
}

static gboolean
parse_scope (const char *value, char **ret, GError **error)
{
  NbName probe;
  g_autoptr (GError) local = NULL;

  nb_name_wildcard (&probe);
  if (!nb_name_set_scope (&probe, value, &local)) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s': %s", value, local->message);
    return FALSE;
  }
  *ret = g_strdup (value);
  return TRUE;
}

gboolean
ns_daemon_config_comment_to_oem (const char *comment, const char *charset, char **ret,
                                 GError **error)
{
  g_autofree char *oem = NULL;
  g_autoptr (GError) local = NULL;
  gsize len = 0;

  for (const char *p = comment; *p != '\0'; p = g_utf8_next_char (p)) {
    if (g_unichar_iscntrl (g_utf8_get_char (p))) {
      g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                   "'%s' has a control character", comment);
      return FALSE;
    }
  }
  oem = g_convert (comment, -1, charset, "UTF-8", NULL, &len, &local);
  if (oem == NULL) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s' cannot be written in %s: %s", comment, charset, local->message);
    return FALSE;
  }
  if (len > NS_BROWSE_COMMENT_MAX || memchr (oem, 0, len) != NULL) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s' is %" G_GSIZE_FORMAT " bytes in %s; a browse comment holds at most %d "
                 "(MS-BRWS 2.2.1: 43 with its NUL)", comment, len, charset,
                 NS_BROWSE_COMMENT_MAX);
    return FALSE;
  }
  if (ret != NULL)
    *ret = g_steal_pointer (&oem);
  return TRUE;
}

gboolean
ns_daemon_config_parse_remote_announce (const char *entry, const char *charset,
                                        guint32 *ret_ipv4, char **ret_workgroup, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (entry, "/", 2);
  g_autofree char *workgroup = NULL;
  guint32 ipv4;

  if (!ipv4_from_text (parts[0] ? parts[0] : "", &ipv4)) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s' is not IPv4-ADDRESS or IPv4-ADDRESS/WORKGROUP", entry);
    return FALSE;
  }
  if (ipv4 == 0xFFFFFFFFu) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s': the limited broadcast is never sent to (the interfaces' own "
                 "broadcasts are announced to already)", entry);
    return FALSE;
  }
  if (parts[0] != NULL && parts[1] != NULL) {
    g_autoptr (GError) local = NULL;

    if (!ns_daemon_config_canonical_name (parts[1], charset, &workgroup, &local)) {
      g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                   "'%s': workgroup '%s': %s", entry, parts[1], local->message);
      return FALSE;
    }
  }
  if (ret_ipv4 != NULL)
    *ret_ipv4 = ipv4;
  if (ret_workgroup != NULL)
    *ret_workgroup = g_steal_pointer (&workgroup);
  return TRUE;
}

/* [browse] remote-announce: entries in canonical form ("10.0.0.5/OTHER"),
 * each once (a repeat would announce twice each period). */
static gboolean
parse_remote_list (const char *value, const char *charset, char ***ret, GError **error)
{
  g_auto (GStrv) items = split_list (value, TRUE);
  g_autoptr (GPtrArray) canonical = g_ptr_array_new_with_free_func (g_free);

  if (g_strv_length (items) > NS_MAX_REMOTE_ANNOUNCE) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "%u entries, at most %d", g_strv_length (items), NS_MAX_REMOTE_ANNOUNCE);
    return FALSE;
  }
  for (char **p = items; *p != NULL; p++) {
    g_autofree char *workgroup = NULL;
    g_auto (GStrv) parts = g_strsplit (*p, "/", 2);
    char *item;

    if (!ns_daemon_config_parse_remote_announce (*p, charset != NULL ? charset : "CP850", NULL,
                                                 &workgroup, error))
      return FALSE;
    item = workgroup != NULL ? g_strdup_printf ("%s/%s", parts[0], workgroup)
                             : g_strdup (parts[0]);
    if (g_ptr_array_find_with_equal_func (canonical, item, g_str_equal, NULL)) {
      g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                   "'%s' is listed twice", *p);
      g_free (item);
      return FALSE;
    }
    g_ptr_array_add (canonical, item);
  }
  g_ptr_array_add (canonical, NULL);
  *ret = (char **) g_ptr_array_free (g_steal_pointer (&canonical), FALSE);
  return TRUE;
}

static gboolean
parse_list_field (const KeyDef *def, const char *value, NsDaemonConfig *cfg, GError **error)
{
  char ***field = FIELD (cfg, def, char **);
  char **list = NULL;

  switch (def->type) {
    case T_NAME_LIST:
      if (!parse_name_list (value, cfg->dos_charset, &list, error))
        return FALSE;
      break;
    case T_IFACE_LIST:
      list = split_list (value, TRUE);
      for (char **p = list; *p != NULL; p++) {
        if (!check_iface (*p, error)) {
          g_strfreev (list);
          return FALSE;
        }
      }
      break;
    case T_IPV4_LIST:
      if (!parse_ipv4_list (value, &list, error))
        return FALSE;
      break;
    case T_OPT_LIST:
      list = split_list (value, FALSE);
      break;
    case T_REMOTE_LIST:
      if (!parse_remote_list (value, cfg->dos_charset, &list, error))
        return FALSE;
      break;
    default:
      g_assert_not_reached ();
  }
  g_strfreev (*field);
  *field = list;
  return TRUE;
}

static gboolean
parse_string_field (const KeyDef *def, const char *value, NsDaemonConfig *cfg, GError **error)
{
  char **field = FIELD (cfg, def, char *);
  char *str = NULL;
  g_autoptr (GError) local = NULL;

  switch (def->type) {
    case T_NAME:
      if (!ns_daemon_config_canonical_name (value, cfg->dos_charset, &str, &local)) {
        g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                     "'%s': %s", value, local->message);
        return FALSE;
      }
      break;
    case T_SCOPE:
      if (!parse_scope (value, &str, error))
        return FALSE;
      break;
    case T_CHARSET:
      if (!parse_charset (value, &str, error))
        return FALSE;
      break;
    case T_PATH:
      if (!parse_path (value, &str, error))
        return FALSE;
      break;
    case T_ACCOUNT:
      if (!check_account (value, error))
        return FALSE;
      str = g_strdup (value);
      break;
    case T_COMMENT:
      /* Without a valid dos-charset (already reported) nothing to check. */
      if (cfg->dos_charset != NULL
          && !ns_daemon_config_comment_to_oem (value, cfg->dos_charset, NULL, error))
        return FALSE;
      str = g_strdup (value);
      break;
    case T_COMMAND:
      /* "" is "no hook". */
      if (value[0] != '\0' && !ns_daemon_config_parse_command (value, NULL, error))
        return FALSE;
      str = g_strdup (value);
      break;
    default:
      g_assert_not_reached ();
  }
  g_free (*field);
  *field = str;
  return TRUE;
}

static gboolean
parse_bool (const char *value, gboolean *ret, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bool_true); i++) {
    if (g_ascii_strcasecmp (value, bool_true[i]) == 0 || g_ascii_strcasecmp (value, bool_false[i]) == 0) {
      *ret = g_ascii_strcasecmp (value, bool_true[i]) == 0;
      return TRUE;
    }
  }
  g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
               "'%s' is not one of true, false (or yes, no, 1, 0, on, off)", value);
  return FALSE;
}

static gboolean
parse_rate (const char *value, double *ret, GError **error)
{
  char *end = NULL;
  double d = g_ascii_strtod (value, &end);

  /* Plain decimals only: no hex, no exponent, no inf/nan. */
  if (value[0] == '\0' || end == NULL || *end != '\0' || strspn (value, "0123456789.") != strlen (value)
      || !(d >= 0.0 && d <= NS_CONFIG_MAX_RATE)) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                 "'%s' is not a rate from 0 to %.0f per second (0 disables)", value,
                 NS_CONFIG_MAX_RATE);
    return FALSE;
  }
  *ret = d;
  return TRUE;
}

/* The scalar types added for the receivers (booleans, counts, rates, byte sizes). */
static gboolean
parse_number_field (const KeyDef *def, const char *value, NsDaemonConfig *cfg, GError **error)
{
  guint64 number;

  switch (def->type) {
    case T_BOOL:
      return parse_bool (value, FIELD (cfg, def, gboolean), error);
    case T_RATE:
      return parse_rate (value, FIELD (cfg, def, double), error);
    case T_COUNT:
      if (!parse_unsigned (value, 0, NS_CONFIG_MAX_COUNT, &number, error))
        return FALSE;
      *FIELD (cfg, def, guint) = (guint) number;
      return TRUE;
    case T_BYTES:
      if (!parse_unsigned (value, 0, NS_CONFIG_MAX_BYTES, &number, error))
        return FALSE;
      *FIELD (cfg, def, guint64) = number;
      return TRUE;
    case T_TIMEOUT:
      if (!parse_unsigned (value, 1, NS_CONFIG_MAX_HOOK_TIMEOUT, &number, error))
        return FALSE;
      *FIELD (cfg, def, guint) = (guint) number;
      return TRUE;
    default:
      g_assert_not_reached ();
  }
}

static gboolean
parse_value (const KeyDef *def, const char *value, NsDaemonConfig *cfg, GError **error)
{
  guint64 number;
  int index;

  switch (def->type) {
    case T_NAME_LIST: case T_IFACE_LIST: case T_IPV4_LIST: case T_OPT_LIST: case T_REMOTE_LIST:
      return parse_list_field (def, value, cfg, error);
    case T_NAME: case T_SCOPE: case T_CHARSET: case T_PATH: case T_ACCOUNT: case T_COMMAND:
    case T_COMMENT:
      return parse_string_field (def, value, cfg, error);
    case T_PORT:
      if (!parse_unsigned (value, 0, G_MAXUINT16, &number, error))
        return FALSE;
      *FIELD (cfg, def, guint16) = (guint16) number;
      return TRUE;
    case T_SIZE:
      if (!parse_unsigned (value, 1, NS_CONFIG_MAX_SIZE, &number, error))
        return FALSE;
      *FIELD (cfg, def, gsize) = (gsize) number;
      return TRUE;
    case T_NODE_TYPE:
      if (!parse_enum (value, node_types, G_N_ELEMENTS (node_types), &index, error))
        return FALSE;
      *FIELD (cfg, def, NsNodeType) = (NsNodeType) index;
      return TRUE;
    case T_BUS_MODE:
      if (!parse_enum (value, bus_modes, G_N_ELEMENTS (bus_modes), &index, error))
        return FALSE;
      *FIELD (cfg, def, NsSystemBusMode) = (NsSystemBusMode) index;
      return TRUE;
    case T_BOOL: case T_COUNT: case T_RATE: case T_BYTES: case T_TIMEOUT:
      return parse_number_field (def, value, cfg, error);
    case T_URGENCY:
      if (!parse_enum (value, urgencies, G_N_ELEMENTS (urgencies), &index, error))
        return FALSE;
      *FIELD (cfg, def, NsNotifyUrgency) = (NsNotifyUrgency) index;
      return TRUE;
    case T_LOG_LEVEL:
      for (gsize i = 0; i < G_N_ELEMENTS (log_levels); i++) {
        if (g_ascii_strcasecmp (value, log_levels[i].name) == 0) {
          *FIELD (cfg, def, GLogLevelFlags) = log_levels[i].level;
          return TRUE;
        }
      }
      g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                   "'%s' is not one of error, critical, warning, message, info, debug", value);
      return FALSE;
  }
  g_assert_not_reached ();
}

static void
add_error (GString *errors, const char *group, const char *key, const char *message)
{
  g_string_append_printf (errors, "%s[%s] %s: %s", errors->len ? "\n" : "", group, key, message);
}

static void
add_warning (GPtrArray *warnings, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
add_warning (GPtrArray *warnings, const char *format, ...)
{
  va_list args;

  if (warnings == NULL)
    return;
  va_start (args, format);
  g_ptr_array_add (warnings, g_strdup_vprintf (format, args));
  va_end (args);
}

/* Computed defaults: the short host name, and H-node when a WINS server is
 * set, else B-node (MS-NBTE §3.1.3). */
static void
apply_computed_default (const KeyDef *def, NsDaemonConfig *cfg)
{
  if (def->type == T_NODE_TYPE) {
    cfg->node_type = cfg->wins_servers != NULL && cfg->wins_servers[0] != NULL
                      ? NS_NODE_TYPE_H : NS_NODE_TYPE_B;
  } else if (def->type == T_CHARSET) {
    /* [text] codepage follows [netbios] dos-charset unless set. */
    g_free (*FIELD (cfg, def, char *));
    *FIELD (cfg, def, char *) = g_strdup (cfg->dos_charset != NULL ? cfg->dos_charset : "CP850");
  } else if (def->type == T_NAME) {
    g_autofree char *guess = ns_daemon_config_default_name (g_get_host_name ());

    g_free (cfg->name);
    if (!ns_daemon_config_canonical_name (guess, cfg->dos_charset, &cfg->name, NULL))
      cfg->name = g_strdup ("NETSEND");
  }
}

static void
parse_keys (GKeyFile *keyfile, NsDaemonConfig *cfg, GString *errors)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++) {
    const KeyDef *def = &keys[i];
    g_autoptr (GError) local = NULL;
    g_autofree char *value = NULL;

    if (g_key_file_has_key (keyfile, def->group, def->key, NULL)) {
      value = g_key_file_get_string (keyfile, def->group, def->key, &local);
      if (value != NULL)
        g_strstrip (value);
    }
    if (local == NULL && value != NULL) {
      parse_value (def, value, cfg, &local);
    } else if (local == NULL && def->default_value != NULL) {
      /* A default that does not parse is a bug in the table. */
      if (!parse_value (def, def->default_value, cfg, &local))
        g_error ("config: default of [%s] %s: %s", def->group, def->key, local->message);
    } else if (local == NULL && def->type != T_OPT_LIST) {
      apply_computed_default (def, cfg);
    }
    if (local != NULL)
      add_error (errors, def->group, def->key, local->message);
  }
}

static gboolean
is_known_key (const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strcmp (keys[i].group, group) == 0 && strcmp (keys[i].key, key) == 0)
      return TRUE;
  return FALSE;
}

static void
check_unknown (GKeyFile *keyfile, GPtrArray *warnings)
{
  g_auto (GStrv) groups = g_key_file_get_groups (keyfile, NULL);

  for (char **g = groups; *g != NULL; g++) {
    g_auto (GStrv) names = NULL;

    if (g_strv_contains (foreign_groups, *g))
      continue;
    if (!g_strv_contains (own_groups, *g)) {
      add_warning (warnings, "unknown group [%s] ignored", *g);
      continue;
    }
    names = g_key_file_get_keys (keyfile, *g, NULL, NULL);
    for (char **k = names; k != NULL && *k != NULL; k++)
      if (!is_known_key (*g, *k))
        add_warning (warnings, "[%s] unknown key '%s' ignored", *g, *k);
  }
}

static void
check_aliases (NsDaemonConfig *cfg, GString *errors, GPtrArray *warnings)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = 0;

  g_hash_table_add (seen, cfg->name);
  for (char **p = cfg->aliases; *p != NULL; p++) {
    if (!g_hash_table_add (seen, *p)) {
      add_warning (warnings, "[netbios] aliases: '%s' is listed twice or is the computer name; "
                   "ignored", *p);
      continue;
    }
    g_strv_builder_add (builder, *p);
    n++;
  }
  /* The computer name is a message name too. */
  if (n + 1 > NS_MAX_MESSAGE_NAMES) {
    g_autofree char *msg = g_strdup_printf ("%u aliases, at most %u (the computer name counts "
                                            "as a message name)", n, NS_MAX_MESSAGE_NAMES - 1);
    add_error (errors, "netbios", "aliases", msg);
  }
  g_hash_table_remove_all (seen);
  g_strfreev (cfg->aliases);
  cfg->aliases = g_strv_builder_end (builder);
}

static void
check_ports (const NsDaemonConfig *cfg, GString *errors)
{
  const struct { const char *key; guint16 port; } ports[] = {
    { "name-service", cfg->name_service_port }, { "datagram", cfg->datagram_port },
    { "session", cfg->session_port },           { "rpc", cfg->rpc_port },
    { "direct-445", cfg->direct_port },
  };

  /* Session is TCP, the rest UDP; still, one number per service keeps
   * captures and firewall rules readable, and a typo is likelier than
   * intent. */
  for (gsize i = 1; i < G_N_ELEMENTS (ports); i++) {
    for (gsize j = 0; j < i; j++) {
      if (ports[i].port != 0 && ports[i].port == ports[j].port) {
        g_autofree char *msg = g_strdup_printf ("port %u is already used by name-service, "
                                                "datagram, session or rpc ('%s')",
                                                ports[i].port, ports[j].key);
        add_error (errors, "ports", ports[i].key, msg);
        break;
      }
    }
  }
}

static void
check_policy (const NsDaemonConfig *cfg, GString *errors)
{
  g_autoptr (NsPolicy) policy = ns_policy_new ();
  g_autoptr (GError) local = NULL;

  /* The setters validate their whole list (CIDRs, globs); their errors
   * already name the key. */
  if (cfg->policy_allow != NULL
      && !ns_policy_set_allow (policy, (const char *const *) cfg->policy_allow, &local))
    add_error (errors, "policy", "allow", local->message);
  g_clear_error (&local);
  if (!ns_policy_set_allow_senders (policy, (const char *const *) cfg->policy_allow_senders,
                                    &local))
    add_error (errors, "policy", "allow-senders", local->message);
  g_clear_error (&local);
  if (!ns_policy_set_deny_senders (policy, (const char *const *) cfg->policy_deny_senders,
                                   &local))
    add_error (errors, "policy", "deny-senders", local->message);
  g_clear_error (&local);
  if (!ns_policy_set_recipients (policy, (const char *const *) cfg->policy_recipients, &local))
    add_error (errors, "policy", "recipients", local->message);
}

static void
check_consistency (NsDaemonConfig *cfg, GString *errors, GPtrArray *warnings)
{
  /* Checks that need more than one key; skipped where a key they read
   * already failed (its field is then NULL or a default). */
  if (cfg->name != NULL && cfg->workgroup != NULL && strcmp (cfg->name, cfg->workgroup) == 0)
    add_error (errors, "netbios", "workgroup",
               "must differ from the computer name (NAME<00> is unique, WORKGROUP<00> a group)");
  if (cfg->name != NULL && cfg->aliases != NULL)
    check_aliases (cfg, errors, warnings);
  if (cfg->wins_servers != NULL && cfg->wins_servers[0] == NULL
      && cfg->node_type == NS_NODE_TYPE_P)
    add_error (errors, "netbios", "node-type", "a p-node needs a wins-server");
  if (cfg->wins_servers != NULL && cfg->wins_servers[0] != NULL
      && cfg->node_type == NS_NODE_TYPE_B)
    add_warning (warnings, "[netbios] wins-server is not used by a b-node");
  check_ports (cfg, errors);
  check_policy (cfg, errors);
}

gboolean
ns_daemon_config_load (GKeyFile *keyfile, NsDaemonConfig **ret, GPtrArray *warnings,
                       GError **error)
{
  g_autoptr (NsDaemonConfig) cfg = g_new0 (NsDaemonConfig, 1);
  g_autoptr (GString) errors = g_string_new (NULL);

  g_return_val_if_fail (keyfile != NULL, FALSE);
  g_return_val_if_fail (ret != NULL, FALSE);

  cfg->keyfile = g_key_file_ref (keyfile);
  parse_keys (keyfile, cfg, errors);
  check_consistency (cfg, errors, warnings);
  check_unknown (keyfile, warnings);
  if (errors->len > 0) {
    g_set_error_literal (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_INVALID,
                         errors->str);
    return FALSE;
  }
  *ret = g_steal_pointer (&cfg);
  return TRUE;
}

gboolean
ns_daemon_config_load_data (const char *data, gssize len, NsDaemonConfig **ret,
                            GPtrArray *warnings, GError **error)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GError) local = NULL;

  if (len < 0)
    len = (gssize) strlen (data);
  /* KEEP_TRANSLATIONS, so that "name[de]" is reported as unknown rather
   * than dropped silently. */
  if (!g_key_file_load_from_data (keyfile, data, (gsize) len, G_KEY_FILE_KEEP_TRANSLATIONS,
                                  &local)) {
    g_set_error (error, NS_DAEMON_CONFIG_ERROR, NS_DAEMON_CONFIG_ERROR_SYNTAX,
                 "not a valid key file: %s", local->message);
    return FALSE;
  }
  return ns_daemon_config_load (keyfile, ret, warnings, error);
}

gboolean
ns_daemon_config_load_file (const char *path, NsDaemonConfig **ret, GPtrArray *warnings,
                            GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;

  if (!g_file_get_contents (path, &data, &len, error))
    return FALSE;
  if (!ns_daemon_config_load_data (data, (gssize) len, ret, warnings, &local)) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", path);
    return FALSE;
  }
  return TRUE;
}

NsDaemonConfig *
ns_daemon_config_new_default (void)
{
  g_autoptr (GKeyFile) empty = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  NsDaemonConfig *cfg = NULL;

  if (!ns_daemon_config_load (empty, &cfg, NULL, &error))
    g_error ("config: the defaults do not load: %s", error->message);
  return cfg;
}

/* The value of one key as a string that parses back to the same value;
 * NULL for an absent optional list. */
static char *
format_value (const KeyDef *def, const NsDaemonConfig *cfg)
{
  switch (def->type) {
    case T_NAME: case T_SCOPE: case T_CHARSET: case T_PATH: case T_ACCOUNT: case T_COMMAND:
    case T_COMMENT:
      return g_strdup (*FIELD (cfg, def, char *));
    case T_NAME_LIST: case T_IFACE_LIST: case T_IPV4_LIST: case T_OPT_LIST: case T_REMOTE_LIST: {
      char **list = *FIELD (cfg, def, char **);

      return list != NULL ? g_strjoinv (", ", list) : NULL;
    }
    case T_PORT:
      return g_strdup_printf ("%u", *FIELD (cfg, def, guint16));
    case T_SIZE:
      return g_strdup_printf ("%" G_GSIZE_FORMAT, *FIELD (cfg, def, gsize));
    case T_NODE_TYPE:
      return g_strdup (ns_node_type_to_string (*FIELD (cfg, def, NsNodeType)));
    case T_BUS_MODE:
      return g_strdup (bus_modes[*FIELD (cfg, def, NsSystemBusMode)]);
    case T_LOG_LEVEL:
      return g_strdup (ns_log_level_to_string (*FIELD (cfg, def, GLogLevelFlags)));
    case T_BOOL:
      return g_strdup (*FIELD (cfg, def, gboolean) ? "true" : "false");
    case T_COUNT:
      return g_strdup_printf ("%u", *FIELD (cfg, def, guint));
    case T_RATE: {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      /* Shortest text that reads back to the same double. */
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, *FIELD (cfg, def, double)));
    }
    case T_BYTES:
      return g_strdup_printf ("%" G_GUINT64_FORMAT, *FIELD (cfg, def, guint64));
    case T_TIMEOUT:
      return g_strdup_printf ("%u", *FIELD (cfg, def, guint));
    case T_URGENCY:
      return g_strdup (ns_notify_urgency_to_string (*FIELD (cfg, def, NsNotifyUrgency)));
  }
  g_assert_not_reached ();
}

char *
ns_daemon_config_to_data (const NsDaemonConfig *config)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();

  g_return_val_if_fail (config != NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++) {
    g_autofree char *value = format_value (&keys[i], config);

    if (value != NULL)
      g_key_file_set_string (keyfile, keys[i].group, keys[i].key, value);
  }
  return g_key_file_to_data (keyfile, NULL, NULL);
}

gboolean
ns_daemon_config_equal (const NsDaemonConfig *a, const NsDaemonConfig *b)
{
  g_autofree char *da = ns_daemon_config_to_data (a);
  g_autofree char *db = ns_daemon_config_to_data (b);

  return g_strcmp0 (da, db) == 0;
}

GPtrArray *
ns_daemon_config_restart_keys (const NsDaemonConfig *old_config,
                               const NsDaemonConfig *new_config)
{
  GPtrArray *changed = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++) {
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;

    if (!keys[i].restart)
      continue;
    a = format_value (&keys[i], old_config);
    b = format_value (&keys[i], new_config);
    if (g_strcmp0 (a, b) != 0)
      g_ptr_array_add (changed, g_strdup_printf ("[%s] %s", keys[i].group, keys[i].key));
  }
  return changed;
}

G_STATIC_ASSERT (sizeof (gsize) <= 16 && sizeof (gpointer) <= 16);

void
ns_daemon_config_take_live (NsDaemonConfig *config, NsDaemonConfig *new_config)
{
  g_return_if_fail (config != NULL && new_config != NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++) {
    const KeyDef *def = &keys[i];
    gsize size;
    guint8 tmp[16]; /* the largest field: a pointer or a gsize */

    if (def->restart)
      continue;
    switch (def->type) {
      case T_PORT: size = sizeof (guint16); break;
      case T_SIZE: size = sizeof (gsize); break;
      case T_NODE_TYPE: size = sizeof (NsNodeType); break;
      case T_BUS_MODE: size = sizeof (NsSystemBusMode); break;
      case T_LOG_LEVEL: size = sizeof (GLogLevelFlags); break;
      case T_BOOL: size = sizeof (gboolean); break;
      case T_COUNT: size = sizeof (guint); break;
      case T_RATE: size = sizeof (double); break;
      case T_BYTES: size = sizeof (guint64); break;
      case T_TIMEOUT: size = sizeof (guint); break;
      case T_URGENCY: size = sizeof (NsNotifyUrgency); break;
      default: size = sizeof (gpointer); break;
    }
    /* Swap, so that freeing @new_config frees the old values. */
    memcpy (tmp, FIELD (config, def, guint8), size);
    memcpy (FIELD (config, def, guint8), FIELD (new_config, def, guint8), size);
    memcpy (FIELD (new_config, def, guint8), tmp, size);
  }
  {
    GKeyFile *kf = config->keyfile;

    config->keyfile = new_config->keyfile;
    new_config->keyfile = kf;
  }
  ns_daemon_config_free (new_config);
}

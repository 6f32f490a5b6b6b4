/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The configuration of netsendd: a GKeyFile parsed, strictly, into a plain
 * struct (STYLE.md practice 15).
 *
 * Pure: no sockets, no main loop, no logging. Every key has one row in the
 * key table of config.c, which holds its default as the text an admin would
 * write; defaults go through the same parser as the file, so they are
 * validated like everything else. Unknown groups and keys are returned as
 * warnings; a bad value is an error that names the group and the key. All
 * bad values of a file are reported at once (one per line of the message).
 *
 * Note: this header shadows the generated build config.h for sources in
 * daemon/; those needing PACKAGE_VERSION include "../config.h" explicitly.
 * Code outside daemon/ includes this file as "daemon/config.h". */

#include <glib.h>

G_BEGIN_DECLS

#define NS_DAEMON_CONFIG_ERROR (ns_daemon_config_error_quark ())

/**
 * NsDaemonConfigError:
 * @NS_DAEMON_CONFIG_ERROR_SYNTAX: the file is not a valid key file.
 * @NS_DAEMON_CONFIG_ERROR_INVALID: one or more values are invalid; the
 *   message has one "[group] key: reason" line per bad value.
 *
 * Codes of %NS_DAEMON_CONFIG_ERROR. A missing file is a #GFileError.
 */
typedef enum {
  NS_DAEMON_CONFIG_ERROR_SYNTAX,
  NS_DAEMON_CONFIG_ERROR_INVALID,
} NsDaemonConfigError;

GQuark ns_daemon_config_error_quark (void);

/* Windows keeps at most 256 message names per LANA (MS-MSRP §3.1.1,
 * KB Q186486); the computer name counts as one of them. */
#define NS_MAX_MESSAGE_NAMES 256

typedef enum {
  NS_NODE_TYPE_B,
  NS_NODE_TYPE_P,
  NS_NODE_TYPE_M,
  NS_NODE_TYPE_H,
} NsNodeType;

/* Urgency of desktop notifications (netmsg --notify); the values are the
 * "urgency" hint bytes of the Desktop Notifications Specification. */
typedef enum {
  NS_NOTIFY_URGENCY_LOW = 0,
  NS_NOTIFY_URGENCY_NORMAL = 1,
  NS_NOTIFY_URGENCY_CRITICAL = 2,
} NsNotifyUrgency;

typedef enum {
  NS_SYSTEM_BUS_AUTO, /* own the name when a system bus is reachable */
  NS_SYSTEM_BUS_YES,  /* failing to reach the bus is an error */
  NS_SYSTEM_BUS_NO,
} NsSystemBusMode;

/**
 * NsDaemonConfig:
 *
 * The parsed configuration. Names are stored in their canonical form (as
 * they are registered: upper-cased in @dos_charset, then back to UTF-8).
 * List fields are %NULL-terminated and never %NULL themselves, except the
 * policy lists, where %NULL means "key absent" (policy.h gives absence its
 * own meaning).
 */
typedef struct {
  /* [netbios] */
  char *name;
  char *workgroup;
  char **aliases;
  char **interfaces;   /* as written; empty = loopback interfaces only */
  char *scope;         /* "" = no scope */
  NsNodeType node_type;
  char **wins_servers; /* dotted IPv4 */
  char *dos_charset;

  /* [ports]: 0 disables the service */
  guint16 name_service_port;
  guint16 datagram_port;
  guint16 session_port;
  guint16 rpc_port;

  /* [control] */
  char *control_socket;
  char *admin_group;
  NsSystemBusMode system_bus;

  /* [daemon] */
  char *user;
  GLogLevelFlags log_level; /* the least severe level that is logged */

  /* [policy] (policy.h) */
  char **policy_allow;         /* NULL = subnets of the interfaces + loopback */
  char **policy_allow_senders; /* NULL = any sender */
  char **policy_deny_senders;  /* NULL = none */
  char **policy_recipients;    /* NULL = every name we hold */
  gsize max_message_bytes;
  gboolean verify_sender;      /* node status back to the source (verify.c) */
  gboolean accept_smbserver;   /* TCP 139: also *SMBSERVER<20> and COMPUTER<20> */

  /* The receivers (receiver-*.c, inbox.c) */
  guint16 direct_port;         /* [ports] direct-445: direct-hosted SMB; 0 = off */
  char *text_codepage;         /* [text] codepage; default = dos_charset */
  double per_source_rate;      /* [limits]: messages/s, 0 = no limit */
  guint per_source_burst;
  double global_rate;
  guint global_burst;
  guint max_connections;       /* TCP, all listeners together */
  guint max_connections_per_source;
  guint idle_timeout_s;
  guint message_timeout_s;
  char *store_path;            /* [store] */
  guint store_max_age_days;    /* 0 = keep forever */
  guint store_max_messages;    /* 0 = no count limit */
  guint64 store_max_size;      /* bytes, 0 = up to the disk */
  guint commit_window_ms;      /* group commit: extra wait before a commit */
  gboolean rpc_enabled;        /* [rpc] enabled: UDP 135, off by default */

  /* [delivery] (delivery.c): what happens to a message once stored */
  char *hook;                  /* command line, "" = none (ns_daemon_config_parse_command()) */
  guint hook_timeout_s;        /* 1..NS_CONFIG_MAX_HOOK_TIMEOUT */
  char *hook_user;             /* NULL = the daemon's own user */
  gboolean terminals;          /* write to the recipients' terminals */
  NsNotifyUrgency notify_urgency; /* for the desktop agents (GetStatus) */

  /* [browse] (announce.c): MS-BRWS host announcements, all live */
  gboolean browse_announce;    /* send HostAnnouncements at all */
  char *browse_comment;        /* UTF-8; fits NS_BROWSE_COMMENT_MAX bytes in dos_charset */
  char **remote_announce;      /* "IP" or "IP/WORKGROUP" (canonical), never NULL */

  /* The file itself, for modules that parse groups of their own (see
   * ns_daemon_config_foreign_groups()); never NULL. */
  GKeyFile *keyfile;
} NsDaemonConfig;

void ns_daemon_config_free (NsDaemonConfig *config);

/* The configuration of an empty file (every default). Cannot fail for a
 * sane host name; aborts if the defaults table itself is invalid. */
NsDaemonConfig *ns_daemon_config_new_default (void);

/* Parses @keyfile (the config takes a reference). Warnings (unknown
 * groups/keys, ignored duplicates) are appended to @warnings when given,
 * as strings. On error @ret is untouched. */
gboolean ns_daemon_config_load (GKeyFile *keyfile,
                                NsDaemonConfig **ret,
                                GPtrArray *warnings,
                                GError **error);

gboolean ns_daemon_config_load_data (const char *data,
                                     gssize len,
                                     NsDaemonConfig **ret,
                                     GPtrArray *warnings,
                                     GError **error);

gboolean ns_daemon_config_load_file (const char *path,
                                     NsDaemonConfig **ret,
                                     GPtrArray *warnings,
                                     GError **error);

/* The default computer name for @hostname: the part before the first dot,
 * upper-cased (ASCII), cut to 15 bytes, with characters a NetBIOS name cannot
 * hold replaced by '-'. "NETSEND" if nothing is left. */
char *ns_daemon_config_default_name (const char *hostname);

/* Validates @name as a message name in @charset and returns its canonical
 * (registered) form, e.g. "alice" -> "ALICE". The error is
 * NS_CODEC_ERROR_INVALID_NAME or NS_CODEC_ERROR_CONVERSION and says why. */
gboolean ns_daemon_config_canonical_name (const char *name,
                                          const char *charset,
                                          char **ret,
                                          GError **error);

/* Writes every value (defaults included) back as a key file that loads to
 * an equal config; used by the fuzzer's round trip and --check-config -v. */
char *ns_daemon_config_to_data (const NsDaemonConfig *config);

gboolean ns_daemon_config_equal (const NsDaemonConfig *a, const NsDaemonConfig *b);

/* The "[group] key" of every setting that differs between @old and @new and
 * cannot change without a restart (sockets, privileges, identity on the
 * wire). A reload keeps the old value of these and applies the rest. */
GPtrArray *ns_daemon_config_restart_keys (const NsDaemonConfig *old_config,
                                          const NsDaemonConfig *new_config);

/* SIGHUP: moves every setting that applies without a restart (and the
 * key file) from @new_config into @config, leaving @config's restart-only
 * settings as they are. @new_config is consumed. */
void ns_daemon_config_take_live (NsDaemonConfig *config, NsDaemonConfig *new_config);

/* Groups the daemon accepts without checking their keys here because
 * another module parses them (none at present: [delivery] is in the key
 * table); NULL-terminated. */
const char *const *ns_daemon_config_foreign_groups (void);

/* [delivery] hook: splits @command like a shell would (g_shell_parse_argv:
 * quotes and backslashes, no expansion; it is never run through a shell)
 * and checks that the program is an absolute path. */
gboolean ns_daemon_config_parse_command (const char *command, char ***ret_argv, GError **error);

/* The longest [delivery] hook-timeout, in seconds. */
#define NS_CONFIG_MAX_HOOK_TIMEOUT 3600

/* The longest [browse] comment in bytes of the DOS code page: MS-BRWS
 * §2.2.1 allows 43 bytes with the terminating NUL. */
#define NS_BROWSE_COMMENT_MAX 42
/* The most [browse] remote-announce entries. */
#define NS_MAX_REMOTE_ANNOUNCE 32

/* [browse] comment: @comment (UTF-8) in @charset, checked: no control
 * characters, at most NS_BROWSE_COMMENT_MAX bytes. @ret (optional)
 * receives the OEM bytes, NUL-terminated. */
gboolean ns_daemon_config_comment_to_oem (const char *comment,
                                          const char *charset,
                                          char **ret,
                                          GError **error);

/* One [browse] remote-announce entry, "A.B.C.D" or "A.B.C.D/WORKGROUP"
 * (Samba's `remote announce`): the IPv4 address in host byte order and the
 * workgroup as written after the '/' (canonicalised in @charset), or NULL
 * when absent (then the [netbios] workgroup applies). */
gboolean ns_daemon_config_parse_remote_announce (const char *entry,
                                                 const char *charset,
                                                 guint32 *ret_ipv4,
                                                 char **ret_workgroup,
                                                 GError **error);

const char *ns_notify_urgency_to_string (NsNotifyUrgency urgency);
/* "low", "normal", "critical" (case-insensitive). */
gboolean ns_notify_urgency_from_string (const char *str, NsNotifyUrgency *ret);

const char *ns_node_type_to_string (NsNodeType type);
const char *ns_log_level_to_string (GLogLevelFlags level);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsDaemonConfig, ns_daemon_config_free)

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */

/* netsend: Windows' `net send` for Linux and for scripts (PROTOCOL.md §6.1,
 * §6.3; issue 5).
 *
 *   netsend [OPTION...] NAME|*|/DOMAIN[:NAME]|/USERS|@FILE [MESSAGE...]
 *   netsend [OPTION...] --to NAME [--to NAME...] [MESSAGE...]
 *
 * The sending itself is libnetsend's NsSender; this file reads the command
 * line and the defaults of netsendd.conf, builds the recipient list and the
 * text, runs one ns_sender_send_many_async() and prints each result as it
 * completes (netsend-output.c). The pure parts are in netsend-targets.c. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netsend/ns-send.h>

#include "cli-common.h"
#include "daemon/config.h"
#include "netsend-output.h"
#include "netsend-targets.h"

#define PROG "netsend"
#define DEFAULT_CONFIG SYSCONFDIR "/netsend/netsendd.conf"
/* smbstatus reads local files; anything slower is stuck. */
#define SMBSTATUS_TIMEOUT_S 10

typedef struct {
  char **to;
  char *from;
  char *ip;
  int port;
  int name_port;
  int datagram_port;
  int rpc_port;
  char *transport;
  char *blocks;
  char *codepage;
  char *workgroup;
  char *netbios_name;
  char **wins;
  char **interfaces;
  double timeout;
  int parallel;
  gboolean split;
  gboolean reliable;
  char *hosts_file;
  gboolean no_host_resolver;
  char *config;
  gboolean no_config;
  char *smb_conf;
  gboolean json;
  gboolean quiet;
  gboolean version;
  char **rest;
} Options;

static const char description[] =
  "TARGET is a NetBIOS name (or an IPv4 address), * (every computer of the\n"
  "workgroup: quote it in shells), /DOMAIN or /DOMAIN:NAME (the workgroup NAME),\n"
  "/USERS (the computers holding a session on this machine's Samba server), or\n"
  "@FILE (one recipient per line; # starts a comment). Switches are\n"
  "case-insensitive; everything after TARGET is the message, words joined by\n"
  "spaces. Without a message, or with -, the text is read from standard input.\n"
  "A message has at most 652 bytes in the code page (--split sends more as\n"
  "several numbered messages). * and /DOMAIN are broadcasts nobody acknowledges:\n"
  "they are reported as sent; --reliable delivers to each host instead.\n"
  "\n"
  "Defaults come from " DEFAULT_CONFIG " when it exists\n"
  "(workgroup, name, interfaces, wins-server, node-type, dos-charset, ports).\n"
  "\n"
  "Exit status:\n"
  "  0    every recipient got the message (broadcasts: sent)\n"
  "  1    some recipients failed, others got it\n"
  "  2    usage error: bad option, target, recipient name or @FILE\n"
  "  3    no recipient got the message\n"
  "  4    the text was refused before sending: empty, too long (over 652 bytes\n"
  "       without --split) or not representable in the code page\n"
  "  5    cannot run here: bad configuration, no usable network interface,\n"
  "       /USERS without Samba, standard input unreadable\n"
  "  130  interrupted\n";

static gboolean
parse_options (int argc, char **argv, Options *o, GError **error)
{
  const GOptionEntry entries[] = {
    { "to", 't', 0, G_OPTION_ARG_STRING_ARRAY, &o->to,
      "Send to NAME (repeat for more; * /DOMAIN[:NAME] /USERS @FILE work too); then every "
      "argument is text", "NAME" },
    { "from", 'f', 0, G_OPTION_ARG_STRING, &o->from,
      "Sender name the recipient sees (default: your login name)", "NAME" },
    { "ip", 'I', 0, G_OPTION_ARG_STRING, &o->ip,
      "Deliver to this address without resolving the name (like smbclient -I)", "ADDRESS" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &o->port,
      "SMB port to connect to (139; 445 is SMB without a NetBIOS session)", "PORT" },
    { "transport", 'T', 0, G_OPTION_ARG_STRING, &o->transport,
      "auto (SMB, then RPC if SMB cannot connect), smb, mailslot or rpc", "NAME" },
    { "codepage", 'c', 0, G_OPTION_ARG_STRING, &o->codepage,
      "The recipient's DOS code page (default CP850, or dos-charset of netsendd.conf)", "CP" },
    { "workgroup", 'W', 0, G_OPTION_ARG_STRING, &o->workgroup,
      "Workgroup that * and /DOMAIN address (default WORKGROUP)", "NAME" },
    { "wins", 'w', 0, G_OPTION_ARG_STRING_ARRAY, &o->wins,
      "WINS server to resolve names with (repeatable)", "ADDRESS" },
    { "interface", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &o->interfaces,
      "Resolve and broadcast on this interface or address (repeatable; default: all)",
      "IFACE" },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &o->timeout,
      "Seconds each recipient may take in all: resolving, SMB, the RPC fallback, every part "
      "(default 5)", "SECONDS" },
    { "parallel", 'P', 0, G_OPTION_ARG_INT, &o->parallel,
      "Deliveries at once when sending to many (default 32)", "N" },
    { "split", 's', 0, G_OPTION_ARG_NONE, &o->split,
      "Send text over 652 bytes as several numbered messages", NULL },
    { "reliable", 'r', 0, G_OPTION_ARG_NONE, &o->reliable,
      "For * and /DOMAIN: find the workgroup's hosts and deliver to each, with a result each",
      NULL },
    { "hosts-file", 0, 0, G_OPTION_ARG_FILENAME, &o->hosts_file,
      "With --reliable: more hosts of the workgroup, one per line", "FILE" },
    { "blocks", 0, 0, G_OPTION_ARG_STRING, &o->blocks,
      "How SMB carries the text: auto, single (0xD0) or multi (0xD5/0xD7/0xD6)", "MODE" },
    { "netbios-name", 'n', 0, G_OPTION_ARG_STRING, &o->netbios_name,
      "This computer's NetBIOS name in session requests", "NAME" },
    { "no-host-resolver", 0, 0, G_OPTION_ARG_NONE, &o->no_host_resolver,
      "Resolve NetBIOS names only: no DNS or /etc/hosts", NULL },
    { "name-port", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &o->name_port,
      "Name service port (137)", "PORT" },
    { "datagram-port", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &o->datagram_port,
      "Datagram port (138)", "PORT" },
    { "rpc-port", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &o->rpc_port,
      "RPC port (135)", "PORT" },
    { "config", 'C', 0, G_OPTION_ARG_FILENAME, &o->config,
      "Take defaults from this netsendd.conf", "FILE" },
    { "no-config", 0, 0, G_OPTION_ARG_NONE, &o->no_config, "Ignore netsendd.conf", NULL },
    { "smb-conf", 0, 0, G_OPTION_ARG_FILENAME, &o->smb_conf,
      "/USERS: the smb.conf of the Samba server whose sessions count", "FILE" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &o->json,
      "One JSON object per recipient per line on stdout", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "Print errors only", NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &o->version, "Print the version", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->rest, NULL,
      "TARGET [MESSAGE...]" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_auto (GStrv) args = netsend_rewrite_args (argc, argv);

  g_option_context_set_summary (context, "Send a message to Windows, Samba and netsendd "
                                "computers, as Windows' `net send` does.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  /* Options end at TARGET: the message may hold anything, "-x" included. */
  g_option_context_set_strict_posix (context, TRUE);
  return g_option_context_parse_strv (context, &args, error);
}

static void
options_clear (Options *o)
{
  g_strfreev (o->to);
  g_free (o->from);
  g_free (o->ip);
  g_free (o->transport);
  g_free (o->blocks);
  g_free (o->codepage);
  g_free (o->workgroup);
  g_free (o->netbios_name);
  g_strfreev (o->wins);
  g_strfreev (o->interfaces);
  g_free (o->hosts_file);
  g_free (o->config);
  g_free (o->smb_conf);
  g_strfreev (o->rest);
}

/* ---- defaults from netsendd.conf ---------------------------------------- */

/* netsendd's own parser (daemon/config.c, pure): one meaning for every key.
 * The default file is optional and a broken one only warns; a file named
 * with --config must load. */
static gboolean
load_config (const Options *o, NsDaemonConfig **ret, GError **error)
{
  const char *path = o->config != NULL ? o->config : DEFAULT_CONFIG;
  g_autoptr (GError) local = NULL;

  *ret = NULL;
  if (o->no_config || (o->config == NULL && !g_file_test (path, G_FILE_TEST_EXISTS)))
    return TRUE;
  if (ns_daemon_config_load_file (path, ret, NULL, &local))
    return TRUE;
  if (o->config != NULL) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", path);
    return FALSE;
  }
  /* The daemon's file may be private to root and netsendd (0640): a user
   * who may not read it simply gets the built-in defaults. */
  if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_ACCES))
    g_debug ("not reading %s: %s", path, local->message);
  else if (!o->quiet)
    g_printerr ("%s: ignoring %s: %s\n", PROG, path, local->message);
  return TRUE;
}

static NbNodeType
node_type_of (NsNodeType type)
{
  switch (type) {
    case NS_NODE_TYPE_P: return NB_NODE_P;
    case NS_NODE_TYPE_M: return NB_NODE_M;
    case NS_NODE_TYPE_H: return NB_NODE_H;
    default: return NB_NODE_B;
  }
}

static void
apply_config (const NsDaemonConfig *c, NsSenderOptions *so)
{
  so->netbios_name = c->name;
  so->workgroup = c->workgroup;
  so->codepage = c->dos_charset;
  /* An empty list keeps netsendd on loopback; a sender still wants the
   * LAN, so empty means "every interface" here. */
  if (c->interfaces != NULL && c->interfaces[0] != NULL)
    so->interfaces = (const char *const *) c->interfaces;
  if (c->wins_servers != NULL && c->wins_servers[0] != NULL)
    so->wins_servers = (const char *const *) c->wins_servers;
  so->node_type = node_type_of (c->node_type);
  /* 0 (service off in netsendd) is also the library's "default port". */
  so->port_ns = c->name_service_port;
  so->port_dgm = c->datagram_port;
  so->port_ssn = c->session_port;
  so->port_rpc = c->rpc_port;
}

/* The int options hold NOT_GIVEN until given: -1 typed by hand is a bad
 * value like any other, not "the default". */
#define NOT_GIVEN G_MININT

static gboolean
port_option (const char *name, int value, guint16 *ret, GError **error)
{
  if (value == NOT_GIVEN)
    return TRUE;
  if (value < 1 || value > G_MAXUINT16) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--%s must be 1 to 65535, not %d", name, value);
    return FALSE;
  }
  *ret = (guint16) value;
  return TRUE;
}

static gboolean
blocks_option (const char *text, NsSendBlockMode *ret, GError **error)
{
  static const char *const names[] = { "auto", "single", "multi" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    if (g_ascii_strcasecmp (text, names[i]) == 0) {
      *ret = (NsSendBlockMode) i;
      return TRUE;
    }
  }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--blocks is auto, single or multi, not '%s'", text);
  return FALSE;
}

/* Checked before sending: unread, it would only fail the * and /DOMAIN
 * recipients one by one (exit 3), and without --reliable nothing reads it. */
static gboolean
hosts_file_option (const Options *o, GError **error)
{
  if (!o->reliable) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         "--hosts-file works with --reliable");
    return FALSE;
  }
  if (g_access (o->hosts_file, R_OK) != 0) {
    int saved = errno;

    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--hosts-file %s: %s",
                 o->hosts_file, g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}

static gboolean
apply_options (const Options *o, NsSenderOptions *so, GError **error)
{
  if (o->from != NULL)
    so->from = o->from;
  if (o->netbios_name != NULL)
    so->netbios_name = o->netbios_name;
  if (o->workgroup != NULL)
    so->workgroup = o->workgroup;
  if (o->codepage != NULL)
    so->codepage = o->codepage;
  if (o->interfaces != NULL)
    so->interfaces = (const char *const *) o->interfaces;
  if (o->wins != NULL) {
    so->wins_servers = (const char *const *) o->wins;
    so->node_type = NB_NODE_H;
  }
  so->address = o->ip;
  so->split = o->split;
  so->reliable = o->reliable;
  if (o->hosts_file != NULL && !hosts_file_option (o, error))
    return FALSE;
  so->hosts_file = o->hosts_file;
  so->use_host_resolver = !o->no_host_resolver;
  /* Written so that NaN fails too. */
  if (!(o->timeout >= 0 && o->timeout <= 3600)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--timeout must be 0.001 to 3600 seconds");
    return FALSE;
  }
  so->timeout_ms = o->timeout > 0 ? MAX (1u, (guint) (o->timeout * 1000.0 + 0.5)) : 0;
  if (o->parallel != NOT_GIVEN && (o->parallel < 1 || o->parallel > NS_SEND_MAX_PARALLEL)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--parallel must be 1 to %d", NS_SEND_MAX_PARALLEL);
    return FALSE;
  }
  so->parallel = o->parallel > 0 ? (guint) o->parallel : 0;
  if (o->transport != NULL && !ns_send_transport_from_string (o->transport, &so->transport)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--transport is auto, smb, mailslot or rpc, not '%s'", o->transport);
    return FALSE;
  }
  if (o->blocks != NULL && !blocks_option (o->blocks, &so->blocks, error))
    return FALSE;
  return port_option ("port", o->port, &so->port_ssn, error)
         && port_option ("name-port", o->name_port, &so->port_ns, error)
         && port_option ("datagram-port", o->datagram_port, &so->port_dgm, error)
         && port_option ("rpc-port", o->rpc_port, &so->port_rpc, error);
}

/* ---- recipients ---------------------------------------------------------- */

typedef struct {
  GMainLoop *loop;
  char *out;
  char *err;
  GError *error;
  GSubprocess *proc;
  guint timer;
  gboolean done;
} Smbstatus;

static void
on_smbstatus_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Smbstatus *st = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, &st->out, &st->err,
                                        &st->error);
  st->done = TRUE;
  g_main_loop_quit (st->loop);
}

static gboolean
on_smbstatus_timeout (gpointer user_data)
{
  Smbstatus *st = user_data;

  st->timer = 0;
  g_subprocess_force_exit (st->proc);
  return G_SOURCE_REMOVE;
}

/* `smbstatus -b --json`: the sessions of this machine's Samba server. */
static char **
users_from_samba (const Options *o, GError **error)
{
  g_autoptr (GStrvBuilder) argv_b = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Smbstatus st = { .loop = loop };
  g_autofree char *why = NULL;
  char **users = NULL;

  g_strv_builder_add_many (argv_b, "smbstatus", "-b", "--json", NULL);
  if (o->smb_conf != NULL)
    g_strv_builder_add_many (argv_b, "-s", o->smb_conf, NULL);
  argv = g_strv_builder_end (argv_b);
  proc = g_subprocess_newv ((const char *const *) argv,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &st.error);
  if (proc == NULL) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_NOT_SUPPORTED,
                 "/USERS sends to the computers holding a session on this machine's SMB "
                 "server, as Samba's smbstatus lists them, and smbstatus cannot run here "
                 "(%s): is Samba installed?", st.error->message);
    g_clear_error (&st.error);
    return NULL;
  }
  st.proc = proc;
  st.timer = g_timeout_add_seconds (SMBSTATUS_TIMEOUT_S, on_smbstatus_timeout, &st);
  g_subprocess_communicate_utf8_async (proc, NULL, NULL, on_smbstatus_done, &st);
  while (!st.done)
    g_main_loop_run (loop);
  if (st.timer != 0)
    g_source_remove (st.timer);
  if (st.error == NULL && g_subprocess_get_if_exited (proc)
      && g_subprocess_get_exit_status (proc) == 0) {
    users = netsend_users_from_smbstatus (st.out, -1, error);
    /* smbstatus exits 0 with an empty list when it cannot load smb.conf
     * ("Can't load ..."): an empty list with complaints is a failure. */
    if (users != NULL && users[0] == NULL && st.err != NULL && *g_strstrip (st.err) != '\0') {
      g_clear_pointer (&users, g_strfreev);
      g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_NOT_SUPPORTED,
                   "/USERS needs Samba's session list, and smbstatus said: %s", st.err);
    }
  } else {
    why = g_strstrip (g_strdup (st.err != NULL && *st.err != '\0' ? st.err
                                : st.error != NULL ? st.error->message
                                                   : "killed after 10 s"));
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_NOT_SUPPORTED,
                 "/USERS needs Samba's session list, and smbstatus failed: %s", why);
  }
  g_clear_error (&st.error);
  g_free (st.out);
  g_free (st.err);
  return users;
}

static gboolean
read_recipient_file (const char *path, GPtrArray *targets, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;

  if (!g_file_get_contents (path, &data, &len, &local)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "@%s: %s", path,
                 local->message);
    return FALSE;
  }
  return netsend_parse_recipient_file (data, len, path, targets, error);
}

/* Adds what one TARGET argument stands for to @targets. */
static gboolean
expand_target (const Options *o, const char *arg, GPtrArray *targets, gboolean *ret_broadcast,
               GError **error)
{
  NetsendTargetKind kind;
  g_autofree char *value = NULL;
  g_auto (GStrv) users = NULL;

  if (!netsend_target_classify (arg, &kind, &value, error))
    return FALSE;
  switch (kind) {
    case NETSEND_TARGET_FILE:
      return read_recipient_file (value, targets, error);
    case NETSEND_TARGET_USERS:
      users = users_from_samba (o, error);
      if (users == NULL)
        return FALSE;
      for (char **u = users; *u != NULL; u++)
        g_ptr_array_add (targets, g_strdup (*u));
      return TRUE;
    case NETSEND_TARGET_BROADCAST:
    case NETSEND_TARGET_DOMAIN:
      *ret_broadcast = TRUE;
      G_GNUC_FALLTHROUGH;
    default:
      g_ptr_array_add (targets, g_steal_pointer (&value));
      return TRUE;
  }
}

/* The recipients, and where the message words start in o->rest. */
static gboolean
collect_targets (const Options *o, GPtrArray *targets, guint *ret_text_start,
                 gboolean *ret_broadcast, GError **error)
{
  *ret_broadcast = FALSE;
  if (o->to != NULL) {
    for (char **t = o->to; *t != NULL; t++)
      if (!expand_target (o, *t, targets, ret_broadcast, error))
        return FALSE;
    *ret_text_start = 0;
    return TRUE;
  }
  if (o->rest == NULL || o->rest[0] == NULL) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                         "no recipient: netsend NAME|*|/DOMAIN[:NAME]|/USERS|@FILE [MESSAGE]");
    return FALSE;
  }
  *ret_text_start = 1;
  return expand_target (o, o->rest[0], targets, ret_broadcast, error);
}

/* ---- the text ------------------------------------------------------------- */

static char *
read_stdin (gboolean prompt, GError **error)
{
  g_autoptr (GString) buf = g_string_new (NULL);
  char chunk[4096];

  if (prompt && isatty (STDIN_FILENO))
    g_printerr ("Type your message, ending it with Ctrl-D:\n");
  while (buf->len <= NETSEND_MAX_INPUT_BYTES) {
    ssize_t n = read (STDIN_FILENO, chunk, sizeof chunk);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot read the message from standard input: %s", g_strerror (saved));
      return NULL;
    }
    if (n == 0)
      break;
    g_string_append_len (buf, chunk, n);
  }
  return netsend_message_from_input (buf->str, buf->len, error);
}

static char *
message_text (const Options *o, guint start, GError **error)
{
  guint n = o->rest != NULL ? g_strv_length (o->rest) : 0;
  g_autofree char *joined = NULL;
  char *utf8;

  if (start >= n || (start + 1 == n && strcmp (o->rest[start], "-") == 0))
    return read_stdin (!o->quiet && !o->json, error);
  joined = g_strjoinv (" ", o->rest + start);
  if (g_get_charset (NULL))
    return g_steal_pointer (&joined);
  utf8 = g_locale_to_utf8 (joined, -1, NULL, NULL, NULL);
  if (utf8 == NULL)
    g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_CONVERSION,
                         "the message cannot be converted from the locale's character set");
  return utf8;
}

/* ---- the run ------------------------------------------------------------ */

typedef struct {
  GMainLoop *loop;
  NetsendOutput *out;
  GCancellable *cancel;
  NsSendSummary summary;
  GError *error;
  gboolean finished;
  gboolean interrupted;
} Run;

static void
on_result (NsSender *sender, const NsSendResult *result, gpointer user_data)
{
  Run *run = user_data;

  netsend_output_result (run->out, result);
}

static void
on_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GPtrArray) results = NULL;

  results = ns_sender_send_many_finish ((NsSender *) source, res, &run->summary, &run->error);
  if (results != NULL)
    g_ptr_array_set_free_func (results, (GDestroyNotify) ns_send_result_free);
  run->finished = TRUE;
  g_main_loop_quit (run->loop);
}

static gboolean
on_signal (gpointer user_data)
{
  Run *run = user_data;

  run->interrupted = TRUE;
  g_cancellable_cancel (run->cancel);
  return G_SOURCE_CONTINUE;
}

static int
run_send (NsSender *sender, GPtrArray *targets, const char *text, NetsendOutput *out)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  Run run = { .loop = loop, .out = out, .cancel = cancel };
  guint sigint, sigterm;
  int rc;

  g_ptr_array_add (targets, NULL);
  sigint = g_unix_signal_add (SIGINT, on_signal, &run);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &run);
  ns_sender_send_many_async (sender, (const char *const *) targets->pdata, text, on_result,
                             &run, NULL, cancel, on_done, &run);
  while (!run.finished)
    g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  if (run.error != NULL && run.interrupted
      && g_error_matches (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    /* What completed before the signal is printed already; say so and
     * count it, instead of "Operation was cancelled". */
    NsSendSummary done = { out->done, out->delivered, out->sent, out->failed, 0 };

    g_printerr ("%s: interrupted; %u recipient(s) finished before that\n", PROG, out->done);
    netsend_output_finish (out, &done);
    g_clear_error (&run.error);
    return NETSEND_EXIT_INTERRUPTED;
  }
  if (run.error != NULL) {
    netsend_output_error (out, run.error, NULL);
    rc = netsend_exit_code_for_error (run.error);
    g_clear_error (&run.error);
    return run.interrupted ? NETSEND_EXIT_INTERRUPTED : rc;
  }
  netsend_output_finish (out, &run.summary);
  return netsend_exit_code (&run.summary, run.interrupted);
}

/* --reliable without the browse module still enumerates a workgroup by
 * broadcast and --hosts-file: say what is missing, on standard error. */
static void
note_browse_list (void)
{
  g_autoptr (GError) error = NULL;

  if (!ns_send_browse_list_available (&error))
    g_printerr ("%s: note: %s; the workgroup's computers come from a broadcast query and "
                "--hosts-file only\n", PROG, error->message);
}

/* What the user has as standard output: only our results go there. */
static FILE *results_stream;

/* Stops with @error: prints it and returns its exit code. */
static int
fail (const Options *o, const GError *error, int rc)
{
  NetsendOutput out;

  netsend_output_init (&out, results_stream, o->json, o->quiet, NULL, 1);
  netsend_output_error (&out, error, NULL);
  netsend_output_clear (&out);
  return rc;
}

static int
run (const Options *o)
{
  NsSenderOptions so;
  g_autoptr (NsDaemonConfig) config = NULL;
  g_autoptr (GPtrArray) targets = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (NsSender) sender = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  NetsendOutput out;
  guint text_start = 0;
  gboolean broadcast = FALSE;
  int rc;

  ns_sender_options_init (&so);
  if (!load_config (o, &config, &error))
    return fail (o, error, NETSEND_EXIT_SETUP);
  if (config != NULL)
    apply_config (config, &so);
  if (!apply_options (o, &so, &error)
      || !collect_targets (o, targets, &text_start, &broadcast, &error))
    return fail (o, error, netsend_exit_code_for_error (error));
  if (targets->len == 0) {
    /* /USERS with nobody connected: nothing to send, nothing failed. */
    if (!o->quiet)
      g_printerr ("%s: no computer has a session with this machine's SMB server (smbstatus "
                  "lists none); nothing sent\n", PROG);
    return NETSEND_EXIT_OK;
  }
  text = message_text (o, text_start, &error);
  if (text == NULL)
    return fail (o, error, netsend_exit_code_for_error (error));
  sender = ns_sender_new (&so, &error);
  if (sender == NULL) {
    /* Options were wrong (name, code page, interface, WINS address), or
     * the machine has no network to send on. */
    rc = g_error_matches (error, NS_SEND_ERROR, NS_SEND_ERROR_NETWORK) ? NETSEND_EXIT_SETUP
                                                                      : NETSEND_EXIT_USAGE;
    return fail (o, error, rc);
  }
  if (!ns_sender_check_text (sender, text, NULL, &error))
    return fail (o, error, NETSEND_EXIT_REFUSED);
  if (o->reliable && broadcast && !o->quiet)
    note_browse_list ();
  netsend_output_init (&out, results_stream, o->json, o->quiet,
                       so.workgroup != NULL ? so.workgroup : NS_SEND_DEFAULT_WORKGROUP,
                       broadcast && o->reliable ? 0 : targets->len);
  rc = run_send (sender, targets, text, &out);
  netsend_output_clear (&out);
  return rc;
}

/* Keeps the real standard output for results and points descriptor 1 at
 * standard error, so that nothing a library prints can corrupt --json
 * (libsmbclient's debug lines would go to stdout; the browse module sends
 * them to stderr, and this holds for any other library too). */
static FILE *
protect_stdout (void)
{
  int fd;
  FILE *stream;

  fflush (stdout);
  fd = fcntl (STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    return stdout;
  stream = fdopen (fd, "w");
  if (stream == NULL || dup2 (STDERR_FILENO, STDOUT_FILENO) < 0) {
    if (stream != NULL)
      fclose (stream);
    else
      close (fd);
    return stdout;
  }
  return stream;
}

int
main (int argc, char **argv)
{
  Options o = {
    .port = NOT_GIVEN, .name_port = NOT_GIVEN, .datagram_port = NOT_GIVEN,
    .rpc_port = NOT_GIVEN, .parallel = NOT_GIVEN,
  };
  g_autoptr (GError) error = NULL;
  int rc;

  cli_init ();
  if (!parse_options (argc, argv, &o, &error)) {
    g_printerr ("%s: %s\nTry '%s --help'.\n", PROG, error->message, PROG);
    options_clear (&o);
    return NETSEND_EXIT_USAGE;
  }
  if (o.version) {
    printf ("%s %s\n", PROG, PACKAGE_VERSION);
    rc = NETSEND_EXIT_OK;
  } else {
    results_stream = protect_stdout ();
    rc = run (&o);
    if (results_stream != stdout && fclose (results_stream) != 0 && rc == NETSEND_EXIT_OK)
      rc = NETSEND_EXIT_SETUP; /* results lost (full disk, closed pipe) */
  }
  options_clear (&o);
  return rc;
}

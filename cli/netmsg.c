/* SPDX-License-Identifier: GPL-3.0-or-later */

/* netmsg: lists the messages netsendd received, or follows new ones
 * (issue 4, "netmsg"; see netmsg.h and netmsg(1)).
 *
 *   netmsg [--since TIME] [--from NAME] [--limit N] [--json]
 *   netmsg --follow [--notify] ...
 *   netmsg --agent                the per-user desktop agent
 *
 * Messages come from netsendd's control API (ListMessages; the socket is
 * found like netname finds it), or with --store from the inbox file
 * itself, read-only. */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"
#include "cli-control.h"
#include "control-errors.h"
#include "daemon/delivery-util.h"
#include "netmsg.h"

struct _NetmsgSource {
  NsNetSend1 *proxy;
  NsStore *store;
};

static const CliSwitch no_switches[] = { { NULL, NULL, FALSE } };

static const char description[] =
  "TIME is 2024-05-01T08:00:00 (local time unless a zone is given), 2024-05-01,\n"
  "or an age: 90s, 15m, 2h, 1d, 1w. NAME may use * and ? and is compared\n"
  "without regard to case.\n"
  "\n"
  "Messages come from netsendd (found through --socket, $NETSEND_CONTROL, the\n"
  "private socket " CLI_CONTROL_DEFAULT_SOCKET " or the system bus), or with\n"
  "--store from the inbox file itself (read-only; needs read access to it).\n"
  "\n"
  "Exit status:\n"
  "  0   success (also when there is no message)\n"
  "  64  bad arguments\n"
  "  65  the store is not a netsend inbox, or is damaged\n"
  "  66  the store cannot be opened (missing, or no permission)\n"
  "  69  netsendd is not running, or --notify finds no session bus\n"
  "  76  unexpected reply from netsendd, or it refused the call with an error\n"
  "  77  not allowed to read the messages\n";

/* ---- sources ------------------------------------------------------------------ */

NetmsgSource *
netmsg_source_open (const NetmsgOptions *o, GError **error)
{
  g_autoptr (NetmsgSource) source = g_new0 (NetmsgSource, 1);

  if (o->store != NULL) {
    source->store = ns_store_open (o->store, NS_STORE_OPEN_READONLY, error);
    if (source->store == NULL)
      return NULL;
  } else {
    source->proxy = cli_control_connect (o->socket, error);
    if (source->proxy == NULL)
      return NULL;
    /* Calls may wait for a busy store; never forever. */
    g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (source->proxy), 30000);
  }
  return g_steal_pointer (&source);
}

void
netmsg_source_free (NetmsgSource *source)
{
  if (source == NULL)
    return;
  g_clear_object (&source->proxy);
  g_clear_pointer (&source->store, ns_store_free);
  g_free (source);
}

NsNetSend1 *
netmsg_source_get_proxy (NetmsgSource *source)
{
  return source->proxy;
}

/* One ListMessages call (at most NS_DELIVERY_LIST_MAX messages). */
static GPtrArray *
list_page (NetmsgSource *source, const NsStoreQuery *query, GError **error)
{
  g_autoptr (GVariant) messages = NULL;
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_stored_message_free);
  GVariant *filter = ns_delivery_filter_to_variant (query);
  GVariantIter iter;
  GVariant *dict;

  if (!ns_net_send1_call_list_messages_sync (source->proxy, filter, &messages, NULL, error)) {
    cli_control_fix_error (*error);
    return NULL;
  }
  g_variant_iter_init (&iter, messages);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL) {
    g_autoptr (GError) local = NULL;
    NsStoredMessage *msg = ns_delivery_message_from_variant (dict, &local);

    g_variant_unref (dict);
    if (msg == NULL) {
      g_set_error (error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_FAILED,
                   "netsendd sent a message netmsg cannot read: %s", local->message);
      return NULL;
    }
    g_ptr_array_add (out, msg);
  }
  return g_steal_pointer (&out);
}

/* Every match, paging forward by id; with a limit, the newest of them. */
static GPtrArray *
list_daemon (NetmsgSource *source, const NsStoreQuery *query, GError **error)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_stored_message_free);
  NsStoreQuery page = *query;

  if (query->limit > 0 && query->limit <= NS_DELIVERY_LIST_MAX)
    return list_page (source, query, error);
  page.limit = NS_DELIVERY_LIST_MAX;
  for (;;) {
    g_autoptr (GPtrArray) msgs = list_page (source, &page, error);
    guint n;

    if (msgs == NULL)
      return NULL;
    n = msgs->len;
    for (guint i = 0; i < n; i++)
      g_ptr_array_add (all, g_steal_pointer (&g_ptr_array_index (msgs, i)));
    if (n < NS_DELIVERY_LIST_MAX || n == 0)
      break;
    page.after_id = ((NsStoredMessage *) g_ptr_array_index (all, all->len - 1))->id;
  }
  if (query->limit > 0 && all->len > query->limit)
    g_ptr_array_remove_range (all, 0, all->len - query->limit);
  return g_steal_pointer (&all);
}

GPtrArray *
netmsg_source_list (NetmsgSource *source, const NsStoreQuery *query, GError **error)
{
  if (source->store != NULL)
    return ns_store_query (source->store, query, error);
  return list_daemon (source, query, error);
}

gboolean
netmsg_source_last_id (NetmsgSource *source, gint64 *ret_id, GError **error)
{
  NsStoreQuery newest = { .limit = 1 };
  g_autoptr (GPtrArray) msgs = NULL;

  if (source->store != NULL)
    return ns_store_get_last_id (source->store, ret_id, error);
  msgs = list_page (source, &newest, error);
  if (msgs == NULL)
    return FALSE;
  *ret_id = msgs->len > 0 ? ((NsStoredMessage *) g_ptr_array_index (msgs, 0))->id : 0;
  return TRUE;
}

/* ---- output and errors ---------------------------------------------------------- */

void
netmsg_print (const NetmsgOptions *o, const NsStoredMessage *msg)
{
  g_autofree char *text = NULL;

  if (o->quiet)
    return;
  text = netmsg_format (msg, o->json, NULL);
  fputs (text, stdout);
  fflush (stdout);
}

int
netmsg_report_error (const NetmsgOptions *o, const GError *error)
{
  const char *hint = NULL;
  int rc;

  if (error->domain == NS_STORE_ERROR) {
    switch ((NsStoreError) error->code) {
      case NS_STORE_ERROR_CANT_OPEN:
        rc = NETMSG_EXIT_NOINPUT;
        hint = "Check the path (netsendd.conf [store] path) and that you may read the file "
               "and its -wal and -shm files (or ask netsendd: drop --store).";
        break;
      case NS_STORE_ERROR_CORRUPT: case NS_STORE_ERROR_VERSION:
        rc = CLI_EXIT_DATAERR;
        break;
      case NS_STORE_ERROR_READONLY:
        rc = CLI_EXIT_NOPERM;
        break;
      default:
        rc = CLI_EXIT_UNAVAILABLE;
        break;
    }
    g_printerr ("%s: %s\n", NETMSG_PROG, error->message);
    if (hint != NULL)
      g_printerr ("%s\n", hint);
    return rc;
  }
  if (g_error_matches (error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_NOT_RUNNING))
    hint = "Start it (systemctl start netsendd), point --socket at its control socket, or "
           "read the inbox file with --store PATH.";
  else if (g_error_matches (error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_ACCESS_DENIED))
    hint = "The private socket is for root and the admin group; others use the system bus, "
           "whose policy (org.netsend.NetSend1.conf) must allow ListMessages.";
  cli_print_error (NETMSG_PROG, error, hint);
  rc = cli_exit_code (error);
  /* A refusal by the daemon with a Windows code is not "try again". */
  return rc == CLI_EXIT_NERR ? CLI_EXIT_PROTOCOL : rc;
}

/* ---- main ------------------------------------------------------------------------ */

static int
run_list (const NetmsgOptions *o)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NetmsgSource) source = netmsg_source_open (o, &error);
  g_autoptr (GPtrArray) msgs = NULL;

  if (source != NULL)
    msgs = netmsg_source_list (source, &o->query, &error);
  if (msgs == NULL)
    return netmsg_report_error (o, error);
  for (guint i = 0; i < msgs->len; i++)
    netmsg_print (o, g_ptr_array_index (msgs, i));
  return CLI_EXIT_OK;
}

typedef struct {
  char *since;
  char *from;
  int limit;
  char *urgency;
  gboolean version;
  char **rest;
} RawOptions;

static gboolean
check_options (const RawOptions *raw, NetmsgOptions *o, GError **error)
{
  if (raw->rest != NULL && raw->rest[0] != NULL) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "unexpected argument '%s'",
                 raw->rest[0]);
    return FALSE;
  }
  if (o->agent)
    o->follow = o->notify = o->quiet = TRUE;
  if (o->notify && !o->follow) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                         "--notify works with --follow (or use --agent)");
    return FALSE;
  }
  if (o->socket != NULL && o->store != NULL) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                         "give --socket or --store, not both");
    return FALSE;
  }
  if (raw->limit < 0 || raw->limit > 1000000) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         "--limit must be 0 (all) to 1000000");
    return FALSE;
  }
  o->query.limit = (guint) raw->limit;
  if (raw->urgency != NULL && !ns_notify_urgency_from_string (raw->urgency, &o->urgency)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--urgency '%s': use low, normal or critical", raw->urgency);
    return FALSE;
  }
  o->urgency_set = raw->urgency != NULL;
  if (raw->from != NULL) {
    g_autoptr (NsNameGlob) glob = ns_name_glob_new (raw->from, error);

    if (glob == NULL) {
      g_prefix_error (error, "--from: ");
      return FALSE;
    }
    o->query.from = raw->from;
  }
  return raw->since == NULL
         || netmsg_parse_since (raw->since, g_get_real_time (), NULL, &o->query.since_us, error);
}

static gboolean
parse_options (int argc, char **argv, RawOptions *raw, NetmsgOptions *o, GError **error)
{
  const GOptionEntry entries[] = {
    { "since", 0, 0, G_OPTION_ARG_STRING, &raw->since, "Only messages received since TIME",
      "TIME" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &raw->from, "Only messages from NAME (* and ? work)",
      "NAME" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &raw->limit,
      "List the newest N messages (default 20; 0: all)", "N" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &o->json, "One JSON object per message per line",
      NULL },
    { "follow", 'f', 0, G_OPTION_ARG_NONE, &o->follow,
      "After the listing, wait for new messages and print them as they arrive", NULL },
    { "notify", 0, 0, G_OPTION_ARG_NONE, &o->notify,
      "With --follow: show each new message as a desktop notification", NULL },
    { "urgency", 0, 0, G_OPTION_ARG_STRING, &raw->urgency,
      "Urgency of notifications: low, normal, critical (default: netsendd's notify-urgency)",
      "LEVEL" },
    { "all", 'a', 0, G_OPTION_ARG_NONE, &o->all,
      "Notify also of messages to other users' names", NULL },
    { "agent", 0, 0, G_OPTION_ARG_NONE, &o->agent,
      "The desktop agent: --follow --notify --quiet, once per session, waits for netsendd",
      NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "Print no messages (with --notify)",
      NULL },
    { "socket", 's', 0, G_OPTION_ARG_STRING, &o->socket,
      "netsendd's control socket or D-Bus address (else $NETSEND_CONTROL)", "PATH" },
    { "store", 'S', 0, G_OPTION_ARG_FILENAME, &o->store,
      "Read the inbox file itself (read-only) instead of asking netsendd", "PATH" },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &raw->version, "Print the version", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw->rest, NULL, NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_auto (GStrv) args = cli_rewrite_switches (argc, argv, no_switches, FALSE);

  g_option_context_set_summary (context, "List the Net Send messages netsendd received "
                                "(newest last), or follow new ones.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  return g_option_context_parse_strv (context, &args, error) && (raw->version
                                                                 || check_options (raw, o, error));
}

int
main (int argc, char **argv)
{
  NetmsgOptions o = { .urgency = NS_NOTIFY_URGENCY_CRITICAL };
  RawOptions raw = { .limit = NETMSG_DEFAULT_LIMIT };
  g_autoptr (GError) error = NULL;
  int rc;

  cli_init ();
  if (!parse_options (argc, argv, &raw, &o, &error)) {
    g_printerr ("%s: %s\nTry '%s --help'.\n", NETMSG_PROG, error->message, NETMSG_PROG);
    rc = CLI_EXIT_USAGE;
  } else if (raw.version) {
    printf ("%s %s\n", NETMSG_PROG, PACKAGE_VERSION);
    rc = CLI_EXIT_OK;
  } else {
    rc = o.follow ? netmsg_follow (&o) : run_list (&o);
  }
  g_free (raw.since);
  g_free (raw.from);
  g_free (raw.urgency);
  g_strfreev (raw.rest);
  g_free (o.socket);
  g_free (o.store);
  return rc;
}

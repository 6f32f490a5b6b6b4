/* SPDX-License-Identifier: GPL-3.0-or-later */

/* netmsg --follow, --notify, --agent; see netmsg.h and netmsg(1).
 *
 * The MessageReceived signal only wakes us up: what is printed comes from
 * ListMessages with "after-id" the last id seen, so a signal missed (the
 * daemon restarted, the connection dropped) loses nothing, and --json
 * prints the same fields as the listing. Only when ListMessages fails is
 * the signal's own copy shown. With --store the file is read every
 * NETMSG_STORE_POLL_MS instead. */

#include "config.h"

#include <glib-unix.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>

#include "cli-common.h"
#include "control-errors.h"
#include "daemon/delivery-util.h"
#include "daemon/policy.h"
#include "netmsg.h"

#define NOTIFY_NAME "org.freedesktop.Notifications"
#define NOTIFY_PATH "/org/freedesktop/Notifications"
/* What the notification shows as the application and how it is grouped
 * (Desktop Notifications Specification: hints "category",
 * "desktop-entry"). */
#define NOTIFY_APP_NAME "Net Send"
#define NOTIFY_ICON "mail-message-new"
#define NOTIFY_CATEGORY "im.received"
#define NOTIFY_DESKTOP_ENTRY "netsend-agent"

typedef struct {
  const NetmsgOptions *o;
  GMainLoop *loop;
  int rc;
  gboolean failed;
  NetmsgSource *source;
  GDBusConnection *peer;   /* the private socket's connection, watched for closing */
  GSource *retry;
  GSource *poll;
  gboolean listed;         /* the initial listing is done */
  gboolean waiting_noted;
  gint64 last_id;
  NsNameGlob *from;
  /* --notify */
  GDBusConnection *session;
  gboolean caps_known;
  gboolean markup;
  NsNotifyUrgency urgency;
  char *computer_name;
  gboolean notify_warned;
} Follow;

static void connect_source (Follow *f);

static void
clear_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

/* ---- notifications ------------------------------------------------------------- */

static gboolean
user_exists (const char *name, gpointer user_data)
{
  g_autofree char *copy = g_strchomp (g_strdup (name));
  g_autofree char *lower = g_utf8_validate (copy, -1, NULL) ? g_utf8_strdown (copy, -1) : NULL;

  return getpwnam (copy) != NULL || (lower != NULL && getpwnam (lower) != NULL);
}

static gboolean
is_for_me (Follow *f, const NsStoredMessage *msg)
{
  return f->o->all || ns_delivery_is_for_user (msg->to, g_get_user_name (), f->computer_name,
                                                user_exists, NULL);
}

static void
read_capabilities (Follow *f)
{
  g_autoptr (GVariant) reply = NULL;
  g_autofree const char **caps = NULL;

  reply = g_dbus_connection_call_sync (f->session, NOTIFY_NAME, NOTIFY_PATH, NOTIFY_NAME,
                                       "GetCapabilities", NULL, G_VARIANT_TYPE ("(as)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (reply == NULL)
    return; /* no server yet: ask again next time */
  g_variant_get (reply, "(^a&s)", &caps);
  f->markup = g_strv_contains (caps, "body-markup");
  f->caps_known = TRUE;
}

static void
on_notified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Follow *f = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source),
                                                              result, &error);

  if (reply == NULL) {
    g_printerr ("%s: cannot show a notification: %s\n", NETMSG_PROG, error->message);
    f->caps_known = FALSE;
  }
}

static void
notify (Follow *f, const NsStoredMessage *msg)
{
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  GVariantBuilder hints;

  if (!f->caps_known)
    read_capabilities (f);
  netmsg_notification_text (msg, f->markup, NULL, &summary, &body);
  g_variant_builder_init (&hints, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&hints, "{sv}", "urgency", g_variant_new_byte ((guint8) f->urgency));
  g_variant_builder_add (&hints, "{sv}", "category", g_variant_new_string (NOTIFY_CATEGORY));
  g_variant_builder_add (&hints, "{sv}", "desktop-entry",
                         g_variant_new_string (NOTIFY_DESKTOP_ENTRY));
  /* expire_timeout -1: the server decides; a critical one stays until
   * dismissed, like Windows' message box. */
  g_dbus_connection_call (f->session, NOTIFY_NAME, NOTIFY_PATH, NOTIFY_NAME, "Notify",
                          g_variant_new ("(susss@asa{sv}i)", NOTIFY_APP_NAME, 0, NOTIFY_ICON,
                                         summary, body, g_variant_new_strv (NULL, 0), &hints,
                                         -1),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                          on_notified, f);
}

/* ---- new messages ----------------------------------------------------------------- */

static void
show_new (Follow *f, const NsStoredMessage *msg)
{
  if (msg->id <= f->last_id)
    return;
  f->last_id = msg->id;
  if (f->from != NULL && !ns_name_glob_match (f->from, msg->from))
    return;
  netmsg_print (f->o, msg);
  if (f->session != NULL && is_for_me (f, msg))
    notify (f, msg);
}

/* Everything after the last id seen. @hint (nullable) is the signal's
 * copy, shown if the listing fails. */
static void
catch_up (Follow *f, const NsStoredMessage *hint)
{
  NsStoreQuery q = { .after_id = f->last_id, .from = f->o->query.from };
  g_autoptr (GPtrArray) msgs = NULL;
  g_autoptr (GError) error = NULL;

  if (f->source == NULL || !f->listed)
    return;
  msgs = netmsg_source_list (f->source, &q, &error);
  if (msgs == NULL) {
    g_printerr ("%s: cannot read the new messages: %s\n", NETMSG_PROG, error->message);
    if (hint != NULL)
      show_new (f, hint);
    return;
  }
  for (guint i = 0; i < msgs->len; i++)
    show_new (f, g_ptr_array_index (msgs, i));
  /* The message of the signal may not match --from: still seen. */
  if (hint != NULL && hint->id > f->last_id)
    f->last_id = hint->id;
}

static void
on_message_received (NsNetSend1 *proxy, guint64 id, gint64 time_us, const char *from,
                     const char *to, const char *text, const char *source, const char *transport,
                     gpointer user_data)
{
  Follow *f = user_data;
  g_autoptr (NsStoredMessage) hint = NULL;
  g_autoptr (GVariant) args = NULL;

  if ((gint64) id <= f->last_id)
    return;
  args = g_variant_ref_sink (g_variant_new ("(txsssss)", id, time_us, from, to, text, source,
                                            transport));
  hint = ns_delivery_message_from_signal (args);
  catch_up (f, hint);
}

static gboolean
on_poll (gpointer user_data)
{
  catch_up (user_data, NULL);
  return G_SOURCE_CONTINUE;
}

/* The listing asked for, then the newest id: later ones are "new". */
static gboolean
initial_listing (Follow *f, GError **error)
{
  g_autoptr (GPtrArray) msgs = NULL;
  gint64 newest = 0;

  if (!netmsg_source_last_id (f->source, &newest, error))
    return FALSE;
  msgs = netmsg_source_list (f->source, &f->o->query, error);
  if (msgs == NULL)
    return FALSE;
  for (guint i = 0; i < msgs->len; i++) {
    NsStoredMessage *msg = g_ptr_array_index (msgs, i);

    /* Newer ones come again from catch_up(), with a notification. */
    if (msg->id <= newest)
      netmsg_print (f->o, msg);
  }
  f->last_id = newest;
  f->listed = TRUE;
  return TRUE;
}

/* ---- the daemon connection ---------------------------------------------------------- */

static void
read_status (Follow *f)
{
  NsNetSend1 *proxy = netmsg_source_get_proxy (f->source);
  g_autoptr (GVariant) status = NULL;
  const char *s;

  if (proxy == NULL || !ns_net_send1_call_get_status_sync (proxy, &status, NULL, NULL))
    return;
  if (g_variant_lookup (status, "name", "&s", &s)) {
    g_free (f->computer_name);
    f->computer_name = g_strdup (s);
  }
  if (!f->o->urgency_set && g_variant_lookup (status, "notify-urgency", "&s", &s))
    ns_notify_urgency_from_string (s, &f->urgency);
}

static gboolean
on_retry (gpointer user_data)
{
  Follow *f = user_data;

  g_clear_pointer (&f->retry, g_source_unref);
  connect_source (f);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (Follow *f)
{
  if (f->retry != NULL)
    return;
  f->retry = g_timeout_source_new (NETMSG_RECONNECT_MS);
  g_source_set_callback (f->retry, on_retry, f, NULL);
  g_source_attach (f->retry, NULL);
}

static void
drop_source (Follow *f)
{
  if (f->peer != NULL) {
    g_signal_handlers_disconnect_by_data (f->peer, f);
    g_clear_object (&f->peer);
  }
  if (f->source != NULL && netmsg_source_get_proxy (f->source) != NULL)
    g_signal_handlers_disconnect_by_data (netmsg_source_get_proxy (f->source), f);
  g_clear_pointer (&f->source, netmsg_source_free);
}

static void
on_peer_closed (GDBusConnection *conn, gboolean vanished, GError *error, gpointer user_data)
{
  Follow *f = user_data;

  g_printerr ("%s: netsendd went away; waiting for it to come back\n", NETMSG_PROG);
  drop_source (f);
  schedule_retry (f);
}

static void
on_owner_changed (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Follow *f = user_data;
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (object));

  if (owner == NULL) {
    g_printerr ("%s: netsendd left the system bus; waiting for it to come back\n", NETMSG_PROG);
    return;
  }
  read_status (f);
  catch_up (f, NULL);
}

static void
watch_daemon (Follow *f)
{
  NsNetSend1 *proxy = netmsg_source_get_proxy (f->source);
  GDBusConnection *conn = g_dbus_proxy_get_connection (G_DBUS_PROXY (proxy));

  g_signal_connect (proxy, "message-received", G_CALLBACK (on_message_received), f);
  if (g_dbus_connection_get_unique_name (conn) == NULL) {
    /* Peer to peer: a restart closes the connection. */
    f->peer = g_object_ref (conn);
    g_dbus_connection_set_exit_on_close (conn, FALSE);
    g_signal_connect (conn, "closed", G_CALLBACK (on_peer_closed), f);
  } else {
    /* On the bus the proxy follows the name across restarts. */
    g_signal_connect (proxy, "notify::g-name-owner", G_CALLBACK (on_owner_changed), f);
  }
}

static void
fail (Follow *f, const GError *error)
{
  f->rc = netmsg_report_error (f->o, error);
  f->failed = TRUE;
  g_main_loop_quit (f->loop);
}

static void
connect_source (Follow *f)
{
  g_autoptr (GError) error = NULL;

  f->source = netmsg_source_open (f->o, &error);
  if (f->source == NULL) {
    /* Only the agent waits for a daemon that was never there. */
    if (f->listed || f->o->agent) {
      if (!f->waiting_noted)
        g_printerr ("%s: %s; waiting for it\n", NETMSG_PROG, error->message);
      f->waiting_noted = TRUE;
      schedule_retry (f);
    } else {
      fail (f, error);
    }
    return;
  }
  f->waiting_noted = FALSE;
  if (netmsg_source_get_proxy (f->source) != NULL) {
    watch_daemon (f);
    read_status (f);
  } else {
    f->poll = g_timeout_source_new (NETMSG_STORE_POLL_MS);
    g_source_set_callback (f->poll, on_poll, f, NULL);
    g_source_attach (f->poll, NULL);
  }
  if (f->listed) {
    catch_up (f, NULL);
    return;
  }
  if (!initial_listing (f, &error))
    fail (f, error);
}

/* ---- main ---------------------------------------------------------------------------- */

static gboolean
on_signal (gpointer user_data)
{
  Follow *f = user_data;

  g_main_loop_quit (f->loop);
  return G_SOURCE_CONTINUE;
}

/* The session ended (logout): nobody is left to notify. */
static void
on_session_closed (GDBusConnection *conn, gboolean vanished, GError *error, gpointer user_data)
{
  Follow *f = user_data;

  g_printerr ("%s: the session bus went away; stopping\n", NETMSG_PROG);
  g_main_loop_quit (f->loop);
}

/* One agent per session: the first one owns NETMSG_AGENT_BUS_NAME. */
static gboolean
first_agent (Follow *f, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  guint32 result = 0;

  reply = g_dbus_connection_call_sync (f->session, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "RequestName",
                                       g_variant_new ("(su)", NETMSG_AGENT_BUS_NAME,
                                                      4 /* DBUS_NAME_FLAG_DO_NOT_QUEUE */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(u)", &result);
  /* 1: primary owner, 4: already ours. */
  return result == 1 || result == 4;
}

static gboolean
open_session (Follow *f, int *ret_rc)
{
  g_autoptr (GError) error = NULL;

  f->session = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (f->session == NULL) {
    g_printerr ("%s: --notify needs the session bus of a desktop session: %s\n", NETMSG_PROG,
                error->message);
    *ret_rc = CLI_EXIT_UNAVAILABLE;
    return FALSE;
  }
  g_dbus_connection_set_exit_on_close (f->session, FALSE);
  if (f->o->agent && !first_agent (f, &error)) {
    if (error != NULL) {
      g_printerr ("%s: %s\n", NETMSG_PROG, error->message);
      *ret_rc = CLI_EXIT_UNAVAILABLE;
    } else {
      g_printerr ("%s: another netmsg --agent runs in this session\n", NETMSG_PROG);
      *ret_rc = CLI_EXIT_OK;
    }
    return FALSE;
  }
  return TRUE;
}

int
netmsg_follow (const NetmsgOptions *o)
{
  Follow f = { .o = o, .rc = CLI_EXIT_OK, .urgency = o->urgency };
  int rc = CLI_EXIT_OK;
  guint sigint, sigterm;

  if (o->notify && !open_session (&f, &rc)) {
    g_clear_object (&f.session);
    return rc;
  }
  if (o->query.from != NULL)
    f.from = ns_name_glob_new (o->query.from, NULL);
  f.loop = g_main_loop_new (NULL, FALSE);
  if (f.session != NULL)
    g_signal_connect (f.session, "closed", G_CALLBACK (on_session_closed), &f);
  sigint = g_unix_signal_add (SIGINT, on_signal, &f);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &f);
  connect_source (&f);
  if (!f.failed)
    g_main_loop_run (f.loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  drop_source (&f);
  clear_source (&f.retry);
  clear_source (&f.poll);
  g_clear_pointer (&f.loop, g_main_loop_unref);
  g_clear_pointer (&f.from, ns_name_glob_free);
  if (f.session != NULL)
    g_signal_handlers_disconnect_by_data (f.session, &f);
  g_clear_object (&f.session);
  g_free (f.computer_name);
  return f.rc;
}

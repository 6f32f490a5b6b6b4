/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The control API on the private socket and the system bus; see control.h.
 * Skeleton glue and access checks only: the work is in names.c and the
 * manager's status function. */

#define G_LOG_DOMAIN "netsendd"

#include "control.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "control-errors.h"
#include "netsend-control.h"

struct _NsControl {
  char *socket_path;
  char *admin_group;
  char *created_dir;
  GDBusServer *server;
  NsNetSend1 *skeleton;
  GPtrArray *peers; /* GDBusConnection */
  GDBusConnection *bus;
  guint bus_owner_id;
  NsNames *names;
  NsControlStatusFunc status_func;
  gpointer status_data;
  NsControlListMessagesFunc list_messages_func;
  gpointer list_messages_data;
};

typedef void (*AuthorizedFunc) (NsControl *control, GDBusMethodInvocation *invocation,
                                const char *arg);

typedef struct {
  NsControl *control;
  GDBusMethodInvocation *invocation;
  AuthorizedFunc func;
  char *arg;
} AuthCall;

static gboolean
uid_in_group (uid_t uid, const char *group_name)
{
  /* Main thread only: getpwuid()/getgrnam() use static buffers. */
  struct group *gr = group_name ? getgrnam (group_name) : NULL;
  struct passwd *pw;
  gid_t gid;
  int n = 64;
  g_autofree gid_t *groups = NULL;

  if (gr == NULL)
    return FALSE;
  gid = gr->gr_gid;
  pw = getpwuid (uid);
  if (pw == NULL)
    return FALSE;
  if (pw->pw_gid == gid)
    return TRUE;
  groups = g_new (gid_t, n);
  if (getgrouplist (pw->pw_name, pw->pw_gid, groups, &n) < 0) {
    groups = g_renew (gid_t, groups, n);
    if (getgrouplist (pw->pw_name, pw->pw_gid, groups, &n) < 0)
      return FALSE;
  }
  for (int i = 0; i < n; i++)
    if (groups[i] == gid)
      return TRUE;
  return FALSE;
}

static gboolean
uid_may_change (NsControl *control, uid_t uid)
{
  return uid == 0 || uid == geteuid () || uid_in_group (uid, control->admin_group);
}

static void
auth_call_finish (AuthCall *call, gboolean have_uid, uid_t uid)
{
  if (!have_uid || !uid_may_change (call->control, uid)) {
    g_info ("Refused a change from uid %ld (not root, not in group %s)",
            have_uid ? (long) uid : -1L, call->control->admin_group);
    g_dbus_method_invocation_return_error (call->invocation, NS_CONTROL_ERROR,
                                           NS_CONTROL_ERROR_ACCESS_DENIED,
                                           "Changing names needs root or membership of "
                                           "group %s", call->control->admin_group);
  } else {
    call->func (call->control, call->invocation, call->arg);
  }
  g_free (call->arg);
  g_free (call);
}

static void
on_bus_uid (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AuthCall *call = user_data;
  g_autoptr (GVariant) reply = NULL;
  guint32 uid = 0;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(u)", &uid);
  auth_call_finish (call, reply != NULL, (uid_t) uid);
}

/* Calls @func if the caller may change things, else answers AccessDenied. */
static void
authorize (NsControl *control, GDBusMethodInvocation *invocation, AuthorizedFunc func,
           const char *arg)
{
  GDBusConnection *conn = g_dbus_method_invocation_get_connection (invocation);
  AuthCall *call = g_new0 (AuthCall, 1);
  GCredentials *creds;

  call->control = control;
  call->invocation = invocation;
  call->func = func;
  call->arg = g_strdup (arg);
  if (conn == control->bus) {
    /* On a bus the peer is the bus daemon; ask it who sent the call. */
    g_dbus_connection_call (conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                            "org.freedesktop.DBus", "GetConnectionUnixUser",
                            g_variant_new ("(s)", g_dbus_method_invocation_get_sender (invocation)),
                            G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_bus_uid,
                            call);
    return;
  }
  creds = g_dbus_connection_get_peer_credentials (conn);
  if (creds == NULL) {
    auth_call_finish (call, FALSE, 0);
    return;
  }
  auth_call_finish (call, TRUE, g_credentials_get_unix_user (creds, NULL));
}

static void
on_name_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (g_task_get_source_tag (G_TASK (result)) == ns_names_add_async)
    ok = ns_names_add_finish (NULL, result, &error);
  else
    ok = ns_names_delete_finish (NULL, result, &error);
  if (ok)
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_return_gerror (invocation, error);
}

static gboolean
have_names (NsControl *control, GDBusMethodInvocation *invocation)
{
  if (control->names != NULL)
    return TRUE;
  g_dbus_method_invocation_return_error_literal (invocation, NS_CONTROL_ERROR,
                                                 NS_CONTROL_ERROR_NOT_RUNNING,
                                                 "netsendd is not running its name service");
  return FALSE;
}

static void
do_add (NsControl *control, GDBusMethodInvocation *invocation, const char *name)
{
  if (have_names (control, invocation))
    ns_names_add_async (control->names, name, on_name_done, invocation);
}

static void
do_delete (NsControl *control, GDBusMethodInvocation *invocation, const char *name)
{
  if (have_names (control, invocation))
    ns_names_delete_async (control->names, name, on_name_done, invocation);
}

static gboolean
on_handle_add_name (NsNetSend1 *skeleton, GDBusMethodInvocation *invocation, const char *name,
                    gpointer user_data)
{
  authorize (user_data, invocation, do_add, name);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_delete_name (NsNetSend1 *skeleton, GDBusMethodInvocation *invocation,
                       const char *name, gpointer user_data)
{
  authorize (user_data, invocation, do_delete, name);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_list_names (NsNetSend1 *skeleton, GDBusMethodInvocation *invocation,
                      gpointer user_data)
{
  NsControl *control = user_data;
  GVariant *names = control->names ? ns_names_list (control->names)
                                   : g_variant_new_array (G_VARIANT_TYPE ("(sybsas)"), NULL, 0);

  ns_net_send1_complete_list_names (skeleton, invocation, names);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_list_names2 (NsNetSend1 *skeleton, GDBusMethodInvocation *invocation,
                       gpointer user_data)
{
  NsControl *control = user_data;
  GVariant *names = control->names ? ns_names_list2 (control->names)
                                   : g_variant_new_array (G_VARIANT_TYPE ("a{sv}"), NULL, 0);

  ns_net_send1_complete_list_names2 (skeleton, invocation, names);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_get_status (NsNetSend1 *skeleton, GDBusMethodInvocation *invocation,
                      gpointer user_data)
{
  NsControl *control = user_data;
  GVariant *status = NULL;

  if (control->status_func != NULL)
    status = control->status_func (control->status_data);
  if (status == NULL)
    status = g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0);
  ns_net_send1_complete_get_status (skeleton, invocation, status);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_list_messages (NsNetSend1 *skeleton, GDBusMethodInvocation *invocation,
                         GVariant *filter, gpointer user_data)
{
  NsControl *control = user_data;

  if (control->list_messages_func == NULL) {
    g_dbus_method_invocation_return_error_literal (invocation, NS_CONTROL_ERROR,
                                                   NS_CONTROL_ERROR_NOT_RUNNING,
                                                   "netsendd is not running its inbox");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  control->list_messages_func (invocation, filter, control->list_messages_data);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_peer_closed (GDBusConnection *conn, gboolean remote_peer_vanished, GError *error,
                gpointer user_data)
{
  NsControl *control = user_data;

  g_dbus_interface_skeleton_unexport_from_connection (G_DBUS_INTERFACE_SKELETON (control->skeleton),
                                                      conn);
  g_signal_handlers_disconnect_by_data (conn, control);
  g_ptr_array_remove (control->peers, conn);
}

static gboolean
on_new_connection (GDBusServer *server, GDBusConnection *conn, gpointer user_data)
{
  NsControl *control = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (control->skeleton), conn,
                                         NS_CONTROL_OBJECT_PATH, &error)) {
    g_warning ("Cannot serve a control connection: %s", error->message);
    return FALSE;
  }
  g_ptr_array_add (control->peers, g_object_ref (conn));
  g_signal_connect (conn, "closed", G_CALLBACK (on_peer_closed), control);
  return TRUE;
}

static gboolean
on_authorize_peer (GDBusAuthObserver *observer, GIOStream *stream, GCredentials *credentials,
                   gpointer user_data)
{
  NsControl *control = user_data;

  /* Anonymous peers have no uid to check later. Everyone else may read;
   * the socket's mode already limits who gets here. */
  if (credentials == NULL)
    return FALSE;
  if (control->peers->len >= NS_CONTROL_MAX_PEERS) {
    g_warning ("Refusing a control connection: %u already open", control->peers->len);
    return FALSE;
  }
  return TRUE;
}

static gboolean
on_allow_mechanism (GDBusAuthObserver *observer, const char *mechanism, gpointer user_data)
{
  return g_strcmp0 (mechanism, "EXTERNAL") == 0;
}

/* A socket file left by a daemon that died is replaced; a live daemon's
 * is not. */
static gboolean
clear_stale_socket (const char *path, const char *address, GError **error)
{
  GStatBuf st;
  g_autoptr (GDBusConnection) probe = NULL;

  if (g_lstat (path, &st) < 0)
    return TRUE;
  if (!S_ISSOCK (st.st_mode)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s exists and is not a socket", path);
    return FALSE;
  }
  probe = g_dbus_connection_new_for_address_sync (address,
                                                  G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                                  NULL, NULL, NULL);
  if (probe != NULL) {
    g_dbus_connection_close_sync (probe, NULL, NULL);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                 "Another netsendd is serving %s", path);
    return FALSE;
  }
  if (g_unlink (path) < 0 && errno != ENOENT) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot remove the stale socket %s: %s", path, g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}

static void
set_socket_access (const char *path, const char *admin_group)
{
  struct group *gr = getgrnam (admin_group);

  /* Mode 0660: the owner (root or the daemon's user) and the admin group.
   * Without the group (or without the right to chown) the socket keeps our
   * own group: admins then reach us through the system bus. */
  if (g_chmod (path, 0660) < 0)
    g_warning ("Cannot chmod %s: %s", path, g_strerror (errno));
  if (gr == NULL) {
    g_info ("Group %s does not exist; control socket %s is for uid %ld only", admin_group, path,
            (long) geteuid ());
    return;
  }
  if (chown (path, (uid_t) -1, gr->gr_gid) < 0)
    g_warning ("Cannot give %s to group %s: %s", path, admin_group, g_strerror (errno));
}

static gboolean
start_server (NsControl *control, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (control->socket_path);
  g_autofree char *address = NULL;
  g_autofree char *guid = g_dbus_generate_guid ();
  g_autofree char *escaped = g_dbus_address_escape_value (control->socket_path);
  g_autoptr (GDBusAuthObserver) observer = g_dbus_auth_observer_new ();
  mode_t old_umask;

  if (!g_file_test (dir, G_FILE_TEST_EXISTS))
    control->created_dir = g_strdup (dir);
  if (g_mkdir_with_parents (dir, 0755) < 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot create %s: %s", dir,
                 g_strerror (saved));
    return FALSE;
  }
  address = g_strdup_printf ("unix:path=%s", escaped);
  if (!clear_stale_socket (control->socket_path, address, error))
    return FALSE;
  g_signal_connect (observer, "authorize-authenticated-peer", G_CALLBACK (on_authorize_peer),
                    control);
  g_signal_connect (observer, "allow-mechanism", G_CALLBACK (on_allow_mechanism), control);
  /* No window in which the socket is open to others: created 0660. */
  old_umask = umask (0117);
  control->server = g_dbus_server_new_sync (address, G_DBUS_SERVER_FLAGS_NONE, guid, observer,
                                            NULL, error);
  umask (old_umask);
  if (control->server == NULL)
    return FALSE;
  set_socket_access (control->socket_path, control->admin_group);
  g_signal_connect (control->server, "new-connection", G_CALLBACK (on_new_connection), control);
  g_dbus_server_start (control->server);
  return TRUE;
}

NsControl *
ns_control_new (const char *socket_path, const char *admin_group, GError **error)
{
  g_autoptr (NsControl) control = g_new0 (NsControl, 1);

  g_return_val_if_fail (socket_path != NULL, NULL);
  control->socket_path = g_strdup (socket_path);
  control->admin_group = g_strdup (admin_group);
  control->peers = g_ptr_array_new_with_free_func (g_object_unref);
  control->skeleton = ns_net_send1_skeleton_new ();
  ns_net_send1_set_interface_version (control->skeleton, 1);
  g_signal_connect (control->skeleton, "handle-list-names2",
                    G_CALLBACK (on_handle_list_names2), control);
  g_signal_connect (control->skeleton, "handle-list-names", G_CALLBACK (on_handle_list_names),
                    control);
  g_signal_connect (control->skeleton, "handle-add-name", G_CALLBACK (on_handle_add_name),
                    control);
  g_signal_connect (control->skeleton, "handle-delete-name", G_CALLBACK (on_handle_delete_name),
                    control);
  g_signal_connect (control->skeleton, "handle-get-status", G_CALLBACK (on_handle_get_status),
                    control);
  g_signal_connect (control->skeleton, "handle-list-messages",
                    G_CALLBACK (on_handle_list_messages), control);
  /* Registers the error names before the first reply. */
  (void) ns_control_error_quark ();
  if (!start_server (control, error))
    return NULL;
  g_info ("Control API on unix:path=%s", socket_path);
  return g_steal_pointer (&control);
}

void
ns_control_free (NsControl *control)
{
  if (control == NULL)
    return;
  if (control->bus_owner_id != 0)
    g_bus_unown_name (control->bus_owner_id);
  if (control->skeleton != NULL) {
    GDBusInterfaceSkeleton *skeleton = G_DBUS_INTERFACE_SKELETON (control->skeleton);
    GList *exported = g_dbus_interface_skeleton_get_connections (skeleton);

    if (exported != NULL)
      g_dbus_interface_skeleton_unexport (skeleton);
    g_list_free_full (exported, g_object_unref);
    g_signal_handlers_disconnect_by_data (control->skeleton, control);
  }
  for (guint i = 0; control->peers != NULL && i < control->peers->len; i++) {
    GDBusConnection *conn = g_ptr_array_index (control->peers, i);

    g_signal_handlers_disconnect_by_data (conn, control);
    g_dbus_connection_close (conn, NULL, NULL, NULL);
  }
  if (control->server != NULL) {
    g_autofree char *dir = g_path_get_dirname (control->socket_path);

    /* Stopping makes GDBusServer remove the socket file, with a warning
     * when it cannot (a directory of root's after the privilege drop).
     * Then the file stays; the next start replaces it as stale. */
    if (access (dir, W_OK | X_OK) == 0)
      g_dbus_server_stop (control->server);
    g_signal_handlers_disconnect_by_data (control->server, control);
  }
  g_clear_pointer (&control->peers, g_ptr_array_unref);
  g_clear_object (&control->server);
  g_clear_object (&control->skeleton);
  g_clear_object (&control->bus);
  g_free (control->socket_path);
  g_free (control->admin_group);
  g_free (control->created_dir);
  g_free (control);
}

void
ns_control_set_names (NsControl *control, NsNames *names)
{
  control->names = names;
}

void
ns_control_set_status_func (NsControl *control, NsControlStatusFunc func, gpointer user_data)
{
  control->status_func = func;
  control->status_data = user_data;
}

void
ns_control_set_list_messages_func (NsControl *control, NsControlListMessagesFunc func,
                                   gpointer user_data)
{
  control->list_messages_func = func;
  control->list_messages_data = user_data;
}

void
ns_control_emit_message_received (NsControl *control, guint64 id, gint64 time_us,
                                  const char *from, const char *to, const char *text,
                                  const char *source, const char *transport)
{
  /* The skeleton sends the signal on every connection it is exported on:
   * each peer of the private socket, and the system bus (a broadcast that
   * the bus policy lets listeners receive). */
  ns_net_send1_emit_message_received (control->skeleton, id, time_us, from, to, text, source,
                                      transport);
}

void
ns_control_set_admin_group (NsControl *control, const char *admin_group)
{
  g_free (control->admin_group);
  control->admin_group = g_strdup (admin_group);
}

const char *
ns_control_get_socket_path (NsControl *control)
{
  return control->socket_path;
}

const char *
ns_control_get_created_dir (NsControl *control)
{
  return control->created_dir;
}

static void
on_bus_name_lost (GDBusConnection *conn, const char *name, gpointer user_data)
{
  /* Also called when the bus refuses the name (no policy file installed). */
  g_warning ("Not owning %s on the system bus (is org.netsend.NetSend1.conf installed?)", name);
}

static void
on_bus_name_acquired (GDBusConnection *conn, const char *name, gpointer user_data)
{
  g_info ("Owning %s on the system bus", name);
}

gboolean
ns_control_start_bus (NsControl *control, NsSystemBusMode mode, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (mode == NS_SYSTEM_BUS_NO)
    return TRUE;
  control->bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &local);
  if (control->bus == NULL) {
    if (mode == NS_SYSTEM_BUS_YES) {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "System bus: ");
      return FALSE;
    }
    g_message ("No system bus (%s); the control API is on %s only", local->message,
               control->socket_path);
    return TRUE;
  }
  g_dbus_connection_set_exit_on_close (control->bus, FALSE);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (control->skeleton),
                                         control->bus, NS_CONTROL_OBJECT_PATH, error))
    return FALSE;
  control->bus_owner_id = g_bus_own_name_on_connection (control->bus, NS_CONTROL_BUS_NAME,
                                                        G_BUS_NAME_OWNER_FLAGS_NONE,
                                                        on_bus_name_acquired, on_bus_name_lost,
                                                        control, NULL);
  return TRUE;
}

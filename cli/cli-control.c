/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "cli-control.h"

#include <unistd.h>

#include "control-errors.h"

#define OBJECT_PATH "/org/netsend/NetSend1"
#define BUS_NAME "org.netsend.NetSend1"

static char *
to_address (const char *where)
{
  g_autofree char *escaped = NULL;

  if (g_dbus_is_supported_address (where, NULL))
    return g_strdup (where);
  escaped = g_dbus_address_escape_value (where);
  return g_strdup_printf ("unix:path=%s", escaped);
}

static NsNetSend1 *
connect_address (const char *where, GError **error)
{
  g_autofree char *address = to_address (where);
  g_autoptr (GDBusConnection) conn = NULL;
  g_autoptr (GError) local = NULL;
  NsNetSend1 *proxy;

  conn = g_dbus_connection_new_for_address_sync (address,
                                                 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                                 NULL, NULL, &local);
  if (conn == NULL) {
    /* The private socket is mode 0660: refused means "not an admin". */
    gboolean denied = g_error_matches (local, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);

    g_set_error (error, NS_CONTROL_ERROR,
                 denied ? NS_CONTROL_ERROR_ACCESS_DENIED : NS_CONTROL_ERROR_NOT_RUNNING,
                 "Cannot reach netsendd at %s: %s", where, local->message);
    return NULL;
  }
  proxy = ns_net_send1_proxy_new_sync (conn, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES, NULL,
                                       OBJECT_PATH, NULL, error);
  return proxy;
}

static NsNetSend1 *
connect_bus (GError **error)
{
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (NsNetSend1) proxy = NULL;
  g_autofree char *owner = NULL;

  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &local);
  if (bus != NULL)
    proxy = ns_net_send1_proxy_new_sync (bus,
                                         G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START
                                         | G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                         BUS_NAME, OBJECT_PATH, NULL, &local);
  if (proxy != NULL)
    owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));
  if (owner == NULL) {
    g_set_error (error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_NOT_RUNNING,
                 "netsendd is not running (no usable control socket at %s, and %s)",
                 CLI_CONTROL_DEFAULT_SOCKET,
                 local ? local->message : BUS_NAME " is not on the system bus");
    return NULL;
  }
  return g_steal_pointer (&proxy);
}

NsNetSend1 *
cli_control_connect (const char *address, GError **error)
{
  const char *env = g_getenv (CLI_CONTROL_ENV);

  if (address != NULL && *address != '\0')
    return connect_address (address, error);
  if (env != NULL && *env != '\0')
    return connect_address (env, error);
  /* The private socket is mode 0660: only root and the admin group get
   * in; everyone else asks the system bus. */
  if (access (CLI_CONTROL_DEFAULT_SOCKET, R_OK | W_OK) == 0)
    return connect_address (CLI_CONTROL_DEFAULT_SOCKET, error);
  return connect_bus (error);
}

void
cli_control_fix_error (GError *error)
{
  if (error == NULL || error->domain == NS_CONTROL_ERROR) {
    if (error != NULL)
      g_dbus_error_strip_remote_error (error);
    return;
  }
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_AUTH_FAILED)) {
    error->domain = NS_CONTROL_ERROR;
    error->code = NS_CONTROL_ERROR_ACCESS_DENIED;
  } else if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)
             || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT)
             || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE)) {
    /* Reached something that is not (this version of) netsendd. */
    error->domain = NS_CONTROL_ERROR;
    error->code = NS_CONTROL_ERROR_FAILED;
  } else if (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR) {
    /* No reply, disconnected, the name vanished: the daemon went away. */
    error->domain = NS_CONTROL_ERROR;
    error->code = NS_CONTROL_ERROR_NOT_RUNNING;
  }
  g_dbus_error_strip_remote_error (error);
}

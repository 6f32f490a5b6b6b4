/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Errors of the control API (org.netsend.NetSend1), shared by the daemon
 * and the CLIs (cli/ reaches this directory through control_dep).
 *
 * Each code has a D-Bus error name (org.netsend.Error.*) and the Windows
 * NERR / Win32 code `net name` would print (PROTOCOL.md §6.5), so a client
 * shows the same number a Windows user would look up with NET HELPMSG.
 * Header-only: both sides register the domain with GDBus, which maps the
 * error names to and from GError on either end of the connection. */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  NS_CONTROL_ERROR_FAILED,         /* NERR_InternalError 2140 */
  NS_CONTROL_ERROR_INVALID_NAME,   /* ERROR_INVALID_NAME 123 */
  NS_CONTROL_ERROR_ALREADY_EXISTS, /* NERR_AlreadyExists 2276 */
  NS_CONTROL_ERROR_TOO_MANY_NAMES, /* NERR_TooManyNames 2277 */
  NS_CONTROL_ERROR_DEL_COMPUTER_NAME, /* NERR_DelComputerName 2278 */
  NS_CONTROL_ERROR_NAME_IN_USE,    /* NERR_NameInUse 2283: being added/deleted */
  NS_CONTROL_ERROR_NOT_LOCAL_NAME, /* NERR_NotLocalName 2285 */
  NS_CONTROL_ERROR_DUPLICATE_NAME, /* NERR_DuplicateName 2297: owned on the network */
  NS_CONTROL_ERROR_ACCESS_DENIED,  /* ERROR_ACCESS_DENIED 5 */
  NS_CONTROL_ERROR_NETWORK,        /* NERR_NetworkError 2136 */
  NS_CONTROL_ERROR_NOT_RUNNING,    /* NERR_MsgNotStarted 2284: not running or stopping */
} NsControlError;

#define NS_CONTROL_ERROR (ns_control_error_quark ())

typedef struct {
  NsControlError code;
  const char *dbus_name;
  guint nerr;
  const char *text; /* the Windows message text (MS-ERREF) */
} NsControlErrorInfo;

static inline const NsControlErrorInfo *
ns_control_error_table (gsize *ret_n)
{
  static const NsControlErrorInfo table[] = {
    { NS_CONTROL_ERROR_FAILED, "org.netsend.Error.Failed", 2140,
      "An internal error occurred." },
    { NS_CONTROL_ERROR_INVALID_NAME, "org.netsend.Error.InvalidName", 123,
      "The filename, directory name, or volume label syntax is incorrect." },
    { NS_CONTROL_ERROR_ALREADY_EXISTS, "org.netsend.Error.AlreadyExists", 2276,
      "This message alias already exists locally." },
    { NS_CONTROL_ERROR_TOO_MANY_NAMES, "org.netsend.Error.TooManyNames", 2277,
      "The maximum number of added message aliases has been exceeded." },
    { NS_CONTROL_ERROR_DEL_COMPUTER_NAME, "org.netsend.Error.DeleteComputerName", 2278,
      "The computer name could not be deleted." },
    { NS_CONTROL_ERROR_NAME_IN_USE, "org.netsend.Error.NameInUse", 2283,
      "The message alias is currently in use. Try again later." },
    { NS_CONTROL_ERROR_NOT_LOCAL_NAME, "org.netsend.Error.NotLocalName", 2285,
      "The name is not on the local computer." },
    { NS_CONTROL_ERROR_DUPLICATE_NAME, "org.netsend.Error.DuplicateName", 2297,
      "A duplicate message alias exists on the network." },
    { NS_CONTROL_ERROR_ACCESS_DENIED, "org.netsend.Error.AccessDenied", 5,
      "Access is denied." },
    { NS_CONTROL_ERROR_NETWORK, "org.netsend.Error.NetworkError", 2136,
      "A general network error occurred." },
    { NS_CONTROL_ERROR_NOT_RUNNING, "org.netsend.Error.NotRunning", 2284,
      "The Messenger service has not been started." },
  };

  *ret_n = G_N_ELEMENTS (table);
  return table;
}

static inline GQuark
ns_control_error_quark (void)
{
  static gsize quark = 0;

  if (g_once_init_enter (&quark)) {
    GQuark q = g_quark_from_static_string ("ns-control-error-quark");
    gsize n;
    const NsControlErrorInfo *table = ns_control_error_table (&n);

    for (gsize i = 0; i < n; i++)
      g_dbus_error_register_error (q, (gint) table[i].code, table[i].dbus_name);
    g_once_init_leave (&quark, q);
  }
  return (GQuark) quark;
}

/* The row of @code, or of NS_CONTROL_ERROR_FAILED for unknown codes. */
static inline const NsControlErrorInfo *
ns_control_error_info (int code)
{
  gsize n;
  const NsControlErrorInfo *table = ns_control_error_table (&n);

  for (gsize i = 0; i < n; i++)
    if ((int) table[i].code == code)
      return &table[i];
  return &table[0];
}

G_END_DECLS

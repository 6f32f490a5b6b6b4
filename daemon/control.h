/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The control API (org.netsend.NetSend1, daemon/org.netsend.NetSend1.xml),
 * served on two transports (ECOSYSTEM.md §5, the systemd pattern):
 *  - a peer-to-peer GDBusServer on a Unix socket ([control] socket), mode
 *    0660, group [control] admin-group when that group exists; no bus
 *    daemon needed;
 *  - the system bus under the name org.netsend.NetSend1, when one is
 *    reachable ([control] system-bus; the bus policy file
 *    org.netsend.NetSend1.conf decides who may talk to us at all).
 *
 * Reads (ListNames, GetStatus, properties) are open to anyone who gets
 * through the transport. Mutations (AddName, DeleteName) are checked per
 * call from the caller's credentials: uid 0, the daemon's own uid, or a
 * member of the admin group (primary or supplementary, as NSS says). */

#include <gio/gio.h>

#include "config.h"
#include "names.h"

G_BEGIN_DECLS

#define NS_CONTROL_OBJECT_PATH "/org/netsend/NetSend1"
#define NS_CONTROL_BUS_NAME "org.netsend.NetSend1"
/* Peer connections served at once; more are refused at authentication. */
#define NS_CONTROL_MAX_PEERS 32

typedef struct _NsControl NsControl;

/* Builds the GetStatus dictionary (a{sv}, floating or full reference). */
typedef GVariant *(*NsControlStatusFunc) (gpointer user_data);

/* Serves ListMessages: answers @invocation (now or later, on the main
 * thread) with "(aa{sv})" or an error. @filter is the caller's a{sv}. */
typedef void (*NsControlListMessagesFunc) (GDBusMethodInvocation *invocation, GVariant *filter,
                                           gpointer user_data);

/* Creates the socket (its directory too; a stale socket is replaced, a
 * live one is an error) and starts serving. Call while still privileged
 * if the socket lives under /run. */
NsControl *ns_control_new (const char *socket_path, const char *admin_group, GError **error);
void ns_control_free (NsControl *control);

/* What the handlers act on (not owned; must outlive the control, or be
 * set to NULL first). */
void ns_control_set_names (NsControl *control, NsNames *names);
void ns_control_set_status_func (NsControl *control, NsControlStatusFunc func, gpointer user_data);
/* Without one, ListMessages answers NotRunning (no inbox). */
void ns_control_set_list_messages_func (NsControl *control, NsControlListMessagesFunc func,
                                        gpointer user_data);
/* Emits MessageReceived on the private socket's connections and the system
 * bus (wherever the API is exported). */
void ns_control_emit_message_received (NsControl *control, guint64 id, gint64 time_us,
                                       const char *from, const char *to, const char *text,
                                       const char *source, const char *transport);
/* SIGHUP: a new admin group applies to the next calls. */
void ns_control_set_admin_group (NsControl *control, const char *admin_group);

/* Connects to the system bus and owns the name. With AUTO a missing bus is
 * logged once and ignored; with YES it is an error; NO does nothing. */
gboolean ns_control_start_bus (NsControl *control, NsSystemBusMode mode, GError **error);

const char *ns_control_get_socket_path (NsControl *control);
/* The socket's directory if ns_control_new() created it, else NULL. */
const char *ns_control_get_created_dir (NsControl *control);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsControl, ns_control_free)

G_END_DECLS

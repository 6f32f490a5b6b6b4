/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The three receive paths of netsendd (issue 4, "Three receive paths"):
 *  - receiver-smb.c: TCP 139 (NetBIOS session service) and, when
 *    [ports] direct-445 is set, direct-hosted SMB; one MsgrSmbServer per
 *    connection (<netsend/msgr-smb-server.h>);
 *  - receiver-mailslot.c: UDP 138, `\MAILSLOT\MESSNGR` datagrams to our
 *    names, our workgroup or '*';
 *  - receiver-rpc.c: UDP 135, NetrSendMessage over connectionless DCE/RPC,
 *    only with [rpc] enabled = true.
 * Each binds its sockets in _new() (privileged, before the privilege drop)
 * and starts handing messages to the inbox in _start(). */

#include <gio/gio.h>
#include <netsend/msgr-mailslot.h>
#include <netsend/nb-dgram.h>
#include <netsend/ns-net.h>

#include "config.h"
#include "inbox.h"
#include "names.h"

G_BEGIN_DECLS

/* Everything a receiver reads while running (not owned; the manager's). */
typedef struct {
  const NsDaemonConfig *config; /* live values are read at each use */
  NsNames *names;
  NsInbox *inbox;
} NsReceiverEnv;

typedef struct _NsSmbReceiver NsSmbReceiver;
typedef struct _NsMailslotReceiver NsMailslotReceiver;
typedef struct _NsRpcReceiver NsRpcReceiver;

/* @ifaces: NsIface of the configured interfaces. A port of 0 in the config
 * binds nothing (the receiver is then inert). */
NsSmbReceiver *ns_smb_receiver_new (const NsDaemonConfig *config, const GPtrArray *ifaces,
                                    GError **error);
void ns_smb_receiver_start (NsSmbReceiver *receiver, const NsReceiverEnv *env);
/* Closes every connection (their pending commits finish without answer). */
void ns_smb_receiver_free (NsSmbReceiver *receiver);
void ns_smb_receiver_add_status (NsSmbReceiver *receiver, GVariantBuilder *builder);

NsMailslotReceiver *ns_mailslot_receiver_new (const NsDaemonConfig *config,
                                              const GPtrArray *ifaces, GError **error);
void ns_mailslot_receiver_start (NsMailslotReceiver *receiver, const NsReceiverEnv *env);
void ns_mailslot_receiver_free (NsMailslotReceiver *receiver);
void ns_mailslot_receiver_add_status (NsMailslotReceiver *receiver, GVariantBuilder *builder);
/* The datagram endpoints (NsUdpEndpoint, transfer none; one per interface,
 * empty with [ports] datagram = 0): the browser announcements (announce.c)
 * are sent from them, as MS-BRWS datagrams come from port 138. */
GPtrArray *ns_mailslot_receiver_get_endpoints (NsMailslotReceiver *receiver);
/* Who gets `\MAILSLOT\BROWSE` writes (announce.c): every DIRECT_UNIQUE,
 * DIRECT_GROUP or BROADCAST datagram carrying one, whatever its
 * destination name (AnnouncementRequests go to WORKGROUP<1e> too, which we
 * do not register); the function decides. NULL: dropped as before. */
typedef void (*NsBrowseFunc) (NsUdpEndpoint *endpoint, const NbDgram *dgram,
                              const MsgrMailslotWrite *write, guint32 src_ipv4,
                              gpointer user_data);
void ns_mailslot_receiver_set_browse_func (NsMailslotReceiver *receiver, NsBrowseFunc func,
                                           gpointer user_data);

NsRpcReceiver *ns_rpc_receiver_new (const NsDaemonConfig *config, const GPtrArray *ifaces,
                                    GError **error);
void ns_rpc_receiver_start (NsRpcReceiver *receiver, const NsReceiverEnv *env);
void ns_rpc_receiver_free (NsRpcReceiver *receiver);
void ns_rpc_receiver_add_status (NsRpcReceiver *receiver, GVariantBuilder *builder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsSmbReceiver, ns_smb_receiver_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsMailslotReceiver, ns_mailslot_receiver_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsRpcReceiver, ns_rpc_receiver_free)

G_END_DECLS

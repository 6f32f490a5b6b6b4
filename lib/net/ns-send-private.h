/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Internals of the sender (ns-send*.c, ns-browse.c). Not installed.
 *
 * Layout: ns-send.c owns #NsSender, the options, the text rules and the
 * per-recipient orchestration (resolve, then deliver, then result);
 * ns-send-resolve.c the NetBIOS resolvers on their UDP endpoints;
 * ns-send-smb.c, ns-send-rpc.c and ns-send-mailslot.c drive the pure
 * delivery machines of lib/engine over sockets; ns-browse.c enumerates a
 * workgroup. Everything runs on the sender's #GMainContext. */

#include <gio/gio.h>

#include "netsend/msgr-smb-client.h"
#include "netsend/nb-name.h"
#include "netsend/nb-resolver.h"
#include "netsend/ns-net.h"
#include "netsend/ns-send.h"
#include "ns-net-private.h"

G_BEGIN_DECLS

typedef struct _NsSendNet NsSendNet;

struct _NsSender {
  gint ref_count;
  GMainContext *context;

  char *from_utf8;
  char from_oem[NB_NAME_MAX_CHARS + 1];  /* OriginatorName as sent */
  char *netbios_name;                     /* upper case, UTF-8 */
  NbName calling;                         /* NETBIOS_NAME<00> */
  char *workgroup;                        /* upper case, UTF-8 */
  char *codepage;
  GPtrArray *ifaces;                      /* NsIface */
  guint32 wins[NB_ENGINE_MAX_WINS_SERVERS];
  guint n_wins;
  NbNodeType node_type;
  char *address;                          /* -I, or NULL */
  gint64 timeout_us;
  guint parallel;
  guint16 port_ns;
  guint16 port_dgm;
  guint16 port_ssn;
  guint16 port_rpc;
  NsSendTransport transport;
  NsSendBlockMode blocks;
  gboolean split;
  gboolean reliable;
  gboolean use_host_resolver;
  char *hosts_file;

  GHashTable *multi_hosts; /* ipv4 → TRUE: drops a first 0xD0, use 0xD5 */
  GCancellable *cancellable; /* cancelled by ns_sender_free() */
  NsSendNet *net;            /* made at the first use */
  guint16 next_dgm_id;
};

NsSender *_ns_sender_ref (NsSender *sender);
void _ns_sender_unref (NsSender *sender);

/* ---- Text and single sends (ns-send.c) ---------------------------------- */

/* A message prepared once (text rules applied) for any number of
 * recipients. */
typedef struct _NsSendText NsSendText;

NsSendText *_ns_send_text_new (NsSender *sender, const char *utf8, GError **error);
NsSendText *_ns_send_text_ref (NsSendText *text);
void _ns_send_text_unref (NsSendText *text);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsSendText, _ns_send_text_unref)

/* One recipient; an invalid @target becomes a FAILED result, so only
 * cancellation-free completion: _finish never fails. */
void _ns_send_one_async (NsSender *sender, const char *target, NsSendText *text,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data);
NsSendResult *_ns_send_one_finish (GAsyncResult *result, GError **error);

/* ---- Cancellation and deadlines of one operation ----------------------
 * An operation's GIO calls use @cancel. It is cancelled from the main loop
 * (never synchronously inside g_cancellable_cancel(), so handlers may free
 * things) when the caller's cancellable, the sender's cancellable or the
 * deadline fires; then @abort runs with @timed_out saying which. */
typedef void (*NsOpAbortFunc) (gpointer op, gboolean timed_out);

typedef struct {
  GCancellable *cancel;
  GSource *outer_source;
  GSource *sender_source;
  GSource *timer;
  gboolean timed_out;
  gboolean aborted;
  NsOpAbortFunc abort;
  gpointer op;
} NsOpGuard;

void _ns_op_guard_init (NsOpGuard *guard, NsSender *sender, GCancellable *outer,
                        gint64 deadline_us, NsOpAbortFunc abort, gpointer op);
void _ns_op_guard_clear (NsOpGuard *guard);

/* A cancelled or timed-out operation's error. */
GError *_ns_op_guard_error (const NsOpGuard *guard, const char *what);

/* ---- Resolution (ns-send-resolve.c) ----------------------------------- */

/* Makes the endpoints and resolvers on first use. */
gboolean _ns_send_net_ensure (NsSender *sender, GError **error);
void _ns_send_net_free (NsSendNet *net);
/* The endpoint of @index'th interface (ephemeral port, SO_BROADCAST). */
NsUdpEndpoint *_ns_send_net_iface_endpoint (NsSender *sender, guint index);

/* NAME<03> by broadcast / WINS in node-type order, then (if @host is not
 * NULL and the sender allows it) the host resolver. */
void _ns_send_resolve_async (NsSender *sender, const NbName *name, const char *host,
                             gint64 deadline_us, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
gboolean _ns_send_resolve_finish (GAsyncResult *result, guint32 *ret_ipv4, GError **error);

/* A host name or dotted address through GResolver (IPv4 only). */
void _ns_send_lookup_host_async (NsSender *sender, const char *host, gint64 deadline_us,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean _ns_send_lookup_host_finish (GAsyncResult *result, guint32 *ret_ipv4,
                                      GError **error);

/* The first unique <03> name of the node at @ipv4 (node status), or NULL
 * when it has none or does not answer (not an error). */
void _ns_send_node_status_async (NsSender *sender, guint32 ipv4, gint64 deadline_us,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
char *_ns_send_node_status_finish (GAsyncResult *result, GError **error);
/* Why a finished node status request found no name because nobody could
 * be asked ("port 137 unreachable on 10.1.2.3 (...)": ICMP destination
 * unreachable, no retransmission waited for), or NULL; valid while
 * @result lives. */
const char *_ns_send_node_status_unreachable (GAsyncResult *result);

/* Every address answering a broadcast query for @group on every interface
 * (NB_QUERY_FLAG_COLLECT), plus WINS when configured. */
void _ns_send_collect_async (NsSender *sender, const NbName *group,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
GArray *_ns_send_collect_finish (GAsyncResult *result, GError **error);

/* ---- Deliveries -------------------------------------------------------- */

typedef struct {
  guint32 ipv4;
  guint16 port;
  NbName called;
  const char *to_oem;   /* DestinationName */
  GBytes *text;         /* OEM, 0x14 line breaks */
  MsgrSmbMode mode;
  gint64 deadline_us;
} NsSmbDelivery;

/* Delivers one message over SMB: reconnects once in multi-block mode when
 * the host drops a first 0xD0 (and remembers the host), follows up to
 * three retargets. */
void _ns_send_smb_async (NsSender *sender, const NsSmbDelivery *delivery,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data);
/* TRUE when delivered; @ret_multi_block says whether 0xD5/0xD7/0xD6 was
 * used, @ret_connected whether the receiver was reached at all (a TCP
 * connection and a session were made), for the RPC fallback. */
gboolean _ns_send_smb_finish (GAsyncResult *result, gboolean *ret_multi_block,
                              gboolean *ret_connected, GError **error);

/* NetrSendMessage to @ipv4 (first REQUEST to the sender's RPC port). On
 * failure @ret_windows_code is the code to report (the RPC status itself
 * when the server returned one), @ret_answered whether anything came. */
void _ns_send_rpc_async (NsSender *sender, guint32 ipv4, const char *to_oem, GBytes *text,
                         gint64 deadline_us, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data);
gboolean _ns_send_rpc_finish (GAsyncResult *result, guint *ret_windows_code,
                              gboolean *ret_answered, GError **error);

/* A MESSNGR mailslot datagram. With @ipv4 == 0: DIRECT_GROUP to
 * @destination on every interface's broadcast address, @ret_addresses
 * listing where it went; else DIRECT_UNIQUE to @ipv4. Synchronous (UDP
 * sends do not block). */
gboolean _ns_send_mailslot (NsSender *sender, guint32 ipv4, const NbName *destination,
                            const char *to_oem, GBytes *text, char **ret_addresses,
                            GError **error);

/* The most text bytes a mailslot message to @to_oem can carry. */
gsize _ns_send_mailslot_text_cap (NsSender *sender, const char *to_oem);

/* ---- Workgroup enumeration (ns-browse.c) ------------------------------ */

/* Why the browse list did not contribute to a finished
 * ns_sender_list_workgroup_async() (module missing, no master browser,
 * ...), or NULL; valid while @result lives. */
const char *_ns_sender_list_workgroup_note (GAsyncResult *result);

/* The text users see for an ICMP destination unreachable about a datagram
 * to @ipv4:@port with @error_code (errno): "port 137 unreachable on
 * 10.1.2.3 (ICMP port unreachable: nothing listens on UDP 137)" for
 * ECONNREFUSED; (transfer full). */
char *_ns_send_unreachable_text (guint32 ipv4, guint16 port, int error_code);

/* Maps a GIO socket error to NS_SEND_ERROR, prefixing @what. */
GError *_ns_send_error_from_io (const GError *io, const char *what);

G_END_DECLS

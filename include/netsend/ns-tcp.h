/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* TCP listeners of the net layer (the only code of netsend that touches
 * sockets, see <netsend/ns-net.h>): the NetBIOS session service (TCP 139)
 * and direct-hosted SMB (TCP 445) of the Messenger receiver.
 *
 * A listener is bound to one IPv4 address (an interface address from the
 * configuration, never INADDR_ANY unless the caller passes 0), accepts
 * connections within a total and a per-source cap, and hands each one's
 * bytes to a callback; the owner answers with ns_tcp_connection_send() and
 * ends it with ns_tcp_connection_close(). Everything runs on the
 * thread-default GMainContext of the listener's creator, without blocking:
 * output that the peer does not read is queued up to a cap, then the
 * connection is dropped. The protocol (framing, timeouts) is the owner's:
 * this layer knows bytes only. */

#include <gio/gio.h>

G_BEGIN_DECLS

/* Defaults of #NsTcpLimits. */
#define NS_TCP_DEFAULT_MAX_CONNECTIONS 256
#define NS_TCP_DEFAULT_MAX_PER_SOURCE 16
#define NS_TCP_DEFAULT_MAX_OUTPUT (64 * 1024)

/* Bytes read per wake-up; equal to NB_SESSION_FRAMER_READ_MAX, so a session
 * framer fed from here never hits its buffer cap. */
#define NS_TCP_READ_CHUNK 65536

/**
 * NsTcpLimits:
 * @max_connections: connections open at once on this listener; 0 =
 *   %NS_TCP_DEFAULT_MAX_CONNECTIONS
 * @max_per_source: connections open at once from one peer address; 0 =
 *   %NS_TCP_DEFAULT_MAX_PER_SOURCE
 * @max_output: bytes queued for a peer that does not read before the
 *   connection is dropped; 0 = %NS_TCP_DEFAULT_MAX_OUTPUT
 *
 * A connection over a cap is closed at once, before any callback.
 *
 * Since: 0.1
 */
typedef struct {
  guint max_connections;
  guint max_per_source;
  gsize max_output;
} NsTcpLimits;

typedef struct _NsTcpListener NsTcpListener;
typedef struct _NsTcpConnection NsTcpConnection;

/**
 * NsTcpFuncs:
 * @accepted: a new connection within the caps. Returns the connection's
 *   data (non-%NULL) to keep it, or %NULL to close it at once (then no
 *   other callback follows). It may send and close already.
 * @received: bytes from the peer (at most %NS_TCP_READ_CHUNK per call);
 *   not called after ns_tcp_connection_close()
 * @closed: the last call for a connection: the peer closed (@error %NULL),
 *   the connection failed (@error says why), or the owner's close finished
 *   (output flushed). The connection is freed after it returns.
 *
 * Callbacks run on the listener's main context, never from inside an
 * ns_tcp_* call of the owner (except ns_tcp_listener_free()).
 *
 * Since: 0.1
 */
typedef struct {
  gpointer (*accepted) (NsTcpConnection *conn, gpointer user_data);
  void (*received) (NsTcpConnection *conn, const guint8 *data, gsize len, gpointer conn_data);
  void (*closed) (NsTcpConnection *conn, const GError *error, gpointer conn_data);
} NsTcpFuncs;

/**
 * NsTcpCounters:
 * @accepted: connections handed to @accepted
 * @refused: connections closed at once for a cap
 * @open: connections open now
 * @bytes_in: bytes received
 * @bytes_out: bytes sent
 * @dropped: connections dropped for unread output or a socket error
 *
 * Since: 0.1
 */
typedef struct {
  guint64 accepted;
  guint64 refused;
  guint open;
  guint64 bytes_in;
  guint64 bytes_out;
  guint64 dropped;
} NsTcpCounters;

/**
 * ns_tcp_listener_new:
 * @address: the IPv4 address to bind (host byte order), e.g. an
 *   interface's; 0 means every address (only when configured so)
 * @port: the port; 0 = an ephemeral one (tests)
 * @limits: (nullable): the caps; %NULL = defaults
 * @error: return location for a #GError (the bind error names address
 *   and port)
 *
 * Binds (privileged ports need privileges at this point only) and listens
 * with SO_REUSEADDR, so that a restarted daemon can bind again while old
 * connections sit in TIME_WAIT; a second listener on the same address and
 * port still fails. Nothing is accepted before ns_tcp_listener_start().
 *
 * Returns: (transfer full) (nullable): the listener
 *
 * Since: 0.1
 */
NsTcpListener *ns_tcp_listener_new (guint32 address, guint16 port, const NsTcpLimits *limits,
                                    GError **error);

/**
 * ns_tcp_listener_start:
 * @listener: a listener
 * @funcs: the callbacks (copied)
 * @user_data: for @funcs->accepted
 *
 * Starts accepting on the thread-default main context.
 *
 * Since: 0.1
 */
void ns_tcp_listener_start (NsTcpListener *listener, const NsTcpFuncs *funcs, gpointer user_data);

/**
 * ns_tcp_listener_free:
 * @listener: (nullable): a listener
 *
 * Stops listening and closes every connection, calling @closed for each
 * (with %G_IO_ERROR_CANCELLED) before returning.
 *
 * Since: 0.1
 */
void ns_tcp_listener_free (NsTcpListener *listener);

guint32 ns_tcp_listener_get_address (const NsTcpListener *listener);
/* The bound port (the chosen one for port 0). */
guint16 ns_tcp_listener_get_port (const NsTcpListener *listener);
void ns_tcp_listener_get_counters (const NsTcpListener *listener, NsTcpCounters *ret);

/**
 * ns_tcp_connection_send:
 * @conn: a connection
 * @data: (array length=len): bytes to send
 * @len: how many
 *
 * Sends without blocking; what the kernel does not take at once is queued
 * and written when the socket is writable. Past the output cap the
 * connection is dropped (and @closed follows with an error). Ignored after
 * ns_tcp_connection_close().
 *
 * Since: 0.1
 */
void ns_tcp_connection_send (NsTcpConnection *conn, const guint8 *data, gsize len);

/**
 * ns_tcp_connection_close:
 * @conn: a connection
 *
 * Stops reading, writes what is queued (bounded by the output cap), then
 * closes; @closed follows from the main loop. Idempotent.
 *
 * Since: 0.1
 */
void ns_tcp_connection_close (NsTcpConnection *conn);

/* Peer and local addresses (host byte order) and ports. */
guint32 ns_tcp_connection_get_peer_address (const NsTcpConnection *conn);
guint16 ns_tcp_connection_get_peer_port (const NsTcpConnection *conn);
guint32 ns_tcp_connection_get_local_address (const NsTcpConnection *conn);
guint16 ns_tcp_connection_get_local_port (const NsTcpConnection *conn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsTcpListener, ns_tcp_listener_free)

G_END_DECLS

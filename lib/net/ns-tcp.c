/* SPDX-License-Identifier: GPL-3.0-or-later */

/* TCP listeners and their connections on non-blocking GSockets. See
 * <netsend/ns-tcp.h> for the contract. Every connection ends through
 * finish(), which stops its sources, closes the socket and leaves the
 * @closed callback and the free to an idle source ("reap"), so that no
 * callback ever runs from inside the owner's own ns_tcp_* call. */

#include <netsend/ns-tcp.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <netsend/ns-net.h>
#include "ns-net-private.h"

/* Connections accepted per wake-up before yielding to other sources, so a
 * connection flood cannot starve the main loop. */
#define ACCEPT_BURST 64
#define LISTEN_BACKLOG 128

struct _NsTcpConnection {
  NsTcpListener *listener;
  GSocket *sock;
  GSource *read_source;
  GSource *write_source;
  GSource *reap_source;
  GByteArray *output;
  gpointer data; /* from @accepted; NULL: never accepted, no @closed */
  guint32 peer_address;
  guint16 peer_port;
  guint32 local_address;
  guint16 local_port;
  gboolean closing;  /* the owner asked to close: flush, then finish */
  gboolean finished; /* socket closed, reap pending */
  GError *error;
};

struct _NsTcpListener {
  GSocket *sock;
  GSource *accept_source;
  GMainContext *context;
  guint32 address;
  guint16 port;
  NsTcpLimits limits;
  NsTcpFuncs funcs;
  gpointer user_data;
  GPtrArray *conns;        /* NsTcpConnection, owned */
  GHashTable *per_source;  /* peer address -> open connections */
  NsTcpCounters counters;
  guint8 *buf;             /* NS_TCP_READ_CHUNK, shared by the connections */
};

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_source_unref (*source);
  *source = NULL;
}

/* ---- connections ------------------------------------------------------ */

static void
conn_free (NsTcpConnection *conn)
{
  clear_source (&conn->read_source);
  clear_source (&conn->write_source);
  clear_source (&conn->reap_source);
  if (conn->sock != NULL)
    g_socket_close (conn->sock, NULL);
  g_clear_object (&conn->sock);
  g_byte_array_unref (conn->output);
  g_clear_error (&conn->error);
  g_free (conn);
}

/* Takes @conn off the caps (open and per-source counts): done when its
 * socket closes, not when it is reaped, so that connections waiting for
 * their @closed call never keep new ones out. */
static void
conn_uncount (NsTcpConnection *conn)
{
  NsTcpListener *l = conn->listener;
  gpointer key = GUINT_TO_POINTER (conn->peer_address);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (l->per_source, key));

  if (n <= 1)
    g_hash_table_remove (l->per_source, key);
  else
    g_hash_table_insert (l->per_source, key, GUINT_TO_POINTER (n - 1));
  l->counters.open--;
}

/* Removes a finished @conn from its listener and frees it. */
static void
conn_remove (NsTcpConnection *conn)
{
  /* The array's free function frees @conn. */
  g_ptr_array_remove_fast (conn->listener->conns, conn);
}

static gboolean
on_reap (gpointer user_data)
{
  NsTcpConnection *conn = user_data;
  NsTcpListener *l = conn->listener;

  g_clear_pointer (&conn->reap_source, g_source_unref);
  if (conn->data != NULL && l->funcs.closed != NULL)
    l->funcs.closed (conn, conn->error, conn->data);
  conn_remove (conn);
  return G_SOURCE_REMOVE;
}

/* Ends @conn now (takes @error, may be NULL); @closed follows from the loop. */
static void
finish (NsTcpConnection *conn, GError *error)
{
  if (conn->finished) {
    g_clear_error (&error);
    return;
  }
  conn->finished = TRUE;
  conn->error = error;
  clear_source (&conn->read_source);
  clear_source (&conn->write_source);
  g_socket_close (conn->sock, NULL);
  conn_uncount (conn);
  conn->reap_source = g_idle_source_new ();
  /* Default priority: under load the loop is never idle, and a reap at
   * idle priority would wait for the load to stop. */
  g_source_set_priority (conn->reap_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (conn->reap_source, on_reap, conn, NULL);
  g_source_attach (conn->reap_source, conn->listener->context);
}

static gboolean on_writable (GSocket *sock, GIOCondition cond, gpointer user_data);

/* Writes what the kernel takes; arms the write source for the rest. */
static void
flush (NsTcpConnection *conn)
{
  NsTcpListener *l = conn->listener;

  while (!conn->finished && conn->output->len > 0) {
    g_autoptr (GError) error = NULL;
    gssize n = g_socket_send (conn->sock, (const char *) conn->output->data, conn->output->len,
                              NULL, &error);

    if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      break;
    if (n < 0) {
      l->counters.dropped++;
      finish (conn, g_steal_pointer (&error));
      return;
    }
    l->counters.bytes_out += (guint64) n;
    g_byte_array_remove_range (conn->output, 0, (guint) n);
  }
  if (conn->finished)
    return;
  if (conn->output->len > l->limits.max_output) {
    l->counters.dropped++;
    finish (conn, g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                               "the peer does not read: %u bytes queued", conn->output->len));
    return;
  }
  if (conn->output->len == 0) {
    clear_source (&conn->write_source);
    if (conn->closing)
      finish (conn, NULL);
    return;
  }
  if (conn->write_source == NULL) {
    conn->write_source = g_socket_create_source (conn->sock, G_IO_OUT, NULL);
    g_source_set_callback (conn->write_source, (GSourceFunc) (void (*) (void)) on_writable, conn,
                           NULL);
    g_source_attach (conn->write_source, l->context);
  }
}

static gboolean
on_writable (GSocket *sock, GIOCondition cond, gpointer user_data)
{
  flush (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_readable (GSocket *sock, GIOCondition cond, gpointer user_data)
{
  NsTcpConnection *conn = user_data;
  NsTcpListener *l = conn->listener;
  g_autoptr (GError) error = NULL;
  gssize n;

  n = g_socket_receive (sock, (char *) l->buf, NS_TCP_READ_CHUNK, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n < 0) {
    l->counters.dropped++;
    finish (conn, g_steal_pointer (&error));
    return G_SOURCE_CONTINUE; /* finish() destroyed this source */
  }
  if (n == 0) {
    finish (conn, NULL);
    return G_SOURCE_CONTINUE;
  }
  l->counters.bytes_in += (guint64) n;
  if (l->funcs.received != NULL)
    l->funcs.received (conn, l->buf, (gsize) n, conn->data);
  return G_SOURCE_CONTINUE;
}

void
ns_tcp_connection_send (NsTcpConnection *conn, const guint8 *data, gsize len)
{
  g_return_if_fail (conn != NULL);
  g_return_if_fail (data != NULL || len == 0);
  if (conn->closing || conn->finished || len == 0)
    return;
  g_byte_array_append (conn->output, data, (guint) len);
  flush (conn);
}

void
ns_tcp_connection_close (NsTcpConnection *conn)
{
  g_return_if_fail (conn != NULL);
  if (conn->closing || conn->finished)
    return;
  conn->closing = TRUE;
  clear_source (&conn->read_source);
  flush (conn);
}

guint32
ns_tcp_connection_get_peer_address (const NsTcpConnection *conn)
{
  return conn->peer_address;
}

guint16
ns_tcp_connection_get_peer_port (const NsTcpConnection *conn)
{
  return conn->peer_port;
}

guint32
ns_tcp_connection_get_local_address (const NsTcpConnection *conn)
{
  return conn->local_address;
}

guint16
ns_tcp_connection_get_local_port (const NsTcpConnection *conn)
{
  return conn->local_port;
}

/* ---- the listener ------------------------------------------------------ */

static gboolean
over_limits (NsTcpListener *l, guint32 peer)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (l->per_source, GUINT_TO_POINTER (peer)));

  return l->counters.open >= l->limits.max_connections || n >= l->limits.max_per_source;
}

static void
adopt (NsTcpListener *l, GSocket *sock)
{
  g_autoptr (GSocketAddress) remote = g_socket_get_remote_address (sock, NULL);
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (sock, NULL);
  NsTcpConnection *conn;
  guint32 peer = 0;
  guint16 peer_port = 0;
  guint n;

  if (!_ns_socket_address_get (remote, &peer, &peer_port) || over_limits (l, peer)) {
    l->counters.refused++;
    g_socket_close (sock, NULL);
    return;
  }
  g_socket_set_blocking (sock, FALSE);
  /* Responses are small and each waits for the peer's next request:
   * Nagle's algorithm would only add delay. */
  g_socket_set_option (sock, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  conn = g_new0 (NsTcpConnection, 1);
  conn->listener = l;
  conn->sock = g_object_ref (sock);
  conn->output = g_byte_array_new ();
  conn->peer_address = peer;
  conn->peer_port = peer_port;
  _ns_socket_address_get (local, &conn->local_address, &conn->local_port);
  g_ptr_array_add (l->conns, conn);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (l->per_source, GUINT_TO_POINTER (peer)));
  g_hash_table_insert (l->per_source, GUINT_TO_POINTER (peer), GUINT_TO_POINTER (n + 1));
  l->counters.open++;
  l->counters.accepted++;
  conn->data = l->funcs.accepted != NULL ? l->funcs.accepted (conn, l->user_data) : NULL;
  if (conn->data == NULL) {
    finish (conn, NULL);
    return;
  }
  if (conn->closing || conn->finished)
    return;
  conn->read_source = g_socket_create_source (sock, G_IO_IN, NULL);
  g_source_set_callback (conn->read_source, (GSourceFunc) (void (*) (void)) on_readable, conn,
                         NULL);
  g_source_attach (conn->read_source, l->context);
}

static gboolean
on_incoming (GSocket *listen_sock, GIOCondition cond, gpointer user_data)
{
  NsTcpListener *l = user_data;

  for (guint i = 0; i < ACCEPT_BURST; i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GSocket) sock = g_socket_accept (listen_sock, NULL, &error);

    if (sock == NULL) {
      /* EAGAIN, or EMFILE and friends: try again at the next wake-up. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_debug ("tcp %u: accept failed: %s", l->port, error->message);
      break;
    }
    adopt (l, sock);
  }
  return G_SOURCE_CONTINUE;
}

static GSocket *
open_listening (guint32 address, guint16 port, GError **error)
{
  g_autoptr (GSocket) sock = NULL;

  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (sock == NULL)
    return NULL;
  g_socket_set_blocking (sock, FALSE);
  /* SO_REUSEADDR only (_ns_socket_bind()): rebinding over TIME_WAIT
   * works, a second live listener on this address still fails. */
  if (!_ns_socket_bind (sock, address, port, TRUE, error))
    return NULL;
  g_socket_set_listen_backlog (sock, LISTEN_BACKLOG);
  if (!g_socket_listen (sock, error))
    return NULL;
  return g_steal_pointer (&sock);
}

NsTcpListener *
ns_tcp_listener_new (guint32 address, guint16 port, const NsTcpLimits *limits, GError **error)
{
  NsTcpListener *l;
  GSocket *sock = open_listening (address, port, error);
  g_autoptr (GSocketAddress) local = NULL;
  guint32 bound_addr;

  if (sock == NULL)
    return NULL;
  l = g_new0 (NsTcpListener, 1);
  l->sock = sock;
  l->address = address;
  l->port = port;
  local = g_socket_get_local_address (sock, NULL);
  _ns_socket_address_get (local, &bound_addr, &l->port);
  if (limits != NULL)
    l->limits = *limits;
  if (l->limits.max_connections == 0)
    l->limits.max_connections = NS_TCP_DEFAULT_MAX_CONNECTIONS;
  if (l->limits.max_per_source == 0)
    l->limits.max_per_source = NS_TCP_DEFAULT_MAX_PER_SOURCE;
  if (l->limits.max_output == 0)
    l->limits.max_output = NS_TCP_DEFAULT_MAX_OUTPUT;
  l->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);
  l->per_source = g_hash_table_new (g_direct_hash, g_direct_equal);
  l->buf = g_malloc (NS_TCP_READ_CHUNK);
  return l;
}

void
ns_tcp_listener_start (NsTcpListener *listener, const NsTcpFuncs *funcs, gpointer user_data)
{
  g_return_if_fail (listener != NULL && funcs != NULL);
  g_return_if_fail (listener->accept_source == NULL);
  listener->funcs = *funcs;
  listener->user_data = user_data;
  listener->context = g_main_context_ref_thread_default ();
  listener->accept_source = g_socket_create_source (listener->sock, G_IO_IN, NULL);
  g_source_set_callback (listener->accept_source, (GSourceFunc) (void (*) (void)) on_incoming,
                         listener, NULL);
  g_source_attach (listener->accept_source, listener->context);
}

void
ns_tcp_listener_free (NsTcpListener *listener)
{
  if (listener == NULL)
    return;
  clear_source (&listener->accept_source);
  g_socket_close (listener->sock, NULL);
  g_object_unref (listener->sock);
  /* Every connection gets its @closed call now. */
  while (listener->conns->len > 0) {
    NsTcpConnection *conn = g_ptr_array_index (listener->conns, listener->conns->len - 1);

    if (!conn->finished)
      finish (conn, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                         "the listener was shut down"));
    clear_source (&conn->reap_source);
    if (conn->data != NULL && listener->funcs.closed != NULL)
      listener->funcs.closed (conn, conn->error, conn->data);
    conn_remove (conn);
  }
  g_ptr_array_unref (listener->conns);
  g_hash_table_unref (listener->per_source);
  g_clear_pointer (&listener->context, g_main_context_unref);
  g_free (listener->buf);
  g_free (listener);
}

guint32
ns_tcp_listener_get_address (const NsTcpListener *listener)
{
  return listener->address;
}

guint16
ns_tcp_listener_get_port (const NsTcpListener *listener)
{
  return listener->port;
}

void
ns_tcp_listener_get_counters (const NsTcpListener *listener, NsTcpCounters *ret)
{
  *ret = listener->counters;
}

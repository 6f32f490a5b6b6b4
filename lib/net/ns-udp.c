/* SPDX-License-Identifier: GPL-3.0-or-later */

/* UDP endpoints: a unicast and a broadcast socket per (interface, port).
 * See <netsend/ns-net.h> for why the sockets are bound the way they are. */

#include <netsend/ns-net.h>
#include "ns-net-private.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* RFC 1002 §4.2.1 caps name-service datagrams at 576 bytes and the
 * datagram service at 576 + headers; anything above this is not NetBIOS
 * and is dropped as truncated. */
#define NS_UDP_MAX_DATAGRAM 2048
/* Datagrams handled per wake-up before yielding to other sources, so a
 * flood on one socket cannot starve the main loop. */
#define NS_UDP_BURST 32

struct _NsUdpEndpoint {
  NsIface *iface;
  guint16 port;
  GSocket *unicast;
  GSocket *bcast;
  GSource *unicast_source;
  GSource *bcast_source;
  NsUdpReceiveFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
  NsUdpCounters counters;
  guint8 buf[NS_UDP_MAX_DATAGRAM];
};

static GSocket *
open_bound (guint32 ipv4, guint16 port, gboolean reuse, GError **error)
{
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (GSocketAddress) addr = _ns_socket_address_new (ipv4, port);
  struct sockaddr_in native;

  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (sock == NULL)
    return NULL;
  g_socket_set_blocking (sock, FALSE);
  g_socket_set_broadcast (sock, TRUE);
  /* Only the broadcast socket shares its address (with other endpoints on
   * the same broadcast domain, and with nmbd's own broadcast socket); a
   * second daemon on the same unicast address must fail loudly. Not
   * g_socket_bind(): it resets SO_REUSEADDR to its allow_reuse argument,
   * and allow_reuse also sets SO_REUSEPORT, which would let two processes
   * split our unicast traffic between them. */
  if (!g_socket_set_option (sock, SOL_SOCKET, SO_REUSEADDR, reuse ? 1 : 0, error)
      || !g_socket_address_to_native (addr, &native, sizeof native, error))
    return NULL;
  if (bind (g_socket_get_fd (sock), (struct sockaddr *) &native, sizeof native) < 0) {
    int saved = errno;
    g_autofree char *text = ns_ipv4_to_string (ipv4);

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot bind UDP %s:%u: %s",
                 text, port, g_strerror (saved));
    return NULL;
  }
  return g_steal_pointer (&sock);
}

static void
dispatch_one (NsUdpEndpoint *ep, GSocket *sock, gboolean to_broadcast, gboolean *ret_more)
{
  g_autoptr (GSocketAddress) src = NULL;
  g_autoptr (GError) error = NULL;
  GInputVector vector = { ep->buf, sizeof ep->buf };
  int flags = 0;
  gssize n;
  guint32 src_ipv4;
  guint16 src_port;

  n = g_socket_receive_message (sock, &src, &vector, 1, NULL, NULL, &flags, NULL, &error);
  *ret_more = n >= 0;
  if (n < 0) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      g_debug ("udp %s:%u: receive failed: %s", ep->iface->name, ep->port, error->message);
      ep->counters.dropped++;
    }
    return;
  }
  if ((flags & MSG_TRUNC) != 0 || src == NULL || !_ns_socket_address_get (src, &src_ipv4, &src_port)) {
    ep->counters.dropped++;
    return;
  }
  /* Our own broadcasts come back on the broadcast socket: expected, not
   * counted. */
  if (src_ipv4 == ep->iface->address && src_port == ep->port)
    return;
  ep->counters.received++;
  if (ep->func != NULL)
    ep->func (ep, ep->buf, (gsize) n, src_ipv4, src_port, to_broadcast, ep->user_data);
}

static gboolean
on_readable (NsUdpEndpoint *ep, GSocket *sock, gboolean to_broadcast)
{
  gboolean more = TRUE;

  for (guint i = 0; i < NS_UDP_BURST && more; i++)
    dispatch_one (ep, sock, to_broadcast, &more);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_unicast_readable (GSocket *sock, GIOCondition cond, gpointer user_data)
{
  return on_readable (user_data, sock, FALSE);
}

static gboolean
on_bcast_readable (GSocket *sock, GIOCondition cond, gpointer user_data)
{
  return on_readable (user_data, sock, TRUE);
}

static GSource *
watch (GSocket *sock, GSocketSourceFunc func, NsUdpEndpoint *ep)
{
  GSource *source = g_socket_create_source (sock, G_IO_IN, NULL);

  g_source_set_callback (source, G_SOURCE_FUNC (func), ep, NULL);
  g_source_set_name (source, "ns-udp");
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

static guint16
bound_port (GSocket *sock)
{
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (sock, NULL);
  guint32 ipv4;
  guint16 port = 0;

  if (local != NULL)
    _ns_socket_address_get (local, &ipv4, &port);
  return port;
}

NsUdpEndpoint *
ns_udp_endpoint_new (const NsIface *iface, guint16 port, NsUdpFlags flags, GError **error)
{
  g_autoptr (NsUdpEndpoint) ep = NULL;

  g_return_val_if_fail (iface != NULL, NULL);

  ep = g_new0 (NsUdpEndpoint, 1);
  ep->iface = ns_iface_copy (iface);
  ep->unicast = open_bound (iface->address, port, FALSE, error);
  if (ep->unicast == NULL)
    return NULL;
  ep->port = bound_port (ep->unicast);
  if ((flags & NS_UDP_RECEIVE_BROADCAST) != 0 && port != 0 && iface->broadcast != iface->address) {
    ep->bcast = open_bound (iface->broadcast, port, TRUE, error);
    if (ep->bcast == NULL)
      return NULL;
  }
  ep->unicast_source = watch (ep->unicast, on_unicast_readable, ep);
  if (ep->bcast != NULL)
    ep->bcast_source = watch (ep->bcast, on_bcast_readable, ep);
  return g_steal_pointer (&ep);
}

static void
drop_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

void
ns_udp_endpoint_free (NsUdpEndpoint *ep)
{
  if (ep == NULL)
    return;
  drop_source (&ep->unicast_source);
  drop_source (&ep->bcast_source);
  if (ep->destroy != NULL)
    ep->destroy (ep->user_data);
  g_clear_object (&ep->unicast);
  g_clear_object (&ep->bcast);
  ns_iface_free (ep->iface);
  g_free (ep);
}

void
ns_udp_endpoint_set_receive_func (NsUdpEndpoint *ep, NsUdpReceiveFunc func, gpointer user_data,
                                  GDestroyNotify destroy)
{
  g_return_if_fail (ep != NULL);
  if (ep->destroy != NULL)
    ep->destroy (ep->user_data);
  ep->func = func;
  ep->user_data = user_data;
  ep->destroy = destroy;
}

const NsIface *
ns_udp_endpoint_get_iface (NsUdpEndpoint *ep)
{
  g_return_val_if_fail (ep != NULL, NULL);
  return ep->iface;
}

guint16
ns_udp_endpoint_get_port (NsUdpEndpoint *ep)
{
  g_return_val_if_fail (ep != NULL, 0);
  return ep->port;
}

gboolean
ns_udp_endpoint_send_to (NsUdpEndpoint *ep, const guint8 *data, gsize len, guint32 dst_ipv4,
                         guint16 dst_port, GError **error)
{
  g_autoptr (GSocketAddress) dst = NULL;
  gssize n;

  g_return_val_if_fail (ep != NULL, FALSE);
  /* The limited broadcast would go out of whatever interface the routing
   * table picks; we only broadcast to our own subnet. */
  if (dst_ipv4 == 0xffffffffu || dst_ipv4 == 0) {
    ep->counters.send_errors++;
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                 "Refusing to send to %s from interface %s",
                 dst_ipv4 ? "255.255.255.255" : "0.0.0.0", ep->iface->name);
    return FALSE;
  }
  dst = _ns_socket_address_new (dst_ipv4, dst_port);
  n = g_socket_send_to (ep->unicast, dst, (const char *) data, len, NULL, error);
  if (n < 0) {
    ep->counters.send_errors++;
    return FALSE;
  }
  ep->counters.sent++;
  return TRUE;
}

static gboolean
transport_send (gpointer user_data, const guint8 *data, gsize len, guint32 dst_ipv4,
                guint16 dst_port, gboolean broadcast, GError **error)
{
  NsUdpEndpoint *ep = user_data;

  if (broadcast && dst_ipv4 != ep->iface->broadcast) {
    g_autofree char *text = ns_ipv4_to_string (dst_ipv4);

    ep->counters.send_errors++;
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                 "Refusing to broadcast to %s: not the broadcast address of %s", text,
                 ep->iface->name);
    return FALSE;
  }
  return ns_udp_endpoint_send_to (ep, data, len, dst_ipv4, dst_port, error);
}

void
ns_udp_endpoint_get_transport (NsUdpEndpoint *ep, NbTransport *ret)
{
  g_return_if_fail (ep != NULL && ret != NULL);
  ret->send = transport_send;
  ret->user_data = ep;
}

void
ns_udp_endpoint_get_counters (NsUdpEndpoint *ep, NsUdpCounters *ret)
{
  g_return_if_fail (ep != NULL && ret != NULL);
  *ret = ep->counters;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */

/* UDP endpoints: a unicast and a broadcast socket per (interface, port).
 * See <netsend/ns-net.h> for why the sockets are bound the way they are.
 *
 * The unicast socket has IP_RECVERR (ip(7)): without it Linux reports no
 * ICMP error to an unconnected UDP socket, and a request to a host whose
 * port is closed (ICMP port unreachable) would be retransmitted until it
 * times out. With it the kernel queues each ICMP error about a datagram
 * the socket sent on the socket's error queue, with the datagram's
 * destination and the start of its payload (RFC 1122 §4.1.3.3: UDP passes
 * ICMP errors up to the application). */

#include <netsend/ns-net.h>
#include "ns-net-private.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <string.h>
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
  NsUdpUnreachableFunc unreachable_func;
  gpointer unreachable_data;
  GDestroyNotify unreachable_destroy;
  NsUdpCounters counters;
  guint8 buf[NS_UDP_MAX_DATAGRAM];
};

static GSocket *
open_bound (guint32 ipv4, guint16 port, gboolean reuse, gboolean recverr, GError **error)
{
  g_autoptr (GSocket) sock = NULL;

  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (sock == NULL)
    return NULL;
  g_socket_set_blocking (sock, FALSE);
  g_socket_set_broadcast (sock, TRUE);
  /* Only the broadcast socket shares its address (with other endpoints on
   * the same broadcast domain, and with nmbd's own broadcast socket); a
   * second daemon on the same unicast address must fail loudly
   * (_ns_socket_bind(): SO_REUSEADDR, never SO_REUSEPORT). */
  if ((recverr && !g_socket_set_option (sock, IPPROTO_IP, IP_RECVERR, 1, error))
      || !_ns_socket_bind (sock, ipv4, port, reuse, error))
    return NULL;
  return g_steal_pointer (&sock);
}

/* The errors a receive returns when an ICMP error about an earlier
 * datagram is pending on the socket (ECONNREFUSED, EHOSTUNREACH,
 * ENETUNREACH, EMSGSIZE for "fragmentation needed": ip(7),
 * icmp_err_convert in Linux). */
static gboolean
is_pending_icmp_error (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
}

/* One entry of the error queue (ip(7) IP_RECVERR): the kernel's verdict on
 * a datagram we sent. Only an ICMP destination unreachable is a verdict on
 * the destination; fragmentation needed (path MTU), time exceeded and
 * local errors (SO_EE_ORIGIN_LOCAL) are not. */
static void
handle_error (const struct msghdr *msg, const struct sockaddr_in *dst, const guint8 *quoted,
              gsize quoted_len, NsIcmpUnreachableFunc func, gpointer user_data)
{
  for (const struct cmsghdr *c = CMSG_FIRSTHDR (msg); c != NULL;
       c = CMSG_NXTHDR ((struct msghdr *) msg, (struct cmsghdr *) c)) {
    struct sock_extended_err ee;

    if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_RECVERR
        || c->cmsg_len < CMSG_LEN (sizeof ee))
      continue;
    memcpy (&ee, CMSG_DATA (c), sizeof ee); /* cmsg data need not be aligned */
    if (ee.ee_origin != SO_EE_ORIGIN_ICMP || ee.ee_type != ICMP_DEST_UNREACH
        || ee.ee_code == ICMP_FRAG_NEEDED)
      continue;
    /* msg_name is where the datagram that drew the error went. */
    if (msg->msg_namelen < sizeof *dst || dst->sin_family != AF_INET)
      continue;
    func (g_ntohl (dst->sin_addr.s_addr), g_ntohs (dst->sin_port), ee.ee_code,
          (int) ee.ee_errno, quoted, quoted_len, user_data);
  }
}

/* An entry left in the queue keeps G_IO_ERR up, so the caller's source
 * comes back for it. GSocket has no error-queue API: this is raw recvmsg
 * (MSG_ERRQUEUE) on its fd. */
void
_ns_udp_drain_error_queue (GSocket *sock, guint max, guint8 *buf, gsize buf_len,
                           NsIcmpUnreachableFunc func, gpointer user_data)
{
  int fd = g_socket_get_fd (sock);
  int pending = 0;

  for (guint i = 0; i < max; i++) {
    union {
      struct cmsghdr align;
      char buf[CMSG_SPACE (sizeof (struct sock_extended_err) + sizeof (struct sockaddr_in))];
    } control;
    struct sockaddr_in dst;
    struct iovec iov = { buf, buf_len };
    struct msghdr msg;
    ssize_t n;

    memset (&msg, 0, sizeof msg);
    memset (&dst, 0, sizeof dst);
    msg.msg_name = &dst;
    msg.msg_namelen = sizeof dst;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = &control;
    msg.msg_controllen = sizeof control;
    n = recvmsg (fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0)
      break;
    handle_error (&msg, &dst, buf, MIN ((gsize) n, buf_len), func, user_data);
  }
  /* The pending socket error too: one that queued nothing (error queue
   * over its memory limit) would keep G_IO_ERR up forever and spin the
   * main loop. Reading SO_ERROR clears it. */
  g_socket_get_option (sock, SOL_SOCKET, SO_ERROR, &pending, NULL);
}

static void
on_unreachable (guint32 dst_ipv4, guint16 dst_port, guint8 code, int error_code,
                const guint8 *quoted, gsize quoted_len, gpointer user_data)
{
  NsUdpEndpoint *ep = user_data;

  ep->counters.unreachable++;
  if (ep->unreachable_func != NULL)
    ep->unreachable_func (ep, dst_ipv4, dst_port, error_code, quoted, quoted_len,
                          ep->unreachable_data);
}

/* At most NS_UDP_BURST entries per wake-up. */
static void
drain_errors (NsUdpEndpoint *ep)
{
  _ns_udp_drain_error_queue (ep->unicast, NS_UDP_BURST, ep->buf, sizeof ep->buf, on_unreachable,
                             ep);
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
    if (is_pending_icmp_error (error)) {
      /* IP_RECVERR also sets the socket's pending error, which the next
       * receive returns once (and clears) even with datagrams queued; the
       * error queue holds the real report (drain_errors()). */
      *ret_more = TRUE;
    } else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
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
  /* Errors first: draining them clears the pending error that would fail
   * the first receive. */
  if ((cond & G_IO_ERR) != 0)
    drain_errors (user_data);
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
  GSource *source = g_socket_create_source (sock, G_IO_IN | G_IO_ERR, NULL);

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
  ep->unicast = open_bound (iface->address, port, FALSE, TRUE, error);
  if (ep->unicast == NULL)
    return NULL;
  ep->port = bound_port (ep->unicast);
  if ((flags & NS_UDP_RECEIVE_BROADCAST) != 0 && port != 0 && iface->broadcast != iface->address) {
    /* Receive only: nothing sent from it can draw an ICMP error. */
    ep->bcast = open_bound (iface->broadcast, port, TRUE, FALSE, error);
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
  if (ep->unreachable_destroy != NULL)
    ep->unreachable_destroy (ep->unreachable_data);
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

void
ns_udp_endpoint_set_unreachable_func (NsUdpEndpoint *ep, NsUdpUnreachableFunc func,
                                      gpointer user_data, GDestroyNotify destroy)
{
  g_return_if_fail (ep != NULL);
  if (ep->unreachable_destroy != NULL)
    ep->unreachable_destroy (ep->unreachable_data);
  ep->unreachable_func = func;
  ep->unreachable_data = user_data;
  ep->unreachable_destroy = destroy;
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
  g_autoptr (GError) local = NULL;
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
  n = g_socket_send_to (ep->unicast, dst, (const char *) data, len, NULL, &local);
  if (n < 0 && !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
    /* Linux hands a pending ICMP error (IP_RECVERR sets it) to the next
     * send, which fails without sending anything: the error was about an
     * earlier datagram, maybe to another host, and its report waits on
     * the error queue. The failed call cleared it: once more. (Any error
     * but EAGAIN: the kernel's errno for ICMP codes ranges from
     * ECONNREFUSED to EHOSTDOWN and ENONET; a real failure fails again.) */
    g_clear_error (&local);
    n = g_socket_send_to (ep->unicast, dst, (const char *) data, len, NULL, &local);
  }
  if (n < 0) {
    g_propagate_error (error, g_steal_pointer (&local));
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

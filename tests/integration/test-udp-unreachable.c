/* SPDX-License-Identifier: GPL-3.0-or-later */

/* UDP endpoints and ICMP destination unreachable, on loopback (ephemeral
 * ports, no root): a datagram to a port nobody listens on comes back as a
 * report with its destination, ECONNREFUSED and the quoted payload; the
 * error queue is emptied (the source does not fire again: no busy loop);
 * a send right after the ICMP error, before the report was read, still goes
 * out; and a node status request through the real engine on a real
 * endpoint ends as UNREACHABLE after exactly one transmission.
 *
 * No timing is asserted: "at once" shows as "one datagram sent and nothing
 * pending" when the result arrives (the resolver's first retransmission
 * would be the second datagram). */

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "netsend/nb-resolver.h"
#include "netsend/ns-net.h"

#define LOOPBACK 0x7f000001u

typedef struct {
  GMainLoop *loop;
  guint n_reports;
  guint32 dst;
  guint16 port;
  int error_code;
  GBytes *quoted;
} Reports;

static NsIface *
loopback_iface (void)
{
  NsIface *iface = g_new0 (NsIface, 1);

  iface->name = g_strdup ("lo");
  iface->address = LOOPBACK;
  iface->netmask = 0xff000000u;
  iface->broadcast = 0x7fffffffu;
  iface->loopback = TRUE;
  return iface;
}

/* A UDP port on 127.0.0.1 nobody listens on: bound, read, closed. */
static guint16
closed_udp_port (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                        G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  guint16 port;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (s, addr, FALSE, &error));
  bound = g_socket_get_local_address (s, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (s, NULL);
  return port;
}

static void
on_report (NsUdpEndpoint *ep, guint32 dst, guint16 port, int error_code, const guint8 *quoted,
           gsize quoted_len, gpointer user_data)
{
  Reports *r = user_data;

  r->n_reports++;
  r->dst = dst;
  r->port = port;
  r->error_code = error_code;
  g_clear_pointer (&r->quoted, g_bytes_unref);
  r->quoted = g_bytes_new (quoted, quoted_len);
  if (r->loop != NULL)
    g_main_loop_quit (r->loop);
}

static gboolean
on_too_long (gpointer user_data)
{
  g_error ("no ICMP report came (is loopback filtered?)");
  return G_SOURCE_REMOVE;
}

static void
run (GMainLoop *loop)
{
  guint guard = g_timeout_add_seconds (20, on_too_long, NULL);

  g_main_loop_run (loop);
  g_source_remove (guard);
}

/* Iterates without blocking until nothing is ready; returns how many
 * iterations dispatched something. A source spinning on an unread error
 * queue would never let this end: bounded, and the bound is asserted. */
static guint
drain_context (void)
{
  guint n = 0;

  while (n < 100 && g_main_context_iteration (NULL, FALSE))
    n++;
  return n;
}

static void
test_report (void)
{
  g_autoptr (NsIface) iface = loopback_iface ();
  g_autoptr (GError) error = NULL;
  g_autoptr (NsUdpEndpoint) ep = ns_udp_endpoint_new (iface, 0, NS_UDP_NONE, &error);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  static const guint8 payload[] = { 0x12, 0x34, 0x00, 0x00, 'h', 'i' };
  Reports r = { loop, 0, 0, 0, 0, NULL };
  guint16 closed = closed_udp_port ();
  NsUdpCounters c;
  gsize len;
  const guint8 *quoted;

  g_assert_no_error (error);
  ns_udp_endpoint_set_unreachable_func (ep, on_report, &r, NULL);
  g_assert_true (ns_udp_endpoint_send_to (ep, payload, sizeof payload, LOOPBACK, closed, &error));
  g_assert_no_error (error);
  run (loop);
  g_assert_cmpuint (r.n_reports, ==, 1);
  g_assert_cmphex (r.dst, ==, LOOPBACK);
  g_assert_cmpuint (r.port, ==, closed);
  g_assert_cmpint (r.error_code, ==, ECONNREFUSED);
  quoted = g_bytes_get_data (r.quoted, &len);
  g_assert_cmpmem (quoted, len, payload, sizeof payload);
  ns_udp_endpoint_get_counters (ep, &c);
  g_assert_cmpuint (c.unreachable, ==, 1);
  g_assert_cmpuint (c.dropped, ==, 0);
  /* The queue is empty and the pending error cleared: nothing fires. */
  g_assert_cmpuint (drain_context (), ==, 0);
  g_assert_cmpuint (r.n_reports, ==, 1);
  g_clear_pointer (&r.quoted, g_bytes_unref);
}

/* More reports than one wake-up reads (NS_UDP_BURST, 32): the rest are
 * read at the next ones, every report arrives once, and then nothing is
 * left to fire. */
static void
test_many_reports (void)
{
  g_autoptr (NsIface) iface = loopback_iface ();
  g_autoptr (GError) error = NULL;
  g_autoptr (NsUdpEndpoint) ep = ns_udp_endpoint_new (iface, 0, NS_UDP_NONE, &error);
  Reports r = { NULL, 0, 0, 0, 0, NULL };
  guint16 closed = closed_udp_port ();
  NsUdpCounters c;

  g_assert_no_error (error);
  ns_udp_endpoint_set_unreachable_func (ep, on_report, &r, NULL);
  for (guint8 i = 0; i < 40; i++) {
    guint8 payload[2] = { 0x70, i };

    g_assert_true (ns_udp_endpoint_send_to (ep, payload, sizeof payload, LOOPBACK, closed,
                                            &error));
    g_assert_no_error (error);
  }
  for (guint i = 0; i < 200 && r.n_reports < 40; i++) {
    drain_context ();
    g_usleep (5000);
  }
  g_assert_cmpuint (r.n_reports, ==, 40);
  ns_udp_endpoint_get_counters (ep, &c);
  g_assert_cmpuint (c.sent, ==, 40);
  g_assert_cmpuint (c.unreachable, ==, 40);
  g_assert_cmpuint (drain_context (), ==, 0);
  g_clear_pointer (&r.quoted, g_bytes_unref);
}

/* Linux fails the first send after an ICMP error with that error
 * (ECONNREFUSED) and sends nothing; the endpoint retries, so the datagram
 * to a listening port still arrives. */
static void
test_send_after_error (void)
{
  g_autoptr (NsIface) iface = loopback_iface ();
  g_autoptr (GError) error = NULL;
  g_autoptr (NsUdpEndpoint) ep = ns_udp_endpoint_new (iface, 0, NS_UDP_NONE, &error);
  g_autoptr (NsUdpEndpoint) listener = ns_udp_endpoint_new (iface, 0, NS_UDP_NONE, &error);
  static const guint8 payload[] = { 0xab, 0xcd };
  Reports r = { NULL, 0, 0, 0, 0, NULL };
  NsUdpCounters c;

  g_assert_no_error (error);
  ns_udp_endpoint_set_unreachable_func (ep, on_report, &r, NULL);
  g_assert_true (ns_udp_endpoint_send_to (ep, payload, sizeof payload, LOOPBACK,
                                          closed_udp_port (), &error));
  /* Wait without dispatching until the ICMP error is on the socket (the
   * endpoint's source is ready: G_IO_ERR). Bounded to 1 s. */
  for (guint i = 0; i < 200 && !g_main_context_pending (NULL); i++)
    g_usleep (5000);
  g_assert_true (g_main_context_pending (NULL));
  /* The error is pending and unread: this send must still go out. */
  g_assert_true (ns_udp_endpoint_send_to (ep, payload, sizeof payload, LOOPBACK,
                                          ns_udp_endpoint_get_port (listener), &error));
  g_assert_no_error (error);
  drain_context ();
  g_assert_cmpuint (r.n_reports, ==, 1);
  ns_udp_endpoint_get_counters (listener, &c);
  g_assert_cmpuint (c.received, ==, 1);
  ns_udp_endpoint_get_counters (ep, &c);
  g_assert_cmpuint (c.sent, ==, 2);
  g_assert_cmpuint (c.send_errors, ==, 0);
  g_clear_pointer (&r.quoted, g_bytes_unref);
}

typedef struct {
  GMainLoop *loop;
  NbResolver *resolver;
  gboolean done;
  NbQueryStatus status;
  int error_code;
  guint n_pending;
} Status;

static void
on_datagram (NsUdpEndpoint *ep, const guint8 *data, gsize len, guint32 src, guint16 port,
             gboolean to_broadcast, gpointer user_data)
{
  Status *s = user_data;

  nb_resolver_receive (s->resolver, data, len, src, port, g_get_monotonic_time ());
}

static void
on_unreachable (NsUdpEndpoint *ep, guint32 dst, guint16 port, int error_code,
                const guint8 *quoted, gsize quoted_len, gpointer user_data)
{
  Status *s = user_data;

  nb_resolver_unreachable (s->resolver, quoted, quoted_len, dst, port, error_code,
                           g_get_monotonic_time ());
}

static void
on_status (NbResolver *resolver, const NbNodeStatusResult *result, gpointer user_data)
{
  Status *s = user_data;

  s->done = TRUE;
  s->status = result->status;
  s->error_code = result->unreachable_errno;
  s->n_pending = nb_resolver_get_n_pending (resolver);
  g_main_loop_quit (s->loop);
}

/* The engine on a real endpoint: node status to a closed port ends as
 * UNREACHABLE with ECONNREFUSED after one transmission, and nothing else
 * is pending (no retransmission will follow). */
static void
test_node_status_closed_port (void)
{
  g_autoptr (NsIface) iface = loopback_iface ();
  g_autoptr (GError) error = NULL;
  g_autoptr (NsUdpEndpoint) ep = ns_udp_endpoint_new (iface, 0, NS_UDP_NONE, &error);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (NbResolver) resolver = NULL;
  Status s = { loop, NULL, FALSE, 0, 0, 0 };
  NbResolverConfig rc;
  NbTransport transport;
  NsUdpCounters c;

  g_assert_no_error (error);
  nb_resolver_config_init (&rc);
  rc.port = closed_udp_port ();
  ns_udp_endpoint_get_transport (ep, &transport);
  resolver = nb_resolver_new (&rc, &transport, &error);
  g_assert_no_error (error);
  s.resolver = resolver;
  nb_resolver_attach (resolver, NULL);
  ns_udp_endpoint_set_receive_func (ep, on_datagram, &s, NULL);
  ns_udp_endpoint_set_unreachable_func (ep, on_unreachable, &s, NULL);
  g_assert_cmpuint (nb_resolver_node_status (resolver, LOOPBACK, 0, NULL,
                                             g_get_monotonic_time (), on_status, &s, &error),
                    >, 0);
  {
    guint guard = g_timeout_add_seconds (20, on_too_long, NULL);

    g_main_loop_run (loop);
    g_source_remove (guard);
  }
  g_assert_true (s.done);
  g_assert_cmpint (s.status, ==, NB_QUERY_STATUS_UNREACHABLE);
  g_assert_cmpint (s.error_code, ==, ECONNREFUSED);
  g_assert_cmpuint (s.n_pending, ==, 0);
  ns_udp_endpoint_get_counters (ep, &c);
  g_assert_cmpuint (c.sent, ==, 1);
  g_assert_cmpuint (c.unreachable, ==, 1);
  g_assert_cmpint (nb_resolver_next_deadline (resolver), ==, NB_ENGINE_NO_DEADLINE);
  nb_resolver_detach (resolver);
  ns_udp_endpoint_set_receive_func (ep, NULL, NULL, NULL);
  ns_udp_endpoint_set_unreachable_func (ep, NULL, NULL, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/udp/unreachable/report", test_report);
  g_test_add_func ("/udp/unreachable/many-reports", test_many_reports);
  g_test_add_func ("/udp/unreachable/send-after-error", test_send_after_error);
  g_test_add_func ("/udp/unreachable/node-status", test_node_status_closed_port);
  return g_test_run ();
}

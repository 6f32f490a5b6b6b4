/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The net layer: the only code of netsend that touches sockets.
 *
 * Interfaces: the IPv4 addresses of this machine, and how a configuration's
 * `interfaces` entries (names or addresses) select some of them.
 *
 * UDP endpoints: one per (interface, port). An endpoint owns two sockets,
 * the way nmbd does it (one socket per interface address and one per
 * broadcast address, both SO_REUSEADDR):
 *  - the unicast socket, bound to address:port. Everything is sent from it,
 *    broadcasts included, so replies come back to it;
 *  - the broadcast socket, bound to broadcast:port, receive only. Linux
 *    hands a datagram sent to 10.0.0.255 to sockets bound to 10.0.0.255 (or
 *    to INADDR_ANY), never to one bound to 10.0.0.1.
 * Binding to the broadcast address instead of INADDR_ANY + SO_BINDTODEVICE
 * needs no privilege (SO_BINDTODEVICE wanted CAP_NET_RAW before Linux 5.7)
 * and keeps several interfaces on one port apart without IP_PKTINFO.
 * Datagrams to 255.255.255.255 are not received (nmbd ignores them too,
 * PROTOCOL.md errata 15).
 *
 * Loopback: its "broadcast" address is address | ~netmask, 127.255.255.255
 * for 127.0.0.1/8. The kernel routes it to lo, so such broadcasts reach
 * every endpoint on this machine bound to 127.255.255.255 and never leave
 * it. Any address in a loopback network may be configured (127.0.0.2 works
 * although only 127.0.0.1 is assigned), so several daemons on one machine
 * form a private "LAN" on loopback: that is how the integration tests run
 * without root.
 *
 * An endpoint drops the datagrams it sent itself (broadcasts loop back to
 * the broadcast socket): those whose source is its own address and port.
 *
 * Unreachable destinations: the unicast socket has IP_RECVERR (ip(7)), so
 * an ICMP destination unreachable about a datagram it sent (a host with
 * nothing on that UDP port answers with ICMP port unreachable) reaches the
 * endpoint's #NsUdpUnreachableFunc at once, instead of passing unseen
 * while the sender waits out its retransmissions.
 *
 * Addresses are IPv4 in host byte order, as in <netsend/nb-transport.h>. */

#include <gio/gio.h>
#include <netsend/nb-transport.h>

G_BEGIN_DECLS

/**
 * NsIface:
 * @name: the interface name, e.g. "eth0"
 * @index: its index (if_nametoindex)
 * @address: an IPv4 address of it (host byte order)
 * @netmask: that address's netmask
 * @broadcast: the subnet broadcast address broadcasts go to: the
 *   interface's broadcast address, or address | ~netmask where it has none
 *   (loopback, point-to-point)
 * @loopback: %TRUE for a loopback interface
 * @hwaddr: the link-layer address (MAC), zero if none or unknown; the node
 *   status UNIT_ID
 *
 * One IPv4 address of an interface (an interface with two addresses gives
 * two entries). A plain struct with one owned string.
 *
 * Since: 0.1
 */
typedef struct {
  char *name;
  guint index;
  guint32 address;
  guint32 netmask;
  guint32 broadcast;
  gboolean loopback;
  guint8 hwaddr[6];
} NsIface;

NsIface *ns_iface_copy (const NsIface *iface);
void ns_iface_free (NsIface *iface);

/**
 * ns_ifaces_list:
 * @ret: (out) (element-type NsIface): the IPv4 addresses of every interface
 *   that is up, in getifaddrs() order; untouched on failure
 * @error: return location for a #GError (a #GIOError from getifaddrs())
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean ns_ifaces_list (GPtrArray **ret, GError **error);

/**
 * ns_ifaces_select:
 * @available: (element-type NsIface): what ns_ifaces_list() returned
 * @specs: (nullable) (array zero-terminated=1): entries of the `interfaces`
 *   key: interface names (every IPv4 address of it) or IPv4 addresses (the
 *   interface holding it, or any address of a loopback network); %NULL or
 *   empty selects the loopback interfaces
 * @ret: (out) (element-type NsIface): the selection without duplicates;
 *   untouched on failure
 * @error: return location for a #GError (%G_IO_ERROR_NOT_FOUND naming the
 *   entry that matches nothing)
 *
 * Pure: resolves a configuration against a list of interfaces.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean ns_ifaces_select (const GPtrArray *available, const char *const *specs,
                           GPtrArray **ret, GError **error);

/* ns_ifaces_list() followed by ns_ifaces_select(). */
gboolean ns_ifaces_resolve (const char *const *specs, GPtrArray **ret, GError **error);

/* "192.0.2.1" for 0xC0000201; (transfer full). */
char *ns_ipv4_to_string (guint32 address);
/* Parses a dotted IPv4 address; FALSE (untouched) for anything else. */
gboolean ns_ipv4_from_string (const char *text, guint32 *ret);

/**
 * ns_ipv4_is_unicast:
 * @address: a host-order IPv4 address
 *
 * Whether @address can name one host: not 0.0.0.0, not multicast
 * (224.0.0.0/4, RFC 5771) and not the limited broadcast 255.255.255.255.
 * A WINS server or a --host target must be one (a WINS request is unicast,
 * RFC 1002 §4.2.2).
 *
 * Returns: %TRUE for such an address
 *
 * Since: 0.2
 */
gboolean ns_ipv4_is_unicast (guint32 address);

/**
 * NsUdpEndpoint:
 *
 * A UDP endpoint on one interface and port (see the file comment). Lives on
 * the thread-default #GMainContext of its creator.
 *
 * Since: 0.1
 */
typedef struct _NsUdpEndpoint NsUdpEndpoint;

/**
 * NsUdpFlags:
 * @NS_UDP_NONE: unicast socket only (clients on an ephemeral port).
 * @NS_UDP_RECEIVE_BROADCAST: also bind the broadcast socket.
 *
 * Since: 0.1
 */
typedef enum {
  NS_UDP_NONE = 0,
  NS_UDP_RECEIVE_BROADCAST = 1 << 0,
} NsUdpFlags;

/**
 * NsUdpReceiveFunc:
 * @endpoint: the endpoint
 * @data: the datagram (valid during the call)
 * @len: its length
 * @src_ipv4: source address (host byte order)
 * @src_port: source port
 * @to_broadcast: %TRUE if it arrived on the broadcast socket
 * @user_data: as given to ns_udp_endpoint_set_receive_func()
 *
 * Since: 0.1
 */
typedef void (*NsUdpReceiveFunc) (NsUdpEndpoint *endpoint, const guint8 *data, gsize len,
                                  guint32 src_ipv4, guint16 src_port, gboolean to_broadcast,
                                  gpointer user_data);

/**
 * NsUdpUnreachableFunc:
 * @endpoint: the endpoint
 * @dst_ipv4: where the datagram that drew the error went (host byte order)
 * @dst_port: its destination port
 * @error_code: the errno the kernel made of the ICMP message:
 *   ECONNREFUSED for port unreachable (nothing listens there),
 *   EHOSTUNREACH / ENETUNREACH / EACCES ... for the others
 * @quoted: the start of that datagram's UDP payload as the ICMP message
 *   quoted it (Linux quotes up to 576 bytes of IP datagram; RFC 792 only
 *   promises the UDP header, so it may be empty); valid during the call
 * @quoted_len: its length
 * @user_data: as given to ns_udp_endpoint_set_unreachable_func()
 *
 * An ICMP destination unreachable (RFC 792; any code but "fragmentation
 * needed") arrived about a datagram this endpoint sent. ICMP can be forged
 * and may be late: match it to a request still waiting for
 * @dst_ipv4:@dst_port (and, where @quoted is long enough, to its
 * transaction id) before giving up on anything.
 *
 * Since: 0.2
 */
typedef void (*NsUdpUnreachableFunc) (NsUdpEndpoint *endpoint, guint32 dst_ipv4,
                                      guint16 dst_port, int error_code,
                                      const guint8 *quoted, gsize quoted_len,
                                      gpointer user_data);

/**
 * ns_udp_endpoint_new:
 * @iface: the interface (copied)
 * @port: the port; 0 = an ephemeral port (then no broadcast socket)
 * @flags: #NsUdpFlags
 * @error: return location for a #GError (the bind error names address and
 *   port)
 *
 * Creates and binds the sockets (privileged ports need privileges at this
 * point only) and starts receiving on the thread-default main context.
 *
 * Returns: (transfer full) (nullable): the endpoint
 *
 * Since: 0.1
 */
NsUdpEndpoint *ns_udp_endpoint_new (const NsIface *iface, guint16 port, NsUdpFlags flags,
                                    GError **error);
void ns_udp_endpoint_free (NsUdpEndpoint *endpoint);

/* Sets who gets the received datagrams; @destroy frees @user_data when
 * replaced or at free time. Without a function datagrams are dropped. */
void ns_udp_endpoint_set_receive_func (NsUdpEndpoint *endpoint, NsUdpReceiveFunc func,
                                       gpointer user_data, GDestroyNotify destroy);

/* Sets who hears of unreachable destinations (#NsUdpUnreachableFunc);
 * @destroy frees @user_data when replaced or at free time. Without a
 * function the reports are read and dropped (counted). */
void ns_udp_endpoint_set_unreachable_func (NsUdpEndpoint *endpoint,
                                           NsUdpUnreachableFunc func,
                                           gpointer user_data, GDestroyNotify destroy);

const NsIface *ns_udp_endpoint_get_iface (NsUdpEndpoint *endpoint);
/* The bound port (the chosen one for port 0). */
guint16 ns_udp_endpoint_get_port (NsUdpEndpoint *endpoint);

/**
 * ns_udp_endpoint_send_to:
 * @endpoint: an endpoint
 * @data: the payload
 * @len: its length
 * @dst_ipv4: destination (host byte order)
 * @dst_port: destination port
 * @error: return location for a #GError
 *
 * Sends one datagram from the unicast socket, without blocking. A
 * broadcast address other than this interface's own (including
 * 255.255.255.255) is refused with %G_IO_ERROR_PERMISSION_DENIED: an
 * endpoint only ever broadcasts on its interface.
 *
 * Returns: %TRUE if the kernel took the datagram
 *
 * Since: 0.1
 */
gboolean ns_udp_endpoint_send_to (NsUdpEndpoint *endpoint, const guint8 *data, gsize len,
                                  guint32 dst_ipv4, guint16 dst_port, GError **error);

/**
 * ns_udp_endpoint_get_transport:
 * @endpoint: an endpoint
 * @ret: (out caller-allocates): a transport sending through @endpoint
 *
 * Fills the name engine's #NbTransport; the endpoint must outlive every
 * engine object given it.
 *
 * Since: 0.1
 */
void ns_udp_endpoint_get_transport (NsUdpEndpoint *endpoint, NbTransport *ret);

/**
 * NsUdpCounters:
 * @received: datagrams handed to the receive function
 * @sent: datagrams sent
 * @send_errors: sends that failed or were refused
 * @dropped: datagrams dropped (truncated, not IPv4, receive errors); our own
 *   broadcasts coming back are ignored without counting
 * @unreachable: ICMP destination unreachable reports read from the error
 *   queue (handed to the #NsUdpUnreachableFunc, if any). Since: 0.2
 *
 * Since: 0.1
 */
typedef struct {
  guint64 received;
  guint64 sent;
  guint64 send_errors;
  guint64 dropped;
  guint64 unreachable;
} NsUdpCounters;

void ns_udp_endpoint_get_counters (NsUdpEndpoint *endpoint, NsUdpCounters *ret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsIface, ns_iface_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsUdpEndpoint, ns_udp_endpoint_free)

G_END_DECLS

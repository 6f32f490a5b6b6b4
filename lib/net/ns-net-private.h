/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Helpers shared by the socket files of lib/net (not installed). */

#include <gio/gio.h>

/* An IPv4 socket address from a host-order address and a port. */
GSocketAddress *_ns_socket_address_new (guint32 ipv4, guint16 port);

/* Binds @sock to @ipv4:@port with SO_REUSEADDR set to @reuse. Not
 * g_socket_bind(): it resets SO_REUSEADDR to its allow_reuse argument,
 * and allow_reuse also sets SO_REUSEPORT, which would let two processes
 * split our traffic between them. */
gboolean _ns_socket_bind (GSocket *sock, guint32 ipv4, guint16 port, gboolean reuse,
                          GError **error);

/* The host-order IPv4 address of @inet; FALSE (output untouched) if it
 * is not IPv4. */
gboolean _ns_inet_address_get_ipv4 (GInetAddress *inet, guint32 *ret_ipv4);

/* The host-order IPv4 address and port of @address; FALSE (outputs
 * untouched) for NULL or anything that is not an IPv4 socket address. */
gboolean _ns_socket_address_get (GSocketAddress *address, guint32 *ret_ipv4, guint16 *ret_port);

/* An ICMP destination unreachable about a datagram the socket sent to
 * @dst_ipv4:@dst_port: @code is the ICMP code, @error_code the errno Linux
 * made of it, @quoted the start of the datagram's payload. */
typedef void (*NsIcmpUnreachableFunc) (guint32 dst_ipv4, guint16 dst_port, guint8 code,
                                       int error_code, const guint8 *quoted, gsize quoted_len,
                                       gpointer user_data);

/* Reads at most @max entries of the IP_RECVERR error queue of @sock (the
 * quoted payload into @buf), calls @func for each ICMP destination
 * unreachable but "fragmentation needed", then clears the pending socket
 * error. */
void _ns_udp_drain_error_queue (GSocket *sock, guint max, guint8 *buf, gsize buf_len,
                                NsIcmpUnreachableFunc func, gpointer user_data);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Helpers shared by the socket files of lib/net (not installed). */

#include <gio/gio.h>

/* An IPv4 socket address from a host-order address and a port. */
GSocketAddress *_ns_socket_address_new (guint32 ipv4, guint16 port);

/* The host-order IPv4 address of @inet; FALSE (output untouched) if it
 * is not IPv4. */
gboolean _ns_inet_address_get_ipv4 (GInetAddress *inet, guint32 *ret_ipv4);

/* The host-order IPv4 address and port of @address; FALSE (outputs
 * untouched) for NULL or anything that is not an IPv4 socket address. */
gboolean _ns_socket_address_get (GSocketAddress *address, guint32 *ret_ipv4, guint16 *ret_port);

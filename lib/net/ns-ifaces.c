/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Interface enumeration (getifaddrs) and the selection of the configured
 * ones. See <netsend/ns-net.h> for the loopback and broadcast rules. */

#include <netsend/ns-net.h>
#include "ns-net-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <string.h>
#include <sys/socket.h>

NsIface *
ns_iface_copy (const NsIface *iface)
{
  NsIface *copy;

  g_return_val_if_fail (iface != NULL, NULL);
  copy = g_new (NsIface, 1);
  *copy = *iface;
  copy->name = g_strdup (iface->name);
  return copy;
}

void
ns_iface_free (NsIface *iface)
{
  if (iface == NULL)
    return;
  g_free (iface->name);
  g_free (iface);
}

char *
ns_ipv4_to_string (guint32 address)
{
  return g_strdup_printf ("%u.%u.%u.%u", address >> 24, (address >> 16) & 0xff,
                          (address >> 8) & 0xff, address & 0xff);
}

gboolean
ns_ipv4_from_string (const char *text, guint32 *ret)
{
  struct in_addr in;

  /* inet_pton accepts only the strict dotted quad (no "10.1", no octal). */
  if (text == NULL || inet_pton (AF_INET, text, &in) != 1)
    return FALSE;
  *ret = g_ntohl (in.s_addr);
  return TRUE;
}

gboolean
ns_ipv4_is_unicast (guint32 address)
{
  return address != 0 && (address >> 28) != 0xE && address != 0xFFFFFFFFu;
}

static guint32
sockaddr_ipv4 (const struct sockaddr *sa)
{
  const struct sockaddr_in *sin = (const struct sockaddr_in *) (gconstpointer) sa;

  return g_ntohl (sin->sin_addr.s_addr);
}

static void
fill_hwaddr (struct ifaddrs *list, GPtrArray *ifaces)
{
  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
    const struct sockaddr_ll *ll;

    if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != AF_PACKET)
      continue;
    ll = (const struct sockaddr_ll *) (gconstpointer) ifa->ifa_addr;
    if (ll->sll_halen != 6)
      continue;
    for (guint i = 0; i < ifaces->len; i++) {
      NsIface *iface = g_ptr_array_index (ifaces, i);

      if (strcmp (iface->name, ifa->ifa_name) == 0)
        memcpy (iface->hwaddr, ll->sll_addr, 6);
    }
  }
}

static NsIface *
iface_from_ifaddrs (const struct ifaddrs *ifa)
{
  NsIface *iface = g_new0 (NsIface, 1);

  iface->name = g_strdup (ifa->ifa_name);
  iface->index = if_nametoindex (ifa->ifa_name);
  iface->address = sockaddr_ipv4 (ifa->ifa_addr);
  iface->netmask = ifa->ifa_netmask != NULL ? sockaddr_ipv4 (ifa->ifa_netmask) : 0xffffffffu;
  iface->loopback = (ifa->ifa_flags & IFF_LOOPBACK) != 0;
  if ((ifa->ifa_flags & IFF_BROADCAST) != 0 && ifa->ifa_broadaddr != NULL
      && ifa->ifa_broadaddr->sa_family == AF_INET)
    iface->broadcast = sockaddr_ipv4 (ifa->ifa_broadaddr);
  else
    iface->broadcast = iface->address | ~iface->netmask;
  return iface;
}

gboolean
ns_ifaces_list (GPtrArray **ret, GError **error)
{
  struct ifaddrs *list = NULL;
  g_autoptr (GPtrArray) ifaces = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_iface_free);

  g_return_val_if_fail (ret != NULL, FALSE);
  if (getifaddrs (&list) < 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot list the network interfaces: %s", g_strerror (saved));
    return FALSE;
  }
  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
    if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != AF_INET
        || (ifa->ifa_flags & IFF_UP) == 0)
      continue;
    g_ptr_array_add (ifaces, iface_from_ifaddrs (ifa));
  }
  fill_hwaddr (list, ifaces);
  freeifaddrs (list);
  *ret = g_steal_pointer (&ifaces);
  return TRUE;
}

static gboolean
contains_address (const GPtrArray *ifaces, guint32 address)
{
  for (guint i = 0; i < ifaces->len; i++)
    if (((const NsIface *) g_ptr_array_index (ifaces, i))->address == address)
      return TRUE;
  return FALSE;
}

static void
add_unique (GPtrArray *out, const NsIface *iface)
{
  if (!contains_address (out, iface->address))
    g_ptr_array_add (out, ns_iface_copy (iface));
}

/* One `interfaces` entry: an address (exact, or inside a loopback
 * network) or an interface name. */
static gboolean
select_one (const GPtrArray *available, const char *spec, GPtrArray *out, GError **error)
{
  guint32 address;
  gboolean found = FALSE;

  if (ns_ipv4_from_string (spec, &address)) {
    const NsIface *loop_net = NULL;

    for (guint i = 0; i < available->len; i++) {
      const NsIface *iface = g_ptr_array_index (available, i);

      if (iface->address == address) {
        add_unique (out, iface);
        return TRUE;
      }
      if (iface->loopback && (address & iface->netmask) == (iface->address & iface->netmask)
          && address != iface->broadcast && (address & ~iface->netmask) != 0)
        loop_net = iface;
    }
    if (loop_net != NULL) {
      /* Every address of a loopback network is local (the kernel's
       * "local 127.0.0.0/8" route), even if not assigned. */
      NsIface alias = *loop_net;

      alias.address = address;
      add_unique (out, &alias);
      return TRUE;
    }
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 "No interface that is up has the address %s", spec);
    return FALSE;
  }
  for (guint i = 0; i < available->len; i++) {
    const NsIface *iface = g_ptr_array_index (available, i);

    if (strcmp (iface->name, spec) == 0) {
      add_unique (out, iface);
      found = TRUE;
    }
  }
  if (!found)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 "No interface named '%s' is up with an IPv4 address", spec);
  return found;
}

gboolean
ns_ifaces_select (const GPtrArray *available, const char *const *specs, GPtrArray **ret,
                  GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_iface_free);

  g_return_val_if_fail (available != NULL, FALSE);
  g_return_val_if_fail (ret != NULL, FALSE);

  if (specs == NULL || specs[0] == NULL) {
    /* The default: loopback only, so a fresh install talks to nobody. */
    for (guint i = 0; i < available->len; i++) {
      const NsIface *iface = g_ptr_array_index (available, i);

      if (iface->loopback)
        add_unique (out, iface);
    }
    if (out->len == 0) {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "No loopback interface is up with an IPv4 address");
      return FALSE;
    }
  }
  for (gsize i = 0; specs != NULL && specs[i] != NULL; i++)
    if (!select_one (available, specs[i], out, error))
      return FALSE;
  *ret = g_steal_pointer (&out);
  return TRUE;
}

gboolean
ns_ifaces_resolve (const char *const *specs, GPtrArray **ret, GError **error)
{
  g_autoptr (GPtrArray) available = NULL;

  if (!ns_ifaces_list (&available, error))
    return FALSE;
  return ns_ifaces_select (available, specs, ret, error);
}

GSocketAddress *
_ns_socket_address_new (guint32 ipv4, guint16 port)
{
  guint8 bytes[4] = { ipv4 >> 24, (ipv4 >> 16) & 0xff, (ipv4 >> 8) & 0xff, ipv4 & 0xff };
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV4);

  return g_inet_socket_address_new (addr, port);
}

gboolean
_ns_socket_bind (GSocket *sock, guint32 ipv4, guint16 port, gboolean reuse, GError **error)
{
  g_autoptr (GSocketAddress) addr = _ns_socket_address_new (ipv4, port);
  struct sockaddr_in native;

  if (!g_socket_set_option (sock, SOL_SOCKET, SO_REUSEADDR, reuse ? 1 : 0, error)
      || !g_socket_address_to_native (addr, &native, sizeof native, error))
    return FALSE;
  if (bind (g_socket_get_fd (sock), (struct sockaddr *) &native, sizeof native) < 0) {
    int saved = errno;
    g_autofree char *text = ns_ipv4_to_string (ipv4);

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot bind %s %s:%u: %s",
                 g_socket_get_socket_type (sock) == G_SOCKET_TYPE_STREAM ? "TCP" : "UDP",
                 text, port, g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}

gboolean
_ns_inet_address_get_ipv4 (GInetAddress *inet, guint32 *ret_ipv4)
{
  const guint8 *b;

  if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV4)
    return FALSE;
  b = g_inet_address_to_bytes (inet);
  *ret_ipv4 = ((guint32) b[0] << 24) | ((guint32) b[1] << 16) | ((guint32) b[2] << 8) | b[3];
  return TRUE;
}

gboolean
_ns_socket_address_get (GSocketAddress *address, guint32 *ret_ipv4, guint16 *ret_port)
{
  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address)
      || !_ns_inet_address_get_ipv4 (
          g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)), ret_ipv4))
    return FALSE;
  *ret_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  return TRUE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MESSNGR mailslot datagrams (PROTOCOL.md §3): `net send *` / `/domain`
 * as a DIRECT_GROUP datagram to DOMAIN<00> on each interface's subnet
 * broadcast address (§3.4), or a DIRECT_UNIQUE datagram to NAME<03> for a
 * single recipient (MS-MSRP §3.2.4.4). Nothing acknowledges them. */
#include "ns-send-private.h"

#include <string.h>

#include "netsend/msgr-mailslot.h"
#include "netsend/nb-dgram.h"

gsize
_ns_send_mailslot_text_cap (NsSender *sender, const char *to_oem)
{
  /* From\0To\0Text\0 within the MESSNGR body cap (MS-MAIL note <2>, §3.5). */
  gsize used = strlen (sender->from_oem) + strlen (to_oem) + 3;

  return used < MSGR_MAILSLOT_MAX_BODY ? MSGR_MAILSLOT_MAX_BODY - used : 0;
}

/* The SNT bits of our node type (RFC 1002 §4.4.1; H nodes send NBDD). */
static NbDgramNodeType
dgram_node_type (NbNodeType node_type)
{
  switch (node_type) {
    case NB_NODE_P: return NB_DGRAM_NODE_P;
    case NB_NODE_M: return NB_DGRAM_NODE_M;
    case NB_NODE_H: return NB_DGRAM_NODE_NBDD;
    case NB_NODE_B:
    default: return NB_DGRAM_NODE_B;
  }
}

static gboolean
build (NsSender *sender, NbDgramType type, guint32 source_ip, guint16 source_port,
       const NbName *destination, const MsgrMailslotMessage *msg, GByteArray *out,
       GError **error)
{
  g_autoptr (GError) local = NULL;

  if (!msgr_mailslot_build_datagram (type, dgram_node_type (sender->node_type),
                                     sender->next_dgm_id++, source_ip, source_port,
                                     &sender->calling, destination, msg, out, &local)) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_MESSAGE_TOO_LONG,
                 "cannot build the mailslot datagram: %s", local->message);
    return FALSE;
  }
  return TRUE;
}

static gboolean
send_broadcast (NsSender *sender, const NbName *destination, const MsgrMailslotMessage *msg,
                char **ret_addresses, GError **error)
{
  g_autoptr (GString) where = g_string_new (NULL);
  g_autoptr (GError) last = NULL;

  if (sender->ifaces->len == 0) {
    g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_NETWORK,
                         "no network interface to broadcast on");
    return FALSE;
  }
  for (guint i = 0; i < sender->ifaces->len; i++) {
    const NsIface *iface = g_ptr_array_index (sender->ifaces, i);
    NsUdpEndpoint *ep = _ns_send_net_iface_endpoint (sender, i);
    g_autoptr (GByteArray) dgram = g_byte_array_new ();
    g_autofree char *bcast = ns_ipv4_to_string (iface->broadcast);

    if (!build (sender, NB_DGRAM_DIRECT_GROUP, iface->address, ns_udp_endpoint_get_port (ep),
                destination, msg, dgram, error))
      return FALSE;
    g_clear_error (&last);
    if (!ns_udp_endpoint_send_to (ep, dgram->data, dgram->len, iface->broadcast,
                                  sender->port_dgm, &last)) {
      g_debug ("ns-send: mailslot broadcast on %s failed: %s", iface->name, last->message);
      continue;
    }
    g_string_append_printf (where, "%s%s", where->len > 0 ? "," : "", bcast);
  }
  if (where->len == 0) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_NETWORK, "broadcast failed: %s",
                 last != NULL ? last->message : "no interface");
    return FALSE;
  }
  if (ret_addresses != NULL)
    *ret_addresses = g_string_free (g_steal_pointer (&where), FALSE);
  return TRUE;
}

/* The interface on @ipv4's subnet, else the first one. */
static guint
pick_iface (NsSender *sender, guint32 ipv4)
{
  for (guint i = 0; i < sender->ifaces->len; i++) {
    const NsIface *iface = g_ptr_array_index (sender->ifaces, i);

    if ((iface->address & iface->netmask) == (ipv4 & iface->netmask))
      return i;
  }
  return 0;
}

static gboolean
send_unique (NsSender *sender, guint32 ipv4, const NbName *destination,
             const MsgrMailslotMessage *msg, GError **error)
{
  g_autoptr (GByteArray) dgram = g_byte_array_new ();
  g_autoptr (GError) local = NULL;
  NsUdpEndpoint *ep;
  NbName dest;
  guint index;

  if (sender->ifaces->len == 0) {
    g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_NETWORK,
                         "no network interface to send the datagram from");
    return FALSE;
  }
  index = pick_iface (sender, ipv4);
  ep = _ns_send_net_iface_endpoint (sender, index);
  /* MS-MSRP 3.2.4.4: a directed mailslot message goes to NAME<03>. */
  nb_name_with_suffix (&dest, destination, NB_SUFFIX_MESSENGER);
  if (!build (sender, NB_DGRAM_DIRECT_UNIQUE,
              ((const NsIface *) g_ptr_array_index (sender->ifaces, index))->address,
              ns_udp_endpoint_get_port (ep), &dest, msg, dgram, error))
    return FALSE;
  if (!ns_udp_endpoint_send_to (ep, dgram->data, dgram->len, ipv4, sender->port_dgm, &local)) {
    *error = _ns_send_error_from_io (local, "cannot send the mailslot datagram");
    return FALSE;
  }
  return TRUE;
}

gboolean
_ns_send_mailslot (NsSender *sender, guint32 ipv4, const NbName *destination,
                   const char *to_oem, GBytes *text, char **ret_addresses, GError **error)
{
  g_autoptr (MsgrMailslotMessage) msg = NULL;
  gsize text_len;
  const guint8 *text_data = g_bytes_get_data (text, &text_len);

  if (!_ns_send_net_ensure (sender, error))
    return FALSE;
  msg = msgr_mailslot_message_new ((const guint8 *) sender->from_oem, strlen (sender->from_oem),
                                   (const guint8 *) to_oem, strlen (to_oem), text_data,
                                   text_len);
  if (ipv4 == 0)
    return send_broadcast (sender, destination, msg, ret_addresses, error);
  return send_unique (sender, ipv4, destination, msg, error);
}

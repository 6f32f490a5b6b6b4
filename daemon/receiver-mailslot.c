/* SPDX-License-Identifier: GPL-3.0-or-later */

/* UDP 138: `\MAILSLOT\MESSNGR` datagrams (PROTOCOL.md §3.6). One endpoint
 * per interface on the datagram port, receiving unicast and subnet
 * broadcasts. A datagram is for us when its DESTINATION_NAME is one of our
 * names (a message name <03>, COMPUTER<00>, WORKGROUP<00>), WORKGROUP<03>
 * (errata 16: what `net send *` targets is unconfirmed, accept both) or the
 * broadcast '*'. Mailslot writes are never answered (MS-CIFS §2.2.5.12), so
 * refusals are silent; the copies a `net send *` sends per interface and
 * transport are stored once (the store's duplicate window). */

#define G_LOG_DOMAIN "netsendd"

#include "receivers.h"

#include <netsend/msgr-mailslot.h>
#include <netsend/nb-dgram.h>
#include <netsend/ns-errors.h>
#include <netsend/ns-net.h>

typedef struct {
  guint64 datagrams;
  guint64 not_for_us;
  guint64 other_mailslots;
  guint64 ignored_types;
} Counters;

struct _NsMailslotReceiver {
  GPtrArray *endpoints; /* NsUdpEndpoint */
  NsReceiverEnv env;
  Counters counters;
  NsBrowseFunc browse_func; /* announce.c */
  gpointer browse_data;
};

/* Our WORKGROUP<03>, which we do not register but accept (errata 16). */
static gboolean
is_workgroup_messenger (const NbName *dest, const NsDaemonConfig *cfg)
{
  NbName probe;

  if (nb_name_suffix (dest) != NB_SUFFIX_MESSENGER
      || !nb_name_from_utf8 (&probe, cfg->workgroup, NB_SUFFIX_MESSENGER, cfg->dos_charset, NULL)
      || !nb_name_set_scope (&probe, cfg->scope, NULL))
    return FALSE;
  return nb_name_equal (&probe, dest);
}

/* How the message's To is checked, or FALSE if the datagram is not for us. */
static gboolean
addressing_of (NsMailslotReceiver *r, const NbDgram *d, NsInboxAddressing *ret)
{
  gboolean group = FALSE;

  if (d->type == NB_DGRAM_BROADCAST || nb_name_is_wildcard (&d->destination_name)) {
    *ret = NS_INBOX_TO_GROUP;
    return TRUE;
  }
  if (ns_names_holds (r->env.names, &d->destination_name, &group)) {
    *ret = group ? NS_INBOX_TO_GROUP : NS_INBOX_TO_NAME;
    return TRUE;
  }
  if (is_workgroup_messenger (&d->destination_name, r->env.config)) {
    *ret = NS_INBOX_TO_GROUP;
    return TRUE;
  }
  return FALSE;
}

/* A `\\MAILSLOT\\BROWSE` write goes to the browse function whatever its
 * destination (it knows which browser frames are ours); TRUE if it took it. */
static gboolean
to_browser (NsMailslotReceiver *r, NsUdpEndpoint *endpoint, const NbDgram *d,
            const MsgrMailslotWrite *w, guint32 src_ipv4)
{
  if (r->browse_func == NULL || g_ascii_strcasecmp (w->mailslot, "\\MAILSLOT\\BROWSE") != 0)
    return FALSE;
  r->browse_func (endpoint, d, w, src_ipv4, r->browse_data);
  return TRUE;
}

/* The datagram header and the mailslot name: FALSE for what is not a
 * MESSNGR write to us (counted, never logged: LANs are full of browser
 * announcements). */
static gboolean
screen (NsMailslotReceiver *r, NsUdpEndpoint *endpoint, const guint8 *data, gsize len,
        guint32 src_ipv4, NbDgram **ret_dgram, NsInboxAddressing *ret_addressing)
{
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (MsgrMailslotWrite) w = NULL;
  g_autoptr (GError) error = NULL;
  const guint8 *user;
  gsize user_len = 0;
  gboolean for_us;

  if (!nb_dgram_parse (data, len, NB_DGRAM_PARSE_NONE, &d, &error)) {
    /* Fragments included: Windows never fragments mailslot writes (§1.5.1). */
    g_debug ("mailslot: bad datagram: %s", error->message);
    ns_inbox_count_malformed (r->env.inbox, NS_TRANSPORT_MAILSLOT, 1);
    return FALSE;
  }
  if (d->type != NB_DGRAM_DIRECT_UNIQUE && d->type != NB_DGRAM_DIRECT_GROUP
      && d->type != NB_DGRAM_BROADCAST) {
    r->counters.ignored_types++;
    return FALSE;
  }
  for_us = addressing_of (r, d, ret_addressing);
  if (!for_us && r->browse_func == NULL) {
    r->counters.not_for_us++;
    return FALSE;
  }
  user = d->user_data != NULL ? g_bytes_get_data (d->user_data, &user_len) : NULL;
  if (!msgr_mailslot_write_parse (user != NULL ? user : (const guint8 *) "", user_len, &w, &error)) {
    g_debug ("mailslot: bad mailslot write: %s", error->message);
    if (for_us)
      ns_inbox_count_malformed (r->env.inbox, NS_TRANSPORT_MAILSLOT, 1);
    else
      r->counters.not_for_us++;
    return FALSE;
  }
  if (to_browser (r, endpoint, d, w, src_ipv4))
    return FALSE;
  if (!for_us) {
    r->counters.not_for_us++;
    return FALSE;
  }
  if (g_ascii_strcasecmp (w->mailslot, MSGR_MAILSLOT_NAME) != 0) {
    r->counters.other_mailslots++;
    return FALSE;
  }
  *ret_dgram = g_steal_pointer (&d);
  return TRUE;
}

static char *
bytes_to_cstring (GBytes *b)
{
  gsize n = 0;
  const char *p = b != NULL ? g_bytes_get_data (b, &n) : NULL;

  return g_strndup (p != NULL ? p : "", n);
}

static void
on_datagram (NsUdpEndpoint *endpoint, const guint8 *data, gsize len, guint32 src_ipv4,
             guint16 src_port, gboolean to_broadcast, gpointer user_data)
{
  NsMailslotReceiver *r = user_data;
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (MsgrMailslotMessage) m = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *dest = NULL;
  NsInboxSubmission s = { 0 };
  NsInboxAddressing addressing;
  gsize text_len = 0;

  r->counters.datagrams++;
  if (!screen (r, endpoint, data, len, src_ipv4, &d, &addressing))
    return;
  if (!msgr_mailslot_parse (g_bytes_get_data (d->user_data, NULL),
                            g_bytes_get_size (d->user_data), &m, &error)) {
    g_debug ("mailslot: bad MESSNGR body: %s", error->message);
    ns_inbox_count_malformed (r->env.inbox, NS_TRANSPORT_MAILSLOT, 1);
    return;
  }
  /* Names are NUL-free by construction (the body is split on NULs). */
  from = bytes_to_cstring (m->from);
  to = bytes_to_cstring (m->to);
  dest = nb_name_to_utf8 (&d->destination_name, r->env.config->dos_charset);
  s.transport = NS_TRANSPORT_MAILSLOT;
  s.source = src_ipv4;
  s.port = src_port;
  s.local_address = ns_udp_endpoint_get_iface (endpoint)->address;
  s.from = from;
  s.to = to;
  s.text = g_bytes_get_data (m->text, &text_len);
  s.text_len = text_len;
  s.addressing = addressing;
  s.fallback_to = dest;
  s.dedup_window_us = NS_INBOX_MAILSLOT_DEDUP_US;
  /* No answer ever goes back: refusals and rate limits just drop it. */
  ns_inbox_submit (r->env.inbox, &s, NULL, NULL, NULL);
}

NsMailslotReceiver *
ns_mailslot_receiver_new (const NsDaemonConfig *config, const GPtrArray *ifaces, GError **error)
{
  g_autoptr (NsMailslotReceiver) r = g_new0 (NsMailslotReceiver, 1);

  r->endpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_udp_endpoint_free);
  if (config->datagram_port == 0)
    return g_steal_pointer (&r);
  for (guint i = 0; i < ifaces->len; i++) {
    const NsIface *iface = g_ptr_array_index (ifaces, i);
    NsUdpEndpoint *ep = ns_udp_endpoint_new (iface, config->datagram_port,
                                             NS_UDP_RECEIVE_BROADCAST, error);
    g_autofree char *addr = NULL;

    if (ep == NULL)
      return NULL;
    g_ptr_array_add (r->endpoints, ep);
    addr = ns_ipv4_to_string (iface->address);
    g_info ("Datagram service (mailslots) on %s: UDP %s:%u", iface->name, addr,
            config->datagram_port);
  }
  return g_steal_pointer (&r);
}

void
ns_mailslot_receiver_start (NsMailslotReceiver *r, const NsReceiverEnv *env)
{
  r->env = *env;
  for (guint i = 0; i < r->endpoints->len; i++)
    ns_udp_endpoint_set_receive_func (g_ptr_array_index (r->endpoints, i), on_datagram, r, NULL);
}

void
ns_mailslot_receiver_add_status (NsMailslotReceiver *r, GVariantBuilder *b)
{
  if (r->endpoints->len == 0)
    return;
  g_variant_builder_add (b, "{sv}", "mailslot-datagrams", g_variant_new_uint64 (r->counters.datagrams));
  g_variant_builder_add (b, "{sv}", "mailslot-not-for-us",
                         g_variant_new_uint64 (r->counters.not_for_us));
  g_variant_builder_add (b, "{sv}", "mailslot-other-mailslots",
                         g_variant_new_uint64 (r->counters.other_mailslots));
}

GPtrArray *
ns_mailslot_receiver_get_endpoints (NsMailslotReceiver *r)
{
  return r->endpoints;
}

void
ns_mailslot_receiver_set_browse_func (NsMailslotReceiver *r, NsBrowseFunc func,
                                      gpointer user_data)
{
  r->browse_func = func;
  r->browse_data = user_data;
}

void
ns_mailslot_receiver_free (NsMailslotReceiver *r)
{
  if (r == NULL)
    return;
  g_ptr_array_unref (r->endpoints);
  g_free (r);
}

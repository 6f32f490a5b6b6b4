/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Browser host announcements: the I/O around announce-schedule.c (see
 * announce.h). One NsAnnounceTimer per interface that broadcasts, one for
 * the remote announcements, and one GSource armed for the earliest of
 * them. */

#define G_LOG_DOMAIN "netsendd"

#include "announce.h"

#include <string.h>

#include <netsend/brws-announce.h>
#include <netsend/nb-name.h>

#include "announce-schedule.h"

/* How often we look whether COMPUTER<00> is registered yet (B-node
 * registration takes a few seconds; a conflict may never end). */
#define READY_POLL_MS 500

typedef struct {
  NsUdpEndpoint *endpoint; /* not owned: the mailslot receiver's */
  NsAnnounceTimer timer;
} Target;

typedef struct {
  char *text;          /* the entry as configured */
  guint32 ipv4;
  NbName destination;  /* WORKGROUP<1D> */
  gboolean warned;     /* a send failure was logged above debug */
} Remote;

struct _NsAnnouncer {
  const NsDaemonConfig *config;
  NsNames *names;
  GPtrArray *endpoints;   /* NsUdpEndpoint, not owned */
  GArray *targets;        /* Target: the endpoints that are not loopback */
  GPtrArray *remotes;     /* Remote */
  NsAnnounceTimer remote_timer;
  NbName computer;        /* COMPUTER<00> */
  NbName workgroup;       /* WORKGROUP<00> */
  char *server_name;      /* the computer name in OEM bytes */
  /* The [browse] values in effect (to see what a reload changed). */
  gboolean enabled;
  char *comment;
  char *remote_text;
  gboolean started, ready, stopped, warned_name;
  GSource *timer;
  guint16 next_dgm_id;
  guint64 sent, send_errors, requests;
};

static void reschedule (NsAnnouncer *a);

static void
remote_free (Remote *r)
{
  g_free (r->text);
  g_free (r);
}

static void
clear_timer (NsAnnouncer *a)
{
  if (a->timer == NULL)
    return;
  g_source_destroy (a->timer);
  g_source_unref (a->timer);
  a->timer = NULL;
}

void
ns_announcer_free (NsAnnouncer *a)
{
  if (a == NULL)
    return;
  clear_timer (a);
  g_clear_pointer (&a->targets, g_array_unref);
  g_clear_pointer (&a->remotes, g_ptr_array_unref);
  g_free (a->server_name);
  g_free (a->comment);
  g_free (a->remote_text);
  g_free (a);
}

static gboolean
make_name (const NsDaemonConfig *cfg, const char *utf8, guint8 suffix, NbName *ret)
{
  return nb_name_from_utf8 (ret, utf8, suffix, cfg->dos_charset, NULL)
         && nb_name_set_scope (ret, cfg->scope, NULL);
}

NsAnnouncer *
ns_announcer_new (const NsDaemonConfig *config, NsNames *names, GPtrArray *endpoints)
{
  g_autoptr (NsAnnouncer) a = g_new0 (NsAnnouncer, 1);

  g_return_val_if_fail (config != NULL && names != NULL && endpoints != NULL, NULL);
  a->config = config;
  a->names = names;
  a->endpoints = endpoints;
  a->targets = g_array_new (FALSE, TRUE, sizeof (Target));
  a->remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) remote_free);
  ns_announce_timer_init (&a->remote_timer, NS_ANNOUNCE_REMOTE_INTERVAL_MS);
  a->next_dgm_id = (guint16) g_random_int ();
  /* The config module has validated both names in this code page. */
  if (!make_name (config, config->name, 0x00, &a->computer)
      || !make_name (config, config->workgroup, 0x00, &a->workgroup))
    return NULL;
  a->server_name = g_convert (config->name, -1, config->dos_charset, "UTF-8", NULL, NULL, NULL);
  if (a->server_name == NULL)
    return NULL;
  for (guint i = 0; i < endpoints->len; i++) {
    NsUdpEndpoint *ep = g_ptr_array_index (endpoints, i);
    Target t = { ep, { 0 } };

    /* Loopback has no browser to tell (and a machine's own nmbd would
     * list us as a host on 127.0.0.1). */
    if (ns_udp_endpoint_get_iface (ep)->loopback)
      continue;
    ns_announce_timer_init (&t.timer, 0);
    g_array_append_val (a->targets, t);
  }
  return g_steal_pointer (&a);
}

/* SNT of FLAGS: H nodes send the NBDD code, as Windows does (PROTOCOL.md
 * §1.5.1); without a WINS server every type works as a B node. */
static guint8
node_bits (const NsDaemonConfig *cfg)
{
  if (cfg->wins_servers == NULL || cfg->wins_servers[0] == NULL)
    return NB_DGRAM_NODE_B;
  switch (cfg->node_type) {
    case NS_NODE_TYPE_P: return NB_DGRAM_NODE_P;
    case NS_NODE_TYPE_M: return NB_DGRAM_NODE_M;
    case NS_NODE_TYPE_H: return NB_DGRAM_NODE_NBDD;
    case NS_NODE_TYPE_B: default: return NB_DGRAM_NODE_B;
  }
}

/* One HostAnnouncement from @ep to @dst_ipv4 for @destination. */
static gboolean
send_one (NsAnnouncer *a, NsUdpEndpoint *ep, guint32 dst_ipv4, const NbName *destination,
          guint32 server_type, guint32 periodicity_ms, GError **error)
{
  const NsDaemonConfig *cfg = a->config;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autofree char *comment = NULL;
  NsHostAnnouncement h = { 0 };

  /* Checked when the config was loaded; a failure here is a bug. */
  if (!ns_daemon_config_comment_to_oem (cfg->browse_comment, cfg->dos_charset, &comment, error))
    return FALSE;
  h.server_name = a->server_name;
  h.comment = comment;
  h.server_type = server_type;
  h.periodicity_ms = periodicity_ms;
  h.source = a->computer;
  h.destination = *destination;
  h.node_type = node_bits (cfg);
  h.dgm_id = a->next_dgm_id++;
  h.source_ip = ns_udp_endpoint_get_iface (ep)->address;
  h.source_port = ns_udp_endpoint_get_port (ep);
  if (!ns_announce_build (&h, out, error)
      || !ns_udp_endpoint_send_to (ep, out->data, out->len, dst_ipv4, cfg->datagram_port, error)) {
    a->send_errors++;
    return FALSE;
  }
  a->sent++;
  return TRUE;
}

static void
send_local (NsAnnouncer *a, Target *t, guint32 server_type, guint32 periodicity_ms)
{
  const NsIface *iface = ns_udp_endpoint_get_iface (t->endpoint);
  g_autofree char *bcast = ns_ipv4_to_string (iface->broadcast);
  g_autoptr (GError) error = NULL;
  NbName master;

  nb_name_with_suffix (&master, &a->workgroup, 0x1d);
  if (!send_one (a, t->endpoint, iface->broadcast, &master, server_type, periodicity_ms, &error)) {
    g_debug ("browse: HostAnnouncement on %s (%s) failed: %s", iface->name, bcast,
             error->message);
    return;
  }
  g_debug ("browse: HostAnnouncement type 0x%08x to %s<1d> on %s (%s), next in %u s",
           server_type, a->config->workgroup, iface->name, bcast, periodicity_ms / 1000);
}

/* The endpoint a remote announcement leaves from: one on the target's
 * subnet, else the first that broadcasts, else any (loopback tests). */
static NsUdpEndpoint *
endpoint_for (NsAnnouncer *a, guint32 ipv4)
{
  for (guint i = 0; i < a->endpoints->len; i++) {
    const NsIface *iface = ns_udp_endpoint_get_iface (g_ptr_array_index (a->endpoints, i));

    if ((ipv4 & iface->netmask) == (iface->address & iface->netmask))
      return g_ptr_array_index (a->endpoints, i);
  }
  if (a->targets->len > 0)
    return g_array_index (a->targets, Target, 0).endpoint;
  return a->endpoints->len > 0 ? g_ptr_array_index (a->endpoints, 0) : NULL;
}

static void
send_remote (NsAnnouncer *a, Remote *r, guint32 server_type, guint32 periodicity_ms)
{
  NsUdpEndpoint *ep = endpoint_for (a, r->ipv4);
  g_autoptr (GError) error = NULL;

  if (ep == NULL)
    return;
  if (!send_one (a, ep, r->ipv4, &r->destination, server_type, periodicity_ms, &error)) {
    /* Once per entry above debug: it repeats every 3 minutes. */
    if (!r->warned)
      g_message ("[browse] remote-announce %s: %s", r->text, error->message);
    else
      g_debug ("browse: remote announcement to %s failed: %s", r->text, error->message);
    r->warned = TRUE;
    return;
  }
  g_debug ("browse: remote HostAnnouncement type 0x%08x to %s", server_type, r->text);
}

/* ServerType 0 where we announced (MS-BRWS §3.2.7). */
static void
say_goodbye (NsAnnouncer *a, GPtrArray *remotes)
{
  if (!a->ready)
    return;
  for (guint i = 0; i < a->targets->len; i++)
    send_local (a, &g_array_index (a->targets, Target, i), 0, 0);
  for (guint i = 0; remotes != NULL && i < remotes->len; i++)
    send_remote (a, g_ptr_array_index (remotes, i), 0, 0);
}

static GPtrArray *
parse_remotes (NsAnnouncer *a)
{
  const NsDaemonConfig *cfg = a->config;
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) remote_free);

  for (char **p = cfg->remote_announce; p != NULL && *p != NULL; p++) {
    g_autofree char *wg = NULL;
    Remote *r = g_new0 (Remote, 1);

    r->text = g_strdup (*p);
    /* Validated by the config module; skip defensively if not. */
    if (!ns_daemon_config_parse_remote_announce (*p, cfg->dos_charset, &r->ipv4, &wg, NULL)
        || !make_name (cfg, wg != NULL ? wg : cfg->workgroup, 0x1d, &r->destination)) {
      remote_free (r);
      continue;
    }
    g_ptr_array_add (list, r);
  }
  return list;
}

/* Starts the timers once COMPUTER<00> is ours: nothing is announced
 * before (MS-BRWS §3.2.3 has the name registered by the server). */
static void
check_ready (NsAnnouncer *a, gint64 now)
{
  if (a->ready || !a->enabled)
    return;
  if (!ns_names_is_registered (a->names, &a->computer)) {
    if (!a->warned_name)
      g_debug ("browse: waiting for %s<00> to be registered", a->config->name);
    a->warned_name = TRUE;
    return;
  }
  a->ready = TRUE;
  for (guint i = 0; i < a->targets->len; i++)
    ns_announce_timer_start (&g_array_index (a->targets, Target, i).timer, now);
  if (a->remotes->len > 0)
    ns_announce_timer_start (&a->remote_timer, now);
  g_message ("Browse list: announcing %s in %s on %u interface address(es)%s%s", a->config->name,
             a->config->workgroup, a->targets->len, a->remotes->len > 0 ? ", remote: " : "",
             a->remotes->len > 0 ? a->remote_text : "");
}

static void
tick (NsAnnouncer *a)
{
  gint64 now = g_get_monotonic_time ();
  guint32 periodicity;

  check_ready (a, now);
  for (guint i = 0; i < a->targets->len; i++) {
    Target *t = &g_array_index (a->targets, Target, i);

    while (ns_announce_timer_due (&t->timer, now, &periodicity))
      send_local (a, t, NS_ANNOUNCE_SERVER_TYPE, periodicity);
  }
  while (ns_announce_timer_due (&a->remote_timer, now, &periodicity))
    for (guint i = 0; i < a->remotes->len; i++)
      send_remote (a, g_ptr_array_index (a->remotes, i), NS_ANNOUNCE_SERVER_TYPE, periodicity);
}

static gboolean
on_timer (gpointer user_data)
{
  NsAnnouncer *a = user_data;

  g_source_unref (a->timer);
  a->timer = NULL;
  tick (a);
  reschedule (a);
  return G_SOURCE_REMOVE;
}

static void
reschedule (NsAnnouncer *a)
{
  gint64 next = G_MAXINT64, now = g_get_monotonic_time ();
  guint ms;

  clear_timer (a);
  /* Loopback only and no remote-announce: nothing to wait for. */
  if (a->stopped || !a->started || !a->enabled
      || (a->targets->len == 0 && a->remotes->len == 0))
    return;
  if (!a->ready) {
    ms = READY_POLL_MS;
  } else {
    for (guint i = 0; i < a->targets->len; i++)
      next = MIN (next, ns_announce_timer_deadline (&g_array_index (a->targets, Target, i).timer));
    next = MIN (next, ns_announce_timer_deadline (&a->remote_timer));
    if (next == G_MAXINT64)
      return;
    /* Round up: waking a little early would only re-arm. */
    ms = next <= now ? 0 : (guint) MIN ((next - now + 999) / 1000, (gint64) G_MAXUINT);
  }
  a->timer = g_timeout_source_new (ms);
  g_source_set_callback (a->timer, on_timer, a, NULL);
  g_source_set_static_name (a->timer, "netsendd browse announcements");
  g_source_attach (a->timer, g_main_context_get_thread_default ());
}

static char *
join_remotes (const NsDaemonConfig *cfg)
{
  return cfg->remote_announce != NULL ? g_strjoinv (", ", cfg->remote_announce) : g_strdup ("");
}

void
ns_announcer_start (NsAnnouncer *a)
{
  const NsDaemonConfig *cfg = a->config;

  g_return_if_fail (a != NULL && !a->started);
  a->started = TRUE;
  a->enabled = cfg->browse_announce;
  a->comment = g_strdup (cfg->browse_comment);
  a->remote_text = join_remotes (cfg);
  g_ptr_array_unref (a->remotes);
  a->remotes = parse_remotes (a);
  if (a->endpoints->len == 0 && a->enabled)
    g_info ("[ports] datagram = 0: no browse list announcements");
  else if (a->targets->len == 0 && a->remotes->len == 0 && a->enabled)
    g_info ("Browse list: only loopback interfaces and no [browse] remote-announce: "
            "nothing to announce");
  reschedule (a);
}

/* [browse] remote-announce changed: goodbye to entries that left the
 * list, then the new list starts at once. */
static void
reload_remotes (NsAnnouncer *a, gint64 now)
{
  g_autoptr (GPtrArray) old = g_steal_pointer (&a->remotes);
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();

  g_free (a->remote_text);
  a->remote_text = join_remotes (a->config);
  a->remotes = parse_remotes (a);
  for (guint i = 0; i < old->len; i++) {
    Remote *r = g_ptr_array_index (old, i);
    gboolean kept = FALSE;

    for (guint j = 0; j < a->remotes->len && !kept; j++)
      kept = g_strcmp0 (((Remote *) g_ptr_array_index (a->remotes, j))->text, r->text) == 0;
    if (!kept && a->ready && a->enabled)
      send_remote (a, r, 0, 0);
  }
  ns_announce_timer_stop (&a->remote_timer);
  if (a->ready && a->remotes->len > 0)
    ns_announce_timer_start (&a->remote_timer, now);
}

void
ns_announcer_reload (NsAnnouncer *a)
{
  const NsDaemonConfig *cfg = a->config;
  g_autofree char *remotes = join_remotes (cfg);
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (a != NULL);
  if (!a->started || a->stopped)
    return;
  if (a->enabled && !cfg->browse_announce) {
    g_message ("Browse list: announcements off; telling the browsers %s is gone", cfg->name);
    say_goodbye (a, a->remotes);
    for (guint i = 0; i < a->targets->len; i++)
      ns_announce_timer_stop (&g_array_index (a->targets, Target, i).timer);
    ns_announce_timer_stop (&a->remote_timer);
    a->ready = FALSE;
  }
  a->enabled = cfg->browse_announce;
  if (g_strcmp0 (remotes, a->remote_text) != 0)
    reload_remotes (a, now);
  if (g_strcmp0 (a->comment, cfg->browse_comment) != 0) {
    g_free (a->comment);
    a->comment = g_strdup (cfg->browse_comment);
    /* Browsers show the new comment only when told: start over. */
    if (a->ready)
      for (guint i = 0; i < a->targets->len; i++)
        ns_announce_timer_start (&g_array_index (a->targets, Target, i).timer, now);
    if (a->ready && a->remotes->len > 0)
      ns_announce_timer_start (&a->remote_timer, now);
  }
  reschedule (a);
}

void
ns_announcer_shutdown (NsAnnouncer *a)
{
  g_return_if_fail (a != NULL);
  if (a->stopped)
    return;
  if (a->enabled && a->ready) {
    g_message ("Browse list: telling the browsers %s is gone", a->config->name);
    say_goodbye (a, a->remotes);
  }
  a->stopped = TRUE;
  clear_timer (a);
}

static Target *
target_of (NsAnnouncer *a, NsUdpEndpoint *endpoint)
{
  for (guint i = 0; i < a->targets->len; i++)
    if (g_array_index (a->targets, Target, i).endpoint == endpoint)
      return &g_array_index (a->targets, Target, i);
  return NULL;
}

void
ns_announcer_receive (NsUdpEndpoint *endpoint, const NbDgram *dgram,
                      const MsgrMailslotWrite *write, guint32 src_ipv4, gpointer user_data)
{
  NsAnnouncer *a = user_data;
  g_autoptr (BrwsAnnouncementRequest) req = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *from = NULL;
  g_autofree char *src = NULL;
  const guint8 *data;
  gsize len = 0;
  guint8 opcode;
  Target *t;
  guint32 delay;

  if (a->stopped)
    return;
  data = write->data != NULL ? g_bytes_get_data (write->data, &len) : NULL;
  /* A nonbrowser server MUST ignore every browser frame but
   * AnnouncementRequest (MS-BRWS §3.2.5), and those not for us (§3.2.3). */
  if (data == NULL || !brws_frame_opcode (data, len, &opcode, NULL)
      || opcode != BRWS_ANNOUNCEMENT_REQUEST
      || !ns_announce_request_is_for_us (&dgram->destination_name, &a->computer, &a->workgroup))
    return;
  src = ns_ipv4_to_string (src_ipv4);
  if (!brws_announcement_request_parse (data, len, &req, &error)) {
    g_debug ("browse: bad AnnouncementRequest from %s: %s", src, error->message);
    return;
  }
  a->requests++;
  from = nb_name_to_display (&dgram->source_name, a->config->dos_charset);
  t = target_of (a, endpoint);
  /* MS-BRWS §3.2.5.1: a random delay in [0, 30] s. */
  delay = (guint32) g_random_int_range (0, NS_ANNOUNCE_REQUEST_DELAY_MAX_MS + 1);
  if (t == NULL || !ns_announce_timer_request (&t->timer, g_get_monotonic_time (), delay)) {
    g_debug ("browse: AnnouncementRequest from %s (%s) not answered (%s)", from, src,
             t == NULL ? "loopback" : "not announcing");
    return;
  }
  g_debug ("browse: AnnouncementRequest from %s (%s): answering within %u ms", from, src, delay);
  reschedule (a);
}

void
ns_announcer_add_status (NsAnnouncer *a, GVariantBuilder *b)
{
  g_variant_builder_add (b, "{sv}", "browse-announcing",
                         g_variant_new_boolean (a->enabled && a->ready && !a->stopped));
  g_variant_builder_add (b, "{sv}", "browse-announcements-sent", g_variant_new_uint64 (a->sent));
  g_variant_builder_add (b, "{sv}", "browse-send-errors", g_variant_new_uint64 (a->send_errors));
  g_variant_builder_add (b, "{sv}", "browse-requests", g_variant_new_uint64 (a->requests));
}

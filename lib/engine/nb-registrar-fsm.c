/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The registrar's state machines: registration, refresh and release of one
 * name, for every node type (PROTOCOL.md §1.4.6-1.4.8, RFC 1001 §15.2,
 * RFC 1002 §5.1, MS-NBTE §3.1.3-3.1.7).
 *
 * A name's transaction runs in phases, each sending the same request (same
 * NAME_TRN_ID) to one destination a number of times:
 *  - BROADCAST: to the subnet broadcast address, BCAST_*_COUNT times;
 *  - WINS: unicast to one WINS server, NB_REGISTRAR_WINS_COUNT times; a
 *    silent server hands over to the next one in order (fail-over).
 * Node types chain them (RFC 1001 §10, MS-NBTE §3.1.3):
 *  - B: BROADCAST.
 *  - P: WINS (each server in turn).
 *  - M: BROADCAST, then WINS (RFC 1002 §5.1.3.1).
 *  - H: WINS, then BROADCAST only if no server answered.
 * Between transactions a name granted by WINS waits for its refresh (at
 * half the TTL the server granted); the refresh starts again with the
 * primary server, so that a fail-over lasts until the next refresh. */

#include <string.h>

#include "nb-engine-private.h"

/* B-node registration, RFC 1001 §15.2.2.1 / RFC 1002 §5.1.1.1: broadcast a
 * NAME REGISTRATION REQUEST BCAST_REQ_RETRY_COUNT times (same NAME_TRN_ID),
 * pausing BCAST_REQ_RETRY_TIMEOUT after each; with no negative response the
 * name is ours. We take the RFC 1002 §6 values, 3 x 250 ms, so an unopposed
 * name is ours 750 ms after it was added (issue 3 asks for an answerable
 * name within 1 s of start). The others are slower: nmbd 4 x ~2 s (errata
 * 1), Samba 4 3 x 1 s, and Windows documents 3 x 750 ms only for queries
 * (PROTOCOL.md §1.4.6). A defending node answers within milliseconds on a
 * LAN (nmbd: 0.2 ms), far inside any of these windows. */
#define BCAST_REG_COUNT 3
#define BCAST_REG_INTERVAL_US (250 * G_GINT64_CONSTANT (1000))

/* RFC 1002 §5.1.1.1: after an unopposed registration broadcast one NAME
 * OVERWRITE DEMAND (opcode 5, RD = 0, B = 1: flags 0x2810) "to let other
 * nodes know you have the name". Samba 4 does too (with RD = 1); nmbd does
 * not. It reuses the registration's NAME_TRN_ID, so a late refusal still
 * matches our transaction. An M-node sends it once WINS has agreed. */
#define SEND_OVERWRITE_DEMAND TRUE

/* B-node release, RFC 1002 §5.1.1.5: broadcast NAME RELEASE REQUEST
 * (TTL 0) with the same count and pause as a registration. Nobody answers
 * on a B-node LAN; the repeats are against loss (Samba repeats too). */
#define BCAST_RELEASE_COUNT 3
#define BCAST_RELEASE_INTERVAL_US (250 * G_GINT64_CONSTANT (1000))

/* The public durations must say what the machines do. */
G_STATIC_ASSERT (NB_REGISTRAR_REGISTRATION_DURATION_US == BCAST_REG_COUNT * BCAST_REG_INTERVAL_US);
G_STATIC_ASSERT (NB_REGISTRAR_RELEASE_DURATION_US
                 == BCAST_RELEASE_COUNT * BCAST_RELEASE_INTERVAL_US);

static gboolean
uses_wins (const NbRegistrar *registrar)
{
  /* nb_registrar_new() turns H and M without servers into B, and refuses
   * P without servers. */
  return registrar->node_type != NB_NODE_B;
}

static guint32
wins_ttl (const NbRegistrar *registrar)
{
  return registrar->config.wins_ttl != 0 ? registrar->config.wins_ttl
                                         : NB_REGISTRAR_DEFAULT_NAME_TTL;
}

/* The index of @server in the configured list; the primary (0) if it is
 * not there (a name WINS never confirmed). */
static guint
server_index (const NbRegistrar *registrar, guint32 server)
{
  for (guint i = 0; i < registrar->config.n_wins_servers; i++)
    if (registrar->config.wins_servers[i] == server)
      return i;
  return 0;
}

/* ---- packets we send -------------------------------------------------- */

static void
send_bcast_registration (NbRegistrar *registrar, NbRegEntry *entry, gboolean overwrite_demand)
{
  const NbRegistrarConfig *c = &registrar->config;
  g_autoptr (NbNsPacket) packet = NULL;

  /* RFC 1002 §4.2.2, flags 0x2910 (golden nbns-registration-bnode); the
   * overwrite demand of §4.2.3 differs only in RD = 0. */
  packet = nb_ns_registration_request_new (entry->trn_id, &entry->info.name, TRUE,
                                           c->registration_ttl,
                                           _nb_registrar_nb_flags (registrar, entry->info.group),
                                           c->address);
  if (overwrite_demand)
    packet->flags &= ~NB_NS_FLAG_RD;
  _nb_engine_send (&registrar->transport, packet, c->broadcast, c->port, TRUE);
}

static void
send_bcast_release (NbRegistrar *registrar, NbRegEntry *entry)
{
  const NbRegistrarConfig *c = &registrar->config;
  g_autoptr (NbNsPacket) packet = NULL;

  /* RFC 1002 §4.2.9: TTL 0, RD = 0, B = 1 (flags 0x3010). */
  packet = nb_ns_release_request_new (entry->trn_id, &entry->info.name, TRUE, 0,
                                      _nb_registrar_nb_flags (registrar, entry->info.group),
                                      c->address);
  _nb_engine_send (&registrar->transport, packet, c->broadcast, c->port, TRUE);
}

/* MS-NBTE §3.1.4.1: a multi-homed host registers unique names with opcode
 * 0xF (flags 0x7900, golden nbns-registration-wins), so WINS adds this
 * address to the ones our other interfaces registered. Not for a single
 * address, nor for the first address of a multi-homed host
 * (NbRegistrarConfig.multihomed_primary): nmbd answers a multi-homed
 * registration of a name another host owns by asking that owner, and when
 * the owner confirms it *adds* us to the name instead of refusing (nmbd
 * wins_multihomed_register_query_success), so a conflict would pass
 * unnoticed. A refused refresh offered again (refresh_refused()) is one
 * on every address. Group names are never multi-homed. */
gboolean
_nb_fsm_multihomed_request (const NbRegistrar *registrar, const NbRegEntry *entry)
{
  const NbRegistrarConfig *c = &registrar->config;

  return c->multihomed && !entry->info.group && !entry->refresh
         && (!c->multihomed_primary || entry->reoffer);
}

/* The request of the current WINS phase, unicast to the server of index
 * @server (the one asked, or for a release another one holding the name). */
static void
send_wins_to (NbRegistrar *registrar, NbRegEntry *entry, guint server)
{
  const NbRegistrarConfig *c = &registrar->config;
  const NbName *name = &entry->info.name;
  guint16 nb_flags = _nb_registrar_nb_flags (registrar, entry->info.group);
  g_autoptr (NbNsPacket) packet = NULL;

  if (entry->info.state == NB_NAME_STATE_RELEASING)
    /* RFC 1002 §4.2.9 unicast (flags 0x3000). nmbd puts its registration
     * TTL there rather than 0 (golden nbns-release-wins, errata 11); so do
     * we, which servers accept either way. */
    packet = nb_ns_release_request_new (entry->trn_id, name, FALSE, wins_ttl (registrar),
                                        nb_flags, c->address);
  else if (entry->refresh)
    /* RFC 1002 §4.2.4, opcode 8 with RD = 0 (flags 0x4000), as nmbd. */
    packet = nb_ns_refresh_request_new (entry->trn_id, name, FALSE, wins_ttl (registrar),
                                        nb_flags, c->address);
  else if (_nb_fsm_multihomed_request (registrar, entry))
    packet = nb_ns_multihomed_registration_request_new (entry->trn_id, name,
                                                        wins_ttl (registrar), nb_flags,
                                                        c->address);
  else
    /* RFC 1002 §4.2.2 unicast: RD = 1, B = 0 (flags 0x2900; group names
     * always, golden nbns-registration-wins "group registration"). */
    packet = nb_ns_registration_request_new (entry->trn_id, name, FALSE, wins_ttl (registrar),
                                             nb_flags, c->address);
  _nb_engine_send (&registrar->transport, packet, c->wins_servers[server], c->port, FALSE);
}

static void
send_wins (NbRegistrar *registrar, NbRegEntry *entry)
{
  send_wins_to (registrar, entry, entry->server);
}

/* ---- phases ----------------------------------------------------------- */

static void
begin_broadcast (NbRegistrar *registrar, NbRegEntry *entry, gint64 now_us)
{
  entry->phase = NB_REG_PHASE_BROADCAST;
  entry->wacked = FALSE;
  entry->sent = 1;
  if (entry->info.state == NB_NAME_STATE_RELEASING) {
    send_bcast_release (registrar, entry);
    entry->deadline_us = now_us + BCAST_RELEASE_INTERVAL_US;
  } else {
    send_bcast_registration (registrar, entry, FALSE);
    entry->deadline_us = now_us + BCAST_REG_INTERVAL_US;
  }
}

static void
begin_wins (NbRegistrar *registrar, NbRegEntry *entry, guint server, gint64 now_us)
{
  entry->phase = NB_REG_PHASE_WINS;
  entry->server = server;
  entry->wacked = FALSE;
  send_wins (registrar, entry);
  entry->sent = 1;
  entry->deadline_us = now_us + NB_REGISTRAR_WINS_INTERVAL_US;
}

/* Ends the transaction; the next tick of @entry is @at (a refresh or a
 * retry with WINS) or never. */
static void
go_idle (NbRegEntry *entry, gint64 at)
{
  entry->phase = NB_REG_PHASE_NONE;
  entry->wacked = FALSE;
  entry->info.refresh_us = at;
  entry->deadline_us = at;
}

/* When to refresh a name granted for @ttl seconds: at half the TTL
 * (Samba: min(TTL/2, 20 min); the brief of issue 6: before TTL/2), not
 * sooner than NB_REGISTRAR_REFRESH_MIN_US. MS-NBTE §3.1.4.1 would wait at
 * least 5 minutes, which outlives the short TTLs a test WINS grants. */
static gint64
refresh_interval_us (guint32 ttl)
{
  gint64 half = (gint64) ttl * G_USEC_PER_SEC / 2;

  return MAX (half, NB_REGISTRAR_REFRESH_MIN_US);
}

/* ---- outcomes --------------------------------------------------------- */

/* Every broadcast request had its pause and nobody objected: the name is
 * ours on this subnet (RFC 1002 §5.1.1.1 step 4). */
static void
claimed_by_broadcast (NbRegistrar *registrar, NbRegEntry *entry, gint64 now_us)
{
  if (SEND_OVERWRITE_DEMAND)
    send_bcast_registration (registrar, entry, TRUE);
  entry->info.source |= NB_NAME_SOURCE_BROADCAST;
  /* An H-node falling back, or an M-node whose WINS stayed silent, offers
   * the name to WINS again later. */
  go_idle (entry, uses_wins (registrar) ? now_us + NB_REGISTRAR_WINS_RETRY_US
                                        : NB_ENGINE_NO_DEADLINE);
  _nb_registrar_set_state (registrar, entry, NB_NAME_STATE_REGISTERED,
                           NB_NAME_REASON_NO_OBJECTION, now_us);
}

/* POSITIVE NAME REGISTRATION RESPONSE from @server (RFC 1002 §5.1.2.1). */
static void
granted (NbRegistrar *registrar, NbRegEntry *entry, guint32 server, guint32 ttl, gint64 now_us)
{
  /* M-node, RFC 1002 §5.1.3.1: the broadcast phase found no objection and
   * the NBNS agrees; an overwrite demand tells the subnet. */
  if (registrar->node_type == NB_NODE_M && entry->info.state == NB_NAME_STATE_REGISTERING) {
    if (SEND_OVERWRITE_DEMAND)
      send_bcast_registration (registrar, entry, TRUE);
    entry->info.source |= NB_NAME_SOURCE_BROADCAST;
  }
  entry->info.source |= NB_NAME_SOURCE_WINS;
  entry->info.wins_server = server;
  entry->info.ttl = ttl;
  entry->wins_until_us[server_index (registrar, server)] =
      ttl == 0 ? G_MAXINT64 : now_us + (gint64) ttl * G_USEC_PER_SEC;
  /* TTL 0 is infinite (RFC 1002 §4.2.5): nothing to refresh, unless the
   * grant came from a secondary server: the refresh is how a name goes
   * back to the primary (NB_REGISTRAR_FAILBACK_US). */
  if (server_index (registrar, server) > 0)
    go_idle (entry, now_us + MIN (ttl == 0 ? G_MAXINT64 : refresh_interval_us (ttl),
                                  NB_REGISTRAR_FAILBACK_US));
  else
    go_idle (entry, ttl == 0 ? NB_ENGINE_NO_DEADLINE : now_us + refresh_interval_us (ttl));
  g_debug ("registrar: WINS %s granted a name for %u s", _nb_engine_ipv4_str (server), ttl);
  _nb_registrar_set_state (registrar, entry, NB_NAME_STATE_REGISTERED, NB_NAME_REASON_GRANTED,
                           now_us);
}

void
_nb_fsm_enter_conflict (NbRegistrar *registrar, NbRegEntry *entry, NbNameReason reason,
                        guint32 peer_ipv4, guint8 rcode, gint64 now_us)
{
  go_idle (entry, NB_ENGINE_NO_DEADLINE);
  entry->info.peer_ipv4 = peer_ipv4;
  entry->info.peer_rcode = rcode;
  g_debug ("registrar: name in conflict (%s from %s, rcode %s)",
           nb_name_reason_to_string (reason), _nb_engine_ipv4_str (peer_ipv4),
           nb_ns_rcode_to_string (rcode));
  _nb_registrar_set_state (registrar, entry, NB_NAME_STATE_CONFLICT, reason, now_us);
}

/* The WINS part of a release is over (@confirmed: the server answered
 * positively). Broadcast as well where the name was claimed by broadcast
 * (M-node, H falling back), and for an H-node whose server did not confirm
 * (MS-NBTE §3.1.7). Returns TRUE if @entry left the table. */
static gboolean
release_wins_done (NbRegistrar *registrar, NbRegEntry *entry, gboolean confirmed,
                   gint64 now_us)
{
  if ((entry->info.source & NB_NAME_SOURCE_BROADCAST) != 0
      || (registrar->node_type == NB_NODE_H && !confirmed)) {
    begin_broadcast (registrar, entry, now_us);
    return FALSE;
  }
  _nb_registrar_drop_entry (registrar, entry, entry->info.reason, now_us);
  return TRUE;
}

/* Every WINS server of the transaction stayed silent. */
static gboolean
wins_silent (NbRegistrar *registrar, NbRegEntry *entry, gint64 now_us)
{
  gint64 retry = NB_REGISTRAR_WINS_RETRY_US;

  g_debug ("registrar: no WINS server answered (%s)",
           nb_name_state_to_string (entry->info.state));
  switch (entry->info.state) {
    case NB_NAME_STATE_REGISTERING:
      if (registrar->node_type == NB_NODE_H) {
        /* MS-NBTE §3.1.3: an H-node falls back to broadcast. */
        begin_broadcast (registrar, entry, now_us);
      } else if (registrar->node_type == NB_NODE_M) {
        claimed_by_broadcast (registrar, entry, now_us);
      } else {
        /* P-node (PROTOCOL.md §1.4.7 step 7): as Samba, take the name and
         * offer it again later. */
        go_idle (entry, now_us + retry);
        _nb_registrar_set_state (registrar, entry, NB_NAME_STATE_REGISTERED,
                                 NB_NAME_REASON_WINS_SILENT, now_us);
      }
      return FALSE;
    case NB_NAME_STATE_REFRESHING:
      /* The name stays as it was; try again before the server's record can
       * run out, if it still can. */
      if (entry->info.ttl > 0)
        retry = MIN (retry, refresh_interval_us (entry->info.ttl));
      go_idle (entry, now_us + retry);
      _nb_registrar_set_state (registrar, entry, NB_NAME_STATE_REGISTERED,
                               NB_NAME_REASON_WINS_SILENT, now_us);
      return FALSE;
    case NB_NAME_STATE_RELEASING:
      return release_wins_done (registrar, entry, FALSE, now_us);
    default:
      go_idle (entry, NB_ENGINE_NO_DEADLINE);
      return FALSE;
  }
}

/* ---- transactions ----------------------------------------------------- */

void
_nb_fsm_start_registration (NbRegistrar *registrar, NbRegEntry *entry, gint64 now_us)
{
  entry->trn_id = _nb_registrar_next_trn_id (registrar);
  entry->info.ttl = 0;
  entry->info.source = NB_NAME_SOURCE_NONE;
  entry->info.wins_server = 0;
  entry->info.refresh_us = NB_ENGINE_NO_DEADLINE;
  entry->refresh = FALSE;
  entry->reoffer = FALSE;
  memset (entry->wins_until_us, 0, sizeof entry->wins_until_us);
  _nb_registrar_set_state (registrar, entry, NB_NAME_STATE_REGISTERING, NB_NAME_REASON_ADDED,
                           now_us);
  if (registrar->node_type == NB_NODE_P || registrar->node_type == NB_NODE_H)
    begin_wins (registrar, entry, 0, now_us);
  else
    begin_broadcast (registrar, entry, now_us);
}

/* The refresh timer of a REGISTERED name ran out (or a retry is due). */
static void
start_refresh (NbRegistrar *registrar, NbRegEntry *entry, gint64 now_us)
{
  entry->trn_id = _nb_registrar_next_trn_id (registrar);
  /* A name WINS holds is refreshed (RFC 1002 §5.1.2.3); one it never
   * confirmed is offered again as a registration. Either way the primary
   * server comes first: a fail-over lasts until the next refresh. */
  entry->refresh = (entry->info.source & NB_NAME_SOURCE_WINS) != 0;
  entry->reoffer = FALSE;
  entry->info.refresh_us = NB_ENGINE_NO_DEADLINE;
  _nb_registrar_set_state (registrar, entry, NB_NAME_STATE_REFRESHING, NB_NAME_REASON_REFRESH,
                           now_us);
  begin_wins (registrar, entry, 0, now_us);
}

/* A name that failed over and came back is held by more than one server
 * (WINS servers that do not replicate, such as nmbd, keep the secondary's
 * record until its TTL runs out), and hosts asking the other one would
 * still find it. Besides the release transaction with the holder, each
 * other server whose record is still live gets one release request (same
 * NAME_TRN_ID; its answer ends nothing): no retransmissions, so that a
 * release stays within NB_REGISTRAR_WINS_RELEASE_MAX_US; a lost one
 * leaves a record that runs out with its TTL, as before. */
static void
release_elsewhere (NbRegistrar *registrar, NbRegEntry *entry, gint64 now_us)
{
  for (guint i = 0; i < registrar->config.n_wins_servers; i++) {
    if (i != entry->server && entry->wins_until_us[i] > now_us) {
      g_debug ("registrar: releasing at WINS %s too (it granted the name before)",
               _nb_engine_ipv4_str (registrar->config.wins_servers[i]));
      send_wins_to (registrar, entry, i);
    }
    entry->wins_until_us[i] = 0;
  }
}

gboolean
_nb_fsm_start_release (NbRegistrar *registrar, NbRegEntry *entry, NbNameReason reason,
                       gint64 now_us)
{
  switch (entry->info.state) {
    case NB_NAME_STATE_REGISTERED:
    case NB_NAME_STATE_REFRESHING:
      entry->trn_id = _nb_registrar_next_trn_id (registrar);
      entry->info.refresh_us = NB_ENGINE_NO_DEADLINE;
      _nb_registrar_set_state (registrar, entry, NB_NAME_STATE_RELEASING, reason, now_us);
      /* To the server holding the name (RFC 1002 §5.1.2.5), or for a
       * P-node name nobody confirmed to the primary; a name only claimed
       * by broadcast is only released by broadcast. */
      if ((entry->info.source & NB_NAME_SOURCE_WINS) != 0
          || (registrar->node_type == NB_NODE_P)) {
        begin_wins (registrar, entry, server_index (registrar, entry->info.wins_server), now_us);
        release_elsewhere (registrar, entry, now_us);
      } else
        begin_broadcast (registrar, entry, now_us);
      return FALSE;
    case NB_NAME_STATE_RELEASING:
      return FALSE;
    case NB_NAME_STATE_REGISTERING:
    case NB_NAME_STATE_CONFLICT:
    case NB_NAME_STATE_RELEASED:
    default:
      /* Never claimed, or owned by someone else: releasing it would make
       * the other nodes (or WINS) drop the real owner's entry. */
      _nb_registrar_drop_entry (registrar, entry, reason, now_us);
      return TRUE;
  }
}

static gboolean
step_broadcast (NbRegistrar *registrar, NbRegEntry *entry, gint64 now_us)
{
  gboolean releasing = entry->info.state == NB_NAME_STATE_RELEASING;

  if (entry->sent < (releasing ? BCAST_RELEASE_COUNT : BCAST_REG_COUNT)) {
    if (releasing) {
      send_bcast_release (registrar, entry);
      entry->deadline_us = now_us + BCAST_RELEASE_INTERVAL_US;
    } else {
      send_bcast_registration (registrar, entry, FALSE);
      entry->deadline_us = now_us + BCAST_REG_INTERVAL_US;
    }
    entry->sent++;
    return FALSE;
  }
  if (releasing) {
    _nb_registrar_drop_entry (registrar, entry, entry->info.reason, now_us);
    return TRUE;
  }
  /* Nobody objected. An M-node asks WINS next (RFC 1002 §5.1.3.1). */
  if (registrar->node_type == NB_NODE_M && entry->info.state == NB_NAME_STATE_REGISTERING)
    begin_wins (registrar, entry, 0, now_us);
  else
    claimed_by_broadcast (registrar, entry, now_us);
  return FALSE;
}

static gboolean
step_wins (NbRegistrar *registrar, NbRegEntry *entry, gint64 now_us)
{
  if (!entry->wacked && entry->sent < NB_REGISTRAR_WINS_COUNT) {
    send_wins (registrar, entry);
    entry->sent++;
    entry->deadline_us = now_us + NB_REGISTRAR_WINS_INTERVAL_US;
    return FALSE;
  }
  /* This server stayed silent (or its WACK ran out): the next one in
   * order. A release goes only to the server that holds the name. */
  if (entry->info.state != NB_NAME_STATE_RELEASING
      && entry->server + 1 < registrar->config.n_wins_servers) {
    g_debug ("registrar: WINS %s is silent, trying the next server",
             _nb_engine_ipv4_str (registrar->config.wins_servers[entry->server]));
    begin_wins (registrar, entry, entry->server + 1, now_us);
    return FALSE;
  }
  return wins_silent (registrar, entry, now_us);
}

/* An ICMP destination unreachable about our request to the WINS server of
 * @entry's current phase: that server cannot answer, so it counts as
 * silent now rather than after NB_REGISTRAR_WINS_COUNT transmissions (the
 * next server, or what a silent WINS means for this transaction). A server
 * that sent a WACK is up and checking: a late report ends nothing. */
gboolean
_nb_fsm_unreachable (NbRegistrar *registrar, NbRegEntry *entry, const guint8 *quoted,
                     gsize quoted_len, guint32 dst_ipv4, guint16 dst_port, gint64 now_us,
                     gboolean *ret_dropped)
{
  guint16 quoted_id;

  if (entry->phase != NB_REG_PHASE_WINS || entry->wacked
      || registrar->config.wins_servers[entry->server] != dst_ipv4
      || registrar->config.port != dst_port)
    return FALSE;
  /* NAME_TRN_ID, where the ICMP message quoted it. */
  if (nb_ns_peek_trn_id (quoted, quoted_len, &quoted_id) && quoted_id != entry->trn_id)
    return FALSE;
  g_debug ("registrar: WINS %s is unreachable: no retransmissions to it",
           _nb_engine_ipv4_str (dst_ipv4));
  entry->sent = NB_REGISTRAR_WINS_COUNT;
  *ret_dropped = step_wins (registrar, entry, now_us);
  return TRUE;
}

gboolean
_nb_fsm_step (NbRegistrar *registrar, NbRegEntry *entry, gint64 now_us)
{
  switch (entry->phase) {
    case NB_REG_PHASE_BROADCAST:
      return step_broadcast (registrar, entry, now_us);
    case NB_REG_PHASE_WINS:
      return step_wins (registrar, entry, now_us);
    case NB_REG_PHASE_NONE:
    default:
      if (entry->info.state == NB_NAME_STATE_REGISTERED && uses_wins (registrar))
        start_refresh (registrar, entry, now_us);
      else
        go_idle (entry, NB_ENGINE_NO_DEADLINE);
      return FALSE;
  }
}

/* ---- responses -------------------------------------------------------- */

/* Whether @src is a WINS server the current unicast phase (or an earlier
 * one of the same transaction) asked: only those speak for WINS. */
static gboolean
asked_server (const NbRegistrar *registrar, const NbRegEntry *entry, guint32 src_ipv4)
{
  if (entry->phase != NB_REG_PHASE_WINS)
    return FALSE;
  for (guint i = 0; i <= entry->server && i < registrar->config.n_wins_servers; i++)
    if (registrar->config.wins_servers[i] == src_ipv4)
      return TRUE;
  return FALSE;
}

static NbRegEntry *
entry_of (NbRegistrar *registrar, const NbNsPacket *packet)
{
  const NbNsRecord *rr = nb_ns_packet_record (packet);

  return rr != NULL ? _nb_registrar_find (registrar, &rr->name) : NULL;
}

/* Whether @entry is the refresh (opcode 8) of a unique name of a
 * multi-homed host. */
static gboolean
multihomed_refresh (const NbRegistrar *registrar, const NbRegEntry *entry)
{
  return registrar->config.multihomed && !entry->info.group && entry->refresh
         && entry->info.state == NB_NAME_STATE_REFRESHING;
}

/* WINS refused the refresh of a unique name of a multi-homed host. A
 * server refuses a refresh from an address it does not list for the name
 * (nmbd wins_process_name_refresh_request: RFS_ERR, "IP is not known to
 * the name"), and a multi-homed host meets that whenever the server lost
 * or expired the record: nmbd takes the refresh of an unknown name as an
 * ordinary registration (RFC 1002 §5.1.2.3 leaves it open), so our first
 * address to refresh re-creates the record with itself alone and the
 * others are refused. Ask again, once, with a multi-homed registration
 * (MS-NBTE §3.1.4.1) under a new NAME_TRN_ID: the server adds this
 * address after checking with the listed owner, our other interface. Only
 * a refusal of that is a conflict. */
static void
refresh_refused (NbRegistrar *registrar, NbRegEntry *entry, guint32 server, guint8 rcode,
                 gint64 now_us)
{
  g_debug ("registrar: WINS %s refused the refresh of a multi-homed name (rcode %s); "
           "registering it again",
           _nb_engine_ipv4_str (server), nb_ns_rcode_to_string (rcode));
  entry->trn_id = _nb_registrar_next_trn_id (registrar);
  entry->refresh = FALSE;
  entry->reoffer = TRUE;
  begin_wins (registrar, entry, entry->server, now_us);
}

/* Positive and negative registration (and refresh) responses, from WINS
 * (RFC 1002 §5.1.2.1) or a defending node (§5.1.1.1), and NAME CONFLICT
 * DEMANDs (§5.1.1.6). */
gboolean
_nb_fsm_registration_response (NbRegistrar *registrar, const NbNsPacket *packet,
                               guint32 src_ipv4, gint64 now_us)
{
  NbRegEntry *entry = entry_of (registrar, packet);
  NbNameState state;
  gboolean same_trn, ours, live;

  if (entry == NULL)
    return FALSE;
  state = entry->info.state;
  same_trn = packet->trn_id == entry->trn_id;
  live = state == NB_NAME_STATE_REGISTERING || state == NB_NAME_STATE_REGISTERED
         || state == NB_NAME_STATE_REFRESHING;

  if (same_trn && asked_server (registrar, entry, src_ipv4)
      && (state == NB_NAME_STATE_REGISTERING || state == NB_NAME_STATE_REFRESHING)) {
    /* The server's verdict. A positive answer with RA clear would be an
     * END-NODE CHALLENGE (RFC 1002 §5.1.2.1) that we do not carry out:
     * nmbd and Windows WINS challenge the owner themselves (WACK) and never
     * send one, so it counts as granted. */
    if (packet->rcode == NB_NS_RCODE_OK)
      granted (registrar, entry, src_ipv4, nb_ns_packet_record (packet)->ttl, now_us);
    else if (multihomed_refresh (registrar, entry))
      refresh_refused (registrar, entry, src_ipv4, packet->rcode, now_us);
    else
      _nb_fsm_enter_conflict (registrar, entry, NB_NAME_REASON_NEGATIVE_RESPONSE, src_ipv4,
                              packet->rcode, now_us);
    return TRUE;
  }
  ours = same_trn && (state == NB_NAME_STATE_REGISTERING || state == NB_NAME_STATE_REGISTERED);
  if (packet->rcode == NB_NS_RCODE_OK)
    return ours; /* a positive answer only counts from a server we asked */
  if (ours) {
    /* A node defends the name (ACT_ERR) or refuses for another reason. */
    _nb_fsm_enter_conflict (registrar, entry, NB_NAME_REASON_NEGATIVE_RESPONSE, src_ipv4,
                            packet->rcode, now_us);
    return TRUE;
  }
  if (packet->rcode == NB_NS_RCODE_CFT_ERR && live && !entry->info.group) {
    /* A NAME CONFLICT DEMAND: a querier saw several owners. Group names
     * cannot be in conflict. The daemon decides what follows. */
    _nb_fsm_enter_conflict (registrar, entry, NB_NAME_REASON_CONFLICT_DEMAND, src_ipv4,
                            packet->rcode, now_us);
    return TRUE;
  }
  return FALSE;
}

/* WACK (RFC 1002 §4.2.16, §5.1.2.1): the server is checking with the
 * current owner. Wait the time it names without retransmitting (nmbd
 * re-arms its own timer to now + TTL); TTL 0 = unknown: one retry
 * interval. When the wait runs out with no verdict the server counts as
 * silent. */
gboolean
_nb_fsm_wack (NbRegistrar *registrar, const NbNsPacket *packet, guint32 src_ipv4,
              gint64 now_us)
{
  NbRegEntry *entry = entry_of (registrar, packet);
  guint32 wait_s;

  /* Only registrations and refreshes wait: a release is bounded
   * (NB_REGISTRAR_WINS_RELEASE_MAX_US), so that a shutdown never hangs on
   * a server. */
  if (entry == NULL || packet->trn_id != entry->trn_id
      || !asked_server (registrar, entry, src_ipv4)
      || (entry->info.state != NB_NAME_STATE_REGISTERING
          && entry->info.state != NB_NAME_STATE_REFRESHING))
    return FALSE;
  wait_s = MIN (nb_ns_packet_record (packet)->ttl, NB_REGISTRAR_WACK_MAX_S);
  entry->wacked = TRUE;
  entry->deadline_us = now_us + (wait_s > 0 ? (gint64) wait_s * G_USEC_PER_SEC
                                            : NB_REGISTRAR_WINS_INTERVAL_US);
  g_debug ("registrar: WINS %s asks to wait %u s", _nb_engine_ipv4_str (src_ipv4), wait_s);
  return TRUE;
}

/* Answers to our releases: from the WINS server asked, the end of the
 * unicast phase; others need no action. */
gboolean
_nb_fsm_release_response (NbRegistrar *registrar, const NbNsPacket *packet, guint32 src_ipv4,
                          gint64 now_us)
{
  NbRegEntry *entry = entry_of (registrar, packet);

  if (entry == NULL || entry->trn_id != packet->trn_id)
    return FALSE;
  /* Only the holder's answer ends the phase (not one from a server
   * release_elsewhere() told). */
  if (entry->info.state == NB_NAME_STATE_RELEASING && entry->phase == NB_REG_PHASE_WINS
      && registrar->config.wins_servers[entry->server] == src_ipv4)
    release_wins_done (registrar, entry, packet->rcode == NB_NS_RCODE_OK, now_us);
  return TRUE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The responder: what the registrar tells other nodes about its names.
 * Name queries (RFC 1002 §4.2.12-14, §5.1.1.4) and node status requests
 * (§4.2.17-18), answered unicast to the requester's address and port. */

#include <string.h>

#include "nb-engine-private.h"

/* Positive query responses carry AA and copy RD from the request; RA stays
 * clear because RFC 1002 §4.2.1.1 reserves it for an NBNS. nmbd sets RA as
 * well (0x8580, golden nbns-name-query-broadcast); receivers accept both
 * (PROTOCOL.md errata 9), so we follow the RFC: 0x8500 for an RD query. */
#define QUERY_RESPONSE_COPIED_FLAGS NB_NS_FLAG_RD

/* Fixed parts of a node status response around the question name: header
 * (12), RR type/class/TTL/RDLENGTH (10), NUM_NAMES (1), STATISTICS (46). */
#define STATUS_FIXED_LEN (NB_NS_HEADER_LEN + 10 + 1 + NB_NS_STATISTICS_LEN)
#define STATUS_ENTRY_LEN 18

static gboolean
is_wins_server (const NbRegistrar *registrar, guint32 ipv4)
{
  for (guint i = 0; i < registrar->config.n_wins_servers; i++)
    if (registrar->config.wins_servers[i] == ipv4)
      return TRUE;
  return FALSE;
}

/* Names we answer for: registered (and being refreshed with WINS). A
 * multi-homed host also answers the WINS server it is sending a
 * multi-homed registration of a unique name to: the server adds a further
 * address to a name only after a unicast query to the address it lists
 * first (nmbd wins_process_multihomed_name_registration_request), which is
 * one of ours, and that one may still be waiting for its own grant (lost
 * or late, or our record there is stale). A NAM_ERR would make the server
 * refuse this address. nmbd answers such queries too (it lists the name
 * early, multihomed_register_name). The server only asks an address it
 * holds the name for, so the answer is true. Not during an ordinary
 * registration (the primary address, NbRegistrarConfig.multihomed_primary):
 * there a positive answer would make the server refuse the very
 * registration it is checking (nmbd wins_register_query_success). */
static gboolean
answerable (const NbRegistrar *registrar, const NbRegEntry *entry, guint32 src_ipv4,
            gboolean broadcast)
{
  if (entry == NULL)
    return FALSE;
  if (entry->info.state == NB_NAME_STATE_REGISTERED
      || entry->info.state == NB_NAME_STATE_REFRESHING)
    return TRUE;
  return !broadcast && entry->info.state == NB_NAME_STATE_REGISTERING
         && entry->phase == NB_REG_PHASE_WINS && _nb_fsm_multihomed_request (registrar, entry)
         && is_wins_server (registrar, src_ipv4);
}

void
_nb_responder_name_query (NbRegistrar *registrar, const NbNsPacket *request,
                          guint32 src_ipv4, guint16 src_port)
{
  const NbNsQuestion *q = nb_ns_packet_question (request);
  gboolean broadcast = (request->flags & NB_NS_FLAG_BROADCAST) != 0;
  NbRegEntry *entry = _nb_registrar_find (registrar, &q->name);
  g_autoptr (NbNsPacket) reply = NULL;

  if (answerable (registrar, entry, src_ipv4, broadcast)) {
    NbNsAddrEntry addr = {
      .flags = _nb_registrar_nb_flags (registrar, entry->info.group),
      .ipv4 = registrar->config.address,
    };

    reply = nb_ns_positive_query_response_new (request->trn_id, &q->name,
                                               request->flags & QUERY_RESPONSE_COPIED_FLAGS,
                                               registrar->config.name_ttl, &addr, 1);
  } else if (!broadcast) {
    /* nmbd answers a unicast query for a name it does not hold (or holds
     * in conflict, MS-NBTE §4.1) with NAM_ERR; a broadcast one never gets a
     * negative answer (RFC 1002 §5.1.1.4). */
    reply = nb_ns_negative_query_response_new (request->trn_id, &q->name,
                                               request->flags & QUERY_RESPONSE_COPIED_FLAGS,
                                               NB_NS_RCODE_NAM_ERR);
  } else {
    return;
  }
  _nb_engine_send (&registrar->transport, reply, src_ipv4, src_port, FALSE);
}

static guint16
status_flags (const NbRegistrar *registrar, const NbRegEntry *entry)
{
  /* NAME_FLAGS, RFC 1002 §4.2.18: G and ONT as in NB_FLAGS, ACT for every
   * name we list (Samba always sets it), CNF for a name in conflict, DRG
   * while it is being released. PRM (the permanent node name) is never
   * set, as nmbd (golden nbns-node-status). */
  guint16 flags = _nb_registrar_nb_flags (registrar, entry->info.group) | NB_NS_NAME_ACT;

  if (entry->info.state == NB_NAME_STATE_CONFLICT)
    flags |= NB_NS_NAME_CNF;
  else if (entry->info.state == NB_NAME_STATE_RELEASING)
    flags |= NB_NS_NAME_DRG;
  return flags;
}

NbNsNodeStatus *
_nb_responder_build_status (NbRegistrar *registrar, guint max_names)
{
  NbNsNodeStatus *status = nb_ns_node_status_new ();

  memcpy (status->stats.unit_id, registrar->config.unit_id, sizeof status->stats.unit_id);
  for (guint i = 0; i < registrar->entries->len && status->names->len < max_names; i++) {
    const NbRegEntry *entry = g_ptr_array_index (registrar->entries, i);
    NbName raw;

    /* A name still registering is not ours yet. */
    if (entry->info.state == NB_NAME_STATE_REGISTERING)
      continue;
    /* Node status carries the 16 raw bytes, no scope. */
    nb_name_set_raw (&raw, entry->info.name.bytes);
    if (!nb_ns_node_status_add_name (status, &raw, status_flags (registrar, entry)))
      break;
  }
  return status;
}

/* How many names fit in one 576-byte answer (nmbd budgets the same way,
 * RFC 1002 §4.2.1: MAX_DATAGRAM_LENGTH). */
static guint
status_budget (const NbName *question_name)
{
  g_autoptr (GByteArray) encoded = g_byte_array_new ();
  gsize fixed;

  if (!nb_name_encode (question_name, encoded, NULL))
    return 0;
  fixed = STATUS_FIXED_LEN + encoded->len;
  if (fixed >= NB_NS_UDP_MAX)
    return 0;
  return MIN ((NB_NS_UDP_MAX - fixed) / STATUS_ENTRY_LEN, NB_NS_STATUS_MAX_NAMES);
}

void
_nb_responder_node_status (NbRegistrar *registrar, const NbNsPacket *request,
                           guint32 src_ipv4, guint16 src_port)
{
  const NbNsQuestion *q = nb_ns_packet_question (request);
  NbRegEntry *entry;
  g_autoptr (NbNsPacket) reply = NULL;

  /* The wildcard (nbtstat -A, nmblookup -A) or one of our names
   * (nmblookup -S NAME); nmbd ignores anything else. The wildcard in
   * another scope is not for us either. */
  if (nb_name_is_wildcard (&q->name)) {
    if (g_ascii_strcasecmp (q->name.scope, registrar->config.scope) != 0)
      return;
  } else {
    entry = _nb_registrar_find (registrar, &q->name);
    if (entry == NULL || entry->info.state == NB_NAME_STATE_REGISTERING)
      return;
  }
  /* RFC 1002 §4.2.18: flags 0x8400 (R, AA), the question name, TTL 0. */
  reply = nb_ns_node_status_response_new (request->trn_id, &q->name,
                                          _nb_responder_build_status (registrar,
                                                                      status_budget (&q->name)));
  _nb_engine_send (&registrar->transport, reply, src_ipv4, src_port, FALSE);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */

/* UDP 135: NetrSendMessage (msgsvcsend 1.0, opnum 0) over connectionless
 * DCE/RPC, as the minimal server of PROTOCOL.md §4.5 (MS-RPCE §3.2.3,
 * C706 ch. 10/12). Only with [rpc] enabled = true: it was the spam vector.
 *
 *  REQUEST  other interface/version: REJECT nca_s_unk_if; other opnum:
 *           REJECT nca_s_op_rng_error; a server boot time that is not ours:
 *           REJECT nca_s_wrong_boot_time; fragments go through the bounded
 *           reassembler (FACK per fragment unless NOFACK), whatever it
 *           refuses gets REJECT nca_s_proto_error; an undecodable stub a
 *           FAULT nca_s_fault_ndr; the rest goes to the inbox and its
 *           RESPONSE (the NetrSendMessage status) is sent after the commit
 *           and cached for retransmissions; MAYBE calls get no answer;
 *  PING     WORKING while the call runs, the cached RESPONSE when done,
 *           NOCALL for a call we do not know;
 *  ACK      drops the cached RESPONSE;
 *  others   FACK and CL_CANCEL are accepted and ignored (our responses are
 *           one fragment, cancels would come too late); the rest, which a
 *           server never receives, is dropped (MS-RPCE §3.2.3.5.3).
 * A refusal by rate limit drops the call (UDP excess is dropped); the
 * client's retransmissions of it are dropped too. */

#define G_LOG_DOMAIN "netsendd"

#include "receivers.h"

#include <string.h>

#include <netsend/ns-net.h>
#include <netsend/rpc-cl.h>
#include <netsend/rpc-msgsvc.h>

/* Activities remembered at once (the oldest idle one goes first) and how
 * long an idle one is kept: 5 min (MS-RPCE §3.2.3.1.6, C706 §10.2.6). */
#define MAX_ACTIVITIES 4096
#define ACTIVITY_IDLE_US (300 * G_USEC_PER_SEC)
#define SCAVENGE_INTERVAL_S 60
/* Fragmented requests: a NetrSendMessage is a few hundred bytes; these
 * bound what one activity can make us buffer. */
#define REASM_MAX_BODY (16 * 1024)
#define REASM_MAX_FRAGS 16
#define FACK_WINDOW 16
#define FACK_MAX_TSDU 4096

typedef enum {
  CALL_NONE,
  CALL_RUNNING, /* in the inbox */
  CALL_DONE,    /* answered (or MAYBE); @response may be cached */
  CALL_DROPPED, /* rate limited: stay silent */
} CallState;

typedef struct {
  RpcUuid act_id;
  guint32 seqnum;
  CallState state;
  GBytes *response;     /* cached answer of the current call */
  RpcClReasm *reasm;    /* fragments of the current call */
  gint64 last_us;
} Activity;

typedef struct {
  guint64 requests;
  guint64 responses;
  guint64 rejects;
  guint64 faults;
  guint64 pings;
  guint64 acks;
  guint64 dropped;
  guint64 retransmissions;
} Counters;

/* Outlives the receiver while inbox answers are pending. */
typedef struct {
  gint ref;
  NsRpcReceiver *receiver; /* NULL once freed */
} Shared;

struct _NsRpcReceiver {
  GPtrArray *endpoints;  /* NsUdpEndpoint */
  NsReceiverEnv env;
  GHashTable *activities; /* RpcUuid * -> Activity */
  GSource *scavenger;
  guint32 boot;
  Shared *shared;
  Counters counters;
};

/* One call in the inbox. */
typedef struct {
  Shared *shared;
  RpcClHeader request;
  NsUdpEndpoint *endpoint;
  guint32 peer;
  guint16 peer_port;
} Call;

static guint
uuid_hash (gconstpointer p)
{
  const RpcUuid *u = p;

  return u->data1 ^ ((guint) u->data2 << 16) ^ u->data3 ^ ((guint) u->data4[0] << 24)
         ^ ((guint) u->data4[7] << 8);
}

static gboolean
uuid_equal (gconstpointer a, gconstpointer b)
{
  return rpc_uuid_equal (a, b);
}

static void
activity_free (Activity *a)
{
  g_clear_pointer (&a->response, g_bytes_unref);
  rpc_cl_reasm_free (a->reasm);
  g_free (a);
}

static void
shared_unref (Shared *s)
{
  if (g_atomic_int_dec_and_test (&s->ref))
    g_free (s);
}

static void
call_free (Call *c)
{
  shared_unref (c->shared);
  g_free (c);
}

/* ---- sending ----------------------------------------------------------- */

static void
send_bytes (NsRpcReceiver *r, NsUdpEndpoint *ep, GByteArray *pdu, guint32 peer, guint16 port)
{
  g_autoptr (GError) error = NULL;

  if (!ns_udp_endpoint_send_to (ep, pdu->data, pdu->len, peer, port, &error))
    g_debug ("rpc: cannot answer: %s", error->message);
}

static void
send_status_pdu (NsRpcReceiver *r, NsUdpEndpoint *ep, const RpcClHeader *req, RpcClPtype ptype,
                 guint32 status, guint32 peer, guint16 port)
{
  g_autoptr (GByteArray) pdu = g_byte_array_new ();
  RpcClHeader h;

  rpc_cl_header_init_reply (&h, req, ptype, r->boot);
  if (!rpc_cl_build_status (&h, status, pdu, NULL))
    return;
  if (ptype == RPC_CL_PTYPE_REJECT)
    r->counters.rejects++;
  else
    r->counters.faults++;
  g_debug ("rpc: %s %s", rpc_cl_ptype_name (ptype), rpc_cl_status_name (status));
  send_bytes (r, ep, pdu, peer, port);
}

static GBytes *
build_empty (NsRpcReceiver *r, const RpcClHeader *req, RpcClPtype ptype)
{
  g_autoptr (RpcClPacket) p = rpc_cl_packet_new (ptype);
  g_autoptr (GByteArray) pdu = g_byte_array_new ();

  rpc_cl_header_init_reply (&p->header, req, ptype, r->boot);
  if (!rpc_cl_packet_build (p, pdu, NULL))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&pdu));
}

static void
send_empty (NsRpcReceiver *r, NsUdpEndpoint *ep, const RpcClHeader *req, RpcClPtype ptype,
            guint32 peer, guint16 port)
{
  g_autoptr (GBytes) pdu = build_empty (r, req, ptype);
  g_autoptr (GError) error = NULL;

  if (pdu != NULL
      && !ns_udp_endpoint_send_to (ep, g_bytes_get_data (pdu, NULL), g_bytes_get_size (pdu), peer,
                                   port, &error))
    g_debug ("rpc: cannot answer: %s", error->message);
}

/* C706 §12.5.3.4: a FACK for the fragments received so far, so the client
 * sends the rest. */
static void
send_fack (NsRpcReceiver *r, NsUdpEndpoint *ep, const RpcClHeader *req, guint next_fragnum,
           guint32 peer, guint16 port)
{
  g_autoptr (RpcClPacket) p = rpc_cl_packet_new (RPC_CL_PTYPE_FACK);
  g_autoptr (GByteArray) pdu = g_byte_array_new ();

  rpc_cl_header_init_reply (&p->header, req, RPC_CL_PTYPE_FACK, r->boot);
  p->header.fragnum = (guint16) (next_fragnum > 0 ? next_fragnum - 1 : 0);
  p->has_fack = TRUE;
  p->fack.version = 1;
  p->fack.window_size = FACK_WINDOW;
  p->fack.max_tsdu = FACK_MAX_TSDU;
  p->fack.max_frag_size = FACK_MAX_TSDU;
  p->fack.serial_num = req->serial;
  if (rpc_cl_packet_build (p, pdu, NULL))
    send_bytes (r, ep, pdu, peer, port);
}

/* ---- activities -------------------------------------------------------- */

/* Keeps the table bounded: the least recently used activity that is not
 * waiting for the inbox goes. */
static void
make_room (NsRpcReceiver *r)
{
  GHashTableIter iter;
  Activity *a, *victim = NULL;

  if (g_hash_table_size (r->activities) < MAX_ACTIVITIES)
    return;
  g_hash_table_iter_init (&iter, r->activities);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &a)) {
    if (a->state != CALL_RUNNING && (victim == NULL || a->last_us < victim->last_us))
      victim = a;
  }
  if (victim != NULL)
    g_hash_table_remove (r->activities, &victim->act_id);
}

static Activity *
lookup_activity (NsRpcReceiver *r, const RpcUuid *act_id, gboolean create)
{
  Activity *a = g_hash_table_lookup (r->activities, act_id);

  if (a == NULL && create) {
    make_room (r);
    a = g_new0 (Activity, 1);
    a->act_id = *act_id;
    g_hash_table_insert (r->activities, &a->act_id, a);
  }
  if (a != NULL)
    a->last_us = g_get_monotonic_time ();
  return a;
}

static gboolean
on_scavenge (gpointer user_data)
{
  NsRpcReceiver *r = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  Activity *a;

  g_hash_table_iter_init (&iter, r->activities);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &a)) {
    if (a->state != CALL_RUNNING && now - a->last_us > ACTIVITY_IDLE_US)
      g_hash_table_iter_remove (&iter);
  }
  return G_SOURCE_CONTINUE;
}

/* ---- the call ---------------------------------------------------------- */

/* What a caller is told (netsendd.conf(5), [policy]); 0 with ret_drop for
 * a rate-limited call, which gets no answer at all. */
static guint32
status_for (NsVerdict verdict, gboolean *ret_drop)
{
  *ret_drop = FALSE;
  switch (verdict) {
    case NS_VERDICT_ACCEPTED:
      return RPC_MSGSVC_ERROR_SUCCESS;
    case NS_VERDICT_RECIPIENT_NOT_ACCEPTING:
      return RPC_MSGSVC_NERR_NAME_NOT_FOUND;
    case NS_VERDICT_STORE_FAILURE:
      return RPC_MSGSVC_NERR_BAD_RECEIVE;
    case NS_VERDICT_RATE_LIMITED:
      *ret_drop = TRUE;
      return 0;
    default:
      return RPC_MSGSVC_ERROR_ACCESS_DENIED;
  }
}

static void
on_done (NsVerdict verdict, gint64 id, gpointer user_data)
{
  Call *c = user_data;
  NsRpcReceiver *r = c->shared->receiver;
  g_autoptr (GByteArray) pdu = NULL;
  Activity *a;
  gboolean drop;
  guint32 status = status_for (verdict, &drop);

  if (r == NULL)
    return;
  a = lookup_activity (r, &c->request.act_id, FALSE);
  /* The client moved on to a later call (or was scavenged): it no longer
   * waits for this answer. */
  if (a == NULL || a->seqnum != c->request.seqnum || a->state != CALL_RUNNING)
    return;
  if (drop) {
    a->state = CALL_DROPPED;
    r->counters.dropped++;
    return;
  }
  pdu = g_byte_array_new ();
  if (!rpc_msgsvc_build_send_response (&c->request, r->boot, status, pdu, NULL)) {
    a->state = CALL_DONE;
    return;
  }
  a->state = CALL_DONE;
  a->response = g_bytes_new (pdu->data, pdu->len);
  r->counters.responses++;
  send_bytes (r, c->endpoint, pdu, c->peer, c->peer_port);
}

static void
run_call (NsRpcReceiver *r, NsUdpEndpoint *ep, const RpcClHeader *req, Activity *a, GBytes *stub,
          guint32 peer, guint16 port)
{
  g_autoptr (RpcMsgsvcSend) args = NULL;
  g_autoptr (GError) error = NULL;
  NsInboxSubmission s = { 0 };
  gboolean maybe = (req->flags1 & RPC_CL_FLAGS1_MAYBE) != 0;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (stub, &len);
  Call *c;

  if (!rpc_msgsvc_send_stub_parse (data != NULL ? data : (const guint8 *) "", len, req->drep, 0,
                                   &args, &error)) {
    g_debug ("rpc: undecodable NetrSendMessage stub: %s", error->message);
    ns_inbox_count_malformed (r->env.inbox, NS_TRANSPORT_RPC, 1);
    a->state = CALL_DONE;
    if (!maybe)
      send_status_pdu (r, ep, req, RPC_CL_PTYPE_FAULT, RPC_NCA_S_FAULT_NDR, peer, port);
    return;
  }
  s.transport = NS_TRANSPORT_RPC;
  s.source = peer;
  s.port = port;
  s.local_address = ns_udp_endpoint_get_iface (ep)->address;
  s.from = args->from;
  s.to = args->to;
  s.text = (const guint8 *) args->text;
  s.text_len = strlen (args->text);
  s.addressing = NS_INBOX_TO_NAME;
  if (maybe) {
    /* "maybe" semantics: executed, never answered (PROTOCOL.md §4.5 step 9). */
    a->state = CALL_DONE;
    ns_inbox_submit (r->env.inbox, &s, NULL, NULL, NULL);
    return;
  }
  a->state = CALL_RUNNING;
  c = g_new0 (Call, 1);
  c->shared = r->shared;
  g_atomic_int_inc (&c->shared->ref);
  c->request = *req;
  c->endpoint = ep;
  c->peer = peer;
  c->peer_port = port;
  ns_inbox_submit (r->env.inbox, &s, on_done, c, (GDestroyNotify) call_free);
}

/* Fragments: FALSE while the call is incomplete or refused (answered);
 * TRUE with the whole stub. */
static gboolean
reassemble (NsRpcReceiver *r, NsUdpEndpoint *ep, const RpcClPacket *pkt, Activity *a,
            GBytes **ret_stub, guint32 peer, guint16 port)
{
  g_autoptr (GError) error = NULL;
  GBytes *body = NULL;

  if (a->reasm == NULL)
    a->reasm = rpc_cl_reasm_new (REASM_MAX_BODY, REASM_MAX_FRAGS);
  if (!rpc_cl_reasm_add (a->reasm, pkt, &body, &error)) {
    g_debug ("rpc: fragment refused: %s", error->message);
    ns_inbox_count_malformed (r->env.inbox, NS_TRANSPORT_RPC, 1);
    g_clear_pointer (&a->reasm, rpc_cl_reasm_free);
    a->state = CALL_DONE;
    send_status_pdu (r, ep, &pkt->header, RPC_CL_PTYPE_REJECT, RPC_NCA_S_PROTO_ERROR, peer, port);
    return FALSE;
  }
  if (body == NULL) {
    if ((pkt->header.flags1 & RPC_CL_FLAGS1_NOFACK) == 0)
      send_fack (r, ep, &pkt->header, rpc_cl_reasm_next_fragnum (a->reasm), peer, port);
    return FALSE;
  }
  g_clear_pointer (&a->reasm, rpc_cl_reasm_free);
  *ret_stub = body;
  return TRUE;
}

/* A REQUEST for a call this activity already has (same seqnum). */
static void
repeat_request (NsRpcReceiver *r, NsUdpEndpoint *ep, const RpcClPacket *pkt, Activity *a,
                guint32 peer, guint16 port)
{
  g_autoptr (GError) error = NULL;

  r->counters.retransmissions++;
  if (a->state == CALL_DONE && a->response != NULL)
    ns_udp_endpoint_send_to (ep, g_bytes_get_data (a->response, NULL),
                             g_bytes_get_size (a->response), peer, port, &error);
}

static void
on_request (NsRpcReceiver *r, NsUdpEndpoint *ep, const RpcClPacket *pkt, guint32 peer,
            guint16 port)
{
  const RpcClHeader *h = &pkt->header;
  guint32 reject = 0;
  g_autoptr (GBytes) stub = NULL;
  Activity *a;
  gboolean known;

  r->counters.requests++;
  if (!rpc_msgsvc_check_call (h, &reject)) {
    send_status_pdu (r, ep, h, RPC_CL_PTYPE_REJECT, reject, peer, port);
    return;
  }
  if (h->server_boot != 0 && h->server_boot != r->boot) {
    send_status_pdu (r, ep, h, RPC_CL_PTYPE_REJECT, RPC_NCA_S_WRONG_BOOT_TIME, peer, port);
    return;
  }
  a = lookup_activity (r, &h->act_id, TRUE);
  known = a->state != CALL_NONE || a->reasm != NULL;
  if (known && h->seqnum < a->seqnum)
    return; /* an old call's straggler */
  if (known && h->seqnum == a->seqnum && a->reasm == NULL) {
    repeat_request (r, ep, pkt, a, peer, port);
    return;
  }
  if (!known || h->seqnum != a->seqnum) {
    /* A new call: the previous one is acknowledged implicitly (C706 §10.2.1). */
    a->seqnum = h->seqnum;
    a->state = CALL_NONE;
    g_clear_pointer (&a->response, g_bytes_unref);
    g_clear_pointer (&a->reasm, rpc_cl_reasm_free);
  }
  if ((h->flags1 & RPC_CL_FLAGS1_FRAG) != 0 || a->reasm != NULL) {
    if (!reassemble (r, ep, pkt, a, &stub, peer, port))
      return;
  } else {
    stub = pkt->body != NULL ? g_bytes_ref (pkt->body) : g_bytes_new (NULL, 0);
  }
  run_call (r, ep, h, a, stub, peer, port);
}

static void
on_ping (NsRpcReceiver *r, NsUdpEndpoint *ep, const RpcClHeader *h, guint32 peer, guint16 port)
{
  Activity *a = lookup_activity (r, &h->act_id, FALSE);
  g_autoptr (GError) error = NULL;

  r->counters.pings++;
  if (a == NULL || a->seqnum != h->seqnum || a->state == CALL_NONE) {
    if (a == NULL || h->seqnum >= a->seqnum)
      send_empty (r, ep, h, RPC_CL_PTYPE_NOCALL, peer, port);
    return;
  }
  switch (a->state) {
    case CALL_RUNNING:
      send_empty (r, ep, h, RPC_CL_PTYPE_WORKING, peer, port);
      break;
    case CALL_DONE:
      if (a->response != NULL)
        ns_udp_endpoint_send_to (ep, g_bytes_get_data (a->response, NULL),
                                 g_bytes_get_size (a->response), peer, port, &error);
      else
        send_empty (r, ep, h, RPC_CL_PTYPE_NOCALL, peer, port);
      break;
    default:
      break; /* dropped: stay silent */
  }
}

static void
on_datagram (NsUdpEndpoint *ep, const guint8 *data, gsize len, guint32 peer, guint16 port,
             gboolean to_broadcast, gpointer user_data)
{
  NsRpcReceiver *r = user_data;
  g_autoptr (RpcClPacket) pkt = NULL;
  g_autoptr (GError) error = NULL;
  RpcClHeader h;

  /* Shorter than a header or not version 4: not ours to answer. */
  if (!rpc_cl_header_parse (data, len, &h, NULL)) {
    ns_inbox_count_malformed (r->env.inbox, NS_TRANSPORT_RPC, 1);
    return;
  }
  pkt = rpc_cl_packet_parse (data, len, &error);
  if (pkt == NULL) {
    g_debug ("rpc: bad %s PDU: %s", rpc_cl_ptype_name (h.ptype), error->message);
    ns_inbox_count_malformed (r->env.inbox, NS_TRANSPORT_RPC, 1);
    if (h.ptype == RPC_CL_PTYPE_REQUEST)
      send_status_pdu (r, ep, &h, RPC_CL_PTYPE_REJECT, RPC_NCA_S_PROTO_ERROR, peer, port);
    return;
  }
  switch (pkt->header.ptype) {
    case RPC_CL_PTYPE_REQUEST:
      on_request (r, ep, pkt, peer, port);
      break;
    case RPC_CL_PTYPE_PING:
      on_ping (r, ep, &pkt->header, peer, port);
      break;
    case RPC_CL_PTYPE_ACK: {
      Activity *a = lookup_activity (r, &pkt->header.act_id, FALSE);

      r->counters.acks++;
      if (a != NULL && a->seqnum == pkt->header.seqnum)
        g_clear_pointer (&a->response, g_bytes_unref);
      break;
    }
    default:
      /* FACK, CL_CANCEL: nothing to do for one-fragment responses; the
       * rest is never sent to a server (MS-RPCE §3.2.3.5.3). */
      break;
  }
}

/* ---- the receiver ------------------------------------------------------ */

NsRpcReceiver *
ns_rpc_receiver_new (const NsDaemonConfig *config, const GPtrArray *ifaces, GError **error)
{
  g_autoptr (NsRpcReceiver) r = g_new0 (NsRpcReceiver, 1);

  r->endpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_udp_endpoint_free);
  r->activities = g_hash_table_new_full (uuid_hash, uuid_equal, NULL,
                                         (GDestroyNotify) activity_free);
  r->shared = g_new0 (Shared, 1);
  r->shared->ref = 1;
  r->shared->receiver = r;
  /* Non-zero, and different after every restart (MS-RPCE §3.2.3). */
  r->boot = (guint32) (g_get_real_time () / G_USEC_PER_SEC);
  if (!config->rpc_enabled || config->rpc_port == 0)
    return g_steal_pointer (&r);
  for (guint i = 0; i < ifaces->len; i++) {
    const NsIface *iface = g_ptr_array_index (ifaces, i);
    NsUdpEndpoint *ep = ns_udp_endpoint_new (iface, config->rpc_port, NS_UDP_NONE, error);
    g_autofree char *addr = NULL;

    if (ep == NULL)
      return NULL;
    g_ptr_array_add (r->endpoints, ep);
    addr = ns_ipv4_to_string (iface->address);
    g_info ("NetrSendMessage (DCE/RPC) on %s: UDP %s:%u", iface->name, addr, config->rpc_port);
  }
  return g_steal_pointer (&r);
}

void
ns_rpc_receiver_start (NsRpcReceiver *r, const NsReceiverEnv *env)
{
  r->env = *env;
  for (guint i = 0; i < r->endpoints->len; i++)
    ns_udp_endpoint_set_receive_func (g_ptr_array_index (r->endpoints, i), on_datagram, r, NULL);
  if (r->endpoints->len > 0) {
    r->scavenger = g_timeout_source_new_seconds (SCAVENGE_INTERVAL_S);
    g_source_set_callback (r->scavenger, on_scavenge, r, NULL);
    g_source_attach (r->scavenger, g_main_context_get_thread_default ());
  }
}

void
ns_rpc_receiver_free (NsRpcReceiver *r)
{
  if (r == NULL)
    return;
  if (r->scavenger != NULL) {
    g_source_destroy (r->scavenger);
    g_source_unref (r->scavenger);
  }
  r->shared->receiver = NULL;
  shared_unref (r->shared);
  g_ptr_array_unref (r->endpoints);
  g_hash_table_unref (r->activities);
  g_free (r);
}

void
ns_rpc_receiver_add_status (NsRpcReceiver *r, GVariantBuilder *b)
{
  const Counters *c = &r->counters;

  if (r->endpoints->len == 0)
    return;
  g_variant_builder_add (b, "{sv}", "rpc-requests", g_variant_new_uint64 (c->requests));
  g_variant_builder_add (b, "{sv}", "rpc-responses", g_variant_new_uint64 (c->responses));
  g_variant_builder_add (b, "{sv}", "rpc-rejects", g_variant_new_uint64 (c->rejects));
  g_variant_builder_add (b, "{sv}", "rpc-faults", g_variant_new_uint64 (c->faults));
  g_variant_builder_add (b, "{sv}", "rpc-pings", g_variant_new_uint64 (c->pings));
  g_variant_builder_add (b, "{sv}", "rpc-retransmissions",
                         g_variant_new_uint64 (c->retransmissions));
  g_variant_builder_add (b, "{sv}", "rpc-dropped", g_variant_new_uint64 (c->dropped));
}

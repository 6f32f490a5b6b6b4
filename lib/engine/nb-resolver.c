/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/nb-resolver.h"

#include <string.h>

#include "nb-engine-private.h"

/* One destination a request goes to: the same packet (same NAME_TRN_ID,
 * RFC 1002 §5.1.1.4) @count times, @interval_us apart, the last one
 * followed by one more pause. */
typedef struct {
  guint32 dst;
  guint16 port;
  gboolean broadcast;
  guint count;
  gint64 interval_us;
} Phase;

typedef enum {
  KIND_QUERY,
  KIND_STATUS,
} RequestKind;

#define MAX_PHASES (NB_ENGINE_MAX_WINS_SERVERS + 1)

typedef struct {
  guint id;
  RequestKind kind;
  NbName name;
  guint16 trn_id;
  NbQueryFlags flags;
  Phase phases[MAX_PHASES];
  guint n_phases;
  guint phase;
  guint sent;
  gint64 deadline_us;

  /* What arrived so far (queries). */
  GArray *entries; /* NbNsAddrEntry, distinct addresses */
  gboolean group;
  guint32 ttl;
  guint32 responder;
  gboolean negative;
  guint8 rcode;
  gboolean answered;   /* a positive answer set group/ttl/responder */
  gboolean bcast_group; /* COLLECT: WINS listed only 255.255.255.255 */
  guint16 bcast_flags;  /* its NB_FLAGS */
  guint n_unreachable;  /* phases ended by an ICMP destination unreachable */
  guint32 unreachable_ipv4; /* the last of them */
  guint16 unreachable_port;
  int unreachable_errno;

  gboolean cacheable; /* NB_QUERY_AUTO: its answer may be cached */
  gboolean cached;    /* answered from the cache: completes at the next tick */

  NbQueryCallback query_cb;
  NbNodeStatusCallback status_cb;
  gpointer user_data;
} Request;

struct _NbResolver {
  NbResolverConfig config;
  NbTransport transport;
  GPtrArray *requests; /* Request*, oldest first */
  guint next_id;
  guint16 next_trn_id;
  guint dispatching; /* callbacks running; the resolver must not be freed */
  NbEngineTimer *timer;
  NbResolverCache *cache; /* NULL: no cache */
};

const char *
nb_query_status_to_string (NbQueryStatus status)
{
  switch (status) {
    case NB_QUERY_STATUS_FOUND:
      return "found";
    case NB_QUERY_STATUS_NOT_FOUND:
      return "not-found";
    case NB_QUERY_STATUS_TIMEOUT:
      return "timeout";
    case NB_QUERY_STATUS_UNREACHABLE:
      return "unreachable";
    default:
      return "unknown";
  }
}

void
nb_resolver_config_init (NbResolverConfig *config)
{
  g_return_if_fail (config != NULL);

  memset (config, 0, sizeof *config);
  config->port = NB_NS_PORT;
  config->node_type = NB_NODE_B;
}

static void
request_free (gpointer data)
{
  Request *req = data;

  g_clear_pointer (&req->entries, g_array_unref);
  g_free (req);
}

NbResolver *
nb_resolver_new (const NbResolverConfig *config, const NbTransport *transport, GError **error)
{
  NbResolver *res;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (transport != NULL && transport->send != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (config->n_wins_servers > NB_ENGINE_MAX_WINS_SERVERS) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "at most %u WINS servers, got %u", NB_ENGINE_MAX_WINS_SERVERS,
                 config->n_wins_servers);
    return NULL;
  }
  if (config->node_type == NB_NODE_P && config->n_wins_servers == 0) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "a P-node needs at least one WINS server");
    return NULL;
  }
  if (config->port == 0) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "resolver needs a name-service port, got 0");
    return NULL;
  }
  if (config->cache_size > NB_RESOLVER_CACHE_SIZE_MAX) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "at most %u cached names, got %u", NB_RESOLVER_CACHE_SIZE_MAX,
                 config->cache_size);
    return NULL;
  }

  res = g_new0 (NbResolver, 1);
  res->config = *config;
  res->transport = *transport;
  res->requests = g_ptr_array_new_with_free_func (request_free);
  res->next_id = 1;
  res->next_trn_id = _nb_engine_random_trn_id ();
  if (config->cache_size > 0)
    res->cache = _nb_resolver_cache_new (config->cache_size, config->cache_max_ttl);
  return res;
}

void
nb_resolver_free (NbResolver *resolver)
{
  if (resolver == NULL)
    return;
  g_return_if_fail (resolver->dispatching == 0);
  nb_engine_timer_free (resolver->timer);
  g_ptr_array_unref (resolver->requests);
  _nb_resolver_cache_free (resolver->cache);
  g_free (resolver);
}

guint
nb_resolver_get_n_pending (NbResolver *resolver)
{
  g_return_val_if_fail (resolver != NULL, 0);
  return resolver->requests->len;
}

guint
nb_resolver_cache_get_size (NbResolver *resolver, gint64 now_us)
{
  g_return_val_if_fail (resolver != NULL, 0);
  return resolver->cache != NULL ? _nb_resolver_cache_count (resolver->cache, now_us) : 0;
}

void
nb_resolver_cache_forget (NbResolver *resolver, const NbName *name)
{
  g_return_if_fail (resolver != NULL);
  if (resolver->cache != NULL)
    _nb_resolver_cache_forget (resolver->cache, name);
}

static void
rearm (NbResolver *resolver)
{
  if (resolver->timer != NULL)
    nb_engine_timer_update (resolver->timer);
}

/* ---- phases ----------------------------------------------------------- */

static void
add_phase (Request *req, guint32 dst, guint16 port, gboolean broadcast,
           const NbQueryOptions *opts)
{
  Phase *p;

  g_assert (req->n_phases < MAX_PHASES);
  p = &req->phases[req->n_phases++];
  p->dst = dst;
  p->port = port;
  p->broadcast = broadcast;
  p->count = opts->count > 0 ? opts->count
                             : (broadcast ? NB_RESOLVER_BCAST_COUNT : NB_RESOLVER_UCAST_COUNT);
  p->interval_us = opts->interval_us > 0
                       ? opts->interval_us
                       : (broadcast ? NB_RESOLVER_BCAST_INTERVAL_US : NB_RESOLVER_UCAST_INTERVAL_US);
}

static void
add_broadcast_phase (NbResolver *resolver, Request *req, const NbQueryOptions *opts)
{
  if (resolver->config.broadcast != 0)
    add_phase (req, resolver->config.broadcast, resolver->config.port, TRUE, opts);
}

static void
add_wins_phases (NbResolver *resolver, Request *req, const NbQueryOptions *opts)
{
  for (guint i = 0; i < resolver->config.n_wins_servers; i++)
    add_phase (req, resolver->config.wins_servers[i], resolver->config.port, FALSE, opts);
}

/* The phases of a query, PROTOCOL.md §1.4.7 (RFC 1001 §10, MS-NBTE §3.1.3). */
static void
plan_query (NbResolver *resolver, Request *req, const NbQueryOptions *opts)
{
  switch (opts->method) {
    case NB_QUERY_BROADCAST:
      add_broadcast_phase (resolver, req, opts);
      return;
    case NB_QUERY_UNICAST:
      if (opts->address != 0)
        add_phase (req, opts->address, opts->port != 0 ? opts->port : resolver->config.port,
                   FALSE, opts);
      return;
    case NB_QUERY_AUTO:
    default:
      break;
  }
  switch (resolver->config.node_type) {
    case NB_NODE_P:
      add_wins_phases (resolver, req, opts);
      break;
    case NB_NODE_M:
      add_broadcast_phase (resolver, req, opts);
      add_wins_phases (resolver, req, opts);
      break;
    case NB_NODE_H:
      add_wins_phases (resolver, req, opts);
      add_broadcast_phase (resolver, req, opts);
      break;
    case NB_NODE_B:
    default:
      add_broadcast_phase (resolver, req, opts);
      break;
  }
}

static gboolean
trn_id_in_use (NbResolver *resolver, guint16 trn_id)
{
  for (guint i = 0; i < resolver->requests->len; i++) {
    const Request *req = g_ptr_array_index (resolver->requests, i);

    if (req->trn_id == trn_id)
      return TRUE;
  }
  return FALSE;
}

static guint16
next_trn_id (NbResolver *resolver)
{
  /* At most NB_RESOLVER_MAX_PENDING ids are in use, so this ends fast. */
  while (trn_id_in_use (resolver, resolver->next_trn_id))
    resolver->next_trn_id++;
  return resolver->next_trn_id++;
}

static void
send_request (NbResolver *resolver, Request *req)
{
  const Phase *p = &req->phases[req->phase];
  g_autoptr (NbNsPacket) packet = NULL;

  if (req->kind == KIND_QUERY)
    /* RD always: WINS answers "not found" without it (errata 15); Windows
     * sets it on broadcasts too (0x0110, golden nbns-name-query-broadcast). */
    packet = nb_ns_name_query_request_new (req->trn_id, &req->name, p->broadcast, TRUE);
  else
    packet = nb_ns_node_status_request_new (req->trn_id, &req->name, p->broadcast);
  _nb_engine_send (&resolver->transport, packet, p->dst, p->port, p->broadcast);
  req->sent++;
}

static void
start_phase (NbResolver *resolver, Request *req, guint phase, gint64 now_us)
{
  req->phase = phase;
  req->sent = 0;
  send_request (resolver, req);
  req->deadline_us = now_us + req->phases[phase].interval_us;
}

static guint
start_request (NbResolver *resolver, Request *req, gint64 now_us)
{
  req->id = resolver->next_id++;
  if (resolver->next_id == 0)
    resolver->next_id = 1;
  req->trn_id = next_trn_id (resolver);
  req->entries = g_array_new (FALSE, FALSE, sizeof (NbNsAddrEntry));
  g_ptr_array_add (resolver->requests, req);
  start_phase (resolver, req, 0, now_us);
  rearm (resolver);
  return req->id;
}

/* Fills @req from a live cached answer; FALSE if there is none. */
static gboolean
from_cache (NbResolver *resolver, Request *req, gint64 now_us)
{
  const NbCacheEntry *e = _nb_resolver_cache_lookup (
      resolver->cache, &req->name, (req->flags & NB_QUERY_FLAG_COLLECT) != 0, now_us);

  if (e == NULL)
    return FALSE;
  req->entries = g_array_sized_new (FALSE, FALSE, sizeof (NbNsAddrEntry), e->entries->len);
  g_array_append_vals (req->entries, e->entries->data, e->entries->len);
  req->group = e->group;
  req->responder = e->responder;
  /* What remains of the TTL, so that callers keep honouring it. */
  req->ttl = (guint32) ((e->expires_us - now_us) / G_USEC_PER_SEC);
  req->answered = TRUE;
  req->cached = TRUE;
  return TRUE;
}

/* A cached answer completes at the next tick: callbacks never run inside
 * nb_resolver_query(). */
static guint
start_cached (NbResolver *resolver, Request *req, gint64 now_us)
{
  req->id = resolver->next_id++;
  if (resolver->next_id == 0)
    resolver->next_id = 1;
  req->trn_id = next_trn_id (resolver);
  req->deadline_us = now_us;
  g_ptr_array_add (resolver->requests, req);
  rearm (resolver);
  return req->id;
}

static gboolean
check_room (NbResolver *resolver, GError **error)
{
  if (resolver->requests->len >= NB_RESOLVER_MAX_PENDING) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_TOO_MANY,
                 "%u requests are already pending", resolver->requests->len);
    return FALSE;
  }
  return TRUE;
}

guint
nb_resolver_query (NbResolver *resolver, const NbName *name, const NbQueryOptions *options,
                   gint64 now_us, NbQueryCallback callback, gpointer user_data, GError **error)
{
  static const NbQueryOptions defaults = { 0 };
  const NbQueryOptions *opts = options != NULL ? options : &defaults;
  Request *req;

  g_return_val_if_fail (resolver != NULL, 0);
  g_return_val_if_fail (name != NULL, 0);
  g_return_val_if_fail (callback != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!check_room (resolver, error))
    return 0;
  req = g_new0 (Request, 1);
  req->kind = KIND_QUERY;
  req->name = *name;
  req->flags = opts->flags;
  req->query_cb = callback;
  req->user_data = user_data;
  req->cacheable = resolver->cache != NULL && opts->method == NB_QUERY_AUTO;
  if (req->cacheable && !(opts->flags & NB_QUERY_FLAG_NO_CACHE)
      && from_cache (resolver, req, now_us))
    return start_cached (resolver, req, now_us);
  plan_query (resolver, req, opts);
  if (req->n_phases == 0) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "no way to send this query: %s",
                 opts->method == NB_QUERY_UNICAST ? "unicast to 0.0.0.0"
                                                  : "no broadcast address and no WINS server");
    request_free (req);
    return 0;
  }
  return start_request (resolver, req, now_us);
}

guint
nb_resolver_node_status (NbResolver *resolver, guint32 address, guint16 port,
                         const NbName *name, gint64 now_us, NbNodeStatusCallback callback,
                         gpointer user_data, GError **error)
{
  static const NbQueryOptions defaults = { 0 };
  Request *req;

  g_return_val_if_fail (resolver != NULL, 0);
  g_return_val_if_fail (callback != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (address == 0) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "node status needs an address, got 0.0.0.0");
    return 0;
  }
  if (!check_room (resolver, error))
    return 0;
  req = g_new0 (Request, 1);
  req->kind = KIND_STATUS;
  if (name != NULL)
    req->name = *name;
  else
    nb_name_wildcard (&req->name);
  req->status_cb = callback;
  req->user_data = user_data;
  add_phase (req, address, port != 0 ? port : resolver->config.port, FALSE, &defaults);
  return start_request (resolver, req, now_us);
}

gboolean
nb_resolver_cancel (NbResolver *resolver, guint id)
{
  g_return_val_if_fail (resolver != NULL, FALSE);

  for (guint i = 0; i < resolver->requests->len; i++) {
    const Request *req = g_ptr_array_index (resolver->requests, i);

    if (req->id == id) {
      g_ptr_array_remove_index (resolver->requests, i);
      rearm (resolver);
      return TRUE;
    }
  }
  return FALSE;
}

/* ---- completion ------------------------------------------------------- */

/* Takes @req out of the list, then calls its callback (which may start or
 * cancel other requests) and frees it. */
static void
complete (NbResolver *resolver, Request *req, NbQueryStatus status,
          const NbNsNodeStatus *node_status, gint64 now_us)
{
  guint index;

  if (g_ptr_array_find (resolver->requests, req, &index))
    g_ptr_array_steal_index (resolver->requests, index);
  if (req->kind == KIND_QUERY) {
    NbQueryResult result = {
      .id = req->id,
      .status = status,
      .name = &req->name,
      .entries = (const NbNsAddrEntry *) (gpointer) req->entries->data,
      .n_entries = req->entries->len,
      .group = req->group,
      .ttl = req->ttl,
      .responder = req->responder,
      .rcode = status == NB_QUERY_STATUS_NOT_FOUND ? req->rcode : 0,
      .from_cache = req->cached,
      .unreachable_ipv4 = req->unreachable_ipv4,
      .unreachable_port = req->unreachable_port,
      .unreachable_errno = req->unreachable_errno,
    };

    if (status == NB_QUERY_STATUS_FOUND && req->cacheable && !req->cached)
      _nb_resolver_cache_store (resolver->cache, &req->name,
                                (req->flags & NB_QUERY_FLAG_COLLECT) != 0,
                                (const NbNsAddrEntry *) (gpointer) req->entries->data,
                                req->entries->len, req->group, req->ttl, req->responder,
                                now_us);

    resolver->dispatching++;
    req->query_cb (resolver, &result, req->user_data);
    resolver->dispatching--;
  } else {
    NbNodeStatusResult result = {
      .id = req->id,
      .status = status,
      .address = req->phases[0].dst,
      .node_status = node_status,
      .unreachable_errno = status == NB_QUERY_STATUS_UNREACHABLE ? req->unreachable_errno : 0,
    };

    resolver->dispatching++;
    req->status_cb (resolver, &result, req->user_data);
    resolver->dispatching--;
  }
  request_free (req);
}

/* The current phase has run out (or drew a negative answer): try the next
 * one, or finish. */
static void
next_phase (NbResolver *resolver, Request *req, gint64 now_us)
{
  if (req->entries->len > 0) {
    complete (resolver, req, NB_QUERY_STATUS_FOUND, NULL, now_us);
  } else if (req->phase + 1 < req->n_phases) {
    start_phase (resolver, req, req->phase + 1, now_us);
  } else if (req->bcast_group) {
    /* No phase found a member: the group's broadcast address is still
     * the answer (what a non-collecting query returns). */
    NbNsAddrEntry all = { .flags = req->bcast_flags, .ipv4 = 0xffffffffu };

    g_array_append_val (req->entries, all);
    complete (resolver, req, NB_QUERY_STATUS_FOUND, NULL, now_us);
  } else if (req->negative) {
    complete (resolver, req, NB_QUERY_STATUS_NOT_FOUND, NULL, now_us);
  } else if (req->n_unreachable == req->n_phases) {
    /* Nobody could be asked at all; one silent phase makes it a timeout. */
    complete (resolver, req, NB_QUERY_STATUS_UNREACHABLE, NULL, now_us);
  } else {
    complete (resolver, req, NB_QUERY_STATUS_TIMEOUT, NULL, now_us);
  }
}

static void
step (NbResolver *resolver, Request *req, gint64 now_us)
{
  const Phase *p = &req->phases[req->phase];

  if (req->cached) {
    complete (resolver, req, NB_QUERY_STATUS_FOUND, NULL, now_us);
    return;
  }
  if (req->sent < p->count) {
    send_request (resolver, req);
    req->deadline_us = now_us + p->interval_us;
  } else {
    next_phase (resolver, req, now_us);
  }
}

void
nb_resolver_tick (NbResolver *resolver, gint64 now_us)
{
  gboolean again = TRUE;

  g_return_if_fail (resolver != NULL);

  /* One due request at a time: a step may complete a request, and its
   * callback may change the list. New requests are never due at once
   * (their first transmission sets a deadline in the future). */
  while (again) {
    again = FALSE;
    for (guint i = 0; i < resolver->requests->len; i++) {
      Request *req = g_ptr_array_index (resolver->requests, i);

      if (req->deadline_us <= now_us) {
        step (resolver, req, now_us);
        again = TRUE;
        break;
      }
    }
  }
  rearm (resolver);
}

gint64
nb_resolver_next_deadline (NbResolver *resolver)
{
  gint64 next = NB_ENGINE_NO_DEADLINE;

  g_return_val_if_fail (resolver != NULL, NB_ENGINE_NO_DEADLINE);

  for (guint i = 0; i < resolver->requests->len; i++) {
    const Request *req = g_ptr_array_index (resolver->requests, i);

    if (next == NB_ENGINE_NO_DEADLINE || req->deadline_us < next)
      next = req->deadline_us;
  }
  return next;
}

/* ---- responses -------------------------------------------------------- */

/* A unicast phase only takes answers from the hosts it (or an earlier
 * unicast phase) asked; a broadcast phase takes them from anyone. */
static gboolean
source_ok (const Request *req, guint32 src_ipv4)
{
  if (req->phases[req->phase].broadcast)
    return TRUE;
  for (guint i = 0; i <= req->phase; i++) {
    if (!req->phases[i].broadcast && req->phases[i].dst == src_ipv4)
      return TRUE;
  }
  return FALSE;
}

/* An address that names no member: 255.255.255.255, how WINS stores an
 * ordinary group (MS-NBTE §3.2.5.1), and 0.0.0.0, what nmbd 4.17 answers
 * for such a group (it means to store 255.255.255.255, but its
 * interpret_addr2() turns that string into 0.0.0.0; seen in
 * tests/integration/wins-routed.sh). */
static gboolean
no_member (guint32 ipv4)
{
  return ipv4 == 0xffffffffu || ipv4 == 0;
}

/* Whether an NB answer lists no member at all. */
static gboolean
only_broadcast_address (const NbNsRecord *rr)
{
  for (guint i = 0; i < rr->addresses->len; i++)
    if (!no_member (g_array_index (rr->addresses, NbNsAddrEntry, i).ipv4))
      return FALSE;
  return TRUE;
}

static void
merge_entries (Request *req, const NbNsRecord *rr)
{
  for (guint i = 0; i < rr->addresses->len; i++) {
    const NbNsAddrEntry *e = &g_array_index (rr->addresses, NbNsAddrEntry, i);
    gboolean seen = FALSE;

    /* A member list has no room for "broadcast to reach them". */
    if ((req->flags & NB_QUERY_FLAG_COLLECT) && no_member (e->ipv4))
      continue;

    for (guint j = 0; j < req->entries->len && !seen; j++)
      seen = g_array_index (req->entries, NbNsAddrEntry, j).ipv4 == e->ipv4;
    if (!seen)
      g_array_append_val (req->entries, *e);
  }
}

static void
handle_query_response (NbResolver *resolver, Request *req, const NbNsPacket *packet,
                       const NbNsRecord *rr, guint32 src_ipv4, gint64 now_us)
{
  const Phase *p = &req->phases[req->phase];

  if (packet->rcode != NB_NS_RCODE_OK) {
    /* Broadcast queries never draw negative answers from well-behaved
     * nodes (RFC 1002 §5.1.1.4), and one node's "no" does not speak for
     * the others; from the host or server asked, it ends the phase. */
    if (p->broadcast)
      return;
    req->negative = TRUE;
    req->rcode = packet->rcode;
    next_phase (resolver, req, now_us);
    return;
  }
  if (rr->kind != NB_NS_RDATA_NB || rr->addresses->len == 0)
    return;
  if (!req->answered) {
    req->answered = TRUE;
    req->group = (g_array_index (rr->addresses, NbNsAddrEntry, 0).flags & NB_NS_NB_GROUP) != 0;
    req->ttl = rr->ttl;
    req->responder = src_ipv4;
  }
  if (!p->broadcast && (req->flags & NB_QUERY_FLAG_COLLECT) && only_broadcast_address (rr)) {
    /* An ordinary group at WINS, stored without members (MS-NBTE
     * §3.2.5.1; see no_member()): the next phase (an H-node's broadcast)
     * may find some. */
    req->bcast_group = TRUE;
    req->bcast_flags = g_array_index (rr->addresses, NbNsAddrEntry, 0).flags;
    next_phase (resolver, req, now_us);
    return;
  }
  merge_entries (req, rr);
  /* In a collecting broadcast phase keep listening until it ends. */
  if (!(p->broadcast && (req->flags & NB_QUERY_FLAG_COLLECT)))
    complete (resolver, req, NB_QUERY_STATUS_FOUND, NULL, now_us);
}

gboolean
nb_resolver_receive_packet (NbResolver *resolver, const NbNsPacket *packet, guint32 src_ipv4,
                            guint16 src_port, gint64 now_us)
{
  const NbNsRecord *rr;
  Request *req = NULL;

  g_return_val_if_fail (resolver != NULL, FALSE);
  g_return_val_if_fail (packet != NULL, FALSE);

  if (!packet->response || packet->opcode != NB_NS_OPCODE_QUERY || packet->answers->len == 0)
    return FALSE;
  rr = g_ptr_array_index (packet->answers, 0);
  for (guint i = 0; i < resolver->requests->len && req == NULL; i++) {
    Request *r = g_ptr_array_index (resolver->requests, i);

    if (r->trn_id == packet->trn_id && nb_name_equal (&r->name, &rr->name)
        && source_ok (r, src_ipv4))
      req = r;
  }
  if (req == NULL)
    return FALSE;

  if (req->kind == KIND_STATUS) {
    if (packet->rcode != NB_NS_RCODE_OK || rr->kind != NB_NS_RDATA_STATUS)
      return TRUE; /* nothing we can use; keep waiting */
    complete (resolver, req, NB_QUERY_STATUS_FOUND, rr->status, now_us);
  } else {
    handle_query_response (resolver, req, packet, rr, src_ipv4, now_us);
  }
  rearm (resolver);
  return TRUE;
}

gboolean
nb_resolver_receive (NbResolver *resolver, const guint8 *data, gsize len, guint32 src_ipv4,
                     guint16 src_port, gint64 now_us)
{
  g_autoptr (NbNsPacket) packet = NULL;
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (resolver != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (!nb_ns_packet_parse (data, len, &packet, &error)) {
    g_debug ("resolver: dropping datagram from %s:%u: %s", _nb_engine_ipv4_str (src_ipv4),
             src_port, error->message);
    return FALSE;
  }
  return nb_resolver_receive_packet (resolver, packet, src_ipv4, src_port, now_us);
}

/* ---- unreachable destinations ----------------------------------------- */

/* Whether an ICMP destination unreachable about a datagram to
 * @dst_ipv4:@dst_port is about @req's current transmissions: a unicast
 * phase to that address and port, and (where the ICMP message quoted the
 * payload far enough) our NAME_TRN_ID, so that a late report about an
 * earlier request, or a forged one without our id, ends nothing. */
static gboolean
unreachable_matches (const Request *req, const guint8 *quoted, gsize quoted_len,
                     guint32 dst_ipv4, guint16 dst_port)
{
  const Phase *p = &req->phases[req->phase];
  guint16 quoted_id;

  if (req->cached || p->broadcast || p->dst != dst_ipv4 || p->port != dst_port)
    return FALSE;
  if (nb_ns_peek_trn_id (quoted, quoted_len, &quoted_id) && quoted_id != req->trn_id)
    return FALSE;
  return TRUE;
}

gboolean
nb_resolver_unreachable (NbResolver *resolver, const guint8 *quoted, gsize quoted_len,
                         guint32 dst_ipv4, guint16 dst_port, int error_code, gint64 now_us)
{
  Request *req = NULL;

  g_return_val_if_fail (resolver != NULL, FALSE);
  g_return_val_if_fail (quoted != NULL || quoted_len == 0, FALSE);

  for (guint i = 0; i < resolver->requests->len && req == NULL; i++) {
    Request *r = g_ptr_array_index (resolver->requests, i);

    if (unreachable_matches (r, quoted, quoted_len, dst_ipv4, dst_port))
      req = r;
  }
  if (req == NULL)
    return FALSE;
  g_debug ("resolver: %s:%u unreachable (%s): no retransmissions to it",
           _nb_engine_ipv4_str (dst_ipv4), dst_port, g_strerror (error_code));
  /* The verdict of the host (or a router) on this destination: what is
   * left of the phase would only draw the same answer. */
  req->n_unreachable++;
  req->unreachable_ipv4 = dst_ipv4;
  req->unreachable_port = dst_port;
  req->unreachable_errno = error_code;
  next_phase (resolver, req, now_us);
  rearm (resolver);
  return TRUE;
}

/* ---- GLib adapter ----------------------------------------------------- */

static gint64
timer_next_deadline (gpointer engine)
{
  return nb_resolver_next_deadline (engine);
}

static void
timer_tick (gpointer engine, gint64 now_us)
{
  nb_resolver_tick (engine, now_us);
}

void
nb_resolver_attach (NbResolver *resolver, GMainContext *context)
{
  g_return_if_fail (resolver != NULL);

  nb_resolver_detach (resolver);
  resolver->timer = nb_engine_timer_new (context, timer_next_deadline, timer_tick, resolver);
}

void
nb_resolver_detach (NbResolver *resolver)
{
  g_return_if_fail (resolver != NULL);
  g_clear_pointer (&resolver->timer, nb_engine_timer_free);
}

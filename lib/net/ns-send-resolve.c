/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Name resolution for the sender: the name engine's #NbResolver on UDP
 * endpoints of lib/net, plus the host resolver (GResolver).
 *
 * One resolver per interface broadcasts NAME<03> queries on that
 * interface's subnet (B-node behaviour, RFC 1001 §10.1); one more, on an
 * ephemeral socket bound to any address, asks the WINS servers and sends
 * node status requests. The order of broadcast and WINS follows the node
 * type (PROTOCOL.md §1.4.7): B broadcast; P WINS; M broadcast then WINS;
 * H WINS then broadcast. */
#include "ns-send-private.h"

#include <string.h>

/* NetBIOS queries may use this share of a recipient's remaining budget;
 * the rest is for the host resolver and to end before the deadline. */
#define QUERY_BUDGET_PERCENT 80
/* Shortest retry interval a tight budget scales the queries down to. */
#define MIN_QUERY_INTERVAL_US (10 * G_GINT64_CONSTANT (1000))
/* Names a sender remembers (TTL-bound, nb-resolver.h): a run to many
 * names resolves each once, and a workgroup's hosts found by COLLECT are
 * not asked for again when the send resolves them by name. */
#define SENDER_CACHE_SIZE 256

typedef struct {
  NsUdpEndpoint *ep;
  NbResolver *resolver;
} Slot;

struct _NsSendNet {
  GPtrArray *iface_slots; /* Slot*, parallel to sender->ifaces */
  Slot *unicast;
};

static void
slot_free (Slot *slot)
{
  if (slot == NULL)
    return;
  /* The resolver sends through the endpoint: free it first. */
  nb_resolver_free (slot->resolver);
  ns_udp_endpoint_free (slot->ep);
  g_free (slot);
}

void
_ns_send_net_free (NsSendNet *net)
{
  if (net == NULL)
    return;
  g_clear_pointer (&net->iface_slots, g_ptr_array_unref);
  slot_free (net->unicast);
  g_free (net);
}

static void
on_datagram (NsUdpEndpoint *ep, const guint8 *data, gsize len, guint32 src_ipv4,
             guint16 src_port, gboolean to_broadcast, gpointer user_data)
{
  Slot *slot = user_data;

  nb_resolver_receive (slot->resolver, data, len, src_ipv4, src_port,
                       g_get_monotonic_time ());
}

/* ICMP destination unreachable about one of the resolver's requests (a
 * node status request to a host without a name service, a WINS server that
 * is down): the resolver ends or fails over at once (nb-resolver.h). */
static void
on_unreachable (NsUdpEndpoint *ep, guint32 dst_ipv4, guint16 dst_port, int error_code,
                const guint8 *quoted, gsize quoted_len, gpointer user_data)
{
  Slot *slot = user_data;

  nb_resolver_unreachable (slot->resolver, quoted, quoted_len, dst_ipv4, dst_port, error_code,
                           g_get_monotonic_time ());
}

static Slot *
slot_new (const NsIface *iface, const NbResolverConfig *config, GError **error)
{
  Slot *slot = g_new0 (Slot, 1);
  NbTransport transport;

  /* An ephemeral port: answers come back to it; no privilege needed. */
  slot->ep = ns_udp_endpoint_new (iface, 0, NS_UDP_NONE, error);
  if (slot->ep == NULL) {
    g_free (slot);
    return NULL;
  }
  ns_udp_endpoint_get_transport (slot->ep, &transport);
  slot->resolver = nb_resolver_new (config, &transport, error);
  if (slot->resolver == NULL) {
    ns_udp_endpoint_free (slot->ep);
    g_free (slot);
    return NULL;
  }
  ns_udp_endpoint_set_receive_func (slot->ep, on_datagram, slot, NULL);
  ns_udp_endpoint_set_unreachable_func (slot->ep, on_unreachable, slot, NULL);
  nb_resolver_attach (slot->resolver, g_main_context_get_thread_default ());
  return slot;
}

gboolean
_ns_send_net_ensure (NsSender *sender, GError **error)
{
  g_autoptr (GError) local = NULL;
  NsSendNet *net;
  NbResolverConfig config;
  NsIface any = { (char *) "any", 0, 0, 0, 0, FALSE, { 0 } };

  if (sender->net != NULL)
    return TRUE;
  net = g_new0 (NsSendNet, 1);
  net->iface_slots = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
  for (guint i = 0; i < sender->ifaces->len; i++) {
    const NsIface *iface = g_ptr_array_index (sender->ifaces, i);
    Slot *slot;

    nb_resolver_config_init (&config);
    config.broadcast = iface->broadcast;
    config.port = sender->port_ns;
    config.node_type = NB_NODE_B;
    config.cache_size = SENDER_CACHE_SIZE;
    slot = slot_new (iface, &config, &local);
    if (slot == NULL)
      goto fail;
    g_ptr_array_add (net->iface_slots, slot);
  }
  nb_resolver_config_init (&config);
  config.port = sender->port_ns;
  config.node_type = sender->n_wins > 0 ? NB_NODE_P : NB_NODE_B;
  memcpy (config.wins_servers, sender->wins, sizeof sender->wins);
  config.n_wins_servers = sender->n_wins;
  config.cache_size = SENDER_CACHE_SIZE;
  net->unicast = slot_new (&any, &config, &local);
  if (net->unicast == NULL)
    goto fail;
  sender->net = net;
  return TRUE;

fail:
  _ns_send_net_free (net);
  g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_NETWORK,
               "cannot open a name service socket: %s", local->message);
  return FALSE;
}

NsUdpEndpoint *
_ns_send_net_iface_endpoint (NsSender *sender, guint index)
{
  Slot *slot;

  g_return_val_if_fail (sender->net != NULL, NULL);
  g_return_val_if_fail (index < sender->net->iface_slots->len, NULL);
  slot = g_ptr_array_index (sender->net->iface_slots, index);
  return slot->ep;
}

/* ---- NetBIOS name queries ------------------------------------------------ */

typedef enum {
  PHASE_BROADCAST,
  PHASE_WINS,
  PHASE_HOST,
} Phase;

typedef struct {
  NbResolver *resolver;
  guint id;
} Pending;

typedef struct {
  NsSender *sender;
  GTask *task;
  NsOpGuard guard;
  gboolean done;
  NbQueryFlags flags;
  NbName name;
  char *host;
  Phase phases[3];
  guint n_phases;
  guint phase;
  GArray *pending; /* Pending */
  GArray *found;   /* guint32, distinct */
  GString *tried;  /* what was asked, for the error message */
  gint64 deadline_us;       /* 0 = none */
  gint64 bcast_interval_us; /* retry intervals, fitted to the deadline */
  gint64 ucast_interval_us;
  gboolean netbios_asked;   /* a NetBIOS phase ran and ended unanswered */
  gboolean host_running;    /* the host resolver phase is under way */
} ResolveOp;

static void
resolve_op_free (ResolveOp *op)
{
  _ns_op_guard_clear (&op->guard);
  g_free (op->host);
  g_array_unref (op->pending);
  g_array_unref (op->found);
  g_string_free (op->tried, TRUE);
  _ns_sender_unref (op->sender);
  g_free (op);
}

static void
cancel_pending (ResolveOp *op)
{
  for (guint i = 0; i < op->pending->len; i++) {
    Pending *p = &g_array_index (op->pending, Pending, i);

    nb_resolver_cancel (p->resolver, p->id);
  }
  g_array_set_size (op->pending, 0);
}

/* Ends @op (takes @error); drops the op's task reference. */
static void
resolve_op_return (ResolveOp *op, GError *error)
{
  GTask *task = op->task;

  op->done = TRUE;
  cancel_pending (op);
  _ns_op_guard_clear (&op->guard);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
resolve_abort (gpointer data, gboolean timed_out)
{
  ResolveOp *op = data;
  g_autofree char *name = nb_name_to_display (&op->name, op->sender->codepage);
  g_autofree char *what = g_strdup_printf ("resolving %s", name);

  if (op->done)
    return;
  if (timed_out && op->host_running && op->netbios_asked) {
    /* NetBIOS said no within the budget; the host resolver (a slow DNS)
     * only ran out of time: the name is unknown, not late. */
    resolve_op_return (op, g_error_new (NS_SEND_ERROR, NS_SEND_ERROR_NAME_NOT_FOUND,
                                        "%s not found (%s%shost resolver: no answer in time)",
                                        name, op->tried->str, op->tried->len > 0 ? ", " : ""));
    return;
  }
  resolve_op_return (op, _ns_op_guard_error (&op->guard, what));
}

static void add_found (ResolveOp *op, guint32 ipv4);
static void next_phase (ResolveOp *op);

static void
on_query_done (NbResolver *resolver, const NbQueryResult *result, gpointer user_data)
{
  ResolveOp *op = user_data;

  for (guint i = 0; i < op->pending->len; i++) {
    Pending *p = &g_array_index (op->pending, Pending, i);

    if (p->resolver == resolver && p->id == result->id) {
      g_array_remove_index_fast (op->pending, i);
      break;
    }
  }
  for (guint i = 0; i < result->n_entries; i++)
    add_found (op, result->entries[i].ipv4);
  if (result->status == NB_QUERY_STATUS_NOT_FOUND) {
    g_autofree char *responder = ns_ipv4_to_string (result->responder);

    g_string_append_printf (op->tried, "%s(negative answer from %s)",
                            op->tried->len > 0 ? ", " : "", responder);
  }
  if (result->unreachable_ipv4 != 0) {
    /* A WINS server that is down (ICMP destination unreachable): the
     * resolver moved on at once; say why it could not be asked. */
    g_autofree char *why = _ns_send_unreachable_text (result->unreachable_ipv4,
                                                      result->unreachable_port,
                                                      result->unreachable_errno);

    g_string_append_printf (op->tried, "%s(%s)", op->tried->len > 0 ? ", " : "", why);
  }
  if (op->found->len > 0 && !(op->flags & NB_QUERY_FLAG_COLLECT)) {
    resolve_op_return (op, NULL);
    return;
  }
  if (op->pending->len == 0)
    next_phase (op);
}

static void
add_found (ResolveOp *op, guint32 ipv4)
{
  for (guint i = 0; i < op->found->len; i++) {
    if (g_array_index (op->found, guint32, i) == ipv4)
      return;
  }
  /* A group name answered by WINS as 255.255.255.255 is no host. */
  if (ipv4 != 0 && ipv4 != 0xffffffffu)
    g_array_append_val (op->found, ipv4);
}

static gboolean
start_query (ResolveOp *op, NbResolver *resolver, const NbQueryOptions *options)
{
  g_autoptr (GError) local = NULL;
  Pending p = { resolver, 0 };

  p.id = nb_resolver_query (resolver, &op->name, options, g_get_monotonic_time (),
                            on_query_done, op, &local);
  if (p.id == 0) {
    g_debug ("ns-send: query not started: %s", local->message);
    return FALSE;
  }
  g_array_append_val (op->pending, p);
  return TRUE;
}

static void
start_broadcast (ResolveOp *op)
{
  NsSendNet *net = op->sender->net;
  NbQueryOptions options = { NB_QUERY_BROADCAST, 0, 0, op->flags, 0, op->bcast_interval_us };

  for (guint i = 0; i < net->iface_slots->len; i++) {
    Slot *slot = g_ptr_array_index (net->iface_slots, i);
    const NsIface *iface = ns_udp_endpoint_get_iface (slot->ep);
    g_autofree char *bcast = NULL;

    if (!start_query (op, slot->resolver, &options))
      continue;
    bcast = ns_ipv4_to_string (iface->broadcast);
    g_string_append_printf (op->tried, "%sbroadcast on %s (%s)", op->tried->len ? ", " : "",
                            iface->name, bcast);
  }
}

static void
start_wins (ResolveOp *op)
{
  /* With COLLECT, WINS hands back the member list of a group where it
   * keeps one (internet groups, MS-NBTE §3.2.5.1); an ordinary group comes
   * back as the broadcast address, which add_found() drops. */
  NbQueryOptions options = { NB_QUERY_AUTO, 0, 0, op->flags, 0, op->ucast_interval_us };

  if (start_query (op, op->sender->net->unicast->resolver, &options)) {
    g_string_append_printf (op->tried, "%sWINS", op->tried->len ? ", " : "");
    for (guint i = 0; i < op->sender->n_wins; i++) {
      g_autofree char *wins = ns_ipv4_to_string (op->sender->wins[i]);

      g_string_append_printf (op->tried, " %s", wins);
    }
  }
}

static void
on_host_resolved (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ResolveOp *op = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  GList *list = g_resolver_lookup_by_name_finish (G_RESOLVER (source), res, &error);

  for (GList *l = list; l != NULL; l = l->next) {
    guint32 ipv4;

    if (_ns_inet_address_get_ipv4 (l->data, &ipv4))
      add_found (op, ipv4);
  }
  g_resolver_free_addresses (list);
  if (op->done)
    return;
  op->host_running = FALSE;
  g_string_append_printf (op->tried, "%shost resolver (%s)", op->tried->len ? ", " : "",
                          error != NULL ? error->message : "no IPv4 address");
  if (op->found->len > 0)
    resolve_op_return (op, NULL);
  else
    next_phase (op);
}

static void
next_phase (ResolveOp *op)
{
  while (op->phase < op->n_phases && op->pending->len == 0) {
    Phase phase = op->phases[op->phase++];

    if (phase == PHASE_BROADCAST) {
      start_broadcast (op);
      op->netbios_asked = TRUE;
    } else if (phase == PHASE_WINS) {
      start_wins (op);
      op->netbios_asked = TRUE;
    } else {
      g_autoptr (GResolver) resolver = g_resolver_get_default ();

      op->host_running = TRUE;

      g_resolver_lookup_by_name_async (resolver, op->host, op->guard.cancel, on_host_resolved,
                                       g_object_ref (op->task));
      return;
    }
  }
  if (op->pending->len > 0)
    return;
  if (op->found->len > 0) {
    resolve_op_return (op, NULL);
    return;
  }
  {
    g_autofree char *name = nb_name_to_display (&op->name, op->sender->codepage);

    resolve_op_return (op, g_error_new (NS_SEND_ERROR, NS_SEND_ERROR_NAME_NOT_FOUND,
                                        "%s not found (%s)", name,
                                        op->tried->len > 0 ? op->tried->str
                                                           : "no interface to ask on"));
  }
}

static ResolveOp *
resolve_op_new (NsSender *sender, const NbName *name, const char *host, NbQueryFlags flags,
                gint64 deadline_us, GCancellable *cancellable, GAsyncReadyCallback callback,
                gpointer user_data, gpointer tag)
{
  ResolveOp *op = g_new0 (ResolveOp, 1);

  op->sender = _ns_sender_ref (sender);
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, tag);
  g_task_set_task_data (op->task, op, (GDestroyNotify) resolve_op_free);
  op->name = *name;
  op->host = g_strdup (host);
  op->flags = flags;
  op->pending = g_array_new (FALSE, FALSE, sizeof (Pending));
  op->found = g_array_new (FALSE, FALSE, sizeof (guint32));
  op->tried = g_string_new (NULL);
  op->deadline_us = deadline_us;
  op->bcast_interval_us = NB_RESOLVER_BCAST_INTERVAL_US;
  op->ucast_interval_us = NB_RESOLVER_UCAST_INTERVAL_US;
  _ns_op_guard_init (&op->guard, sender, cancellable, deadline_us, resolve_abort, op);
  return op;
}

/* Fits the retry intervals of the planned NetBIOS phases into the budget
 * (QUERY_BUDGET_PERCENT of what is left), so that a name nobody answers
 * ends as "not found" (NERR 2273) before the deadline, not as a timeout:
 * by default a broadcast phase takes 3 x 750 ms and each WINS server
 * 3 x 1.5 s (nb-resolver.h). Fewer transmissions would lose more to one
 * dropped datagram; shorter waits only cost late answers. */
static void
fit_intervals (ResolveOp *op)
{
  gint64 needed = 0;
  gint64 budget;

  for (guint i = 0; i < op->n_phases; i++) {
    if (op->phases[i] == PHASE_BROADCAST)
      needed += NB_RESOLVER_BCAST_COUNT * NB_RESOLVER_BCAST_INTERVAL_US;
    else if (op->phases[i] == PHASE_WINS)
      needed += (gint64) op->sender->n_wins * NB_RESOLVER_UCAST_COUNT *
                NB_RESOLVER_UCAST_INTERVAL_US;
  }
  if (op->deadline_us <= 0 || needed == 0)
    return;
  budget = MAX (0, op->deadline_us - g_get_monotonic_time ()) / 100 * QUERY_BUDGET_PERCENT;
  if (budget >= needed)
    return;
  /* Scaled alike: each phase keeps its share of the whole. */
  op->bcast_interval_us = MAX (MIN_QUERY_INTERVAL_US,
                               NB_RESOLVER_BCAST_INTERVAL_US * budget / needed);
  op->ucast_interval_us = MAX (MIN_QUERY_INTERVAL_US,
                               NB_RESOLVER_UCAST_INTERVAL_US * budget / needed);
}

/* Phases for @node_type (PROTOCOL.md §1.4.7), then the host resolver. */
static void
plan_phases (ResolveOp *op)
{
  NsSender *sender = op->sender;
  gboolean bcast = sender->ifaces->len > 0;
  gboolean wins = sender->n_wins > 0;

  switch (sender->node_type) {
    case NB_NODE_P:
      op->phases[op->n_phases++] = PHASE_WINS;
      break;
    case NB_NODE_M:
      if (bcast)
        op->phases[op->n_phases++] = PHASE_BROADCAST;
      if (wins)
        op->phases[op->n_phases++] = PHASE_WINS;
      break;
    case NB_NODE_H:
      if (wins)
        op->phases[op->n_phases++] = PHASE_WINS;
      if (bcast)
        op->phases[op->n_phases++] = PHASE_BROADCAST;
      break;
    case NB_NODE_B:
    default:
      if (bcast)
        op->phases[op->n_phases++] = PHASE_BROADCAST;
      break;
  }
  if (op->host != NULL)
    op->phases[op->n_phases++] = PHASE_HOST;
}

void
_ns_send_resolve_async (NsSender *sender, const NbName *name, const char *host,
                        gint64 deadline_us, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  ResolveOp *op = resolve_op_new (sender, name, host, NB_QUERY_FLAG_NONE, deadline_us,
                                  cancellable, callback, user_data, _ns_send_resolve_async);
  GError *error = NULL;

  if (!_ns_send_net_ensure (sender, &error)) {
    resolve_op_return (op, error);
    return;
  }
  plan_phases (op);
  fit_intervals (op);
  next_phase (op);
}

gboolean
_ns_send_resolve_finish (GAsyncResult *result, guint32 *ret_ipv4, GError **error)
{
  GTask *task = G_TASK (result);
  ResolveOp *op = g_task_get_task_data (task);

  if (!g_task_propagate_boolean (task, error))
    return FALSE;
  *ret_ipv4 = g_array_index (op->found, guint32, 0);
  return TRUE;
}

void
_ns_send_lookup_host_async (NsSender *sender, const char *host, gint64 deadline_us,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  NbName none;
  ResolveOp *op;
  guint32 ipv4;

  memset (&none, 0, sizeof none);
  op = resolve_op_new (sender, &none, host, NB_QUERY_FLAG_NONE, deadline_us, cancellable,
                       callback, user_data, _ns_send_lookup_host_async);
  if (ns_ipv4_from_string (host, &ipv4)) {
    add_found (op, ipv4);
    resolve_op_return (op, NULL);
    return;
  }
  op->phases[op->n_phases++] = PHASE_HOST;
  next_phase (op);
}

gboolean
_ns_send_lookup_host_finish (GAsyncResult *result, guint32 *ret_ipv4, GError **error)
{
  GTask *task = G_TASK (result);
  ResolveOp *op = g_task_get_task_data (task);
  g_autoptr (GError) local = NULL;

  if (!g_task_propagate_boolean (task, &local)) {
    if (g_error_matches (local, NS_SEND_ERROR, NS_SEND_ERROR_NAME_NOT_FOUND))
      g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_NAME_NOT_FOUND,
                   "host %s not found (%s)", op->host, op->tried->str);
    else
      g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  *ret_ipv4 = g_array_index (op->found, guint32, 0);
  return TRUE;
}

void
_ns_send_collect_async (NsSender *sender, const NbName *group, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  ResolveOp *op = resolve_op_new (sender, group, NULL, NB_QUERY_FLAG_COLLECT, 0, cancellable,
                                  callback, user_data, _ns_send_collect_async);
  GError *error = NULL;

  if (!_ns_send_net_ensure (sender, &error)) {
    resolve_op_return (op, error);
    return;
  }
  /* The node type's phases (WINS, broadcast or both), all run: COLLECT
   * keeps the union of what each phase found. */
  plan_phases (op);
  next_phase (op);
}

GArray *
_ns_send_collect_finish (GAsyncResult *result, GError **error)
{
  GTask *task = G_TASK (result);
  ResolveOp *op = g_task_get_task_data (task);
  g_autoptr (GError) local = NULL;

  if (!g_task_propagate_boolean (task, &local) &&
      !g_error_matches (local, NS_SEND_ERROR, NS_SEND_ERROR_NAME_NOT_FOUND)) {
    g_propagate_error (error, g_steal_pointer (&local));
    return NULL;
  }
  return g_array_ref (op->found);
}

/* ---- Node status ------------------------------------------------------------ */

typedef struct {
  NsSender *sender;
  GTask *task;
  NsOpGuard guard;
  guint id;
  gboolean done;
  guint32 ipv4;
  char *name; /* the answer */
  char *unreachable; /* why nobody could be asked, for the caller's error text */
} StatusOp;

static void
status_op_free (StatusOp *op)
{
  _ns_op_guard_clear (&op->guard);
  g_free (op->name);
  g_free (op->unreachable);
  _ns_sender_unref (op->sender);
  g_free (op);
}

static void
status_op_return (StatusOp *op, GError *error)
{
  GTask *task = op->task;

  op->done = TRUE;
  if (op->id != 0)
    nb_resolver_cancel (op->sender->net->unicast->resolver, op->id);
  op->id = 0;
  _ns_op_guard_clear (&op->guard);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (op->name), g_free);
  g_object_unref (task);
}

static void
status_abort (gpointer data, gboolean timed_out)
{
  StatusOp *op = data;

  if (op->done)
    return;
  /* A silent node is not an error here: the caller falls back. */
  if (timed_out)
    status_op_return (op, NULL);
  else
    status_op_return (op, _ns_op_guard_error (&op->guard, "asking for the node's names"));
}

static void
on_status_done (NbResolver *resolver, const NbNodeStatusResult *result, gpointer user_data)
{
  StatusOp *op = user_data;

  op->id = 0;
  if (result->status == NB_QUERY_STATUS_UNREACHABLE)
    /* Nothing listens on the name-service port there (an smbd without
     * nmbd answers ICMP port unreachable): no name to learn, and no reason
     * to wait for one. Not an error either: the caller calls *SMBSERVER. */
    op->unreachable = _ns_send_unreachable_text (op->ipv4, op->sender->port_ns,
                                                 result->unreachable_errno);
  if (result->status == NB_QUERY_STATUS_FOUND && result->node_status != NULL) {
    GArray *names = result->node_status->names;

    /* The first unique <03> name: the computer name comes first on
     * Windows and Samba (PROTOCOL.md §1.3). */
    for (guint i = 0; i < names->len; i++) {
      const NbNsStatusName *n = &g_array_index (names, NbNsStatusName, i);

      if (nb_name_suffix (&n->name) == NB_SUFFIX_MESSENGER && !(n->flags & NB_NS_NB_GROUP)) {
        op->name = nb_name_to_utf8 (&n->name, op->sender->codepage);
        break;
      }
    }
  }
  status_op_return (op, NULL);
}

void
_ns_send_node_status_async (NsSender *sender, guint32 ipv4, gint64 deadline_us,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  StatusOp *op = g_new0 (StatusOp, 1);
  GError *error = NULL;

  op->sender = _ns_sender_ref (sender);
  op->ipv4 = ipv4;
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, _ns_send_node_status_async);
  g_task_set_task_data (op->task, op, (GDestroyNotify) status_op_free);
  _ns_op_guard_init (&op->guard, sender, cancellable, deadline_us, status_abort, op);
  if (!_ns_send_net_ensure (sender, &error)) {
    status_op_return (op, error);
    return;
  }
  op->id = nb_resolver_node_status (sender->net->unicast->resolver, ipv4, sender->port_ns,
                                    NULL, g_get_monotonic_time (), on_status_done, op, &error);
  if (op->id == 0)
    status_op_return (op, g_error_new (NS_SEND_ERROR, NS_SEND_ERROR_NETWORK,
                                       "node status request: %s", error->message));
  g_clear_error (&error);
}

char *
_ns_send_node_status_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
_ns_send_node_status_unreachable (GAsyncResult *result)
{
  StatusOp *op = g_task_get_task_data (G_TASK (result));

  return op->unreachable;
}

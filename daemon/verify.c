/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Sender verification by node status; see verify.h. */

#define G_LOG_DOMAIN "netsendd"

#include "verify.h"

#include <netsend/nb-resolver.h>
#include <netsend/ns-net.h>

#include "policy.h"

typedef struct {
  NsVerifyFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
  char *from; /* normalised */
} Waiter;

typedef struct {
  NsVerifier *verifier;
  guint32 address;
  gint64 expires_us;  /* 0 while the request runs */
  gboolean answered;
  GPtrArray *names;   /* normalised unique names (char *) */
  GPtrArray *waiters; /* Waiter */
  guint request_id;
} Entry;

struct _NsVerifier {
  NsUdpEndpoint *endpoint;
  NbResolver *resolver;
  guint16 port;
  char *codepage;
  GHashTable *entries; /* address -> Entry */
  GQueue completions;  /* Waiter, with a verdict, answered from an idle source */
  GSource *idle;
};

typedef struct {
  Waiter *waiter;
  gboolean verified;
  const char *reason;
} Completion;

static void
waiter_free (Waiter *w)
{
  if (w->destroy != NULL)
    w->destroy (w->user_data);
  g_free (w->from);
  g_free (w);
}

static void
entry_free (Entry *e)
{
  if (e->request_id != 0)
    nb_resolver_cancel (e->verifier->resolver, e->request_id);
  g_ptr_array_unref (e->names);
  g_ptr_array_unref (e->waiters);
  g_free (e);
}

static gboolean
on_idle (gpointer user_data)
{
  NsVerifier *v = user_data;
  Completion *c;

  g_clear_pointer (&v->idle, g_source_unref);
  while ((c = g_queue_pop_head (&v->completions)) != NULL) {
    c->waiter->func (c->verified, c->reason, c->waiter->user_data);
    /* Answered: @destroy is only for checks that never are. */
    c->waiter->destroy = NULL;
    waiter_free (c->waiter);
    g_free (c);
  }
  return G_SOURCE_REMOVE;
}

/* Answers @w later, from the main loop (never inside the caller's call). */
static void
complete_later (NsVerifier *v, Waiter *w, gboolean verified, const char *reason)
{
  Completion *c = g_new0 (Completion, 1);

  c->waiter = w;
  c->verified = verified;
  c->reason = reason;
  g_queue_push_tail (&v->completions, c);
  if (v->idle == NULL) {
    v->idle = g_idle_source_new ();
    g_source_set_priority (v->idle, G_PRIORITY_DEFAULT);
    g_source_set_callback (v->idle, on_idle, v, NULL);
    g_source_attach (v->idle, g_main_context_get_thread_default ());
  }
}

static void
judge (NsVerifier *v, Entry *e, Waiter *w)
{
  if (!e->answered) {
    complete_later (v, w, FALSE, "no node status answer from the source");
    return;
  }
  for (guint i = 0; i < e->names->len; i++) {
    if (g_str_equal (g_ptr_array_index (e->names, i), w->from)) {
      complete_later (v, w, TRUE, NULL);
      return;
    }
  }
  complete_later (v, w, FALSE, "the sender name is not registered at the source");
}

static void
on_node_status (NbResolver *resolver, const NbNodeStatusResult *result, gpointer user_data)
{
  Entry *e = user_data;
  NsVerifier *v = e->verifier;
  gboolean found = result->status == NB_QUERY_STATUS_FOUND && result->node_status != NULL;

  e->request_id = 0;
  e->answered = found;
  e->expires_us = g_get_monotonic_time () + (found ? NS_VERIFY_CACHE_US : NS_VERIFY_NEGATIVE_CACHE_US);
  for (guint i = 0; found && i < result->node_status->names->len; i++) {
    const NbNsStatusName *n = &g_array_index (result->node_status->names, NbNsStatusName, i);
    g_autofree char *utf8 = NULL;

    /* A group name (WORKGROUP<00>) is nobody's own name. */
    if ((n->flags & NB_NS_NB_GROUP) != 0)
      continue;
    utf8 = nb_name_to_utf8 (&n->name, v->codepage);
    g_ptr_array_add (e->names, ns_name_normalize (utf8));
  }
  g_debug ("verify: node status of %u.%u.%u.%u: %s, %u unique names", e->address >> 24,
           (e->address >> 16) & 0xff, (e->address >> 8) & 0xff, e->address & 0xff,
           found ? "answered" : "no answer", e->names->len);
  while (e->waiters->len > 0)
    judge (v, e, g_ptr_array_steal_index (e->waiters, 0));
}

static void
on_datagram (NsUdpEndpoint *endpoint, const guint8 *data, gsize len, guint32 src_ipv4,
             guint16 src_port, gboolean to_broadcast, gpointer user_data)
{
  NsVerifier *v = user_data;

  nb_resolver_receive (v->resolver, data, len, src_ipv4, src_port, g_get_monotonic_time ());
}

/* ICMP destination unreachable: a node status request to a host without a
 * name service ends at once (nb-resolver.h) instead of after 3 x 1.5 s. */
static void
on_unreachable (NsUdpEndpoint *endpoint, guint32 dst_ipv4, guint16 dst_port, int error_code,
                const guint8 *quoted, gsize quoted_len, gpointer user_data)
{
  NsVerifier *v = user_data;

  nb_resolver_unreachable (v->resolver, quoted, quoted_len, dst_ipv4, dst_port, error_code,
                           g_get_monotonic_time ());
}

NsVerifier *
ns_verifier_new (guint16 port, const char *codepage, GError **error)
{
  g_autoptr (NsVerifier) v = g_new0 (NsVerifier, 1);
  NsIface any = { .name = (char *) "any" };
  NbResolverConfig rc;
  NbTransport transport;

  v->port = port;
  v->codepage = g_strdup (codepage);
  v->entries = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                      (GDestroyNotify) entry_free);
  g_queue_init (&v->completions);
  v->endpoint = ns_udp_endpoint_new (&any, 0, NS_UDP_NONE, error);
  if (v->endpoint == NULL)
    return NULL;
  nb_resolver_config_init (&rc);
  rc.port = port;
  ns_udp_endpoint_get_transport (v->endpoint, &transport);
  v->resolver = nb_resolver_new (&rc, &transport, error);
  if (v->resolver == NULL)
    return NULL;
  nb_resolver_attach (v->resolver, g_main_context_get_thread_default ());
  ns_udp_endpoint_set_receive_func (v->endpoint, on_datagram, v, NULL);
  ns_udp_endpoint_set_unreachable_func (v->endpoint, on_unreachable, v, NULL);
  return g_steal_pointer (&v);
}

void
ns_verifier_free (NsVerifier *v)
{
  Completion *c;

  if (v == NULL)
    return;
  if (v->idle != NULL) {
    g_source_destroy (v->idle);
    g_clear_pointer (&v->idle, g_source_unref);
  }
  while ((c = g_queue_pop_head (&v->completions)) != NULL) {
    waiter_free (c->waiter);
    g_free (c);
  }
  /* Entries cancel their requests; their waiters are destroyed unanswered. */
  g_clear_pointer (&v->entries, g_hash_table_unref);
  if (v->resolver != NULL) {
    nb_resolver_detach (v->resolver);
    nb_resolver_free (v->resolver);
  }
  ns_udp_endpoint_free (v->endpoint);
  g_free (v->codepage);
  g_free (v);
}

/* Keeps the cache bounded: expired entries go first, else any one that is
 * not waiting for an answer. */
static void
make_room (NsVerifier *v, gint64 now)
{
  GHashTableIter iter;
  Entry *e;
  gpointer victim = NULL;

  if (g_hash_table_size (v->entries) < NS_VERIFY_MAX_ENTRIES)
    return;
  g_hash_table_iter_init (&iter, v->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &e)) {
    if (e->request_id != 0)
      continue;
    if (e->expires_us <= now) {
      g_hash_table_iter_remove (&iter);
      continue;
    }
    if (victim == NULL)
      victim = GUINT_TO_POINTER (e->address);
  }
  if (g_hash_table_size (v->entries) >= NS_VERIFY_MAX_ENTRIES && victim != NULL)
    g_hash_table_remove (v->entries, victim);
}

static Entry *
start_request (NsVerifier *v, guint32 source, gint64 now)
{
  Entry *e = g_new0 (Entry, 1);
  g_autoptr (GError) error = NULL;

  e->verifier = v;
  e->address = source;
  e->names = g_ptr_array_new_with_free_func (g_free);
  e->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
  make_room (v, now);
  g_hash_table_replace (v->entries, GUINT_TO_POINTER (source), e);
  e->request_id = nb_resolver_node_status (v->resolver, source, v->port, NULL, now,
                                           on_node_status, e, &error);
  if (e->request_id == 0) {
    g_debug ("verify: cannot ask %u.%u.%u.%u: %s", source >> 24, (source >> 16) & 0xff,
             (source >> 8) & 0xff, source & 0xff, error->message);
    e->expires_us = now + NS_VERIFY_NEGATIVE_CACHE_US;
  }
  return e;
}

void
ns_verifier_check (NsVerifier *v, guint32 source, const char *from, NsVerifyFunc func,
                   gpointer user_data, GDestroyNotify destroy)
{
  gint64 now = g_get_monotonic_time ();
  Entry *e = g_hash_table_lookup (v->entries, GUINT_TO_POINTER (source));
  Waiter *w = g_new0 (Waiter, 1);

  w->func = func;
  w->user_data = user_data;
  w->destroy = destroy;
  w->from = ns_name_normalize (from);
  if (e != NULL && e->request_id == 0 && e->expires_us <= now)
    e = NULL; /* stale: ask again (replaces the entry) */
  if (e == NULL)
    e = start_request (v, source, now);
  if (e->request_id != 0)
    g_ptr_array_add (e->waiters, w);
  else
    judge (v, e, w);
}

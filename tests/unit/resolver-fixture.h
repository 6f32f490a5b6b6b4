/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The resolver fixture shared by test-resolver.c, test-resolver-wins.c and
 * test-resolver-unreachable.c:
 * a fake transport and clock, one resolver, and every result it reported. */

#include "engine-test.h"

typedef struct {
  guint id;
  NbQueryStatus status;
  NbName name;
  GArray *entries; /* NbNsAddrEntry */
  gboolean group;
  gboolean from_cache;
  guint32 ttl;
  guint32 responder;
  guint8 rcode;
  guint32 address;          /* node status */
  NbNsNodeStatus *node_status;
  gint64 at;
  guint32 unreachable_ipv4; /* queries: the last destination reported unreachable */
  int unreachable_errno;
} Res;

typedef struct {
  gint64 now;
  FakeTransport *ft;
  NbResolver *res;
  GArray *results; /* Res */
  gboolean requery;
} Fx;

static inline void
res_clear (gpointer data)
{
  Res *r = data;

  g_clear_pointer (&r->entries, g_array_unref);
  g_clear_pointer (&r->node_status, nb_ns_node_status_free);
}

static inline void
on_query (NbResolver *resolver, const NbQueryResult *result, gpointer user_data)
{
  Fx *fx = user_data;
  Res r = {
    .id = result->id,
    .status = result->status,
    .name = *result->name,
    .group = result->group,
    .from_cache = result->from_cache,
    .ttl = result->ttl,
    .responder = result->responder,
    .rcode = result->rcode,
    .at = fx->now,
    .unreachable_ipv4 = result->unreachable_ipv4,
    .unreachable_errno = result->unreachable_errno,
  };

  r.entries = g_array_new (FALSE, FALSE, sizeof (NbNsAddrEntry));
  g_array_append_vals (r.entries, result->entries, result->n_entries);
  g_array_append_val (fx->results, r);
  /* Re-entrancy: a caller may query again from inside the callback. */
  if (fx->requery) {
    NbName next = tname ("NEXT", 0x03);

    fx->requery = FALSE;
    assert_true (nb_resolver_query (resolver, &next, NULL, fx->now, on_query, fx, NULL) > 0);
  }
}

/* @bytes / @packet arriving from @src:@port. */
static inline gboolean
inject_bytes (Fx *fx, GBytes *bytes, guint32 src, guint16 port)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return nb_resolver_receive (fx->res, data, len, src, port, fx->now);
}

static inline gboolean
inject (Fx *fx, const NbNsPacket *packet, guint32 src, guint16 port)
{
  g_autoptr (GBytes) bytes = build_bytes (packet);

  return inject_bytes (fx, bytes, src, port);
}

/* A WINS server's answer (from port 137). */
static inline gboolean
inject_wins (Fx *fx, const NbNsPacket *packet, guint32 src)
{
  return inject (fx, packet, src, 137);
}

static inline void
on_status (NbResolver *resolver, const NbNodeStatusResult *result, gpointer user_data)
{
  Fx *fx = user_data;
  Res r = {
    .id = result->id,
    .status = result->status,
    .address = result->address,
    .at = fx->now,
    .unreachable_errno = result->unreachable_errno,
  };

  if (result->node_status != NULL)
    r.node_status = nb_ns_node_status_copy (result->node_status);
  g_array_append_val (fx->results, r);
}

static inline int
teardown (void **state)
{
  Fx *fx = *state;

  nb_resolver_free (fx->res);
  fake_transport_free (fx->ft);
  g_array_unref (fx->results);
  g_free (fx);
  return 0;
}

static inline void
run_until (Fx *fx, gint64 until)
{
  fake_clock_run_until (&fx->now, until, resolver_deadline, resolver_tick, fx->res);
}

static inline const Res *
result (Fx *fx, guint i)
{
  if (i >= fx->results->len)
    fail_msg ("expected result %u, have %u", i, fx->results->len);
  return &g_array_index (fx->results, Res, i);
}

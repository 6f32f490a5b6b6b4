/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The resolver with a fake transport and a fake clock: broadcast retries
 * and timeout, answers, duplicate answers, unicast queries, node status,
 * the node-type phases (WINS room), cancel and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "resolver-fixture.h"

#define BCAST_IP IP4 (10, 99, 0, 255)
#define PEERA_IP IP4 (10, 99, 0, 1)
#define OTHER_IP IP4 (10, 99, 0, 5)
#define WINS_IP IP4 (10, 99, 0, 3)

static NbResolver *
make_resolver (Fx *fx, NbNodeType type, guint n_wins)
{
  NbResolverConfig config;
  NbResolver *res;

  nb_resolver_config_init (&config);
  config.broadcast = BCAST_IP;
  config.node_type = type;
  for (guint i = 0; i < n_wins; i++)
    config.wins_servers[i] = WINS_IP + i;
  config.n_wins_servers = n_wins;
  res = nb_resolver_new (&config, &fx->ft->transport, NULL);
  assert_non_null (res);
  return res;
}

static int
setup (void **state)
{
  Fx *fx = g_new0 (Fx, 1);

  fx->now = T0;
  fx->ft = fake_transport_new (&fx->now);
  fx->results = g_array_new (FALSE, TRUE, sizeof (Res));
  g_array_set_clear_func (fx->results, res_clear);
  fx->res = make_resolver (fx, NB_NODE_B, 0);
  *state = fx;
  return 0;
}

static NbNsPacket *
answer (guint16 trn, const NbName *name, guint16 nb_flags, guint32 ip)
{
  NbNsAddrEntry e = { nb_flags, ip };

  return nb_ns_positive_query_response_new (trn, name, NB_NS_FLAG_RD, 300, &e, 1);
}

/* ---- broadcast -------------------------------------------------------- */

/* The request is nmblookup's of capture 02 byte for byte (0x0110, NB, IN)
 * with our NAME_TRN_ID; sent at 0, 750 and 1500 ms with the same id
 * (Windows: BcastNameQueryCount 3 x BcastQueryTimeout 750 ms); TIMEOUT at
 * 2250 ms. */
static void
test_broadcast_timeout (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (FakeSent) first = NULL;
  g_autoptr (GBytes) expected = NULL;
  guint id;

  id = nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL);
  assert_true (id > 0);
  first = pop_sent (fx->ft, BCAST_IP, 137, TRUE, T0);
  expected = golden_patched ("nbns-name-query-broadcast", "request", wire_trn_id (first->data),
                             -1);
  assert_bytes_equal (first->data, expected);
  assert_int_equal (nb_resolver_get_n_pending (fx->res), 1);

  run_until (fx, T0 + MS (2249));
  for (int i = 1; i <= 2; i++) {
    g_autoptr (FakeSent) again = pop_sent (fx->ft, BCAST_IP, 137, TRUE, T0 + MS (750) * i);

    assert_bytes_equal (again->data, expected);
  }
  assert_int_equal (fx->results->len, 0);
  run_until (fx, T0 + MS (2250));
  assert_int_equal (fx->results->len, 1);
  assert_int_equal (result (fx, 0)->id, id);
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_TIMEOUT);
  assert_true (result (fx, 0)->at == T0 + MS (2250));
  assert_int_equal (result (fx, 0)->entries->len, 0);
  assert_true (nb_name_equal (&result (fx, 0)->name, &name));
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_int_equal (nb_resolver_get_n_pending (fx->res), 0);
  assert_true (nb_resolver_next_deadline (fx->res) == NB_ENGINE_NO_DEADLINE);
}

/* nmbd's answer (0x8580: RA set, errata 9) ends the query at once; its
 * duplicate (nmbd answers twice, capture 02) finds no request any more. */
static void
test_broadcast_found_and_duplicate (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (FakeSent) first = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GBytes) dup = NULL;
  const Res *r;
  guint16 trn;

  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  first = pop_sent (fx->ft, BCAST_IP, 137, TRUE, T0);
  trn = wire_trn_id (first->data);
  reply = golden_patched ("nbns-name-query-broadcast", "response", trn, -1);
  dup = golden_patched ("nbns-name-query-broadcast", "duplicate response", trn, -1);

  fx->now += MS (1);
  assert_true (inject_bytes (fx, reply, PEERA_IP, 137));
  assert_int_equal (fx->results->len, 1);
  r = result (fx, 0);
  assert_int_equal (r->status, NB_QUERY_STATUS_FOUND);
  assert_int_equal (r->entries->len, 1);
  assert_int_equal (g_array_index (r->entries, NbNsAddrEntry, 0).ipv4, PEERA_IP);
  assert_int_equal (g_array_index (r->entries, NbNsAddrEntry, 0).flags, 0x0000);
  assert_false (r->group);
  assert_int_equal (r->ttl, 259200);
  assert_int_equal (r->responder, PEERA_IP);
  assert_true (r->at == T0 + MS (1));

  assert_false (inject_bytes (fx, dup, PEERA_IP, 137));
  run_until (fx, T0 + MS (10000));
  assert_int_equal (fx->results->len, 1);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* Collecting a group's members: nmbd's duplicate, the same member again
 * after a retransmission, and a second member give two distinct entries,
 * delivered once when the broadcast phase ends. */
static void
test_broadcast_collect_dedup (void **state)
{
  Fx *fx = *state;
  NbName group = tname ("PEERLAN", 0x00);
  NbQueryOptions opts = { .method = NB_QUERY_BROADCAST, .flags = NB_QUERY_FLAG_COLLECT };
  g_autoptr (NbNsPacket) q = NULL;
  g_autoptr (NbNsPacket) a1 = NULL;
  g_autoptr (NbNsPacket) a2 = NULL;
  const Res *r;

  assert_true (nb_resolver_query (fx->res, &group, &opts, fx->now, on_query, fx, NULL) > 0);
  q = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0);
  a1 = answer (q->trn_id, &group, NB_NS_NB_GROUP, PEERA_IP);
  a2 = answer (q->trn_id, &group, NB_NS_NB_GROUP, OTHER_IP);
  assert_true (inject (fx, a1, PEERA_IP, 137));
  assert_true (inject (fx, a1, PEERA_IP, 137));
  run_until (fx, T0 + MS (800));
  assert_true (inject (fx, a1, PEERA_IP, 137));
  assert_true (inject (fx, a2, OTHER_IP, 137));
  assert_int_equal (fx->results->len, 0);

  run_until (fx, T0 + MS (2250));
  assert_int_equal (fx->results->len, 1);
  r = result (fx, 0);
  assert_int_equal (r->status, NB_QUERY_STATUS_FOUND);
  assert_true (r->at == T0 + MS (2250));
  assert_true (r->group);
  assert_int_equal (r->entries->len, 2);
  assert_int_equal (g_array_index (r->entries, NbNsAddrEntry, 0).ipv4, PEERA_IP);
  assert_int_equal (g_array_index (r->entries, NbNsAddrEntry, 1).ipv4, OTHER_IP);
  assert_int_equal (g_array_index (r->entries, NbNsAddrEntry, 1).flags, NB_NS_NB_GROUP);
  assert_int_equal (r->responder, PEERA_IP);
  assert_int_equal (fake_transport_count (fx->ft), 2);
}

/* Not ours: another NAME_TRN_ID, another name, a request, or a negative
 * answer to a broadcast (one node's "no" does not speak for the rest). */
static void
test_broadcast_ignores (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  NbName other = tname ("OTHER", 0x03);
  g_autoptr (NbNsPacket) q = NULL;
  g_autoptr (NbNsPacket) wrong_trn = NULL;
  g_autoptr (NbNsPacket) wrong_name = NULL;
  g_autoptr (NbNsPacket) negative = NULL;

  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  q = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0);
  wrong_trn = answer (q->trn_id + 1, &name, 0, PEERA_IP);
  wrong_name = answer (q->trn_id, &other, 0, PEERA_IP);
  negative = nb_ns_negative_query_response_new (q->trn_id, &name, NB_NS_FLAG_RD,
                                                NB_NS_RCODE_NAM_ERR);
  assert_false (inject (fx, wrong_trn, PEERA_IP, 137));
  assert_false (inject (fx, wrong_name, PEERA_IP, 137));
  assert_false (inject (fx, q, PEERA_IP, 137));
  assert_true (inject (fx, negative, OTHER_IP, 137));
  assert_int_equal (fx->results->len, 0);
  run_until (fx, T0 + MS (2250));
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_TIMEOUT);
}

/* ---- unicast ---------------------------------------------------------- */

/* Unicast to a host (nmblookup -U): 0x0100, 3 x 1.5 s, answers only from
 * the host asked. */
static void
test_unicast_timeout (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  NbQueryOptions opts = { .method = NB_QUERY_UNICAST, .address = PEERA_IP };
  g_autoptr (FakeSent) first = NULL;
  g_autoptr (NbNsPacket) q = NULL;
  g_autoptr (NbNsPacket) spoof = NULL;

  assert_true (nb_resolver_query (fx->res, &name, &opts, fx->now, on_query, fx, NULL) > 0);
  first = pop_sent (fx->ft, PEERA_IP, 137, FALSE, T0);
  assert_int_equal (wire_flags (first->data), 0x0100);
  q = parse_bytes (first->data);
  spoof = answer (q->trn_id, &name, 0, OTHER_IP);
  assert_false (inject (fx, spoof, OTHER_IP, 137));

  run_until (fx, T0 + MS (4499));
  {
    g_autoptr (FakeSent) s2 = pop_sent (fx->ft, PEERA_IP, 137, FALSE, T0 + MS (1500));
    g_autoptr (FakeSent) s3 = pop_sent (fx->ft, PEERA_IP, 137, FALSE, T0 + MS (3000));

    assert_bytes_equal (s2->data, first->data);
    assert_bytes_equal (s3->data, first->data);
  }
  assert_int_equal (fx->results->len, 0);
  run_until (fx, T0 + MS (4500));
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_TIMEOUT);
  assert_true (result (fx, 0)->at == T0 + MS (4500));
}

/* The host (or a WINS server) says NAM_ERR: NOT_FOUND at once. */
static void
test_unicast_negative (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("NOSUCH", 0x03);
  NbQueryOptions opts = { .method = NB_QUERY_UNICAST, .address = WINS_IP };
  g_autoptr (NbNsPacket) q = NULL;
  g_autoptr (GBytes) negative = NULL;

  assert_true (nb_resolver_query (fx->res, &name, &opts, fx->now, on_query, fx, NULL) > 0);
  q = pop_packet (fx->ft, WINS_IP, 137, FALSE, T0);
  /* Samba's WINS answer of capture 09 (0x8583, NULL RR). */
  negative = golden_patched ("nbns-wins-query", "negative WINS response (NAM_ERR)", q->trn_id, -1);
  fx->now += MS (2);
  assert_true (inject_bytes (fx, negative, WINS_IP, 137));
  assert_int_equal (fx->results->len, 1);
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_NOT_FOUND);
  assert_int_equal (result (fx, 0)->rcode, NB_NS_RCODE_NAM_ERR);
  assert_int_equal (result (fx, 0)->entries->len, 0);
  run_until (fx, T0 + MS (10000));
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* Options override port, count and interval. */
static void
test_unicast_options (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  NbQueryOptions opts = {
    .method = NB_QUERY_UNICAST,
    .address = PEERA_IP,
    .port = 1137,
    .count = 2,
    .interval_us = MS (100),
  };
  g_autoptr (NbNsPacket) q = NULL;
  g_autoptr (NbNsPacket) a = NULL;

  assert_true (nb_resolver_query (fx->res, &name, &opts, fx->now, on_query, fx, NULL) > 0);
  run_until (fx, T0 + MS (199));
  g_clear_pointer (&q, nb_ns_packet_free);
  q = pop_packet (fx->ft, PEERA_IP, 1137, FALSE, T0);
  {
    g_autoptr (NbNsPacket) q2 = pop_packet (fx->ft, PEERA_IP, 1137, FALSE, T0 + MS (100));

    assert_int_equal (q2->trn_id, q->trn_id);
  }
  run_until (fx, T0 + MS (200));
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_TIMEOUT);

  /* A WINS-style positive answer from the host asked. */
  assert_true (nb_resolver_query (fx->res, &name, &opts, fx->now, on_query, fx, NULL) > 0);
  g_clear_pointer (&q, nb_ns_packet_free);
  q = pop_packet (fx->ft, PEERA_IP, 1137, FALSE, fx->now);
  a = answer (q->trn_id, &name, NB_NS_ONT_H, PEERA_IP);
  assert_true (inject (fx, a, PEERA_IP, 1137));
  assert_int_equal (result (fx, 1)->status, NB_QUERY_STATUS_FOUND);
  assert_int_equal (g_array_index (result (fx, 1)->entries, NbNsAddrEntry, 0).flags, NB_NS_ONT_H);
  assert_int_equal (result (fx, 1)->ttl, 300);
}

/* ---- node status ------------------------------------------------------ */

/* nmblookup -A's request (wildcard, flags 0x0000) byte for byte; nmbd's
 * answer gives the five names and the unit id. */
static void
test_node_status (void **state)
{
  Fx *fx = *state;
  g_autoptr (FakeSent) first = NULL;
  g_autoptr (GBytes) expected = NULL;
  g_autoptr (GBytes) reply = NULL;
  const Res *r;
  const NbNsStatusName *n;
  guint id;

  id = nb_resolver_node_status (fx->res, PEERA_IP, 0, NULL, fx->now, on_status, fx, NULL);
  assert_true (id > 0);
  first = pop_sent (fx->ft, PEERA_IP, 137, FALSE, T0);
  expected = golden_patched ("nbns-node-status",
                             "request (nmblookup -A: name \"*\" padded with NULs)",
                             wire_trn_id (first->data), -1);
  assert_bytes_equal (first->data, expected);

  reply = golden_patched ("nbns-node-status", "response", wire_trn_id (first->data), -1);
  assert_false (inject_bytes (fx, reply, OTHER_IP, 137));
  fx->now += MS (3);
  assert_true (inject_bytes (fx, reply, PEERA_IP, 137));
  assert_int_equal (fx->results->len, 1);
  r = result (fx, 0);
  assert_int_equal (r->id, id);
  assert_int_equal (r->status, NB_QUERY_STATUS_FOUND);
  assert_int_equal (r->address, PEERA_IP);
  assert_non_null (r->node_status);
  assert_int_equal (r->node_status->names->len, 5);
  n = &g_array_index (r->node_status->names, NbNsStatusName, 1);
  assert_memory_equal (n->name.bytes, "PEERA          \x03", 16);
  assert_int_equal (n->flags, 0x0400);
  n = &g_array_index (r->node_status->names, NbNsStatusName, 4);
  assert_memory_equal (n->name.bytes, "PEERLAN        \x1e", 16);
  assert_int_equal (n->flags, 0x8400);
  run_until (fx, T0 + MS (10000));
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* By name (nmblookup -S), and the timeout: 3 x 1.5 s. */
static void
test_node_status_timeout (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) q = NULL;

  assert_true (nb_resolver_node_status (fx->res, PEERA_IP, 0, &name, fx->now, on_status, fx,
                                        NULL) > 0);
  q = pop_packet (fx->ft, PEERA_IP, 137, FALSE, T0);
  assert_int_equal (q->flags, 0);
  assert_int_equal (nb_ns_packet_question (q)->type, NB_NS_TYPE_NBSTAT);
  assert_true (nb_name_equal (&nb_ns_packet_question (q)->name, &name));
  run_until (fx, T0 + MS (4500));
  assert_int_equal (fake_transport_count (fx->ft), 2);
  assert_int_equal (fx->results->len, 1);
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_TIMEOUT);
  assert_null (result (fx, 0)->node_status);
  assert_true (result (fx, 0)->at == T0 + MS (4500));
}

/* ---- node types (room for WINS) --------------------------------------- */

/* H-node: the WINS server first (unicast, 3 x 1.5 s), then broadcast
 * (3 x 750 ms), one NAME_TRN_ID throughout. */
static void
test_h_node_phases (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  guint16 trn;

  nb_resolver_free (fx->res);
  fx->res = make_resolver (fx, NB_NODE_H, 1);
  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  run_until (fx, T0 + MS (6749));
  {
    g_autoptr (FakeSent) w0 = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0);

    trn = wire_trn_id (w0->data);
    assert_int_equal (wire_flags (w0->data), 0x0100);
  }
  for (int i = 1; i < 3; i++) {
    g_autoptr (FakeSent) w = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0 + MS (1500) * i);

    assert_int_equal (wire_trn_id (w->data), trn);
  }
  for (int i = 0; i < 3; i++) {
    g_autoptr (FakeSent) b = pop_sent (fx->ft, BCAST_IP, 137, TRUE, T0 + MS (4500 + 750 * i));

    assert_int_equal (wire_trn_id (b->data), trn);
    assert_int_equal (wire_flags (b->data), 0x0110);
  }
  assert_int_equal (fx->results->len, 0);
  run_until (fx, T0 + MS (6750));
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_TIMEOUT);
}

/* H-node: WINS says NAM_ERR, the broadcast phase starts at once and finds
 * the name; if nobody answers the broadcast, the result is NOT_FOUND. */
static void
test_h_node_fallback (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) q = NULL;
  g_autoptr (NbNsPacket) neg = NULL;
  g_autoptr (NbNsPacket) pos = NULL;

  nb_resolver_free (fx->res);
  fx->res = make_resolver (fx, NB_NODE_H, 1);
  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  q = pop_packet (fx->ft, WINS_IP, 137, FALSE, T0);
  neg = nb_ns_negative_query_response_new (q->trn_id, &name, NB_NS_FLAG_RD | NB_NS_FLAG_RA,
                                           NB_NS_RCODE_NAM_ERR);
  pos = answer (q->trn_id, &name, 0, PEERA_IP);
  fx->now += MS (10);
  assert_true (inject (fx, neg, WINS_IP, 137));
  {
    g_autoptr (NbNsPacket) b = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0 + MS (10));

    assert_int_equal (b->trn_id, q->trn_id);
  }
  assert_true (inject (fx, pos, PEERA_IP, 137));
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_FOUND);

  /* Again, with a silent LAN. */
  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  g_clear_pointer (&q, nb_ns_packet_free);
  q = pop_packet (fx->ft, WINS_IP, 137, FALSE, fx->now);
  g_clear_pointer (&neg, nb_ns_packet_free);
  neg = nb_ns_negative_query_response_new (q->trn_id, &name, NB_NS_FLAG_RD, NB_NS_RCODE_NAM_ERR);
  assert_true (inject (fx, neg, WINS_IP, 137));
  run_until (fx, fx->now + MS (2250));
  assert_int_equal (result (fx, 1)->status, NB_QUERY_STATUS_NOT_FOUND);
  assert_int_equal (result (fx, 1)->rcode, NB_NS_RCODE_NAM_ERR);
}

/* M-node: broadcast first, then each WINS server; P-node: WINS only. */
static void
test_m_and_p_node_order (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);

  nb_resolver_free (fx->res);
  fx->res = make_resolver (fx, NB_NODE_M, 2);
  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  run_until (fx, T0 + MS (2250 + 4500 + 4500));
  assert_int_equal (fake_transport_count (fx->ft), 9);
  for (guint i = 0; i < 9; i++) {
    g_autoptr (FakeSent) s = fake_transport_pop (fx->ft);
    guint32 want = i < 3 ? BCAST_IP : (i < 6 ? WINS_IP : WINS_IP + 1);

    assert_int_equal (s->dst, want);
  }
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_TIMEOUT);
  assert_true (result (fx, 0)->at == T0 + MS (2250 + 4500 + 4500));

  nb_resolver_free (fx->res);
  fx->res = make_resolver (fx, NB_NODE_P, 1);
  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  run_until (fx, fx->now + MS (4500));
  assert_int_equal (fake_transport_count (fx->ft), 3);
  while (fake_transport_count (fx->ft) > 0) {
    g_autoptr (FakeSent) s = fake_transport_pop (fx->ft);

    assert_int_equal (s->dst, WINS_IP);
    assert_false (s->broadcast);
  }
}

/* ---- cancel, re-entrancy, errors -------------------------------------- */

static void
test_cancel (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) q = NULL;
  g_autoptr (NbNsPacket) a = NULL;
  guint id;

  id = nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL);
  q = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0);
  assert_true (nb_resolver_cancel (fx->res, id));
  assert_false (nb_resolver_cancel (fx->res, id));
  a = answer (q->trn_id, &name, 0, PEERA_IP);
  assert_false (inject (fx, a, PEERA_IP, 137));
  run_until (fx, T0 + MS (10000));
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_int_equal (fx->results->len, 0);
}

/* A callback may start another query; ids and NAME_TRN_IDs differ. */
static void
test_callback_requery (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  NbName next = tname ("NEXT", 0x03);
  g_autoptr (NbNsPacket) q1 = NULL;
  g_autoptr (NbNsPacket) q2 = NULL;
  g_autoptr (NbNsPacket) a = NULL;

  fx->requery = TRUE;
  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  q1 = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0);
  a = answer (q1->trn_id, &name, 0, PEERA_IP);
  assert_true (inject (fx, a, PEERA_IP, 137));
  q2 = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0);
  assert_true (nb_name_equal (&nb_ns_packet_question (q2)->name, &next));
  assert_int_not_equal (q1->trn_id, q2->trn_id);
  run_until (fx, T0 + MS (2250));
  assert_int_equal (fx->results->len, 2);
  assert_int_not_equal (result (fx, 0)->id, result (fx, 1)->id);
  assert_int_equal (result (fx, 1)->status, NB_QUERY_STATUS_TIMEOUT);
}

static void
test_errors (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  NbQueryOptions to_zero = { .method = NB_QUERY_UNICAST, .address = 0 };
  NbResolverConfig config;
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (GError) e3 = NULL;
  g_autoptr (GError) e4 = NULL;
  g_autoptr (GError) e5 = NULL;
  g_autoptr (NbResolver) no_bcast = NULL;
  guint i;

  assert_int_equal (nb_resolver_query (fx->res, &name, &to_zero, fx->now, on_query, fx, &e1), 0);
  assert_true (g_error_matches (e1, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT));
  assert_int_equal (nb_resolver_node_status (fx->res, 0, 0, NULL, fx->now, on_status, fx, &e2),
                    0);
  assert_true (g_error_matches (e2, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT));

  nb_resolver_config_init (&config);
  config.node_type = NB_NODE_P;
  assert_null (nb_resolver_new (&config, &fx->ft->transport, &e3));
  assert_true (g_error_matches (e3, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT));

  config.node_type = NB_NODE_B;
  no_bcast = nb_resolver_new (&config, &fx->ft->transport, NULL);
  assert_non_null (no_bcast);
  assert_int_equal (nb_resolver_query (no_bcast, &name, NULL, fx->now, on_query, fx, &e4), 0);
  assert_true (g_error_matches (e4, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT));

  for (i = 0; i < NB_RESOLVER_MAX_PENDING; i++)
    assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  assert_int_equal (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, &e5), 0);
  assert_true (g_error_matches (e5, NS_ENGINE_ERROR, NS_ENGINE_ERROR_TOO_MANY));
  assert_int_equal (nb_resolver_get_n_pending (fx->res), NB_RESOLVER_MAX_PENDING);
  /* Every one of them has its own NAME_TRN_ID. */
  {
    g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);

    while (fake_transport_count (fx->ft) > 0) {
      g_autoptr (FakeSent) s = fake_transport_pop (fx->ft);
      gpointer key = GUINT_TO_POINTER (wire_trn_id (s->data) + 1);

      assert_false (g_hash_table_contains (seen, key));
      g_hash_table_add (seen, key);
    }
    assert_int_equal (g_hash_table_size (seen), NB_RESOLVER_MAX_PENDING);
  }
}

/* ---- GLib adapter ----------------------------------------------------- */

static void
on_timeout_quit (NbResolver *resolver, const NbQueryResult *r, gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_assert_cmpint (r->status, ==, NB_QUERY_STATUS_TIMEOUT);
  g_main_loop_quit (loop);
}

/* Real clock, real context: two transmissions 50 ms apart, TIMEOUT after
 * about 100 ms, driven by NbEngineTimer alone. */
static void
test_attach_main_loop (void **state)
{
  Fx *fx = *state;
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (GMainLoop) loop = g_main_loop_new (ctx, FALSE);
  NbName name = tname ("PEERA", 0x03);
  NbQueryOptions opts = { .method = NB_QUERY_BROADCAST, .count = 2, .interval_us = MS (50) };
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  nb_resolver_attach (fx->res, ctx);
  assert_true (nb_resolver_query (fx->res, &name, &opts, start, on_timeout_quit, loop, NULL) > 0);
  g_main_loop_run (loop);
  took = g_get_monotonic_time () - start;
  assert_true (took >= MS (100));
  assert_true (took < MS (3000));
  assert_int_equal (fake_transport_count (fx->ft), 2);
  nb_resolver_detach (fx->res);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_broadcast_timeout, setup, teardown),
    cmocka_unit_test_setup_teardown (test_broadcast_found_and_duplicate, setup, teardown),
    cmocka_unit_test_setup_teardown (test_broadcast_collect_dedup, setup, teardown),
    cmocka_unit_test_setup_teardown (test_broadcast_ignores, setup, teardown),
    cmocka_unit_test_setup_teardown (test_unicast_timeout, setup, teardown),
    cmocka_unit_test_setup_teardown (test_unicast_negative, setup, teardown),
    cmocka_unit_test_setup_teardown (test_unicast_options, setup, teardown),
    cmocka_unit_test_setup_teardown (test_node_status, setup, teardown),
    cmocka_unit_test_setup_teardown (test_node_status_timeout, setup, teardown),
    cmocka_unit_test_setup_teardown (test_h_node_phases, setup, teardown),
    cmocka_unit_test_setup_teardown (test_h_node_fallback, setup, teardown),
    cmocka_unit_test_setup_teardown (test_m_and_p_node_order, setup, teardown),
    cmocka_unit_test_setup_teardown (test_cancel, setup, teardown),
    cmocka_unit_test_setup_teardown (test_callback_requery, setup, teardown),
    cmocka_unit_test_setup_teardown (test_errors, setup, teardown),
    cmocka_unit_test_setup_teardown (test_attach_main_loop, setup, teardown),
  };

  return cmocka_run_group_tests_name ("resolver", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The resolver's answer cache (TTL honoured and capped, expiry, eviction,
 * what is and is not cached) and member lists through WINS (COLLECT: a
 * group WINS stores as 255.255.255.255 goes on to the broadcast phase; a
 * listed group is taken from WINS), with a fake transport and clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "resolver-fixture.h"

#define BCAST_IP IP4 (10, 99, 0, 255)
#define PEERA_IP IP4 (10, 99, 0, 1)
#define PEERB_IP IP4 (10, 99, 0, 2)
#define WINS_IP IP4 (10, 99, 0, 3)
#define REMOTE_IP IP4 (10, 98, 0, 7)
#define ALL_ONES 0xffffffffu
#define S(n) ((gint64) (n) * G_USEC_PER_SEC)

static void
make (Fx *fx, NbNodeType type, guint n_wins, guint cache_size, guint32 cache_max_ttl)
{
  NbResolverConfig config;
  g_autoptr (GError) error = NULL;

  nb_resolver_free (fx->res);
  nb_resolver_config_init (&config);
  config.broadcast = BCAST_IP;
  config.node_type = type;
  config.wins_servers[0] = WINS_IP;
  config.n_wins_servers = n_wins;
  config.cache_size = cache_size;
  config.cache_max_ttl = cache_max_ttl;
  fx->res = nb_resolver_new (&config, &fx->ft->transport, &error);
  assert_null (error);
  assert_non_null (fx->res);
}

static int
setup (void **state)
{
  Fx *fx = g_new0 (Fx, 1);

  fx->now = T0;
  fx->ft = fake_transport_new (&fx->now);
  fx->results = g_array_new (FALSE, TRUE, sizeof (Res));
  g_array_set_clear_func (fx->results, res_clear);
  make (fx, NB_NODE_B, 0, 8, 0);
  *state = fx;
  return 0;
}

static guint32
entry_ip (const Res *r, guint i)
{
  assert_true (i < r->entries->len);
  return g_array_index (r->entries, NbNsAddrEntry, i).ipv4;
}

/* A positive answer to @request listing @n addresses with @nb_flags. */
static void
reply (Fx *fx, const NbNsPacket *request, guint32 src, guint32 ttl, guint16 nb_flags,
       const guint32 *ips, guint n)
{
  g_autofree NbNsAddrEntry *e = g_new0 (NbNsAddrEntry, n);
  g_autoptr (NbNsPacket) answer = NULL;

  for (guint i = 0; i < n; i++) {
    e[i].flags = nb_flags;
    e[i].ipv4 = ips[i];
  }
  answer = nb_ns_positive_query_response_new (request->trn_id,
                                              &nb_ns_packet_question (request)->name,
                                              NB_NS_FLAG_RD | NB_NS_FLAG_RA, ttl, e, n);
  assert_true (inject_wins (fx, answer, src));
}

/* Resolves @name by broadcast; PEERA answers with @ttl. */
static void
resolve_by_broadcast (Fx *fx, const NbName *name, guint32 ttl)
{
  static const guint32 peer[] = { PEERA_IP };
  g_autoptr (NbNsPacket) q = NULL;

  assert_true (nb_resolver_query (fx->res, name, NULL, fx->now, on_query, fx, NULL) > 0);
  q = pop_packet (fx->ft, BCAST_IP, 137, TRUE, fx->now);
  reply (fx, q, PEERA_IP, ttl, 0x0000, peer, 1);
}

/* ---- cache ------------------------------------------------------------ */

/* A second query within the TTL is answered from the cache: nothing sent,
 * the callback at the next tick (never inside nb_resolver_query), the TTL
 * what remains. After the TTL the network is asked again. */
static void
test_cache_hit_and_expiry (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  const Res *r;

  resolve_by_broadcast (fx, &name, 30);
  assert_false (result (fx, 0)->from_cache);
  assert_int_equal (nb_resolver_cache_get_size (fx->res, fx->now), 1);

  fx->now += S (10);
  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  assert_int_equal (fx->results->len, 1);
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_true (nb_resolver_next_deadline (fx->res) == fx->now);
  run_until (fx, fx->now);
  assert_int_equal (fx->results->len, 2);
  r = result (fx, 1);
  assert_int_equal (r->status, NB_QUERY_STATUS_FOUND);
  assert_true (r->from_cache);
  assert_int_equal (r->ttl, 20);
  assert_int_equal (entry_ip (r, 0), PEERA_IP);
  assert_int_equal (r->responder, PEERA_IP);
  assert_int_equal (fake_transport_count (fx->ft), 0);

  fx->now = T0 + S (30);
  assert_int_equal (nb_resolver_cache_get_size (fx->res, fx->now), 0);
  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  g_autoptr (FakeSent) again = pop_sent (fx->ft, BCAST_IP, 137, TRUE, fx->now);
}

/* nmbd's TTL of 3 days is capped at the cache's limit (default 600 s,
 * Windows' CacheTimeout); an answer with TTL 0 lives as long as the cap. */
static void
test_cache_ttl_cap (void **state)
{
  Fx *fx = *state;
  NbName a = tname ("PEERA", 0x03);
  NbName b = tname ("PEERB", 0x03);

  resolve_by_broadcast (fx, &a, 259200);
  resolve_by_broadcast (fx, &b, 0);
  fx->now = T0 + S (599);
  assert_int_equal (nb_resolver_cache_get_size (fx->res, fx->now), 2);
  fx->now = T0 + S (NB_RESOLVER_CACHE_MAX_TTL_DEFAULT);
  assert_int_equal (nb_resolver_cache_get_size (fx->res, fx->now), 0);

  /* A configured cap. */
  make (fx, NB_NODE_B, 0, 8, 5);
  fx->now = T0;
  resolve_by_broadcast (fx, &a, 259200);
  fx->now = T0 + S (5);
  assert_int_equal (nb_resolver_cache_get_size (fx->res, fx->now), 0);
}

/* Only NB_QUERY_AUTO answers are cached and used; NO_CACHE asks anyway
 * (and refreshes the entry); negative answers are not cached; forget. */
static void
test_cache_rules (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  NbName nosuch = tname ("NOSUCH", 0x03);
  NbQueryOptions bcast = { .method = NB_QUERY_BROADCAST };
  NbQueryOptions fresh = { .flags = NB_QUERY_FLAG_NO_CACHE };
  g_autoptr (NbNsPacket) q = NULL;

  assert_true (nb_resolver_query (fx->res, &name, &bcast, fx->now, on_query, fx, NULL) > 0);
  q = pop_packet (fx->ft, BCAST_IP, 137, TRUE, fx->now);
  reply (fx, q, PEERA_IP, 300, 0, (const guint32[]){ PEERA_IP }, 1);
  assert_int_equal (nb_resolver_cache_get_size (fx->res, fx->now), 0);

  resolve_by_broadcast (fx, &name, 300);
  assert_int_equal (nb_resolver_cache_get_size (fx->res, fx->now), 1);
  assert_true (nb_resolver_query (fx->res, &name, &fresh, fx->now, on_query, fx, NULL) > 0);
  assert_int_equal (fake_transport_count (fx->ft), 1);
  fake_transport_clear (fx->ft);

  nb_resolver_cache_forget (fx->res, &name);
  assert_int_equal (nb_resolver_cache_get_size (fx->res, fx->now), 0);

  /* P-node: WINS says NAM_ERR; the next query asks again. */
  make (fx, NB_NODE_P, 1, 8, 0);
  for (int i = 0; i < 2; i++) {
    g_autoptr (NbNsPacket) wq = NULL;
    g_autoptr (NbNsPacket) neg = NULL;

    assert_true (nb_resolver_query (fx->res, &nosuch, NULL, fx->now, on_query, fx, NULL) > 0);
    wq = pop_packet (fx->ft, WINS_IP, 137, FALSE, fx->now);
    neg = nb_ns_negative_query_response_new (wq->trn_id, &nosuch, NB_NS_FLAG_RD | NB_NS_FLAG_RA,
                                             NB_NS_RCODE_NAM_ERR);
    assert_true (inject_wins (fx, neg, WINS_IP));
    assert_int_equal (result (fx, fx->results->len - 1)->status, NB_QUERY_STATUS_NOT_FOUND);
  }
  assert_int_equal (nb_resolver_cache_get_size (fx->res, fx->now), 0);
}

/* A full cache drops the answer closest to expiry. */
static void
test_cache_eviction (void **state)
{
  Fx *fx = *state;
  NbName a = tname ("AAA", 0x03);
  NbName b = tname ("BBB", 0x03);
  NbName c = tname ("CCC", 0x03);

  make (fx, NB_NODE_B, 0, 2, 0);
  resolve_by_broadcast (fx, &a, 100);
  resolve_by_broadcast (fx, &b, 50);
  resolve_by_broadcast (fx, &c, 200);
  assert_int_equal (nb_resolver_cache_get_size (fx->res, fx->now), 2);
  /* b (50 s) went; a is still answered from the cache. */
  assert_true (nb_resolver_query (fx->res, &a, NULL, fx->now, on_query, fx, NULL) > 0);
  assert_true (nb_resolver_query (fx->res, &b, NULL, fx->now, on_query, fx, NULL) > 0);
  assert_int_equal (fake_transport_count (fx->ft), 1);
  g_autoptr (NbNsPacket) q = pop_packet (fx->ft, BCAST_IP, 137, TRUE, fx->now);
  assert_true (nb_name_equal (&nb_ns_packet_question (q)->name, &b));
}

/* A cache larger than NB_RESOLVER_CACHE_SIZE_MAX is refused. */
static void
test_cache_config (void **state)
{
  Fx *fx = *state;
  NbResolverConfig config;
  g_autoptr (GError) error = NULL;

  nb_resolver_config_init (&config);
  assert_int_equal (config.cache_size, 0);
  config.cache_size = NB_RESOLVER_CACHE_SIZE_MAX + 1;
  assert_null (nb_resolver_new (&config, &fx->ft->transport, &error));
  assert_true (g_error_matches (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT));
}

/* ---- member lists through WINS ---------------------------------------- */

/* H-node, COLLECT: WINS knows the group only as 255.255.255.255 (nmbd);
 * the broadcast phase starts at once and collects the members that
 * answer; the result lists them, not 255.255.255.255. */
static void
test_collect_wins_broadcast_group (void **state)
{
  Fx *fx = *state;
  NbName group = tname ("WORKGROUP", 0x00);
  NbQueryOptions opts = { .flags = NB_QUERY_FLAG_COLLECT };
  g_autoptr (NbNsPacket) wq = NULL;
  g_autoptr (NbNsPacket) bq = NULL;
  gint64 t1;
  const Res *r;

  make (fx, NB_NODE_H, 1, 0, 0);
  assert_true (nb_resolver_query (fx->res, &group, &opts, fx->now, on_query, fx, NULL) > 0);
  wq = pop_packet (fx->ft, WINS_IP, 137, FALSE, T0);
  assert_true (wq->flags & NB_NS_FLAG_RD);
  fx->now += MS (2);
  t1 = fx->now;
  reply (fx, wq, WINS_IP, 300, 0xe000, (const guint32[]){ ALL_ONES }, 1);
  assert_int_equal (fx->results->len, 0);
  bq = pop_packet (fx->ft, BCAST_IP, 137, TRUE, t1);
  reply (fx, bq, PEERA_IP, 300, 0xe000, (const guint32[]){ PEERA_IP }, 1);
  reply (fx, bq, PEERB_IP, 300, 0xe000, (const guint32[]){ PEERB_IP }, 1);
  run_until (fx, t1 + 3 * MS (750));
  assert_int_equal (fx->results->len, 1);
  r = result (fx, 0);
  assert_int_equal (r->status, NB_QUERY_STATUS_FOUND);
  assert_true (r->group);
  assert_int_equal (r->entries->len, 2);
  assert_int_equal (entry_ip (r, 0), PEERA_IP);
  assert_int_equal (entry_ip (r, 1), PEERB_IP);
}

/* A group WINS lists by member (a <1C>-style "internet group", or a server
 * that keeps members): the list comes from WINS, across subnets, without
 * a broadcast; a stray 255.255.255.255 in it is dropped. */
static void
test_collect_wins_member_list (void **state)
{
  Fx *fx = *state;
  NbName group = tname ("OFFICE", 0x1c);
  NbQueryOptions opts = { .flags = NB_QUERY_FLAG_COLLECT };
  g_autoptr (NbNsPacket) wq = NULL;
  const Res *r;

  make (fx, NB_NODE_H, 1, 8, 0);
  assert_true (nb_resolver_query (fx->res, &group, &opts, fx->now, on_query, fx, NULL) > 0);
  wq = pop_packet (fx->ft, WINS_IP, 137, FALSE, T0);
  reply (fx, wq, WINS_IP, 300, 0xe000, (const guint32[]){ PEERA_IP, REMOTE_IP, ALL_ONES }, 3);
  assert_int_equal (fx->results->len, 1);
  r = result (fx, 0);
  assert_int_equal (r->entries->len, 2);
  assert_int_equal (entry_ip (r, 0), PEERA_IP);
  assert_int_equal (entry_ip (r, 1), REMOTE_IP);
  assert_int_equal (r->responder, WINS_IP);
  assert_int_equal (fake_transport_count (fx->ft), 0);

  /* Cached as a member list (and only for COLLECT queries). */
  assert_true (nb_resolver_query (fx->res, &group, &opts, fx->now, on_query, fx, NULL) > 0);
  run_until (fx, fx->now);
  assert_true (result (fx, 1)->from_cache);
  assert_int_equal (result (fx, 1)->entries->len, 2);
  assert_true (nb_resolver_query (fx->res, &group, NULL, fx->now, on_query, fx, NULL) > 0);
  assert_int_equal (fake_transport_count (fx->ft), 1);
}

/* nmbd 4.17 answers an ordinary group with 0.0.0.0 (it means
 * 255.255.255.255): no member either; the broadcast phase collects. */
static void
test_collect_nmbd_zero_group (void **state)
{
  Fx *fx = *state;
  NbName group = tname ("WORKGROUP", 0x00);
  NbQueryOptions opts = { .flags = NB_QUERY_FLAG_COLLECT };
  g_autoptr (NbNsPacket) wq = NULL;
  g_autoptr (NbNsPacket) bq = NULL;
  const Res *r;

  make (fx, NB_NODE_H, 1, 0, 0);
  assert_true (nb_resolver_query (fx->res, &group, &opts, fx->now, on_query, fx, NULL) > 0);
  wq = pop_packet (fx->ft, WINS_IP, 137, FALSE, T0);
  reply (fx, wq, WINS_IP, 20, 0xe000, (const guint32[]){ 0 }, 1);
  bq = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0);
  reply (fx, bq, PEERB_IP, 300, 0xe000, (const guint32[]){ PEERB_IP }, 1);
  run_until (fx, T0 + S (3));
  r = result (fx, 0);
  assert_int_equal (r->entries->len, 1);
  assert_int_equal (entry_ip (r, 0), PEERB_IP);
}

/* Nobody answers the broadcast phase: the group's 255.255.255.255 is still
 * the answer; a query without COLLECT keeps the old behaviour. */
static void
test_collect_wins_no_member (void **state)
{
  Fx *fx = *state;
  NbName group = tname ("WORKGROUP", 0x00);
  NbQueryOptions opts = { .flags = NB_QUERY_FLAG_COLLECT };
  g_autoptr (NbNsPacket) wq = NULL;
  g_autoptr (NbNsPacket) wq2 = NULL;
  const Res *r;

  make (fx, NB_NODE_H, 1, 0, 0);
  assert_true (nb_resolver_query (fx->res, &group, &opts, fx->now, on_query, fx, NULL) > 0);
  wq = pop_packet (fx->ft, WINS_IP, 137, FALSE, T0);
  reply (fx, wq, WINS_IP, 300, 0xe000, (const guint32[]){ ALL_ONES }, 1);
  run_until (fx, T0 + S (5));
  r = result (fx, 0);
  assert_int_equal (r->status, NB_QUERY_STATUS_FOUND);
  assert_true (r->group);
  assert_int_equal (r->entries->len, 1);
  assert_int_equal (entry_ip (r, 0), ALL_ONES);
  assert_int_equal (fake_transport_count (fx->ft), 3); /* the broadcast phase */
  fake_transport_clear (fx->ft);

  assert_true (nb_resolver_query (fx->res, &group, NULL, fx->now, on_query, fx, NULL) > 0);
  wq2 = pop_packet (fx->ft, WINS_IP, 137, FALSE, fx->now);
  reply (fx, wq2, WINS_IP, 300, 0xe000, (const guint32[]){ ALL_ONES }, 1);
  r = result (fx, 1);
  assert_int_equal (r->status, NB_QUERY_STATUS_FOUND);
  assert_int_equal (entry_ip (r, 0), ALL_ONES);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_cache_hit_and_expiry, setup, teardown),
    cmocka_unit_test_setup_teardown (test_cache_ttl_cap, setup, teardown),
    cmocka_unit_test_setup_teardown (test_cache_rules, setup, teardown),
    cmocka_unit_test_setup_teardown (test_cache_eviction, setup, teardown),
    cmocka_unit_test_setup_teardown (test_cache_config, setup, teardown),
    cmocka_unit_test_setup_teardown (test_collect_wins_broadcast_group, setup, teardown),
    cmocka_unit_test_setup_teardown (test_collect_wins_member_list, setup, teardown),
    cmocka_unit_test_setup_teardown (test_collect_wins_no_member, setup, teardown),
    cmocka_unit_test_setup_teardown (test_collect_nmbd_zero_group, setup, teardown),
  };

  return cmocka_run_group_tests_name ("resolver-wins", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The resolver and ICMP destination unreachable (nb_resolver_unreachable()),
 * with a fake transport and clock: a node status request or unicast query
 * to a closed port ends at the report, with no retransmission after it; a
 * WINS server reported unreachable hands over to the next one at once;
 * reports that are not about the current transmissions (other transaction
 * id, address, port, an earlier phase, a broadcast) end nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>

#include "resolver-fixture.h"

#define BCAST_IP IP4 (10, 99, 0, 255)
#define PEER_IP IP4 (10, 99, 0, 1)
#define WINS_IP IP4 (10, 99, 0, 3)
#define WINS2_IP IP4 (10, 99, 0, 5)
/* The default unicast timing: 3 transmissions 1.5 s apart, 4.5 s in all. */
#define UCAST_ALL (NB_RESOLVER_UCAST_COUNT * NB_RESOLVER_UCAST_INTERVAL_US)

static void
make (Fx *fx, NbNodeType type, guint n_wins)
{
  NbResolverConfig config;
  g_autoptr (GError) error = NULL;

  nb_resolver_free (fx->res);
  nb_resolver_config_init (&config);
  config.broadcast = BCAST_IP;
  config.node_type = type;
  config.wins_servers[0] = WINS_IP;
  config.wins_servers[1] = WINS2_IP;
  config.n_wins_servers = n_wins;
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
  make (fx, NB_NODE_B, 0);
  *state = fx;
  return 0;
}

/* The report the kernel makes of an ICMP port unreachable about @sent:
 * its destination, and its payload quoted in full (Linux quotes up to 576
 * bytes, more than a name-service packet). */
static gboolean
report (Fx *fx, const FakeSent *sent, int error_code)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (sent->data, &len);

  return nb_resolver_unreachable (fx->res, data, len, sent->dst, sent->port, error_code,
                                  fx->now);
}

/* A node status request to a host whose UDP 137 is closed: one
 * transmission, the report 3 ms later ends it as UNREACHABLE with the
 * errno, and the clock run past the whole retry schedule sends nothing
 * more. */
static void
test_node_status_port_unreachable (void **state)
{
  Fx *fx = *state;
  g_autoptr (FakeSent) sent = NULL;
  guint id;

  id = nb_resolver_node_status (fx->res, PEER_IP, 0, NULL, fx->now, on_status, fx, NULL);
  assert_true (id > 0);
  sent = pop_sent (fx->ft, PEER_IP, 137, FALSE, T0);
  run_until (fx, T0 + MS (3));
  assert_int_equal (fx->results->len, 0);
  assert_true (report (fx, sent, ECONNREFUSED));
  assert_int_equal (fx->results->len, 1);
  assert_int_equal (result (fx, 0)->id, id);
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_UNREACHABLE);
  assert_int_equal (result (fx, 0)->address, PEER_IP);
  assert_int_equal (result (fx, 0)->unreachable_errno, ECONNREFUSED);
  assert_int_equal (result (fx, 0)->at, T0 + MS (3));
  assert_null (result (fx, 0)->node_status);
  assert_string_equal (nb_query_status_to_string (result (fx, 0)->status), "unreachable");
  assert_int_equal (nb_resolver_get_n_pending (fx->res), 0);
  assert_int_equal (nb_resolver_next_deadline (fx->res), NB_ENGINE_NO_DEADLINE);
  /* No retransmission: the first one was due at T0 + 1.5 s. */
  run_until (fx, T0 + 2 * UCAST_ALL);
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_int_equal (fx->results->len, 1);
  /* A second report about the same datagram finds nothing pending. */
  assert_false (report (fx, sent, ECONNREFUSED));
}

/* RFC 792 only promises the UDP header in the quote: with no payload the
 * address and port decide. */
static void
test_node_status_nothing_quoted (void **state)
{
  Fx *fx = *state;

  assert_true (nb_resolver_node_status (fx->res, PEER_IP, 1137, NULL, fx->now, on_status, fx,
                                        NULL) > 0);
  assert_int_equal (fake_transport_count (fx->ft), 1);
  assert_false (nb_resolver_unreachable (fx->res, NULL, 0, PEER_IP, 137, EHOSTUNREACH,
                                         fx->now));
  assert_true (nb_resolver_unreachable (fx->res, NULL, 0, PEER_IP, 1137, EHOSTUNREACH,
                                        fx->now));
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_UNREACHABLE);
  assert_int_equal (result (fx, 0)->unreachable_errno, EHOSTUNREACH);
  run_until (fx, T0 + 2 * UCAST_ALL);
  assert_int_equal (fake_transport_count (fx->ft), 1);
}

/* Reports that are not about the pending request end nothing: another
 * NAME_TRN_ID (a late report about an earlier request, or a forged one),
 * another address or port. The request then runs its whole schedule and
 * times out. */
static void
test_foreign_reports_ignored (void **state)
{
  Fx *fx = *state;
  g_autoptr (FakeSent) sent = NULL;
  g_autoptr (GBytes) other_id = NULL;
  const guint8 *data;
  guint8 *copy;
  gsize len;

  assert_true (nb_resolver_node_status (fx->res, PEER_IP, 0, NULL, fx->now, on_status, fx,
                                        NULL) > 0);
  sent = pop_sent (fx->ft, PEER_IP, 137, FALSE, T0);
  data = g_bytes_get_data (sent->data, &len);
  copy = g_memdup2 (data, len);
  copy[1] ^= 0x01; /* offset 1: low byte of NAME_TRN_ID */
  other_id = g_bytes_new_take (copy, len);

  assert_false (nb_resolver_unreachable (fx->res, g_bytes_get_data (other_id, NULL), len,
                                         PEER_IP, 137, ECONNREFUSED, fx->now));
  assert_false (nb_resolver_unreachable (fx->res, data, len, PEER_IP + 1, 137, ECONNREFUSED,
                                         fx->now));
  assert_false (nb_resolver_unreachable (fx->res, data, len, PEER_IP, 138, ECONNREFUSED,
                                         fx->now));
  run_until (fx, T0 + UCAST_ALL);
  assert_int_equal (fake_transport_count (fx->ft), 2);
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_TIMEOUT);
  assert_int_equal (result (fx, 0)->unreachable_errno, 0);
}

/* A broadcast phase is never ended by a report (no host speaks for the
 * subnet; hosts do not send ICMP errors about broadcasts anyway). */
static void
test_broadcast_not_ended (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (FakeSent) sent = NULL;

  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  sent = pop_sent (fx->ft, BCAST_IP, 137, TRUE, T0);
  assert_false (report (fx, sent, ECONNREFUSED));
  run_until (fx, T0 + MS (3 * 750));
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_TIMEOUT);
  assert_int_equal (fake_transport_count (fx->ft), 2);
}

/* A unicast query to the host itself (nmblookup -U): the report ends it as
 * UNREACHABLE, naming the destination. */
static void
test_unicast_query_unreachable (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  NbQueryOptions opts = { .method = NB_QUERY_UNICAST, .address = PEER_IP };
  g_autoptr (FakeSent) sent = NULL;

  assert_true (nb_resolver_query (fx->res, &name, &opts, fx->now, on_query, fx, NULL) > 0);
  sent = pop_sent (fx->ft, PEER_IP, 137, FALSE, T0);
  fx->now += MS (1);
  assert_true (report (fx, sent, ECONNREFUSED));
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_UNREACHABLE);
  assert_int_equal (result (fx, 0)->unreachable_ipv4, PEER_IP);
  assert_int_equal (result (fx, 0)->unreachable_errno, ECONNREFUSED);
  assert_int_equal (result (fx, 0)->entries->len, 0);
  run_until (fx, T0 + 2 * UCAST_ALL);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* P-node, two WINS servers, the primary down: its report moves the query to
 * the secondary at once (same NAME_TRN_ID, RFC 1002 §5.1.1.4), which
 * answers. The primary got one datagram, not three; the result says the
 * name was found and which server was unreachable. */
static void
test_wins_failover_at_once (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (FakeSent) to_primary = NULL;
  g_autoptr (NbNsPacket) to_secondary = NULL;
  g_autoptr (NbNsPacket) answer = NULL;
  g_autoptr (GBytes) bytes = NULL;
  NbNsAddrEntry e = { .flags = NB_NS_ONT_H, .ipv4 = PEER_IP };
  const guint8 *data;
  gsize len;

  make (fx, NB_NODE_P, 2);
  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  to_primary = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0);
  run_until (fx, T0 + MS (2));
  assert_true (report (fx, to_primary, ECONNREFUSED));
  to_secondary = pop_packet (fx->ft, WINS2_IP, 137, FALSE, T0 + MS (2));
  assert_int_equal (to_secondary->trn_id, wire_trn_id (to_primary->data));
  assert_int_equal (fx->results->len, 0);

  fx->now += MS (5);
  answer = nb_ns_positive_query_response_new (to_secondary->trn_id, &name,
                                              NB_NS_FLAG_RD | NB_NS_FLAG_RA, 300, &e, 1);
  bytes = build_bytes (answer);
  data = g_bytes_get_data (bytes, &len);
  assert_true (nb_resolver_receive (fx->res, data, len, WINS2_IP, 137, fx->now));
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_FOUND);
  assert_int_equal (result (fx, 0)->responder, WINS2_IP);
  assert_int_equal (result (fx, 0)->unreachable_ipv4, WINS_IP);
  run_until (fx, T0 + 3 * UCAST_ALL);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* Every WINS server down: one datagram each, then UNREACHABLE (nobody
 * could be asked) naming the last one. */
static void
test_wins_all_unreachable (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (FakeSent) first = NULL;
  g_autoptr (FakeSent) second = NULL;

  make (fx, NB_NODE_P, 2);
  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  first = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0);
  assert_true (report (fx, first, ECONNREFUSED));
  second = pop_sent (fx->ft, WINS2_IP, 137, FALSE, T0);
  fx->now += MS (1);
  assert_true (report (fx, second, EHOSTUNREACH));
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_UNREACHABLE);
  assert_int_equal (result (fx, 0)->unreachable_ipv4, WINS2_IP);
  assert_int_equal (result (fx, 0)->unreachable_errno, EHOSTUNREACH);
  run_until (fx, T0 + 3 * UCAST_ALL);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* H-node: WINS down moves on to the broadcast phase at once; a silent
 * broadcast then makes it a timeout, not "unreachable" (a phase asked
 * somebody). */
static void
test_hnode_wins_down_then_broadcast (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (FakeSent) to_wins = NULL;

  make (fx, NB_NODE_H, 1);
  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  to_wins = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0);
  fx->now += MS (4);
  assert_true (report (fx, to_wins, ECONNREFUSED));
  run_until (fx, T0 + MS (4) + MS (3 * 750));
  for (int i = 0; i < 3; i++) {
    g_autoptr (FakeSent) b = pop_sent (fx->ft, BCAST_IP, 137, TRUE, T0 + MS (4) + MS (750) * i);
  }
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_TIMEOUT);
  assert_int_equal (result (fx, 0)->at, T0 + MS (4) + MS (3 * 750));
  assert_int_equal (result (fx, 0)->unreachable_ipv4, WINS_IP);
}

/* A report about the primary that arrives after the query already failed
 * over to the secondary (the primary was silent) ends nothing. */
static void
test_late_report_after_failover (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (FakeSent) to_primary = NULL;

  make (fx, NB_NODE_P, 2);
  assert_true (nb_resolver_query (fx->res, &name, NULL, fx->now, on_query, fx, NULL) > 0);
  to_primary = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0);
  run_until (fx, T0 + UCAST_ALL);
  fake_transport_clear (fx->ft);
  assert_false (report (fx, to_primary, ECONNREFUSED));
  run_until (fx, T0 + 2 * UCAST_ALL);
  assert_int_equal (fake_transport_count (fx->ft), 2);
  assert_int_equal (result (fx, 0)->status, NB_QUERY_STATUS_TIMEOUT);
  assert_int_equal (result (fx, 0)->unreachable_ipv4, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_node_status_port_unreachable, setup, teardown),
    cmocka_unit_test_setup_teardown (test_node_status_nothing_quoted, setup, teardown),
    cmocka_unit_test_setup_teardown (test_foreign_reports_ignored, setup, teardown),
    cmocka_unit_test_setup_teardown (test_broadcast_not_ended, setup, teardown),
    cmocka_unit_test_setup_teardown (test_unicast_query_unreachable, setup, teardown),
    cmocka_unit_test_setup_teardown (test_wins_failover_at_once, setup, teardown),
    cmocka_unit_test_setup_teardown (test_wins_all_unreachable, setup, teardown),
    cmocka_unit_test_setup_teardown (test_hnode_wins_down_then_broadcast, setup, teardown),
    cmocka_unit_test_setup_teardown (test_late_report_after_failover, setup, teardown),
  };

  return cmocka_run_group_tests_name ("resolver-unreachable", tests, NULL, NULL);
}

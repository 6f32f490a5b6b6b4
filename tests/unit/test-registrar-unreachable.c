/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The registrar and ICMP destination unreachable from a WINS server
 * (nb_registrar_unreachable()), with a fake transport and clock: the
 * server counts as silent at once, so a P-node fails over to the next
 * server and an H-node falls back to broadcast without the 3 x 1.5 s wait,
 * and nothing more is sent to the unreachable server; reports about
 * another transaction, another port or a server that sent a WACK end
 * nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>

#include "registrar-fixture.h"

#define OUR_IP IP4 (10, 99, 0, 4)
#define BCAST_IP IP4 (10, 99, 0, 255)
#define WINS_IP IP4 (10, 99, 0, 3)
#define WINS2_IP IP4 (10, 99, 0, 5)
#define WINS_ALL (NB_REGISTRAR_WINS_COUNT * NB_REGISTRAR_WINS_INTERVAL_US)

static void
make (Fx *fx, NbNodeType type, guint n_wins)
{
  NbRegistrarConfig config;
  g_autoptr (GError) error = NULL;

  nb_registrar_free (fx->reg);
  nb_registrar_config_init (&config);
  config.address = OUR_IP;
  config.netmask = IP4 (255, 255, 255, 0);
  config.node_type = type;
  config.wins_servers[0] = WINS_IP;
  config.wins_servers[1] = WINS2_IP;
  config.n_wins_servers = n_wins;
  fx->reg = nb_registrar_new (&config, &fx->ft->transport, &error);
  assert_null (error);
  assert_non_null (fx->reg);
  nb_registrar_set_event_func (fx->reg, on_event, fx, NULL);
}

static int
setup (void **state)
{
  Fx *fx = g_new0 (Fx, 1);

  fx->now = T0;
  fx->ft = fake_transport_new (&fx->now);
  fx->events = g_array_new (FALSE, FALSE, sizeof (Ev));
  make (fx, NB_NODE_P, 2);
  *state = fx;
  return 0;
}

/* The kernel's report of an ICMP port unreachable about @sent, its payload
 * quoted in full. */
static gboolean
report (Fx *fx, const FakeSent *sent, guint16 port)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (sent->data, &len);

  return nb_registrar_unreachable (fx->reg, data, len, sent->dst, port, ECONNREFUSED, fx->now);
}

/* P-node: the primary's report moves the registration to the secondary at
 * once (same NAME_TRN_ID), which grants it. The primary got one datagram;
 * the refresh later starts with the primary again. */
static void
test_pnode_failover_at_once (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (FakeSent) to_primary = NULL;
  g_autoptr (NbNsPacket) to_secondary = NULL;
  g_autoptr (NbNsPacket) grant = NULL;
  const NbNsAddrEntry *a;
  NbNameInfo info;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  to_primary = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0);
  run_until (fx, T0 + MS (2));
  assert_true (report (fx, to_primary, 137));
  to_secondary = pop_packet (fx->ft, WINS2_IP, 137, FALSE, T0 + MS (2));
  assert_int_equal (to_secondary->trn_id, wire_trn_id (to_primary->data));
  assert_int_equal (to_secondary->opcode, NB_NS_OPCODE_REGISTRATION);

  a = &g_array_index (nb_ns_packet_record (to_secondary)->addresses, NbNsAddrEntry, 0);
  grant = nb_ns_registration_response_new (to_secondary->trn_id, &name, NB_NS_RCODE_OK, 600,
                                           a->flags, a->ipv4);
  fx->now += MS (3);
  assert_true (inject_wins (fx, grant, WINS2_IP));
  info = lookup (fx, &name);
  assert_int_equal (info.state, NB_NAME_STATE_REGISTERED);
  assert_int_equal (info.reason, NB_NAME_REASON_GRANTED);
  assert_int_equal (info.wins_server, WINS2_IP);
  /* Nothing more to anyone before the refresh, which asks the primary. */
  run_until (fx, info.refresh_us - 1);
  assert_int_equal (fake_transport_count (fx->ft), 0);
  run_until (fx, info.refresh_us);
  g_autoptr (FakeSent) refresh = pop_sent (fx->ft, WINS_IP, 137, FALSE, info.refresh_us);
}

/* P-node, both servers down: one datagram each, then what a silent WINS
 * means for a P-node (the name is taken, WINS_SILENT) at the second
 * report, not after 2 x 4.5 s. */
static void
test_pnode_all_unreachable (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (FakeSent) first = NULL;
  g_autoptr (FakeSent) second = NULL;
  const Ev *ev;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  first = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0);
  assert_true (report (fx, first, 137));
  second = pop_sent (fx->ft, WINS2_IP, 137, FALSE, T0);
  fx->now += MS (1);
  assert_true (report (fx, second, 137));
  ev = event (fx, fx->events->len - 1);
  assert_int_equal (ev->info.state, NB_NAME_STATE_REGISTERED);
  assert_int_equal (ev->info.reason, NB_NAME_REASON_WINS_SILENT);
  assert_true (ev->info.since_us == T0 + MS (1));
  run_until (fx, T0 + 2 * WINS_ALL);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* H-node: WINS down, the broadcast registration (3 x 250 ms, then the
 * overwrite demand) starts at the report. */
static void
test_hnode_broadcast_at_once (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (FakeSent) to_wins = NULL;
  g_autoptr (NbNsPacket) demand = NULL;
  gint64 tb = T0 + MS (5);

  make (fx, NB_NODE_H, 1);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  to_wins = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0);
  fx->now = tb;
  assert_true (report (fx, to_wins, 137));
  run_until (fx, tb + MS (750));
  for (int i = 0; i < 3; i++) {
    g_autoptr (FakeSent) s = pop_sent (fx->ft, BCAST_IP, 137, TRUE, tb + MS (250) * i);
  }
  demand = pop_packet (fx->ft, BCAST_IP, 137, TRUE, tb + MS (750));
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_REGISTERED);
  assert_int_equal (lookup (fx, &name).source, NB_NAME_SOURCE_BROADCAST);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* Reports that are not about the current WINS request end nothing: other
 * NAME_TRN_ID, other port, other address; a server that sent a WACK is up
 * (a report must be about an earlier datagram). */
static void
test_foreign_reports_ignored (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (FakeSent) sent = NULL;
  g_autoptr (NbNsPacket) wack = NULL;
  guint8 other[2];
  gsize len;
  const guint8 *data;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  sent = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0);
  data = g_bytes_get_data (sent->data, &len);
  other[0] = data[0];
  other[1] = data[1] ^ 0x01; /* offset 0-1: NAME_TRN_ID */
  assert_false (nb_registrar_unreachable (fx->reg, other, sizeof other, WINS_IP, 137,
                                          ECONNREFUSED, fx->now));
  assert_false (report (fx, sent, 1137));
  assert_false (nb_registrar_unreachable (fx->reg, data, len, WINS2_IP, 137, ECONNREFUSED,
                                          fx->now));

  wack = nb_ns_wack_new (wire_trn_id (sent->data), &name, 2, wire_flags (sent->data));
  assert_true (inject_wins (fx, wack, WINS_IP));
  assert_false (report (fx, sent, 137));
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_REGISTERING);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_pnode_failover_at_once, setup, teardown),
    cmocka_unit_test_setup_teardown (test_pnode_all_unreachable, setup, teardown),
    cmocka_unit_test_setup_teardown (test_hnode_broadcast_at_once, setup, teardown),
    cmocka_unit_test_setup_teardown (test_foreign_reports_ignored, setup, teardown),
  };

  return cmocka_run_group_tests_name ("registrar-unreachable", tests, NULL, NULL);
}

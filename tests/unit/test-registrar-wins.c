/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The registrar with WINS (P, M and H nodes) on a fake transport and a fake
 * clock: the golden Samba frames byte for byte, retransmission timings,
 * WACK, negative answers, refresh at half the granted TTL, fail-over to the
 * next server and back to the primary, release to WINS (and by broadcast
 * where the node type says so), M-node broadcast + WINS, H-node fallback,
 * P-node silence, and the configuration rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "registrar-fixture.h"

/* The addresses of capture 09 (golden nbns-registration-wins). */
#define OUR_IP IP4 (10, 99, 0, 4)
#define BCAST_IP IP4 (10, 99, 0, 255)
#define WINS_IP IP4 (10, 99, 0, 3)
#define WINS2_IP IP4 (10, 99, 0, 5)
#define PEER_IP IP4 (10, 99, 0, 9)
#define WINS_MS 1500
#define S(n) ((gint64) (n) * G_USEC_PER_SEC)

/* A registrar of @type with @n_wins servers (WINS_IP, then WINS2_IP);
 * @primary: the multi-homed host's first address. */
static void
make_full (Fx *fx, NbNodeType type, guint n_wins, gboolean multihomed, gboolean primary)
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
  config.multihomed = multihomed;
  config.multihomed_primary = primary;
  fx->reg = nb_registrar_new (&config, &fx->ft->transport, &error);
  assert_null (error);
  assert_non_null (fx->reg);
  nb_registrar_set_event_func (fx->reg, on_event, fx, NULL);
}

static void
make (Fx *fx, NbNodeType type, guint n_wins, gboolean multihomed)
{
  make_full (fx, type, n_wins, multihomed, FALSE);
}

static int
setup (void **state)
{
  Fx *fx = g_new0 (Fx, 1);

  fx->now = T0;
  fx->ft = fake_transport_new (&fx->now);
  fx->events = g_array_new (FALSE, FALSE, sizeof (Ev));
  make (fx, NB_NODE_H, 1, FALSE);
  *state = fx;
  return 0;
}

static const Ev *
last_event (Fx *fx)
{
  return event (fx, fx->events->len - 1);
}

static void
assert_event (Fx *fx, guint i, NbNameState old_state, NbNameState state, NbNameReason reason,
              gint64 at)
{
  const Ev *ev = event (fx, i);

  assert_int_equal (ev->old_state, old_state);
  assert_int_equal (ev->info.state, state);
  assert_int_equal (ev->info.reason, reason);
  if (ev->info.since_us != at)
    fail_msg ("event %u at t0+%" G_GINT64_FORMAT " us, expected t0+%" G_GINT64_FORMAT " us", i,
              ev->info.since_us - T0, at - T0);
}

static gboolean
inject_bytes (Fx *fx, GBytes *bytes, guint32 src)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return nb_registrar_receive (fx->reg, data, len, src, 137, fx->now);
}

/* A WINS answer to @request: positive (rcode 0) with @ttl, or negative. */
static void
answer (Fx *fx, const NbNsPacket *request, guint32 server, NbNsRcode rcode, guint32 ttl)
{
  const NbNsRecord *rr = nb_ns_packet_record (request);
  const NbNsAddrEntry *a = &g_array_index (rr->addresses, NbNsAddrEntry, 0);
  g_autoptr (NbNsPacket) reply = nb_ns_registration_response_new (
      request->trn_id, &rr->name, rcode, rcode == NB_NS_RCODE_OK ? ttl : 0, a->flags, a->ipv4);

  assert_true (inject_wins (fx, reply, server));
}

/* Adds @name on an H-node and lets WINS grant it for @ttl; forgets the
 * packets and events. */
static void
granted_name (Fx *fx, const NbName *name, guint32 ttl)
{
  g_autoptr (NbNsPacket) request = NULL;

  assert_true (nb_registrar_add_name (fx->reg, name, FALSE, fx->now, NULL));
  request = pop_packet (fx->ft, WINS_IP, 137, FALSE, fx->now);
  answer (fx, request, WINS_IP, NB_NS_RCODE_OK, ttl);
  assert_int_equal (lookup (fx, name).state, NB_NAME_STATE_REGISTERED);
  fake_transport_clear (fx->ft);
  g_array_set_size (fx->events, 0);
}

/* ---- registration ----------------------------------------------------- */

/* A multi-homed H-node at 10.99.0.4 registering PEERCYR<03> sends byte for
 * byte what nmbd sent in capture 09 (flags 0x7900, TTL 259200, NB_FLAGS
 * 0x6000), to the WINS server, 3 times 1.5 s apart with one NAME_TRN_ID;
 * Samba's positive answer makes the name REGISTERED with the server's TTL
 * and schedules the refresh at half of it. Nothing is broadcast. */
static void
test_golden_multihomed_registration (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERCYR", 0x03);
  g_autoptr (FakeSent) first = NULL;
  g_autoptr (GBytes) expected = NULL;
  g_autoptr (GBytes) response = NULL;
  NbNameInfo info;
  guint16 trn;

  make (fx, NB_NODE_H, 1, TRUE);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  first = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0);
  trn = wire_trn_id (first->data);
  expected = golden_patched ("nbns-registration-wins",
                             "multi-homed registration request (unicast to WINS)", trn, -1);
  assert_bytes_equal (first->data, expected);
  assert_int_equal (wire_flags (first->data), 0x7900);
  assert_true (nb_registrar_next_deadline (fx->reg) == T0 + MS (WINS_MS));

  run_until (fx, T0 + MS (2 * WINS_MS + 100));
  for (int i = 1; i <= 2; i++) {
    g_autoptr (FakeSent) again = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0 + MS (WINS_MS) * i);

    assert_bytes_equal (again->data, expected);
  }
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_REGISTERING);

  /* Samba's answer of capture 09 (0xAD80, TTL 259200). */
  response = golden_patched ("nbns-registration-wins", "WINS registration response", trn, -1);
  assert_true (inject_bytes (fx, response, WINS_IP));
  assert_int_equal (fx->events->len, 2);
  assert_event (fx, 1, NB_NAME_STATE_REGISTERING, NB_NAME_STATE_REGISTERED,
                NB_NAME_REASON_GRANTED, fx->now);
  info = lookup (fx, &name);
  assert_int_equal (info.ttl, 259200);
  assert_int_equal (info.source, NB_NAME_SOURCE_WINS);
  assert_int_equal (info.wins_server, WINS_IP);
  assert_true (info.refresh_us == fx->now + S (129600));
  assert_string_equal (nb_name_source_to_string (info.source), "wins");
  assert_true (nb_registrar_is_idle (fx->reg));
  assert_true (nb_registrar_next_deadline (fx->reg) == info.refresh_us);
  run_until (fx, fx->now + S (3600));
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* The answer to a unicast name query for @name from @src: its RCODE, or
 * -1 when nothing was sent. */
static int
query_answer (Fx *fx, const NbName *name, guint32 src, gboolean broadcast)
{
  g_autoptr (NbNsPacket) q = nb_ns_name_query_request_new (0x5151, name, broadcast, FALSE);
  g_autoptr (NbNsPacket) r = NULL;

  assert_true (inject_wins (fx, q, src));
  if (fake_transport_count (fx->ft) == 0)
    return -1;
  r = pop_packet (fx->ft, src, 137, FALSE, fx->now);
  assert_true (r->response);
  assert_int_equal (r->trn_id, 0x5151);
  if (r->rcode == NB_NS_RCODE_OK)
    assert_int_equal (only_address (r).ipv4, OUR_IP);
  return r->rcode;
}

/* nmbd adds a further address to a name only after asking the address it
 * lists first (an RD-clear unicast query), and our interfaces register at
 * once: when that interface's grant is lost, the query finds the name
 * still REGISTERING there. A multi-homed host answers its WINS server
 * positively then (as nmbd does); anybody else gets NAM_ERR, a broadcast
 * gets nothing, and group names, single-homed hosts and names past the
 * WINS phase (an H-node's broadcast fallback) are answered as before. */
static void
test_multihomed_answers_wins_query (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  NbName group = tname ("TEAM", 0x00);

  make (fx, NB_NODE_H, 1, TRUE);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  assert_true (nb_registrar_add_name (fx->reg, &group, TRUE, fx->now, NULL));
  fake_transport_clear (fx->ft);
  fx->now += MS (1);
  assert_int_equal (query_answer (fx, &name, WINS_IP, FALSE), NB_NS_RCODE_OK);
  assert_int_equal (query_answer (fx, &name, PEER_IP, FALSE), NB_NS_RCODE_NAM_ERR);
  assert_int_equal (query_answer (fx, &name, WINS_IP, TRUE), -1);
  assert_int_equal (query_answer (fx, &group, WINS_IP, FALSE), NB_NS_RCODE_NAM_ERR);
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_REGISTERING);

  /* WINS stays silent: the H-node falls back to broadcast, where the
   * name is not answered for until it is claimed. */
  run_until (fx, T0 + MS (3 * WINS_MS));
  fake_transport_clear (fx->ft);
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_REGISTERING);
  assert_int_equal (query_answer (fx, &name, WINS_IP, FALSE), NB_NS_RCODE_NAM_ERR);

  make (fx, NB_NODE_H, 1, FALSE);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  fake_transport_clear (fx->ft);
  assert_int_equal (query_answer (fx, &name, WINS_IP, FALSE), NB_NS_RCODE_NAM_ERR);
}

/* The first address of a multi-homed host (multihomed_primary) registers
 * unique names with an ordinary registration (0x2900), so that WINS
 * challenges another owner, and while it waits it does not confirm the
 * name to its WINS server (a positive answer would make nmbd refuse the
 * very registration, wins_register_query_success). A refresh the server
 * refuses is offered again as a multi-homed registration (0x7900), during
 * which the name stays answerable; the refresh after that is an opcode 8
 * again. */
static void
test_multihomed_primary (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (FakeSent) sent = NULL;
  g_autoptr (FakeSent) again = NULL;
  g_autoptr (FakeSent) next = NULL;
  g_autoptr (NbNsPacket) request = NULL;
  g_autoptr (NbNsPacket) refresh = NULL;
  g_autoptr (NbNsPacket) reoffer = NULL;
  gint64 t1;

  make_full (fx, NB_NODE_H, 1, TRUE, TRUE);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  sent = pop_sent (fx->ft, WINS_IP, 137, FALSE, fx->now);
  assert_int_equal (wire_flags (sent->data), 0x2900);
  request = parse_bytes (sent->data);
  assert_int_equal (request->opcode, NB_NS_OPCODE_REGISTRATION);
  assert_int_equal (only_address (request).flags, 0x6000);
  assert_int_equal (query_answer (fx, &name, WINS_IP, FALSE), NB_NS_RCODE_NAM_ERR);
  answer (fx, request, WINS_IP, NB_NS_RCODE_OK, 60);
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_REGISTERED);
  t1 = fx->now;

  fake_transport_clear (fx->ft);
  run_until (fx, t1 + S (30));
  refresh = pop_packet (fx->ft, WINS_IP, 137, FALSE, t1 + S (30));
  assert_int_equal (refresh->opcode, NB_NS_OPCODE_REFRESH);
  answer (fx, refresh, WINS_IP, NB_NS_RCODE_RFS_ERR, 0);
  again = pop_sent (fx->ft, WINS_IP, 137, FALSE, fx->now);
  assert_int_equal (wire_flags (again->data), 0x7900);
  reoffer = parse_bytes (again->data);
  assert_int_equal (query_answer (fx, &name, WINS_IP, FALSE), NB_NS_RCODE_OK);
  answer (fx, reoffer, WINS_IP, NB_NS_RCODE_OK, 60);
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_REGISTERED);
  t1 = fx->now;
  run_until (fx, t1 + S (30));
  next = pop_sent (fx->ft, WINS_IP, 137, FALSE, t1 + S (30));
  assert_int_equal (wire_flags (next->data), 0x4000);
}

/* Group names use a normal registration even when multi-homed: golden
 * group frame (PEERLAN<1e>, flags 0x2900, NB_FLAGS 0xe000). */
static void
test_golden_group_registration (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERLAN", 0x1e);
  g_autoptr (FakeSent) first = NULL;
  g_autoptr (GBytes) expected = NULL;

  make (fx, NB_NODE_H, 1, TRUE);
  assert_true (nb_registrar_add_name (fx->reg, &name, TRUE, fx->now, NULL));
  first = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0);
  expected = golden_patched ("nbns-registration-wins", "group registration to WINS",
                             wire_trn_id (first->data), -1);
  assert_bytes_equal (first->data, expected);
}

/* A single-homed host registers unique names with opcode 5 (0x2900), so
 * that WINS challenges another owner; the ONT bits follow the node type. */
static void
test_single_homed_and_ont (void **state)
{
  Fx *fx = *state;
  static const struct {
    NbNodeType type;
    guint16 ont;
  } cases[] = { { NB_NODE_P, 0x2000 }, { NB_NODE_H, 0x6000 } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    NbName name = tname ("ALICE", 0x03);
    g_autoptr (FakeSent) sent = NULL;
    g_autoptr (NbNsPacket) request = NULL;

    make (fx, cases[i].type, 1, FALSE);
    assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
    sent = pop_sent (fx->ft, WINS_IP, 137, FALSE, fx->now);
    assert_int_equal (wire_flags (sent->data), 0x2900);
    request = parse_bytes (sent->data);
    assert_int_equal (request->opcode, NB_NS_OPCODE_REGISTRATION);
    assert_int_equal (only_address (request).flags, cases[i].ont);
    assert_int_equal (only_address (request).ipv4, OUR_IP);
    assert_int_equal (nb_ns_packet_record (request)->ttl, 259200);
    fake_transport_clear (fx->ft);
  }
}

/* ACT_ERR from WINS (the name belongs to another host): CONFLICT with the
 * server as the peer; removing it then sends nothing (not ours). */
static void
test_negative_response (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (NbNsPacket) request = NULL;
  const Ev *ev;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  request = pop_packet (fx->ft, WINS_IP, 137, FALSE, T0);
  fx->now += MS (20);
  answer (fx, request, WINS_IP, NB_NS_RCODE_ACT_ERR, 0);
  assert_event (fx, 1, NB_NAME_STATE_REGISTERING, NB_NAME_STATE_CONFLICT,
                NB_NAME_REASON_NEGATIVE_RESPONSE, T0 + MS (20));
  ev = event (fx, 1);
  assert_int_equal (ev->info.peer_ipv4, WINS_IP);
  assert_int_equal (ev->info.peer_rcode, NB_NS_RCODE_ACT_ERR);
  assert_int_equal (ev->info.source, NB_NAME_SOURCE_NONE);
  run_until (fx, T0 + S (30));
  assert_int_equal (fake_transport_count (fx->ft), 0);

  assert_true (nb_registrar_remove_name (fx->reg, &name, fx->now, NULL));
  assert_int_equal (last_event (fx)->info.state, NB_NAME_STATE_RELEASED);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* WACK (nmbd: TTL 60 while it asks the current owner): no retransmission
 * during the wait; the verdict that follows decides. */
static void
test_wack_then_verdict (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (NbNsPacket) request = NULL;
  g_autoptr (NbNsPacket) wack = NULL;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  request = pop_packet (fx->ft, WINS_IP, 137, FALSE, T0);
  fx->now += MS (100);
  wack = nb_ns_wack_new (request->trn_id, &name, 60, 0x2900);
  /* A WACK from anybody but the server asked is ignored. */
  assert_false (inject_wins (fx, wack, PEER_IP));
  assert_true (nb_registrar_next_deadline (fx->reg) == T0 + MS (WINS_MS));
  assert_true (inject_wins (fx, wack, WINS_IP));
  assert_true (nb_registrar_next_deadline (fx->reg) == T0 + MS (100) + S (60));
  run_until (fx, T0 + S (59));
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_REGISTERING);

  answer (fx, request, WINS_IP, NB_NS_RCODE_ACT_ERR, 0);
  assert_event (fx, 1, NB_NAME_STATE_REGISTERING, NB_NAME_STATE_CONFLICT,
                NB_NAME_REASON_NEGATIVE_RESPONSE, T0 + S (59));
}

/* A WACK whose wait runs out without a verdict: the server counts as
 * silent (an H-node falls back to broadcast); a huge TTL is cut to
 * NB_REGISTRAR_WACK_MAX_S. */
static void
test_wack_expires (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (NbNsPacket) request = NULL;
  g_autoptr (NbNsPacket) wack = NULL;
  g_autoptr (NbNsPacket) bcast = NULL;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  request = pop_packet (fx->ft, WINS_IP, 137, FALSE, T0);
  wack = nb_ns_wack_new (request->trn_id, &name, 100000, 0x2900);
  assert_true (inject_wins (fx, wack, WINS_IP));
  assert_true (nb_registrar_next_deadline (fx->reg) == T0 + S (NB_REGISTRAR_WACK_MAX_S));
  run_until (fx, T0 + S (NB_REGISTRAR_WACK_MAX_S));
  bcast = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0 + S (NB_REGISTRAR_WACK_MAX_S));
  assert_int_equal (bcast->opcode, NB_NS_OPCODE_REGISTRATION);
  assert_int_equal (only_address (bcast).flags, 0x6000);
}

/* Positive answers only count from the server asked, for our NAME_TRN_ID. */
static void
test_strangers_ignored (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (NbNsPacket) request = NULL;
  g_autoptr (NbNsPacket) other = NULL;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  request = pop_packet (fx->ft, WINS_IP, 137, FALSE, T0);
  answer (fx, request, PEER_IP, NB_NS_RCODE_OK, 600);
  other = nb_ns_registration_response_new (request->trn_id + 1, &name, NB_NS_RCODE_OK, 600,
                                           0x6000, OUR_IP);
  assert_false (inject_wins (fx, other, WINS_IP));
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_REGISTERING);
  assert_int_equal (fx->events->len, 1);
}

/* ---- refresh and fail-over -------------------------------------------- */

/* Granted for 60 s: at 30 s a refresh (opcode 8, flags 0x4000, REFRESHING)
 * goes to the server; its answer re-arms the refresh with the new TTL. */
static void
test_refresh_at_half_ttl (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (FakeSent) sent = NULL;
  g_autoptr (NbNsPacket) refresh = NULL;
  gint64 t1 = T0;
  NbNameInfo info;

  granted_name (fx, &name, 60);
  run_until (fx, t1 + S (30) - 1);
  assert_int_equal (fake_transport_count (fx->ft), 0);
  run_until (fx, t1 + S (30));
  sent = pop_sent (fx->ft, WINS_IP, 137, FALSE, t1 + S (30));
  assert_int_equal (wire_flags (sent->data), 0x4000);
  refresh = parse_bytes (sent->data);
  assert_int_equal (refresh->opcode, NB_NS_OPCODE_REFRESH);
  assert_int_equal (nb_ns_packet_record (refresh)->ttl, 259200);
  assert_int_equal (only_address (refresh).flags, 0x6000);
  assert_event (fx, 0, NB_NAME_STATE_REGISTERED, NB_NAME_STATE_REFRESHING,
                NB_NAME_REASON_REFRESH, t1 + S (30));
  assert_false (nb_registrar_is_idle (fx->reg));

  /* Still answered for while refreshing: a unicast query. */
  {
    g_autoptr (NbNsPacket) q = nb_ns_name_query_request_new (0x4444, &name, FALSE, TRUE);
    g_autoptr (NbNsPacket) r = NULL;

    assert_true (inject_wins (fx, q, PEER_IP));
    r = pop_packet (fx->ft, PEER_IP, 137, FALSE, fx->now);
    assert_int_equal (r->rcode, NB_NS_RCODE_OK);
  }

  fx->now += MS (5);
  answer (fx, refresh, WINS_IP, NB_NS_RCODE_OK, 100);
  assert_event (fx, 1, NB_NAME_STATE_REFRESHING, NB_NAME_STATE_REGISTERED,
                NB_NAME_REASON_GRANTED, fx->now);
  info = lookup (fx, &name);
  assert_int_equal (info.ttl, 100);
  assert_true (info.refresh_us == fx->now + S (50));
}

/* A refresh nobody answers leaves the name as it was (REGISTERED,
 * wins-silent) and tries again before the record can run out. */
static void
test_refresh_silent (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  NbNameInfo info;

  granted_name (fx, &name, 60);
  run_until (fx, T0 + S (30) + MS (3 * WINS_MS));
  assert_int_equal (fake_transport_count (fx->ft), 3);
  assert_event (fx, 1, NB_NAME_STATE_REFRESHING, NB_NAME_STATE_REGISTERED,
                NB_NAME_REASON_WINS_SILENT, T0 + S (30) + MS (3 * WINS_MS));
  info = lookup (fx, &name);
  assert_int_equal (info.source, NB_NAME_SOURCE_WINS);
  assert_true (info.refresh_us == fx->now + S (30));
}

/* The refresh that comes due at half of a 60 s grant, popped. */
static NbNsPacket *
due_refresh (Fx *fx, gint64 granted_at)
{
  NbNsPacket *refresh;

  run_until (fx, granted_at + S (30));
  refresh = pop_packet (fx->ft, WINS_IP, 137, FALSE, granted_at + S (30));
  assert_int_equal (refresh->opcode, NB_NS_OPCODE_REFRESH);
  return refresh;
}

/* WINS refuses a refresh (nmbd: RFS_ERR from an address it does not list
 * for the name). Single-homed: another host holds the name now, CONFLICT.
 * Multi-homed: the server lost the record and our other address
 * re-created it (integration test wins-multihomed, WINS restarted), so the
 * name is offered again at once as a multi-homed registration (0x7900, new
 * NAME_TRN_ID, still REFRESHING); its grant makes it REGISTERED with the
 * new TTL. The next refresh is an opcode 8 again, and when both it and
 * the registration after it are refused, the name is in CONFLICT. */
static void
test_refresh_refused (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (NbNsPacket) refresh = NULL;
  g_autoptr (NbNsPacket) refresh2 = NULL;
  g_autoptr (NbNsPacket) again2 = NULL;
  g_autoptr (FakeSent) sent = NULL;
  g_autoptr (NbNsPacket) again = NULL;
  g_autoptr (NbNsPacket) wack = NULL;
  g_autoptr (NbNsPacket) late = NULL;
  gint64 t1;

  /* Single-homed. */
  granted_name (fx, &name, 60);
  refresh = due_refresh (fx, T0);
  fx->now += MS (5);
  answer (fx, refresh, WINS_IP, NB_NS_RCODE_RFS_ERR, 0);
  assert_int_equal (fx->events->len, 2);
  assert_event (fx, 1, NB_NAME_STATE_REFRESHING, NB_NAME_STATE_CONFLICT,
                NB_NAME_REASON_NEGATIVE_RESPONSE, fx->now);
  assert_int_equal (event (fx, 1)->info.peer_rcode, NB_NS_RCODE_RFS_ERR);
  assert_int_equal (fake_transport_count (fx->ft), 0);

  /* Multi-homed: registered again. */
  g_clear_pointer (&refresh, nb_ns_packet_free);
  make (fx, NB_NODE_H, 1, TRUE);
  t1 = fx->now;
  granted_name (fx, &name, 60);
  refresh = due_refresh (fx, t1);
  fx->now += MS (5);
  answer (fx, refresh, WINS_IP, NB_NS_RCODE_RFS_ERR, 0);
  assert_int_equal (fx->events->len, 1); /* REGISTERED -> REFRESHING only */
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_REFRESHING);
  sent = pop_sent (fx->ft, WINS_IP, 137, FALSE, fx->now);
  assert_int_equal (wire_flags (sent->data), 0x7900);
  again = parse_bytes (sent->data);
  assert_int_equal (again->opcode, NB_NS_OPCODE_MULTIHOMED_REGISTRATION);
  assert_int_not_equal (again->trn_id, refresh->trn_id);
  assert_int_equal (only_address (again).ipv4, OUR_IP);
  assert_int_equal (only_address (again).flags, 0x6000);
  /* nmbd asks our other address first (WACK); the late answer to the
   * refresh's NAME_TRN_ID is no longer ours. */
  wack = nb_ns_wack_new (again->trn_id, &name, 60, 0x7900);
  assert_true (inject_wins (fx, wack, WINS_IP));
  late = nb_ns_registration_response_new (refresh->trn_id, &name, NB_NS_RCODE_OK, 60, 0x6000,
                                          OUR_IP);
  assert_false (inject_wins (fx, late, WINS_IP));
  assert_int_equal (fx->events->len, 1);
  fx->now += MS (3);
  answer (fx, again, WINS_IP, NB_NS_RCODE_OK, 40);
  assert_int_equal (fx->events->len, 2);
  assert_event (fx, 1, NB_NAME_STATE_REFRESHING, NB_NAME_STATE_REGISTERED,
                NB_NAME_REASON_GRANTED, fx->now);
  assert_int_equal (lookup (fx, &name).ttl, 40);
  assert_true (lookup (fx, &name).refresh_us == fx->now + S (20));

  /* Refused twice in a row: CONFLICT. */
  t1 = fx->now - S (10); /* due_refresh waits 30 s, this grant said 20 */
  refresh2 = due_refresh (fx, t1);
  answer (fx, refresh2, WINS_IP, NB_NS_RCODE_RFS_ERR, 0);
  again2 = pop_packet (fx->ft, WINS_IP, 137, FALSE, fx->now);
  assert_int_equal (again2->opcode, NB_NS_OPCODE_MULTIHOMED_REGISTRATION);
  fx->now += MS (2);
  answer (fx, again2, WINS_IP, NB_NS_RCODE_ACT_ERR, 0);
  assert_event (fx, fx->events->len - 1, NB_NAME_STATE_REFRESHING, NB_NAME_STATE_CONFLICT,
                NB_NAME_REASON_NEGATIVE_RESPONSE, fx->now);
  assert_int_equal (last_event (fx)->info.peer_rcode, NB_NS_RCODE_ACT_ERR);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* Fail-over: the primary stays silent (3 x 1.5 s), the secondary gets the
 * same request and grants the name; the next refresh goes to the primary
 * again, which now answers and holds the name. */
static void
test_failover_and_back (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (NbNsPacket) to_secondary = NULL;
  g_autoptr (NbNsPacket) refresh = NULL;
  guint16 trn;
  NbNameInfo info;

  make (fx, NB_NODE_P, 2, FALSE);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  run_until (fx, T0 + MS (3 * WINS_MS));
  for (int i = 0; i < 3; i++) {
    g_autoptr (NbNsPacket) p = pop_packet (fx->ft, WINS_IP, 137, FALSE, T0 + MS (WINS_MS) * i);

    if (i == 0)
      trn = p->trn_id;
    assert_int_equal (p->trn_id, trn);
  }
  to_secondary = pop_packet (fx->ft, WINS2_IP, 137, FALSE, T0 + MS (3 * WINS_MS));
  assert_int_equal (to_secondary->trn_id, trn);
  assert_int_equal (to_secondary->opcode, NB_NS_OPCODE_REGISTRATION);
  fx->now += MS (10);
  answer (fx, to_secondary, WINS2_IP, NB_NS_RCODE_OK, 40);
  info = lookup (fx, &name);
  assert_int_equal (info.state, NB_NAME_STATE_REGISTERED);
  assert_int_equal (info.wins_server, WINS2_IP);

  run_until (fx, info.refresh_us);
  refresh = pop_packet (fx->ft, WINS_IP, 137, FALSE, info.refresh_us);
  assert_int_equal (refresh->opcode, NB_NS_OPCODE_REFRESH);
  answer (fx, refresh, WINS_IP, NB_NS_RCODE_OK, 40);
  assert_int_equal (lookup (fx, &name).wins_server, WINS_IP);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* A name the secondary granted for 3 days does not wait 1.5 days to go
 * back to the primary: its refresh (to the primary first) comes after
 * NB_REGISTRAR_FAILBACK_US; granted by the primary again, it is refreshed
 * at half the TTL as usual. */
static void
test_failback_capped (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (NbNsPacket) to_secondary = NULL;
  g_autoptr (NbNsPacket) refresh = NULL;
  const guint32 three_days = 3 * 24 * 3600;
  NbNameInfo info;
  gint64 granted;

  make (fx, NB_NODE_P, 2, FALSE);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  run_until (fx, T0 + MS (3 * WINS_MS));
  for (int i = 0; i < 3; i++)
    nb_ns_packet_free (pop_packet (fx->ft, WINS_IP, 137, FALSE, T0 + MS (WINS_MS) * i));
  to_secondary = pop_packet (fx->ft, WINS2_IP, 137, FALSE, T0 + MS (3 * WINS_MS));
  granted = fx->now;
  answer (fx, to_secondary, WINS2_IP, NB_NS_RCODE_OK, three_days);
  info = lookup (fx, &name);
  assert_int_equal (info.wins_server, WINS2_IP);
  assert_int_equal (info.refresh_us, granted + NB_REGISTRAR_FAILBACK_US);

  run_until (fx, info.refresh_us);
  refresh = pop_packet (fx->ft, WINS_IP, 137, FALSE, info.refresh_us);
  assert_int_equal (refresh->opcode, NB_NS_OPCODE_REFRESH);
  granted = fx->now;
  answer (fx, refresh, WINS_IP, NB_NS_RCODE_OK, three_days);
  info = lookup (fx, &name);
  assert_int_equal (info.wins_server, WINS_IP);
  assert_int_equal (info.refresh_us, granted + (gint64) three_days * G_USEC_PER_SEC / 2);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* ---- release ---------------------------------------------------------- */

/* A name that failed over to the secondary and came back to the primary at
 * its refresh is held by both (nmbd does not replicate: the secondary keeps
 * its record until the TTL runs out). Its release goes to the holder (the
 * primary: the transaction, retransmitted) and once to the secondary, same
 * NAME_TRN_ID, so that hosts asking either stop finding it
 * (wins-failover.sh). The secondary's answer ends nothing; the primary's
 * does. A name whose secondary record has run out is released at the
 * primary alone. */
static void
test_release_after_failback (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  NbName old = tname ("BOB", 0x03);
  g_autoptr (NbNsPacket) to_secondary = NULL;
  g_autoptr (NbNsPacket) old_secondary = NULL;
  g_autoptr (NbNsPacket) refresh = NULL;
  g_autoptr (NbNsPacket) rel1 = NULL;
  g_autoptr (NbNsPacket) rel2 = NULL;
  g_autoptr (NbNsPacket) reply2 = NULL;
  g_autoptr (NbNsPacket) reply1 = NULL;
  NbNameInfo info;
  guint n_events;
  gint64 t1;

  make (fx, NB_NODE_H, 2, FALSE);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  assert_true (nb_registrar_add_name (fx->reg, &old, FALSE, fx->now, NULL));
  /* The primary stays silent: both names go to the secondary (40 s / 6 s). */
  run_until (fx, T0 + MS (3 * WINS_MS));
  for (int i = 0; i < 6; i++)
    nb_ns_packet_free (pop_packet (fx->ft, WINS_IP, 137, FALSE, T0 + MS (WINS_MS) * (i / 2)));
  to_secondary = pop_packet (fx->ft, WINS2_IP, 137, FALSE, T0 + MS (3 * WINS_MS));
  old_secondary = pop_packet (fx->ft, WINS2_IP, 137, FALSE, T0 + MS (3 * WINS_MS));
  answer (fx, to_secondary, WINS2_IP, NB_NS_RCODE_OK, 40);
  answer (fx, old_secondary, WINS2_IP, NB_NS_RCODE_OK, 6);
  /* BOB's refresh (at 5 s, NB_REGISTRAR_REFRESH_MIN_US) is granted by
   * the primary, ALICE's (at 20 s) too: BOB's record at the secondary runs
   * out 6 s after its grant, ALICE's 40 s after. */
  info = lookup (fx, &old);
  run_until (fx, info.refresh_us);
  refresh = pop_packet (fx->ft, WINS_IP, 137, FALSE, info.refresh_us);
  assert_int_equal (refresh->opcode, NB_NS_OPCODE_REFRESH);
  answer (fx, refresh, WINS_IP, NB_NS_RCODE_OK, 600);
  g_clear_pointer (&refresh, nb_ns_packet_free);
  info = lookup (fx, &name);
  run_until (fx, info.refresh_us);
  refresh = pop_packet (fx->ft, WINS_IP, 137, FALSE, info.refresh_us);
  assert_int_equal (refresh->opcode, NB_NS_OPCODE_REFRESH);
  answer (fx, refresh, WINS_IP, NB_NS_RCODE_OK, 600);
  assert_int_equal (lookup (fx, &name).wins_server, WINS_IP);
  assert_int_equal (fake_transport_count (fx->ft), 0);

  /* ALICE: released at the primary and, once, at the secondary. */
  fx->now += S (1);
  t1 = fx->now;
  assert_true (nb_registrar_remove_name (fx->reg, &name, t1, NULL));
  rel1 = pop_packet (fx->ft, WINS_IP, 137, FALSE, t1);
  rel2 = pop_packet (fx->ft, WINS2_IP, 137, FALSE, t1);
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_int_equal (rel1->opcode, NB_NS_OPCODE_RELEASE);
  assert_int_equal (rel2->opcode, NB_NS_OPCODE_RELEASE);
  assert_int_equal (rel2->trn_id, rel1->trn_id);
  assert_true (nb_name_equal (&nb_ns_packet_record (rel2)->name, &name));
  n_events = fx->events->len;
  fx->now += MS (2);
  reply2 = nb_ns_release_response_new (rel2->trn_id, &name, NB_NS_RCODE_OK, 0x6000, OUR_IP);
  assert_true (inject_wins (fx, reply2, WINS2_IP));
  assert_int_equal (fx->events->len, n_events);
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_RELEASING);
  fx->now += MS (1);
  reply1 = nb_ns_release_response_new (rel1->trn_id, &name, NB_NS_RCODE_OK, 0x6000, OUR_IP);
  assert_true (inject_wins (fx, reply1, WINS_IP));
  assert_event (fx, fx->events->len - 1, NB_NAME_STATE_RELEASING, NB_NAME_STATE_RELEASED,
                NB_NAME_REASON_REMOVED, fx->now);
  assert_false (nb_registrar_lookup (fx->reg, &name, NULL));

  /* BOB: the secondary's record ran out long ago: the primary alone. */
  g_clear_pointer (&rel1, nb_ns_packet_free);
  assert_true (nb_registrar_remove_name (fx->reg, &old, fx->now, NULL));
  rel1 = pop_packet (fx->ft, WINS_IP, 137, FALSE, fx->now);
  assert_int_equal (rel1->opcode, NB_NS_OPCODE_RELEASE);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* Removing a name WINS granted: NAME RELEASE REQUEST unicast to the server
 * holding it, byte for byte nmbd's (golden nbns-release-wins: flags 0x3000,
 * TTL 259200); the server's answer ends it (no broadcast for an H-node
 * whose server confirmed). */
static void
test_release_to_wins (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERCYR", 0x03);
  g_autoptr (FakeSent) sent = NULL;
  g_autoptr (GBytes) expected = NULL;
  g_autoptr (NbNsPacket) request = NULL;
  g_autoptr (NbNsPacket) reply = NULL;

  make (fx, NB_NODE_H, 1, TRUE);
  granted_name (fx, &name, 259200);
  fx->now += S (10);
  assert_true (nb_registrar_remove_name (fx->reg, &name, fx->now, NULL));
  assert_event (fx, 0, NB_NAME_STATE_REGISTERED, NB_NAME_STATE_RELEASING,
                NB_NAME_REASON_REMOVED, fx->now);
  sent = pop_sent (fx->ft, WINS_IP, 137, FALSE, fx->now);
  expected = golden_patched ("nbns-release-wins", "release request (graceful nmbd stop)",
                             wire_trn_id (sent->data), -1);
  assert_bytes_equal (sent->data, expected);

  request = parse_bytes (sent->data);
  reply = nb_ns_release_response_new (request->trn_id, &name, NB_NS_RCODE_OK, 0x6000, OUR_IP);
  fx->now += MS (3);
  assert_true (inject_wins (fx, reply, WINS_IP));
  assert_event (fx, 1, NB_NAME_STATE_RELEASING, NB_NAME_STATE_RELEASED,
                NB_NAME_REASON_REMOVED, fx->now);
  assert_false (nb_registrar_lookup (fx->reg, &name, NULL));
  assert_true (nb_registrar_is_idle (fx->reg));
  run_until (fx, fx->now + S (10));
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* A silent server: 3 unicast transmissions, then (H-node, not confirmed)
 * the broadcast release, RELEASED within NB_REGISTRAR_WINS_RELEASE_MAX_US. */
static void
test_release_silent_server (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  gint64 t1;

  granted_name (fx, &name, 600);
  t1 = fx->now;
  nb_registrar_release_all (fx->reg, t1);
  /* A WACK does not stretch a release (a shutdown never hangs on WINS). */
  {
    const FakeSent *s = g_ptr_array_index (fx->ft->sent, 0);
    g_autoptr (NbNsPacket) wack = nb_ns_wack_new (wire_trn_id (s->data), &name, 60, 0x3000);

    assert_false (inject_wins (fx, wack, WINS_IP));
  }
  run_until (fx, t1 + NB_REGISTRAR_WINS_RELEASE_MAX_US);
  for (int i = 0; i < 3; i++) {
    g_autoptr (NbNsPacket) p = pop_packet (fx->ft, WINS_IP, 137, FALSE, t1 + MS (WINS_MS) * i);

    assert_int_equal (p->opcode, NB_NS_OPCODE_RELEASE);
    assert_false (p->flags & NB_NS_FLAG_BROADCAST);
  }
  for (int i = 0; i < 3; i++) {
    g_autoptr (NbNsPacket) p =
        pop_packet (fx->ft, BCAST_IP, 137, TRUE, t1 + MS (3 * WINS_MS) + MS (250) * i);

    assert_int_equal (p->opcode, NB_NS_OPCODE_RELEASE);
    assert_int_equal (nb_ns_packet_record (p)->ttl, 0);
  }
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_event (fx, 1, NB_NAME_STATE_RELEASING, NB_NAME_STATE_RELEASED,
                NB_NAME_REASON_SHUTDOWN, t1 + NB_REGISTRAR_WINS_RELEASE_MAX_US);
  assert_true (nb_registrar_is_idle (fx->reg));
}

/* ---- node types ------------------------------------------------------- */

/* M-node: broadcast first (3 x 250 ms, ONT 0x4000), then WINS; the grant
 * brings the overwrite demand and a name registered by both. Its release
 * goes to WINS, then by broadcast. */
static void
test_mnode_broadcast_then_wins (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (NbNsPacket) to_wins = NULL;
  g_autoptr (NbNsPacket) demand = NULL;
  g_autoptr (NbNsPacket) release = NULL;
  g_autoptr (NbNsPacket) reply = NULL;
  NbNameInfo info;
  gint64 t1;

  make (fx, NB_NODE_M, 1, FALSE);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  run_until (fx, T0 + MS (750));
  for (int i = 0; i < 3; i++) {
    g_autoptr (FakeSent) s = pop_sent (fx->ft, BCAST_IP, 137, TRUE, T0 + MS (250) * i);
    g_autoptr (NbNsPacket) p = parse_bytes (s->data);

    assert_int_equal (wire_flags (s->data), 0x2910);
    assert_int_equal (only_address (p).flags, 0x4000);
  }
  to_wins = pop_packet (fx->ft, WINS_IP, 137, FALSE, T0 + MS (750));
  assert_int_equal (to_wins->flags, NB_NS_FLAG_RD);
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_REGISTERING);

  fx->now += MS (2);
  answer (fx, to_wins, WINS_IP, NB_NS_RCODE_OK, 3600);
  demand = pop_packet (fx->ft, BCAST_IP, 137, TRUE, fx->now);
  assert_int_equal (demand->flags, NB_NS_FLAG_BROADCAST); /* 0x2810 */
  info = lookup (fx, &name);
  assert_int_equal (info.state, NB_NAME_STATE_REGISTERED);
  assert_int_equal (info.source, NB_NAME_SOURCE_BROADCAST | NB_NAME_SOURCE_WINS);
  assert_string_equal (nb_name_source_to_string (info.source), "broadcast+wins");

  t1 = fx->now;
  assert_true (nb_registrar_remove_name (fx->reg, &name, t1, NULL));
  release = pop_packet (fx->ft, WINS_IP, 137, FALSE, t1);
  reply = nb_ns_release_response_new (release->trn_id, &name, NB_NS_RCODE_OK, 0x4000, OUR_IP);
  assert_true (inject_wins (fx, reply, WINS_IP));
  run_until (fx, t1 + NB_REGISTRAR_RELEASE_DURATION_US);
  assert_int_equal (fake_transport_count (fx->ft), 3);
  assert_int_equal (last_event (fx)->info.state, NB_NAME_STATE_RELEASED);
}

/* M-node whose WINS stays silent: the broadcast claim stands (REGISTERED by
 * broadcast) and WINS is offered the name again after
 * NB_REGISTRAR_WINS_RETRY_US; a refusal then is a conflict. */
static void
test_mnode_wins_silent (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (NbNsPacket) retry = NULL;
  NbNameInfo info;
  gint64 t1 = T0 + MS (750) + MS (3 * WINS_MS);

  make (fx, NB_NODE_M, 1, FALSE);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  run_until (fx, t1);
  info = lookup (fx, &name);
  assert_int_equal (info.state, NB_NAME_STATE_REGISTERED);
  assert_int_equal (info.reason, NB_NAME_REASON_NO_OBJECTION);
  assert_int_equal (info.source, NB_NAME_SOURCE_BROADCAST);
  assert_true (info.refresh_us == t1 + NB_REGISTRAR_WINS_RETRY_US);
  /* 3 broadcasts, 3 to WINS, the overwrite demand. */
  assert_int_equal (fake_transport_count (fx->ft), 7);
  fake_transport_clear (fx->ft);

  run_until (fx, info.refresh_us);
  retry = pop_packet (fx->ft, WINS_IP, 137, FALSE, info.refresh_us);
  assert_int_equal (retry->opcode, NB_NS_OPCODE_REGISTRATION); /* not a refresh */
  assert_int_equal (lookup (fx, &name).state, NB_NAME_STATE_REFRESHING);
  answer (fx, retry, WINS_IP, NB_NS_RCODE_ACT_ERR, 0);
  info = lookup (fx, &name);
  assert_int_equal (info.state, NB_NAME_STATE_CONFLICT);
  assert_int_equal (info.peer_ipv4, WINS_IP);
}

/* H-node: WINS silent (3 x 1.5 s), then the B-node procedure (3 x 250 ms
 * and the overwrite demand): REGISTERED by broadcast; the retry later
 * registers with WINS, and the name is then held by both. */
static void
test_hnode_fallback (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (NbNsPacket) demand = NULL;
  g_autoptr (NbNsPacket) retry = NULL;
  gint64 tb = T0 + MS (3 * WINS_MS);
  NbNameInfo info;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  run_until (fx, tb + MS (750));
  for (int i = 0; i < 3; i++) {
    g_autoptr (FakeSent) s = pop_sent (fx->ft, WINS_IP, 137, FALSE, T0 + MS (WINS_MS) * i);

    assert_int_equal (wire_flags (s->data), 0x2900);
  }
  for (int i = 0; i < 3; i++) {
    g_autoptr (FakeSent) s = pop_sent (fx->ft, BCAST_IP, 137, TRUE, tb + MS (250) * i);

    assert_int_equal (wire_flags (s->data), 0x2910);
  }
  demand = pop_packet (fx->ft, BCAST_IP, 137, TRUE, tb + MS (750));
  assert_int_equal (demand->flags, NB_NS_FLAG_BROADCAST);
  assert_event (fx, 1, NB_NAME_STATE_REGISTERING, NB_NAME_STATE_REGISTERED,
                NB_NAME_REASON_NO_OBJECTION, tb + MS (750));
  info = lookup (fx, &name);
  assert_int_equal (info.source, NB_NAME_SOURCE_BROADCAST);

  run_until (fx, info.refresh_us);
  retry = pop_packet (fx->ft, WINS_IP, 137, FALSE, info.refresh_us);
  assert_int_equal (retry->opcode, NB_NS_OPCODE_REGISTRATION);
  answer (fx, retry, WINS_IP, NB_NS_RCODE_OK, 600);
  info = lookup (fx, &name);
  assert_int_equal (info.source, NB_NAME_SOURCE_BROADCAST | NB_NAME_SOURCE_WINS);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* P-node: never a broadcast; with every server silent the name is taken
 * (as Samba) and offered again later. */
static void
test_pnode_silent (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("ALICE", 0x03);
  NbNameInfo info;
  gint64 end = T0 + 2 * MS (3 * WINS_MS);

  make (fx, NB_NODE_P, 2, FALSE);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  run_until (fx, end);
  assert_int_equal (fake_transport_count (fx->ft), 6);
  for (guint i = 0; i < 6; i++) {
    const FakeSent *s = g_ptr_array_index (fx->ft->sent, i);

    assert_false (s->broadcast);
    assert_int_equal (s->dst, i < 3 ? WINS_IP : WINS2_IP);
  }
  assert_event (fx, 1, NB_NAME_STATE_REGISTERING, NB_NAME_STATE_REGISTERED,
                NB_NAME_REASON_WINS_SILENT, end);
  info = lookup (fx, &name);
  assert_int_equal (info.source, NB_NAME_SOURCE_NONE);
  assert_string_equal (nb_name_reason_to_string (info.reason), "wins-silent");
  assert_true (info.refresh_us == end + NB_REGISTRAR_WINS_RETRY_US);

  /* Its release goes to the primary only, never broadcast. */
  fake_transport_clear (fx->ft);
  assert_true (nb_registrar_remove_name (fx->reg, &name, fx->now, NULL));
  run_until (fx, fx->now + NB_REGISTRAR_WINS_RELEASE_MAX_US);
  assert_int_equal (fake_transport_count (fx->ft), 3);
  for (guint i = 0; i < 3; i++) {
    const FakeSent *s = g_ptr_array_index (fx->ft->sent, i);

    assert_int_equal (s->dst, WINS_IP);
  }
  assert_int_equal (last_event (fx)->info.state, NB_NAME_STATE_RELEASED);
}

/* ---- configuration ---------------------------------------------------- */

static void
test_config_rules (void **state)
{
  Fx *fx = *state;
  NbRegistrarConfig config;
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (NbRegistrar) h_alone = NULL;
  NbName name = tname ("ALICE", 0x03);
  g_autoptr (NbNsPacket) p = NULL;

  nb_registrar_config_init (&config);
  config.address = OUR_IP;
  config.node_type = NB_NODE_P;
  assert_null (nb_registrar_new (&config, &fx->ft->transport, &e1));
  assert_true (g_error_matches (e1, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT));
  config.node_type = NB_NODE_H;
  config.n_wins_servers = 1;
  config.wins_servers[0] = 0;
  assert_null (nb_registrar_new (&config, &fx->ft->transport, &e2));
  assert_true (g_error_matches (e2, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT));

  /* H without a server is a B-node: broadcast, ONT 0x0000. */
  config.n_wins_servers = 0;
  config.netmask = IP4 (255, 255, 255, 0);
  h_alone = nb_registrar_new (&config, &fx->ft->transport, NULL);
  assert_non_null (h_alone);
  assert_true (nb_registrar_add_name (h_alone, &name, FALSE, fx->now, NULL));
  p = pop_packet (fx->ft, BCAST_IP, 137, TRUE, fx->now);
  assert_int_equal (only_address (p).flags, 0x0000);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_golden_multihomed_registration, setup, teardown),
    cmocka_unit_test_setup_teardown (test_multihomed_answers_wins_query, setup, teardown),
    cmocka_unit_test_setup_teardown (test_multihomed_primary, setup, teardown),
    cmocka_unit_test_setup_teardown (test_golden_group_registration, setup, teardown),
    cmocka_unit_test_setup_teardown (test_single_homed_and_ont, setup, teardown),
    cmocka_unit_test_setup_teardown (test_negative_response, setup, teardown),
    cmocka_unit_test_setup_teardown (test_wack_then_verdict, setup, teardown),
    cmocka_unit_test_setup_teardown (test_wack_expires, setup, teardown),
    cmocka_unit_test_setup_teardown (test_strangers_ignored, setup, teardown),
    cmocka_unit_test_setup_teardown (test_refresh_at_half_ttl, setup, teardown),
    cmocka_unit_test_setup_teardown (test_refresh_silent, setup, teardown),
    cmocka_unit_test_setup_teardown (test_refresh_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (test_failback_capped, setup, teardown),
    cmocka_unit_test_setup_teardown (test_failover_and_back, setup, teardown),
    cmocka_unit_test_setup_teardown (test_release_after_failback, setup, teardown),
    cmocka_unit_test_setup_teardown (test_release_to_wins, setup, teardown),
    cmocka_unit_test_setup_teardown (test_release_silent_server, setup, teardown),
    cmocka_unit_test_setup_teardown (test_mnode_broadcast_then_wins, setup, teardown),
    cmocka_unit_test_setup_teardown (test_mnode_wins_silent, setup, teardown),
    cmocka_unit_test_setup_teardown (test_hnode_fallback, setup, teardown),
    cmocka_unit_test_setup_teardown (test_pnode_silent, setup, teardown),
    cmocka_unit_test_setup_teardown (test_config_rules, setup, teardown),
  };

  return cmocka_run_group_tests_name ("registrar-wins", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The registrar's state machines with a fake transport and a fake clock:
 * registration (exact packets and times), conflict, defence, conflict
 * demand, release, table rules, and the GLib timer adapter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "registrar-fixture.h"

#define OUR_IP IP4 (10, 99, 0, 1)
#define BCAST_IP IP4 (10, 99, 0, 255)
#define PEER_IP IP4 (10, 99, 0, 9)

static NbRegistrar *
make_registrar (Fx *fx, void (*tweak) (NbRegistrarConfig *))
{
  NbRegistrarConfig config;
  g_autoptr (GError) error = NULL;
  NbRegistrar *reg;

  nb_registrar_config_init (&config);
  config.address = OUR_IP;
  config.netmask = IP4 (255, 255, 255, 0);
  if (tweak != NULL)
    tweak (&config);
  reg = nb_registrar_new (&config, &fx->ft->transport, &error);
  assert_null (error);
  assert_non_null (reg);
  nb_registrar_set_event_func (reg, on_event, fx, NULL);
  return reg;
}

static int
setup (void **state)
{
  Fx *fx = g_new0 (Fx, 1);

  fx->now = T0;
  fx->ft = fake_transport_new (&fx->now);
  fx->events = g_array_new (FALSE, FALSE, sizeof (Ev));
  fx->reg = make_registrar (fx, NULL);
  *state = fx;
  return 0;
}

static void
assert_event (Fx *fx, guint i, const NbName *name, NbNameState old_state, NbNameState state,
              NbNameReason reason, gint64 at)
{
  const Ev *ev = event (fx, i);

  assert_true (nb_name_equal (&ev->info.name, name));
  assert_int_equal (ev->old_state, old_state);
  assert_int_equal (ev->info.state, state);
  assert_int_equal (ev->info.reason, reason);
  assert_true (ev->info.since_us == at);
}

/* Registers @name unopposed and forgets the packets and events. */
static void
register_name (Fx *fx, const NbName *name, gboolean group)
{
  NbNameInfo info;

  assert_true (nb_registrar_add_name (fx->reg, name, group, fx->now, NULL));
  run_until (fx, fx->now + NB_REGISTRAR_REGISTRATION_DURATION_US);
  assert_true (nb_registrar_lookup (fx->reg, name, &info));
  assert_int_equal (info.state, NB_NAME_STATE_REGISTERED);
  fake_transport_clear (fx->ft);
  g_array_set_size (fx->events, 0);
}

/* ---- registration ----------------------------------------------------- */

/* PEERA<03> from 10.99.0.1 must be byte for byte what nmbd broadcast in
 * capture 01 (golden nbns-registration-bnode: flags 0x2910, TTL 0, NB_FLAGS
 * 0x0000), sent at 0, 250 and 500 ms with one NAME_TRN_ID, followed at
 * 750 ms by the overwrite demand (RD cleared: 0x2810) and REGISTERED. */
static void
test_registration_unique (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (FakeSent) first = NULL;
  g_autoptr (GBytes) expected = NULL;
  g_autoptr (NbNsPacket) demand = NULL;
  guint16 trn;
  NbNameInfo info;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  assert_int_equal (fx->events->len, 1);
  assert_event (fx, 0, &name, NB_NAME_STATE_RELEASED, NB_NAME_STATE_REGISTERING,
                NB_NAME_REASON_ADDED, T0);
  assert_true (nb_registrar_next_deadline (fx->reg) == T0 + MS (250));

  first = pop_sent (fx->ft, BCAST_IP, 137, TRUE, T0);
  trn = wire_trn_id (first->data);
  expected = golden_patched ("nbns-registration-bnode", "request", trn, -1);
  assert_bytes_equal (first->data, expected);
  assert_int_equal (fake_transport_count (fx->ft), 0);

  run_until (fx, T0 + MS (749));
  for (int i = 1; i <= 2; i++) {
    g_autoptr (FakeSent) again = pop_sent (fx->ft, BCAST_IP, 137, TRUE, T0 + MS (250) * i);

    assert_bytes_equal (again->data, expected);
  }
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_true (nb_registrar_lookup (fx->reg, &name, &info));
  assert_int_equal (info.state, NB_NAME_STATE_REGISTERING);
  assert_false (nb_registrar_is_idle (fx->reg));

  run_until (fx, T0 + MS (750));
  demand = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0 + MS (750));
  assert_int_equal (demand->trn_id, trn);
  assert_false (demand->response);
  assert_int_equal (demand->opcode, NB_NS_OPCODE_REGISTRATION);
  assert_int_equal (demand->flags, NB_NS_FLAG_BROADCAST); /* 0x2810: RD = 0 */
  assert_int_equal (only_address (demand).ipv4, OUR_IP);
  assert_int_equal (only_address (demand).flags, 0x0000);

  assert_int_equal (fx->events->len, 2);
  assert_event (fx, 1, &name, NB_NAME_STATE_REGISTERING, NB_NAME_STATE_REGISTERED,
                NB_NAME_REASON_NO_OBJECTION, T0 + MS (750));
  assert_true (nb_registrar_next_deadline (fx->reg) == NB_ENGINE_NO_DEADLINE);
  assert_true (nb_registrar_is_idle (fx->reg));
  run_until (fx, T0 + MS (60000));
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* PEERLAN<1e> as a group: golden nbns-registration-group-bnode (NB_FLAGS
 * 0x8000). */
static void
test_registration_group (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERLAN", 0x1e);
  g_autoptr (FakeSent) first = NULL;
  g_autoptr (GBytes) expected = NULL;

  assert_true (nb_registrar_add_name (fx->reg, &name, TRUE, fx->now, NULL));
  first = pop_sent (fx->ft, BCAST_IP, 137, TRUE, T0);
  expected = golden_patched ("nbns-registration-group-bnode", "request",
                             wire_trn_id (first->data), -1);
  assert_bytes_equal (first->data, expected);
  run_until (fx, T0 + MS (750));
  assert_int_equal (fake_transport_count (fx->ft), 3);
  assert_int_equal (fx->events->len, 2);
  assert_event (fx, 1, &name, NB_NAME_STATE_REGISTERING, NB_NAME_STATE_REGISTERED,
                NB_NAME_REASON_NO_OBJECTION, T0 + MS (750));
  assert_true (event (fx, 1)->info.group);
}

/* Each name runs its own transaction with its own NAME_TRN_ID. */
static void
test_registration_two_names (void **state)
{
  Fx *fx = *state;
  NbName a = tname ("ALICE", 0x03);
  NbName b = tname ("BOB", 0x03);
  g_autoptr (NbNsPacket) pa = NULL;
  g_autoptr (NbNsPacket) pb = NULL;

  assert_true (nb_registrar_add_name (fx->reg, &a, FALSE, fx->now, NULL));
  fx->now += MS (100);
  assert_true (nb_registrar_add_name (fx->reg, &b, FALSE, fx->now, NULL));
  pa = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0);
  pb = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0 + MS (100));
  assert_int_not_equal (pa->trn_id, pb->trn_id);
  assert_true (nb_name_equal (&nb_ns_packet_question (pb)->name, &b));

  run_until (fx, T0 + MS (800));
  /* a: 250, 500, 750 (demand); b: 350, 600, 850 pending. */
  assert_int_equal (fake_transport_count (fx->ft), 5);
  assert_int_equal (fx->events->len, 3);
  assert_event (fx, 2, &a, NB_NAME_STATE_REGISTERING, NB_NAME_STATE_REGISTERED,
                NB_NAME_REASON_NO_OBJECTION, T0 + MS (750));
  assert_true (nb_registrar_next_deadline (fx->reg) == T0 + MS (850));
  run_until (fx, T0 + MS (850));
  assert_event (fx, 3, &b, NB_NAME_STATE_REGISTERING, NB_NAME_STATE_REGISTERED,
                NB_NAME_REASON_NO_OBJECTION, T0 + MS (850));
}

/* A node that owns the name answers our request with ACT_ERR (as nmbd
 * does, flags 0xAD86): CONFLICT, who and why, and nothing more is sent. */
static void
test_registration_refused (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) request = NULL;
  g_autoptr (NbNsPacket) refusal = NULL;
  const Ev *ev;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  request = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0);
  run_until (fx, T0 + MS (300));
  assert_int_equal (fake_transport_count (fx->ft), 1);
  fake_transport_clear (fx->ft);

  refusal = nb_ns_registration_response_new (request->trn_id, &name, NB_NS_RCODE_ACT_ERR, 0,
                                             0x0000, OUR_IP);
  assert_true (inject (fx, refusal, PEER_IP, 137));
  assert_int_equal (fx->events->len, 2);
  assert_event (fx, 1, &name, NB_NAME_STATE_REGISTERING, NB_NAME_STATE_CONFLICT,
                NB_NAME_REASON_NEGATIVE_RESPONSE, T0 + MS (300));
  ev = event (fx, 1);
  assert_int_equal (ev->info.peer_ipv4, PEER_IP);
  assert_int_equal (ev->info.peer_rcode, NB_NS_RCODE_ACT_ERR);
  assert_true (nb_registrar_next_deadline (fx->reg) == NB_ENGINE_NO_DEADLINE);
  run_until (fx, T0 + MS (5000));
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_int_equal (fx->events->len, 2);
}

/* A conflict demand while still registering ends the registration too. */
static void
test_registration_conflict_demand (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) demand = nb_ns_name_conflict_demand_new (0x6666, &name, 0);

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  fx->now += MS (100);
  assert_true (inject (fx, demand, PEER_IP, 137));
  assert_int_equal (fx->events->len, 2);
  assert_event (fx, 1, &name, NB_NAME_STATE_REGISTERING, NB_NAME_STATE_CONFLICT,
                NB_NAME_REASON_CONFLICT_DEMAND, T0 + MS (100));
  run_until (fx, T0 + MS (2000));
  assert_int_equal (fake_transport_count (fx->ft), 1);
  assert_int_equal (fx->events->len, 2);
}

/* A refusal of the final overwrite demand (same NAME_TRN_ID) arriving
 * after REGISTERED still means another node owns the name. */
static void
test_late_refusal (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) request = NULL;
  g_autoptr (NbNsPacket) refusal = NULL;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  request = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0);
  run_until (fx, T0 + MS (760));
  assert_int_equal (event (fx, 1)->info.state, NB_NAME_STATE_REGISTERED);
  refusal = nb_ns_registration_response_new (request->trn_id, &name, NB_NS_RCODE_ACT_ERR, 0, 0,
                                             OUR_IP);
  assert_true (inject (fx, refusal, PEER_IP, 137));
  assert_event (fx, 2, &name, NB_NAME_STATE_REGISTERED, NB_NAME_STATE_CONFLICT,
                NB_NAME_REASON_NEGATIVE_RESPONSE, T0 + MS (760));
}

/* A refusal for another transaction, or a positive answer, is no conflict. */
static void
test_registration_foreign_response_ignored (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) request = NULL;
  g_autoptr (NbNsPacket) other = NULL;
  g_autoptr (NbNsPacket) positive = NULL;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  request = pop_packet (fx->ft, BCAST_IP, 137, TRUE, T0);
  other = nb_ns_registration_response_new (request->trn_id + 1, &name, NB_NS_RCODE_ACT_ERR, 0,
                                           0, OUR_IP);
  assert_false (inject (fx, other, PEER_IP, 137));
  positive = nb_ns_registration_response_new (request->trn_id, &name, NB_NS_RCODE_OK, 0, 0,
                                              OUR_IP);
  assert_true (inject (fx, positive, PEER_IP, 137));
  run_until (fx, T0 + MS (750));
  assert_int_equal (fx->events->len, 2);
  assert_int_equal (event (fx, 1)->info.state, NB_NAME_STATE_REGISTERED);
}

/* A lost datagram is what the retries are for: send errors do not stop the
 * machine. */
static void
test_registration_send_failure (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);

  fx->ft->fail = TRUE;
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  run_until (fx, T0 + MS (750));
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_int_equal (fx->events->len, 2);
  assert_int_equal (event (fx, 1)->info.state, NB_NAME_STATE_REGISTERED);
}

/* ---- defence ---------------------------------------------------------- */

/* Another node registering our unique name gets a NEGATIVE NAME
 * REGISTRATION RESPONSE, ACT_ERR, unicast to its address and port, echoing
 * its NAME_TRN_ID, name and RDATA (RFC 1002 §4.2.6; flags 0xAD86). */
static void
test_defend_unique (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) theirs = NULL;
  g_autoptr (NbNsPacket) reply = NULL;
  g_autoptr (FakeSent) sent = NULL;
  const NbNsRecord *rr;
  NbNameInfo info;

  register_name (fx, &name, FALSE);
  theirs = nb_ns_registration_request_new (0x1234, &name, TRUE, 0, 0x0000, PEER_IP);
  assert_true (inject (fx, theirs, PEER_IP, 40000));

  sent = pop_sent (fx->ft, PEER_IP, 40000, FALSE, fx->now);
  assert_int_equal (wire_flags (sent->data), 0xAD86);
  reply = parse_bytes (sent->data);
  assert_int_equal (reply->trn_id, 0x1234);
  assert_true (reply->response);
  assert_int_equal (reply->rcode, NB_NS_RCODE_ACT_ERR);
  assert_int_equal (reply->answers->len, 1);
  rr = nb_ns_packet_record (reply);
  assert_true (nb_name_equal (&rr->name, &name));
  assert_int_equal (rr->type, NB_NS_TYPE_NB);
  assert_int_equal (rr->ttl, 0);
  assert_int_equal (only_address (reply).flags, 0x0000);
  assert_int_equal (only_address (reply).ipv4, PEER_IP);
  assert_int_equal (fake_transport_count (fx->ft), 0);

  /* We keep the name; no event. */
  assert_int_equal (fx->events->len, 0);
  assert_true (nb_registrar_lookup (fx->reg, &name, &info));
  assert_int_equal (info.state, NB_NAME_STATE_REGISTERED);
}

/* Our unique name registered as a group, and our group name registered as
 * unique, are defended; a group registered as a group is not. */
static void
test_defend_group_rules (void **state)
{
  Fx *fx = *state;
  NbName unique = tname ("PEERA", 0x00);
  NbName group = tname ("WORKGROUP", 0x00);
  g_autoptr (NbNsPacket) as_group = NULL;
  g_autoptr (NbNsPacket) as_unique = NULL;
  g_autoptr (NbNsPacket) group_as_group = NULL;
  g_autoptr (NbNsPacket) r1 = NULL;
  g_autoptr (NbNsPacket) r2 = NULL;

  register_name (fx, &unique, FALSE);
  register_name (fx, &group, TRUE);

  as_group = nb_ns_registration_request_new (0x0101, &unique, TRUE, 0, NB_NS_NB_GROUP, PEER_IP);
  assert_true (inject (fx, as_group, PEER_IP, 137));
  r1 = pop_packet (fx->ft, PEER_IP, 137, FALSE, fx->now);
  assert_int_equal (r1->trn_id, 0x0101);
  assert_int_equal (r1->rcode, NB_NS_RCODE_ACT_ERR);
  assert_int_equal (only_address (r1).flags, NB_NS_NB_GROUP);

  as_unique = nb_ns_registration_request_new (0x0202, &group, TRUE, 0, 0x0000, PEER_IP);
  assert_true (inject (fx, as_unique, PEER_IP, 137));
  r2 = pop_packet (fx->ft, PEER_IP, 137, FALSE, fx->now);
  assert_int_equal (r2->trn_id, 0x0202);
  assert_int_equal (r2->rcode, NB_NS_RCODE_ACT_ERR);

  group_as_group = nb_ns_registration_request_new (0x0303, &group, TRUE, 0, NB_NS_NB_GROUP,
                                                   PEER_IP);
  assert_true (inject (fx, group_as_group, PEER_IP, 137));
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_int_equal (fx->events->len, 0);
}

/* Overwrite demands (RD = 0) and multi-homed registrations are defended
 * like registrations. */
static void
test_defend_overwrite_and_multihomed (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) demand = NULL;
  g_autoptr (NbNsPacket) mh = NULL;
  g_autoptr (NbNsPacket) r1 = NULL;
  g_autoptr (NbNsPacket) r2 = NULL;

  register_name (fx, &name, FALSE);
  demand = nb_ns_registration_request_new (0x0a0a, &name, TRUE, 0, 0, PEER_IP);
  demand->flags &= ~NB_NS_FLAG_RD;
  assert_true (inject (fx, demand, PEER_IP, 137));
  r1 = pop_packet (fx->ft, PEER_IP, 137, FALSE, fx->now);
  assert_int_equal (r1->trn_id, 0x0a0a);
  assert_int_equal (r1->rcode, NB_NS_RCODE_ACT_ERR);

  mh = nb_ns_multihomed_registration_request_new (0x0b0b, &name, 300, 0, PEER_IP);
  assert_true (inject (fx, mh, PEER_IP, 137));
  r2 = pop_packet (fx->ft, PEER_IP, 137, FALSE, fx->now);
  assert_int_equal (r2->trn_id, 0x0b0b);
  assert_int_equal (r2->rcode, NB_NS_RCODE_ACT_ERR);
}

/* No defence while registering (not ours yet), in conflict (MS-NBTE
 * §3.1.5.1), or against our own looped-back broadcast. */
static void
test_no_defence (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  NbName other = tname ("OTHER", 0x03);
  g_autoptr (NbNsPacket) theirs = NULL;
  g_autoptr (NbNsPacket) own = NULL;
  g_autoptr (NbNsPacket) demand = NULL;
  g_autoptr (NbNsPacket) unknown = NULL;

  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  fake_transport_clear (fx->ft);
  theirs = nb_ns_registration_request_new (0x1111, &name, TRUE, 0, 0, PEER_IP);
  assert_true (inject (fx, theirs, PEER_IP, 137));
  assert_int_equal (fake_transport_count (fx->ft), 0);

  run_until (fx, T0 + MS (750));
  fake_transport_clear (fx->ft);
  own = nb_ns_registration_request_new (0x2222, &name, TRUE, 0, 0, OUR_IP);
  assert_true (inject (fx, own, OUR_IP, 137));
  assert_int_equal (fake_transport_count (fx->ft), 0);

  unknown = nb_ns_registration_request_new (0x3333, &other, TRUE, 0, 0, PEER_IP);
  assert_true (inject (fx, unknown, PEER_IP, 137));
  assert_int_equal (fake_transport_count (fx->ft), 0);

  demand = nb_ns_name_conflict_demand_new (0x4444, &name, 0);
  assert_true (inject (fx, demand, PEER_IP, 137));
  assert_true (inject (fx, theirs, PEER_IP, 137));
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* ---- conflict demand -------------------------------------------------- */

static void
test_conflict_demand (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) demand = NULL;
  const Ev *ev;

  register_name (fx, &name, FALSE);
  fx->now += MS (10000);
  /* Errata 10: the demand's RDATA keeps the owner's ONT, address 0.0.0.0. */
  demand = nb_ns_name_conflict_demand_new (0x5555, &name, NB_NS_ONT_B);
  assert_true (inject (fx, demand, PEER_IP, 137));
  assert_int_equal (fx->events->len, 1);
  assert_event (fx, 0, &name, NB_NAME_STATE_REGISTERED, NB_NAME_STATE_CONFLICT,
                NB_NAME_REASON_CONFLICT_DEMAND, fx->now);
  ev = event (fx, 0);
  assert_int_equal (ev->info.peer_ipv4, PEER_IP);
  assert_int_equal (ev->info.peer_rcode, NB_NS_RCODE_CFT_ERR);
  /* The engine only reports; nothing is sent. */
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_true (nb_registrar_is_idle (fx->reg));

  /* A second demand changes nothing. */
  assert_false (inject (fx, demand, PEER_IP, 137));
  assert_int_equal (fx->events->len, 1);

  /* Adding it again retries the registration; the last conflict source is
   * kept for display. */
  fx->now += MS (1000);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  assert_int_equal (fx->events->len, 2);
  assert_event (fx, 1, &name, NB_NAME_STATE_CONFLICT, NB_NAME_STATE_REGISTERING,
                NB_NAME_REASON_ADDED, fx->now);
  assert_int_equal (event (fx, 1)->info.peer_ipv4, PEER_IP);
  assert_int_equal (fake_transport_count (fx->ft), 1);
}

/* Group names cannot be in conflict. */
static void
test_conflict_demand_group_ignored (void **state)
{
  Fx *fx = *state;
  NbName group = tname ("WORKGROUP", 0x00);
  g_autoptr (NbNsPacket) demand = NULL;

  register_name (fx, &group, TRUE);
  demand = nb_ns_name_conflict_demand_new (0x5555, &group, 0);
  assert_false (inject (fx, demand, PEER_IP, 137));
  assert_int_equal (fx->events->len, 0);
}

/* The daemon may react inside the callback: removing the conflicted name
 * yields RELEASED right after CONFLICT, and no release is broadcast. */
static void
test_conflict_reentrant_remove (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) demand = NULL;

  register_name (fx, &name, FALSE);
  fx->remove_on_conflict = TRUE;
  demand = nb_ns_name_conflict_demand_new (0x5555, &name, 0);
  assert_true (inject (fx, demand, PEER_IP, 137));
  assert_int_equal (fx->events->len, 2);
  assert_event (fx, 0, &name, NB_NAME_STATE_REGISTERED, NB_NAME_STATE_CONFLICT,
                NB_NAME_REASON_CONFLICT_DEMAND, fx->now);
  assert_event (fx, 1, &name, NB_NAME_STATE_CONFLICT, NB_NAME_STATE_RELEASED,
                NB_NAME_REASON_REMOVED, fx->now);
  assert_false (nb_registrar_lookup (fx->reg, &name, NULL));
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* ---- release ---------------------------------------------------------- */

/* Removal: RELEASE REQUEST broadcast at 0, 250, 500 ms (flags 0x3010, TTL
 * 0, our NB_FLAGS and address, a new NAME_TRN_ID), RELEASED at 750 ms. */
static void
test_release_on_remove (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  gint64 t;
  guint16 trn = 0;
  NbNameInfo info;

  register_name (fx, &name, FALSE);
  t = fx->now;
  assert_true (nb_registrar_remove_name (fx->reg, &name, t, NULL));
  assert_int_equal (fx->events->len, 1);
  assert_event (fx, 0, &name, NB_NAME_STATE_REGISTERED, NB_NAME_STATE_RELEASING,
                NB_NAME_REASON_REMOVED, t);
  assert_true (nb_registrar_lookup (fx->reg, &name, &info));
  assert_int_equal (info.state, NB_NAME_STATE_RELEASING);

  run_until (fx, t + MS (749));
  for (int i = 0; i < 3; i++) {
    g_autoptr (FakeSent) sent = pop_sent (fx->ft, BCAST_IP, 137, TRUE, t + MS (250) * i);
    g_autoptr (NbNsPacket) p = parse_bytes (sent->data);
    const NbNsRecord *rr = nb_ns_packet_record (p);

    assert_int_equal (wire_flags (sent->data), 0x3010);
    if (i == 0)
      trn = p->trn_id;
    assert_int_equal (p->trn_id, trn);
    assert_int_equal (p->opcode, NB_NS_OPCODE_RELEASE);
    assert_true (nb_name_equal (&nb_ns_packet_question (p)->name, &name));
    assert_int_equal (p->additional->len, 1);
    assert_int_equal (rr->ttl, 0);
    assert_int_equal (only_address (p).flags, 0x0000);
    assert_int_equal (only_address (p).ipv4, OUR_IP);
  }
  assert_int_equal (fx->events->len, 1);
  run_until (fx, t + MS (750));
  assert_int_equal (fake_transport_count (fx->ft), 0);
  assert_int_equal (fx->events->len, 2);
  assert_event (fx, 1, &name, NB_NAME_STATE_RELEASING, NB_NAME_STATE_RELEASED,
                NB_NAME_REASON_REMOVED, t + MS (750));
  assert_false (nb_registrar_lookup (fx->reg, &name, NULL));
  assert_true (nb_registrar_next_deadline (fx->reg) == NB_ENGINE_NO_DEADLINE);

  /* Removing twice while releasing is harmless; once gone, NOT_FOUND. */
  {
    g_autoptr (GError) error = NULL;

    assert_false (nb_registrar_remove_name (fx->reg, &name, fx->now, &error));
    assert_true (g_error_matches (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND));
  }
}

/* Shutdown: registered names are released on the wire; a name still
 * registering or in conflict is dropped at once and silently. */
static void
test_release_all (void **state)
{
  Fx *fx = *state;
  NbName a = tname ("PEERA", 0x03);
  NbName g = tname ("WORKGROUP", 0x00);
  NbName c = tname ("CLASH", 0x03);
  NbName r = tname ("LATE", 0x03);
  g_autoptr (NbNsPacket) demand = NULL;
  gint64 t;
  g_autoptr (GArray) names = NULL;

  register_name (fx, &a, FALSE);
  register_name (fx, &g, TRUE);
  register_name (fx, &c, FALSE);
  demand = nb_ns_name_conflict_demand_new (1, &c, 0);
  assert_true (inject (fx, demand, PEER_IP, 137));
  assert_true (nb_registrar_add_name (fx->reg, &r, FALSE, fx->now, NULL));
  fake_transport_clear (fx->ft);
  g_array_set_size (fx->events, 0);

  t = fx->now;
  nb_registrar_release_all (fx->reg, t);
  assert_int_equal (fx->events->len, 4);
  assert_event (fx, 0, &a, NB_NAME_STATE_REGISTERED, NB_NAME_STATE_RELEASING,
                NB_NAME_REASON_SHUTDOWN, t);
  assert_event (fx, 1, &g, NB_NAME_STATE_REGISTERED, NB_NAME_STATE_RELEASING,
                NB_NAME_REASON_SHUTDOWN, t);
  assert_event (fx, 2, &c, NB_NAME_STATE_CONFLICT, NB_NAME_STATE_RELEASED,
                NB_NAME_REASON_SHUTDOWN, t);
  assert_event (fx, 3, &r, NB_NAME_STATE_REGISTERING, NB_NAME_STATE_RELEASED,
                NB_NAME_REASON_SHUTDOWN, t);
  assert_int_equal (fake_transport_count (fx->ft), 2);
  {
    g_autoptr (NbNsPacket) p1 = pop_packet (fx->ft, BCAST_IP, 137, TRUE, t);
    g_autoptr (NbNsPacket) p2 = pop_packet (fx->ft, BCAST_IP, 137, TRUE, t);

    assert_true (nb_name_equal (&nb_ns_packet_question (p1)->name, &a));
    assert_true (nb_name_equal (&nb_ns_packet_question (p2)->name, &g));
    assert_int_equal (only_address (p2).flags, NB_NS_NB_GROUP);
  }
  assert_false (nb_registrar_is_idle (fx->reg));
  run_until (fx, t + NB_REGISTRAR_RELEASE_DURATION_US);
  assert_true (nb_registrar_is_idle (fx->reg));
  assert_int_equal (fake_transport_count (fx->ft), 4);
  assert_int_equal (fx->events->len, 6);
  assert_event (fx, 4, &a, NB_NAME_STATE_RELEASING, NB_NAME_STATE_RELEASED,
                NB_NAME_REASON_SHUTDOWN, t + MS (750));
  assert_event (fx, 5, &g, NB_NAME_STATE_RELEASING, NB_NAME_STATE_RELEASED,
                NB_NAME_REASON_SHUTDOWN, t + MS (750));
  names = nb_registrar_get_names (fx->reg);
  assert_int_equal (names->len, 0);
}

/* Adding a name back while it is being released re-registers it. */
static void
test_readd_while_releasing (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) p = NULL;

  register_name (fx, &name, FALSE);
  assert_true (nb_registrar_remove_name (fx->reg, &name, fx->now, NULL));
  fake_transport_clear (fx->ft);
  fx->now += MS (100);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, fx->now, NULL));
  assert_event (fx, 1, &name, NB_NAME_STATE_RELEASING, NB_NAME_STATE_REGISTERING,
                NB_NAME_REASON_ADDED, fx->now);
  p = pop_packet (fx->ft, BCAST_IP, 137, TRUE, fx->now);
  assert_int_equal (p->opcode, NB_NS_OPCODE_REGISTRATION);
  run_until (fx, fx->now + MS (750));
  assert_int_equal (event (fx, fx->events->len - 1)->info.state, NB_NAME_STATE_REGISTERED);
  /* Only registrations and the demand went out after the re-add. */
  while (fake_transport_count (fx->ft) > 0) {
    g_autoptr (FakeSent) s = fake_transport_pop (fx->ft);

    assert_int_equal (wire_flags (s->data) & 0x7800, NB_NS_OPCODE_REGISTRATION << 11);
  }
}

/* Another node releasing our unique name is told it is still in use
 * (nmbd: NEGATIVE NAME RELEASE RESPONSE, ACT_ERR: flags 0xB406). */
static void
test_refuse_foreign_release (void **state)
{
  Fx *fx = *state;
  NbName name = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) release = NULL;
  g_autoptr (FakeSent) sent = NULL;
  g_autoptr (NbNsPacket) reply = NULL;

  register_name (fx, &name, FALSE);
  release = nb_ns_release_request_new (0x7777, &name, TRUE, 0, 0, PEER_IP);
  assert_true (inject (fx, release, PEER_IP, 137));
  sent = pop_sent (fx->ft, PEER_IP, 137, FALSE, fx->now);
  assert_int_equal (wire_flags (sent->data), 0xB406);
  reply = parse_bytes (sent->data);
  assert_int_equal (reply->trn_id, 0x7777);
  assert_int_equal (only_address (reply).ipv4, PEER_IP);
  assert_int_equal (fx->events->len, 0);
}

/* ---- table rules and config ------------------------------------------- */

static void
tweak_two_names (NbRegistrarConfig *config)
{
  config->max_names = 2;
}

static void
test_table_rules (void **state)
{
  Fx *fx = *state;
  NbName a = tname ("PEERA", 0x03);
  NbName star;
  NbName scoped = tname ("PEERA", 0x03);
  GError *error = NULL;

  assert_true (nb_registrar_add_name (fx->reg, &a, FALSE, fx->now, NULL));
  assert_false (nb_registrar_add_name (fx->reg, &a, FALSE, fx->now, &error));
  assert_true (g_error_matches (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_EXISTS));
  g_clear_error (&error);
  run_until (fx, T0 + MS (750));
  assert_false (nb_registrar_add_name (fx->reg, &a, TRUE, fx->now, &error));
  assert_true (g_error_matches (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_EXISTS));
  g_clear_error (&error);

  star.bytes[0] = '*';
  memset (star.bytes + 1, ' ', 14);
  star.bytes[15] = 0x20;
  star.scope[0] = '\0';
  assert_false (nb_registrar_add_name (fx->reg, &star, FALSE, fx->now, &error));
  assert_true (g_error_matches (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);

  assert_true (nb_name_set_scope (&scoped, "OTHER.SCOPE", NULL));
  assert_false (nb_registrar_add_name (fx->reg, &scoped, FALSE, fx->now, &error));
  assert_true (g_error_matches (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);

  assert_false (nb_registrar_remove_name (fx->reg, &star, fx->now, &error));
  assert_true (g_error_matches (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND));
  g_clear_error (&error);

  /* Table size. */
  nb_registrar_free (fx->reg);
  fx->reg = make_registrar (fx, tweak_two_names);
  assert_true (nb_registrar_add_name (fx->reg, &a, FALSE, fx->now, NULL));
  a = tname ("PEERB", 0x03);
  assert_true (nb_registrar_add_name (fx->reg, &a, FALSE, fx->now, NULL));
  a = tname ("PEERC", 0x03);
  assert_false (nb_registrar_add_name (fx->reg, &a, FALSE, fx->now, &error));
  assert_true (g_error_matches (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_TOO_MANY));
  g_clear_error (&error);
}

static void
test_get_names (void **state)
{
  Fx *fx = *state;
  NbName a = tname ("PEERA", 0x00);
  NbName g = tname ("WORKGROUP", 0x00);
  g_autoptr (GArray) names = NULL;
  const NbNameInfo *i0, *i1;

  register_name (fx, &a, FALSE);
  assert_true (nb_registrar_add_name (fx->reg, &g, TRUE, fx->now, NULL));
  names = nb_registrar_get_names (fx->reg);
  assert_int_equal (names->len, 2);
  i0 = &g_array_index (names, NbNameInfo, 0);
  i1 = &g_array_index (names, NbNameInfo, 1);
  assert_true (nb_name_equal (&i0->name, &a));
  assert_false (i0->group);
  assert_int_equal (i0->state, NB_NAME_STATE_REGISTERED);
  assert_true (nb_name_equal (&i1->name, &g));
  assert_true (i1->group);
  assert_int_equal (i1->state, NB_NAME_STATE_REGISTERING);
  assert_string_equal (nb_name_state_to_string (i1->state), "registering");
  assert_string_equal (nb_name_reason_to_string (i0->reason), "no-objection");
}

static void
test_config_errors (void **state)
{
  Fx *fx = *state;
  NbRegistrarConfig config;
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (GError) e3 = NULL;
  g_autoptr (NbRegistrar) ok = NULL;

  nb_registrar_config_init (&config);
  assert_int_equal (config.port, 137);
  assert_int_equal (config.name_ttl, 259200);
  assert_null (nb_registrar_new (&config, &fx->ft->transport, &e1));
  assert_true (g_error_matches (e1, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT));

  /* A P-node without a WINS server has nobody to register with. */
  config.address = OUR_IP;
  config.node_type = NB_NODE_P;
  assert_null (nb_registrar_new (&config, &fx->ft->transport, &e2));
  assert_true (g_error_matches (e2, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT));

  config.node_type = NB_NODE_B;
  g_strlcpy (config.scope, "bad..scope", sizeof config.scope);
  assert_null (nb_registrar_new (&config, &fx->ft->transport, &e3));
  assert_true (g_error_matches (e3, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT));

  /* H without WINS is a B-node; the broadcast address comes from the mask. */
  config.scope[0] = '\0';
  config.node_type = NB_NODE_H;
  config.netmask = IP4 (255, 255, 0, 0);
  ok = nb_registrar_new (&config, &fx->ft->transport, NULL);
  assert_non_null (ok);
  assert_int_equal (nb_registrar_get_config (ok)->broadcast, IP4 (10, 99, 255, 255));
}

/* Garbage is dropped, not answered. */
static void
test_malformed_dropped (void **state)
{
  Fx *fx = *state;
  static const guint8 junk[] = { 0x12, 0x34, 0x29, 0x10, 0x00, 0x01 };

  assert_false (nb_registrar_receive (fx->reg, junk, sizeof junk, PEER_IP, 137, fx->now));
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* ---- GLib adapter ----------------------------------------------------- */

static void
quit_on_registered (NbRegistrar *reg, const NbNameInfo *info, NbNameState old_state,
                    gpointer user_data)
{
  if (info->state == NB_NAME_STATE_REGISTERED)
    g_main_loop_quit (user_data);
}

static gboolean
give_up (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* The real clock and a real main context: registration completes through
 * NbEngineTimer alone, after the three transmissions, in about 750 ms. */
static void
test_attach_main_loop (void **state)
{
  Fx *fx = *state;
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (GMainLoop) loop = g_main_loop_new (ctx, FALSE);
  g_autoptr (GSource) guard = g_timeout_source_new (5000);
  NbName name = tname ("PEERA", 0x03);
  gint64 start = g_get_monotonic_time ();
  NbNameInfo info;

  fx->now = start; /* the fake transport stamps with this; irrelevant here */
  nb_registrar_set_event_func (fx->reg, quit_on_registered, loop, NULL);
  nb_registrar_attach (fx->reg, ctx);
  g_source_set_callback (guard, give_up, loop, NULL);
  g_source_attach (guard, ctx);
  assert_true (nb_registrar_add_name (fx->reg, &name, FALSE, start, NULL));
  g_main_loop_run (loop);
  g_source_destroy (guard);

  assert_true (nb_registrar_lookup (fx->reg, &name, &info));
  assert_int_equal (info.state, NB_NAME_STATE_REGISTERED);
  assert_true (info.since_us >= start + NB_REGISTRAR_REGISTRATION_DURATION_US);
  assert_true (g_get_monotonic_time () - start < G_USEC_PER_SEC * 4);
  assert_int_equal (fake_transport_count (fx->ft), 4);
  nb_registrar_detach (fx->reg);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_registration_unique, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registration_group, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registration_two_names, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registration_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registration_conflict_demand, setup, teardown),
    cmocka_unit_test_setup_teardown (test_late_refusal, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registration_foreign_response_ignored, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registration_send_failure, setup, teardown),
    cmocka_unit_test_setup_teardown (test_defend_unique, setup, teardown),
    cmocka_unit_test_setup_teardown (test_defend_group_rules, setup, teardown),
    cmocka_unit_test_setup_teardown (test_defend_overwrite_and_multihomed, setup, teardown),
    cmocka_unit_test_setup_teardown (test_no_defence, setup, teardown),
    cmocka_unit_test_setup_teardown (test_conflict_demand, setup, teardown),
    cmocka_unit_test_setup_teardown (test_conflict_demand_group_ignored, setup, teardown),
    cmocka_unit_test_setup_teardown (test_conflict_reentrant_remove, setup, teardown),
    cmocka_unit_test_setup_teardown (test_release_on_remove, setup, teardown),
    cmocka_unit_test_setup_teardown (test_release_all, setup, teardown),
    cmocka_unit_test_setup_teardown (test_readd_while_releasing, setup, teardown),
    cmocka_unit_test_setup_teardown (test_refuse_foreign_release, setup, teardown),
    cmocka_unit_test_setup_teardown (test_table_rules, setup, teardown),
    cmocka_unit_test_setup_teardown (test_get_names, setup, teardown),
    cmocka_unit_test_setup_teardown (test_config_errors, setup, teardown),
    cmocka_unit_test_setup_teardown (test_malformed_dropped, setup, teardown),
    cmocka_unit_test_setup_teardown (test_attach_main_loop, setup, teardown),
  };

  return cmocka_run_group_tests_name ("registrar", tests, NULL, NULL);
}

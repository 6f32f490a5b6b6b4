/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The responder (through the registrar): name query answers and node
 * status answers, checked against the frames nmbd sent in the same
 * situation (golden vectors) and against the RFC 1002 rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "engine-test.h"

/* The host of captures 01/02: PEERA at 10.99.0.1 in workgroup PEERLAN. */
#define OUR_IP IP4 (10, 99, 0, 1)
#define BCAST_IP IP4 (10, 99, 0, 255)
#define CLIENT_IP IP4 (10, 99, 0, 2)

typedef struct {
  gint64 now;
  FakeTransport *ft;
  NbRegistrar *reg;
} Fx;

static void
run_until (Fx *fx, gint64 until)
{
  fake_clock_run_until (&fx->now, until, registrar_deadline, registrar_tick, fx->reg);
}

static void
add_registered (Fx *fx, const char *text, guint8 suffix, gboolean group)
{
  NbName name = tname (text, suffix);

  assert_true (nb_registrar_add_name (fx->reg, &name, group, fx->now, NULL));
  run_until (fx, fx->now + NB_REGISTRAR_REGISTRATION_DURATION_US);
}

/* PEERA's names in the order nmbd lists them (golden nbns-node-status). */
static int
setup (void **state)
{
  Fx *fx = g_new0 (Fx, 1);
  NbRegistrarConfig config;

  fx->now = T0;
  fx->ft = fake_transport_new (&fx->now);
  nb_registrar_config_init (&config);
  config.address = OUR_IP;
  config.netmask = IP4 (255, 255, 255, 0);
  fx->reg = nb_registrar_new (&config, &fx->ft->transport, NULL);
  assert_non_null (fx->reg);
  add_registered (fx, "PEERA", 0x00, FALSE);
  add_registered (fx, "PEERA", 0x03, FALSE);
  add_registered (fx, "PEERA", 0x20, FALSE);
  add_registered (fx, "PEERLAN", 0x00, TRUE);
  add_registered (fx, "PEERLAN", 0x1e, TRUE);
  fake_transport_clear (fx->ft);
  *state = fx;
  return 0;
}

static int
teardown (void **state)
{
  Fx *fx = *state;

  nb_registrar_free (fx->reg);
  fake_transport_free (fx->ft);
  g_free (fx);
  return 0;
}

static gboolean
inject_bytes (Fx *fx, GBytes *bytes, guint32 src, guint16 port)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return nb_registrar_receive (fx->reg, data, len, src, port, fx->now);
}

static gboolean
inject (Fx *fx, const NbNsPacket *packet, guint32 src, guint16 port)
{
  g_autoptr (GBytes) bytes = build_bytes (packet);

  return inject_bytes (fx, bytes, src, port);
}

/* ---- name queries ----------------------------------------------------- */

/* nmblookup's broadcast query of capture 02 (0x0110 from port 52369): our
 * answer is nmbd's byte for byte (TTL 259200, NB_FLAGS 0, 10.99.0.1, the
 * full name rather than a pointer), except the flag word: RFC 1002 keeps
 * RA for name servers, so 0x8500 where nmbd sends 0x8580 (errata 9). */
static void
test_query_golden (void **state)
{
  Fx *fx = *state;
  g_autoptr (GBytes) request = tv_lookup ("nbns-name-query-broadcast", "request");
  g_autoptr (GBytes) expected = golden_patched ("nbns-name-query-broadcast", "response",
                                                0x39b5, 0x8500);
  g_autoptr (FakeSent) sent = NULL;

  assert_true (inject_bytes (fx, request, CLIENT_IP, 52369));
  sent = pop_sent (fx->ft, CLIENT_IP, 52369, FALSE, fx->now);
  assert_bytes_equal (sent->data, expected);
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* impacket's query (trn 0x66bf, port 44858) gets the same answer. */
static void
test_query_impacket (void **state)
{
  Fx *fx = *state;
  g_autoptr (GBytes) request = tv_lookup ("impacket-nmb", "impacket broadcast name query");
  g_autoptr (GBytes) expected = golden_patched ("nbns-name-query-broadcast", "response",
                                                0x66bf, 0x8500);
  g_autoptr (FakeSent) sent = NULL;

  assert_true (inject_bytes (fx, request, CLIENT_IP, 44858));
  sent = pop_sent (fx->ft, CLIENT_IP, 44858, FALSE, fx->now);
  assert_bytes_equal (sent->data, expected);
}

/* RD is copied (RFC 1002 §4.2.13): a query without RD gets 0x8400. A
 * group name's answer carries G. */
static void
test_query_flags (void **state)
{
  Fx *fx = *state;
  NbName group = tname ("PEERLAN", 0x00);
  g_autoptr (NbNsPacket) q = nb_ns_name_query_request_new (0x0102, &group, FALSE, FALSE);
  g_autoptr (FakeSent) sent = NULL;
  g_autoptr (NbNsPacket) reply = NULL;
  const NbNsRecord *rr;

  assert_true (inject (fx, q, CLIENT_IP, 137));
  sent = pop_sent (fx->ft, CLIENT_IP, 137, FALSE, fx->now);
  assert_int_equal (wire_flags (sent->data), 0x8400);
  reply = parse_bytes (sent->data);
  assert_int_equal (reply->trn_id, 0x0102);
  rr = nb_ns_packet_record (reply);
  assert_true (nb_name_equal (&rr->name, &group));
  assert_int_equal (rr->ttl, NB_REGISTRAR_DEFAULT_NAME_TTL);
  assert_int_equal (only_address (reply).flags, NB_NS_NB_GROUP);
  assert_int_equal (only_address (reply).ipv4, OUR_IP);
}

/* A broadcast query for a name we do not hold gets no answer (RFC 1002
 * §5.1.1.4); a unicast one a NEGATIVE NAME QUERY RESPONSE, NAM_ERR, with a
 * NULL record and TTL 0 (nmbd; flags 0x8503 with RD). */
static void
test_query_not_ours (void **state)
{
  Fx *fx = *state;
  NbName other = tname ("NOSUCH", 0x03);
  g_autoptr (NbNsPacket) bq = nb_ns_name_query_request_new (0x0201, &other, TRUE, TRUE);
  g_autoptr (NbNsPacket) uq = nb_ns_name_query_request_new (0x0202, &other, FALSE, TRUE);
  g_autoptr (FakeSent) sent = NULL;
  g_autoptr (NbNsPacket) reply = NULL;
  const NbNsRecord *rr;

  assert_true (inject (fx, bq, CLIENT_IP, 137));
  assert_int_equal (fake_transport_count (fx->ft), 0);

  assert_true (inject (fx, uq, CLIENT_IP, 5000));
  sent = pop_sent (fx->ft, CLIENT_IP, 5000, FALSE, fx->now);
  assert_int_equal (wire_flags (sent->data), 0x8503);
  reply = parse_bytes (sent->data);
  assert_int_equal (reply->trn_id, 0x0202);
  assert_int_equal (reply->rcode, NB_NS_RCODE_NAM_ERR);
  rr = nb_ns_packet_record (reply);
  assert_true (nb_name_equal (&rr->name, &other));
  assert_int_equal (rr->type, NB_NS_TYPE_NULL);
  assert_int_equal (rr->ttl, 0);
}

/* Names still registering, in conflict or being released are not answered
 * for: nothing to a broadcast, NAM_ERR to a unicast query (MS-NBTE §4.1). */
static void
test_query_not_answerable_states (void **state)
{
  Fx *fx = *state;
  NbName late = tname ("LATE", 0x03);
  NbName clash = tname ("PEERA", 0x03);
  NbName going = tname ("PEERA", 0x20);
  g_autoptr (NbNsPacket) demand = nb_ns_name_conflict_demand_new (9, &clash, 0);
  const NbName *names[] = { &late, &clash, &going };

  assert_true (nb_registrar_add_name (fx->reg, &late, FALSE, fx->now, NULL));
  assert_true (inject (fx, demand, CLIENT_IP, 137));
  assert_true (nb_registrar_remove_name (fx->reg, &going, fx->now, NULL));
  fake_transport_clear (fx->ft);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autoptr (NbNsPacket) bq = nb_ns_name_query_request_new (0x0300 + i, names[i], TRUE, TRUE);
    g_autoptr (NbNsPacket) uq = nb_ns_name_query_request_new (0x0400 + i, names[i], FALSE, TRUE);
    g_autoptr (NbNsPacket) reply = NULL;

    assert_true (inject (fx, bq, CLIENT_IP, 137));
    assert_int_equal (fake_transport_count (fx->ft), 0);
    assert_true (inject (fx, uq, CLIENT_IP, 137));
    reply = pop_packet (fx->ft, CLIENT_IP, 137, FALSE, fx->now);
    assert_int_equal (reply->trn_id, 0x0400 + i);
    assert_int_equal (reply->rcode, NB_NS_RCODE_NAM_ERR);
  }
}

/* A query in another scope is another name. */
static void
test_query_scope (void **state)
{
  Fx *fx = *state;
  NbName scoped = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) q = NULL;

  assert_true (nb_name_set_scope (&scoped, "EXAMPLE.COM", NULL));
  q = nb_ns_name_query_request_new (0x0501, &scoped, TRUE, TRUE);
  assert_true (inject (fx, q, CLIENT_IP, 137));
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* Responses and our own answers looping back are not requests. */
static void
test_responses_not_answered (void **state)
{
  Fx *fx = *state;
  g_autoptr (GBytes) response = tv_lookup ("nbns-name-query-broadcast", "response");

  assert_false (inject_bytes (fx, response, CLIENT_IP, 137));
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* ---- node status ------------------------------------------------------ */

/* nmblookup -A (wildcard '*' + 15 NULs, trn 0x492e): the answer equals
 * nmbd's byte for byte: flags 0x8400, the question name, TTL 0, RDLENGTH
 * 137, five names with ACT (0x0400 unique, 0x8400 group), zero statistics. */
static void
test_node_status_golden (void **state)
{
  Fx *fx = *state;
  g_autoptr (GBytes) request = tv_lookup ("nbns-node-status",
                                          "request (nmblookup -A: name \"*\" padded with NULs)");
  g_autoptr (GBytes) expected = tv_lookup ("nbns-node-status", "response");
  g_autoptr (FakeSent) sent = NULL;

  assert_true (inject_bytes (fx, request, CLIENT_IP, 55205));
  sent = pop_sent (fx->ft, CLIENT_IP, 55205, FALSE, fx->now);
  assert_bytes_equal (sent->data, expected);
}

/* impacket's node status request gets the same answer (trn 0x4365). */
static void
test_node_status_impacket (void **state)
{
  Fx *fx = *state;
  g_autoptr (GBytes) request = tv_lookup ("impacket-nmb", "impacket node status request");
  g_autoptr (GBytes) expected = tv_lookup ("impacket-nmb", "nmbd node status response");
  g_autoptr (FakeSent) sent = NULL;

  assert_true (inject_bytes (fx, request, CLIENT_IP, 49015));
  sent = pop_sent (fx->ft, CLIENT_IP, 49015, FALSE, fx->now);
  assert_bytes_equal (sent->data, expected);
}

/* nmblookup -S asks with one of our names: same list, that name echoed. */
static void
test_node_status_by_name (void **state)
{
  Fx *fx = *state;
  g_autoptr (GBytes) request = tv_lookup ("nbns-node-status",
                                          "request (nmblookup -S: name PEERA<03>)");
  NbName peera03 = tname ("PEERA", 0x03);
  g_autoptr (NbNsPacket) reply = NULL;
  const NbNsRecord *rr;

  assert_true (inject_bytes (fx, request, CLIENT_IP, 45699));
  reply = pop_packet (fx->ft, CLIENT_IP, 45699, FALSE, fx->now);
  assert_int_equal (reply->trn_id, 0x7d2b);
  assert_int_equal (reply->flags, NB_NS_FLAG_AA);
  rr = nb_ns_packet_record (reply);
  assert_true (nb_name_equal (&rr->name, &peera03));
  assert_int_equal (rr->type, NB_NS_TYPE_NBSTAT);
  assert_int_equal (rr->kind, NB_NS_RDATA_STATUS);
  assert_int_equal (rr->status->names->len, 5);
}

/* NAME_FLAGS follow the states: CNF for a conflict, DRG while releasing,
 * nothing for a name still registering; UNIT_ID is the configured MAC. */
static void
test_node_status_states (void **state)
{
  Fx *fx = *state;
  static const guint8 mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
  NbName clash = tname ("PEERA", 0x03);
  NbName going = tname ("PEERA", 0x20);
  NbName late = tname ("LATE", 0x03);
  g_autoptr (NbNsPacket) demand = nb_ns_name_conflict_demand_new (9, &clash, 0);
  g_autoptr (NbNsPacket) req = nb_ns_node_status_request_new (0x0601, NULL, FALSE);
  g_autoptr (NbNsPacket) reply = NULL;
  const NbNsNodeStatus *st;
  static const guint16 want[] = { 0x0400, 0x0c00, 0x1400, 0x8400, 0x8400 };

  nb_registrar_set_unit_id (fx->reg, mac);
  assert_true (inject (fx, demand, CLIENT_IP, 137));
  assert_true (nb_registrar_remove_name (fx->reg, &going, fx->now, NULL));
  assert_true (nb_registrar_add_name (fx->reg, &late, FALSE, fx->now, NULL));
  fake_transport_clear (fx->ft);

  assert_true (inject (fx, req, CLIENT_IP, 137));
  reply = pop_packet (fx->ft, CLIENT_IP, 137, FALSE, fx->now);
  st = nb_ns_packet_record (reply)->status;
  assert_int_equal (st->names->len, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    assert_int_equal (g_array_index (st->names, NbNsStatusName, i).flags, want[i]);
  assert_memory_equal (st->stats.unit_id, mac, 6);

  /* Asking with the name that is still registering gets nothing. */
  {
    g_autoptr (NbNsPacket) by_late = nb_ns_node_status_request_new (0x0602, &late, FALSE);

    assert_true (inject (fx, by_late, CLIENT_IP, 137));
    assert_int_equal (fake_transport_count (fx->ft), 0);
  }
}

/* A node status request for a name we do not have is ignored (nmbd). */
static void
test_node_status_not_ours (void **state)
{
  Fx *fx = *state;
  NbName other = tname ("OTHER", 0x00);
  g_autoptr (NbNsPacket) req = nb_ns_node_status_request_new (0x0701, &other, FALSE);

  assert_true (inject (fx, req, CLIENT_IP, 137));
  assert_int_equal (fake_transport_count (fx->ft), 0);
}

/* With more names than fit, the answer stays within 576 bytes (nmbd's
 * budget): 26 names for an unscoped question. */
static void
test_node_status_budget (void **state)
{
  Fx *fx = *state;
  g_autoptr (NbNsPacket) req = nb_ns_node_status_request_new (0x0801, NULL, FALSE);
  g_autoptr (FakeSent) sent = NULL;
  g_autoptr (NbNsPacket) reply = NULL;

  for (guint i = 0; i < 40; i++) {
    g_autofree char *text = g_strdup_printf ("ALIAS%u", i);
    NbName n = tname (text, 0x03);

    assert_true (nb_registrar_add_name (fx->reg, &n, FALSE, fx->now, NULL));
  }
  run_until (fx, fx->now + NB_REGISTRAR_REGISTRATION_DURATION_US);
  fake_transport_clear (fx->ft);

  assert_true (inject (fx, req, CLIENT_IP, 137));
  sent = pop_sent (fx->ft, CLIENT_IP, 137, FALSE, fx->now);
  assert_true (g_bytes_get_size (sent->data) <= NB_NS_UDP_MAX);
  reply = parse_bytes (sent->data);
  /* 12 + 34 + 10 + 1 + 18 n + 46 <= 576  =>  n = 26 */
  assert_int_equal (nb_ns_packet_record (reply)->status->names->len, 26);
  assert_int_equal (g_bytes_get_size (sent->data), 12 + 34 + 10 + 1 + 18 * 26 + 46);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_query_golden, setup, teardown),
    cmocka_unit_test_setup_teardown (test_query_impacket, setup, teardown),
    cmocka_unit_test_setup_teardown (test_query_flags, setup, teardown),
    cmocka_unit_test_setup_teardown (test_query_not_ours, setup, teardown),
    cmocka_unit_test_setup_teardown (test_query_not_answerable_states, setup, teardown),
    cmocka_unit_test_setup_teardown (test_query_scope, setup, teardown),
    cmocka_unit_test_setup_teardown (test_responses_not_answered, setup, teardown),
    cmocka_unit_test_setup_teardown (test_node_status_golden, setup, teardown),
    cmocka_unit_test_setup_teardown (test_node_status_impacket, setup, teardown),
    cmocka_unit_test_setup_teardown (test_node_status_by_name, setup, teardown),
    cmocka_unit_test_setup_teardown (test_node_status_states, setup, teardown),
    cmocka_unit_test_setup_teardown (test_node_status_not_ours, setup, teardown),
    cmocka_unit_test_setup_teardown (test_node_status_budget, setup, teardown),
  };

  return cmocka_run_group_tests_name ("responder", tests, NULL, NULL);
}

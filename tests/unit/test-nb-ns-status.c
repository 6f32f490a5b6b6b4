/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NODE STATUS RESPONSE RDATA (RFC 1002 §4.2.18, PROTOCOL.md §1.4.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/nb-ns.h"
#include "netsend/ns-errors.h"

/* Two names, then a statistics block with every field distinct. */
static const guint8 status_rdata[] = {
  0x02,                                           /*  0: NUM_NAMES */
  'B', 'O', 'B', ' ', ' ', ' ', ' ', ' ',         /*  1: "BOB" padded ... */
  ' ', ' ', ' ', ' ', ' ', ' ', ' ', 0x03,        /*  9: ... suffix 0x03 */
  0x64, 0x00,                                     /* 17: ACT | H-node, unique */
  'W', 'O', 'R', 'K', 'G', 'R', 'O', 'U',         /* 19: "WORKGROUP" ... */
  'P', ' ', ' ', ' ', ' ', ' ', ' ', 0x00,        /* 27: ... suffix 0x00 */
  0x86, 0x00,                                     /* 35: G | ACT | PRM, B-node */
  0x00, 0x11, 0x22, 0x33, 0x44, 0x55,             /* 37: UNIT_ID (MAC) */
  0x01,                                           /* 43: JUMPERS */
  0x02,                                           /* 44: TEST_RESULT */
  0x03, 0x04,                                     /* 45: VERSION_NUMBER */
  0x05, 0x06,                                     /* 47: PERIOD_OF_STATISTICS */
  0x07, 0x08,                                     /* 49: NUMBER_OF_CRCs */
  0x09, 0x0a,                                     /* 51: NUMBER_ALIGNMENT_ERRORS */
  0x0b, 0x0c,                                     /* 53: NUMBER_OF_COLLISIONS */
  0x0d, 0x0e,                                     /* 55: NUMBER_SEND_ABORTS */
  0x10, 0x11, 0x12, 0x13,                         /* 57: NUMBER_GOOD_SENDS */
  0x14, 0x15, 0x16, 0x17,                         /* 61: NUMBER_GOOD_RECEIVES */
  0x18, 0x19,                                     /* 65: NUMBER_RETRANSMITS */
  0x1a, 0x1b,                                     /* 67: NUMBER_NO_RESOURCE_CONDITIONS */
  0x1c, 0x1d,                                     /* 69: NUMBER_FREE_COMMAND_BLOCKS */
  0x1e, 0x1f,                                     /* 71: TOTAL_NUMBER_COMMAND_BLOCKS */
  0x20, 0x21,                                     /* 73: MAX_TOTAL_NUMBER_COMMAND_BLOCKS */
  0x22, 0x23,                                     /* 75: NUMBER_PENDING_SESSIONS */
  0x24, 0x25,                                     /* 77: MAX_NUMBER_PENDING_SESSIONS */
  0x26, 0x27,                                     /* 79: MAX_TOTAL_SESSIONS_POSSIBLE */
  0x28, 0x29,                                     /* 81: SESSION_DATA_PACKET_SIZE */
};                                                /* 83 = 18 × 2 + 47 */

static NbNsNodeStatus *
parse_ok (const guint8 *data, gsize len)
{
  NbNsNodeStatus *s = NULL;
  g_autoptr (GError) error = NULL;

  if (!nb_ns_node_status_parse (data, len, &s, &error))
    fail_msg ("parse: %s", error->message);
  return s;
}

static void
assert_builds_to (const NbNsNodeStatus *s, const guint8 *expected, gsize len)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();

  assert_true (nb_ns_node_status_build (s, out, NULL));
  assert_int_equal (out->len, len);
  assert_memory_equal (out->data, expected, len);
}

static void
test_parse_fields (void **state)
{
  g_autoptr (NbNsNodeStatus) s = parse_ok (status_rdata, sizeof status_rdata);
  const NbNsStatusName *bob, *wg;
  const NbNsStatistics *st = &s->stats;
  NbName want;

  assert_int_equal (sizeof status_rdata, 18 * 2 + 47);
  assert_int_equal (s->names->len, 2);
  bob = &g_array_index (s->names, NbNsStatusName, 0);
  wg = &g_array_index (s->names, NbNsStatusName, 1);
  assert_true (nb_name_from_utf8 (&want, "bob", 0x03, NULL, NULL));
  assert_true (nb_name_equal (&bob->name, &want));
  assert_int_equal (bob->flags, NB_NS_NAME_ACT | NB_NS_ONT_H);
  assert_true (nb_name_from_utf8 (&want, "WORKGROUP", 0x00, NULL, NULL));
  assert_true (nb_name_equal (&wg->name, &want));
  assert_int_equal (wg->flags, NB_NS_NB_GROUP | NB_NS_NAME_ACT | NB_NS_NAME_PRM);

  assert_memory_equal (st->unit_id, "\x00\x11\x22\x33\x44\x55", 6);
  assert_int_equal (st->jumpers, 0x01);
  assert_int_equal (st->test_result, 0x02);
  assert_int_equal (st->version_number, 0x0304);
  assert_int_equal (st->period_of_statistics, 0x0506);
  assert_int_equal (st->number_of_crcs, 0x0708);
  assert_int_equal (st->number_alignment_errors, 0x090a);
  assert_int_equal (st->number_of_collisions, 0x0b0c);
  assert_int_equal (st->number_send_aborts, 0x0d0e);
  assert_int_equal (st->number_good_sends, 0x10111213);
  assert_int_equal (st->number_good_receives, 0x14151617);
  assert_int_equal (st->number_retransmits, 0x1819);
  assert_int_equal (st->number_no_resource_conditions, 0x1a1b);
  assert_int_equal (st->number_free_command_blocks, 0x1c1d);
  assert_int_equal (st->total_number_command_blocks, 0x1e1f);
  assert_int_equal (st->max_total_number_command_blocks, 0x2021);
  assert_int_equal (st->number_pending_sessions, 0x2223);
  assert_int_equal (st->max_number_pending_sessions, 0x2425);
  assert_int_equal (st->max_total_sessions_possible, 0x2627);
  assert_int_equal (st->session_data_packet_size, 0x2829);

  assert_builds_to (s, status_rdata, sizeof status_rdata);
}

static void
test_build_from_scratch (void **state)
{
  g_autoptr (NbNsNodeStatus) s = nb_ns_node_status_new ();
  NbName bob, wg;

  assert_true (nb_name_from_utf8 (&bob, "BOB", 0x03, NULL, NULL));
  assert_true (nb_name_from_utf8 (&wg, "WORKGROUP", 0x00, NULL, NULL));
  /* A scope on the input name is dropped: node status has none. */
  assert_true (nb_name_set_scope (&wg, "X.Y", NULL));
  assert_true (nb_ns_node_status_add_name (s, &bob, NB_NS_NAME_ACT | NB_NS_ONT_H));
  assert_true (nb_ns_node_status_add_name (s, &wg,
                                           NB_NS_NB_GROUP | NB_NS_NAME_ACT | NB_NS_NAME_PRM));
  assert_string_equal (g_array_index (s->names, NbNsStatusName, 1).name.scope, "");
  memcpy (s->stats.unit_id, status_rdata + 37, 6);
  s->stats.jumpers = 1;
  s->stats.test_result = 2;
  s->stats.version_number = 0x0304;
  s->stats.period_of_statistics = 0x0506;
  s->stats.number_of_crcs = 0x0708;
  s->stats.number_alignment_errors = 0x090a;
  s->stats.number_of_collisions = 0x0b0c;
  s->stats.number_send_aborts = 0x0d0e;
  s->stats.number_good_sends = 0x10111213;
  s->stats.number_good_receives = 0x14151617;
  s->stats.number_retransmits = 0x1819;
  s->stats.number_no_resource_conditions = 0x1a1b;
  s->stats.number_free_command_blocks = 0x1c1d;
  s->stats.total_number_command_blocks = 0x1e1f;
  s->stats.max_total_number_command_blocks = 0x2021;
  s->stats.number_pending_sessions = 0x2223;
  s->stats.max_number_pending_sessions = 0x2425;
  s->stats.max_total_sessions_possible = 0x2627;
  s->stats.session_data_packet_size = 0x2829;
  assert_builds_to (s, status_rdata, sizeof status_rdata);
}

static void
test_no_names (void **state)
{
  guint8 rdata[47] = { 0 };
  g_autoptr (NbNsNodeStatus) s = NULL;

  rdata[1] = 0xaa; /* first byte of the MAC */
  s = parse_ok (rdata, sizeof rdata);
  assert_int_equal (s->names->len, 0);
  assert_int_equal (s->stats.unit_id[0], 0xaa);
  assert_builds_to (s, rdata, sizeof rdata);
}

static void
test_truncated_names (void **state)
{
  /* Every cut inside NUM_NAMES or the name entries (offsets 0..36). */
  for (gsize len = 0; len < 37; len++) {
    NbNsNodeStatus *sentinel = (NbNsNodeStatus *) (gsize) 0x1, *s = sentinel;
    g_autoptr (GError) error = NULL;

    assert_false (nb_ns_node_status_parse (status_rdata, len, &s, &error));
    assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRUNCATED));
    assert_ptr_equal (s, sentinel);
  }
}

static void
test_statistics_lenient (void **state)
{
  g_autoptr (GByteArray) longer = g_byte_array_new ();
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (NbNsNodeStatus) full = parse_ok (status_rdata, sizeof status_rdata);

  /* Only the MAC present (43 bytes): the rest reads as zero, and a rebuild
   * writes the full 46-byte block. */
  {
    g_autoptr (NbNsNodeStatus) s = parse_ok (status_rdata, 43);

    assert_memory_equal (s->stats.unit_id, "\x00\x11\x22\x33\x44\x55", 6);
    assert_int_equal (s->stats.jumpers, 0);
    assert_int_equal (s->stats.session_data_packet_size, 0);
    assert_true (nb_ns_node_status_build (s, out, NULL));
    assert_int_equal (out->len, 83);
  }
  /* No statistics at all (37 bytes). */
  {
    g_autoptr (NbNsNodeStatus) s = parse_ok (status_rdata, 37);

    assert_int_equal (s->names->len, 2);
    assert_int_equal (s->stats.unit_id[5], 0);
  }
  /* A cut inside a 2-byte counter: zero-filled from there on. */
  {
    g_autoptr (NbNsNodeStatus) s = parse_ok (status_rdata, 46);

    assert_int_equal (s->stats.version_number, 0x0300);
  }
  /* Extra bytes after the block are ignored. */
  g_byte_array_append (longer, status_rdata, sizeof status_rdata);
  g_byte_array_append (longer, (const guint8 *) "\xde\xad\xbe\xef", 4);
  {
    g_autoptr (NbNsNodeStatus) s = parse_ok (longer->data, longer->len);

    assert_true (nb_ns_node_status_equal (s, full));
  }
}

static void
test_name_limit (void **state)
{
  g_autoptr (NbNsNodeStatus) s = nb_ns_node_status_new ();
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  NbNsStatusName extra = { .flags = 0 };
  NbName n;

  nb_name_wildcard (&n);
  for (guint i = 0; i < NB_NS_STATUS_MAX_NAMES; i++)
    assert_true (nb_ns_node_status_add_name (s, &n, 0));
  assert_false (nb_ns_node_status_add_name (s, &n, 0));
  assert_true (nb_ns_node_status_build (s, out, NULL));
  assert_int_equal (out->len, 18 * 255 + 47);
  assert_int_equal (out->data[0], 255);

  /* Bypassing add_name: the builder refuses 256 names. */
  g_array_append_val (s->names, extra);
  g_byte_array_set_size (out, 0);
  assert_false (nb_ns_node_status_build (s, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_int_equal (out->len, 0);
}

static void
test_copy_equal (void **state)
{
  g_autoptr (NbNsNodeStatus) s = parse_ok (status_rdata, sizeof status_rdata);
  g_autoptr (NbNsNodeStatus) c = nb_ns_node_status_copy (s);

  assert_true (nb_ns_node_status_equal (s, c));
  c->stats.unit_id[5] ^= 1;
  assert_false (nb_ns_node_status_equal (s, c));
  c->stats.unit_id[5] ^= 1;
  g_array_index (c->names, NbNsStatusName, 1).flags ^= NB_NS_NAME_CNF;
  assert_false (nb_ns_node_status_equal (s, c));
  g_array_set_size (c->names, 1);
  assert_false (nb_ns_node_status_equal (s, c));
  assert_true (nb_ns_node_status_equal (NULL, NULL));
  assert_false (nb_ns_node_status_equal (s, NULL));
  nb_ns_node_status_free (NULL);
}

/* In a packet, the NBSTAT RDATA is bounded by RDLENGTH: names that would
 * run past it are malformed even if the packet has more bytes. */
static void
test_in_packet_rdlength_bound (void **state)
{
  NbName wildcard;
  g_autoptr (NbNsNodeStatus) s = parse_ok (status_rdata, sizeof status_rdata);
  g_autoptr (NbNsPacket) p = NULL, again = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  gsize rdlen_off = 12 + 34 + 8;

  nb_name_wildcard (&wildcard);
  p = nb_ns_node_status_response_new (0x4242, &wildcard, g_steal_pointer (&s));
  assert_true (nb_ns_packet_build (p, out, NULL));
  assert_int_equal (out->len, 12 + 34 + 10 + 83);
  assert_int_equal ((out->data[rdlen_off] << 8) | out->data[rdlen_off + 1], 83);
  assert_true (nb_ns_packet_parse (out->data, out->len, &again, NULL));
  assert_true (nb_ns_packet_equal (p, again));

  /* RDLENGTH 20: NUM_NAMES 2 needs 37 bytes. */
  out->data[rdlen_off + 1] = 20;
  g_clear_pointer (&again, nb_ns_packet_free);
  assert_false (nb_ns_packet_parse (out->data, out->len, &again, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_null (again);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parse_fields),
    cmocka_unit_test (test_build_from_scratch),
    cmocka_unit_test (test_no_names),
    cmocka_unit_test (test_truncated_names),
    cmocka_unit_test (test_statistics_lenient),
    cmocka_unit_test (test_name_limit),
    cmocka_unit_test (test_copy_equal),
    cmocka_unit_test (test_in_packet_rdlength_bound),
  };
  return cmocka_run_group_tests_name ("nb-ns-status", tests, NULL, NULL);
}

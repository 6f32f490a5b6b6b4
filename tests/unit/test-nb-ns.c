/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NBNS packet codec with hand-made frames (RFC 1002 §4.2, PROTOCOL.md §1.4).
 * The golden Samba frames are in test-golden-nbns.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/nb-ns.h"
#include "netsend/ns-errors.h"

/* ALICE<03> second-level encoded, 34 bytes. */
#define ALICE_ENC \
  0x20, 'E', 'B', 'E', 'M', 'E', 'J', 'E', 'D', 'E', 'F', 'C', 'A', 'C', 'A', 'C', 'A', \
  'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'A', 'D', 0x00

/* Broadcast registration of ALICE<03> from 192.168.1.10 (PROTOCOL.md
 * §1.4.4, derived from RFC 1002 §4.2.2). 68 bytes. */
static const guint8 reg_alice[] = {
  0x12, 0x34,             /*  0: TRN_ID */
  0x29, 0x10,             /*  2: request, opcode 5, RD, B */
  0x00, 0x01,             /*  4: QDCOUNT */
  0x00, 0x00,             /*  6: ANCOUNT */
  0x00, 0x00,             /*  8: NSCOUNT */
  0x00, 0x01,             /* 10: ARCOUNT */
  ALICE_ENC,              /* 12: QUESTION_NAME */
  0x00, 0x20,             /* 46: QUESTION_TYPE NB */
  0x00, 0x01,             /* 48: QUESTION_CLASS IN */
  0xc0, 0x0c,             /* 50: RR_NAME = pointer to offset 12 */
  0x00, 0x20,             /* 52: RR_TYPE NB */
  0x00, 0x01,             /* 54: RR_CLASS IN */
  0x00, 0x00, 0x00, 0x00, /* 56: TTL 0 */
  0x00, 0x06,             /* 60: RDLENGTH */
  0x00, 0x00,             /* 62: NB_FLAGS unique, B-node */
  0xc0, 0xa8, 0x01, 0x0a, /* 64: 192.168.1.10 */
};

/* Positive query response with two addresses (a multi-homed owner). */
static const guint8 query_resp_two[] = {
  0xab, 0xcd,             /*  0: TRN_ID */
  0x85, 0x00,             /*  2: response, opcode 0, AA, RD, RA clear */
  0x00, 0x00,             /*  4: QDCOUNT */
  0x00, 0x01,             /*  6: ANCOUNT */
  0x00, 0x00, 0x00, 0x00, /*  8: NSCOUNT, ARCOUNT */
  ALICE_ENC,              /* 12: RR_NAME in full (no question to point to) */
  0x00, 0x20, 0x00, 0x01, /* 46: NB, IN */
  0x00, 0x00, 0x0e, 0x10, /* 50: TTL 3600 */
  0x00, 0x0c,             /* 54: RDLENGTH 12 */
  0x60, 0x00,             /* 56: H-node, unique */
  0x0a, 0x00, 0x00, 0x01, /* 58: 10.0.0.1 */
  0xe0, 0x00,             /* 62: H-node, group */
  0xc0, 0xa8, 0x00, 0x01, /* 64: 192.168.0.1 */
};

/* WACK from nmbd: RR type NULL, RDATA = the request's flags word. */
static const guint8 wack_null[] = {
  0x12, 0x34,             /*  0: TRN_ID */
  0xbc, 0x00,             /*  2: response, opcode 7, AA */
  0x00, 0x00, 0x00, 0x01, /*  4: QD 0, AN 1 */
  0x00, 0x00, 0x00, 0x00, /*  8: NS 0, AR 0 */
  ALICE_ENC,              /* 12: RR_NAME */
  0x00, 0x0a, 0x00, 0x01, /* 46: NULL, IN */
  0x00, 0x00, 0x00, 0x02, /* 50: TTL 2 s to wait */
  0x00, 0x02,             /* 54: RDLENGTH 2 */
  0x29, 0x00,             /* 56: flags of the request */
};

/* A redirect name query response (obsolete, RFC 1002 §4.2.15): NS record
 * whose RDATA name points back to the RR name, and an A record. */
static const guint8 redirect[] = {
  0x00, 0x07,             /*  0: TRN_ID */
  0x81, 0x00,             /*  2: response, opcode 0, RD */
  0x00, 0x00, 0x00, 0x00, /*  4: QD 0, AN 0 */
  0x00, 0x01, 0x00, 0x01, /*  8: NS 1, AR 1 */
  ALICE_ENC,              /* 12: NS record RR_NAME */
  0x00, 0x02, 0x00, 0x01, /* 46: NS, IN */
  0x00, 0x00, 0x00, 0x00, /* 50: TTL */
  0x00, 0x02,             /* 54: RDLENGTH 2 */
  0xc0, 0x0c,             /* 56: NSD_NAME = pointer to 12 */
  0xc0, 0x0c,             /* 58: A record RR_NAME = pointer to 12 */
  0x00, 0x01, 0x00, 0x01, /* 60: A, IN */
  0x00, 0x00, 0x00, 0x00, /* 64: TTL */
  0x00, 0x04,             /* 68: RDLENGTH 4 */
  0x0a, 0x01, 0x02, 0x03, /* 70: NSD_IP_ADDR 10.1.2.3 */
};

static NbName
name_of (const char *text, guint8 suffix)
{
  NbName n;

  assert_true (nb_name_from_utf8 (&n, text, suffix, NULL, NULL));
  return n;
}

static NbNsPacket *
parse_ok (const guint8 *data, gsize len)
{
  NbNsPacket *p = NULL;
  g_autoptr (GError) error = NULL;

  if (!nb_ns_packet_parse (data, len, &p, &error))
    fail_msg ("parse: %s", error->message);
  return p;
}

static void
assert_builds_to (const NbNsPacket *p, const guint8 *expected, gsize len)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  if (!nb_ns_packet_build (p, out, &error))
    fail_msg ("build: %s", error->message);
  assert_int_equal (out->len, len);
  assert_memory_equal (out->data, expected, len);
}

static void
assert_parse_fails (const guint8 *data, gsize len, gint code, const char *needle)
{
  NbNsPacket *sentinel = (NbNsPacket *) (gsize) 0x1;
  NbNsPacket *p = sentinel;
  g_autoptr (GError) error = NULL;

  assert_false (nb_ns_packet_parse (data, len, &p, &error));
  if (!g_error_matches (error, NS_CODEC_ERROR, code))
    fail_msg ("len %zu: expected code %d, got %s", len, code, error->message);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    fail_msg ("“%s” not in “%s”", needle, error->message);
  assert_ptr_equal (p, sentinel);
}

/* Copy of @data with byte @off replaced. */
static GByteArray *
patched (const guint8 *data, gsize len, gsize off, guint8 value)
{
  GByteArray *a = g_byte_array_new ();

  g_byte_array_append (a, data, len);
  a->data[off] = value;
  return a;
}

static void
test_parse_registration (void **state)
{
  g_autoptr (NbNsPacket) p = parse_ok (reg_alice, sizeof reg_alice);
  g_autoptr (NbNsPacket) built = NULL;
  NbName alice = name_of ("ALICE", 0x03);
  const NbNsRecord *rec;
  const NbNsAddrEntry *e;

  assert_int_equal (p->trn_id, 0x1234);
  assert_false (p->response);
  assert_int_equal (p->opcode, NB_NS_OPCODE_REGISTRATION);
  assert_int_equal (p->flags, NB_NS_FLAG_RD | NB_NS_FLAG_BROADCAST);
  assert_int_equal (p->rcode, 0);
  assert_true (nb_name_equal (&nb_ns_packet_question (p)->name, &alice));
  rec = nb_ns_packet_record (p);
  assert_non_null (rec);
  assert_true (nb_name_equal (&rec->name, &alice));
  assert_int_equal (rec->ttl, 0);
  e = &g_array_index (rec->addresses, NbNsAddrEntry, 0);
  assert_int_equal (e->flags, 0);
  assert_int_equal (e->ipv4, 0xc0a8010a);
  assert_builds_to (p, reg_alice, sizeof reg_alice);

  built = nb_ns_registration_request_new (0x1234, &alice, TRUE, 0, NB_NS_ONT_B, 0xc0a8010a);
  assert_true (nb_ns_packet_equal (p, built));
}

static void
test_truncated_at_every_offset (void **state)
{
  const struct {
    const guint8 *data;
    gsize len;
  } frames[] = {
    { reg_alice, sizeof reg_alice },
    { query_resp_two, sizeof query_resp_two },
    { wack_null, sizeof wack_null },
    { redirect, sizeof redirect },
  };

  /* Header fields, names, pointer halves, type/class/TTL/RDLENGTH, RDATA:
   * every cut is a truncation, never a crash or a partial result. */
  for (guint f = 0; f < G_N_ELEMENTS (frames); f++)
    for (gsize len = 0; len < frames[f].len; len++)
      assert_parse_fails (frames[f].data, len, NS_CODEC_ERROR_TRUNCATED, NULL);
}

static void
test_trailing_data (void **state)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();

  g_byte_array_append (a, reg_alice, sizeof reg_alice);
  g_byte_array_append (a, (const guint8 *) "\x00", 1);
  assert_parse_fails (a->data, a->len, NS_CODEC_ERROR_TRAILING_DATA, NULL);
}

static void
test_unknown_opcodes (void **state)
{
  static const guint8 bad[] = { 1, 2, 3, 4, 0xa, 0xb, 0xc, 0xd, 0xe };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    /* Opcode in bits 14-11 of the flags word. */
    g_autoptr (GByteArray) a = patched (reg_alice, sizeof reg_alice, 2,
                                        (guint8) ((bad[i] << 3) | 0x01));

    assert_parse_fails (a->data, a->len, NS_CODEC_ERROR_UNSUPPORTED, "opcode");
  }
}

static void
test_flags_lenient (void **state)
{
  /* Reserved bits 0x0060 set: ignored, and sent as 0 when rebuilt. */
  g_autoptr (GByteArray) a = patched (reg_alice, sizeof reg_alice, 3, 0x70);
  g_autoptr (NbNsPacket) p = parse_ok (a->data, a->len);
  g_autoptr (GByteArray) ra = patched (query_resp_two, sizeof query_resp_two, 3, 0x80);
  g_autoptr (NbNsPacket) with_ra = parse_ok (ra->data, ra->len);
  g_autoptr (NbNsPacket) without_ra = parse_ok (query_resp_two, sizeof query_resp_two);

  assert_int_equal (p->flags, NB_NS_FLAG_RD | NB_NS_FLAG_BROADCAST);
  assert_builds_to (p, reg_alice, sizeof reg_alice);
  /* Errata 9: RA set or clear are both fine in a query response. */
  assert_int_equal (with_ra->flags, NB_NS_FLAG_AA | NB_NS_FLAG_RD | NB_NS_FLAG_RA);
  assert_int_equal (without_ra->flags, NB_NS_FLAG_AA | NB_NS_FLAG_RD);
  /* Every RCODE value parses and is kept. */
  for (guint rc = 0; rc < 16; rc++) {
    g_autoptr (GByteArray) b = patched (query_resp_two, sizeof query_resp_two, 3,
                                        (guint8) rc);
    g_autoptr (NbNsPacket) q = parse_ok (b->data, b->len);

    assert_int_equal (q->rcode, rc);
    assert_builds_to (q, b->data, b->len);
  }
}

static void
test_refresh_opcodes (void **state)
{
  /* Opcode 8 (0x40 in byte 2) and 9 (0x48): both accepted and kept. */
  g_autoptr (GByteArray) r8 = patched (reg_alice, sizeof reg_alice, 2, 0x40);
  g_autoptr (GByteArray) r9 = patched (reg_alice, sizeof reg_alice, 2, 0x48);
  g_autoptr (NbNsPacket) p8 = parse_ok (r8->data, r8->len);
  g_autoptr (NbNsPacket) p9 = parse_ok (r9->data, r9->len);
  g_autoptr (NbNsPacket) built = NULL;
  NbName alice = name_of ("ALICE", 0x03);

  assert_int_equal (p8->opcode, NB_NS_OPCODE_REFRESH);
  assert_int_equal (p9->opcode, NB_NS_OPCODE_REFRESH_ALT);
  assert_builds_to (p9, r9->data, r9->len);
  /* The constructor sends opcode 8 as nmbd, RD clear, B set: 0x4010. */
  built = nb_ns_refresh_request_new (0x1234, &alice, TRUE, 0, NB_NS_ONT_B, 0xc0a8010a);
  r8->data[3] = 0x10;
  assert_builds_to (built, r8->data, r8->len);
}

static void
test_query_response_two_addresses (void **state)
{
  g_autoptr (NbNsPacket) p = parse_ok (query_resp_two, sizeof query_resp_two);
  g_autoptr (NbNsPacket) built = NULL;
  const NbNsRecord *rec = nb_ns_packet_record (p);
  NbName alice = name_of ("ALICE", 0x03);
  NbNsAddrEntry entries[] = {
    { NB_NS_ONT_H, 0x0a000001 },
    { NB_NS_NB_GROUP | NB_NS_ONT_H, 0xc0a80001 },
  };

  assert_true (p->response);
  assert_null (nb_ns_packet_question (p));
  assert_int_equal (rec->ttl, 3600);
  assert_int_equal (rec->addresses->len, 2);
  assert_int_equal (g_array_index (rec->addresses, NbNsAddrEntry, 1).flags, 0xe000);
  assert_int_equal (g_array_index (rec->addresses, NbNsAddrEntry, 1).ipv4, 0xc0a80001);

  built = nb_ns_positive_query_response_new (0xabcd, &alice, NB_NS_FLAG_RD, 3600, entries, 2);
  assert_builds_to (built, query_resp_two, sizeof query_resp_two);
}

static void
test_nb_rdata_lengths (void **state)
{
  /* RDLENGTH (offset 55) of 5 and 7 is not a whole number of entries. */
  for (guint8 bad = 5; bad <= 7; bad += 2) {
    g_autoptr (GByteArray) a = patched (query_resp_two, sizeof query_resp_two, 55, bad);

    assert_parse_fails (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "multiple of 6");
  }
  /* RDLENGTH 6 leaves the second entry as trailing data. */
  {
    g_autoptr (GByteArray) a = patched (query_resp_two, sizeof query_resp_two, 55, 6);

    assert_parse_fails (a->data, a->len, NS_CODEC_ERROR_TRAILING_DATA, NULL);
  }
  /* RDLENGTH 0: an NB record with no entries. */
  {
    g_autoptr (GByteArray) a = patched (query_resp_two, sizeof query_resp_two, 55, 0);
    g_autoptr (NbNsPacket) p = NULL;

    g_byte_array_set_size (a, 56);
    p = parse_ok (a->data, a->len);
    assert_int_equal (nb_ns_packet_record (p)->kind, NB_NS_RDATA_NB);
    assert_int_equal (nb_ns_packet_record (p)->addresses->len, 0);
    assert_builds_to (p, a->data, a->len);
  }
}

static void
test_wack_both_types (void **state)
{
  /* nmbd's NULL type and the RFC/Samba4 NB type (§8 item 9). */
  g_autoptr (GByteArray) nb_type = patched (wack_null, sizeof wack_null, 47, 0x20);
  g_autoptr (NbNsPacket) p = parse_ok (wack_null, sizeof wack_null);
  g_autoptr (NbNsPacket) q = parse_ok (nb_type->data, nb_type->len);
  g_autoptr (NbNsPacket) built = NULL;
  NbName alice = name_of ("ALICE", 0x03);

  assert_int_equal (p->opcode, NB_NS_OPCODE_WACK);
  assert_int_equal (nb_ns_packet_record (p)->kind, NB_NS_RDATA_WACK);
  assert_int_equal (nb_ns_packet_record (p)->type, NB_NS_TYPE_NULL);
  assert_int_equal (nb_ns_packet_record (p)->wack_flags, 0x2900);
  assert_int_equal (nb_ns_packet_record (p)->ttl, 2);
  assert_int_equal (nb_ns_packet_record (q)->kind, NB_NS_RDATA_WACK);
  assert_int_equal (nb_ns_packet_record (q)->type, NB_NS_TYPE_NB);
  assert_builds_to (p, wack_null, sizeof wack_null);
  assert_builds_to (q, nb_type->data, nb_type->len);

  /* The constructor uses type NB. */
  built = nb_ns_wack_new (0x1234, &alice, 2, 0x2900);
  assert_builds_to (built, nb_type->data, nb_type->len);
}

static void
test_null_and_raw_rdata (void **state)
{
  /* A NULL record with 2 bytes outside a WACK is kept raw. */
  g_autoptr (GByteArray) not_wack = patched (wack_null, sizeof wack_null, 2, 0x84);
  g_autoptr (NbNsPacket) p = parse_ok (not_wack->data, not_wack->len);
  /* An unknown type (0x1234) likewise. */
  g_autoptr (GByteArray) unknown = patched (not_wack->data, not_wack->len, 46, 0x12);
  g_autoptr (NbNsPacket) q = NULL;
  const NbNsRecord *rec = nb_ns_packet_record (p);

  assert_int_equal (rec->kind, NB_NS_RDATA_RAW);
  assert_int_equal (g_bytes_get_size (rec->raw), 2);
  assert_builds_to (p, not_wack->data, not_wack->len);
  unknown->data[47] = 0x34;
  q = parse_ok (unknown->data, unknown->len);
  assert_int_equal (nb_ns_packet_record (q)->type, 0x1234);
  assert_int_equal (nb_ns_packet_record (q)->kind, NB_NS_RDATA_RAW);
  assert_builds_to (q, unknown->data, unknown->len);
}

static void
test_redirect (void **state)
{
  g_autoptr (NbNsPacket) p = parse_ok (redirect, sizeof redirect);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (NbNsPacket) again = NULL;
  const NbNsRecord *ns, *a;
  NbName alice = name_of ("ALICE", 0x03);

  ns = g_ptr_array_index (p->authority, 0);
  a = g_ptr_array_index (p->additional, 0);
  assert_int_equal (ns->kind, NB_NS_RDATA_NS);
  assert_true (nb_name_equal (&ns->ns_name, &alice));
  assert_int_equal (a->kind, NB_NS_RDATA_A);
  assert_true (nb_name_equal (&a->name, &alice));
  assert_int_equal (a->a_ipv4, 0x0a010203);
  /* No question: the builder writes every name in full. */
  assert_true (nb_ns_packet_build (p, out, NULL));
  assert_int_equal (out->len, sizeof redirect + 32 + 32);
  again = parse_ok (out->data, out->len);
  assert_true (nb_ns_packet_equal (p, again));
}

static void
test_rdata_content_mismatch (void **state)
{
  /* A record RDLENGTH 5 (offset 69). */
  g_autoptr (GByteArray) a5 = patched (redirect, sizeof redirect, 69, 5);
  /* NS RDATA of 3 bytes holding a 2-byte pointer and the A record's first
   * byte: the name does not fill the RDATA. */
  g_autoptr (GByteArray) ns3 = patched (redirect, sizeof redirect, 55, 3);
  /* NS RDATA of 1 byte: the pointer is cut inside RDATA. */
  g_autoptr (GByteArray) ns1 = patched (redirect, sizeof redirect, 55, 1);

  g_byte_array_append (a5, (const guint8 *) "\x00", 1);
  assert_parse_fails (a5->data, a5->len, NS_CODEC_ERROR_MALFORMED, "A RDATA");
  assert_parse_fails (ns3->data, ns3->len, NS_CODEC_ERROR_MALFORMED, "longer than its content");
  assert_parse_fails (ns1->data, ns1->len, NS_CODEC_ERROR_MALFORMED, "shorter than its content");
}

static void
test_bad_names_in_packet (void **state)
{
  /* Forward pointer in the RR name (to 52 from 50). */
  g_autoptr (GByteArray) fwd = patched (reg_alice, sizeof reg_alice, 51, 0x34);
  /* Pointer to itself. */
  g_autoptr (GByteArray) self = patched (reg_alice, sizeof reg_alice, 51, 0x32);
  /* Question name first label 0x1f. */
  g_autoptr (GByteArray) len31 = patched (reg_alice, sizeof reg_alice, 12, 0x1f);
  /* Question name with a lower-case letter. */
  g_autoptr (GByteArray) lower = patched (reg_alice, sizeof reg_alice, 13, 'e');
  /* A pointer in the question name: to offset 0, the header. */
  g_autoptr (GByteArray) qptr = patched (reg_alice, sizeof reg_alice, 12, 0xc0);

  assert_parse_fails (fwd->data, fwd->len, NS_CODEC_ERROR_MALFORMED, "backwards");
  assert_parse_fails (self->data, self->len, NS_CODEC_ERROR_MALFORMED, "backwards");
  assert_parse_fails (len31->data, len31->len, NS_CODEC_ERROR_MALFORMED, "32 bytes");
  assert_parse_fails (lower->data, lower->len, NS_CODEC_ERROR_MALFORMED, "'A'..'P'");
  qptr->data[13] = 0x00;
  assert_parse_fails (qptr->data, qptr->len, NS_CODEC_ERROR_MALFORMED, NULL);
}

static void
test_huge_counts (void **state)
{
  /* 65535 additional records announced, one present. */
  g_autoptr (GByteArray) a = g_byte_array_new ();

  g_byte_array_append (a, reg_alice, sizeof reg_alice);
  a->data[10] = 0xff;
  a->data[11] = 0xff;
  assert_parse_fails (a->data, a->len, NS_CODEC_ERROR_TRUNCATED, NULL);
  /* 65535 of everything and nothing after the header. */
  memset (a->data + 4, 0xff, 8);
  assert_parse_fails (a->data, NB_NS_HEADER_LEN, NS_CODEC_ERROR_TRUNCATED, NULL);
}

static void
test_scoped_names_round_trip (void **state)
{
  NbName alice = name_of ("ALICE", 0x03), other;
  g_autoptr (NbNsPacket) p = NULL, again = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();

  assert_true (nb_name_set_scope (&alice, "Corp.Example", NULL));
  p = nb_ns_registration_request_new (7, &alice, FALSE, 300, NB_NS_ONT_P, 0x01020304);
  assert_true (nb_ns_packet_build (p, out, NULL));
  /* 12 header + (34 + 13) name + 4 + 2 pointer + 10 + 6 RDATA. */
  assert_int_equal (out->len, 12 + 47 + 4 + 2 + 10 + 6);
  assert_int_equal (out->data[12 + 47 + 4], 0xc0);
  again = parse_ok (out->data, out->len);
  assert_true (nb_ns_packet_equal (p, again));
  assert_string_equal (nb_ns_packet_record (again)->name.scope, "Corp.Example");

  /* Same name bytes but a scope differing in case: not compressed, so the
   * case survives the round trip. */
  other = alice;
  g_strlcpy (other.scope, "CORP.EXAMPLE", sizeof other.scope);
  ((NbNsRecord *) g_ptr_array_index (p->additional, 0))->name = other;
  g_byte_array_set_size (out, 0);
  assert_true (nb_ns_packet_build (p, out, NULL));
  assert_int_equal (out->len, 12 + 47 + 4 + 47 + 10 + 6);
  g_clear_pointer (&again, nb_ns_packet_free);
  again = parse_ok (out->data, out->len);
  assert_string_equal (nb_ns_packet_record (again)->name.scope, "CORP.EXAMPLE");
}

static void
test_constructor_flag_words (void **state)
{
  NbName alice = name_of ("ALICE", 0x03);
  const struct {
    NbNsPacket *p;
    guint16 word;
  } cases[] = {
    /* PROTOCOL.md §1.4.1 "flag words seen on the wire". */
    { nb_ns_name_query_request_new (1, &alice, TRUE, TRUE), 0x0110 },
    { nb_ns_name_query_request_new (1, &alice, FALSE, TRUE), 0x0100 },
    { nb_ns_node_status_request_new (1, NULL, FALSE), 0x0000 },
    { nb_ns_node_status_request_new (1, NULL, TRUE), 0x0010 },
    { nb_ns_registration_request_new (1, &alice, TRUE, 0, 0, 1), 0x2910 },
    { nb_ns_registration_request_new (1, &alice, FALSE, 0, 0, 1), 0x2900 },
    { nb_ns_multihomed_registration_request_new (1, &alice, 0, 0, 1), 0x7900 },
    { nb_ns_release_request_new (1, &alice, TRUE, 0, 0, 1), 0x3010 },
    { nb_ns_release_request_new (1, &alice, FALSE, 0, 0, 1), 0x3000 },
    { nb_ns_refresh_request_new (1, &alice, FALSE, 0, 0, 1), 0x4000 },
    { nb_ns_positive_query_response_new (1, &alice, NB_NS_FLAG_RD, 0, NULL, 0), 0x8500 },
    { nb_ns_negative_query_response_new (1, &alice, NB_NS_FLAG_RD | NB_NS_FLAG_RA,
                                         NB_NS_RCODE_NAM_ERR), 0x8583 },
    { nb_ns_registration_response_new (1, &alice, NB_NS_RCODE_OK, 0, 0, 1), 0xad80 },
    { nb_ns_registration_response_new (1, &alice, NB_NS_RCODE_ACT_ERR, 0, 0, 1), 0xad86 },
    { nb_ns_name_conflict_demand_new (1, &alice, NB_NS_ONT_H), 0xad87 },
    { nb_ns_wack_new (1, &alice, 2, 0x2900), 0xbc00 },
    { nb_ns_release_response_new (1, &alice, NB_NS_RCODE_OK, 0, 1), 0xb400 },
    { nb_ns_node_status_response_new (1, &alice, nb_ns_node_status_new ()), 0x8400 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (NbNsPacket) p = cases[i].p;
    g_autoptr (NbNsPacket) again = NULL;
    g_autoptr (GByteArray) out = g_byte_array_new ();

    assert_true (nb_ns_packet_build (p, out, NULL));
    if (((out->data[2] << 8) | out->data[3]) != cases[i].word)
      fail_msg ("case %u: flags 0x%02x%02x, want 0x%04x", i, out->data[2], out->data[3],
                cases[i].word);
    again = parse_ok (out->data, out->len);
    assert_true (nb_ns_packet_equal (p, again));
  }
}

static void
test_conflict_demand_rdata (void **state)
{
  NbName alice = name_of ("ALICE", 0x03);
  g_autoptr (NbNsPacket) p = nb_ns_name_conflict_demand_new (9, &alice,
                                                             NB_NS_NB_GROUP | NB_NS_ONT_H);
  const NbNsRecord *rec = nb_ns_packet_record (p);
  const NbNsAddrEntry *e = &g_array_index (rec->addresses, NbNsAddrEntry, 0);

  /* Errata 10: owner's ONT kept, G cleared, address 0.0.0.0, TTL 0. */
  assert_int_equal (p->rcode, NB_NS_RCODE_CFT_ERR);
  assert_int_equal (rec->ttl, 0);
  assert_int_equal (e->flags, NB_NS_ONT_H);
  assert_int_equal (e->ipv4, 0);
}

static void
assert_build_fails (const NbNsPacket *p, gint code)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  /* Pre-existing content must survive a failed build. */
  g_byte_array_append (out, (const guint8 *) "xyz", 3);
  assert_false (nb_ns_packet_build (p, out, &error));
  if (!g_error_matches (error, NS_CODEC_ERROR, code))
    fail_msg ("expected code %d, got %s", code, error->message);
  assert_int_equal (out->len, 3);
  assert_memory_equal (out->data, "xyz", 3);
}

static void
test_build_errors (void **state)
{
  NbName alice = name_of ("ALICE", 0x03);
  g_autoptr (NbNsPacket) p = nb_ns_registration_request_new (1, &alice, TRUE, 0, 0, 1);
  g_autoptr (NbNsPacket) big = nb_ns_packet_new ();
  NbNsRecord *rec = g_ptr_array_index (p->additional, 0);
  NbNsNodeStatus *saved;

  /* Invalid scope in the question. */
  g_strlcpy (g_array_index (p->questions, NbNsQuestion, 0).name.scope, "a..b",
             NB_NAME_SCOPE_MAX);
  assert_build_fails (p, NS_CODEC_ERROR_MALFORMED);
  g_array_index (p->questions, NbNsQuestion, 0).name.scope[0] = '\0';
  /* STATUS kind without a node status. */
  rec->kind = NB_NS_RDATA_STATUS;
  assert_build_fails (p, NS_CODEC_ERROR_MALFORMED);
  /* Node status with 256 names. */
  saved = rec->status = nb_ns_node_status_new ();
  for (guint i = 0; i < 256; i++) {
    NbNsStatusName e = { .flags = 0 };

    g_array_append_val (saved->names, e);
  }
  assert_build_fails (p, NS_CODEC_ERROR_MALFORMED);
  rec->kind = NB_NS_RDATA_NB;
  /* Opcode and rcode out of range. */
  p->opcode = 3;
  assert_build_fails (p, NS_CODEC_ERROR_MALFORMED);
  p->opcode = NB_NS_OPCODE_REGISTRATION;
  p->rcode = 16;
  assert_build_fails (p, NS_CODEC_ERROR_MALFORMED);
  p->rcode = 0;
  /* Past NB_NS_BUILD_MAX: 1400 answers of 50 bytes each. */
  for (guint i = 0; i < 1400; i++) {
    NbNsRecord *r = nb_ns_record_new (&alice, NB_NS_TYPE_NB, 0);

    nb_ns_record_add_address (r, 0, i);
    g_ptr_array_add (big->answers, r);
  }
  assert_build_fails (big, NS_CODEC_ERROR_TOO_LARGE);
}

static void
test_copy_equal_strings (void **state)
{
  g_autoptr (NbNsPacket) p = parse_ok (redirect, sizeof redirect);
  g_autoptr (NbNsPacket) c = nb_ns_packet_copy (p);
  g_autoptr (NbNsPacket) w = parse_ok (wack_null, sizeof wack_null);
  g_autoptr (NbNsPacket) wc = nb_ns_packet_copy (w);
  NbNsRecord *a;

  assert_true (nb_ns_packet_equal (p, c));
  assert_true (nb_ns_packet_equal (w, wc));
  assert_false (nb_ns_packet_equal (p, w));
  assert_true (nb_ns_packet_equal (NULL, NULL));
  assert_false (nb_ns_packet_equal (p, NULL));
  a = g_ptr_array_index (c->additional, 0);
  a->a_ipv4++;
  assert_false (nb_ns_packet_equal (p, c));
  a->a_ipv4--;
  c->trn_id++;
  assert_false (nb_ns_packet_equal (p, c));

  assert_string_equal (nb_ns_opcode_to_string (NB_NS_OPCODE_WACK), "WACK");
  assert_string_equal (nb_ns_opcode_to_string (3), "unknown opcode");
  assert_string_equal (nb_ns_rcode_to_string (NB_NS_RCODE_ACT_ERR), "ACT_ERR");
  assert_string_equal (nb_ns_rcode_to_string (12), "unknown rcode");
  nb_ns_packet_free (NULL);
  nb_ns_record_free (NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parse_registration),
    cmocka_unit_test (test_truncated_at_every_offset),
    cmocka_unit_test (test_trailing_data),
    cmocka_unit_test (test_unknown_opcodes),
    cmocka_unit_test (test_flags_lenient),
    cmocka_unit_test (test_refresh_opcodes),
    cmocka_unit_test (test_query_response_two_addresses),
    cmocka_unit_test (test_nb_rdata_lengths),
    cmocka_unit_test (test_wack_both_types),
    cmocka_unit_test (test_null_and_raw_rdata),
    cmocka_unit_test (test_redirect),
    cmocka_unit_test (test_rdata_content_mismatch),
    cmocka_unit_test (test_bad_names_in_packet),
    cmocka_unit_test (test_huge_counts),
    cmocka_unit_test (test_scoped_names_round_trip),
    cmocka_unit_test (test_constructor_flag_words),
    cmocka_unit_test (test_conflict_demand_rdata),
    cmocka_unit_test (test_build_errors),
    cmocka_unit_test (test_copy_equal_strings),
  };
  return cmocka_run_group_tests_name ("nb-ns", tests, NULL, NULL);
}

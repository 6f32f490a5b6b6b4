/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/ns-errors.h"
#include "netsend/rpc-cl.h"

/* A little-endian REQUEST header (PROTOCOL.md §7.8, NetrSendMessage), with
 * every field that a test touches annotated. Body: 4 bytes. */
static const guint8 req_le[] = {
  0x04,                   /*  0 rpc_vers 4 */
  0x00,                   /*  1 ptype REQUEST */
  0x20,                   /*  2 flags1 IDEMPOTENT */
  0x00,                   /*  3 flags2 */
  0x10, 0x00, 0x00,       /*  4 drep: LE, ASCII, IEEE */
  0x01,                   /*  7 serial_hi */
  /*  8 object: nil */
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  /* 24 if_id 5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fc, first 3 fields LE */
  0xf8, 0x91, 0x7b, 0x5a, 0x00, 0xff, 0xd0, 0x11,
  0xa9, 0xb2, 0x00, 0xc0, 0x4f, 0xb6, 0xe6, 0xfc,
  /* 40 act_id 00112233-4455-6677-8899-aabbccddeeff */
  0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
  0x78, 0x56, 0x34, 0x12, /* 56 server_boot 0x12345678 */
  0x01, 0x00, 0x00, 0x00, /* 60 if_vers 1.0 */
  0x07, 0x00, 0x00, 0x00, /* 64 seqnum 7 */
  0x00, 0x00,             /* 68 opnum 0 */
  0xff, 0xff,             /* 70 ihint none */
  0xff, 0xff,             /* 72 ahint none */
  0x04, 0x00,             /* 74 len 4 */
  0x00, 0x00,             /* 76 fragnum 0 */
  0x00,                   /* 78 auth_proto none */
  0x02,                   /* 79 serial_lo */
  0xde, 0xad, 0xbe, 0xef, /* 80 body */
};

/* The same kind of header big-endian, with distinct bytes in each field so
 * that a swapped or misplaced field shows. */
static const guint8 req_be[] = {
  0x04, 0x00,             /*  0 rpc_vers, ptype REQUEST */
  0x0a,                   /*  2 flags1 LASTFRAG|NOFACK */
  0x04,                   /*  3 flags2 PF2_UNRELATED */
  0x00, 0x00, 0x00,       /*  4 drep: BE, ASCII, IEEE */
  0x00,                   /*  7 serial_hi */
  /*  8 object 01020304-0506-0708-090a-0b0c0d0e0f10 */
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
  /* 24 if_id 5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fc, first 3 fields BE */
  0x5a, 0x7b, 0x91, 0xf8, 0xff, 0x00, 0x11, 0xd0,
  0xa9, 0xb2, 0x00, 0xc0, 0x4f, 0xb6, 0xe6, 0xfc,
  /* 40 act_id 00112233-4455-6677-8899-aabbccddeeff */
  0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
  0xa1, 0xa2, 0xa3, 0xa4, /* 56 server_boot 0xa1a2a3a4 */
  0x00, 0x02, 0x00, 0x01, /* 60 if_vers 0x00020001 = 1.2 */
  0xb1, 0xb2, 0xb3, 0xb4, /* 64 seqnum */
  0xc1, 0xc2,             /* 68 opnum */
  0xd1, 0xd2,             /* 70 ihint */
  0xe1, 0xe2,             /* 72 ahint */
  0x00, 0x00,             /* 74 len 0 */
  0x00, 0x05,             /* 76 fragnum 5 */
  0x00,                   /* 78 auth_proto */
  0x09,                   /* 79 serial_lo */
};

static GBytes *
load_vector (const char *name)
{
  const char *root = g_getenv ("NETSEND_SOURCE_ROOT");
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  assert_non_null (root);
  path = g_build_filename (root, "tests", "vectors", "rpc", name, NULL);
  if (!g_file_get_contents (path, &data, &len, &error))
    fail_msg ("%s", error->message);
  return g_bytes_new_take (data, len);
}

static void
assert_uuid_str (const RpcUuid *u, const char *expected)
{
  g_autofree char *s = rpc_uuid_to_string (u);

  assert_string_equal (s, expected);
}

static void
test_uuid (void **state)
{
  RpcUuid u, v, keep = { 0x11111111 };
  g_autoptr (GError) error = NULL;
  const char *bad[] = {
    "", "5a7b91f8-ff00-11d0-a9b2-00c04fb6e6f", "5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fcc",
    "5a7b91f8+ff00-11d0-a9b2-00c04fb6e6fc", "5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fg",
    "{5a7b91f8-ff00-11d0-a9b2-00c04fb6e6f}",
  };

  assert_true (rpc_uuid_parse ("5A7B91F8-FF00-11D0-A9B2-00C04FB6E6FC", &u, NULL));
  assert_int_equal (u.data1, 0x5a7b91f8);
  assert_int_equal (u.data2, 0xff00);
  assert_int_equal (u.data3, 0x11d0);
  assert_int_equal (u.data4[0], 0xa9);
  assert_int_equal (u.data4[7], 0xfc);
  assert_uuid_str (&u, "5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fc");
  assert_true (rpc_uuid_parse ("5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fc", &v, NULL));
  assert_true (rpc_uuid_equal (&u, &v));
  v.data4[5] ^= 1;
  assert_false (rpc_uuid_equal (&u, &v));
  assert_false (rpc_uuid_is_nil (&u));
  memset (&v, 0, sizeof v);
  assert_true (rpc_uuid_is_nil (&v));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_clear_error (&error);
    u = keep;
    assert_false (rpc_uuid_parse (bad[i], &u, &error));
    assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
    assert_int_equal (u.data1, 0x11111111);
  }

  /* Random UUIDs are version 4, variant 10xx. */
  rpc_uuid_generate (&u);
  rpc_uuid_generate (&v);
  assert_false (rpc_uuid_equal (&u, &v));
  assert_int_equal (u.data3 >> 12, 4);
  assert_int_equal (u.data4[0] >> 6, 2);
}

static void
test_header_le (void **state)
{
  RpcClHeader h;
  g_autoptr (GError) error = NULL;

  assert_true (rpc_cl_header_parse (req_le, sizeof req_le, &h, &error));
  assert_null (error);
  assert_int_equal (h.ptype, RPC_CL_PTYPE_REQUEST);
  assert_int_equal (h.flags1, RPC_CL_FLAGS1_IDEMPOTENT);
  assert_int_equal (h.flags2, 0);
  assert_true (rpc_cl_header_is_little_endian (&h));
  assert_true (rpc_uuid_is_nil (&h.object));
  assert_uuid_str (&h.if_id, "5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fc");
  assert_uuid_str (&h.act_id, "00112233-4455-6677-8899-aabbccddeeff");
  assert_int_equal (h.server_boot, 0x12345678);
  assert_int_equal (h.if_vers, 1);
  assert_int_equal (h.seqnum, 7);
  assert_int_equal (h.opnum, 0);
  assert_int_equal (h.ihint, RPC_CL_HINT_NONE);
  assert_int_equal (h.ahint, RPC_CL_HINT_NONE);
  assert_int_equal (h.body_len, 4);
  assert_int_equal (h.fragnum, 0);
  assert_int_equal (h.auth_proto, 0);
  assert_int_equal (h.serial, 0x0102);
}

static void
test_header_be (void **state)
{
  RpcClHeader h;
  g_autoptr (RpcClPacket) pkt = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();

  assert_true (rpc_cl_header_parse (req_be, sizeof req_be, &h, NULL));
  assert_false (rpc_cl_header_is_little_endian (&h));
  assert_int_equal (h.flags1, RPC_CL_FLAGS1_LASTFRAG | RPC_CL_FLAGS1_NOFACK);
  assert_int_equal (h.flags2, RPC_CL_FLAGS2_UNRELATED);
  assert_uuid_str (&h.object, "01020304-0506-0708-090a-0b0c0d0e0f10");
  assert_uuid_str (&h.if_id, "5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fc");
  assert_uuid_str (&h.act_id, "00112233-4455-6677-8899-aabbccddeeff");
  assert_int_equal (h.server_boot, 0xa1a2a3a4);
  assert_int_equal (h.if_vers & 0xffff, 1);
  assert_int_equal (h.if_vers >> 16, 2);
  assert_int_equal (h.seqnum, 0xb1b2b3b4);
  assert_int_equal (h.opnum, 0xc1c2);
  assert_int_equal (h.ihint, 0xd1d2);
  assert_int_equal (h.ahint, 0xe1e2);
  assert_int_equal (h.body_len, 0);
  assert_int_equal (h.fragnum, 5);
  assert_int_equal (h.serial, 0x0009);

  /* Rebuilt in the same (big-endian) representation: identical bytes. */
  pkt = rpc_cl_packet_parse (req_be, sizeof req_be, NULL);
  assert_non_null (pkt);
  assert_true (rpc_cl_packet_build (pkt, out, NULL));
  assert_int_equal (out->len, sizeof req_be);
  assert_memory_equal (out->data, req_be, sizeof req_be);
}

static void
expect_header_error (const guint8 *data, gsize len, NsCodecError code, const char *substr)
{
  RpcClHeader h;
  g_autoptr (GError) error = NULL;

  memset (&h, 0x5a, sizeof h);
  assert_false (rpc_cl_header_parse (data, len, &h, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, code));
  if (strstr (error->message, substr) == NULL)
    fail_msg ("“%s” lacks “%s”", error->message, substr);
  /* All or nothing: the output is untouched. */
  assert_int_equal (h.ptype, 0x5a);
  assert_int_equal (h.seqnum, 0x5a5a5a5a);
}

static void
test_header_errors (void **state)
{
  guint8 buf[sizeof req_le];
  RpcClHeader h;

  expect_header_error (req_le, 0, NS_CODEC_ERROR_TRUNCATED, "80 bytes needed, 0 received");
  expect_header_error (req_le, 79, NS_CODEC_ERROR_TRUNCATED, "80 bytes needed, 79 received");

  memcpy (buf, req_le, sizeof buf);
  buf[0] = 5; /* connection-oriented */
  expect_header_error (buf, sizeof buf, NS_CODEC_ERROR_UNSUPPORTED, "rpc_vers is 5, expected 4");

  memcpy (buf, req_le, sizeof buf);
  buf[1] = 11; /* bind: connection-oriented only */
  expect_header_error (buf, sizeof buf, NS_CODEC_ERROR_MALFORMED, "packet type 11");

  memcpy (buf, req_le, sizeof buf);
  buf[4] = 0x20; /* integer representation 2 is undefined */
  expect_header_error (buf, sizeof buf, NS_CODEC_ERROR_MALFORMED, "data representation 20 00");
  memcpy (buf, req_le, sizeof buf);
  buf[4] = 0x12; /* character representation 2 */
  expect_header_error (buf, sizeof buf, NS_CODEC_ERROR_MALFORMED, "data representation 12 00");
  memcpy (buf, req_le, sizeof buf);
  buf[5] = 0x04; /* floating point 4 */
  expect_header_error (buf, sizeof buf, NS_CODEC_ERROR_MALFORMED, "data representation 10 04");

  /* Defined but unusual representations are the stub's business. */
  memcpy (buf, req_le, sizeof buf);
  buf[4] = 0x11; /* LE, EBCDIC */
  buf[5] = 0x03; /* IBM floats */
  buf[6] = 0xee; /* reserved byte, ignored */
  assert_true (rpc_cl_header_parse (buf, sizeof buf, &h, NULL));
  assert_int_equal (h.drep[0], 0x11);
  assert_int_equal (h.seqnum, 7);
}

/* Errata 5: flags1 0x01/0x80 and flags2 0x01 are ignored, not refused, and
 * kept so that the packet rebuilds identically. */
static void
test_reserved_flags (void **state)
{
  guint8 buf[sizeof req_le];
  g_autoptr (RpcClPacket) pkt = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();

  memcpy (buf, req_le, sizeof buf);
  buf[2] = 0x81 | RPC_CL_FLAGS1_IDEMPOTENT;
  buf[3] = RPC_CL_FLAGS2_RESERVED_01 | RPC_CL_FLAGS2_UNRELATED;
  pkt = rpc_cl_packet_parse (buf, sizeof buf, NULL);
  assert_non_null (pkt);
  assert_int_equal (pkt->header.flags1, 0xa1);
  assert_int_equal (pkt->header.flags2, 0x05);
  assert_true (rpc_cl_packet_build (pkt, out, NULL));
  assert_memory_equal (out->data, buf, sizeof buf);
}

static void
expect_packet_error (const guint8 *data, gsize len, NsCodecError code, const char *substr)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_parse (data, len, &error);

  assert_null (pkt);
  assert_true (g_error_matches (error, NS_CODEC_ERROR, code));
  if (strstr (error->message, substr) == NULL)
    fail_msg ("“%s” lacks “%s”", error->message, substr);
}

static void
test_body_length (void **state)
{
  g_autoptr (RpcClPacket) pkt = NULL;
  guint8 buf[sizeof req_le + 3];

  /* len says 4 but 3 follow / 5 follow. */
  expect_packet_error (req_le, sizeof req_le - 1, NS_CODEC_ERROR_TRUNCATED,
                       "body length is 4 but only 3 bytes follow");
  memcpy (buf, req_le, sizeof req_le);
  buf[sizeof req_le] = 0;
  expect_packet_error (buf, sizeof req_le + 1, NS_CODEC_ERROR_TRAILING_DATA,
                       "body length is 4 but 5 bytes follow");

  pkt = rpc_cl_packet_parse (req_le, sizeof req_le, NULL);
  assert_non_null (pkt);
  assert_int_equal (g_bytes_get_size (pkt->body), 4);
  assert_memory_equal (g_bytes_get_data (pkt->body, NULL), req_le + 80, 4);
  assert_null (pkt->auth_verifier);
  g_clear_pointer (&pkt, rpc_cl_packet_free);

  /* With auth_proto set, bytes after the body are the verifier (C706
   * §12.5.2), kept opaque and rebuilt as they were. */
  memcpy (buf, req_le, sizeof req_le);
  buf[78] = 1;
  buf[84] = 0x11;
  buf[85] = 0x22;
  buf[86] = 0x33;
  pkt = rpc_cl_packet_parse (buf, sizeof buf, NULL);
  assert_non_null (pkt);
  assert_int_equal (pkt->header.auth_proto, 1);
  assert_int_equal (g_bytes_get_size (pkt->body), 4);
  assert_non_null (pkt->auth_verifier);
  assert_int_equal (g_bytes_get_size (pkt->auth_verifier), 3);
  {
    g_autoptr (GByteArray) out = g_byte_array_new ();

    assert_true (rpc_cl_packet_build (pkt, out, NULL));
    assert_int_equal (out->len, sizeof buf);
    assert_memory_equal (out->data, buf, sizeof buf);
  }
}

/* A REJECT nca_s_unk_if answering req_le, as a server builds it. */
static const guint8 reject_le[] = {
  0x04, 0x06, 0x00, 0x00, /*  0 vers, ptype REJECT, flags1, flags2 */
  0x10, 0x00, 0x00, 0x00, /*  4 drep LE, serial_hi 0 */
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*  8 object nil */
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0xf8, 0x91, 0x7b, 0x5a, 0x00, 0xff, 0xd0, 0x11, /* 24 if_id copied */
  0xa9, 0xb2, 0x00, 0xc0, 0x4f, 0xb6, 0xe6, 0xfc,
  0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, /* 40 act_id copied */
  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
  0x00, 0x10, 0x5e, 0x5f, /* 56 server_boot 0x5f5e1000 (ours) */
  0x01, 0x00, 0x00, 0x00, /* 60 if_vers copied */
  0x07, 0x00, 0x00, 0x00, /* 64 seqnum copied */
  0x00, 0x00,             /* 68 opnum copied */
  0xff, 0xff, 0xff, 0xff, /* 70 ihint, ahint none */
  0x04, 0x00,             /* 74 len 4 */
  0x00, 0x00, 0x00, 0x00, /* 76 fragnum, auth_proto, serial_lo */
  0x03, 0x00, 0x01, 0x1c, /* 80 status 0x1c010003 nca_s_unk_if */
};

static void
test_reject_fault (void **state)
{
  RpcClHeader req, rej;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (RpcClPacket) pkt = NULL;
  g_autoptr (GError) error = NULL;

  assert_true (rpc_cl_header_parse (req_le, sizeof req_le, &req, NULL));
  rpc_cl_header_init_reply (&rej, &req, RPC_CL_PTYPE_REJECT, 0x5f5e1000);
  assert_true (rpc_cl_build_status (&rej, RPC_NCA_S_UNK_IF, out, NULL));
  assert_int_equal (out->len, sizeof reject_le);
  assert_memory_equal (out->data, reject_le, sizeof reject_le);

  pkt = rpc_cl_packet_parse (out->data, out->len, NULL);
  assert_non_null (pkt);
  assert_int_equal (pkt->header.ptype, RPC_CL_PTYPE_REJECT);
  assert_int_equal (pkt->status, RPC_NCA_S_UNK_IF);
  assert_string_equal (rpc_cl_status_name (pkt->status), "nca_s_unk_if");
  g_clear_pointer (&pkt, rpc_cl_packet_free);

  /* A status body must be exactly 4 bytes. */
  {
    guint8 buf[sizeof reject_le + 1];

    memcpy (buf, reject_le, sizeof reject_le);
    buf[74] = 5;
    buf[84] = 0;
    expect_packet_error (buf, sizeof buf, NS_CODEC_ERROR_TRAILING_DATA, "reject");
    buf[74] = 3;
    expect_packet_error (buf, sizeof buf - 2, NS_CODEC_ERROR_TRUNCATED, "reject truncated");
  }

  /* A big-endian FAULT: the status follows drep. */
  g_byte_array_set_size (out, 0);
  rpc_cl_header_init_reply (&rej, &req, RPC_CL_PTYPE_FAULT, 1);
  rej.drep[0] = RPC_DREP_INT_BIG_ENDIAN;
  assert_true (rpc_cl_build_status (&rej, RPC_NCA_S_FAULT_NDR, out, NULL));
  assert_int_equal (out->len, 84);
  assert_int_equal (out->data[1], RPC_CL_PTYPE_FAULT);
  assert_int_equal (out->data[74], 0x00); /* len 4, BE */
  assert_int_equal (out->data[75], 0x04);
  assert_int_equal (out->data[80], 0x00); /* 0x000006f7 BE */
  assert_int_equal (out->data[82], 0x06);
  assert_int_equal (out->data[83], 0xf7);
  pkt = rpc_cl_packet_parse (out->data, out->len, NULL);
  assert_non_null (pkt);
  assert_int_equal (pkt->status, RPC_NCA_S_FAULT_NDR);
  assert_string_equal (rpc_cl_status_name (RPC_NCA_S_FAULT_NDR), "nca_s_fault_ndr");

  /* A status body only belongs to a fault or reject. */
  rej.ptype = RPC_CL_PTYPE_RESPONSE;
  g_byte_array_set_size (out, 0);
  assert_false (rpc_cl_build_status (&rej, 0, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_int_equal (out->len, 0);
}

/* Builds a header of @ptype (LE, from req_le) followed by @body. */
static GByteArray *
with_body (guint8 ptype, const guint8 *body, gsize len)
{
  GByteArray *a = g_byte_array_new ();

  g_byte_array_append (a, req_le, 80);
  a->data[1] = ptype;
  a->data[74] = (guint8) len;
  a->data[75] = (guint8) (len >> 8);
  g_byte_array_append (a, body, (guint) len);
  return a;
}

static void
test_fack (void **state)
{
  static const guint8 fack[] = {
    0x01,                   /* 0 vers 1 */
    0x00,                   /* 1 pad */
    0x10, 0x00,             /* 2 window_size 16 */
    0x00, 0x10, 0x00, 0x00, /* 4 max_tsdu 4096 */
    0xd0, 0x05, 0x00, 0x00, /* 8 max_frag_size 1488 */
    0x03, 0x00,             /* 12 serial_num 3 */
    0x02, 0x00,             /* 14 selack_len 2 */
    0x05, 0x00, 0x00, 0x00, /* 16 selack[0] */
    0x00, 0x00, 0x00, 0x80, /* 20 selack[1] */
  };
  g_autoptr (GByteArray) a = with_body (RPC_CL_PTYPE_FACK, fack, sizeof fack);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_parse (a->data, a->len, NULL);
  guint8 bad[sizeof fack];

  assert_non_null (pkt);
  assert_true (pkt->has_fack);
  assert_int_equal (pkt->fack.version, 1);
  assert_int_equal (pkt->fack.window_size, 16);
  assert_int_equal (pkt->fack.max_tsdu, 4096);
  assert_int_equal (pkt->fack.max_frag_size, 1488);
  assert_int_equal (pkt->fack.serial_num, 3);
  assert_int_equal (pkt->fack.selack_len, 2);
  assert_int_equal (pkt->fack.selack[0], 5);
  assert_int_equal (pkt->fack.selack[1], 0x80000000u);

  /* Encoded from the typed fields (body dropped), the bytes are the same. */
  g_clear_pointer (&pkt->body, g_bytes_unref);
  assert_true (rpc_cl_packet_build (pkt, out, NULL));
  assert_int_equal (out->len, a->len);
  assert_memory_equal (out->data, a->data, a->len);
  g_clear_pointer (&pkt, rpc_cl_packet_free);
  g_clear_pointer (&a, g_byte_array_unref);

  /* selack_len 3 but room for 2. */
  memcpy (bad, fack, sizeof bad);
  bad[14] = 3;
  a = with_body (RPC_CL_PTYPE_FACK, bad, sizeof bad);
  expect_packet_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "selective acknowledgement");
  g_clear_pointer (&a, g_byte_array_unref);
  /* Unknown body version. */
  memcpy (bad, fack, sizeof bad);
  bad[0] = 2;
  a = with_body (RPC_CL_PTYPE_FACK, bad, sizeof bad);
  expect_packet_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "unknown FACK body version");
  g_clear_pointer (&a, g_byte_array_unref);
  /* Cut inside the fixed part. */
  a = with_body (RPC_CL_PTYPE_FACK, fack, 10);
  expect_packet_error (a->data, a->len, NS_CODEC_ERROR_TRUNCATED, "fack truncated");
  g_clear_pointer (&a, g_byte_array_unref);

  /* NOCALL: empty, or with a FACK body. */
  a = with_body (RPC_CL_PTYPE_NOCALL, fack, 0);
  pkt = rpc_cl_packet_parse (a->data, a->len, NULL);
  assert_non_null (pkt);
  assert_false (pkt->has_fack);
  g_clear_pointer (&pkt, rpc_cl_packet_free);
  g_clear_pointer (&a, g_byte_array_unref);
  a = with_body (RPC_CL_PTYPE_NOCALL, fack, 16);
  a->data[80 + 14] = 0; /* selack_len 0 */
  pkt = rpc_cl_packet_parse (a->data, a->len, NULL);
  assert_non_null (pkt);
  assert_true (pkt->has_fack);
  assert_int_equal (pkt->fack.window_size, 16);
  assert_null (pkt->fack.selack);
}

static void
test_cancel (void **state)
{
  static const guint8 quit[] = {
    0x00, 0x00, 0x00, 0x00, /* 0 vers 0 */
    0x2a, 0x00, 0x00, 0x00, /* 4 cancel_id 42 */
  };
  static const guint8 quack12[] = {
    0x00, 0x00, 0x00, 0x00, /* 0 vers 0 */
    0x2a, 0x00, 0x00, 0x00, /* 4 cancel_id 42 */
    0x01, 0x00, 0x00, 0x00, /* 8 server_is_accepting as boolean32 */
  };
  g_autoptr (GByteArray) a = with_body (RPC_CL_PTYPE_CL_CANCEL, quit, sizeof quit);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_parse (a->data, a->len, NULL);

  assert_non_null (pkt);
  assert_int_equal (pkt->cancel_version, 0);
  assert_int_equal (pkt->cancel_id, 42);
  g_clear_pointer (&pkt, rpc_cl_packet_free);
  g_clear_pointer (&a, g_byte_array_unref);
  a = with_body (RPC_CL_PTYPE_CL_CANCEL, quit, 6);
  expect_packet_error (a->data, a->len, NS_CODEC_ERROR_TRUNCATED, "cl_cancel truncated");
  g_clear_pointer (&a, g_byte_array_unref);

  /* CANCEL_ACK with a C706 NDR boolean (9 bytes) ... */
  a = with_body (RPC_CL_PTYPE_CANCEL_ACK, quack12, 9);
  pkt = rpc_cl_packet_parse (a->data, a->len, NULL);
  assert_non_null (pkt);
  assert_int_equal (pkt->cancel_id, 42);
  assert_true (pkt->server_is_accepting);
  /* ... rebuilt from the fields is the same 9 bytes. */
  g_clear_pointer (&pkt->body, g_bytes_unref);
  assert_true (rpc_cl_packet_build (pkt, out, NULL));
  assert_int_equal (out->len, a->len);
  assert_memory_equal (out->data, a->data, a->len);
  g_clear_pointer (&pkt, rpc_cl_packet_free);
  g_clear_pointer (&a, g_byte_array_unref);
  /* ... and Samba's 32-bit boolean (12 bytes). */
  a = with_body (RPC_CL_PTYPE_CANCEL_ACK, quack12, sizeof quack12);
  pkt = rpc_cl_packet_parse (a->data, a->len, NULL);
  assert_non_null (pkt);
  assert_true (pkt->server_is_accepting);
  g_clear_pointer (&pkt, rpc_cl_packet_free);
  g_clear_pointer (&a, g_byte_array_unref);
  a = with_body (RPC_CL_PTYPE_CANCEL_ACK, quack12, 8);
  expect_packet_error (a->data, a->len, NS_CODEC_ERROR_TRUNCATED, "cancel_ack truncated");
}

/* Every type survives build -> parse -> build byte for byte, in both
 * byte orders. */
static void
test_round_trip_all_types (void **state)
{
  static const guint32 selack[] = { 0x12345678 };

  for (guint le = 0; le < 2; le++) {
    for (guint8 t = 0; t <= RPC_CL_PTYPE_LAST; t++) {
      g_autoptr (RpcClPacket) pkt = rpc_cl_packet_new (t);
      g_autoptr (RpcClPacket) back = NULL;
      g_autoptr (GByteArray) a = g_byte_array_new ();
      g_autoptr (GByteArray) b = g_byte_array_new ();
      g_autoptr (GError) error = NULL;

      assert_string_equal (rpc_cl_ptype_name (t), rpc_cl_ptype_name (pkt->header.ptype));
      pkt->header.drep[0] = le ? RPC_DREP_INT_LITTLE_ENDIAN : RPC_DREP_INT_BIG_ENDIAN;
      rpc_uuid_generate (&pkt->header.act_id);
      pkt->header.seqnum = 0x01020304 + t;
      pkt->header.serial = 0x0a0b;
      pkt->status = 0x1c010000 + t;
      pkt->cancel_id = 77;
      pkt->server_is_accepting = TRUE;
      pkt->has_fack = TRUE;
      pkt->fack = (RpcClFack) { 1, 8, 4096, 1464, 2, 1, g_memdup2 (selack, sizeof selack) };
      if (t == RPC_CL_PTYPE_REQUEST || t == RPC_CL_PTYPE_RESPONSE)
        rpc_cl_packet_set_body (pkt, (const guint8 *) "stub", 4);
      assert_true (rpc_cl_packet_build (pkt, a, &error));

      back = rpc_cl_packet_parse (a->data, a->len, &error);
      if (back == NULL)
        fail_msg ("%s: %s", rpc_cl_ptype_name (t), error->message);
      assert_int_equal (back->header.ptype, t);
      assert_int_equal (back->header.seqnum, 0x01020304 + t);
      assert_int_equal (back->header.serial, 0x0a0b);
      assert_true (rpc_uuid_equal (&back->header.act_id, &pkt->header.act_id));
      if (t == RPC_CL_PTYPE_FAULT || t == RPC_CL_PTYPE_REJECT)
        assert_int_equal (back->status, 0x1c010000 + t);
      if (t == RPC_CL_PTYPE_FACK || t == RPC_CL_PTYPE_NOCALL)
        assert_int_equal (back->fack.selack[0], 0x12345678);
      if (t == RPC_CL_PTYPE_CANCEL_ACK)
        assert_true (back->server_is_accepting);
      assert_true (rpc_cl_packet_build (back, b, NULL));
      assert_int_equal (a->len, b->len);
      assert_memory_equal (a->data, b->data, a->len);
    }
  }
}

static void
test_build_errors (void **state)
{
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_new (RPC_CL_PTYPE_REQUEST);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *big = g_malloc0 (RPC_CL_MAX_BODY + 1);

  g_byte_array_append (out, (const guint8 *) "xy", 2);

  rpc_cl_packet_set_body (pkt, big, RPC_CL_MAX_BODY + 1);
  assert_false (rpc_cl_packet_build (pkt, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_non_null (strstr (error->message, "65535"));
  assert_int_equal (out->len, 2); /* truncated back */
  g_clear_error (&error);

  /* Exactly 65535 is fine. */
  rpc_cl_packet_set_body (pkt, big, RPC_CL_MAX_BODY);
  assert_true (rpc_cl_packet_build (pkt, out, NULL));
  assert_int_equal (out->len, 2 + 80 + RPC_CL_MAX_BODY);
  assert_int_equal (out->data[2 + 74], 0xff);
  assert_int_equal (out->data[2 + 75], 0xff);
  g_byte_array_set_size (out, 2);

  rpc_cl_packet_set_body (pkt, NULL, 0);
  pkt->auth_verifier = g_bytes_new ("v", 1);
  assert_false (rpc_cl_packet_build (pkt, out, &error));
  assert_non_null (strstr (error->message, "auth_proto 0"));
  assert_int_equal (out->len, 2);
  g_clear_error (&error);

  pkt->header.ptype = 12;
  assert_false (rpc_cl_packet_build (pkt, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  g_clear_error (&error);
  pkt->header.ptype = RPC_CL_PTYPE_FACK;
  pkt->header.drep[0] = 0x30;
  assert_false (rpc_cl_packet_build (pkt, out, &error));
  assert_int_equal (out->len, 2);
}

static void
test_names (void **state)
{
  assert_string_equal (rpc_cl_ptype_name (RPC_CL_PTYPE_CANCEL_ACK), "cancel_ack");
  assert_null (rpc_cl_ptype_name (11));
  assert_string_equal (rpc_cl_status_name (RPC_NCA_S_OP_RNG_ERROR), "nca_s_op_rng_error");
  assert_string_equal (rpc_cl_status_name (RPC_NCA_S_PROTO_ERROR), "nca_s_proto_error");
  assert_string_equal (rpc_cl_status_name (RPC_NCA_S_WRONG_BOOT_TIME), "nca_s_wrong_boot_time");
  assert_null (rpc_cl_status_name (0x12345678));
}

/* A fragment of the call in req_le carrying @body. */
static RpcClPacket *
fragment (guint16 fragnum, gboolean last, const char *body)
{
  RpcClPacket *pkt = rpc_cl_packet_parse (req_le, sizeof req_le, NULL);

  pkt->header.flags1 |= RPC_CL_FLAGS1_FRAG | (last ? RPC_CL_FLAGS1_LASTFRAG : 0);
  pkt->header.fragnum = fragnum;
  rpc_cl_packet_set_body (pkt, (const guint8 *) body, strlen (body));
  return pkt;
}

static void
expect_reasm_error (RpcClReasm *reasm, RpcClPacket *frag, NsCodecError code,
                    const char *substr)
{
  g_autoptr (GError) error = NULL;
  GBytes *body = (GBytes *) 0x1;

  assert_false (rpc_cl_reasm_add (reasm, frag, &body, &error));
  assert_true (body == (GBytes *) 0x1);
  assert_true (g_error_matches (error, NS_CODEC_ERROR, code));
  if (strstr (error->message, substr) == NULL)
    fail_msg ("“%s” lacks “%s”", error->message, substr);
  rpc_cl_packet_free (frag);
}

static void
test_reassembly (void **state)
{
  g_autoptr (RpcClReasm) reasm = rpc_cl_reasm_new (16, 4);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (RpcClPacket) f0 = fragment (0, FALSE, "abc");
  g_autoptr (RpcClPacket) f1 = fragment (1, FALSE, "def");
  g_autoptr (RpcClPacket) f2 = fragment (2, TRUE, "gh");
  g_autoptr (RpcClPacket) whole = rpc_cl_packet_parse (req_le, sizeof req_le, NULL);

  /* Out of order, with a duplicate; complete on the last missing piece. */
  assert_true (rpc_cl_reasm_add (reasm, f2, &body, NULL));
  assert_null (body);
  assert_int_equal (rpc_cl_reasm_next_fragnum (reasm), 0);
  assert_true (rpc_cl_reasm_add (reasm, f0, &body, NULL));
  assert_null (body);
  assert_int_equal (rpc_cl_reasm_next_fragnum (reasm), 1);
  assert_true (rpc_cl_reasm_add (reasm, f0, &body, NULL));
  assert_null (body);
  assert_true (rpc_cl_reasm_add (reasm, f1, &body, NULL));
  assert_non_null (body);
  assert_int_equal (g_bytes_get_size (body), 8);
  assert_memory_equal (g_bytes_get_data (body, NULL), "abcdefgh", 8);
  g_clear_pointer (&body, g_bytes_unref);
  /* Retransmissions after completion are dropped quietly. */
  assert_true (rpc_cl_reasm_add (reasm, f1, &body, NULL));
  assert_null (body);
  g_clear_pointer (&reasm, rpc_cl_reasm_free);

  /* An unfragmented PDU is complete at once. */
  reasm = rpc_cl_reasm_new (16, 4);
  assert_true (rpc_cl_reasm_add (reasm, whole, &body, NULL));
  assert_non_null (body);
  assert_int_equal (g_bytes_get_size (body), 4);
  g_clear_pointer (&body, g_bytes_unref);
  g_clear_pointer (&reasm, rpc_cl_reasm_free);

  /* Bounds and consistency. */
  reasm = rpc_cl_reasm_new (8, 4);
  expect_reasm_error (reasm, fragment (4, FALSE, "x"), NS_CODEC_ERROR_TOO_LARGE,
                      "fragment limit");
  assert_true (rpc_cl_reasm_add (reasm, f0, &body, NULL));
  {
    RpcClPacket *other = fragment (1, FALSE, "x");

    other->header.seqnum = 8;
    expect_reasm_error (reasm, other, NS_CODEC_ERROR_MALFORMED, "another call");
  }
  expect_reasm_error (reasm, fragment (1, FALSE, "defghi"), NS_CODEC_ERROR_TOO_LARGE,
                      "longer than the limit");
  g_clear_pointer (&reasm, rpc_cl_reasm_free);

  reasm = rpc_cl_reasm_new (64, 8);
  {
    RpcClPacket *last = fragment (2, TRUE, "x");

    assert_true (rpc_cl_reasm_add (reasm, last, &body, NULL));
    rpc_cl_packet_free (last);
  }
  expect_reasm_error (reasm, fragment (3, FALSE, "x"), NS_CODEC_ERROR_MALFORMED,
                      "after the last fragment");
  expect_reasm_error (reasm, fragment (1, TRUE, "x"), NS_CODEC_ERROR_MALFORMED,
                      "another fragment was");
  {
    RpcClPacket *plain = fragment (1, FALSE, "x");

    plain->header.flags1 &= (guint8) ~RPC_CL_FLAGS1_FRAG;
    expect_reasm_error (reasm, plain, NS_CODEC_ERROR_MALFORMED, "not marked as a fragment");
  }
  g_clear_pointer (&reasm, rpc_cl_reasm_free);

  reasm = rpc_cl_reasm_new (64, 8);
  {
    RpcClPacket *f3 = fragment (3, FALSE, "x");

    assert_true (rpc_cl_reasm_add (reasm, f3, &body, NULL));
    rpc_cl_packet_free (f3);
  }
  expect_reasm_error (reasm, fragment (1, TRUE, "x"), NS_CODEC_ERROR_MALFORMED,
                      "a later fragment arrived");
}

/* The Samba-encoded PING of tests/vectors/rpc (make-vectors.py). */
static void
test_samba_ping_vector (void **state)
{
  g_autoptr (GBytes) v = load_vector ("ping.bin");
  g_autoptr (GError) error = NULL;
  g_autoptr (RpcClPacket) pkt = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  gsize len;
  const guint8 *data = g_bytes_get_data (v, &len);

  pkt = rpc_cl_packet_parse (data, len, &error);
  assert_non_null (pkt);
  assert_int_equal (pkt->header.ptype, RPC_CL_PTYPE_PING);
  assert_uuid_str (&pkt->header.act_id, "6f1c2d3e-4a5b-4c6d-8e9f-a0b1c2d3e4f5");
  assert_uuid_str (&pkt->header.if_id, "5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fc");
  assert_int_equal (pkt->header.seqnum, 7);
  assert_int_equal (pkt->header.server_boot, 0x12345678);
  assert_int_equal (pkt->header.serial, 0x0104);
  assert_int_equal (pkt->header.body_len, 0);
  assert_true (rpc_cl_packet_build (pkt, out, NULL));
  assert_int_equal (out->len, len);
  assert_memory_equal (out->data, data, len);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_uuid),
    cmocka_unit_test (test_header_le),
    cmocka_unit_test (test_header_be),
    cmocka_unit_test (test_header_errors),
    cmocka_unit_test (test_reserved_flags),
    cmocka_unit_test (test_body_length),
    cmocka_unit_test (test_reject_fault),
    cmocka_unit_test (test_fack),
    cmocka_unit_test (test_cancel),
    cmocka_unit_test (test_round_trip_all_types),
    cmocka_unit_test (test_build_errors),
    cmocka_unit_test (test_names),
    cmocka_unit_test (test_reassembly),
    cmocka_unit_test (test_samba_ping_vector),
  };

  return cmocka_run_group_tests_name ("rpc-cl", tests, NULL, NULL);
}

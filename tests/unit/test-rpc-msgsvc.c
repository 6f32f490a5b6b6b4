/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/ns-errors.h"
#include "netsend/rpc-cl.h"
#include "netsend/rpc-msgsvc.h"

static const guint8 drep_le[3] = { 0x10, 0x00, 0x00 };
static const guint8 drep_be[3] = { 0x00, 0x00, 0x00 };

/* NetrSendMessage(From="ALICE", To="BOB", Text="Hello"), PROTOCOL.md §7.8
 * (derived from the specs, zero padding). */
static const guint8 req_alice[] = {
  0x04, 0x00, 0x00, 0x00, /*  0 vers 4, REQUEST, flags1 0, flags2 0 */
  0x10, 0x00, 0x00, 0x00, /*  4 drep LE ASCII IEEE, serial_hi 0 */
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*  8 object nil */
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0xf8, 0x91, 0x7b, 0x5a, 0x00, 0xff, 0xd0, 0x11, /* 24 msgsvcsend */
  0xa9, 0xb2, 0x00, 0xc0, 0x4f, 0xb6, 0xe6, 0xfc,
  0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, /* 40 activity */
  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
  0x00, 0x00, 0x00, 0x00, /* 56 server_boot 0 */
  0x01, 0x00, 0x00, 0x00, /* 60 if_vers 1.0 */
  0x00, 0x00, 0x00, 0x00, /* 64 seqnum 0 */
  0x00, 0x00, 0xff, 0xff, /* 68 opnum 0, ihint none */
  0xff, 0xff, 0x36, 0x00, /* 72 ahint none, len 54 */
  0x00, 0x00, 0x00, 0x00, /* 76 fragnum 0, auth_proto 0, serial_lo 0 */
  /* stub, offsets relative to its start (packet offset 80) */
  0x06, 0x00, 0x00, 0x00, /*  0 From max_count 6 */
  0x00, 0x00, 0x00, 0x00, /*  4 offset 0 */
  0x06, 0x00, 0x00, 0x00, /*  8 actual_count 6 */
  'A', 'L', 'I', 'C', 'E', 0x00, /* 12 chars with NUL */
  0x00, 0x00,             /* 18 pad to 4 */
  0x04, 0x00, 0x00, 0x00, /* 20 To max_count 4 */
  0x00, 0x00, 0x00, 0x00, /* 24 offset */
  0x04, 0x00, 0x00, 0x00, /* 28 actual_count */
  'B', 'O', 'B', 0x00,    /* 32 chars (aligned, no pad) */
  0x06, 0x00, 0x00, 0x00, /* 36 Text max_count 6 */
  0x00, 0x00, 0x00, 0x00, /* 40 offset */
  0x06, 0x00, 0x00, 0x00, /* 44 actual_count */
  'H', 'e', 'l', 'l', 'o', 0x00, /* 48 chars; stub ends at 54 */
};

/* Its RESPONSE with server boot 0x5F5E1000, status 0 (PROTOCOL.md §7.8). */
static const guint8 resp_alice[] = {
  0x04, 0x02, 0x00, 0x00, /*  0 vers 4, RESPONSE */
  0x10, 0x00, 0x00, 0x00, /*  4 drep LE */
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*  8 object nil */
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0xf8, 0x91, 0x7b, 0x5a, 0x00, 0xff, 0xd0, 0x11, /* 24 msgsvcsend */
  0xa9, 0xb2, 0x00, 0xc0, 0x4f, 0xb6, 0xe6, 0xfc,
  0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, /* 40 activity */
  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
  0x00, 0x10, 0x5e, 0x5f, /* 56 server_boot 0x5f5e1000 */
  0x01, 0x00, 0x00, 0x00, /* 60 if_vers */
  0x00, 0x00, 0x00, 0x00, /* 64 seqnum */
  0x00, 0x00, 0xff, 0xff, /* 68 opnum, ihint */
  0xff, 0xff, 0x04, 0x00, /* 72 ahint, len 4 */
  0x00, 0x00, 0x00, 0x00, /* 76 fragnum, auth, serial */
  0x00, 0x00, 0x00, 0x00, /* 80 status ERROR_SUCCESS */
};

/* A big-endian stub: From="X" (needs 3 pad bytes), To="YZ", Text="" with
 * max_count above actual_count, which NDR allows. */
static const guint8 stub_be[] = {
  0x00, 0x00, 0x00, 0x02, /*  0 From max_count 2 */
  0x00, 0x00, 0x00, 0x00, /*  4 offset */
  0x00, 0x00, 0x00, 0x02, /*  8 actual_count 2 */
  'X', 0x00,              /* 12 chars */
  0xcc, 0xcc,             /* 14 pad (any value) */
  0x00, 0x00, 0x00, 0x03, /* 16 To max_count 3 */
  0x00, 0x00, 0x00, 0x00, /* 20 offset */
  0x00, 0x00, 0x00, 0x03, /* 24 actual_count 3 */
  'Y', 'Z', 0x00,         /* 28 chars */
  0x00,                   /* 31 pad */
  0x00, 0x00, 0x00, 0x10, /* 32 Text max_count 16 */
  0x00, 0x00, 0x00, 0x00, /* 36 offset */
  0x00, 0x00, 0x00, 0x01, /* 40 actual_count 1 */
  0x00,                   /* 44 the NUL of "" */
};

static const RpcUuid *
alice_activity (void)
{
  static RpcUuid u;

  g_assert (rpc_uuid_parse ("00112233-4455-6677-8899-aabbccddeeff", &u, NULL));
  return &u;
}

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
test_build_request_derived (void **state)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  assert_true (rpc_msgsvc_build_send_request ("ALICE", "BOB", "Hello", NULL, alice_activity (),
                                              0, 0, out, &error));
  assert_null (error);
  assert_int_equal (out->len, sizeof req_alice);
  assert_memory_equal (out->data, req_alice, sizeof req_alice);
}

static void
test_parse_request_derived (void **state)
{
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_parse (req_alice, sizeof req_alice, NULL);
  g_autofree char *from = NULL, *to = NULL, *text = NULL;
  g_autoptr (RpcMsgsvcSend) args = NULL;
  guint32 status = 0;

  assert_non_null (pkt);
  assert_true (rpc_msgsvc_check_call (&pkt->header, &status));
  assert_true (rpc_msgsvc_parse_send_request (pkt, NULL, &from, &to, &text, NULL));
  assert_string_equal (from, "ALICE");
  assert_string_equal (to, "BOB");
  assert_string_equal (text, "Hello");
  assert_true (rpc_msgsvc_parse_request (pkt, 0, &args, NULL));
  assert_string_equal (args->text, "Hello");
}

static void
test_response_derived (void **state)
{
  g_autoptr (RpcClPacket) req = rpc_cl_packet_parse (req_alice, sizeof req_alice, NULL);
  g_autoptr (RpcClPacket) resp = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint32 status = 0xffffffff;

  assert_non_null (req);
  assert_true (rpc_msgsvc_build_send_response (&req->header, 0x5f5e1000,
                                               RPC_MSGSVC_ERROR_SUCCESS, out, NULL));
  assert_int_equal (out->len, sizeof resp_alice);
  assert_memory_equal (out->data, resp_alice, sizeof resp_alice);

  resp = rpc_cl_packet_parse (out->data, out->len, NULL);
  assert_non_null (resp);
  assert_true (rpc_msgsvc_parse_send_response (resp, &status, NULL));
  assert_int_equal (status, 0);

  /* NERR_NameNotFound, and a stub of the wrong size. */
  g_byte_array_set_size (out, 0);
  assert_true (rpc_msgsvc_build_send_response (&req->header, 1, RPC_MSGSVC_NERR_NAME_NOT_FOUND,
                                               out, NULL));
  g_clear_pointer (&resp, rpc_cl_packet_free);
  resp = rpc_cl_packet_parse (out->data, out->len, NULL);
  assert_true (rpc_msgsvc_parse_send_response (resp, &status, NULL));
  assert_int_equal (status, 0x8e1);
  {
    g_autoptr (GError) error = NULL;

    status = 7;
    assert_false (rpc_msgsvc_status_stub_parse ((const guint8 *) "\0\0\0\0\0", 5, drep_le,
                                                &status, &error));
    assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRAILING_DATA));
    g_clear_error (&error);
    assert_false (rpc_msgsvc_status_stub_parse ((const guint8 *) "\0\0\0", 3, drep_le,
                                                &status, &error));
    assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRUNCATED));
    assert_int_equal (status, 7);
    g_clear_error (&error);
    /* A request is not a response. */
    assert_false (rpc_msgsvc_parse_send_response (req, &status, &error));
    assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED));
  }
}

static void
test_stub_big_endian (void **state)
{
  g_autoptr (RpcMsgsvcSend) args = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();

  assert_true (rpc_msgsvc_send_stub_parse (stub_be, sizeof stub_be, drep_be, 0, &args, NULL));
  assert_string_equal (args->from, "X");
  assert_string_equal (args->to, "YZ");
  assert_string_equal (args->text, "");

  /* Our encoding: zero padding and max_count = actual_count. */
  assert_true (rpc_msgsvc_send_stub_build (args, drep_be, 0, out, NULL));
  assert_int_equal (out->len, sizeof stub_be);
  assert_memory_equal (out->data, stub_be, 14);
  assert_int_equal (out->data[14], 0);
  assert_int_equal (out->data[15], 0);
  assert_memory_equal (out->data + 16, stub_be + 16, 16);
  assert_int_equal (out->data[35], 1); /* max_count = 1 */
  assert_memory_equal (out->data + 36, stub_be + 36, sizeof stub_be - 36);

  /* The same stub read little-endian has absurd counts. */
  g_clear_pointer (&args, rpc_msgsvc_send_free);
  assert_false (rpc_msgsvc_send_stub_parse (stub_be, sizeof stub_be, drep_le, 0, &args, NULL));
  assert_null (args);
}

static void
test_request_big_endian (void **state)
{
  RpcClHeader hdr;
  g_autoptr (RpcMsgsvcSend) args = rpc_msgsvc_send_new ("X", "YZ", "");
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (RpcClPacket) pkt = NULL;
  g_autoptr (RpcMsgsvcSend) back = NULL;

  rpc_msgsvc_request_header_init (&hdr, alice_activity (), 3, 0);
  hdr.drep[0] = RPC_DREP_INT_BIG_ENDIAN;
  assert_true (rpc_msgsvc_build_request (&hdr, args, out, NULL));
  assert_int_equal (out->len, 80 + sizeof stub_be);
  assert_int_equal (out->data[24], 0x5a); /* if_id data1 big-endian */
  assert_int_equal (out->data[40], 0x00); /* act_id data1 big-endian */
  assert_int_equal (out->data[67], 3);    /* seqnum BE */
  assert_int_equal (out->data[74], 0);    /* len BE */
  assert_int_equal (out->data[75], sizeof stub_be);
  pkt = rpc_cl_packet_parse (out->data, out->len, NULL);
  assert_non_null (pkt);
  assert_true (rpc_msgsvc_check_call (&pkt->header, NULL));
  assert_true (rpc_msgsvc_parse_request (pkt, 0, &back, NULL));
  assert_string_equal (back->to, "YZ");
}

/* Parses @stub, expects error @code with @substr in its message, and no output. */
static void
expect_stub_error (const guint8 *stub, gsize len, const guint8 *drep, gsize cap,
                   NsCodecError code, const char *substr)
{
  g_autoptr (GError) error = NULL;
  RpcMsgsvcSend *args = (RpcMsgsvcSend *) 0x1;

  assert_false (rpc_msgsvc_send_stub_parse (stub, len, drep, cap, &args, &error));
  assert_true (args == (RpcMsgsvcSend *) 0x1);
  if (!g_error_matches (error, NS_CODEC_ERROR, code))
    fail_msg ("unexpected error “%s”", error->message);
  if (strstr (error->message, substr) == NULL)
    fail_msg ("“%s” lacks “%s”", error->message, substr);
}

static void
test_stub_errors (void **state)
{
  const guint8 *stub = req_alice + 80;
  const gsize len = sizeof req_alice - 80;
  guint8 b[sizeof req_alice - 80];

  /* Truncation inside counts, chars, padding. */
  expect_stub_error (stub, 0, drep_le, 0, NS_CODEC_ERROR_TRUNCATED, "in From");
  /* An empty REQUEST body reaches the parser as NULL, 0. */
  expect_stub_error (NULL, 0, drep_le, 0, NS_CODEC_ERROR_TRUNCATED, "in From");
  expect_stub_error (stub, 10, drep_le, 0, NS_CODEC_ERROR_TRUNCATED,
                     "in From: needed 4 bytes at offset 8, only 2 left");
  expect_stub_error (stub, 16, drep_le, 0, NS_CODEC_ERROR_TRUNCATED,
                     "in From: needed 6 bytes at offset 12");
  expect_stub_error (stub, 19, drep_le, 0, NS_CODEC_ERROR_TRUNCATED,
                     "in To: needed 2 bytes at offset 18, only 1 left");
  expect_stub_error (stub, len - 1, drep_le, 0, NS_CODEC_ERROR_TRUNCATED, "in Text");

  /* offset != 0 */
  memcpy (b, stub, len);
  b[24] = 1;
  expect_stub_error (b, len, drep_le, 0, NS_CODEC_ERROR_MALFORMED,
                     "To at offset 20: varying-array offset is 1, expected 0");
  /* actual_count > max_count */
  memcpy (b, stub, len);
  b[0] = 5;
  expect_stub_error (b, len, drep_le, 0, NS_CODEC_ERROR_MALFORMED,
                     "From at offset 0: actual count 6 exceeds max count 5");
  /* actual_count 0 */
  memcpy (b, stub, len);
  b[44] = 0;
  expect_stub_error (b, len, drep_le, 0, NS_CODEC_ERROR_MALFORMED, "Text at offset 36: actual count is 0");
  /* counts that disagree with the string: actual 5 cuts the NUL off ... */
  memcpy (b, stub, len);
  b[44] = 5;
  expect_stub_error (b, len, drep_le, 0, NS_CODEC_ERROR_MALFORMED, "the last char is not NUL");
  /* ... a NUL inside the string ... */
  memcpy (b, stub, len);
  b[14] = 0;
  expect_stub_error (b, len, drep_le, 0, NS_CODEC_ERROR_MALFORMED,
                     "From at offset 0: a NUL comes before the last char");
  /* ... a huge actual_count (bounded by max_count and the cap, not trusted). */
  memcpy (b, stub, len);
  b[0] = b[1] = b[2] = b[3] = 0xff;
  b[8] = b[9] = b[10] = b[11] = 0xff;
  expect_stub_error (b, len, drep_le, 0, NS_CODEC_ERROR_TOO_LARGE, "exceed the limit of 65536");
  memcpy (b, stub, len);
  b[1] = 0x01; /* max_count 0x106 */
  b[9] = 0x01; /* actual_count 0x106: more than the stub holds */
  expect_stub_error (b, len, drep_le, 0, NS_CODEC_ERROR_TRUNCATED, "in From: needed 262 bytes at offset 12");

  /* The caps. */
  expect_stub_error (stub, len, drep_le, 53, NS_CODEC_ERROR_TOO_LARGE,
                     "stub of 54 bytes exceeds the limit of 53");
  /* EBCDIC characters. */
  {
    const guint8 ebcdic[3] = { 0x11, 0, 0 };

    expect_stub_error (stub, len, ebcdic, 0, NS_CODEC_ERROR_UNSUPPORTED, "EBCDIC");
  }
}

static void
test_stub_lenient (void **state)
{
  guint8 b[sizeof req_alice - 80 + 3];
  g_autoptr (RpcMsgsvcSend) args = NULL;
  const gsize len = sizeof req_alice - 80;

  /* Padding of any value, and trailing bytes after Text, are accepted. */
  memcpy (b, req_alice + 80, len);
  b[18] = 0xab;
  b[19] = 0xcd;
  b[len] = b[len + 1] = b[len + 2] = 0xee;
  assert_true (rpc_msgsvc_send_stub_parse (b, sizeof b, drep_le, 0, &args, NULL));
  assert_string_equal (args->from, "ALICE");
  assert_string_equal (args->text, "Hello");
  /* Exactly at the cap is fine. */
  g_clear_pointer (&args, rpc_msgsvc_send_free);
  assert_true (rpc_msgsvc_send_stub_parse (b, len, drep_le, len, &args, NULL));
}

static void
test_build_limits (void **state)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *long_text = g_strnfill (70000, 'a');
  g_autoptr (RpcMsgsvcSend) args = rpc_msgsvc_send_new ("A", "B", long_text);
  RpcClHeader hdr;

  g_byte_array_append (out, (const guint8 *) "z", 1);
  assert_false (rpc_msgsvc_send_stub_build (args, drep_le, 0, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  assert_int_equal (out->len, 1);
  g_clear_error (&error);

  rpc_msgsvc_request_header_init (&hdr, alice_activity (), 0, 0);
  assert_false (rpc_msgsvc_build_request (&hdr, args, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  assert_int_equal (out->len, 1);
  g_clear_error (&error);

  hdr.ptype = RPC_CL_PTYPE_PING;
  g_free (args->text);
  args->text = g_strdup ("short");
  assert_false (rpc_msgsvc_build_request (&hdr, args, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  g_clear_error (&error);
  hdr.ptype = RPC_CL_PTYPE_REQUEST;
  hdr.drep[0] = 0x11; /* EBCDIC: we do not encode it */
  assert_false (rpc_msgsvc_build_request (&hdr, args, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED));
  assert_int_equal (out->len, 1);
}

static void
test_check_call (void **state)
{
  RpcClHeader hdr;
  guint32 status = 0;

  rpc_msgsvc_request_header_init (&hdr, alice_activity (), 0, 0);
  assert_true (rpc_msgsvc_check_call (&hdr, &status));
  assert_int_equal (status, 0);

  hdr.opnum = 1;
  assert_false (rpc_msgsvc_check_call (&hdr, &status));
  assert_int_equal (status, RPC_NCA_S_OP_RNG_ERROR);
  hdr.opnum = 0;
  hdr.if_vers = 0x00010001; /* 1.1: client minor above ours */
  assert_false (rpc_msgsvc_check_call (&hdr, &status));
  assert_int_equal (status, RPC_NCA_S_UNK_IF);
  hdr.if_vers = 2; /* 2.0 */
  status = 0;
  assert_false (rpc_msgsvc_check_call (&hdr, &status));
  assert_int_equal (status, RPC_NCA_S_UNK_IF);
  hdr.if_vers = 1;
  /* msgsvc (the named-pipe interface) is not msgsvcsend. */
  assert_true (rpc_uuid_parse ("17fdd703-1827-4e34-79d4-24a55c53bb37", &hdr.if_id, NULL));
  hdr.opnum = 5; /* the interface is checked first */
  assert_false (rpc_msgsvc_check_call (&hdr, &status));
  assert_int_equal (status, RPC_NCA_S_UNK_IF);
  assert_false (rpc_msgsvc_check_call (&hdr, NULL));
}

static void
test_parse_request_checks (void **state)
{
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_parse (req_alice, sizeof req_alice, NULL);
  g_autoptr (GError) error = NULL;
  char *from = (char *) 0x1;

  assert_non_null (pkt);
  pkt->header.flags1 |= RPC_CL_FLAGS1_FRAG;
  assert_false (rpc_msgsvc_parse_send_request (pkt, NULL, &from, NULL, NULL, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED));
  assert_non_null (strstr (error->message, "reassemble"));
  g_clear_error (&error);
  pkt->header.flags1 = 0;
  pkt->header.opnum = 3;
  assert_false (rpc_msgsvc_parse_send_request (pkt, NULL, &from, NULL, NULL, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED));
  assert_non_null (strstr (error->message, "opnum 3 (nca_s_op_rng_error)"));
  g_clear_error (&error);
  pkt->header.opnum = 0;
  pkt->header.ptype = RPC_CL_PTYPE_PING;
  assert_false (rpc_msgsvc_parse_send_request (pkt, NULL, &from, NULL, NULL, &error));
  assert_non_null (strstr (error->message, "expected a connectionless RPC request, got ping"));
  assert_true (from == (char *) 0x1);
}

/* A fragmented request (two fragments) goes through RpcClReasm first. */
static void
test_fragmented_request (void **state)
{
  g_autoptr (RpcClPacket) a = rpc_cl_packet_parse (req_alice, sizeof req_alice, NULL);
  g_autoptr (RpcClPacket) b = rpc_cl_packet_parse (req_alice, sizeof req_alice, NULL);
  g_autoptr (RpcClReasm) reasm = rpc_cl_reasm_new (RPC_MSGSVC_DEFAULT_MAX_STUB, 16);
  g_autoptr (GBytes) stub = NULL;
  g_autoptr (RpcMsgsvcSend) args = NULL;
  gsize len;
  const guint8 *all = g_bytes_get_data (a->body, &len);

  a->header.flags1 = RPC_CL_FLAGS1_FRAG;
  rpc_cl_packet_set_body (a, all, 20);
  b->header.flags1 = RPC_CL_FLAGS1_FRAG | RPC_CL_FLAGS1_LASTFRAG;
  b->header.fragnum = 1;
  rpc_cl_packet_set_body (b, req_alice + 80 + 20, len - 20);
  assert_true (rpc_cl_reasm_add (reasm, b, &stub, NULL));
  assert_null (stub);
  assert_true (rpc_cl_reasm_add (reasm, a, &stub, NULL));
  assert_non_null (stub);
  all = g_bytes_get_data (stub, &len);
  assert_true (rpc_msgsvc_send_stub_parse (all, len, a->header.drep, 0, &args, NULL));
  assert_string_equal (args->from, "ALICE");
  assert_string_equal (args->to, "BOB");
  assert_string_equal (args->text, "Hello");
}

static void
test_utf8_conversion (void **state)
{
  g_autoptr (RpcMsgsvcSend) args = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  /* "Grüße" in CP850: ü = 0x81, ß = 0xE1. */
  args = rpc_msgsvc_send_new_from_utf8 ("A", "B", "Grüße", NULL, &error);
  assert_non_null (args);
  assert_string_equal (args->text, "Gr\x81\xe1" "e");
  assert_true (rpc_msgsvc_send_to_utf8 (args, "CP850", NULL, NULL, &text, NULL));
  assert_string_equal (text, "Grüße");
  g_clear_pointer (&args, rpc_msgsvc_send_free);
  g_clear_pointer (&text, g_free);

  /* Not representable in CP850: '?', as PROTOCOL.md §5.1 says. */
  args = rpc_msgsvc_send_new_from_utf8 ("A", "B", "Привет", "CP850", NULL);
  assert_non_null (args);
  assert_string_equal (args->text, "??????");
  g_clear_pointer (&args, rpc_msgsvc_send_free);
  /* CP866 can: 0x8F 0xE0 0xA8 0xA2 0xA5 0xE2. */
  args = rpc_msgsvc_send_new_from_utf8 ("A", "B", "Привет", "CP866", NULL);
  assert_non_null (args);
  assert_string_equal (args->text, "\x8f\xe0\xa8\xa2\xa5\xe2");
  assert_true (rpc_msgsvc_send_to_utf8 (args, "CP866", NULL, NULL, &text, NULL));
  assert_string_equal (text, "Привет");
  g_clear_pointer (&args, rpc_msgsvc_send_free);

  assert_null (rpc_msgsvc_send_new_from_utf8 ("A", "\xff\xfe", "x", NULL, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION));
  assert_non_null (strstr (error->message, "To is not valid UTF-8"));
  g_clear_error (&error);
  assert_null (rpc_msgsvc_send_new_from_utf8 ("A", "B", "x", "NO-SUCH-CODEPAGE", &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION));
  g_clear_error (&error);
  assert_null (rpc_msgsvc_send_new_from_utf8 ("A", "B", "x", "UTF-16LE", &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION));
  assert_non_null (strstr (error->message, "NUL byte"));
  g_clear_error (&error);

  /* Decoding bytes the code page lacks (0x81 is undefined in CP1252)
   * fails as a whole. */
  args = rpc_msgsvc_send_new ("A\x81", "B", "C");
  g_free (text);
  text = g_strdup ("keep");
  assert_false (rpc_msgsvc_send_to_utf8 (args, "CP1252", NULL, NULL, &text, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION));
  assert_non_null (strstr (error->message, "From"));
  assert_string_equal (text, "keep");
}

/* The independent encodings of tests/vectors/rpc/make-vectors.py (Samba
 * header + impacket NDR stub, impacket's 0xAB padding). */
static void
test_impacket_ascii_vector (void **state)
{
  g_autoptr (GBytes) v = load_vector ("netrsendmessage-ascii.bin");
  gsize len;
  const guint8 *data = g_bytes_get_data (v, &len);
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_parse (data, len, NULL);
  g_autofree char *from = NULL, *to = NULL, *text = NULL;
  g_autoptr (GByteArray) ours = g_byte_array_new ();

  assert_non_null (pkt);
  assert_true (rpc_msgsvc_parse_send_request (pkt, NULL, &from, &to, &text, NULL));
  assert_string_equal (from, "ALICE");
  assert_string_equal (to, "BOB");
  assert_string_equal (text, "Hello");

  /* Our build differs only in the two pad bytes after "ALICE\0" (stub 18-19). */
  assert_true (rpc_msgsvc_build_send_request ("ALICE", "BOB", "Hello", NULL, alice_activity (),
                                              0, 0, ours, NULL));
  assert_int_equal (ours->len, len);
  assert_int_equal (data[80 + 18], 0xab);
  assert_int_equal (data[80 + 19], 0xab);
  assert_memory_equal (ours->data, data, 80 + 18);
  assert_memory_equal (ours->data + 80 + 20, data + 80 + 20, len - 80 - 20);
  assert_memory_equal (ours->data, req_alice, sizeof req_alice);
}

static void
test_impacket_cp850_vector (void **state)
{
  g_autoptr (GBytes) v = load_vector ("netrsendmessage-cp850.bin");
  gsize len;
  const guint8 *data = g_bytes_get_data (v, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_parse (data, len, &error);
  g_autofree char *from = NULL, *to = NULL, *text = NULL, *act = NULL;
  g_autoptr (RpcMsgsvcSend) args = NULL;
  g_autoptr (GByteArray) ours = g_byte_array_new ();
  RpcClHeader hdr;

  assert_non_null (pkt);
  assert_int_equal (pkt->header.flags1, RPC_CL_FLAGS1_IDEMPOTENT);
  assert_int_equal (pkt->header.seqnum, 7);
  assert_int_equal (pkt->header.server_boot, 0x12345678);
  assert_int_equal (pkt->header.serial, 0x0103);
  act = rpc_uuid_to_string (&pkt->header.act_id);
  assert_string_equal (act, "6f1c2d3e-4a5b-4c6d-8e9f-a0b1c2d3e4f5");
  assert_true (rpc_msgsvc_parse_send_request (pkt, "CP850", &from, &to, &text, &error));
  assert_string_equal (from, "PEERA");
  assert_string_equal (to, "PEERB");
  assert_string_equal (text, "Grüße aus Köln\r\nZeile 2");

  /* Rebuilt from the same header and arguments: identical except the pad
   * bytes after "PEERA\0" and "PEERB\0" (stub 18-19 and 38-39). */
  assert_true (rpc_msgsvc_parse_request (pkt, 0, &args, NULL));
  hdr = pkt->header;
  assert_true (rpc_msgsvc_build_request (&hdr, args, ours, NULL));
  assert_int_equal (ours->len, len);
  assert_memory_equal (ours->data, data, 80 + 18);
  assert_memory_equal (ours->data + 80 + 20, data + 80 + 20, 18);
  assert_memory_equal (ours->data + 80 + 40, data + 80 + 40, len - 80 - 40);
  assert_int_equal (ours->data[80 + 38], 0);
  assert_int_equal (data[80 + 38], 0xab);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_build_request_derived),
    cmocka_unit_test (test_parse_request_derived),
    cmocka_unit_test (test_response_derived),
    cmocka_unit_test (test_stub_big_endian),
    cmocka_unit_test (test_request_big_endian),
    cmocka_unit_test (test_stub_errors),
    cmocka_unit_test (test_stub_lenient),
    cmocka_unit_test (test_build_limits),
    cmocka_unit_test (test_check_call),
    cmocka_unit_test (test_parse_request_checks),
    cmocka_unit_test (test_fragmented_request),
    cmocka_unit_test (test_utf8_conversion),
    cmocka_unit_test (test_impacket_ascii_vector),
    cmocka_unit_test (test_impacket_cp850_vector),
  };

  return cmocka_run_group_tests_name ("rpc-msgsvc", tests, NULL, NULL);
}

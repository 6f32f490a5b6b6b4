/* SPDX-License-Identifier: GPL-3.0-or-later */

/* SMB1 Messenger codec (MS-MSRP §2.2.3, PROTOCOL.md §2) on hand-made SMBs:
 * every kind parsed and rebuilt, and every error path. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/ns-errors.h"
#include "netsend/smb-msgr.h"

/* The 32-byte header of a request as MS-MSRP wants it, except PID 0x1234 and
 * MID 7 (Samba's client sets them; we must keep and echo them). */
#define REQ_HEADER(cmd)                                                                          \
  /*  0 */ 0xff, 'S', 'M', 'B', /* Protocol */                                                   \
  /*  4 */ (cmd),               /* Command */                                                    \
  /*  5 */ 0x00, 0x00, 0x00, 0x00, /* Status */                                                  \
  /*  9 */ 0x00,                /* Flags */                                                      \
  /* 10 */ 0x00, 0x00,          /* Flags2 */                                                     \
  /* 12 */ 0x00, 0x00,          /* PIDHigh */                                                    \
  /* 14 */ 0, 0, 0, 0, 0, 0, 0, 0, /* SecurityFeatures */                                        \
  /* 22 */ 0x00, 0x00,          /* Reserved */                                                   \
  /* 24 */ 0x00, 0x00,          /* TID */                                                        \
  /* 26 */ 0x34, 0x12,          /* PIDLow 0x1234 */                                              \
  /* 28 */ 0x00, 0x00,          /* UID */                                                        \
  /* 30 */ 0x07, 0x00           /* MID 7 */

/* The same header as a reply: Flags 0x80, Status as given (4 bytes LE). */
#define RESP_HEADER(cmd, s0, s1, s2, s3)                                                         \
  0xff, 'S', 'M', 'B', (cmd), (s0), (s1), (s2), (s3), 0x80 /* Flags: reply */, 0x00, 0x00,       \
  0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00, 0x07, 0x00

/* SMB_COM_SEND_MESSAGE "BOB" -> "ALICE": "Hi" 0x14 "!" (0x14 = line break). */
static const guint8 d0_request[] = {
  REQ_HEADER (0xd0),
  /* 32 */ 0x00,                               /* WordCount 0 */
  /* 33 */ 0x13, 0x00,                         /* ByteCount 19 */
  /* 35 */ 0x04, 'B', 'O', 'B', 0x00,          /* BufferFormat1, OriginatorName */
  /* 40 */ 0x04, 'A', 'L', 'I', 'C', 'E', 0x00, /* BufferFormat2, DestinationName */
  /* 47 */ 0x01, 0x04, 0x00,                   /* BufferFormat3, DataLength 4 */
  /* 50 */ 'H', 'i', 0x14, '!',                /* Data */
};

/* SMB_COM_SEND_START_MB_MESSAGE "BOB" -> "ALICE". */
static const guint8 d5_request[] = {
  REQ_HEADER (0xd5),
  /* 32 */ 0x00,                               /* WordCount 0 */
  /* 33 */ 0x0c, 0x00,                         /* ByteCount 12 */
  /* 35 */ 0x04, 'B', 'O', 'B', 0x00,          /* BufferFormat1, OriginatorName */
  /* 40 */ 0x04, 'A', 'L', 'I', 'C', 'E', 0x00, /* BufferFormat2, DestinationName */
};

/* SMB_COM_SEND_TEXT_MB_MESSAGE, group 0x0102, "abc". */
static const guint8 d7_request[] = {
  REQ_HEADER (0xd7),
  /* 32 */ 0x01,                               /* WordCount 1 */
  /* 33 */ 0x02, 0x01,                         /* MessageGroupId 0x0102 */
  /* 35 */ 0x06, 0x00,                         /* ByteCount 6 */
  /* 37 */ 0x01, 0x03, 0x00,                   /* BufferFormat, DataLength 3 */
  /* 40 */ 'a', 'b', 'c',                      /* Data */
};

/* SMB_COM_SEND_END_MB_MESSAGE, group 0x0102. */
static const guint8 d6_request[] = {
  REQ_HEADER (0xd6),
  /* 32 */ 0x01,                               /* WordCount 1 */
  /* 33 */ 0x02, 0x01,                         /* MessageGroupId 0x0102 */
  /* 35 */ 0x00, 0x00,                         /* ByteCount 0 */
};

/* Successful SMB_COM_SEND_START_MB_MESSAGE response with group 0x0102, as
 * MS-MSRP §2.2.3.2.2 specifies it (Samba sends WordCount 0). */
static const guint8 d5_response[] = {
  RESP_HEADER (0xd5, 0, 0, 0, 0),
  /* 32 */ 0x01,                               /* WordCount 1 */
  /* 33 */ 0x02, 0x01,                         /* MessageGroupId */
  /* 35 */ 0x00, 0x00,                         /* ByteCount 0 */
};

/* SMB_COM_SEND_MESSAGE error response ERRSRV/ERRmsgoff (class 0x02 @5,
 * reserved @6, code 0x0052 LE @7). */
static const guint8 d0_error_response[] = {
  RESP_HEADER (0xd0, 0x02, 0x00, 0x52, 0x00),
  /* 32 */ 0x00,                               /* WordCount 0 */
  /* 33 */ 0x00, 0x00,                         /* ByteCount 0 */
};

/* SMB_COM_NEGOTIATE offering two dialects. */
static const guint8 negotiate_request[] = {
  REQ_HEADER (0x72),
  /* 32 */ 0x00,                               /* WordCount 0 */
  /* 33 */ 0x24, 0x00,                         /* ByteCount 36 */
  /* 35 */ 0x02, 'P', 'C', ' ', 'N', 'E', 'T', 'W', 'O', 'R', 'K', ' ', 'P', 'R', 'O', 'G',
           'R', 'A', 'M', ' ', '1', '.', '0', 0x00, /* 0x02, dialect 0, NUL */
  /* 59 */ 0x02, 'N', 'T', ' ', 'L', 'M', ' ', '0', '.', '1', '2', 0x00, /* dialect 1 */
};

/* SMB_COM_NEGOTIATE response choosing no dialect. */
static const guint8 negotiate_none[] = {
  RESP_HEADER (0x72, 0, 0, 0, 0),
  /* 32 */ 0x01,                               /* WordCount 1 */
  /* 33 */ 0xff, 0xff,                         /* DialectIndex: none */
  /* 35 */ 0x00, 0x00,                         /* ByteCount 0 */
};

/* SMB_COM_NEGOTIATE NT LM 0.12 response, share level, no challenge, with a
 * 4-byte OEM DomainName. */
static const guint8 negotiate_nt_lm[] = {
  RESP_HEADER (0x72, 0, 0, 0, 0),
  /* 32 */ 0x11,                               /* WordCount 17 */
  /* 33 */ 0x01, 0x00,                         /* DialectIndex 1 */
  /* 35 */ 0x00,                               /* SecurityMode: share, plain */
  /* 36 */ 0x01, 0x00,                         /* MaxMpxCount 1 */
  /* 38 */ 0x01, 0x00,                         /* MaxNumberVcs 1 */
  /* 40 */ 0x00, 0x10, 0x00, 0x00,             /* MaxBufferSize 4096 */
  /* 44 */ 0x00, 0x00, 0x01, 0x00,             /* MaxRawSize 65536 */
  /* 48 */ 0x78, 0x56, 0x34, 0x12,             /* SessionKey */
  /* 52 */ 0x00, 0x00, 0x00, 0x00,             /* Capabilities */
  /* 56 */ 1, 2, 3, 4, 5, 6, 7, 8,             /* SystemTime */
  /* 64 */ 0x88, 0xff,                         /* ServerTimeZone -120 */
  /* 66 */ 0x00,                               /* ChallengeLength 0 */
  /* 67 */ 0x04, 0x00,                         /* ByteCount 4 */
  /* 69 */ 'W', 'G', '1', 0x00,                /* DomainName */
};

static SmbMsgrPacket *
parse_ok (const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  SmbMsgrPacket *p = NULL;

  if (!smb_msgr_parse (data, len, &p, &error))
    fail_msg ("parse failed: %s", error->message);
  return p;
}

/* Parses and checks that the packet is rebuilt byte for byte. */
static SmbMsgrPacket *
parse_round_trip (const guint8 *data, gsize len)
{
  SmbMsgrPacket *p = parse_ok (data, len);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  assert_true (smb_msgr_build (p, out, &error));
  assert_int_equal (out->len, len);
  assert_memory_equal (out->data, data, len);
  return p;
}

/* Parse must fail with @code, leave the output alone, and (if @needle) say so. */
static void
expect_parse_error (const guint8 *data, gsize len, NsCodecError code, const char *needle)
{
  g_autoptr (GError) error = NULL;
  SmbMsgrPacket *sentinel = (SmbMsgrPacket *) &error; /* any non-NULL value */
  SmbMsgrPacket *p = sentinel;

  assert_false (smb_msgr_parse (data, len, &p, &error));
  assert_ptr_equal (p, sentinel);
  assert_non_null (error);
  if (!g_error_matches (error, NS_CODEC_ERROR, code))
    fail_msg ("expected code %d, got %d: %s", code, error->code, error->message);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    fail_msg ("\"%s\" not in \"%s\"", needle, error->message);
}

/* A mutable copy of a vector. */
static GByteArray *
copy_of (const guint8 *data, gsize len)
{
  GByteArray *a = g_byte_array_new ();

  g_byte_array_append (a, data, (guint) len);
  return a;
}

static void
assert_text (const SmbMsgrPacket *p, const char *text, gsize len)
{
  assert_non_null (p->text);
  assert_int_equal (g_bytes_get_size (p->text), len);
  assert_memory_equal (g_bytes_get_data (p->text, NULL), text, len);
}

static void
test_send_message (void **state)
{
  g_autoptr (SmbMsgrPacket) p = parse_round_trip (d0_request, sizeof d0_request);

  assert_int_equal (p->kind, SMB_MSGR_SEND_MESSAGE);
  assert_int_equal (p->header.command, SMB_COM_SEND_MESSAGE);
  assert_int_equal (p->header.pid, 0x1234);
  assert_int_equal (p->header.mid, 7);
  assert_string_equal (p->originator, "BOB");
  assert_string_equal (p->destination, "ALICE");
  assert_text (p, "Hi\x14!", 4);
}

static void
test_multi_block_requests (void **state)
{
  g_autoptr (SmbMsgrPacket) start = parse_round_trip (d5_request, sizeof d5_request);
  g_autoptr (SmbMsgrPacket) text = parse_round_trip (d7_request, sizeof d7_request);
  g_autoptr (SmbMsgrPacket) end = parse_round_trip (d6_request, sizeof d6_request);

  assert_int_equal (start->kind, SMB_MSGR_START);
  assert_string_equal (start->originator, "BOB");
  assert_string_equal (start->destination, "ALICE");
  assert_null (start->text);
  assert_int_equal (text->kind, SMB_MSGR_TEXT);
  assert_int_equal (text->group_id, 0x0102);
  assert_text (text, "abc", 3);
  assert_int_equal (end->kind, SMB_MSGR_END);
  assert_int_equal (end->group_id, 0x0102);
}

static void
test_builders_from_scratch (void **state)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  SmbHeader h;

  smb_header_init_request (&h, 0);
  h.pid = 0x1234;
  h.mid = 7;
  assert_true (smb_msgr_build_send_message (out, &h, "BOB", "ALICE", (const guint8 *) "Hi\x14!",
                                            4, &error));
  assert_int_equal (out->len, sizeof d0_request);
  assert_memory_equal (out->data, d0_request, sizeof d0_request);

  g_byte_array_set_size (out, 0);
  assert_true (smb_msgr_build_start (out, &h, "BOB", "ALICE", &error));
  assert_memory_equal (out->data, d5_request, sizeof d5_request);
  g_byte_array_set_size (out, 0);
  assert_true (smb_msgr_build_text (out, &h, 0x0102, (const guint8 *) "abc", 3, &error));
  assert_memory_equal (out->data, d7_request, sizeof d7_request);
  g_byte_array_set_size (out, 0);
  assert_true (smb_msgr_build_end (out, &h, 0x0102, &error));
  assert_int_equal (out->len, sizeof d6_request);
  assert_memory_equal (out->data, d6_request, sizeof d6_request);

  /* Builders append: a second SMB goes after the first. */
  assert_true (smb_msgr_build_end (out, &h, 0x0102, &error));
  assert_int_equal (out->len, 2 * sizeof d6_request);
  assert_memory_equal (out->data + sizeof d6_request, d6_request, sizeof d6_request);
}

static void
test_responses (void **state)
{
  g_autoptr (SmbMsgrPacket) start_r = parse_round_trip (d5_response, sizeof d5_response);
  g_autoptr (SmbMsgrPacket) err = parse_round_trip (d0_error_response, sizeof d0_error_response);
  g_autoptr (SmbMsgrPacket) req = parse_ok (d5_request, sizeof d5_request);
  g_autoptr (SmbMsgrPacket) d0 = parse_ok (d0_request, sizeof d0_request);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *status = NULL;
  SmbHeader h;

  assert_int_equal (start_r->kind, SMB_MSGR_RESPONSE);
  assert_true (start_r->has_group_id);
  assert_int_equal (start_r->group_id, 0x0102);

  assert_int_equal (err->kind, SMB_MSGR_RESPONSE);
  assert_false (err->has_group_id);
  assert_int_equal (SMB_STATUS_DOS_CLASS (err->header.status), SMB_ERRSRV);
  assert_int_equal (SMB_STATUS_DOS_CODE (err->header.status), SMB_ERRSRV_MSGOFF);
  status = smb_status_to_string (&err->header);
  assert_string_equal (status, "ERRSRV/0x0052 (ERRmsgoff: not receiving messages)");

  /* A receiver answers from the request header: ids echoed. */
  smb_header_init_response (&h, &req->header, 0);
  assert_true (smb_msgr_build_start_response (out, &h, 0x0102, &error));
  assert_int_equal (out->len, sizeof d5_response);
  assert_memory_equal (out->data, d5_response, sizeof d5_response);
  g_byte_array_set_size (out, 0);
  assert_true (smb_msgr_build_error_response (out, &d0->header, SMB_ERRSRV, SMB_ERRSRV_MSGOFF,
                                              &error));
  assert_int_equal (out->len, sizeof d0_error_response);
  assert_memory_equal (out->data, d0_error_response, sizeof d0_error_response);
}

static void
test_response_errors (void **state)
{
  /* A 0xD7 response with a word (only 0xD5 may carry one). */
  static const guint8 d7_resp_wc1[] = {
    RESP_HEADER (0xd7, 0, 0, 0, 0),
    /* 32 */ 0x01, 0x00, 0x00, /* WordCount 1, a word */
    /* 35 */ 0x00, 0x00,       /* ByteCount 0 */
  };
  /* A 0xD5 response with two words. */
  static const guint8 d5_resp_wc2[] = {
    RESP_HEADER (0xd5, 0, 0, 0, 0),
    /* 32 */ 0x02, 0, 0, 0, 0, /* WordCount 2 */
    /* 37 */ 0x00, 0x00,       /* ByteCount 0 */
  };
  /* A 0xD6 response with data bytes. */
  static const guint8 d6_resp_bc1[] = {
    RESP_HEADER (0xd6, 0, 0, 0, 0),
    /* 32 */ 0x00,             /* WordCount 0 */
    /* 33 */ 0x01, 0x00, 0xaa, /* ByteCount 1, a byte */
  };

  expect_parse_error (d7_resp_wc1, sizeof d7_resp_wc1, NS_CODEC_ERROR_MALFORMED,
                      "WordCount must be 0, found 1");
  expect_parse_error (d5_resp_wc2, sizeof d5_resp_wc2, NS_CODEC_ERROR_MALFORMED,
                      "WordCount must be 0 or 1, found 2");
  expect_parse_error (d6_resp_bc1, sizeof d6_resp_bc1, NS_CODEC_ERROR_MALFORMED,
                      "ByteCount must be 0, found 1");
}

/* Every proper prefix of a valid SMB is truncated (MS-MSRP §3.2.4.5 tests 2,
 * 7 and 12: header, then parameter words, then the byte count). */
static void
test_truncation_everywhere (void **state)
{
  static const struct {
    const guint8 *data;
    gsize len;
  } vectors[] = {
    { d0_request, sizeof d0_request },         { d5_request, sizeof d5_request },
    { d7_request, sizeof d7_request },         { d6_request, sizeof d6_request },
    { d5_response, sizeof d5_response },       { d0_error_response, sizeof d0_error_response },
    { negotiate_request, sizeof negotiate_request }, { negotiate_none, sizeof negotiate_none },
    { negotiate_nt_lm, sizeof negotiate_nt_lm },
  };

  for (gsize v = 0; v < G_N_ELEMENTS (vectors); v++) {
    for (gsize n = 0; n < vectors[v].len; n++)
      expect_parse_error (vectors[v].data, n, NS_CODEC_ERROR_TRUNCATED, "truncated");
  }
}

static void
test_excess_after_byte_count_ignored (void **state)
{
  g_autoptr (GByteArray) a = copy_of (d7_request, sizeof d7_request);
  g_autoptr (SmbMsgrPacket) p = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  /* MS-CIFS §3.3.5.2: excess data after the SMB is not an error. */
  g_byte_array_append (a, (const guint8 *) "\xde\xad", 2);
  p = parse_ok (a->data, a->len);
  assert_text (p, "abc", 3);
  assert_true (smb_msgr_build (p, out, &error));
  assert_int_equal (out->len, sizeof d7_request);
}

static void
test_header_errors (void **state)
{
  g_autoptr (GByteArray) a = copy_of (d0_request, sizeof d0_request);
  SmbHeader h = { .command = 0x42 };
  g_autoptr (GError) error = NULL;

  a->data[0] = 0xfe; /* SMB2 protocol id */
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_UNSUPPORTED, "SMB2");
  assert_false (smb_header_parse (a->data, a->len, &h, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED));
  assert_int_equal (h.command, 0x42);
  a->data[0] = 0xff;
  a->data[2] = 'X';
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "protocol id");
  a->data[2] = 'M';
  a->data[0] = 0x00;
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "protocol id");
}

static void
test_wrong_word_counts (void **state)
{
  /* 0xD0 with WordCount 1 (and a word, so the rest still lines up). */
  static const guint8 d0_wc1[] = {
    REQ_HEADER (0xd0),
    /* 32 */ 0x01, 0x00, 0x00, /* WordCount 1, a word */
    /* 35 */ 0x03, 0x00,       /* ByteCount 3 */
    /* 37 */ 0x01, 0x00, 0x00, /* empty data block */
  };
  /* 0xD7 with WordCount 0 (no group id). */
  static const guint8 d7_wc0[] = {
    REQ_HEADER (0xd7),
    /* 32 */ 0x00,             /* WordCount 0 */
    /* 33 */ 0x03, 0x00,       /* ByteCount 3 */
    /* 35 */ 0x01, 0x00, 0x00, /* empty data block */
  };
  /* 0xD6 with WordCount 2. */
  static const guint8 d6_wc2[] = {
    REQ_HEADER (0xd6),
    /* 32 */ 0x02, 0x01, 0x00, 0x00, 0x00, /* WordCount 2 */
    /* 37 */ 0x00, 0x00,       /* ByteCount 0 */
  };
  /* 0xD5 with WordCount 1. */
  static const guint8 d5_wc1[] = {
    REQ_HEADER (0xd5),
    /* 32 */ 0x01, 0x00, 0x00, /* WordCount 1 */
    /* 35 */ 0x04, 0x00,       /* ByteCount 4 */
    /* 37 */ 0x04, 0x00, 0x04, 0x00, /* two empty names */
  };
  /* 0x72 request with WordCount 1. */
  static const guint8 neg_wc1[] = {
    REQ_HEADER (0x72),
    /* 32 */ 0x01, 0x00, 0x00, /* WordCount 1 */
    /* 35 */ 0x02, 0x00,       /* ByteCount 2 */
    /* 37 */ 0x02, 0x00,       /* empty dialect */
  };

  expect_parse_error (d0_wc1, sizeof d0_wc1, NS_CODEC_ERROR_MALFORMED,
                      "WordCount must be 0, found 1");
  expect_parse_error (d7_wc0, sizeof d7_wc0, NS_CODEC_ERROR_MALFORMED,
                      "WordCount must be 1, found 0");
  expect_parse_error (d6_wc2, sizeof d6_wc2, NS_CODEC_ERROR_MALFORMED,
                      "WordCount must be 1, found 2");
  expect_parse_error (d5_wc1, sizeof d5_wc1, NS_CODEC_ERROR_MALFORMED,
                      "WordCount must be 0, found 1");
  expect_parse_error (neg_wc1, sizeof neg_wc1, NS_CODEC_ERROR_MALFORMED,
                      "WordCount must be 0, found 1");
}

static void
test_byte_count_mismatches (void **state)
{
  g_autoptr (GByteArray) a = copy_of (d0_request, sizeof d0_request);
  /* 0xD6 with a data byte. */
  static const guint8 d6_bc1[] = {
    REQ_HEADER (0xd6),
    /* 32 */ 0x01, 0x02, 0x01, /* WordCount 1, group */
    /* 35 */ 0x01, 0x00, 0xaa, /* ByteCount 1 */
  };
  /* 0xD5 with a byte after the destination inside ByteCount. */
  static const guint8 d5_extra[] = {
    REQ_HEADER (0xd5),
    /* 32 */ 0x00,
    /* 33 */ 0x05, 0x00,             /* ByteCount 5 */
    /* 35 */ 0x04, 0x00, 0x04, 0x00, /* two empty names */
    /* 39 */ 0xaa,                   /* stray byte */
  };

  /* ByteCount larger than what arrived: the SMB is truncated. */
  a->data[33] = 0x14;
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_TRUNCATED, "truncated");
  /* ByteCount smaller than its fields: DataLength 4 but 3 bytes left. */
  a->data[33] = 0x12;
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED,
                      "DataLength 4 disagrees with ByteCount 18");
  /* ByteCount ending inside DataLength. */
  a->data[33] = 0x0e;
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "fields run past ByteCount 14");
  /* ByteCount ending inside the originator. */
  a->data[33] = 0x03;
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "not NUL-terminated");
  /* ByteCount 0. */
  a->data[33] = 0x00;
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "fields run past ByteCount 0");

  expect_parse_error (d6_bc1, sizeof d6_bc1, NS_CODEC_ERROR_MALFORMED, "ByteCount must be 0");
  expect_parse_error (d5_extra, sizeof d5_extra, NS_CODEC_ERROR_TRAILING_DATA, NULL);
}

static void
test_data_length_mismatch (void **state)
{
  g_autoptr (GByteArray) a = copy_of (d7_request, sizeof d7_request);

  a->data[38] = 0x02; /* DataLength 2, 3 bytes follow */
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED,
                      "DataLength 2 disagrees with ByteCount 6 (3 bytes left");
  a->data[38] = 0x04; /* DataLength 4, 3 bytes follow */
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "DataLength 4 disagrees");
}

static void
test_buffer_formats (void **state)
{
  g_autoptr (GByteArray) a = copy_of (d0_request, sizeof d0_request);
  g_autoptr (GByteArray) t = copy_of (d7_request, sizeof d7_request);

  /* MS-MSRP §3.2.4.5 tests 8 and 11. */
  a->data[35] = 0x03;
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED,
                      "BufferFormat before OriginatorName must be 0x04, found 0x03");
  a->data[35] = 0x04;
  a->data[40] = 0x01;
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED,
                      "BufferFormat before DestinationName must be 0x04, found 0x01");
  a->data[40] = 0x04;
  a->data[47] = 0x05;
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED,
                      "BufferFormat before Data must be 0x01, found 0x05");
  t->data[37] = 0x04;
  expect_parse_error (t->data, t->len, NS_CODEC_ERROR_MALFORMED, "must be 0x01, found 0x04");
}

/* A 0xD7 request with @n text bytes of 'x' (ByteCount 3 + n). */
static GByteArray *
make_text_request (gsize n)
{
  static const guint8 head[] = { REQ_HEADER (0xd7), 0x01, 0x00, 0x00 };
  GByteArray *a = copy_of (head, sizeof head);
  guint8 bc[2] = { (guint8) ((3 + n) & 0xff), (guint8) ((3 + n) >> 8) };
  guint8 block[3] = { 0x01, (guint8) (n & 0xff), (guint8) (n >> 8) };

  g_byte_array_append (a, bc, 2);
  g_byte_array_append (a, block, 3);
  for (gsize i = 0; i < n; i++)
    g_byte_array_append (a, (const guint8 *) "x", 1);
  return a;
}

static void
test_block_sizes (void **state)
{
  static const gsize ok_sizes[] = { 0, 1, 127, 128 };
  guint8 text[129];
  g_autoptr (GByteArray) big = make_text_request (129);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  SmbHeader h;

  memset (text, 'x', sizeof text);
  for (gsize i = 0; i < G_N_ELEMENTS (ok_sizes); i++) {
    g_autoptr (GByteArray) a = make_text_request (ok_sizes[i]);
    g_autoptr (SmbMsgrPacket) p = parse_round_trip (a->data, a->len);

    assert_int_equal (g_bytes_get_size (p->text), ok_sizes[i]);
  }
  expect_parse_error (big->data, big->len, NS_CODEC_ERROR_TOO_LARGE,
                      "text block of 129 bytes, at most 128");

  /* Building 129 bytes fails and leaves the array as it was. */
  smb_header_init_request (&h, 0);
  g_byte_array_append (out, (const guint8 *) "keep", 4);
  assert_false (smb_msgr_build_text (out, &h, 0, text, 129, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  g_clear_error (&error);
  assert_false (smb_msgr_build_send_message (out, &h, "A", "B", text, 129, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  g_clear_error (&error);
  assert_int_equal (out->len, 4);
  assert_true (smb_msgr_build_send_message (out, &h, "A", "B", text, 128, &error));
  assert_true (smb_msgr_build_send_message (out, &h, "A", "B", NULL, 0, &error));
}

/* A 0xD5 request with the given originator bytes (destination "B"). */
static GByteArray *
make_start_request (const guint8 *orig, gsize n, gboolean terminate)
{
  static const guint8 head[] = { REQ_HEADER (0xd5), 0x00 };
  GByteArray *a = copy_of (head, sizeof head);
  gsize bc = 1 + n + (terminate ? 1 : 0) + 3;
  guint8 bcb[2] = { (guint8) bc, (guint8) (bc >> 8) };

  g_byte_array_append (a, bcb, 2);
  g_byte_array_append (a, (const guint8 *) "\x04", 1);
  g_byte_array_append (a, orig, (guint) n);
  if (terminate)
    g_byte_array_append (a, (const guint8 *) "\0", 1);
  g_byte_array_append (a, (const guint8 *) "\x04" "B\0", 3);
  return a;
}

static void
test_name_limits (void **state)
{
  const guint8 *sixteen = (const guint8 *) "ABCDEFGHIJKLMNOP";
  g_autoptr (GByteArray) fifteen = make_start_request (sixteen, 15, TRUE);
  g_autoptr (GByteArray) too_long = make_start_request (sixteen, 16, TRUE);
  g_autoptr (GByteArray) empty = make_start_request (sixteen, 0, TRUE);
  g_autoptr (GByteArray) oem = make_start_request ((const guint8 *) "\x8e\x99", 2, TRUE);
  g_autoptr (SmbMsgrPacket) p15 = parse_round_trip (fifteen->data, fifteen->len);
  g_autoptr (SmbMsgrPacket) p0 = parse_round_trip (empty->data, empty->len);
  g_autoptr (SmbMsgrPacket) poem = parse_round_trip (oem->data, oem->len);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  SmbHeader h;

  assert_string_equal (p15->originator, "ABCDEFGHIJKLMNO");
  assert_string_equal (p0->originator, "");
  /* OEM bytes (CP850 "ÄÖ") are kept as they are. */
  assert_string_equal (poem->originator, "\x8e\x99");
  expect_parse_error (too_long->data, too_long->len, NS_CODEC_ERROR_TOO_LARGE,
                      "OriginatorName is 16 bytes, at most 15");

  smb_header_init_request (&h, 0);
  assert_false (smb_msgr_build_start (out, &h, "ABCDEFGHIJKLMNOP", "B", &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  g_clear_error (&error);
  assert_false (smb_msgr_build_send_message (out, &h, "A", "ABCDEFGHIJKLMNOP", NULL, 0, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  assert_int_equal (out->len, 0);
}

static void
test_unterminated_name (void **state)
{
  /* Originator "AB" without NUL and no destination: runs to ByteCount's end. */
  static const guint8 d5_unterminated[] = {
    REQ_HEADER (0xd5),
    /* 32 */ 0x00,
    /* 33 */ 0x03, 0x00,      /* ByteCount 3 */
    /* 35 */ 0x04, 'A', 'B',  /* no NUL */
  };

  expect_parse_error (d5_unterminated, sizeof d5_unterminated, NS_CODEC_ERROR_MALFORMED,
                      "OriginatorName is not NUL-terminated");
}

static void
test_unsupported_commands (void **state)
{
  static const struct {
    guint8 command;
    const char *name;
  } cmds[] = {
    { 0xd1, "SMB_COM_SEND_BROADCAST_MESSAGE (0xD1)" },
    { 0xd2, "SMB_COM_FORWARD_USER_NAME (0xD2)" },
    { 0xd3, "SMB_COM_CANCEL_FORWARD (0xD3)" },
    { 0xd4, "SMB_COM_GET_MACHINE_NAME (0xD4)" },
    { 0x73, "0x73 (SMB_COM_SESSION_SETUP_ANDX)" },
    { 0xd8, "0xD8 (unknown command)" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cmds); i++) {
    g_autoptr (GByteArray) a = copy_of (d5_request, sizeof d5_request);
    g_autoptr (GByteArray) out = g_byte_array_new ();
    g_autoptr (GError) error = NULL;
    SmbHeader h;

    a->data[4] = cmds[i].command;
    expect_parse_error (a->data, a->len, NS_CODEC_ERROR_UNSUPPORTED, cmds[i].name);
    /* The receiver can still answer it: header, then ERRSRV/ERRunknownsmb
     * (errata 12), ids echoed. */
    assert_true (smb_header_parse (a->data, a->len, &h, &error));
    assert_int_equal (h.command, cmds[i].command);
    assert_true (smb_msgr_build_error_response (out, &h, SMB_ERRSRV, SMB_ERRSRV_UNKNOWN_SMB,
                                                &error));
    assert_int_equal (out->len, 35);
    assert_int_equal (out->data[4], cmds[i].command);
    assert_memory_equal (out->data + 5, "\x02\x00\x16\x00", 4);
    assert_int_equal (out->data[9], SMB_FLAGS_REPLY);
    assert_memory_equal (out->data + 26, "\x34\x12\x00\x00\x07\x00", 6);
  }
}

static void
test_negotiate_request (void **state)
{
  g_autoptr (SmbMsgrPacket) p = parse_round_trip (negotiate_request, sizeof negotiate_request);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  const char *const dialects[] = { "PC NETWORK PROGRAM 1.0", "NT LM 0.12", NULL };
  SmbHeader h;

  assert_int_equal (p->kind, SMB_MSGR_NEGOTIATE_REQUEST);
  assert_int_equal (g_strv_length (p->dialects), 2);
  assert_string_equal (p->dialects[0], "PC NETWORK PROGRAM 1.0");
  assert_int_equal (smb_msgr_find_dialect (p, SMB_MSGR_DIALECT_NT_LM), 1);
  assert_int_equal (smb_msgr_find_dialect (p, "SMB 2.002"), -1);

  smb_header_init_request (&h, 0);
  h.pid = 0x1234;
  h.mid = 7;
  assert_true (smb_msgr_build_negotiate_request (out, &h, dialects, &error));
  assert_int_equal (out->len, sizeof negotiate_request);
  assert_memory_equal (out->data, negotiate_request, sizeof negotiate_request);
}

static void
test_negotiate_request_errors (void **state)
{
  g_autoptr (GByteArray) a = copy_of (negotiate_request, sizeof negotiate_request);
  g_autoptr (GByteArray) many = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  static const guint8 head[] = { REQ_HEADER (0x72), 0x00, 0x00, 0x00 };
  const char *const none[] = { NULL };
  const char *const ctrl[] = { "NT\tLM", NULL };
  SmbHeader h;

  a->data[59] = 0x04; /* second dialect's buffer format */
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "must be 0x02, found 0x04");
  a->data[59] = 0x02;
  a->data[60] = 0x01; /* control byte in a dialect string */
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "printable ASCII");
  a->data[60] = 'N';
  a->data[a->len - 1] = 'X'; /* last dialect unterminated */
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "not NUL-terminated");
  /* No dialects at all. */
  expect_parse_error (head, sizeof head, NS_CODEC_ERROR_MALFORMED, "no dialect offered");

  /* 65 empty dialects: over SMB_MSGR_DIALECTS_MAX. */
  many = copy_of (head, sizeof head);
  many->data[33] = 2 * (SMB_MSGR_DIALECTS_MAX + 1);
  for (guint i = 0; i <= SMB_MSGR_DIALECTS_MAX; i++)
    g_byte_array_append (many, (const guint8 *) "\x02\0", 2);
  expect_parse_error (many->data, many->len, NS_CODEC_ERROR_TOO_LARGE, "more than 64 dialects");
  /* Exactly 64 is fine. */
  many->data[33] = 2 * SMB_MSGR_DIALECTS_MAX;
  g_byte_array_set_size (many, many->len - 2);
  {
    g_autoptr (SmbMsgrPacket) p = parse_round_trip (many->data, many->len);
    assert_int_equal (g_strv_length (p->dialects), SMB_MSGR_DIALECTS_MAX);
  }

  smb_header_init_request (&h, 0);
  assert_false (smb_msgr_build_negotiate_request (out, &h, none, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  g_clear_error (&error);
  assert_false (smb_msgr_build_negotiate_request (out, &h, ctrl, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_int_equal (out->len, 0);
}

static void
test_negotiate_dialect_too_long (void **state)
{
  static const guint8 head[] = { REQ_HEADER (0x72), 0x00, 0x43, 0x00, 0x02 };
  g_autoptr (GByteArray) a = copy_of (head, sizeof head);

  /* ByteCount 67: 0x02, 65 letters, NUL. */
  for (guint i = 0; i < 65; i++)
    g_byte_array_append (a, (const guint8 *) "A", 1);
  g_byte_array_append (a, (const guint8 *) "\0", 1);
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_TOO_LARGE, "is 65 bytes, at most 64");
}

static void
test_negotiate_responses (void **state)
{
  g_autoptr (SmbMsgrPacket) none = parse_round_trip (negotiate_none, sizeof negotiate_none);
  g_autoptr (SmbMsgrPacket) ntlm = parse_round_trip (negotiate_nt_lm, sizeof negotiate_nt_lm);
  g_autoptr (SmbMsgrPacket) req = parse_ok (negotiate_request, sizeof negotiate_request);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  SmbNegotiateResponse n = { .dialect_index = SMB_MSGR_NO_DIALECT };
  SmbHeader h;

  assert_int_equal (none->kind, SMB_MSGR_NEGOTIATE_RESPONSE);
  assert_false (none->negotiate.nt_lm);
  assert_int_equal (none->negotiate.dialect_index, SMB_MSGR_NO_DIALECT);

  assert_true (ntlm->negotiate.nt_lm);
  assert_int_equal (ntlm->negotiate.dialect_index, 1);
  assert_int_equal (ntlm->negotiate.max_buffer_size, 4096);
  assert_int_equal (ntlm->negotiate.session_key, 0x12345678);
  assert_true (ntlm->negotiate.system_time == G_GUINT64_CONSTANT (0x0807060504030201));
  assert_int_equal (ntlm->negotiate.server_time_zone, -120);
  assert_null (ntlm->negotiate.challenge);
  assert_int_equal (g_bytes_get_size (ntlm->negotiate.data), 4);

  /* Built from the request, as a receiver does. */
  smb_header_init_response (&h, &req->header, 0);
  assert_true (smb_msgr_build_negotiate_response (out, &h, &n, &error));
  assert_int_equal (out->len, sizeof negotiate_none);
  assert_memory_equal (out->data, negotiate_none, sizeof negotiate_none);
}

static void
test_negotiate_response_errors (void **state)
{
  g_autoptr (GByteArray) a = copy_of (negotiate_nt_lm, sizeof negotiate_nt_lm);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) big = g_bytes_new_take (g_malloc0 (256), 256);
  g_autoptr (SmbMsgrPacket) err = NULL;
  SmbNegotiateResponse n = { .nt_lm = TRUE, .challenge = big };
  /* Error response to a negotiate: WordCount 0, NT status INVALID_SMB. */
  static const guint8 neg_error[] = {
    RESP_HEADER (0x72, 0x02, 0x00, 0x01, 0x00),
    /* 32 */ 0x00, 0x00, 0x00,
  };
  /* LAN Manager form: WordCount 13. */
  static const guint8 lanman_head[] = { RESP_HEADER (0x72, 0, 0, 0, 0), 0x0d };
  g_autoptr (GByteArray) lanman = copy_of (lanman_head, sizeof lanman_head);
  SmbHeader h;

  a->data[66] = 5; /* ChallengeLength 5 > ByteCount 4 */
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED,
                      "ChallengeLength 5 exceeds ByteCount 4");
  a->data[66] = 4; /* the 4 bytes become the challenge */
  {
    g_autoptr (SmbMsgrPacket) p = parse_round_trip (a->data, a->len);
    assert_int_equal (g_bytes_get_size (p->negotiate.challenge), 4);
    assert_null (p->negotiate.data);
  }
  a->data[32] = 5;
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "WordCount must be 0, 1 or 17");

  for (guint i = 0; i < 26 + 2; i++)
    g_byte_array_append (lanman, (const guint8 *) "\0", 1);
  expect_parse_error (lanman->data, lanman->len, NS_CODEC_ERROR_UNSUPPORTED, "LAN Manager");

  err = parse_round_trip (neg_error, sizeof neg_error);
  assert_int_equal (err->kind, SMB_MSGR_RESPONSE);
  assert_int_equal (err->header.command, SMB_COM_NEGOTIATE);

  smb_header_init_response (&h, &err->header, 0);
  assert_false (smb_msgr_build_negotiate_response (out, &h, &n, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  assert_int_equal (out->len, 0);
}

static void
test_build_direction_checked (void **state)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  SmbHeader req, resp;

  smb_header_init_request (&req, SMB_COM_SEND_MESSAGE);
  smb_header_init_response (&resp, &req, 0);
  assert_false (smb_msgr_build_end (out, &resp, 1, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_non_null (strstr (error->message, "has the reply flag"));
  g_clear_error (&error);
  assert_false (smb_msgr_build_response (out, &req, &error));
  assert_non_null (strstr (error->message, "lacks the reply flag"));
  assert_int_equal (out->len, 0);
}

static void
test_packet_new_and_generic_build (void **state)
{
  g_autoptr (SmbMsgrPacket) p = smb_msgr_packet_new (SMB_MSGR_TEXT);
  g_autoptr (SmbMsgrPacket) r = smb_msgr_packet_new (SMB_MSGR_RESPONSE);
  g_autoptr (SmbMsgrPacket) q = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  assert_int_equal (p->header.command, SMB_COM_SEND_TEXT_MB_MESSAGE);
  p->group_id = 9;
  p->text = g_bytes_new_static ("hello", 5);
  assert_true (smb_msgr_build (p, out, &error));
  assert_true (smb_msgr_parse (out->data, out->len, &q, &error));
  assert_int_equal (q->group_id, 9);
  assert_text (q, "hello", 5);

  r->header.command = SMB_COM_SEND_END_MB_MESSAGE;
  g_byte_array_set_size (out, 0);
  assert_true (smb_msgr_build (r, out, &error));
  assert_int_equal (out->len, 35);
  smb_msgr_packet_free (NULL);
}

static void
test_descriptions (void **state)
{
  SmbHeader h = { .status = SMB_NT_STATUS_REQUEST_NOT_ACCEPTED, .flags2 = SMB_FLAGS2_NT_STATUS };
  g_autofree char *nt = smb_status_to_string (&h);
  g_autofree char *ok = NULL;
  g_autofree char *dos = NULL;
  g_autofree char *unknown = NULL;

  assert_string_equal (nt, "NTSTATUS 0xC00000D0");
  h = (SmbHeader) { 0 };
  ok = smb_status_to_string (&h);
  assert_string_equal (ok, "success");
  h.status = SMB_STATUS_DOS (SMB_ERRDOS, SMB_ERRDOS_REQ_NOT_ACCEPTED);
  dos = smb_status_to_string (&h);
  assert_non_null (strstr (dos, "ERRDOS/0x0047"));
  h.status = SMB_STATUS_DOS (0x42, 0x0001);
  unknown = smb_status_to_string (&h);
  assert_string_equal (unknown, "class 0x42/0x0001");
  /* The NT form of ERRSRV/ERRunknownsmb is STATUS_SMB_BAD_COMMAND. */
  assert_int_equal (SMB_STATUS_DOS (SMB_ERRSRV, SMB_ERRSRV_UNKNOWN_SMB),
                    SMB_NT_STATUS_SMB_BAD_COMMAND);
  assert_int_equal (SMB_STATUS_DOS (SMB_ERRSRV, SMB_ERRSRV_ERROR), SMB_NT_STATUS_INVALID_SMB);
  assert_non_null (strstr (smb_error_describe (SMB_ERRSRV, SMB_ERRSRV_UNKNOWN_SMB),
                           "ERRunknownsmb"));
  assert_non_null (strstr (smb_error_describe (SMB_ERRSRV, SMB_ERRSRV_NOROOM), "no room"));
  assert_null (smb_error_describe (SMB_ERRHRD, 0x16));
  assert_string_equal (smb_command_name (0xd7), "SMB_COM_SEND_TEXT_MB_MESSAGE");
  assert_string_equal (smb_command_name (0x01), "unknown command");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_send_message),
    cmocka_unit_test (test_multi_block_requests),
    cmocka_unit_test (test_builders_from_scratch),
    cmocka_unit_test (test_responses),
    cmocka_unit_test (test_response_errors),
    cmocka_unit_test (test_truncation_everywhere),
    cmocka_unit_test (test_excess_after_byte_count_ignored),
    cmocka_unit_test (test_header_errors),
    cmocka_unit_test (test_wrong_word_counts),
    cmocka_unit_test (test_byte_count_mismatches),
    cmocka_unit_test (test_data_length_mismatch),
    cmocka_unit_test (test_buffer_formats),
    cmocka_unit_test (test_block_sizes),
    cmocka_unit_test (test_name_limits),
    cmocka_unit_test (test_unterminated_name),
    cmocka_unit_test (test_unsupported_commands),
    cmocka_unit_test (test_negotiate_request),
    cmocka_unit_test (test_negotiate_request_errors),
    cmocka_unit_test (test_negotiate_dialect_too_long),
    cmocka_unit_test (test_negotiate_responses),
    cmocka_unit_test (test_negotiate_response_errors),
    cmocka_unit_test (test_build_direction_checked),
    cmocka_unit_test (test_packet_new_and_generic_build),
    cmocka_unit_test (test_descriptions),
  };
  return cmocka_run_group_tests_name ("smb-msgr", tests, NULL, NULL);
}

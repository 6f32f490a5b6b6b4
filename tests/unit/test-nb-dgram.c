/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/nb-dgram.h"
#include "netsend/nb-name.h"
#include "netsend/ns-errors.h"

/* Second-level encoded names (RFC 1002 §4.1): 0x20, 32 letters, 0x00.
 * ALICE<00>: A=41 "EB", L=4C "EM", I=49 "EJ", C=43 "ED", E=45 "EF", ten
 * spaces "CA", suffix 00 "AA". BOB<03>: B=42 "EC", O=4F "EP", twelve "CA",
 * suffix 03 "AD". */
#define ALICE_00 "\x20" "EBEMEJEDEFCACACACACACACACACACAAA" "\x00"
#define BOB_03 "\x20" "ECEPECCACACACACACACACACACACACAAD" "\x00"

/* DIRECT_UNIQUE from ALICE<00> 10.0.0.1:138 to BOB<03>, user data "hi". */
static const char direct_unique[] =
  "\x10"         /* 0  MSG_TYPE: DIRECT_UNIQUE */
  "\x02"         /* 1  FLAGS: F = 1, M = 0, SNT = B */
  "\xab\xcd"     /* 2  DGM_ID */
  "\x0a\x00\x00\x01" /* 4  SOURCE_IP 10.0.0.1 */
  "\x00\x8a"     /* 8  SOURCE_PORT 138 */
  "\x00\x46"     /* 10 DGM_LENGTH 70 = 34 + 34 + 2 */
  "\x00\x00"     /* 12 PACKET_OFFSET */
  ALICE_00       /* 14 SOURCE_NAME */
  BOB_03         /* 48 DESTINATION_NAME */
  "hi";          /* 82 USER_DATA */
#define DIRECT_LEN (sizeof direct_unique - 1)

/* zeek/zeek testing/btest/Traces/tunnels/Teredo.pcap frame 1 (PROTOCOL.md
 * §7.3): a Windows DIRECT_GROUP browser announcement, 201 bytes. */
static const guint8 teredo[] = {
  0x11, 0x02, 0x86, 0x61, 0xc0, 0xa8, 0x02, 0x10, 0x00, 0x8a, 0x00, 0xbb, 0x00, 0x00, 0x20, 0x45,
  0x46, 0x46, 0x44, 0x46, 0x46, 0x46, 0x43, 0x45, 0x4f, 0x45, 0x4a, 0x46, 0x43, 0x43, 0x4e, 0x45,
  0x4d, 0x45, 0x42, 0x46, 0x41, 0x46, 0x45, 0x45, 0x50, 0x46, 0x41, 0x43, 0x41, 0x43, 0x41, 0x00,
  0x20, 0x45, 0x4e, 0x46, 0x44, 0x45, 0x49, 0x45, 0x50, 0x45, 0x4e, 0x45, 0x46, 0x43, 0x41, 0x43,
  0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x42,
  0x4f, 0x00, 0xff, 0x53, 0x4d, 0x42, 0x25, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x11, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe8,
  0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x56, 0x00, 0x03, 0x00, 0x01,
  0x00, 0x00, 0x00, 0x02, 0x00, 0x32, 0x00, 0x5c, 0x4d, 0x41, 0x49, 0x4c, 0x53, 0x4c, 0x4f, 0x54,
  0x5c, 0x42, 0x52, 0x4f, 0x57, 0x53, 0x45, 0x00, 0x0f, 0x00, 0x80, 0xfc, 0x0a, 0x00, 0x45, 0x53,
  0x55, 0x52, 0x4e, 0x49, 0x52, 0x2d, 0x4c, 0x41, 0x50, 0x54, 0x4f, 0x50, 0x00, 0x2c, 0x05, 0x01,
  0x03, 0x12, 0x07, 0x00, 0x0f, 0x01, 0x55, 0xaa, 0x00,
};

static NbDgram *
parse_ok (const void *data, gsize len, NbDgramParseFlags flags)
{
  g_autoptr (GError) error = NULL;
  NbDgram *d = NULL;

  if (!nb_dgram_parse (data, len, flags, &d, &error))
    fail_msg ("parse failed: %s", error->message);
  return d;
}

static void
assert_parse_error (const void *data, gsize len, NbDgramParseFlags flags, NsCodecError code,
                    const char *needle)
{
  g_autoptr (GError) error = NULL;
  NbDgram *d = (NbDgram *) 0x1;

  assert_false (nb_dgram_parse (data, len, flags, &d, &error));
  assert_ptr_equal (d, (NbDgram *) 0x1); /* untouched */
  if (!g_error_matches (error, NS_CODEC_ERROR, code))
    fail_msg ("expected code %d, got: %s", code, error->message);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    fail_msg ("\"%s\" not in: %s", needle, error->message);
}

static void
assert_rebuilds (const NbDgram *d, const void *data, gsize len)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  if (!nb_dgram_build (d, out, &error))
    fail_msg ("build failed: %s", error->message);
  assert_int_equal (out->len, len);
  assert_memory_equal (out->data, data, len);
}

static void
assert_display (const NbName *name, const char *expect)
{
  g_autofree char *s = nb_name_to_display (name, NULL);

  assert_string_equal (s, expect);
}

static void
test_direct_unique (void **state)
{
  g_autoptr (NbDgram) d = parse_ok (direct_unique, DIRECT_LEN, 0);

  assert_int_equal (d->type, NB_DGRAM_DIRECT_UNIQUE);
  assert_int_equal (d->flags, NB_DGRAM_FLAG_FIRST);
  assert_false (nb_dgram_is_fragment (d));
  assert_int_equal (d->dgm_id, 0xabcd);
  assert_int_equal (d->source_ip, 0x0a000001);
  assert_int_equal (d->source_port, NB_DGRAM_PORT);
  assert_int_equal (d->packet_offset, 0);
  assert_display (&d->source_name, "ALICE<00>");
  assert_display (&d->destination_name, "BOB<03>");
  assert_int_equal (g_bytes_get_size (d->user_data), 2);
  assert_memory_equal (g_bytes_get_data (d->user_data, NULL), "hi", 2);
  assert_rebuilds (d, direct_unique, DIRECT_LEN);
}

static void
test_group_broadcast_and_flags (void **state)
{
  guint8 buf[DIRECT_LEN];
  static const guint8 flag_values[] = { 0x02, 0x06, 0x0a, 0x0e, 0xf2 };

  memcpy (buf, direct_unique, DIRECT_LEN);
  for (guint8 type = NB_DGRAM_DIRECT_GROUP; type <= NB_DGRAM_BROADCAST; type++) {
    g_autoptr (NbDgram) d = NULL;

    buf[0] = type;
    d = parse_ok (buf, sizeof buf, 0);
    assert_int_equal (d->type, type);
    assert_rebuilds (d, buf, sizeof buf);
  }
  /* SNT and the reserved bits are kept, not judged (PROTOCOL.md §1.5.1). */
  for (guint i = 0; i < G_N_ELEMENTS (flag_values); i++) {
    g_autoptr (NbDgram) d = NULL;

    buf[1] = flag_values[i];
    d = parse_ok (buf, sizeof buf, 0);
    assert_int_equal (d->flags, flag_values[i]);
    assert_false (nb_dgram_is_fragment (d));
    assert_rebuilds (d, buf, sizeof buf);
  }
}

static void
test_windows_group_frame (void **state)
{
  g_autoptr (NbDgram) d = parse_ok (teredo, sizeof teredo, 0);

  assert_int_equal (d->type, NB_DGRAM_DIRECT_GROUP);
  assert_int_equal (d->flags, 0x02);
  assert_int_equal (d->dgm_id, 0x8661);
  assert_int_equal (d->source_ip, 0xc0a80210); /* 192.168.2.16 */
  assert_int_equal (d->source_port, 138);
  assert_display (&d->source_name, "ESURNIR-LAPTOP<20>");
  assert_display (&d->destination_name, "MSHOME<1e>");
  assert_int_equal (g_bytes_get_size (d->user_data), 187 - 68);
  assert_rebuilds (d, teredo, sizeof teredo);
}

static void
test_empty_user_data_and_scope (void **state)
{
  static const char no_data[] =
    "\x10\x02\x00\x01" "\x0a\x00\x00\x01" "\x00\x8a"
    "\x00\x44"      /* 10 DGM_LENGTH 68: the names only */
    "\x00\x00" ALICE_00 BOB_03;
  /* ALICE<00>.NB.COM: 0x20 + 32 letters, then labels 2 "NB", 3 "COM", 0. */
  static const char scoped[] =
    "\x10\x02\x00\x02" "\x0a\x00\x00\x01" "\x00\x8a"
    "\x00\x4f"      /* 10 DGM_LENGTH 79 = 41 + 34 + 4 */
    "\x00\x00"
    "\x20" "EBEMEJEDEFCACACACACACACACACACAAA" "\x02" "NB" "\x03" "COM" "\x00"
    BOB_03 "data";
  g_autoptr (NbDgram) d = parse_ok (no_data, sizeof no_data - 1, 0);
  g_autoptr (NbDgram) s = parse_ok (scoped, sizeof scoped - 1, 0);

  assert_non_null (d->user_data);
  assert_int_equal (g_bytes_get_size (d->user_data), 0);
  assert_rebuilds (d, no_data, sizeof no_data - 1);
  /* NULL user data builds the same. */
  g_clear_pointer (&d->user_data, g_bytes_unref);
  assert_rebuilds (d, no_data, sizeof no_data - 1);

  assert_string_equal (s->source_name.scope, "NB.COM");
  assert_rebuilds (s, scoped, sizeof scoped - 1);
}

static void
test_error_datagram (void **state)
{
  static const char err[] =
    "\x13"             /* 0 MSG_TYPE: DATAGRAM ERROR */
    "\x02\x12\x34"     /* 1 FLAGS, 2 DGM_ID */
    "\x0a\x00\x00\x02" /* 4 SOURCE_IP */
    "\x00\x8a"         /* 8 SOURCE_PORT */
    "\x82";            /* 10 ERROR_CODE: destination name not present */
  guint8 buf[sizeof err];
  g_autoptr (NbDgram) d = parse_ok (err, sizeof err - 1, 0);

  assert_int_equal (d->type, NB_DGRAM_ERROR);
  assert_int_equal (d->error_code, NB_DGRAM_ERROR_DEST_NAME_NOT_PRESENT);
  assert_null (d->user_data);
  assert_rebuilds (d, err, sizeof err - 1);
  for (guint8 code = 0x83; code <= 0x84; code++) {
    g_autoptr (NbDgram) e = NULL;

    memcpy (buf, err, sizeof buf);
    buf[10] = code;
    e = parse_ok (buf, sizeof buf - 1, 0);
    assert_int_equal (e->error_code, code);
  }
  memcpy (buf, err, sizeof buf);
  buf[10] = 0x85;
  assert_parse_error (buf, sizeof buf - 1, 0, NS_CODEC_ERROR_MALFORMED, "ERROR_CODE");
  buf[10] = 0x81;
  assert_parse_error (buf, sizeof buf - 1, 0, NS_CODEC_ERROR_MALFORMED, "ERROR_CODE");
  assert_parse_error (err, sizeof err - 2, 0, NS_CODEC_ERROR_TRUNCATED, NULL);
  /* One byte more than the error code. */
  assert_parse_error (err, sizeof err, 0, NS_CODEC_ERROR_TRAILING_DATA, NULL);
}

static void
test_query_datagrams (void **state)
{
  static const char query[] =
    "\x14"             /* 0 MSG_TYPE: DATAGRAM QUERY REQUEST */
    "\x0e\x00\x07"     /* 1 FLAGS (NBDD + F), 2 DGM_ID */
    "\x0a\x00\x00\x02" /* 4 SOURCE_IP */
    "\x00\x8a"         /* 8 SOURCE_PORT */
    BOB_03;            /* 10 DESTINATION_NAME */
  guint8 buf[sizeof query];

  memcpy (buf, query, sizeof buf);
  for (guint8 type = NB_DGRAM_QUERY_REQUEST; type <= NB_DGRAM_NEGATIVE_QUERY_RESPONSE; type++) {
    g_autoptr (NbDgram) d = NULL;

    buf[0] = type;
    d = parse_ok (buf, sizeof buf - 1, 0);
    assert_int_equal (d->type, type);
    assert_display (&d->destination_name, "BOB<03>");
    assert_null (d->user_data);
    assert_rebuilds (d, buf, sizeof buf - 1);
  }
  assert_parse_error (query, sizeof query - 2, 0, NS_CODEC_ERROR_TRUNCATED, NULL);
  assert_parse_error (query, sizeof query, 0, NS_CODEC_ERROR_TRAILING_DATA, NULL);
}

static void
test_truncation_everywhere (void **state)
{
  /* Every proper prefix is TRUNCATED: the header, DGM_LENGTH's promise. */
  for (gsize n = 0; n < DIRECT_LEN; n++)
    assert_parse_error (direct_unique, n, 0, NS_CODEC_ERROR_TRUNCATED, NULL);
  for (gsize n = 0; n < sizeof teredo; n++)
    assert_parse_error (teredo, n, 0, NS_CODEC_ERROR_TRUNCATED, NULL);
}

static void
test_malformed_direct (void **state)
{
  guint8 buf[DIRECT_LEN + 1];

  /* A byte after DGM_LENGTH's bytes. */
  memcpy (buf, direct_unique, DIRECT_LEN);
  buf[DIRECT_LEN] = 0;
  assert_parse_error (buf, DIRECT_LEN + 1, 0, NS_CODEC_ERROR_TRAILING_DATA, NULL);

  /* DGM_LENGTH 40 < 68 bytes of names; the packet is cut to match. */
  memcpy (buf, direct_unique, DIRECT_LEN);
  buf[11] = 40;
  assert_parse_error (buf, 14 + 40, 0, NS_CODEC_ERROR_MALFORMED, "DGM_LENGTH too small");

  /* A compression pointer (C0 0E) in place of the destination name. */
  memcpy (buf, direct_unique, DIRECT_LEN);
  buf[11] = 34 + 2;
  buf[48] = 0xc0;
  buf[49] = 0x0e;
  assert_parse_error (buf, 14 + 36, 0, NS_CODEC_ERROR_MALFORMED, "compression");

  /* A letter outside 'A'..'P' in the source name. */
  memcpy (buf, direct_unique, DIRECT_LEN);
  buf[15] = 'Z';
  assert_parse_error (buf, DIRECT_LEN, 0, NS_CODEC_ERROR_MALFORMED, NULL);

  /* Unknown MSG_TYPE values. */
  memcpy (buf, direct_unique, DIRECT_LEN);
  buf[0] = 0x17;
  assert_parse_error (buf, DIRECT_LEN, 0, NS_CODEC_ERROR_UNSUPPORTED, "0x17");
  buf[0] = 0x00;
  assert_parse_error (buf, DIRECT_LEN, 0, NS_CODEC_ERROR_UNSUPPORTED, "MSG_TYPE");
}

static void
test_fragments (void **state)
{
  guint8 buf[DIRECT_LEN];
  static const guint8 fragment_flags[] = { 0x03, 0x01, 0x00, 0x0c };

  memcpy (buf, direct_unique, DIRECT_LEN);
  for (guint i = 0; i < G_N_ELEMENTS (fragment_flags); i++) {
    g_autoptr (NbDgram) d = NULL;

    buf[1] = fragment_flags[i];
    buf[13] = (fragment_flags[i] & NB_DGRAM_FLAG_FIRST) ? 0 : 100;
    assert_parse_error (buf, sizeof buf, 0, NS_CODEC_ERROR_UNSUPPORTED, "fragment");
    d = parse_ok (buf, sizeof buf, NB_DGRAM_PARSE_FRAGMENTS);
    assert_true (nb_dgram_is_fragment (d));
    assert_int_equal (d->packet_offset, buf[13]);
    assert_rebuilds (d, buf, sizeof buf);
  }
  /* A first fragment must start at offset 0. */
  buf[1] = 0x03;
  buf[13] = 8;
  assert_parse_error (buf, sizeof buf, NB_DGRAM_PARSE_FRAGMENTS, NS_CODEC_ERROR_MALFORMED, "PACKET_OFFSET");
  buf[1] = 0x02;
  assert_parse_error (buf, sizeof buf, 0, NS_CODEC_ERROR_MALFORMED, "PACKET_OFFSET");
}

static void
test_build_errors (void **state)
{
  g_autoptr (NbDgram) d = parse_ok (direct_unique, DIRECT_LEN, 0);
  g_autoptr (NbDgram) e = nb_dgram_new (NB_DGRAM_ERROR);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *big = g_malloc0 (NB_DGRAM_BUILD_MAX);

  g_byte_array_append (out, (const guint8 *) "keep", 4);

  e->error_code = 0x80;
  assert_false (nb_dgram_build (e, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_int_equal (out->len, 4);
  g_clear_error (&error);

  e->type = 0x20;
  assert_false (nb_dgram_build (e, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_int_equal (out->len, 4);
  g_clear_error (&error);

  /* 82 + user data may not pass NB_DGRAM_BUILD_MAX. */
  g_bytes_unref (d->user_data);
  d->user_data = g_bytes_new (big, NB_DGRAM_BUILD_MAX - 82);
  assert_true (nb_dgram_build (d, out, &error));
  assert_int_equal (out->len, 4 + NB_DGRAM_BUILD_MAX);
  g_byte_array_set_size (out, 4);
  g_bytes_unref (d->user_data);
  d->user_data = g_bytes_new (big, NB_DGRAM_BUILD_MAX - 81);
  assert_false (nb_dgram_build (d, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  assert_int_equal (out->len, 4);
  g_clear_error (&error);

  /* An invalid scope. */
  g_clear_pointer (&d->user_data, g_bytes_unref);
  strcpy (d->source_name.scope, "bad..scope");
  assert_false (nb_dgram_build (d, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_int_equal (out->len, 4);
}

static void
test_new_copy_equal (void **state)
{
  g_autoptr (NbDgram) n = nb_dgram_new (NB_DGRAM_DIRECT_GROUP);
  g_autoptr (NbDgram) d = parse_ok (direct_unique, DIRECT_LEN, 0);
  g_autoptr (NbDgram) c = nb_dgram_copy (d);

  assert_int_equal (n->flags, NB_DGRAM_FLAG_FIRST);
  assert_int_equal (n->source_port, 138);
  assert_null (n->user_data);
  assert_true (nb_dgram_equal (d, c));
  c->dgm_id++;
  assert_false (nb_dgram_equal (d, c));
  c->dgm_id--;
  c->destination_name.bytes[15] = 0x00;
  assert_false (nb_dgram_equal (d, c));
  nb_dgram_free (NULL);

  assert_string_equal (nb_dgram_type_to_string (NB_DGRAM_DIRECT_UNIQUE), "direct unique");
  assert_string_equal (nb_dgram_type_to_string (NB_DGRAM_NEGATIVE_QUERY_RESPONSE),
                       "negative query response");
  assert_string_equal (nb_dgram_type_to_string (0x99), "unknown");
}

/* ---- reassembly --------------------------------------------------------- */

static NbDgram *
fragment (guint32 ip, guint16 id, guint8 flags, guint16 offset, const char *data)
{
  NbDgram *d = nb_dgram_new (NB_DGRAM_DIRECT_UNIQUE);
  g_autoptr (GError) error = NULL;

  d->flags = flags;
  d->source_ip = ip;
  d->dgm_id = id;
  d->packet_offset = offset;
  assert_true (nb_name_from_utf8 (&d->source_name, "ALICE", 0x00, NULL, &error));
  assert_true (nb_name_from_utf8 (&d->destination_name, "BOB", 0x03, NULL, &error));
  d->user_data = g_bytes_new (data, strlen (data));
  return d;
}

static void
add_ok (NbDgramReassembler *r, NbDgram *frag, gint64 now, NbDgram **ret)
{
  g_autoptr (GError) error = NULL;

  if (!nb_dgram_reassembler_add (r, frag, now, ret, &error))
    fail_msg ("add failed: %s", error->message);
  nb_dgram_free (frag);
}

static void
add_refused (NbDgramReassembler *r, NbDgram *frag, gint64 now, NsCodecError code)
{
  g_autoptr (GError) error = NULL;
  NbDgram *ret = (NbDgram *) 0x1;

  assert_false (nb_dgram_reassembler_add (r, frag, now, &ret, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, code));
  nb_dgram_free (frag);
}

static void
test_reassembly (void **state)
{
  g_autoptr (NbDgramReassembler) r = nb_dgram_reassembler_new (4, 64, NB_DGRAM_FRAGMENT_TIMEOUT_US);
  NbDgram *done = NULL;

  add_ok (r, fragment (1, 7, 0x0b, 0, "abc"), 0, &done); /* F + M, M node */
  assert_null (done);
  assert_int_equal (nb_dgram_reassembler_pending (r), 1);
  add_ok (r, fragment (1, 7, 0x09, 3, "def"), 10, &done);
  assert_null (done);
  add_ok (r, fragment (1, 7, 0x08, 6, "gh"), 20, &done);
  assert_non_null (done);
  assert_int_equal (done->flags, NB_DGRAM_FLAG_FIRST | NB_DGRAM_NODE_M);
  assert_int_equal (done->packet_offset, 0);
  assert_int_equal (g_bytes_get_size (done->user_data), 8);
  assert_memory_equal (g_bytes_get_data (done->user_data, NULL), "abcdefgh", 8);
  assert_int_equal (nb_dgram_reassembler_pending (r), 0);
  g_clear_pointer (&done, nb_dgram_free);

  /* Not a fragment: handed straight back. */
  add_ok (r, fragment (1, 8, 0x02, 0, "whole"), 30, &done);
  assert_non_null (done);
  assert_int_equal (g_bytes_get_size (done->user_data), 5);
  g_clear_pointer (&done, nb_dgram_free);

  /* Two sources interleaved. */
  add_ok (r, fragment (1, 9, 0x03, 0, "A1"), 40, &done);
  add_ok (r, fragment (2, 9, 0x03, 0, "B1"), 40, &done);
  add_ok (r, fragment (2, 9, 0x00, 2, "B2"), 41, &done);
  assert_memory_equal (g_bytes_get_data (done->user_data, NULL), "B1B2", 4);
  g_clear_pointer (&done, nb_dgram_free);
  add_ok (r, fragment (1, 9, 0x00, 2, "A2"), 42, &done);
  assert_memory_equal (g_bytes_get_data (done->user_data, NULL), "A1A2", 4);
  g_clear_pointer (&done, nb_dgram_free);

  /* A new first fragment restarts the same key. */
  add_ok (r, fragment (1, 10, 0x03, 0, "old"), 50, &done);
  add_ok (r, fragment (1, 10, 0x03, 0, "new"), 51, &done);
  add_ok (r, fragment (1, 10, 0x00, 3, "!"), 52, &done);
  assert_memory_equal (g_bytes_get_data (done->user_data, NULL), "new!", 4);
  g_clear_pointer (&done, nb_dgram_free);
}

static void
test_reassembly_refusals (void **state)
{
  g_autoptr (NbDgramReassembler) r = nb_dgram_reassembler_new (2, 8, NB_DGRAM_FRAGMENT_TIMEOUT_US);
  NbDgram *done = NULL;
  NbDgram *f;

  /* No first fragment. */
  add_refused (r, fragment (1, 1, 0x00, 3, "x"), 0, NS_CODEC_ERROR_MALFORMED);
  /* First fragment with an offset. */
  add_refused (r, fragment (1, 1, 0x03, 3, "x"), 0, NS_CODEC_ERROR_MALFORMED);
  /* Out of order: dropped entirely. */
  add_ok (r, fragment (1, 1, 0x03, 0, "abc"), 0, &done);
  add_refused (r, fragment (1, 1, 0x01, 4, "x"), 0, NS_CODEC_ERROR_MALFORMED);
  assert_int_equal (nb_dgram_reassembler_pending (r), 0);
  /* Other names. */
  add_ok (r, fragment (1, 1, 0x03, 0, "abc"), 0, &done);
  f = fragment (1, 1, 0x00, 3, "d");
  f->destination_name.bytes[15] = 0x20;
  add_refused (r, f, 0, NS_CODEC_ERROR_MALFORMED);
  /* Byte limit 8. */
  add_ok (r, fragment (1, 1, 0x03, 0, "abcde"), 0, &done);
  add_refused (r, fragment (1, 1, 0x00, 5, "fghi"), 0, NS_CODEC_ERROR_TOO_LARGE);
  assert_int_equal (nb_dgram_reassembler_pending (r), 0);
  /* FRAGMENT_TO: 2 s later the partial datagram is gone. */
  add_ok (r, fragment (1, 2, 0x03, 0, "abc"), 0, &done);
  nb_dgram_reassembler_expire (r, NB_DGRAM_FRAGMENT_TIMEOUT_US - 1);
  assert_int_equal (nb_dgram_reassembler_pending (r), 1);
  add_refused (r, fragment (1, 2, 0x00, 3, "d"), NB_DGRAM_FRAGMENT_TIMEOUT_US, NS_CODEC_ERROR_MALFORMED);
  /* At most two pending: a third evicts the oldest. */
  add_ok (r, fragment (1, 3, 0x03, 0, "a"), 100, &done);
  add_ok (r, fragment (1, 4, 0x03, 0, "b"), 101, &done);
  add_ok (r, fragment (1, 5, 0x03, 0, "c"), 102, &done);
  assert_int_equal (nb_dgram_reassembler_pending (r), 2);
  add_refused (r, fragment (1, 3, 0x00, 1, "z"), 103, NS_CODEC_ERROR_MALFORMED);
  add_ok (r, fragment (1, 5, 0x00, 1, "z"), 104, &done);
  assert_non_null (done);
  nb_dgram_free (done);
  nb_dgram_reassembler_free (NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_direct_unique),
    cmocka_unit_test (test_group_broadcast_and_flags),
    cmocka_unit_test (test_windows_group_frame),
    cmocka_unit_test (test_empty_user_data_and_scope),
    cmocka_unit_test (test_error_datagram),
    cmocka_unit_test (test_query_datagrams),
    cmocka_unit_test (test_truncation_everywhere),
    cmocka_unit_test (test_malformed_direct),
    cmocka_unit_test (test_fragments),
    cmocka_unit_test (test_build_errors),
    cmocka_unit_test (test_new_copy_equal),
    cmocka_unit_test (test_reassembly),
    cmocka_unit_test (test_reassembly_refusals),
  };

  return cmocka_run_group_tests_name ("nb-dgram", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */

/* NetBIOS session service packets and the stream framer (RFC 1002 §4.3,
 * PROTOCOL.md §1.6) on hand-made frames. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/nb-session.h"
#include "netsend/ns-errors.h"

/* PROTOCOL.md §1.6.3 (derived): SESSION REQUEST BOB<03> from ALICE<00>. */
static const guint8 request_bob_alice[] = {
  /*  0 */ 0x81, 0x00, 0x00, 0x44, /* TYPE request, FLAGS 0, LENGTH 68 */
  /*  4 */ 0x20,                   /* called: label of 32 */
  /*  5 */ 'E', 'C', 'E', 'P', 'E', 'C', 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A',
  /* 21 */ 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'A', 'D',
  /* 37 */ 0x00,                   /* end of called name "BOB"+12 spaces+0x03 */
  /* 38 */ 0x20,                   /* calling: label of 32 */
  /* 39 */ 'E', 'B', 'E', 'M', 'E', 'J', 'E', 'D', 'E', 'F', 'C', 'A', 'C', 'A', 'C', 'A',
  /* 55 */ 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A', 'A', 'A',
  /* 71 */ 0x00,                   /* end of calling name "ALICE"+10 spaces+0x00 */
};

/* PROTOCOL.md §7.6 (third-party): *SMBSERVER<20> from JCTHC<00>. */
static const guint8 request_smbserver[] = {
  0x81, 0x00, 0x00, 0x44, 0x20, 0x43, 0x4b, 0x46, 0x44, 0x45, 0x4e, 0x45, 0x43, 0x46, 0x44,
  0x45, 0x46, 0x46, 0x43, 0x46, 0x47, 0x45, 0x46, 0x46, 0x43, 0x43, 0x41, 0x43, 0x41, 0x43,
  0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x00, 0x20, 0x45, 0x4b, 0x45, 0x44, 0x46, 0x45,
  0x45, 0x49, 0x45, 0x44, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43,
  0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x41, 0x41, 0x00,
};

static const guint8 positive[] = { 0x82, 0x00, 0x00, 0x00 };
static const guint8 keep_alive[] = { 0x85, 0x00, 0x00, 0x00 };
/* NEGATIVE, LENGTH 1, "called name not present". */
static const guint8 negative[] = { 0x83, 0x00, 0x00, 0x01, 0x82 };
/* RETARGET to 10.99.0.1:139. */
static const guint8 retarget[] = {
  /* 0 */ 0x84, 0x00, 0x00, 0x06, /* TYPE, FLAGS, LENGTH 6 */
  /* 4 */ 0x0a, 0x63, 0x00, 0x01, /* RETARGET_IP_ADDRESS */
  /* 8 */ 0x00, 0x8b,             /* PORT 139 */
};
/* SESSION MESSAGE of 3 bytes. */
static const guint8 message3[] = { 0x00, 0x00, 0x00, 0x03, 'a', 'b', 'c' };

static void
make_name (NbName *ret, const char *text, guint8 suffix)
{
  g_autoptr (GError) error = NULL;

  assert_true (nb_name_from_utf8 (ret, text, suffix, NULL, &error));
}

static NbSessionPacket *
parse_ok (const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  NbSessionPacket *p = NULL;

  if (!nb_session_packet_parse (data, len, &p, &error))
    fail_msg ("parse failed: %s", error->message);
  return p;
}

static NbSessionPacket *
parse_round_trip (const guint8 *data, gsize len)
{
  NbSessionPacket *p = parse_ok (data, len);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  assert_true (nb_session_packet_build (p, out, &error));
  assert_int_equal (out->len, len);
  assert_memory_equal (out->data, data, len);
  return p;
}

static void
expect_parse_error (const guint8 *data, gsize len, NsCodecError code, const char *needle)
{
  g_autoptr (GError) error = NULL;
  NbSessionPacket *sentinel = (NbSessionPacket *) &error;
  NbSessionPacket *p = sentinel;

  assert_false (nb_session_packet_parse (data, len, &p, &error));
  assert_ptr_equal (p, sentinel);
  assert_non_null (error);
  if (!g_error_matches (error, NS_CODEC_ERROR, code))
    fail_msg ("expected code %d, got %d: %s", code, error->code, error->message);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    fail_msg ("\"%s\" not in \"%s\"", needle, error->message);
}

static void
test_header (void **state)
{
  static const struct {
    guint8 bytes[4];
    NbSessionFraming framing;
    gboolean ok;
    guint8 type;
    gsize length;
  } cases[] = {
    { { 0x00, 0x00, 0x00, 0x00 }, NB_SESSION_FRAMING_NBSS, TRUE, 0x00, 0 },
    { { 0x00, 0x00, 0xff, 0xff }, NB_SESSION_FRAMING_NBSS, TRUE, 0x00, 0xffff },
    /* E bit: the 17th length bit. */
    { { 0x00, 0x01, 0x00, 0x00 }, NB_SESSION_FRAMING_NBSS, TRUE, 0x00, 0x10000 },
    { { 0x00, 0x01, 0xff, 0xff }, NB_SESSION_FRAMING_NBSS, TRUE, 0x00, 0x1ffff },
    { { 0x81, 0x00, 0x00, 0x44 }, NB_SESSION_FRAMING_NBSS, TRUE, 0x81, 68 },
    { { 0x85, 0x00, 0x00, 0x00 }, NB_SESSION_FRAMING_NBSS, TRUE, 0x85, 0 },
    /* Reserved FLAGS bits. */
    { { 0x00, 0x02, 0x00, 0x00 }, NB_SESSION_FRAMING_NBSS, FALSE, 0, 0 },
    { { 0x00, 0x80, 0x00, 0x00 }, NB_SESSION_FRAMING_NBSS, FALSE, 0, 0 },
    /* Unknown types. */
    { { 0x86, 0x00, 0x00, 0x00 }, NB_SESSION_FRAMING_NBSS, FALSE, 0, 0 },
    { { 0x01, 0x00, 0x00, 0x00 }, NB_SESSION_FRAMING_NBSS, FALSE, 0, 0 },
    { { 0xfe, 'S', 'M', 'B' }, NB_SESSION_FRAMING_NBSS, FALSE, 0, 0 },
    /* Direct-hosted: 0x00 + 24-bit length; the second byte is length. */
    { { 0x00, 0x02, 0x00, 0x01 }, NB_SESSION_FRAMING_DIRECT, TRUE, 0x00, 0x20001 },
    { { 0x00, 0xff, 0xff, 0xff }, NB_SESSION_FRAMING_DIRECT, TRUE, 0x00, 0xffffff },
    { { 0x81, 0x00, 0x00, 0x44 }, NB_SESSION_FRAMING_DIRECT, FALSE, 0, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    guint8 type = 0x42;
    gsize length = 4242;
    gboolean ok = nb_session_header_parse (cases[i].bytes, 4, cases[i].framing, &type, &length,
                                           &error);

    assert_int_equal (ok, cases[i].ok);
    if (ok) {
      assert_int_equal (type, cases[i].type);
      assert_int_equal (length, cases[i].length);
    } else {
      assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
      assert_int_equal (type, 0x42);
      assert_int_equal (length, 4242);
    }
  }
  for (gsize n = 0; n < 4; n++) {
    g_autoptr (GError) error = NULL;
    guint8 type;
    gsize length;

    assert_false (nb_session_header_parse (positive, n, NB_SESSION_FRAMING_NBSS, &type, &length,
                                           &error));
    assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRUNCATED));
  }
}

static void
test_session_request (void **state)
{
  g_autoptr (NbSessionPacket) p = parse_round_trip (request_bob_alice, sizeof request_bob_alice);
  g_autoptr (NbSessionPacket) q = parse_round_trip (request_smbserver, sizeof request_smbserver);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  NbName bob, alice, smbserver;

  make_name (&bob, "BOB", 0x03);
  make_name (&alice, "ALICE", 0x00);
  assert_int_equal (p->type, NB_SESSION_REQUEST);
  assert_true (nb_name_equal (&p->called, &bob));
  assert_true (nb_name_equal (&p->calling, &alice));
  assert_true (nb_session_build_request (out, &bob, &alice, &error));
  assert_int_equal (out->len, sizeof request_bob_alice);
  assert_memory_equal (out->data, request_bob_alice, sizeof request_bob_alice);

  /* "*SMBSERVER" is not a valid computer name for nb_name_from_utf8(); its
   * raw bytes are '*SMBSERVER' + 5 spaces + 0x20. */
  nb_name_set_raw (&smbserver, (const guint8 *) "*SMBSERVER      ");
  smbserver.bytes[15] = 0x20;
  assert_true (nb_name_equal (&q->called, &smbserver));
  assert_int_equal (nb_name_suffix (&q->calling), 0x00);
}

static void
test_session_request_scope (void **state)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (NbSessionPacket) p = NULL;
  g_autoptr (GError) error = NULL;
  NbName called, calling;

  make_name (&called, "PEERA", 0x03);
  make_name (&calling, "ME", 0x00);
  assert_true (nb_name_set_scope (&called, "NETBIOS.COM", &error));
  assert_true (nb_name_set_scope (&calling, "NETBIOS.COM", &error));
  assert_true (nb_session_build_request (out, &called, &calling, &error));
  /* 34 + ".NETBIOS.COM" labels (1+7 + 1+3) per name. */
  assert_int_equal (out->len, 4 + 2 * (34 + 12));
  assert_int_equal (out->data[3], 2 * (34 + 12));
  p = parse_round_trip (out->data, out->len);
  assert_string_equal (p->called.scope, "NETBIOS.COM");
  assert_true (nb_name_equal (&p->calling, &calling));
}

static void
test_session_request_errors (void **state)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();

  /* Truncated at every byte, LENGTH left at 68: the packet is short. */
  for (gsize n = 0; n < sizeof request_bob_alice; n++)
    expect_parse_error (request_bob_alice, n, NS_CODEC_ERROR_TRUNCATED, NULL);
  /* Truncated at every byte with LENGTH matching: the names are cut. */
  for (gsize n = 4; n < sizeof request_bob_alice; n++) {
    g_byte_array_set_size (a, 0);
    g_byte_array_append (a, request_bob_alice, (guint) n);
    a->data[3] = (guint8) (n - 4);
    expect_parse_error (a->data, a->len, NS_CODEC_ERROR_TRUNCATED, "SESSION REQUEST truncated");
  }

  /* A byte after the calling name. */
  g_byte_array_set_size (a, 0);
  g_byte_array_append (a, request_bob_alice, sizeof request_bob_alice);
  g_byte_array_append (a, (const guint8 *) "\0", 1);
  a->data[3] = 69;
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_TRAILING_DATA, "SESSION REQUEST");

  /* A compression pointer for the calling name (none is allowed here). */
  g_byte_array_set_size (a, 0);
  g_byte_array_append (a, request_bob_alice, 38);
  g_byte_array_append (a, (const guint8 *) "\xc0\x00", 2);
  a->data[3] = 36;
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, "compression");

  /* A letter outside 'A'..'P' in the called name. */
  g_byte_array_set_size (a, 0);
  g_byte_array_append (a, request_bob_alice, sizeof request_bob_alice);
  a->data[5] = 'Z';
  expect_parse_error (a->data, a->len, NS_CODEC_ERROR_MALFORMED, NULL);
}

static void
test_build_request_bad_scope (void **state)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  NbName called, calling;

  make_name (&called, "PEERA", 0x03);
  make_name (&calling, "ME", 0x00);
  /* Bypass nb_name_set_scope(): an empty label is invalid. */
  g_strlcpy (calling.scope, "A..B", sizeof calling.scope);
  g_byte_array_append (out, (const guint8 *) "keep", 4);
  assert_false (nb_session_build_request (out, &called, &calling, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_int_equal (out->len, 4);
}

static void
test_simple_packets (void **state)
{
  g_autoptr (NbSessionPacket) pos = parse_round_trip (positive, sizeof positive);
  g_autoptr (NbSessionPacket) ka = parse_round_trip (keep_alive, sizeof keep_alive);
  g_autoptr (NbSessionPacket) neg = parse_round_trip (negative, sizeof negative);
  g_autoptr (NbSessionPacket) ret = parse_round_trip (retarget, sizeof retarget);
  g_autoptr (NbSessionPacket) msg = parse_round_trip (message3, sizeof message3);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  static const guint8 ip[4] = { 10, 99, 0, 1 };

  assert_int_equal (pos->type, NB_SESSION_POSITIVE_RESPONSE);
  assert_int_equal (ka->type, NB_SESSION_KEEP_ALIVE);
  assert_int_equal (neg->type, NB_SESSION_NEGATIVE_RESPONSE);
  assert_int_equal (neg->error_code, NB_SESSION_ERR_CALLED_NOT_PRESENT);
  assert_int_equal (ret->type, NB_SESSION_RETARGET_RESPONSE);
  assert_memory_equal (ret->retarget_ip, ip, 4);
  assert_int_equal (ret->retarget_port, 139);
  assert_int_equal (msg->type, NB_SESSION_MESSAGE);
  assert_int_equal (g_bytes_get_size (msg->payload), 3);
  assert_memory_equal (g_bytes_get_data (msg->payload, NULL), "abc", 3);

  nb_session_build_positive_response (out);
  nb_session_build_keep_alive (out);
  nb_session_build_negative_response (out, NB_SESSION_ERR_CALLED_NOT_PRESENT);
  nb_session_build_retarget_response (out, ip, 139);
  assert_int_equal (out->len, 4 + 4 + 5 + 10);
  assert_memory_equal (out->data, positive, 4);
  assert_memory_equal (out->data + 4, keep_alive, 4);
  assert_memory_equal (out->data + 8, negative, 5);
  assert_memory_equal (out->data + 13, retarget, 10);
}

static void
test_negative_codes (void **state)
{
  static const struct {
    guint8 code;
    const char *meaning;
  } codes[] = {
    { NB_SESSION_ERR_NOT_LISTENING_ON_CALLED, "Not listening on called name" },
    { NB_SESSION_ERR_NOT_LISTENING_FOR_CALLING, "Not listening for calling name" },
    { NB_SESSION_ERR_CALLED_NOT_PRESENT, "Called name not present" },
    { NB_SESSION_ERR_INSUFFICIENT_RESOURCES, "Called name present, but insufficient resources" },
    { NB_SESSION_ERR_UNSPECIFIED, "Unspecified error" },
    /* Unknown codes are kept, not rejected: the answer is negative anyway. */
    { 0x99, "unknown error code" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++) {
    guint8 frame[5] = { 0x83, 0x00, 0x00, 0x01, codes[i].code };
    g_autoptr (NbSessionPacket) p = parse_round_trip (frame, sizeof frame);
    g_autoptr (GByteArray) out = g_byte_array_new ();

    assert_int_equal (p->error_code, codes[i].code);
    assert_string_equal (nb_session_error_describe (codes[i].code), codes[i].meaning);
    nb_session_build_negative_response (out, codes[i].code);
    assert_memory_equal (out->data, frame, sizeof frame);
  }
}

static void
test_trailer_length_errors (void **state)
{
  static const guint8 pos_len1[] = { 0x82, 0x00, 0x00, 0x01, 0x00 };
  static const guint8 ka_len1[] = { 0x85, 0x00, 0x00, 0x01, 0x00 };
  static const guint8 neg_len0[] = { 0x83, 0x00, 0x00, 0x00 };
  static const guint8 neg_len2[] = { 0x83, 0x00, 0x00, 0x02, 0x82, 0x00 };
  static const guint8 ret_len5[] = { 0x84, 0x00, 0x00, 0x05, 10, 99, 0, 1, 0 };
  static const guint8 unknown[] = { 0x86, 0x00, 0x00, 0x00 };

  expect_parse_error (pos_len1, sizeof pos_len1, NS_CODEC_ERROR_MALFORMED,
                      "POSITIVE SESSION RESPONSE: LENGTH must be 0, found 1");
  expect_parse_error (ka_len1, sizeof ka_len1, NS_CODEC_ERROR_MALFORMED, "LENGTH must be 0");
  expect_parse_error (neg_len0, sizeof neg_len0, NS_CODEC_ERROR_MALFORMED, "LENGTH must be 1");
  expect_parse_error (neg_len2, sizeof neg_len2, NS_CODEC_ERROR_MALFORMED, "LENGTH must be 1");
  expect_parse_error (ret_len5, sizeof ret_len5, NS_CODEC_ERROR_MALFORMED, "LENGTH must be 6");
  expect_parse_error (unknown, sizeof unknown, NS_CODEC_ERROR_MALFORMED,
                      "unknown session packet type 0x86");
  /* LENGTH and the bytes present disagree. */
  expect_parse_error (message3, sizeof message3 - 1, NS_CODEC_ERROR_TRUNCATED, "LENGTH 3");
  {
    guint8 longer[8];

    memcpy (longer, message3, sizeof message3);
    longer[7] = 'd';
    expect_parse_error (longer, sizeof longer, NS_CODEC_ERROR_TRAILING_DATA, "1 unexpected");
  }
}

static void
test_parse_trailer (void **state)
{
  g_autoptr (NbSessionPacket) p = NULL;
  g_autoptr (GError) error = NULL;

  assert_true (nb_session_packet_parse_trailer (NB_SESSION_REQUEST, request_bob_alice + 4,
                                                sizeof request_bob_alice - 4, &p, &error));
  assert_int_equal (nb_name_suffix (&p->called), 0x03);
  g_clear_pointer (&p, nb_session_packet_free);
  /* An empty message as the framer hands it out: g_bytes_get_data() of an
   * empty GBytes is NULL (fuzz regression empty-message-trailer-null-data). */
  assert_true (nb_session_packet_parse_trailer (NB_SESSION_MESSAGE, NULL, 0, &p, &error));
  assert_int_equal (g_bytes_get_size (p->payload), 0);
  g_clear_pointer (&p, nb_session_packet_free);
  assert_false (nb_session_packet_parse_trailer (0x42, NULL, 0, &p, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_null (p);
  assert_string_equal (nb_session_type_name (0x42), "unknown type");
  assert_string_equal (nb_session_type_name (NB_SESSION_REQUEST), "SESSION REQUEST");
}

static void
test_build_message_sizes (void **state)
{
  static const struct {
    NbSessionFraming framing;
    gsize len;
    gboolean ok;
    guint8 header[4];
  } cases[] = {
    { NB_SESSION_FRAMING_NBSS, 0, TRUE, { 0x00, 0x00, 0x00, 0x00 } },
    { NB_SESSION_FRAMING_NBSS, 0xffff, TRUE, { 0x00, 0x00, 0xff, 0xff } },
    /* Over 64 KiB the E bit carries the 17th bit. */
    { NB_SESSION_FRAMING_NBSS, 0x10000, TRUE, { 0x00, 0x01, 0x00, 0x00 } },
    { NB_SESSION_FRAMING_NBSS, 70000, TRUE, { 0x00, 0x01, 0x11, 0x70 } },
    { NB_SESSION_FRAMING_NBSS, 0x1ffff, TRUE, { 0x00, 0x01, 0xff, 0xff } },
    { NB_SESSION_FRAMING_NBSS, 0x20000, FALSE, { 0 } },
    { NB_SESSION_FRAMING_DIRECT, 0x33, TRUE, { 0x00, 0x00, 0x00, 0x33 } },
    { NB_SESSION_FRAMING_DIRECT, 0x20000, TRUE, { 0x00, 0x02, 0x00, 0x00 } },
  };
  g_autofree guint8 *data = g_malloc0 (0x20000);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GByteArray) out = g_byte_array_new ();
    g_autoptr (GError) error = NULL;
    gboolean ok = nb_session_build_message (out, cases[i].framing, data, cases[i].len, &error);

    assert_int_equal (ok, cases[i].ok);
    if (!ok) {
      assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
      assert_int_equal (out->len, 0);
      continue;
    }
    assert_int_equal (out->len, 4 + cases[i].len);
    assert_memory_equal (out->data, cases[i].header, 4);
    if (cases[i].framing == NB_SESSION_FRAMING_NBSS) {
      g_autoptr (NbSessionPacket) p = parse_round_trip (out->data, out->len);
      assert_int_equal (g_bytes_get_size (p->payload), cases[i].len);
    }
  }
  {
    /* The generic builder caps the payload the same way. */
    g_autoptr (NbSessionPacket) big = nb_session_packet_new (NB_SESSION_MESSAGE);
    g_autoptr (GByteArray) out = g_byte_array_new ();
    g_autoptr (GError) error = NULL;

    big->payload = g_bytes_new (data, 0x20000);
    assert_false (nb_session_packet_build (big, out, &error));
    assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
    assert_int_equal (out->len, 0);
    big->type = 0x42;
    g_clear_error (&error);
    assert_false (nb_session_packet_build (big, out, &error));
    assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  }
}

/* ---- framer ---- */

typedef struct {
  guint8 type;
  GBytes *payload;
} Frame;

static void
frame_clear (gpointer data)
{
  Frame *f = data;

  g_bytes_unref (f->payload);
}

/* A stream of every packet type, with keep-alives between frames and one
 * message long enough to need the E bit; @ret_frames gets what a framer must
 * hand out. */
static GByteArray *
make_stream (GArray *ret_frames)
{
  GByteArray *s = g_byte_array_new ();
  g_autofree guint8 *big = g_malloc (70000);
  static const guint8 smb[] = { 0xff, 'S', 'M', 'B', 0xd6 };
  struct {
    const guint8 *data;
    gsize len;
  } parts[] = {
    { request_bob_alice, sizeof request_bob_alice },
    { positive, sizeof positive },
    { keep_alive, sizeof keep_alive },
    { message3, sizeof message3 },
    { keep_alive, sizeof keep_alive },
    { NULL, 70000 }, /* big message, built below */
    { negative, sizeof negative },
    { retarget, sizeof retarget },
    { NULL, sizeof smb },
    { keep_alive, sizeof keep_alive },
  };

  for (gsize i = 0; i < 70000; i++)
    big[i] = (guint8) (i * 7);
  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++) {
    Frame f;
    gsize start = s->len;

    if (parts[i].data != NULL) {
      g_byte_array_append (s, parts[i].data, (guint) parts[i].len);
    } else {
      const guint8 *payload = parts[i].len == 70000 ? big : smb;

      assert_true (nb_session_build_message (s, NB_SESSION_FRAMING_NBSS, payload, parts[i].len,
                                             NULL));
    }
    f.type = s->data[start];
    f.payload = g_bytes_new (s->data + start + 4, s->len - start - 4);
    g_array_append_val (ret_frames, f);
  }
  return s;
}

static void
pop_all (NbSessionFramer *framer, GArray *got)
{
  Frame f;

  while (nb_session_framer_pop (framer, &f.type, &f.payload))
    g_array_append_val (got, f);
}

static void
assert_frames_equal (GArray *want, GArray *got)
{
  assert_int_equal (got->len, want->len);
  for (guint i = 0; i < want->len; i++) {
    Frame *w = &g_array_index (want, Frame, i);
    Frame *g = &g_array_index (got, Frame, i);

    assert_int_equal (g->type, w->type);
    assert_true (g_bytes_equal (g->payload, w->payload));
  }
}

static GArray *
frame_array (void)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (Frame));

  g_array_set_clear_func (a, frame_clear);
  return a;
}

static void
test_framer_byte_by_byte (void **state)
{
  g_autoptr (GArray) want = frame_array ();
  g_autoptr (GArray) got = frame_array ();
  g_autoptr (GByteArray) s = make_stream (want);
  g_autoptr (NbSessionFramer) framer = nb_session_framer_new (NB_SESSION_FRAMING_NBSS,
                                                              NB_SESSION_MAX_LENGTH);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < s->len; i++) {
    assert_true (nb_session_framer_push (framer, s->data + i, 1, &error));
    pop_all (framer, got);
  }
  assert_frames_equal (want, got);
  assert_int_equal (nb_session_framer_get_buffered (framer), 0);
}

static void
test_framer_random_chunks (void **state)
{
  g_autoptr (GArray) want = frame_array ();
  g_autoptr (GByteArray) s = make_stream (want);
  g_autoptr (GRand) rand = g_rand_new_with_seed (1002);

  for (guint round = 0; round < 200; round++) {
    g_autoptr (GArray) got = frame_array ();
    g_autoptr (NbSessionFramer) framer = nb_session_framer_new (NB_SESSION_FRAMING_NBSS,
                                                                NB_SESSION_MAX_LENGTH);
    g_autoptr (GError) error = NULL;
    /* Small chunks in some rounds, large ones (several frames) in others. */
    guint max_chunk = round % 2 ? 16 : NB_SESSION_FRAMER_READ_MAX;

    for (guint pos = 0; pos < s->len;) {
      /* Not inside MIN(): it evaluates its arguments twice. */
      guint wish = (guint) g_rand_int_range (rand, 1, (gint32) max_chunk + 1);
      guint n = MIN (wish, s->len - pos);

      assert_true (nb_session_framer_push (framer, s->data + pos, n, &error));
      pos += n;
      /* Popping only now and then must work too. */
      if (g_rand_boolean (rand))
        pop_all (framer, got);
    }
    pop_all (framer, got);
    assert_frames_equal (want, got);
    assert_int_equal (nb_session_framer_get_buffered (framer), 0);
  }
}

static void
test_framer_whole_stream (void **state)
{
  g_autoptr (GArray) want = frame_array ();
  g_autoptr (GArray) got = frame_array ();
  g_autoptr (GByteArray) s = make_stream (want);
  g_autoptr (NbSessionFramer) framer = nb_session_framer_new (NB_SESSION_FRAMING_NBSS,
                                                              NB_SESSION_MAX_LENGTH);
  g_autoptr (GError) error = NULL;
  guint8 type = 0x42;
  GBytes *payload = NULL;

  assert_false (nb_session_framer_pop (framer, &type, &payload));
  assert_int_equal (type, 0x42);
  assert_null (payload);
  assert_true (nb_session_framer_push (framer, s->data, s->len, &error));
  assert_int_equal (nb_session_framer_get_buffered (framer), s->len);
  pop_all (framer, got);
  assert_frames_equal (want, got);
}

static void
test_framer_oversized (void **state)
{
  g_autoptr (NbSessionFramer) framer = nb_session_framer_new (NB_SESSION_FRAMING_NBSS, 1000);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) again = NULL;
  static const guint8 ok_then_big[] = {
    0x85, 0x00, 0x00, 0x00,            /* keep alive */
    0x00, 0x00, 0x03, 0xe8, /* message of 1000: at the limit, body follows later */
  };
  static const guint8 big[] = { 0x00, 0x00, 0x03, 0xe9 }; /* 1001 */
  g_autofree guint8 *body = g_malloc0 (1000);
  guint8 type;
  GBytes *payload;

  assert_true (nb_session_framer_push (framer, ok_then_big, sizeof ok_then_big, &error));
  assert_true (nb_session_framer_push (framer, body, 1000, &error));
  /* Refused at the header: the body never needs to arrive. */
  assert_false (nb_session_framer_push (framer, big, sizeof big, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  assert_non_null (strstr (error->message, "1001 bytes exceeds the limit of 1000"));
  /* Sticky. */
  assert_false (nb_session_framer_push (framer, keep_alive, sizeof keep_alive, &again));
  assert_true (g_error_matches (again, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  /* Frames before the bad header still come out; nothing after it. */
  assert_true (nb_session_framer_pop (framer, &type, &payload));
  assert_int_equal (type, NB_SESSION_KEEP_ALIVE);
  g_bytes_unref (payload);
  assert_true (nb_session_framer_pop (framer, &type, &payload));
  assert_int_equal (g_bytes_get_size (payload), 1000);
  g_bytes_unref (payload);
  assert_false (nb_session_framer_pop (framer, &type, &payload));
}

static void
test_framer_e_bit_limit (void **state)
{
  /* max_frame above the protocol maximum is capped at 0x1FFFF; the E bit
   * frame of 0x1FFFF fits. */
  g_autoptr (NbSessionFramer) framer = nb_session_framer_new (NB_SESSION_FRAMING_NBSS,
                                                              G_MAXSIZE);
  g_autoptr (GByteArray) s = g_byte_array_new ();
  g_autofree guint8 *data = g_malloc0 (NB_SESSION_MAX_LENGTH);
  g_autoptr (GError) error = NULL;
  guint8 type;
  GBytes *payload;

  assert_true (nb_session_build_message (s, NB_SESSION_FRAMING_NBSS, data, NB_SESSION_MAX_LENGTH,
                                         &error));
  assert_true (nb_session_framer_push (framer, s->data, s->len, &error));
  assert_true (nb_session_framer_pop (framer, &type, &payload));
  assert_int_equal (g_bytes_get_size (payload), NB_SESSION_MAX_LENGTH);
  g_bytes_unref (payload);
}

static void
test_framer_bad_headers (void **state)
{
  static const guint8 reserved_flags[] = { 0x00, 0x04, 0x00, 0x00 };
  static const guint8 unknown_type[] = { 0x7f, 0x00, 0x00, 0x00 };
  const guint8 *bad[] = { reserved_flags, unknown_type };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (NbSessionFramer) framer = nb_session_framer_new (NB_SESSION_FRAMING_NBSS, 1000);
    g_autoptr (GError) error = NULL;

    /* Split the bad header over two pushes: checked once complete. */
    assert_true (nb_session_framer_push (framer, keep_alive, 4, &error));
    assert_true (nb_session_framer_push (framer, bad[i], 3, &error));
    assert_false (nb_session_framer_push (framer, bad[i] + 3, 1, &error));
    assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  }
}

static void
test_framer_buffer_cap (void **state)
{
  g_autoptr (NbSessionFramer) framer = nb_session_framer_new (NB_SESSION_FRAMING_NBSS, 100);
  /* The cap is max_frame + header + NB_SESSION_FRAMER_READ_MAX = 65640 bytes,
   * exactly 16410 keep-alives. */
  gsize cap = 100 + 4 + NB_SESSION_FRAMER_READ_MAX;
  g_autoptr (GByteArray) s = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  guint8 type;
  GBytes *payload;
  guint popped = 0;

  for (gsize i = 0; i < cap / 4; i++)
    nb_session_build_keep_alive (s);
  assert_true (nb_session_framer_push (framer, s->data, s->len, &error));
  assert_int_equal (nb_session_framer_get_buffered (framer), cap);
  /* One more byte without popping: refused. */
  assert_false (nb_session_framer_push (framer, keep_alive, 1, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  assert_non_null (strstr (error->message, "buffer cap"));
  while (nb_session_framer_pop (framer, &type, &payload)) {
    assert_int_equal (type, NB_SESSION_KEEP_ALIVE);
    assert_int_equal (g_bytes_get_size (payload), 0);
    g_bytes_unref (payload);
    popped++;
  }
  assert_int_equal (popped, cap / 4);
  assert_int_equal (nb_session_framer_get_buffered (framer), 0);
}

static void
test_framer_direct (void **state)
{
  g_autoptr (NbSessionFramer) framer = nb_session_framer_new (NB_SESSION_FRAMING_DIRECT,
                                                              0x30000);
  g_autoptr (GByteArray) s = g_byte_array_new ();
  g_autofree guint8 *data = g_malloc0 (0x20001);
  g_autoptr (GError) error = NULL;
  guint8 type = 0x42;
  GBytes *payload;

  data[0x20000] = 0x5a;
  assert_true (nb_session_build_message (s, NB_SESSION_FRAMING_DIRECT, data, 0x20001, &error));
  assert_true (nb_session_build_message (s, NB_SESSION_FRAMING_DIRECT, data, 3, &error));
  /* Pushed in two halves, each within the cap. */
  assert_true (nb_session_framer_push (framer, s->data, s->len / 2, &error));
  assert_true (nb_session_framer_push (framer, s->data + s->len / 2, s->len - s->len / 2,
                                       &error));
  assert_true (nb_session_framer_pop (framer, &type, &payload));
  assert_int_equal (type, NB_SESSION_MESSAGE);
  assert_int_equal (g_bytes_get_size (payload), 0x20001);
  assert_int_equal (((const guint8 *) g_bytes_get_data (payload, NULL))[0x20000], 0x5a);
  g_bytes_unref (payload);
  assert_true (nb_session_framer_pop (framer, &type, &payload));
  assert_int_equal (g_bytes_get_size (payload), 3);
  g_bytes_unref (payload);

  /* A session request is not a direct-hosted frame. */
  assert_false (nb_session_framer_push (framer, request_bob_alice, 4, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  nb_session_framer_free (NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_header),
    cmocka_unit_test (test_session_request),
    cmocka_unit_test (test_session_request_scope),
    cmocka_unit_test (test_session_request_errors),
    cmocka_unit_test (test_build_request_bad_scope),
    cmocka_unit_test (test_simple_packets),
    cmocka_unit_test (test_negative_codes),
    cmocka_unit_test (test_trailer_length_errors),
    cmocka_unit_test (test_parse_trailer),
    cmocka_unit_test (test_build_message_sizes),
    cmocka_unit_test (test_framer_byte_by_byte),
    cmocka_unit_test (test_framer_random_chunks),
    cmocka_unit_test (test_framer_whole_stream),
    cmocka_unit_test (test_framer_oversized),
    cmocka_unit_test (test_framer_e_bit_limit),
    cmocka_unit_test (test_framer_bad_headers),
    cmocka_unit_test (test_framer_buffer_cap),
    cmocka_unit_test (test_framer_direct),
  };
  return cmocka_run_group_tests_name ("nb-session", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/msgr-mailslot.h"
#include "netsend/nb-dgram.h"
#include "netsend/nb-name.h"
#include "netsend/ns-errors.h"

/* A MESSNGR write with the MS-MAIL SHOULD values (msgr_mailslot_params_init
 * MSGR_MAILSLOT_STYLE_MS_MAIL): From "ALICE", To "BOB", Text "Hi" 0x14
 * "there". Offsets from the SMB header (PROTOCOL.md §3.2). */
static const char messngr[] =
  "\xff" "SMB"       /* 0  Protocol */
  "\x25"             /* 4  Command: SMB_COM_TRANSACTION */
  "\x00\x00\x00\x00" /* 5  Status */
  "\x18"             /* 9  Flags */
  "\x04\x00"         /* 10 Flags2 */
  "\x00\x00"         /* 12 PIDHigh */
  "\x00\x00\x00\x00\x00\x00\x00\x00" /* 14 SecurityFeatures */
  "\x00\x00"         /* 22 Reserved */
  "\x00\x00"         /* 24 TID */
  "\xff\xfe"         /* 26 PIDLow 0xFEFF */
  "\x00\x00"         /* 28 UID */
  "\x00\x00"         /* 30 MID */
  "\x11"             /* 32 WordCount 17 */
  "\x00\x00"         /* 33 TotalParameterCount */
  "\x13\x00"         /* 35 TotalDataCount 19 */
  "\x02\x00"         /* 37 MaxParameterCount */
  "\x00\x00"         /* 39 MaxDataCount */
  "\x00"             /* 41 MaxSetupCount */
  "\x00"             /* 42 Reserved */
  "\x02\x00"         /* 43 Flags: NO_RESPONSE */
  "\x00\x00\x00\x00" /* 45 Timeout */
  "\x00\x00"         /* 49 Reserved2 */
  "\x00\x00"         /* 51 ParameterCount */
  "\x58\x00"         /* 53 ParameterOffset 88 (= DataOffset) */
  "\x13\x00"         /* 55 DataCount 19 */
  "\x58\x00"         /* 57 DataOffset 88 */
  "\x03"             /* 59 SetupCount */
  "\x00"             /* 60 Reserved3 */
  "\x01\x00"         /* 61 Setup[0]: TRANS_MAILSLOT_WRITE */
  "\x00\x00"         /* 63 Setup[1]: priority 0 */
  "\x02\x00"         /* 65 Setup[2]: class 2 */
  "\x26\x00"         /* 67 ByteCount 38 = 18 + 1 + 19 */
  "\\MAILSLOT\\MESSNGR\x00" /* 69 MailslotName (18 bytes) */
  "\x00"             /* 87 padding to 4 */
  "ALICE\x00" "BOB\x00" "Hi\x14there\x00"; /* 88 From, To, Text */
#define MESSNGR_LEN (sizeof messngr - 1)
#define OFF_DATA 88

/* MS-MAIL §4 example (PROTOCOL.md §7.4): 36 bytes of 0xCA written to
 * \MAILSLOT\test1\sample_mailslot, 3 padding bytes. */
static const guint8 ms_mail[] = {
  0xff, 0x53, 0x4d, 0x42, 0x25, 0x00, 0x00, 0x00, 0x00, 0x18, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x00,
  0x11, 0x00, 0x00, 0x24, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x68, 0x00, 0x24, 0x00, 0x68, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00,
  0x00, 0x02, 0x00, 0x47, 0x00, 0x5c, 0x4d, 0x41, 0x49, 0x4c, 0x53, 0x4c, 0x4f, 0x54, 0x5c, 0x74,
  0x65, 0x73, 0x74, 0x31, 0x5c, 0x73, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x5f, 0x6d, 0x61, 0x69, 0x6c,
  0x73, 0x6c, 0x6f, 0x74, 0x00, 0x00, 0x00, 0x00, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca,
  0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca,
  0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca,
};

/* The SMB part of zeek's Teredo.pcap frame 1 (PROTOCOL.md §7.3): a Windows
 * \MAILSLOT\BROWSE announcement, all ids 0, Timeout 1000, no padding. */
static const guint8 browse[] = {
  0xff, 0x53, 0x4d, 0x42, 0x25, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x11, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe8, 0x03, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x56, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00,
  0x00, 0x02, 0x00, 0x32, 0x00, 0x5c, 0x4d, 0x41, 0x49, 0x4c, 0x53, 0x4c, 0x4f, 0x54, 0x5c, 0x42,
  0x52, 0x4f, 0x57, 0x53, 0x45, 0x00, 0x0f, 0x00, 0x80, 0xfc, 0x0a, 0x00, 0x45, 0x53, 0x55, 0x52,
  0x4e, 0x49, 0x52, 0x2d, 0x4c, 0x41, 0x50, 0x54, 0x4f, 0x50, 0x00, 0x2c, 0x05, 0x01, 0x03, 0x12,
  0x07, 0x00, 0x0f, 0x01, 0x55, 0xaa, 0x00,
};

static void
assert_bytes (GBytes *b, const void *s, gsize len)
{
  assert_int_equal (g_bytes_get_size (b), len);
  if (len > 0)
    assert_memory_equal (g_bytes_get_data (b, NULL), s, len);
}

static MsgrMailslotMessage *
parse_ok (const void *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  MsgrMailslotMessage *m = NULL;

  if (!msgr_mailslot_parse (data, len, &m, &error))
    fail_msg ("parse failed: %s", error->message);
  return m;
}

static void
assert_parse_error (const void *data, gsize len, NsCodecError code, const char *needle)
{
  g_autoptr (GError) error = NULL;
  MsgrMailslotMessage *m = (MsgrMailslotMessage *) 0x1;

  assert_false (msgr_mailslot_parse (data, len, &m, &error));
  assert_ptr_equal (m, (MsgrMailslotMessage *) 0x1);
  if (!g_error_matches (error, NS_CODEC_ERROR, code))
    fail_msg ("expected code %d, got: %s", code, error->message);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    fail_msg ("\"%s\" not in: %s", needle, error->message);
}

static void
assert_builds (const MsgrMailslotMessage *m, const void *data, gsize len)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  if (!msgr_mailslot_build (m, out, &error))
    fail_msg ("build failed: %s", error->message);
  assert_int_equal (out->len, len);
  assert_memory_equal (out->data, data, len);
}

static void
assert_build_error (const MsgrMailslotMessage *m, NsCodecError code, const char *needle)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  g_byte_array_append (out, (const guint8 *) "keep", 4);
  assert_false (msgr_mailslot_build (m, out, &error));
  assert_int_equal (out->len, 4);
  if (!g_error_matches (error, NS_CODEC_ERROR, code))
    fail_msg ("expected code %d, got: %s", code, error->message);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    fail_msg ("\"%s\" not in: %s", needle, error->message);
}

static MsgrMailslotMessage *
message (const char *from, const char *to, const char *text)
{
  return msgr_mailslot_message_new ((const guint8 *) from, strlen (from), (const guint8 *) to,
                                    strlen (to), (const guint8 *) text, strlen (text));
}

/* ---- parse / build ------------------------------------------------------ */

static void
test_messngr_ms_mail_style (void **state)
{
  g_autoptr (MsgrMailslotMessage) m = parse_ok (messngr, MESSNGR_LEN);
  g_autoptr (MsgrMailslotMessage) fresh = message ("ALICE", "BOB", "Hi\x14there");

  assert_bytes (m->from, "ALICE", 5);
  assert_bytes (m->to, "BOB", 3);
  assert_bytes (m->text, "Hi\x14there", 8);
  assert_true (m->text_terminated);
  assert_int_equal (m->params.smb_flags, 0x18);
  assert_int_equal (m->params.smb_flags2, 0x0004);
  assert_int_equal (m->params.pid_low, 0xfeff);
  assert_int_equal (m->params.max_parameter_count, 2);
  assert_int_equal (m->params.trans_flags, 0x0002);
  assert_int_equal (m->params.timeout_ms, 0);
  assert_true (m->params.parameter_offset_is_data_offset);
  assert_int_equal (m->params.priority, 0);
  assert_int_equal (m->params.mailslot_class, 2);
  assert_int_equal (m->params.padding, 1);
  assert_builds (m, messngr, MESSNGR_LEN);
  /* The defaults of a new message give the same bytes (padding by rule). */
  assert_int_equal (fresh->params.padding, MSGR_MAILSLOT_PAD_ALIGN4);
  assert_builds (fresh, messngr, MESSNGR_LEN);
  assert_false (msgr_mailslot_message_equal (m, fresh));
  fresh->params.padding = 1;
  assert_true (msgr_mailslot_message_equal (m, fresh));
}

static void
test_ms_mail_example (void **state)
{
  g_autoptr (MsgrMailslotWrite) w = NULL;
  g_autoptr (MsgrMailslotWrite) fresh = msgr_mailslot_write_new ();
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  guint8 ca[36];

  assert_true (msgr_mailslot_write_parse (ms_mail, sizeof ms_mail, &w, &error));
  assert_string_equal (w->mailslot, "\\MAILSLOT\\test1\\sample_mailslot");
  assert_int_equal (w->params.padding, 3);
  assert_int_equal (g_bytes_get_size (w->data), 36);
  assert_true (msgr_mailslot_write_build (w, out, &error));
  assert_int_equal (out->len, sizeof ms_mail);
  assert_memory_equal (out->data, ms_mail, sizeof ms_mail);

  /* MS-MAIL style defaults reproduce the example from its name and data. */
  memset (ca, 0xca, sizeof ca);
  fresh->mailslot = g_strdup ("\\MAILSLOT\\test1\\sample_mailslot");
  fresh->data = g_bytes_new (ca, sizeof ca);
  g_byte_array_set_size (out, 0);
  assert_true (msgr_mailslot_write_build (fresh, out, &error));
  assert_int_equal (out->len, sizeof ms_mail);
  assert_memory_equal (out->data, ms_mail, sizeof ms_mail);

  /* Not the Messenger mailslot. */
  assert_parse_error (ms_mail, sizeof ms_mail, NS_CODEC_ERROR_UNSUPPORTED, "sample_mailslot");
}

static void
test_browser_write (void **state)
{
  g_autoptr (MsgrMailslotWrite) w = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  assert_true (msgr_mailslot_write_parse (browse, sizeof browse, &w, &error));
  assert_string_equal (w->mailslot, "\\MAILSLOT\\BROWSE");
  assert_int_equal (w->params.timeout_ms, 1000);
  assert_int_equal (w->params.padding, 0);
  assert_int_equal (w->params.priority, 0);
  assert_false (w->params.parameter_offset_is_data_offset);
  assert_int_equal (g_bytes_get_size (w->data), 33);
  assert_true (msgr_mailslot_write_build (w, out, &error));
  assert_int_equal (out->len, sizeof browse);
  assert_memory_equal (out->data, browse, sizeof browse);
  assert_parse_error (browse, sizeof browse, NS_CODEC_ERROR_UNSUPPORTED, "\\MAILSLOT\\BROWSE");
}

static void
test_lenient_fields (void **state)
{
  guint8 buf[MESSNGR_LEN];
  g_autoptr (MsgrMailslotMessage) m = NULL;

  /* Name case, Status, ByteCount and an odd ParameterOffset are ignored. */
  memcpy (buf, messngr, MESSNGR_LEN);
  memcpy (buf + 69, "\\mailslot\\Messngr", 17);
  buf[5] = 0x22;   /* Status */
  buf[67] = 0x99;  /* ByteCount */
  buf[53] = 0x05;  /* ParameterOffset */
  m = parse_ok (buf, sizeof buf);
  assert_false (m->params.parameter_offset_is_data_offset);
  assert_bytes (m->text, "Hi\x14there", 8);
}

static void
test_body_variants (void **state)
{
  guint8 buf[MESSNGR_LEN + 3];
  g_autoptr (MsgrMailslotMessage) m = NULL;
  g_autoptr (MsgrMailslotMessage) padded = NULL;
  g_autoptr (MsgrMailslotMessage) empty = NULL;

  /* No final NUL: DataCount 18, one byte shorter. */
  memcpy (buf, messngr, MESSNGR_LEN);
  buf[35] = buf[55] = 18;
  buf[67] = 37; /* ByteCount, which the parser ignores */
  m = parse_ok (buf, MESSNGR_LEN - 1);
  assert_bytes (m->text, "Hi\x14there", 8);
  assert_false (m->text_terminated);
  assert_builds (m, buf, MESSNGR_LEN - 1);

  /* Extra NULs after the text are padding. */
  memcpy (buf, messngr, MESSNGR_LEN);
  memset (buf + MESSNGR_LEN, 0, 3);
  buf[35] = buf[55] = 22;
  padded = parse_ok (buf, MESSNGR_LEN + 3);
  assert_bytes (padded->text, "Hi\x14there", 8);
  assert_true (padded->text_terminated);

  /* Empty From, To and Text. */
  {
    static const char body[] = "\x00\x00\x00";
    g_autoptr (GByteArray) b = g_byte_array_new ();

    g_byte_array_append (b, (const guint8 *) messngr, OFF_DATA);
    g_byte_array_append (b, (const guint8 *) body, 3);
    b->data[35] = b->data[55] = 3;
    empty = parse_ok (b->data, b->len);
    assert_int_equal (g_bytes_get_size (empty->from), 0);
    assert_int_equal (g_bytes_get_size (empty->to), 0);
    assert_int_equal (g_bytes_get_size (empty->text), 0);
    assert_true (empty->text_terminated);
  }
}

static void
test_header_errors (void **state)
{
  guint8 buf[MESSNGR_LEN + 1];

#define RESET() memcpy (buf, messngr, MESSNGR_LEN)
  RESET ();
  buf[0] = 0xfe;
  assert_parse_error (buf, MESSNGR_LEN, NS_CODEC_ERROR_MALFORMED, "SMB");
  RESET ();
  buf[4] = 0xd0;
  assert_parse_error (buf, MESSNGR_LEN, NS_CODEC_ERROR_UNSUPPORTED, "0xd0");
  RESET ();
  buf[32] = 16;
  assert_parse_error (buf, MESSNGR_LEN, NS_CODEC_ERROR_MALFORMED, "WordCount");
  RESET ();
  buf[59] = 2;
  assert_parse_error (buf, MESSNGR_LEN, NS_CODEC_ERROR_MALFORMED, "SetupCount");
  RESET ();
  buf[61] = 2;
  assert_parse_error (buf, MESSNGR_LEN, NS_CODEC_ERROR_UNSUPPORTED, "opcode 2");
  RESET ();
  buf[35] = 40; /* TotalDataCount != DataCount */
  assert_parse_error (buf, MESSNGR_LEN, NS_CODEC_ERROR_UNSUPPORTED, "multi-part");
  RESET ();
  buf[57] = 80; /* DataOffset inside the name */
  assert_parse_error (buf, MESSNGR_LEN, NS_CODEC_ERROR_MALFORMED, "DataOffset");
  RESET ();
  buf[35] = buf[55] = 20; /* DataCount one past the end */
  assert_parse_error (buf, MESSNGR_LEN, NS_CODEC_ERROR_TRUNCATED, NULL);
  RESET ();
  buf[MESSNGR_LEN] = 0;
  assert_parse_error (buf, MESSNGR_LEN + 1, NS_CODEC_ERROR_TRAILING_DATA, NULL);
  RESET ();
  buf[70] = 'N'; /* \NAILSLOT\ */
  assert_parse_error (buf, MESSNGR_LEN, NS_CODEC_ERROR_MALFORMED, "\\MAILSLOT\\");
  RESET ();
  buf[80] = 0x8e;
  assert_parse_error (buf, MESSNGR_LEN, NS_CODEC_ERROR_MALFORMED, "ASCII");
#undef RESET
}

static void
test_truncation_everywhere (void **state)
{
  /* Every proper prefix is TRUNCATED, including cuts inside the name. */
  for (gsize n = 0; n < MESSNGR_LEN; n++)
    assert_parse_error (messngr, n, NS_CODEC_ERROR_TRUNCATED, NULL);
}

static GByteArray *
with_body (const void *body, gsize len)
{
  GByteArray *b = g_byte_array_new ();

  g_byte_array_append (b, (const guint8 *) messngr, OFF_DATA);
  g_byte_array_append (b, body, (guint) len);
  b->data[35] = b->data[55] = (guint8) len;
  b->data[36] = b->data[56] = (guint8) (len >> 8);
  return b;
}

static void
test_body_errors (void **state)
{
  g_autoptr (GByteArray) no_to = with_body ("ALICE\0BOB", 9);
  g_autoptr (GByteArray) no_from = with_body ("ALICE", 5);
  g_autoptr (GByteArray) after = with_body ("A\0B\0text\0more", 14);
  g_autoptr (GByteArray) long_from = NULL;
  g_autoptr (GByteArray) max_from = NULL;
  g_autoptr (MsgrMailslotMessage) m = NULL;
  guint8 body[260];

  assert_parse_error (no_from->data, no_from->len, NS_CODEC_ERROR_MALFORMED, "From");
  assert_parse_error (no_to->data, no_to->len, NS_CODEC_ERROR_MALFORMED, "To");
  assert_parse_error (after->data, after->len, NS_CODEC_ERROR_MALFORMED, "after the NUL");

  /* From of 255 bytes is accepted, 256 is not. */
  memset (body, 'F', sizeof body);
  body[255] = 0;
  body[256] = 'T';
  body[257] = 0;
  max_from = with_body (body, 258);
  m = parse_ok (max_from->data, max_from->len);
  assert_int_equal (g_bytes_get_size (m->from), 255);
  assert_int_equal (g_bytes_get_size (m->text), 0);
  assert_false (m->text_terminated);
  body[255] = 'F';
  body[256] = 0;
  body[257] = 0;
  long_from = with_body (body, 258);
  assert_parse_error (long_from->data, long_from->len, NS_CODEC_ERROR_MALFORMED, "From");
}

static void
test_build_limits (void **state)
{
  static const gsize text_lengths[] = { 0, 127, 128, 129, 391 };
  g_autoptr (GString) s = g_string_new (NULL);

  /* 15 + 1 + 15 + 1 + text + 1 <= 424: text up to 391 bytes. */
  for (guint i = 0; i < G_N_ELEMENTS (text_lengths); i++) {
    g_autoptr (MsgrMailslotMessage) m = NULL;
    g_autoptr (MsgrMailslotMessage) back = NULL;
    g_autoptr (GByteArray) out = g_byte_array_new ();
    g_autoptr (GError) error = NULL;

    g_string_truncate (s, 0);
    for (gsize k = 0; k < text_lengths[i]; k++)
      g_string_append_c (s, (char) ('a' + k % 26));
    m = message ("FFFFFFFFFFFFFFF", "TTTTTTTTTTTTTTT", s->str);
    assert_true (msgr_mailslot_build (m, out, &error));
    back = parse_ok (out->data, out->len);
    back->params.padding = MSGR_MAILSLOT_PAD_ALIGN4;
    assert_true (msgr_mailslot_message_equal (m, back));
    /* DataOffset is 4-aligned in the MS-MAIL style. */
    assert_int_equal ((out->data[57] | (out->data[58] << 8)) % 4, 0);
  }
  {
    g_autoptr (MsgrMailslotMessage) m = NULL;

    g_string_append_c (s, 'x'); /* 392 */
    m = message ("FFFFFFFFFFFFFFF", "TTTTTTTTTTTTTTT", s->str);
    assert_build_error (m, NS_CODEC_ERROR_TOO_LARGE, "424");
  }
  {
    g_autoptr (MsgrMailslotMessage) m = NULL;

    g_string_truncate (s, 0);
    for (int k = 0; k < 652; k++)
      g_string_append_c (s, 'x');
    m = message ("A", "B", s->str);
    assert_build_error (m, NS_CODEC_ERROR_TOO_LARGE, "at most 419 bytes");
  }
}

static void
test_build_errors (void **state)
{
  g_autoptr (MsgrMailslotMessage) no_from = message ("", "BOB", "x");
  g_autoptr (MsgrMailslotMessage) long_to = message ("ALICE", "SIXTEEN-BYTES-XX", "x");
  g_autoptr (MsgrMailslotMessage) nul_to = msgr_mailslot_message_new ((const guint8 *) "A", 1,
                                                                      (const guint8 *) "B\0C", 3,
                                                                      (const guint8 *) "x", 1);
  g_autoptr (MsgrMailslotMessage) nul_text = msgr_mailslot_message_new ((const guint8 *) "A", 1,
                                                                        (const guint8 *) "B", 1,
                                                                        (const guint8 *) "x\0y", 3);
  g_autoptr (MsgrMailslotWrite) w = msgr_mailslot_write_new ();
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *big = g_malloc0 (0x10000);

  assert_build_error (no_from, NS_CODEC_ERROR_INVALID_NAME, "From");
  assert_build_error (long_to, NS_CODEC_ERROR_INVALID_NAME, "To");
  assert_build_error (nul_to, NS_CODEC_ERROR_INVALID_NAME, "To");
  assert_build_error (nul_text, NS_CODEC_ERROR_MALFORMED, "NUL");

  /* Generic writes: a name without \MAILSLOT\, none at all, too much data. */
  w->mailslot = g_strdup ("\\PIPE\\x");
  assert_false (msgr_mailslot_write_build (w, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_int_equal (out->len, 0);
  g_clear_error (&error);
  g_clear_pointer (&w->mailslot, g_free);
  assert_false (msgr_mailslot_write_build (w, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  g_clear_error (&error);
  w->mailslot = g_strdup (MSGR_MAILSLOT_NAME);
  w->data = g_bytes_new (big, 0x10000 - 88);
  assert_false (msgr_mailslot_write_build (w, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  assert_int_equal (out->len, 0);
  g_clear_error (&error);
  g_bytes_unref (w->data);
  w->data = g_bytes_new (big, 0xffff - 88);
  assert_true (msgr_mailslot_write_build (w, out, &error));
  assert_int_equal (out->len, 0xffff);
  msgr_mailslot_write_free (NULL);
  msgr_mailslot_message_free (NULL);
}

static void
test_samba_style_params (void **state)
{
  MsgrMailslotParams p;

  msgr_mailslot_params_init (&p, MSGR_MAILSLOT_STYLE_SAMBA);
  assert_int_equal (p.smb_flags, 0);
  assert_int_equal (p.pid_low, 0);
  assert_int_equal (p.timeout_ms, 1000);
  assert_int_equal (p.priority, 1);
  assert_int_equal (p.mailslot_class, 2);
  assert_int_equal (p.padding, 0);
  assert_false (p.parameter_offset_is_data_offset);
}

/* ---- whole datagrams ---------------------------------------------------- */

static void
test_datagram_round_trip (void **state)
{
  g_autoptr (MsgrMailslotMessage) m = message ("ALICE", "*", "to all");
  g_autoptr (MsgrMailslotMessage) back = NULL;
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  NbName src, dst;

  assert_true (nb_name_from_utf8 (&src, "ALICE", NB_SUFFIX_WORKSTATION, NULL, &error));
  assert_true (nb_name_from_utf8 (&dst, "WORKGROUP", NB_SUFFIX_WORKSTATION, NULL, &error));
  assert_true (msgr_mailslot_build_datagram (NB_DGRAM_DIRECT_GROUP, NB_DGRAM_NODE_NBDD, 7,
                                             0xc0a80001, 138, &src, &dst, m, out, &error));
  assert_int_equal (out->data[0], 0x11);
  assert_int_equal (out->data[1], 0x0e); /* F + SNT 11, as Windows H nodes */
  assert_true (msgr_mailslot_parse_datagram (out->data, out->len, &d, &back, &error));
  assert_int_equal (d->type, NB_DGRAM_DIRECT_GROUP);
  assert_int_equal (d->dgm_id, 7);
  assert_true (nb_name_equal (&d->destination_name, &dst));
  back->params.padding = MSGR_MAILSLOT_PAD_ALIGN4;
  assert_true (msgr_mailslot_message_equal (m, back));
}

static void
test_datagram_errors (void **state)
{
  g_autoptr (MsgrMailslotMessage) m = message ("ALICE", "BOB", "x");
  g_autoptr (MsgrMailslotMessage) too_long = message ("ALICE-WITH-A-LONG-NAME", "BOB", "x");
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  NbDgram *d = (NbDgram *) 0x1;
  MsgrMailslotMessage *back = (MsgrMailslotMessage *) 0x1;
  static const char err[] = "\x13\x02\x00\x01\x0a\x00\x00\x01\x00\x8a\x82";
  NbName src, dst;

  assert_true (nb_name_from_utf8 (&src, "ALICE", 0x00, NULL, &error));
  assert_true (nb_name_from_utf8 (&dst, "BOB", 0x03, NULL, &error));

  /* A DATAGRAM ERROR carries no mailslot. */
  assert_false (msgr_mailslot_parse_datagram ((const guint8 *) err, sizeof err - 1, &d, &back, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED));
  assert_ptr_equal (d, (NbDgram *) 0x1);
  assert_ptr_equal (back, (MsgrMailslotMessage *) 0x1);
  g_clear_error (&error);

  /* A fragment is refused; so is a browser datagram. */
  assert_true (msgr_mailslot_build_datagram (NB_DGRAM_DIRECT_UNIQUE, NB_DGRAM_NODE_B, 1, 1, 138,
                                             &src, &dst, m, out, &error));
  out->data[1] = 0x03;
  assert_false (msgr_mailslot_parse_datagram (out->data, out->len, &d, &back, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED));
  g_clear_error (&error);
  /* The user data must be a MESSNGR write: cut it short. */
  out->data[1] = 0x02;
  out->data[11] -= 1;
  assert_false (msgr_mailslot_parse_datagram (out->data, out->len - 1, &d, &back, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRUNCATED));
  g_clear_error (&error);

  /* Build errors leave @out alone. */
  g_byte_array_set_size (out, 0);
  assert_false (msgr_mailslot_build_datagram (NB_DGRAM_DIRECT_UNIQUE, NB_DGRAM_NODE_B, 1, 1, 138,
                                              &src, &dst, too_long, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_INVALID_NAME));
  assert_int_equal (out->len, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_messngr_ms_mail_style),
    cmocka_unit_test (test_ms_mail_example),
    cmocka_unit_test (test_browser_write),
    cmocka_unit_test (test_lenient_fields),
    cmocka_unit_test (test_body_variants),
    cmocka_unit_test (test_header_errors),
    cmocka_unit_test (test_truncation_everywhere),
    cmocka_unit_test (test_body_errors),
    cmocka_unit_test (test_build_limits),
    cmocka_unit_test (test_build_errors),
    cmocka_unit_test (test_samba_style_params),
    cmocka_unit_test (test_datagram_round_trip),
    cmocka_unit_test (test_datagram_errors),
  };

  return cmocka_run_group_tests_name ("msgr-mailslot", tests, NULL, NULL);
}

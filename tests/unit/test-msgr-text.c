/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/msgr-text.h"
#include "netsend/ns-errors.h"

/* ---- helpers ------------------------------------------------------------ */

static GBytes *
encode_ok (const char *utf8, const char *codepage, MsgrLineBreak breaks, MsgrTextEncodeFlags flags)
{
  MsgrTextEncodeOptions opts = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  GBytes *b;

  opts.codepage = codepage;
  opts.line_break = breaks;
  opts.flags = flags;
  opts.max_bytes = 0;
  b = msgr_text_encode (utf8, -1, &opts, &error);
  if (error != NULL)
    fail_msg ("encode failed: %s", error->message);
  assert_non_null (b);
  return b;
}

static void
assert_bytes (GBytes *b, const void *expect, gsize len)
{
  assert_int_equal (g_bytes_get_size (b), len);
  if (len > 0)
    assert_memory_equal (g_bytes_get_data (b, NULL), expect, len);
}

static char *
decode_ok (const void *data, gsize len, const char *codepage, MsgrTextDecodeFlags flags,
           gboolean *raw)
{
  g_autoptr (GError) error = NULL;
  char *s = msgr_text_decode (data, len, codepage, flags, raw, &error);

  if (error != NULL)
    fail_msg ("decode failed: %s", error->message);
  assert_non_null (s);
  assert_true (g_utf8_validate (s, -1, NULL));
  return s;
}

/* ---- code pages --------------------------------------------------------- */

static void
test_codepage_check (void **state)
{
  const char *good[] = { NULL, "CP850", "850", "cp437", "CP852", "866", "CP1252", "UTF-8", "CP932" };
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    assert_true (msgr_text_codepage_check (good[i], NULL));

  assert_false (msgr_text_codepage_check ("NO-SUCH-CP-123", &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION));
  assert_non_null (strstr (error->message, "NO-SUCH-CP-123"));
  g_clear_error (&error);

  /* iconv knows UTF-16, but it is not an 8-bit OEM page. */
  assert_false (msgr_text_codepage_check ("UTF-16LE", &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION));
  assert_non_null (strstr (error->message, "not ASCII-compatible"));
}

/* ---- encoding ----------------------------------------------------------- */

static void
test_encode_cp850_umlauts (void **state)
{
  /* Same bytes smbclient sent in capture 05 frame 10 (CP850, CR LF). */
  static const guint8 expect[] = { 0x47, 0x72, 0x81, 0xe1, 0x65, ' ', 'o', 'n', 'l', 'y', 0x0d, 0x0a };
  g_autoptr (GBytes) b = encode_ok ("Grüße only\n", NULL, MSGR_LINE_BREAK_CRLF, 0);

  assert_bytes (b, expect, sizeof expect);
}

static void
test_encode_cp866_cyrillic (void **state)
{
  /* Capture 05 frame 42: "Привет only" with dos charset CP866. */
  static const guint8 expect[] = { 0x8f, 0xe0, 0xa8, 0xa2, 0xa5, 0xe2, ' ', 'o', 'n', 'l', 'y', 0x0d, 0x0a };
  g_autoptr (GBytes) b = encode_ok ("Привет only\n", "CP866", MSGR_LINE_BREAK_CRLF, 0);
  g_autoptr (GBytes) b2 = encode_ok ("Привет only\n", "866", MSGR_LINE_BREAK_CRLF, 0);

  assert_bytes (b, expect, sizeof expect);
  assert_true (g_bytes_equal (b, b2));
}

static void
test_encode_other_codepages (void **state)
{
  /* CP437 ü = 0x81, é = 0x82; CP852 ł = 0x88, ś = 0x98; CP1252 € = 0x80. */
  g_autoptr (GBytes) b437 = encode_ok ("üé", "CP437", MSGR_LINE_BREAK_DC4, 0);
  g_autoptr (GBytes) b852 = encode_ok ("łś", "CP852", MSGR_LINE_BREAK_DC4, 0);
  g_autoptr (GBytes) b1252 = encode_ok ("5€", "CP1252", MSGR_LINE_BREAK_DC4, 0);
  g_autoptr (GBytes) butf8 = encode_ok ("5€", "UTF-8", MSGR_LINE_BREAK_DC4, 0);

  assert_bytes (b437, "\x81\x82", 2);
  assert_bytes (b852, "\x88\x98", 2);
  assert_bytes (b1252, "5\x80", 2);
  assert_bytes (butf8, "5\xe2\x82\xac", 4);
}

static void
test_encode_unrepresentable (void **state)
{
  MsgrTextEncodeOptions opts = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) b = NULL;

  b = msgr_text_encode ("Grüße Привет", -1, &opts, &error);
  assert_null (b);
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION));
  /* Names the character, where it is and the code page. */
  assert_non_null (strstr (error->message, "U+041F"));
  assert_non_null (strstr (error->message, "П"));
  assert_non_null (strstr (error->message, "character 7"));
  assert_non_null (strstr (error->message, "CP850"));

  b = encode_ok ("Grüße Привет", NULL, MSGR_LINE_BREAK_DC4, MSGR_TEXT_ENCODE_FALLBACK);
  assert_bytes (b, "Gr\x81\xe1" "e ??????", 12);
  g_clear_pointer (&b, g_bytes_unref);

  /* An emoji (4-byte UTF-8) becomes one '?'. */
  b = encode_ok ("a😀b", "CP866", MSGR_LINE_BREAK_DC4, MSGR_TEXT_ENCODE_FALLBACK);
  assert_bytes (b, "a?b", 3);
}

static void
test_encode_line_breaks (void **state)
{
  static const struct {
    const char *in;
    MsgrLineBreak style;
    const char *out;
  } cases[] = {
    { "a\r\nb\n\rc\rd\ne", MSGR_LINE_BREAK_DC4, "a\x14" "b\x14" "c\x14" "d\x14" "e" },
    { "\r\n\r\n", MSGR_LINE_BREAK_DC4, "\x14\x14" },
    { "\n\n", MSGR_LINE_BREAK_DC4, "\x14\x14" },
    { "\n\r\n", MSGR_LINE_BREAK_DC4, "\x14\x14" }, /* LF CR pair, then LF */
    { "\r\r", MSGR_LINE_BREAK_DC4, "\x14\x14" },
    { "x\n", MSGR_LINE_BREAK_DC4, "x\x14" },
    { "a\nb\rc\r\nd", MSGR_LINE_BREAK_CRLF, "a\r\nb\r\nc\r\nd" },
    { "a\n\rb", MSGR_LINE_BREAK_CRLF, "a\r\nb" },
    { "a\n\rb\r", MSGR_LINE_BREAK_KEEP, "a\n\rb\r" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GBytes) b = encode_ok (cases[i].in, NULL, cases[i].style, 0);

    assert_bytes (b, cases[i].out, strlen (cases[i].out));
  }
}

static void
test_encode_empty (void **state)
{
  MsgrTextEncodeOptions opts = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) b = NULL;

  assert_null (msgr_text_encode ("", -1, &opts, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_EMPTY));
  g_clear_error (&error);
  /* Defaults (NULL options) ask for non-empty text too. */
  assert_null (msgr_text_encode ("", 0, NULL, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_EMPTY));

  b = encode_ok ("", NULL, MSGR_LINE_BREAK_DC4, MSGR_TEXT_ENCODE_NONE);
  assert_int_equal (g_bytes_get_size (b), 0);
}

static void
test_encode_caps (void **state)
{
  MsgrTextEncodeOptions opts = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (GBytes) b = NULL;

  /* 652 OEM bytes pass, 653 fail: the cap counts bytes after conversion, so
   * 652 "ü" (1304 UTF-8 bytes, 652 CP850 bytes) pass as well. */
  for (int i = 0; i < 652; i++)
    g_string_append (s, "ü");
  b = msgr_text_encode (s->str, -1, &opts, &error);
  assert_null (error);
  assert_int_equal (g_bytes_get_size (b), 652);
  g_clear_pointer (&b, g_bytes_unref);

  g_string_append_c (s, 'x');
  assert_null (msgr_text_encode (s->str, -1, &opts, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  assert_non_null (strstr (error->message, "653 bytes"));
  assert_non_null (strstr (error->message, "652"));
  g_clear_error (&error);

  /* A line break counts as its wire form: CR LF is two bytes. */
  g_string_truncate (s, 0);
  for (int i = 0; i < 651; i++)
    g_string_append_c (s, 'x');
  g_string_append_c (s, '\n');
  b = msgr_text_encode (s->str, -1, &opts, &error);
  assert_non_null (b);
  g_clear_pointer (&b, g_bytes_unref);
  opts.line_break = MSGR_LINE_BREAK_CRLF;
  assert_null (msgr_text_encode (s->str, -1, &opts, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  g_clear_error (&error);

  /* max_bytes = 0: no cap. */
  opts.max_bytes = 0;
  for (int i = 0; i < 5000; i++)
    g_string_append_c (s, 'y');
  b = msgr_text_encode (s->str, -1, &opts, &error);
  assert_non_null (b);
  assert_int_equal (g_bytes_get_size (b), 5653);
}

static void
test_encode_bad_input (void **state)
{
  MsgrTextEncodeOptions opts = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;

  assert_null (msgr_text_encode ("ab\xff", -1, &opts, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION));
  assert_non_null (strstr (error->message, "0xff at offset 2"));
  g_clear_error (&error);

  assert_null (msgr_text_encode ("ab\0c", 4, &opts, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION));
  assert_non_null (strstr (error->message, "NUL"));
  g_clear_error (&error);

  opts.codepage = "NO-SUCH-CP";
  assert_null (msgr_text_encode ("abc", -1, &opts, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION));
  assert_non_null (strstr (error->message, "NO-SUCH-CP"));
}

/* ---- decoding ----------------------------------------------------------- */

static void
test_decode_codepages (void **state)
{
  gboolean raw = TRUE;
  g_autofree char *s850 = decode_ok ("Gr\x81\xe1" "e\r\n", 7, NULL, 0, &raw);
  g_autofree char *s866 = NULL;
  g_autofree char *s437 = NULL;
  g_autofree char *s852 = NULL;
  g_autofree char *s932 = NULL;

  assert_string_equal (s850, "Grüße\n");
  assert_false (raw);
  s866 = decode_ok ("\x8f\xe0\xa8\xa2\xa5\xe2", 6, "CP866", 0, &raw);
  assert_string_equal (s866, "Привет");
  assert_false (raw);
  s437 = decode_ok ("\x81\x82", 2, "437", 0, NULL);
  assert_string_equal (s437, "üé");
  s852 = decode_ok ("\x88\x98", 2, "CP852", 0, NULL);
  assert_string_equal (s852, "łś");
  /* Shift-JIS (DBCS): 82 A0 is あ; a lead byte cut off at the end is U+FFFD. */
  s932 = decode_ok ("\x82\xa0\x82", 3, "CP932", 0, NULL);
  assert_string_equal (s932, "あ\xef\xbf\xbd");
}

static void
test_decode_never_fails_on_bytes (void **state)
{
  g_autofree char *s1252 = decode_ok ("a\x81" "b", 3, "CP1252", 0, NULL);
  g_autofree char *nul = decode_ok ("a\0b\0\0", 5, NULL, 0, NULL);
  g_autofree char *empty = decode_ok ("\0\0", 2, NULL, 0, NULL);
  g_autoptr (GError) error = NULL;

  /* CP1252 leaves 0x81 undefined. */
  assert_string_equal (s1252, "a\xef\xbf\xbd" "b");
  /* Trailing NULs go, an interior one is shown. */
  assert_string_equal (nul, "a\xef\xbf\xbd" "b");
  assert_string_equal (empty, "");
  /* glibc's UTF-8 decoder passes the obsolete 6-byte form FD 92 9E 96 8C 8B
   * (fuzz regression utf8-codepage-6-byte-sequence-assert): each byte is
   * shown as U+FFFD. */
  {
    g_autofree char *six = decode_ok ("\xfd\x92\x9e\x96\x8c\x8b", 6, "UTF-8", 0, NULL);
    g_autofree char *mixed = decode_ok ("a\xfd\x92\x9e\x96\x8c\x8b\0b", 9, "UTF-8", 0, NULL);

    assert_string_equal (six, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_true (g_str_has_prefix (mixed, "a\xef\xbf\xbd"));
    assert_true (g_str_has_suffix (mixed, "\xef\xbf\xbd" "b"));
  }
  /* Same with F5 (beyond U+10FFFF) next to a NUL, where the old check was
   * blind (fuzz regression utf8-codepage-f5-form-with-nul-invalid-output). */
  {
    g_autofree char *f5 = decode_ok ("\xf5\x98\x98\x98\0x", 6, "UTF-8", 0, NULL);

    assert_string_equal (f5, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx");
  }
  /* Only an unknown code page fails. */
  assert_null (msgr_text_decode ((const guint8 *) "x", 1, "NO-SUCH-CP", 0, NULL, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION));
}

static void
test_decode_line_breaks (void **state)
{
  static const guint8 in[] = { 'a', 0x14, 'b', 0x0d, 0x0a, 'c', 0x0a, 0x0d, 'd', 0x0d, 'e', 0x0a, 'f',
                               0x0d, 0x0a, 0x0d, 0x0a };
  g_autofree char *norm = decode_ok (in, sizeof in, NULL, 0, NULL);
  g_autofree char *kept = decode_ok (in, sizeof in, NULL, MSGR_TEXT_DECODE_KEEP_LINE_BREAKS, NULL);

  assert_string_equal (norm, "a\nb\nc\nd\ne\nf\n\n");
  assert_int_equal (strlen (kept), sizeof in);
  assert_memory_equal (kept, in, sizeof in);
}

static void
test_decode_raw_utf8 (void **state)
{
  /* Capture 05 frame 26: smbclient could not convert to CP850 and sent UTF-8. */
  static const char utf8[] = "Gr\xc3\xbc\xc3\x9f" "e \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\r\n";
  gboolean raw = FALSE;
  g_autofree char *s = decode_ok (utf8, strlen (utf8), NULL, 0, &raw);
  g_autofree char *forced = NULL;
  g_autofree char *euro = NULL;
  g_autofree char *word = NULL;
  g_autofree char *ascii = NULL;
  g_autofree char *c1 = NULL;
  g_autofree char *native = NULL;

  assert_string_equal (s, "Grüße Привет\n");
  assert_true (raw);
  forced = decode_ok (utf8, strlen (utf8), NULL, MSGR_TEXT_DECODE_NO_UTF8_DETECT, &raw);
  assert_false (raw);
  assert_true (g_str_has_prefix (forced, "Gr├╝├ƒe"));

  /* "€" (E2 82 AC) reads "Ôé¼" in CP850: ¼ is no letter, so UTF-8. */
  euro = decode_ok ("5 \xe2\x82\xac", 5, NULL, 0, &raw);
  assert_true (raw);
  assert_string_equal (euro, "5 €");
  /* CP866 "шаг" is E8 A0 A3, valid UTF-8 (U+8823), but reads as letters: kept. */
  word = decode_ok ("\xe8\xa0\xa3", 3, "CP866", 0, &raw);
  assert_false (raw);
  assert_string_equal (word, "шаг");
  /* Plain ASCII is never "raw UTF-8". */
  ascii = decode_ok ("hello", 5, NULL, 0, &raw);
  assert_false (raw);
  /* A UTF-8 reading with a C1 control (C2 80) is implausible: code page. */
  c1 = decode_ok ("\xc2\x80", 2, NULL, 0, &raw);
  assert_false (raw);
  assert_string_equal (c1, "┬Ç");
  /* The code page UTF-8 needs no detection. */
  native = decode_ok ("\xd0\x9f", 2, "UTF-8", 0, &raw);
  assert_false (raw);
  assert_string_equal (native, "П");
}

/* ---- splitting ---------------------------------------------------------- */

static GPtrArray *
split_ok (const void *data, gsize len, const char *codepage, gsize block)
{
  g_autoptr (GBytes) b = g_bytes_new (data, len);
  g_autoptr (GError) error = NULL;
  GPtrArray *blocks = msgr_text_split_blocks (b, codepage, block, &error);
  g_autoptr (GByteArray) joined = g_byte_array_new ();

  if (error != NULL)
    fail_msg ("split failed: %s", error->message);
  assert_non_null (blocks);
  for (guint i = 0; i < blocks->len; i++) {
    gsize n;
    const guint8 *d = g_bytes_get_data (g_ptr_array_index (blocks, i), &n);

    assert_true (n > 0 && n <= block);
    g_byte_array_append (joined, d, (guint) n);
  }
  assert_int_equal (joined->len, len);
  if (len > 0)
    assert_memory_equal (joined->data, data, len);
  return blocks;
}

static gsize
block_len (GPtrArray *blocks, guint i)
{
  return g_bytes_get_size (g_ptr_array_index (blocks, i));
}

static void
test_split_boundaries (void **state)
{
  guint8 buf[300];
  static const struct {
    gsize len, block;
    guint n;
    gsize first, last;
  } cases[] = {
    { 0, 128, 0, 0, 0 },     { 1, 128, 1, 1, 1 },     { 127, 128, 1, 127, 127 },
    { 128, 128, 1, 128, 128 }, { 129, 128, 2, 128, 1 }, { 127, 127, 1, 127, 127 },
    { 128, 127, 2, 127, 1 }, { 129, 127, 2, 127, 2 }, { 256, 128, 2, 128, 128 },
    { 257, 128, 3, 128, 1 },
  };

  memset (buf, 'x', sizeof buf);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GPtrArray) blocks = split_ok (buf, cases[i].len, NULL, cases[i].block);

    assert_int_equal (blocks->len, cases[i].n);
    if (cases[i].n > 0) {
      assert_int_equal (block_len (blocks, 0), cases[i].first);
      assert_int_equal (block_len (blocks, blocks->len - 1), cases[i].last);
    }
  }
}

static void
test_split_multibyte_edges (void **state)
{
  guint8 buf[200];
  g_autoptr (GPtrArray) utf8 = NULL;
  g_autoptr (GPtrArray) sjis = NULL;
  g_autoptr (GPtrArray) single = NULL;
  g_autoptr (GPtrArray) emoji = NULL;
  g_autoptr (GPtrArray) crlf = NULL;

  /* 127 'a' + "é" (C3 A9): the 2-byte sequence would straddle 128. */
  memset (buf, 'a', 127);
  buf[127] = 0xc3;
  buf[128] = 0xa9;
  utf8 = split_ok (buf, 129, "UTF-8", 128);
  assert_int_equal (utf8->len, 2);
  assert_int_equal (block_len (utf8, 0), 127);
  assert_int_equal (block_len (utf8, 1), 2);

  /* Same with a Shift-JIS lead/trail pair (82 A0). */
  buf[127] = 0x82;
  buf[128] = 0xa0;
  sjis = split_ok (buf, 129, "CP932", 128);
  assert_int_equal (block_len (sjis, 0), 127);
  /* In a single-byte page the same bytes are two characters. */
  single = split_ok (buf, 129, "CP850", 128);
  assert_int_equal (block_len (single, 0), 128);

  /* A 4-byte sequence at 126..129 and the minimum block size. */
  memcpy (buf + 126, "\xf0\x9f\x98\x80", 4);
  emoji = split_ok (buf, 130, "UTF-8", 128);
  assert_int_equal (block_len (emoji, 0), 126);
  g_clear_pointer (&emoji, g_ptr_array_unref);
  emoji = split_ok ("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 8, "UTF-8", MSGR_TEXT_MIN_BLOCK_SIZE);
  assert_int_equal (emoji->len, 2);

  /* CR LF stays together. */
  crlf = split_ok ("abc\r\nd", 6, NULL, 4);
  assert_int_equal (crlf->len, 2);
  assert_int_equal (block_len (crlf, 0), 3);
}

static void
check_numbered (GPtrArray *parts, gsize cap, GBytes *whole)
{
  g_autoptr (GByteArray) joined = g_byte_array_new ();

  for (guint i = 0; i < parts->len; i++) {
    gsize n;
    const char *d = g_bytes_get_data (g_ptr_array_index (parts, i), &n);
    g_autofree char *prefix = g_strdup_printf ("(%u/%u) ", i + 1, parts->len);

    assert_true (n <= cap);
    assert_true (n > strlen (prefix));
    assert_memory_equal (d, prefix, strlen (prefix));
    g_byte_array_append (joined, (const guint8 *) d + strlen (prefix), (guint) (n - strlen (prefix)));
  }
  assert_int_equal (joined->len, g_bytes_get_size (whole));
  assert_memory_equal (joined->data, g_bytes_get_data (whole, NULL), joined->len);
}

static void
test_split_numbered (void **state)
{
  MsgrTextEncodeOptions opts = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (GPtrArray) parts = NULL;
  g_autoptr (GBytes) whole = NULL;
  g_autoptr (GError) error = NULL;

  /* Fits: one part, no number. */
  parts = msgr_text_split_numbered ("short", -1, &opts, 0, &error);
  assert_non_null (parts);
  assert_int_equal (parts->len, 1);
  assert_bytes (g_ptr_array_index (parts, 0), "short", 5);
  g_clear_pointer (&parts, g_ptr_array_unref);

  /* 1000 x: 646 + 354 under "(1/2) " / "(2/2) ". */
  for (int i = 0; i < 1000; i++)
    g_string_append_c (s, 'x');
  parts = msgr_text_split_numbered (s->str, -1, &opts, 0, &error);
  assert_non_null (parts);
  assert_int_equal (parts->len, 2);
  assert_int_equal (g_bytes_get_size (g_ptr_array_index (parts, 0)), 652);
  whole = encode_ok (s->str, NULL, MSGR_LINE_BREAK_DC4, 0);
  check_numbered (parts, 652, whole);
  g_clear_pointer (&parts, g_ptr_array_unref);
  g_clear_pointer (&whole, g_bytes_unref);

  /* Ten or more parts widen the prefix; "é" keeps whole in UTF-8. */
  g_string_truncate (s, 0);
  for (int i = 0; i < 100; i++)
    g_string_append (s, "é");
  opts.codepage = "UTF-8";
  opts.max_bytes = 20;
  parts = msgr_text_split_numbered (s->str, -1, &opts, 0, &error);
  assert_non_null (parts);
  assert_true (parts->len >= 10);
  whole = encode_ok (s->str, "UTF-8", MSGR_LINE_BREAK_DC4, 0);
  check_numbered (parts, 20, whole);
  g_clear_pointer (&parts, g_ptr_array_unref);

  /* Too many parts, and a cap that leaves no room. */
  assert_null (msgr_text_split_numbered (s->str, -1, &opts, 5, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  g_clear_error (&error);
  opts.max_bytes = 6;
  assert_null (msgr_text_split_numbered (s->str, -1, &opts, 0, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  g_clear_error (&error);
  /* Conversion errors come through. */
  opts.codepage = NULL;
  opts.max_bytes = 652;
  assert_null (msgr_text_split_numbered ("Привет", -1, &opts, 0, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION));
}

static void
test_split_numbered_word_breaks (void **state)
{
  MsgrTextEncodeOptions opts = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  g_autoptr (GPtrArray) parts = NULL;
  g_autoptr (GError) error = NULL;

  /* Cap 16: "(i/n) " leaves 10. A window ending on a space breaks there;
   * otherwise the break goes after the last space in its second half. */
  opts.max_bytes = 16;
  parts = msgr_text_split_numbered ("aaaa bbbb cccc dddd", -1, &opts, 0, &error);
  assert_non_null (parts);
  assert_int_equal (parts->len, 2);
  assert_bytes (g_ptr_array_index (parts, 0), "(1/2) aaaa bbbb ", 16);
  assert_bytes (g_ptr_array_index (parts, 1), "(2/2) cccc dddd", 15);
  g_clear_pointer (&parts, g_ptr_array_unref);

  parts = msgr_text_split_numbered ("hello world again", -1, &opts, 0, &error);
  assert_non_null (parts);
  assert_int_equal (parts->len, 3);
  assert_bytes (g_ptr_array_index (parts, 0), "(1/3) hello ", 12);
  assert_bytes (g_ptr_array_index (parts, 1), "(2/3) world ", 12);
  assert_bytes (g_ptr_array_index (parts, 2), "(3/3) again", 11);
  g_clear_pointer (&parts, g_ptr_array_unref);

  /* No space in the second half: cut at the limit. */
  parts = msgr_text_split_numbered ("a bcdefghijklmnop", -1, &opts, 0, &error);
  assert_non_null (parts);
  assert_bytes (g_ptr_array_index (parts, 0), "(1/2) a bcdefghi", 16);
}

/* ---- display ------------------------------------------------------------ */

static void
test_sanitize (void **state)
{
  static const struct {
    const char *in;
    const char *out;
  } cases[] = {
    { "plain\ttext\n", "plain\ttext\n" },
    { "a\x1b[31mred\x1b[0m", "a\xef\xbf\xbdred\xef\xbf\xbd" },
    { "\x1b]0;title\x07x", "\xef\xbf\xbdx" },
    { "\x1b]0;title\x1b\\x", "\xef\xbf\xbdx" },
    { "\x1b]0;abc", "\xef\xbf\xbd" "0;abc" }, /* unterminated: only ESC ] goes */
    { "\x1b(Bx", "\xef\xbf\xbdx" },
    { "\x1b" "cx", "\xef\xbf\xbdx" },
    { "\xc2\x9b" "2Jx", "\xef\xbf\xbdx" }, /* C1 CSI */
    { "a\x07" "b\x7f" "c\xc2\x85" "d", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd" "d" },
    { "a\r\nb\n\rc\rd\x14" "e", "a\nb\nc\nd\ne" },
    { "x\xe2\x80\xaey", "x\xef\xbf\xbdy" }, /* U+202E RIGHT-TO-LEFT OVERRIDE */
    { "bad\xff", "bad\xef\xbf\xbd" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gboolean trunc = TRUE;
    g_autofree char *s = msgr_text_sanitize (cases[i].in, -1, MSGR_TEXT_MAX_DISPLAY_CHARS, &trunc);

    assert_string_equal (s, cases[i].out);
    assert_false (trunc);
  }
}

static void
test_sanitize_many_unterminated (void **state)
{
  /* 200000 unterminated OSC introducers: each becomes U+FFFD in linear time
   * (a rescan to the end for each would take minutes and hit the timeout). */
  g_autoptr (GString) s = g_string_new ("x");
  g_autofree char *out = NULL;

  for (int i = 0; i < 200000; i++)
    g_string_append (s, "\x1b]");
  out = msgr_text_sanitize (s->str, -1, 0, NULL);
  assert_int_equal (g_utf8_strlen (out, -1), 1 + 200000);
  assert_true (g_str_has_prefix (out, "x\xef\xbf\xbd"));
}

static void
test_sanitize_truncation (void **state)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autofree char *exact = NULL;
  g_autofree char *over = NULL;
  g_autofree char *nolimit = NULL;
  g_autofree char *nul = NULL;
  gboolean trunc = TRUE;

  for (int i = 0; i < MSGR_TEXT_MAX_DISPLAY_CHARS; i++)
    g_string_append (s, "é");
  exact = msgr_text_sanitize (s->str, -1, MSGR_TEXT_MAX_DISPLAY_CHARS, &trunc);
  assert_false (trunc);
  assert_int_equal (g_utf8_strlen (exact, -1), MSGR_TEXT_MAX_DISPLAY_CHARS);

  g_string_append (s, "é");
  over = msgr_text_sanitize (s->str, -1, MSGR_TEXT_MAX_DISPLAY_CHARS, &trunc);
  assert_true (trunc);
  assert_int_equal (g_utf8_strlen (over, -1), MSGR_TEXT_MAX_DISPLAY_CHARS);
  nolimit = msgr_text_sanitize (s->str, -1, 0, &trunc);
  assert_false (trunc);
  assert_int_equal (g_utf8_strlen (nolimit, -1), MSGR_TEXT_MAX_DISPLAY_CHARS + 1);

  /* An escape sequence counts as one character; a NUL is shown. */
  nul = msgr_text_sanitize ("a\0b", 3, 2, &trunc);
  assert_true (trunc);
  assert_string_equal (nul, "a\xef\xbf\xbd");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_codepage_check),
    cmocka_unit_test (test_encode_cp850_umlauts),
    cmocka_unit_test (test_encode_cp866_cyrillic),
    cmocka_unit_test (test_encode_other_codepages),
    cmocka_unit_test (test_encode_unrepresentable),
    cmocka_unit_test (test_encode_line_breaks),
    cmocka_unit_test (test_encode_empty),
    cmocka_unit_test (test_encode_caps),
    cmocka_unit_test (test_encode_bad_input),
    cmocka_unit_test (test_decode_codepages),
    cmocka_unit_test (test_decode_never_fails_on_bytes),
    cmocka_unit_test (test_decode_line_breaks),
    cmocka_unit_test (test_decode_raw_utf8),
    cmocka_unit_test (test_split_boundaries),
    cmocka_unit_test (test_split_multibyte_edges),
    cmocka_unit_test (test_split_numbered),
    cmocka_unit_test (test_split_numbered_word_breaks),
    cmocka_unit_test (test_sanitize),
    cmocka_unit_test (test_sanitize_truncation),
    cmocka_unit_test (test_sanitize_many_unterminated),
  };

  return cmocka_run_group_tests_name ("msgr-text", tests, NULL, NULL);
}

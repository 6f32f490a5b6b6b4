/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for Messenger text (lib/codec/msgr-text.c).
 *
 * Input: byte 0 selects the code page (CP850, CP866, UTF-8, CP932), the
 * line-break style and the '?' fallback; byte 1 a block size; byte 2 a cap;
 * the rest is the text (bytes for decoding, UTF-8 for encoding).
 *
 * 1. Decoding never fails and gives valid UTF-8 without CR or 0x14;
 *    sanitising gives valid UTF-8 without controls, within the cap.
 * 2. Encoding valid UTF-8 then decoding gives the text back: exactly with
 *    MSGR_LINE_BREAK_KEEP, with line breaks normalised to "\n" otherwise
 *    (single-byte pages and UTF-8; CP932 is not one-to-one in Unicode).
 * 3. Splitting into blocks: no block empty or over the size, concatenation
 *    equals the input, never between CR and LF, UTF-8 blocks stay valid.
 * 4. Numbered parts: each within the cap, numbered "(i/n) ", and the parts
 *    without numbers concatenate to the whole encoded text.
 * abort() on any violation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netsend/msgr-text.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *const codepages[] = { "CP850", "CP866", "UTF-8", "CP932" };

static void
check_sanitized (const char *s, gsize max_chars)
{
  gboolean trunc = FALSE;
  g_autofree char *shown = msgr_text_sanitize (s, -1, max_chars, &trunc);

  if (!g_utf8_validate (shown, -1, NULL))
    abort ();
  if (max_chars > 0 && (gsize) g_utf8_strlen (shown, -1) > max_chars)
    abort ();
  for (const char *p = shown; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if ((c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f))
      abort ();
  }
}

static void
check_decode (const guint8 *text, gsize len, const char *cp, gsize max_chars)
{
  g_autofree char *s = msgr_text_decode (text, len, cp, 0, NULL, NULL);
  g_autofree char *kept = msgr_text_decode (text, len, cp, MSGR_TEXT_DECODE_KEEP_LINE_BREAKS, NULL, NULL);

  if (s == NULL || kept == NULL || !g_utf8_validate (s, -1, NULL) || !g_utf8_validate (kept, -1, NULL))
    abort ();
  if (strchr (s, '\r') != NULL || strchr (s, 0x14) != NULL)
    abort ();
  check_sanitized (s, max_chars);
}

/* The receiver's view of the sender's line breaks (PROTOCOL.md §5.2). */
static char *
normalise (const char *s, gsize len)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < len; i++) {
    char c = s[i];

    if (c == '\r' || c == '\n') {
      if (i + 1 < len && (s[i + 1] == '\r' || s[i + 1] == '\n') && s[i + 1] != c)
        i++;
      g_string_append_c (out, '\n');
    } else {
      g_string_append_c (out, c == 0x14 ? '\n' : c);
    }
  }
  return g_string_free (out, FALSE);
}

static void
check_round_trip (const char *text, gsize len, const MsgrTextEncodeOptions *opts, GBytes *enc)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (enc, &n);
  g_autofree char *back = NULL;
  g_autofree char *expect = NULL;

  if ((opts->flags & MSGR_TEXT_ENCODE_FALLBACK) || g_str_equal (opts->codepage, "CP932"))
    return;
  if (opts->line_break == MSGR_LINE_BREAK_KEEP) {
    back = msgr_text_decode (p, n, opts->codepage,
                             MSGR_TEXT_DECODE_NO_UTF8_DETECT | MSGR_TEXT_DECODE_KEEP_LINE_BREAKS, NULL, NULL);
    if (back == NULL || strlen (back) != len || memcmp (back, text, len) != 0)
      abort ();
    return;
  }
  back = msgr_text_decode (p, n, opts->codepage, MSGR_TEXT_DECODE_NO_UTF8_DETECT, NULL, NULL);
  expect = normalise (text, len);
  if (back == NULL || strcmp (back, expect) != 0)
    abort ();
}

static void
check_blocks (GBytes *bytes, const char *cp, gsize block)
{
  g_autoptr (GPtrArray) blocks = msgr_text_split_blocks (bytes, cp, block, NULL);
  g_autoptr (GByteArray) joined = g_byte_array_new ();
  gsize total;
  const guint8 *all = g_bytes_get_data (bytes, &total);
  gboolean utf8 = g_str_equal (cp, "UTF-8") && g_utf8_validate_len ((const char *) all, total, NULL);

  if (blocks == NULL)
    abort ();
  for (guint i = 0; i < blocks->len; i++) {
    gsize n;
    const guint8 *p = g_bytes_get_data (g_ptr_array_index (blocks, i), &n);

    if (n == 0 || n > block)
      abort ();
    if (joined->len > 0 && joined->data[joined->len - 1] == '\r' && p[0] == '\n')
      abort ();
    if (utf8 && !g_utf8_validate_len ((const char *) p, n, NULL))
      abort ();
    g_byte_array_append (joined, p, (guint) n);
  }
  if (joined->len != total || (total > 0 && memcmp (joined->data, all, total) != 0))
    abort ();
}

static void
check_numbered (const char *text, gsize len, const MsgrTextEncodeOptions *opts, GBytes *enc)
{
  g_autoptr (GPtrArray) parts = msgr_text_split_numbered (text, (gssize) len, opts, 0, NULL);
  g_autoptr (GByteArray) joined = g_byte_array_new ();

  if (parts == NULL)
    return; /* a cap too small for the number and one character */
  if (parts->len == 1) {
    if (!g_bytes_equal (g_ptr_array_index (parts, 0), enc) ||
        (opts->max_bytes > 0 && g_bytes_get_size (enc) > opts->max_bytes))
      abort ();
    return;
  }
  for (guint i = 0; i < parts->len; i++) {
    char prefix[32];
    gsize n, pre = (gsize) g_snprintf (prefix, sizeof prefix, "(%u/%u) ", i + 1, parts->len);
    const guint8 *p = g_bytes_get_data (g_ptr_array_index (parts, i), &n);

    if (n > opts->max_bytes || n <= pre || memcmp (p, prefix, pre) != 0)
      abort ();
    g_byte_array_append (joined, p + pre, (guint) (n - pre));
  }
  if (!g_bytes_equal (g_bytes_new_static (joined->data, joined->len), enc))
    abort ();
}

/* glibc unloads a gconv module when its last converter closes, so cycling
 * through four code pages would dlopen() and dlclose() them on every input.
 * Keeping one converter per module open for the life of the process only
 * saves that time; the code under test opens its own. */
static GIConv pins[2 * G_N_ELEMENTS (codepages)]; /* reachable: not a leak */

static void
pin_gconv_modules (void)
{
  static gboolean pinned;

  if (pinned)
    return;
  pinned = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (codepages); i++) {
    pins[2 * i] = g_iconv_open ("UTF-8", codepages[i]);
    pins[2 * i + 1] = g_iconv_open ("UTF-32LE", codepages[i]);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  MsgrTextEncodeOptions opts = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GBytes) enc = NULL;
  const char *text;
  gsize len, block;

  if (size < 3 || size > 8192)
    return 0;
  pin_gconv_modules ();
  opts.codepage = codepages[data[0] & 3];
  opts.line_break = (MsgrLineBreak) (((data[0] >> 2) & 3) % 3);
  opts.flags = (data[0] & 0x10) ? MSGR_TEXT_ENCODE_FALLBACK : MSGR_TEXT_ENCODE_NONE;
  opts.max_bytes = 0;
  block = MSGR_TEXT_MIN_BLOCK_SIZE + data[1] % 200;
  text = (const char *) data + 3;
  len = size - 3;

  check_decode ((const guint8 *) text, len, opts.codepage, data[2] * 4u);
  raw = g_bytes_new_static (text, len);
  check_blocks (raw, opts.codepage, block);
  if (!g_utf8_validate_len (text, len, NULL))
    return 0;
  enc = msgr_text_encode (text, (gssize) len, &opts, NULL);
  if (enc == NULL) {
    if ((opts.flags & MSGR_TEXT_ENCODE_FALLBACK) && g_str_equal (opts.codepage, "UTF-8"))
      abort ();
    return 0;
  }
  check_round_trip (text, len, &opts, enc);
  check_blocks (enc, opts.codepage, block);
  opts.max_bytes = 8 + data[2] * 3u;
  check_numbered (text, len, &opts, enc);
  return 0;
}

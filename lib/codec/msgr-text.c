/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/msgr-text.h"

#include <errno.h>
#include <string.h>

#include "netsend/ns-errors.h"

/* Text rules of PROTOCOL.md §5 and §2.9. Everything operates on whole
 * buffers with explicit lengths; iconv does the code page work. We insist on
 * ASCII-compatible code pages (checked on every open), which makes CR, LF,
 * 0x14, '?' and the "(i/n) " prefix the same byte in UTF-8 and on the wire,
 * and lets line breaks be handled in the UTF-8 domain. In every DBCS OEM page
 * (932/936/949/950) trail bytes are >= 0x40, so those bytes are never part of
 * a wider character either. */

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */
#define DC4 0x14                   /* Messenger line break (MS-MSRP §2.2.3.1.1) */

typedef enum {
  TO_UTF8,
  FROM_UTF8,
} Direction;

static char *
canonical_codepage (const char *codepage)
{
  const char *p;

  if (codepage == NULL || *codepage == '\0')
    return g_strdup (MSGR_TEXT_DEFAULT_CODEPAGE);
  for (p = codepage; g_ascii_isdigit (*p); p++)
    ;
  /* A bare number is a Windows code page number: "866" -> "CP866". */
  if (*p == '\0')
    return g_strconcat ("CP", codepage, NULL);
  return g_strdup (codepage);
}

static gboolean
is_utf8_name (const char *codepage)
{
  return g_ascii_strcasecmp (codepage, "UTF-8") == 0 || g_ascii_strcasecmp (codepage, "UTF8") == 0;
}

/* Converts @len bytes of @in with @cd into @out. Returns FALSE at the first
 * input byte iconv rejects (leaving *inp on it) and TRUE when all input is
 * converted. Output space errors are handled here. */
static gboolean
convert_run (GIConv cd, const char **inp, gsize *inleft, GByteArray *out)
{
  char buf[256];

  while (*inleft > 0) {
    char *outp = buf;
    gsize outleft = sizeof buf;
    gsize r = g_iconv (cd, (char **) inp, inleft, &outp, &outleft);
    int saved = errno;

    g_byte_array_append (out, (const guint8 *) buf, (guint) (outp - buf));
    if (r != (gsize) -1)
      continue;
    if (saved == E2BIG && outp != buf)
      continue;
    /* A conversion error (or output space that cannot grow, which a 256
     * byte buffer rules out) at *inp. */
    return FALSE;
  }
  return TRUE;
}

static void
convert_flush (GIConv cd, GByteArray *out)
{
  char buf[64];
  char *outp = buf;
  gsize outleft = sizeof buf;

  g_iconv (cd, NULL, NULL, &outp, &outleft);
  g_byte_array_append (out, (const guint8 *) buf, (guint) (outp - buf));
  g_iconv (cd, NULL, NULL, NULL, NULL);
}

/* An 8-bit OEM page must map the printable ASCII range, TAB, CR, LF and 0x14
 * onto themselves; this rejects UTF-16/32, EBCDIC and the like. */
static gboolean
ascii_compatible (GIConv cd)
{
  char ascii[0x7f - 0x20 + 4];
  const char *inp = ascii;
  gsize inleft = sizeof ascii;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  gsize n = 0;
  gboolean ok;

  ascii[n++] = '\t';
  ascii[n++] = '\n';
  ascii[n++] = '\r';
  ascii[n++] = DC4;
  for (int c = 0x20; c < 0x7f; c++)
    ascii[n++] = (char) c;
  g_assert (n == sizeof ascii);
  ok = convert_run (cd, &inp, &inleft, out);
  g_iconv (cd, NULL, NULL, NULL, NULL);
  return ok && out->len == sizeof ascii && memcmp (out->data, ascii, sizeof ascii) == 0;
}

static GIConv
open_codepage (const char *codepage, Direction dir, GError **error)
{
  g_autofree char *name = canonical_codepage (codepage);
  GIConv cd;

  if (dir == TO_UTF8)
    cd = g_iconv_open ("UTF-8", name);
  else
    cd = g_iconv_open (name, "UTF-8");
  if (cd == (GIConv) -1) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION,
                 "unknown code page “%s”: iconv has no converter for it", name);
    return cd;
  }
  if (!ascii_compatible (cd)) {
    g_iconv_close (cd);
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION,
                 "code page “%s” is not ASCII-compatible; Messenger text needs an 8-bit "
                 "OEM code page such as CP850 or CP866", name);
    return (GIConv) -1;
  }
  return cd;
}

/**
 * msgr_text_codepage_check:
 * @codepage: (nullable): an iconv code page name, a bare Windows code page
 *   number ("850"), or %NULL for %MSGR_TEXT_DEFAULT_CODEPAGE.
 * @error: return location for a #GError
 *
 * Checks that @codepage can be used for Messenger text: iconv converts it in
 * both directions and it is ASCII-compatible. Configuration code calls this
 * once so that a typo is reported at start-up.
 *
 * Returns: %TRUE if usable; otherwise %NS_CODEC_ERROR_CONVERSION naming it.
 *
 * Since: 0.1
 */
gboolean
msgr_text_codepage_check (const char *codepage, GError **error)
{
  GIConv cd;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  cd = open_codepage (codepage, TO_UTF8, error);
  if (cd == (GIConv) -1)
    return FALSE;
  g_iconv_close (cd);
  cd = open_codepage (codepage, FROM_UTF8, error);
  if (cd == (GIConv) -1)
    return FALSE;
  g_iconv_close (cd);
  return TRUE;
}

/* ---- Receiving ---------------------------------------------------------- */

/* Decodes with the code page; a byte iconv rejects becomes U+FFFD, so this
 * never fails. */
static GByteArray *
decode_lossy (GIConv cd, const guint8 *data, gsize len)
{
  GByteArray *out = g_byte_array_sized_new ((guint) MIN (len * 2 + 8, G_MAXUINT / 2));
  const char *inp = (const char *) data;
  gsize inleft = len;

  while (!convert_run (cd, &inp, &inleft, out) && inleft > 0) {
    /* EILSEQ, or EINVAL for a lead byte cut off at the end. */
    g_byte_array_append (out, (const guint8 *) REPLACEMENT, 3);
    inp++;
    inleft--;
    g_iconv (cd, NULL, NULL, NULL, NULL);
  }
  convert_flush (cd, out);
  return out;
}

/* TRUE if the code page reads the bytes @p..@p+@n as letters only. */
static gboolean
codepage_reads_letters (GIConv cd, const char *p, gsize n)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  const char *inp = p;
  gsize inleft = n;
  gboolean ok = convert_run (cd, &inp, &inleft, out);
  const char *s, *end;

  g_iconv (cd, NULL, NULL, NULL, NULL);
  if (!ok || !g_utf8_validate_len ((const char *) out->data, out->len, NULL))
    return FALSE;
  s = (const char *) out->data;
  end = s + out->len;
  for (; s < end; s = g_utf8_next_char (s)) {
    if (!g_unichar_isalpha (g_utf8_get_char (s)))
      return FALSE;
  }
  return TRUE;
}

static gboolean
implausible_char (gunichar c)
{
  switch (g_unichar_type (c)) {
  case G_UNICODE_CONTROL:
  case G_UNICODE_UNASSIGNED:
  case G_UNICODE_PRIVATE_USE:
  case G_UNICODE_SURROGATE:
    return TRUE;
  default:
    return FALSE;
  }
}

/* Errata 15: smbclient sends raw UTF-8 when it cannot convert to its DOS code
 * page. Our rule: the bytes are taken as UTF-8 when
 *   1. they are valid UTF-8 (no NUL) with at least one multibyte sequence,
 *   2. no decoded character is a control, unassigned, private-use or
 *      surrogate code point, and
 *   3. at least one multibyte sequence does NOT read as letters only in the
 *      code page (it has a box-drawing character, symbol, digit, punctuation
 *      or an unmappable byte there: mojibake).
 * Rule 3 keeps genuine OEM text that happens to be valid UTF-8 (e.g. the
 * CP866 word "шаг", bytes E8 A0 A3 = U+8823) in the code page, because real
 * words read as letters. Known miss: UTF-8 whose every byte is a letter in the
 * code page (e.g. "Пр" seen by a CP850 receiver as "ðƒÐÇ") stays mojibake;
 * most Cyrillic, CJK, emoji and "€" text has a non-letter there. */
static gboolean
looks_like_raw_utf8 (GIConv cd, const guint8 *data, gsize len)
{
  const char *p = (const char *) data;
  const char *end;
  gboolean multibyte = FALSE, mojibake = FALSE;

  if (len == 0 || !g_utf8_validate_len (p, len, NULL))
    return FALSE;
  for (end = p + len; p < end; p = g_utf8_next_char (p)) {
    gsize n = (gsize) (g_utf8_next_char (p) - p);

    if (n == 1)
      continue;
    multibyte = TRUE;
    if (implausible_char (g_utf8_get_char (p)))
      return FALSE;
    if (!mojibake && !codepage_reads_letters (cd, p, n))
      mojibake = TRUE;
  }
  return multibyte && mojibake;
}

/* iconv's output is valid UTF-8 for real code pages, but glibc's "UTF-8"
 * source passes the obsolete 5- and 6-byte forms and code points past
 * U+10FFFF through. Every byte that does not start a valid sequence becomes
 * U+FFFD here; NUL bytes are kept for normalise_decoded(). */
static GByteArray *
repair_utf8 (GByteArray *in)
{
  GByteArray *out;
  const char *p = (const char *) in->data;
  gsize left = in->len;

  if (g_utf8_validate_len (p, left, NULL))
    return in;
  out = g_byte_array_sized_new (in->len + 8);
  while (left > 0) {
    const char *end;
    gsize good;

    g_utf8_validate_len (p, left, &end);
    good = (gsize) (end - p);
    g_byte_array_append (out, (const guint8 *) p, (guint) good);
    p += good;
    left -= good;
    if (left == 0)
      break;
    if (*p == '\0')
      g_byte_array_append (out, (const guint8 *) "", 1);
    else
      g_byte_array_append (out, (const guint8 *) REPLACEMENT, 3);
    p++;
    left--;
  }
  g_byte_array_unref (in);
  return out;
}

/* Rewrites decoded UTF-8: NUL becomes U+FFFD (nothing is hidden from the
 * reader) and, unless @keep_breaks, 0x14, CR LF, LF CR, CR and LF each become
 * one "\n" (PROTOCOL.md §5.2). Bytes below 0x80 are never part of a UTF-8
 * multibyte sequence, so a byte-wise scan is safe. */
static char *
normalise_decoded (const guint8 *s, gsize len, gboolean keep_breaks)
{
  GString *out = g_string_sized_new (len + 1);

  for (gsize i = 0; i < len; i++) {
    guint8 c = s[i];

    if (c == 0) {
      g_string_append (out, REPLACEMENT);
    } else if (keep_breaks) {
      g_string_append_c (out, (char) c);
    } else if (c == DC4) {
      g_string_append_c (out, '\n');
    } else if (c == '\r' || c == '\n') {
      guint8 other = c == '\r' ? '\n' : '\r';

      if (i + 1 < len && s[i + 1] == other)
        i++;
      g_string_append_c (out, '\n');
    } else {
      g_string_append_c (out, (char) c);
    }
  }
  return g_string_free (out, FALSE);
}

/**
 * msgr_text_decode:
 * @data: (array length=len): received OEM bytes (text, From or To)
 * @len: length of @data
 * @codepage: (nullable): the receiver's OEM code page, %NULL for CP850
 * @flags: #MsgrTextDecodeFlags
 * @ret_raw_utf8: (out) (optional): set to %TRUE if the bytes were taken as
 *   raw UTF-8 rather than the code page (PROTOCOL.md errata 15)
 * @error: return location for a #GError
 *
 * Turns received bytes into valid UTF-8 for display or storage. Trailing NUL
 * bytes are dropped, an interior NUL becomes U+FFFD, and so does every byte
 * the code page cannot decode: decoding the bytes never fails. Line breaks
 * (0x14, CR LF, LF CR, CR, LF) become "\n" unless
 * %MSGR_TEXT_DECODE_KEEP_LINE_BREAKS is set.
 *
 * Valid UTF-8 that the code page would show as mojibake is taken as UTF-8,
 * because smbclient sends raw UTF-8 when it cannot convert (errata 15); the
 * exact rule is documented at looks_like_raw_utf8() in msgr-text.c. Pass
 * %MSGR_TEXT_DECODE_NO_UTF8_DETECT to always use the code page.
 *
 * Returns: (transfer full): the UTF-8 text, or %NULL with
 *   %NS_CODEC_ERROR_CONVERSION only if @codepage is unknown or unsuitable.
 *
 * Since: 0.1
 */
char *
msgr_text_decode (const guint8 *data,
                  gsize len,
                  const char *codepage,
                  MsgrTextDecodeFlags flags,
                  gboolean *ret_raw_utf8,
                  GError **error)
{
  g_autofree char *name = canonical_codepage (codepage);
  g_autoptr (GByteArray) utf8 = NULL;
  gboolean raw = FALSE;
  GIConv cd;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  cd = open_codepage (name, TO_UTF8, error);
  if (cd == (GIConv) -1)
    return NULL;
  while (len > 0 && data[len - 1] == 0)
    len--;
  if (!(flags & MSGR_TEXT_DECODE_NO_UTF8_DETECT) && !is_utf8_name (name))
    raw = looks_like_raw_utf8 (cd, data, len);
  if (raw) {
    utf8 = g_byte_array_sized_new ((guint) len);
    g_byte_array_append (utf8, data, (guint) len);
  } else {
    utf8 = decode_lossy (cd, data, len);
  }
  g_iconv_close (cd);
  utf8 = repair_utf8 (utf8);
  if (ret_raw_utf8 != NULL)
    *ret_raw_utf8 = raw;
  return normalise_decoded (utf8->data, utf8->len, flags & MSGR_TEXT_DECODE_KEEP_LINE_BREAKS);
}

/* ---- Sending ------------------------------------------------------------ */

/* Applies the outgoing line-break style to valid UTF-8 (PROTOCOL.md §5.2):
 * CR LF and LF CR count as one break, lone CR and LF as one each. */
static GString *
apply_line_breaks (const char *s, gsize len, MsgrLineBreak style)
{
  GString *out = g_string_sized_new (len + 8);

  for (gsize i = 0; i < len; i++) {
    char c = s[i];

    if (style == MSGR_LINE_BREAK_KEEP || (c != '\r' && c != '\n')) {
      g_string_append_c (out, c);
      continue;
    }
    if (i + 1 < len && (s[i + 1] == '\r' || s[i + 1] == '\n') && s[i + 1] != c)
      i++;
    if (style == MSGR_LINE_BREAK_DC4)
      g_string_append_c (out, DC4);
    else
      g_string_append (out, "\r\n");
  }
  return out;
}

static gboolean
check_utf8_input (const char *utf8, gsize len, GError **error)
{
  const char *end;

  if (g_utf8_validate_len (utf8, len, &end))
    return TRUE;
  if (*end == '\0')
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION,
                 "the text contains a NUL character at byte %" G_GSIZE_FORMAT,
                 (gsize) (end - utf8));
  else
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION,
                 "the text is not valid UTF-8 (byte 0x%02x at offset %" G_GSIZE_FORMAT ")",
                 (guint8) *end, (gsize) (end - utf8));
  return FALSE;
}

static void
set_unrepresentable_error (const char *orig, gsize orig_len, gunichar c, const char *codepage,
                           GError **error)
{
  const char *first = g_utf8_strchr (orig, (gssize) orig_len, c);
  glong position = first != NULL ? g_utf8_pointer_to_offset (orig, first) + 1 : 0;
  char shown[8] = "";

  if (g_unichar_isprint (c))
    shown[g_unichar_to_utf8 (c, shown)] = '\0';
  g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION,
               "the character U+%04X%s%s%s (character %ld) cannot be represented in code "
               "page %s; change the code page or allow the '?' fallback",
               c, *shown ? " “" : "", shown, *shown ? "”" : "", position, codepage);
}

/* UTF-8 -> code page. Characters the page lacks fail, or become '?'. */
static GByteArray *
encode_chars (GIConv cd, const GString *text, gboolean fallback, const char *orig,
              gsize orig_len, const char *codepage, GError **error)
{
  g_autoptr (GByteArray) out = g_byte_array_sized_new ((guint) text->len + 8);
  const char *inp = text->str;
  gsize inleft = text->len;

  while (!convert_run (cd, &inp, &inleft, out) && inleft > 0) {
    gunichar c = g_utf8_get_char (inp);
    const char *next = g_utf8_next_char (inp);

    if (!fallback) {
      set_unrepresentable_error (orig, orig_len, c, codepage, error);
      return NULL;
    }
    g_byte_array_append (out, (const guint8 *) "?", 1);
    inleft -= (gsize) (next - inp);
    inp = next;
    g_iconv (cd, NULL, NULL, NULL, NULL);
  }
  convert_flush (cd, out);
  return g_steal_pointer (&out);
}

/**
 * msgr_text_encode:
 * @utf8: (array length=len): the text in UTF-8
 * @len: length of @utf8 in bytes, or -1 if NUL-terminated
 * @options: (nullable): #MsgrTextEncodeOptions; %NULL means
 *   %MSGR_TEXT_ENCODE_OPTIONS_INIT
 * @error: return location for a #GError
 *
 * Converts text for sending: line breaks per @options->line_break, then the
 * OEM code page. A character the code page lacks is an error naming it
 * (%NS_CODEC_ERROR_CONVERSION) unless %MSGR_TEXT_ENCODE_FALLBACK turns it
 * into `?`. Text longer than @options->max_bytes after conversion fails with
 * %NS_CODEC_ERROR_TOO_LARGE; it is never cut. Empty text fails with
 * %NS_CODEC_ERROR_EMPTY if %MSGR_TEXT_ENCODE_NON_EMPTY is set.
 *
 * Returns: (transfer full): the OEM bytes (no terminating NUL), or %NULL.
 *
 * Since: 0.1
 */
GBytes *
msgr_text_encode (const char *utf8, gssize len, const MsgrTextEncodeOptions *options,
                  GError **error)
{
  static const MsgrTextEncodeOptions defaults = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  g_autofree char *name = NULL;
  g_autoptr (GString) lines = NULL;
  g_autoptr (GByteArray) oem = NULL;
  gsize n;
  GIConv cd;

  g_return_val_if_fail (utf8 != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    options = &defaults;
  n = len < 0 ? strlen (utf8) : (gsize) len;
  name = canonical_codepage (options->codepage);
  if (n > 0 && !check_utf8_input (utf8, n, error))
    return NULL;
  if (n == 0 && (options->flags & MSGR_TEXT_ENCODE_NON_EMPTY)) {
    g_set_error_literal (error, NS_CODEC_ERROR, NS_CODEC_ERROR_EMPTY, "the message is empty");
    return NULL;
  }
  cd = open_codepage (name, FROM_UTF8, error);
  if (cd == (GIConv) -1)
    return NULL;
  lines = apply_line_breaks (n > 0 ? utf8 : "", n, options->line_break);
  oem = encode_chars (cd, lines, options->flags & MSGR_TEXT_ENCODE_FALLBACK, utf8, n, name, error);
  g_iconv_close (cd);
  if (oem == NULL)
    return NULL;
  if (options->max_bytes > 0 && oem->len > options->max_bytes) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE,
                 "the message is %u bytes in %s, more than the limit of %" G_GSIZE_FORMAT
                 " bytes (MS-MSRP 3.2.4.4); shorten it or split it into several messages",
                 oem->len, name, options->max_bytes);
    return NULL;
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&oem));
}

/* ---- Splitting ---------------------------------------------------------- */


/* One step of char_boundaries(): converts exactly one character (UTF-32
 * output into a 4-byte buffer makes iconv stop after it; a second try with
 * more room covers a character that yields two code points). Returns FALSE
 * if iconv made no progress, i.e. the byte at *inp is not decodable. */
static gboolean
step_one_char (GIConv cd, const char **inp, gsize *inleft)
{
  static const gsize rooms[] = { 4, 32 };
  const char *before = *inp;

  for (guint i = 0; i < G_N_ELEMENTS (rooms); i++) {
    char buf[32];
    char *outp = buf;
    gsize outleft = rooms[i];
    gsize r = g_iconv (cd, (char **) inp, inleft, &outp, &outleft);

    if (*inp != before)
      return TRUE;
    if (r != (gsize) -1 || errno != E2BIG)
      return FALSE;
  }
  return FALSE;
}

/* UTF-8 needs no iconv: a character starts where a valid sequence starts;
 * each byte of an invalid sequence counts as one character. */
static void
utf8_boundaries (const guint8 *data, gsize len, gboolean *ok)
{
  const char *p = (const char *) data;
  const char *end = p + len;

  while (p < end) {
    const char *stop;

    g_utf8_validate_len (p, (gsize) (end - p), &stop);
    for (; p < stop; p = g_utf8_next_char (p))
      ok[(const guint8 *) p - data] = TRUE;
    if (p < end)
      ok[(const guint8 *) p++ - data] = TRUE;
  }
}

/* TRUE if each byte is one character: true of every single-byte page, and
 * of ASCII in any page. Shown by one bulk conversion yielding one code
 * point per byte with no error; ESC (ISO 2022 shifts) disqualifies. */
static gboolean
one_char_per_byte (GIConv cd, const guint8 *data, gsize len)
{
  g_autofree char *buf = g_malloc (len * 4 + 4);
  const char *inp = (const char *) data;
  char *outp = buf;
  gsize inleft = len, outleft = len * 4 + 4;
  gsize r;

  if (memchr (data, 0x1b, len) != NULL)
    return FALSE;
  r = g_iconv (cd, (char **) &inp, &inleft, &outp, &outleft);
  g_iconv (cd, NULL, NULL, NULL, NULL);
  return r != (gsize) -1 && inleft == 0 && (gsize) (outp - buf) == len * 4;
}

/* Other pages: one bulk check, else iconv one character at a time. */
static gboolean
iconv_boundaries (const char *name, const guint8 *data, gsize len, gboolean *ok, GError **error)
{
  const char *inp = (const char *) data;
  gsize inleft = len;
  GIConv cd = g_iconv_open ("UTF-32LE", name);

  if (cd == (GIConv) -1) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION,
                 "iconv cannot convert code page “%s” to UTF-32", name);
    return FALSE;
  }
  if (len > 0 && one_char_per_byte (cd, data, len)) {
    for (gsize i = 0; i < len; i++)
      ok[i] = TRUE;
    inleft = 0;
  }
  while (inleft > 0) {
    if (!step_one_char (cd, &inp, &inleft)) {
      inp++;
      inleft--;
      g_iconv (cd, NULL, NULL, NULL, NULL);
    }
    ok[inp - (const char *) data] = TRUE;
  }
  g_iconv_close (cd);
  return TRUE;
}

/* ret[i] is TRUE when a block may end before byte i of @data: at the start
 * of every character of the code page, never between CR and LF. A byte the
 * code page rejects counts as one character. */
static gboolean *
char_boundaries (const guint8 *data, gsize len, const char *codepage, GError **error)
{
  g_autofree gboolean *ok = NULL;
  g_autofree char *name = canonical_codepage (codepage);
  GIConv cd;

  /* The same ASCII-compatibility rule as everywhere else. */
  cd = open_codepage (name, TO_UTF8, error);
  if (cd == (GIConv) -1)
    return NULL;
  g_iconv_close (cd);
  ok = g_new0 (gboolean, len + 1);
  ok[0] = ok[len] = TRUE;
  if (is_utf8_name (name))
    utf8_boundaries (data, len, ok);
  else if (!iconv_boundaries (name, data, len, ok, error))
    return NULL;
  for (gsize i = 1; i < len; i++) {
    if (data[i - 1] == '\r' && data[i] == '\n')
      ok[i] = FALSE;
  }
  return g_steal_pointer (&ok);
}

/* The furthest allowed end in (start, limit]; with @prefer_break, the end
 * after the last space or line break in the second half of the window. */
static gsize
pick_end (const guint8 *data, gsize len, const gboolean *ok, gsize start, gsize limit,
          gboolean prefer_break)
{
  gsize end;

  if (limit >= len)
    return len;
  for (end = limit; end > start && !ok[end]; end--)
    ;
  if (end == start || !prefer_break)
    return end;
  for (gsize b = end; b > start + (limit - start) / 2; b--) {
    guint8 c = data[b - 1];

    if (ok[b] && (c == ' ' || c == '\t' || c == '\n' || c == DC4))
      return b;
  }
  return end;
}

static void
unit_too_large (gsize start, gsize room, GError **error)
{
  g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE,
               "the character at byte %" G_GSIZE_FORMAT " does not fit a block of %" G_GSIZE_FORMAT
               " bytes", start, room);
}

/**
 * msgr_text_split_blocks:
 * @oem: OEM bytes, e.g. from msgr_text_encode()
 * @codepage: (nullable): the code page of @oem, %NULL for CP850
 * @block_size: largest block, at least %MSGR_TEXT_MIN_BLOCK_SIZE; 128 for
 *   MS-MSRP, 127 to match Samba
 * @error: return location for a #GError
 *
 * Cuts converted text into blocks for SMB_COM_SEND_TEXT_MB_MESSAGE (0xD7).
 * Splitting happens after conversion and only between characters of the
 * code page (a DBCS lead/trail pair or a UTF-8 sequence is never cut,
 * PROTOCOL.md §5.1), and never between CR and LF. Every block but the last
 * is as long as this allows; the blocks concatenated equal @oem. Empty input
 * gives no blocks.
 *
 * Returns: (transfer full) (element-type GBytes): the blocks, or %NULL with
 *   %NS_CODEC_ERROR_CONVERSION for an unusable code page.
 *
 * Since: 0.1
 */
GPtrArray *
msgr_text_split_blocks (GBytes *oem, const char *codepage, gsize block_size, GError **error)
{
  g_autoptr (GPtrArray) blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree gboolean *ok = NULL;
  const guint8 *data;
  gsize len, start = 0;

  g_return_val_if_fail (oem != NULL, NULL);
  g_return_val_if_fail (block_size >= MSGR_TEXT_MIN_BLOCK_SIZE, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (oem, &len);
  ok = char_boundaries (data, len, codepage, error);
  if (ok == NULL)
    return NULL;
  while (start < len) {
    gsize end = pick_end (data, len, ok, start, start + MIN (block_size, len - start), FALSE);

    /* Cannot happen for the code pages iconv ships (no character is longer
     * than 4 bytes), but a stateful encoding's escape could be. */
    if (end == start) {
      unit_too_large (start, block_size, error);
      return NULL;
    }
    g_ptr_array_add (blocks, g_bytes_new_from_bytes (oem, start, end - start));
    start = end;
  }
  return g_steal_pointer (&blocks);
}

static gsize
prefix_len (guint i, guint n)
{
  char buf[32];

  return (gsize) g_snprintf (buf, sizeof buf, "(%u/%u) ", i, n);
}

/* Lays out numbered parts of at most @cap bytes (prefix included) assuming
 * @n parts in all. Returns the number of parts needed, 0 on error. Adds the
 * parts to @parts if given. */
static guint
layout_numbered (const guint8 *data, gsize len, const gboolean *ok, gsize cap, guint n,
                 GPtrArray *parts, GError **error)
{
  gsize start = 0;
  guint i = 0;

  while (start < len) {
    gsize pre = prefix_len (i + 1, n);
    gsize room, end;

    if (i == G_MAXUINT - 1 || cap <= pre) {
      g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE,
                   "a limit of %" G_GSIZE_FORMAT " bytes leaves no room for text after the "
                   "part number", cap);
      return 0;
    }
    room = cap - pre;
    end = pick_end (data, len, ok, start, start + MIN (room, len - start), TRUE);
    if (end == start) {
      unit_too_large (start, room, error);
      return 0;
    }
    i++;
    if (parts != NULL) {
      GByteArray *part = g_byte_array_sized_new ((guint) (pre + end - start));
      char prefix[32];

      g_snprintf (prefix, sizeof prefix, "(%u/%u) ", i, n);
      g_byte_array_append (part, (const guint8 *) prefix, (guint) pre);
      g_byte_array_append (part, data + start, (guint) (end - start));
      g_ptr_array_add (parts, g_byte_array_free_to_bytes (part));
    }
    start = end;
  }
  return i;
}

/**
 * msgr_text_split_numbered:
 * @utf8: (array length=len): the text in UTF-8
 * @len: length of @utf8, or -1 if NUL-terminated
 * @options: (nullable): conversion options; @options->max_bytes is the cap
 *   of every part (0: no cap, so one part)
 * @max_parts: most parts allowed, 0 for no limit
 * @error: return location for a #GError
 *
 * For `netsend --split`: converts the text like msgr_text_encode(), and if
 * the result exceeds the cap, cuts it into parts numbered "(1/3) ",
 * "(2/3) ", ... each at most @options->max_bytes bytes after conversion
 * including the number. Parts end after a space or line break in the second
 * half of the window where there is one, and never inside a character. Text
 * that fits comes back as one part without a number.
 *
 * Returns: (transfer full) (element-type GBytes): the parts in OEM bytes, or
 *   %NULL: conversion errors as msgr_text_encode(), %NS_CODEC_ERROR_TOO_LARGE
 *   if more than @max_parts parts would be needed.
 *
 * Since: 0.1
 */
GPtrArray *
msgr_text_split_numbered (const char *utf8, gssize len, const MsgrTextEncodeOptions *options,
                          guint max_parts, GError **error)
{
  static const MsgrTextEncodeOptions defaults = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  MsgrTextEncodeOptions whole_opts;
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (GBytes) whole = NULL;
  g_autofree gboolean *ok = NULL;
  const guint8 *data;
  gsize size;
  guint n = 2, needed = 0;

  g_return_val_if_fail (utf8 != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  whole_opts = options != NULL ? *options : defaults;
  whole_opts.max_bytes = 0;
  whole = msgr_text_encode (utf8, len, &whole_opts, error);
  if (whole == NULL)
    return NULL;
  data = g_bytes_get_data (whole, &size);
  if (options == NULL)
    options = &defaults;
  if (options->max_bytes == 0 || size <= options->max_bytes) {
    g_ptr_array_add (parts, g_steal_pointer (&whole));
    return g_steal_pointer (&parts);
  }
  ok = char_boundaries (data, size, whole_opts.codepage, error);
  if (ok == NULL)
    return NULL;
  /* The prefix width depends on the part count; the count only grows with
   * the width, so this settles after a few rounds. */
  for (guint round = 0; round < 16; round++) {
    needed = layout_numbered (data, size, ok, options->max_bytes, n, NULL, error);
    if (needed == 0)
      return NULL;
    if (needed == n)
      break;
    n = needed;
  }
  g_assert (needed == n);
  if (max_parts > 0 && n > max_parts) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE,
                 "the message would need %u parts of at most %" G_GSIZE_FORMAT
                 " bytes, more than the limit of %u", n, options->max_bytes, max_parts);
    return NULL;
  }
  layout_numbered (data, size, ok, options->max_bytes, n, parts, NULL);
  return g_steal_pointer (&parts);
}

/* ---- Display ------------------------------------------------------------ */

static const char *
skip_csi (const char *q, const char *end)
{
  while (q < end && *q >= 0x30 && *q <= 0x3f)
    q++;
  while (q < end && *q >= 0x20 && *q <= 0x2f)
    q++;
  if (q < end && *q >= 0x40 && *q <= 0x7e)
    q++;
  return q;
}

/* A control string (OSC, DCS, SOS, PM, APC) runs to BEL, ESC \ or ST. If it
 * is not terminated only the introducer goes, so a hostile sender cannot make
 * the rest of the message invisible. *@no_st remembers from where on no
 * terminator exists, so many unterminated introducers cost linear time. */
static const char *
skip_control_string (const char *q, const char *end, const char **no_st)
{
  if (*no_st != NULL && q >= *no_st)
    return q;
  for (const char *s = q; s < end; s++) {
    if (*s == 0x07)
      return s + 1;
    if (*s == 0x1b && s + 1 < end && s[1] == '\\')
      return s + 2;
    if ((guint8) *s == 0xc2 && s + 1 < end && (guint8) s[1] == 0x9c)
      return s + 2;
  }
  *no_st = q;
  return q;
}

/* @p is at ESC or a C1 introducer; returns the end of the whole escape
 * sequence (ECMA-48 §5.3-5.6). */
static const char *
skip_escape (const char *p, const char *end, const char **no_st)
{
  gunichar c = g_utf8_get_char (p);
  const char *q = g_utf8_next_char (p);

  if (c == 0x9b)
    return skip_csi (q, end);
  if (c == 0x90 || c == 0x98 || c == 0x9d || c == 0x9e || c == 0x9f)
    return skip_control_string (q, end, no_st);
  if (c != 0x1b || q >= end)
    return q;
  if (*q == '[')
    return skip_csi (q + 1, end);
  if (*q == ']' || *q == 'P' || *q == 'X' || *q == '^' || *q == '_')
    return skip_control_string (q + 1, end, no_st);
  while (q < end && *q >= 0x20 && *q <= 0x2f)
    q++;
  if (q < end && *q >= 0x30 && *q <= 0x7e)
    q++;
  return q;
}

static gboolean
is_neutralised (gunichar c)
{
  /* C0 except TAB/LF (handled before), DEL, C1, and the bidi embedding,
   * override and isolate controls that can reorder what a reader sees. */
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069);
}

/**
 * msgr_text_sanitize:
 * @utf8: (array length=len): decoded text
 * @len: length of @utf8 in bytes, or -1 if NUL-terminated
 * @max_chars: most characters to keep (%MSGR_TEXT_MAX_DISPLAY_CHARS for
 *   Windows' limit), 0 for no limit
 * @ret_truncated: (out) (optional): set to %TRUE if text was cut at
 *   @max_chars
 *
 * Makes received text safe to show on a terminal or in a notification:
 * invalid UTF-8 and NUL become U+FFFD; 0x14, CR LF, LF CR and lone CR become
 * "\n"; a whole escape sequence (ESC or C1 CSI/OSC/DCS/...) becomes one
 * U+FFFD; every other C0 control except TAB and LF, DEL, C1 and the bidi
 * embedding/override/isolate controls become U+FFFD. Then at most
 * @max_chars characters are kept.
 *
 * Returns: (transfer full): the text to display.
 *
 * Since: 0.1
 */
char *
msgr_text_sanitize (const char *utf8, gssize len, gsize max_chars, gboolean *ret_truncated)
{
  g_autofree char *valid = NULL;
  GString *out;
  const char *p, *end, *no_st = NULL;
  gsize count = 0;
  gboolean truncated = FALSE;

  g_return_val_if_fail (utf8 != NULL || len == 0, NULL);

  valid = g_utf8_make_valid (utf8 != NULL ? utf8 : "", utf8 != NULL ? len : 0);
  p = valid;
  end = p + strlen (valid);
  out = g_string_sized_new ((gsize) (end - p) + 1);
  while (p < end) {
    gunichar c = g_utf8_get_char (p);
    const char *next = g_utf8_next_char (p);

    if (max_chars > 0 && count == max_chars) {
      truncated = TRUE;
      break;
    }
    if (c == '\n' || c == '\r') {
      if (next < end && *next == (c == '\n' ? '\r' : '\n'))
        next++;
      g_string_append_c (out, '\n');
    } else if (c == '\t') {
      g_string_append_c (out, '\t');
    } else if (c == DC4) {
      g_string_append_c (out, '\n');
    } else if (c == 0x1b || c == 0x9b || c == 0x90 || c == 0x98 || (c >= 0x9d && c <= 0x9f)) {
      next = skip_escape (p, end, &no_st);
      g_string_append (out, REPLACEMENT);
    } else if (is_neutralised (c)) {
      g_string_append (out, REPLACEMENT);
    } else {
      g_string_append_len (out, p, next - p);
    }
    count++;
    p = next;
  }
  if (ret_truncated != NULL)
    *ret_truncated = truncated;
  return g_string_free (out, FALSE);
}

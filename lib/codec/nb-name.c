/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nb-name-private.h"

#include <string.h>

#include "netsend/ns-errors.h"

#define DEFAULT_CODEPAGE "CP850"

/* Characters Windows refuses in NetBIOS names ("The NetBIOS name is invalid
 * ... cannot contain \ / : * ? " < > |", Windows 2000 message 5183; the
 * same list in the computer-name rules). '*' also marks the wildcard
 * (MS-NBTE §2.2.1). */
#define FORBIDDEN_CHARS "\\/:*?\"<>|"

/* A first-level label: 0x20 + 32 letters, and the terminating 0x00. */
#define BASE_ENCODED_LEN (1 + NB_NAME_FIRST_LEVEL_LEN + 1)

/* --- first-level encoding (RFC 1001 §14.1) ------------------------------ */

void
nb_name_first_level_encode (const guint8 *raw, char *ret_encoded)
{
  g_return_if_fail (raw != NULL && ret_encoded != NULL);

  for (guint i = 0; i < NB_NAME_LEN; i++) {
    ret_encoded[2 * i] = (char) ('A' + (raw[i] >> 4));
    ret_encoded[2 * i + 1] = (char) ('A' + (raw[i] & 0x0f));
  }
  ret_encoded[NB_NAME_FIRST_LEVEL_LEN] = '\0';
}

static gboolean
first_level_decode (const guint8 *encoded, guint8 *ret_raw)
{
  guint8 raw[NB_NAME_LEN];

  for (guint i = 0; i < NB_NAME_LEN; i++) {
    guint8 hi = encoded[2 * i], lo = encoded[2 * i + 1];

    if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P')
      return FALSE;
    raw[i] = (guint8) (((hi - 'A') << 4) | (lo - 'A'));
  }
  memcpy (ret_raw, raw, sizeof raw);
  return TRUE;
}

gboolean
nb_name_first_level_decode (const guint8 *encoded, guint8 *ret_raw, GError **error)
{
  g_return_val_if_fail (encoded != NULL && ret_raw != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!first_level_decode (encoded, ret_raw)) {
    g_set_error_literal (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                         "first-level encoded NetBIOS name has a byte outside 'A'..'P'");
    return FALSE;
  }
  return TRUE;
}

/* --- scope ------------------------------------------------------------- */

static gboolean
scope_byte_ok (guint8 c)
{
  /* Printable ASCII without the separator; no space (DNS-style labels). */
  return c > 0x20 && c < 0x7f && c != '.';
}

const char *
_nb_name_scope_invalid (const char *scope)
{
  gsize label = 0, total = BASE_ENCODED_LEN;

  if (scope == NULL || scope[0] == '\0')
    return NULL;
  for (const char *p = scope;; p++) {
    if (*p == '.' || *p == '\0') {
      if (label == 0)
        return "empty label in NetBIOS scope";
      total += 1 + label;
      label = 0;
      if (*p == '\0')
        break;
      continue;
    }
    if (!scope_byte_ok ((guint8) *p))
      return "NetBIOS scope contains a byte that is not printable ASCII";
    if (++label > 63)
      return "NetBIOS scope label longer than 63 bytes";
  }
  if (total > NB_NAME_ENCODED_MAX)
    return "encoded NetBIOS name with scope longer than 255 bytes";
  return NULL;
}

gboolean
nb_name_set_scope (NbName *name, const char *scope, GError **error)
{
  const char *why;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  why = _nb_name_scope_invalid (scope);
  if (why != NULL) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_INVALID_NAME, "%s", why);
    return FALSE;
  }
  g_strlcpy (name->scope, scope != NULL ? scope : "", sizeof name->scope);
  return TRUE;
}

/* --- simple accessors -------------------------------------------------- */

void
nb_name_set_raw (NbName *ret, const guint8 *raw)
{
  g_return_if_fail (ret != NULL && raw != NULL);

  memset (ret, 0, sizeof *ret);
  memcpy (ret->bytes, raw, NB_NAME_LEN);
}

void
nb_name_wildcard (NbName *ret)
{
  g_return_if_fail (ret != NULL);

  memset (ret, 0, sizeof *ret);
  ret->bytes[0] = '*';
}

gboolean
nb_name_is_wildcard (const NbName *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  if (name->bytes[0] != '*')
    return FALSE;
  for (guint i = 1; i < NB_NAME_LEN; i++)
    if (name->bytes[i] != 0)
      return FALSE;
  return TRUE;
}

guint8
nb_name_suffix (const NbName *name)
{
  g_return_val_if_fail (name != NULL, 0);

  return name->bytes[NB_NAME_LEN - 1];
}

void
nb_name_with_suffix (NbName *ret, const NbName *name, guint8 suffix)
{
  g_return_if_fail (ret != NULL && name != NULL);

  *ret = *name;
  ret->bytes[NB_NAME_LEN - 1] = suffix;
}

gboolean
nb_name_equal (gconstpointer a, gconstpointer b)
{
  const NbName *x = a, *y = b;

  return memcmp (x->bytes, y->bytes, NB_NAME_LEN) == 0 &&
         g_ascii_strcasecmp (x->scope, y->scope) == 0;
}

gboolean
_nb_name_identical (const NbName *a, const NbName *b)
{
  return memcmp (a->bytes, b->bytes, NB_NAME_LEN) == 0 && strcmp (a->scope, b->scope) == 0;
}

guint
nb_name_hash (gconstpointer name)
{
  const NbName *n = name;
  guint32 h = 2166136261u; /* FNV-1a */

  for (guint i = 0; i < NB_NAME_LEN; i++)
    h = (h ^ n->bytes[i]) * 16777619u;
  for (const char *p = n->scope; *p != '\0'; p++)
    h = (h ^ (guint8) g_ascii_tolower (*p)) * 16777619u;
  return h;
}

/* --- from/to text ------------------------------------------------------ */

/* Checks one character of a user-supplied name; NULL if fine. */
static const char *
char_invalid (gunichar c)
{
  if (c < 0x20 || c == 0x7f || g_unichar_iscntrl (c))
    return "contains a control character";
  if (c < 0x80 && strchr (FORBIDDEN_CHARS, (int) c) != NULL)
    return "contains one of \\ / : * ? \" < > |";
  return NULL;
}

/* Converts one character to the OEM code page, upper-cased if the code page
 * has the upper-case form (MS-MSRP §2.2.2.1 upper-cases names). Returns the
 * number of bytes (0 if the code page cannot represent @c). */
static gsize
convert_char (GIConv cd, gunichar c, guint8 *out, gsize out_size)
{
  gunichar tries[2] = { g_unichar_toupper (c), c };

  for (guint i = 0; i < G_N_ELEMENTS (tries); i++) {
    char utf8[6];
    gint n = g_unichar_to_utf8 (tries[i], utf8);
    gsize written = 0;
    g_autofree char *oem = g_convert_with_iconv (utf8, n, cd, NULL, &written, NULL);

    /* Reset the converter's shift state after a failure. */
    g_iconv (cd, NULL, NULL, NULL, NULL);
    if (oem != NULL && written > 0 && written <= out_size) {
      memcpy (out, oem, written);
      return written;
    }
  }
  return 0;
}

static gboolean
name_text_valid (const char *utf8, GError **error)
{
  gsize len;

  if (!g_utf8_validate (utf8, -1, NULL)) {
    g_set_error_literal (error, NS_CODEC_ERROR, NS_CODEC_ERROR_INVALID_NAME,
                         "NetBIOS name is not valid UTF-8");
    return FALSE;
  }
  len = strlen (utf8);
  if (len == 0) {
    g_set_error_literal (error, NS_CODEC_ERROR, NS_CODEC_ERROR_INVALID_NAME,
                         "NetBIOS name is empty");
    return FALSE;
  }
  if (utf8[0] == ' ' || utf8[len - 1] == ' ' || utf8[0] == '.') {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_INVALID_NAME,
                 "NetBIOS name “%s” starts or ends with a space or starts with a dot", utf8);
    return FALSE;
  }
  for (const char *p = utf8; *p != '\0'; p = g_utf8_next_char (p)) {
    const char *why = char_invalid (g_utf8_get_char (p));

    if (why != NULL) {
      g_autofree char *shown = g_strescape (utf8, NULL);

      g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_INVALID_NAME,
                   "NetBIOS name “%s” %s", shown, why);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
nb_name_from_utf8 (NbName *ret, const char *utf8, guint8 suffix,
                   const char *codepage, GError **error)
{
  guint8 oem[NB_NAME_MAX_CHARS + 8];
  gsize n = 0;
  GIConv cd;
  NbName name;

  g_return_val_if_fail (ret != NULL && utf8 != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (codepage == NULL)
    codepage = DEFAULT_CODEPAGE;
  if (!name_text_valid (utf8, error))
    return FALSE;
  cd = g_iconv_open (codepage, "UTF-8");
  if (cd == (GIConv) -1) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION,
                 "unknown code page “%s”", codepage);
    return FALSE;
  }
  for (const char *p = utf8; *p != '\0'; p = g_utf8_next_char (p)) {
    gsize k = convert_char (cd, g_utf8_get_char (p), oem + n, sizeof oem - n);

    if (k == 0) {
      g_iconv_close (cd);
      g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION,
                   "NetBIOS name “%s”: “%.*s” has no equivalent in code page %s",
                   utf8, (int) (g_utf8_next_char (p) - p), p, codepage);
      return FALSE;
    }
    n += k;
    if (n > NB_NAME_MAX_CHARS) {
      g_iconv_close (cd);
      goto too_long;
    }
  }
  g_iconv_close (cd);

  memset (&name, 0, sizeof name);
  memset (name.bytes, ' ', NB_NAME_MAX_CHARS);
  memcpy (name.bytes, oem, n);
  name.bytes[NB_NAME_LEN - 1] = suffix;
  *ret = name;
  return TRUE;

too_long:
  g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_INVALID_NAME,
               "NetBIOS name “%s” is longer than %d bytes in code page %s",
               utf8, NB_NAME_MAX_CHARS, codepage);
  return FALSE;
}

/* Number of name bytes left after trimming trailing spaces and NULs. */
static gsize
trimmed_len (const NbName *name)
{
  gsize n = NB_NAME_MAX_CHARS;

  while (n > 0 && (name->bytes[n - 1] == ' ' || name->bytes[n - 1] == '\0'))
    n--;
  return n;
}

static void
append_escaped_bytes (GString *s, const guint8 *b, gsize n)
{
  for (gsize i = 0; i < n; i++) {
    if (b[i] >= 0x20 && b[i] < 0x7f)
      g_string_append_c (s, (char) b[i]);
    else
      g_string_append_printf (s, "\\x%02X", b[i]);
  }
}

char *
nb_name_to_utf8 (const NbName *name, const char *codepage)
{
  gsize n, written = 0;
  g_autofree char *utf8 = NULL;
  GString *s;

  g_return_val_if_fail (name != NULL, NULL);

  n = trimmed_len (name);
  utf8 = g_convert ((const char *) name->bytes, n, "UTF-8",
                    codepage != NULL ? codepage : DEFAULT_CODEPAGE, NULL, &written, NULL);
  /* An embedded NUL would cut the string short: escape instead. */
  if (utf8 != NULL && strlen (utf8) == written)
    return g_steal_pointer (&utf8);
  s = g_string_new (NULL);
  append_escaped_bytes (s, name->bytes, n);
  return g_string_free (s, FALSE);
}

char *
nb_name_to_display (const NbName *name, const char *codepage)
{
  g_autofree char *text = NULL;
  GString *s;

  g_return_val_if_fail (name != NULL, NULL);

  text = nb_name_to_utf8 (name, codepage);
  s = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (c < 0x20 || c == 0x7f)
      g_string_append_printf (s, "\\x%02X", c);
    else
      g_string_append_len (s, p, g_utf8_next_char (p) - p);
  }
  g_string_append_printf (s, "<%02x>", nb_name_suffix (name));
  if (name->scope[0] != '\0')
    g_string_append_printf (s, ".%s", name->scope);
  return g_string_free (s, FALSE);
}

/* --- second-level encoding (RFC 1002 §4.1) ----------------------------- */

gsize
_nb_name_encoded_len (const NbName *name)
{
  /* Each '.' becomes a length byte, plus one for the first scope label. */
  gsize scope_len = strlen (name->scope);

  return BASE_ENCODED_LEN + (scope_len > 0 ? scope_len + 1 : 0);
}

void
_nb_name_write (NbWriter *w, const NbName *name)
{
  char encoded[NB_NAME_FIRST_LEVEL_LEN + 1];
  const char *why = _nb_name_scope_invalid (name->scope);
  const char *p = name->scope;

  if (why != NULL) {
    nb_writer_fail (w, why);
    return;
  }
  nb_name_first_level_encode (name->bytes, encoded);
  nb_writer_u8 (w, NB_NAME_FIRST_LEVEL_LEN);
  nb_writer_bytes (w, encoded, NB_NAME_FIRST_LEVEL_LEN);
  while (*p != '\0') {
    gsize n = strcspn (p, ".");

    nb_writer_u8 (w, (guint8) n);
    nb_writer_bytes (w, p, n);
    p += n;
    if (*p == '.')
      p++;
  }
  nb_writer_u8 (w, 0);
}

gboolean
nb_name_encode (const NbName *name, GByteArray *out, GError **error)
{
  NbWriter w;

  g_return_val_if_fail (name != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nb_writer_init (&w, out, NB_NAME_ENCODED_MAX);
  _nb_name_write (&w, name);
  return nb_writer_finish (&w, "NetBIOS name", error);
}

/* State while reading one encoded name, possibly across pointers. */
typedef struct {
  guint labels;
  gsize total;                      /* encoded bytes so far, length bytes included */
  guint8 encoded[NB_NAME_FIRST_LEVEL_LEN];
  char scope[NB_NAME_SCOPE_MAX];
  gsize scope_len;
} NameAcc;

/* Reads the @len bytes of one label from @c into @acc. Malformed input
 * fails @r (the caller's reader); a short read fails @c. */
static gboolean
read_label (NbReader *r, NbReader *c, guint8 len, NameAcc *acc)
{
  const guint8 *bytes;

  /* +1 for the terminating 0x00 still to come. */
  if (acc->total + 1 + len + 1 > NB_NAME_ENCODED_MAX)
    return nb_reader_fail (r, "encoded NetBIOS name longer than 255 bytes");
  if (acc->labels == 0) {
    if (len != NB_NAME_FIRST_LEVEL_LEN)
      return nb_reader_fail (r, "first label of a NetBIOS name is not 32 bytes");
    if (!nb_reader_copy (c, acc->encoded, len))
      return FALSE;
  } else {
    if (!nb_reader_bytes (c, len, &bytes))
      return FALSE;
    if (acc->scope_len > 0)
      acc->scope[acc->scope_len++] = '.';
    for (guint i = 0; i < len; i++) {
      if (!scope_byte_ok (bytes[i]))
        return nb_reader_fail (r, "NetBIOS scope label with a byte that is not printable ASCII");
      acc->scope[acc->scope_len++] = (char) bytes[i];
    }
    acc->scope[acc->scope_len] = '\0';
  }
  acc->total += 1 + len;
  acc->labels++;
  return TRUE;
}

/* Follows a compression pointer whose first byte @b0 was just read from @c.
 * @barrier is the lowest packet offset this name has read from so far: a
 * pointer must go strictly below it (RFC 1035 §4.1.4 allows only earlier
 * occurrences), which makes loops impossible even before the jump cap. */
static gboolean
follow_pointer (NbReader *r, NbReader *c, guint8 b0, const guint8 *packet,
                gsize packet_len, gsize *barrier, guint *jumps, NbReader *jumped)
{
  guint8 b1;
  gsize target;

  if (!nb_reader_u8 (c, &b1))
    return FALSE;
  /* 14-bit offset across both bytes (PROTOCOL.md errata 13). */
  target = ((gsize) (b0 & 0x3f) << 8) | b1;
  if (target >= *barrier)
    return nb_reader_fail (r, "label compression pointer does not point backwards");
  if (++*jumps > NB_NAME_MAX_JUMPS)
    return nb_reader_fail (r, "too many label compression pointers");
  *barrier = target;
  nb_reader_init (jumped, packet, packet_len);
  return nb_reader_seek (jumped, target);
}

gboolean
_nb_name_read (NbReader *r, const guint8 *packet, gsize packet_len,
               gboolean allow_compression, NbName *ret)
{
  NbReader jumped, *c = r;
  NameAcc acc = { 0 };
  gsize barrier = 0;
  guint jumps = 0;
  NbName name;

  if (!nb_reader_ok (r))
    return FALSE;
  if (allow_compression) {
    /* @r may read a slice of @packet (e.g. RDATA); pointers count from the
     * start of @packet. */
    g_assert (packet != NULL && r->data >= packet &&
              (gsize) (r->data - packet) <= packet_len &&
              r->len <= packet_len - (gsize) (r->data - packet));
    barrier = (gsize) (r->data - packet) + r->pos;
  }
  for (;;) {
    guint8 len;

    if (!nb_reader_u8 (c, &len))
      break;
    if ((len & 0xc0) == 0xc0) {
      if (!allow_compression)
        return nb_reader_fail (r, "label compression pointer where none is allowed");
      if (!follow_pointer (r, c, len, packet, packet_len, &barrier, &jumps, &jumped))
        break;
      c = &jumped;
      continue;
    }
    if ((len & 0xc0) != 0)
      return nb_reader_fail (r, "reserved label type 0x40/0x80 in NetBIOS name");
    if (len == 0)
      break;
    if (!read_label (r, c, len, &acc))
      break;
  }
  if (!nb_reader_ok (c) || !nb_reader_ok (r))
    return nb_reader_fail (r, "label compression pointer leads past the end of the packet");
  if (acc.labels == 0)
    return nb_reader_fail (r, "empty NetBIOS name");

  memset (&name, 0, sizeof name);
  if (!first_level_decode (acc.encoded, name.bytes))
    return nb_reader_fail (r, "first-level encoded NetBIOS name has a byte outside 'A'..'P'");
  memcpy (name.scope, acc.scope, acc.scope_len + 1);
  *ret = name;
  return TRUE;
}

gboolean
nb_name_decode (const guint8 *data, gsize len, NbName *ret, gsize *ret_consumed,
                GError **error)
{
  NbReader r;
  NbName name;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nb_reader_init (&r, data, len);
  if (!_nb_name_read (&r, NULL, 0, FALSE, &name)) {
    nb_reader_finish (&r, "NetBIOS name", error);
    return FALSE;
  }
  *ret = name;
  if (ret_consumed != NULL)
    *ret_consumed = nb_reader_pos (&r);
  return TRUE;
}

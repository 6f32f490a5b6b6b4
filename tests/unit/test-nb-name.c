/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NetBIOS names: text rules, first- and second-level encoding, label
 * compression (RFC 1001 §14, RFC 1002 §4.1, PROTOCOL.md §1.1-1.2, §7.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "nb-name-private.h"
#include "netsend/ns-errors.h"

/* "FRED" + 12 spaces, first-level (RFC 1002 §4.1 example). */
#define FRED_L1 "EGFCEFEECACACACACACACACACACACACA"

/* RFC 1002 §4.1 / PROTOCOL.md §7.1: FRED<20> with scope NETBIOS.COM. */
static const guint8 fred_scoped[] = {
  0x20,                                           /*  0: first label length 32 */
  'E', 'G', 'F', 'C', 'E', 'F', 'E', 'E',         /*  1: "FRED" */
  'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A',         /*  9: spaces */
  'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A',         /* 17: spaces */
  'C', 'A', 'C', 'A', 'C', 'A', 'C', 'A',         /* 25: 3 spaces + suffix 0x20 */
  0x07, 'N', 'E', 'T', 'B', 'I', 'O', 'S',        /* 33: scope label "NETBIOS" */
  0x03, 'C', 'O', 'M',                            /* 41: scope label "COM" */
  0x00,                                           /* 45: root */
};

static NbName
name_of (const char *text, guint8 suffix)
{
  NbName n;
  g_autoptr (GError) error = NULL;

  if (!nb_name_from_utf8 (&n, text, suffix, NULL, &error))
    fail_msg ("%s: %s", text, error->message);
  return n;
}

static void
assert_l1 (const guint8 *raw, const char *expected)
{
  char enc[NB_NAME_FIRST_LEVEL_LEN + 1];
  guint8 back[NB_NAME_LEN];

  nb_name_first_level_encode (raw, enc);
  assert_string_equal (enc, expected);
  assert_true (nb_name_first_level_decode ((const guint8 *) enc, back, NULL));
  assert_memory_equal (back, raw, NB_NAME_LEN);
}

static void
test_first_level_vectors (void **state)
{
  NbName n;

  /* PROTOCOL.md §7.1, each from a public source. */
  assert_l1 ((const guint8 *) "FRED            ", FRED_L1);
  assert_l1 ((const guint8 *) "The NetBIOS name", "FEGIGFCAEOGFHEECEJEPFDCAGOGBGNGF");
  assert_l1 ((const guint8 *) "Neko            ", "EOGFGLGPCACACACACACACACACACACACA");
  assert_l1 ((const guint8 *) "IPV6.GOOGLE.COM\x00", "EJFAFGDGCOEHEPEPEHEMEFCOEDEPENAA");
  assert_l1 ((const guint8 *) "WORKGROUP      \x1d", "FHEPFCELEHFCEPFFFACACACACACACABN");
  assert_l1 ((const guint8 *) "MSHOME         \x1e", "ENFDEIEPENEFCACACACACACACACACABO");
  nb_name_wildcard (&n);
  assert_l1 (n.bytes, "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  /* All nibble values survive. */
  assert_l1 ((const guint8 *) "\x01\x23\x45\x67\x89\xab\xcd\xef\xfe\xdc\xba\x98\x76\x54\x32\x10",
             "ABCDEFGHIJKLMNOPPONMLKJIHGFEDCBA");
}

static void
test_first_level_bad_letters (void **state)
{
  static const char *const bad[] = {
    "QGFCEFEECACACACACACACACACACACACA", /* 'Q' = nibble 16 */
    "EGFCEFEECACACACACACACACACACACACa", /* lower case */
    "@GFCEFEECACACACACACACACACACACACA", /* 'A' - 1 */
    "EGFCEFEECACACACACACACACACACACA\x00" "A",
  };
  guint8 out[NB_NAME_LEN];

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;

    memset (out, 0x55, sizeof out);
    assert_false (nb_name_first_level_decode ((const guint8 *) bad[i], out, &error));
    assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
    /* All or nothing: the output is untouched. */
    for (guint k = 0; k < sizeof out; k++)
      assert_int_equal (out[k], 0x55);
  }
}

static void
test_from_utf8_basic (void **state)
{
  NbName n = name_of ("alice", NB_SUFFIX_MESSENGER);
  NbName max = name_of ("ABCDEFGHIJKLMNO", 0x20);
  NbName one = name_of ("x", 0x00);
  NbName inner = name_of ("john smith", 0x03);

  assert_memory_equal (n.bytes, "ALICE          \x03", NB_NAME_LEN);
  assert_string_equal (n.scope, "");
  assert_int_equal (nb_name_suffix (&n), NB_SUFFIX_MESSENGER);
  /* 15 bytes exactly: no padding left. */
  assert_memory_equal (max.bytes, "ABCDEFGHIJKLMNO\x20", NB_NAME_LEN);
  assert_memory_equal (one.bytes, "X              \x00", NB_NAME_LEN);
  /* Inner spaces are allowed (messenger aliases of user names). */
  assert_memory_equal (inner.bytes, "JOHN SMITH     \x03", NB_NAME_LEN);
}

static void
test_from_utf8_codepages (void **state)
{
  NbName n;

  /* CP850 (default): é upper-cases to É = 0x90. */
  n = name_of ("café", 0x03);
  assert_memory_equal (n.bytes, "CAF\x90           \x03", NB_NAME_LEN);
  /* ÿ has no upper-case form in CP850 (Ÿ is missing): kept as 0x98. ß has
   * no single-character upper case: kept as 0xE1. */
  n = name_of ("ÿß", 0x03);
  assert_memory_equal (n.bytes, "\x98\xe1             \x03", NB_NAME_LEN);
  /* Cyrillic in CP866. */
  assert_true (nb_name_from_utf8 (&n, "вася", 0x03, "CP866", NULL));
  assert_memory_equal (n.bytes, "\x82\x80\x91\x9f           \x03", NB_NAME_LEN);
  /* DBCS: 3 characters, 6 bytes in CP932. */
  assert_true (nb_name_from_utf8 (&n, "日本語", 0x00, "CP932", NULL));
  assert_memory_equal (n.bytes, "\x93\xfa\x96\x7b\x8c\xea         \x00", NB_NAME_LEN);
}

static void
assert_from_utf8_fails (const char *text, const char *codepage, gint code)
{
  NbName n;
  g_autoptr (GError) error = NULL;

  memset (&n, 0x55, sizeof n);
  assert_false (nb_name_from_utf8 (&n, text, 0x03, codepage, &error));
  if (!g_error_matches (error, NS_CODEC_ERROR, code))
    fail_msg ("“%s”: expected code %d, got %s", text, code, error->message);
  assert_int_equal (n.bytes[0], 0x55);
  assert_int_equal (n.scope[0], 0x55);
}

static void
test_from_utf8_rejects (void **state)
{
  static const char *const forbidden[] = {
    "A\\B", "A/B", "A:B", "*", "A*", "A?", "A\"B", "A<B", "A>B", "A|B",
  };

  assert_from_utf8_fails ("", NULL, NS_CODEC_ERROR_INVALID_NAME);
  assert_from_utf8_fails ("ABCDEFGHIJKLMNOP", NULL, NS_CODEC_ERROR_INVALID_NAME); /* 16 */
  for (guint i = 0; i < G_N_ELEMENTS (forbidden); i++)
    assert_from_utf8_fails (forbidden[i], NULL, NS_CODEC_ERROR_INVALID_NAME);
  assert_from_utf8_fails ("A\tB", NULL, NS_CODEC_ERROR_INVALID_NAME);
  assert_from_utf8_fails ("A\x7f", NULL, NS_CODEC_ERROR_INVALID_NAME);
  assert_from_utf8_fails ("A\xc2\x85", NULL, NS_CODEC_ERROR_INVALID_NAME); /* U+0085 */
  assert_from_utf8_fails (" ALICE", NULL, NS_CODEC_ERROR_INVALID_NAME);
  assert_from_utf8_fails ("ALICE ", NULL, NS_CODEC_ERROR_INVALID_NAME);
  assert_from_utf8_fails (".ALICE", NULL, NS_CODEC_ERROR_INVALID_NAME);
  assert_from_utf8_fails ("AL\xff", NULL, NS_CODEC_ERROR_INVALID_NAME); /* not UTF-8 */
  /* 8 DBCS characters are 16 bytes in CP932. */
  assert_from_utf8_fails ("日本語日本語日本", "CP932", NS_CODEC_ERROR_INVALID_NAME);
  /* No € in CP850 (there is in CP858). */
  assert_from_utf8_fails ("EURO€", NULL, NS_CODEC_ERROR_CONVERSION);
  assert_from_utf8_fails ("ALICE", "NO-SUCH-CODEPAGE", NS_CODEC_ERROR_CONVERSION);
}

static void
test_to_utf8_and_display (void **state)
{
  static const guint8 browse[16] = {
    0x01, 0x02, '_', '_', 'M', 'S', 'B', 'R', 'O', 'W', 'S', 'E', '_', '_', 0x02, 0x01,
  };
  NbName n = name_of ("alice", NB_SUFFIX_MESSENGER);
  g_autofree char *t1 = nb_name_to_utf8 (&n, NULL);
  g_autofree char *d1 = nb_name_to_display (&n, NULL);
  g_autofree char *t2 = NULL, *d2 = NULL, *t3 = NULL, *d3 = NULL, *t4 = NULL, *d5 = NULL;
  g_autofree char *t5 = NULL;

  assert_string_equal (t1, "ALICE");
  assert_string_equal (d1, "ALICE<03>");

  n = name_of ("café", 0x1e);
  t2 = nb_name_to_utf8 (&n, NULL);
  d2 = nb_name_to_display (&n, "CP850");
  assert_string_equal (t2, "CAFÉ");
  assert_string_equal (d2, "CAFÉ<1e>");

  nb_name_wildcard (&n);
  t3 = nb_name_to_utf8 (&n, NULL);
  assert_string_equal (t3, "*");

  nb_name_set_raw (&n, browse);
  d3 = nb_name_to_display (&n, NULL);
  assert_string_equal (d3, "\\x01\\x02__MSBROWSE__\\x02<01>");

  /* An embedded NUL comes out escaped rather than cutting the string. */
  nb_name_set_raw (&n, (const guint8 *) "AB\x00" "CD           \x00");
  t4 = nb_name_to_utf8 (&n, NULL);
  assert_string_equal (t4, "AB\\x00CD");

  n = name_of ("FRED", 0x20);
  assert_true (nb_name_set_scope (&n, "NETBIOS.COM", NULL));
  d5 = nb_name_to_display (&n, NULL);
  assert_string_equal (d5, "FRED<20>.NETBIOS.COM");

  assert_true (nb_name_from_utf8 (&n, "вася", 0x03, "CP866", NULL));
  t5 = nb_name_to_utf8 (&n, "CP866");
  assert_string_equal (t5, "ВАСЯ");
}

static void
test_equal_hash_accessors (void **state)
{
  NbName a = name_of ("ALICE", 0x03), b = name_of ("alice", 0x03), c, w;
  g_autoptr (GHashTable) table = g_hash_table_new (nb_name_hash, nb_name_equal);

  assert_true (nb_name_equal (&a, &b));
  assert_int_equal (nb_name_hash (&a), nb_name_hash (&b));
  nb_name_with_suffix (&c, &a, 0x00);
  assert_int_equal (nb_name_suffix (&c), 0x00);
  assert_false (nb_name_equal (&a, &c));
  /* Scopes compare without ASCII case, consistently with the hash. */
  assert_true (nb_name_set_scope (&a, "netbios.com", NULL));
  assert_true (nb_name_set_scope (&b, "NETBIOS.COM", NULL));
  assert_true (nb_name_equal (&a, &b));
  assert_int_equal (nb_name_hash (&a), nb_name_hash (&b));
  assert_false (_nb_name_identical (&a, &b));
  assert_true (nb_name_set_scope (&b, NULL, NULL));
  assert_false (nb_name_equal (&a, &b));

  g_hash_table_add (table, &a);
  assert_true (g_hash_table_contains (table, &a));
  assert_false (g_hash_table_contains (table, &b));

  nb_name_wildcard (&w);
  assert_true (nb_name_is_wildcard (&w));
  assert_memory_equal (w.bytes, "*\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", NB_NAME_LEN);
  w.bytes[15] = ' ';
  assert_false (nb_name_is_wildcard (&w));
  assert_false (nb_name_is_wildcard (&a));
}

static void
test_scope_rules (void **state)
{
  NbName n = name_of ("FRED", 0x20);
  g_autofree char *label63 = g_strnfill (63, 'a');
  g_autofree char *label64 = g_strnfill (64, 'a');
  /* 34 + 3 × (1 + 63) + (1 + 28) = 255: the longest allowed. */
  g_autofree char *longest = g_strdup_printf ("%s.%s.%s.%s", label63, label63, label63,
                                              "bbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  g_autofree char *too_long = g_strdup_printf ("%s.%s.%s.%s", label63, label63, label63,
                                               "bbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  static const char *const bad[] = {
    ".COM", "NETBIOS.", "A..B", "A B", "A\x01", "A\x7f", "\xc3\xa9",
  };

  assert_true (nb_name_set_scope (&n, label63, NULL));
  assert_true (nb_name_set_scope (&n, longest, NULL));
  assert_int_equal (_nb_name_encoded_len (&n), 255);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;

    assert_false (nb_name_set_scope (&n, bad[i], &error));
    assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_INVALID_NAME));
  }
  assert_false (nb_name_set_scope (&n, label64, NULL));
  assert_false (nb_name_set_scope (&n, too_long, NULL));
  /* Failures left the previous scope. */
  assert_string_equal (n.scope, longest);
}

static void
test_encode_decode_scoped (void **state)
{
  NbName n = name_of ("FRED", 0x20), back;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GByteArray) padded = g_byte_array_new ();
  gsize consumed = 0;

  assert_true (nb_name_set_scope (&n, "NETBIOS.COM", NULL));
  assert_int_equal (_nb_name_encoded_len (&n), sizeof fred_scoped);
  assert_true (nb_name_encode (&n, out, NULL));
  assert_int_equal (out->len, sizeof fred_scoped);
  assert_memory_equal (out->data, fred_scoped, sizeof fred_scoped);

  assert_true (nb_name_decode (fred_scoped, sizeof fred_scoped, &back, &consumed, NULL));
  assert_int_equal (consumed, sizeof fred_scoped);
  assert_true (_nb_name_identical (&n, &back));

  /* Trailing bytes are left for the caller. */
  g_byte_array_append (padded, fred_scoped, sizeof fred_scoped);
  g_byte_array_append (padded, (const guint8 *) "\xaa\xbb", 2);
  assert_true (nb_name_decode (padded->data, padded->len, &back, &consumed, NULL));
  assert_int_equal (consumed, sizeof fred_scoped);
  assert_string_equal (back.scope, "NETBIOS.COM");
}

static void
test_encode_unscoped_and_bad_scope (void **state)
{
  NbName n = name_of ("ALICE", 0x03);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  assert_true (nb_name_encode (&n, out, NULL));
  /* PROTOCOL.md §1.4.4: 0x20 "EBEMEJEDEF" + 10 × "CA" + "AD" + 0x00. */
  assert_int_equal (out->len, 34);
  assert_memory_equal (out->data, "\x20" "EBEMEJEDEFCACACACACACACACACACAAD" "\x00", 34);
  /* A scope that bypassed nb_name_set_scope() fails and appends nothing. */
  g_strlcpy (n.scope, "A..B", sizeof n.scope);
  assert_false (nb_name_encode (&n, out, &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_int_equal (out->len, 34);
}

static void
assert_decode_fails (const guint8 *data, gsize len, gint code, const char *needle)
{
  NbName n;
  gsize consumed = 777;
  g_autoptr (GError) error = NULL;

  memset (&n, 0x55, sizeof n);
  assert_false (nb_name_decode (data, len, &n, &consumed, &error));
  if (!g_error_matches (error, NS_CODEC_ERROR, code))
    fail_msg ("expected code %d, got %s", code, error->message);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    fail_msg ("“%s” not in “%s”", needle, error->message);
  assert_int_equal (n.bytes[0], 0x55);
  assert_int_equal (consumed, 777);
}

static void
test_decode_truncated_everywhere (void **state)
{
  /* Every proper prefix of the scoped name is a truncation. */
  for (gsize len = 0; len < sizeof fred_scoped; len++)
    assert_decode_fails (fred_scoped, len, NS_CODEC_ERROR_TRUNCATED, NULL);
}

static void
test_decode_bad_labels (void **state)
{
  guint8 buf[64];

  /* Just the root: a name with no label. */
  assert_decode_fails ((const guint8 *) "\x00", 1, NS_CODEC_ERROR_MALFORMED, "empty");
  /* First label of 31 and 33 bytes. */
  memset (buf, 'A', sizeof buf);
  buf[0] = 31;
  buf[32] = 0;
  assert_decode_fails (buf, 33, NS_CODEC_ERROR_MALFORMED, "32 bytes");
  buf[0] = 33;
  buf[34] = 0;
  assert_decode_fails (buf, 35, NS_CODEC_ERROR_MALFORMED, "32 bytes");
  /* A letter outside A-P in the first label. */
  memcpy (buf, fred_scoped, 33);
  buf[33] = 0;
  buf[5] = 'Z';
  assert_decode_fails (buf, 34, NS_CODEC_ERROR_MALFORMED, "'A'..'P'");
  /* Reserved label types 0x40 and 0x80. */
  assert_decode_fails ((const guint8 *) "\x40", 1, NS_CODEC_ERROR_MALFORMED, "reserved");
  assert_decode_fails ((const guint8 *) "\x80", 1, NS_CODEC_ERROR_MALFORMED, "reserved");
  memcpy (buf, fred_scoped, 33);
  buf[33] = 0x81;
  assert_decode_fails (buf, 40, NS_CODEC_ERROR_MALFORMED, "reserved");
  /* A pointer where compression is not allowed (datagram/session). */
  assert_decode_fails ((const guint8 *) "\xc0\x00", 2, NS_CODEC_ERROR_MALFORMED, "compression");
  memcpy (buf, fred_scoped, 33);
  buf[33] = 0xc0;
  buf[34] = 0x00;
  assert_decode_fails (buf, 35, NS_CODEC_ERROR_MALFORMED, "compression");
  /* Scope bytes: space, '.', DEL, non-ASCII. */
  memcpy (buf, fred_scoped, sizeof fred_scoped);
  buf[35] = ' ';
  assert_decode_fails (buf, sizeof fred_scoped, NS_CODEC_ERROR_MALFORMED, "printable");
  buf[35] = '.';
  assert_decode_fails (buf, sizeof fred_scoped, NS_CODEC_ERROR_MALFORMED, "printable");
  buf[35] = 0x7f;
  assert_decode_fails (buf, sizeof fred_scoped, NS_CODEC_ERROR_MALFORMED, "printable");
  buf[35] = 0xc3;
  assert_decode_fails (buf, sizeof fred_scoped, NS_CODEC_ERROR_MALFORMED, "printable");
}

/* Builds FRED<20> followed by scope labels of the given lengths. */
static GByteArray *
name_with_labels (const guint *lens, guint n)
{
  GByteArray *a = g_byte_array_new ();

  g_byte_array_append (a, fred_scoped, 33);
  for (guint i = 0; i < n; i++) {
    guint8 len = (guint8) lens[i];

    g_byte_array_append (a, &len, 1);
    for (guint k = 0; k < lens[i]; k++)
      g_byte_array_append (a, (const guint8 *) "x", 1);
  }
  g_byte_array_append (a, (const guint8 *) "", 1);
  return a;
}

static void
test_decode_length_cap (void **state)
{
  static const guint ok_lens[] = { 63, 63, 63, 28 };   /* 255 bytes */
  static const guint long_lens[] = { 63, 63, 63, 29 }; /* 256 bytes */
  static const guint many_lens[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }; /* 111 × 2 + 34 = 256 */
  g_autoptr (GByteArray) ok = name_with_labels (ok_lens, G_N_ELEMENTS (ok_lens));
  g_autoptr (GByteArray) too_long = name_with_labels (long_lens, G_N_ELEMENTS (long_lens));
  g_autoptr (GByteArray) many = name_with_labels (many_lens, G_N_ELEMENTS (many_lens));
  g_autoptr (GByteArray) again = g_byte_array_new ();
  NbName n;
  gsize consumed;

  assert_int_equal (ok->len, 255);
  assert_true (nb_name_decode (ok->data, ok->len, &n, &consumed, NULL));
  assert_int_equal (consumed, 255);
  assert_int_equal (strlen (n.scope), 63 * 3 + 28 + 3);
  assert_true (nb_name_encode (&n, again, NULL));
  assert_int_equal (again->len, 255);
  assert_memory_equal (again->data, ok->data, 255);

  assert_int_equal (too_long->len, 256);
  assert_decode_fails (too_long->data, too_long->len, NS_CODEC_ERROR_MALFORMED, "255");
  assert_int_equal (many->len, 256);
  assert_decode_fails (many->data, many->len, NS_CODEC_ERROR_MALFORMED, "255");
}

/* _nb_name_read over a whole packet at @pos, with compression. */
static gboolean
read_at (const guint8 *packet, gsize len, gsize pos, NbName *ret, gsize *ret_end,
         GError **error)
{
  NbReader r;

  nb_reader_init (&r, packet, len);
  assert_true (nb_reader_seek (&r, pos));
  if (!_nb_name_read (&r, packet, len, TRUE, ret))
    return nb_reader_finish (&r, "name", error);
  *ret_end = nb_reader_pos (&r);
  return TRUE;
}

static void
assert_read_fails (const guint8 *packet, gsize len, gsize pos, gint code, const char *needle)
{
  NbName n;
  gsize end = 777;
  g_autoptr (GError) error = NULL;

  memset (&n, 0x55, sizeof n);
  assert_false (read_at (packet, len, pos, &n, &end, &error));
  if (!g_error_matches (error, NS_CODEC_ERROR, code))
    fail_msg ("expected code %d, got %s", code, error->message);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    fail_msg ("“%s” not in “%s”", needle, error->message);
  assert_int_equal (n.bytes[0], 0x55);
  assert_int_equal (end, 777);
}

static void
test_compression_pointer_back (void **state)
{
  g_autoptr (GByteArray) p = g_byte_array_new ();
  NbName n, want = name_of ("FRED", 0x20);
  gsize end;

  /* 0: the scoped name (46 bytes); 46: a pointer to it; 48: end. */
  g_byte_array_append (p, fred_scoped, sizeof fred_scoped);
  g_byte_array_append (p, (const guint8 *) "\xc0\x00", 2);
  assert_true (read_at (p->data, p->len, 46, &n, &end, NULL));
  assert_int_equal (end, 48); /* right after the pointer */
  assert_true (nb_name_set_scope (&want, "NETBIOS.COM", NULL));
  assert_true (_nb_name_identical (&n, &want));

  /* 48: the first label in full, then a pointer to the scope at 33. */
  g_byte_array_append (p, fred_scoped, 33);
  g_byte_array_append (p, (const guint8 *) "\xc0\x21", 2);
  assert_true (read_at (p->data, p->len, 48, &n, &end, NULL));
  assert_int_equal (end, 48 + 35);
  assert_true (_nb_name_identical (&n, &want));
}

static void
test_compression_14bit_offset (void **state)
{
  g_autoptr (GByteArray) p = g_byte_array_new ();
  NbName n;
  gsize end;

  /* Errata 13: the offset uses the low 6 bits of the first byte too. The
   * name sits at 0x12c = 300; the pointer is C1 2C. */
  g_byte_array_set_size (p, 300);
  memset (p->data, 0, 300);
  g_byte_array_append (p, fred_scoped, sizeof fred_scoped);
  g_byte_array_append (p, (const guint8 *) "\xc1\x2c", 2);
  assert_true (read_at (p->data, p->len, 346, &n, &end, NULL));
  assert_string_equal (n.scope, "NETBIOS.COM");
  assert_int_equal (end, 348);
}

static void
test_compression_rejects (void **state)
{
  g_autoptr (GByteArray) p = g_byte_array_new ();
  guint8 loop[] = { 0xc0, 0x02, 0xc0, 0x00 };

  g_byte_array_append (p, fred_scoped, sizeof fred_scoped); /* 0..45 */
  g_byte_array_append (p, (const guint8 *) "\xc0\x30", 2);  /* 46: forward to 48 */
  g_byte_array_append (p, (const guint8 *) "\xc0\x30", 2);  /* 48: to itself */
  g_byte_array_append (p, (const guint8 *) "\xc0", 1);      /* 50: half a pointer */
  assert_read_fails (p->data, p->len, 46, NS_CODEC_ERROR_MALFORMED, "backwards");
  assert_read_fails (p->data, p->len, 48, NS_CODEC_ERROR_MALFORMED, "backwards");
  assert_read_fails (p->data, p->len, 50, NS_CODEC_ERROR_TRUNCATED, NULL);
  /* 2 -> 0 -> 2: the second jump is not below the first target. */
  assert_read_fails (loop, sizeof loop, 2, NS_CODEC_ERROR_MALFORMED, "backwards");
  /* A pointer to the scope labels alone: first label is not 32 bytes. */
  p->data[46] = 0xc0;
  p->data[47] = 0x21;
  assert_read_fails (p->data, p->len, 46, NS_CODEC_ERROR_MALFORMED, "32 bytes");
}

static void
test_compression_target_runs_off_end (void **state)
{
  /* 0: a first label that announces 32 bytes but the packet holds 2, then
   * at 3 a pointer back to it. */
  static const guint8 p[] = { 0x20, 'A', 'A', 0xc0, 0x00 };

  assert_read_fails (p, sizeof p, 3, NS_CODEC_ERROR_MALFORMED, "past the end");
}

static void
test_compression_jump_cap (void **state)
{
  g_autoptr (GByteArray) p = g_byte_array_new ();
  NbName n;
  gsize end;

  /* 0: the name; then a chain of pointers, each to the one before it. The
   * k-th pointer (at 46 + 2k) needs k + 1 jumps. */
  g_byte_array_append (p, fred_scoped, sizeof fred_scoped);
  for (guint k = 0; k <= NB_NAME_MAX_JUMPS; k++) {
    guint off = k == 0 ? 0 : 46 + 2 * (k - 1);
    guint8 ptr[2] = { 0xc0 | (off >> 8), off & 0xff };

    g_byte_array_append (p, ptr, 2);
  }
  /* NB_NAME_MAX_JUMPS jumps are fine, one more is not. */
  assert_true (read_at (p->data, p->len, 46 + 2 * (NB_NAME_MAX_JUMPS - 1), &n, &end, NULL));
  assert_string_equal (n.scope, "NETBIOS.COM");
  assert_read_fails (p->data, p->len, 46 + 2 * NB_NAME_MAX_JUMPS, NS_CODEC_ERROR_MALFORMED,
                     "too many");
}

static void
test_compression_total_cap (void **state)
{
  static const guint lens[] = { 63, 63, 63, 28 };
  g_autoptr (GByteArray) p = name_with_labels (lens, G_N_ELEMENTS (lens));
  NbName n;
  gsize end;

  /* 255: a new first label, then a pointer to the 255-byte name's scope at
   * offset 33: 33 + 222 = 255, still fine. */
  g_byte_array_append (p, fred_scoped, 33);
  g_byte_array_append (p, (const guint8 *) "\xc0\x21", 2);
  assert_true (read_at (p->data, p->len, 255, &n, &end, NULL));
  /* A first label + a scope label "ab" + a pointer to the same scope: 258. */
  g_byte_array_append (p, fred_scoped, 33);
  g_byte_array_append (p, (const guint8 *) "\x02" "ab" "\xc0\x21", 5);
  assert_read_fails (p->data, p->len, 290, NS_CODEC_ERROR_MALFORMED, "255");
}

static void
test_read_from_sub_reader (void **state)
{
  g_autoptr (GByteArray) p = g_byte_array_new ();
  NbReader r, sub;
  NbName n;

  /* A name inside a slice (as in NS RDATA): pointer offsets still count
   * from the start of the packet. */
  g_byte_array_append (p, fred_scoped, sizeof fred_scoped);
  g_byte_array_append (p, (const guint8 *) "\xee\xc0\x00\xee", 4);
  nb_reader_init (&r, p->data, p->len);
  assert_true (nb_reader_skip (&r, 47));
  assert_true (nb_reader_sub (&r, 2, &sub));
  assert_true (_nb_name_read (&sub, p->data, p->len, TRUE, &n));
  assert_int_equal (nb_reader_remaining (&sub), 0);
  assert_string_equal (n.scope, "NETBIOS.COM");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_first_level_vectors),
    cmocka_unit_test (test_first_level_bad_letters),
    cmocka_unit_test (test_from_utf8_basic),
    cmocka_unit_test (test_from_utf8_codepages),
    cmocka_unit_test (test_from_utf8_rejects),
    cmocka_unit_test (test_to_utf8_and_display),
    cmocka_unit_test (test_equal_hash_accessors),
    cmocka_unit_test (test_scope_rules),
    cmocka_unit_test (test_encode_decode_scoped),
    cmocka_unit_test (test_encode_unscoped_and_bad_scope),
    cmocka_unit_test (test_decode_truncated_everywhere),
    cmocka_unit_test (test_decode_bad_labels),
    cmocka_unit_test (test_decode_length_cap),
    cmocka_unit_test (test_compression_pointer_back),
    cmocka_unit_test (test_compression_14bit_offset),
    cmocka_unit_test (test_compression_rejects),
    cmocka_unit_test (test_compression_target_runs_off_end),
    cmocka_unit_test (test_compression_jump_cap),
    cmocka_unit_test (test_compression_total_cap),
    cmocka_unit_test (test_read_from_sub_reader),
  };
  return cmocka_run_group_tests_name ("nb-name", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "nb-writer.h"
#include "netsend/ns-errors.h"

static void
test_fields (void **state)
{
  static const guint8 expect[] = {
    0xab,                   /* u8 */
    0x12, 0x34,             /* be16 */
    0x34, 0x12,             /* le16 */
    0x01, 0x02, 0x03, 0x04, /* be32 */
    0x04, 0x03, 0x02, 0x01, /* le32 */
    0x00, 0x00,             /* zeros */
    'h', 'i',               /* bytes */
  };
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  NbWriter w;

  nb_writer_init (&w, buf, 64);
  nb_writer_u8 (&w, 0xab);
  nb_writer_be16 (&w, 0x1234);
  nb_writer_le16 (&w, 0x1234);
  nb_writer_be32 (&w, 0x01020304);
  nb_writer_le32 (&w, 0x01020304);
  nb_writer_zeros (&w, 2);
  nb_writer_bytes (&w, "hi", 2);
  assert_true (nb_writer_finish (&w, "test", NULL));
  assert_int_equal (buf->len, sizeof expect);
  assert_memory_equal (buf->data, expect, sizeof expect);
}

static void
test_cap_is_all_or_nothing (void **state)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  NbWriter w;

  g_byte_array_append (buf, (const guint8 *) "pre", 3);
  nb_writer_init (&w, buf, 4);
  nb_writer_be32 (&w, 1);
  assert_true (nb_writer_ok (&w));
  nb_writer_u8 (&w, 1);
  assert_false (nb_writer_ok (&w));
  assert_false (nb_writer_finish (&w, "frame", &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE));
  /* What was there before the writer started is kept, nothing else. */
  assert_int_equal (buf->len, 3);
  assert_memory_equal (buf->data, "pre", 3);
}

static void
test_overflow_safe (void **state)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  NbWriter w;

  nb_writer_init (&w, buf, 16);
  nb_writer_u8 (&w, 1);
  nb_writer_zeros (&w, G_MAXSIZE);
  assert_false (nb_writer_ok (&w));
  assert_int_equal (buf->len, 1);
}

static void
test_patch_and_align (void **state)
{
  static const guint8 expect[] = { 0x00, 0x09, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff };
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  NbWriter w;
  gsize a, b;

  nb_writer_init (&w, buf, 64);
  a = nb_writer_reserve (&w, 2);
  b = nb_writer_reserve (&w, 2);
  nb_writer_u8 (&w, 0);
  nb_writer_align (&w, 0, 4);
  assert_int_equal (nb_writer_len (&w), 8);
  nb_writer_align (&w, 0, 4);
  assert_int_equal (nb_writer_len (&w), 8);
  nb_writer_u8 (&w, 0xff);
  nb_writer_patch_be16 (&w, a, 9);
  nb_writer_patch_le16 (&w, b, 9);
  assert_true (nb_writer_finish (&w, "x", NULL));
  assert_memory_equal (buf->data, expect, sizeof expect);
}

static void
test_patch32_and_offset_start (void **state)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  NbWriter w;
  gsize a, b;

  g_byte_array_append (buf, (const guint8 *) "xx", 2);
  nb_writer_init (&w, buf, 8);
  a = nb_writer_reserve (&w, 4);
  b = nb_writer_reserve (&w, 4);
  nb_writer_patch_be32 (&w, a, 0x01020304);
  nb_writer_patch_le32 (&w, b, 0x01020304);
  assert_true (nb_writer_finish (&w, "x", NULL));
  assert_int_equal (buf->len, 10);
  assert_memory_equal (buf->data + 2, "\x01\x02\x03\x04\x04\x03\x02\x01", 8);
}

static void
test_explicit_failure (void **state)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  NbWriter w;

  nb_writer_init (&w, buf, 8);
  nb_writer_u8 (&w, 1);
  assert_false (nb_writer_fail (&w, "name too long"));
  nb_writer_u8 (&w, 2);
  assert_false (nb_writer_finish (&w, "packet", &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));
  assert_string_equal (error->message, "cannot build packet: name too long");
  assert_int_equal (buf->len, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_fields),
    cmocka_unit_test (test_cap_is_all_or_nothing),
    cmocka_unit_test (test_overflow_safe),
    cmocka_unit_test (test_patch_and_align),
    cmocka_unit_test (test_patch32_and_offset_start),
    cmocka_unit_test (test_explicit_failure),
  };
  return cmocka_run_group_tests_name ("writer", tests, NULL, NULL);
}

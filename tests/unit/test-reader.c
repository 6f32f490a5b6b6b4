/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "nb-reader.h"
#include "netsend/ns-errors.h"

static const guint8 data[] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01 };

static void
test_endianness (void **state)
{
  NbReader r;
  guint16 v16;
  guint32 v32;
  guint64 v64;
  guint8 v8;

  nb_reader_init (&r, data, sizeof data);
  assert_true (nb_reader_be16 (&r, &v16));
  assert_int_equal (v16, 0x1234);
  assert_true (nb_reader_le16 (&r, &v16));
  assert_int_equal (v16, 0x7856);
  assert_true (nb_reader_be32 (&r, &v32));
  assert_int_equal (v32, 0x9abcdef0);
  assert_true (nb_reader_u8 (&r, &v8));
  assert_int_equal (v8, 0x01);
  assert_true (nb_reader_expect_end (&r));
  assert_true (nb_reader_finish (&r, "test", NULL));

  nb_reader_init (&r, data, sizeof data);
  assert_true (nb_reader_le32 (&r, &v32));
  assert_int_equal (v32, 0x78563412);
  nb_reader_init (&r, data, sizeof data);
  assert_true (nb_reader_le64 (&r, &v64));
  assert_true (v64 == G_GUINT64_CONSTANT (0xf0debc9a78563412));
}

static void
test_sticky_error_leaves_outputs (void **state)
{
  NbReader r;
  guint32 v32 = 0xdeadbeef;
  guint8 v8 = 0x55;
  g_autoptr (GError) error = NULL;

  nb_reader_init (&r, data, 3);
  assert_false (nb_reader_be32 (&r, &v32));
  assert_int_equal (v32, 0xdeadbeef);
  assert_int_equal (nb_reader_pos (&r), 0);
  /* Sticky: a read that would fit now still fails. */
  assert_false (nb_reader_u8 (&r, &v8));
  assert_int_equal (v8, 0x55);
  assert_false (nb_reader_finish (&r, "frame", &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRUNCATED));
  assert_non_null (strstr (error->message, "needed 4 bytes at offset 0"));
}

static void
test_overflow_safe_lengths (void **state)
{
  NbReader r;
  const guint8 *p = NULL;

  nb_reader_init (&r, data, sizeof data);
  assert_true (nb_reader_skip (&r, 4));
  /* A length near SIZE_MAX must not wrap pos + n. */
  assert_false (nb_reader_bytes (&r, G_MAXSIZE - 2, &p));
  assert_null (p);
  assert_false (nb_reader_ok (&r));
}

static void
test_boundaries (void **state)
{
  NbReader r;
  const guint8 *p;

  nb_reader_init (&r, data, sizeof data);
  assert_true (nb_reader_bytes (&r, sizeof data, &p));
  assert_ptr_equal (p, data);
  assert_int_equal (nb_reader_remaining (&r), 0);
  assert_true (nb_reader_bytes (&r, 0, &p));
  assert_true (nb_reader_expect_end (&r));

  nb_reader_init (&r, NULL, 0);
  assert_true (nb_reader_expect_end (&r));
  assert_false (nb_reader_skip (&r, 1));
}

static void
test_sub_reader (void **state)
{
  NbReader r, sub;
  guint16 v;

  nb_reader_init (&r, data, sizeof data);
  assert_true (nb_reader_sub (&r, 2, &sub));
  assert_true (nb_reader_be16 (&sub, &v));
  assert_int_equal (v, 0x1234);
  assert_false (nb_reader_u8 (&sub, (guint8 *) &v));
  /* The parent is unaffected by the sub-reader's failure. */
  assert_true (nb_reader_ok (&r));
  assert_int_equal (nb_reader_pos (&r), 2);
  assert_false (nb_reader_sub (&r, 100, &sub));
  assert_false (nb_reader_ok (&r));
}

static void
test_expect_end_trailing (void **state)
{
  NbReader r;
  g_autoptr (GError) error = NULL;

  nb_reader_init (&r, data, sizeof data);
  assert_true (nb_reader_skip (&r, 8));
  assert_false (nb_reader_expect_end (&r));
  assert_false (nb_reader_finish (&r, "frame", &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRAILING_DATA));
}

static void
test_cstring (void **state)
{
  static const guint8 s[] = { 'A', 'B', 0, 'C', 'D', 'E' };
  NbReader r;
  const guint8 *p;
  gsize len;
  g_autoptr (GError) error = NULL;

  nb_reader_init (&r, s, sizeof s);
  assert_true (nb_reader_cstring (&r, 10, &p, &len));
  assert_int_equal (len, 2);
  assert_memory_equal (p, "AB", 2);
  assert_int_equal (nb_reader_pos (&r), 3);
  /* Unterminated. */
  assert_false (nb_reader_cstring (&r, 10, &p, &len));
  assert_false (nb_reader_finish (&r, "body", &error));
  assert_true (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED));

  /* Over the cap: "AB" is 2 bytes, cap 1. */
  nb_reader_init (&r, s, sizeof s);
  assert_false (nb_reader_cstring (&r, 1, &p, &len));
  /* Exactly the cap. */
  nb_reader_init (&r, s, sizeof s);
  assert_true (nb_reader_cstring (&r, 2, &p, &len));
}

static void
test_align_and_seek (void **state)
{
  NbReader r;
  guint8 v;

  nb_reader_init (&r, data, sizeof data);
  assert_true (nb_reader_u8 (&r, &v));
  assert_true (nb_reader_align (&r, 0, 4));
  assert_int_equal (nb_reader_pos (&r), 4);
  assert_true (nb_reader_align (&r, 0, 4));
  assert_int_equal (nb_reader_pos (&r), 4);
  assert_true (nb_reader_align (&r, 1, 4));
  assert_int_equal (nb_reader_pos (&r), 5);
  assert_true (nb_reader_seek (&r, 0));
  assert_true (nb_reader_u8 (&r, &v));
  assert_int_equal (v, 0x12);
  assert_false (nb_reader_seek (&r, sizeof data + 1));
  nb_reader_init (&r, data, sizeof data);
  assert_true (nb_reader_skip (&r, 7));
  assert_false (nb_reader_align (&r, 0, 16));
}

static void
test_copy_dup_peek (void **state)
{
  NbReader r;
  guint8 buf[3];
  g_autoptr (GBytes) b = NULL;
  guint8 v;

  nb_reader_init (&r, data, sizeof data);
  assert_true (nb_reader_peek_u8 (&r, &v));
  assert_int_equal (v, 0x12);
  assert_int_equal (nb_reader_pos (&r), 0);
  assert_true (nb_reader_copy (&r, buf, 3));
  assert_memory_equal (buf, data, 3);
  assert_true (nb_reader_dup (&r, 2, &b));
  assert_int_equal (g_bytes_get_size (b), 2);
  assert_memory_equal (g_bytes_get_data (b, NULL), data + 3, 2);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_endianness),
    cmocka_unit_test (test_sticky_error_leaves_outputs),
    cmocka_unit_test (test_overflow_safe_lengths),
    cmocka_unit_test (test_boundaries),
    cmocka_unit_test (test_sub_reader),
    cmocka_unit_test (test_expect_end_trailing),
    cmocka_unit_test (test_cstring),
    cmocka_unit_test (test_align_and_seek),
    cmocka_unit_test (test_copy_dup_peek),
  };
  return cmocka_run_group_tests_name ("reader", tests, NULL, NULL);
}

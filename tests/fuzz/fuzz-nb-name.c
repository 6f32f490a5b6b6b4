/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the NetBIOS name codec (lib/codec/nb-name.c).
 *
 * 1. nb_name_decode() without compression; a decoded name re-encodes to
 *    exactly the bytes it was read from (the encoding is canonical).
 * 2. _nb_name_read() with compression at an offset taken from the first two
 *    bytes; a decoded name survives encode -> decode unchanged.
 * 3. The input as UTF-8 text through nb_name_from_utf8(); a valid name
 *    survives to_utf8 -> from_utf8 unchanged.
 * abort() on any mismatch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nb-name-private.h"

static void
check_decode_plain (const uint8_t *data, size_t size)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autofree char *display = NULL;
  NbName name, again;
  gsize consumed = 0, consumed2 = 0;

  if (!nb_name_decode (data, size, &name, &consumed, NULL))
    return;
  if (consumed == 0 || consumed > size || consumed > NB_NAME_ENCODED_MAX)
    abort ();
  if (!nb_name_encode (&name, out, NULL))
    abort ();
  if (out->len != consumed || _nb_name_encoded_len (&name) != consumed ||
      memcmp (out->data, data, consumed) != 0)
    abort ();
  if (!nb_name_decode (out->data, out->len, &again, &consumed2, NULL) ||
      consumed2 != consumed || !_nb_name_identical (&name, &again) ||
      !nb_name_equal (&name, &again) || nb_name_hash (&name) != nb_name_hash (&again))
    abort ();
  display = nb_name_to_display (&name, NULL);
  if (display == NULL)
    abort ();
}

static void
check_read_compressed (const uint8_t *data, size_t size)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  NbReader r;
  NbName name, again;
  gsize pos;

  if (size < 3)
    return;
  pos = (((gsize) data[0] << 8) | data[1]) % size;
  nb_reader_init (&r, data, size);
  if (!nb_reader_seek (&r, pos))
    abort ();
  if (!_nb_name_read (&r, data, size, TRUE, &name)) {
    if (nb_reader_ok (&r))
      abort ();
    return;
  }
  if (nb_reader_pos (&r) <= pos)
    abort ();
  if (!nb_name_encode (&name, out, NULL) ||
      !nb_name_decode (out->data, out->len, &again, NULL, NULL) ||
      !_nb_name_identical (&name, &again))
    abort ();
}

static void
check_text (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autofree char *back = NULL;
  NbName name, again;

  if (!nb_name_from_utf8 (&name, text, 0x03, "CP850", NULL))
    return;
  back = nb_name_to_utf8 (&name, "CP850");
  if (!nb_name_from_utf8 (&again, back, 0x03, "CP850", NULL) ||
      !_nb_name_identical (&name, &again))
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > 4096)
    return 0;
  check_decode_plain (data, size);
  check_read_compressed (data, size);
  if (size <= 64)
    check_text (data, size);
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vectors.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>

static JsonArray *
frames (void)
{
  static JsonParser *parser;
  const char *path;
  g_autoptr (GError) error = NULL;

  if (parser == NULL) {
    path = g_getenv ("NETSEND_VECTORS");
    if (path == NULL) {
      fprintf (stderr, "NETSEND_VECTORS is not set (run the test through meson test)\n");
      abort ();
    }
    parser = json_parser_new ();
    if (!json_parser_load_from_file (parser, path, &error)) {
      fprintf (stderr, "cannot load %s: %s\n", path, error->message);
      abort ();
    }
  }
  return json_node_get_array (json_parser_get_root (parser));
}

GBytes *
tv_hex (const char *hex)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  int hi = -1;

  for (const char *p = hex; *p != '\0'; p++) {
    int v = g_ascii_xdigit_value (*p);

    if (g_ascii_isspace (*p))
      continue;
    if (v < 0) {
      fprintf (stderr, "bad hex digit '%c' in test vector\n", *p);
      abort ();
    }
    if (hi < 0) {
      hi = v;
    } else {
      guint8 b = (guint8) (hi << 4 | v);

      g_byte_array_append (out, &b, 1);
      hi = -1;
    }
  }
  if (hi >= 0) {
    fprintf (stderr, "odd number of hex digits in test vector\n");
    abort ();
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

GBytes *
tv_nth (const char *name, guint i, const char **ret_label)
{
  JsonArray *arr = frames ();

  for (guint k = 0; k < json_array_get_length (arr); k++) {
    JsonObject *o = json_array_get_object_element (arr, k);

    if (!g_str_equal (json_object_get_string_member (o, "name"), name))
      continue;
    if (i-- > 0)
      continue;
    if (ret_label != NULL)
      *ret_label = json_object_get_string_member (o, "label");
    return tv_hex (json_object_get_string_member (o, "payload_hex"));
  }
  return NULL;
}

guint
tv_count (const char *name)
{
  guint n = 0;
  GBytes *b;

  while ((b = tv_nth (name, n, NULL)) != NULL) {
    g_bytes_unref (b);
    n++;
  }
  return n;
}

GBytes *
tv_lookup (const char *name, const char *label)
{
  const char *l;
  GBytes *b;

  for (guint i = 0; (b = tv_nth (name, i, &l)) != NULL; i++) {
    if (g_str_equal (l, label))
      return b;
    g_bytes_unref (b);
  }
  fprintf (stderr, "no golden vector name=\"%s\" label=\"%s\"\n", name, label);
  abort ();
}

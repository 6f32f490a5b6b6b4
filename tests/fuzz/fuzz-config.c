/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Fuzz target for the netsendd configuration parser (daemon/config.c).
 * Round trip: a file that loads is written back with
 * ns_daemon_config_to_data(); that text must load again to an equal
 * configuration, with no unknown group or key (warnings about values, such
 * as a WINS server on a b-node, rightly come back). */

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (NsDaemonConfig) first = NULL;
  g_autoptr (NsDaemonConfig) second = NULL;
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  /* Config files are small; GKeyFile is linear, but keep runs fast. */
  if (size > 16384)
    return 0;
  if (!ns_daemon_config_load_data ((const char *) data, (gssize) size, &first, warnings, NULL))
    return 0;
  text = ns_daemon_config_to_data (first);
  g_ptr_array_set_size (warnings, 0);
  if (!ns_daemon_config_load_data (text, -1, &second, warnings, &error)) {
    g_printerr ("round trip failed: %s\n--- written ---\n%s", error->message, text);
    abort ();
  }
  for (guint i = 0; i < warnings->len; i++) {
    if (strstr (g_ptr_array_index (warnings, i), "unknown") != NULL) {
      g_printerr ("round trip warns: %s\n", (char *) g_ptr_array_index (warnings, i));
      abort ();
    }
  }
  if (!ns_daemon_config_equal (first, second)) {
    g_autofree char *again = ns_daemon_config_to_data (second);

    g_printerr ("round trip differs:\n%s--- vs ---\n%s", text, again);
    abort ();
  }
  return 0;
}

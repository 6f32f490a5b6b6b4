/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Replays fuzz inputs without libFuzzer: every file named on the command
 * line, or every file inside a directory named there, is passed once to
 * LLVMFuzzerTestOneInput. A crash or sanitizer report fails the test. */

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
run_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &data, &len, &error)) {
    fprintf (stderr, "%s\n", error->message);
    return 1;
  }
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  return 0;
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static int
run_dir (const char *dir, guint *count)
{
  g_autoptr (GDir) d = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  int rc = 0;

  d = g_dir_open (dir, 0, &error);
  if (d == NULL) {
    fprintf (stderr, "%s\n", error->message);
    return 1;
  }
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  /* Sorted, so a failure reproduces in the same order. */
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++) {
    rc |= run_file (g_ptr_array_index (names, i));
    (*count)++;
  }
  return rc;
}

int
main (int argc, char **argv)
{
  guint count = 0;
  int rc = 0;

  for (int i = 1; i < argc; i++) {
    if (g_file_test (argv[i], G_FILE_TEST_IS_DIR)) {
      rc |= run_dir (argv[i], &count);
    } else {
      rc |= run_file (argv[i]);
      count++;
    }
  }
  /* An empty input is always worth one run. */
  LLVMFuzzerTestOneInput ((const uint8_t *) "", 0);
  printf ("%s: replayed %u inputs\n", argv[0], count + 1);
  return rc;
}

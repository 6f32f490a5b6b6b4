/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "cli-common.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "control-errors.h"

void
cli_init (void)
{
  setlocale (LC_ALL, "");
  /* INFO/DEBUG would otherwise go to stdout and corrupt --json
   * (ECOSYSTEM.md §2). */
  g_log_writer_default_set_use_stderr (TRUE);
  /* Registers the org.netsend.Error.* names before the first call. */
  (void) ns_control_error_quark ();
}

static const CliSwitch *
find_switch (const char *arg, const CliSwitch *switches, const char **ret_value)
{
  const char *body = arg + 1;

  for (const CliSwitch *s = switches; s->windows != NULL; s++) {
    gsize n = strlen (s->windows);

    if (g_ascii_strncasecmp (body, s->windows, n) != 0)
      continue;
    if (body[n] == '\0') {
      *ret_value = NULL;
      return s;
    }
    if (s->takes_value && body[n] == ':' && body[n + 1] != '\0') {
      *ret_value = body + n + 1;
      return s;
    }
  }
  return NULL;
}

char **
cli_rewrite_switches (int argc, char **argv, const CliSwitch *switches,
                      gboolean stop_at_positional)
{
  g_autoptr (GStrvBuilder) out = g_strv_builder_new ();
  gboolean rewriting = TRUE;

  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    const CliSwitch *s;
    const char *value = NULL;

    if (i == 0 || !rewriting) {
      g_strv_builder_add (out, arg);
      continue;
    }
    if (strcmp (arg, "--") == 0)
      rewriting = FALSE;
    if (arg[0] == '/' && (strcmp (arg, "/?") == 0 || g_ascii_strcasecmp (arg, "/help") == 0)) {
      g_strv_builder_add (out, "--help");
      continue;
    }
    if (arg[0] == '/' && (s = find_switch (arg, switches, &value)) != NULL) {
      g_autofree char *gnu = value ? g_strdup_printf ("%s=%s", s->gnu, value) : g_strdup (s->gnu);

      g_strv_builder_add (out, gnu);
      continue;
    }
    if (stop_at_positional && arg[0] != '-')
      rewriting = FALSE;
    g_strv_builder_add (out, arg);
  }
  return g_strv_builder_end (out);
}

guint
cli_error_nerr (const GError *error)
{
  if (error == NULL || error->domain != NS_CONTROL_ERROR)
    return 0;
  return ns_control_error_info (error->code)->nerr;
}

int
cli_exit_code (const GError *error)
{
  if (error == NULL)
    return CLI_EXIT_OK;
  if (error->domain == G_OPTION_ERROR)
    return CLI_EXIT_USAGE;
  if (error->domain != NS_CONTROL_ERROR)
    return CLI_EXIT_PROTOCOL;
  switch ((NsControlError) error->code) {
    case NS_CONTROL_ERROR_INVALID_NAME: return CLI_EXIT_DATAERR;
    case NS_CONTROL_ERROR_ACCESS_DENIED: return CLI_EXIT_NOPERM;
    case NS_CONTROL_ERROR_NOT_RUNNING: return CLI_EXIT_UNAVAILABLE;
    default: return CLI_EXIT_NERR;
  }
}

void
cli_print_error (const char *prog, const GError *error, const char *hint)
{
  guint nerr = cli_error_nerr (error);

  g_printerr ("%s: %s\n", prog, error->message);
  if (nerr != 0) {
    const NsControlErrorInfo *info = ns_control_error_info (error->code);

    /* NET.EXE prints the system text and the number to look up. */
    g_printerr ("%s (%s %u)\n", info->text, nerr >= 2100 ? "NERR" : "error", nerr);
  }
  if (hint != NULL)
    g_printerr ("%s\n", hint);
}

void
cli_json_add_error (JsonBuilder *builder, const GError *error)
{
  guint nerr = cli_error_nerr (error);

  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  if (error->domain == NS_CONTROL_ERROR) {
    json_builder_set_member_name (builder, "code");
    json_builder_add_string_value (builder, ns_control_error_info (error->code)->dbus_name);
  }
  if (nerr != 0) {
    json_builder_set_member_name (builder, "nerr");
    json_builder_add_int_value (builder, nerr);
  }
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, error->message);
  json_builder_end_object (builder);
}

void
cli_print_json (JsonNode *root)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}

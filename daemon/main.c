/* SPDX-License-Identifier: GPL-3.0-or-later */

/* netsendd: options, configuration, bind, drop privileges, run (STYLE.md
 * practice 12). Everything else lives in the modules.
 *
 *   netsendd [--config FILE] [--check-config] [--verbose]
 *
 * Runs in the foreground (systemd style). SIGTERM/SIGINT release the names
 * on the wire and exit (a second signal exits at once); SIGHUP re-reads the
 * configuration: aliases, log-level, admin-group and [policy] apply at
 * once, everything else waits for a restart (and is logged as such). */

#define G_LOG_DOMAIN "netsendd"

#include "../config.h" /* the build's PACKAGE_VERSION, SYSCONFDIR */

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <sysexits.h>

#include "config.h"
#include "logging.h"
#include "manager.h"
#include "privdrop.h"

#define DEFAULT_CONFIG SYSCONFDIR "/netsend/netsendd.conf"

typedef struct {
  GMainLoop *loop;
  NsManager *manager;
  const char *config_path;
  gboolean config_explicit;
  gboolean stopping;
} Daemon;

static char *opt_config;
static gboolean opt_check;
static gboolean opt_verbose;
static gboolean opt_version;

static const GOptionEntry entries[] = {
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
    "Configuration file (default " DEFAULT_CONFIG ")", "FILE" },
  { "check-config", 'n', 0, G_OPTION_ARG_NONE, &opt_check,
    "Check the configuration, print \"configuration OK\" or the errors, and exit", NULL },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Log at debug level", NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL },
  { NULL }
};

/* Loads the configuration. A missing default file means the defaults (a
 * fresh install); a missing explicit one is an error. */
static gboolean
load_config (const Daemon *d, gboolean to_stderr, NsDaemonConfig **ret, GError **error)
{
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);

  if (!d->config_explicit && !g_file_test (d->config_path, G_FILE_TEST_EXISTS)) {
    *ret = ns_daemon_config_new_default ();
    g_info ("%s does not exist: using the defaults", d->config_path);
    return TRUE;
  }
  if (!ns_daemon_config_load_file (d->config_path, ret, warnings, error))
    return FALSE;
  for (guint i = 0; i < warnings->len; i++) {
    if (to_stderr)
      g_printerr ("%s: warning: %s\n", d->config_path, (char *) g_ptr_array_index (warnings, i));
    else
      g_warning ("%s: %s", d->config_path, (char *) g_ptr_array_index (warnings, i));
  }
  return TRUE;
}

static void
on_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Daemon *d = user_data;

  ns_manager_stop_finish (d->manager, result, NULL);
  g_main_loop_quit (d->loop);
}

static gboolean
on_terminate (gpointer user_data)
{
  Daemon *d = user_data;

  if (d->stopping) {
    g_message ("Second signal: exiting without waiting for the releases");
    g_main_loop_quit (d->loop);
    return G_SOURCE_CONTINUE;
  }
  d->stopping = TRUE;
  ns_manager_stop_async (d->manager, on_stopped, d);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_reload (gpointer user_data)
{
  Daemon *d = user_data;
  NsDaemonConfig *config = NULL;
  g_autoptr (GError) error = NULL;

  if (d->stopping)
    return G_SOURCE_CONTINUE;
  if (!load_config (d, FALSE, &config, &error)) {
    g_warning ("Reload failed, keeping the running configuration: %s", error->message);
    return G_SOURCE_CONTINUE;
  }
  ns_manager_reload (d->manager, config);
  return G_SOURCE_CONTINUE;
}

static int
check_config (const Daemon *d)
{
  g_autoptr (NsDaemonConfig) config = NULL;
  g_autoptr (GError) error = NULL;

  if (!load_config (d, TRUE, &config, &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  printf ("configuration OK\n");
  return 0;
}

static int
run (Daemon *d)
{
  NsDaemonConfig *config = NULL;
  g_autoptr (GError) error = NULL;

  if (!load_config (d, FALSE, &config, &error)) {
    g_printerr ("netsendd: %s\n", error->message);
    return EX_CONFIG;
  }
  ns_logging_set_level (config->log_level);
  /* Privileged part: ports and the control socket. */
  d->manager = ns_manager_new (config, &error);
  if (d->manager == NULL
      || !ns_privdrop (config->user, ns_manager_get_owned_paths (d->manager), &error)
      || !ns_manager_start (d->manager, &error)) {
    g_printerr ("netsendd: %s\n", error->message);
    return 1;
  }
  d->loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_terminate, d);
  g_unix_signal_add (SIGINT, on_terminate, d);
  g_unix_signal_add (SIGHUP, on_reload, d);
  g_main_loop_run (d->loop);
  g_message ("Stopped");
  return 0;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  Daemon d = { 0 };
  int rc;

  setlocale (LC_ALL, "");
  /* A write to a closed control connection must not kill the daemon. */
  signal (SIGPIPE, SIG_IGN);
  g_option_context_set_summary (context, "The Net Send (Windows Messenger) daemon: registers "
                                "this host's NetBIOS names and serves the control API.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc > 1) {
    g_printerr ("netsendd: %s\n", error ? error->message : "unexpected argument");
    return EX_USAGE;
  }
  if (opt_version) {
    printf ("netsendd %s\n", PACKAGE_VERSION);
    return 0;
  }
  ns_logging_init (opt_verbose);
  d.config_path = opt_config ? opt_config : DEFAULT_CONFIG;
  d.config_explicit = opt_config != NULL;
  rc = opt_check ? check_config (&d) : run (&d);
  g_clear_pointer (&d.manager, ns_manager_free);
  g_clear_pointer (&d.loop, g_main_loop_unref);
  g_free (opt_config);
  return rc;
}

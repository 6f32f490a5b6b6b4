/* SPDX-License-Identifier: GPL-3.0-or-later */

/* [delivery] hook; see delivery-hook.h. GSubprocess does fork/exec and
 * the pipes (ECOSYSTEM.md §2, "Hooks"); the text goes to stdin with an
 * async write, the exit is awaited with an async wait, and a timeout kills
 * the hook's whole process group. */

#define G_LOG_DOMAIN "netsendd"

#include "delivery-hook.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "delivery-util.h"
#include "delivery.h"

/* What the daemon passes on from its own environment (everything else,
 * e.g. NOTIFY_SOCKET or credentials, stays with the daemon). */
static const char *const kept_env[] = { "PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", NULL };
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The hook as prepared from the config; rebuilt when [delivery] hook or
 * hook-user change. */
typedef struct {
  char *hook;      /* as in the config: the cache key */
  char *hook_user;
  char **argv;     /* NULL: hooks are refused (logged once) */
  gboolean switch_user;
  uid_t uid;
  gid_t gid;
  char *home;
} Prepared;

struct _NsHookRunner {
  const NsDaemonConfig *config;
  Prepared prepared;
  GQueue queue; /* NsStoredMessage */
  GHashTable *running; /* HookJob set */
  NsHookCounters counters;
};

typedef struct {
  NsHookRunner *runner; /* NULL once the runner is gone */
  gint64 id;
  GSubprocess *proc;
  GCancellable *cancel;
  GSource *timeout;
  GBytes *text;
  int pending; /* the stdin write and the wait */
  gboolean timed_out;
  pid_t pid;
  /* For the child (copied: it must not touch the runner after fork). */
  gboolean switch_user;
  uid_t uid;
  gid_t gid;
} HookJob;

static void start_next (NsHookRunner *runner);

static void
prepared_clear (Prepared *p)
{
  g_clear_pointer (&p->hook, g_free);
  g_clear_pointer (&p->hook_user, g_free);
  g_clear_pointer (&p->argv, g_strfreev);
  g_clear_pointer (&p->home, g_free);
  p->switch_user = FALSE;
}

/* Decides who the hook runs as; FALSE (logged) when it must not run. */
static gboolean
choose_user (Prepared *p, const char *hook_user)
{
  uid_t euid = geteuid ();
  struct passwd *pw = getpwuid (euid);
  g_autofree char *me = g_strdup (pw != NULL ? pw->pw_name : NULL);

  if (euid != 0) {
    if (hook_user != NULL && g_strcmp0 (hook_user, me) != 0) {
      g_warning ("[delivery] hook-user = %s, but netsendd runs as %s and cannot switch users: "
                 "hooks are not run (leave hook-user unset, or set it to %s)", hook_user,
                 me ? me : "?", me ? me : "the daemon's user");
      return FALSE;
    }
    p->home = g_strdup (pw != NULL ? pw->pw_dir : "/");
    return TRUE;
  }
  if (hook_user == NULL) {
    g_warning ("netsendd runs as root: hooks are not run as root unless [delivery] hook-user "
               "says so; set hook-user to an unprivileged user");
    return FALSE;
  }
  pw = getpwnam (hook_user);
  if (pw == NULL) {
    g_warning ("[delivery] hook-user %s does not exist: hooks are not run", hook_user);
    return FALSE;
  }
  p->switch_user = pw->pw_uid != 0;
  p->uid = pw->pw_uid;
  p->gid = pw->pw_gid;
  p->home = g_strdup (pw->pw_dir);
  return TRUE;
}

static void
prepare (NsHookRunner *runner)
{
  const NsDaemonConfig *cfg = runner->config;
  Prepared *p = &runner->prepared;
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) error = NULL;

  if (g_strcmp0 (p->hook, cfg->hook) == 0 && g_strcmp0 (p->hook_user, cfg->hook_user) == 0)
    return;
  prepared_clear (p);
  p->hook = g_strdup (cfg->hook);
  p->hook_user = g_strdup (cfg->hook_user);
  if (cfg->hook == NULL || cfg->hook[0] == '\0')
    return;
  /* The config parser checked it already; a failure here is a bug. */
  if (!ns_daemon_config_parse_command (cfg->hook, &argv, &error)) {
    g_warning ("[delivery] hook: %s", error->message);
    return;
  }
  if (!choose_user (p, cfg->hook_user))
    return;
  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    g_warning ("[delivery] hook: %s is not an executable file (yet?)", argv[0]);
  p->argv = g_steal_pointer (&argv);
  g_info ("[delivery] hook: %s", cfg->hook);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void
child_setup (gpointer user_data)
{
  const HookJob *job = user_data;
  struct sigaction dfl = { 0 };

  /* The daemon ignores SIGPIPE; a script expects the default. */
  dfl.sa_handler = SIG_DFL;
  sigaction (SIGPIPE, &dfl, NULL);
  /* Its own session and process group: no controlling terminal, and a
   * timeout can kill everything it started. */
  setsid ();
  if (job->switch_user
      && (setgroups (1, &job->gid) < 0 || setgid (job->gid) < 0 || setuid (job->uid) < 0))
    _exit (126);
}

static char **
build_env (const NsHookRunner *runner, const NsStoredMessage *msg)
{
  g_auto (GStrv) own = g_get_environ ();
  g_autoptr (GStrvBuilder) base = g_strv_builder_new ();
  g_auto (GStrv) base_env = NULL;
  g_autofree char *home = g_strconcat ("HOME=", runner->prepared.home ? runner->prepared.home
                                                                      : "/", NULL);

  for (const char *const *k = kept_env; *k != NULL; k++) {
    const char *v = g_environ_getenv (own, *k);

    if (v != NULL) {
      g_autofree char *entry = g_strconcat (*k, "=", v, NULL);

      g_strv_builder_add (base, entry);
    }
  }
  if (g_environ_getenv (own, "PATH") == NULL)
    g_strv_builder_add (base, "PATH=" DEFAULT_PATH);
  /* The text on stdin is UTF-8. */
  if (g_environ_getenv (own, "LANG") == NULL && g_environ_getenv (own, "LC_ALL") == NULL)
    g_strv_builder_add (base, "LANG=C.UTF-8");
  g_strv_builder_add (base, home);
  base_env = g_strv_builder_end (base);
  return ns_delivery_hook_env (msg, (const char *const *) base_env);
}

static void
hook_job_free (HookJob *job)
{
  if (job->timeout != NULL) {
    g_source_destroy (job->timeout);
    g_source_unref (job->timeout);
  }
  g_clear_object (&job->proc);
  g_clear_object (&job->cancel);
  g_clear_pointer (&job->text, g_bytes_unref);
  g_free (job);
}

static void
report_exit (NsHookRunner *runner, HookJob *job)
{
  GSubprocess *proc = job->proc;

  if (job->timed_out) {
    runner->counters.timed_out++;
    g_warning ("Hook for message %" G_GINT64_FORMAT " did not finish within %u s and was killed",
               job->id, runner->config->hook_timeout_s);
  } else if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0) {
    runner->counters.succeeded++;
    g_debug ("Hook for message %" G_GINT64_FORMAT " done", job->id);
  } else if (g_subprocess_get_if_exited (proc)) {
    runner->counters.failed++;
    g_warning ("Hook for message %" G_GINT64_FORMAT " exited with status %d%s", job->id,
               g_subprocess_get_exit_status (proc),
               g_subprocess_get_exit_status (proc) == 126 && job->switch_user
                 ? " (could not switch to hook-user?)" : "");
  } else {
    runner->counters.failed++;
    g_warning ("Hook for message %" G_GINT64_FORMAT " was killed by signal %d", job->id,
               g_subprocess_get_if_signaled (proc) ? g_subprocess_get_term_sig (proc) : 0);
  }
}

/* One of the two async operations is over; the last one ends the job. */
static void
job_step_done (HookJob *job)
{
  NsHookRunner *runner = job->runner;

  if (--job->pending > 0)
    return;
  if (runner != NULL) {
    report_exit (runner, job);
    g_hash_table_remove (runner->running, job);
    start_next (runner);
  }
  hook_job_free (job);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HookJob *job = user_data;
  g_autoptr (GError) error = NULL;

  /* A hook that does not read its stdin is fine: EPIPE is not an error. */
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Hook for message %" G_GINT64_FORMAT ": writing its stdin: %s", job->id,
             error->message);
  g_output_stream_close (G_OUTPUT_STREAM (source), NULL, NULL);
  job_step_done (job);
}

static void
on_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HookJob *job = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  /* Stop feeding a hook that is gone (its children may hold the pipe). */
  g_cancellable_cancel (job->cancel);
  job_step_done (job);
}

static gboolean
on_timeout (gpointer user_data)
{
  HookJob *job = user_data;

  job->timed_out = TRUE;
  /* The whole group: a shell script's children too (child_setup made
   * the hook a group leader). */
  if (job->pid > 0)
    kill (-job->pid, SIGKILL);
  g_subprocess_force_exit (job->proc);
  g_clear_pointer (&job->timeout, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
spawn (NsHookRunner *runner, HookJob *job, const NsStoredMessage *msg, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_auto (GStrv) env = build_env (runner, msg);
  const char *ident;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_environ (launcher, env);
  g_subprocess_launcher_set_cwd (launcher, "/");
  job->switch_user = runner->prepared.switch_user;
  job->uid = runner->prepared.uid;
  job->gid = runner->prepared.gid;
  g_subprocess_launcher_set_child_setup (launcher, child_setup, job, NULL);
  job->proc = g_subprocess_launcher_spawnv (launcher,
                                            (const char *const *) runner->prepared.argv, error);
  if (job->proc == NULL)
    return FALSE;
  ident = g_subprocess_get_identifier (job->proc);
  job->pid = ident != NULL ? (pid_t) g_ascii_strtoll (ident, NULL, 10) : 0;
  return TRUE;
}

static void
start_job (NsHookRunner *runner, NsStoredMessage *msg)
{
  HookJob *job = g_new0 (HookJob, 1);
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const char *text = msg->text != NULL ? msg->text : "";

  job->runner = runner;
  job->id = msg->id;
  job->cancel = g_cancellable_new ();
  len = strlen (text);
  job->text = g_bytes_new (text, len);
  runner->counters.started++;
  if (!spawn (runner, job, msg, &error)) {
    runner->counters.failed++;
    g_warning ("Hook for message %" G_GINT64_FORMAT " could not start: %s", msg->id,
               error->message);
    hook_job_free (job);
    return;
  }
  g_hash_table_add (runner->running, job);
  job->pending = 2;
  g_output_stream_write_all_async (g_subprocess_get_stdin_pipe (job->proc),
                                   g_bytes_get_data (job->text, NULL), len, G_PRIORITY_DEFAULT,
                                   job->cancel, on_written, job);
  g_subprocess_wait_async (job->proc, NULL, on_exited, job);
  job->timeout = g_timeout_source_new_seconds (runner->config->hook_timeout_s);
  g_source_set_callback (job->timeout, on_timeout, job, NULL);
  g_source_attach (job->timeout, NULL);
}

static void
start_next (NsHookRunner *runner)
{
  while (g_hash_table_size (runner->running) < NS_DELIVERY_MAX_HOOKS
         && !g_queue_is_empty (&runner->queue)) {
    g_autoptr (NsStoredMessage) msg = g_queue_pop_head (&runner->queue);

    prepare (runner);
    if (runner->prepared.argv == NULL) {
      /* The hook went away or became unusable while this waited. */
      runner->counters.dropped++;
      continue;
    }
    start_job (runner, msg);
  }
}

NsHookRunner *
ns_hook_runner_new (const NsDaemonConfig *config)
{
  NsHookRunner *runner = g_new0 (NsHookRunner, 1);

  runner->config = config;
  g_queue_init (&runner->queue);
  runner->running = g_hash_table_new (NULL, NULL);
  prepare (runner);
  return runner;
}

void
ns_hook_runner_free (NsHookRunner *runner)
{
  GHashTableIter iter;
  gpointer key;

  if (runner == NULL)
    return;
  /* Running hooks finish on their own; their callbacks find no runner. */
  g_hash_table_iter_init (&iter, runner->running);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    HookJob *job = key;

    job->runner = NULL;
    if (job->timeout != NULL) {
      g_source_destroy (job->timeout);
      g_clear_pointer (&job->timeout, g_source_unref);
    }
  }
  g_hash_table_unref (runner->running);
  g_queue_clear_full (&runner->queue, (GDestroyNotify) ns_stored_message_free);
  prepared_clear (&runner->prepared);
  g_free (runner);
}

void
ns_hook_runner_run (NsHookRunner *runner, const NsStoredMessage *msg)
{
  g_return_if_fail (runner != NULL && msg != NULL);
  prepare (runner);
  if (runner->prepared.hook == NULL || runner->prepared.hook[0] == '\0')
    return;
  if (runner->prepared.argv == NULL) {
    runner->counters.dropped++;
    return;
  }
  if (g_queue_get_length (&runner->queue) >= NS_DELIVERY_HOOK_QUEUE_MAX) {
    runner->counters.dropped++;
    /* Bounded: only every 100th drop is logged. */
    if (runner->counters.dropped % 100 == 1)
      g_warning ("Hook queue full (%u waiting): message %" G_GINT64_FORMAT " gets no hook run "
                 "(%" G_GUINT64_FORMAT " so far); it is in the inbox",
                 NS_DELIVERY_HOOK_QUEUE_MAX, msg->id, runner->counters.dropped);
    return;
  }
  g_queue_push_tail (&runner->queue, ns_stored_message_copy (msg));
  start_next (runner);
}

void
ns_hook_runner_get_counters (NsHookRunner *runner, NsHookCounters *ret)
{
  *ret = runner->counters;
  ret->running = g_hash_table_size (runner->running);
  ret->queued = g_queue_get_length (&runner->queue);
}

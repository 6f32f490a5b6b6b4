/* SPDX-License-Identifier: GPL-3.0-or-later */

/* [delivery] terminals; see delivery-tty.h. The rules (who, which line,
 * which bytes) are in delivery-util.c; this file does the I/O. */

#define G_LOG_DOMAIN "netsendd"

#include "delivery-tty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmpx.h>

#include "delivery-util.h"

struct _NsTtyWriter {
  GThreadPool *pool;
  /* Written by the worker, read by the main thread: atomics. */
  gint messages, written, skipped, failed, dropped;
  gint eacces_logged;
  gint stopping;
};

typedef struct {
  NsTtyWriter *writer;
  gint64 id;
  char *to;
  char *computer_name;
  GBytes *text;
} TtyJob;

static void
tty_job_free (TtyJob *job)
{
  g_free (job->to);
  g_free (job->computer_name);
  g_bytes_unref (job->text);
  g_free (job);
}

static void
count (gint *counter)
{
  g_atomic_int_inc (counter);
}

/* getpwnam_r: the main thread uses getpwnam() (control.c). */
static gboolean
lookup_uid (const char *name, uid_t *ret_uid)
{
  struct passwd pw, *result = NULL;
  char buf[4096];

  if (name == NULL || name[0] == '\0')
    return FALSE;
  if (getpwnam_r (name, &pw, buf, sizeof buf, &result) != 0 || result == NULL)
    return FALSE;
  *ret_uid = pw.pw_uid;
  return TRUE;
}

static gboolean
user_exists (const char *name, gpointer user_data)
{
  g_autofree char *copy = g_strchomp (g_strdup (name));
  g_autofree char *lower = g_utf8_validate (copy, -1, NULL) ? g_utf8_strdown (copy, -1) : NULL;
  uid_t uid;

  /* NetBIOS names arrive upper case; logins are usually lower case. */
  return lookup_uid (copy, &uid) || (lower != NULL && lookup_uid (lower, &uid));
}

/* The logged-in sessions. Only the worker thread reads utmp, so the
 * non-reentrant getutxent() is safe here. */
static GPtrArray *
read_sessions (void)
{
  GPtrArray *sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_login_session_free);
  struct utmpx *u;

  setutxent ();
  while ((u = getutxent ()) != NULL && sessions->len < NS_TTY_MAX_TERMINALS * 4) {
    char user[sizeof u->ut_user + 1];
    char line[sizeof u->ut_line + 1];

    if (u->ut_type != USER_PROCESS)
      continue;
    /* A stale record (its login process is gone) has no one behind it. */
    if (u->ut_pid > 0 && kill (u->ut_pid, 0) < 0 && errno == ESRCH)
      continue;
    g_strlcpy (user, u->ut_user, sizeof user);
    g_strlcpy (line, u->ut_line, sizeof line);
    g_ptr_array_add (sessions, ns_login_session_new (user, line));
  }
  endutxent ();
  return sessions;
}

static gboolean
write_bounded (int fd, GBytes *bytes, const char **ret_why)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gint64 deadline = g_get_monotonic_time () + NS_TTY_WRITE_TIMEOUT_MS * 1000;
  gsize off = 0;

  while (off < len) {
    ssize_t n = write (fd, data + off, len - off);

    if (n > 0) {
      off += (gsize) n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      gint64 left = deadline - g_get_monotonic_time ();
      struct pollfd p = { fd, POLLOUT, 0 };

      if (left <= 0) {
        *ret_why = "the terminal did not take the text in time";
        return FALSE;
      }
      (void) poll (&p, 1, (int) (left / 1000) + 1);
    } else {
      *ret_why = g_strerror (n < 0 ? errno : EIO);
      return FALSE;
    }
  }
  return TRUE;
}

static void
log_open_failure (NsTtyWriter *w, const TtyJob *job, const char *path, int err)
{
  if (err == EACCES && g_atomic_int_compare_and_exchange (&w->eacces_logged, 0, 1)) {
    /* Once: every terminal fails the same way until the unit changes. */
    g_warning ("Cannot write message %" G_GINT64_FORMAT " to %s: %s. Writing to terminals "
               "needs the tty group: add SupplementaryGroups=tty to netsendd.service "
               "(systemctl edit netsendd), or set [delivery] terminals = no",
               job->id, path, g_strerror (err));
    return;
  }
  g_debug ("Message %" G_GINT64_FORMAT ": cannot open %s: %s", job->id, path, g_strerror (err));
}

static void
write_session (NsTtyWriter *w, const TtyJob *job, const NsLoginSession *s)
{
  g_autofree char *path = ns_delivery_tty_path (s->line);
  const char *why = NULL;
  struct stat st;
  uid_t uid;
  int fd;

  if (path == NULL || !lookup_uid (s->user, &uid)) {
    count (&w->skipped);
    return;
  }
  /* O_NOCTTY: never become our controlling terminal; O_NONBLOCK: never
   * wait on open (modem lines) or on a full output buffer. */
  fd = open (path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    log_open_failure (w, job, path, errno);
    count (&w->failed);
    return;
  }
  /* Checked on the opened file, not the path: no race with a swapped node. */
  if (fstat (fd, &st) < 0 || !isatty (fd)) {
    why = "not a terminal";
  } else if (!ns_delivery_tty_allowed (st.st_mode, st.st_uid, uid, &why)) {
    /* why is set */
  }
  if (why != NULL) {
    g_debug ("Message %" G_GINT64_FORMAT ": not writing to %s (%s): %s", job->id, path, s->user,
             why);
    count (&w->skipped);
  } else if (!write_bounded (fd, job->text, &why)) {
    g_info ("Message %" G_GINT64_FORMAT ": writing to %s (%s) failed: %s", job->id, path,
            s->user, why);
    count (&w->failed);
  } else {
    g_debug ("Message %" G_GINT64_FORMAT " written to %s (%s)", job->id, path, s->user);
    count (&w->written);
  }
  close (fd);
}

static void
run_job (gpointer data, gpointer user_data)
{
  TtyJob *job = data;
  NsTtyWriter *w = user_data;
  g_autoptr (GPtrArray) sessions = NULL;
  g_autoptr (GPtrArray) chosen = NULL;

  if (g_atomic_int_get (&w->stopping)) {
    tty_job_free (job);
    return;
  }
  sessions = read_sessions ();
  chosen = ns_delivery_select_sessions (job->to, job->computer_name, sessions, user_exists, NULL);
  count (&w->messages);
  for (guint i = 0; i < chosen->len && i < NS_TTY_MAX_TERMINALS; i++)
    write_session (w, job, g_ptr_array_index (chosen, i));
  if (chosen->len == 0)
    g_debug ("Message %" G_GINT64_FORMAT ": no logged-in recipient", job->id);
  tty_job_free (job);
}

NsTtyWriter *
ns_tty_writer_new (void)
{
  NsTtyWriter *w = g_new0 (NsTtyWriter, 1);

  /* One thread: messages reach each terminal in order. Not exclusive, so
   * the thread goes away when idle. */
  w->pool = g_thread_pool_new (run_job, w, 1, FALSE, NULL);
  return w;
}

void
ns_tty_writer_free (NsTtyWriter *writer)
{
  if (writer == NULL)
    return;
  /* Queued jobs see the flag and only free themselves (dropping them with
   * immediate = TRUE would leak them: GThreadPool has no free function). */
  g_atomic_int_set (&writer->stopping, 1);
  if (writer->pool != NULL)
    g_thread_pool_free (writer->pool, FALSE, TRUE);
  g_free (writer);
}

void
ns_tty_writer_deliver (NsTtyWriter *writer, const NsStoredMessage *msg,
                       const char *computer_name)
{
  TtyJob *job;

  g_return_if_fail (writer != NULL && msg != NULL);
  if (g_thread_pool_unprocessed (writer->pool) >= NS_TTY_QUEUE_MAX) {
    count (&writer->dropped);
    g_info ("Message %" G_GINT64_FORMAT " not written to terminals: %u messages are waiting",
            msg->id, NS_TTY_QUEUE_MAX);
    return;
  }
  job = g_new0 (TtyJob, 1);
  job->writer = writer;
  job->id = msg->id;
  job->to = g_strdup (msg->to);
  job->computer_name = g_strdup (computer_name);
  /* Formatted here: the time zone is read on the main thread. */
  job->text = ns_delivery_terminal_text (msg, NULL);
  g_thread_pool_push (writer->pool, job, NULL);
}

void
ns_tty_writer_get_counters (NsTtyWriter *writer, NsTtyCounters *ret)
{
  ret->messages = (guint) g_atomic_int_get (&writer->messages);
  ret->written = (guint) g_atomic_int_get (&writer->written);
  ret->skipped = (guint) g_atomic_int_get (&writer->skipped);
  ret->failed = (guint) g_atomic_int_get (&writer->failed);
  ret->dropped = (guint) g_atomic_int_get (&writer->dropped);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "netsendd"

#include "logging.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static GLogLevelFlags threshold = G_LOG_LEVEL_MESSAGE;
static gboolean verbose_mode;
static gboolean to_journald;
static gboolean to_terminal;

static const char *
level_name (GLogLevelFlags level)
{
  switch (level & G_LOG_LEVEL_MASK) {
    case G_LOG_LEVEL_ERROR: return "error";
    case G_LOG_LEVEL_CRITICAL: return "critical";
    case G_LOG_LEVEL_WARNING: return "warning";
    case G_LOG_LEVEL_MESSAGE: return "notice";
    case G_LOG_LEVEL_INFO: return "info";
    default: return "debug";
  }
}

/* The most severe level is the lowest bit of G_LOG_LEVEL_MASK. */
static gboolean
enabled (GLogLevelFlags level)
{
  GLogLevelFlags lvl = level & G_LOG_LEVEL_MASK;

  return lvl == 0 || lvl <= threshold;
}

static const char *
field (const GLogField *fields, gsize n, const char *key)
{
  for (gsize i = 0; i < n; i++)
    if (g_strcmp0 (fields[i].key, key) == 0 && fields[i].length < 0)
      return fields[i].value;
  return NULL;
}

static void
write_line (GLogLevelFlags level, const GLogField *fields, gsize n)
{
  const char *message = field (fields, n, "MESSAGE");
  const char *domain = field (fields, n, "GLIB_DOMAIN");
  g_autofree char *stamp = NULL;

  if (to_terminal) {
    g_autoptr (GDateTime) now = g_date_time_new_now_local ();

    stamp = g_date_time_format (now, "%H:%M:%S.%f");
    /* Milliseconds are enough for a person. */
    if (stamp != NULL && strlen (stamp) > 12)
      stamp[12] = '\0';
  }
  flockfile (stderr);
  fprintf (stderr, "%s%snetsendd[%ld]: %s: %s%s%s\n", stamp ? stamp : "", stamp ? " " : "",
           (long) getpid (), level_name (level),
           domain && g_strcmp0 (domain, G_LOG_DOMAIN) != 0 ? domain : "",
           domain && g_strcmp0 (domain, G_LOG_DOMAIN) != 0 ? ": " : "",
           message ? message : "");
  fflush (stderr);
  funlockfile (stderr);
}

static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer user_data)
{
  if (!enabled (level))
    return G_LOG_WRITER_HANDLED;
  if (to_journald && g_log_writer_journald (level, fields, n, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;
  write_line (level, fields, n);
  return G_LOG_WRITER_HANDLED;
}

void
ns_logging_init (gboolean verbose)
{
  verbose_mode = verbose;
  threshold = verbose ? G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_MESSAGE;
  to_journald = g_log_writer_is_journald (fileno (stderr));
  to_terminal = isatty (fileno (stderr));
  g_log_set_writer_func (writer, NULL, NULL);
}

void
ns_logging_set_level (GLogLevelFlags level)
{
  if (!verbose_mode)
    threshold = level & G_LOG_LEVEL_MASK;
}

gboolean
ns_logging_is_journald (void)
{
  return to_journald;
}

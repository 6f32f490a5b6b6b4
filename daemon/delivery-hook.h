/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* [delivery] hook: one program run per stored message (see delivery.h for
 * the contract). Bounded: NS_DELIVERY_MAX_HOOKS run at once, up to
 * NS_DELIVERY_HOOK_QUEUE_MAX wait, the rest are dropped and counted.
 *
 * Who it runs as: the daemon has dropped its privileges long before, so a
 * hook simply runs as the daemon's user. [delivery] hook-user names that
 * user for clarity; naming another one is refused with a log line (an
 * unprivileged daemon cannot switch). Only a daemon that still runs as
 * root (never in a normal installation) switches to hook-user, and it
 * refuses to run a hook as root unless hook-user = root says so. */

#include <gio/gio.h>

#include "config.h"
#include "store.h"

G_BEGIN_DECLS

typedef struct _NsHookRunner NsHookRunner;

typedef struct {
  guint64 started;   /* processes started */
  guint64 succeeded; /* exited with status 0 */
  guint64 failed;    /* could not start, non-zero status, killed by a signal */
  guint64 timed_out; /* killed after hook-timeout */
  guint64 dropped;   /* not run: queue full or the hook refused (hook-user) */
  guint running;
  guint queued;
} NsHookCounters;

/* @config: the running configuration (not owned; read at each message). */
NsHookRunner *ns_hook_runner_new (const NsDaemonConfig *config);
void ns_hook_runner_free (NsHookRunner *runner);

/* Runs or queues the hook for @msg (copied); does nothing without
 * [delivery] hook. */
void ns_hook_runner_run (NsHookRunner *runner, const NsStoredMessage *msg);

void ns_hook_runner_get_counters (NsHookRunner *runner, NsHookCounters *ret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsHookRunner, ns_hook_runner_free)

G_END_DECLS

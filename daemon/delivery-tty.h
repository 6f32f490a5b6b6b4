/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* [delivery] terminals: a stored message written to the terminals of the
 * logged-in users it is for, the way wall(1) and write(1) do it (utmpx for
 * the sessions; ns_delivery_select_sessions() for who gets it; each
 * terminal opened O_WRONLY|O_NOCTTY|O_NONBLOCK, checked to be a terminal
 * owned by that user with `mesg y`, then written with a bounded wait).
 *
 * All of it runs in one worker thread, in message order, so that NSS
 * look-ups and slow terminals never hold up the main loop; a message that
 * finds the queue full is not written to terminals (it stays in the inbox)
 * and is counted.
 *
 * Permissions: terminals are mode 0620 root:tty (or user:tty). The daemon
 * runs unprivileged and needs the tty group (systemd: SupplementaryGroups=
 * tty); without it every open fails with EACCES, which is logged once, with
 * what to do. */

#include <gio/gio.h>

#include "store.h"

G_BEGIN_DECLS

/* Seconds a terminal that does not take the text (scroll lock, a stuck
 * ssh session) may delay it; the rest is then dropped. */
#define NS_TTY_WRITE_TIMEOUT_MS 2000
/* Messages waiting for the terminal thread; more are not written. */
#define NS_TTY_QUEUE_MAX 64
/* Terminals one message is written to, at most. */
#define NS_TTY_MAX_TERMINALS 128

typedef struct _NsTtyWriter NsTtyWriter;

typedef struct {
  guint64 messages;  /* messages handled */
  guint64 written;   /* terminals written to */
  guint64 skipped;   /* terminals refused: mesg n, not the user's, not a tty */
  guint64 failed;    /* open or write errors, timeouts */
  guint64 dropped;   /* messages not written: queue full */
} NsTtyCounters;

NsTtyWriter *ns_tty_writer_new (void);
/* Drops queued messages and waits for the one being written (bounded by
 * NS_TTY_WRITE_TIMEOUT_MS per terminal). */
void ns_tty_writer_free (NsTtyWriter *writer);

/* Queues @msg (copied) for the terminals of its recipients; @computer_name
 * is this host's NetBIOS name (messages to it are for everybody). */
void ns_tty_writer_deliver (NsTtyWriter *writer, const NsStoredMessage *msg,
                            const char *computer_name);

void ns_tty_writer_get_counters (NsTtyWriter *writer, NsTtyCounters *ret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsTtyWriter, ns_tty_writer_free)

G_END_DECLS

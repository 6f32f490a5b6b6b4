/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* netsendd's log writer. Under systemd (stderr is the journal, detected
 * with g_log_writer_is_journald()) records go to journald with their
 * structured fields (NETSEND_NAME, NETSEND_PEER, ...); otherwise one
 * readable line per record goes to stderr, with the time when stderr is a
 * terminal. Records less severe than the configured level are dropped,
 * for every log domain (the library logs at debug level only). */

#include <glib.h>

G_BEGIN_DECLS

/* Installs the writer. @verbose pins the level to debug (--verbose). */
void ns_logging_init (gboolean verbose);

/* [daemon] log-level; ignored while --verbose is in force. */
void ns_logging_set_level (GLogLevelFlags level);

gboolean ns_logging_is_journald (void);

G_END_DECLS

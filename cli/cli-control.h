/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Reaching netsendd's control API (org.netsend.NetSend1) from a CLI.
 *
 * Where, in order (ECOSYSTEM.md §5):
 *  1. @address: --socket, a socket path or a D-Bus address ("unix:...");
 *  2. $NETSEND_CONTROL, same forms;
 *  3. the private socket CLI_CONTROL_DEFAULT_SOCKET, if this user may
 *     open it (root and the admin group);
 *  4. the name org.netsend.NetSend1 on the system bus.
 * Every failure to reach a daemon is NS_CONTROL_ERROR_NOT_RUNNING. */

#include <gio/gio.h>

#include "netsend-control.h"

G_BEGIN_DECLS

#define CLI_CONTROL_DEFAULT_SOCKET "/run/netsend/control"
#define CLI_CONTROL_ENV "NETSEND_CONTROL"

NsNetSend1 *cli_control_connect (const char *address, GError **error);

/* Turns transport errors of a call (no reply, bus refusals) into
 * NS_CONTROL_ERROR codes and strips the remote error prefix, so callers
 * deal with one domain. */
void cli_control_fix_error (GError *error);

G_END_DECLS

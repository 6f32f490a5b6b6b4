/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Dropping root after the privileged ports are bound (STYLE.md practice
 * 13). When the process runs as root it becomes @user: supplementary
 * groups reduced to the user's primary group, then setresgid() and
 * setresuid() to the user's ids. Each step is checked, and then the result:
 * real, effective and saved ids, the group list, and that root cannot be
 * regained. Any failure is an error the caller must treat as fatal. Not
 * root (systemd's User=): every capability is given up instead (the unit
 * grants CAP_NET_BIND_SERVICE for the bind only), and checked. */

#include <glib.h>

G_BEGIN_DECLS

/* @own_paths: (nullable): files or directories the daemon created while
 * root and must still change afterwards (the control socket's directory,
 * so that the socket can be removed at exit); given to @user first. */
gboolean ns_privdrop (const char *user, const char *const *own_paths, GError **error);

G_END_DECLS

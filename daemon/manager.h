/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The daemon object: owns the configuration, the interfaces, a UDP
 * endpoint and a name registrar per interface on the name-service port,
 * the name table and the control API.
 *
 * Two phases, so that privileges can be dropped in between (STYLE.md
 * practice 13): ns_manager_new() does everything that may need root
 * (binding ports, creating the control socket under /run); after
 * ns_privdrop(), ns_manager_start() registers the names and joins the
 * system bus. */

#include <gio/gio.h>

#include "config.h"

G_BEGIN_DECLS

typedef struct _NsManager NsManager;

/* Takes ownership of @config, also on failure. */
NsManager *ns_manager_new (NsDaemonConfig *config, GError **error);
void ns_manager_free (NsManager *manager);

gboolean ns_manager_start (NsManager *manager, GError **error);

/* Paths created while privileged that the unprivileged daemon must own
 * (for ns_privdrop()); NULL-terminated, owned by @manager. */
const char *const *ns_manager_get_owned_paths (NsManager *manager);

/* SIGHUP: applies what can change without a restart from @new_config
 * (consumed) and logs the rest as needing a restart. */
void ns_manager_reload (NsManager *manager, NsDaemonConfig *new_config);

/* SIGTERM: releases every name on the wire, then finishes. */
void ns_manager_stop_async (NsManager *manager, GAsyncReadyCallback callback, gpointer user_data);
gboolean ns_manager_stop_finish (NsManager *manager, GAsyncResult *result, GError **error);

/* The running configuration (owned by @manager; after a reload it holds
 * the new live values and the old restart-only ones). */
const NsDaemonConfig *ns_manager_get_config (NsManager *manager);

/* The inbox (inbox.h), for the delivery module's hook
 * (ns_inbox_set_delivery_func()); NULL before ns_manager_start(). */
typedef struct _NsInbox NsInbox;
NsInbox *ns_manager_get_inbox (NsManager *manager);

/* The GetStatus dictionary (floating a{sv}). */
GVariant *ns_manager_get_status (NsManager *manager);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsManager, ns_manager_free)

G_END_DECLS

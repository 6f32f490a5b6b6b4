/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The name table of netsendd: which NetBIOS names the host holds, across
 * every configured interface (one #NbRegistrar each).
 *
 * Names (PROTOCOL.md §1.3): COMPUTER<00> (unique), COMPUTER<03> (unique,
 * cannot be deleted), WORKGROUP<00> (group), and ALIAS<03> for every alias
 * of the configuration or of AddName. Message names (<03>) are limited to
 * NS_MAX_MESSAGE_NAMES, the computer name included (MS-MSRP §3.1.1).
 *
 * Adding and deleting are asynchronous and finish only when the wire is
 * done: an add when every interface has registered the name (or one has
 * found another owner, NS_CONTROL_ERROR_DUPLICATE_NAME, and the name was
 * withdrawn again on all of them, MS-MSRP §3.1.4.1 "roll back"); a delete
 * when every release has gone out. Errors are NS_CONTROL_ERROR codes. */

#include <gio/gio.h>
#include <netsend/nb-registrar.h>

G_BEGIN_DECLS

typedef struct _NsNames NsNames;

/* @charset: DOS code page of the names; @scope: NetBIOS scope ("" none). */
NsNames *ns_names_new (const char *charset, const char *scope);
void ns_names_free (NsNames *names);

/* Adds an interface. @registrar is not owned and must outlive @names (the
 * owner frees the table first); @label names it in lists and logs. Call
 * before ns_names_register_initial(). Without any registrar (name service
 * disabled) names are kept locally, in state "local". */
void ns_names_add_interface (NsNames *names, const char *label, NbRegistrar *registrar);

/* How many interfaces were added. The first one of a multi-homed host
 * (NbRegistrarConfig.multihomed_primary) registers unique names with WINS
 * before the others. */
guint ns_names_get_n_interfaces (NsNames *names);

/* Starts registering the configured names. Conflicts are logged and leave
 * the name in "conflict"; only a name that cannot be a NetBIOS name fails. */
gboolean ns_names_register_initial (NsNames *names,
                                    const char *computer,
                                    const char *workgroup,
                                    const char *const *aliases,
                                    GError **error);

void ns_names_add_async (NsNames *names,
                         const char *name,
                         GAsyncReadyCallback callback,
                         gpointer user_data);
gboolean ns_names_add_finish (NsNames *names, GAsyncResult *result, GError **error);

void ns_names_delete_async (NsNames *names,
                            const char *name,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
gboolean ns_names_delete_finish (NsNames *names, GAsyncResult *result, GError **error);

/* Applies a new alias list of the configuration (SIGHUP): aliases that
 * left it are deleted, new ones added; names added at run time stay. */
void ns_names_update_config_aliases (NsNames *names,
                                     const char *const *old_aliases,
                                     const char *const *new_aliases);

/* a(sybsas): name, suffix, group, state, interfaces (see the XML). */
GVariant *ns_names_list (NsNames *names);
/* aa{sv}: ListNames2, the same plus where each name is registered
 * ("registered-by": broadcast, wins, broadcast+wins, none, local), the
 * WINS servers holding it, its TTL, and who refused it (see the XML). */
GVariant *ns_names_list2 (NsNames *names);

void ns_names_get_counts (NsNames *names, guint *ret_names, guint *ret_conflicts);

/* For the receivers: whether @name (with suffix and scope, as on the wire)
 * is in the table and not on its way out (being deleted or withdrawn);
 * @ret_group (optional) says whether it is a group name. */
gboolean ns_names_holds (NsNames *names, const NbName *name, gboolean *ret_group);
/* Whether @name is ours and settled: registered on every interface (or
 * kept locally without a name service), not being registered, in conflict,
 * deleted or withdrawn. The browser announcements wait for COMPUTER<00>. */
gboolean ns_names_is_registered (NsNames *names, const NbName *name);
/* The same for a name as a sender wrote it (UTF-8, any case, trailing
 * spaces ignored) with @suffix, e.g. the To of a message and 0x03. */
gboolean ns_names_holds_utf8 (NsNames *names, const char *utf8, guint8 suffix);

/* Shutdown: fails pending adds/deletes with NS_CONTROL_ERROR_NOT_RUNNING,
 * releases every name, and finishes when the releases have gone out (or a
 * safety timeout passed). */
void ns_names_release_all_async (NsNames *names, GAsyncReadyCallback callback, gpointer user_data);
gboolean ns_names_release_all_finish (NsNames *names, GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsNames, ns_names_free)

G_END_DECLS

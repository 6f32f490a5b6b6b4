/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The interface between libnetsend and its browse module,
 * netsend-browse.so (ns-browse-smbc.c): the only code that uses
 * libsmbclient. Not installed.
 *
 * Why a module: libsmbclient pulls in ~120 shared libraries, which cost
 * every `netsend` start ~25 ms although only `--reliable` workgroup
 * enumeration needs it (issue 5). libnetsend therefore does not link it;
 * ns-browse.c loads the module with GModule the first time a browse list
 * is wanted, in the worker thread that asks for the list. Without the
 * module the broadcast query and the hosts file still enumerate the
 * workgroup.
 *
 * Where the module is looked for (first match):
 *  1. $NETSEND_MODULE_DIR (tests/meson.build and `meson devenv` set it to
 *     the build tree's lib/net);
 *  2. the build tree's lib/net, when the running libnetsend.so is the one
 *     in the build tree (a CLI run from the build directory);
 *  3. NS_MODULE_DIR, the install directory (libdir/netsend).
 *
 * The module needs nothing of libnetsend: plain GLib types cross the
 * boundary, so it links only GLib and libsmbclient.
 *
 * ASan note: loaded this way, libsmbclient's libraries keep their thread
 * locals in dynamic TLS, which GCC 12's LeakSanitizer sometimes misreads
 * at exit ("Tracer caught signal 11", google/sanitizers#1322) after a run
 * that browsed. ASAN_OPTIONS=intercept_tls_get_addr=0 avoids it; the test
 * suite never browses (NETSEND_NO_SMBCLIENT). */

#include <glib.h>

G_BEGIN_DECLS

/* The module's file name in its directory. */
#define NS_BROWSE_MODULE_FILE "netsend-browse.so"

/* The environment variable naming the module directory. */
#define NS_MODULE_DIR_ENV "NETSEND_MODULE_DIR"

/* The entry point. Its name carries the interface version: a module built
 * for another interface is refused by name, never called wrongly. */
#define NS_BROWSE_MODULE_SYMBOL "ns_browse_module_list_servers_v1"

/**
 * NsBrowseListServersFunc:
 * @workgroup: the workgroup (upper case, UTF-8)
 * @timeout_ms: libsmbclient's connection and response timeout
 * @ret_names: (out) (transfer full): the server names of the workgroup's
 *   browse list (MS-BRWS: the master browser's NetServerEnum2 answer),
 *   %NULL-terminated, possibly empty; untouched on failure
 * @error: return location for a #GError (%G_IO_ERROR) saying why there is
 *   no list
 *
 * Blocks (libsmbclient has no asynchronous API): call it from a worker
 * thread, one call at a time (libsmbclient's global state is not
 * thread-safe).
 *
 * Returns: %TRUE if a browse list was read
 */
typedef gboolean (*NsBrowseListServersFunc) (const char *workgroup, int timeout_ms,
                                             char ***ret_names, GError **error);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netsend-browse.so: a workgroup's browse list through libsmbclient (see
 * ns-browse-module.h). libsmbclient asks the workgroup's master browser
 * for its server list (MS-BRWS §3.3, NetServerEnum2 over \PIPE\LANMAN);
 * we keep the SMBC_SERVER entries of `smb://WORKGROUP/`. */
#include <errno.h>
#include <gio/gio.h>
#include <gmodule.h>
#include <libsmbclient.h>
#include <string.h>

#include "ns-browse-module.h"

G_MODULE_EXPORT const gchar *g_module_check_init (GModule *module);
G_MODULE_EXPORT gboolean ns_browse_module_list_servers_v1 (const char *workgroup,
                                                           int timeout_ms, char ***ret_names,
                                                           GError **error);

/* Checks that the entry point has the type the loader expects. */
G_GNUC_UNUSED static const NsBrowseListServersFunc check_type =
  ns_browse_module_list_servers_v1;

const gchar *
g_module_check_init (GModule *module)
{
  /* libsmbclient keeps process-wide state (its loaded smb.conf, debug
   * settings, exit handlers): once loaded it stays. */
  g_module_make_resident (module);
  return NULL;
}

static void
anonymous (SMBCCTX *c, const char *srv, const char *shr, char *wg, int wglen, char *un,
           int unlen, char *pw, int pwlen)
{
  /* The browse list needs no account: guest / anonymous. */
  if (unlen > 0)
    un[0] = '\0';
  if (pwlen > 0)
    pw[0] = '\0';
}

static void
set_errno_error (GError **error, int errsv, const char *what, const char *url)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s %s: %s", what, url,
               g_strerror (errsv));
}

static SMBCCTX *
context_new (int timeout_ms, GError **error)
{
  SMBCCTX *ctx = smbc_new_context ();

  if (ctx == NULL) {
    set_errno_error (error, errno, "cannot make a libsmbclient context for", "browsing");
    return NULL;
  }
  /* Before smbc_init_context(): debug lines (level 0: errors only) go to
   * standard error, never into the results on standard output. */
  smbc_setOptionDebugToStderr (ctx, TRUE);
  smbc_setDebug (ctx, 0);
  smbc_setFunctionAuthDataWithContext (ctx, anonymous);
  smbc_setTimeout (ctx, timeout_ms);
  smbc_setOptionUseKerberos (ctx, FALSE);
  if (smbc_init_context (ctx) == NULL) {
    int errsv = errno;

    smbc_free_context (ctx, 1);
    set_errno_error (error, errsv, "cannot initialise libsmbclient for", "browsing");
    return NULL;
  }
  return ctx;
}

gboolean
ns_browse_module_list_servers_v1 (const char *workgroup, int timeout_ms, char ***ret_names,
                                  GError **error)
{
  g_autoptr (GPtrArray) names = NULL;
  g_autofree char *url = NULL;
  SMBCCTX *ctx;
  SMBCFILE *dir;
  struct smbc_dirent *entry;

  g_return_val_if_fail (workgroup != NULL, FALSE);
  g_return_val_if_fail (ret_names != NULL, FALSE);

  ctx = context_new (timeout_ms, error);
  if (ctx == NULL)
    return FALSE;
  url = g_strdup_printf ("smb://%s/", workgroup);
  dir = smbc_getFunctionOpendir (ctx) (ctx, url);
  if (dir == NULL) {
    int errsv = errno;

    /* shutdown_ctx 1: close every connection, free the context and, for
     * the last context, libsmbclient's global (talloc) state. */
    smbc_free_context (ctx, 1);
    set_errno_error (error, errsv, "cannot read the browse list at", url);
    return FALSE;
  }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((entry = smbc_getFunctionReaddir (ctx) (ctx, dir)) != NULL) {
    if (entry->smbc_type == SMBC_SERVER)
      g_ptr_array_add (names, g_strdup (entry->name));
  }
  smbc_getFunctionClosedir (ctx) (ctx, dir);
  smbc_free_context (ctx, 1);
  g_ptr_array_add (names, NULL);
  *ret_names = (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
  return TRUE;
}

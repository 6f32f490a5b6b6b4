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

static void
log_line (void *data, int level, const char *msg)
{
  gsize len = strlen (msg);

  /* Samba 4.17 also says "no talloc stackframe at ..., leaking memory"
   * here when a cached SMB1 connection is closed (cli_tdis() outside any
   * frame): harmless, and not for the user's terminal. */
  while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
    len--;
  g_debug ("libsmbclient[%d]: %.*s", level, (int) len, msg);
}

/* One context for the life of the process, made at the first call.
 *
 * Freeing the last libsmbclient context tears down the library's global
 * state (SMBC_module_terminate()), and in Samba 4.17 that loses the
 * talloc'd log file name smb.conf gave it (gfree_debugsyms() frees the
 * debug class table but not the string it holds): a 116-byte leak under
 * ASan at every listing. Kept, the context and that state stay reachable
 * from globals until exit, as libsmbclient's own initialisation does. The
 * connections it opens are closed after each listing (purge below). */
static SMBCCTX *context;

static gboolean
context_ensure (GError **error)
{
  SMBCCTX *ctx;

  if (context != NULL)
    return TRUE;
  ctx = smbc_new_context ();
  if (ctx == NULL) {
    set_errno_error (error, errno, "cannot make a libsmbclient context for", "browsing");
    return FALSE;
  }
  /* Before smbc_init_context(): libsmbclient's debug lines (level 0:
   * errors only) come to log_line(), never onto standard output (its
   * default) or standard error: a library logs at debug level only. */
  smbc_setDebug (ctx, 0);
  smbc_setLogCallback (ctx, NULL, log_line);
  smbc_setFunctionAuthDataWithContext (ctx, anonymous);
  smbc_setOptionUseKerberos (ctx, FALSE);
  /* The browse list exists only in SMB1: NetServerEnum2 is a RAP call on
   * \PIPE\LANMAN (MS-RAP §3.2.5.12), and SMB2 has no RAP. Samba >= 4.11
   * clients default to "client min protocol = SMB2_02" and so list no
   * servers at all ("SMB1 disabled -- no workgroup available"); this
   * context only browses, so it speaks NT1. */
  if (!smbc_setOptionProtocols (ctx, "NT1", "NT1")) {
    smbc_free_context (ctx, 1);
    set_errno_error (error, EINVAL, "cannot select SMB1 (NT1) in libsmbclient for", "browsing");
    return FALSE;
  }
  if (smbc_init_context (ctx) == NULL) {
    int errsv = errno;

    smbc_free_context (ctx, 1);
    set_errno_error (error, errsv, "cannot initialise libsmbclient for", "browsing");
    return FALSE;
  }
  context = ctx;
  return TRUE;
}

gboolean
ns_browse_module_list_servers_v1 (const char *workgroup, int timeout_ms, char ***ret_names,
                                  GError **error)
{
  g_autoptr (GPtrArray) names = NULL;
  g_autofree char *url = NULL;
  SMBCFILE *dir;
  struct smbc_dirent *entry;

  g_return_val_if_fail (workgroup != NULL, FALSE);
  g_return_val_if_fail (ret_names != NULL, FALSE);

  if (!context_ensure (error))
    return FALSE;
  smbc_setTimeout (context, timeout_ms);
  url = g_strdup_printf ("smb://%s/", workgroup);
  dir = smbc_getFunctionOpendir (context) (context, url);
  if (dir == NULL) {
    int errsv = errno;

    smbc_getFunctionPurgeCachedServers (context) (context);
    set_errno_error (error, errsv, "cannot read the browse list at", url);
    return FALSE;
  }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((entry = smbc_getFunctionReaddir (context) (context, dir)) != NULL) {
    if (entry->smbc_type == SMBC_SERVER)
      g_ptr_array_add (names, g_strdup (entry->name));
  }
  smbc_getFunctionClosedir (context) (context, dir);
  /* No connection to the master browser outlives the listing. */
  smbc_getFunctionPurgeCachedServers (context) (context);
  g_ptr_array_add (names, NULL);
  *ret_names = (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
  return TRUE;
}

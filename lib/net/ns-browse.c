/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Workgroup enumeration for `netsend --reliable /domain`
 * (ns_sender_list_workgroup_async()). Three sources, merged:
 *  1. the browse list of the workgroup's master browser, through
 *     libsmbclient in the browse module (ns-browse-module.h: loaded only
 *     now, and absent when built without libsmbclient; MS-BRWS), run in a
 *     worker thread because libsmbclient blocks;
 *  2. every host answering a broadcast query for WORKGROUP<00> on each
 *     interface (the group name each member registers, PROTOCOL.md §1.3),
 *     named by a node status request where it answers one;
 *  3. the optional hosts file (one host per line, `#` comments).
 * Duplicates (compared case-insensitively) are listed once. */
#include "config.h"

#include "ns-send-private.h"

#include <dlfcn.h>
#include <gmodule.h>
#include <stdlib.h>
#include <string.h>

#include "ns-browse-module.h"

typedef struct {
  NsSender *sender;
  GTask *task;
  char *workgroup;
  GPtrArray *hosts;   /* char* */
  GHashTable *seen;   /* upper-case → TRUE */
  guint pending;
  gboolean done;
  char *browse_error; /* why the browse list did not contribute */
} BrowseOp;

static void
browse_op_free (BrowseOp *op)
{
  g_free (op->workgroup);
  g_free (op->browse_error);
  g_ptr_array_unref (op->hosts);
  g_hash_table_unref (op->seen);
  _ns_sender_unref (op->sender);
  g_free (op);
}

static void
add_host (BrowseOp *op, const char *host)
{
  char *key = g_utf8_strup (host, -1);

  if (g_hash_table_add (op->seen, key))
    g_ptr_array_add (op->hosts, g_strdup (key));
}

/* One source finished; the last one completes the operation. */
static void
source_done (BrowseOp *op)
{
  GTask *task = op->task;
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_assert (op->pending > 0);
  if (--op->pending > 0)
    return;
  op->done = TRUE;
  if (g_cancellable_is_cancelled (op->sender->cancellable) ||
      (cancellable != NULL && g_cancellable_is_cancelled (cancellable))) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "Operation was cancelled");
  } else {
    g_ptr_array_add (op->hosts, NULL);
    g_task_return_pointer (task, g_ptr_array_steal (op->hosts, NULL), (GDestroyNotify) g_strfreev);
  }
  g_object_unref (task);
}

static gboolean
read_hosts_file (BrowseOp *op, const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) local = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, &local)) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_ARGUMENT,
                 "cannot read the hosts file: %s", local->message);
    return FALSE;
  }
  /* Host names are UTF-8 text (add_host() upper-cases them, which needs
   * valid UTF-8); a NUL would silently cut the rest of its line. */
  if (!g_utf8_validate_len (contents, len, NULL)) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_ARGUMENT,
                 "cannot read the hosts file %s: not UTF-8 text", path);
    return FALSE;
  }
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    char *hash = strchr (lines[i], '#');

    if (hash != NULL)
      *hash = '\0';
    g_strstrip (lines[i]);
    if (lines[i][0] != '\0')
      add_host (op, lines[i]);
  }
  return TRUE;
}

/* ---- Broadcast query for WORKGROUP<00> + node status ------------------- */

typedef struct {
  BrowseOp *op;
  guint32 ipv4;
} Naming;

static void
on_named (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Naming *naming = user_data;
  BrowseOp *op = naming->op;
  g_autofree char *name = _ns_send_node_status_finish (res, NULL);
  g_autofree char *address = ns_ipv4_to_string (naming->ipv4);

  add_host (op, name != NULL ? name : address);
  g_free (naming);
  source_done (op);
}

static void
on_collected (GObject *source, GAsyncResult *res, gpointer user_data)
{
  BrowseOp *op = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) found = _ns_send_collect_finish (res, &error);
  gint64 deadline = g_get_monotonic_time () + op->sender->timeout_us;

  if (found == NULL)
    g_debug ("ns-browse: group query failed: %s", error->message);
  for (guint i = 0; found != NULL && i < found->len; i++) {
    Naming *naming = g_new0 (Naming, 1);

    naming->op = op;
    naming->ipv4 = g_array_index (found, guint32, i);
    op->pending++;
    /* Name the host by its <03> name where it tells us (nbtstat -A);
     * the send resolves it again, or uses the address. */
    _ns_send_node_status_async (op->sender, naming->ipv4, deadline,
                                g_task_get_cancellable (op->task), on_named, naming);
  }
  source_done (op);
}

/* ---- The browse list, through the browse module (worker thread) -------- */

/* The module is loaded once and stays (it makes itself resident); a
 * failed load is retried by the next enumeration. Calls are serialised:
 * libsmbclient's global state is not thread-safe. */
static GMutex module_lock;
static NsBrowseListServersFunc module_func;

/* TRUE when this code runs from the build tree's libnetsend.so (a CLI
 * started from the build directory): the module is then the build tree's. */
static gboolean
running_uninstalled (void)
{
  Dl_info info;
  g_autofree char *dir = NULL;
  char *here;
  char *build;
  gboolean same;

  if (dladdr ((void *) ns_send_browse_list_available, &info) == 0 || info.dli_fname == NULL)
    return FALSE;
  dir = g_path_get_dirname (info.dli_fname);
  here = realpath (dir, NULL);
  build = realpath (NS_BUILD_LIB_DIR, NULL);
  same = here != NULL && build != NULL && strcmp (here, build) == 0;
  free (here);
  free (build);
  return same;
}

/* Where the module is looked for (ns-browse-module.h). */
static char *
module_path (void)
{
  const char *dir = g_getenv (NS_MODULE_DIR_ENV);

  if (dir == NULL || dir[0] == '\0')
    dir = running_uninstalled () ? NS_BUILD_MODULE_DIR : NS_MODULE_DIR;
  return g_build_filename (dir, NS_BROWSE_MODULE_FILE, NULL);
}

gboolean
ns_send_browse_list_available (GError **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!HAVE_SMBCLIENT) {
    g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_NOT_SUPPORTED,
                         "browse list unavailable: netsend was built without libsmbclient");
    return FALSE;
  }
  path = module_path ();
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_NOT_SUPPORTED,
                 "browse list unavailable: the module %s is not installed", path);
    return FALSE;
  }
  return TRUE;
}

/* With module_lock held. */
static NsBrowseListServersFunc
load_module (GError **error)
{
  g_autofree char *path = NULL;
  GModule *module;
  gpointer symbol = NULL;

  if (module_func != NULL)
    return module_func;
  if (!ns_send_browse_list_available (error))
    return NULL;
  path = module_path ();
  /* Local binding: libsmbclient's symbols stay out of the global scope. */
  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_NOT_SUPPORTED,
                 "browse list unavailable: %s", g_module_error ());
    return NULL;
  }
  if (!g_module_symbol (module, NS_BROWSE_MODULE_SYMBOL, &symbol) || symbol == NULL) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_NOT_SUPPORTED,
                 "browse list unavailable: %s lacks %s (another version?)", path,
                 NS_BROWSE_MODULE_SYMBOL);
    g_module_close (module);
    return NULL;
  }
  module_func = (NsBrowseListServersFunc) symbol;
  return module_func;
}

typedef struct {
  char *workgroup;
  int timeout_ms;
  char **names; /* result */
} BrowseJob;

static void
browse_job_free (BrowseJob *job)
{
  g_free (job->workgroup);
  g_strfreev (job->names);
  g_free (job);
}

static void
browse_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  BrowseJob *job = data;
  GError *error = NULL;
  NsBrowseListServersFunc list;

  g_mutex_lock (&module_lock);
  /* Loading costs what libsmbclient's libraries cost: here, off the
   * caller's main loop, and only for runs that enumerate a workgroup. */
  list = load_module (&error);
  if (list != NULL && !list (job->workgroup, job->timeout_ms, &job->names, &error))
    g_prefix_error (&error, "browse list unavailable: ");
  g_mutex_unlock (&module_lock);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_browse_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  BrowseOp *op = user_data;
  BrowseJob *job = g_task_get_task_data (G_TASK (res));
  g_autoptr (GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (res), &error)) {
    g_autofree char *names = g_strjoinv (" ", job->names);

    g_debug ("ns-browse: browse list of %s: %u host(s): %s", op->workgroup,
             g_strv_length (job->names), names);
    for (guint i = 0; job->names[i] != NULL; i++)
      add_host (op, job->names[i]);
  } else {
    g_debug ("ns-browse: %s", error->message);
    op->browse_error = g_strdup (error->message);
  }
  source_done (op);
}

static void
start_browse_list (BrowseOp *op)
{
  g_autoptr (GTask) task = NULL;
  BrowseJob *job;

  /* libsmbclient uses the standard ports and smb.conf's interfaces: only
   * when we are configured the standard way too (tests use other ports),
   * and never when the environment turns it off. */
  if (op->sender->port_ns != NS_SEND_PORT_NS || op->sender->port_ssn != NS_SEND_PORT_SSN ||
      g_getenv ("NETSEND_NO_SMBCLIENT") != NULL)
    return;
  job = g_new0 (BrowseJob, 1);
  job->workgroup = g_strdup (op->workgroup);
  job->timeout_ms = (int) MIN (op->sender->timeout_us / 1000, G_MAXINT);
  task = g_task_new (NULL, NULL, on_browse_done, op);
  g_task_set_task_data (task, job, (GDestroyNotify) browse_job_free);
  op->pending++;
  g_task_run_in_thread (task, browse_thread);
}

/* Names the workgroup (upper case) and reads the hosts file. */
static gboolean
browse_op_prepare (BrowseOp *op, const char *workgroup, NbName *ret_group, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (!g_utf8_validate (workgroup, -1, NULL)) {
    g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME,
                         "invalid workgroup: not UTF-8 text");
    return FALSE;
  }
  op->workgroup = g_utf8_strup (workgroup, -1);
  if (!nb_name_from_utf8 (ret_group, op->workgroup, NB_SUFFIX_WORKSTATION,
                          op->sender->codepage, &local)) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME,
                 "invalid workgroup \"%s\": %s", op->workgroup, local->message);
    return FALSE;
  }
  return op->sender->hosts_file == NULL || read_hosts_file (op, op->sender->hosts_file, error);
}

void
ns_sender_list_workgroup_async (NsSender *sender, const char *workgroup,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  BrowseOp *op;
  GError *error = NULL;
  NbName group;

  g_return_if_fail (sender != NULL);

  op = g_new0 (BrowseOp, 1);
  op->sender = _ns_sender_ref (sender);
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, ns_sender_list_workgroup_async);
  g_task_set_task_data (op->task, op, (GDestroyNotify) browse_op_free);
  op->hosts = g_ptr_array_new_with_free_func (g_free);
  op->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  op->pending = 1; /* this function, until every source is started */

  if (!browse_op_prepare (op, workgroup != NULL ? workgroup : sender->workgroup, &group,
                          &error)) {
    GTask *task = op->task;

    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  start_browse_list (op);
  op->pending++;
  _ns_send_collect_async (sender, &group, cancellable, on_collected, op);
  source_done (op);
}

char **
ns_sender_list_workgroup_finish (NsSender *sender, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                          ns_sender_list_workgroup_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
_ns_sender_list_workgroup_note (GAsyncResult *result)
{
  BrowseOp *op = g_task_get_task_data (G_TASK (result));

  return op->browse_error;
}

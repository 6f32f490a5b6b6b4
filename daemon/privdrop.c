/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "netsendd"

#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static gboolean
fail_errno (GError **error, const char *what, const char *user)
{
  int saved = errno;

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               "Cannot drop privileges to %s: %s failed: %s", user, what, g_strerror (saved));
  return FALSE;
}

static gboolean
verify (uid_t uid, gid_t gid, const char *user, GError **error)
{
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  gid_t groups[2];
  int n;

  if (getresuid (&ruid, &euid, &suid) < 0 || getresgid (&rgid, &egid, &sgid) < 0)
    return fail_errno (error, "getresuid/getresgid", user);
  n = getgroups (G_N_ELEMENTS (groups), groups);
  if (ruid != uid || euid != uid || suid != uid || rgid != gid || egid != gid || sgid != gid
      || n < 0 || n > 1 || (n == 1 && groups[0] != gid)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                 "Dropping privileges to %s left uids %ld/%ld/%ld gids %ld/%ld/%ld", user,
                 (long) ruid, (long) euid, (long) suid, (long) rgid, (long) egid, (long) sgid);
    return FALSE;
  }
  /* The drop must be irreversible. */
  if (setresuid (0, 0, 0) == 0 || setresgid (0, 0, 0) == 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                 "Dropped privileges to %s but root could be regained", user);
    return FALSE;
  }
  return TRUE;
}

/* Not root, but maybe with capabilities (systemd's AmbientCapabilities=
 * CAP_NET_BIND_SERVICE): the ports are bound, so give them all up. Raw
 * capset(2): libcap is not worth a dependency for "clear everything". */
static gboolean
drop_capabilities (GError **error)
{
  struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2] = { { 0 } };

  /* EINVAL: a kernel before 4.3 has no ambient set, nothing to clear. */
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return fail_errno (error, "clearing the ambient capabilities", "the current user");
  if (syscall (SYS_capset, &header, data) < 0)
    return fail_errno (error, "capset", "the current user");
  header.pid = 0;
  if (syscall (SYS_capget, &header, data) < 0)
    return fail_errno (error, "capget", "the current user");
  for (gsize i = 0; i < G_N_ELEMENTS (data); i++) {
    if (data[i].effective != 0 || data[i].permitted != 0 || data[i].inheritable != 0) {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                           "Capabilities are still set after dropping them");
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
ns_privdrop (const char *user, const char *const *own_paths, GError **error)
{
  struct passwd *pw;
  uid_t uid;
  gid_t gid;

  g_return_val_if_fail (user != NULL, FALSE);
  if (geteuid () != 0) {
    g_info ("Not started as root: running as uid %ld, [daemon] user not used",
            (long) geteuid ());
    return drop_capabilities (error);
  }
  errno = 0;
  pw = getpwnam (user);
  if (pw == NULL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                 "Cannot drop privileges: user %s does not exist ([daemon] user)", user);
    return FALSE;
  }
  uid = pw->pw_uid;
  gid = pw->pw_gid;
  if (uid == 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                 "Refusing [daemon] user = %s: it is root", user);
    return FALSE;
  }
  for (gsize i = 0; own_paths != NULL && own_paths[i] != NULL; i++)
    if (chown (own_paths[i], uid, gid) < 0)
      return fail_errno (error, "chown of the runtime directory", user);
  if (setgroups (1, &gid) < 0)
    return fail_errno (error, "setgroups", user);
  if (setresgid (gid, gid, gid) < 0)
    return fail_errno (error, "setresgid", user);
  if (setresuid (uid, uid, uid) < 0)
    return fail_errno (error, "setresuid", user);
  if (!verify (uid, gid, user, error))
    return FALSE;
  g_info ("Dropped privileges to %s (uid %ld, gid %ld)", user, (long) uid, (long) gid);
  return TRUE;
}

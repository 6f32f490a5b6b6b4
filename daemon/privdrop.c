/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "netsendd"

#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
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
    return TRUE;
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

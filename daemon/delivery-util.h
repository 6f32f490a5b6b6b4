/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The pure half of message delivery (delivery.c, delivery-tty.c) and of
 * the inbox readers (ListMessages, netmsg): no I/O, no main loop, no
 * logging, so every rule here is unit-tested (tests/unit/test-delivery-*.c).
 *
 *  - the hook's environment ([delivery] hook);
 *  - which login sessions get a message on their terminal ([delivery]
 *    terminals), and the bytes written there;
 *  - a message as a D-Bus a{sv} and back, and the ListMessages filter. */

#include <gio/gio.h>

#include "store.h"

G_BEGIN_DECLS

/* ListMessages returns at most this many messages per call (a client
 * pages forward with "after-id"). */
#define NS_DELIVERY_LIST_MAX 1000

/* ---- [delivery] hook ---------------------------------------------------- */

/* The environment of a hook run for @msg: the entries of @base_env (may be
 * NULL) except any NETSEND_* one, then NETSEND_ID, NETSEND_FROM, NETSEND_TO,
 * NETSEND_SOURCE, NETSEND_PORT, NETSEND_TRANSPORT (smb, mailslot, rpc),
 * NETSEND_TIME (ISO 8601, UTC, microseconds) and NETSEND_CODEPAGE. Names
 * are neutralised to one line (ns_format_sanitize()); the text itself goes
 * to the hook's stdin, exactly as stored. (transfer full) */
char **ns_delivery_hook_env (const NsStoredMessage *msg, const char *const *base_env);

/* ---- [delivery] terminals ----------------------------------------------- */

/**
 * NsLoginSession:
 * @user: the login name (utmpx ut_user)
 * @line: the terminal below /dev (utmpx ut_line): "pts/3", "tty1"
 *
 * One logged-in user on one terminal.
 */
typedef struct {
  char *user;
  char *line;
} NsLoginSession;

NsLoginSession *ns_login_session_new (const char *user, const char *line);
void ns_login_session_free (NsLoginSession *session);

/* Whether an account named @name exists (the caller decides how to look
 * it up: NSS in the daemon, a list in tests). */
typedef gboolean (*NsDeliveryUserExistsFunc) (const char *name, gpointer user_data);

/* Whether a message to @to is for the local user @user: when @to is the
 * computer name (@computer_name, nullable), or @user's name, or no
 * account's name (an alias, the workgroup, '*': for everybody). A message
 * to another account's name is that account's only. Names are compared
 * case-insensitively (NetBIOS names are upper case, logins lower case),
 * trailing spaces ignored. */
gboolean ns_delivery_is_for_user (const char *to, const char *user, const char *computer_name,
                                  NsDeliveryUserExistsFunc user_exists, gpointer user_data);

/* The sessions of @sessions (NsLoginSession) whose terminal gets a message
 * to @to (ns_delivery_is_for_user()), each terminal once, in their order;
 * sessions with an unsafe line (ns_delivery_tty_path()) are left out.
 * (transfer container): the elements belong to @sessions. */
GPtrArray *ns_delivery_select_sessions (const char *to, const char *computer_name,
                                        const GPtrArray *sessions,
                                        NsDeliveryUserExistsFunc user_exists,
                                        gpointer user_data);

/* "/dev/" + @line when @line names a terminal we may write to: "pts/N"
 * or "ttyX" (letters and digits), nothing with "..", other slashes or odd
 * characters (utmp is not trusted blindly). NULL otherwise. */
char *ns_delivery_tty_path (const char *line);

/* Whether an opened terminal with @mode (st_mode) and @owner (st_uid) may
 * get a message for the account @uid: a character device owned by that
 * account, with the group write bit set (`mesg y`, the tty group's
 * permission that write(1) and wall(1) use). @ret_reason (optional) says
 * why not. */
gboolean ns_delivery_tty_allowed (guint mode, guint owner, guint uid, const char **ret_reason);

/* The bytes written to a terminal: "\r\n", BEL, "Message from FROM to TO
 * on DATE TIME", a blank line and the text (ns_format_message(): control
 * characters and escape sequences neutralised, at most
 * NS_FORMAT_MAX_DISPLAY_CHARS characters), every line ending in "\r\n"
 * (the terminal may not translate "\n" itself, e.g. under an editor in raw
 * mode). In @tz (NULL: local time). */
GBytes *ns_delivery_terminal_text (const NsStoredMessage *msg, GTimeZone *tz);

/* ---- the control API ------------------------------------------------------ */

/* @msg as the a{sv} of ListMessages (see org.netsend.NetSend1.xml).
 * (transfer floating) */
GVariant *ns_delivery_message_to_variant (const NsStoredMessage *msg);

/* The reverse, for clients. "id", "time", "from", "to" and "text" are
 * required, of the documented types; the rest is optional; unknown keys
 * are ignored. G_DBUS_ERROR_INVALID_ARGS otherwise. */
NsStoredMessage *ns_delivery_message_from_variant (GVariant *dict, GError **error);

/* The MessageReceived signal's arguments "(txsssss)" as a message (port
 * 0, no code page). NULL if @args has another type. */
NsStoredMessage *ns_delivery_message_from_signal (GVariant *args);

/* Parses the ListMessages filter (a{sv}) into @ret_query, with
 * @ret_query->from pointing into @filter (keep it alive). Integer values
 * may be of any integer type but not negative; "limit" 0 or absent means
 * NS_DELIVERY_LIST_MAX, and larger values are cut to it. Unknown keys and
 * wrong types are G_DBUS_ERROR_INVALID_ARGS, naming the key. */
gboolean ns_delivery_parse_filter (GVariant *filter, NsStoreQuery *ret_query, GError **error);

/* The filter for @query (zero fields left out). (transfer floating) */
GVariant *ns_delivery_filter_to_variant (const NsStoreQuery *query);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsLoginSession, ns_login_session_free)

G_END_DECLS

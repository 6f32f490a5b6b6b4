/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* netmsg: the inbox for people and scripts (issue 4, "netmsg").
 *
 *   netmsg.c          options, listing, the two sources (netsendd's
 *                     ListMessages, or the store file with --store);
 *   netmsg-follow.c   --follow: waiting for MessageReceived (or polling
 *                     the store), reconnecting, --notify;
 *   netmsg-util.c     pure: --since, the printed and notified forms. */

#include <gio/gio.h>

#include "daemon/config.h"
#include "daemon/store.h"
#include "netsend-control.h"

G_BEGIN_DECLS

#define NETMSG_PROG "netmsg"
/* Without --limit, this many of the newest messages are listed. */
#define NETMSG_DEFAULT_LIMIT 20
/* --store --follow: how often the store is read. */
#define NETMSG_STORE_POLL_MS 1000
/* --follow: how often a lost daemon is looked for again. */
#define NETMSG_RECONNECT_MS 2000
/* The session bus name a --agent holds: one agent per session. */
#define NETMSG_AGENT_BUS_NAME "org.netsend.Agent"

/* Exit codes beyond cli-common.h's: the store cannot be opened. */
#define NETMSG_EXIT_NOINPUT EX_NOINPUT /* 66 */

typedef struct {
  gboolean json;
  gboolean quiet;
  gboolean follow;
  gboolean notify;
  gboolean agent;
  gboolean all;             /* --notify also for other users' messages */
  gboolean urgency_set;
  NsNotifyUrgency urgency;
  char *socket;
  char *store;
  NsStoreQuery query;       /* since, from, limit for the listing */
} NetmsgOptions;

/* ---- netmsg-util.c (pure) --------------------------------------------------- */

/* --since: "2024-05-01T10:00:00Z" (ISO 8601, with zone or local time),
 * "2024-05-01" (local midnight), or an age before @now_us: N followed by
 * s, m, h, d or w ("90s", "15m", "1h", "2d", "1w"). @tz: NULL for local. */
gboolean netmsg_parse_since (const char *text, gint64 now_us, GTimeZone *tz, gint64 *ret_us,
                             GError **error);

/* What netmsg prints for @msg: the Windows-like block (header, blank line,
 * text, blank line) or one JSON object and a newline. */
char *netmsg_format (const NsStoredMessage *msg, gboolean json, GTimeZone *tz);

/* The notification of @msg: @ret_summary is the Windows header, @ret_body
 * the neutralised text, with & < > escaped when the server renders markup
 * (@markup). */
void netmsg_notification_text (const NsStoredMessage *msg, gboolean markup, GTimeZone *tz,
                               char **ret_summary, char **ret_body);

/* ---- netmsg.c ----------------------------------------------------------------- */

/* Where messages come from: netsendd's control API or the store file. */
typedef struct _NetmsgSource NetmsgSource;

NetmsgSource *netmsg_source_open (const NetmsgOptions *o, GError **error);
void netmsg_source_free (NetmsgSource *source);
/* NULL for a store source. */
NsNetSend1 *netmsg_source_get_proxy (NetmsgSource *source);
/* (element-type NsStoredMessage): oldest first. @query->limit 0: all. */
GPtrArray *netmsg_source_list (NetmsgSource *source, const NsStoreQuery *query, GError **error);
/* The newest id in the inbox (0 when empty). */
gboolean netmsg_source_last_id (NetmsgSource *source, gint64 *ret_id, GError **error);

/* Prints @msg to stdout (unless --quiet) and flushes. */
void netmsg_print (const NetmsgOptions *o, const NsStoredMessage *msg);

/* The exit code and hint for an error of a source. */
int netmsg_report_error (const NetmsgOptions *o, const GError *error);

/* ---- netmsg-follow.c ------------------------------------------------------------ */

int netmsg_follow (const NetmsgOptions *o);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetmsgSource, netmsg_source_free)

G_END_DECLS

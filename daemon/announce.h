/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Browser host announcements of netsendd (MS-BRWS §3.2, nonbrowser
 * server): netsendd shows up in the workgroup's browse list (Network
 * Neighborhood, `smbclient -L`) the way every Windows and Samba host does.
 *
 * - On every interface that is not loopback, a HostAnnouncement from
 *   COMPUTER<00> to WORKGROUP<1D> (DIRECT_GROUP, `\MAILSLOT\BROWSE`) goes to
 *   the subnet broadcast address from the datagram port, once COMPUTER<00>
 *   is registered, then on the MS-BRWS schedule (announce-schedule.h).
 * - An AnnouncementRequest to WORKGROUP<00>, WORKGROUP<1E> or COMPUTER<00>
 *   received on such an interface is answered there after a random 0-30 s.
 * - [browse] remote-announce: every 3 minutes a unicast HostAnnouncement
 *   to each listed address at WORKGROUP<1D> (Samba's `remote announce`).
 * - On shutdown, and when [browse] announce is turned off, a last
 *   announcement with ServerType 0 (MS-BRWS §3.2.7) so browsers drop us.
 * The sockets are the mailslot receiver's (receiver-mailslot.c), so the
 * datagrams come from port 138 as browsers expect. */

#include <gio/gio.h>
#include <netsend/msgr-mailslot.h>
#include <netsend/nb-dgram.h>
#include <netsend/ns-net.h>

#include "config.h"
#include "names.h"

G_BEGIN_DECLS

typedef struct _NsAnnouncer NsAnnouncer;

/* @config is the manager's (live values are read at each use, also after
 * a reload); @names and @endpoints (NsUdpEndpoint of the datagram port)
 * must outlive the announcer. Nothing is sent before ns_announcer_start(). */
NsAnnouncer *ns_announcer_new (const NsDaemonConfig *config, NsNames *names,
                               GPtrArray *endpoints);
void ns_announcer_free (NsAnnouncer *announcer);

/* Starts the schedule on the thread-default main context: the first
 * announcement goes out as soon as COMPUTER<00> is registered. */
void ns_announcer_start (NsAnnouncer *announcer);

/* A `\MAILSLOT\BROWSE` write received on @endpoint (the mailslot
 * receiver's NsBrowseFunc). */
void ns_announcer_receive (NsUdpEndpoint *endpoint, const NbDgram *dgram,
                           const MsgrMailslotWrite *write, guint32 src_ipv4,
                           gpointer announcer);

/* After SIGHUP: the config's [browse] values may have changed. */
void ns_announcer_reload (NsAnnouncer *announcer);

/* Shutdown: the ServerType 0 announcement everywhere we announced, then
 * silence. Call while COMPUTER<00> is still registered. */
void ns_announcer_shutdown (NsAnnouncer *announcer);

void ns_announcer_add_status (NsAnnouncer *announcer, GVariantBuilder *builder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsAnnouncer, ns_announcer_free)

G_END_DECLS

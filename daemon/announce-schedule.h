/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The pure part of netsendd's browser announcements (announce.c does the
 * I/O): when a HostAnnouncement is due, and its bytes.
 *
 * netsendd is a nonbrowser server (MS-BRWS §3.2): it sends HostAnnouncements
 * to WORKGROUP<1D> (the local master browser) and answers
 * AnnouncementRequests; it never takes part in elections. The timers
 * (MS-BRWS §3.2.2, §3.2.6):
 *  - the HostAnnouncement timer: the first announcement at start (once our
 *    names are registered), then 1, 1, 2, 4, 8 and from then on every 12
 *    minutes, as Server.HostAnnouncementCount grows; the Periodicity field
 *    of each announcement is the interval until the next one;
 *  - the AnnouncementRequest response timer: a random 0-30 s after a
 *    request (§3.2.5.1), one pending at a time;
 *  - remote announcements (Samba's `remote announce`): a fixed interval,
 *    nmbd's 3 minutes.
 * Times are microseconds on a monotonic clock given by the caller, so that
 * tests run the schedule on a fake clock. No GLib main loop, no sockets. */

#include <glib.h>
#include <netsend/brws-announce.h>
#include <netsend/nb-dgram.h>
#include <netsend/nb-name.h>

G_BEGIN_DECLS

/* The longest HostAnnouncement interval (MS-BRWS §3.2.6). */
#define NS_ANNOUNCE_MAX_INTERVAL_MS (12u * 60u * 1000u)
/* The AnnouncementRequest response delay is random in [0, this] (§3.2.5.1). */
#define NS_ANNOUNCE_REQUEST_DELAY_MAX_MS 30000u
/* nmbd's REMOTE_ANNOUNCE_INTERVAL (source3/nmbd/nmbd.h): 180 s. */
#define NS_ANNOUNCE_REMOTE_INTERVAL_MS (3u * 60u * 1000u)

/* What netsendd announces. ServerType: a workstation (it sends
 * messages) on Unix, as every Samba host says (SV_TYPE_SERVER_UNIX); it
 * shares no files, so no SV_TYPE_SERVER, and it is no browser. The Unix
 * bit is not decoration: libsmbclient lists a workgroup (smb://WG/) with
 * NetServerEnum2 for types 0x0000FFFE (libsmb_dir.c), so a host that is
 * a workstation only is left out of every Samba-based browse, `netsend
 * --reliable` included. OS version 6.1: what nmbd announces
 * (SAMBA_MAJOR/MINOR_NBT_ANNOUNCE_VERSION); informational (MS-BRWS
 * §2.2.1). */
#define NS_ANNOUNCE_SERVER_TYPE (BRWS_SV_TYPE_WORKSTATION | BRWS_SV_TYPE_XENIX_SERVER)
#define NS_ANNOUNCE_OS_MAJOR 6
#define NS_ANNOUNCE_OS_MINOR 1

/* The HostAnnouncement timer value after @count expiries (MS-BRWS §3.2.6
 * table): 0, 1 -> 1 min; 2 -> 2; 3 -> 4; 4 -> 8; more -> 12 minutes. */
guint32 ns_announce_interval_ms (guint count);

typedef struct {
  gboolean running;
  guint32 fixed_interval_ms; /* 0: the MS-BRWS table; else always this */
  guint count;               /* Server.HostAnnouncementCount */
  guint32 interval_ms;       /* the timer's current value (the Periodicity) */
  gint64 next_us;            /* HostAnnouncement timer; G_MAXINT64 = stopped */
  gint64 response_us;        /* response timer; G_MAXINT64 = none pending */
} NsAnnounceTimer;

void ns_announce_timer_init (NsAnnounceTimer *timer, guint32 fixed_interval_ms);
/* (Re)starts at count 0 with the first announcement due at @now_us. */
void ns_announce_timer_start (NsAnnounceTimer *timer, gint64 now_us);
void ns_announce_timer_stop (NsAnnounceTimer *timer);
/* An AnnouncementRequest arrived: answer after @delay_ms (the caller draws
 * it in [0, NS_ANNOUNCE_REQUEST_DELAY_MAX_MS]) unless an answer is already
 * pending earlier. Ignored (FALSE) while stopped: nothing is announced
 * before our names are registered. */
gboolean ns_announce_timer_request (NsAnnounceTimer *timer, gint64 now_us, guint32 delay_ms);
/* When ns_announce_timer_due() has something next; G_MAXINT64 if never. */
gint64 ns_announce_timer_deadline (const NsAnnounceTimer *timer);
/* Whether an announcement is due at @now_us; if so, one is "sent": the
 * HostAnnouncement timer is reset (when it expired) and a pending response
 * is cleared (one announcement answers both), and @ret_periodicity_ms gets
 * the Periodicity to put in it. Call until FALSE. */
gboolean ns_announce_timer_due (NsAnnounceTimer *timer, gint64 now_us,
                                guint32 *ret_periodicity_ms);

/* One HostAnnouncement datagram. */
typedef struct {
  const char *server_name; /* ServerName, OEM (the computer name) */
  const char *comment;     /* Comment, OEM, at most 42 bytes */
  guint32 server_type;     /* 0 = shutting down (MS-BRWS §3.2.7) */
  guint32 periodicity_ms;
  NbName source;           /* COMPUTER<00> */
  NbName destination;      /* WORKGROUP<1D> */
  guint8 node_type;        /* SNT bits of FLAGS (NbDgramNodeType) */
  guint16 dgm_id;
  guint32 source_ip;       /* host byte order */
  guint16 source_port;
} NsHostAnnouncement;

/* The UDP payload: a DIRECT_GROUP datagram (F = 1) carrying a
 * `\MAILSLOT\BROWSE` write with the MS-BRWS §4.1 header and the
 * HostAnnouncement frame (OS version NS_ANNOUNCE_OS_MAJOR.MINOR, browser
 * version 15.1, signature 0xAA55). */
gboolean ns_announce_build (const NsHostAnnouncement *announcement, GByteArray *out,
                            GError **error);

/* Whether an AnnouncementRequest sent to @destination asks us to announce:
 * to our workgroup <00> (MS-BRWS §2.2.2, §3.2.3), to our COMPUTER<00>, or
 * to WORKGROUP<1E>, where nmbd sends its requests
 * (broadcast_announce_request() in source3/nmbd/nmbd_sendannounce.c).
 * Names compare with their scope. */
gboolean ns_announce_request_is_for_us (const NbName *destination, const NbName *computer,
                                        const NbName *workgroup);

G_END_DECLS

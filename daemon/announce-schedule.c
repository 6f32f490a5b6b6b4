/* SPDX-License-Identifier: GPL-3.0-or-later */

/* MS-BRWS §3.2 nonbrowser server timers and the HostAnnouncement bytes;
 * see announce-schedule.h. */

#include "announce-schedule.h"

#include <netsend/msgr-mailslot.h>

guint32
ns_announce_interval_ms (guint count)
{
  /* MS-BRWS §3.2.6: Server.HostAnnouncementCount -> new timer value. */
  static const guint32 minutes[] = { 1, 1, 2, 4, 8 };

  if (count < G_N_ELEMENTS (minutes))
    return minutes[count] * 60u * 1000u;
  return NS_ANNOUNCE_MAX_INTERVAL_MS;
}

void
ns_announce_timer_init (NsAnnounceTimer *timer, guint32 fixed_interval_ms)
{
  g_return_if_fail (timer != NULL);

  timer->running = FALSE;
  timer->fixed_interval_ms = fixed_interval_ms;
  timer->count = 0;
  timer->interval_ms = 0;
  timer->next_us = G_MAXINT64;
  timer->response_us = G_MAXINT64;
}

void
ns_announce_timer_start (NsAnnounceTimer *timer, gint64 now_us)
{
  g_return_if_fail (timer != NULL);

  /* MS-BRWS §3.2.3: the timer starts with the server; we announce at once
   * (as nmbd does) rather than a first interval later. */
  timer->running = TRUE;
  timer->count = 0;
  timer->interval_ms = timer->fixed_interval_ms ? timer->fixed_interval_ms
                                                : ns_announce_interval_ms (0);
  timer->next_us = now_us;
  timer->response_us = G_MAXINT64;
}

void
ns_announce_timer_stop (NsAnnounceTimer *timer)
{
  g_return_if_fail (timer != NULL);

  timer->running = FALSE;
  timer->next_us = G_MAXINT64;
  timer->response_us = G_MAXINT64;
}

gboolean
ns_announce_timer_request (NsAnnounceTimer *timer, gint64 now_us, guint32 delay_ms)
{
  gint64 due;

  g_return_val_if_fail (timer != NULL, FALSE);

  if (!timer->running)
    return FALSE;
  due = now_us + (gint64) MIN (delay_ms, NS_ANNOUNCE_REQUEST_DELAY_MAX_MS) * 1000;
  /* One response timer (MS-BRWS §3.2.2): a second request while one is
   * pending is answered by the same announcement. */
  if (due < timer->response_us)
    timer->response_us = due;
  return TRUE;
}

gint64
ns_announce_timer_deadline (const NsAnnounceTimer *timer)
{
  g_return_val_if_fail (timer != NULL, G_MAXINT64);

  if (!timer->running)
    return G_MAXINT64;
  return MIN (timer->next_us, timer->response_us);
}

gboolean
ns_announce_timer_due (NsAnnounceTimer *timer, gint64 now_us, guint32 *ret_periodicity_ms)
{
  g_return_val_if_fail (timer != NULL && ret_periodicity_ms != NULL, FALSE);

  if (!timer->running)
    return FALSE;
  if (now_us >= timer->next_us) {
    /* MS-BRWS §3.2.6: reset the timer from the table, Periodicity = the
     * new value. A late wake-up counts from now, so a suspended machine
     * does not send a burst. */
    timer->interval_ms = timer->fixed_interval_ms ? timer->fixed_interval_ms
                                                  : ns_announce_interval_ms (timer->count);
    if (timer->count < G_MAXUINT)
      timer->count++;
    timer->next_us = now_us + (gint64) timer->interval_ms * 1000;
    timer->response_us = G_MAXINT64;
    *ret_periodicity_ms = timer->interval_ms;
    return TRUE;
  }
  if (now_us >= timer->response_us) {
    /* The response timer (§3.2.6) does not touch the HostAnnouncement
     * timer: Periodicity is its current value. */
    timer->response_us = G_MAXINT64;
    *ret_periodicity_ms = timer->interval_ms;
    return TRUE;
  }
  return FALSE;
}

gboolean
ns_announce_build (const NsHostAnnouncement *announcement, GByteArray *out, GError **error)
{
  const NsHostAnnouncement *h = announcement;
  g_autoptr (BrwsAnnouncement) a = brws_announcement_new (BRWS_HOST_ANNOUNCEMENT);
  g_autoptr (GByteArray) frame = g_byte_array_new ();
  g_autoptr (NbDgram) d = nb_dgram_new (NB_DGRAM_DIRECT_GROUP);
  MsgrMailslotParams params;

  g_return_val_if_fail (h != NULL && h->server_name != NULL && h->comment != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (!brws_announcement_set_name (a, h->server_name, error))
    return FALSE;
  a->periodicity_ms = h->periodicity_ms;
  a->version_major = NS_ANNOUNCE_OS_MAJOR;
  a->version_minor = NS_ANNOUNCE_OS_MINOR;
  a->server_type = h->server_type;
  g_free (a->comment);
  a->comment = g_strdup (h->comment);
  if (!brws_announcement_build (a, frame, error))
    return FALSE;
  /* MS-BRWS §3.2.5.2: a mailslot write to <machine group>[0x1D]; a group
   * datagram like nmbd's (send_mailslot(False, ...)), complete (F = 1). */
  d->flags = NB_DGRAM_FLAG_FIRST | (h->node_type & NB_DGRAM_NODE_MASK);
  d->dgm_id = h->dgm_id;
  d->source_ip = h->source_ip;
  d->source_port = h->source_port;
  d->source_name = h->source;
  d->destination_name = h->destination;
  brws_mailslot_params_init (&params);
  return brws_build_datagram (d, &params, frame->data, frame->len, out, error);
}

gboolean
ns_announce_request_is_for_us (const NbName *destination, const NbName *computer,
                               const NbName *workgroup)
{
  NbName wg_elections;

  g_return_val_if_fail (destination != NULL && computer != NULL && workgroup != NULL, FALSE);

  nb_name_with_suffix (&wg_elections, workgroup, 0x1e);
  return nb_name_equal (destination, computer) || nb_name_equal (destination, workgroup) ||
         nb_name_equal (destination, &wg_elections);
}

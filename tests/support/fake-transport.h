/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Test doubles for the name engine's seams (STYLE.md practice 7): a
 * transport that records every datagram instead of sending it, and a fake
 * monotonic clock that is just a gint64 the test moves forward. */

#include <glib.h>
#include <netsend/nb-transport.h>

/* One datagram the engine sent. */
typedef struct {
  GBytes *data;
  guint32 dst;      /* host byte order */
  guint16 port;
  gboolean broadcast;
  gint64 time_us;   /* the fake clock when it was sent */
} FakeSent;

typedef struct {
  NbTransport transport; /* hand &ft->transport to nb_*_new() */
  GPtrArray *sent;       /* FakeSent*, oldest first */
  const gint64 *clock;
  gboolean fail;         /* TRUE: every send fails (and is not recorded) */
} FakeTransport;

/* @clock is read to time-stamp each datagram; it must outlive the fake. */
FakeTransport *fake_transport_new (const gint64 *clock);
void fake_transport_free (FakeTransport *ft);
void fake_sent_free (FakeSent *sent);

guint fake_transport_count (const FakeTransport *ft);
/* Removes and returns the oldest datagram; NULL if there is none. */
FakeSent *fake_transport_pop (FakeTransport *ft);
void fake_transport_clear (FakeTransport *ft);

/* Moves *@clock forward to @until, calling @tick at each deadline
 * @next_deadline reports on the way (with *@clock set to that deadline),
 * as a main loop would. Bounded: aborts after 100000 ticks. */
void fake_clock_run_until (gint64 *clock, gint64 until,
                           NbEngineNextDeadlineFunc next_deadline,
                           NbEngineTickFunc tick, gpointer engine);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeTransport, fake_transport_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeSent, fake_sent_free)

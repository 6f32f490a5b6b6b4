/* SPDX-License-Identifier: GPL-3.0-or-later */

/* daemon/announce-schedule.c: the MS-BRWS §3.2 timers on a fake clock,
 * the HostAnnouncement datagram, and which AnnouncementRequests are ours. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "daemon/announce-schedule.h"
#include <netsend/ns-errors.h>

#define S ((gint64) G_USEC_PER_SEC)
#define MIN_US (60 * S)

typedef struct {
  gint64 at_us;
  guint32 periodicity_ms;
} Sent;

/* Runs @t from @from_us to @until_us, jumping the clock to each deadline
 * (plus @late_us, a sluggish main loop), and records what is sent. */
static guint
run (NsAnnounceTimer *t, gint64 from_us, gint64 until_us, gint64 late_us, Sent *sent, guint max)
{
  gint64 now = from_us;
  guint n = 0;

  for (guint guard = 0; guard < 1000; guard++) {
    gint64 next = ns_announce_timer_deadline (t);
    guint32 p;

    if (next == G_MAXINT64 || next + late_us > until_us)
      break;
    now = MAX (now, next + late_us);
    assert_true (ns_announce_timer_due (t, now, &p));
    assert_true (n < max);
    sent[n].at_us = now;
    sent[n].periodicity_ms = p;
    n++;
    /* Nothing else is due at the same instant. */
    assert_false (ns_announce_timer_due (t, now, &p));
  }
  return n;
}

static void
test_interval_table (void **state)
{
  /* MS-BRWS §3.2.6: count 0, 1 -> 1 min; 2 -> 2; 3 -> 4; 4 -> 8; > 4 -> 12. */
  static const guint32 want[] = { 1, 1, 2, 4, 8, 12, 12, 12 };

  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    assert_int_equal (ns_announce_interval_ms (i), want[i] * 60000);
  assert_int_equal (ns_announce_interval_ms (G_MAXUINT), NS_ANNOUNCE_MAX_INTERVAL_MS);
}

/* The first announcement at start, then 1, 1, 2, 4, 8, 12, 12 ... minutes,
 * each carrying the interval until the next. */
static void
test_growing_schedule (void **state)
{
  static const struct { gint64 at_min; guint32 periodicity_min; } want[] = {
    { 0, 1 }, { 1, 1 }, { 2, 2 }, { 4, 4 }, { 8, 8 }, { 16, 12 }, { 28, 12 }, { 40, 12 },
    { 52, 12 },
  };
  NsAnnounceTimer t;
  Sent sent[32];
  guint n;
  const gint64 t0 = 1000 * S;

  ns_announce_timer_init (&t, 0);
  assert_int_equal (ns_announce_timer_deadline (&t), G_MAXINT64); /* not started: silent */
  ns_announce_timer_start (&t, t0);
  n = run (&t, t0, t0 + 60 * MIN_US, 0, sent, G_N_ELEMENTS (sent));
  assert_int_equal (n, G_N_ELEMENTS (want));
  for (guint i = 0; i < n; i++) {
    assert_int_equal (sent[i].at_us - t0, want[i].at_min * MIN_US);
    assert_int_equal (sent[i].periodicity_ms, want[i].periodicity_min * 60000);
  }
  /* Each Periodicity is the actual gap to the next announcement. */
  for (guint i = 0; i + 1 < n; i++)
    assert_int_equal (sent[i + 1].at_us - sent[i].at_us, (gint64) sent[i].periodicity_ms * 1000);
}

/* A late main loop counts the next interval from when it really sent. */
static void
test_late_wakeups (void **state)
{
  NsAnnounceTimer t;
  Sent sent[16];
  guint n;

  ns_announce_timer_init (&t, 0);
  ns_announce_timer_start (&t, 0);
  n = run (&t, 0, 20 * MIN_US, 3 * S, sent, G_N_ELEMENTS (sent));
  assert_true (n >= 5);
  for (guint i = 0; i + 1 < n; i++)
    assert_int_equal (sent[i + 1].at_us - sent[i].at_us,
                      (gint64) sent[i].periodicity_ms * 1000 + 3 * S);
}

static void
test_request (void **state)
{
  NsAnnounceTimer t;
  guint32 p = 0;

  ns_announce_timer_init (&t, 0);
  /* Before our names are registered nothing is announced, not even on
   * request. */
  assert_false (ns_announce_timer_request (&t, 0, 1000));
  assert_int_equal (ns_announce_timer_deadline (&t), G_MAXINT64);

  ns_announce_timer_start (&t, 0);
  assert_true (ns_announce_timer_due (&t, 0, &p)); /* the start announcement */
  assert_true (ns_announce_timer_due (&t, MIN_US, &p)); /* count 1 -> next in 1 min */
  assert_true (ns_announce_timer_due (&t, 2 * MIN_US, &p));
  assert_int_equal (p, 120000);                   /* next at 4 min */
  /* A request at 2:10 answered 25 s later, with the current Periodicity;
   * the HostAnnouncement timer stays at 4:00. */
  assert_true (ns_announce_timer_request (&t, 2 * MIN_US + 10 * S, 25000));
  assert_int_equal (ns_announce_timer_deadline (&t), 2 * MIN_US + 35 * S);
  /* A second request cannot postpone it; an earlier one advances it. */
  assert_true (ns_announce_timer_request (&t, 2 * MIN_US + 20 * S, 30000));
  assert_int_equal (ns_announce_timer_deadline (&t), 2 * MIN_US + 35 * S);
  assert_true (ns_announce_timer_request (&t, 2 * MIN_US + 20 * S, 5000));
  assert_int_equal (ns_announce_timer_deadline (&t), 2 * MIN_US + 25 * S);
  assert_false (ns_announce_timer_due (&t, 2 * MIN_US + 24 * S, &p));
  assert_true (ns_announce_timer_due (&t, 2 * MIN_US + 25 * S, &p));
  assert_int_equal (p, 120000);
  assert_false (ns_announce_timer_due (&t, 2 * MIN_US + 25 * S, &p));
  assert_int_equal (ns_announce_timer_deadline (&t), 4 * MIN_US);
  assert_int_equal (t.count, 3); /* responses do not count (§3.2.1) */
  /* A delay above the spec's 30 s is clamped. */
  assert_true (ns_announce_timer_request (&t, 3 * MIN_US, 99000));
  assert_int_equal (ns_announce_timer_deadline (&t), 3 * MIN_US + 30 * S);
  /* The periodic announcement due first answers the pending request too. */
  assert_true (ns_announce_timer_request (&t, 3 * MIN_US + 50 * S, 20000));
  assert_true (ns_announce_timer_due (&t, 3 * MIN_US + 30 * S, &p)); /* the first response */
  assert_true (ns_announce_timer_due (&t, 4 * MIN_US, &p));
  assert_int_equal (p, 240000);
  assert_int_equal (ns_announce_timer_deadline (&t), 8 * MIN_US);
}

static void
test_restart_and_stop (void **state)
{
  NsAnnounceTimer t;
  guint32 p = 0;

  ns_announce_timer_init (&t, 0);
  ns_announce_timer_start (&t, 0);
  for (gint64 m = 0; m <= 30; m++)
    while (ns_announce_timer_due (&t, m * MIN_US, &p))
      ;
  assert_int_equal (p, NS_ANNOUNCE_MAX_INTERVAL_MS);
  /* A new comment (reload) starts over: announce now, 1 minute next. */
  ns_announce_timer_start (&t, 31 * MIN_US);
  assert_true (ns_announce_timer_due (&t, 31 * MIN_US, &p));
  assert_int_equal (p, 60000);
  assert_true (ns_announce_timer_request (&t, 31 * MIN_US, 1000));
  ns_announce_timer_stop (&t);
  assert_int_equal (ns_announce_timer_deadline (&t), G_MAXINT64);
  assert_false (ns_announce_timer_due (&t, 99 * MIN_US, &p));
}

/* [browse] remote-announce: nmbd's fixed 3 minutes. */
static void
test_fixed_interval (void **state)
{
  NsAnnounceTimer t;
  Sent sent[16];
  guint n;

  ns_announce_timer_init (&t, NS_ANNOUNCE_REMOTE_INTERVAL_MS);
  ns_announce_timer_start (&t, 5 * S);
  n = run (&t, 5 * S, 5 * S + 10 * MIN_US, 0, sent, G_N_ELEMENTS (sent));
  assert_int_equal (n, 4); /* 0, 3, 6, 9 minutes */
  for (guint i = 0; i < n; i++) {
    assert_int_equal (sent[i].at_us, 5 * S + i * 3 * MIN_US);
    assert_int_equal (sent[i].periodicity_ms, 180000);
  }
}

/* The frame bytes of a HostAnnouncement of "NSTOURS", 1 minute, workstation,
 * comment "netsend" (MS-BRWS §2.2.1). */
static const guint8 want_frame[] = {
  0x01, 0x00,                               /* 0: HostAnnouncement, UpdateCount 0 */
  0x60, 0xea, 0x00, 0x00,                   /* 2: Periodicity 60000 ms */
  'N', 'S', 'T', 'O', 'U', 'R', 'S', 0x00,  /* 6: ServerName, NUL-padded */
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x06, 0x01,                               /* 22: OS 6.1 (as nmbd) */
  0x01, 0x08, 0x00, 0x00,                   /* 24: ServerType: workstation, Unix */
  0x0f, 0x01, 0x55, 0xaa,                   /* 28: browser 15.1, signature */
  'n', 'e', 't', 's', 'e', 'n', 'd', 0x00,  /* 32: Comment */
};

static void
make_name (NbName *ret, const char *utf8, guint8 suffix, const char *scope)
{
  assert_true (nb_name_from_utf8 (ret, utf8, suffix, "CP850", NULL));
  assert_true (nb_name_set_scope (ret, scope, NULL));
}

static void
test_build (void **state)
{
  NsHostAnnouncement h = { 0 };
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (MsgrMailslotWrite) w = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *src = NULL;
  g_autofree char *dst = NULL;

  h.server_name = "NSTOURS";
  h.comment = "netsend";
  h.server_type = NS_ANNOUNCE_SERVER_TYPE;
  h.periodicity_ms = 60000;
  make_name (&h.source, "NSTOURS", 0x00, "");
  make_name (&h.destination, "NSTLAN", 0x1d, "");
  h.node_type = NB_DGRAM_NODE_B;
  h.dgm_id = 0x4242;
  h.source_ip = 0x0a000101;
  h.source_port = 138;
  assert_true (ns_announce_build (&h, out, &error));
  /* 14 header + 2 x 34 names + 69 SMB/trans + 17 mailslot name + 40 frame */
  assert_int_equal (out->len, 14 + 68 + 69 + 17 + sizeof want_frame);
  assert_true (brws_parse_datagram (out->data, out->len, &d, &w, &error));
  assert_int_equal (d->type, NB_DGRAM_DIRECT_GROUP);
  assert_int_equal (d->flags, 0x02); /* F, B node */
  assert_int_equal (d->dgm_id, 0x4242);
  assert_int_equal (d->source_ip, 0x0a000101);
  assert_int_equal (d->source_port, 138);
  src = nb_name_to_display (&d->source_name, NULL);
  dst = nb_name_to_display (&d->destination_name, NULL);
  assert_string_equal (src, "NSTOURS<00>");
  assert_string_equal (dst, "NSTLAN<1d>");
  /* MS-BRWS §4.1 header: Timeout 1000, priority 0, class 2, DataOffset 86. */
  assert_int_equal (w->params.timeout_ms, 1000);
  assert_int_equal (w->params.priority, 0);
  assert_int_equal (w->params.mailslot_class, 2);
  assert_int_equal (w->params.padding, 0);
  assert_int_equal (out->data[82 + 57] | (out->data[82 + 58] << 8), 86);
  assert_int_equal (g_bytes_get_size (w->data), sizeof want_frame);
  assert_memory_equal (g_bytes_get_data (w->data, NULL), want_frame, sizeof want_frame);
}

static void
test_build_shutdown_and_refusals (void **state)
{
  NsHostAnnouncement h = { 0 };
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (MsgrMailslotWrite) w = NULL;
  g_autoptr (BrwsAnnouncement) a = NULL;
  g_autoptr (GError) error = NULL;

  h.server_name = "NSTOURS";
  h.comment = "";
  h.server_type = 0; /* MS-BRWS §3.2.7: going away */
  h.periodicity_ms = 0;
  make_name (&h.source, "NSTOURS", 0x00, "corp.example");
  make_name (&h.destination, "NSTLAN", 0x1d, "corp.example");
  h.node_type = NB_DGRAM_NODE_NBDD; /* an H node sends 0x0E (PROTOCOL.md §1.5.1) */
  assert_true (ns_announce_build (&h, out, &error));
  assert_true (brws_parse_datagram (out->data, out->len, &d, &w, &error));
  assert_int_equal (d->flags, 0x0e);
  assert_true (brws_announcement_parse (g_bytes_get_data (w->data, NULL),
                                        g_bytes_get_size (w->data), &a, &error));
  assert_int_equal (a->server_type, 0);
  assert_int_equal (a->periodicity_ms, 0);
  assert_string_equal (a->comment, "");
  /* What the codec refuses, the builder refuses, leaving @out alone. */
  g_byte_array_set_size (out, 0);
  h.comment = "0123456789012345678901234567890123456789012"; /* 43 bytes */
  assert_false (ns_announce_build (&h, out, &error));
  assert_int_equal (error->code, NS_CODEC_ERROR_MALFORMED);
  g_clear_error (&error);
  h.comment = "";
  h.server_name = "";
  assert_false (ns_announce_build (&h, out, &error));
  assert_int_equal (error->code, NS_CODEC_ERROR_INVALID_NAME);
  assert_int_equal (out->len, 0);
}

static void
test_request_is_for_us (void **state)
{
  static const struct { const char *name; guint8 suffix; const char *scope; gboolean ours; } cases[] = {
    { "NSTLAN", 0x00, "", TRUE },   /* <machine group>[0x00], MS-BRWS §2.2.2 */
    { "NSTOURS", 0x00, "", TRUE },  /* our computer name */
    { "NSTLAN", 0x1e, "", TRUE },   /* where nmbd sends them */
    { "NSTLAN", 0x1d, "", FALSE },  /* asks the master browser only */
    { "NSTLAN", 0x20, "", FALSE },
    { "OTHERWG", 0x00, "", FALSE }, /* another workgroup */
    { "nstlan", 0x00, "", TRUE },   /* names are upper-cased on the wire */
    { "NSTLAN", 0x00, "other", FALSE }, /* another scope */
  };
  NbName computer, workgroup;

  make_name (&computer, "NSTOURS", 0x00, "");
  make_name (&workgroup, "NSTLAN", 0x00, "");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    NbName dest;

    make_name (&dest, cases[i].name, cases[i].suffix, cases[i].scope);
    if (ns_announce_request_is_for_us (&dest, &computer, &workgroup) != cases[i].ours)
      fail_msg ("case %u (%s<%02x>): expected %d", i, cases[i].name, cases[i].suffix,
                cases[i].ours);
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_interval_table),
    cmocka_unit_test (test_growing_schedule),
    cmocka_unit_test (test_late_wakeups),
    cmocka_unit_test (test_request),
    cmocka_unit_test (test_restart_and_stop),
    cmocka_unit_test (test_fixed_interval),
    cmocka_unit_test (test_build),
    cmocka_unit_test (test_build_shutdown_and_refusals),
    cmocka_unit_test (test_request_is_for_us),
  };

  return cmocka_run_group_tests_name ("announce", tests, NULL, NULL);
}

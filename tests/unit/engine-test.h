/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Helpers shared by test-registrar.c, test-responder.c and test-resolver.c
 * (included after <cmocka.h>). */

#include <stdio.h>
#include <string.h>

#include <netsend/nb-ns.h>
#include <netsend/nb-registrar.h>
#include <netsend/nb-resolver.h>

#include "fake-transport.h"
#include "vectors.h"

#define IP4(a, b, c, d) \
  ((guint32) (((guint32) (a) << 24) | ((guint32) (b) << 16) | ((guint32) (c) << 8) | (guint32) (d)))
#define MS(n) ((gint64) (n) * 1000)
/* The fake clock starts here, so that 0 is never a valid time. */
#define T0 G_GINT64_CONSTANT (1000000000)

static inline NbName
tname (const char *text, guint8 suffix)
{
  NbName name;
  g_autoptr (GError) error = NULL;

  if (!nb_name_from_utf8 (&name, text, suffix, NULL, &error))
    fail_msg ("bad test name %s: %s", text, error->message);
  return name;
}

static inline void
assert_bytes_equal (GBytes *actual, GBytes *expected)
{
  gsize alen, elen;
  const guint8 *a = g_bytes_get_data (actual, &alen);
  const guint8 *e = g_bytes_get_data (expected, &elen);

  if (alen != elen || memcmp (a, e, alen) != 0) {
    for (gsize i = 0; i < MAX (alen, elen); i++) {
      if (i >= alen || i >= elen || a[i] != e[i]) {
        print_error ("first difference at offset %zu (lengths %zu / %zu)\n", i, alen, elen);
        break;
      }
    }
    fail_msg ("datagram differs from the expected bytes");
  }
}

/* A golden frame with its NAME_TRN_ID (offset 0-1) replaced, and its flag
 * word (offset 2-3) replaced unless @flags is -1. */
static inline GBytes *
golden_patched (const char *name, const char *label, guint16 trn_id, gint flags)
{
  g_autoptr (GBytes) golden = tv_lookup (name, label);
  gsize len;
  const guint8 *data = g_bytes_get_data (golden, &len);
  guint8 *copy = g_memdup2 (data, len);

  assert_true (len >= NB_NS_HEADER_LEN);
  copy[0] = trn_id >> 8;
  copy[1] = trn_id & 0xff;
  if (flags >= 0) {
    copy[2] = (guint8) (flags >> 8);
    copy[3] = (guint8) (flags & 0xff);
  }
  return g_bytes_new_take (copy, len);
}

static inline NbNsPacket *
parse_bytes (GBytes *bytes)
{
  NbNsPacket *packet = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  if (!nb_ns_packet_parse (data, len, &packet, &error))
    fail_msg ("engine sent a datagram our codec rejects: %s", error->message);
  return packet;
}

/* Pops the oldest sent datagram and checks where and when it went. */
static inline FakeSent *
pop_sent (FakeTransport *ft, guint32 dst, guint16 port, gboolean broadcast, gint64 time_us)
{
  FakeSent *sent = fake_transport_pop (ft);

  if (sent == NULL)
    fail_msg ("expected a datagram at t0+%" G_GINT64_FORMAT " ms, none was sent",
              (time_us - T0) / 1000);
  assert_int_equal (sent->dst, dst);
  assert_int_equal (sent->port, port);
  assert_int_equal (sent->broadcast, broadcast);
  if (sent->time_us != time_us)
    fail_msg ("datagram sent at t0+%" G_GINT64_FORMAT " us, expected t0+%" G_GINT64_FORMAT " us",
              sent->time_us - T0, time_us - T0);
  return sent;
}

/* As pop_sent(), then parses it. */
static inline NbNsPacket *
pop_packet (FakeTransport *ft, guint32 dst, guint16 port, gboolean broadcast, gint64 time_us)
{
  g_autoptr (FakeSent) sent = pop_sent (ft, dst, port, broadcast, time_us);

  return parse_bytes (sent->data);
}

/* The header flag word of a datagram, as on the wire. */
static inline guint16
wire_flags (GBytes *bytes)
{
  const guint8 *d = g_bytes_get_data (bytes, NULL);

  return (guint16) ((d[2] << 8) | d[3]);
}

static inline guint16
wire_trn_id (GBytes *bytes)
{
  const guint8 *d = g_bytes_get_data (bytes, NULL);

  return (guint16) ((d[0] << 8) | d[1]);
}

static inline GBytes *
build_bytes (const NbNsPacket *packet)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();

  assert_true (nb_ns_packet_build (packet, buf, NULL));
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

/* The single NB address entry of @packet's record. */
static inline NbNsAddrEntry
only_address (const NbNsPacket *packet)
{
  const NbNsRecord *rr = nb_ns_packet_record (packet);

  assert_non_null (rr);
  assert_int_equal (rr->kind, NB_NS_RDATA_NB);
  assert_int_equal (rr->addresses->len, 1);
  return g_array_index (rr->addresses, NbNsAddrEntry, 0);
}

/* Deadline/tick adapters for fake_clock_run_until(). */
static inline gint64
registrar_deadline (gpointer engine)
{
  return nb_registrar_next_deadline (engine);
}

static inline void
registrar_tick (gpointer engine, gint64 now_us)
{
  nb_registrar_tick (engine, now_us);
}

static inline gint64
resolver_deadline (gpointer engine)
{
  return nb_resolver_next_deadline (engine);
}

static inline void
resolver_tick (gpointer engine, gint64 now_us)
{
  nb_resolver_tick (engine, now_us);
}

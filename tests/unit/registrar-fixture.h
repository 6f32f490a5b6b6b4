/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The registrar fixture shared by test-registrar.c, test-registrar-wins.c
 * and test-registrar-unreachable.c:
 * a fake transport and clock, one registrar, and every event it raised. */

#include "engine-test.h"

typedef struct {
  NbNameInfo info;
  NbNameState old_state;
} Ev;

typedef struct {
  gint64 now;
  FakeTransport *ft;
  NbRegistrar *reg;
  GArray *events; /* Ev */
  gboolean remove_on_conflict;
} Fx;

static inline void
on_event (NbRegistrar *reg, const NbNameInfo *info, NbNameState old_state, gpointer user_data)
{
  Fx *fx = user_data;
  Ev ev = { *info, old_state };

  g_array_append_val (fx->events, ev);
  /* Re-entrancy: the daemon may react from inside the callback. */
  if (fx->remove_on_conflict && info->state == NB_NAME_STATE_CONFLICT)
    assert_true (nb_registrar_remove_name (reg, &info->name, fx->now, NULL));
}

static inline int
teardown (void **state)
{
  Fx *fx = *state;

  nb_registrar_free (fx->reg);
  fake_transport_free (fx->ft);
  g_array_unref (fx->events);
  g_free (fx);
  return 0;
}

static inline void
run_until (Fx *fx, gint64 until)
{
  fake_clock_run_until (&fx->now, until, registrar_deadline, registrar_tick, fx->reg);
}

static inline const Ev *
event (Fx *fx, guint i)
{
  if (i >= fx->events->len)
    fail_msg ("expected event %u, only %u happened", i, fx->events->len);
  return &g_array_index (fx->events, Ev, i);
}

/* ---- WINS tests (test-registrar-wins, test-registrar-unreachable) ----- */

/* @packet arriving from @src:@port. */
static inline gboolean
inject (Fx *fx, const NbNsPacket *packet, guint32 src, guint16 port)
{
  g_autoptr (GBytes) bytes = build_bytes (packet);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return nb_registrar_receive (fx->reg, data, len, src, port, fx->now);
}

/* A datagram from @src port 137 (a WINS server's answer). */
static inline gboolean
inject_wins (Fx *fx, const NbNsPacket *packet, guint32 src)
{
  return inject (fx, packet, src, 137);
}

static inline NbNameInfo
lookup (Fx *fx, const NbName *name)
{
  NbNameInfo info;

  assert_true (nb_registrar_lookup (fx->reg, name, &info));
  return info;
}

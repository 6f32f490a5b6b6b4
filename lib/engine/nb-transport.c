/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/nb-transport.h"

#include "nb-engine-private.h"
#include "netsend/nb-ns.h"

G_DEFINE_QUARK (ns-engine-error-quark, ns_engine_error)

guint16
nb_node_type_to_ont (NbNodeType node_type)
{
  /* NB_FLAGS ONT, RFC 1002 §4.2.1.3; H is Microsoft's use of the reserved
   * value 3 (MS-NBTE §2.2.1). */
  switch (node_type) {
    case NB_NODE_P:
      return NB_NS_ONT_P;
    case NB_NODE_M:
      return NB_NS_ONT_M;
    case NB_NODE_H:
      return NB_NS_ONT_H;
    case NB_NODE_B:
    default:
      return NB_NS_ONT_B;
  }
}

const char *
nb_node_type_to_string (NbNodeType node_type)
{
  static const char *const names[] = { "B", "P", "M", "H" };

  if ((guint) node_type < G_N_ELEMENTS (names))
    return names[node_type];
  return "?";
}

gboolean
_nb_engine_send (const NbTransport *transport, const NbNsPacket *packet,
                 guint32 dst_ipv4, guint16 dst_port, gboolean broadcast)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  if (!nb_ns_packet_build (packet, buf, &error)) {
    g_debug ("engine: cannot build %s packet: %s",
             nb_ns_opcode_to_string (packet->opcode), error->message);
    return FALSE;
  }
  if (transport->send == NULL)
    return FALSE;
  if (!transport->send (transport->user_data, buf->data, buf->len, dst_ipv4, dst_port,
                        broadcast, &error)) {
    g_debug ("engine: sending %s to %s:%u failed: %s",
             nb_ns_opcode_to_string (packet->opcode), _nb_engine_ipv4_str (dst_ipv4),
             dst_port, error != NULL ? error->message : "unknown error");
    return FALSE;
  }
  return TRUE;
}

guint16
_nb_engine_random_trn_id (void)
{
  return (guint16) g_random_int_range (0, 0x10000);
}

const char *
_nb_engine_ipv4_str (guint32 ipv4)
{
  static char ring[4][16];
  static guint next;
  char *buf = ring[next++ % G_N_ELEMENTS (ring)];

  g_snprintf (buf, sizeof ring[0], "%u.%u.%u.%u", ipv4 >> 24, (ipv4 >> 16) & 0xff,
              (ipv4 >> 8) & 0xff, ipv4 & 0xff);
  return buf;
}

/* NbEngineTimer: the timer lives inside its GSource, so a tick that frees
 * the timer (e.g. an event callback detaching the engine) cannot leave the
 * dispatch function with a dangling pointer: GLib holds a reference on the
 * source while it dispatches. */
struct _NbEngineTimer {
  GSource source;
  NbEngineNextDeadlineFunc next_deadline;
  NbEngineTickFunc tick;
  gpointer engine;
};

static gboolean
timer_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  NbEngineTimer *timer = (NbEngineTimer *) source;

  g_source_set_ready_time (source, -1);
  timer->tick (timer->engine, g_get_monotonic_time ());
  if (!g_source_is_destroyed (source))
    nb_engine_timer_update (timer);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = {
  .dispatch = timer_dispatch,
};

NbEngineTimer *
nb_engine_timer_new (GMainContext *context, NbEngineNextDeadlineFunc next_deadline,
                     NbEngineTickFunc tick, gpointer engine)
{
  NbEngineTimer *timer;

  g_return_val_if_fail (next_deadline != NULL, NULL);
  g_return_val_if_fail (tick != NULL, NULL);

  timer = (NbEngineTimer *) g_source_new (&timer_funcs, sizeof (NbEngineTimer));
  timer->next_deadline = next_deadline;
  timer->tick = tick;
  timer->engine = engine;
  g_source_set_static_name (&timer->source, "netsend engine timer");
  g_source_set_ready_time (&timer->source, -1);
  g_source_attach (&timer->source, context);
  nb_engine_timer_update (timer);
  return timer;
}

void
nb_engine_timer_update (NbEngineTimer *timer)
{
  gint64 deadline;

  g_return_if_fail (timer != NULL);

  if (g_source_is_destroyed (&timer->source))
    return;
  deadline = timer->next_deadline (timer->engine);
  /* A deadline already past fires at the next iteration (ready time 0
   * would too, but keeps the value meaningful in debuggers). */
  g_source_set_ready_time (&timer->source, deadline < 0 ? -1 : deadline);
}

void
nb_engine_timer_free (NbEngineTimer *timer)
{
  if (timer == NULL)
    return;
  g_source_destroy (&timer->source);
  g_source_unref (&timer->source);
}

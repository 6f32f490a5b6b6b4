/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The seams of the NetBIOS name engine (lib/engine): an injected transport,
 * an injected clock, and a small GLib main-loop adapter.
 *
 * The engine objects (#NbRegistrar, #NbResolver) own no socket and read no
 * clock. Their owner
 *  - hands every datagram received on the name-service port to
 *    nb_registrar_receive() / nb_resolver_receive() together with the
 *    sender's address and the current time,
 *  - calls nb_registrar_tick() / nb_resolver_tick() at (or after) the time
 *    nb_registrar_next_deadline() / nb_resolver_next_deadline() returned,
 *  - sends what the engine asks through #NbTransport,
 *  - hands every ICMP destination unreachable about a datagram it sent for
 *    the engine (the #NsUdpUnreachableFunc of lib/net's endpoints) to
 *    nb_registrar_unreachable() / nb_resolver_unreachable(), so that a
 *    WINS server or host with nothing on the port ends a transaction at
 *    once instead of after every retransmission.
 * Times are microseconds on a monotonic clock (g_get_monotonic_time() in
 * production, a fake counter in tests). nb_registrar_attach() and
 * nb_resolver_attach() do the tick scheduling on a #GMainContext with an
 * #NbEngineTimer, so a daemon only feeds received datagrams.
 *
 * Addresses are IPv4 in host byte order (0x0A630001 is 10.99.0.1), the
 * same as #NbNsAddrEntry.ipv4 in <netsend/nb-ns.h>. */

#include <glib.h>

G_BEGIN_DECLS

/**
 * NS_ENGINE_ERROR:
 *
 * Error domain of the name engine (registrar, resolver). Errors a caller
 * can map to NERR codes of `net name` (PROTOCOL.md §6.5) have their own code.
 *
 * Since: 0.1
 */
#define NS_ENGINE_ERROR (ns_engine_error_quark ())

/**
 * NsEngineError:
 * @NS_ENGINE_ERROR_INVALID_ARGUMENT: a bad name, config value or option
 *   (e.g. a name beginning with '*', a scope that differs from the
 *   registrar's, a broadcast address of 0).
 * @NS_ENGINE_ERROR_EXISTS: the name is already registered or being
 *   registered here (NERR_AlreadyExists, 2276).
 * @NS_ENGINE_ERROR_NOT_FOUND: the name is not in this registrar's table
 *   (NERR_NotLocalName, 2285).
 * @NS_ENGINE_ERROR_TOO_MANY: the table is full (NERR_TooManyNames, 2277).
 * @NS_ENGINE_ERROR_UNSUPPORTED: a valid request this version cannot carry
 *   out (e.g. P/M/H-node registration before WINS support lands).
 *
 * Codes of %NS_ENGINE_ERROR.
 *
 * Since: 0.1
 */
typedef enum {
  NS_ENGINE_ERROR_INVALID_ARGUMENT,
  NS_ENGINE_ERROR_EXISTS,
  NS_ENGINE_ERROR_NOT_FOUND,
  NS_ENGINE_ERROR_TOO_MANY,
  NS_ENGINE_ERROR_UNSUPPORTED,
} NsEngineError;

GQuark ns_engine_error_quark (void);

/**
 * NbNodeType:
 * @NB_NODE_B: broadcast node (RFC 1001 §10.1), the only type without WINS.
 * @NB_NODE_P: point-to-point: only unicast to the NBNS (WINS).
 * @NB_NODE_M: mixed: broadcast first, then the NBNS.
 * @NB_NODE_H: hybrid (Microsoft): NBNS first, broadcast if that fails.
 *
 * The NetBIOS node type (PROTOCOL.md §1.4.7). It decides the order of
 * broadcast and WINS in registration and resolution, and the ONT bits the
 * node puts in NB_FLAGS (nb_node_type_to_ont()).
 *
 * Since: 0.1
 */
typedef enum {
  NB_NODE_B,
  NB_NODE_P,
  NB_NODE_M,
  NB_NODE_H,
} NbNodeType;

/**
 * nb_node_type_to_ont:
 * @node_type: a node type
 *
 * Returns: the ONT bits of NB_FLAGS for @node_type (%NB_NS_ONT_B ...
 *   %NB_NS_ONT_H of <netsend/nb-ns.h>)
 *
 * Since: 0.1
 */
guint16 nb_node_type_to_ont (NbNodeType node_type);

/**
 * nb_node_type_to_string:
 * @node_type: a node type
 *
 * Returns: "B", "P", "M" or "H" (static)
 *
 * Since: 0.1
 */
const char *nb_node_type_to_string (NbNodeType node_type);

/**
 * NB_ENGINE_MAX_WINS_SERVERS:
 *
 * Most WINS servers an engine object takes (Windows: a primary plus up to
 * eleven secondaries, 12 in all).
 *
 * Since: 0.1
 */
#define NB_ENGINE_MAX_WINS_SERVERS 12

/**
 * NbTransportSendFunc:
 * @user_data: #NbTransport.user_data
 * @data: the UDP payload (a complete name-service packet)
 * @len: its length
 * @dst_ipv4: destination address, host byte order
 * @dst_port: destination UDP port, host byte order
 * @broadcast: %TRUE if @dst_ipv4 is the subnet broadcast address (the
 *   socket needs SO_BROADCAST)
 * @error: return location for a #GError
 *
 * Sends one datagram, without blocking. The engine does not keep @data
 * after the call. A failure is reported to the engine, which logs it at
 * debug level and carries on (a lost datagram is what the retries are for).
 *
 * Returns: %TRUE if the datagram was handed to the network
 *
 * Since: 0.1
 */
typedef gboolean (*NbTransportSendFunc) (gpointer user_data,
                                         const guint8 *data, gsize len,
                                         guint32 dst_ipv4, guint16 dst_port,
                                         gboolean broadcast,
                                         GError **error);

/**
 * NbTransport:
 * @send: sends a datagram; must not call back into the engine object
 * @user_data: passed to @send
 *
 * The transport vtable an engine object sends through. Engine objects copy
 * it when created; @user_data must outlive them. The real one is in
 * lib/net (one UDP socket per interface on the name-service port); tests
 * use a fake that records packets.
 *
 * Since: 0.1
 */
typedef struct {
  NbTransportSendFunc send;
  gpointer user_data;
} NbTransport;

/**
 * NB_ENGINE_NO_DEADLINE:
 *
 * What the next_deadline functions return when nothing is scheduled.
 *
 * Since: 0.1
 */
#define NB_ENGINE_NO_DEADLINE ((gint64) -1)

/**
 * NbEngineNextDeadlineFunc:
 * @engine: the engine object
 *
 * Returns: the monotonic time in µs at which @engine wants its tick
 *   function called, or %NB_ENGINE_NO_DEADLINE
 *
 * Since: 0.1
 */
typedef gint64 (*NbEngineNextDeadlineFunc) (gpointer engine);

/**
 * NbEngineTickFunc:
 * @engine: the engine object
 * @now_us: the current monotonic time in µs
 *
 * Runs every timer of @engine that is due at @now_us.
 *
 * Since: 0.1
 */
typedef void (*NbEngineTickFunc) (gpointer engine, gint64 now_us);

/**
 * NbEngineTimer:
 *
 * A GLib adapter: one #GSource on a #GMainContext whose ready time follows
 * an engine object's next deadline. When it fires it calls the tick function
 * with g_get_monotonic_time() and re-arms itself. Call
 * nb_engine_timer_update() after anything that may have moved the deadline
 * earlier (the attach functions of the engine objects do that for you).
 *
 * Since: 0.1
 */
typedef struct _NbEngineTimer NbEngineTimer;

/**
 * nb_engine_timer_new:
 * @context: (nullable): the context to attach to; %NULL = the global default
 * @next_deadline: the engine's deadline function
 * @tick: the engine's tick function
 * @engine: the engine object, passed to both (not owned; must outlive the
 *   timer)
 *
 * Creates and attaches a timer, armed at the engine's current deadline.
 *
 * Returns: (transfer full): the timer
 *
 * Since: 0.1
 */
NbEngineTimer *nb_engine_timer_new (GMainContext *context,
                                    NbEngineNextDeadlineFunc next_deadline,
                                    NbEngineTickFunc tick, gpointer engine);

/**
 * nb_engine_timer_update:
 * @timer: a timer
 *
 * Re-reads the engine's deadline and re-arms the source (or disarms it).
 *
 * Since: 0.1
 */
void nb_engine_timer_update (NbEngineTimer *timer);

/**
 * nb_engine_timer_free:
 * @timer: (nullable): a timer
 *
 * Destroys the source. NULL-safe.
 *
 * Since: 0.1
 */
void nb_engine_timer_free (NbEngineTimer *timer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NbEngineTimer, nb_engine_timer_free)

G_END_DECLS

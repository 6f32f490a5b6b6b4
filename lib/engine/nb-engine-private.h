/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Internals shared by the files of lib/engine. Not installed. */

#include <glib.h>

#include "netsend/nb-ns.h"
#include "netsend/nb-registrar.h"
#include "netsend/nb-resolver.h"
#include "netsend/nb-transport.h"

G_BEGIN_DECLS

/* Builds @packet and hands it to @transport. A failure (a packet the codec
 * refuses, a send error) is logged at debug level and otherwise ignored:
 * the state machines treat it like a datagram lost on the wire. */
gboolean _nb_engine_send (const NbTransport *transport, const NbNsPacket *packet,
                          guint32 dst_ipv4, guint16 dst_port, gboolean broadcast);

/* A first NAME_TRN_ID, random so that two engine objects (or a restarted
 * daemon) do not start in step. */
guint16 _nb_engine_random_trn_id (void);

/* "a.b.c.d" for debug logs, in a static ring of buffers. */
const char *_nb_engine_ipv4_str (guint32 ipv4);

/* Where a name's current transaction sends its requests. */
typedef enum {
  NB_REG_PHASE_NONE,      /* no transaction (REGISTERED, CONFLICT) */
  NB_REG_PHASE_BROADCAST, /* broadcast registration or release */
  NB_REG_PHASE_WINS,      /* unicast to config.wins_servers[server] */
} NbRegPhase;

/* One name of a registrar's table. */
typedef struct {
  NbNameInfo info;
  guint16 trn_id; /* the current registration, refresh or release transaction */
  guint sent;     /* transmissions made in the current phase */
  gint64 deadline_us; /* next retransmission, end of phase, or refresh */
  NbRegPhase phase;
  guint server;       /* WINS phase: index of the server asked */
  gboolean wacked;    /* WINS phase: a WACK came; waiting, not retransmitting */
  gboolean refresh;   /* WINS phase: send refreshes, not registrations */
  gboolean reoffer;   /* WINS phase: a refused refresh offered again */
  /* When each configured WINS server's record of the name runs out, as
   * far as we know (0: it has none): after a fail-over and back two
   * servers hold it, and a release must reach both. */
  gint64 wins_until_us[NB_ENGINE_MAX_WINS_SERVERS];
} NbRegEntry;

/* Shared between nb-registrar.c (state machines) and nb-responder.c (what
 * other nodes are told about the table). */
struct _NbRegistrar {
  NbRegistrarConfig config;
  NbTransport transport;
  NbNodeType node_type; /* the type we behave as (H/M without WINS: B) */
  guint16 ont; /* NB_FLAGS ONT bits of node_type */
  GPtrArray *entries; /* NbRegEntry*, in the order names were added */
  guint16 next_trn_id;

  NbRegistrarEventFunc event_func;
  gpointer event_data;
  GDestroyNotify event_destroy;
  GArray *pending_events; /* PendingEvent, dispatched at the end of a call */
  gboolean dispatching;

  NbEngineTimer *timer;
};

/* The entry of @name, or NULL. */
NbRegEntry *_nb_registrar_find (NbRegistrar *registrar, const NbName *name);

/* NB_FLAGS for one of our names: G bit and our ONT. */
guint16 _nb_registrar_nb_flags (const NbRegistrar *registrar, gboolean group);

/* nb-registrar.c: state changes, each queuing an event for the end of the
 * current call. _nb_registrar_drop_entry() frees @entry. */
guint16 _nb_registrar_next_trn_id (NbRegistrar *registrar);
void _nb_registrar_set_state (NbRegistrar *registrar, NbRegEntry *entry, NbNameState state,
                              NbNameReason reason, gint64 now_us);
void _nb_registrar_drop_entry (NbRegistrar *registrar, NbRegEntry *entry,
                               NbNameReason reason, gint64 now_us);

/* nb-registrar-fsm.c: the registration, refresh and release machines of
 * every node type (PROTOCOL.md §1.4.6-1.4.8). The step and release
 * functions return TRUE if @entry left the table (it is freed then). */
void _nb_fsm_start_registration (NbRegistrar *registrar, NbRegEntry *entry, gint64 now_us);
gboolean _nb_fsm_start_release (NbRegistrar *registrar, NbRegEntry *entry,
                                NbNameReason reason, gint64 now_us);
gboolean _nb_fsm_step (NbRegistrar *registrar, NbRegEntry *entry, gint64 now_us);
/* An ICMP destination unreachable about a datagram to @dst_ipv4:@dst_port
 * (its payload's start in @quoted): if it is about @entry's current WINS
 * request, the server counts as silent at once. Returns TRUE if it was;
 * @ret_dropped then says whether @entry left the table (freed). */
gboolean _nb_fsm_unreachable (NbRegistrar *registrar, NbRegEntry *entry, const guint8 *quoted,
                              gsize quoted_len, guint32 dst_ipv4, guint16 dst_port,
                              gint64 now_us, gboolean *ret_dropped);
void _nb_fsm_enter_conflict (NbRegistrar *registrar, NbRegEntry *entry, NbNameReason reason,
                             guint32 peer_ipv4, guint8 rcode, gint64 now_us);
/* Responses to our transactions: registration/refresh answers (opcodes 5,
 * 8, 9, 0xF) and conflict demands, WACKs, release answers. Return TRUE if
 * the packet was for one of our transactions or names. */
/* Whether @entry's WINS registration goes out as a multi-homed one (0xF). */
gboolean _nb_fsm_multihomed_request (const NbRegistrar *registrar, const NbRegEntry *entry);
gboolean _nb_fsm_registration_response (NbRegistrar *registrar, const NbNsPacket *packet,
                                        guint32 src_ipv4, gint64 now_us);
gboolean _nb_fsm_wack (NbRegistrar *registrar, const NbNsPacket *packet, guint32 src_ipv4,
                       gint64 now_us);
gboolean _nb_fsm_release_response (NbRegistrar *registrar, const NbNsPacket *packet,
                                   guint32 src_ipv4, gint64 now_us);

/* nb-responder.c: answers a NAME QUERY REQUEST / NODE STATUS REQUEST
 * (RFC 1002 §4.2.12, §4.2.17) for the registrar's names. */
void _nb_responder_name_query (NbRegistrar *registrar, const NbNsPacket *request,
                               guint32 src_ipv4, guint16 src_port);
void _nb_responder_node_status (NbRegistrar *registrar, const NbNsPacket *request,
                                guint32 src_ipv4, guint16 src_port);

/* Builds the node status RDATA listing @registrar's names with their
 * NAME_FLAGS, at most @max_names of them. Exposed for tests. */
NbNsNodeStatus *_nb_responder_build_status (NbRegistrar *registrar, guint max_names);

/* nb-resolver-cache.c: the resolver's answer cache, a small table of
 * positive answers keyed by name (and whether the member list was
 * collected), each valid until its TTL runs out. */
typedef struct {
  NbName name;
  gboolean collect;
  GArray *entries; /* NbNsAddrEntry */
  gboolean group;
  guint32 responder;
  gint64 expires_us;
} NbCacheEntry;

typedef struct _NbResolverCache NbResolverCache;

NbResolverCache *_nb_resolver_cache_new (guint size, guint32 max_ttl_s);
void _nb_resolver_cache_free (NbResolverCache *cache);
/* Keeps an answer for min(@ttl, max_ttl) seconds (@ttl 0: max_ttl),
 * replacing an older one for the same key; a full cache first drops the
 * answer closest to expiry. */
void _nb_resolver_cache_store (NbResolverCache *cache, const NbName *name, gboolean collect,
                               const NbNsAddrEntry *entries, guint n_entries, gboolean group,
                               guint32 ttl, guint32 responder, gint64 now_us);
/* The live answer for the key, or NULL (an expired one is dropped). */
const NbCacheEntry *_nb_resolver_cache_lookup (NbResolverCache *cache, const NbName *name,
                                               gboolean collect, gint64 now_us);
guint _nb_resolver_cache_count (NbResolverCache *cache, gint64 now_us);
void _nb_resolver_cache_forget (NbResolverCache *cache, const NbName *name);

G_END_DECLS

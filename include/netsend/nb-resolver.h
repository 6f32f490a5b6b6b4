/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* NetBIOS name resolver: name queries (RFC 1002 §5.1.1.4 broadcast,
 * §5.1.2.4 unicast) and node status requests (§4.2.17, `nbtstat -A`).
 *
 * Requests run as a sequence of phases; each phase sends the same packet
 * (same NAME_TRN_ID) to one destination a number of times, a fixed interval
 * apart. The phases follow the node type (PROTOCOL.md §1.4.7):
 *   B: broadcast;  P: each WINS server;  M: broadcast, then each WINS
 *   server;  H: each WINS server, then broadcast.
 * A negative answer (e.g. NAM_ERR from WINS) or silence moves on to the
 * next phase; a positive answer ends the request (unless
 * %NB_QUERY_FLAG_COLLECT). Results come by callback with the request id.
 *
 * An unreachable destination (an ICMP destination unreachable about one of
 * our datagrams, which the owner hands over with nb_resolver_unreachable())
 * ends a unicast phase at once, without further retransmissions: a WINS
 * server that is down hands over to the next one immediately, and a node
 * status request to a host without a name service ends with
 * %NB_QUERY_STATUS_UNREACHABLE instead of waiting
 * %NB_RESOLVER_UCAST_COUNT x %NB_RESOLVER_UCAST_INTERVAL_US.
 *
 * With #NbResolverConfig.cache_size > 0 the resolver keeps the positive
 * answers of %NB_QUERY_AUTO queries for their TTL (at most
 * #NbResolverConfig.cache_max_ttl), and answers a repeated query from there
 * without sending anything (#NbQueryResult.from_cache).
 * Transport and clock are injected as for the registrar
 * (<netsend/nb-transport.h>). */

#include <glib.h>
#include <netsend/nb-name.h>
#include <netsend/nb-ns.h>
#include <netsend/nb-transport.h>

G_BEGIN_DECLS

/* Broadcast query timing: Windows NetBT BcastNameQueryCount = 3 and
 * BcastQueryTimeout = 750 ms, the values seen on the wire (PROTOCOL.md
 * §7.2: a Windows host repeating a query three times 750 ms apart). */
#define NB_RESOLVER_BCAST_COUNT 3
#define NB_RESOLVER_BCAST_INTERVAL_US (750 * G_GINT64_CONSTANT (1000))
/* Unicast (WINS or a given host): NameSrvQueryCount = 3 and
 * NameSrvQueryTimeout = 1.5 s (Windows; MS-NBTE SHOULD 1.5 s, RFC 1002 §6
 * says 5 s). */
#define NB_RESOLVER_UCAST_COUNT 3
#define NB_RESOLVER_UCAST_INTERVAL_US (1500 * G_GINT64_CONSTANT (1000))
/* Most requests in flight per resolver (NAME_TRN_IDs are 16 bits). */
#define NB_RESOLVER_MAX_PENDING 1024
/* Longest a cached answer is kept by default: Windows NetBT's remote name
 * cache timeout, CacheTimeout = 600 000 ms (PROTOCOL.md §1.4.8). Since: 0.2 */
#define NB_RESOLVER_CACHE_MAX_TTL_DEFAULT 600
/* Most names a cache may hold. Since: 0.2 */
#define NB_RESOLVER_CACHE_SIZE_MAX 4096

/**
 * NbResolverConfig:
 * @broadcast: the subnet broadcast address (host byte order); 0 = this
 *   resolver cannot broadcast (P-node or no interface)
 * @port: UDP port requests are sent to (default %NB_NS_PORT)
 * @node_type: decides the phases of %NB_QUERY_AUTO
 * @wins_servers: WINS servers in order of preference (host byte order)
 * @n_wins_servers: how many of @wins_servers are used
 * @cache_size: how many names the answer cache holds; 0 = no cache (at
 *   most %NB_RESOLVER_CACHE_SIZE_MAX). Since: 0.2
 * @cache_max_ttl: longest (s) an answer stays cached whatever its TTL;
 *   0 = %NB_RESOLVER_CACHE_MAX_TTL_DEFAULT. An answer with TTL 0 (infinite)
 *   is kept this long. Since: 0.2
 *
 * Fill with nb_resolver_config_init() first.
 *
 * Since: 0.1
 */
typedef struct {
  guint32 broadcast;
  guint16 port;
  NbNodeType node_type;
  guint32 wins_servers[NB_ENGINE_MAX_WINS_SERVERS];
  guint n_wins_servers;
  guint cache_size;
  guint32 cache_max_ttl;
} NbResolverConfig;

/* Defaults: all 0 except @port = %NB_NS_PORT, @node_type = %NB_NODE_B. */
void nb_resolver_config_init (NbResolverConfig *config);

/**
 * NbQueryMethod:
 * @NB_QUERY_AUTO: phases by node type (see the file comment).
 * @NB_QUERY_BROADCAST: broadcast only.
 * @NB_QUERY_UNICAST: unicast to #NbQueryOptions.address only (a WINS server
 *   or the host itself, as `nmblookup -U`).
 *
 * Since: 0.1
 */
typedef enum {
  NB_QUERY_AUTO,
  NB_QUERY_BROADCAST,
  NB_QUERY_UNICAST,
} NbQueryMethod;

/**
 * NbQueryFlags:
 * @NB_QUERY_FLAG_NONE: finish at the first positive answer.
 * @NB_QUERY_FLAG_COLLECT: the member list of a name. In a broadcast phase,
 *   wait for the whole phase and return every distinct address that
 *   answered (group members, or every node claiming a unique name). From
 *   WINS, the addresses the server lists; a WINS answer that is only
 *   255.255.255.255 (how Windows WINS stores an ordinary group, MS-NBTE
 *   §3.2.5.1) or 0.0.0.0 (what nmbd 4.17 answers for one) names no member,
 *   so the next phase (an H-node's broadcast) goes on collecting; the
 *   result keeps 255.255.255.255 only if no phase found a member.
 * @NB_QUERY_FLAG_NO_CACHE: ask the network even if the answer is cached
 *   (the new answer replaces it). Since: 0.2
 *
 * Since: 0.1
 */
typedef enum {
  NB_QUERY_FLAG_NONE = 0,
  NB_QUERY_FLAG_COLLECT = 1 << 0,
  NB_QUERY_FLAG_NO_CACHE = 1 << 1,
} NbQueryFlags;

/**
 * NbQueryOptions:
 * @method: how to reach the name
 * @address: destination of %NB_QUERY_UNICAST (host byte order)
 * @port: destination port of %NB_QUERY_UNICAST; 0 = #NbResolverConfig.port
 * @flags: #NbQueryFlags
 * @count: transmissions per phase; 0 = the defaults above
 * @interval_us: time between transmissions (and after the last one) per
 *   phase; 0 = the defaults above
 *
 * Per-request options; %NULL options mean all zero (%NB_QUERY_AUTO).
 *
 * Since: 0.1
 */
typedef struct {
  NbQueryMethod method;
  guint32 address;
  guint16 port;
  NbQueryFlags flags;
  guint count;
  gint64 interval_us;
} NbQueryOptions;

/**
 * NbQueryStatus:
 * @NB_QUERY_STATUS_FOUND: at least one positive answer.
 * @NB_QUERY_STATUS_NOT_FOUND: the last phase ended with a negative answer
 *   (RCODE in #NbQueryResult.rcode), e.g. NAM_ERR from WINS or from the
 *   host a unicast query went to.
 * @NB_QUERY_STATUS_TIMEOUT: nobody answered.
 * @NB_QUERY_STATUS_UNREACHABLE: every destination of the request was
 *   reported unreachable (nb_resolver_unreachable(): e.g. ICMP port
 *   unreachable, nothing listens on the name-service port there), so
 *   nobody could be asked; the destination and errno are in the result.
 *   A request where some phase was silent or said no ends with
 *   %NB_QUERY_STATUS_TIMEOUT or %NB_QUERY_STATUS_NOT_FOUND as before.
 *   Since: 0.2
 *
 * Since: 0.1
 */
typedef enum {
  NB_QUERY_STATUS_FOUND,
  NB_QUERY_STATUS_NOT_FOUND,
  NB_QUERY_STATUS_TIMEOUT,
  NB_QUERY_STATUS_UNREACHABLE,
} NbQueryStatus;

const char *nb_query_status_to_string (NbQueryStatus status);

/**
 * NbQueryResult:
 * @id: the request id nb_resolver_query() returned
 * @status: the outcome
 * @name: the name asked for
 * @entries: the distinct addresses found, in the order they arrived, each
 *   with its NB_FLAGS (%NB_NS_NB_GROUP and the owner's node type)
 * @n_entries: how many
 * @group: %TRUE if the (first) answer said the name is a group name
 * @ttl: TTL (s) of the first positive answer
 * @responder: source address of the first positive answer (for a unicast
 *   or WINS phase the server, for broadcast the owner)
 * @rcode: for %NB_QUERY_STATUS_NOT_FOUND the RCODE received
 * @from_cache: %TRUE if the answer came from the resolver's cache (nothing
 *   was sent); @ttl is then what remains of the cached TTL. Since: 0.2
 * @unreachable_ipv4: the last destination reported unreachable (whatever
 *   the status: a WINS server that was down before the next one answered),
 *   or 0. Since: 0.2
 * @unreachable_port: its port. Since: 0.2
 * @unreachable_errno: the errno of that report (ECONNREFUSED: ICMP port
 *   unreachable), or 0. Since: 0.2
 *
 * What a name query found. Valid only during the callback.
 *
 * Since: 0.1
 */
typedef struct {
  guint id;
  NbQueryStatus status;
  const NbName *name;
  const NbNsAddrEntry *entries;
  guint n_entries;
  gboolean group;
  guint32 ttl;
  guint32 responder;
  guint8 rcode;
  gboolean from_cache;
  guint32 unreachable_ipv4;
  guint16 unreachable_port;
  int unreachable_errno;
} NbQueryResult;

/**
 * NbNodeStatusResult:
 * @id: the request id nb_resolver_node_status() returned
 * @status: %NB_QUERY_STATUS_FOUND, %NB_QUERY_STATUS_TIMEOUT, or
 *   %NB_QUERY_STATUS_UNREACHABLE (the node's name-service port is closed
 *   or the node cannot be reached: no retransmissions followed)
 * @address: the node asked (host byte order)
 * @node_status: (nullable): for FOUND, the node's names with their
 *   NAME_FLAGS and its statistics (`unit_id` = MAC address)
 * @unreachable_errno: for UNREACHABLE the errno of the report
 *   (ECONNREFUSED: ICMP port unreachable), else 0. Since: 0.2
 *
 * What a node status request found. Valid only during the callback
 * (nb_ns_node_status_copy() keeps it).
 *
 * Since: 0.1
 */
typedef struct {
  guint id;
  NbQueryStatus status;
  guint32 address;
  const NbNsNodeStatus *node_status;
  int unreachable_errno;
} NbNodeStatusResult;

typedef struct _NbResolver NbResolver;

typedef void (*NbQueryCallback) (NbResolver *resolver,
                                 const NbQueryResult *result,
                                 gpointer user_data);
typedef void (*NbNodeStatusCallback) (NbResolver *resolver,
                                      const NbNodeStatusResult *result,
                                      gpointer user_data);

/**
 * nb_resolver_new:
 * @config: copied
 * @transport: copied (its user_data must outlive the resolver)
 * @error: return location for a #GError
 *
 * Fails with %NS_ENGINE_ERROR_INVALID_ARGUMENT for a P-node without WINS
 * servers or more than %NB_ENGINE_MAX_WINS_SERVERS.
 *
 * Returns: (transfer full) (nullable): the resolver
 *
 * Since: 0.1
 */
NbResolver *nb_resolver_new (const NbResolverConfig *config,
                             const NbTransport *transport, GError **error);

/* Frees the resolver; pending requests end without callback. NULL-safe.
 * Not from inside one of its callbacks. */
void nb_resolver_free (NbResolver *resolver);

/**
 * nb_resolver_query:
 * @resolver: a resolver
 * @name: the name to resolve (with its scope)
 * @options: (nullable): options, %NULL = defaults
 * @now_us: the current monotonic time (µs)
 * @callback: called exactly once with the result (never from inside this
 *   function)
 * @user_data: passed to @callback
 * @error: return location for a #GError
 *
 * Starts a name query; the first request goes out before this returns.
 * Duplicate answers (nmbd answers twice, retransmissions draw several
 * answers) are merged: every address appears once. Fails with
 * %NS_ENGINE_ERROR_INVALID_ARGUMENT if the options leave no phase (e.g.
 * broadcast without a broadcast address, unicast to 0.0.0.0) and with
 * %NS_ENGINE_ERROR_TOO_MANY past %NB_RESOLVER_MAX_PENDING requests.
 *
 * Returns: the request id (> 0), or 0 on failure
 *
 * Since: 0.1
 */
guint nb_resolver_query (NbResolver *resolver, const NbName *name,
                         const NbQueryOptions *options, gint64 now_us,
                         NbQueryCallback callback, gpointer user_data,
                         GError **error);

/**
 * nb_resolver_node_status:
 * @resolver: a resolver
 * @address: the node to ask (host byte order)
 * @port: its port; 0 = #NbResolverConfig.port
 * @name: (nullable): the name to ask about; %NULL = the wildcard '*'
 *   (what `nbtstat -A` and `nmblookup -A` send)
 * @now_us: the current monotonic time (µs)
 * @callback: called exactly once (never from inside this function)
 * @user_data: passed to @callback
 * @error: return location for a #GError
 *
 * Sends a NODE STATUS REQUEST unicast to @address with
 * %NB_RESOLVER_UCAST_COUNT transmissions %NB_RESOLVER_UCAST_INTERVAL_US
 * apart; the first answer from @address ends it, and so does an ICMP
 * destination unreachable about it (nb_resolver_unreachable():
 * %NB_QUERY_STATUS_UNREACHABLE, nothing retransmitted).
 *
 * Returns: the request id (> 0), or 0 on failure
 *
 * Since: 0.1
 */
guint nb_resolver_node_status (NbResolver *resolver, guint32 address,
                               guint16 port, const NbName *name, gint64 now_us,
                               NbNodeStatusCallback callback, gpointer user_data,
                               GError **error);

/**
 * nb_resolver_cancel:
 * @resolver: a resolver
 * @id: a request id
 *
 * Ends a pending request without calling its callback.
 *
 * Returns: %TRUE if @id was pending
 *
 * Since: 0.1
 */
gboolean nb_resolver_cancel (NbResolver *resolver, guint id);

/* Number of requests in flight. */
guint nb_resolver_get_n_pending (NbResolver *resolver);

/**
 * nb_resolver_cache_get_size:
 * @resolver: a resolver
 * @now_us: the current monotonic time (µs); expired answers do not count
 *
 * Returns: how many answers the cache holds
 *
 * Since: 0.2
 */
guint nb_resolver_cache_get_size (NbResolver *resolver, gint64 now_us);

/**
 * nb_resolver_cache_forget:
 * @resolver: a resolver
 * @name: (nullable): the name to forget; %NULL = every name
 *
 * Drops cached answers (e.g. after a delivery to a cached address failed).
 *
 * Since: 0.2
 */
void nb_resolver_cache_forget (NbResolver *resolver, const NbName *name);

/**
 * nb_resolver_receive:
 * @resolver: a resolver
 * @data: a datagram received on the socket the resolver sends from
 * @len: its length
 * @src_ipv4: its source address (host byte order)
 * @src_port: its source port
 * @now_us: the current monotonic time (µs)
 *
 * Matches a response to a pending request by NAME_TRN_ID, opcode, name
 * and, for unicast phases, the source address. Callbacks of requests it
 * completes run before this returns; they may start or cancel requests.
 * For a daemon: hand it the datagrams of the socket the resolver sends
 * from (the interface's name-service socket, or an ephemeral one).
 *
 * Returns: %TRUE if the datagram answered one of our requests
 *
 * Since: 0.1
 */
gboolean nb_resolver_receive (NbResolver *resolver, const guint8 *data,
                              gsize len, guint32 src_ipv4, guint16 src_port,
                              gint64 now_us);

/* As nb_resolver_receive() for an already parsed datagram. */
gboolean nb_resolver_receive_packet (NbResolver *resolver,
                                     const NbNsPacket *packet,
                                     guint32 src_ipv4, guint16 src_port,
                                     gint64 now_us);

/**
 * nb_resolver_unreachable:
 * @resolver: a resolver
 * @quoted: (nullable) (array length=quoted_len): the start of the datagram
 *   the report is about, as the ICMP message quoted it (#NsUdpUnreachableFunc)
 * @quoted_len: its length; 0 if nothing was quoted
 * @dst_ipv4: where that datagram went (host byte order)
 * @dst_port: its destination port
 * @error_code: the errno of the report (ECONNREFUSED for ICMP port
 *   unreachable), handed back in the result
 * @now_us: the current monotonic time (µs)
 *
 * An ICMP destination unreachable arrived about a datagram sent to
 * @dst_ipv4:@dst_port. A pending request whose current (unicast) phase
 * goes there, with the NAME_TRN_ID of @quoted when at least two bytes were
 * quoted, ends that phase at once: no more retransmissions to it; the
 * next phase (the next WINS server) starts, or the request completes (see
 * %NB_QUERY_STATUS_UNREACHABLE). Broadcast phases never match. Callbacks
 * run before this returns.
 *
 * Returns: %TRUE if the report ended a phase of a pending request
 *
 * Since: 0.2
 */
gboolean nb_resolver_unreachable (NbResolver *resolver, const guint8 *quoted,
                                  gsize quoted_len, guint32 dst_ipv4,
                                  guint16 dst_port, int error_code, gint64 now_us);

/* Runs retransmissions and timeouts due at @now_us (callbacks included). */
void nb_resolver_tick (NbResolver *resolver, gint64 now_us);

/* When nb_resolver_tick() should next run, or %NB_ENGINE_NO_DEADLINE. */
gint64 nb_resolver_next_deadline (NbResolver *resolver);

/* As nb_registrar_attach() / nb_registrar_detach(). */
void nb_resolver_attach (NbResolver *resolver, GMainContext *context);
void nb_resolver_detach (NbResolver *resolver);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NbResolver, nb_resolver_free)

G_END_DECLS

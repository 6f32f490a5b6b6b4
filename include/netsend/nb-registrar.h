/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* NetBIOS name registrar: the names one node owns on one interface.
 *
 * It registers names (RFC 1001 §15.2, RFC 1002 §5.1.1), defends them
 * against other nodes, answers name queries and node status requests for
 * them (the responder), reports conflicts and releases them. It owns no
 * socket and reads no clock: see <netsend/nb-transport.h>. Policy (rename,
 * retry, give up, log) belongs to the owner, which learns about every state
 * change through the #NbRegistrarEventFunc.
 *
 * Name life cycle:
 *
 *     add ──▶ REGISTERING ──(no objection / granted)──▶ REGISTERED ──remove──▶ RELEASING ──▶ RELEASED
 *                 │                                      │  ▲
 *                 │ negative response                    │  │ WINS refresh (TTL/2)
 *                 ▼                                      ▼  │
 *              CONFLICT ◀──── conflict demand, ──── REFRESHING
 *                             negative response
 *
 * A RELEASED name is gone from the table. A CONFLICT name stays (node
 * status shows it with CNF) until the owner removes it or adds it again,
 * which restarts the registration.
 *
 * Node types (PROTOCOL.md §1.4.7, RFC 1001 §15.2, RFC 1002 §5.1):
 *  - B: broadcast registration only.
 *  - P: unicast registration with the WINS servers, in order (fail-over
 *    to the next when one stays silent); no broadcast ever.
 *  - M: broadcast registration first, then WINS (RFC 1002 §5.1.3.1); the
 *    name is registered by both.
 *  - H: WINS first; broadcast only if no WINS server answers (MS-NBTE
 *    §3.1.3). H or M without WINS servers is a B-node.
 * A name granted by WINS is refreshed (opcode 8) at half the TTL the server
 * granted, starting again with the first (primary) server; names WINS
 * never confirmed are offered to it again every
 * %NB_REGISTRAR_WINS_RETRY_US. Releases go to the WINS server holding the
 * name, and by broadcast where the name was claimed by broadcast. */

#include <glib.h>
#include <netsend/nb-name.h>
#include <netsend/nb-ns.h>
#include <netsend/nb-transport.h>

G_BEGIN_DECLS

/**
 * NB_REGISTRAR_MAX_NAMES:
 *
 * Default size of a registrar's name table: the 256 names per LANA of
 * MS-MSRP §3.1.1 (Windows' message name table limit), which also bounds the
 * node status answer (at most as many as fit in 576 bytes are listed).
 *
 * Since: 0.1
 */
#define NB_REGISTRAR_MAX_NAMES 256

/**
 * NB_REGISTRAR_DEFAULT_NAME_TTL:
 *
 * Default TTL in seconds of our positive name query responses: 259200
 * (3 days), what nmbd sends (golden frame nbns-name-query-broadcast).
 *
 * Since: 0.1
 */
#define NB_REGISTRAR_DEFAULT_NAME_TTL 259200

/**
 * NbRegistrarConfig:
 * @address: our IPv4 address on this interface (host byte order); put in
 *   every NB record we send. Must not be 0.
 * @netmask: the interface's netmask (host byte order), informational
 * @broadcast: the subnet broadcast address broadcasts go to (host byte
 *   order). 0 = derived as @address | ~@netmask. nmbd ignores queries to
 *   255.255.255.255 (errata 15), so use the subnet's.
 * @port: UDP port broadcasts are sent to (default %NB_NS_PORT; tests and
 *   `[ports] name-service` may change it). Responses go to the requester's
 *   source port whatever this is.
 * @node_type: our node type (see the file comment). %NB_NODE_H or
 *   %NB_NODE_M without WINS servers behave as B (Windows: H without WINS
 *   is B, MS-NBTE §3.1.3); %NB_NODE_P needs at least one WINS server. The
 *   ONT bits of our NB_FLAGS follow the type we behave as.
 * @scope: the NetBIOS scope of this interface ("" = none). Names added must
 *   carry the same scope.
 * @name_ttl: TTL (s) in our positive query responses
 * @registration_ttl: TTL (s) in our broadcast registration requests
 *   (nmbd: 0, golden frame nbns-registration-bnode)
 * @wins_servers: WINS servers in order of preference (host byte order),
 *   the first being the primary
 * @n_wins_servers: how many of @wins_servers are used
 * @unit_id: the node status UNIT_ID (shown as the MAC address by
 *   `nbtstat -A` / `nmblookup -A`); all zero if unknown
 * @max_names: size of the name table (0 = %NB_REGISTRAR_MAX_NAMES)
 * @multihomed: the host registers the same names from several addresses
 *   (one registrar per address): unique names then go to WINS as
 *   multi-homed registrations (opcode 0xF, MS-NBTE §3.1.4.1), so that the
 *   server adds each address to the name instead of challenging our other
 *   ones. Group names always use a normal registration. Since: 0.2
 * @wins_ttl: TTL (s) we ask WINS for in registrations, refreshes and
 *   releases; 0 = %NB_REGISTRAR_DEFAULT_NAME_TTL (nmbd sends its `max ttl`,
 *   259200, golden frame nbns-registration-wins). The server's answer
 *   decides. Since: 0.2
 * @multihomed_primary: with @multihomed, this is the address the host
 *   registers its names from first: unique names go to WINS as ordinary
 *   registrations (opcode 5), so that the server challenges another owner
 *   and refuses us. A multi-homed registration cannot be refused that way
 *   by nmbd, which adds our address to the other host's name once that
 *   host confirms (wins_multihomed_register_query_success). The owner of
 *   the registrars adds each unique name to the other addresses only once
 *   this one holds it, as nmbd and Windows 2000 register the first address
 *   and then the rest. A refresh the server refuses is offered again as a
 *   multi-homed registration here too. Since: 0.2
 *
 * What a registrar needs to know about its interface. Fill it with
 * nb_registrar_config_init() first, then set what differs.
 *
 * Since: 0.1
 */
typedef struct {
  guint32 address;
  guint32 netmask;
  guint32 broadcast;
  guint16 port;
  NbNodeType node_type;
  char scope[NB_NAME_SCOPE_MAX];
  guint32 name_ttl;
  guint32 registration_ttl;
  guint32 wins_servers[NB_ENGINE_MAX_WINS_SERVERS];
  guint n_wins_servers;
  guint8 unit_id[6];
  guint max_names;
  gboolean multihomed;
  guint32 wins_ttl;
  gboolean multihomed_primary;
} NbRegistrarConfig;

/**
 * nb_registrar_config_init:
 * @config: (out caller-allocates): the config
 *
 * Sets the defaults: everything 0/empty except @port = %NB_NS_PORT,
 * @node_type = %NB_NODE_B, @name_ttl = %NB_REGISTRAR_DEFAULT_NAME_TTL.
 *
 * Since: 0.1
 */
void nb_registrar_config_init (NbRegistrarConfig *config);

/**
 * NbNameState:
 * @NB_NAME_STATE_REGISTERING: registration requests are going out; the name
 *   is not answered for or defended yet.
 * @NB_NAME_STATE_REGISTERED: ours: answered for; defended if unique.
 * @NB_NAME_STATE_REFRESHING: ours, a refresh to the NBNS is under way
 *   (WINS only; still answered for and defended).
 * @NB_NAME_STATE_CONFLICT: another node owns it (negative registration
 *   response) or told us to give it up (conflict demand). Not answered for,
 *   not defended, listed with CNF in node status; the owner decides.
 * @NB_NAME_STATE_RELEASING: release requests are going out; no longer
 *   answered for, listed with DRG in node status.
 * @NB_NAME_STATE_RELEASED: gone; only ever seen in an event, as the new state.
 *
 * Since: 0.1
 */
typedef enum {
  NB_NAME_STATE_REGISTERING,
  NB_NAME_STATE_REGISTERED,
  NB_NAME_STATE_REFRESHING,
  NB_NAME_STATE_CONFLICT,
  NB_NAME_STATE_RELEASING,
  NB_NAME_STATE_RELEASED,
} NbNameState;

/**
 * NbNameReason:
 * @NB_NAME_REASON_NONE: no particular reason.
 * @NB_NAME_REASON_ADDED: the owner added the name (REGISTERING).
 * @NB_NAME_REASON_NO_OBJECTION: B-node: every broadcast registration went
 *   out and nobody objected (REGISTERED).
 * @NB_NAME_REASON_GRANTED: an NBNS answered positively (REGISTERED; WINS).
 * @NB_NAME_REASON_NEGATIVE_RESPONSE: a node or the NBNS answered our
 *   registration with a negative response (CONFLICT); #NbNameInfo says who
 *   and with which RCODE (ACT_ERR: "owned by another node").
 * @NB_NAME_REASON_CONFLICT_DEMAND: a NAME CONFLICT DEMAND for this name
 *   arrived (CONFLICT); #NbNameInfo says from whom.
 * @NB_NAME_REASON_REMOVED: the owner removed the name (RELEASING, RELEASED).
 * @NB_NAME_REASON_SHUTDOWN: nb_registrar_release_all() (RELEASING, RELEASED).
 * @NB_NAME_REASON_REFRESH: a WINS refresh (or a new attempt to register a
 *   name WINS has not confirmed) is under way (REFRESHING). Since: 0.2
 * @NB_NAME_REASON_WINS_SILENT: no WINS server answered (REGISTERED): a
 *   P-node takes the name as its own and offers it again later (as Samba
 *   does); after a silent refresh the name stays as it was. Since: 0.2
 *
 * Why a name entered its current state.
 *
 * Since: 0.1
 */
typedef enum {
  NB_NAME_REASON_NONE,
  NB_NAME_REASON_ADDED,
  NB_NAME_REASON_NO_OBJECTION,
  NB_NAME_REASON_GRANTED,
  NB_NAME_REASON_NEGATIVE_RESPONSE,
  NB_NAME_REASON_CONFLICT_DEMAND,
  NB_NAME_REASON_REMOVED,
  NB_NAME_REASON_SHUTDOWN,
  NB_NAME_REASON_REFRESH,
  NB_NAME_REASON_WINS_SILENT,
} NbNameReason;

const char *nb_name_state_to_string (NbNameState state);
const char *nb_name_reason_to_string (NbNameReason reason);

/**
 * NbNameSource:
 * @NB_NAME_SOURCE_NONE: not confirmed on the network (still registering,
 *   or a P-node name no WINS server answered for)
 * @NB_NAME_SOURCE_BROADCAST: claimed by broadcast registration with no
 *   objection (B, M, and H falling back)
 * @NB_NAME_SOURCE_WINS: granted by a WINS server (#NbNameInfo.wins_server)
 *
 * Where a name is registered; flags (an M-node name has both).
 *
 * Since: 0.2
 */
typedef enum {
  NB_NAME_SOURCE_NONE = 0,
  NB_NAME_SOURCE_BROADCAST = 1 << 0,
  NB_NAME_SOURCE_WINS = 1 << 1,
} NbNameSource;

/**
 * nb_name_source_to_string:
 * @source: #NbNameSource flags
 *
 * Returns: "none", "broadcast", "wins" or "broadcast+wins" (static)
 *
 * Since: 0.2
 */
const char *nb_name_source_to_string (NbNameSource source);

/**
 * NbNameInfo:
 * @name: the name
 * @group: %TRUE for a group name (e.g. WORKGROUP<00>), %FALSE for unique
 * @state: where it is in its life cycle
 * @reason: why it entered @state
 * @peer_ipv4: for CONFLICT: the node that refused or demanded (host byte
 *   order); kept afterwards as the "last conflict source"; 0 if none
 * @peer_rcode: for %NB_NAME_REASON_NEGATIVE_RESPONSE the RCODE received
 *   (%NB_NS_RCODE_ACT_ERR ...), for a conflict demand %NB_NS_RCODE_CFT_ERR
 * @since_us: monotonic time (µs) at which it entered @state
 * @ttl: TTL (s) granted by an NBNS; 0 for B-node names (infinite)
 * @source: where the name is registered (#NbNameSource flags). Since: 0.2
 * @wins_server: the WINS server that granted it (host byte order), 0 if
 *   none. Since: 0.2
 * @refresh_us: monotonic time (µs) of the next WINS refresh or retry,
 *   %NB_ENGINE_NO_DEADLINE if none is planned. Since: 0.2
 *
 * A snapshot of one name of the table. A plain value.
 *
 * Since: 0.1
 */
typedef struct {
  NbName name;
  gboolean group;
  NbNameState state;
  NbNameReason reason;
  guint32 peer_ipv4;
  guint8 peer_rcode;
  gint64 since_us;
  guint32 ttl;
  NbNameSource source;
  guint32 wins_server;
  gint64 refresh_us;
} NbNameInfo;

/**
 * NbRegistrar:
 *
 * The name table and state machines of one interface. Not thread-safe: use
 * it from one thread (the daemon's main context).
 *
 * Since: 0.1
 */
typedef struct _NbRegistrar NbRegistrar;

/**
 * NbRegistrarEventFunc:
 * @registrar: the registrar
 * @info: the name after the change (for RELEASED: its last snapshot; the
 *   name is already out of the table)
 * @old_state: the state it left (%NB_NAME_STATE_RELEASED for a name that
 *   was not in the table before nb_registrar_add_name())
 * @user_data: as given to nb_registrar_set_event_func()
 *
 * Called on every state change of a name. Called from inside
 * nb_registrar_add_name(), nb_registrar_remove_name(),
 * nb_registrar_release_all(), nb_registrar_receive() and
 * nb_registrar_tick(), after the registrar's own work for that call is done.
 * It may call any registrar function except nb_registrar_free().
 *
 * Since: 0.1
 */
typedef void (*NbRegistrarEventFunc) (NbRegistrar *registrar,
                                      const NbNameInfo *info,
                                      NbNameState old_state,
                                      gpointer user_data);

/**
 * nb_registrar_new:
 * @config: the interface; copied
 * @transport: where to send; copied (its user_data must outlive the registrar)
 * @error: return location for a #GError
 *
 * Fails with %NS_ENGINE_ERROR_INVALID_ARGUMENT for an address of 0, a
 * broadcast address that ends up 0, an invalid scope, more than
 * %NB_ENGINE_MAX_WINS_SERVERS WINS servers, a WINS server of 0.0.0.0, or a
 * P-node without WINS servers.
 *
 * Returns: (transfer full) (nullable): the registrar, %NULL on failure
 *
 * Since: 0.1
 */
NbRegistrar *nb_registrar_new (const NbRegistrarConfig *config,
                               const NbTransport *transport, GError **error);

/**
 * nb_registrar_free:
 * @registrar: (nullable): a registrar
 *
 * Frees it without sending anything (call nb_registrar_release_all() and let
 * the releases go out first for a clean shutdown). NULL-safe.
 *
 * Since: 0.1
 */
void nb_registrar_free (NbRegistrar *registrar);

/* Returns the registrar's configuration (owned by it). */
const NbRegistrarConfig *nb_registrar_get_config (NbRegistrar *registrar);

/**
 * nb_registrar_set_event_func:
 * @registrar: a registrar
 * @func: (nullable): the callback
 * @user_data: passed to @func
 * @destroy: (nullable): frees @user_data when replaced or at free time
 *
 * Since: 0.1
 */
void nb_registrar_set_event_func (NbRegistrar *registrar,
                                  NbRegistrarEventFunc func,
                                  gpointer user_data, GDestroyNotify destroy);

/**
 * nb_registrar_add_name:
 * @registrar: a registrar
 * @name: the name (its scope must be the registrar's)
 * @group: %TRUE to register a group name (never defended, never in
 *   conflict), %FALSE for a unique one
 * @now_us: the current monotonic time (µs)
 * @error: return location for a #GError
 *
 * Adds a name and starts registering it: the first request goes out before
 * this returns, REGISTERED (or CONFLICT) follows by event. Adding a name
 * that is in CONFLICT or RELEASING registers it again (with @group); one
 * that is REGISTERING or REGISTERED fails with %NS_ENGINE_ERROR_EXISTS.
 * Names beginning with '*' (the node status wildcard, MS-NBTE §2.2.1) are
 * never registered: %NS_ENGINE_ERROR_INVALID_ARGUMENT. A full table gives
 * %NS_ENGINE_ERROR_TOO_MANY.
 *
 * Returns: %TRUE if the registration started
 *
 * Since: 0.1
 */
gboolean nb_registrar_add_name (NbRegistrar *registrar, const NbName *name,
                                gboolean group, gint64 now_us, GError **error);

/**
 * nb_registrar_remove_name:
 * @registrar: a registrar
 * @name: a name of the table
 * @now_us: the current monotonic time (µs)
 * @error: return location for a #GError
 *
 * Releases a name. A REGISTERED (or REFRESHING) name goes to RELEASING:
 * release requests go unicast to the WINS server holding it (until it
 * answers) and are broadcast where the name was claimed by broadcast;
 * RELEASED follows by event when the last one has had its time. A REGISTERING or CONFLICT name is dropped at once and its RELEASED
 * event comes before this returns: we never claimed it, or another node
 * owns it and our release would only make others forget the real owner.
 * Removing a RELEASING name does nothing. Unknown names fail with
 * %NS_ENGINE_ERROR_NOT_FOUND.
 *
 * Returns: %TRUE if the name is (being) released
 *
 * Since: 0.1
 */
gboolean nb_registrar_remove_name (NbRegistrar *registrar, const NbName *name,
                                   gint64 now_us, GError **error);

/**
 * nb_registrar_release_all:
 * @registrar: a registrar
 * @now_us: the current monotonic time (µs)
 *
 * Shutdown: removes every name as nb_registrar_remove_name() does, with
 * reason %NB_NAME_REASON_SHUTDOWN. Keep ticking until
 * nb_registrar_is_idle() (at most %NB_REGISTRAR_RELEASE_DURATION_US for a
 * B-node, %NB_REGISTRAR_WINS_RELEASE_MAX_US with WINS) so that the
 * retransmissions go out, then free the registrar.
 *
 * Since: 0.1
 */
void nb_registrar_release_all (NbRegistrar *registrar, gint64 now_us);

/**
 * NB_REGISTRAR_RELEASE_DURATION_US:
 *
 * How long a release takes from nb_registrar_remove_name() to its RELEASED
 * event (the release transmissions and the pause after the last one).
 *
 * Since: 0.1
 */
#define NB_REGISTRAR_RELEASE_DURATION_US (3 * 250 * G_GINT64_CONSTANT (1000))

/**
 * NB_REGISTRAR_REGISTRATION_DURATION_US:
 *
 * How long an unopposed B-node registration takes from
 * nb_registrar_add_name() to REGISTERED.
 *
 * Since: 0.1
 */
#define NB_REGISTRAR_REGISTRATION_DURATION_US (3 * 250 * G_GINT64_CONSTANT (1000))

/**
 * NB_REGISTRAR_WINS_COUNT:
 *
 * Transmissions of one request to one WINS server before the next server is
 * tried (UCAST_REQ_RETRY_COUNT, RFC 1002 §6; Windows NameSrvQueryCount).
 *
 * Since: 0.2
 */
#define NB_REGISTRAR_WINS_COUNT 3

/**
 * NB_REGISTRAR_WINS_INTERVAL_US:
 *
 * Pause after each transmission to a WINS server (UCAST_REQ_RETRY_TIMEOUT:
 * MS-NBTE SHOULD 1.5 s, Windows NameSrvQueryTimeout; RFC 1002 §6 says 5 s).
 *
 * Since: 0.2
 */
#define NB_REGISTRAR_WINS_INTERVAL_US (1500 * G_GINT64_CONSTANT (1000))

/**
 * NB_REGISTRAR_WINS_RETRY_US:
 *
 * When no WINS server answered a registration or a refresh, how long until
 * the next attempt (the name stays ours meanwhile).
 *
 * Since: 0.2
 */
#define NB_REGISTRAR_WINS_RETRY_US (60 * G_USEC_PER_SEC)

/**
 * NB_REGISTRAR_WACK_MAX_S:
 *
 * Longest wait (s) a WACK may ask for; longer ones are cut to this (nmbd
 * asks for 60 s while it challenges the current owner).
 *
 * Since: 0.2
 */
#define NB_REGISTRAR_WACK_MAX_S 300

/**
 * NB_REGISTRAR_REFRESH_MIN_US:
 *
 * The shortest time between a WINS grant and the next refresh, whatever
 * the TTL (a server granting a TTL of 1 s does not make us refresh twice a
 * second).
 *
 * Since: 0.2
 */
#define NB_REGISTRAR_REFRESH_MIN_US (5 * G_USEC_PER_SEC)

/**
 * NB_REGISTRAR_FAILBACK_US:
 *
 * The longest a name stays with a secondary WINS server (one that granted
 * it after the primary failed): its refresh, which asks the primary first,
 * comes at half the TTL or after this long, whichever is sooner. Without
 * it a name would wait half of the TTL the secondary granted (1.5 days
 * for nmbd's default 3 days) before returning to a primary that is back.
 *
 * Since: 0.2
 */
#define NB_REGISTRAR_FAILBACK_US (10 * 60 * G_USEC_PER_SEC)

/**
 * NB_REGISTRAR_WINS_RELEASE_MAX_US:
 *
 * Longest a release takes when the WINS server stays silent: its unicast
 * transmissions, then the broadcast release an H- or M-node adds.
 *
 * Since: 0.2
 */
#define NB_REGISTRAR_WINS_RELEASE_MAX_US \
  (NB_REGISTRAR_WINS_COUNT * NB_REGISTRAR_WINS_INTERVAL_US + NB_REGISTRAR_RELEASE_DURATION_US)

/**
 * nb_registrar_is_idle:
 * @registrar: a registrar
 *
 * Returns: %TRUE if no name is REGISTERING, REFRESHING or RELEASING
 *
 * Since: 0.1
 */
gboolean nb_registrar_is_idle (NbRegistrar *registrar);

/**
 * nb_registrar_get_names:
 * @registrar: a registrar
 *
 * Returns: (transfer full) (element-type NbNameInfo): a snapshot of the
 *   table in the order the names were added
 *
 * Since: 0.1
 */
GArray *nb_registrar_get_names (NbRegistrar *registrar);

/**
 * nb_registrar_lookup:
 * @registrar: a registrar
 * @name: a name
 * @ret_info: (out caller-allocates) (optional): its snapshot, untouched if
 *   not found
 *
 * Returns: %TRUE if @name is in the table
 *
 * Since: 0.1
 */
gboolean nb_registrar_lookup (NbRegistrar *registrar, const NbName *name,
                              NbNameInfo *ret_info);

/**
 * nb_registrar_set_unit_id:
 * @registrar: a registrar
 * @unit_id: 6 bytes, shown as the MAC address in node status answers
 *
 * Since: 0.1
 */
void nb_registrar_set_unit_id (NbRegistrar *registrar, const guint8 *unit_id);

/**
 * nb_registrar_receive:
 * @registrar: a registrar
 * @data: a datagram received on the name-service socket of this interface
 * @len: its length
 * @src_ipv4: its source address (host byte order)
 * @src_port: its source port
 * @now_us: the current monotonic time (µs)
 *
 * Processes one datagram: name queries and node status requests for our
 * names are answered (unicast to @src_ipv4:@src_port), conflicting
 * registrations are refused with ACT_ERR, negative responses to our
 * registrations and conflict demands put names in CONFLICT; from the WINS
 * server a transaction asked, positive answers grant names (with the
 * server's TTL), WACKs make the registration wait and release answers end
 * releases. Malformed
 * datagrams are dropped (debug log). The same datagram may also be given to
 * an #NbResolver: each ignores what is not for it.
 *
 * Hand a registrar only the datagrams that arrived on its own interface: a
 * unicast query for a name not in the table is answered NAM_ERR (as nmbd
 * does), so a registrar shown another interface's unicast traffic would
 * contradict the registrar that holds the name. Our own broadcasts looping
 * back (source = #NbRegistrarConfig.address) are recognised and ignored.
 *
 * Returns: %TRUE if the datagram was meant for the registrar (a request, a
 *   response to one of its transactions, or a conflict demand for one of
 *   its names), whether or not it answered
 *
 * Since: 0.1
 */
gboolean nb_registrar_receive (NbRegistrar *registrar, const guint8 *data,
                               gsize len, guint32 src_ipv4, guint16 src_port,
                               gint64 now_us);

/**
 * nb_registrar_unreachable:
 * @registrar: a registrar
 * @quoted: (nullable) (array length=quoted_len): the start of the datagram
 *   the report is about, as the ICMP message quoted it (#NsUdpUnreachableFunc
 *   of <netsend/ns-net.h>)
 * @quoted_len: its length; 0 if nothing was quoted
 * @dst_ipv4: where that datagram went (host byte order)
 * @dst_port: its destination port
 * @error_code: the errno of the report (ECONNREFUSED: ICMP port
 *   unreachable); only logged
 * @now_us: the current monotonic time (µs)
 *
 * An ICMP destination unreachable arrived about a datagram sent to
 * @dst_ipv4:@dst_port. A registration, refresh or release whose current
 * WINS server is that address and #NbRegistrarConfig.port (with the
 * NAME_TRN_ID of @quoted when at least two bytes were quoted, and no WACK
 * from that server) treats the server as silent at once, as if its
 * %NB_REGISTRAR_WINS_COUNT transmissions had gone unanswered: it fails
 * over to the next server, or does what a silent WINS means for the node
 * type (H: broadcast; P: %NB_NAME_REASON_WINS_SILENT). Events are
 * dispatched before this returns.
 *
 * Returns: %TRUE if the report was about one of our WINS transactions
 *
 * Since: 0.2
 */
gboolean nb_registrar_unreachable (NbRegistrar *registrar, const guint8 *quoted,
                                   gsize quoted_len, guint32 dst_ipv4, guint16 dst_port,
                                   int error_code, gint64 now_us);

/**
 * nb_registrar_receive_packet:
 * @registrar: a registrar
 * @packet: an already parsed datagram
 * @src_ipv4: its source address (host byte order)
 * @src_port: its source port
 * @now_us: the current monotonic time (µs)
 *
 * As nb_registrar_receive() for a caller that has parsed the datagram.
 *
 * Returns: as nb_registrar_receive()
 *
 * Since: 0.1
 */
gboolean nb_registrar_receive_packet (NbRegistrar *registrar,
                                      const NbNsPacket *packet,
                                      guint32 src_ipv4, guint16 src_port,
                                      gint64 now_us);

/**
 * nb_registrar_tick:
 * @registrar: a registrar
 * @now_us: the current monotonic time (µs)
 *
 * Runs the timers due at @now_us: retransmissions, the end of registration
 * and release windows. Calling it early or twice is harmless.
 *
 * Since: 0.1
 */
void nb_registrar_tick (NbRegistrar *registrar, gint64 now_us);

/**
 * nb_registrar_next_deadline:
 * @registrar: a registrar
 *
 * Returns: when nb_registrar_tick() should next be called (monotonic µs),
 *   or %NB_ENGINE_NO_DEADLINE
 *
 * Since: 0.1
 */
gint64 nb_registrar_next_deadline (NbRegistrar *registrar);

/**
 * nb_registrar_attach:
 * @registrar: a registrar
 * @context: (nullable): the main context (%NULL = global default)
 *
 * Lets an #NbEngineTimer on @context call nb_registrar_tick() at every
 * deadline; the registrar re-arms it after each call that changes its
 * timers. Pass g_get_monotonic_time() as @now_us to the other functions.
 * Attaching again replaces the previous timer.
 *
 * Since: 0.1
 */
void nb_registrar_attach (NbRegistrar *registrar, GMainContext *context);

/* Removes the timer nb_registrar_attach() made, if any. */
void nb_registrar_detach (NbRegistrar *registrar);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NbRegistrar, nb_registrar_free)

G_END_DECLS

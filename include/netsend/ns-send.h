/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Sending Messenger messages: the asynchronous API behind `netsend`.
 *
 * An #NsSender holds the options of a run (sender name, workgroup, code page,
 * interfaces, WINS servers, timeouts, ports, transport) and the per-host
 * memory of the run (which hosts need the multi-block SMB sequence because
 * they drop a first 0xD0, PROTOCOL.md errata 3). Each send resolves the
 * target, delivers with the chosen transport and completes with one
 * #NsSendResult per recipient:
 *
 * - a NetBIOS name: NAME<03> by broadcast on each interface, WINS when
 *   configured (order by node type), then the host resolver (DNS,
 *   /etc/hosts) for host names; or #NsSenderOptions.address (`-I`);
 *   delivery over SMB (TCP 139: session request to NAME<03>, then 0xD0 or
 *   0xD5/0xD7.../0xD6, PROTOCOL.md §2), falling back to NetrSendMessage over
 *   UDP (PROTOCOL.md §4) when SMB cannot connect, as Windows does (MS-MSRP
 *   note <25>);
 * - `*`, `/domain` and `/domain:NAME`: a MESSNGR mailslot datagram to
 *   DOMAIN<00> (and DOMAIN<03>, PROTOCOL.md errata 16) on each interface's
 *   broadcast address (§3.4). Nobody acknowledges it: the outcome is
 *   %NS_SEND_SENT, never %NS_SEND_DELIVERED. With
 *   #NsSenderOptions.reliable, ns_sender_send_many_async() instead
 *   enumerates the workgroup's hosts and delivers to each directly.
 *
 * Text rules (PROTOCOL.md §2.9, MS-MSRP §3.2.4.4): the UTF-8 text is
 * converted to the OEM code page; empty text is refused; more than
 * %MSGR_TEXT_MAX_SEND_BYTES (652) OEM bytes is refused unless
 * #NsSenderOptions.split, which sends several numbered messages.
 *
 * GIO conventions: callbacks run on the thread-default #GMainContext of the
 * thread that called ns_sender_new(); an #NsSender is not thread-safe;
 * every operation takes a #GCancellable and then completes with
 * %G_IO_ERROR_CANCELLED. Freeing the sender while operations run cancels
 * them (their callbacks still run, with %G_IO_ERROR_CANCELLED).
 */

#include <gio/gio.h>
#include <netsend/nb-transport.h>
#include <netsend/ns-send-errors.h>

G_BEGIN_DECLS

/* Default ports (RFC 1002, PROTOCOL.md §4.1). */
#define NS_SEND_PORT_NS 137
#define NS_SEND_PORT_DGM 138
#define NS_SEND_PORT_SSN 139
#define NS_SEND_PORT_RPC 135
/* SMB over TCP without NetBIOS (smbclient -p 445, PROTOCOL.md errata 4). */
#define NS_SEND_PORT_DIRECT 445

/* Defaults of #NsSenderOptions. */
#define NS_SEND_DEFAULT_TIMEOUT_MS 5000
#define NS_SEND_DEFAULT_PARALLEL 32
#define NS_SEND_MAX_PARALLEL 1024
#define NS_SEND_DEFAULT_WORKGROUP "WORKGROUP"

/**
 * NsSendTransport:
 * @NS_SEND_TRANSPORT_AUTO: SMB; NetrSendMessage (RPC) when SMB cannot
 *   connect (refused, unreachable, timeout, negative session response);
 *   mailslot for `*` and `/domain`
 * @NS_SEND_TRANSPORT_SMB: SMB only (TCP 139, or 445 direct)
 * @NS_SEND_TRANSPORT_MAILSLOT: a MESSNGR mailslot datagram (unacknowledged;
 *   to a single name: a DIRECT_UNIQUE datagram to NAME<03>'s address)
 * @NS_SEND_TRANSPORT_RPC: NetrSendMessage over connectionless RPC only
 *
 * Since: 0.1
 */
typedef enum {
  NS_SEND_TRANSPORT_AUTO,
  NS_SEND_TRANSPORT_SMB,
  NS_SEND_TRANSPORT_MAILSLOT,
  NS_SEND_TRANSPORT_RPC,
} NsSendTransport;

/* "auto", "smb", "mailslot", "rpc" (static). */
const char *ns_send_transport_to_string (NsSendTransport transport);
/* Parses the names above (case-insensitive); FALSE (untouched) otherwise. */
gboolean ns_send_transport_from_string (const char *text, NsSendTransport *ret);

/**
 * NsSendBlockMode:
 * @NS_SEND_BLOCKS_AUTO: 0xD0 for text of at most 128 OEM bytes, the
 *   multi-block sequence for longer text (MS-MSRP §3.2.4.4); a host that
 *   drops the connection on 0xD0 (Samba 4.x) is retried with the multi-block
 *   sequence and remembered for the rest of the run
 * @NS_SEND_BLOCKS_SINGLE: 0xD0 only (text over 128 bytes is refused)
 * @NS_SEND_BLOCKS_MULTI: always 0xD5/0xD7.../0xD6 (as smbclient -M)
 *
 * How the SMB transport cuts the text.
 *
 * Since: 0.1
 */
typedef enum {
  NS_SEND_BLOCKS_AUTO,
  NS_SEND_BLOCKS_SINGLE,
  NS_SEND_BLOCKS_MULTI,
} NsSendBlockMode;

/**
 * NsSenderOptions:
 * @from: (nullable): the sender name shown to the recipient (OEM-converted,
 *   at most 15 bytes); %NULL = the login name
 * @netbios_name: (nullable): our computer name, the CALLING name of session
 *   requests and the source of datagrams; %NULL = the host name's first
 *   label, upper case, cut to 15
 * @workgroup: (nullable): the workgroup `*` and `/domain` address; %NULL =
 *   %NS_SEND_DEFAULT_WORKGROUP
 * @codepage: (nullable): the OEM code page (iconv name); %NULL =
 *   %MSGR_TEXT_DEFAULT_CODEPAGE
 * @interfaces: (nullable) (array zero-terminated=1): interface names or IPv4
 *   addresses to resolve and broadcast on (the daemon config's `interfaces`
 *   when the caller has one); %NULL or empty = every non-loopback IPv4
 *   interface that is up
 * @wins_servers: (nullable) (array zero-terminated=1): WINS servers (IPv4)
 * @node_type: order of broadcast and WINS (%NB_NODE_B without WINS; when
 *   WINS servers are given and this is %NB_NODE_B, %NB_NODE_H is used)
 * @address: (nullable): deliver every directed send to this IPv4 address or
 *   host name without resolving (smbclient `-I`); broadcasts are unaffected
 * @timeout_ms: each recipient's deadline, counted from the start of its
 *   send and covering every stage: resolving (name queries are spaced to
 *   end inside it, so that an unknown name is %NS_SEND_ERROR_NAME_NOT_FOUND
 *   rather than a timeout), a node status request for an address target
 *   (at most half of what is left), SMB, the RPC fallback (not started
 *   when SMB used the whole budget) and every part of a split message.
 *   An ICMP port or host unreachable ends the RPC attempt at once. Fan-out
 *   gives each recipient its own deadline from the moment it starts.
 *   0 = %NS_SEND_DEFAULT_TIMEOUT_MS
 * @parallel: deliveries at once in ns_sender_send_many_async(); 0 =
 *   %NS_SEND_DEFAULT_PARALLEL, at most %NS_SEND_MAX_PARALLEL
 * @port_ns: name service port queried (0 = 137)
 * @port_dgm: datagram port broadcasts go to (0 = 138)
 * @port_ssn: session port SMB connects to (0 = 139); 445 means direct TCP
 *   framing without a session request (PROTOCOL.md errata 4)
 * @port_rpc: UDP port of NetrSendMessage (0 = 135)
 * @transport: see #NsSendTransport
 * @blocks: see #NsSendBlockMode
 * @split: send text over 652 OEM bytes as several messages numbered
 *   "(1/3) ..." (msgr_text split rules) instead of refusing it
 * @reliable: ns_sender_send_many_async() expands `*` and `/domain[:NAME]`
 *   into the workgroup's hosts (see ns_sender_list_workgroup_async()) and
 *   delivers to each directly
 * @hosts_file: (nullable): with @reliable, a file of extra host names or
 *   addresses of the workgroup, one per line, `#` comments
 * @use_host_resolver: also try the host resolver (GResolver: DNS,
 *   /etc/hosts) when NetBIOS resolution fails
 *
 * Fill with ns_sender_options_init() first; strings are copied by
 * ns_sender_new().
 *
 * Since: 0.1
 */
typedef struct {
  const char *from;
  const char *netbios_name;
  const char *workgroup;
  const char *codepage;
  const char *const *interfaces;
  const char *const *wins_servers;
  NbNodeType node_type;
  const char *address;
  guint timeout_ms;
  guint parallel;
  guint16 port_ns;
  guint16 port_dgm;
  guint16 port_ssn;
  guint16 port_rpc;
  NsSendTransport transport;
  NsSendBlockMode blocks;
  gboolean split;
  gboolean reliable;
  const char *hosts_file;
  gboolean use_host_resolver;
} NsSenderOptions;

/* All zero / NULL / defaults, @use_host_resolver = TRUE. */
void ns_sender_options_init (NsSenderOptions *opts);

/**
 * NsSendOutcome:
 * @NS_SEND_DELIVERED: the receiver acknowledged the message (final SMB
 *   response with success status, RPC response ERROR_SUCCESS)
 * @NS_SEND_SENT: sent without acknowledgement (mailslot datagram)
 * @NS_SEND_FAILED: not delivered; see #NsSendResult.error
 *
 * Since: 0.1
 */
typedef enum {
  NS_SEND_DELIVERED,
  NS_SEND_SENT,
  NS_SEND_FAILED,
} NsSendOutcome;

/* "delivered", "sent", "failed" (static). */
const char *ns_send_outcome_to_string (NsSendOutcome outcome);

/**
 * NsSendResult:
 * @recipient: the recipient as addressed: the NetBIOS name (upper case), or
 *   "*" / "/domain:NAME" for a broadcast, or the host from the workgroup list
 * @address: (nullable): the IPv4 address delivered to (dotted), "a.b.c.d,
 *   e.f.g.h" broadcast addresses for a broadcast, %NULL when resolution
 *   failed
 * @transport: the transport that carried it (or was tried last); never
 *   %NS_SEND_TRANSPORT_AUTO
 * @outcome: see #NsSendOutcome
 * @windows_code: 0 unless failed: the NERR / Win32 code `net send` would
 *   print (ns_send_error_windows_code(), or the RPC status received)
 * @error: (nullable): %NULL unless failed: a %NS_SEND_ERROR (or
 *   %G_IO_ERROR_CANCELLED) whose message says what happened, for people
 * @elapsed_us: time from the start of this recipient's send to its outcome
 * @n_parts: messages delivered or sent (more than 1 with
 *   #NsSenderOptions.split); on failure, how many went out before it
 * @multi_block: the SMB multi-block sequence was used
 *
 * The outcome of one recipient.
 *
 * Since: 0.1
 */
typedef struct {
  char *recipient;
  char *address;
  NsSendTransport transport;
  NsSendOutcome outcome;
  guint windows_code;
  GError *error;
  gint64 elapsed_us;
  guint n_parts;
  gboolean multi_block;
} NsSendResult;

NsSendResult *ns_send_result_copy (const NsSendResult *result);
/* NULL-safe. */
void ns_send_result_free (NsSendResult *result);

/**
 * NsSendSummary:
 * @n_results: results reported
 * @n_delivered: of them %NS_SEND_DELIVERED
 * @n_sent: of them %NS_SEND_SENT
 * @n_failed: of them %NS_SEND_FAILED
 * @elapsed_us: from the call to completion
 *
 * Since: 0.1
 */
typedef struct {
  guint n_results;
  guint n_delivered;
  guint n_sent;
  guint n_failed;
  gint64 elapsed_us;
} NsSendSummary;

/**
 * NsSender:
 *
 * A sending context for one run (see the file comment).
 *
 * Since: 0.1
 */
typedef struct _NsSender NsSender;

/**
 * ns_sender_new:
 * @opts: the options (copied)
 * @error: return location for a #GError
 *
 * Validates @opts: names (%NS_SEND_ERROR_INVALID_NAME), code page
 * (%NS_SEND_ERROR_CONVERSION), interfaces, WINS addresses, ports
 * (%NS_SEND_ERROR_INVALID_ARGUMENT); enumerates the interfaces
 * (%NS_SEND_ERROR_NETWORK when none is left). No socket is opened yet.
 *
 * Returns: (transfer full) (nullable): the sender
 *
 * Since: 0.1
 */
NsSender *ns_sender_new (const NsSenderOptions *opts, GError **error);

/* NULL-safe; cancels what still runs. */
void ns_sender_free (NsSender *sender);

/**
 * ns_sender_check_text:
 * @sender: a sender
 * @text_utf8: the message
 * @ret_n_parts: (out) (optional): how many messages it becomes
 * @error: return location for a #GError
 *
 * Applies the text rules without sending, so a caller can refuse the
 * message before any network work: %NS_SEND_ERROR_EMPTY_MESSAGE,
 * %NS_SEND_ERROR_MESSAGE_TOO_LONG (naming the OEM length), or
 * %NS_SEND_ERROR_CONVERSION.
 *
 * Returns: %TRUE if ns_sender_send_async() would accept @text_utf8
 *
 * Since: 0.1
 */
gboolean ns_sender_check_text (NsSender *sender, const char *text_utf8, guint *ret_n_parts,
                               GError **error);

/**
 * ns_sender_send_async:
 * @sender: a sender
 * @target: a NetBIOS name, or `*`, `/domain`, `/domain:NAME`
 *   (case-insensitive); a dotted IPv4 address is delivered to directly, to
 *   the <03> name its node status reports (`*SMBSERVER` when it reports
 *   none); a name with a dot is a DNS host name, looked up with the host
 *   resolver and called by its first label
 * @text_utf8: the message (UTF-8; line breaks become 0x14 on SMB)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on completion
 * @user_data: for @callback
 *
 * Sends one message to one target (a broadcast target gives one result
 * covering every interface, outcome %NS_SEND_SENT). #NsSenderOptions.reliable
 * is ignored here (see ns_sender_send_many_async()).
 *
 * Since: 0.1
 */
void ns_sender_send_async (NsSender *sender, const char *target, const char *text_utf8,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data);

/**
 * ns_sender_send_finish:
 * @sender: a sender
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Delivery failures are NOT errors here: they come back as a result with
 * outcome %NS_SEND_FAILED. @error is set only for the text rules
 * (%NS_SEND_ERROR_EMPTY_MESSAGE, ...), a bad target
 * (%NS_SEND_ERROR_INVALID_NAME), and cancellation (%G_IO_ERROR_CANCELLED,
 * also when the sender was freed meanwhile).
 *
 * Returns: (transfer full) (nullable): the result
 *
 * Since: 0.1
 */
NsSendResult *ns_sender_send_finish (NsSender *sender, GAsyncResult *result, GError **error);

/**
 * NsSendResultFunc:
 * @sender: the sender
 * @result: (transfer none): one recipient's result
 * @user_data: user data
 *
 * Called once per recipient as its outcome is known (completion order).
 *
 * Since: 0.1
 */
typedef void (*NsSendResultFunc) (NsSender *sender, const NsSendResult *result,
                                  gpointer user_data);

/**
 * ns_sender_send_many_async:
 * @sender: a sender
 * @targets: (array zero-terminated=1): targets as for ns_sender_send_async()
 *   (duplicates, compared case-insensitively, are sent once)
 * @text_utf8: the message
 * @result_func: (nullable): called for each result as it completes
 * @result_data: for @result_func
 * @result_destroy: (nullable): frees @result_data when the operation ends
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once at the end
 * @user_data: for @callback
 *
 * Sends to every target with at most #NsSenderOptions.parallel deliveries at
 * once, each with its own timeout. With #NsSenderOptions.reliable, a `*` or
 * `/domain[:NAME]` target becomes one directed delivery per host of that
 * workgroup. On cancellation the deliveries still running end with
 * %G_IO_ERROR_CANCELLED results and the ones not started are reported
 * failed the same way.
 *
 * Since: 0.1
 */
void ns_sender_send_many_async (NsSender *sender, const char *const *targets,
                                const char *text_utf8, NsSendResultFunc result_func,
                                gpointer result_data, GDestroyNotify result_destroy,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);

/**
 * ns_sender_send_many_finish:
 * @sender: a sender
 * @result: the #GAsyncResult
 * @ret_summary: (out caller-allocates) (optional): the counts
 * @error: return location for a #GError
 *
 * @error is set only for the text rules (nothing was sent). An invalid
 * target, a workgroup enumeration that found nobody
 * (%NS_SEND_ERROR_NAME_NOT_FOUND) and targets cancelled before they started
 * are %NS_SEND_FAILED results like any other.
 *
 * Returns: (transfer full) (element-type NsSendResult) (nullable): every
 *   result, in completion order
 *
 * Since: 0.1
 */
GPtrArray *ns_sender_send_many_finish (NsSender *sender, GAsyncResult *result,
                                       NsSendSummary *ret_summary, GError **error);

/**
 * ns_sender_list_workgroup_async:
 * @sender: a sender
 * @workgroup: (nullable): the workgroup; %NULL = the sender's
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on completion
 * @user_data: for @callback
 *
 * Enumerates the hosts of @workgroup: the browse list of its master
 * browser through libsmbclient (see ns_send_browse_list_available()), the
 * members of WORKGROUP<00> by the node type's phases (every answer to a
 * broadcast query; from WINS, the member list where the server keeps one
 * — Samba's and Windows' WINS keep none for an ordinary group), and
 * #NsSenderOptions.hosts_file. A source that fails leaves the others'
 * hosts; with none found the list is empty.
 *
 * Across subnets the browse list is the source that works: each subnet's
 * local master browser learns its hosts from their announcements (netsendd
 * sends them, MS-BRWS §3.2) and syncs with the domain master browser it
 * finds through WINS, so the list of the local master browser this
 * machine finds covers every subnet. libsmbclient finds it with the
 * settings of smb.conf (`$HOME/.smb/smb.conf`, else the system's:
 * `name resolve order`, `wins server`, `interfaces`), and asks over SMB1
 * (NT1), the only dialect with a browse list.
 *
 * The browse list is read only with the standard ports (137, 139) and
 * unless the environment variable `NETSEND_NO_SMBCLIENT` is set (tests).
 *
 * Since: 0.1
 */
void ns_sender_list_workgroup_async (NsSender *sender, const char *workgroup,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);

/**
 * ns_sender_list_workgroup_finish:
 * @sender: a sender
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the hosts (NetBIOS names or dotted
 *   addresses, upper case, no duplicates), possibly empty
 *
 * Since: 0.1
 */
char **ns_sender_list_workgroup_finish (NsSender *sender, GAsyncResult *result,
                                        GError **error);

/**
 * ns_send_browse_list_available:
 * @error: return location for a #GError
 *
 * Says whether ns_sender_list_workgroup_async() can read a master
 * browser's browse list. libnetsend does not link libsmbclient (its ~120
 * shared libraries would slow every start); the browse list comes from a
 * loadable module, `netsend-browse.so`, loaded the first time a workgroup
 * is enumerated. It is looked for in `$NETSEND_MODULE_DIR` when set, in
 * the build tree when libnetsend runs from its build tree, else in
 * `LIBDIR/netsend`. This checks that the module is there; it does not load
 * it.
 *
 * Returns: %TRUE if the module is installed; %FALSE with
 *   %NS_SEND_ERROR_NOT_SUPPORTED ("browse list unavailable: ...") when
 *   libnetsend was built without libsmbclient or the module is missing
 *   (the broadcast query and the hosts file still enumerate a workgroup)
 *
 * Since: 0.1
 */
gboolean ns_send_browse_list_available (GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsSendResult, ns_send_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsSender, ns_sender_free)

G_END_DECLS

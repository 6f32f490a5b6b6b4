/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One NetrSendMessage call over connectionless DCE/RPC (ncadg_ip_udp), as a
 * pure state machine (PROTOCOL.md §4; MS-MSRP §3.2.4.1; C706 ch. 10 and
 * 12; MS-RPCE §3.2.2).
 *
 * The machine owns no socket and reads no clock: its owner hands it every
 * datagram from the server (msgr_rpc_client_receive()), calls
 * msgr_rpc_client_tick() at msgr_rpc_client_next_deadline(), and sends the
 * datagram each call appends to the output array (at most one per call;
 * nothing appended means nothing to send). The owner sends the first
 * REQUEST to UDP 135 and later packets to the port the server answered
 * from (PROTOCOL.md §4.1).
 *
 * Client procedure (a single-fragment, non-idempotent call):
 *  - REQUEST, then wait; with no answer the REQUEST is sent again with the
 *    serial number incremented (MS-RPCE §3.2.2.2.1), the wait doubling from
 *    %MSGR_RPC_INITIAL_INTERVAL_US up to %MSGR_RPC_MAX_INTERVAL_US;
 *  - a WORKING or FACK says the server has the call: from then on the
 *    client PINGs when the wait runs out (C706 §10.2); a NOCALL to a PING
 *    means the server lost it: REQUEST again at once;
 *  - RESPONSE: the call is over; the client sends an ACK (C706 §10.2.1:
 *    non-idempotent calls are acknowledged so the server can drop its
 *    cached response) and reports the returned status;
 *  - REJECT / FAULT: the call failed with the status carried;
 *  - after @max_transmissions transmissions (REQUESTs and PINGs) and one
 *    last wait, or when the total budget runs out: %NS_SEND_ERROR_TIMEOUT.
 * Packets of another activity or sequence number are ignored.
 *
 * Errors are in the %NS_SEND_ERROR domain (<netsend/ns-send-errors.h>). */

#include <glib.h>
#include <netsend/ns-send-errors.h>
#include <netsend/rpc-cl.h>

G_BEGIN_DECLS

/* Retransmission timer: 1 s doubling to a 32 s cap (MS-RPCE §3.2.2.2.1,
 * PROTOCOL.md §4.5 "client-side retransmission"). */
#define MSGR_RPC_INITIAL_INTERVAL_US (1 * G_USEC_PER_SEC)
#define MSGR_RPC_MAX_INTERVAL_US (32 * G_USEC_PER_SEC)
/* Transmissions (REQUESTs and PINGs) before giving up. */
#define MSGR_RPC_DEFAULT_MAX_TRANSMISSIONS 5

/**
 * MsgrRpcClientConfig:
 * @activity: the activity UUID; nil = a random one (rpc_uuid_generate())
 * @seqnum: the call's sequence number in the activity (0 for a new one)
 * @from: sender, OEM bytes, NUL-terminated
 * @to: recipient name, OEM bytes, NUL-terminated
 * @text: the text, OEM bytes without NUL inside (line breaks as the caller
 *   chose them)
 * @initial_interval_us: first wait; 0 = %MSGR_RPC_INITIAL_INTERVAL_US
 * @max_interval_us: cap of the doubling wait; 0 = %MSGR_RPC_MAX_INTERVAL_US
 * @max_transmissions: 0 = %MSGR_RPC_DEFAULT_MAX_TRANSMISSIONS
 * @total_timeout_us: the whole call's budget from start; 0 = none (only
 *   @max_transmissions bound it)
 *
 * Since: 0.1
 */
typedef struct {
  RpcUuid activity;
  guint32 seqnum;
  const char *from;
  const char *to;
  GBytes *text;
  gint64 initial_interval_us;
  gint64 max_interval_us;
  guint max_transmissions;
  gint64 total_timeout_us;
} MsgrRpcClientConfig;

/**
 * MsgrRpcClientStatus:
 * @MSGR_RPC_CLIENT_RUNNING: waiting for the server
 * @MSGR_RPC_CLIENT_DELIVERED: NetrSendMessage returned ERROR_SUCCESS
 * @MSGR_RPC_CLIENT_FAILED: see msgr_rpc_client_get_error() and
 *   msgr_rpc_client_get_remote_status()
 *
 * Since: 0.1
 */
typedef enum {
  MSGR_RPC_CLIENT_RUNNING,
  MSGR_RPC_CLIENT_DELIVERED,
  MSGR_RPC_CLIENT_FAILED,
} MsgrRpcClientStatus;

typedef struct _MsgrRpcClient MsgrRpcClient;

/**
 * msgr_rpc_client_new:
 * @config: the call (copied)
 * @error: return location for a #GError
 *
 * Builds the REQUEST. Fails with %NS_SEND_ERROR_EMPTY_MESSAGE for empty
 * text, %NS_SEND_ERROR_INVALID_ARGUMENT for strings with a NUL inside or a
 * stub that does not fit one datagram.
 *
 * Returns: (transfer full) (nullable): the machine
 *
 * Since: 0.1
 */
MsgrRpcClient *msgr_rpc_client_new (const MsgrRpcClientConfig *config, GError **error);

/* NULL-safe. */
void msgr_rpc_client_free (MsgrRpcClient *client);

/* Appends the first REQUEST to @out and arms the timer. Call once. */
MsgrRpcClientStatus msgr_rpc_client_start (MsgrRpcClient *client, gint64 now_us,
                                           GByteArray *out);

/**
 * msgr_rpc_client_receive:
 * @client: a machine
 * @data: (array length=len): a datagram from the server
 * @len: its length
 * @now_us: the current monotonic time
 * @out: a datagram to send in reply (ACK, REQUEST) is appended here
 *
 * Unparsable datagrams and packets of other calls are ignored (a lost or
 * stray datagram is what the timer is for).
 *
 * Returns: the status after this datagram
 *
 * Since: 0.1
 */
MsgrRpcClientStatus msgr_rpc_client_receive (MsgrRpcClient *client, const guint8 *data,
                                             gsize len, gint64 now_us, GByteArray *out);

/* Runs the timer due at @now_us: retransmission, PING or timeout. */
MsgrRpcClientStatus msgr_rpc_client_tick (MsgrRpcClient *client, gint64 now_us,
                                          GByteArray *out);

/* When msgr_rpc_client_tick() should run next; %NB_ENGINE_NO_DEADLINE
 * (-1) once finished. */
gint64 msgr_rpc_client_next_deadline (const MsgrRpcClient *client);

MsgrRpcClientStatus msgr_rpc_client_get_status (const MsgrRpcClient *client);

/* (nullable) (transfer none): NULL unless FAILED. */
const GError *msgr_rpc_client_get_error (const MsgrRpcClient *client);

/* The status the server sent: NetrSendMessage's return value, or the
 * FAULT / REJECT status; 0 if none came. */
guint32 msgr_rpc_client_get_remote_status (const MsgrRpcClient *client);

/* The Windows code to report: 0 when delivered, NetrSendMessage's return
 * value when the server returned an error, else the code of the error
 * (ns_send_error_windows_code()). */
guint msgr_rpc_client_get_windows_code (const MsgrRpcClient *client);

/* REQUESTs and PINGs sent so far. */
guint msgr_rpc_client_get_n_transmissions (const MsgrRpcClient *client);

/* The activity in use (the generated one if the config had nil). */
const RpcUuid *msgr_rpc_client_get_activity (const MsgrRpcClient *client);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsgrRpcClient, msgr_rpc_client_free)

G_END_DECLS

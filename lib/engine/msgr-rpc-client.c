/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One NetrSendMessage call over connectionless RPC (see msgr-rpc-client.h). */
#include "netsend/msgr-rpc-client.h"

#include <string.h>

#include "netsend/nb-transport.h"
#include "netsend/rpc-msgsvc.h"

/* Largest request we build: one UDP datagram (PROTOCOL.md §4.1: a
 * NetrSendMessage request always fits one fragment; Windows 2000+ takes
 * 4096-byte PDUs, NT 4.0 1024 until told more, MS-RPCE note <17>). */
#define MAX_REQUEST_PDU 4096

/* Win32 codes NetrSendMessage returns (MS-MSRP §3.2.4.1). */
#define WIN_ERROR_ACCESS_DENIED 5u
#define WIN_ERROR_NOT_SUPPORTED 50u
#define WIN_NERR_NAME_NOT_FOUND 2273u
#define WIN_NERR_PAUSED_REMOTE 2281u
#define WIN_NERR_BAD_RECEIVE 2282u

typedef enum {
  PHASE_IDLE,
  PHASE_REQUESTING, /* no sign of the server yet: retransmit the REQUEST */
  PHASE_PINGING,    /* the server has the call: PING on each timeout */
  PHASE_DONE,
} Phase;

struct _MsgrRpcClient {
  RpcClHeader header; /* the REQUEST's; PING and ACK copy it */
  GBytes *stub;
  gint64 initial_interval_us;
  gint64 max_interval_us;
  guint max_transmissions;
  gint64 total_timeout_us;

  Phase phase;
  guint n_transmissions;
  guint16 serial;
  gint64 interval_us;
  gint64 deadline_us;
  gint64 give_up_us; /* the total budget, or G_MAXINT64 */

  MsgrRpcClientStatus status;
  GError *error;
  guint32 remote_status;
  guint windows_code;
};

static gboolean
check_string (const char *s, const char *what, GError **error)
{
  if (s == NULL || s[0] == '\0') {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME, "the %s name is empty", what);
    return FALSE;
  }
  return TRUE;
}

static GBytes *
build_stub (const MsgrRpcClientConfig *config, const RpcClHeader *header, GError **error)
{
  g_autoptr (RpcMsgsvcSend) args = NULL;
  g_autoptr (GByteArray) stub = g_byte_array_new ();
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  gsize len;
  const char *data = g_bytes_get_data (config->text, &len);

  if (len == 0) {
    g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_EMPTY_MESSAGE,
                         "the message is empty");
    return NULL;
  }
  if (memchr (data, '\0', len) != NULL) {
    g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_ARGUMENT,
                         "the text holds a NUL byte, which an LPSTR cannot carry");
    return NULL;
  }
  text = g_strndup (data, len);
  args = rpc_msgsvc_send_new (config->from, config->to, text);
  if (!rpc_msgsvc_send_stub_build (args, header->drep, MAX_REQUEST_PDU - RPC_CL_HEADER_LEN,
                                   stub, &local)) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_ARGUMENT,
                 "cannot build the NetrSendMessage stub: %s", local->message);
    return NULL;
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&stub));
}

MsgrRpcClient *
msgr_rpc_client_new (const MsgrRpcClientConfig *config, GError **error)
{
  g_autoptr (MsgrRpcClient) client = NULL;
  RpcUuid activity;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_string (config->from, "sender", error) ||
      !check_string (config->to, "recipient", error))
    return NULL;

  activity = config->activity;
  if (rpc_uuid_is_nil (&activity))
    rpc_uuid_generate (&activity);

  client = g_new0 (MsgrRpcClient, 1);
  /* server_boot 0: our first call to this server (PROTOCOL.md §4.2). */
  rpc_msgsvc_request_header_init (&client->header, &activity, config->seqnum, 0);
  client->stub = build_stub (config, &client->header, error);
  if (client->stub == NULL)
    return NULL;
  client->initial_interval_us = config->initial_interval_us > 0
                                  ? config->initial_interval_us : MSGR_RPC_INITIAL_INTERVAL_US;
  client->max_interval_us = config->max_interval_us > 0
                              ? config->max_interval_us : MSGR_RPC_MAX_INTERVAL_US;
  client->max_transmissions = config->max_transmissions > 0
                                ? config->max_transmissions : MSGR_RPC_DEFAULT_MAX_TRANSMISSIONS;
  client->total_timeout_us = config->total_timeout_us;
  client->phase = PHASE_IDLE;
  client->status = MSGR_RPC_CLIENT_RUNNING;
  return g_steal_pointer (&client);
}

void
msgr_rpc_client_free (MsgrRpcClient *client)
{
  if (client == NULL)
    return;
  g_clear_pointer (&client->stub, g_bytes_unref);
  g_clear_error (&client->error);
  g_free (client);
}

static MsgrRpcClientStatus
finish_ok (MsgrRpcClient *client)
{
  client->phase = PHASE_DONE;
  client->status = MSGR_RPC_CLIENT_DELIVERED;
  client->windows_code = 0;
  return client->status;
}

G_GNUC_PRINTF (4, 5) static MsgrRpcClientStatus
fail (MsgrRpcClient *client, NsSendError code, guint windows_code, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  g_clear_error (&client->error);
  client->error = g_error_new_valist (NS_SEND_ERROR, code, format, ap);
  va_end (ap);
  client->phase = PHASE_DONE;
  client->status = MSGR_RPC_CLIENT_FAILED;
  client->windows_code = windows_code != 0 ? windows_code : ns_send_error_windows_code (code);
  return client->status;
}

/* Appends a PDU of @ptype for our call: the REQUEST with the stub, or an
 * empty PING / ACK with the same activity, interface and sequence number
 * (C706 §12.5: the header identifies the call). */
static void
emit (MsgrRpcClient *client, RpcClPtype ptype, GByteArray *out)
{
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_new (ptype);
  g_autoptr (GError) local = NULL;

  pkt->header = client->header;
  pkt->header.ptype = ptype;
  pkt->header.serial = client->serial;
  if (ptype == RPC_CL_PTYPE_REQUEST) {
    gsize len;
    const guint8 *data = g_bytes_get_data (client->stub, &len);

    rpc_cl_packet_set_body (pkt, data, len);
  }
  if (!rpc_cl_packet_build (pkt, out, &local))
    /* The header and stub were checked when the machine was made. */
    g_debug ("msgr-rpc-client: cannot build a %s: %s", rpc_cl_ptype_name (ptype),
             local->message);
}

/* Sends a REQUEST or PING and arms the next wait. The serial number grows
 * with every transmission (MS-RPCE §3.2.2.2.1, note <93>). */
static MsgrRpcClientStatus
transmit (MsgrRpcClient *client, RpcClPtype ptype, gint64 now_us, GByteArray *out)
{
  emit (client, ptype, out);
  client->serial++;
  client->n_transmissions++;
  client->deadline_us = MIN (now_us + client->interval_us, client->give_up_us);
  client->interval_us = MIN (client->interval_us * 2, client->max_interval_us);
  return client->status;
}

MsgrRpcClientStatus
msgr_rpc_client_start (MsgrRpcClient *client, gint64 now_us, GByteArray *out)
{
  g_return_val_if_fail (client != NULL, MSGR_RPC_CLIENT_FAILED);
  g_return_val_if_fail (out != NULL, MSGR_RPC_CLIENT_FAILED);
  g_return_val_if_fail (client->phase == PHASE_IDLE, client->status);

  client->interval_us = client->initial_interval_us;
  client->give_up_us = client->total_timeout_us > 0 ? now_us + client->total_timeout_us
                                                    : G_MAXINT64;
  client->phase = PHASE_REQUESTING;
  return transmit (client, RPC_CL_PTYPE_REQUEST, now_us, out);
}

static MsgrRpcClientStatus
handle_response (MsgrRpcClient *client, const RpcClPacket *pkt, GByteArray *out)
{
  g_autoptr (GError) local = NULL;
  guint32 status;

  if (!rpc_msgsvc_parse_send_response (pkt, &status, &local))
    return fail (client, NS_SEND_ERROR_PROTOCOL, 0, "bad NetrSendMessage response: %s",
                 local->message);
  /* C706 §10.2.1: acknowledge the response of a non-idempotent call so the
   * server may drop it (our daemon caches it until then, §4.5 step 8). */
  emit (client, RPC_CL_PTYPE_ACK, out);
  client->remote_status = status;
  switch (status) {
    case 0:
      return finish_ok (client);
    case WIN_ERROR_ACCESS_DENIED:
      return fail (client, NS_SEND_ERROR_ACCESS_DENIED, status,
                   "NetrSendMessage refused: access denied");
    case WIN_ERROR_NOT_SUPPORTED:
      return fail (client, NS_SEND_ERROR_NOT_SUPPORTED, status,
                   "NetrSendMessage is not supported by the receiver (Windows Vista or later)");
    case WIN_NERR_NAME_NOT_FOUND:
      return fail (client, NS_SEND_ERROR_NAME_NOT_FOUND, status,
                   "the receiver has no message alias of that name (NERR_NameNotFound)");
    case WIN_NERR_PAUSED_REMOTE:
      return fail (client, NS_SEND_ERROR_PAUSED, status,
                   "the receiver has paused the Messenger service");
    case WIN_NERR_BAD_RECEIVE:
      return fail (client, NS_SEND_ERROR_NO_ROOM, status,
                   "the message was sent but not received (NERR_BadReceive)");
    default:
      return fail (client, NS_SEND_ERROR_REMOTE, status,
                   "NetrSendMessage returned error %u (0x%08X)", status, status);
  }
}

static MsgrRpcClientStatus
handle_reject (MsgrRpcClient *client, const RpcClPacket *pkt)
{
  const char *name = rpc_cl_status_name (pkt->status);
  const char *what = pkt->header.ptype == RPC_CL_PTYPE_REJECT ? "rejected" : "faulted";

  client->remote_status = pkt->status;
  if (pkt->header.ptype == RPC_CL_PTYPE_REJECT &&
      (pkt->status == RPC_NCA_S_UNK_IF || pkt->status == RPC_NCA_S_OP_RNG_ERROR))
    return fail (client, NS_SEND_ERROR_NOT_SUPPORTED, 0,
                 "the receiver does not offer NetrSendMessage (call %s: %s)", what,
                 name != NULL ? name : "unknown interface");
  if (pkt->status == RPC_S_ACCESS_DENIED)
    return fail (client, NS_SEND_ERROR_ACCESS_DENIED, 0, "NetrSendMessage %s: access denied",
                 what);
  if (pkt->status == RPC_NCA_S_FAULT_NDR)
    return fail (client, NS_SEND_ERROR_PROTOCOL, 0,
                 "NetrSendMessage %s: the receiver could not decode our stub", what);
  return fail (client, NS_SEND_ERROR_REMOTE, 0, "NetrSendMessage %s with status 0x%08X%s%s%s",
               what, pkt->status, name != NULL ? " (" : "", name != NULL ? name : "",
               name != NULL ? ")" : "");
}

/* Ours: same activity and sequence number (C706 §12.5.2). */
static gboolean
is_our_call (const MsgrRpcClient *client, const RpcClHeader *h)
{
  return rpc_uuid_equal (&h->act_id, &client->header.act_id) &&
         h->seqnum == client->header.seqnum;
}

MsgrRpcClientStatus
msgr_rpc_client_receive (MsgrRpcClient *client, const guint8 *data, gsize len, gint64 now_us,
                         GByteArray *out)
{
  g_autoptr (RpcClPacket) pkt = NULL;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (client != NULL, MSGR_RPC_CLIENT_FAILED);
  g_return_val_if_fail (data != NULL || len == 0, MSGR_RPC_CLIENT_FAILED);
  g_return_val_if_fail (out != NULL, MSGR_RPC_CLIENT_FAILED);

  if (client->phase != PHASE_REQUESTING && client->phase != PHASE_PINGING)
    return client->status;
  pkt = rpc_cl_packet_parse (data, len, &local);
  if (pkt == NULL) {
    g_debug ("msgr-rpc-client: ignoring an unparsable datagram: %s", local->message);
    return client->status;
  }
  if (!is_our_call (client, &pkt->header)) {
    g_debug ("msgr-rpc-client: ignoring a %s of another call",
             rpc_cl_ptype_name (pkt->header.ptype));
    return client->status;
  }
  switch (pkt->header.ptype) {
    case RPC_CL_PTYPE_RESPONSE:
      return handle_response (client, pkt, out);
    case RPC_CL_PTYPE_REJECT:
    case RPC_CL_PTYPE_FAULT:
      return handle_reject (client, pkt);
    case RPC_CL_PTYPE_WORKING:
    case RPC_CL_PTYPE_FACK:
      /* The server holds the call: wait, then ask with PINGs (C706 §10.2). */
      client->phase = PHASE_PINGING;
      return client->status;
    case RPC_CL_PTYPE_NOCALL:
      if (client->phase != PHASE_PINGING)
        return client->status;
      /* The server lost the call: send it again now. */
      if (client->n_transmissions >= client->max_transmissions)
        return client->status;
      client->phase = PHASE_REQUESTING;
      return transmit (client, RPC_CL_PTYPE_REQUEST, now_us, out);
    default:
      g_debug ("msgr-rpc-client: ignoring a %s", rpc_cl_ptype_name (pkt->header.ptype));
      return client->status;
  }
}

MsgrRpcClientStatus
msgr_rpc_client_tick (MsgrRpcClient *client, gint64 now_us, GByteArray *out)
{
  g_return_val_if_fail (client != NULL, MSGR_RPC_CLIENT_FAILED);
  g_return_val_if_fail (out != NULL, MSGR_RPC_CLIENT_FAILED);

  if (client->phase != PHASE_REQUESTING && client->phase != PHASE_PINGING)
    return client->status;
  if (now_us < client->deadline_us)
    return client->status;
  if (now_us >= client->give_up_us || client->n_transmissions >= client->max_transmissions)
    return fail (client, NS_SEND_ERROR_TIMEOUT, 0,
                 "no answer to NetrSendMessage after %u transmissions",
                 client->n_transmissions);
  return transmit (client,
                   client->phase == PHASE_PINGING ? RPC_CL_PTYPE_PING : RPC_CL_PTYPE_REQUEST,
                   now_us, out);
}

gint64
msgr_rpc_client_next_deadline (const MsgrRpcClient *client)
{
  g_return_val_if_fail (client != NULL, NB_ENGINE_NO_DEADLINE);

  if (client->phase != PHASE_REQUESTING && client->phase != PHASE_PINGING)
    return NB_ENGINE_NO_DEADLINE;
  return client->deadline_us;
}

MsgrRpcClientStatus
msgr_rpc_client_get_status (const MsgrRpcClient *client)
{
  g_return_val_if_fail (client != NULL, MSGR_RPC_CLIENT_FAILED);
  return client->status;
}

const GError *
msgr_rpc_client_get_error (const MsgrRpcClient *client)
{
  g_return_val_if_fail (client != NULL, NULL);
  return client->error;
}

guint32
msgr_rpc_client_get_remote_status (const MsgrRpcClient *client)
{
  g_return_val_if_fail (client != NULL, 0);
  return client->remote_status;
}

guint
msgr_rpc_client_get_windows_code (const MsgrRpcClient *client)
{
  g_return_val_if_fail (client != NULL, 0);
  return client->windows_code;
}

guint
msgr_rpc_client_get_n_transmissions (const MsgrRpcClient *client)
{
  g_return_val_if_fail (client != NULL, 0);
  return client->n_transmissions;
}

const RpcUuid *
msgr_rpc_client_get_activity (const MsgrRpcClient *client)
{
  g_return_val_if_fail (client != NULL, NULL);
  return &client->header.act_id;
}

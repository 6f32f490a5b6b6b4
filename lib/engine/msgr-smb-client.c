/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One Messenger delivery over an SMB1 session (see msgr-smb-client.h). */
#include "netsend/msgr-smb-client.h"

#include <string.h>

#include "netsend/msgr-text.h"
#include "netsend/smb-msgr.h"

/* Largest frame we accept from a Messenger receiver: its responses are
 * 35-37 bytes (PROTOCOL.md §2.4-§2.7); a server that negotiated something
 * might send more, never this much. */
#define MAX_RESPONSE_FRAME 4096

/* NTSTATUS values a Messenger receiver returns (Samba's NT forms of the
 * ERRSRV codes, PROTOCOL.md §2.10; MS-ERREF §2.3). */
#define NT_STATUS_ACCESS_DENIED 0xC0000022u
#define NT_STATUS_SHARING_PAUSED 0xC00000CFu
#define NT_STATUS_DISK_FULL 0xC000007Fu

/* ERRDOS/ERRnoaccess and ERRSRV/ERRaccess (MS-CIFS §2.2.2.4). */
#define ERRDOS_NOACCESS 0x0005
#define ERRSRV_ACCESS 0x0004

struct _MsgrSmbClient {
  NbName called;
  NbName calling;
  char from[SMB_MSGR_NAME_MAX + 1];
  char to[SMB_MSGR_NAME_MAX + 1];
  GBytes *text;
  MsgrSmbMode mode;
  NbSessionFraming framing;

  gboolean multi;   /* the multi-block sequence is used */
  GPtrArray *blocks; /* GBytes, multi-block only */
  guint next_block;
  guint16 group_id;
  guint n_smbs_sent; /* SMBs sent on this connection */
  guint n_responses; /* SMB responses to our requests (success or error) */

  NbSessionFramer *framer;
  MsgrSmbClientState state;
  MsgrSmbClientStatus status;
  GError *error;
  guint32 retarget_ipv4;
  guint16 retarget_port;
};

const char *
msgr_smb_client_status_to_string (MsgrSmbClientStatus status)
{
  switch (status) {
    case MSGR_SMB_CLIENT_RUNNING: return "running";
    case MSGR_SMB_CLIENT_DELIVERED: return "delivered";
    case MSGR_SMB_CLIENT_FAILED: return "failed";
    case MSGR_SMB_CLIENT_RETRY_MULTIBLOCK: return "retry-multiblock";
    case MSGR_SMB_CLIENT_RETARGET: return "retarget";
    default: return "unknown";
  }
}

static gboolean
copy_name (char *dst, const char *src, const char *what, GError **error)
{
  gsize len = src != NULL ? strlen (src) : 0;

  if (len == 0 || len > SMB_MSGR_NAME_MAX) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME,
                 "%s name must be 1 to %d bytes, got %" G_GSIZE_FORMAT,
                 what, SMB_MSGR_NAME_MAX, len);
    return FALSE;
  }
  memcpy (dst, src, len + 1);
  return TRUE;
}

MsgrSmbClient *
msgr_smb_client_new (const MsgrSmbClientConfig *config, GError **error)
{
  g_autoptr (MsgrSmbClient) client = NULL;
  gsize text_len;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  text_len = g_bytes_get_size (config->text);
  if (text_len == 0) {
    g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_EMPTY_MESSAGE,
                         "the message is empty");
    return NULL;
  }
  if (config->mode == MSGR_SMB_MODE_SINGLE && text_len > SMB_MSGR_BLOCK_MAX) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_MESSAGE_TOO_LONG,
                 "a single-block message holds at most %d bytes, the text has %"
                 G_GSIZE_FORMAT " (MS-MSRP 2.2.3.1.1)", SMB_MSGR_BLOCK_MAX, text_len);
    return NULL;
  }

  client = g_new0 (MsgrSmbClient, 1);
  if (!copy_name (client->from, config->from, "sender", error) ||
      !copy_name (client->to, config->to, "recipient", error))
    return NULL;
  client->called = config->called;
  client->calling = config->calling;
  client->text = g_bytes_ref (config->text);
  client->mode = config->mode;
  client->framing = config->framing;
  client->multi = config->mode == MSGR_SMB_MODE_MULTI ||
                  (config->mode == MSGR_SMB_MODE_AUTO && text_len > SMB_MSGR_BLOCK_MAX);
  if (client->multi) {
    g_autoptr (GError) local = NULL;

    /* Cut after conversion, between characters (PROTOCOL.md §2.9, §5.1):
     * smbclient cuts before conversion and breaks characters. */
    client->blocks = msgr_text_split_blocks (config->text, config->codepage,
                                             MSGR_TEXT_SMB_BLOCK_SIZE, &local);
    if (client->blocks == NULL) {
      g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_CONVERSION, "%s", local->message);
      return NULL;
    }
  }
  client->framer = nb_session_framer_new (config->framing, MAX_RESPONSE_FRAME);
  client->state = MSGR_SMB_STATE_IDLE;
  client->status = MSGR_SMB_CLIENT_RUNNING;
  return g_steal_pointer (&client);
}

void
msgr_smb_client_free (MsgrSmbClient *client)
{
  if (client == NULL)
    return;
  g_bytes_unref (client->text);
  g_clear_pointer (&client->blocks, g_ptr_array_unref);
  nb_session_framer_free (client->framer);
  g_clear_error (&client->error);
  g_free (client);
}

static MsgrSmbClientStatus
finish (MsgrSmbClient *client, MsgrSmbClientStatus status)
{
  client->state = MSGR_SMB_STATE_FINISHED;
  client->status = status;
  return status;
}

G_GNUC_PRINTF (3, 4) static MsgrSmbClientStatus
fail (MsgrSmbClient *client, NsSendError code, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  g_clear_error (&client->error);
  client->error = g_error_new_valist (NS_SEND_ERROR, code, format, ap);
  va_end (ap);
  return finish (client, MSGR_SMB_CLIENT_FAILED);
}

/* Appends one SMB framed for the connection and counts it. */
static gboolean
append_smb (MsgrSmbClient *client, GByteArray *smb, GByteArray *out)
{
  g_autoptr (GError) local = NULL;

  if (!nb_session_build_message (out, client->framing, smb->data, smb->len, &local)) {
    fail (client, NS_SEND_ERROR_FAILED, "cannot frame an SMB: %s", local->message);
    return FALSE;
  }
  client->n_smbs_sent++;
  return TRUE;
}

/* Builds the request of @state into @out and enters @state. MS-MSRP
 * §2.2.3: every header field but Command is 0. */
static MsgrSmbClientStatus
send_request (MsgrSmbClient *client, MsgrSmbClientState state, GByteArray *out)
{
  g_autoptr (GByteArray) smb = g_byte_array_new ();
  g_autoptr (GError) local = NULL;
  SmbHeader header;
  gboolean ok = FALSE;

  switch (state) {
    case MSGR_SMB_STATE_SINGLE:
      smb_header_init_request (&header, SMB_COM_SEND_MESSAGE);
      ok = smb_msgr_build_send_message (smb, &header, client->from, client->to,
                                        g_bytes_get_data (client->text, NULL),
                                        g_bytes_get_size (client->text), &local);
      break;
    case MSGR_SMB_STATE_START:
      smb_header_init_request (&header, SMB_COM_SEND_START_MB_MESSAGE);
      ok = smb_msgr_build_start (smb, &header, client->from, client->to, &local);
      break;
    case MSGR_SMB_STATE_TEXT: {
      GBytes *block = g_ptr_array_index (client->blocks, client->next_block);

      smb_header_init_request (&header, SMB_COM_SEND_TEXT_MB_MESSAGE);
      ok = smb_msgr_build_text (smb, &header, client->group_id,
                                g_bytes_get_data (block, NULL), g_bytes_get_size (block),
                                &local);
      client->next_block++;
      break;
    }
    case MSGR_SMB_STATE_END:
      smb_header_init_request (&header, SMB_COM_SEND_END_MB_MESSAGE);
      ok = smb_msgr_build_end (smb, &header, client->group_id, &local);
      break;
    default:
      g_assert_not_reached ();
  }
  if (!ok)
    return fail (client, NS_SEND_ERROR_FAILED, "cannot build the SMB: %s", local->message);
  if (!append_smb (client, smb, out))
    return client->status;
  client->state = state;
  return MSGR_SMB_CLIENT_RUNNING;
}

static MsgrSmbClientStatus
send_first_smb (MsgrSmbClient *client, GByteArray *out)
{
  return send_request (client, client->multi ? MSGR_SMB_STATE_START : MSGR_SMB_STATE_SINGLE,
                       out);
}

MsgrSmbClientStatus
msgr_smb_client_start (MsgrSmbClient *client, GByteArray *out)
{
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (client != NULL, MSGR_SMB_CLIENT_FAILED);
  g_return_val_if_fail (out != NULL, MSGR_SMB_CLIENT_FAILED);
  g_return_val_if_fail (client->state == MSGR_SMB_STATE_IDLE, client->status);

  if (client->framing == NB_SESSION_FRAMING_DIRECT)
    return send_first_smb (client, out);

  /* RFC 1002 §4.3.2: CALLED = the recipient's <03>, CALLING = us. */
  if (!nb_session_build_request (out, &client->called, &client->calling, &local))
    return fail (client, NS_SEND_ERROR_INVALID_NAME, "cannot build the session request: %s",
                 local->message);
  client->state = MSGR_SMB_STATE_SESSION;
  return MSGR_SMB_CLIENT_RUNNING;
}

/* RFC 1002 §4.3.4: one error per NEGATIVE SESSION RESPONSE code. */
static MsgrSmbClientStatus
session_refused (MsgrSmbClient *client, guint8 code)
{
  g_autofree char *called = nb_name_to_display (&client->called, NULL);
  NsSendError err;

  switch (code) {
    case NB_SESSION_ERR_NOT_LISTENING_ON_CALLED:
      err = NS_SEND_ERROR_NOT_LISTENING_ON_CALLED;
      break;
    case NB_SESSION_ERR_NOT_LISTENING_FOR_CALLING:
      err = NS_SEND_ERROR_NOT_LISTENING_FOR_CALLING;
      break;
    case NB_SESSION_ERR_CALLED_NOT_PRESENT:
      err = NS_SEND_ERROR_CALLED_NOT_PRESENT;
      break;
    case NB_SESSION_ERR_INSUFFICIENT_RESOURCES:
      err = NS_SEND_ERROR_INSUFFICIENT_RESOURCES;
      break;
    default:
      err = NS_SEND_ERROR_SESSION_REFUSED;
      break;
  }
  return fail (client, err, "session to %s refused: negative session response 0x%02X (%s)",
               called, code, nb_session_error_describe (code));
}

static MsgrSmbClientStatus
handle_session_answer (MsgrSmbClient *client, guint8 type, GBytes *payload, GByteArray *out)
{
  g_autoptr (NbSessionPacket) packet = NULL;
  g_autoptr (GError) local = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);

  switch (type) {
    case NB_SESSION_POSITIVE_RESPONSE:
      return send_first_smb (client, out);
    case NB_SESSION_NEGATIVE_RESPONSE:
    case NB_SESSION_RETARGET_RESPONSE:
      if (!nb_session_packet_parse_trailer (type, data, len, &packet, &local))
        return fail (client, NS_SEND_ERROR_PROTOCOL, "bad session response: %s",
                     local->message);
      if (type == NB_SESSION_NEGATIVE_RESPONSE)
        return session_refused (client, packet->error_code);
      client->retarget_ipv4 = ((guint32) packet->retarget_ip[0] << 24) |
                              ((guint32) packet->retarget_ip[1] << 16) |
                              ((guint32) packet->retarget_ip[2] << 8) |
                              packet->retarget_ip[3];
      client->retarget_port = packet->retarget_port;
      return finish (client, MSGR_SMB_CLIENT_RETARGET);
    default:
      return fail (client, NS_SEND_ERROR_PROTOCOL,
                   "expected a session response, got %s (0x%02X)",
                   nb_session_type_name (type), type);
  }
}

/* Maps a non-success status of a Messenger response (PROTOCOL.md §2.10):
 * NTSTATUS when Flags2 says so, DOS class/code otherwise. */
static MsgrSmbClientStatus
response_error (MsgrSmbClient *client, const SmbHeader *header)
{
  g_autofree char *status = smb_status_to_string (header);
  const char *command = smb_command_name (header->command);
  NsSendError code = NS_SEND_ERROR_REMOTE;

  if (header->flags2 & SMB_FLAGS2_NT_STATUS) {
    switch (header->status) {
      case SMB_NT_STATUS_REQUEST_NOT_ACCEPTED: code = NS_SEND_ERROR_MSG_OFF; break;
      case NT_STATUS_SHARING_PAUSED: code = NS_SEND_ERROR_PAUSED; break;
      case NT_STATUS_DISK_FULL: code = NS_SEND_ERROR_NO_ROOM; break;
      case NT_STATUS_ACCESS_DENIED: code = NS_SEND_ERROR_ACCESS_DENIED; break;
      default: break;
    }
  } else {
    guint8 cls = SMB_STATUS_DOS_CLASS (header->status);
    guint16 err = SMB_STATUS_DOS_CODE (header->status);

    if (cls == SMB_ERRSRV && err == SMB_ERRSRV_MSGOFF)
      code = NS_SEND_ERROR_MSG_OFF;
    else if (cls == SMB_ERRSRV && err == SMB_ERRSRV_PAUSED)
      code = NS_SEND_ERROR_PAUSED;
    else if (cls == SMB_ERRSRV && err == SMB_ERRSRV_NOROOM)
      code = NS_SEND_ERROR_NO_ROOM;
    else if ((cls == SMB_ERRSRV && err == ERRSRV_ACCESS) ||
             (cls == SMB_ERRDOS && err == ERRDOS_NOACCESS))
      code = NS_SEND_ERROR_ACCESS_DENIED;
    else if (cls == SMB_ERRDOS && err == SMB_ERRDOS_REQ_NOT_ACCEPTED)
      /* What current smbd sends without `message command` (§2.10). */
      code = NS_SEND_ERROR_MSG_OFF;
  }
  return fail (client, code, "%s refused by the receiver: %s", command, status);
}

static guint8
expected_command (MsgrSmbClientState state)
{
  switch (state) {
    case MSGR_SMB_STATE_SINGLE: return SMB_COM_SEND_MESSAGE;
    case MSGR_SMB_STATE_START: return SMB_COM_SEND_START_MB_MESSAGE;
    case MSGR_SMB_STATE_TEXT: return SMB_COM_SEND_TEXT_MB_MESSAGE;
    case MSGR_SMB_STATE_END: return SMB_COM_SEND_END_MB_MESSAGE;
    default: return 0;
  }
}

static MsgrSmbClientStatus
next_after_success (MsgrSmbClient *client, GByteArray *out)
{
  switch (client->state) {
    case MSGR_SMB_STATE_SINGLE:
    case MSGR_SMB_STATE_END:
      /* The final response said success: delivered (MS-MSRP §3.2.4.4). */
      return finish (client, MSGR_SMB_CLIENT_DELIVERED);
    case MSGR_SMB_STATE_START:
    case MSGR_SMB_STATE_TEXT:
      if (client->next_block < client->blocks->len)
        return send_request (client, MSGR_SMB_STATE_TEXT, out);
      return send_request (client, MSGR_SMB_STATE_END, out);
    default:
      g_assert_not_reached ();
  }
}

static MsgrSmbClientStatus
handle_smb (MsgrSmbClient *client, GBytes *payload, GByteArray *out)
{
  g_autoptr (SmbMsgrPacket) packet = NULL;
  g_autoptr (GError) local = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);
  guint8 want = expected_command (client->state);

  if (!smb_msgr_parse (data, len, &packet, &local)) {
    SmbHeader header;

    /* An error response to our command whose body the parser refuses
     * is still an answer: report its status. */
    if (smb_header_parse (data, len, &header, NULL) && (header.flags & SMB_FLAGS_REPLY) &&
        header.command == want && header.status != 0) {
      client->n_responses++;
      return response_error (client, &header);
    }
    return fail (client, NS_SEND_ERROR_PROTOCOL, "unparsable answer to %s: %s",
                 smb_command_name (want), local->message);
  }
  if (packet->kind != SMB_MSGR_RESPONSE || packet->header.command != want)
    return fail (client, NS_SEND_ERROR_PROTOCOL, "expected the response to %s, got %s%s",
                 smb_command_name (want), smb_command_name (packet->header.command),
                 packet->kind == SMB_MSGR_RESPONSE ? " response" : " request");
  client->n_responses++;
  if (packet->header.status != 0)
    return response_error (client, &packet->header);
  if (client->state == MSGR_SMB_STATE_START)
    /* Samba's server answers with WordCount 0: group id 0 (§2.5). */
    client->group_id = packet->has_group_id ? packet->group_id : 0;
  return next_after_success (client, out);
}

static MsgrSmbClientStatus
handle_frame (MsgrSmbClient *client, guint8 type, GBytes *payload, GByteArray *out)
{
  if (type == NB_SESSION_KEEP_ALIVE)
    return MSGR_SMB_CLIENT_RUNNING;
  if (client->state == MSGR_SMB_STATE_SESSION)
    return handle_session_answer (client, type, payload, out);
  if (type != NB_SESSION_MESSAGE)
    return fail (client, NS_SEND_ERROR_PROTOCOL, "unexpected %s on an established session",
                 nb_session_type_name (type));
  return handle_smb (client, payload, out);
}

static const char *
waiting_for (MsgrSmbClientState state)
{
  switch (state) {
    case MSGR_SMB_STATE_SESSION: return "the session response";
    case MSGR_SMB_STATE_SINGLE: return "the response to SMB_COM_SEND_MESSAGE";
    case MSGR_SMB_STATE_START: return "the response to SMB_COM_SEND_START_MB_MESSAGE";
    case MSGR_SMB_STATE_TEXT: return "the response to SMB_COM_SEND_TEXT_MB_MESSAGE";
    case MSGR_SMB_STATE_END: return "the response to SMB_COM_SEND_END_MB_MESSAGE";
    default: return "the connection";
  }
}

MsgrSmbClientStatus
msgr_smb_client_receive (MsgrSmbClient *client, const guint8 *data, gsize len,
                         GByteArray *out)
{
  g_autoptr (GError) local = NULL;
  guint start_len;

  g_return_val_if_fail (client != NULL, MSGR_SMB_CLIENT_FAILED);
  g_return_val_if_fail (data != NULL || len == 0, MSGR_SMB_CLIENT_FAILED);
  g_return_val_if_fail (out != NULL, MSGR_SMB_CLIENT_FAILED);

  if (client->state == MSGR_SMB_STATE_FINISHED)
    return client->status;
  if (client->state == MSGR_SMB_STATE_IDLE)
    return fail (client, NS_SEND_ERROR_PROTOCOL, "data before the delivery started");
  start_len = out->len;
  if (!nb_session_framer_push (client->framer, data, len, &local))
    return fail (client, NS_SEND_ERROR_PROTOCOL, "bad frame from the receiver: %s",
                 local->message);
  while (client->state != MSGR_SMB_STATE_FINISHED) {
    g_autoptr (GBytes) payload = NULL;
    guint8 type;

    if (!nb_session_framer_pop (client->framer, &type, &payload))
      break;
    if (out->len > start_len && type != NB_SESSION_KEEP_ALIVE) {
      /* We answer only after the owner sent our request, so anything
       * complete in the same bytes answers a request not yet on the wire:
       * a receiver that does that is not to be believed. */
      fail (client, NS_SEND_ERROR_PROTOCOL, "an answer arrived before %s was sent",
            smb_command_name (expected_command (client->state)));
      break;
    }
    handle_frame (client, type, payload, out);
  }
  /* Once the outcome is known there is nothing more to send. */
  if (client->state == MSGR_SMB_STATE_FINISHED)
    g_byte_array_set_size (out, start_len);
  return client->status;
}

MsgrSmbClientStatus
msgr_smb_client_closed (MsgrSmbClient *client, gboolean reset)
{
  const char *how = reset ? "reset" : "closed";

  g_return_val_if_fail (client != NULL, MSGR_SMB_CLIENT_FAILED);

  if (client->state == MSGR_SMB_STATE_FINISHED)
    return client->status;
  if (client->n_smbs_sent == 1 && client->state == MSGR_SMB_STATE_SINGLE) {
    /* smbd drops a session whose first SMB is 0xD0 without NEGOTIATE
     * (PROTOCOL.md §2.1, capture "smb-sends-d0"). */
    if (client->mode == MSGR_SMB_MODE_AUTO)
      return finish (client, MSGR_SMB_CLIENT_RETRY_MULTIBLOCK);
    return fail (client, NS_SEND_ERROR_PROTOCOL,
                 "the receiver %s the connection after SMB_COM_SEND_MESSAGE without "
                 "answering (Samba does this to a first 0xD0: use the multi-block mode)", how);
  }
  if (client->n_smbs_sent == 1 && client->state == MSGR_SMB_STATE_START)
    /* smbd with `server min protocol` above NT1 (errata 3, capture 07). */
    return fail (client, NS_SEND_ERROR_MSG_OFF,
                 "the receiver %s the connection after SMB_COM_SEND_START_MB_MESSAGE "
                 "without answering: it does not accept SMB1 messenger commands", how);
  return fail (client, NS_SEND_ERROR_PROTOCOL, "the receiver %s the connection before %s",
               how, waiting_for (client->state));
}

MsgrSmbClientStatus
msgr_smb_client_timeout (MsgrSmbClient *client)
{
  g_return_val_if_fail (client != NULL, MSGR_SMB_CLIENT_FAILED);

  if (client->state == MSGR_SMB_STATE_FINISHED)
    return client->status;
  return fail (client, NS_SEND_ERROR_TIMEOUT, "timed out waiting for %s",
               waiting_for (client->state));
}

MsgrSmbClientStatus
msgr_smb_client_get_status (const MsgrSmbClient *client)
{
  g_return_val_if_fail (client != NULL, MSGR_SMB_CLIENT_FAILED);
  return client->status;
}

MsgrSmbClientState
msgr_smb_client_get_state (const MsgrSmbClient *client)
{
  g_return_val_if_fail (client != NULL, MSGR_SMB_STATE_FINISHED);
  return client->state;
}

const GError *
msgr_smb_client_get_error (const MsgrSmbClient *client)
{
  g_return_val_if_fail (client != NULL, NULL);
  return client->error;
}

gboolean
msgr_smb_client_get_retarget (const MsgrSmbClient *client, guint32 *ret_ipv4,
                              guint16 *ret_port)
{
  g_return_val_if_fail (client != NULL, FALSE);

  if (client->status != MSGR_SMB_CLIENT_RETARGET)
    return FALSE;
  if (ret_ipv4 != NULL)
    *ret_ipv4 = client->retarget_ipv4;
  if (ret_port != NULL)
    *ret_port = client->retarget_port;
  return TRUE;
}

gboolean
msgr_smb_client_is_multi_block (const MsgrSmbClient *client)
{
  g_return_val_if_fail (client != NULL, FALSE);
  return client->multi;
}

guint
msgr_smb_client_get_n_blocks (const MsgrSmbClient *client)
{
  g_return_val_if_fail (client != NULL, 0);
  return client->blocks != NULL ? client->blocks->len : 0;
}

guint16
msgr_smb_client_get_group_id (const MsgrSmbClient *client)
{
  g_return_val_if_fail (client != NULL, 0);
  return client->group_id;
}

guint
msgr_smb_client_get_n_responses (const MsgrSmbClient *client)
{
  g_return_val_if_fail (client != NULL, 0);
  return client->n_responses;
}

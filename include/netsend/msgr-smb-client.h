/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One Messenger delivery over an SMB1 session, as a pure state machine
 * (PROTOCOL.md §2.1, §2.4-§2.7, §2.10; MS-MSRP §3.2.4.4; RFC 1002 §4.3).
 *
 * The machine owns no socket and no timer. Its owner connects, hands it
 * every byte read from the connection (msgr_smb_client_receive()), tells it
 * when the peer closed the connection (msgr_smb_client_closed()) or when
 * the owner's timeout hit (msgr_smb_client_timeout()), and writes what the
 * machine appends to the output array. The sequence:
 *
 *   SESSION   session request CALLED = NAME<03> (skipped with direct TCP
 *             framing, port 445); a negative response gives one distinct
 *             error per code (0x80, 0x81, 0x82, 0x83, other); a retarget
 *             response ends with %MSGR_SMB_CLIENT_RETARGET so that the owner
 *             may reconnect there;
 *   SINGLE    0xD0 when the text fits one block (auto mode) or single mode;
 *   START     0xD5, whose response may carry the group id (Samba's has
 *             none: 0 is used, PROTOCOL.md §2.5);
 *   TEXT      one 0xD7 per block of at most 128 bytes, cut between
 *             characters of the code page (msgr_text_split_blocks());
 *   END       0xD6.
 * Every request waits for its response (MS-MSRP §3.2.4.4: SHOULD); the
 * message counts as delivered only when the final response (0xD0 or 0xD6)
 * has success status.
 *
 * Samba's smbd (4.x) drops the connection when the first SMB of a session
 * is 0xD0 without a preceding NEGOTIATE (PROTOCOL.md §2.1, golden capture
 * "smb-sends-d0"). In auto mode a close or reset right after our 0xD0 with
 * no response ends with %MSGR_SMB_CLIENT_RETRY_MULTIBLOCK: the owner
 * reconnects and delivers with a new machine in %MSGR_SMB_MODE_MULTI (and
 * remembers that for the host). A close right after 0xD5 means the server
 * refuses the messenger SMBs altogether (smbd with `server min protocol`
 * above NT1, errata 3, capture "smb-message-rejected-smb2-only").
 *
 * Errors are in the %NS_SEND_ERROR domain (<netsend/ns-send.h>). */

#include <glib.h>
#include <netsend/nb-name.h>
#include <netsend/nb-session.h>
#include <netsend/ns-send-errors.h>

G_BEGIN_DECLS

/**
 * MsgrSmbMode:
 * @MSGR_SMB_MODE_AUTO: 0xD0 for text of at most %SMB_MSGR_BLOCK_MAX bytes,
 *   multi-block for longer text (MS-MSRP §3.2.4.4)
 * @MSGR_SMB_MODE_SINGLE: 0xD0 only; longer text is refused
 * @MSGR_SMB_MODE_MULTI: always 0xD5/0xD7.../0xD6
 *
 * Since: 0.1
 */
typedef enum {
  MSGR_SMB_MODE_AUTO,
  MSGR_SMB_MODE_SINGLE,
  MSGR_SMB_MODE_MULTI,
} MsgrSmbMode;

/**
 * MsgrSmbClientConfig:
 * @called: the CALLED name, normally the recipient NAME<03>
 * @calling: the CALLING name, normally our computer name <00>
 * @from: OriginatorName, OEM bytes, 1..%SMB_MSGR_NAME_MAX, NUL-terminated
 * @to: DestinationName, OEM bytes, 1..%SMB_MSGR_NAME_MAX (MS-MSRP: the
 *   recipient name without suffix or padding)
 * @text: the text in OEM bytes, line breaks already converted
 *   (msgr_text_encode()); not empty
 * @codepage: (nullable): the code page of @text, so blocks are never cut
 *   inside a character; %NULL = CP850
 * @mode: see #MsgrSmbMode
 * @framing: %NB_SESSION_FRAMING_NBSS (port 139, with session request) or
 *   %NB_SESSION_FRAMING_DIRECT (port 445, PROTOCOL.md errata 4)
 *
 * Since: 0.1
 */
typedef struct {
  NbName called;
  NbName calling;
  const char *from;
  const char *to;
  GBytes *text;
  const char *codepage;
  MsgrSmbMode mode;
  NbSessionFraming framing;
} MsgrSmbClientConfig;

/**
 * MsgrSmbClientState:
 * @MSGR_SMB_STATE_IDLE: not started
 * @MSGR_SMB_STATE_SESSION: session request sent, waiting for the answer
 * @MSGR_SMB_STATE_SINGLE: 0xD0 sent
 * @MSGR_SMB_STATE_START: 0xD5 sent
 * @MSGR_SMB_STATE_TEXT: a 0xD7 sent
 * @MSGR_SMB_STATE_END: 0xD6 sent
 * @MSGR_SMB_STATE_FINISHED: an outcome is known (see #MsgrSmbClientStatus)
 *
 * Since: 0.1
 */
typedef enum {
  MSGR_SMB_STATE_IDLE,
  MSGR_SMB_STATE_SESSION,
  MSGR_SMB_STATE_SINGLE,
  MSGR_SMB_STATE_START,
  MSGR_SMB_STATE_TEXT,
  MSGR_SMB_STATE_END,
  MSGR_SMB_STATE_FINISHED,
} MsgrSmbClientState;

/**
 * MsgrSmbClientStatus:
 * @MSGR_SMB_CLIENT_RUNNING: keep the connection, send the output, read on
 * @MSGR_SMB_CLIENT_DELIVERED: the final response said success
 * @MSGR_SMB_CLIENT_FAILED: failed; msgr_smb_client_get_error() says why
 * @MSGR_SMB_CLIENT_RETRY_MULTIBLOCK: the server dropped the connection
 *   after our first-SMB 0xD0: reconnect and deliver in
 *   %MSGR_SMB_MODE_MULTI
 * @MSGR_SMB_CLIENT_RETARGET: the session was retargeted:
 *   msgr_smb_client_get_retarget() gives where to reconnect
 *
 * Since: 0.1
 */
typedef enum {
  MSGR_SMB_CLIENT_RUNNING,
  MSGR_SMB_CLIENT_DELIVERED,
  MSGR_SMB_CLIENT_FAILED,
  MSGR_SMB_CLIENT_RETRY_MULTIBLOCK,
  MSGR_SMB_CLIENT_RETARGET,
} MsgrSmbClientStatus;

/* "running", "delivered", ... (static). */
const char *msgr_smb_client_status_to_string (MsgrSmbClientStatus status);

typedef struct _MsgrSmbClient MsgrSmbClient;

/**
 * msgr_smb_client_new:
 * @config: the delivery (copied, @text referenced)
 * @error: return location for a #GError
 *
 * Checks @config and cuts the text into blocks. Refused:
 * %NS_SEND_ERROR_EMPTY_MESSAGE for empty text,
 * %NS_SEND_ERROR_MESSAGE_TOO_LONG for more than %SMB_MSGR_BLOCK_MAX bytes in
 * single mode, %NS_SEND_ERROR_INVALID_NAME for an empty or over-long
 * from/to, %NS_SEND_ERROR_CONVERSION for an unusable code page.
 *
 * Returns: (transfer full) (nullable): the machine, in
 *   %MSGR_SMB_STATE_IDLE
 *
 * Since: 0.1
 */
MsgrSmbClient *msgr_smb_client_new (const MsgrSmbClientConfig *config, GError **error);

/* NULL-safe. */
void msgr_smb_client_free (MsgrSmbClient *client);

/**
 * msgr_smb_client_start:
 * @client: a machine in %MSGR_SMB_STATE_IDLE
 * @out: what to send is appended here
 *
 * Call once the connection is up: appends the session request (NBSS
 * framing) or the first SMB (direct framing).
 *
 * Returns: %MSGR_SMB_CLIENT_RUNNING, or %MSGR_SMB_CLIENT_FAILED if a frame
 *   could not be built
 *
 * Since: 0.1
 */
MsgrSmbClientStatus msgr_smb_client_start (MsgrSmbClient *client, GByteArray *out);

/**
 * msgr_smb_client_receive:
 * @client: a machine
 * @data: (array length=len): bytes read from the connection, any chunking
 * @len: how many
 * @out: the next request, if any, is appended here
 *
 * Consumes complete frames; keep-alives are ignored. Anything that is not
 * the answer expected in the current state ends the delivery with
 * %NS_SEND_ERROR_PROTOCOL. Bytes after the outcome is known are ignored.
 *
 * Returns: the status after these bytes
 *
 * Since: 0.1
 */
MsgrSmbClientStatus msgr_smb_client_receive (MsgrSmbClient *client, const guint8 *data,
                                             gsize len, GByteArray *out);

/**
 * msgr_smb_client_closed:
 * @client: a machine
 * @reset: %TRUE for a connection reset, %FALSE for an orderly close (EOF)
 *
 * The peer closed the connection. Gives %MSGR_SMB_CLIENT_RETRY_MULTIBLOCK
 * after a first-SMB 0xD0 in auto mode (see the file comment), otherwise
 * %MSGR_SMB_CLIENT_FAILED naming what we were waiting for. No effect once
 * an outcome is known.
 *
 * Returns: the status
 *
 * Since: 0.1
 */
MsgrSmbClientStatus msgr_smb_client_closed (MsgrSmbClient *client, gboolean reset);

/**
 * msgr_smb_client_timeout:
 * @client: a machine
 *
 * The owner's deadline passed: fails with %NS_SEND_ERROR_TIMEOUT naming
 * the answer we were waiting for. No effect once an outcome is known.
 *
 * Returns: the status
 *
 * Since: 0.1
 */
MsgrSmbClientStatus msgr_smb_client_timeout (MsgrSmbClient *client);

MsgrSmbClientStatus msgr_smb_client_get_status (const MsgrSmbClient *client);
MsgrSmbClientState msgr_smb_client_get_state (const MsgrSmbClient *client);

/* (nullable) (transfer none): why it failed; NULL unless FAILED. */
const GError *msgr_smb_client_get_error (const MsgrSmbClient *client);

/* For %MSGR_SMB_CLIENT_RETARGET: the address (host byte order) and port. */
gboolean msgr_smb_client_get_retarget (const MsgrSmbClient *client, guint32 *ret_ipv4,
                                       guint16 *ret_port);

/* Whether the multi-block sequence is (was) used. */
gboolean msgr_smb_client_is_multi_block (const MsgrSmbClient *client);

/* Number of 0xD7 blocks the text is cut into (0 in single-block use). */
guint msgr_smb_client_get_n_blocks (const MsgrSmbClient *client);

/* The group id in use (from the 0xD5 response, 0 if it had none). */
guint16 msgr_smb_client_get_group_id (const MsgrSmbClient *client);

/* SMB responses received (success or error): whether the receiver spoke
 * the Messenger protocol with us at all (the RPC fallback decision). */
guint msgr_smb_client_get_n_responses (const MsgrSmbClient *client);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsgrSmbClient, msgr_smb_client_free)

G_END_DECLS

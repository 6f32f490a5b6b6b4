/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The receiving side of Messenger over SMB1, one TCP connection, as a pure
 * state machine (PROTOCOL.md §1.6, §2.1-§2.12; MS-MSRP §3.2.4.5; RFC 1002
 * §4.3, §5.2).
 *
 * The machine owns no socket and reads no clock. Its owner accepts the
 * connection, hands it every byte read (msgr_smb_server_receive()), writes
 * what it appends to the output array, calls msgr_smb_server_tick() at
 * msgr_smb_server_next_deadline(), and closes the connection when a call
 * returns %MSGR_SMB_SERVER_CLOSE (after writing the output).
 *
 *   SESSION      (port 139 only) waiting for the SESSION REQUEST: the
 *                #MsgrSmbServerSessionFunc decides; a positive response
 *                opens the session, a negative one (0x82 "called name not
 *                present" for names that are not ours) ends it;
 *   IDLE         no message in progress: 0xD0 is accepted as the very first
 *                SMB (Windows sends it without negotiating; PROTOCOL.md
 *                errata 3, §8 item 5), 0xD5 starts a multi-block message
 *                and is answered with a MessageGroupId (WordCount 1,
 *                MS-MSRP §2.2.3.2.2), SMB_COM_NEGOTIATE is answered so that
 *                clients which negotiate first still deliver;
 *   MULTI_BLOCK  0xD7 blocks are appended (the total is capped), 0xD6
 *                completes the message, another 0xD5 restarts it;
 *   COMMIT       a complete message waits for its owner: the final response
 *                (to the 0xD0 or the 0xD6) is sent only when the owner
 *                calls msgr_smb_server_complete() with the outcome of storing
 *                it, so that an acknowledged message is never lost. Frames
 *                that arrive meanwhile are buffered and handled afterwards;
 *   CLOSED       the owner closes the connection.
 *
 * Errors are answered with an SMB error response echoing the request's
 * ids, class ERRSRV (PROTOCOL.md §2.10, §2.12):
 *  - a request that fails MS-MSRP §3.2.4.5 validation gets that table's
 *    code: too short (2), first byte (3), "SMB" (4), wrong WordCount (6),
 *    a data block not prefixed by 0x01 (8), a dialect by 0x02 (9), a string
 *    by 0x04 (11), ByteCount beyond the message (12); any other malformed
 *    field (an over-long name or block, a DataLength that disagrees with
 *    ByteCount) ERRerror (1);
 *  - 0xD7 / 0xD6 outside a multi-block message, and responses sent to us:
 *    "command does not match the expected function" (5);
 *  - a MessageGroupId we did not hand out: ERRerror (1);
 *  - a message over the size cap: ERRnoroom (0x53), the partial message is
 *    dropped;
 *  - 0xD1-0xD4 and every other command: ERRunknownsmb (0x16), Samba's
 *    answer to unimplemented commands (errata 12).
 * SMB2/3 frames, a broken NBSS stream (bad header, a frame above
 * %MSGR_SMB_SERVER_MAX_FRAME), SMB before the session request and a second
 * session request end the connection: there is no way to answer them.
 * Keep-alives are ignored. Idle and whole-message timeouts close the
 * connection. */

#include <glib.h>
#include <netsend/nb-name.h>
#include <netsend/nb-session.h>
#include <netsend/smb-msgr.h>

G_BEGIN_DECLS

/**
 * MSGR_SMB_SERVER_DEFAULT_IDLE_TIMEOUT_US:
 *
 * How long a connection may stay silent (no byte received) outside a
 * commit: 30 s (PROTOCOL.md §2.12; RFC 1002 §6 SSN_CLOSE_TIMEOUT).
 *
 * Since: 0.1
 */
#define MSGR_SMB_SERVER_DEFAULT_IDLE_TIMEOUT_US (30 * G_USEC_PER_SEC)

/**
 * MSGR_SMB_SERVER_DEFAULT_MESSAGE_TIMEOUT_US:
 *
 * Longest time from an 0xD5 to its 0xD6: 60 s. A sender waits for each
 * block's response, so even a slow link finishes 33 blocks well within it.
 *
 * Since: 0.1
 */
#define MSGR_SMB_SERVER_DEFAULT_MESSAGE_TIMEOUT_US (60 * G_USEC_PER_SEC)

/**
 * MSGR_SMB_SERVER_DEFAULT_MAX_TEXT:
 *
 * Default cap on the text of one message: the 4,095 characters Windows
 * displays (MS-MSRP notes <24>, <26>).
 *
 * Since: 0.1
 */
#define MSGR_SMB_SERVER_DEFAULT_MAX_TEXT 4095

/**
 * MSGR_SMB_SERVER_MAX_FRAME:
 *
 * Largest session packet accepted, header excluded. The biggest Messenger
 * SMB is a 0xD0 of 200 bytes and a NEGOTIATE of %SMB_MSGR_DIALECTS_MAX
 * dialects about 4.2 KiB; anything larger ends the connection before its
 * body is buffered.
 *
 * Since: 0.1
 */
#define MSGR_SMB_SERVER_MAX_FRAME 8192

/**
 * MSGR_SMB_SERVER_DIALECT_CORE:
 *
 * The core protocol dialect (MS-CIFS §1.7), chosen in a NEGOTIATE response
 * when the client offers it and not NT LM 0.12.
 *
 * Since: 0.1
 */
#define MSGR_SMB_SERVER_DIALECT_CORE "PC NETWORK PROGRAM 1.0"

/**
 * MsgrSmbServerSessionFunc:
 * @called: the CALLED name of the SESSION REQUEST (with its scope)
 * @calling: the CALLING name
 * @user_data: #MsgrSmbServerConfig.user_data
 *
 * Decides a session request (RFC 1002 §5.2.2).
 *
 * Returns: 0 to accept, else the NEGATIVE SESSION RESPONSE code to send,
 *   e.g. %NB_SESSION_ERR_CALLED_NOT_PRESENT for a name that is not ours or
 *   %NB_SESSION_ERR_INSUFFICIENT_RESOURCES
 *
 * Since: 0.1
 */
typedef guint8 (*MsgrSmbServerSessionFunc) (const NbName *called, const NbName *calling,
                                             gpointer user_data);

/**
 * MsgrSmbServerConfig:
 * @framing: %NB_SESSION_FRAMING_NBSS (TCP 139: session request first) or
 *   %NB_SESSION_FRAMING_DIRECT (TCP 445: SMBs at once, errata 4)
 * @max_text: cap on the text of one message in bytes (0xD0 data, or the
 *   sum of the 0xD7 blocks); 0 = %MSGR_SMB_SERVER_DEFAULT_MAX_TEXT
 * @idle_timeout_us: 0 = %MSGR_SMB_SERVER_DEFAULT_IDLE_TIMEOUT_US
 * @message_timeout_us: 0 = %MSGR_SMB_SERVER_DEFAULT_MESSAGE_TIMEOUT_US
 * @first_group_id: the MessageGroupId handed to the first 0xD5; later
 *   ones count up, skipping 0 (any 16-bit token will do, MS-MSRP
 *   §2.2.3.2.2; an owner passes a running counter so that ids differ
 *   between connections)
 * @session_func: (nullable): decides session requests; %NULL accepts
 *   every called name (as smbd does)
 * @user_data: for @session_func
 *
 * Fill with msgr_smb_server_config_init() first.
 *
 * Since: 0.1
 */
typedef struct {
  NbSessionFraming framing;
  gsize max_text;
  gint64 idle_timeout_us;
  gint64 message_timeout_us;
  guint16 first_group_id;
  MsgrSmbServerSessionFunc session_func;
  gpointer user_data;
} MsgrSmbServerConfig;

/* NBSS framing, every other field 0 / NULL (the defaults). */
void msgr_smb_server_config_init (MsgrSmbServerConfig *config);

/**
 * MsgrSmbServerState:
 * @MSGR_SMB_SERVER_STATE_SESSION: waiting for the SESSION REQUEST (NBSS)
 * @MSGR_SMB_SERVER_STATE_IDLE: session up, no message in progress
 * @MSGR_SMB_SERVER_STATE_MULTI_BLOCK: between 0xD5 and 0xD6
 * @MSGR_SMB_SERVER_STATE_COMMIT: a complete message waits for
 *   msgr_smb_server_complete()
 * @MSGR_SMB_SERVER_STATE_CLOSED: the connection is to be closed
 *
 * Since: 0.1
 */
typedef enum {
  MSGR_SMB_SERVER_STATE_SESSION,
  MSGR_SMB_SERVER_STATE_IDLE,
  MSGR_SMB_SERVER_STATE_MULTI_BLOCK,
  MSGR_SMB_SERVER_STATE_COMMIT,
  MSGR_SMB_SERVER_STATE_CLOSED,
} MsgrSmbServerState;

/* "session", "idle", ... (static). */
const char *msgr_smb_server_state_to_string (MsgrSmbServerState state);

/**
 * MsgrSmbServerStatus:
 * @MSGR_SMB_SERVER_CONTINUE: write the output, keep reading
 * @MSGR_SMB_SERVER_MESSAGE: write the output; a complete message waits:
 *   take it (msgr_smb_server_take_message()), store it, then call
 *   msgr_smb_server_complete()
 * @MSGR_SMB_SERVER_CLOSE: write the output, then close the connection
 *
 * What the owner does after a call.
 *
 * Since: 0.1
 */
typedef enum {
  MSGR_SMB_SERVER_CONTINUE,
  MSGR_SMB_SERVER_MESSAGE,
  MSGR_SMB_SERVER_CLOSE,
} MsgrSmbServerStatus;

/**
 * MsgrSmbServerMessage:
 * @from: OriginatorName, raw OEM bytes, NUL-terminated (at most
 *   %SMB_MSGR_NAME_MAX bytes)
 * @to: DestinationName, the same
 * @text: the text as received, raw OEM bytes: the 0xD0 data, or the 0xD7
 *   blocks concatenated (line breaks and trailing NULs as sent;
 *   msgr_text_decode() deals with both)
 * @multi_block: %TRUE for 0xD5/0xD7/0xD6, %FALSE for 0xD0
 * @has_session: %TRUE on an NBSS session (then @called and @calling hold
 *   its names), %FALSE with direct framing
 * @called: the session's CALLED name
 * @calling: the session's CALLING name
 *
 * One complete message.
 *
 * Since: 0.1
 */
typedef struct {
  char from[SMB_MSGR_NAME_MAX + 1];
  char to[SMB_MSGR_NAME_MAX + 1];
  GBytes *text;
  gboolean multi_block;
  gboolean has_session;
  NbName called;
  NbName calling;
} MsgrSmbServerMessage;

void msgr_smb_server_message_free (MsgrSmbServerMessage *message);

/**
 * MsgrSmbServerStats:
 * @frames: session packets received
 * @messages: complete messages handed to the owner
 * @error_responses: SMB error responses sent (malformed requests, commands
 *   out of sequence, unknown commands, oversized messages; refusals the
 *   owner passes to msgr_smb_server_complete() are not counted here)
 * @negotiates: NEGOTIATE requests answered
 * @too_large: messages refused with ERRnoroom for the size cap (counted
 *   in @error_responses too)
 *
 * Since: 0.1
 */
typedef struct {
  guint64 frames;
  guint64 messages;
  guint64 error_responses;
  guint64 negotiates;
  guint64 too_large;
} MsgrSmbServerStats;

typedef struct _MsgrSmbServer MsgrSmbServer;

/**
 * msgr_smb_server_new:
 * @config: the configuration (copied)
 * @now_us: the current monotonic time (µs); the idle timer starts here
 *
 * Returns: (transfer full): a machine in %MSGR_SMB_SERVER_STATE_SESSION
 *   (NBSS) or %MSGR_SMB_SERVER_STATE_IDLE (direct framing)
 *
 * Since: 0.1
 */
MsgrSmbServer *msgr_smb_server_new (const MsgrSmbServerConfig *config, gint64 now_us);

/* NULL-safe. */
void msgr_smb_server_free (MsgrSmbServer *server);

/**
 * msgr_smb_server_receive:
 * @server: a machine
 * @data: (array length=len): bytes read from the connection, any chunking;
 *   at most %NB_SESSION_FRAMER_READ_MAX per call
 * @len: how many
 * @now_us: the current monotonic time
 * @out: responses are appended here (session packets, framed)
 *
 * Handles every complete frame, up to the first complete message (the
 * rest waits until msgr_smb_server_complete()). Bytes after
 * %MSGR_SMB_SERVER_CLOSE are ignored.
 *
 * Returns: the status
 *
 * Since: 0.1
 */
MsgrSmbServerStatus msgr_smb_server_receive (MsgrSmbServer *server, const guint8 *data,
                                             gsize len, gint64 now_us, GByteArray *out);

/**
 * msgr_smb_server_take_message:
 * @server: a machine that returned %MSGR_SMB_SERVER_MESSAGE
 *
 * Returns: (transfer full) (nullable): the message waiting for its commit,
 *   once; %NULL if none or already taken
 *
 * Since: 0.1
 */
MsgrSmbServerMessage *msgr_smb_server_take_message (MsgrSmbServer *server);

/**
 * msgr_smb_server_complete:
 * @server: a machine in %MSGR_SMB_SERVER_STATE_COMMIT
 * @status: 0 if the message was stored, else the DOS error to refuse it
 *   with, as SMB_STATUS_DOS() (e.g. ERRSRV/%SMB_ERRSRV_MSGOFF for a policy
 *   refusal, ERRSRV/%SMB_ERRSRV_NOROOM when it could not be stored)
 * @now_us: the current monotonic time
 * @out: the final response (and the answers to frames that waited) is
 *   appended here
 *
 * Sends the final response of the message and goes on with the frames
 * that arrived meanwhile. Outside %MSGR_SMB_SERVER_STATE_COMMIT it does
 * nothing and returns %MSGR_SMB_SERVER_CONTINUE (or CLOSE when closed).
 *
 * Returns: the status
 *
 * Since: 0.1
 */
MsgrSmbServerStatus msgr_smb_server_complete (MsgrSmbServer *server, guint32 status,
                                              gint64 now_us, GByteArray *out);

/**
 * msgr_smb_server_tick:
 * @server: a machine
 * @now_us: the current monotonic time
 * @out: unused today (a timeout closes without a packet); kept so that a
 *   later keep-alive needs no API change
 *
 * Runs the idle and message timeouts due at @now_us.
 *
 * Returns: %MSGR_SMB_SERVER_CLOSE when a timeout ended the connection
 *
 * Since: 0.1
 */
MsgrSmbServerStatus msgr_smb_server_tick (MsgrSmbServer *server, gint64 now_us,
                                          GByteArray *out);

/* When msgr_smb_server_tick() should run next; NB_ENGINE_NO_DEADLINE (-1)
 * while a commit is pending or after close. */
gint64 msgr_smb_server_next_deadline (const MsgrSmbServer *server);

MsgrSmbServerState msgr_smb_server_get_state (const MsgrSmbServer *server);

/* (nullable): why the machine closed ("idle timeout", "SMB2 ..."), NULL
 * while open. Owned by @server. */
const char *msgr_smb_server_get_close_reason (const MsgrSmbServer *server);

void msgr_smb_server_get_stats (const MsgrSmbServer *server, MsgrSmbServerStats *ret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsgrSmbServer, msgr_smb_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsgrSmbServerMessage, msgr_smb_server_message_free)

G_END_DECLS

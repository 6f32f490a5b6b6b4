/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* SMB1 Messenger commands (MS-MSRP §2.2.3, MS-CIFS §2.2.4.52 and the 0xD0-0xD7
 * range of MS-CIFS §2.2.2.1; PROTOCOL.md §2). A pure codec: bytes in, values
 * out. Text and names stay raw OEM bytes; converting them is msgr-text.h's job. */

#include <glib.h>

G_BEGIN_DECLS

/**
 * SMB_HEADER_SIZE:
 *
 * Size of the SMB1 header (MS-CIFS §2.2.3.1).
 *
 * Since: 0.1
 */
#define SMB_HEADER_SIZE 32

/**
 * SMB_MSGR_NAME_MAX:
 *
 * Longest OriginatorName / DestinationName in bytes, without the NUL: a
 * NetBIOS name without its suffix (MS-MSRP §2.2.3.1.1, §3.2.4.4 "From MUST be a
 * valid NetBIOS name"). Samba's client does not truncate the `-U` user name,
 * so longer names from it are refused by the parser.
 *
 * Since: 0.1
 */
#define SMB_MSGR_NAME_MAX 15

/**
 * SMB_MSGR_BLOCK_MAX:
 *
 * Largest text block of one 0xD0 or 0xD7 request (DataLength, MS-MSRP
 * §2.2.3.1.1, §2.2.3.3.1). Samba's client sends 127-byte blocks.
 *
 * Since: 0.1
 */
#define SMB_MSGR_BLOCK_MAX 128

/**
 * SMB_MSGR_DIALECTS_MAX:
 *
 * Most dialect strings accepted in one SMB_COM_NEGOTIATE request (clients send
 * about ten; the cap only bounds memory).
 *
 * Since: 0.1
 */
#define SMB_MSGR_DIALECTS_MAX 64

/**
 * SMB_MSGR_DIALECT_LEN_MAX:
 *
 * Longest dialect string accepted, without the NUL ("PC NETWORK PROGRAM 1.0"
 * is 22).
 *
 * Since: 0.1
 */
#define SMB_MSGR_DIALECT_LEN_MAX 64

/**
 * SMB_MSGR_DIALECT_NT_LM:
 *
 * The NT LAN Manager dialect string (MS-CIFS §1.7).
 *
 * Since: 0.1
 */
#define SMB_MSGR_DIALECT_NT_LM "NT LM 0.12"

/**
 * SMB_MSGR_NO_DIALECT:
 *
 * DialectIndex of a negotiate response that accepts none of the offered
 * dialects (MS-CIFS §2.2.4.52.2).
 *
 * Since: 0.1
 */
#define SMB_MSGR_NO_DIALECT 0xFFFF

/**
 * SmbCommand:
 * @SMB_COM_NEGOTIATE: SMB_COM_NEGOTIATE (MS-CIFS §2.2.4.52)
 * @SMB_COM_SEND_MESSAGE: single-block message (MS-MSRP §2.2.3.1)
 * @SMB_COM_SEND_BROADCAST_MESSAGE: SMB Core, not implemented (rejected)
 * @SMB_COM_FORWARD_USER_NAME: SMB Core, not implemented (rejected)
 * @SMB_COM_CANCEL_FORWARD: SMB Core, not implemented (rejected)
 * @SMB_COM_GET_MACHINE_NAME: SMB Core, not implemented (rejected)
 * @SMB_COM_SEND_START_MB_MESSAGE: start of a multi-block message (§2.2.3.2)
 * @SMB_COM_SEND_END_MB_MESSAGE: end of a multi-block message (§2.2.3.4)
 * @SMB_COM_SEND_TEXT_MB_MESSAGE: one text block (§2.2.3.3)
 *
 * SMB1 command codes this module knows (PROTOCOL.md §2.3; errata: 0xD2-0xD4,
 * not 0xD8-0xDA, are the forward/cancel/get-machine-name commands).
 *
 * Since: 0.1
 */
typedef enum {
  SMB_COM_NEGOTIATE = 0x72,
  SMB_COM_SEND_MESSAGE = 0xD0,
  SMB_COM_SEND_BROADCAST_MESSAGE = 0xD1,
  SMB_COM_FORWARD_USER_NAME = 0xD2,
  SMB_COM_CANCEL_FORWARD = 0xD3,
  SMB_COM_GET_MACHINE_NAME = 0xD4,
  SMB_COM_SEND_START_MB_MESSAGE = 0xD5,
  SMB_COM_SEND_END_MB_MESSAGE = 0xD6,
  SMB_COM_SEND_TEXT_MB_MESSAGE = 0xD7,
} SmbCommand;

/* Header Flags / Flags2 bits (MS-CIFS §2.2.3.1). */
#define SMB_FLAGS_CASE_INSENSITIVE 0x08
#define SMB_FLAGS_REPLY 0x80
#define SMB_FLAGS2_LONG_NAMES 0x0001
#define SMB_FLAGS2_EAS 0x0002
#define SMB_FLAGS2_NT_STATUS 0x4000
#define SMB_FLAGS2_UNICODE 0x8000

/**
 * SMB_STATUS_DOS:
 * @cls: error class (#SmbErrorClass)
 * @code: error code within the class
 *
 * The 32-bit Status field holding a DOS-style error: ErrorClass at offset 5,
 * a reserved 0 byte, ErrorCode (LE) at offset 7 (MS-CIFS §2.2.3.1). Read as one
 * LE 32-bit value this is `class | code << 16`, which is also how MS-SMB
 * §2.2.2.4 writes e.g. STATUS_SMB_BAD_COMMAND (0x00160002).
 *
 * Since: 0.1
 */
#define SMB_STATUS_DOS(cls, code) ((guint32) (cls) | ((guint32) (code) << 16))
#define SMB_STATUS_DOS_CLASS(status) ((guint8) ((status) & 0xff))
#define SMB_STATUS_DOS_CODE(status) ((guint16) ((status) >> 16))

/**
 * SmbErrorClass:
 * @SMB_ERRCLS_SUCCESS: no error
 * @SMB_ERRDOS: operating-system errors
 * @SMB_ERRSRV: server (and Messenger) errors
 * @SMB_ERRHRD: hardware errors
 * @SMB_ERRCMD: command was not in SMB format
 *
 * DOS error classes (MS-CIFS §2.2.2.4).
 *
 * Since: 0.1
 */
typedef enum {
  SMB_ERRCLS_SUCCESS = 0x00,
  SMB_ERRDOS = 0x01,
  SMB_ERRSRV = 0x02,
  SMB_ERRHRD = 0x03,
  SMB_ERRCMD = 0xFF,
} SmbErrorClass;

/**
 * SmbErrSrv:
 * @SMB_ERRSRV_ERROR: ERRerror, non-specific error / invalid SMB (STATUS_INVALID_SMB);
 *   the answer to a malformed request and to a MessageGroupId we did not hand
 *   out (PROTOCOL.md §2.12)
 * @SMB_ERRSRV_UNKNOWN_SMB: ERRunknownsmb (22), unknown command; what Samba answers
 *   to unimplemented commands such as 0xD1-0xD4 (errata 12; `ERRbadcmd` 22
 *   belongs to class ERRHRD, not here)
 * @SMB_ERRSRV_SMBCMD: ERRsmbcmd (64), the server did not recognise the command
 * @SMB_ERRSRV_PAUSED: ERRpaused (81), message server paused
 * @SMB_ERRSRV_MSGOFF: ERRmsgoff (82), not receiving messages
 * @SMB_ERRSRV_NOROOM: ERRnoroom (83), no room to buffer the message
 *   (MS-MSRP §3.2.4.5 SMB_ERR_NO_ROOM)
 * @SMB_ERRSRV_RMUNS: ERRrmuns (87), too many remote user names
 * @SMB_ERRSRV_NOSUPPORT: ERRnosupport, function not supported
 *
 * ERRSRV codes a Messenger server answers with (SMB Core via Samba
 * `libcli/util/doserr.h` and `source3/libsmb/smberr.c`; PROTOCOL.md §2.10).
 *
 * Since: 0.1
 */
typedef enum {
  SMB_ERRSRV_ERROR = 0x0001,
  SMB_ERRSRV_UNKNOWN_SMB = 0x0016,
  SMB_ERRSRV_SMBCMD = 0x0040,
  SMB_ERRSRV_PAUSED = 0x0051,
  SMB_ERRSRV_MSGOFF = 0x0052,
  SMB_ERRSRV_NOROOM = 0x0053,
  SMB_ERRSRV_RMUNS = 0x0057,
  SMB_ERRSRV_NOSUPPORT = 0xFFFF,
} SmbErrSrv;

/**
 * SmbErrDos:
 * @SMB_ERRDOS_BADFUNC: ERRbadfunc (1), invalid function
 * @SMB_ERRDOS_NOMEM: ERRnomem (8), insufficient server memory
 * @SMB_ERRDOS_NOT_SUPPORTED: ERRunsup (50), not supported
 * @SMB_ERRDOS_REQ_NOT_ACCEPTED: 71, what Samba 4 sends (NT_STATUS_REQUEST_NOT_ACCEPTED
 *   in DOS form) when it has no `message command` (PROTOCOL.md §2.10)
 * @SMB_ERRDOS_INVALID_PARAMETER: ERRinvalidparam (87), Samba's answer to TEXT or END
 *   without START (NT_STATUS_INVALID_PARAMETER in DOS form)
 *
 * ERRDOS codes a Messenger client can receive.
 *
 * Since: 0.1
 */
typedef enum {
  SMB_ERRDOS_BADFUNC = 0x0001,
  SMB_ERRDOS_NOMEM = 0x0008,
  SMB_ERRDOS_NOT_SUPPORTED = 0x0032,
  SMB_ERRDOS_REQ_NOT_ACCEPTED = 0x0047,
  SMB_ERRDOS_INVALID_PARAMETER = 0x0057,
} SmbErrDos;

/**
 * SmbMsrpValidationError:
 * @SMB_MSRP_ERR_TOO_SHORT: message shorter than an SMB header
 * @SMB_MSRP_ERR_BAD_FIRST_BYTE: first byte is not 0xFF
 * @SMB_MSRP_ERR_BAD_MAGIC: bytes 1-3 are not "SMB"
 * @SMB_MSRP_ERR_BAD_COMMAND: command does not match the expected function
 * @SMB_MSRP_ERR_BAD_WORD_COUNT: wrong parameter-word count for the command
 * @SMB_MSRP_ERR_HEADER_LENGTH: header length exceeds the buffer
 * @SMB_MSRP_ERR_DATA_FORMAT: a variable block is not prefixed by 0x01 or 0x05
 * @SMB_MSRP_ERR_DIALECT_FORMAT: a dialect string is not prefixed by 0x02
 * @SMB_MSRP_ERR_PATH_FORMAT: a path string is not prefixed by 0x03
 * @SMB_MSRP_ERR_STRING_FORMAT: a string is not prefixed by 0x04
 * @SMB_MSRP_ERR_TOTAL_LENGTH: total SMB length exceeds the buffer
 *
 * The "SMB error codes" of MS-MSRP §3.2.4.5's validation table. The spec does
 * not say which error class goes with them ([unconfirmed]); a receiver that
 * uses them should send class %SMB_ERRSRV. netsend's daemon answers malformed
 * SMBs with ERRSRV/%SMB_ERRSRV_ERROR instead, which every client decodes.
 *
 * Since: 0.1
 */
typedef enum {
  SMB_MSRP_ERR_TOO_SHORT = 2,
  SMB_MSRP_ERR_BAD_FIRST_BYTE = 3,
  SMB_MSRP_ERR_BAD_MAGIC = 4,
  SMB_MSRP_ERR_BAD_COMMAND = 5,
  SMB_MSRP_ERR_BAD_WORD_COUNT = 6,
  SMB_MSRP_ERR_HEADER_LENGTH = 7,
  SMB_MSRP_ERR_DATA_FORMAT = 8,
  SMB_MSRP_ERR_DIALECT_FORMAT = 9,
  SMB_MSRP_ERR_PATH_FORMAT = 10,
  SMB_MSRP_ERR_STRING_FORMAT = 11,
  SMB_MSRP_ERR_TOTAL_LENGTH = 12,
} SmbMsrpValidationError;

/* NTSTATUS values seen on the Messenger path (MS-ERREF §2.3.1, MS-SMB §2.2.2.4). */
#define SMB_NT_STATUS_SUCCESS 0x00000000u
#define SMB_NT_STATUS_INVALID_SMB 0x00010002u       /* = ERRSRV/ERRerror */
#define SMB_NT_STATUS_SMB_BAD_COMMAND 0x00160002u   /* = ERRSRV/ERRunknownsmb */
#define SMB_NT_STATUS_INVALID_PARAMETER 0xC000000Du
#define SMB_NT_STATUS_NOT_SUPPORTED 0xC00000BBu
#define SMB_NT_STATUS_REQUEST_NOT_ACCEPTED 0xC00000D0u

/**
 * SmbHeader:
 * @command: command code (#SmbCommand)
 * @status: the Status field as a LE 32-bit value: an NTSTATUS if @flags2 has
 *   %SMB_FLAGS2_NT_STATUS, else a DOS error (see SMB_STATUS_DOS())
 * @flags: Flags (%SMB_FLAGS_REPLY in responses)
 * @flags2: Flags2
 * @pid_high: PIDHigh
 * @security_features: the 8-byte SecurityFeatures / signature field
 * @reserved: Reserved (kept for byte-exact rebuilds)
 * @tid: TID
 * @pid: PIDLow
 * @uid: UID
 * @mid: MID
 *
 * The 32-byte SMB1 header, LE (MS-CIFS §2.2.3.1, PROTOCOL.md §2.2). MS-MSRP
 * wants every field but Command and Status to be 0; Samba's client sets PID
 * and MID, so receivers keep them and echo them in responses.
 *
 * Since: 0.1
 */
typedef struct {
  guint8 command;
  guint32 status;
  guint8 flags;
  guint16 flags2;
  guint16 pid_high;
  guint8 security_features[8];
  guint16 reserved;
  guint16 tid;
  guint16 pid;
  guint16 uid;
  guint16 mid;
} SmbHeader;

/**
 * SmbMsgrKind:
 * @SMB_MSGR_SEND_MESSAGE: 0xD0 request (originator, destination, text)
 * @SMB_MSGR_START: 0xD5 request (originator, destination)
 * @SMB_MSGR_TEXT: 0xD7 request (group id, text)
 * @SMB_MSGR_END: 0xD6 request (group id)
 * @SMB_MSGR_RESPONSE: a response without parameters to 0xD0/0xD5/0xD6/0xD7 or an
 *   error response to 0x72: WordCount 0, ByteCount 0, success or error
 *   in the header's status; for 0xD5 possibly WordCount 1 with the group id
 * @SMB_MSGR_NEGOTIATE_REQUEST: 0x72 request (dialect list)
 * @SMB_MSGR_NEGOTIATE_RESPONSE: 0x72 response (core/none or NT LM form)
 *
 * The kinds of SMB smb_msgr_parse() returns.
 *
 * Since: 0.1
 */
typedef enum {
  SMB_MSGR_SEND_MESSAGE,
  SMB_MSGR_START,
  SMB_MSGR_TEXT,
  SMB_MSGR_END,
  SMB_MSGR_RESPONSE,
  SMB_MSGR_NEGOTIATE_REQUEST,
  SMB_MSGR_NEGOTIATE_RESPONSE,
} SmbMsgrKind;

/**
 * SmbNegotiateResponse:
 * @dialect_index: index of the chosen dialect, %SMB_MSGR_NO_DIALECT for none
 * @nt_lm: %TRUE for the 17-word NT LAN Manager form, %FALSE for the 1-word
 *   form (core dialect or no dialect); the fields below only exist in the
 *   NT LM form
 * @security_mode: SecurityMode (0x01 user level, 0x02 challenge/response)
 * @max_mpx_count: MaxMpxCount
 * @max_number_vcs: MaxNumberVcs
 * @max_buffer_size: MaxBufferSize
 * @max_raw_size: MaxRawSize
 * @session_key: SessionKey
 * @capabilities: Capabilities
 * @system_time: SystemTime (FILETIME, 100 ns since 1601)
 * @server_time_zone: ServerTimeZone, minutes from UTC
 * @challenge: (nullable): the Challenge bytes (ChallengeLength <= 255); %NULL
 *   means none
 * @data: (nullable): the bytes after the challenge, kept raw: DomainName and
 *   ServerName (OEM or UTF-16 depending on the capabilities), or ServerGUID
 *   and a security blob with extended security (MS-SMB §2.2.4.5.2)
 *
 * SMB_COM_NEGOTIATE response parameters (MS-CIFS §2.2.4.52.2). The LAN
 * Manager 13-word form is not supported.
 *
 * Since: 0.1
 */
typedef struct {
  guint16 dialect_index;
  gboolean nt_lm;
  guint8 security_mode;
  guint16 max_mpx_count;
  guint16 max_number_vcs;
  guint32 max_buffer_size;
  guint32 max_raw_size;
  guint32 session_key;
  guint32 capabilities;
  guint64 system_time;
  gint16 server_time_zone;
  GBytes *challenge;
  GBytes *data;
} SmbNegotiateResponse;

/**
 * SmbMsgrPacket:
 * @kind: what this SMB is
 * @header: the SMB header
 * @originator: %SMB_MSGR_SEND_MESSAGE, %SMB_MSGR_START: OriginatorName, raw
 *   OEM bytes, NUL-terminated, at most %SMB_MSGR_NAME_MAX bytes
 * @destination: the same for DestinationName
 * @text: (nullable): %SMB_MSGR_SEND_MESSAGE, %SMB_MSGR_TEXT: the text block,
 *   raw OEM bytes exactly as sent (at most %SMB_MSGR_BLOCK_MAX, may be empty,
 *   may end in NULs)
 * @group_id: %SMB_MSGR_TEXT, %SMB_MSGR_END, and a %SMB_MSGR_RESPONSE to 0xD5
 *   when @has_group_id: the MessageGroupId
 * @has_group_id: %SMB_MSGR_RESPONSE: whether the response carried a group id
 *   (WordCount 1; Samba's server sends WordCount 0, PROTOCOL.md §8.4)
 * @dialects: (nullable): %SMB_MSGR_NEGOTIATE_REQUEST: the offered dialect
 *   strings (printable ASCII), %NULL-terminated
 * @negotiate: %SMB_MSGR_NEGOTIATE_RESPONSE: the parameters
 *
 * One parsed (or to-be-built) Messenger SMB. Fields that do not belong to
 * @kind are zero / %NULL.
 *
 * Since: 0.1
 */
typedef struct {
  SmbMsgrKind kind;
  SmbHeader header;
  char originator[SMB_MSGR_NAME_MAX + 1];
  char destination[SMB_MSGR_NAME_MAX + 1];
  GBytes *text;
  guint16 group_id;
  gboolean has_group_id;
  char **dialects;
  SmbNegotiateResponse negotiate;
} SmbMsgrPacket;

/**
 * smb_msgr_packet_new:
 * @kind: the kind
 *
 * Returns: (transfer full): a zeroed packet of @kind whose header command
 *   matches it (0xD0, 0xD5, 0xD7, 0xD6; 0x72 for the negotiate kinds; 0 for
 *   %SMB_MSGR_RESPONSE, which the caller sets)
 *
 * Since: 0.1
 */
SmbMsgrPacket *smb_msgr_packet_new (SmbMsgrKind kind);

/**
 * smb_msgr_packet_free:
 * @packet: (nullable): a packet
 *
 * Frees @packet and what it owns. NULL-safe.
 *
 * Since: 0.1
 */
void smb_msgr_packet_free (SmbMsgrPacket *packet);

/**
 * smb_command_name:
 * @command: a command code
 *
 * Returns: the MS-CIFS name of @command ("SMB_COM_SEND_MESSAGE"), or
 *   "unknown command" (static string)
 *
 * Since: 0.1
 */
const char *smb_command_name (guint8 command);

/**
 * smb_error_describe:
 * @error_class: a #SmbErrorClass
 * @code: an error code
 *
 * Returns: (nullable): "ERRmsgoff: not receiving messages"-style text for the
 *   codes listed in this header, %NULL for others (static string)
 *
 * Since: 0.1
 */
const char *smb_error_describe (guint8 error_class, guint16 code);

/**
 * smb_status_to_string:
 * @header: a response header
 *
 * Formats the header's status for people: "success", "ERRSRV/0x0052
 * (ERRmsgoff: not receiving messages)" or "NTSTATUS 0xC00000D0" depending on
 * %SMB_FLAGS2_NT_STATUS.
 *
 * Returns: (transfer full): the text
 *
 * Since: 0.1
 */
char *smb_status_to_string (const SmbHeader *header);

/**
 * smb_header_init_request:
 * @ret: (out caller-allocates): the header
 * @command: the command
 *
 * A request header as MS-MSRP §2.2.3 wants it: @command and every other field 0.
 *
 * Since: 0.1
 */
void smb_header_init_request (SmbHeader *ret, guint8 command);

/**
 * smb_header_init_response:
 * @ret: (out caller-allocates): the header
 * @request: the request being answered
 * @status: the status to send (SMB_STATUS_DOS() value, or 0)
 *
 * A response header: the request's command, TID, PID, PIDHigh, UID and MID
 * echoed (MS-CIFS §3.3.4.1.2; Samba does the same on success), Flags =
 * %SMB_FLAGS_REPLY, Flags2 = 0 (so @status is read as a DOS error: the
 * client negotiated nothing).
 *
 * Since: 0.1
 */
void smb_header_init_response (SmbHeader *ret, const SmbHeader *request, guint32 status);

/**
 * smb_header_parse:
 * @data: an SMB message (without the NBSS header)
 * @len: length of @data
 * @ret: (out caller-allocates): the header; untouched on failure
 * @error: return location for a #GError
 *
 * Parses only the 32-byte header, so that a receiver can answer an SMB that
 * smb_msgr_parse() rejected with an error response echoing its ids.
 * SMB2/3 (0xFE 'SMB') gives %NS_CODEC_ERROR_UNSUPPORTED, another protocol
 * id %NS_CODEC_ERROR_MALFORMED, fewer than 32 bytes %NS_CODEC_ERROR_TRUNCATED.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean smb_header_parse (const guint8 *data, gsize len, SmbHeader *ret, GError **error);

/**
 * smb_msgr_parse:
 * @data: one SMB message (the payload of one NBSS session message)
 * @len: length of @data
 * @ret_packet: (out) (transfer full): the packet; untouched on failure
 * @error: return location for a #GError
 *
 * Parses a Messenger SMB, dispatching on the command and on
 * %SMB_FLAGS_REPLY: 0xD0/0xD5/0xD6/0xD7 requests and responses, 0x72 requests
 * and responses. Bytes after ByteCount are ignored (MS-CIFS §3.3.5.2); inside
 * ByteCount every byte must belong to a field.
 *
 * Errors (%NS_CODEC_ERROR): TRUNCATED when a field or the announced
 * ByteCount runs past @len; MALFORMED for a wrong WordCount, a wrong buffer
 * format byte, a DataLength that disagrees with ByteCount, an unterminated
 * name; TOO_LARGE for a name over %SMB_MSGR_NAME_MAX or a block over
 * %SMB_MSGR_BLOCK_MAX; UNSUPPORTED, naming the command, for 0xD1-0xD4, any
 * other command, SMB2 and the LAN Manager negotiate response.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean smb_msgr_parse (const guint8 *data, gsize len, SmbMsgrPacket **ret_packet,
                         GError **error);

/**
 * smb_msgr_build:
 * @packet: a packet of any kind
 * @buf: array the SMB is appended to; unchanged on failure
 * @error: return location for a #GError
 *
 * Builds any packet smb_msgr_parse() returns, so that parse and build round
 * trip. Dispatches to the smb_msgr_build_*() function of @packet's kind.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean smb_msgr_build (const SmbMsgrPacket *packet, GByteArray *buf, GError **error);

/**
 * smb_msgr_build_send_message:
 * @buf: array the SMB is appended to; unchanged on failure
 * @header: header fields to send (its command is ignored: 0xD0 is written)
 * @originator: OriginatorName, OEM bytes, at most %SMB_MSGR_NAME_MAX
 * @destination: DestinationName, OEM bytes, at most %SMB_MSGR_NAME_MAX
 * @text: (array length=text_len) (nullable): the text, OEM bytes
 * @text_len: at most %SMB_MSGR_BLOCK_MAX
 * @error: return location for a #GError
 *
 * Appends an SMB_COM_SEND_MESSAGE request (MS-MSRP §2.2.3.1.1): WordCount 0,
 * 0x04 originator, 0x04 destination, 0x01 DataLength text. Line-break
 * conversion to 0x14 is the caller's job (msgr-text.h). Over-long names or
 * text give %NS_CODEC_ERROR_TOO_LARGE.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean smb_msgr_build_send_message (GByteArray *buf, const SmbHeader *header,
                                      const char *originator, const char *destination,
                                      const guint8 *text, gsize text_len, GError **error);

/**
 * smb_msgr_build_start:
 * @buf: array the SMB is appended to; unchanged on failure
 * @header: header fields to send (command ignored: 0xD5 is written)
 * @originator: OriginatorName, at most %SMB_MSGR_NAME_MAX bytes
 * @destination: DestinationName, at most %SMB_MSGR_NAME_MAX bytes
 * @error: return location for a #GError
 *
 * Appends an SMB_COM_SEND_START_MB_MESSAGE request (MS-MSRP §2.2.3.2.1).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean smb_msgr_build_start (GByteArray *buf, const SmbHeader *header,
                               const char *originator, const char *destination,
                               GError **error);

/**
 * smb_msgr_build_text:
 * @buf: array the SMB is appended to; unchanged on failure
 * @header: header fields to send (command ignored: 0xD7 is written)
 * @group_id: MessageGroupId from the START response (0 if it had none)
 * @text: (array length=text_len) (nullable): one block, OEM bytes
 * @text_len: at most %SMB_MSGR_BLOCK_MAX
 * @error: return location for a #GError
 *
 * Appends an SMB_COM_SEND_TEXT_MB_MESSAGE request (MS-MSRP §2.2.3.3.1).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean smb_msgr_build_text (GByteArray *buf, const SmbHeader *header, guint16 group_id,
                              const guint8 *text, gsize text_len, GError **error);

/**
 * smb_msgr_build_end:
 * @buf: array the SMB is appended to; unchanged on failure
 * @header: header fields to send (command ignored: 0xD6 is written)
 * @group_id: MessageGroupId
 * @error: return location for a #GError
 *
 * Appends an SMB_COM_SEND_END_MB_MESSAGE request (MS-MSRP §2.2.3.4.1).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean smb_msgr_build_end (GByteArray *buf, const SmbHeader *header, guint16 group_id,
                             GError **error);

/**
 * smb_msgr_build_response:
 * @buf: array the SMB is appended to; unchanged on failure
 * @header: the full response header (see smb_header_init_response())
 * @error: return location for a #GError
 *
 * Appends a response without parameters: WordCount 0, ByteCount 0. This is
 * the success response to 0xD0/0xD6/0xD7 and the error response to any
 * command (MS-CIFS §3.3.4.1.2), success or error coming from the status in
 * @header.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean smb_msgr_build_response (GByteArray *buf, const SmbHeader *header, GError **error);

/**
 * smb_msgr_build_start_response:
 * @buf: array the SMB is appended to; unchanged on failure
 * @header: the full response header
 * @group_id: the MessageGroupId handed out
 * @error: return location for a #GError
 *
 * Appends the successful 0xD5 response as MS-MSRP §2.2.3.2.2 wants it:
 * WordCount 1 with the MessageGroupId, ByteCount 0.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean smb_msgr_build_start_response (GByteArray *buf, const SmbHeader *header,
                                        guint16 group_id, GError **error);

/**
 * smb_msgr_build_error_response:
 * @buf: array the SMB is appended to; unchanged on failure
 * @request: header of the request being refused
 * @error_class: a #SmbErrorClass, e.g. %SMB_ERRSRV
 * @code: e.g. %SMB_ERRSRV_UNKNOWN_SMB
 * @error: return location for a #GError
 *
 * Shorthand for smb_header_init_response() with SMB_STATUS_DOS(@error_class,
 * @code) and smb_msgr_build_response().
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean smb_msgr_build_error_response (GByteArray *buf, const SmbHeader *request,
                                        guint8 error_class, guint16 code, GError **error);

/**
 * smb_msgr_build_negotiate_request:
 * @buf: array the SMB is appended to; unchanged on failure
 * @header: header fields to send (command ignored: 0x72 is written)
 * @dialects: %NULL-terminated dialect strings, 1..%SMB_MSGR_DIALECTS_MAX of
 *   them, printable ASCII, each at most %SMB_MSGR_DIALECT_LEN_MAX bytes
 * @error: return location for a #GError
 *
 * Appends an SMB_COM_NEGOTIATE request (MS-CIFS §2.2.4.52.1).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean smb_msgr_build_negotiate_request (GByteArray *buf, const SmbHeader *header,
                                           const char *const *dialects, GError **error);

/**
 * smb_msgr_build_negotiate_response:
 * @buf: array the SMB is appended to; unchanged on failure
 * @header: the full response header (command ignored: 0x72 is written)
 * @negotiate: the parameters; with @negotiate->nt_lm %FALSE only
 *   @dialect_index is used (WordCount 1, ByteCount 0)
 * @error: return location for a #GError
 *
 * Appends an SMB_COM_NEGOTIATE response (MS-CIFS §2.2.4.52.2): either the
 * 1-word form that selects a core dialect or none (%SMB_MSGR_NO_DIALECT), or
 * the 17-word NT LM 0.12 form Samba sends (golden "smb-sends-d0").
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean smb_msgr_build_negotiate_response (GByteArray *buf, const SmbHeader *header,
                                            const SmbNegotiateResponse *negotiate,
                                            GError **error);

/**
 * smb_msgr_find_dialect:
 * @packet: a %SMB_MSGR_NEGOTIATE_REQUEST
 * @dialect: a dialect string, e.g. %SMB_MSGR_DIALECT_NT_LM
 *
 * Returns: the index of the first offered dialect equal to @dialect, or -1
 *
 * Since: 0.1
 */
gint smb_msgr_find_dialect (const SmbMsgrPacket *packet, const char *dialect);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SmbMsgrPacket, smb_msgr_packet_free)

G_END_DECLS

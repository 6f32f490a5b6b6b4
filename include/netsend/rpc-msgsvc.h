/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* NetrSendMessage (msgsvcsend opnum 0) over connectionless DCE/RPC:
 * MS-MSRP §3.2.4.1 (IDL in §6.1), its NDR stub (C706 ch. 14 conformant
 * varying strings), and the call checks of MS-RPCE §3.2.3. PROTOCOL.md §4.1,
 * §4.5 and §4.6 hold the layouts.
 *
 * The three strings are [in, string] LPSTR: 8-bit characters in the
 * sender's OEM code page (MS-MSRP §3.2.4.1), not UTF-16. The raw API keeps
 * them as bytes; the *_utf8 helpers convert with g_convert(). */

#include <glib.h>

#include <netsend/rpc-cl.h>

G_BEGIN_DECLS

/**
 * RPC_MSGSVC_SEND_UUID_STRING:
 *
 * Interface UUID of msgsvcsend (MS-MSRP §1.9, §6.1).
 *
 * Since: 0.1
 */
#define RPC_MSGSVC_SEND_UUID_STRING "5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fc"

/**
 * RPC_MSGSVC_SEND_IF_VERS:
 *
 * if_vers of msgsvcsend 1.0: major 1 in the low 16 bits, minor 0 in the high.
 *
 * Since: 0.1
 */
#define RPC_MSGSVC_SEND_IF_VERS 0x00000001u

/**
 * RPC_MSGSVC_OPNUM_SEND_MESSAGE:
 *
 * Operation number of NetrSendMessage (MS-MSRP §3.2.4).
 *
 * Since: 0.1
 */
#define RPC_MSGSVC_OPNUM_SEND_MESSAGE 0

/**
 * RPC_MSGSVC_DEFAULT_MAX_STUB:
 *
 * Default cap on a NetrSendMessage stub, in bytes. MS-MSRP §3.2.4.3 sets no
 * protocol limit (errata 8) and lets a server apply its own; one UDP
 * datagram cannot carry more than this anyway.
 *
 * Since: 0.1
 */
#define RPC_MSGSVC_DEFAULT_MAX_STUB (64 * 1024)

/* NetrSendMessage return values (MS-MSRP §3.2.4.1; PROTOCOL.md §4.6). */
#define RPC_MSGSVC_ERROR_SUCCESS           0x00000000u
#define RPC_MSGSVC_ERROR_ACCESS_DENIED     0x00000005u
#define RPC_MSGSVC_ERROR_NOT_SUPPORTED     0x00000032u
#define RPC_MSGSVC_ERROR_INVALID_PARAMETER 0x00000057u
#define RPC_MSGSVC_NERR_NETWORK_ERROR      0x00000858u
#define RPC_MSGSVC_NERR_NAME_NOT_FOUND     0x000008E1u
#define RPC_MSGSVC_NERR_GRP_MSG_PROCESSOR  0x000008E8u
#define RPC_MSGSVC_NERR_PAUSED_REMOTE      0x000008E9u
#define RPC_MSGSVC_NERR_BAD_RECEIVE        0x000008EAu
#define RPC_MSGSVC_NERR_NAME_IN_USE        0x000008EBu
#define RPC_MSGSVC_NERR_NOT_LOCAL_NAME     0x000008EDu
#define RPC_MSGSVC_NERR_TRUNCATED_BROADCAST 0x000008F1u
#define RPC_MSGSVC_NERR_DUPLICATE_NAME     0x000008F9u

/**
 * RpcMsgsvcSend:
 * @from: sender name, raw OEM bytes, NUL-terminated, no NUL inside
 * @to: recipient name, raw OEM bytes
 * @text: message text, raw OEM bytes (line breaks as the sender put them)
 *
 * The [in] arguments of NetrSendMessage exactly as they travel, without
 * any character-set conversion.
 *
 * Since: 0.1
 */
typedef struct {
  char *from;
  char *to;
  char *text;
} RpcMsgsvcSend;

/**
 * rpc_msgsvc_send_new:
 * @from_oem: sender, OEM bytes
 * @to_oem: recipient, OEM bytes
 * @text_oem: text, OEM bytes
 *
 * Returns: (transfer full): a new #RpcMsgsvcSend holding copies
 *
 * Since: 0.1
 */
RpcMsgsvcSend *rpc_msgsvc_send_new (const char *from_oem, const char *to_oem,
                                    const char *text_oem);

/**
 * rpc_msgsvc_send_new_from_utf8:
 * @from: sender as UTF-8
 * @to: recipient as UTF-8
 * @text: text as UTF-8
 * @codepage: (nullable): OEM code page for g_convert(); %NULL means "CP850"
 *   (Samba's default "dos charset", PROTOCOL.md §5.1)
 * @error: return location for a #GError
 *
 * Converts to the OEM code page, replacing characters it cannot represent
 * with '?' (PROTOCOL.md §5.1). Invalid UTF-8, an unknown code page or a
 * result containing a NUL byte give %NS_CODEC_ERROR_CONVERSION.
 *
 * Returns: (transfer full) (nullable): the arguments, or %NULL on error
 *
 * Since: 0.1
 */
RpcMsgsvcSend *rpc_msgsvc_send_new_from_utf8 (const char *from, const char *to,
                                              const char *text, const char *codepage,
                                              GError **error);

/**
 * rpc_msgsvc_send_free:
 * @args: (nullable): arguments to free
 *
 * Since: 0.1
 */
void rpc_msgsvc_send_free (RpcMsgsvcSend *args);

/**
 * rpc_msgsvc_send_to_utf8:
 * @args: the arguments
 * @codepage: (nullable): OEM code page; %NULL means "CP850"
 * @ret_from: (out) (transfer full) (optional): sender as UTF-8
 * @ret_to: (out) (transfer full) (optional): recipient as UTF-8
 * @ret_text: (out) (transfer full) (optional): text as UTF-8
 * @error: return location for a #GError
 *
 * Decodes the three strings from the OEM code page. A byte sequence the
 * code page does not define gives %NS_CODEC_ERROR_CONVERSION and leaves
 * every output untouched.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_msgsvc_send_to_utf8 (const RpcMsgsvcSend *args, const char *codepage,
                                  char **ret_from, char **ret_to, char **ret_text,
                                  GError **error);

/**
 * rpc_msgsvc_send_stub_parse:
 * @stub: the request stub (the body of a REQUEST)
 * @len: its length
 * @drep: the PDU's data representation (3 bytes)
 * @max_stub: cap on @len; 0 means %RPC_MSGSVC_DEFAULT_MAX_STUB
 * @ret: (out) (transfer full): the arguments; untouched on failure
 * @error: return location for a #GError
 *
 * Decodes the NDR stub: From, To and Text, each a [ref] pointer (nothing
 * on the wire) to a conformant varying string aligned to 4 from the start
 * of the stub: max_count, offset, actual_count (u32 each in drep byte
 * order), then actual_count chars including the terminating NUL
 * (PROTOCOL.md §4.6). Padding bytes are skipped whatever their value, and
 * bytes after Text are ignored. Refused: offset ≠ 0, actual_count 0 or
 * above max_count, a last char that is not NUL, a NUL before the last
 * char (%NS_CODEC_ERROR_MALFORMED); a stub or string above the cap
 * (%NS_CODEC_ERROR_TOO_LARGE); a short stub (%NS_CODEC_ERROR_TRUNCATED);
 * EBCDIC characters (%NS_CODEC_ERROR_UNSUPPORTED). A server answers all of
 * them with a FAULT %RPC_NCA_S_FAULT_NDR.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_msgsvc_send_stub_parse (const guint8 *stub, gsize len, const guint8 *drep,
                                     gsize max_stub, RpcMsgsvcSend **ret, GError **error);

/**
 * rpc_msgsvc_send_stub_build:
 * @args: the arguments
 * @drep: data representation to encode in (3 bytes; the header's)
 * @max_stub: cap on the stub; 0 means %RPC_MSGSVC_DEFAULT_MAX_STUB
 * @out: array to append the stub to; unchanged on failure
 * @error: return location for a #GError
 *
 * Encodes the stub the way MIDL does: max_count = actual_count =
 * strlen + 1, offset 0, zero padding.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_msgsvc_send_stub_build (const RpcMsgsvcSend *args, const guint8 *drep,
                                     gsize max_stub, GByteArray *out, GError **error);

/**
 * rpc_msgsvc_status_stub_parse:
 * @stub: the response stub
 * @len: its length; must be 4
 * @drep: the PDU's data representation
 * @ret_status: (out): the error_status_t the server returned
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_msgsvc_status_stub_parse (const guint8 *stub, gsize len, const guint8 *drep,
                                       guint32 *ret_status, GError **error);

/**
 * rpc_msgsvc_status_stub_build:
 * @status: the return value, e.g. %RPC_MSGSVC_ERROR_SUCCESS
 * @drep: data representation to encode in
 * @out: array to append the 4-byte stub to
 *
 * Since: 0.1
 */
void rpc_msgsvc_status_stub_build (guint32 status, const guint8 *drep, GByteArray *out);

/**
 * rpc_msgsvc_send_interface_id:
 *
 * Returns: (transfer none): the msgsvcsend interface UUID
 *
 * Since: 0.1
 */
const RpcUuid *rpc_msgsvc_send_interface_id (void);

/**
 * rpc_msgsvc_check_call:
 * @hdr: header of a REQUEST
 * @ret_reject_status: (out) (optional): on %FALSE, the status to REJECT with
 *
 * The run-time checks of MS-RPCE §3.2.3 for our one interface: a UUID other
 * than msgsvcsend, or a version other than 1.0 (same major, client minor ≤
 * ours: the C706 interface version compatibility rule) gives %RPC_NCA_S_UNK_IF; an opnum other
 * than 0 gives %RPC_NCA_S_OP_RNG_ERROR.
 *
 * Returns: %TRUE if the call is NetrSendMessage on msgsvcsend 1.0
 *
 * Since: 0.1
 */
gboolean rpc_msgsvc_check_call (const RpcClHeader *hdr, guint32 *ret_reject_status);

/**
 * rpc_msgsvc_request_header_init:
 * @ret: (out caller-allocates): the header
 * @activity: the client's activity UUID
 * @seqnum: call sequence number within the activity
 * @server_boot: 0 on a first call, else the boot time the server sent back
 *
 * Fills a NetrSendMessage REQUEST header: little-endian ASCII IEEE drep,
 * nil object, msgsvcsend 1.0, opnum 0, no hints, fragment 0, serial 0,
 * flags 0 (a one-fragment non-idempotent call, PROTOCOL.md §4.2). Change
 * @ret->serial for a retransmission (MS-RPCE §3.2.2).
 *
 * Since: 0.1
 */
void rpc_msgsvc_request_header_init (RpcClHeader *ret, const RpcUuid *activity,
                                     guint32 seqnum, guint32 server_boot);

/**
 * rpc_msgsvc_build_request:
 * @hdr: REQUEST header, e.g. from rpc_msgsvc_request_header_init()
 * @args: the arguments (OEM bytes)
 * @out: array to append the whole UDP payload to; unchanged on failure
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_msgsvc_build_request (const RpcClHeader *hdr, const RpcMsgsvcSend *args,
                                   GByteArray *out, GError **error);

/**
 * rpc_msgsvc_build_send_request:
 * @from: sender as UTF-8
 * @to: recipient as UTF-8
 * @text: text as UTF-8
 * @codepage: (nullable): OEM code page; %NULL means "CP850"
 * @activity: the client's activity UUID
 * @seqnum: call sequence number
 * @server_boot: 0, or the server's boot time from an earlier reply
 * @out: array to append the whole UDP payload (header + stub) to
 * @error: return location for a #GError
 *
 * Convenience: rpc_msgsvc_send_new_from_utf8() +
 * rpc_msgsvc_request_header_init() + rpc_msgsvc_build_request().
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_msgsvc_build_send_request (const char *from, const char *to, const char *text,
                                        const char *codepage, const RpcUuid *activity,
                                        guint32 seqnum, guint32 server_boot,
                                        GByteArray *out, GError **error);

/**
 * rpc_msgsvc_parse_request:
 * @pkt: a parsed packet
 * @max_stub: cap on the stub; 0 means %RPC_MSGSVC_DEFAULT_MAX_STUB
 * @ret: (out) (transfer full): the arguments; untouched on failure
 * @error: return location for a #GError
 *
 * Checks that @pkt is an unfragmented REQUEST for NetrSendMessage
 * (%NS_CODEC_ERROR_UNSUPPORTED otherwise, including fragments: reassemble
 * them with #RpcClReasm and call rpc_msgsvc_send_stub_parse() on the
 * result) and decodes its stub.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_msgsvc_parse_request (const RpcClPacket *pkt, gsize max_stub,
                                   RpcMsgsvcSend **ret, GError **error);

/**
 * rpc_msgsvc_parse_send_request:
 * @pkt: a parsed packet
 * @codepage: (nullable): OEM code page; %NULL means "CP850"
 * @ret_from: (out) (transfer full) (optional): sender as UTF-8
 * @ret_to: (out) (transfer full) (optional): recipient as UTF-8
 * @ret_text: (out) (transfer full) (optional): text as UTF-8
 * @error: return location for a #GError
 *
 * Convenience: rpc_msgsvc_parse_request() with the default cap, then
 * rpc_msgsvc_send_to_utf8().
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_msgsvc_parse_send_request (const RpcClPacket *pkt, const char *codepage,
                                        char **ret_from, char **ret_to, char **ret_text,
                                        GError **error);

/**
 * rpc_msgsvc_build_send_response:
 * @request: header of the REQUEST being answered
 * @server_boot: our boot time (non-zero, MS-RPCE §3.2.3)
 * @status: the return value, e.g. %RPC_MSGSVC_ERROR_SUCCESS
 * @out: array to append the whole UDP payload to
 * @error: return location for a #GError
 *
 * Builds the RESPONSE: same object, interface, activity, seqnum and opnum,
 * our boot time, little-endian drep, 4-byte stub (PROTOCOL.md §4.5 step 7).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_msgsvc_build_send_response (const RpcClHeader *request, guint32 server_boot,
                                         guint32 status, GByteArray *out, GError **error);

/**
 * rpc_msgsvc_parse_send_response:
 * @pkt: a parsed packet
 * @ret_status: (out): the return value of NetrSendMessage
 * @error: return location for a #GError
 *
 * Checks that @pkt is an unfragmented RESPONSE for msgsvcsend opnum 0 and
 * decodes the status. A FAULT or REJECT is not a response: look at
 * @pkt->header.ptype and @pkt->status first.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_msgsvc_parse_send_response (const RpcClPacket *pkt, guint32 *ret_status,
                                         GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RpcMsgsvcSend, rpc_msgsvc_send_free)

G_END_DECLS

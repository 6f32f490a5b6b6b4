/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Connectionless DCE/RPC (ncadg_ip_udp) PDUs: C706 chapter 12 (CL header and
 * bodies), chapter 14 (data representation format label), MS-RPCE §2.2.3 / §3.2.3.
 * PROTOCOL.md §4.2-§4.5 (and its errata 5 and 6) hold the field tables. */

#include <glib.h>

G_BEGIN_DECLS

/**
 * RPC_CL_HEADER_LEN:
 *
 * Size of the fixed connectionless PDU header (C706 §12.5.1).
 *
 * Since: 0.1
 */
#define RPC_CL_HEADER_LEN 80

/**
 * RPC_CL_VERSION:
 *
 * rpc_vers of every connectionless PDU (C706 §12.5.2).
 *
 * Since: 0.1
 */
#define RPC_CL_VERSION 4

/**
 * RPC_CL_MAX_BODY:
 *
 * Largest body one PDU can announce: the len field is 16 bits.
 *
 * Since: 0.1
 */
#define RPC_CL_MAX_BODY 0xFFFF

/**
 * RPC_CL_HINT_NONE:
 *
 * ihint / ahint value meaning "no hint" (C706 §12.5.2).
 *
 * Since: 0.1
 */
#define RPC_CL_HINT_NONE 0xFFFF

/* drep[0] (C706 ch. 14, format label): integer representation in the high nibble,
 * character representation in the low nibble; drep[1] is the floating-point
 * representation; drep[2] is reserved. */
#define RPC_DREP_INT_BIG_ENDIAN    0x00
#define RPC_DREP_INT_LITTLE_ENDIAN 0x10
#define RPC_DREP_CHAR_ASCII        0x00
#define RPC_DREP_CHAR_EBCDIC       0x01
#define RPC_DREP_FLOAT_IEEE        0x00
#define RPC_DREP_FLOAT_VAX         0x01
#define RPC_DREP_FLOAT_CRAY        0x02
#define RPC_DREP_FLOAT_IBM         0x03

/* flags1 (C706 §12.5.2; PROTOCOL.md §4.3). 0x01 and 0x80 are reserved
 * for implementations and ignored on receipt (errata 5). */
#define RPC_CL_FLAGS1_RESERVED_01 0x01
#define RPC_CL_FLAGS1_LASTFRAG    0x02
#define RPC_CL_FLAGS1_FRAG        0x04
#define RPC_CL_FLAGS1_NOFACK      0x08
#define RPC_CL_FLAGS1_MAYBE       0x10
#define RPC_CL_FLAGS1_IDEMPOTENT  0x20
#define RPC_CL_FLAGS1_BROADCAST   0x40
#define RPC_CL_FLAGS1_RESERVED_80 0x80

/* flags2 (C706 §12.5.2; MS-RPCE §2.2.3.3). 0x01 is reserved for
 * implementations and ignored; PF2_UNRELATED comes from MS-RPCE. */
#define RPC_CL_FLAGS2_RESERVED_01    0x01
#define RPC_CL_FLAGS2_CANCEL_PENDING 0x02
#define RPC_CL_FLAGS2_UNRELATED      0x04

/**
 * RpcClPtype:
 * @RPC_CL_PTYPE_REQUEST: call from client (stub data)
 * @RPC_CL_PTYPE_PING: client asks about a call (empty)
 * @RPC_CL_PTYPE_RESPONSE: call results (stub data)
 * @RPC_CL_PTYPE_FAULT: call failed inside the server (status)
 * @RPC_CL_PTYPE_WORKING: reply to a ping: still executing (empty)
 * @RPC_CL_PTYPE_NOCALL: reply to a ping: no such call (empty or FACK body)
 * @RPC_CL_PTYPE_REJECT: call refused by the run time (status)
 * @RPC_CL_PTYPE_ACK: client got the response (empty)
 * @RPC_CL_PTYPE_CL_CANCEL: client cancels ("quit"; version, cancel id)
 * @RPC_CL_PTYPE_FACK: fragment acknowledgement (#RpcClFack)
 * @RPC_CL_PTYPE_CANCEL_ACK: server answers a cancel ("quack")
 *
 * Connectionless packet types (C706 §12.1, table "RPC Protocol Data Units").
 * Types 11 and above are connection-oriented only.
 *
 * Since: 0.1
 */
typedef enum {
  RPC_CL_PTYPE_REQUEST = 0,
  RPC_CL_PTYPE_PING = 1,
  RPC_CL_PTYPE_RESPONSE = 2,
  RPC_CL_PTYPE_FAULT = 3,
  RPC_CL_PTYPE_WORKING = 4,
  RPC_CL_PTYPE_NOCALL = 5,
  RPC_CL_PTYPE_REJECT = 6,
  RPC_CL_PTYPE_ACK = 7,
  RPC_CL_PTYPE_CL_CANCEL = 8,
  RPC_CL_PTYPE_FACK = 9,
  RPC_CL_PTYPE_CANCEL_ACK = 10,
} RpcClPtype;

#define RPC_CL_PTYPE_LAST RPC_CL_PTYPE_CANCEL_ACK

/* Reject / fault status codes (C706 Appendix E; MS-RPCE §3.2.3.5.1; the
 * names are C706's). Fault statuses of a call's stub use Win32 codes. */
#define RPC_NCA_S_COMM_FAILURE          0x1C010001u
#define RPC_NCA_S_OP_RNG_ERROR          0x1C010002u
#define RPC_NCA_S_UNK_IF                0x1C010003u
#define RPC_NCA_S_WRONG_BOOT_TIME       0x1C010006u
#define RPC_NCA_S_YOU_CRASHED           0x1C010009u
#define RPC_NCA_S_PROTO_ERROR           0x1C01000Bu
#define RPC_NCA_S_OUT_ARGS_TOO_BIG      0x1C010013u
#define RPC_NCA_S_SERVER_TOO_BUSY       0x1C010014u
#define RPC_NCA_S_UNSUPPORTED_TYPE      0x1C010017u
#define RPC_NCA_S_FAULT_INVALID_TAG     0x1C000006u
#define RPC_NCA_S_FAULT_INVALID_BOUND   0x1C000007u
#define RPC_NCA_S_RPC_VERSION_MISMATCH  0x1C000008u
#define RPC_NCA_S_UNSPEC_REJECT         0x1C000009u
#define RPC_NCA_S_BAD_ACTID             0x1C00000Au
#define RPC_NCA_S_WHO_ARE_YOU_FAILED    0x1C00000Bu
#define RPC_NCA_S_MANAGER_NOT_ENTERED   0x1C00000Cu
#define RPC_NCA_S_FAULT_CANCEL          0x1C00000Du
#define RPC_NCA_S_FAULT_UNSPEC          0x1C000012u
#define RPC_NCA_S_FAULT_REMOTE_NO_MEMORY 0x1C00001Bu
/* An undecodable stub is faulted with 0x6F7, RPC_X_BAD_STUB_DATA (MS-RPCE §3.1.3.5.2). */
#define RPC_NCA_S_FAULT_NDR             0x000006F7u
#define RPC_S_ACCESS_DENIED             0x00000005u

/**
 * RpcUuid:
 * @data1: first field (time_low), host order
 * @data2: second field (time_mid), host order
 * @data3: third field (time_hi_and_version), host order
 * @data4: the last 8 bytes as written in the string form
 *
 * A UUID as a plain value. On the wire the first three fields follow the
 * PDU's integer byte order (C706 Appendix A, ch. 14); @data4 never changes.
 *
 * Since: 0.1
 */
typedef struct {
  guint32 data1;
  guint16 data2;
  guint16 data3;
  guint8 data4[8];
} RpcUuid;

/**
 * RPC_UUID_STRING_LEN:
 *
 * Length of the string form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" without NUL.
 *
 * Since: 0.1
 */
#define RPC_UUID_STRING_LEN 36

/**
 * rpc_uuid_parse:
 * @str: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", hex digits in either case
 * @ret: (out caller-allocates): the UUID; untouched on failure
 * @error: return location for a #GError (%NS_CODEC_ERROR_MALFORMED)
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_uuid_parse (const char *str, RpcUuid *ret, GError **error);

/**
 * rpc_uuid_to_string:
 * @uuid: a UUID
 *
 * Returns: (transfer full): the lower-case string form
 *
 * Since: 0.1
 */
char *rpc_uuid_to_string (const RpcUuid *uuid);

/**
 * rpc_uuid_equal:
 * @a: a UUID
 * @b: another UUID
 *
 * Returns: %TRUE if all 16 bytes are equal
 *
 * Since: 0.1
 */
gboolean rpc_uuid_equal (const RpcUuid *a, const RpcUuid *b);

/**
 * rpc_uuid_is_nil:
 * @uuid: a UUID
 *
 * Returns: %TRUE for the nil UUID (all zero), which in the object field
 *   means "no object" (PROTOCOL.md errata 6)
 *
 * Since: 0.1
 */
gboolean rpc_uuid_is_nil (const RpcUuid *uuid);

/**
 * rpc_uuid_generate:
 * @ret: (out caller-allocates): a new random (version 4) UUID, e.g. for an
 *   activity
 *
 * Since: 0.1
 */
void rpc_uuid_generate (RpcUuid *ret);

/**
 * RpcClHeader:
 * @ptype: an #RpcClPtype
 * @flags1: RPC_CL_FLAGS1_* bits, as received (reserved bits kept)
 * @flags2: RPC_CL_FLAGS2_* bits, as received
 * @drep: data representation; drep[0] high nibble 1 = little-endian
 * @object: object UUID; always present, nil means no object (errata 6)
 * @if_id: interface UUID
 * @act_id: activity UUID
 * @server_boot: server boot time (0 on a client's first call)
 * @if_vers: interface version: major in the low 16 bits, minor in the high
 * @seqnum: call sequence number within the activity
 * @opnum: operation number
 * @ihint: interface hint (%RPC_CL_HINT_NONE)
 * @ahint: activity hint (%RPC_CL_HINT_NONE)
 * @body_len: body length; set by parsing, computed when building
 * @fragnum: fragment number
 * @auth_proto: authentication protocol, 0 = none
 * @serial: fragment serial number, (serial_hi << 8) | serial_lo
 *
 * The 80-byte connectionless header (C706 §12.5.1, PROTOCOL.md §4.2) in host
 * form. rpc_vers is not stored: it is always %RPC_CL_VERSION.
 *
 * Since: 0.1
 */
typedef struct {
  guint8 ptype;
  guint8 flags1;
  guint8 flags2;
  guint8 drep[3];
  RpcUuid object;
  RpcUuid if_id;
  RpcUuid act_id;
  guint32 server_boot;
  guint32 if_vers;
  guint32 seqnum;
  guint16 opnum;
  guint16 ihint;
  guint16 ahint;
  guint16 body_len;
  guint16 fragnum;
  guint8 auth_proto;
  guint16 serial;
} RpcClHeader;

/**
 * RpcClFack:
 * @version: body version (C706: 1)
 * @window_size: receiver window in fragments
 * @max_tsdu: largest transport data unit the sender accepts
 * @max_frag_size: largest fragment the sender accepts
 * @serial_num: serial number of the fragment that caused the FACK
 * @selack_len: number of 32-bit selective-acknowledgement words
 * @selack: (array length=selack_len): the selective acknowledgement bitmap
 *
 * Body of a FACK, and optionally of a NOCALL (C706 §12.5.3 "fack", MS-RPCE §2.2.3.6).
 *
 * Since: 0.1
 */
typedef struct {
  guint8 version;
  guint16 window_size;
  guint32 max_tsdu;
  guint32 max_frag_size;
  guint16 serial_num;
  guint16 selack_len;
  guint32 *selack;
} RpcClFack;

/**
 * RpcClPacket:
 * @header: the header
 * @body: (nullable): the body bytes as received; what REQUEST, RESPONSE,
 *   PING, WORKING, ACK and a NOCALL without FACK body are built from
 * @status: the status of a FAULT or REJECT
 * @has_fack: whether @fack holds a FACK (or NOCALL) body
 * @fack: the FACK body
 * @cancel_version: CL_CANCEL / CANCEL_ACK body version
 * @cancel_id: CL_CANCEL / CANCEL_ACK cancel id
 * @server_is_accepting: CANCEL_ACK: whether the server accepts cancels
 * @auth_verifier: (nullable): bytes after the body when auth_proto != 0
 *   (C706 §12.5.2: the verifier follows the body and is not counted
 *   in len); kept opaque
 *
 * One connectionless PDU. Parsing fills every field that applies to its
 * type (and @body always); building encodes the typed fields for FAULT,
 * REJECT, FACK, NOCALL with @has_fack, CL_CANCEL and CANCEL_ACK and copies
 * @body for the rest.
 *
 * Since: 0.1
 */
typedef struct {
  RpcClHeader header;
  GBytes *body;
  guint32 status;
  gboolean has_fack;
  RpcClFack fack;
  guint32 cancel_version;
  guint32 cancel_id;
  gboolean server_is_accepting;
  GBytes *auth_verifier;
} RpcClPacket;

/**
 * rpc_cl_packet_new:
 * @ptype: the packet type
 *
 * Returns: (transfer full): a packet with a header from rpc_cl_header_init()
 *   and no body
 *
 * Since: 0.1
 */
RpcClPacket *rpc_cl_packet_new (RpcClPtype ptype);

/**
 * rpc_cl_packet_free:
 * @pkt: (nullable): a packet
 *
 * Frees @pkt, its body, verifier and FACK selack words.
 *
 * Since: 0.1
 */
void rpc_cl_packet_free (RpcClPacket *pkt);

/**
 * rpc_cl_packet_set_body:
 * @pkt: a packet
 * @data: (array length=len) (nullable): body bytes, copied; may point into
 *   the current body
 * @len: their length
 *
 * Since: 0.1
 */
void rpc_cl_packet_set_body (RpcClPacket *pkt, const guint8 *data, gsize len);

/**
 * rpc_cl_header_init:
 * @ret: (out caller-allocates): the header
 * @ptype: the packet type
 *
 * Zeroes @ret and sets @ptype, a little-endian ASCII IEEE drep and no
 * interface/activity hints.
 *
 * Since: 0.1
 */
void rpc_cl_header_init (RpcClHeader *ret, RpcClPtype ptype);

/**
 * rpc_cl_header_init_reply:
 * @ret: (out caller-allocates): the reply header
 * @request: the header of the packet being answered
 * @ptype: RESPONSE, FAULT, REJECT, WORKING, NOCALL, FACK ...
 * @server_boot: the server's boot time
 *
 * A reply header for the same call: object, interface and version,
 * activity, sequence number and opnum are copied; flags, fragment number
 * and serial are 0 and the drep is ours (little-endian), whatever the
 * request used (the receiver makes it right).
 *
 * Since: 0.1
 */
void rpc_cl_header_init_reply (RpcClHeader *ret, const RpcClHeader *request,
                               RpcClPtype ptype, guint32 server_boot);

/**
 * rpc_cl_header_is_little_endian:
 * @hdr: a header
 *
 * Returns: %TRUE if @hdr's drep says little-endian integers
 *
 * Since: 0.1
 */
gboolean rpc_cl_header_is_little_endian (const RpcClHeader *hdr);

/**
 * rpc_cl_header_parse:
 * @data: (array length=len): a datagram
 * @len: its length
 * @ret: (out caller-allocates): the header; untouched on failure
 * @error: return location for a #GError
 *
 * Decodes the first %RPC_CL_HEADER_LEN bytes. Refused: fewer than 80 bytes
 * (%NS_CODEC_ERROR_TRUNCATED), rpc_vers other than 4
 * (%NS_CODEC_ERROR_UNSUPPORTED), a packet type above 10 or a drep with an
 * undefined integer (> 1), character (> 1) or floating-point (> 3)
 * representation (%NS_CODEC_ERROR_MALFORMED). Defined but unusual
 * representations (big-endian, EBCDIC, VAX floats) are accepted: the header
 * holds integers only. Reserved flag bits are kept, never refused (errata 5).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_cl_header_parse (const guint8 *data, gsize len, RpcClHeader *ret,
                              GError **error);

/**
 * rpc_cl_packet_parse:
 * @data: (array length=len): one UDP payload
 * @len: its length
 * @error: return location for a #GError
 *
 * Parses the header (see rpc_cl_header_parse()), then the body: exactly
 * len bytes must follow the header (%NS_CODEC_ERROR_TRUNCATED if fewer,
 * %NS_CODEC_ERROR_TRAILING_DATA if more, unless auth_proto is non-zero and
 * the rest is the verifier). Typed bodies are decoded: FAULT and REJECT
 * exactly 4 bytes, CL_CANCEL exactly 8, CANCEL_ACK at least 9, FACK (and a
 * non-empty NOCALL) versions 0/1 with their selack words and nothing more.
 * PING, WORKING and ACK bodies are kept, not refused.
 *
 * Returns: (transfer full) (nullable): the packet, or %NULL on error
 *
 * Since: 0.1
 */
RpcClPacket *rpc_cl_packet_parse (const guint8 *data, gsize len, GError **error);

/**
 * rpc_cl_packet_build:
 * @pkt: the packet; the header's body_len is ignored and computed
 * @out: array to append the datagram to; unchanged on failure
 * @error: return location for a #GError
 *
 * Encodes @pkt in the byte order of its drep. The body is @pkt->body if
 * set, else the typed fields of its type (see #RpcClPacket); the verifier
 * follows. Fails on a body above %RPC_CL_MAX_BODY, an undefined ptype or
 * drep, a verifier with auth_proto 0, or FACK selack_len without words.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_cl_packet_build (const RpcClPacket *pkt, GByteArray *out, GError **error);

/**
 * rpc_cl_build_status:
 * @hdr: a FAULT or REJECT header, e.g. from rpc_cl_header_init_reply()
 * @status: the status, e.g. %RPC_NCA_S_UNK_IF or %RPC_NCA_S_FAULT_NDR
 * @out: array to append the datagram to; unchanged on failure
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean rpc_cl_build_status (const RpcClHeader *hdr, guint32 status,
                              GByteArray *out, GError **error);

/**
 * rpc_cl_ptype_name:
 * @ptype: a packet type
 *
 * Returns: (nullable): C706's name ("request", "fack", ...) or %NULL
 *   above 10
 *
 * Since: 0.1
 */
const char *rpc_cl_ptype_name (guint8 ptype);

/**
 * rpc_cl_status_name:
 * @status: a reject or fault status
 *
 * Returns: (nullable): the C706 name ("nca_s_unk_if", ...) of the
 *   RPC_NCA_S_* constants, or %NULL
 *
 * Since: 0.1
 */
const char *rpc_cl_status_name (guint32 status);

/**
 * RpcClReasm:
 *
 * Opaque, bounded reassembly buffer for the fragments of one request
 * (one activity and sequence number).
 *
 * Since: 0.1
 */
typedef struct _RpcClReasm RpcClReasm;

/**
 * rpc_cl_reasm_new:
 * @max_body: most bytes the reassembled body may have
 * @max_frags: fragment numbers must be below this (> 0)
 *
 * Returns: (transfer full): an empty reassembly buffer for one call
 *
 * Since: 0.1
 */
RpcClReasm *rpc_cl_reasm_new (gsize max_body, guint max_frags);

/**
 * rpc_cl_reasm_free:
 * @reasm: (nullable): a reassembly buffer
 *
 * Since: 0.1
 */
void rpc_cl_reasm_free (RpcClReasm *reasm);

/**
 * rpc_cl_reasm_add:
 * @reasm: a reassembly buffer
 * @frag: a parsed REQUEST (or RESPONSE) fragment, or an unfragmented PDU
 * @ret_body: (out) (transfer full) (nullable): the whole body once the
 *   last missing fragment arrived, else %NULL; untouched on failure
 * @error: return location for a #GError
 *
 * Adds one fragment (flags1 FRAG, LASTFRAG on the last, fragnum from 0).
 * The first packet fixes the call (activity, seqnum). Duplicates, and
 * anything after completion, are accepted and ignored. Refused: another
 * call's fragment, an unfragmented PDU after fragments, fragnum at or
 * above @max_frags or beyond the last fragment, two different last
 * fragments, or a total above @max_body (%NS_CODEC_ERROR_TOO_LARGE for the
 * limits, %NS_CODEC_ERROR_MALFORMED otherwise). Sending FACKs (unless
 * NOFACK) is the caller's job.
 *
 * Returns: %TRUE unless the fragment was refused
 *
 * Since: 0.1
 */
gboolean rpc_cl_reasm_add (RpcClReasm *reasm, const RpcClPacket *frag,
                           GBytes **ret_body, GError **error);

/**
 * rpc_cl_reasm_next_fragnum:
 * @reasm: a reassembly buffer
 *
 * Returns: the number of fragments received in order from 0, i.e. the first
 *   missing fragment number; a FACK's acknowledgement is derived from it
 *
 * Since: 0.1
 */
guint rpc_cl_reasm_next_fragnum (const RpcClReasm *reasm);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RpcClPacket, rpc_cl_packet_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RpcClReasm, rpc_cl_reasm_free)

G_END_DECLS

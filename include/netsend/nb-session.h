/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* NetBIOS Session Service packets, TCP 139 (RFC 1002 §4.3, PROTOCOL.md §1.6),
 * and a stream framer for them and for direct-hosted SMB on TCP 445. Pure
 * codec: the socket code feeds it bytes. */

#include <glib.h>
#include <netsend/nb-name.h>

G_BEGIN_DECLS

/**
 * NB_SESSION_HEADER_SIZE:
 *
 * Size of the session packet header (TYPE, FLAGS, LENGTH), and of the
 * direct-hosted header (0x00 + 24-bit length).
 *
 * Since: 0.1
 */
#define NB_SESSION_HEADER_SIZE 4

/**
 * NB_SESSION_MAX_LENGTH:
 *
 * Largest trailer of a session packet: 17 bits, LENGTH plus the E
 * (length extension) bit of FLAGS (RFC 1002 §4.3.1; Samba smb_len_nbt()).
 *
 * Since: 0.1
 */
#define NB_SESSION_MAX_LENGTH 0x1FFFF

/**
 * NB_SESSION_DIRECT_MAX_LENGTH:
 *
 * Largest payload of a direct-hosted (TCP 445) frame: 24 bits (MS-SMB2 §2.1).
 *
 * Since: 0.1
 */
#define NB_SESSION_DIRECT_MAX_LENGTH 0xFFFFFF

/* FLAGS bit 0: E, the 17th length bit; bits 1-7 are reserved 0 (RFC 1002 §4.3.1). */
#define NB_SESSION_FLAG_E 0x01

/**
 * NbSessionType:
 * @NB_SESSION_MESSAGE: SESSION MESSAGE, carries one SMB
 * @NB_SESSION_REQUEST: SESSION REQUEST, called and calling names
 * @NB_SESSION_POSITIVE_RESPONSE: POSITIVE SESSION RESPONSE, no trailer
 * @NB_SESSION_NEGATIVE_RESPONSE: NEGATIVE SESSION RESPONSE, one error code
 * @NB_SESSION_RETARGET_RESPONSE: RETARGET SESSION RESPONSE, IPv4 address + port
 * @NB_SESSION_KEEP_ALIVE: SESSION KEEP ALIVE, no trailer; ignore on receipt
 *
 * Session packet types (RFC 1002 §4.3.1).
 *
 * Since: 0.1
 */
typedef enum {
  NB_SESSION_MESSAGE = 0x00,
  NB_SESSION_REQUEST = 0x81,
  NB_SESSION_POSITIVE_RESPONSE = 0x82,
  NB_SESSION_NEGATIVE_RESPONSE = 0x83,
  NB_SESSION_RETARGET_RESPONSE = 0x84,
  NB_SESSION_KEEP_ALIVE = 0x85,
} NbSessionType;

/**
 * NbSessionErrorCode:
 * @NB_SESSION_ERR_NOT_LISTENING_ON_CALLED: not listening on the called name (the
 *   name is ours but nothing listens, e.g. Messenger paused)
 * @NB_SESSION_ERR_NOT_LISTENING_FOR_CALLING: not listening for the calling name
 *   (listener restricted to other callers; Wireshark 1.8 mislabels it "called")
 * @NB_SESSION_ERR_CALLED_NOT_PRESENT: called name not present (not one of our
 *   names: the normal "no such alias" answer)
 * @NB_SESSION_ERR_INSUFFICIENT_RESOURCES: called name present, but insufficient
 *   resources (connection limit reached)
 * @NB_SESSION_ERR_UNSPECIFIED: unspecified error
 *
 * NEGATIVE SESSION RESPONSE error codes (RFC 1002 §4.3.4). Other values are
 * accepted on receipt and reported as unknown.
 *
 * Since: 0.1
 */
typedef enum {
  NB_SESSION_ERR_NOT_LISTENING_ON_CALLED = 0x80,
  NB_SESSION_ERR_NOT_LISTENING_FOR_CALLING = 0x81,
  NB_SESSION_ERR_CALLED_NOT_PRESENT = 0x82,
  NB_SESSION_ERR_INSUFFICIENT_RESOURCES = 0x83,
  NB_SESSION_ERR_UNSPECIFIED = 0x8F,
} NbSessionErrorCode;

/**
 * NbSessionFraming:
 * @NB_SESSION_FRAMING_NBSS: RFC 1002 session packets (TCP 139): TYPE, FLAGS
 *   with the E bit, 16-bit LENGTH
 * @NB_SESSION_FRAMING_DIRECT: direct-hosted SMB (TCP 445): 0x00 and a 24-bit
 *   length; every frame is a message. smbclient -M -p 445 uses it and smbd
 *   accepts Messenger SMBs there (errata 4, capture 06)
 *
 * How SMBs are framed on a TCP stream.
 *
 * Since: 0.1
 */
typedef enum {
  NB_SESSION_FRAMING_NBSS,
  NB_SESSION_FRAMING_DIRECT,
} NbSessionFraming;

/**
 * NbSessionPacket:
 * @type: the packet type (#NbSessionType)
 * @called: %NB_SESSION_REQUEST: the CALLED name (recipient, e.g. PEERA<03>)
 * @calling: %NB_SESSION_REQUEST: the CALLING name (e.g. SENDER<00>)
 * @error_code: %NB_SESSION_NEGATIVE_RESPONSE: the code (#NbSessionErrorCode)
 * @retarget_ip: %NB_SESSION_RETARGET_RESPONSE: IPv4 address, network order
 * @retarget_port: %NB_SESSION_RETARGET_RESPONSE: TCP port
 * @payload: (nullable): %NB_SESSION_MESSAGE: the user data (one SMB)
 *
 * One session packet. Fields that do not belong to @type are zero / %NULL.
 *
 * Since: 0.1
 */
typedef struct {
  guint8 type;
  NbName called;
  NbName calling;
  guint8 error_code;
  guint8 retarget_ip[4];
  guint16 retarget_port;
  GBytes *payload;
} NbSessionPacket;

/**
 * nb_session_packet_new:
 * @type: the packet type
 *
 * Returns: (transfer full): a zeroed packet of @type
 *
 * Since: 0.1
 */
NbSessionPacket *nb_session_packet_new (guint8 type);

/**
 * nb_session_packet_free:
 * @packet: (nullable): a packet
 *
 * Frees @packet and its payload. NULL-safe.
 *
 * Since: 0.1
 */
void nb_session_packet_free (NbSessionPacket *packet);

/**
 * nb_session_type_name:
 * @type: a packet type
 *
 * Returns: "SESSION REQUEST" etc., or "unknown type" (static string)
 *
 * Since: 0.1
 */
const char *nb_session_type_name (guint8 type);

/**
 * nb_session_error_describe:
 * @code: a NEGATIVE SESSION RESPONSE error code
 *
 * Returns: the RFC 1002 meaning ("Called name not present"), or
 *   "unknown error code" (static string)
 *
 * Since: 0.1
 */
const char *nb_session_error_describe (guint8 code);

/**
 * nb_session_header_parse:
 * @data: at least %NB_SESSION_HEADER_SIZE bytes
 * @len: length of @data
 * @framing: the framing in use
 * @ret_type: (out): the packet type (%NB_SESSION_MESSAGE for direct framing)
 * @ret_length: (out): the length of what follows the header
 * @error: return location for a #GError
 *
 * Decodes a 4-byte header. NBSS: unknown types and set reserved FLAGS bits
 * give %NS_CODEC_ERROR_MALFORMED. Direct: a first byte other than 0 gives
 * %NS_CODEC_ERROR_MALFORMED. Outputs are untouched on failure.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_session_header_parse (const guint8 *data, gsize len, NbSessionFraming framing,
                                  guint8 *ret_type, gsize *ret_length, GError **error);

/**
 * nb_session_packet_parse:
 * @data: exactly one NBSS packet, header included
 * @len: length of @data
 * @ret_packet: (out) (transfer full): the packet; untouched on failure
 * @error: return location for a #GError
 *
 * Parses one complete NBSS packet: the header's length must match @len
 * exactly (%NS_CODEC_ERROR_TRUNCATED / %NS_CODEC_ERROR_TRAILING_DATA), then
 * the trailer as nb_session_packet_parse_trailer() does.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_session_packet_parse (const guint8 *data, gsize len, NbSessionPacket **ret_packet,
                                  GError **error);

/**
 * nb_session_packet_parse_trailer:
 * @type: the packet type from the header (as nb_session_framer_pop() gives it)
 * @trailer: the bytes after the header
 * @len: length of @trailer
 * @ret_packet: (out) (transfer full): the packet; untouched on failure
 * @error: return location for a #GError
 *
 * Parses the trailer of a packet of @type (RFC 1002 §4.3.2-§4.3.7):
 * SESSION REQUEST holds two uncompressed second-level encoded names and
 * nothing else; POSITIVE RESPONSE and KEEP ALIVE are empty; NEGATIVE
 * RESPONSE is one byte; RETARGET six; a SESSION MESSAGE is copied whole.
 * Wrong lengths are %NS_CODEC_ERROR_MALFORMED (or TRUNCATED /
 * TRAILING_DATA), bad names %NS_CODEC_ERROR_MALFORMED.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_session_packet_parse_trailer (guint8 type, const guint8 *trailer, gsize len,
                                          NbSessionPacket **ret_packet, GError **error);

/**
 * nb_session_packet_build:
 * @packet: a packet
 * @buf: array the NBSS packet (header included) is appended to; unchanged
 *   on failure
 * @error: return location for a #GError
 *
 * Builds any packet nb_session_packet_parse() returns. A message payload
 * over %NB_SESSION_MAX_LENGTH gives %NS_CODEC_ERROR_TOO_LARGE; an invalid
 * scope in a name %NS_CODEC_ERROR_MALFORMED.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_session_packet_build (const NbSessionPacket *packet, GByteArray *buf,
                                  GError **error);

/**
 * nb_session_build_request:
 * @buf: array the packet is appended to; unchanged on failure
 * @called: the name called, e.g. PEERA<03>
 * @calling: our own name, e.g. SENDER<00>
 * @error: return location for a #GError
 *
 * Appends a SESSION REQUEST (RFC 1002 §4.3.2; 72 bytes without scope).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_session_build_request (GByteArray *buf, const NbName *called, const NbName *calling,
                                   GError **error);

/**
 * nb_session_build_positive_response:
 * @buf: array `82 00 00 00` is appended to
 *
 * Since: 0.1
 */
void nb_session_build_positive_response (GByteArray *buf);

/**
 * nb_session_build_negative_response:
 * @buf: array the packet is appended to
 * @code: a #NbSessionErrorCode
 *
 * Appends `83 00 00 01 <code>`.
 *
 * Since: 0.1
 */
void nb_session_build_negative_response (GByteArray *buf, guint8 code);

/**
 * nb_session_build_retarget_response:
 * @buf: array the packet is appended to
 * @ip: IPv4 address, 4 bytes in network order
 * @port: TCP port
 *
 * Appends a RETARGET SESSION RESPONSE (RFC 1002 §4.3.5).
 *
 * Since: 0.1
 */
void nb_session_build_retarget_response (GByteArray *buf, const guint8 ip[4], guint16 port);

/**
 * nb_session_build_keep_alive:
 * @buf: array `85 00 00 00` is appended to
 *
 * Since: 0.1
 */
void nb_session_build_keep_alive (GByteArray *buf);

/**
 * nb_session_build_message:
 * @buf: array the frame is appended to; unchanged on failure
 * @framing: NBSS (TCP 139) or direct (TCP 445)
 * @data: (array length=len) (nullable): the SMB
 * @len: at most %NB_SESSION_MAX_LENGTH (NBSS; the E bit is set above 65535)
 *   or %NB_SESSION_DIRECT_MAX_LENGTH (direct)
 * @error: return location for a #GError
 *
 * Appends @data framed as a session message.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_session_build_message (GByteArray *buf, NbSessionFraming framing,
                                   const guint8 *data, gsize len, GError **error);

/**
 * NB_SESSION_FRAMER_READ_MAX:
 *
 * Chunk size a framer always has room for beyond one maximal frame: a
 * caller that pops every complete frame after each push and pushes at most
 * this many bytes at a time never hits the buffer cap.
 *
 * Since: 0.1
 */
#define NB_SESSION_FRAMER_READ_MAX 65536

/**
 * NbSessionFramer:
 *
 * Cuts a TCP byte stream into session packets. Fed arbitrary chunks with
 * nb_session_framer_push(), hands out complete frames with
 * nb_session_framer_pop(). Headers are checked as soon as they arrive, so a
 * bad or oversized frame is refused before its body is buffered. It buffers
 * at most max_frame + %NB_SESSION_HEADER_SIZE + %NB_SESSION_FRAMER_READ_MAX
 * bytes. After an error the stream cannot be resynchronised: every later
 * push fails with the same error (frames before the bad one still pop).
 *
 * Since: 0.1
 */
typedef struct _NbSessionFramer NbSessionFramer;

/**
 * nb_session_framer_new:
 * @framing: NBSS or direct
 * @max_frame: largest accepted frame length after the header (> 0); capped
 *   at the framing's protocol maximum
 *
 * Returns: (transfer full): a new framer
 *
 * Since: 0.1
 */
NbSessionFramer *nb_session_framer_new (NbSessionFraming framing, gsize max_frame);

/**
 * nb_session_framer_free:
 * @framer: (nullable): a framer
 *
 * Since: 0.1
 */
void nb_session_framer_free (NbSessionFramer *framer);

/**
 * nb_session_framer_push:
 * @framer: a framer
 * @data: (array length=len): bytes received
 * @len: how many
 * @error: return location for a #GError
 *
 * Appends received bytes and checks every header now complete. Fails with
 * %NS_CODEC_ERROR_TOO_LARGE for a frame over max_frame or when the buffer
 * cap would be exceeded, %NS_CODEC_ERROR_MALFORMED for a bad header.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_session_framer_push (NbSessionFramer *framer, const guint8 *data, gsize len,
                                 GError **error);

/**
 * nb_session_framer_pop:
 * @framer: a framer
 * @ret_type: (out): the packet type (always %NB_SESSION_MESSAGE with direct
 *   framing); keep-alives are returned like any packet
 * @ret_payload: (out) (transfer full): the bytes after the header (may be empty)
 *
 * Returns: %TRUE and the next complete frame, or %FALSE (outputs untouched)
 *   if none is complete yet
 *
 * Since: 0.1
 */
gboolean nb_session_framer_pop (NbSessionFramer *framer, guint8 *ret_type,
                                GBytes **ret_payload);

/**
 * nb_session_framer_get_buffered:
 * @framer: a framer
 *
 * Returns: bytes pushed but not yet popped
 *
 * Since: 0.1
 */
gsize nb_session_framer_get_buffered (const NbSessionFramer *framer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NbSessionPacket, nb_session_packet_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NbSessionFramer, nb_session_framer_free)

G_END_DECLS

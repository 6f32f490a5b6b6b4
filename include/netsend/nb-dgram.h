/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* NetBIOS Datagram Service packets, UDP 138 (RFC 1002 §4.4, PROTOCOL.md
 * §1.5). Pure codec: parse bytes into an #NbDgram, build an #NbDgram into
 * bytes; plus a small fragment reassembler that is given the time. */

#include <glib.h>
#include <netsend/nb-name.h>

G_BEGIN_DECLS

/**
 * NB_DGRAM_PORT:
 *
 * UDP port of the datagram service.
 *
 * Since: 0.1
 */
#define NB_DGRAM_PORT 138

/**
 * NB_DGRAM_DIRECT_HEADER_LEN:
 *
 * Bytes before SOURCE_NAME in a DIRECT_UNIQUE, DIRECT_GROUP or BROADCAST
 * datagram (the 10-byte common header, DGM_LENGTH and PACKET_OFFSET).
 *
 * Since: 0.1
 */
#define NB_DGRAM_DIRECT_HEADER_LEN 14

/**
 * NB_DGRAM_BUILD_MAX:
 *
 * Largest datagram nb_dgram_build() produces (the IPv4 UDP payload limit).
 * RFC 1002's MAX_DATAGRAM_LENGTH of 576 is not enforced: Windows exceeds it
 * for mailslots (PROTOCOL.md §3.5).
 *
 * Since: 0.1
 */
#define NB_DGRAM_BUILD_MAX 65507

/**
 * NbDgramType:
 * @NB_DGRAM_DIRECT_UNIQUE: to a unique name (0x10).
 * @NB_DGRAM_DIRECT_GROUP: to a group name (0x11).
 * @NB_DGRAM_BROADCAST: to every NetBIOS node (0x12).
 * @NB_DGRAM_ERROR: DATAGRAM ERROR (0x13).
 * @NB_DGRAM_QUERY_REQUEST: DATAGRAM QUERY REQUEST to an NBDD (0x14).
 * @NB_DGRAM_POSITIVE_QUERY_RESPONSE: 0x15.
 * @NB_DGRAM_NEGATIVE_QUERY_RESPONSE: 0x16.
 *
 * MSG_TYPE (RFC 1002 §4.4.1).
 *
 * Since: 0.1
 */
typedef enum {
  NB_DGRAM_DIRECT_UNIQUE = 0x10,
  NB_DGRAM_DIRECT_GROUP = 0x11,
  NB_DGRAM_BROADCAST = 0x12,
  NB_DGRAM_ERROR = 0x13,
  NB_DGRAM_QUERY_REQUEST = 0x14,
  NB_DGRAM_POSITIVE_QUERY_RESPONSE = 0x15,
  NB_DGRAM_NEGATIVE_QUERY_RESPONSE = 0x16,
} NbDgramType;

/**
 * NB_DGRAM_FLAG_MORE:
 *
 * FLAGS bit M: more fragments follow (RFC 1002 §4.4.1).
 *
 * Since: 0.1
 */
#define NB_DGRAM_FLAG_MORE 0x01

/**
 * NB_DGRAM_FLAG_FIRST:
 *
 * FLAGS bit F: this is the first fragment. A complete datagram has F = 1 and
 * M = 0.
 *
 * Since: 0.1
 */
#define NB_DGRAM_FLAG_FIRST 0x02

/**
 * NB_DGRAM_NODE_MASK:
 *
 * FLAGS bits 2-3, SNT, the source node type (#NbDgramNodeType). Receivers
 * must not interpret it (PROTOCOL.md §8 item 14).
 *
 * Since: 0.1
 */
#define NB_DGRAM_NODE_MASK 0x0c

/**
 * NbDgramNodeType:
 * @NB_DGRAM_NODE_B: B node (0x00).
 * @NB_DGRAM_NODE_P: P node (0x04).
 * @NB_DGRAM_NODE_M: M node (0x08); Samba3's mailslot flags are 0x0A.
 * @NB_DGRAM_NODE_NBDD: NBDD (0x0C); Windows H nodes and Samba4 send 0x0E.
 *
 * The SNT values, already shifted into place in FLAGS.
 *
 * Since: 0.1
 */
typedef enum {
  NB_DGRAM_NODE_B = 0x00,
  NB_DGRAM_NODE_P = 0x04,
  NB_DGRAM_NODE_M = 0x08,
  NB_DGRAM_NODE_NBDD = 0x0c,
} NbDgramNodeType;

/**
 * NbDgramErrorCode:
 * @NB_DGRAM_ERROR_DEST_NAME_NOT_PRESENT: destination name not present (0x82).
 * @NB_DGRAM_ERROR_INVALID_SOURCE_NAME: invalid source name format (0x83).
 * @NB_DGRAM_ERROR_INVALID_DEST_NAME: invalid destination name format (0x84).
 *
 * ERROR_CODE of a DATAGRAM ERROR packet (RFC 1002 §4.4.3).
 *
 * Since: 0.1
 */
typedef enum {
  NB_DGRAM_ERROR_DEST_NAME_NOT_PRESENT = 0x82,
  NB_DGRAM_ERROR_INVALID_SOURCE_NAME = 0x83,
  NB_DGRAM_ERROR_INVALID_DEST_NAME = 0x84,
} NbDgramErrorCode;

/**
 * NbDgram:
 * @type: MSG_TYPE
 * @flags: FLAGS as on the wire: %NB_DGRAM_FLAG_MORE, %NB_DGRAM_FLAG_FIRST,
 *   the node type (%NB_DGRAM_NODE_MASK) and reserved bits 4-7 (kept as
 *   received)
 * @dgm_id: DGM_ID
 * @source_ip: SOURCE_IP in host byte order (10.99.0.2 is 0x0a630002)
 * @source_port: SOURCE_PORT
 * @packet_offset: PACKET_OFFSET (types 0x10-0x12; 0 unless fragmented)
 * @source_name: SOURCE_NAME (types 0x10-0x12)
 * @destination_name: DESTINATION_NAME (types 0x10-0x12 and 0x14-0x16)
 * @user_data: (nullable): USER_DATA (types 0x10-0x12); %NULL means empty
 * @error_code: ERROR_CODE (type 0x13), a #NbDgramErrorCode
 *
 * A datagram-service packet. DGM_LENGTH is not stored: the parser checks it,
 * the builder computes it. Fields a type does not carry are ignored when
 * building and zero after parsing.
 *
 * Since: 0.1
 */
typedef struct {
  NbDgramType type;
  guint8 flags;
  guint16 dgm_id;
  guint32 source_ip;
  guint16 source_port;
  guint16 packet_offset;
  NbName source_name;
  NbName destination_name;
  GBytes *user_data;
  guint8 error_code;
} NbDgram;

/**
 * NbDgramParseFlags:
 * @NB_DGRAM_PARSE_NONE: refuse fragments with %NS_CODEC_ERROR_UNSUPPORTED.
 * @NB_DGRAM_PARSE_FRAGMENTS: return fragments as they are, for
 *   #NbDgramReassembler.
 *
 * Since: 0.1
 */
typedef enum {
  NB_DGRAM_PARSE_NONE = 0,
  NB_DGRAM_PARSE_FRAGMENTS = 1 << 0,
} NbDgramParseFlags;

NbDgram *nb_dgram_new (NbDgramType type);
void nb_dgram_free (NbDgram *dgram);
NbDgram *nb_dgram_copy (const NbDgram *dgram);
gboolean nb_dgram_equal (const NbDgram *a, const NbDgram *b);
gboolean nb_dgram_is_fragment (const NbDgram *dgram);
gboolean nb_dgram_parse (const guint8 *data, gsize len, NbDgramParseFlags flags,
                         NbDgram **ret, GError **error);
gboolean nb_dgram_build (const NbDgram *dgram, GByteArray *out, GError **error);
const char *nb_dgram_type_to_string (guint type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NbDgram, nb_dgram_free)

/**
 * NB_DGRAM_FRAGMENT_TIMEOUT_US:
 *
 * FRAGMENT_TO, how long partial data is kept: 2 s (RFC 1002 §6).
 *
 * Since: 0.1
 */
#define NB_DGRAM_FRAGMENT_TIMEOUT_US (2 * G_USEC_PER_SEC)

/**
 * NbDgramReassembler:
 *
 * Puts fragmented datagrams back together (RFC 1002 §4.4.1, §6), keyed by
 * SOURCE_IP and DGM_ID, within explicit bounds: pending datagrams, bytes per
 * datagram and age. It keeps no clock; callers pass the current time.
 * Fragments must arrive in order, as one sender emits them.
 *
 * Since: 0.1
 */
typedef struct _NbDgramReassembler NbDgramReassembler;

NbDgramReassembler *nb_dgram_reassembler_new (guint max_pending, gsize max_bytes,
                                              gint64 timeout_us);
void nb_dgram_reassembler_free (NbDgramReassembler *self);
gboolean nb_dgram_reassembler_add (NbDgramReassembler *self, const NbDgram *fragment,
                                   gint64 now_us, NbDgram **ret_complete, GError **error);
void nb_dgram_reassembler_expire (NbDgramReassembler *self, gint64 now_us);
guint nb_dgram_reassembler_pending (const NbDgramReassembler *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NbDgramReassembler, nb_dgram_reassembler_free)

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* NetBIOS Name Service packets, UDP 137 (RFC 1002 §4.2, MS-NBTE §2.2,
 * PROTOCOL.md §1.4). Pure codec: parse bytes into an #NbNsPacket, build an
 * #NbNsPacket into bytes. Timers and procedures belong to the name engine. */

#include <glib.h>
#include <netsend/nb-name.h>

G_BEGIN_DECLS

/**
 * NB_NS_PORT:
 *
 * UDP port of the name service.
 *
 * Since: 0.1
 */
#define NB_NS_PORT 137

/**
 * NB_NS_HEADER_LEN:
 *
 * Length of the NBNS header (RFC 1002 §4.2.1.1).
 *
 * Since: 0.1
 */
#define NB_NS_HEADER_LEN 12

/**
 * NB_NS_UDP_MAX:
 *
 * Largest name-service datagram RFC 1002 §4.2.1 lets a sender emit (576
 * bytes); responders such as nmbd budget node-status answers to it. The
 * builder itself only refuses packets over %NB_NS_BUILD_MAX.
 *
 * Since: 0.1
 */
#define NB_NS_UDP_MAX 576

/**
 * NB_NS_BUILD_MAX:
 *
 * Largest packet nb_ns_packet_build() produces (the IPv4 UDP payload limit).
 *
 * Since: 0.1
 */
#define NB_NS_BUILD_MAX 65507

/**
 * NbNsOpcode:
 * @NB_NS_OPCODE_QUERY: name query and node status (0).
 * @NB_NS_OPCODE_REGISTRATION: registration, overwrite demand (5).
 * @NB_NS_OPCODE_RELEASE: release (6).
 * @NB_NS_OPCODE_WACK: wait for acknowledgement, responses only (7).
 * @NB_NS_OPCODE_REFRESH: refresh, the value nmbd and NT send (8).
 * @NB_NS_OPCODE_REFRESH_ALT: refresh, the alternate value from an RFC 1002
 *   inconsistency (9); accepted on receipt, kept as is.
 * @NB_NS_OPCODE_MULTIHOMED_REGISTRATION: Microsoft multi-homed registration
 *   (0xF, MS-NBTE §2.2.2), same layout as registration.
 *
 * The opcodes the parser accepts; others give %NS_CODEC_ERROR_UNSUPPORTED.
 *
 * Since: 0.1
 */
typedef enum {
  NB_NS_OPCODE_QUERY = 0x0,
  NB_NS_OPCODE_REGISTRATION = 0x5,
  NB_NS_OPCODE_RELEASE = 0x6,
  NB_NS_OPCODE_WACK = 0x7,
  NB_NS_OPCODE_REFRESH = 0x8,
  NB_NS_OPCODE_REFRESH_ALT = 0x9,
  NB_NS_OPCODE_MULTIHOMED_REGISTRATION = 0xF,
} NbNsOpcode;

/**
 * NbNsFlags:
 * @NB_NS_FLAG_BROADCAST: B, the packet was broadcast (0x0010).
 * @NB_NS_FLAG_RA: recursion available, NBNS/WINS responses (0x0080).
 * @NB_NS_FLAG_RD: recursion desired (0x0100).
 * @NB_NS_FLAG_TC: truncated (0x0200).
 * @NB_NS_FLAG_AA: authoritative answer (0x0400).
 *
 * The NM_FLAGS bits, with the masks they have in the 16-bit header word
 * (RFC 1002 §4.2.1.1), so `flags & NB_NS_FLAG_RD` works on both.
 * The reserved bits 0x0060 are ignored on receipt and sent as 0.
 *
 * Since: 0.1
 */
typedef enum {
  NB_NS_FLAG_BROADCAST = 0x0010,
  NB_NS_FLAG_RA = 0x0080,
  NB_NS_FLAG_RD = 0x0100,
  NB_NS_FLAG_TC = 0x0200,
  NB_NS_FLAG_AA = 0x0400,
} NbNsFlags;

#define NB_NS_FLAGS_MASK 0x0790

/**
 * NbNsRcode:
 * @NB_NS_RCODE_OK: success.
 * @NB_NS_RCODE_FMT_ERR: format error.
 * @NB_NS_RCODE_SRV_ERR: server failure.
 * @NB_NS_RCODE_NAM_ERR: name not found.
 * @NB_NS_RCODE_IMP_ERR: unsupported request.
 * @NB_NS_RCODE_RFS_ERR: refused.
 * @NB_NS_RCODE_ACT_ERR: name active elsewhere (a defence).
 * @NB_NS_RCODE_CFT_ERR: name in conflict (conflict demand).
 *
 * RCODE values (RFC 1002 §4.2.6 ff.). Values 8-15 parse and are kept.
 *
 * Since: 0.1
 */
typedef enum {
  NB_NS_RCODE_OK = 0x0,
  NB_NS_RCODE_FMT_ERR = 0x1,
  NB_NS_RCODE_SRV_ERR = 0x2,
  NB_NS_RCODE_NAM_ERR = 0x3,
  NB_NS_RCODE_IMP_ERR = 0x4,
  NB_NS_RCODE_RFS_ERR = 0x5,
  NB_NS_RCODE_ACT_ERR = 0x6,
  NB_NS_RCODE_CFT_ERR = 0x7,
} NbNsRcode;

/* Question and RR types, RFC 1002 §4.2.1.2-3. */
#define NB_NS_TYPE_A      0x0001
#define NB_NS_TYPE_NS     0x0002
#define NB_NS_TYPE_NULL   0x000A
#define NB_NS_TYPE_NB     0x0020
#define NB_NS_TYPE_NBSTAT 0x0021
/* The only class. Other values parse and are kept. */
#define NB_NS_CLASS_IN    0x0001

/* NB_FLAGS of an NB RR entry (RFC 1002 §4.2.1.3) and the same high bits of
 * NAME_FLAGS in node status (§4.2.18). H is Microsoft's use of the
 * RFC-reserved value 3 (MS-NBTE §2.2.1). */
#define NB_NS_NB_GROUP    0x8000
#define NB_NS_ONT_MASK    0x6000
#define NB_NS_ONT_B       0x0000
#define NB_NS_ONT_P       0x2000
#define NB_NS_ONT_M       0x4000
#define NB_NS_ONT_H       0x6000
/* NAME_FLAGS only (node status): deregistering, conflict, active, permanent. */
#define NB_NS_NAME_DRG    0x1000
#define NB_NS_NAME_CNF    0x0800
#define NB_NS_NAME_ACT    0x0400
#define NB_NS_NAME_PRM    0x0200

/**
 * NbNsAddrEntry:
 * @flags: NB_FLAGS: %NB_NS_NB_GROUP and an ONT (%NB_NS_ONT_B...); the
 *   reserved bits are kept as received
 * @ipv4: the address in host byte order (0xC0A8010A is 192.168.1.10)
 *
 * One 6-byte entry of an NB resource record.
 *
 * Since: 0.1
 */
typedef struct {
  guint16 flags;
  guint32 ipv4;
} NbNsAddrEntry;

/**
 * NbNsStatusName:
 * @name: the 16 raw bytes (scope always empty: node status carries none)
 * @flags: NAME_FLAGS: %NB_NS_NB_GROUP, ONT, %NB_NS_NAME_DRG, %NB_NS_NAME_CNF,
 *   %NB_NS_NAME_ACT, %NB_NS_NAME_PRM (reserved bits kept)
 *
 * One NODE_NAME entry of a node status response (RFC 1002 §4.2.18).
 *
 * Since: 0.1
 */
typedef struct {
  NbName name;
  guint16 flags;
} NbNsStatusName;

/**
 * NbNsStatistics:
 *
 * The 46-byte STATISTICS block of a node status response (RFC 1002
 * §4.2.18), big-endian on the wire. Only @unit_id matters in practice: it
 * is shown as the MAC address by nbtstat -A and nmblookup -A.
 *
 * Since: 0.1
 */
typedef struct {
  guint8 unit_id[6];
  guint8 jumpers;
  guint8 test_result;
  guint16 version_number;
  guint16 period_of_statistics;
  guint16 number_of_crcs;
  guint16 number_alignment_errors;
  guint16 number_of_collisions;
  guint16 number_send_aborts;
  guint32 number_good_sends;
  guint32 number_good_receives;
  guint16 number_retransmits;
  guint16 number_no_resource_conditions;
  guint16 number_free_command_blocks;
  guint16 total_number_command_blocks;
  guint16 max_total_number_command_blocks;
  guint16 number_pending_sessions;
  guint16 max_number_pending_sessions;
  guint16 max_total_sessions_possible;
  guint16 session_data_packet_size;
} NbNsStatistics;

#define NB_NS_STATISTICS_LEN 46
/* NUM_NAMES is one byte. */
#define NB_NS_STATUS_MAX_NAMES 255

/**
 * NbNsNodeStatus:
 * @names: (element-type NbNsStatusName): the node's names, in wire order
 * @stats: the statistics block
 *
 * NODE STATUS RESPONSE RDATA (RFC 1002 §4.2.18, PROTOCOL.md §1.4.5).
 * Parsing is lenient about the statistics length: a shorter block is
 * zero-filled and bytes beyond 46 are ignored (devices differ); the builder
 * always writes 46 bytes.
 *
 * Since: 0.1
 */
typedef struct {
  GArray *names;
  NbNsStatistics stats;
} NbNsNodeStatus;

NbNsNodeStatus *nb_ns_node_status_new (void);
void nb_ns_node_status_free (NbNsNodeStatus *status);
NbNsNodeStatus *nb_ns_node_status_copy (const NbNsNodeStatus *status);
/* Appends a name; FALSE if there are already %NB_NS_STATUS_MAX_NAMES. */
gboolean nb_ns_node_status_add_name (NbNsNodeStatus *status, const NbName *name,
                                     guint16 flags);
gboolean nb_ns_node_status_equal (const NbNsNodeStatus *a, const NbNsNodeStatus *b);
/* Parses / builds the RDATA alone (used by nb-ns.c; public for tests and tools). */
gboolean nb_ns_node_status_parse (const guint8 *rdata, gsize len,
                                  NbNsNodeStatus **ret, GError **error);
gboolean nb_ns_node_status_build (const NbNsNodeStatus *status, GByteArray *out,
                                  GError **error);

/**
 * NbNsRdataKind:
 * @NB_NS_RDATA_NONE: RDLENGTH 0 (NULL RR of a negative query response).
 * @NB_NS_RDATA_NB: NB address entries in #NbNsRecord.addresses.
 * @NB_NS_RDATA_STATUS: node status in #NbNsRecord.status.
 * @NB_NS_RDATA_WACK: WACK's 2-byte RDATA (the request's header flags word)
 *   in #NbNsRecord.wack_flags; chosen for every RR of a WACK response with
 *   RDLENGTH 2, whether its type is NB (Samba4, RFC figure) or NULL (nmbd).
 * @NB_NS_RDATA_A: an IPv4 address in #NbNsRecord.a_ipv4 (redirects; obsolete).
 * @NB_NS_RDATA_NS: a name in #NbNsRecord.ns_name (redirects; obsolete).
 * @NB_NS_RDATA_RAW: any other RDATA, kept in #NbNsRecord.raw.
 *
 * How an RR's RDATA is represented. The parser picks it from the opcode,
 * the RR type and RDLENGTH; the builder writes what the kind says.
 *
 * Since: 0.1
 */
typedef enum {
  NB_NS_RDATA_NONE,
  NB_NS_RDATA_NB,
  NB_NS_RDATA_STATUS,
  NB_NS_RDATA_WACK,
  NB_NS_RDATA_A,
  NB_NS_RDATA_NS,
  NB_NS_RDATA_RAW,
} NbNsRdataKind;

/**
 * NbNsRecord:
 * @name: RR_NAME (a pointer on the wire is resolved)
 * @type: RR_TYPE, e.g. %NB_NS_TYPE_NB
 * @rr_class: RR_CLASS, normally %NB_NS_CLASS_IN
 * @ttl: TTL in seconds (0 = infinite in registrations)
 * @kind: which of the RDATA fields below is in use
 * @addresses: (element-type NbNsAddrEntry): for %NB_NS_RDATA_NB, never %NULL
 * @status: for %NB_NS_RDATA_STATUS, else %NULL
 * @wack_flags: for %NB_NS_RDATA_WACK
 * @a_ipv4: for %NB_NS_RDATA_A, host byte order
 * @ns_name: for %NB_NS_RDATA_NS
 * @raw: for %NB_NS_RDATA_RAW, else %NULL
 *
 * A resource record (RFC 1002 §4.2.1.3).
 *
 * Since: 0.1
 */
typedef struct {
  NbName name;
  guint16 type;
  guint16 rr_class;
  guint32 ttl;
  NbNsRdataKind kind;
  GArray *addresses;
  NbNsNodeStatus *status;
  guint16 wack_flags;
  guint32 a_ipv4;
  NbName ns_name;
  GBytes *raw;
} NbNsRecord;

/* A record of @type, class IN, with the kind that type parses to: NB (no
 * entries yet), NONE for NULL, STATUS (an empty node status) for NBSTAT, A
 * (0.0.0.0), NS (an all-zero name), RAW (empty) for other types. Fill the
 * RDATA fields afterwards; for a WACK set kind and wack_flags. */
NbNsRecord *nb_ns_record_new (const NbName *name, guint16 type, guint32 ttl);
void nb_ns_record_free (NbNsRecord *record);
NbNsRecord *nb_ns_record_copy (const NbNsRecord *record);
gboolean nb_ns_record_equal (const NbNsRecord *a, const NbNsRecord *b);
/* Appends an NB entry (switches @record to %NB_NS_RDATA_NB). */
void nb_ns_record_add_address (NbNsRecord *record, guint16 nb_flags, guint32 ipv4);

/**
 * NbNsQuestion:
 * @name: QUESTION_NAME
 * @type: %NB_NS_TYPE_NB or %NB_NS_TYPE_NBSTAT
 * @qclass: QUESTION_CLASS, normally %NB_NS_CLASS_IN
 *
 * A question entry (RFC 1002 §4.2.1.2).
 *
 * Since: 0.1
 */
typedef struct {
  NbName name;
  guint16 type;
  guint16 qclass;
} NbNsQuestion;

/**
 * NbNsPacket:
 * @trn_id: NAME_TRN_ID
 * @response: the R bit
 * @opcode: the operation
 * @flags: #NbNsFlags bits
 * @rcode: result code (0-15)
 * @questions: (element-type NbNsQuestion): never %NULL
 * @answers: (element-type NbNsRecord): never %NULL
 * @authority: (element-type NbNsRecord): never %NULL
 * @additional: (element-type NbNsRecord): never %NULL
 *
 * A name service packet. The section counts on the wire are the array
 * lengths. The pointer arrays own their records.
 *
 * Since: 0.1
 */
typedef struct {
  guint16 trn_id;
  gboolean response;
  NbNsOpcode opcode;
  guint16 flags;
  guint8 rcode;
  GArray *questions;
  GPtrArray *answers;
  GPtrArray *authority;
  GPtrArray *additional;
} NbNsPacket;

NbNsPacket *nb_ns_packet_new (void);
void nb_ns_packet_free (NbNsPacket *packet);
NbNsPacket *nb_ns_packet_copy (const NbNsPacket *packet);
gboolean nb_ns_packet_equal (const NbNsPacket *a, const NbNsPacket *b);

/* Appends a question (class IN). */
void nb_ns_packet_add_question (NbNsPacket *packet, const NbName *name, guint16 type);

/* The first question, or NULL. */
const NbNsQuestion *nb_ns_packet_question (const NbNsPacket *packet);
/* The record a request/response carries: the first answer, else the first
 * additional record, else NULL. */
const NbNsRecord *nb_ns_packet_record (const NbNsPacket *packet);

/**
 * nb_ns_packet_parse:
 * @data: a UDP payload
 * @len: its length
 * @ret: (out) (transfer full): the packet; untouched on failure
 * @error: return location for a #GError
 *
 * Parses a name service packet, all or nothing. Label compression is
 * followed in every name (backwards only, bounded). Accepts RA set or clear
 * in every response (PROTOCOL.md errata 9), does not check release TTLs
 * (errata 11), ignores the reserved flag bits. Unknown opcodes give
 * %NS_CODEC_ERROR_UNSUPPORTED, short input %NS_CODEC_ERROR_TRUNCATED, bytes
 * after the last record %NS_CODEC_ERROR_TRAILING_DATA, anything else that is
 * wrong %NS_CODEC_ERROR_MALFORMED.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_ns_packet_parse (const guint8 *data, gsize len, NbNsPacket **ret,
                             GError **error);

/**
 * nb_ns_peek_trn_id:
 * @data: (array length=len): the start of a name service packet, e.g. the
 *   part of a datagram an ICMP error message quoted
 * @len: its length
 * @ret_trn_id: (out): NAME_TRN_ID; untouched on failure
 *
 * Reads only NAME_TRN_ID, the first header field (RFC 1002 §4.2.1.1).
 *
 * Returns: %TRUE if @data is long enough to hold it
 *
 * Since: 0.2
 */
gboolean nb_ns_peek_trn_id (const guint8 *data, gsize len, guint16 *ret_trn_id);

/**
 * nb_ns_packet_build:
 * @packet: the packet
 * @out: array the packet is appended to; unchanged on failure
 * @error: return location for a #GError
 *
 * Builds a name service packet. As Samba does, an RR name equal to the
 * first question's name is written as the pointer `C0 0C` (RFC 1002 §4.1
 * label compression); every other name is written in full. Fails with
 * %NS_CODEC_ERROR_TOO_LARGE past %NB_NS_BUILD_MAX bytes or 65535 records in
 * a section, %NS_CODEC_ERROR_MALFORMED for an invalid scope, an RR whose
 * kind lacks its data, or a node status with more than 255 names.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_ns_packet_build (const NbNsPacket *packet, GByteArray *out,
                             GError **error);

/* Short names for logs: "query", "registration", ...; "FMT_ERR", ... */
const char *nb_ns_opcode_to_string (guint opcode);
const char *nb_ns_rcode_to_string (guint rcode);

/* Convenience constructors for the packets of RFC 1002 §4.2 / PROTOCOL.md
 * §1.4.3. All return a new packet (free with nb_ns_packet_free()). @nb_flags
 * is an NB_FLAGS word (G bit and ONT), @ipv4 in host byte order. */

/* NAME QUERY REQUEST (§4.2.12): opcode 0, type NB; B if @broadcast, RD if
 * @recursion_desired (Windows sets it on broadcasts too: flags 0x0110; a
 * WINS query needs it, errata 15). */
NbNsPacket *nb_ns_name_query_request_new (guint16 trn_id, const NbName *name,
                                          gboolean broadcast,
                                          gboolean recursion_desired);

/* POSITIVE NAME QUERY RESPONSE (§4.2.13): AA plus @extra_flags (copy RD from
 * the request; RA only as an NBNS), one NB answer with @n_entries entries. */
NbNsPacket *nb_ns_positive_query_response_new (guint16 trn_id, const NbName *name,
                                               guint16 extra_flags, guint32 ttl,
                                               const NbNsAddrEntry *entries,
                                               guint n_entries);

/* NEGATIVE NAME QUERY RESPONSE (§4.2.14): AA plus @extra_flags, @rcode, one
 * NULL answer with TTL 0 and no RDATA. */
NbNsPacket *nb_ns_negative_query_response_new (guint16 trn_id, const NbName *name,
                                               guint16 extra_flags, NbNsRcode rcode);

/* NAME REGISTRATION REQUEST (§4.2.2): opcode 5, RD; B if @broadcast (B-node:
 * flags 0x2910, TTL 0 like nmbd; WINS unicast: 0x2900). One additional NB
 * record pointing at the question (`C0 0C`). */
NbNsPacket *nb_ns_registration_request_new (guint16 trn_id, const NbName *name,
                                            gboolean broadcast, guint32 ttl,
                                            guint16 nb_flags, guint32 ipv4);

/* Multi-homed registration (MS-NBTE §2.2.2): as above with opcode 0xF and
 * RD, never broadcast (flags 0x7900; Samba uses it for unique names with
 * WINS, errata 15). */
NbNsPacket *nb_ns_multihomed_registration_request_new (guint16 trn_id,
                                                       const NbName *name,
                                                       guint32 ttl, guint16 nb_flags,
                                                       guint32 ipv4);

/* NAME REGISTRATION RESPONSE (§4.2.5/4.2.6): opcode 5, AA RD RA, @rcode (0 =
 * positive; ACT_ERR = a defence, flags 0xAD86), one NB answer. For an
 * end-node challenge response clear RA afterwards. */
NbNsPacket *nb_ns_registration_response_new (guint16 trn_id, const NbName *name,
                                             NbNsRcode rcode, guint32 ttl,
                                             guint16 nb_flags, guint32 ipv4);

/* NAME CONFLICT DEMAND (§4.2.8, errata 10): opcode 5, AA RD RA, CFT_ERR, one
 * NB answer with TTL 0, the owner's ONT from @nb_flags with G cleared, and
 * address 0.0.0.0. */
NbNsPacket *nb_ns_name_conflict_demand_new (guint16 trn_id, const NbName *name,
                                            guint16 nb_flags);

/* NAME RELEASE REQUEST (§4.2.9): opcode 6, RD clear, B if @broadcast; one
 * additional NB record (`C0 0C`) with @ttl (RFC: 0; nmbd sends its
 * registration TTL to WINS, errata 11). */
NbNsPacket *nb_ns_release_request_new (guint16 trn_id, const NbName *name,
                                       gboolean broadcast, guint32 ttl,
                                       guint16 nb_flags, guint32 ipv4);

/* NAME RELEASE RESPONSE (§4.2.10/4.2.11): opcode 6, AA, @rcode, one NB answer
 * with TTL 0. */
NbNsPacket *nb_ns_release_response_new (guint16 trn_id, const NbName *name,
                                        NbNsRcode rcode, guint16 nb_flags,
                                        guint32 ipv4);

/* NAME REFRESH REQUEST (§4.2.4): opcode 8 (nmbd), RD clear, B if @broadcast;
 * one additional NB record (`C0 0C`). */
NbNsPacket *nb_ns_refresh_request_new (guint16 trn_id, const NbName *name,
                                       gboolean broadcast, guint32 ttl,
                                       guint16 nb_flags, guint32 ipv4);

/* WACK RESPONSE (§4.2.16): opcode 7, AA, one answer of type NB (RFC figure,
 * Samba4) with @ttl = seconds to wait and RDATA = @request_flags, the
 * request's header flags word. */
NbNsPacket *nb_ns_wack_new (guint16 trn_id, const NbName *name, guint32 ttl,
                            guint16 request_flags);

/* NODE STATUS REQUEST (§4.2.17): opcode 0, type NBSTAT, no RD; B if
 * @broadcast. @name NULL = the wildcard '*' + 15 NULs. */
NbNsPacket *nb_ns_node_status_request_new (guint16 trn_id, const NbName *name,
                                           gboolean broadcast);

/* NODE STATUS RESPONSE (§4.2.18): opcode 0, AA, one NBSTAT answer with the
 * question's @name, TTL 0 and @status (transfer full). */
NbNsPacket *nb_ns_node_status_response_new (guint16 trn_id, const NbName *name,
                                            NbNsNodeStatus *status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NbNsNodeStatus, nb_ns_node_status_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NbNsRecord, nb_ns_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NbNsPacket, nb_ns_packet_free)

G_END_DECLS

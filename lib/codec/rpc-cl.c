/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/rpc-cl.h"

#include <string.h>

#include "netsend/ns-errors.h"
#include "rpc-ndr.h"

/* ---- UUIDs (C706 Appendix A) ---------------------------------------- */

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads @n hex digits at @s into @ret; FALSE on a non-hex character. */
static gboolean
hex_field (const char *s, guint n, guint64 *ret)
{
  guint64 v = 0;

  for (guint i = 0; i < n; i++) {
    int d = hex_value (s[i]);

    if (d < 0)
      return FALSE;
    v = (v << 4) | (guint) d;
  }
  *ret = v;
  return TRUE;
}

gboolean
rpc_uuid_parse (const char *str, RpcUuid *ret, GError **error)
{
  RpcUuid u;
  guint64 v1, v2, v3, v4, v5;

  g_return_val_if_fail (str != NULL, FALSE);
  g_return_val_if_fail (ret != NULL, FALSE);

  /* The string form is fixed: 8-4-4-4-12 hex digits (C706 Appendix A). */
  if (strlen (str) != RPC_UUID_STRING_LEN || str[8] != '-' || str[13] != '-' ||
      str[18] != '-' || str[23] != '-' || !hex_field (str, 8, &v1) ||
      !hex_field (str + 9, 4, &v2) || !hex_field (str + 14, 4, &v3) ||
      !hex_field (str + 19, 4, &v4) || !hex_field (str + 24, 12, &v5)) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                 "“%s” is not a UUID of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", str);
    return FALSE;
  }
  u.data1 = (guint32) v1;
  u.data2 = (guint16) v2;
  u.data3 = (guint16) v3;
  u.data4[0] = (guint8) (v4 >> 8);
  u.data4[1] = (guint8) v4;
  for (guint i = 0; i < 6; i++)
    u.data4[2 + i] = (guint8) (v5 >> (40 - 8 * i));
  *ret = u;
  return TRUE;
}

char *
rpc_uuid_to_string (const RpcUuid *uuid)
{
  g_return_val_if_fail (uuid != NULL, NULL);

  return g_strdup_printf ("%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          uuid->data1, uuid->data2, uuid->data3,
                          uuid->data4[0], uuid->data4[1], uuid->data4[2], uuid->data4[3],
                          uuid->data4[4], uuid->data4[5], uuid->data4[6], uuid->data4[7]);
}

gboolean
rpc_uuid_equal (const RpcUuid *a, const RpcUuid *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return a->data1 == b->data1 && a->data2 == b->data2 && a->data3 == b->data3 &&
         memcmp (a->data4, b->data4, sizeof a->data4) == 0;
}

gboolean
rpc_uuid_is_nil (const RpcUuid *uuid)
{
  static const RpcUuid nil;

  g_return_val_if_fail (uuid != NULL, FALSE);
  return rpc_uuid_equal (uuid, &nil);
}

void
rpc_uuid_generate (RpcUuid *ret)
{
  g_autofree char *s = g_uuid_string_random ();
  gboolean ok;

  g_return_if_fail (ret != NULL);
  ok = rpc_uuid_parse (s, ret, NULL);
  g_assert (ok);
}

/* ---- Names ------------------------------------------------------------ */

const char *
rpc_cl_ptype_name (guint8 ptype)
{
  static const char *const names[] = {
    "request", "ping", "response", "fault", "working", "nocall",
    "reject", "ack", "cl_cancel", "fack", "cancel_ack",
  };

  return ptype < G_N_ELEMENTS (names) ? names[ptype] : NULL;
}

const char *
rpc_cl_status_name (guint32 status)
{
  static const struct {
    guint32 status;
    const char *name;
  } names[] = {
    { RPC_NCA_S_COMM_FAILURE, "nca_s_comm_failure" },
    { RPC_NCA_S_OP_RNG_ERROR, "nca_s_op_rng_error" },
    { RPC_NCA_S_UNK_IF, "nca_s_unk_if" },
    { RPC_NCA_S_WRONG_BOOT_TIME, "nca_s_wrong_boot_time" },
    { RPC_NCA_S_YOU_CRASHED, "nca_s_you_crashed" },
    { RPC_NCA_S_PROTO_ERROR, "nca_s_proto_error" },
    { RPC_NCA_S_OUT_ARGS_TOO_BIG, "nca_s_out_args_too_big" },
    { RPC_NCA_S_SERVER_TOO_BUSY, "nca_s_server_too_busy" },
    { RPC_NCA_S_UNSUPPORTED_TYPE, "nca_s_unsupported_type" },
    { RPC_NCA_S_FAULT_INVALID_TAG, "nca_s_fault_invalid_tag" },
    { RPC_NCA_S_FAULT_INVALID_BOUND, "nca_s_fault_invalid_bound" },
    { RPC_NCA_S_RPC_VERSION_MISMATCH, "nca_s_rpc_version_mismatch" },
    { RPC_NCA_S_UNSPEC_REJECT, "nca_s_unspec_reject" },
    { RPC_NCA_S_BAD_ACTID, "nca_s_bad_actid" },
    { RPC_NCA_S_WHO_ARE_YOU_FAILED, "nca_s_who_are_you_failed" },
    { RPC_NCA_S_MANAGER_NOT_ENTERED, "nca_s_manager_not_entered" },
    { RPC_NCA_S_FAULT_CANCEL, "nca_s_fault_cancel" },
    { RPC_NCA_S_FAULT_UNSPEC, "nca_s_fault_unspec" },
    { RPC_NCA_S_FAULT_REMOTE_NO_MEMORY, "nca_s_fault_remote_no_memory" },
    { RPC_NCA_S_FAULT_NDR, "nca_s_fault_ndr" },
    { RPC_S_ACCESS_DENIED, "rpc_s_access_denied" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (names[i].status == status)
      return names[i].name;
  return NULL;
}

/* Offset of the len field in the header. */
#define RPC_CL_LEN_OFFSET 74

/* ---- Header ------------------------------------------------------------ */

void
rpc_cl_header_init (RpcClHeader *ret, RpcClPtype ptype)
{
  g_return_if_fail (ret != NULL);

  *ret = (RpcClHeader) {
    .ptype = ptype,
    .drep = { RPC_DREP_INT_LITTLE_ENDIAN | RPC_DREP_CHAR_ASCII, RPC_DREP_FLOAT_IEEE, 0 },
    .ihint = RPC_CL_HINT_NONE,
    .ahint = RPC_CL_HINT_NONE,
  };
}

void
rpc_cl_header_init_reply (RpcClHeader *ret, const RpcClHeader *request, RpcClPtype ptype,
                          guint32 server_boot)
{
  g_return_if_fail (ret != NULL && request != NULL);

  /* A reply names the same call: object, interface, activity, sequence
   * number and operation (MS-RPCE §3.2.3; PROTOCOL.md §4.5 step 7).
   * We always answer in our own (little-endian) representation: the
   * receiver makes it right (C706 ch. 14, format label). */
  rpc_cl_header_init (ret, ptype);
  ret->object = request->object;
  ret->if_id = request->if_id;
  ret->act_id = request->act_id;
  ret->if_vers = request->if_vers;
  ret->seqnum = request->seqnum;
  ret->opnum = request->opnum;
  ret->server_boot = server_boot;
}

gboolean
rpc_cl_header_is_little_endian (const RpcClHeader *hdr)
{
  g_return_val_if_fail (hdr != NULL, FALSE);
  return ndr_drep_is_le (hdr->drep);
}

/* C706 ch. 14, format label defines integer 0/1, character 0/1 and floating point 0-3.
 * Any of them is legal, so we accept every defined combination here; the
 * CL header itself holds no characters or floats. Stub decoders that do
 * (NetrSendMessage's strings) refuse EBCDIC themselves. */
static gboolean
check_drep (const guint8 *drep, GError **error)
{
  guint int_rep = drep[0] >> 4, char_rep = drep[0] & 0x0F;

  if (int_rep > 1 || char_rep > 1 || drep[1] > RPC_DREP_FLOAT_IBM) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                 "connectionless RPC header: undefined data representation %02x %02x "
                 "(integer 0-1, character 0-1 and floating point 0-3 are defined)",
                 drep[0], drep[1]);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_start (guint8 vers, guint8 ptype, const guint8 *drep, GError **error)
{
  if (vers != RPC_CL_VERSION) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
                 "connectionless RPC header: rpc_vers is %u, expected %u", vers,
                 RPC_CL_VERSION);
    return FALSE;
  }
  if (ptype > RPC_CL_PTYPE_LAST) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                 "connectionless RPC header: packet type %u is not a connectionless "
                 "type (0-10)", ptype);
    return FALSE;
  }
  return check_drep (drep, error);
}

gboolean
rpc_cl_header_parse (const guint8 *data, gsize len, RpcClHeader *ret, GError **error)
{
  NbReader r;
  RpcClHeader h = { 0 };
  guint8 vers = 0, serial_hi = 0, serial_lo = 0;
  gboolean le;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret != NULL, FALSE);

  if (len < RPC_CL_HEADER_LEN) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRUNCATED,
                 "connectionless RPC header truncated: %u bytes needed, %" G_GSIZE_FORMAT
                 " received", RPC_CL_HEADER_LEN, len);
    return FALSE;
  }
  nb_reader_init (&r, data, RPC_CL_HEADER_LEN);
  nb_reader_u8 (&r, &vers);
  nb_reader_u8 (&r, &h.ptype);
  nb_reader_u8 (&r, &h.flags1);
  nb_reader_u8 (&r, &h.flags2);
  nb_reader_copy (&r, h.drep, sizeof h.drep);
  nb_reader_u8 (&r, &serial_hi);
  if (!check_start (vers, h.ptype, h.drep, error))
    return FALSE;

  /* Offsets 8-79 follow drep (C706 §12.5.1; PROTOCOL.md §4.2). */
  le = ndr_drep_is_le (h.drep);
  ndr_read_uuid (&r, le, &h.object);
  ndr_read_uuid (&r, le, &h.if_id);
  ndr_read_uuid (&r, le, &h.act_id);
  ndr_read_u32 (&r, le, &h.server_boot);
  ndr_read_u32 (&r, le, &h.if_vers);
  ndr_read_u32 (&r, le, &h.seqnum);
  ndr_read_u16 (&r, le, &h.opnum);
  ndr_read_u16 (&r, le, &h.ihint);
  ndr_read_u16 (&r, le, &h.ahint);
  ndr_read_u16 (&r, le, &h.body_len);
  ndr_read_u16 (&r, le, &h.fragnum);
  nb_reader_u8 (&r, &h.auth_proto);
  nb_reader_u8 (&r, &serial_lo);
  if (!nb_reader_finish (&r, "connectionless RPC header", error))
    return FALSE;
  h.serial = (guint16) ((serial_hi << 8) | serial_lo);
  *ret = h;
  return TRUE;
}

static void
write_header (NbWriter *w, const RpcClHeader *h, guint16 body_len)
{
  gboolean le = ndr_drep_is_le (h->drep);

  nb_writer_u8 (w, RPC_CL_VERSION);
  nb_writer_u8 (w, h->ptype);
  nb_writer_u8 (w, h->flags1);
  nb_writer_u8 (w, h->flags2);
  nb_writer_bytes (w, h->drep, sizeof h->drep);
  nb_writer_u8 (w, (guint8) (h->serial >> 8));
  ndr_write_uuid (w, le, &h->object);
  ndr_write_uuid (w, le, &h->if_id);
  ndr_write_uuid (w, le, &h->act_id);
  ndr_write_u32 (w, le, h->server_boot);
  ndr_write_u32 (w, le, h->if_vers);
  ndr_write_u32 (w, le, h->seqnum);
  ndr_write_u16 (w, le, h->opnum);
  ndr_write_u16 (w, le, h->ihint);
  ndr_write_u16 (w, le, h->ahint);
  ndr_write_u16 (w, le, body_len);
  ndr_write_u16 (w, le, h->fragnum);
  nb_writer_u8 (w, h->auth_proto);
  nb_writer_u8 (w, (guint8) (h->serial & 0xFF));
}

/* ---- Packets ----------------------------------------------------------- */

RpcClPacket *
rpc_cl_packet_new (RpcClPtype ptype)
{
  RpcClPacket *pkt = g_new0 (RpcClPacket, 1);

  rpc_cl_header_init (&pkt->header, ptype);
  return pkt;
}

void
rpc_cl_packet_free (RpcClPacket *pkt)
{
  if (pkt == NULL)
    return;
  g_clear_pointer (&pkt->body, g_bytes_unref);
  g_clear_pointer (&pkt->auth_verifier, g_bytes_unref);
  g_free (pkt->fack.selack);
  g_free (pkt);
}

void
rpc_cl_packet_set_body (RpcClPacket *pkt, const guint8 *data, gsize len)
{
  GBytes *body;

  g_return_if_fail (pkt != NULL);
  g_return_if_fail (data != NULL || len == 0);

  /* Copy first: @data may point into the old body. */
  body = g_bytes_new (data, len);
  g_clear_pointer (&pkt->body, g_bytes_unref);
  pkt->body = body;
}

/* FACK body (C706 §12.5.3): vers u8, pad u8, window_size u16, max_tsdu
 * u32, max_frag_size u32, serial_num u16, selack_len u16, selack u32[].
 * Versions 0 and 1 share this layout. */
static gboolean
parse_fack (NbReader *r, gboolean le, RpcClFack *ret)
{
  RpcClFack f = { 0 };

  nb_reader_u8 (r, &f.version);
  nb_reader_skip (r, 1);
  if (nb_reader_ok (r) && f.version > 1)
    return nb_reader_fail (r, "unknown FACK body version");
  ndr_read_u16 (r, le, &f.window_size);
  ndr_read_u32 (r, le, &f.max_tsdu);
  ndr_read_u32 (r, le, &f.max_frag_size);
  ndr_read_u16 (r, le, &f.serial_num);
  ndr_read_u16 (r, le, &f.selack_len);
  /* Bound the allocation by what is really there before allocating. */
  if (!nb_reader_ok (r) || (gsize) f.selack_len * 4 > nb_reader_remaining (r))
    return nb_reader_fail (r, "FACK selective acknowledgement longer than the body");
  if (f.selack_len > 0) {
    f.selack = g_new (guint32, f.selack_len);
    for (guint i = 0; i < f.selack_len; i++)
      ndr_read_u32 (r, le, &f.selack[i]);
  }
  *ret = f;
  return TRUE;
}

/* CANCEL_ACK (C706 §12.5.3): vers u32, cancel_id u32, then an NDR boolean
 * (1 byte) server_is_accepting. Samba's IDL declares a 32-bit boolean; a
 * 12-byte body is read that way. */
static gboolean
parse_cancel_ack (NbReader *r, gboolean le, RpcClPacket *pkt)
{
  guint32 accepting32 = 0;
  guint8 accepting8 = 0;

  ndr_read_u32 (r, le, &pkt->cancel_version);
  ndr_read_u32 (r, le, &pkt->cancel_id);
  if (nb_reader_remaining (r) >= 4) {
    ndr_read_u32 (r, le, &accepting32);
    pkt->server_is_accepting = accepting32 != 0;
  } else {
    nb_reader_u8 (r, &accepting8);
    pkt->server_is_accepting = accepting8 != 0;
  }
  return nb_reader_ok (r);
}

/* Decodes the typed part of the body into @pkt. Trailing bytes after a
 * typed body are an error except for CANCEL_ACK (see above). */
static gboolean
parse_typed_body (RpcClPacket *pkt, const guint8 *body, gsize len, GError **error)
{
  NbReader r;
  gboolean le = ndr_drep_is_le (pkt->header.drep);
  const char *what = rpc_cl_ptype_name (pkt->header.ptype);

  ndr_reader_init (&r, body, len);
  switch (pkt->header.ptype) {
  case RPC_CL_PTYPE_FAULT:
  case RPC_CL_PTYPE_REJECT:
    ndr_read_u32 (&r, le, &pkt->status);
    nb_reader_expect_end (&r);
    break;
  case RPC_CL_PTYPE_CL_CANCEL:
    ndr_read_u32 (&r, le, &pkt->cancel_version);
    ndr_read_u32 (&r, le, &pkt->cancel_id);
    nb_reader_expect_end (&r);
    break;
  case RPC_CL_PTYPE_CANCEL_ACK:
    parse_cancel_ack (&r, le, pkt);
    break;
  case RPC_CL_PTYPE_NOCALL:
    /* NOCALL may carry a FACK body (C706 §12.5.3). */
    if (len == 0)
      break;
    G_GNUC_FALLTHROUGH;
  case RPC_CL_PTYPE_FACK:
    if (parse_fack (&r, le, &pkt->fack))
      pkt->has_fack = TRUE;
    nb_reader_expect_end (&r);
    break;
  default:
    /* REQUEST/RESPONSE carry stub data; PING, WORKING and ACK have no
     * body in C706, but a body is kept, not refused. */
    break;
  }
  return nb_reader_finish (&r, what, error);
}

RpcClPacket *
rpc_cl_packet_parse (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (RpcClPacket) pkt = g_new0 (RpcClPacket, 1);
  NbReader r;
  gsize after;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (!rpc_cl_header_parse (data, len, &pkt->header, error))
    return NULL;
  after = len - RPC_CL_HEADER_LEN;
  if (pkt->header.body_len > after) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRUNCATED,
                 "connectionless RPC %s: body length is %u but only %" G_GSIZE_FORMAT
                 " bytes follow the header", rpc_cl_ptype_name (pkt->header.ptype),
                 pkt->header.body_len, after);
    return NULL;
  }
  /* Without authentication nothing may follow the body; with it, the
   * verifier does, outside len (C706 §12.5.2). */
  if (pkt->header.auth_proto == 0 && after > pkt->header.body_len) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRAILING_DATA,
                 "connectionless RPC %s: body length is %u but %" G_GSIZE_FORMAT
                 " bytes follow the header", rpc_cl_ptype_name (pkt->header.ptype),
                 pkt->header.body_len, after);
    return NULL;
  }
  nb_reader_init (&r, data, len);
  nb_reader_skip (&r, RPC_CL_HEADER_LEN);
  nb_reader_dup (&r, pkt->header.body_len, &pkt->body);
  if (nb_reader_remaining (&r) > 0)
    nb_reader_dup (&r, nb_reader_remaining (&r), &pkt->auth_verifier);
  if (!nb_reader_finish (&r, "connectionless RPC packet", error))
    return NULL;
  if (!parse_typed_body (pkt, g_bytes_get_data (pkt->body, NULL), pkt->header.body_len, error))
    return NULL;
  return g_steal_pointer (&pkt);
}

static void
write_fack (NbWriter *w, gboolean le, const RpcClFack *f)
{
  nb_writer_u8 (w, f->version);
  nb_writer_u8 (w, 0);
  ndr_write_u16 (w, le, f->window_size);
  ndr_write_u32 (w, le, f->max_tsdu);
  ndr_write_u32 (w, le, f->max_frag_size);
  ndr_write_u16 (w, le, f->serial_num);
  ndr_write_u16 (w, le, f->selack_len);
  if (f->selack_len > 0 && f->selack == NULL) {
    nb_writer_fail (w, "FACK selack_len without selack words");
    return;
  }
  for (guint i = 0; i < f->selack_len; i++)
    ndr_write_u32 (w, le, f->selack[i]);
}

/* Appends the body: @pkt->body verbatim when set, else the typed fields. */
static void
write_body (NbWriter *w, const RpcClPacket *pkt)
{
  gboolean le = ndr_drep_is_le (pkt->header.drep);
  gsize len = 0;
  const guint8 *data;

  if (pkt->body != NULL) {
    data = g_bytes_get_data (pkt->body, &len);
    nb_writer_bytes (w, data, len);
    return;
  }
  switch (pkt->header.ptype) {
  case RPC_CL_PTYPE_FAULT:
  case RPC_CL_PTYPE_REJECT:
    ndr_write_u32 (w, le, pkt->status);
    break;
  case RPC_CL_PTYPE_CL_CANCEL:
    ndr_write_u32 (w, le, pkt->cancel_version);
    ndr_write_u32 (w, le, pkt->cancel_id);
    break;
  case RPC_CL_PTYPE_CANCEL_ACK:
    ndr_write_u32 (w, le, pkt->cancel_version);
    ndr_write_u32 (w, le, pkt->cancel_id);
    nb_writer_u8 (w, pkt->server_is_accepting ? 1 : 0);
    break;
  case RPC_CL_PTYPE_FACK:
  case RPC_CL_PTYPE_NOCALL:
    if (pkt->has_fack)
      write_fack (w, le, &pkt->fack);
    break;
  default:
    break;
  }
}

gboolean
rpc_cl_packet_build (const RpcClPacket *pkt, GByteArray *out, GError **error)
{
  NbWriter w;
  gsize body_len;
  const guint8 *verifier;
  gsize verifier_len = 0;

  g_return_val_if_fail (pkt != NULL && out != NULL, FALSE);

  if (pkt->header.ptype > RPC_CL_PTYPE_LAST || !check_drep (pkt->header.drep, error)) {
    if (pkt->header.ptype > RPC_CL_PTYPE_LAST)
      g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                   "cannot build connectionless RPC packet of type %u", pkt->header.ptype);
    return FALSE;
  }
  nb_writer_init (&w, out, G_MAXSIZE);
  /* The header goes first with len 0; len is patched once the body is
   * written (offset 74, C706 §12.5.1). */
  write_header (&w, &pkt->header, 0);
  write_body (&w, pkt);
  body_len = nb_writer_len (&w) - RPC_CL_HEADER_LEN;
  if (body_len > RPC_CL_MAX_BODY)
    nb_writer_fail (&w, "body longer than 65535 bytes");
  else if (ndr_drep_is_le (pkt->header.drep))
    nb_writer_patch_le16 (&w, RPC_CL_LEN_OFFSET, (guint16) body_len);
  else
    nb_writer_patch_be16 (&w, RPC_CL_LEN_OFFSET, (guint16) body_len);
  if (pkt->auth_verifier != NULL) {
    verifier = g_bytes_get_data (pkt->auth_verifier, &verifier_len);
    if (pkt->header.auth_proto == 0 && verifier_len > 0)
      nb_writer_fail (&w, "authentication verifier with auth_proto 0");
    nb_writer_bytes (&w, verifier, verifier_len);
  }
  if (!nb_writer_finish (&w, "connectionless RPC packet", error))
    return FALSE;
  return TRUE;
}

gboolean
rpc_cl_build_status (const RpcClHeader *hdr, guint32 status, GByteArray *out, GError **error)
{
  g_autoptr (RpcClPacket) pkt = g_new0 (RpcClPacket, 1);

  g_return_val_if_fail (hdr != NULL && out != NULL, FALSE);

  if (hdr->ptype != RPC_CL_PTYPE_FAULT && hdr->ptype != RPC_CL_PTYPE_REJECT) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                 "a status body belongs to a fault or reject, not a %s",
                 rpc_cl_ptype_name (hdr->ptype) ? rpc_cl_ptype_name (hdr->ptype) : "packet");
    return FALSE;
  }
  pkt->header = *hdr;
  pkt->status = status;
  return rpc_cl_packet_build (pkt, out, error);
}

/* ---- Fragment reassembly --
 *
 * One RpcClReasm collects the fragments of one call (activity + sequence
 * number) in a table indexed by fragnum. Both bounds are checked before
 * anything is stored, so a peer cannot make it hold more than @max_body
 * bytes or @max_frags slots. Flow control (sending FACKs) is the caller's. */

struct _RpcClReasm {
  gsize max_body;
  guint max_frags;
  gboolean started;
  gboolean done;
  RpcUuid act_id;
  guint32 seqnum;
  GPtrArray *frags; /* GBytes * or NULL, indexed by fragnum */
  gint64 last_fragnum; /* -1 until the LASTFRAG fragment arrived */
  gsize total;
};

/* Missing fragments are NULL slots, which g_bytes_unref() would refuse. */
static void
bytes_unref0 (gpointer bytes)
{
  if (bytes != NULL)
    g_bytes_unref (bytes);
}

RpcClReasm *
rpc_cl_reasm_new (gsize max_body, guint max_frags)
{
  RpcClReasm *reasm;

  g_return_val_if_fail (max_frags > 0, NULL);

  reasm = g_new0 (RpcClReasm, 1);
  reasm->max_body = max_body;
  reasm->max_frags = max_frags;
  reasm->frags = g_ptr_array_new_with_free_func (bytes_unref0);
  reasm->last_fragnum = -1;
  return reasm;
}

void
rpc_cl_reasm_free (RpcClReasm *reasm)
{
  if (reasm == NULL)
    return;
  g_ptr_array_unref (reasm->frags);
  g_free (reasm);
}

guint
rpc_cl_reasm_next_fragnum (const RpcClReasm *reasm)
{
  guint i = 0;

  g_return_val_if_fail (reasm != NULL, 0);
  while (i < reasm->frags->len && g_ptr_array_index (reasm->frags, i) != NULL)
    i++;
  return i;
}

static gboolean
reasm_is_duplicate (const RpcClReasm *reasm, const RpcClHeader *h)
{
  return reasm->done || (h->fragnum < reasm->frags->len &&
                         g_ptr_array_index (reasm->frags, h->fragnum) != NULL);
}

static gboolean
reasm_check (const RpcClReasm *reasm, const RpcClHeader *h, gsize len, GError **error)
{
  const char *problem = NULL;
  NsCodecError code = NS_CODEC_ERROR_MALFORMED;

  if (h->fragnum >= reasm->max_frags)
    problem = "is beyond the fragment limit", code = NS_CODEC_ERROR_TOO_LARGE;
  else if (!(h->flags1 & RPC_CL_FLAGS1_FRAG) && (h->fragnum != 0 || reasm->frags->len > 0))
    problem = "is not marked as a fragment";
  else if (reasm->last_fragnum >= 0 && h->fragnum > reasm->last_fragnum)
    problem = "comes after the last fragment";
  else if ((h->flags1 & RPC_CL_FLAGS1_LASTFRAG) && reasm->last_fragnum >= 0 &&
           h->fragnum != reasm->last_fragnum)
    problem = "claims to be last but another fragment was";
  else if ((h->flags1 & RPC_CL_FLAGS1_LASTFRAG) && h->fragnum + 1u < reasm->frags->len)
    problem = "claims to be last but a later fragment arrived";
  else if (len > reasm->max_body - MIN (reasm->total, reasm->max_body))
    problem = "makes the request longer than the limit", code = NS_CODEC_ERROR_TOO_LARGE;
  if (problem == NULL)
    return TRUE;
  g_set_error (error, NS_CODEC_ERROR, code,
               "connectionless RPC fragment %u (seqnum %u) %s", h->fragnum, h->seqnum,
               problem);
  return FALSE;
}

static GBytes *
reasm_join (RpcClReasm *reasm)
{
  g_autoptr (GByteArray) all = g_byte_array_sized_new ((guint) reasm->total);

  for (guint i = 0; i < reasm->frags->len; i++) {
    gsize n;
    const guint8 *p = g_bytes_get_data (g_ptr_array_index (reasm->frags, i), &n);

    g_byte_array_append (all, p, (guint) n);
  }
  reasm->done = TRUE;
  g_ptr_array_set_size (reasm->frags, 0);
  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

gboolean
rpc_cl_reasm_add (RpcClReasm *reasm, const RpcClPacket *frag, GBytes **ret_body,
                  GError **error)
{
  const RpcClHeader *h;
  gsize len = 0;

  g_return_val_if_fail (reasm != NULL && frag != NULL && ret_body != NULL, FALSE);

  h = &frag->header;
  if (frag->body != NULL)
    len = g_bytes_get_size (frag->body);
  if (reasm->started &&
      (!rpc_uuid_equal (&h->act_id, &reasm->act_id) || h->seqnum != reasm->seqnum)) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                 "connectionless RPC fragment %u (seqnum %u) belongs to another call",
                 h->fragnum, h->seqnum);
    return FALSE;
  }
  /* Retransmissions (a fragnum we hold, or anything after completion) are
   * dropped quietly: UDP duplicates are normal. */
  if (reasm->started && reasm_is_duplicate (reasm, h)) {
    *ret_body = NULL;
    return TRUE;
  }
  if (!reasm_check (reasm, h, len, error))
    return FALSE;
  reasm->started = TRUE;
  reasm->act_id = h->act_id;
  reasm->seqnum = h->seqnum;
  /* An unfragmented PDU is complete by itself. */
  if (!(h->flags1 & RPC_CL_FLAGS1_FRAG) && reasm->frags->len == 0) {
    reasm->done = TRUE;
    *ret_body = frag->body != NULL ? g_bytes_ref (frag->body) : g_bytes_new (NULL, 0);
    return TRUE;
  }
  if (h->fragnum >= reasm->frags->len)
    g_ptr_array_set_size (reasm->frags, h->fragnum + 1);
  g_ptr_array_index (reasm->frags, h->fragnum) =
    frag->body != NULL ? g_bytes_ref (frag->body) : g_bytes_new (NULL, 0);
  reasm->total += len;
  if (h->flags1 & RPC_CL_FLAGS1_LASTFRAG)
    reasm->last_fragnum = h->fragnum;
  if (reasm->last_fragnum >= 0 && rpc_cl_reasm_next_fragnum (reasm) == reasm->last_fragnum + 1)
    *ret_body = reasm_join (reasm);
  else
    *ret_body = NULL;
  return TRUE;
}

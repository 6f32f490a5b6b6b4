/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/rpc-msgsvc.h"

#include <string.h>

#include "netsend/ns-errors.h"
#include "rpc-ndr.h"

#define DEFAULT_CODEPAGE "CP850"

/* The wire order of the three [in, string] arguments (MS-MSRP §3.2.4.1). */
static const char *const field_names[] = { "From", "To", "Text" };

/* ---- Arguments ------------------------------------------------------- */

RpcMsgsvcSend *
rpc_msgsvc_send_new (const char *from_oem, const char *to_oem, const char *text_oem)
{
  RpcMsgsvcSend *args;

  g_return_val_if_fail (from_oem != NULL && to_oem != NULL && text_oem != NULL, NULL);

  args = g_new0 (RpcMsgsvcSend, 1);
  args->from = g_strdup (from_oem);
  args->to = g_strdup (to_oem);
  args->text = g_strdup (text_oem);
  return args;
}

void
rpc_msgsvc_send_free (RpcMsgsvcSend *args)
{
  if (args == NULL)
    return;
  g_free (args->from);
  g_free (args->to);
  g_free (args->text);
  g_free (args);
}

static char *
utf8_to_oem (const char *utf8, const char *codepage, const char *field, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *oem = NULL;
  gsize len = 0;

  if (!g_utf8_validate (utf8, -1, NULL)) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION,
                 "NetrSendMessage %s is not valid UTF-8", field);
    return NULL;
  }
  /* Unrepresentable characters become '?' (PROTOCOL.md §5.1). */
  oem = g_convert_with_fallback (utf8, -1, codepage, "UTF-8", "?", NULL, &len, &local);
  if (oem == NULL) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION,
                 "cannot convert NetrSendMessage %s to %s: %s", field, codepage,
                 local->message);
    return NULL;
  }
  /* A [string] ends at its first NUL; a code page that produces NUL bytes
   * (UTF-16, say) cannot be carried. */
  if (memchr (oem, 0, len) != NULL) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION,
                 "NetrSendMessage %s contains a NUL byte in %s", field, codepage);
    return NULL;
  }
  return g_steal_pointer (&oem);
}

RpcMsgsvcSend *
rpc_msgsvc_send_new_from_utf8 (const char *from, const char *to, const char *text,
                               const char *codepage, GError **error)
{
  g_autoptr (RpcMsgsvcSend) args = g_new0 (RpcMsgsvcSend, 1);

  g_return_val_if_fail (from != NULL && to != NULL && text != NULL, NULL);

  if (codepage == NULL)
    codepage = DEFAULT_CODEPAGE;
  args->from = utf8_to_oem (from, codepage, field_names[0], error);
  if (args->from == NULL)
    return NULL;
  args->to = utf8_to_oem (to, codepage, field_names[1], error);
  if (args->to == NULL)
    return NULL;
  args->text = utf8_to_oem (text, codepage, field_names[2], error);
  if (args->text == NULL)
    return NULL;
  return g_steal_pointer (&args);
}

static char *
oem_to_utf8 (const char *oem, const char *codepage, const char *field, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *utf8;

  utf8 = g_convert (oem, -1, "UTF-8", codepage, NULL, NULL, &local);
  if (utf8 == NULL)
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_CONVERSION,
                 "cannot convert NetrSendMessage %s from %s: %s", field, codepage,
                 local->message);
  return utf8;
}

gboolean
rpc_msgsvc_send_to_utf8 (const RpcMsgsvcSend *args, const char *codepage, char **ret_from,
                         char **ret_to, char **ret_text, GError **error)
{
  g_autofree char *from = NULL, *to = NULL, *text = NULL;

  g_return_val_if_fail (args != NULL, FALSE);

  if (codepage == NULL)
    codepage = DEFAULT_CODEPAGE;
  from = oem_to_utf8 (args->from, codepage, field_names[0], error);
  if (from == NULL)
    return FALSE;
  to = oem_to_utf8 (args->to, codepage, field_names[1], error);
  if (to == NULL)
    return FALSE;
  text = oem_to_utf8 (args->text, codepage, field_names[2], error);
  if (text == NULL)
    return FALSE;
  if (ret_from != NULL)
    *ret_from = g_steal_pointer (&from);
  if (ret_to != NULL)
    *ret_to = g_steal_pointer (&to);
  if (ret_text != NULL)
    *ret_text = g_steal_pointer (&text);
  return TRUE;
}

/* ---- NDR stub ------------------------------------------------------------ */

static gsize
effective_cap (gsize max_stub)
{
  return max_stub == 0 ? RPC_MSGSVC_DEFAULT_MAX_STUB : max_stub;
}

static gboolean
check_char_rep (const guint8 *drep, GError **error)
{
  /* The strings are 8-bit characters; EBCDIC would need a translation
   * table nobody has used with Messenger (C706 ch. 14 allows it). */
  if ((drep[0] & 0x0F) != RPC_DREP_CHAR_ASCII) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
                 "NetrSendMessage stub: EBCDIC character representation is not supported");
    return FALSE;
  }
  return TRUE;
}

/* Turns a reader failure inside string @field into a GError naming it. */
static gboolean
string_truncated (const NbReader *r, const char *field, GError **error)
{
  g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TRUNCATED,
               "NetrSendMessage stub truncated in %s: needed %" G_GSIZE_FORMAT
               " bytes at offset %" G_GSIZE_FORMAT ", only %" G_GSIZE_FORMAT " left",
               field, r->fail_need, r->fail_pos, r->len - r->fail_pos);
  return FALSE;
}

static gboolean
check_counts (guint32 max_count, guint32 offset, guint32 actual, gsize cap, gsize pos,
              const char *field, GError **error)
{
  if (offset != 0)
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                 "NetrSendMessage %s at offset %" G_GSIZE_FORMAT ": varying-array offset is "
                 "%u, expected 0", field, pos, offset);
  else if (actual == 0)
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                 "NetrSendMessage %s at offset %" G_GSIZE_FORMAT ": actual count is 0, a "
                 "[string] holds at least its NUL", field, pos);
  else if (actual > max_count)
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                 "NetrSendMessage %s at offset %" G_GSIZE_FORMAT ": actual count %u exceeds "
                 "max count %u", field, pos, actual, max_count);
  else if (actual > cap)
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE,
                 "NetrSendMessage %s at offset %" G_GSIZE_FORMAT ": %u chars exceed the "
                 "limit of %" G_GSIZE_FORMAT, field, pos, actual, cap);
  else
    return TRUE;
  return FALSE;
}

/* One [string] char* (C706 ch. 14 conformant varying string): align 4 to
 * the stub start, max_count, offset, actual_count, chars with the NUL.
 * Returns the chars without the NUL, pointing into the stub. */
static gboolean
read_string (NbReader *r, gboolean le, gsize cap, const char *field, const guint8 **ret,
             gsize *ret_len, GError **error)
{
  guint32 max_count = 0, offset = 0, actual = 0;
  gsize start;
  const guint8 *chars = NULL;

  nb_reader_align (r, 0, 4);
  start = nb_reader_pos (r);
  ndr_read_u32 (r, le, &max_count);
  ndr_read_u32 (r, le, &offset);
  ndr_read_u32 (r, le, &actual);
  if (!nb_reader_ok (r))
    return string_truncated (r, field, error);
  if (!check_counts (max_count, offset, actual, cap, start, field, error))
    return FALSE;
  if (!nb_reader_bytes (r, actual, &chars))
    return string_truncated (r, field, error);
  if (chars[actual - 1] != 0 || memchr (chars, 0, actual - 1) != NULL) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                 "NetrSendMessage %s at offset %" G_GSIZE_FORMAT ": %s", field, start,
                 chars[actual - 1] != 0 ? "the last char is not NUL"
                                        : "a NUL comes before the last char");
    return FALSE;
  }
  *ret = chars;
  *ret_len = actual - 1;
  return TRUE;
}

gboolean
rpc_msgsvc_send_stub_parse (const guint8 *stub, gsize len, const guint8 *drep, gsize max_stub,
                            RpcMsgsvcSend **ret, GError **error)
{
  g_autoptr (RpcMsgsvcSend) args = g_new0 (RpcMsgsvcSend, 1);
  char **slots[] = { &args->from, &args->to, &args->text };
  gsize cap = effective_cap (max_stub);
  gboolean le;
  NbReader r;

  g_return_val_if_fail (stub != NULL || len == 0, FALSE);
  g_return_val_if_fail (drep != NULL && ret != NULL, FALSE);

  if (!check_char_rep (drep, error))
    return FALSE;
  if (len > cap) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE,
                 "NetrSendMessage stub of %" G_GSIZE_FORMAT " bytes exceeds the limit of %"
                 G_GSIZE_FORMAT, len, cap);
    return FALSE;
  }
  le = ndr_drep_is_le (drep);
  ndr_reader_init (&r, stub, len);
  for (guint i = 0; i < G_N_ELEMENTS (slots); i++) {
    const guint8 *chars;
    gsize n;

    if (!read_string (&r, le, cap, field_names[i], &chars, &n, error))
      return FALSE;
    *slots[i] = g_strndup ((const char *) chars, n);
  }
  /* Bytes after Text are not refused: they can only be padding, which NDR
   * receivers ignore (PROTOCOL.md §4.6). */
  *ret = g_steal_pointer (&args);
  return TRUE;
}

static void
write_string (NbWriter *w, gboolean le, const char *s)
{
  gsize n = strlen (s) + 1;

  if (n > G_MAXUINT32) {
    nb_writer_fail (w, "string longer than 4 GiB");
    return;
  }
  nb_writer_align (w, 0, 4);
  ndr_write_u32 (w, le, (guint32) n);
  ndr_write_u32 (w, le, 0);
  ndr_write_u32 (w, le, (guint32) n);
  nb_writer_bytes (w, s, n);
}

gboolean
rpc_msgsvc_send_stub_build (const RpcMsgsvcSend *args, const guint8 *drep, gsize max_stub,
                            GByteArray *out, GError **error)
{
  NbWriter w;
  gboolean le;

  g_return_val_if_fail (args != NULL && args->from != NULL && args->to != NULL &&
                        args->text != NULL, FALSE);
  g_return_val_if_fail (drep != NULL && out != NULL, FALSE);

  if (!check_char_rep (drep, error))
    return FALSE;
  le = ndr_drep_is_le (drep);
  nb_writer_init (&w, out, effective_cap (max_stub));
  write_string (&w, le, args->from);
  write_string (&w, le, args->to);
  write_string (&w, le, args->text);
  return nb_writer_finish (&w, "NetrSendMessage stub", error);
}

gboolean
rpc_msgsvc_status_stub_parse (const guint8 *stub, gsize len, const guint8 *drep,
                              guint32 *ret_status, GError **error)
{
  NbReader r;
  guint32 status = 0;

  g_return_val_if_fail (stub != NULL || len == 0, FALSE);
  g_return_val_if_fail (drep != NULL && ret_status != NULL, FALSE);

  ndr_reader_init (&r, stub, len);
  ndr_read_u32 (&r, ndr_drep_is_le (drep), &status);
  nb_reader_expect_end (&r);
  if (!nb_reader_finish (&r, "NetrSendMessage response stub", error))
    return FALSE;
  *ret_status = status;
  return TRUE;
}

void
rpc_msgsvc_status_stub_build (guint32 status, const guint8 *drep, GByteArray *out)
{
  NbWriter w;

  g_return_if_fail (drep != NULL && out != NULL);

  nb_writer_init (&w, out, 4);
  ndr_write_u32 (&w, ndr_drep_is_le (drep), status);
  g_assert (nb_writer_ok (&w));
}

/* ---- Calls ------------------------------------------------------------- */

const RpcUuid *
rpc_msgsvc_send_interface_id (void)
{
  /* 5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fc (MS-MSRP §6.1). */
  static const RpcUuid id = {
    0x5a7b91f8, 0xff00, 0x11d0, { 0xa9, 0xb2, 0x00, 0xc0, 0x4f, 0xb6, 0xe6, 0xfc }
  };

  return &id;
}

gboolean
rpc_msgsvc_check_call (const RpcClHeader *hdr, guint32 *ret_reject_status)
{
  guint32 status;

  g_return_val_if_fail (hdr != NULL, FALSE);

  /* We serve 1.0: the major must match and the client's minor may not be
   * above ours (0), so if_vers must be exactly 1. */
  if (!rpc_uuid_equal (&hdr->if_id, rpc_msgsvc_send_interface_id ()) ||
      hdr->if_vers != RPC_MSGSVC_SEND_IF_VERS)
    status = RPC_NCA_S_UNK_IF;
  else if (hdr->opnum != RPC_MSGSVC_OPNUM_SEND_MESSAGE)
    status = RPC_NCA_S_OP_RNG_ERROR;
  else
    return TRUE;
  if (ret_reject_status != NULL)
    *ret_reject_status = status;
  return FALSE;
}

void
rpc_msgsvc_request_header_init (RpcClHeader *ret, const RpcUuid *activity, guint32 seqnum,
                                guint32 server_boot)
{
  g_return_if_fail (ret != NULL && activity != NULL);

  rpc_cl_header_init (ret, RPC_CL_PTYPE_REQUEST);
  ret->if_id = *rpc_msgsvc_send_interface_id ();
  ret->if_vers = RPC_MSGSVC_SEND_IF_VERS;
  ret->act_id = *activity;
  ret->seqnum = seqnum;
  ret->server_boot = server_boot;
  ret->opnum = RPC_MSGSVC_OPNUM_SEND_MESSAGE;
}

/* Builds header + @stub as one PDU. */
static gboolean
build_pdu (const RpcClHeader *hdr, GByteArray *stub, GByteArray *out, GError **error)
{
  g_autoptr (RpcClPacket) pkt = g_new0 (RpcClPacket, 1);

  pkt->header = *hdr;
  pkt->body = g_bytes_new (stub->data, stub->len);
  return rpc_cl_packet_build (pkt, out, error);
}

gboolean
rpc_msgsvc_build_request (const RpcClHeader *hdr, const RpcMsgsvcSend *args, GByteArray *out,
                          GError **error)
{
  g_autoptr (GByteArray) stub = g_byte_array_new ();

  g_return_val_if_fail (hdr != NULL && args != NULL && out != NULL, FALSE);

  if (hdr->ptype != RPC_CL_PTYPE_REQUEST) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                 "a NetrSendMessage request needs a request header, not %s",
                 rpc_cl_ptype_name (hdr->ptype) ? rpc_cl_ptype_name (hdr->ptype) : "?");
    return FALSE;
  }
  /* One datagram carries at most RPC_CL_MAX_BODY bytes of stub. */
  if (!rpc_msgsvc_send_stub_build (args, hdr->drep, RPC_CL_MAX_BODY, stub, error))
    return FALSE;
  return build_pdu (hdr, stub, out, error);
}

gboolean
rpc_msgsvc_build_send_request (const char *from, const char *to, const char *text,
                               const char *codepage, const RpcUuid *activity, guint32 seqnum,
                               guint32 server_boot, GByteArray *out, GError **error)
{
  g_autoptr (RpcMsgsvcSend) args = NULL;
  RpcClHeader hdr;

  g_return_val_if_fail (activity != NULL && out != NULL, FALSE);

  args = rpc_msgsvc_send_new_from_utf8 (from, to, text, codepage, error);
  if (args == NULL)
    return FALSE;
  rpc_msgsvc_request_header_init (&hdr, activity, seqnum, server_boot);
  return rpc_msgsvc_build_request (&hdr, args, out, error);
}

/* The checks a packet must pass to be our call of the given type. */
static gboolean
check_packet (const RpcClPacket *pkt, RpcClPtype ptype, GError **error)
{
  const RpcClHeader *h = &pkt->header;
  guint32 status = 0;

  if (h->ptype != ptype) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
                 "expected a connectionless RPC %s, got %s", rpc_cl_ptype_name (ptype),
                 rpc_cl_ptype_name (h->ptype) ? rpc_cl_ptype_name (h->ptype) : "?");
    return FALSE;
  }
  if (!rpc_msgsvc_check_call (h, &status)) {
    g_autofree char *uuid = rpc_uuid_to_string (&h->if_id);

    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
                 "not NetrSendMessage: interface %s version %u.%u opnum %u (%s)", uuid,
                 h->if_vers & 0xFFFF, h->if_vers >> 16, h->opnum, rpc_cl_status_name (status));
    return FALSE;
  }
  if ((h->flags1 & RPC_CL_FLAGS1_FRAG) || h->fragnum != 0) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
                 "NetrSendMessage %s fragment %u: reassemble the fragments first",
                 rpc_cl_ptype_name (ptype), h->fragnum);
    return FALSE;
  }
  return TRUE;
}

gboolean
rpc_msgsvc_parse_request (const RpcClPacket *pkt, gsize max_stub, RpcMsgsvcSend **ret,
                          GError **error)
{
  gsize len = 0;
  const guint8 *stub = NULL;

  g_return_val_if_fail (pkt != NULL && ret != NULL, FALSE);

  if (!check_packet (pkt, RPC_CL_PTYPE_REQUEST, error))
    return FALSE;
  if (pkt->body != NULL)
    stub = g_bytes_get_data (pkt->body, &len);
  return rpc_msgsvc_send_stub_parse (stub, len, pkt->header.drep, max_stub, ret, error);
}

gboolean
rpc_msgsvc_parse_send_request (const RpcClPacket *pkt, const char *codepage, char **ret_from,
                               char **ret_to, char **ret_text, GError **error)
{
  g_autoptr (RpcMsgsvcSend) args = NULL;

  g_return_val_if_fail (pkt != NULL, FALSE);

  if (!rpc_msgsvc_parse_request (pkt, 0, &args, error))
    return FALSE;
  return rpc_msgsvc_send_to_utf8 (args, codepage, ret_from, ret_to, ret_text, error);
}

gboolean
rpc_msgsvc_build_send_response (const RpcClHeader *request, guint32 server_boot,
                                guint32 status, GByteArray *out, GError **error)
{
  g_autoptr (GByteArray) stub = g_byte_array_new ();
  RpcClHeader hdr;

  g_return_val_if_fail (request != NULL && out != NULL, FALSE);

  rpc_cl_header_init_reply (&hdr, request, RPC_CL_PTYPE_RESPONSE, server_boot);
  rpc_msgsvc_status_stub_build (status, hdr.drep, stub);
  return build_pdu (&hdr, stub, out, error);
}

gboolean
rpc_msgsvc_parse_send_response (const RpcClPacket *pkt, guint32 *ret_status, GError **error)
{
  gsize len = 0;
  const guint8 *stub = NULL;

  g_return_val_if_fail (pkt != NULL && ret_status != NULL, FALSE);

  if (!check_packet (pkt, RPC_CL_PTYPE_RESPONSE, error))
    return FALSE;
  if (pkt->body != NULL)
    stub = g_bytes_get_data (pkt->body, &len);
  return rpc_msgsvc_status_stub_parse (stub, len, pkt->header.drep, ret_status, error);
}

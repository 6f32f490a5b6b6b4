/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Fuzz target for connectionless DCE/RPC PDUs and the NetrSendMessage stub
 * (lib/codec/rpc-cl.c, rpc-msgsvc.c). Round trips, aborting on mismatch:
 *  1. parse -> build reproduces the input byte for byte (bodies are kept);
 *  2. typed bodies (fault, reject, fack, nocall, cancels) re-encoded from
 *     their fields parse back to the same fields;
 *  3. a REQUEST body parsed as a NetrSendMessage stub -> our encoding ->
 *     parse gives the same strings; UTF-8 conversion runs on them;
 *  4. fragments go through a bounded reassembler. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netsend/rpc-cl.h"
#include "netsend/rpc-msgsvc.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

static gboolean
headers_equal (const RpcClHeader *a, const RpcClHeader *b)
{
  return a->ptype == b->ptype && a->flags1 == b->flags1 && a->flags2 == b->flags2 &&
         memcmp (a->drep, b->drep, 3) == 0 && rpc_uuid_equal (&a->object, &b->object) &&
         rpc_uuid_equal (&a->if_id, &b->if_id) && rpc_uuid_equal (&a->act_id, &b->act_id) &&
         a->server_boot == b->server_boot && a->if_vers == b->if_vers &&
         a->seqnum == b->seqnum && a->opnum == b->opnum && a->ihint == b->ihint &&
         a->ahint == b->ahint && a->fragnum == b->fragnum &&
         a->auth_proto == b->auth_proto && a->serial == b->serial;
}

static void
check_typed_round_trip (RpcClPacket *pkt)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (RpcClPacket) back = NULL;
  GBytes *saved = pkt->body;
  guint8 t = pkt->header.ptype;

  if (t == RPC_CL_PTYPE_REQUEST || t == RPC_CL_PTYPE_RESPONSE || t == RPC_CL_PTYPE_PING ||
      t == RPC_CL_PTYPE_WORKING || t == RPC_CL_PTYPE_ACK ||
      (t == RPC_CL_PTYPE_NOCALL && !pkt->has_fack))
    return;
  /* Encode from the typed fields only. */
  pkt->body = NULL;
  check (rpc_cl_packet_build (pkt, out, NULL));
  pkt->body = saved;
  back = rpc_cl_packet_parse (out->data, out->len, NULL);
  check (back != NULL);
  check (headers_equal (&pkt->header, &back->header));
  check (back->status == pkt->status || (t != RPC_CL_PTYPE_FAULT && t != RPC_CL_PTYPE_REJECT));
  if (t == RPC_CL_PTYPE_CL_CANCEL || t == RPC_CL_PTYPE_CANCEL_ACK) {
    check (back->cancel_version == pkt->cancel_version);
    check (back->cancel_id == pkt->cancel_id);
    check (back->server_is_accepting == pkt->server_is_accepting);
  }
  if (t == RPC_CL_PTYPE_FACK || t == RPC_CL_PTYPE_NOCALL) {
    const RpcClFack *a = &pkt->fack, *b = &back->fack;

    check (back->has_fack);
    check (a->version == b->version && a->window_size == b->window_size &&
           a->max_tsdu == b->max_tsdu && a->max_frag_size == b->max_frag_size &&
           a->serial_num == b->serial_num && a->selack_len == b->selack_len);
    check (a->selack_len == 0 ||
           memcmp (a->selack, b->selack, a->selack_len * sizeof (guint32)) == 0);
  }
}

static void
check_stub (const RpcClPacket *pkt)
{
  g_autoptr (RpcMsgsvcSend) args = NULL;
  g_autoptr (RpcMsgsvcSend) again = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *from = NULL, *to = NULL, *text = NULL;
  gsize len = 0;
  const guint8 *stub = g_bytes_get_data (pkt->body, &len);

  /* Any REQUEST body, whatever its header says, exercises the stub parser;
   * a real NetrSendMessage call also takes the checked path. */
  if (rpc_msgsvc_check_call (&pkt->header, NULL) &&
      !(pkt->header.flags1 & RPC_CL_FLAGS1_FRAG) && pkt->header.fragnum == 0) {
    gboolean a = rpc_msgsvc_parse_request (pkt, 0, &again, NULL);
    gboolean b = rpc_msgsvc_send_stub_parse (stub, len, pkt->header.drep, 0, &args, NULL);

    check (a == b);
    g_clear_pointer (&args, rpc_msgsvc_send_free);
    g_clear_pointer (&again, rpc_msgsvc_send_free);
  }
  if (!rpc_msgsvc_send_stub_parse (stub, len, pkt->header.drep, 0, &args, &error)) {
    check (error != NULL && args == NULL);
    return;
  }
  check (rpc_msgsvc_send_stub_build (args, pkt->header.drep, 0, out, NULL));
  check (out->len <= len);
  check (rpc_msgsvc_send_stub_parse (out->data, out->len, pkt->header.drep, 0, &again, NULL));
  check (strcmp (args->from, again->from) == 0);
  check (strcmp (args->to, again->to) == 0);
  check (strcmp (args->text, again->text) == 0);
  /* CP850 defines all 256 bytes: decoding cannot fail. */
  check (rpc_msgsvc_send_to_utf8 (args, "CP850", &from, &to, &text, NULL));
  check (g_utf8_validate (text, -1, NULL));
}

static void
check_reasm (const RpcClPacket *pkt)
{
  g_autoptr (RpcClReasm) reasm = rpc_cl_reasm_new (4096, 8);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;

  if (!rpc_cl_reasm_add (reasm, pkt, &body, &error)) {
    check (error != NULL && body == NULL);
    return;
  }
  /* A second copy is a duplicate: accepted, nothing new. */
  g_clear_pointer (&body, g_bytes_unref);
  check (rpc_cl_reasm_add (reasm, pkt, &body, NULL));
  check (body == NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_parse (data, size, &error);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  RpcClHeader hdr;

  if (pkt == NULL) {
    check (error != NULL && error->message != NULL);
    return 0;
  }
  check (rpc_cl_header_parse (data, size, &hdr, NULL));
  check (headers_equal (&hdr, &pkt->header));
  check (rpc_cl_ptype_name (pkt->header.ptype) != NULL);
  (void) rpc_cl_status_name (pkt->status);

  check (rpc_cl_packet_build (pkt, out, NULL));
  check (out->len == size && memcmp (out->data, data, size) == 0);

  check_typed_round_trip (pkt);
  if (pkt->header.ptype == RPC_CL_PTYPE_REQUEST)
    check_stub (pkt);
  if (pkt->header.ptype == RPC_CL_PTYPE_RESPONSE) {
    guint32 status;

    (void) rpc_msgsvc_parse_send_response (pkt, &status, NULL);
  }
  check_reasm (pkt);
  return 0;
}

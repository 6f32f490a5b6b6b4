/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the two sending machines of lib/engine: what a hostile or
 * broken receiver can send them.
 *
 * Input: byte 0 picks the SMB mode (bits 0-1), the framing (bit 2) and
 * whether the RPC machine is driven instead (bit 3); byte 1 the text length
 * (1..256); byte 2 the chunk size; the rest is the receiver's byte stream
 * (SMB) or a sequence of datagrams (RPC: a length byte, then that many
 * bytes; length 0xFF instead synthesises a reply of the type given by the
 * next byte to our call, so valid answers are reached too).
 *
 * Invariants, abort() on violation:
 *  - every frame the SMB machine emits is a session request or an SMB
 *    request our parser accepts, and output holds whole frames only;
 *  - FAILED exactly when an error is set; once finished nothing changes;
 *  - every RPC datagram emitted parses and belongs to our call (same
 *    activity and sequence number), REQUEST/PING/ACK only; transmissions
 *    never exceed the maximum; no deadline once finished. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netsend/msgr-rpc-client.h"
#include "netsend/msgr-smb-client.h"
#include "netsend/nb-transport.h"
#include "netsend/rpc-msgsvc.h"
#include "netsend/smb-msgr.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_smb_output (const GByteArray *out, NbSessionFraming framing)
{
  g_autoptr (NbSessionFramer) framer = nb_session_framer_new (framing, NB_SESSION_MAX_LENGTH);
  g_autoptr (GBytes) payload = NULL;
  guint8 type;
  guint frames = 0;

  if (out->len == 0)
    return;
  if (!nb_session_framer_push (framer, out->data, out->len, NULL))
    abort ();
  while (nb_session_framer_pop (framer, &type, &payload)) {
    g_autoptr (GBytes) frame = g_steal_pointer (&payload);
    gsize len;
    const guint8 *p = g_bytes_get_data (frame, &len);

    frames++;
    if (type == NB_SESSION_REQUEST)
      continue;
    if (type != NB_SESSION_MESSAGE)
      abort ();
    {
      g_autoptr (SmbMsgrPacket) pkt = NULL;

      if (!smb_msgr_parse (p, len, &pkt, NULL))
        abort ();
      if (pkt->kind != SMB_MSGR_SEND_MESSAGE && pkt->kind != SMB_MSGR_START &&
          pkt->kind != SMB_MSGR_TEXT && pkt->kind != SMB_MSGR_END)
        abort ();
    }
  }
  /* One request per answer; several when answers arrive together. */
  if (frames == 0 || nb_session_framer_get_buffered (framer) != 0)
    abort ();
}

static void
check_smb_status (MsgrSmbClient *client, MsgrSmbClientStatus st)
{
  gboolean failed = st == MSGR_SMB_CLIENT_FAILED;

  if (failed != (msgr_smb_client_get_error (client) != NULL))
    abort ();
  if (st != MSGR_SMB_CLIENT_RUNNING &&
      msgr_smb_client_get_state (client) != MSGR_SMB_STATE_FINISHED)
    abort ();
}

static void
fuzz_smb (const uint8_t *data, size_t size, guint mode, NbSessionFraming framing, gsize text_len,
          gsize chunk)
{
  MsgrSmbClientConfig config;
  g_autofree char *text = g_strnfill (text_len, 'm');
  g_autoptr (GBytes) bytes = g_bytes_new (text, text_len);
  g_autoptr (MsgrSmbClient) client = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  MsgrSmbClientStatus st;

  memset (&config, 0, sizeof config);
  nb_name_from_utf8 (&config.called, "PEERA", NB_SUFFIX_MESSENGER, NULL, NULL);
  nb_name_from_utf8 (&config.calling, "FUZZ", NB_SUFFIX_WORKSTATION, NULL, NULL);
  config.from = "FUZZER";
  config.to = "PEERA";
  config.text = bytes;
  config.mode = (MsgrSmbMode) mode;
  config.framing = framing;
  client = msgr_smb_client_new (&config, NULL);
  if (client == NULL) {
    /* Only single mode with text over one block is refused. */
    if (mode != MSGR_SMB_MODE_SINGLE || text_len <= SMB_MSGR_BLOCK_MAX)
      abort ();
    return;
  }
  st = msgr_smb_client_start (client, out);
  check_smb_output (out, framing);
  check_smb_status (client, st);
  for (size_t off = 0; off < size && st == MSGR_SMB_CLIENT_RUNNING; off += chunk) {
    gsize n = MIN (chunk, size - off);

    g_byte_array_set_size (out, 0);
    st = msgr_smb_client_receive (client, data + off, n, out);
    check_smb_status (client, st);
    if (st == MSGR_SMB_CLIENT_RUNNING)
      check_smb_output (out, framing);
    else if (out->len != 0)
      abort ();
  }
  {
    MsgrSmbClientStatus before = st;
    MsgrSmbClientStatus after = msgr_smb_client_closed (client, size & 1);

    check_smb_status (client, after);
    if (before != MSGR_SMB_CLIENT_RUNNING && after != before)
      abort ();
    if (msgr_smb_client_timeout (client) != after)
      abort ();
  }
}

static void
check_rpc_output (MsgrRpcClient *client, const GByteArray *out)
{
  g_autoptr (RpcClPacket) pkt = NULL;

  if (out->len == 0)
    return;
  pkt = rpc_cl_packet_parse (out->data, out->len, NULL);
  if (pkt == NULL || !rpc_uuid_equal (&pkt->header.act_id, msgr_rpc_client_get_activity (client)))
    abort ();
  if (pkt->header.ptype != RPC_CL_PTYPE_REQUEST && pkt->header.ptype != RPC_CL_PTYPE_PING &&
      pkt->header.ptype != RPC_CL_PTYPE_ACK)
    abort ();
}

static void
check_rpc_status (MsgrRpcClient *client, MsgrRpcClientStatus st)
{
  if ((st == MSGR_RPC_CLIENT_FAILED) != (msgr_rpc_client_get_error (client) != NULL))
    abort ();
  if (st != MSGR_RPC_CLIENT_RUNNING &&
      msgr_rpc_client_next_deadline (client) != NB_ENGINE_NO_DEADLINE)
    abort ();
  if (msgr_rpc_client_get_n_transmissions (client) > 3)
    abort ();
}

/* A reply of @ptype to the request @req (status replies get @status). */
static void
synthesise (const RpcClHeader *req, guint8 ptype, guint32 status, GByteArray *dgram)
{
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_new (ptype % (RPC_CL_PTYPE_LAST + 1));
  RpcClHeader hdr;

  switch (ptype % 4) {
    case 0:
      rpc_msgsvc_build_send_response (req, 1, status, dgram, NULL);
      return;
    case 1:
      rpc_cl_header_init_reply (&hdr, req, RPC_CL_PTYPE_REJECT, 1);
      rpc_cl_build_status (&hdr, status, dgram, NULL);
      return;
    default:
      rpc_cl_header_init_reply (&pkt->header, req, pkt->header.ptype, 1);
      if (pkt->header.ptype != RPC_CL_PTYPE_FAULT && pkt->header.ptype != RPC_CL_PTYPE_REJECT &&
          pkt->header.ptype != RPC_CL_PTYPE_FACK && pkt->header.ptype != RPC_CL_PTYPE_CL_CANCEL &&
          pkt->header.ptype != RPC_CL_PTYPE_CANCEL_ACK)
        rpc_cl_packet_build (pkt, dgram, NULL);
      return;
  }
}

static void
fuzz_rpc (const uint8_t *data, size_t size, gsize text_len)
{
  MsgrRpcClientConfig config;
  g_autofree char *text = g_strnfill (text_len, 'r');
  g_autoptr (GBytes) bytes = g_bytes_new (text, text_len);
  g_autoptr (MsgrRpcClient) client = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (RpcClPacket) first = NULL;
  MsgrRpcClientStatus st;
  gint64 now = 0;
  size_t off = 0;

  memset (&config, 0, sizeof config);
  config.from = "FUZZER";
  config.to = "PEERA";
  config.text = bytes;
  config.max_transmissions = 3;
  client = msgr_rpc_client_new (&config, NULL);
  if (client == NULL)
    abort ();
  st = msgr_rpc_client_start (client, now, out);
  first = rpc_cl_packet_parse (out->data, out->len, NULL);
  if (first == NULL)
    abort ();
  while (off < size && st == MSGR_RPC_CLIENT_RUNNING) {
    g_autoptr (GByteArray) dgram = g_byte_array_new ();
    guint8 len = data[off++];

    if (len == 0xFF && off + 4 < size) {
      guint32 status = data[off + 1] | ((guint32) data[off + 2] << 8) |
                       ((guint32) data[off + 3] << 16) | ((guint32) data[off + 4] << 24);

      synthesise (&first->header, data[off], status, dgram);
      off += 5;
    } else {
      len = MIN (len, size - off);
      g_byte_array_append (dgram, data + off, len);
      off += len;
    }
    now += 300 * 1000;
    g_byte_array_set_size (out, 0);
    st = msgr_rpc_client_receive (client, dgram->data, dgram->len, now, out);
    check_rpc_status (client, st);
    check_rpc_output (client, out);
    g_byte_array_set_size (out, 0);
    st = msgr_rpc_client_tick (client, now, out);
    check_rpc_status (client, st);
    check_rpc_output (client, out);
  }
  /* Run the clock out: the call must end. */
  for (guint i = 0; i < 16 && st == MSGR_RPC_CLIENT_RUNNING; i++) {
    now = msgr_rpc_client_next_deadline (client);
    g_byte_array_set_size (out, 0);
    st = msgr_rpc_client_tick (client, now, out);
    check_rpc_status (client, st);
    check_rpc_output (client, out);
  }
  if (st == MSGR_RPC_CLIENT_RUNNING)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint mode;
  NbSessionFraming framing;
  gsize text_len;
  gsize chunk;

  if (size < 3)
    return 0;
  mode = data[0] & 0x03;
  if (mode > MSGR_SMB_MODE_MULTI)
    mode = MSGR_SMB_MODE_AUTO;
  framing = (data[0] & 0x04) ? NB_SESSION_FRAMING_DIRECT : NB_SESSION_FRAMING_NBSS;
  text_len = (gsize) data[1] + 1;
  chunk = (gsize) (data[2] % 64) + 1;
  if (data[0] & 0x08)
    fuzz_rpc (data + 3, size - 3, text_len);
  else
    fuzz_smb (data + 3, size - 3, mode, framing, text_len, chunk);
  return 0;
}

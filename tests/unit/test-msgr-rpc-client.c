/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The NetrSendMessage call machine (msgr-rpc-client.h) with a fake clock:
 * the REQUEST it builds, retransmission timing, WORKING/PING/NOCALL,
 * RESPONSE + ACK, REJECT/FAULT and status mapping. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/msgr-rpc-client.h"
#include "netsend/nb-transport.h"
#include "netsend/rpc-msgsvc.h"

#define SEC G_USEC_PER_SEC
#define BOOT 0x5eed0001u

typedef struct {
  MsgrRpcClient *client;
  GByteArray *out;
  RpcClHeader request; /* the header of the first REQUEST */
} Harness;

static void
harness_init_full (Harness *h, const char *text, guint max_tx, gint64 max_interval,
                   gint64 total)
{
  MsgrRpcClientConfig config;
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (GError) error = NULL;
  g_autoptr (RpcClPacket) pkt = NULL;

  memset (&config, 0, sizeof config);
  config.seqnum = 7;
  config.from = "ALICE";
  config.to = "BOB";
  config.text = bytes;
  config.max_transmissions = max_tx;
  config.max_interval_us = max_interval;
  config.total_timeout_us = total;
  h->client = msgr_rpc_client_new (&config, &error);
  assert_null (error);
  h->out = g_byte_array_new ();
  assert_int_equal (msgr_rpc_client_start (h->client, 0, h->out), MSGR_RPC_CLIENT_RUNNING);
  pkt = rpc_cl_packet_parse (h->out->data, h->out->len, &error);
  assert_non_null (pkt);
  h->request = pkt->header;
}

static void
harness_init (Harness *h, const char *text)
{
  harness_init_full (h, text, 0, 0, 0);
}

static void
harness_clear (Harness *h)
{
  msgr_rpc_client_free (h->client);
  g_byte_array_unref (h->out);
}

static RpcClPacket *
parse_out (Harness *h)
{
  g_autoptr (GError) error = NULL;
  RpcClPacket *pkt;

  assert_true (h->out->len > 0);
  pkt = rpc_cl_packet_parse (h->out->data, h->out->len, &error);
  assert_null (error);
  return pkt;
}

static MsgrRpcClientStatus
receive (Harness *h, GByteArray *dgram, gint64 now)
{
  g_byte_array_set_size (h->out, 0);
  return msgr_rpc_client_receive (h->client, dgram->data, dgram->len, now, h->out);
}

static MsgrRpcClientStatus
tick (Harness *h, gint64 now)
{
  g_byte_array_set_size (h->out, 0);
  return msgr_rpc_client_tick (h->client, now, h->out);
}

/* A server answer of @ptype to our call (no body). */
static GByteArray *
reply (Harness *h, RpcClPtype ptype)
{
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_new (ptype);
  GByteArray *out = g_byte_array_new ();

  rpc_cl_header_init_reply (&pkt->header, &h->request, ptype, BOOT);
  assert_true (rpc_cl_packet_build (pkt, out, NULL));
  return out;
}

static GByteArray *
reply_status (Harness *h, RpcClPtype ptype, guint32 status)
{
  RpcClHeader hdr;
  GByteArray *out = g_byte_array_new ();

  rpc_cl_header_init_reply (&hdr, &h->request, ptype, BOOT);
  assert_true (rpc_cl_build_status (&hdr, status, out, NULL));
  return out;
}

static GByteArray *
response (Harness *h, guint32 status)
{
  GByteArray *out = g_byte_array_new ();

  assert_true (rpc_msgsvc_build_send_response (&h->request, BOOT, status, out, NULL));
  return out;
}

static void
assert_failed_with (Harness *h, MsgrRpcClientStatus st, NsSendError code)
{
  const GError *error = msgr_rpc_client_get_error (h->client);

  assert_int_equal (st, MSGR_RPC_CLIENT_FAILED);
  assert_non_null (error);
  if (!g_error_matches (error, NS_SEND_ERROR, (gint) code))
    fail_msg ("expected %d, got %d: %s", code, error->code, error->message);
  assert_int_equal (msgr_rpc_client_next_deadline (h->client), NB_ENGINE_NO_DEADLINE);
}

static void
test_request_and_response (void **state)
{
  Harness h;
  g_autoptr (RpcClPacket) req = NULL;
  g_autoptr (RpcClPacket) ack = NULL;
  g_autoptr (RpcMsgsvcSend) args = NULL;
  g_autoptr (GByteArray) ok = NULL;

  harness_init (&h, "Hello\x14world");
  req = parse_out (&h);
  /* PROTOCOL.md §4.2: msgsvcsend 1.0, opnum 0, our seqnum, first call. */
  assert_int_equal (req->header.ptype, RPC_CL_PTYPE_REQUEST);
  assert_true (rpc_uuid_equal (&req->header.if_id, rpc_msgsvc_send_interface_id ()));
  assert_int_equal (req->header.if_vers, RPC_MSGSVC_SEND_IF_VERS);
  assert_int_equal (req->header.opnum, 0);
  assert_int_equal (req->header.seqnum, 7);
  assert_int_equal (req->header.server_boot, 0);
  assert_int_equal (req->header.serial, 0);
  assert_false (rpc_uuid_is_nil (&req->header.act_id));
  assert_true (rpc_uuid_equal (&req->header.act_id, msgr_rpc_client_get_activity (h.client)));
  assert_true (rpc_msgsvc_parse_request (req, 0, &args, NULL));
  assert_string_equal (args->from, "ALICE");
  assert_string_equal (args->to, "BOB");
  assert_string_equal (args->text, "Hello\x14world");
  assert_int_equal (msgr_rpc_client_get_n_transmissions (h.client), 1);
  assert_int_equal (msgr_rpc_client_next_deadline (h.client), 1 * SEC);

  ok = response (&h, 0);
  assert_int_equal (receive (&h, ok, SEC / 2), MSGR_RPC_CLIENT_DELIVERED);
  /* C706 §10.2.1: the response of a non-idempotent call is acknowledged. */
  ack = parse_out (&h);
  assert_int_equal (ack->header.ptype, RPC_CL_PTYPE_ACK);
  assert_true (rpc_uuid_equal (&ack->header.act_id, &h.request.act_id));
  assert_int_equal (ack->header.seqnum, 7);
  assert_int_equal (msgr_rpc_client_get_windows_code (h.client), 0);
  assert_null (msgr_rpc_client_get_error (h.client));
  assert_int_equal (msgr_rpc_client_next_deadline (h.client), NB_ENGINE_NO_DEADLINE);
  /* Finished: a duplicate response changes nothing and sends nothing. */
  assert_int_equal (receive (&h, ok, SEC), MSGR_RPC_CLIENT_DELIVERED);
  assert_int_equal (h.out->len, 0);
  harness_clear (&h);
}

/* 1 s doubling (MS-RPCE §3.2.2.2.1): transmissions at 0, 1, 3, 7, 15 s,
 * the serial number growing; failure after the last wait (31 s). */
static void
test_retransmission_timing (void **state)
{
  Harness h;
  static const gint64 at[] = { 1, 3, 7, 15 };

  harness_init (&h, "x");
  assert_int_equal (tick (&h, SEC / 2), MSGR_RPC_CLIENT_RUNNING);
  assert_int_equal (h.out->len, 0);
  for (guint i = 0; i < G_N_ELEMENTS (at); i++) {
    g_autoptr (RpcClPacket) again = NULL;

    assert_int_equal (msgr_rpc_client_next_deadline (h.client), at[i] * SEC);
    assert_int_equal (tick (&h, at[i] * SEC), MSGR_RPC_CLIENT_RUNNING);
    again = parse_out (&h);
    assert_int_equal (again->header.ptype, RPC_CL_PTYPE_REQUEST);
    assert_int_equal (again->header.serial, i + 1);
    assert_int_equal (again->header.seqnum, 7);
  }
  assert_int_equal (msgr_rpc_client_get_n_transmissions (h.client), 5);
  assert_int_equal (msgr_rpc_client_next_deadline (h.client), 31 * SEC);
  assert_failed_with (&h, tick (&h, 31 * SEC), NS_SEND_ERROR_TIMEOUT);
  assert_int_equal (h.out->len, 0);
  assert_int_equal (msgr_rpc_client_get_windows_code (h.client), 121);
  harness_clear (&h);

  /* The cap and the total budget. */
  harness_init_full (&h, "x", 10, 2 * SEC, 4 * SEC);
  assert_int_equal (tick (&h, 1 * SEC), MSGR_RPC_CLIENT_RUNNING);
  assert_int_equal (msgr_rpc_client_next_deadline (h.client), 3 * SEC);
  assert_int_equal (tick (&h, 3 * SEC), MSGR_RPC_CLIENT_RUNNING);
  /* 3 + 2 (capped) = 5 s, but the budget ends at 4 s. */
  assert_int_equal (msgr_rpc_client_next_deadline (h.client), 4 * SEC);
  assert_failed_with (&h, tick (&h, 4 * SEC), NS_SEND_ERROR_TIMEOUT);
  harness_clear (&h);
}

/* WORKING: the server has the call, the client then PINGs; a NOCALL to a
 * PING makes it send the REQUEST again at once (C706 §10.2). */
static void
test_working_ping_nocall (void **state)
{
  Harness h;
  g_autoptr (GByteArray) working = NULL;
  g_autoptr (GByteArray) nocall = NULL;
  g_autoptr (GByteArray) early = NULL;
  g_autoptr (GByteArray) ok = NULL;
  g_autoptr (RpcClPacket) ping = NULL;
  g_autoptr (RpcClPacket) again = NULL;

  harness_init (&h, "x");
  working = reply (&h, RPC_CL_PTYPE_WORKING);
  assert_int_equal (receive (&h, working, SEC / 2), MSGR_RPC_CLIENT_RUNNING);
  assert_int_equal (h.out->len, 0);
  assert_int_equal (tick (&h, SEC), MSGR_RPC_CLIENT_RUNNING);
  ping = parse_out (&h);
  assert_int_equal (ping->header.ptype, RPC_CL_PTYPE_PING);
  assert_int_equal (ping->header.seqnum, 7);
  assert_int_equal (ping->header.serial, 1);
  nocall = reply (&h, RPC_CL_PTYPE_NOCALL);
  assert_int_equal (receive (&h, nocall, SEC + 1), MSGR_RPC_CLIENT_RUNNING);
  again = parse_out (&h);
  assert_int_equal (again->header.ptype, RPC_CL_PTYPE_REQUEST);
  assert_int_equal (again->header.serial, 2);
  ok = response (&h, 0);
  assert_int_equal (receive (&h, ok, 2 * SEC), MSGR_RPC_CLIENT_DELIVERED);
  harness_clear (&h);

  /* A NOCALL before any sign of the call is only noise: the timer resends. */
  harness_init (&h, "x");
  early = reply (&h, RPC_CL_PTYPE_NOCALL);
  assert_int_equal (receive (&h, early, SEC / 2), MSGR_RPC_CLIENT_RUNNING);
  assert_int_equal (h.out->len, 0);
  harness_clear (&h);
}

static void
test_reject_and_fault (void **state)
{
  static const struct {
    RpcClPtype ptype;
    guint32 status;
    NsSendError error;
  } cases[] = {
    { RPC_CL_PTYPE_REJECT, RPC_NCA_S_UNK_IF, NS_SEND_ERROR_NOT_SUPPORTED },
    { RPC_CL_PTYPE_REJECT, RPC_NCA_S_OP_RNG_ERROR, NS_SEND_ERROR_NOT_SUPPORTED },
    { RPC_CL_PTYPE_REJECT, RPC_NCA_S_SERVER_TOO_BUSY, NS_SEND_ERROR_REMOTE },
    { RPC_CL_PTYPE_FAULT, RPC_NCA_S_FAULT_NDR, NS_SEND_ERROR_PROTOCOL },
    { RPC_CL_PTYPE_FAULT, RPC_S_ACCESS_DENIED, NS_SEND_ERROR_ACCESS_DENIED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    Harness h;
    g_autoptr (GByteArray) pkt = NULL;

    harness_init (&h, "x");
    pkt = reply_status (&h, cases[i].ptype, cases[i].status);
    assert_failed_with (&h, receive (&h, pkt, SEC / 2), cases[i].error);
    assert_int_equal (msgr_rpc_client_get_remote_status (h.client), cases[i].status);
    assert_int_equal (h.out->len, 0);
    harness_clear (&h);
  }
}

/* NetrSendMessage's return values (MS-MSRP §3.2.4.1) pass through as the
 * Windows code. */
static void
test_status_mapping (void **state)
{
  static const struct {
    guint32 status;
    NsSendError error;
  } cases[] = {
    { 2273, NS_SEND_ERROR_NAME_NOT_FOUND },
    { 50, NS_SEND_ERROR_NOT_SUPPORTED },
    { 5, NS_SEND_ERROR_ACCESS_DENIED },
    { 2281, NS_SEND_ERROR_PAUSED },
    { 2282, NS_SEND_ERROR_NO_ROOM },
    { 2136, NS_SEND_ERROR_REMOTE },
    { 1234, NS_SEND_ERROR_REMOTE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    Harness h;
    g_autoptr (GByteArray) pkt = NULL;
    g_autoptr (RpcClPacket) ack = NULL;

    harness_init (&h, "x");
    pkt = response (&h, cases[i].status);
    assert_failed_with (&h, receive (&h, pkt, SEC / 2), cases[i].error);
    assert_int_equal (msgr_rpc_client_get_windows_code (h.client), cases[i].status);
    assert_int_equal (msgr_rpc_client_get_remote_status (h.client), cases[i].status);
    ack = parse_out (&h);
    assert_int_equal (ack->header.ptype, RPC_CL_PTYPE_ACK);
    harness_clear (&h);
  }
}

static void
test_ignores_strangers (void **state)
{
  Harness h;
  static const guint8 junk[] = { 0x04, 0x02, 0x00 };
  g_autoptr (GByteArray) other = g_byte_array_new ();
  RpcClHeader hdr;

  harness_init (&h, "x");
  g_byte_array_set_size (h.out, 0);
  assert_int_equal (msgr_rpc_client_receive (h.client, junk, sizeof junk, 1, h.out),
                    MSGR_RPC_CLIENT_RUNNING);
  /* Another activity's response. */
  hdr = h.request;
  rpc_uuid_generate (&hdr.act_id);
  assert_true (rpc_msgsvc_build_send_response (&hdr, BOOT, 0, other, NULL));
  assert_int_equal (receive (&h, other, 2), MSGR_RPC_CLIENT_RUNNING);
  /* Same activity, another sequence number. */
  g_byte_array_set_size (other, 0);
  hdr = h.request;
  hdr.seqnum = 8;
  assert_true (rpc_msgsvc_build_send_response (&hdr, BOOT, 0, other, NULL));
  assert_int_equal (receive (&h, other, 3), MSGR_RPC_CLIENT_RUNNING);
  assert_int_equal (h.out->len, 0);
  assert_int_equal (msgr_rpc_client_get_status (h.client), MSGR_RPC_CLIENT_RUNNING);
  harness_clear (&h);
}

static void
test_config_refused (void **state)
{
  MsgrRpcClientConfig config;
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GBytes) nul = g_bytes_new_static ("a\0b", 3);
  GError *error = NULL;

  memset (&config, 0, sizeof config);
  config.from = "A";
  config.to = "B";
  config.text = empty;
  assert_null (msgr_rpc_client_new (&config, &error));
  assert_true (g_error_matches (error, NS_SEND_ERROR, NS_SEND_ERROR_EMPTY_MESSAGE));
  g_clear_error (&error);
  config.text = nul;
  assert_null (msgr_rpc_client_new (&config, &error));
  assert_true (g_error_matches (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);
  config.text = empty;
  config.to = "";
  assert_null (msgr_rpc_client_new (&config, &error));
  assert_true (g_error_matches (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME));
  g_clear_error (&error);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_request_and_response),
    cmocka_unit_test (test_retransmission_timing),
    cmocka_unit_test (test_working_ping_nocall),
    cmocka_unit_test (test_reject_and_fault),
    cmocka_unit_test (test_status_mapping),
    cmocka_unit_test (test_ignores_strangers),
    cmocka_unit_test (test_config_refused),
  };
  return cmocka_run_group_tests_name ("msgr-rpc-client", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The SMB delivery machine (msgr-smb-client.h), frame by frame: what it
 * sends is compared with hand-made frames and with Samba's golden frames
 * (ids zeroed: Samba sets PID/MID, MS-MSRP §2.2.3 wants 0), and every
 * answer a receiver can give is fed to it. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/msgr-smb-client.h"
#include "netsend/nb-session.h"
#include "netsend/smb-msgr.h"
#include "vectors.h"

typedef struct {
  MsgrSmbClient *client;
  GByteArray *out;
} Harness;

static void
harness_init (Harness *h, const char *text, MsgrSmbMode mode, NbSessionFraming framing,
              const char *from, const char *codepage)
{
  MsgrSmbClientConfig config;
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (GError) error = NULL;

  memset (&config, 0, sizeof config);
  assert_true (nb_name_from_utf8 (&config.called, "PEERA", NB_SUFFIX_MESSENGER, NULL, &error));
  assert_true (nb_name_from_utf8 (&config.calling, "NSN-H2", NB_SUFFIX_WORKSTATION, NULL,
                                  &error));
  config.from = from;
  config.to = "PEERA";
  config.text = bytes;
  config.codepage = codepage;
  config.mode = mode;
  config.framing = framing;
  h->client = msgr_smb_client_new (&config, &error);
  assert_null (error);
  assert_non_null (h->client);
  h->out = g_byte_array_new ();
}

static void
harness_clear (Harness *h)
{
  msgr_smb_client_free (h->client);
  g_byte_array_unref (h->out);
}

/* Feeds @bytes in two pieces (the machine must not care about chunking). */
static MsgrSmbClientStatus
feed (Harness *h, GBytes *bytes)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (bytes, &len);
  MsgrSmbClientStatus st;

  g_byte_array_set_size (h->out, 0);
  st = msgr_smb_client_receive (h->client, p, len / 2, h->out);
  if (st != MSGR_SMB_CLIENT_RUNNING)
    return st;
  return msgr_smb_client_receive (h->client, p + len / 2, len - len / 2, h->out);
}

static MsgrSmbClientStatus
feed_raw (Harness *h, const guint8 *data, gsize len)
{
  g_autoptr (GBytes) b = g_bytes_new (data, len);

  return feed (h, b);
}

/* A golden frame with PID, UID and MID (header offsets 26-31, after the
 * 4-byte NBSS header) zeroed. */
static GBytes *
golden_zeroed (const char *name, const char *label)
{
  g_autoptr (GBytes) frame = tv_lookup (name, label);
  gsize len;
  const guint8 *p = g_bytes_get_data (frame, &len);
  guint8 *copy = g_memdup2 (p, len);

  memset (copy + 4 + 26, 0, 6);
  return g_bytes_new_take (copy, len);
}

static void
assert_out_equals (Harness *h, GBytes *expected)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (expected, &len);

  assert_int_equal (h->out->len, len);
  assert_memory_equal (h->out->data, p, len);
}

/* A response to the request in @h->out (its header echoed, MS-CIFS
 * §3.3.4.1.2) with @status and Flags2 @flags2, framed for NBSS. */
static GBytes *
response_to_out (Harness *h, guint32 status, guint16 flags2)
{
  g_autoptr (GByteArray) smb = g_byte_array_new ();
  g_autoptr (GByteArray) frame = g_byte_array_new ();
  SmbHeader request;
  SmbHeader header;

  assert_true (h->out->len > 4);
  assert_true (smb_header_parse (h->out->data + 4, h->out->len - 4, &request, NULL));
  smb_header_init_response (&header, &request, status);
  header.flags2 = flags2;
  assert_true (smb_msgr_build_response (smb, &header, NULL));
  assert_true (nb_session_build_message (frame, NB_SESSION_FRAMING_NBSS, smb->data, smb->len,
                                         NULL));
  return g_byte_array_free_to_bytes (g_steal_pointer (&frame));
}

static void
start_and_accept (Harness *h)
{
  g_autoptr (GBytes) positive = tv_lookup ("nbss-session-request", "positive session response");

  assert_int_equal (msgr_smb_client_start (h->client, h->out), MSGR_SMB_CLIENT_RUNNING);
  assert_int_equal (msgr_smb_client_get_state (h->client), MSGR_SMB_STATE_SESSION);
  assert_int_equal (feed (h, positive), MSGR_SMB_CLIENT_RUNNING);
}

static void
assert_failed_with (Harness *h, MsgrSmbClientStatus st, NsSendError code)
{
  const GError *error = msgr_smb_client_get_error (h->client);

  assert_int_equal (st, MSGR_SMB_CLIENT_FAILED);
  assert_int_equal (msgr_smb_client_get_state (h->client), MSGR_SMB_STATE_FINISHED);
  assert_non_null (error);
  if (!g_error_matches (error, NS_SEND_ERROR, (gint) code))
    fail_msg ("expected code %d, got %s %d: %s", code, g_quark_to_string (error->domain),
              error->code, error->message);
}

static void
test_session_request_golden (void **state)
{
  Harness h;
  g_autoptr (GBytes) req = tv_lookup ("nbss-session-request",
                                      "session request called=PEERA<03> calling=NSN-H2<00>");

  harness_init (&h, "hi", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "SENDER2", NULL);
  assert_int_equal (msgr_smb_client_get_state (h.client), MSGR_SMB_STATE_IDLE);
  assert_int_equal (msgr_smb_client_start (h.client, h.out), MSGR_SMB_CLIENT_RUNNING);
  /* Byte for byte what smbclient -M sent in capture 03. */
  assert_out_equals (&h, req);
  harness_clear (&h);
}

static void
test_short_text_uses_d0 (void **state)
{
  Harness h;
  /* The expected 0xD0 (MS-MSRP §2.2.3.1.1), every id 0. */
  static const guint8 d0[] = {
    0x00, 0x00, 0x00, 0x37,                         /* NBSS message, length 55 */
    0xff, 'S', 'M', 'B', 0xd0,                      /* protocol, SMB_COM_SEND_MESSAGE */
    0x00, 0x00, 0x00, 0x00,                         /* status */
    0x00, 0x00, 0x00,                               /* flags, flags2 */
    0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, /* pid high, signature, reserved */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* tid, pid, uid, mid */
    0x00,                                           /* WordCount 0 */
    0x14, 0x00,                                     /* ByteCount 20 */
    0x04, 'S', 'E', 'N', 'D', 'E', 'R', 0x00,       /* originator */
    0x04, 'P', 'E', 'E', 'R', 'A', 0x00,            /* destination */
    0x01, 0x02, 0x00, 'h', 'i',                     /* data block, length 2 */
  };
  g_autoptr (GBytes) expected = g_bytes_new_static (d0, sizeof d0);
  g_autoptr (GBytes) ok = tv_lookup ("smb-sends-d0", "Samba SMBsends response (independent bytes)");

  harness_init (&h, "hi", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "SENDER", NULL);
  start_and_accept (&h);
  assert_out_equals (&h, expected);
  assert_int_equal (msgr_smb_client_get_state (h.client), MSGR_SMB_STATE_SINGLE);
  assert_false (msgr_smb_client_is_multi_block (h.client));
  assert_int_equal (msgr_smb_client_get_n_blocks (h.client), 0);
  /* Samba's real 0xD0 success response (after its negotiate). */
  assert_int_equal (feed (&h, ok), MSGR_SMB_CLIENT_DELIVERED);
  assert_int_equal (h.out->len, 0);
  assert_null (msgr_smb_client_get_error (h.client));
  assert_int_equal (msgr_smb_client_get_n_responses (h.client), 1);
  /* Done: later bytes and events change nothing. */
  assert_int_equal (feed (&h, ok), MSGR_SMB_CLIENT_DELIVERED);
  assert_int_equal (msgr_smb_client_closed (h.client, TRUE), MSGR_SMB_CLIENT_DELIVERED);
  assert_int_equal (msgr_smb_client_timeout (h.client), MSGR_SMB_CLIENT_DELIVERED);
  harness_clear (&h);
}

static void
test_samba_drops_first_d0 (void **state)
{
  Harness h;

  /* Capture 08: smbd closes the connection after a first 0xD0. */
  harness_init (&h, "single block 0xD0, no negprot", MSGR_SMB_MODE_AUTO,
                NB_SESSION_FRAMING_NBSS, "SENDERD0", NULL);
  start_and_accept (&h);
  assert_int_equal (h.out->data[8], SMB_COM_SEND_MESSAGE);
  assert_int_equal (msgr_smb_client_closed (h.client, FALSE), MSGR_SMB_CLIENT_RETRY_MULTIBLOCK);
  assert_null (msgr_smb_client_get_error (h.client));
  harness_clear (&h);

  /* A reset is the same. */
  harness_init (&h, "x", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "S", NULL);
  start_and_accept (&h);
  assert_int_equal (msgr_smb_client_closed (h.client, TRUE), MSGR_SMB_CLIENT_RETRY_MULTIBLOCK);
  harness_clear (&h);

  /* Single mode cannot retry: a clear failure. */
  harness_init (&h, "x", MSGR_SMB_MODE_SINGLE, NB_SESSION_FRAMING_NBSS, "S", NULL);
  start_and_accept (&h);
  assert_failed_with (&h, msgr_smb_client_closed (h.client, FALSE), NS_SEND_ERROR_PROTOCOL);
  harness_clear (&h);
}

/* Capture 03: smbclient -M's START/TEXT/END for a short text, which our
 * multi mode must reproduce (ids apart) and complete with Samba's answers. */
static void
test_multi_block_golden (void **state)
{
  Harness h;
  const char *name = "smb-message-short-d5-d7-d6";
  g_autoptr (GBytes) d5 = golden_zeroed (name, "SMBsendstrt request");
  g_autoptr (GBytes) d5r = tv_lookup (name, "SMBsendstrt response (group id)");
  g_autoptr (GBytes) d7 = golden_zeroed (name, "SMBsendtxt request");
  g_autoptr (GBytes) d7r = tv_lookup (name, "SMBsendtxt response");
  g_autoptr (GBytes) d6 = golden_zeroed (name, "SMBsendend request");
  g_autoptr (GBytes) d6r = tv_lookup (name, "SMBsendend response");

  harness_init (&h, "Hello PEERA from h2 (short ASCII)\r\n", MSGR_SMB_MODE_MULTI,
                NB_SESSION_FRAMING_NBSS, "SENDER2", NULL);
  start_and_accept (&h);
  assert_out_equals (&h, d5);
  assert_int_equal (msgr_smb_client_get_state (h.client), MSGR_SMB_STATE_START);
  /* Samba's 0xD5 response has WordCount 0: group id 0 (§2.5). */
  assert_int_equal (feed (&h, d5r), MSGR_SMB_CLIENT_RUNNING);
  assert_int_equal (msgr_smb_client_get_group_id (h.client), 0);
  assert_out_equals (&h, d7);
  assert_int_equal (feed (&h, d7r), MSGR_SMB_CLIENT_RUNNING);
  assert_out_equals (&h, d6);
  assert_int_equal (msgr_smb_client_get_state (h.client), MSGR_SMB_STATE_END);
  assert_int_equal (feed (&h, d6r), MSGR_SMB_CLIENT_DELIVERED);
  assert_true (msgr_smb_client_is_multi_block (h.client));
  assert_int_equal (msgr_smb_client_get_n_responses (h.client), 3);
  harness_clear (&h);
}

/* 300 bytes in auto mode: 0xD5, three 0xD7 of 128/128/44 bytes carrying the
 * group id the 0xD5 response handed out (WordCount 1, MS-MSRP 2.2.3.2.2). */
static void
test_long_text_blocks_and_group_id (void **state)
{
  Harness h;
  g_autofree char *text = g_strnfill (300, 'a');
  g_autoptr (GByteArray) smb = g_byte_array_new ();
  g_autoptr (GByteArray) frame = g_byte_array_new ();
  g_autoptr (GBytes) d5r = NULL;
  static const gsize sizes[] = { 128, 128, 44 };
  SmbHeader request;
  SmbHeader header;

  harness_init (&h, text, MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "SENDER", NULL);
  assert_true (msgr_smb_client_is_multi_block (h.client));
  assert_int_equal (msgr_smb_client_get_n_blocks (h.client), 3);
  start_and_accept (&h);
  assert_int_equal (h.out->data[8], SMB_COM_SEND_START_MB_MESSAGE);
  assert_true (smb_header_parse (h.out->data + 4, h.out->len - 4, &request, NULL));
  smb_header_init_response (&header, &request, 0);
  assert_true (smb_msgr_build_start_response (smb, &header, 0x1234, NULL));
  assert_true (nb_session_build_message (frame, NB_SESSION_FRAMING_NBSS, smb->data, smb->len,
                                         NULL));
  d5r = g_byte_array_free_to_bytes (g_steal_pointer (&frame));
  assert_int_equal (feed (&h, d5r), MSGR_SMB_CLIENT_RUNNING);
  assert_int_equal (msgr_smb_client_get_group_id (h.client), 0x1234);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    g_autoptr (SmbMsgrPacket) pkt = NULL;
    g_autoptr (GBytes) ok = NULL;

    assert_true (smb_msgr_parse (h.out->data + 4, h.out->len - 4, &pkt, NULL));
    assert_int_equal (pkt->kind, SMB_MSGR_TEXT);
    assert_int_equal (pkt->group_id, 0x1234);
    assert_int_equal (g_bytes_get_size (pkt->text), sizes[i]);
    ok = response_to_out (&h, 0, 0);
    assert_int_equal (feed (&h, ok), MSGR_SMB_CLIENT_RUNNING);
  }
  {
    g_autoptr (SmbMsgrPacket) end = NULL;
    g_autoptr (GBytes) ok = NULL;

    assert_true (smb_msgr_parse (h.out->data + 4, h.out->len - 4, &end, NULL));
    assert_int_equal (end->kind, SMB_MSGR_END);
    assert_int_equal (end->group_id, 0x1234);
    ok = response_to_out (&h, 0, 0);
    assert_int_equal (feed (&h, ok), MSGR_SMB_CLIENT_DELIVERED);
  }
  harness_clear (&h);
}

/* Blocks are cut between characters (smbclient's E7 bug): one ASCII byte
 * then 2-byte UTF-8 characters must not be cut at byte 128. */
static void
test_blocks_never_cut_characters (void **state)
{
  Harness h;
  GString *text = g_string_new ("a");
  const char *cp = "UTF-8";

  for (guint i = 0; i < 100; i++)
    g_string_append (text, "\xc3\xa9"); /* é */
  harness_init (&h, text->str, MSGR_SMB_MODE_MULTI, NB_SESSION_FRAMING_NBSS, "S", cp);
  start_and_accept (&h);
  {
    g_autoptr (GBytes) ok = response_to_out (&h, 0, 0);

    assert_int_equal (feed (&h, ok), MSGR_SMB_CLIENT_RUNNING);
  }
  while (msgr_smb_client_get_state (h.client) == MSGR_SMB_STATE_TEXT) {
    g_autoptr (SmbMsgrPacket) pkt = NULL;
    g_autoptr (GBytes) ok = NULL;
    gsize n;
    const char *block;

    assert_true (smb_msgr_parse (h.out->data + 4, h.out->len - 4, &pkt, NULL));
    block = g_bytes_get_data (pkt->text, &n);
    assert_true (n <= 128);
    assert_true (g_utf8_validate (block, (gssize) n, NULL));
    ok = response_to_out (&h, 0, 0);
    feed (&h, ok);
  }
  assert_int_equal (msgr_smb_client_get_n_blocks (h.client), 2);
  g_string_free (text, TRUE);
  harness_clear (&h);
}

static void
test_negative_session_responses (void **state)
{
  static const struct {
    guint8 code;
    NsSendError error;
  } cases[] = {
    { 0x80, NS_SEND_ERROR_NOT_LISTENING_ON_CALLED },
    { 0x81, NS_SEND_ERROR_NOT_LISTENING_FOR_CALLING },
    { 0x82, NS_SEND_ERROR_CALLED_NOT_PRESENT },
    { 0x83, NS_SEND_ERROR_INSUFFICIENT_RESOURCES },
    { 0x8F, NS_SEND_ERROR_SESSION_REFUSED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    Harness h;
    /* NEGATIVE SESSION RESPONSE (RFC 1002 §4.3.4): type, flags, length 1, code. */
    const guint8 neg[] = { 0x83, 0x00, 0x00, 0x01, cases[i].code };

    harness_init (&h, "x", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "S", NULL);
    assert_int_equal (msgr_smb_client_start (h.client, h.out), MSGR_SMB_CLIENT_RUNNING);
    assert_failed_with (&h, feed_raw (&h, neg, sizeof neg), cases[i].error);
    assert_non_null (strstr (msgr_smb_client_get_error (h.client)->message, "PEERA<03>"));
    assert_int_equal (msgr_smb_client_get_n_responses (h.client), 0);
    harness_clear (&h);
  }
}

static void
test_retarget (void **state)
{
  Harness h;
  /* RETARGET SESSION RESPONSE (RFC 1002 §4.3.5): 10.0.0.9 port 1139. */
  static const guint8 retarget[] = { 0x84, 0x00, 0x00, 0x06, 10, 0, 0, 9, 0x04, 0x73 };
  guint32 ip = 0;
  guint16 port = 0;

  harness_init (&h, "x", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "S", NULL);
  assert_false (msgr_smb_client_get_retarget (h.client, &ip, &port));
  assert_int_equal (msgr_smb_client_start (h.client, h.out), MSGR_SMB_CLIENT_RUNNING);
  assert_int_equal (feed_raw (&h, retarget, sizeof retarget), MSGR_SMB_CLIENT_RETARGET);
  assert_true (msgr_smb_client_get_retarget (h.client, &ip, &port));
  assert_int_equal (ip, 0x0a000009);
  assert_int_equal (port, 1139);
  harness_clear (&h);
}

/* Error statuses of the final response (PROTOCOL.md §2.10), DOS and NT. */
static void
test_error_statuses (void **state)
{
  static const struct {
    guint32 status;
    guint16 flags2;
    NsSendError error;
  } cases[] = {
    { SMB_STATUS_DOS (SMB_ERRSRV, SMB_ERRSRV_MSGOFF), 0, NS_SEND_ERROR_MSG_OFF },
    { SMB_STATUS_DOS (SMB_ERRDOS, SMB_ERRDOS_REQ_NOT_ACCEPTED), 0, NS_SEND_ERROR_MSG_OFF },
    { SMB_NT_STATUS_REQUEST_NOT_ACCEPTED, SMB_FLAGS2_NT_STATUS, NS_SEND_ERROR_MSG_OFF },
    { SMB_STATUS_DOS (SMB_ERRSRV, SMB_ERRSRV_PAUSED), 0, NS_SEND_ERROR_PAUSED },
    { 0xC00000CFu, SMB_FLAGS2_NT_STATUS, NS_SEND_ERROR_PAUSED },
    { SMB_STATUS_DOS (SMB_ERRSRV, SMB_ERRSRV_NOROOM), 0, NS_SEND_ERROR_NO_ROOM },
    { SMB_STATUS_DOS (SMB_ERRDOS, 0x0005), 0, NS_SEND_ERROR_ACCESS_DENIED },
    { 0xC0000022u, SMB_FLAGS2_NT_STATUS, NS_SEND_ERROR_ACCESS_DENIED },
    { SMB_STATUS_DOS (SMB_ERRSRV, SMB_ERRSRV_UNKNOWN_SMB), 0, NS_SEND_ERROR_REMOTE },
    { SMB_NT_STATUS_INVALID_PARAMETER, SMB_FLAGS2_NT_STATUS, NS_SEND_ERROR_REMOTE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    Harness h;
    g_autoptr (GBytes) err = NULL;

    harness_init (&h, "x", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "S", NULL);
    start_and_accept (&h);
    err = response_to_out (&h, cases[i].status, cases[i].flags2);
    assert_failed_with (&h, feed (&h, err), cases[i].error);
    assert_int_equal (msgr_smb_client_get_n_responses (h.client), 1);
    assert_non_null (strstr (msgr_smb_client_get_error (h.client)->message,
                             "SMB_COM_SEND_MESSAGE"));
    harness_clear (&h);
  }
}

/* Only the final response decides: an error to a 0xD7 ends the delivery
 * (no 0xD6 is sent), and so does an error to the 0xD6. */
static void
test_errors_mid_sequence (void **state)
{
  Harness h;
  g_autoptr (GBytes) ok = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (GBytes) err2 = NULL;

  harness_init (&h, "x", MSGR_SMB_MODE_MULTI, NB_SESSION_FRAMING_NBSS, "S", NULL);
  start_and_accept (&h);
  ok = response_to_out (&h, 0, 0);
  assert_int_equal (feed (&h, ok), MSGR_SMB_CLIENT_RUNNING);
  assert_int_equal (msgr_smb_client_get_state (h.client), MSGR_SMB_STATE_TEXT);
  err = response_to_out (&h, SMB_STATUS_DOS (SMB_ERRSRV, SMB_ERRSRV_NOROOM), 0);
  assert_failed_with (&h, feed (&h, err), NS_SEND_ERROR_NO_ROOM);
  assert_int_equal (h.out->len, 0);
  harness_clear (&h);

  harness_init (&h, "x", MSGR_SMB_MODE_MULTI, NB_SESSION_FRAMING_NBSS, "S", NULL);
  start_and_accept (&h);
  for (guint i = 0; i < 2; i++) {
    g_autoptr (GBytes) r = response_to_out (&h, 0, 0);

    assert_int_equal (feed (&h, r), MSGR_SMB_CLIENT_RUNNING);
  }
  assert_int_equal (msgr_smb_client_get_state (h.client), MSGR_SMB_STATE_END);
  err2 = response_to_out (&h, SMB_NT_STATUS_REQUEST_NOT_ACCEPTED, SMB_FLAGS2_NT_STATUS);
  assert_failed_with (&h, feed (&h, err2), NS_SEND_ERROR_MSG_OFF);
  harness_clear (&h);
}

static void
test_protocol_violations (void **state)
{
  Harness h;
  static const guint8 keepalive[] = { 0x85, 0x00, 0x00, 0x00 };
  static const guint8 bad_header[] = { 0x86, 0x00, 0x00, 0x00 };
  g_autoptr (GBytes) d7r = tv_lookup ("smb-message-short-d5-d7-d6", "SMBsendtxt response");
  g_autoptr (GBytes) d0r = tv_lookup ("smb-sends-d0", "Samba SMBsends response (independent bytes)");

  /* A session message before the session response. */
  harness_init (&h, "x", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "S", NULL);
  assert_int_equal (msgr_smb_client_start (h.client, h.out), MSGR_SMB_CLIENT_RUNNING);
  assert_failed_with (&h, feed (&h, d0r), NS_SEND_ERROR_PROTOCOL);
  harness_clear (&h);

  /* Keep-alives are ignored; the response to another command is not ours. */
  harness_init (&h, "x", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "S", NULL);
  start_and_accept (&h);
  assert_int_equal (feed_raw (&h, keepalive, sizeof keepalive), MSGR_SMB_CLIENT_RUNNING);
  assert_failed_with (&h, feed (&h, d7r), NS_SEND_ERROR_PROTOCOL);
  harness_clear (&h);

  /* An invalid NBSS header. */
  harness_init (&h, "x", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "S", NULL);
  start_and_accept (&h);
  assert_failed_with (&h, feed_raw (&h, bad_header, sizeof bad_header), NS_SEND_ERROR_PROTOCOL);
  harness_clear (&h);

  /* The session response and the answer to a 0xD0 not yet sent, in one
   * read: the answer cannot be genuine, and nothing is left to send. */
  harness_init (&h, "x", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "S", NULL);
  assert_int_equal (msgr_smb_client_start (h.client, h.out), MSGR_SMB_CLIENT_RUNNING);
  {
    g_autoptr (GBytes) positive = tv_lookup ("nbss-session-request",
                                             "positive session response");
    g_autoptr (GByteArray) both = g_byte_array_new ();

    g_byte_array_append (both, g_bytes_get_data (positive, NULL), g_bytes_get_size (positive));
    g_byte_array_append (both, g_bytes_get_data (d0r, NULL), g_bytes_get_size (d0r));
    g_byte_array_set_size (h.out, 0);
    assert_failed_with (&h, msgr_smb_client_receive (h.client, both->data, both->len, h.out),
                        NS_SEND_ERROR_PROTOCOL);
    assert_int_equal (h.out->len, 0);
    assert_int_equal (msgr_smb_client_get_n_responses (h.client), 0);
  }
  harness_clear (&h);

  /* Our own request echoed back is no response. */
  harness_init (&h, "x", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "S", NULL);
  start_and_accept (&h);
  {
    g_autoptr (GBytes) echo = g_bytes_new (h.out->data, h.out->len);

    assert_failed_with (&h, feed (&h, echo), NS_SEND_ERROR_PROTOCOL);
  }
  harness_clear (&h);
}

static void
test_closes_and_timeouts (void **state)
{
  Harness h;
  g_autoptr (GBytes) ok = NULL;

  /* Closed after a first 0xD5: SMB1 messenger commands refused (capture 07). */
  harness_init (&h, "x", MSGR_SMB_MODE_MULTI, NB_SESSION_FRAMING_NBSS, "S", NULL);
  start_and_accept (&h);
  assert_failed_with (&h, msgr_smb_client_closed (h.client, FALSE), NS_SEND_ERROR_MSG_OFF);
  harness_clear (&h);

  /* Closed before the session response. */
  harness_init (&h, "x", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "S", NULL);
  assert_int_equal (msgr_smb_client_start (h.client, h.out), MSGR_SMB_CLIENT_RUNNING);
  assert_failed_with (&h, msgr_smb_client_closed (h.client, TRUE), NS_SEND_ERROR_PROTOCOL);
  assert_non_null (strstr (msgr_smb_client_get_error (h.client)->message, "session response"));
  harness_clear (&h);

  /* Closed in the middle of the multi-block sequence. */
  harness_init (&h, "x", MSGR_SMB_MODE_MULTI, NB_SESSION_FRAMING_NBSS, "S", NULL);
  start_and_accept (&h);
  ok = response_to_out (&h, 0, 0);
  assert_int_equal (feed (&h, ok), MSGR_SMB_CLIENT_RUNNING);
  assert_failed_with (&h, msgr_smb_client_closed (h.client, FALSE), NS_SEND_ERROR_PROTOCOL);
  assert_non_null (strstr (msgr_smb_client_get_error (h.client)->message,
                           "SMB_COM_SEND_TEXT_MB_MESSAGE"));
  harness_clear (&h);

  /* The owner's timeout names what we waited for. */
  harness_init (&h, "x", MSGR_SMB_MODE_AUTO, NB_SESSION_FRAMING_NBSS, "S", NULL);
  assert_int_equal (msgr_smb_client_start (h.client, h.out), MSGR_SMB_CLIENT_RUNNING);
  assert_failed_with (&h, msgr_smb_client_timeout (h.client), NS_SEND_ERROR_TIMEOUT);
  assert_non_null (strstr (msgr_smb_client_get_error (h.client)->message, "session response"));
  harness_clear (&h);
}

/* Port 445 (capture 06): no session request; the first SMB goes straight
 * out in direct framing. */
static void
test_direct_framing (void **state)
{
  Harness h;
  g_autoptr (GBytes) d5 = golden_zeroed ("smb-message-port445",
                                         "SMBsendstrt on 445 (no NBSS session request)");
  g_autoptr (GBytes) d5r = tv_lookup ("smb-message-port445", "response");

  harness_init (&h, "port 445", MSGR_SMB_MODE_MULTI, NB_SESSION_FRAMING_DIRECT, "PORT445", NULL);
  assert_int_equal (msgr_smb_client_start (h.client, h.out), MSGR_SMB_CLIENT_RUNNING);
  assert_int_equal (msgr_smb_client_get_state (h.client), MSGR_SMB_STATE_START);
  assert_out_equals (&h, d5);
  assert_int_equal (feed (&h, d5r), MSGR_SMB_CLIENT_RUNNING);
  assert_int_equal (h.out->data[8], SMB_COM_SEND_TEXT_MB_MESSAGE);
  harness_clear (&h);
}

static void
test_config_refused (void **state)
{
  MsgrSmbClientConfig config;
  g_autofree char *long_text = g_strnfill (129, 'x');
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GBytes) text129 = g_bytes_new (long_text, 129);
  g_autoptr (GBytes) one = g_bytes_new_static ("x", 1);
  GError *error = NULL;

  memset (&config, 0, sizeof config);
  config.from = "S";
  config.to = "PEERA";
  config.text = empty;
  assert_null (msgr_smb_client_new (&config, &error));
  assert_true (g_error_matches (error, NS_SEND_ERROR, NS_SEND_ERROR_EMPTY_MESSAGE));
  g_clear_error (&error);

  config.text = text129;
  config.mode = MSGR_SMB_MODE_SINGLE;
  assert_null (msgr_smb_client_new (&config, &error));
  assert_true (g_error_matches (error, NS_SEND_ERROR, NS_SEND_ERROR_MESSAGE_TOO_LONG));
  g_clear_error (&error);

  config.text = one;
  config.from = "SIXTEEN-CHARS-XX";
  assert_null (msgr_smb_client_new (&config, &error));
  assert_true (g_error_matches (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME));
  g_clear_error (&error);

  config.from = "S";
  config.to = "";
  assert_null (msgr_smb_client_new (&config, &error));
  assert_true (g_error_matches (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME));
  g_clear_error (&error);
}

static void
test_error_codes_and_texts (void **state)
{
  assert_int_equal (ns_send_error_windows_code (NS_SEND_ERROR_NAME_NOT_FOUND), 2273);
  assert_int_equal (ns_send_error_windows_code (NS_SEND_ERROR_CALLED_NOT_PRESENT), 2273);
  assert_int_equal (ns_send_error_windows_code (NS_SEND_ERROR_PAUSED), 2281);
  assert_int_equal (ns_send_error_windows_code (NS_SEND_ERROR_PROTOCOL), 2136);
  assert_int_equal (ns_send_error_windows_code (NS_SEND_ERROR_TIMEOUT), 121);
  assert_string_equal (ns_windows_error_text (2273),
                       "The message alias could not be found on the network.");
  assert_null (ns_windows_error_text (99999));
  assert_string_equal (msgr_smb_client_status_to_string (MSGR_SMB_CLIENT_RETRY_MULTIBLOCK),
                       "retry-multiblock");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_session_request_golden),
    cmocka_unit_test (test_short_text_uses_d0),
    cmocka_unit_test (test_samba_drops_first_d0),
    cmocka_unit_test (test_multi_block_golden),
    cmocka_unit_test (test_long_text_blocks_and_group_id),
    cmocka_unit_test (test_blocks_never_cut_characters),
    cmocka_unit_test (test_negative_session_responses),
    cmocka_unit_test (test_retarget),
    cmocka_unit_test (test_error_statuses),
    cmocka_unit_test (test_errors_mid_sequence),
    cmocka_unit_test (test_protocol_violations),
    cmocka_unit_test (test_closes_and_timeouts),
    cmocka_unit_test (test_direct_framing),
    cmocka_unit_test (test_config_refused),
    cmocka_unit_test (test_error_codes_and_texts),
  };
  return cmocka_run_group_tests_name ("msgr-smb-client", tests, NULL, NULL);
}

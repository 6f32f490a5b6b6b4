/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The Messenger receiver state machine (lib/engine/msgr-smb-server.c), frame
 * by frame: Samba's captured client frames (golden-vectors.json) go in, the
 * exact responses come out; every error path of the header's table; the
 * commit hand-off; timeouts on a fake clock. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/msgr-smb-server.h"
#include "netsend/nb-transport.h"
#include "netsend/ns-errors.h"
#include "vectors.h"

#define T0 (1000 * G_USEC_PER_SEC)
#define SEC G_USEC_PER_SEC

typedef struct {
  MsgrSmbServer *server;
  GByteArray *out;
  NbSessionFraming framing;
  guint8 refuse_code;
  guint n_session_calls;
  NbName last_called;
} Fixture;

static guint8
session_func (const NbName *called, const NbName *calling, gpointer user_data)
{
  Fixture *f = user_data;

  f->n_session_calls++;
  f->last_called = *called;
  return f->refuse_code;
}

static Fixture *
fixture_new_full (NbSessionFraming framing, gsize max_text, guint16 first_group)
{
  Fixture *f = g_new0 (Fixture, 1);
  MsgrSmbServerConfig c;

  msgr_smb_server_config_init (&c);
  c.framing = framing;
  c.max_text = max_text;
  c.first_group_id = first_group;
  c.session_func = session_func;
  c.user_data = f;
  f->framing = framing;
  f->server = msgr_smb_server_new (&c, T0);
  f->out = g_byte_array_new ();
  return f;
}

static int
setup_nbss (void **state)
{
  *state = fixture_new_full (NB_SESSION_FRAMING_NBSS, 0, 0x1234);
  return 0;
}

static int
setup_direct (void **state)
{
  *state = fixture_new_full (NB_SESSION_FRAMING_DIRECT, 0, 0x1234);
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  msgr_smb_server_free (f->server);
  g_byte_array_unref (f->out);
  g_free (f);
  return 0;
}

/* Feeds @data in chunks of @chunk bytes (0: at once); the output so far is
 * in f->out (cleared first). Returns the status of the last call. */
static MsgrSmbServerStatus
feed_chunked (Fixture *f, const guint8 *data, gsize len, gsize chunk, gint64 now)
{
  MsgrSmbServerStatus st = MSGR_SMB_SERVER_CONTINUE;
  gsize off = 0;

  g_byte_array_set_size (f->out, 0);
  if (chunk == 0)
    chunk = len;
  do {
    gsize n = MIN (chunk, len - off);

    st = msgr_smb_server_receive (f->server, data + off, n, now, f->out);
    off += n;
  } while (off < len);
  return st;
}

static MsgrSmbServerStatus
feed (Fixture *f, GBytes *bytes)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (bytes, &len);

  return feed_chunked (f, p, len, 0, T0 + SEC);
}

static MsgrSmbServerStatus
feed_golden (Fixture *f, const char *name, const char *label)
{
  g_autoptr (GBytes) b = tv_lookup (name, label);

  return feed (f, b);
}

/* Frames @smb (an SMB built by the test) for f's framing and feeds it. */
static MsgrSmbServerStatus
feed_smb (Fixture *f, GByteArray *smb)
{
  g_autoptr (GByteArray) framed = g_byte_array_new ();

  assert_true (nb_session_build_message (framed, f->framing, smb->data, smb->len, NULL));
  g_byte_array_set_size (f->out, 0);
  return msgr_smb_server_receive (f->server, framed->data, framed->len, T0 + SEC, f->out);
}

static MsgrSmbServerStatus
feed_raw_smb (Fixture *f, const guint8 *smb, gsize len)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();

  g_byte_array_append (a, smb, (guint) len);
  return feed_smb (f, a);
}

/* The output as a list of frame payloads (GBytes), checking their types. */
static GPtrArray *
out_frames (Fixture *f, guint8 want_type)
{
  g_autoptr (NbSessionFramer) framer = nb_session_framer_new (f->framing, NB_SESSION_MAX_LENGTH);
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint8 type;
  GBytes *payload;

  assert_true (nb_session_framer_push (framer, f->out->data, f->out->len, NULL));
  while (nb_session_framer_pop (framer, &type, &payload)) {
    assert_int_equal (type, want_type);
    g_ptr_array_add (frames, payload);
  }
  assert_int_equal (nb_session_framer_get_buffered (framer), 0);
  return frames;
}

/* The one SMB response in the output, parsed. */
static SmbMsgrPacket *
out_response (Fixture *f)
{
  g_autoptr (GPtrArray) frames = out_frames (f, NB_SESSION_MESSAGE);
  SmbMsgrPacket *p = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *d;

  assert_int_equal (frames->len, 1);
  d = g_bytes_get_data (g_ptr_array_index (frames, 0), &len);
  if (!smb_msgr_parse (d, len, &p, &error))
    fail_msg ("response does not parse: %s", error->message);
  assert_true (p->header.flags & SMB_FLAGS_REPLY);
  return p;
}

/* The one SMB in the output must be a parameterless response (35 bytes:
 * header, WordCount 0, ByteCount 0) to @command with this DOS status. Only
 * the header is parsed: smb_msgr_parse() knows no responses to commands we
 * do not implement. */
static void
expect_error (Fixture *f, guint8 command, guint8 cls, guint16 code)
{
  g_autoptr (GPtrArray) frames = out_frames (f, NB_SESSION_MESSAGE);
  static const guint8 no_params[3] = { 0, 0, 0 };
  SmbHeader h;
  gsize len;
  const guint8 *d;

  assert_int_equal (frames->len, 1);
  d = g_bytes_get_data (g_ptr_array_index (frames, 0), &len);
  assert_true (smb_header_parse (d, len, &h, NULL));
  assert_int_equal (len, SMB_HEADER_SIZE + 3);
  assert_memory_equal (d + SMB_HEADER_SIZE, no_params, 3);
  assert_int_equal (h.flags, SMB_FLAGS_REPLY);
  assert_int_equal (h.command, command);
  assert_int_equal (h.flags2, 0);
  assert_int_equal (SMB_STATUS_DOS_CLASS (h.status), cls);
  assert_int_equal (SMB_STATUS_DOS_CODE (h.status), code);
}

static void
expect_success (Fixture *f, guint8 command)
{
  expect_error (f, command, 0, 0);
}

static void
open_session (Fixture *f)
{
  assert_int_equal (feed_golden (f, "nbss-session-request",
                                 "session request called=PEERA<03> calling=NSN-H2<00>"),
                    MSGR_SMB_SERVER_CONTINUE);
  assert_int_equal (f->out->len, 4);
  assert_int_equal (msgr_smb_server_get_state (f->server), MSGR_SMB_SERVER_STATE_IDLE);
}

/* The whole of capture 02 (Samba 4.17 smbclient -M): session request,
 * START, one TEXT, END; our responses byte for byte. */
static void
test_golden_short_session (void **state)
{
  Fixture *f = *state;
  g_autoptr (GBytes) positive = tv_lookup ("nbss-session-request", "positive session response");
  g_autoptr (MsgrSmbServerMessage) m = NULL;
  g_autofree char *called = NULL;
  /* START response: header echoing the request (MID 0x21dd is at PID, as
   * Samba's client puts its pid there), WordCount 1, our group id. */
  static const guint8 start_response[] = {
    0x00, 0x00, 0x00, 0x25,                         /* NBSS message, length 37 */
    0xff, 'S', 'M', 'B', 0xd5,                      /* protocol, command 0xD5 */
    0x00, 0x00, 0x00, 0x00,                         /* status: success */
    0x80, 0x00, 0x00,                               /* flags REPLY, flags2 0 */
    0x00, 0x00,                                     /* PIDHigh */
    0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00,             /* signature, reserved */
    0x00, 0x00, 0xdd, 0x21, 0x00, 0x00, 0x00, 0x00, /* TID 0, PID 0x21dd, UID 0, MID 0 */
    0x01, 0x34, 0x12,                               /* WordCount 1, MessageGroupId 0x1234 */
    0x00, 0x00,                                     /* ByteCount 0 */
  };
  /* TEXT / END responses: WordCount 0, ByteCount 0 (35 bytes). */
  static const guint8 end_response[] = {
    0x00, 0x00, 0x00, 0x23,
    0xff, 'S', 'M', 'B', 0xd6, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
    0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00,
    0x00, 0x00, 0xdd, 0x21, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00,
  };

  open_session (f);
  assert_memory_equal (f->out->data, g_bytes_get_data (positive, NULL), 4);
  assert_int_equal (f->n_session_calls, 1);
  called = nb_name_to_utf8 (&f->last_called, NULL);
  assert_string_equal (called, "PEERA");
  assert_int_equal (nb_name_suffix (&f->last_called), 0x03);

  assert_int_equal (feed_golden (f, "smb-message-short-d5-d7-d6", "SMBsendstrt request"),
                    MSGR_SMB_SERVER_CONTINUE);
  assert_int_equal (f->out->len, sizeof start_response);
  assert_memory_equal (f->out->data, start_response, sizeof start_response);
  assert_int_equal (msgr_smb_server_get_state (f->server), MSGR_SMB_SERVER_STATE_MULTI_BLOCK);

  /* Samba's client sent group id 0 (its own server hands out none). */
  assert_int_equal (feed_golden (f, "smb-message-short-d5-d7-d6", "SMBsendtxt request"),
                    MSGR_SMB_SERVER_CONTINUE);
  expect_success (f, SMB_COM_SEND_TEXT_MB_MESSAGE);

  assert_int_equal (feed_golden (f, "smb-message-short-d5-d7-d6", "SMBsendend request"),
                    MSGR_SMB_SERVER_MESSAGE);
  /* No final response before the commit. */
  assert_int_equal (f->out->len, 0);
  assert_int_equal (msgr_smb_server_get_state (f->server), MSGR_SMB_SERVER_STATE_COMMIT);
  assert_int_equal (msgr_smb_server_next_deadline (f->server), NB_ENGINE_NO_DEADLINE);
  m = msgr_smb_server_take_message (f->server);
  assert_non_null (m);
  assert_null (msgr_smb_server_take_message (f->server));
  assert_string_equal (m->from, "SENDER2");
  assert_string_equal (m->to, "PEERA");
  assert_true (m->multi_block);
  assert_true (m->has_session);
  assert_int_equal (g_bytes_get_size (m->text), 35);
  assert_memory_equal (g_bytes_get_data (m->text, NULL), "Hello PEERA from h2 (short ASCII)\r\n", 35);

  g_byte_array_set_size (f->out, 0);
  assert_int_equal (msgr_smb_server_complete (f->server, 0, T0 + 2 * SEC, f->out),
                    MSGR_SMB_SERVER_CONTINUE);
  assert_int_equal (f->out->len, sizeof end_response);
  assert_memory_equal (f->out->data, end_response, sizeof end_response);
  assert_int_equal (msgr_smb_server_get_state (f->server), MSGR_SMB_SERVER_STATE_IDLE);
}

/* Capture 03: three 0xD7 blocks of 127, 127 and 47 bytes (group id 0). */
static void
test_golden_long_multiblock (void **state)
{
  Fixture *f = *state;
  g_autoptr (GByteArray) start = g_byte_array_new ();
  g_autoptr (GByteArray) end = g_byte_array_new ();
  g_autoptr (MsgrSmbServerMessage) m = NULL;
  SmbHeader h;
  const char *labels[] = { "SMBsendtxt block 1 (127 bytes)", "SMBsendtxt block 2 (127 bytes)",
                           "SMBsendtxt block 3 (rest incl. CRLF)" };
  const guint8 *text;
  gsize n;

  open_session (f);
  smb_header_init_request (&h, SMB_COM_SEND_START_MB_MESSAGE);
  assert_true (smb_msgr_build_start (start, &h, "SENDER2", "PEERA", NULL));
  assert_int_equal (feed_smb (f, start), MSGR_SMB_SERVER_CONTINUE);
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++) {
    assert_int_equal (feed_golden (f, "smb-message-long-multiblock", labels[i]),
                      MSGR_SMB_SERVER_CONTINUE);
    expect_success (f, SMB_COM_SEND_TEXT_MB_MESSAGE);
  }
  assert_true (smb_msgr_build_end (end, &h, 0, NULL));
  assert_int_equal (feed_smb (f, end), MSGR_SMB_SERVER_MESSAGE);
  m = msgr_smb_server_take_message (f->server);
  text = g_bytes_get_data (m->text, &n);
  assert_int_equal (n, 127 + 127 + 47);
  assert_memory_equal (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26);
  assert_memory_equal (text + n - 2, "\r\n", 2);
}

/* Capture 12: an empty message is one TEXT holding a single 0x00 byte. */
static void
test_golden_empty (void **state)
{
  Fixture *f = *state;
  g_autoptr (GByteArray) start = g_byte_array_new ();
  g_autoptr (GByteArray) end = g_byte_array_new ();
  g_autoptr (MsgrSmbServerMessage) m = NULL;
  SmbHeader h;

  open_session (f);
  smb_header_init_request (&h, SMB_COM_SEND_START_MB_MESSAGE);
  assert_true (smb_msgr_build_start (start, &h, "H2", "PEERA", NULL));
  feed_smb (f, start);
  assert_int_equal (feed_golden (f, "smb-message-edge-empty", "SMBsendtxt of an empty message"),
                    MSGR_SMB_SERVER_CONTINUE);
  expect_success (f, SMB_COM_SEND_TEXT_MB_MESSAGE);
  assert_true (smb_msgr_build_end (end, &h, 0, NULL));
  assert_int_equal (feed_smb (f, end), MSGR_SMB_SERVER_MESSAGE);
  m = msgr_smb_server_take_message (f->server);
  assert_int_equal (g_bytes_get_size (m->text), 1);
  assert_int_equal (((const guint8 *) g_bytes_get_data (m->text, NULL))[0], 0x00);
}

/* Capture 06: smbclient -M -p 445 sends START with no session request. */
static void
test_golden_port445 (void **state)
{
  Fixture *f = *state;
  g_autoptr (SmbMsgrPacket) p = NULL;

  assert_int_equal (msgr_smb_server_get_state (f->server), MSGR_SMB_SERVER_STATE_IDLE);
  assert_int_equal (feed_golden (f, "smb-message-port445", "SMBsendstrt on 445 (no NBSS session request)"),
                    MSGR_SMB_SERVER_CONTINUE);
  p = out_response (f);
  assert_true (p->has_group_id);
  assert_int_equal (p->group_id, 0x1234);
  assert_int_equal (p->header.pid, 0x22f9);
  assert_int_equal (f->n_session_calls, 0);
}

/* Golden capture 11: Windows' way, 0xD0 as the very first SMB, which
 * Samba's smbd answers by closing the connection. We accept it. */
static void
test_golden_d0_first (void **state)
{
  Fixture *f = *state;
  g_autoptr (MsgrSmbServerMessage) m = NULL;
  static const guint8 d0_response[] = {
    0x00, 0x00, 0x00, 0x23,                         /* NBSS message, 35 bytes */
    0xff, 'S', 'M', 'B', 0xd0, 0, 0, 0, 0,          /* 0xD0, success */
    0x80, 0x00, 0x00, 0x00, 0x00,                   /* REPLY, flags2 0, PIDHigh */
    0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00,             /* signature, reserved */
    0x00, 0x00, 0x42, 0x42, 0x00, 0x00, 0x01, 0x00, /* TID, PID 0x4242, UID, MID 1 */
    0x00, 0x00, 0x00,                               /* WordCount 0, ByteCount 0 */
  };

  open_session (f);
  assert_int_equal (feed_golden (f, "smb-sends-d0",
                                 "crafted 0xD0 as first SMB (server closes the connection)"),
                    MSGR_SMB_SERVER_MESSAGE);
  m = msgr_smb_server_take_message (f->server);
  assert_false (m->multi_block);
  assert_string_equal (m->from, "SENDERD0");
  assert_string_equal (m->to, "PEERA");
  assert_int_equal (g_bytes_get_size (m->text), 0x1d);
  assert_memory_equal (g_bytes_get_data (m->text, NULL), "single block 0xD0, no negprot", 0x1d);
  g_byte_array_set_size (f->out, 0);
  assert_int_equal (msgr_smb_server_complete (f->server, 0, T0 + SEC, f->out),
                    MSGR_SMB_SERVER_CONTINUE);
  assert_int_equal (f->out->len, sizeof d0_response);
  assert_memory_equal (f->out->data, d0_response, sizeof d0_response);
}

/* A client that negotiates first (NT LM 0.12 offered) gets the NT LM form
 * and then delivers its 0xD0 (the crafted frame of capture 11). */
static void
test_negotiate_then_d0 (void **state)
{
  Fixture *f = *state;
  g_autoptr (GByteArray) neg = g_byte_array_new ();
  g_autoptr (SmbMsgrPacket) p = NULL;
  const char *const dialects[] = { "PC NETWORK PROGRAM 1.0", "LANMAN1.0", "NT LM 0.12", NULL };
  SmbHeader h;

  open_session (f);
  smb_header_init_request (&h, SMB_COM_NEGOTIATE);
  h.mid = 7;
  assert_true (smb_msgr_build_negotiate_request (neg, &h, dialects, NULL));
  assert_int_equal (feed_smb (f, neg), MSGR_SMB_SERVER_CONTINUE);
  p = out_response (f);
  assert_int_equal (p->kind, SMB_MSGR_NEGOTIATE_RESPONSE);
  assert_true (p->negotiate.nt_lm);
  assert_int_equal (p->negotiate.dialect_index, 2);
  assert_int_equal (p->negotiate.capabilities, 0);
  assert_int_equal (p->header.mid, 7);
  assert_int_equal (feed_golden (f, "smb-sends-d0", "crafted 0xD0 after negprot"),
                    MSGR_SMB_SERVER_MESSAGE);
}

/* Without NT LM the core dialect's one-word form; without either, "none". */
static void
test_negotiate_core_and_none (void **state)
{
  Fixture *f = *state;
  const char *const core[] = { "MICROSOFT NETWORKS 1.03", "PC NETWORK PROGRAM 1.0", NULL };
  const char *const other[] = { "SMB 2.002", NULL };
  SmbHeader h;

  smb_header_init_request (&h, SMB_COM_NEGOTIATE);
  for (guint i = 0; i < 2; i++) {
    g_autoptr (GByteArray) neg = g_byte_array_new ();
    g_autoptr (SmbMsgrPacket) p = NULL;

    assert_true (smb_msgr_build_negotiate_request (neg, &h, i == 0 ? core : other, NULL));
    assert_int_equal (feed_smb (f, neg), MSGR_SMB_SERVER_CONTINUE);
    p = out_response (f);
    assert_int_equal (p->kind, SMB_MSGR_NEGOTIATE_RESPONSE);
    assert_false (p->negotiate.nt_lm);
    assert_int_equal (p->negotiate.dialect_index, i == 0 ? 1 : SMB_MSGR_NO_DIALECT);
  }
}

/* A called name that is not ours: `83 00 00 01 82` and close. */
static void
test_session_refused (void **state)
{
  Fixture *f = *state;
  static const guint8 negative[] = { 0x83, 0x00, 0x00, 0x01, 0x82 };

  f->refuse_code = NB_SESSION_ERR_CALLED_NOT_PRESENT;
  assert_int_equal (feed_golden (f, "nbss-session-request",
                                 "session request called=PEERA<03> calling=NSN-H2<00>"),
                    MSGR_SMB_SERVER_CLOSE);
  assert_int_equal (f->out->len, sizeof negative);
  assert_memory_equal (f->out->data, negative, sizeof negative);
  assert_non_null (strstr (msgr_smb_server_get_close_reason (f->server), "0x82"));
  /* Nothing more is read. */
  assert_int_equal (feed_golden (f, "smb-message-short-d5-d7-d6", "SMBsendstrt request"),
                    MSGR_SMB_SERVER_CLOSE);
  assert_int_equal (f->out->len, 0);
}

/* What the session service does not allow ends the connection. */
static void
test_session_protocol_errors (void **state)
{
  Fixture *f = *state;
  static const guint8 keep_alive[] = { 0x85, 0x00, 0x00, 0x00 };
  /* A SESSION REQUEST whose trailer is 4 bytes: no names in it. */
  static const guint8 short_request[] = { 0x81, 0x00, 0x00, 0x04, 0x20, 0x41, 0x41, 0x00 };
  static const guint8 negative_unspecified[] = { 0x83, 0x00, 0x00, 0x01, 0x8f };
  Fixture *g;

  /* Keep-alives are ignored, before and after the session request. */
  assert_int_equal (feed_chunked (f, keep_alive, sizeof keep_alive, 0, T0), MSGR_SMB_SERVER_CONTINUE);
  assert_int_equal (f->out->len, 0);
  open_session (f);
  assert_int_equal (feed_chunked (f, keep_alive, sizeof keep_alive, 0, T0), MSGR_SMB_SERVER_CONTINUE);
  /* A second session request. */
  assert_int_equal (feed_golden (f, "nbss-session-request",
                                 "session request called=PEERA<03> calling=NSN-H2<00>"),
                    MSGR_SMB_SERVER_CLOSE);
  assert_non_null (strstr (msgr_smb_server_get_close_reason (f->server), "established"));

  /* SMB before the session request. */
  g = fixture_new_full (NB_SESSION_FRAMING_NBSS, 0, 1);
  assert_int_equal (feed_golden (g, "smb-message-short-d5-d7-d6", "SMBsendstrt request"),
                    MSGR_SMB_SERVER_CLOSE);
  assert_int_equal (g->out->len, 0);
  teardown ((void **) &g);

  /* A malformed session request gets 0x8F and the end. */
  g = fixture_new_full (NB_SESSION_FRAMING_NBSS, 0, 1);
  assert_int_equal (feed_chunked (g, short_request, sizeof short_request, 0, T0),
                    MSGR_SMB_SERVER_CLOSE);
  assert_int_equal (g->out->len, sizeof negative_unspecified);
  assert_memory_equal (g->out->data, negative_unspecified, sizeof negative_unspecified);
  assert_int_equal (g->n_session_calls, 0);
  teardown ((void **) &g);
}

/* A broken stream (reserved FLAGS bits, an oversized frame) closes, but
 * the frames before it are still handled. */
static void
test_stream_errors (void **state)
{
  Fixture *f = *state;
  g_autoptr (GBytes) strt = tv_lookup ("smb-message-short-d5-d7-d6", "SMBsendstrt request");
  g_autoptr (GByteArray) both = g_byte_array_new ();
  static const guint8 bad_flags[] = { 0x00, 0x02, 0x00, 0x10 };
  static const guint8 too_big[] = { 0x00, 0x00, 0x20, 0x01 }; /* 8193 bytes */
  g_autoptr (GPtrArray) frames = NULL;

  open_session (f);
  g_byte_array_append (both, g_bytes_get_data (strt, NULL), (guint) g_bytes_get_size (strt));
  g_byte_array_append (both, bad_flags, sizeof bad_flags);
  assert_int_equal (feed_chunked (f, both->data, both->len, 0, T0), MSGR_SMB_SERVER_CLOSE);
  frames = out_frames (f, NB_SESSION_MESSAGE);
  assert_int_equal (frames->len, 1);
  assert_non_null (strstr (msgr_smb_server_get_close_reason (f->server), "session stream"));

  teardown (state);
  setup_nbss (state);
  f = *state;
  open_session (f);
  assert_int_equal (feed_chunked (f, too_big, sizeof too_big, 0, T0), MSGR_SMB_SERVER_CLOSE);
}

/* Byte-by-byte delivery gives the same result as whole frames. */
static void
test_chunking (void **state)
{
  Fixture *f = *state;
  g_autoptr (GByteArray) all = g_byte_array_new ();
  const char *const labels[] = { "SMBsendstrt request", "SMBsendtxt request", "SMBsendend request" };
  g_autoptr (GBytes) req = tv_lookup ("nbss-session-request",
                                      "session request called=PEERA<03> calling=NSN-H2<00>");
  g_autoptr (MsgrSmbServerMessage) m = NULL;
  g_autoptr (GPtrArray) frames = NULL;

  g_byte_array_append (all, g_bytes_get_data (req, NULL), (guint) g_bytes_get_size (req));
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++) {
    g_autoptr (GBytes) b = tv_lookup ("smb-message-short-d5-d7-d6", labels[i]);

    g_byte_array_append (all, g_bytes_get_data (b, NULL), (guint) g_bytes_get_size (b));
  }
  assert_int_equal (feed_chunked (f, all->data, all->len, 1, T0), MSGR_SMB_SERVER_MESSAGE);
  /* Positive response + START response + TEXT response. */
  assert_int_equal (f->out->data[0], NB_SESSION_POSITIVE_RESPONSE);
  g_byte_array_remove_range (f->out, 0, 4);
  frames = out_frames (f, NB_SESSION_MESSAGE);
  assert_int_equal (frames->len, 2);
  m = msgr_smb_server_take_message (f->server);
  assert_string_equal (m->from, "SENDER2");
}

/* Frames that arrive during the commit wait for it, then are handled in
 * order; a refusal goes out as the final response's status. */
static void
test_commit_pipelined (void **state)
{
  Fixture *f = *state;
  g_autoptr (GByteArray) smbs = g_byte_array_new ();
  g_autoptr (GByteArray) framed = g_byte_array_new ();
  g_autoptr (MsgrSmbServerMessage) m1 = NULL;
  g_autoptr (MsgrSmbServerMessage) m2 = NULL;
  g_autoptr (GPtrArray) frames = NULL;
  SmbHeader h;
  guint32 refused = SMB_STATUS_DOS (SMB_ERRSRV, SMB_ERRSRV_MSGOFF);

  smb_header_init_request (&h, SMB_COM_SEND_MESSAGE);
  for (guint i = 0; i < 2; i++) {
    g_byte_array_set_size (smbs, 0);
    h.mid = (guint16) (10 + i);
    assert_true (smb_msgr_build_send_message (smbs, &h, "A", "B", (const guint8 *) "xy", 2, NULL));
    assert_true (nb_session_build_message (framed, f->framing, smbs->data, smbs->len, NULL));
  }
  assert_int_equal (feed_chunked (f, framed->data, framed->len, 0, T0), MSGR_SMB_SERVER_MESSAGE);
  assert_int_equal (f->out->len, 0);
  /* More bytes during the commit: nothing happens. */
  assert_int_equal (msgr_smb_server_receive (f->server, NULL, 0, T0, f->out), MSGR_SMB_SERVER_MESSAGE);
  m1 = msgr_smb_server_take_message (f->server);
  assert_int_equal (msgr_smb_server_receive (f->server, NULL, 0, T0, f->out), MSGR_SMB_SERVER_CONTINUE);
  assert_int_equal (msgr_smb_server_complete (f->server, refused, T0, f->out), MSGR_SMB_SERVER_MESSAGE);
  expect_error (f, SMB_COM_SEND_MESSAGE, SMB_ERRSRV, SMB_ERRSRV_MSGOFF);
  m2 = msgr_smb_server_take_message (f->server);
  assert_non_null (m2);
  g_byte_array_set_size (f->out, 0);
  assert_int_equal (msgr_smb_server_complete (f->server, 0, T0, f->out), MSGR_SMB_SERVER_CONTINUE);
  frames = out_frames (f, NB_SESSION_MESSAGE);
  assert_int_equal (frames->len, 1);
  /* complete() outside a commit is a no-op. */
  g_byte_array_set_size (f->out, 0);
  assert_int_equal (msgr_smb_server_complete (f->server, 0, T0, f->out), MSGR_SMB_SERVER_CONTINUE);
  assert_int_equal (f->out->len, 0);
}

/* 0xD7 / 0xD6 outside a message, a wrong group id, and responses sent to
 * us: MS-MSRP code 5 / ERRerror. Group id 0 is accepted. */
static void
test_sequence_errors (void **state)
{
  Fixture *f = *state;
  g_autoptr (GByteArray) smb = g_byte_array_new ();
  SmbHeader h;

  smb_header_init_request (&h, SMB_COM_SEND_TEXT_MB_MESSAGE);
  assert_true (smb_msgr_build_text (smb, &h, 0x1234, (const guint8 *) "x", 1, NULL));
  assert_int_equal (feed_smb (f, smb), MSGR_SMB_SERVER_CONTINUE);
  expect_error (f, SMB_COM_SEND_TEXT_MB_MESSAGE, SMB_ERRSRV, SMB_MSRP_ERR_BAD_COMMAND);

  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_end (smb, &h, 0x1234, NULL));
  feed_smb (f, smb);
  expect_error (f, SMB_COM_SEND_END_MB_MESSAGE, SMB_ERRSRV, SMB_MSRP_ERR_BAD_COMMAND);

  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_start (smb, &h, "A", "B", NULL));
  feed_smb (f, smb);
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_text (smb, &h, 0x9999, (const guint8 *) "x", 1, NULL));
  feed_smb (f, smb);
  expect_error (f, SMB_COM_SEND_TEXT_MB_MESSAGE, SMB_ERRSRV, SMB_ERRSRV_ERROR);
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_end (smb, &h, 0x9999, NULL));
  feed_smb (f, smb);
  expect_error (f, SMB_COM_SEND_END_MB_MESSAGE, SMB_ERRSRV, SMB_ERRSRV_ERROR);
  /* Still in the message: the right id completes it. */
  assert_int_equal (msgr_smb_server_get_state (f->server), MSGR_SMB_SERVER_STATE_MULTI_BLOCK);
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_end (smb, &h, 0x1234, NULL));
  assert_int_equal (feed_smb (f, smb), MSGR_SMB_SERVER_MESSAGE);

  /* A response sent to the server. */
  msgr_smb_server_complete (f->server, 0, T0, f->out);
  {
    SmbHeader rh;

    smb_header_init_response (&rh, &h, 0);
    rh.command = SMB_COM_SEND_MESSAGE;
    g_byte_array_set_size (smb, 0);
    assert_true (smb_msgr_build_response (smb, &rh, NULL));
    feed_smb (f, smb);
    expect_error (f, SMB_COM_SEND_MESSAGE, SMB_ERRSRV, SMB_MSRP_ERR_BAD_COMMAND);
  }
}

/* 0xD1-0xD4 and other commands: ERRSRV/ERRunknownsmb, ids echoed. */
static void
test_unknown_commands (void **state)
{
  Fixture *f = *state;
  const guint8 commands[] = { 0xD1, 0xD2, 0xD3, 0xD4, 0x25, 0x73, 0xD8 };

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++) {
    guint8 smb[] = {
      0xff, 'S', 'M', 'B', commands[i],           /* header: protocol, command */
      0, 0, 0, 0, 0x00, 0x00, 0x00, 0x00, 0x00,   /* status, flags, flags2, PIDHigh */
      0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00,         /* signature, reserved */
      0x00, 0x00, 0x55, 0x00, 0x00, 0x00, 0x66, 0x00, /* TID, PID 0x55, UID, MID 0x66 */
      0x00, 0x00, 0x00,                           /* WordCount 0, ByteCount 0 */
    };
    g_autoptr (GPtrArray) frames = NULL;
    SmbHeader h;

    assert_int_equal (feed_raw_smb (f, smb, sizeof smb), MSGR_SMB_SERVER_CONTINUE);
    expect_error (f, commands[i], SMB_ERRSRV, SMB_ERRSRV_UNKNOWN_SMB);
    frames = out_frames (f, NB_SESSION_MESSAGE);
    assert_true (smb_header_parse (g_bytes_get_data (g_ptr_array_index (frames, 0), NULL),
                                   SMB_HEADER_SIZE, &h, NULL));
    assert_int_equal (h.pid, 0x55);
    assert_int_equal (h.mid, 0x66);
  }
}

/* The validation table of MS-MSRP §3.2.4.5, one hand-made SMB per code. */
static void
test_validation_codes (void **state)
{
  Fixture *f = *state;
#define HDR(cmd) 0xff, 'S', 'M', 'B', (cmd), 0, 0, 0, 0, 0, 0, 0, 0, 0, \
                 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  /* 0xD0 with WordCount 1: code 6. */
  static const guint8 wc[] = { HDR (0xD0), 0x01, 0x00, 0x00, 0x00, 0x00 };
  /* 0xD5 whose first buffer format is 0x03 (a path), not 0x04: code 11. */
  static const guint8 fmt_string[] = { HDR (0xD5), 0x00, 0x04, 0x00, 0x03, 'A', 0x00, 0x00 };
  /* 0xD5 whose second string has format 0x01: code 11. */
  static const guint8 fmt_string2[] = { HDR (0xD5), 0x00, 0x05, 0x00,
                                        0x04, 'A', 0x00, 0x01, 0x00 };
  /* 0xD0 whose data block is prefixed 0x05, not 0x01: code 8. */
  static const guint8 fmt_data[] = { HDR (0xD0), 0x00, 0x09, 0x00,
                                     0x04, 'A', 0x00, 0x04, 'B', 0x00,
                                     0x05, 0x00, 0x00 };
  /* 0xD7 whose block is prefixed 0x04: code 8. */
  static const guint8 fmt_text[] = { HDR (0xD7), 0x01, 0x34, 0x12, 0x04, 0x00,
                                     0x04, 0x01, 0x00, 'x' };
  /* 0x72 with a dialect prefixed 0x04: code 9. */
  static const guint8 fmt_dialect[] = { HDR (0x72), 0x00, 0x03, 0x00, 0x04, 'X', 0x00 };
  /* 0xD5 with ByteCount 40 and 3 bytes after it: code 12. */
  static const guint8 total[] = { HDR (0xD5), 0x00, 0x28, 0x00, 0x04, 'A', 0x00 };
  /* 0xD0 with a 16-byte originator: ERRerror (1). */
  static const guint8 long_name[] = { HDR (0xD0), 0x00, 0x18, 0x00,
                                      0x04, 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J',
                                      'K', 'L', 'M', 'N', 'O', 'P', 0x00,
                                      0x04, 'B', 0x00, 0x01, 0x00, 0x00 };
  /* 0xD6 with ByteCount 1: ERRerror. */
  static const guint8 end_bc[] = { HDR (0xD6), 0x01, 0x34, 0x12, 0x01, 0x00, 0x00 };
  static const struct {
    const guint8 *smb;
    gsize len;
    guint8 command;
    guint16 code;
  } cases[] = {
    { wc, sizeof wc, 0xD0, SMB_MSRP_ERR_BAD_WORD_COUNT },
    { fmt_string, sizeof fmt_string, 0xD5, SMB_MSRP_ERR_STRING_FORMAT },
    { fmt_string2, sizeof fmt_string2, 0xD5, SMB_MSRP_ERR_STRING_FORMAT },
    { fmt_data, sizeof fmt_data, 0xD0, SMB_MSRP_ERR_DATA_FORMAT },
    { fmt_text, sizeof fmt_text, 0xD7, SMB_MSRP_ERR_DATA_FORMAT },
    { fmt_dialect, sizeof fmt_dialect, 0x72, SMB_MSRP_ERR_DIALECT_FORMAT },
    { total, sizeof total, 0xD5, SMB_MSRP_ERR_TOTAL_LENGTH },
    { long_name, sizeof long_name, 0xD0, SMB_ERRSRV_ERROR },
    { end_bc, sizeof end_bc, 0xD6, SMB_ERRSRV_ERROR },
  };
#undef HDR

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    assert_int_equal (feed_raw_smb (f, cases[i].smb, cases[i].len), MSGR_SMB_SERVER_CONTINUE);
    expect_error (f, cases[i].command, SMB_ERRSRV, cases[i].code);
  }
  assert_int_equal (msgr_smb_server_get_state (f->server), MSGR_SMB_SERVER_STATE_IDLE);
}

/* Headers that do not parse: codes 2, 3, 4 in a zero header; SMB2 closes. */
static void
test_header_failures (void **state)
{
  Fixture *f = *state;
  static const guint8 short_smb[] = { 0xff, 'S', 'M', 'B', 0xd0 };
  static const guint8 first_byte[32] = { 0xfe, 'X', 'M', 'B' };
  static const guint8 magic[32] = { 0xff, 'S', 'M', 'C' };
  static const guint8 smb2[64] = { 0xfe, 'S', 'M', 'B', 64 };

  feed_raw_smb (f, short_smb, sizeof short_smb);
  expect_error (f, 0, SMB_ERRSRV, SMB_MSRP_ERR_TOO_SHORT);
  feed_raw_smb (f, first_byte, sizeof first_byte);
  expect_error (f, 0, SMB_ERRSRV, SMB_MSRP_ERR_BAD_FIRST_BYTE);
  feed_raw_smb (f, magic, sizeof magic);
  expect_error (f, 0, SMB_ERRSRV, SMB_MSRP_ERR_BAD_MAGIC);
  /* An empty session message. */
  feed_raw_smb (f, NULL, 0);
  expect_error (f, 0, SMB_ERRSRV, SMB_MSRP_ERR_TOO_SHORT);
  assert_int_equal (feed_raw_smb (f, smb2, sizeof smb2), MSGR_SMB_SERVER_CLOSE);
  assert_int_equal (f->out->len, 0);
  assert_non_null (strstr (msgr_smb_server_get_close_reason (f->server), "SMB2"));
}

/* The size cap: an overflowing 0xD7 gets ERRnoroom and drops the message;
 * a 0xD0 over the cap too. */
static void
test_size_cap (void **state)
{
  Fixture *f = fixture_new_full (NB_SESSION_FRAMING_DIRECT, 200, 0);
  g_autoptr (GByteArray) smb = g_byte_array_new ();
  guint8 block[127];
  SmbHeader h;
  MsgrSmbServerStats stats;

  memset (block, 'z', sizeof block);
  smb_header_init_request (&h, SMB_COM_SEND_START_MB_MESSAGE);
  assert_true (smb_msgr_build_start (smb, &h, "A", "B", NULL));
  feed_smb (f, smb);
  {
    g_autoptr (SmbMsgrPacket) p = out_response (f);

    /* first_group_id 0 is never handed out. */
    assert_int_equal (p->group_id, 1);
  }
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_text (smb, &h, 1, block, sizeof block, NULL));
  feed_smb (f, smb);
  expect_success (f, SMB_COM_SEND_TEXT_MB_MESSAGE);
  feed_smb (f, smb);
  expect_error (f, SMB_COM_SEND_TEXT_MB_MESSAGE, SMB_ERRSRV, SMB_ERRSRV_NOROOM);
  assert_int_equal (msgr_smb_server_get_state (f->server), MSGR_SMB_SERVER_STATE_IDLE);

  teardown ((void **) &f);
  f = fixture_new_full (NB_SESSION_FRAMING_DIRECT, 100, 0);
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_send_message (smb, &h, "A", "B", block, 101, NULL));
  assert_int_equal (feed_smb (f, smb), MSGR_SMB_SERVER_CONTINUE);
  expect_error (f, SMB_COM_SEND_MESSAGE, SMB_ERRSRV, SMB_ERRSRV_NOROOM);
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_send_message (smb, &h, "A", "B", block, 100, NULL));
  assert_int_equal (feed_smb (f, smb), MSGR_SMB_SERVER_MESSAGE);
  msgr_smb_server_get_stats (f->server, &stats);
  assert_int_equal (stats.messages, 1);
  assert_int_equal (stats.error_responses, 1);
  assert_int_equal (stats.too_large, 1);
  teardown ((void **) &f);
}

/* A second 0xD5 restarts; a 0xD0 inside a multi-block message drops it. */
static void
test_restart (void **state)
{
  Fixture *f = *state;
  g_autoptr (GByteArray) smb = g_byte_array_new ();
  g_autoptr (MsgrSmbServerMessage) m = NULL;
  SmbHeader h;
  guint16 second_id;

  smb_header_init_request (&h, SMB_COM_SEND_START_MB_MESSAGE);
  assert_true (smb_msgr_build_start (smb, &h, "A", "B", NULL));
  feed_smb (f, smb);
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_text (smb, &h, 0, (const guint8 *) "old", 3, NULL));
  feed_smb (f, smb);
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_start (smb, &h, "C", "D", NULL));
  feed_smb (f, smb);
  {
    g_autoptr (SmbMsgrPacket) p = out_response (f);

    second_id = p->group_id;
    assert_int_equal (second_id, 0x1235);
  }
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_text (smb, &h, second_id, (const guint8 *) "new", 3, NULL));
  feed_smb (f, smb);
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_end (smb, &h, second_id, NULL));
  assert_int_equal (feed_smb (f, smb), MSGR_SMB_SERVER_MESSAGE);
  m = msgr_smb_server_take_message (f->server);
  assert_string_equal (m->from, "C");
  assert_int_equal (g_bytes_get_size (m->text), 3);
  assert_memory_equal (g_bytes_get_data (m->text, NULL), "new", 3);
  msgr_smb_server_complete (f->server, 0, T0, f->out);

  /* START, TEXT, then a 0xD0: the 0xD0 is the message, END is then out of sequence. */
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_start (smb, &h, "A", "B", NULL));
  feed_smb (f, smb);
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_send_message (smb, &h, "E", "F", (const guint8 *) "d0", 2, NULL));
  assert_int_equal (feed_smb (f, smb), MSGR_SMB_SERVER_MESSAGE);
  g_clear_pointer (&m, msgr_smb_server_message_free);
  m = msgr_smb_server_take_message (f->server);
  assert_string_equal (m->from, "E");
  msgr_smb_server_complete (f->server, 0, T0, f->out);
  g_byte_array_set_size (smb, 0);
  assert_true (smb_msgr_build_end (smb, &h, 0, NULL));
  feed_smb (f, smb);
  expect_error (f, SMB_COM_SEND_END_MB_MESSAGE, SMB_ERRSRV, SMB_MSRP_ERR_BAD_COMMAND);
}

/* Idle timeout (from the last byte) and whole-message timeout. */
static void
test_timeouts (void **state)
{
  Fixture *f = *state;
  g_autoptr (GByteArray) smb = g_byte_array_new ();
  g_autoptr (GByteArray) framed = g_byte_array_new ();
  SmbHeader h;
  gint64 t;

  assert_int_equal (msgr_smb_server_next_deadline (f->server),
                    T0 + MSGR_SMB_SERVER_DEFAULT_IDLE_TIMEOUT_US);
  assert_int_equal (msgr_smb_server_tick (f->server, T0 + 29 * SEC, f->out), MSGR_SMB_SERVER_CONTINUE);
  /* Activity moves the idle deadline. */
  open_session (f);
  assert_int_equal (msgr_smb_server_next_deadline (f->server), T0 + SEC + 30 * SEC);

  /* A START at t = 2 s, then a TEXT every 20 s: idle never hits, the
   * message timeout does at 62 s. */
  smb_header_init_request (&h, SMB_COM_SEND_START_MB_MESSAGE);
  assert_true (smb_msgr_build_start (smb, &h, "A", "B", NULL));
  assert_true (nb_session_build_message (framed, f->framing, smb->data, smb->len, NULL));
  msgr_smb_server_receive (f->server, framed->data, framed->len, T0 + 2 * SEC, f->out);
  g_byte_array_set_size (smb, 0);
  g_byte_array_set_size (framed, 0);
  assert_true (smb_msgr_build_text (smb, &h, 0, (const guint8 *) "x", 1, NULL));
  assert_true (nb_session_build_message (framed, f->framing, smb->data, smb->len, NULL));
  for (t = T0 + 22 * SEC; t <= T0 + 42 * SEC; t += 20 * SEC) {
    assert_int_equal (msgr_smb_server_tick (f->server, t, f->out), MSGR_SMB_SERVER_CONTINUE);
    msgr_smb_server_receive (f->server, framed->data, framed->len, t, f->out);
  }
  assert_int_equal (msgr_smb_server_next_deadline (f->server), T0 + 62 * SEC);
  assert_int_equal (msgr_smb_server_tick (f->server, T0 + 61 * SEC, f->out), MSGR_SMB_SERVER_CONTINUE);
  assert_int_equal (msgr_smb_server_tick (f->server, T0 + 62 * SEC, f->out), MSGR_SMB_SERVER_CLOSE);
  assert_non_null (strstr (msgr_smb_server_get_close_reason (f->server), "message timeout"));
  assert_int_equal (msgr_smb_server_next_deadline (f->server), NB_ENGINE_NO_DEADLINE);

  /* Plain idle timeout. */
  teardown (state);
  setup_nbss (state);
  f = *state;
  assert_int_equal (msgr_smb_server_tick (f->server, T0 + 30 * SEC, f->out), MSGR_SMB_SERVER_CLOSE);
  assert_string_equal (msgr_smb_server_get_close_reason (f->server), "idle timeout");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_golden_short_session, setup_nbss, teardown),
    cmocka_unit_test_setup_teardown (test_golden_long_multiblock, setup_nbss, teardown),
    cmocka_unit_test_setup_teardown (test_golden_empty, setup_nbss, teardown),
    cmocka_unit_test_setup_teardown (test_golden_port445, setup_direct, teardown),
    cmocka_unit_test_setup_teardown (test_golden_d0_first, setup_nbss, teardown),
    cmocka_unit_test_setup_teardown (test_negotiate_then_d0, setup_nbss, teardown),
    cmocka_unit_test_setup_teardown (test_negotiate_core_and_none, setup_direct, teardown),
    cmocka_unit_test_setup_teardown (test_session_refused, setup_nbss, teardown),
    cmocka_unit_test_setup_teardown (test_session_protocol_errors, setup_nbss, teardown),
    cmocka_unit_test_setup_teardown (test_stream_errors, setup_nbss, teardown),
    cmocka_unit_test_setup_teardown (test_chunking, setup_nbss, teardown),
    cmocka_unit_test_setup_teardown (test_commit_pipelined, setup_direct, teardown),
    cmocka_unit_test_setup_teardown (test_sequence_errors, setup_direct, teardown),
    cmocka_unit_test_setup_teardown (test_unknown_commands, setup_direct, teardown),
    cmocka_unit_test_setup_teardown (test_validation_codes, setup_direct, teardown),
    cmocka_unit_test_setup_teardown (test_header_failures, setup_direct, teardown),
    cmocka_unit_test (test_size_cap),
    cmocka_unit_test_setup_teardown (test_restart, setup_direct, teardown),
    cmocka_unit_test_setup_teardown (test_timeouts, setup_nbss, teardown),
  };

  return cmocka_run_group_tests_name ("msgr-smb-server", tests, NULL, NULL);
}

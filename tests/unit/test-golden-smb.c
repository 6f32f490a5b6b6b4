/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Every nbss-* and smb-* frame captured from Samba 4.17 (golden-vectors.json,
 * PROTOCOL.md §7): cut with the framer, parsed, fields checked, and every kind
 * we build rebuilt byte for byte. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/nb-session.h"
#include "netsend/ns-errors.h"
#include "netsend/smb-msgr.h"
#include "vectors.h"

static const char *const golden_names[] = {
  "nbss-session-request",
  "smb-message-short-d5-d7-d6",
  "smb-message-long-multiblock",
  "smb-message-port445",
  "smb-message-edge-empty",
  "smb-message-charsets",
  "smb-sends-d0",
  "smb-message-rejected-smb2-only",
};

/* Frames of capture 06 went over TCP 445 (direct-hosted framing); the rest
 * over 139. For these small frames both headers are the same 4 bytes. */
static NbSessionFraming
framing_of (const char *name)
{
  return g_str_equal (name, "smb-message-port445") ? NB_SESSION_FRAMING_DIRECT
                                                   : NB_SESSION_FRAMING_NBSS;
}

/* Cuts exactly one frame out of @wire with the framer, fed in two pieces. */
static GBytes *
frame_one (GBytes *wire, NbSessionFraming framing, guint8 *ret_type)
{
  g_autoptr (NbSessionFramer) f = nb_session_framer_new (framing, NB_SESSION_MAX_LENGTH);
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *p = g_bytes_get_data (wire, &len);
  GBytes *payload = NULL;
  GBytes *none = NULL;
  guint8 type = 0xff;

  assert_true (nb_session_framer_push (f, p, len / 2, &error));
  assert_true (nb_session_framer_push (f, p + len / 2, len - len / 2, &error));
  assert_null (error);
  assert_true (nb_session_framer_pop (f, &type, &payload));
  assert_false (nb_session_framer_pop (f, &type, &none));
  assert_int_equal (nb_session_framer_get_buffered (f), 0);
  *ret_type = type;
  return payload;
}

static void
assert_bytes_equal (GBytes *a, const guint8 *b, gsize b_len)
{
  assert_int_equal (g_bytes_get_size (a), b_len);
  assert_memory_equal (g_bytes_get_data (a, NULL), b, b_len);
}

static void
assert_array_equal (GByteArray *a, GBytes *b)
{
  assert_int_equal (a->len, g_bytes_get_size (b));
  assert_memory_equal (a->data, g_bytes_get_data (b, NULL), a->len);
}

/* Rebuilds @p with the per-kind builder that a sender or receiver calls. */
static void
rebuild_per_kind (const SmbMsgrPacket *p, GByteArray *out)
{
  g_autoptr (GError) error = NULL;
  gsize text_len = 0;
  const guint8 *text = p->text != NULL ? g_bytes_get_data (p->text, &text_len) : NULL;
  gboolean ok = FALSE;

  switch (p->kind) {
    case SMB_MSGR_SEND_MESSAGE:
      ok = smb_msgr_build_send_message (out, &p->header, p->originator, p->destination, text,
                                        text_len, &error);
      break;
    case SMB_MSGR_START:
      ok = smb_msgr_build_start (out, &p->header, p->originator, p->destination, &error);
      break;
    case SMB_MSGR_TEXT:
      ok = smb_msgr_build_text (out, &p->header, p->group_id, text, text_len, &error);
      break;
    case SMB_MSGR_END:
      ok = smb_msgr_build_end (out, &p->header, p->group_id, &error);
      break;
    case SMB_MSGR_RESPONSE:
      ok = p->has_group_id
               ? smb_msgr_build_start_response (out, &p->header, p->group_id, &error)
               : smb_msgr_build_response (out, &p->header, &error);
      break;
    case SMB_MSGR_NEGOTIATE_RESPONSE:
      ok = smb_msgr_build_negotiate_response (out, &p->header, &p->negotiate, &error);
      break;
    case SMB_MSGR_NEGOTIATE_REQUEST:
      ok = smb_msgr_build_negotiate_request (out, &p->header,
                                             (const char *const *) p->dialects, &error);
      break;
  }
  assert_null (error);
  assert_true (ok);
}

/* Every frame: framing, SMB parse, SMB rebuild (generic and per kind) and
 * NBSS rebuild must reproduce the captured bytes. */
static void
test_every_frame_round_trips (void **state)
{
  guint smb_frames = 0;

  for (gsize n = 0; n < G_N_ELEMENTS (golden_names); n++) {
    const char *name = golden_names[n];
    guint count = tv_count (name);

    assert_true (count > 0);
    for (guint i = 0; i < count; i++) {
      const char *label = NULL;
      g_autoptr (GBytes) wire = tv_nth (name, i, &label);
      g_autoptr (GBytes) payload = NULL;
      g_autoptr (SmbMsgrPacket) p = NULL;
      g_autoptr (GByteArray) smb = g_byte_array_new ();
      g_autoptr (GByteArray) smb2 = g_byte_array_new ();
      g_autoptr (GByteArray) frame = g_byte_array_new ();
      g_autoptr (GError) error = NULL;
      guint8 type;

      if (g_bytes_get_size (wire) == 0) {
        /* "server FIN, no SMB reply" (capture 07): nothing to parse. */
        assert_non_null (strstr (label, "FIN"));
        continue;
      }
      payload = frame_one (wire, framing_of (name), &type);
      if (type != NB_SESSION_MESSAGE)
        continue; /* session request / response: test_session_request */
      if (!smb_msgr_parse (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), &p,
                           &error))
        fail_msg ("%s / %s: %s", name, label, error->message);
      assert_true (smb_msgr_build (p, smb, &error));
      assert_array_equal (smb, payload);
      rebuild_per_kind (p, smb2);
      assert_array_equal (smb2, payload);
      assert_true (nb_session_build_message (frame, framing_of (name), smb->data, smb->len,
                                             &error));
      assert_array_equal (frame, wire);
      smb_frames++;
    }
  }
  /* 6 + 3 + 2 + 1 + 4 + 4 + 1 SMB frames in the file. */
  assert_int_equal (smb_frames, 21);
}

static void
assert_name (const NbName *n, const char *text, guint8 suffix)
{
  guint8 raw[NB_NAME_LEN];

  memset (raw, ' ', 15);
  memcpy (raw, text, strlen (text));
  raw[15] = suffix;
  assert_memory_equal (n->bytes, raw, NB_NAME_LEN);
  assert_string_equal (n->scope, "");
}

static void
test_session_request (void **state)
{
  g_autoptr (GBytes) req = tv_lookup ("nbss-session-request",
                                      "session request called=PEERA<03> calling=NSN-H2<00>");
  g_autoptr (GBytes) pos = tv_lookup ("nbss-session-request", "positive session response");
  g_autoptr (NbSessionPacket) p = NULL;
  g_autoptr (NbSessionPacket) q = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  NbName called, calling;

  assert_true (nb_session_packet_parse (g_bytes_get_data (req, NULL), g_bytes_get_size (req),
                                        &p, &error));
  assert_int_equal (p->type, NB_SESSION_REQUEST);
  assert_name (&p->called, "PEERA", 0x03);
  assert_name (&p->calling, "NSN-H2", 0x00);

  /* Rebuilt from names made the way a sender makes them. */
  assert_true (nb_name_from_utf8 (&called, "peera", 0x03, NULL, &error));
  assert_true (nb_name_from_utf8 (&calling, "NSN-H2", 0x00, NULL, &error));
  assert_true (nb_session_build_request (out, &called, &calling, &error));
  assert_array_equal (out, req);

  assert_true (nb_session_packet_parse (g_bytes_get_data (pos, NULL), g_bytes_get_size (pos),
                                        &q, &error));
  assert_int_equal (q->type, NB_SESSION_POSITIVE_RESPONSE);
  g_byte_array_set_size (out, 0);
  nb_session_build_positive_response (out);
  assert_array_equal (out, pos);
}

static SmbMsgrPacket *
parse_golden (const char *name, const char *label)
{
  g_autoptr (GBytes) wire = tv_lookup (name, label);
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GError) error = NULL;
  SmbMsgrPacket *p = NULL;
  guint8 type;

  payload = frame_one (wire, framing_of (name), &type);
  assert_int_equal (type, NB_SESSION_MESSAGE);
  assert_true (smb_msgr_parse (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), &p,
                               &error));
  return p;
}

/* Samba's request header: only Command, PID and (errata 2) MID = 0. */
static void
assert_samba_request_header (const SmbHeader *h, guint8 command, guint16 pid)
{
  static const guint8 zero[8] = { 0 };

  assert_int_equal (h->command, command);
  assert_int_equal (h->status, 0);
  assert_int_equal (h->flags, 0);
  assert_int_equal (h->flags2, 0);
  assert_int_equal (h->pid_high, 0);
  assert_memory_equal (h->security_features, zero, 8);
  assert_int_equal (h->tid, 0);
  assert_int_equal (h->pid, pid);
  assert_int_equal (h->uid, 0);
  assert_int_equal (h->mid, 0);
}

/* Samba's successful reply: Flags 0x80, Flags2 0x4003, ids echoed. */
static void
assert_samba_ok_response (const SmbMsgrPacket *p, guint8 command, guint16 pid, guint16 mid)
{
  assert_int_equal (p->kind, SMB_MSGR_RESPONSE);
  assert_int_equal (p->header.command, command);
  assert_int_equal (p->header.status, 0);
  assert_int_equal (p->header.flags, SMB_FLAGS_REPLY);
  assert_int_equal (p->header.flags2,
                    SMB_FLAGS2_NT_STATUS | SMB_FLAGS2_EAS | SMB_FLAGS2_LONG_NAMES);
  assert_int_equal (p->header.pid, pid);
  assert_int_equal (p->header.mid, mid);
  /* Samba answers START without a MessageGroupId (PROTOCOL.md §8.4). */
  assert_false (p->has_group_id);
}

static void
test_short_message (void **state)
{
  static const char text[] = "Hello PEERA from h2 (short ASCII)\r\n";
  const char *n = "smb-message-short-d5-d7-d6";
  g_autoptr (SmbMsgrPacket) start = parse_golden (n, "SMBsendstrt request");
  g_autoptr (SmbMsgrPacket) start_r = parse_golden (n, "SMBsendstrt response (group id)");
  g_autoptr (SmbMsgrPacket) txt = parse_golden (n, "SMBsendtxt request");
  g_autoptr (SmbMsgrPacket) txt_r = parse_golden (n, "SMBsendtxt response");
  g_autoptr (SmbMsgrPacket) end = parse_golden (n, "SMBsendend request");
  g_autoptr (SmbMsgrPacket) end_r = parse_golden (n, "SMBsendend response");

  assert_int_equal (start->kind, SMB_MSGR_START);
  assert_samba_request_header (&start->header, SMB_COM_SEND_START_MB_MESSAGE, 0x21dd);
  assert_string_equal (start->originator, "SENDER2");
  assert_string_equal (start->destination, "PEERA");
  assert_samba_ok_response (start_r, SMB_COM_SEND_START_MB_MESSAGE, 0x21dd, 0);

  assert_int_equal (txt->kind, SMB_MSGR_TEXT);
  assert_samba_request_header (&txt->header, SMB_COM_SEND_TEXT_MB_MESSAGE, 0x21dd);
  assert_int_equal (txt->group_id, 0);
  assert_bytes_equal (txt->text, (const guint8 *) text, strlen (text));
  assert_samba_ok_response (txt_r, SMB_COM_SEND_TEXT_MB_MESSAGE, 0x21dd, 0);

  assert_int_equal (end->kind, SMB_MSGR_END);
  assert_samba_request_header (&end->header, SMB_COM_SEND_END_MB_MESSAGE, 0x21dd);
  assert_int_equal (end->group_id, 0);
  assert_samba_ok_response (end_r, SMB_COM_SEND_END_MB_MESSAGE, 0x21dd, 0);
}

static void
test_long_multiblock (void **state)
{
  const char *n = "smb-message-long-multiblock";
  g_autoptr (SmbMsgrPacket) b1 = parse_golden (n, "SMBsendtxt block 1 (127 bytes)");
  g_autoptr (SmbMsgrPacket) b2 = parse_golden (n, "SMBsendtxt block 2 (127 bytes)");
  g_autoptr (SmbMsgrPacket) b3 = parse_golden (n, "SMBsendtxt block 3 (rest incl. CRLF)");
  g_autoptr (GByteArray) all = g_byte_array_new ();
  SmbMsgrPacket *blocks[] = { b1, b2, b3 };

  /* Samba's client cuts 127-byte blocks (PROTOCOL.md §8.6). */
  assert_int_equal (g_bytes_get_size (b1->text), 127);
  assert_int_equal (g_bytes_get_size (b2->text), 127);
  assert_int_equal (g_bytes_get_size (b3->text), 47);
  for (gsize i = 0; i < G_N_ELEMENTS (blocks); i++) {
    assert_int_equal (blocks[i]->kind, SMB_MSGR_TEXT);
    assert_samba_request_header (&blocks[i]->header, SMB_COM_SEND_TEXT_MB_MESSAGE, 0x2227);
    g_byte_array_append (all, g_bytes_get_data (blocks[i]->text, NULL),
                         (guint) g_bytes_get_size (blocks[i]->text));
  }
  /* 300 characters of stdin: 299 letters A..Z repeating and the newline,
   * which Samba's client sends as CR LF. */
  assert_int_equal (all->len, 301);
  for (guint i = 0; i < 299; i++)
    assert_int_equal (all->data[i], 'A' + i % 26);
  assert_memory_equal (all->data + 299, "\r\n", 2);
}

static void
test_port445_and_edges (void **state)
{
  g_autoptr (SmbMsgrPacket) start445 = parse_golden (
      "smb-message-port445", "SMBsendstrt on 445 (no NBSS session request)");
  g_autoptr (SmbMsgrPacket) resp445 = parse_golden ("smb-message-port445", "response");
  g_autoptr (SmbMsgrPacket) empty = parse_golden ("smb-message-edge-empty",
                                                  "SMBsendtxt of an empty message");
  g_autoptr (SmbMsgrPacket) rejected = parse_golden (
      "smb-message-rejected-smb2-only",
      "SMBsendstrt to a server with server min protocol = SMB2_02");

  assert_int_equal (start445->kind, SMB_MSGR_START);
  assert_string_equal (start445->originator, "PORT445");
  assert_string_equal (start445->destination, "PEERA");
  assert_samba_ok_response (resp445, SMB_COM_SEND_START_MB_MESSAGE, 0x22f9, 0);

  /* An empty message is a TEXT of one 0x00 byte (errata 15, capture 12). */
  assert_int_equal (empty->kind, SMB_MSGR_TEXT);
  assert_bytes_equal (empty->text, (const guint8 *) "\0", 1);

  assert_int_equal (rejected->kind, SMB_MSGR_START);
  assert_string_equal (rejected->originator, "REJECTED");
  assert_string_equal (rejected->destination, "PEERA");
}

static void
test_charsets (void **state)
{
  /* "Grüße only\r\n" in CP850: ü = 0x81, ß = 0xE1. */
  static const guint8 cp850[] = { 'G', 'r', 0x81, 0xe1, 'e', ' ', 'o', 'n', 'l', 'y', '\r', '\n' };
  /* Not CP850-representable: smbclient sends UTF-8 as is (errata 15). */
  static const char utf8[] = "Gr\xc3\xbc\xc3\x9f"
                             "e \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\r\n";
  /* "Привет only\r\n" in CP866. */
  static const guint8 cp866[] = { 0x8f, 0xe0, 0xa8, 0xa2, 0xa5, 0xe2, ' ', 'o', 'n', 'l', 'y',
                                  '\r', '\n' };
  const char *n = "smb-message-charsets";
  g_autoptr (SmbMsgrPacket) a = parse_golden (n, "\"Grüße only\" in CP850 (default dos charset)");
  g_autoptr (SmbMsgrPacket) b = parse_golden (
      n, "\"Grüße Привет\": not CP850-representable -> raw UTF-8 sent");
  g_autoptr (SmbMsgrPacket) c = parse_golden (n, "\"Привет only\" with client dos charset CP866");
  g_autoptr (SmbMsgrPacket) d = parse_golden (
      n, "\"Привет only\" CP866 to a CP866 server (arrives correctly)");

  assert_bytes_equal (a->text, cp850, sizeof cp850);
  assert_bytes_equal (b->text, (const guint8 *) utf8, strlen (utf8));
  assert_bytes_equal (c->text, cp866, sizeof cp866);
  assert_bytes_equal (d->text, cp866, sizeof cp866);
}

static void
test_sends_d0_and_negotiate (void **state)
{
  static const char text1[] = "single block 0xD0, no negprot";
  static const char text2[] = "single block 0xD0 after negprot";
  static const guint8 challenge[] = { 0x6d, 0xbe, 0xc1, 0x5e, 0x37, 0xea, 0xf9, 0x4f };
  /* "PEERLAN\0PEERA\0" in UTF-16LE: Samba's DomainName and ServerName. */
  static const guint8 names[] = { 'P', 0, 'E', 0, 'E', 0, 'R', 0, 'L', 0, 'A', 0, 'N', 0, 0, 0,
                                  'P', 0, 'E', 0, 'E', 0, 'R', 0, 'A', 0, 0, 0 };
  const char *n = "smb-sends-d0";
  g_autoptr (SmbMsgrPacket) d0 = parse_golden (
      n, "crafted 0xD0 as first SMB (server closes the connection)");
  g_autoptr (SmbMsgrPacket) neg = parse_golden (
      n, "Samba NT1 negotiate response (after crafted negprot)");
  g_autoptr (SmbMsgrPacket) d0b = parse_golden (n, "crafted 0xD0 after negprot");
  g_autoptr (SmbMsgrPacket) d0r = parse_golden (n, "Samba SMBsends response (independent bytes)");

  assert_int_equal (d0->kind, SMB_MSGR_SEND_MESSAGE);
  assert_int_equal (d0->header.pid, 0x4242);
  assert_int_equal (d0->header.mid, 1);
  assert_string_equal (d0->originator, "SENDERD0");
  assert_string_equal (d0->destination, "PEERA");
  assert_bytes_equal (d0->text, (const guint8 *) text1, strlen (text1));
  assert_int_equal (d0b->kind, SMB_MSGR_SEND_MESSAGE);
  assert_bytes_equal (d0b->text, (const guint8 *) text2, strlen (text2));
  assert_samba_ok_response (d0r, SMB_COM_SEND_MESSAGE, 0x4242, 1);

  assert_int_equal (neg->kind, SMB_MSGR_NEGOTIATE_RESPONSE);
  assert_int_equal (neg->header.flags, SMB_FLAGS_REPLY | SMB_FLAGS_CASE_INSENSITIVE);
  assert_int_equal (neg->header.pid, 0x4242);
  assert_true (neg->negotiate.nt_lm);
  assert_int_equal (neg->negotiate.dialect_index, 0);
  assert_int_equal (neg->negotiate.security_mode, 0x03);
  assert_int_equal (neg->negotiate.max_mpx_count, 50);
  assert_int_equal (neg->negotiate.max_number_vcs, 1);
  assert_int_equal (neg->negotiate.max_buffer_size, 16644);
  assert_int_equal (neg->negotiate.max_raw_size, 65536);
  assert_int_equal (neg->negotiate.session_key, 0x00002bf8);
  assert_int_equal (neg->negotiate.capabilities, 0x0080f3fd);
  assert_true (neg->negotiate.system_time == G_GUINT64_CONSTANT (0x01dd7e22b4cdab5f));
  assert_int_equal (neg->negotiate.server_time_zone, 0);
  assert_bytes_equal (neg->negotiate.challenge, challenge, sizeof challenge);
  assert_bytes_equal (neg->negotiate.data, names, sizeof names);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_every_frame_round_trips),
    cmocka_unit_test (test_session_request),
    cmocka_unit_test (test_short_message),
    cmocka_unit_test (test_long_multiblock),
    cmocka_unit_test (test_port445_and_edges),
    cmocka_unit_test (test_charsets),
    cmocka_unit_test (test_sends_d0_and_negotiate),
  };
  return cmocka_run_group_tests_name ("golden-smb", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Messenger receiver state machine for one SMB1 connection. The state
 * diagram, the error table and the ownership rules are in
 * <netsend/msgr-smb-server.h>; the references are PROTOCOL.md §2.12 (the
 * receiver state machine we follow), §2.10 (error codes) and MS-MSRP
 * §3.2.4.5 (the receiver's validation table). */

#include <netsend/msgr-smb-server.h>

#include <netsend/nb-transport.h>
#include <netsend/ns-errors.h>

#include "nb-reader.h"

/* Buffer-format bytes of the SMB core protocol (MS-CIFS §2.2.1.3, PROTOCOL.md §2.2). */
#define FMT_DATA_BLOCK 0x01
#define FMT_DIALECT 0x02
#define FMT_ASCIIZ 0x04

/* What our NT LM 0.12 NEGOTIATE response announces (MS-CIFS §2.2.4.52.2):
 * share-level security with plaintext passwords (no authentication is ever
 * asked for: Messenger SMBs need no session setup), one request at a time
 * on one virtual circuit, no capabilities (so the client keeps OEM strings
 * and DOS error codes, which is what the Messenger commands use). */
#define NEGOTIATE_SECURITY_MODE 0x00
#define NEGOTIATE_MAX_BUFFER 4356

struct _MsgrSmbServer {
  MsgrSmbServerConfig config;
  MsgrSmbServerState state;
  NbSessionFramer *framer;
  gint64 last_activity_us;
  gint64 message_start_us;
  guint16 next_group_id;
  /* The multi-block message being collected. */
  guint16 group_id;
  char from[SMB_MSGR_NAME_MAX + 1];
  char to[SMB_MSGR_NAME_MAX + 1];
  GByteArray *text;
  gboolean has_session;
  NbName called;
  NbName calling;
  /* COMMIT: the request whose response is the final one, and the message
   * (NULL once taken). */
  SmbHeader final_request;
  MsgrSmbServerMessage *pending;
  char *close_reason;
  MsgrSmbServerStats stats;
};

const char *
msgr_smb_server_state_to_string (MsgrSmbServerState state)
{
  switch (state) {
    case MSGR_SMB_SERVER_STATE_SESSION: return "session";
    case MSGR_SMB_SERVER_STATE_IDLE: return "idle";
    case MSGR_SMB_SERVER_STATE_MULTI_BLOCK: return "multi-block";
    case MSGR_SMB_SERVER_STATE_COMMIT: return "commit";
    case MSGR_SMB_SERVER_STATE_CLOSED: return "closed";
  }
  return "unknown";
}

void
msgr_smb_server_config_init (MsgrSmbServerConfig *config)
{
  g_return_if_fail (config != NULL);
  *config = (MsgrSmbServerConfig) { .framing = NB_SESSION_FRAMING_NBSS };
}

void
msgr_smb_server_message_free (MsgrSmbServerMessage *message)
{
  if (message == NULL)
    return;
  g_clear_pointer (&message->text, g_bytes_unref);
  g_free (message);
}

MsgrSmbServer *
msgr_smb_server_new (const MsgrSmbServerConfig *config, gint64 now_us)
{
  MsgrSmbServer *server;

  g_return_val_if_fail (config != NULL, NULL);
  server = g_new0 (MsgrSmbServer, 1);
  server->config = *config;
  if (server->config.max_text == 0)
    server->config.max_text = MSGR_SMB_SERVER_DEFAULT_MAX_TEXT;
  if (server->config.idle_timeout_us <= 0)
    server->config.idle_timeout_us = MSGR_SMB_SERVER_DEFAULT_IDLE_TIMEOUT_US;
  if (server->config.message_timeout_us <= 0)
    server->config.message_timeout_us = MSGR_SMB_SERVER_DEFAULT_MESSAGE_TIMEOUT_US;
  server->next_group_id = config->first_group_id;
  server->framer = nb_session_framer_new (config->framing, MSGR_SMB_SERVER_MAX_FRAME);
  server->text = g_byte_array_new ();
  server->last_activity_us = now_us;
  server->state = config->framing == NB_SESSION_FRAMING_NBSS ? MSGR_SMB_SERVER_STATE_SESSION
                                                             : MSGR_SMB_SERVER_STATE_IDLE;
  return server;
}

void
msgr_smb_server_free (MsgrSmbServer *server)
{
  if (server == NULL)
    return;
  nb_session_framer_free (server->framer);
  g_byte_array_unref (server->text);
  msgr_smb_server_message_free (server->pending);
  g_free (server->close_reason);
  g_free (server);
}

static void
close_with (MsgrSmbServer *server, const char *reason)
{
  if (server->state == MSGR_SMB_SERVER_STATE_CLOSED)
    return;
  server->state = MSGR_SMB_SERVER_STATE_CLOSED;
  server->close_reason = g_strdup (reason);
  g_clear_pointer (&server->pending, msgr_smb_server_message_free);
}

static MsgrSmbServerStatus
status_of (const MsgrSmbServer *server)
{
  if (server->state == MSGR_SMB_SERVER_STATE_CLOSED)
    return MSGR_SMB_SERVER_CLOSE;
  if (server->state == MSGR_SMB_SERVER_STATE_COMMIT && server->pending != NULL)
    return MSGR_SMB_SERVER_MESSAGE;
  return MSGR_SMB_SERVER_CONTINUE;
}

/* ---- output ---------------------------------------------------------- */

/* Frames one SMB built into @smb and appends it to @out. */
static void
emit_smb (MsgrSmbServer *server, GByteArray *smb, GByteArray *out)
{
  g_autoptr (GError) error = NULL;

  /* An SMB we built is at most a few hundred bytes: framing cannot fail. */
  if (!nb_session_build_message (out, server->config.framing, smb->data, smb->len, &error))
    g_error ("msgr-smb-server: framing a response failed: %s", error->message);
}

static void
send_response (MsgrSmbServer *server, const SmbHeader *request, guint32 status, GByteArray *out)
{
  g_autoptr (GByteArray) smb = g_byte_array_new ();
  SmbHeader h;

  smb_header_init_response (&h, request, status);
  if (!smb_msgr_build_response (smb, &h, NULL))
    g_assert_not_reached ();
  emit_smb (server, smb, out);
}

static void
send_error (MsgrSmbServer *server, const SmbHeader *request, guint16 code, GByteArray *out)
{
  server->stats.error_responses++;
  send_response (server, request, SMB_STATUS_DOS (SMB_ERRSRV, code), out);
}

/* ---- validation (MS-MSRP §3.2.4.5) ------------------------------------ */

static gboolean
expect_format (NbReader *b, guint8 expected)
{
  guint8 fmt;

  return nb_reader_u8 (b, &fmt) && fmt == expected;
}

static gboolean
skip_asciiz (NbReader *b)
{
  const guint8 *s;
  gsize n;

  return nb_reader_cstring (b, G_MAXSIZE, &s, &n);
}

/* The buffer-format checks of one request's Bytes: 0 if they pass (the
 * problem is elsewhere), else the table's code. */
static guint16
buffer_format_code (guint8 command, NbReader *b)
{
  switch (command) {
    case SMB_COM_SEND_MESSAGE:
    case SMB_COM_SEND_START_MB_MESSAGE:
      if (!expect_format (b, FMT_ASCIIZ))
        return SMB_MSRP_ERR_STRING_FORMAT;
      if (!skip_asciiz (b) || !expect_format (b, FMT_ASCIIZ))
        return nb_reader_ok (b) ? SMB_MSRP_ERR_STRING_FORMAT : 0;
      if (command == SMB_COM_SEND_MESSAGE
          && (!skip_asciiz (b) || !expect_format (b, FMT_DATA_BLOCK)))
        return nb_reader_ok (b) ? SMB_MSRP_ERR_DATA_FORMAT : 0;
      return 0;
    case SMB_COM_SEND_TEXT_MB_MESSAGE:
      return expect_format (b, FMT_DATA_BLOCK) || !nb_reader_ok (b) ? 0 : SMB_MSRP_ERR_DATA_FORMAT;
    case SMB_COM_NEGOTIATE:
      while (nb_reader_ok (b) && nb_reader_remaining (b) > 0) {
        if (!expect_format (b, FMT_DIALECT))
          return nb_reader_ok (b) ? SMB_MSRP_ERR_DIALECT_FORMAT : 0;
        skip_asciiz (b);
      }
      return 0;
    default:
      return 0;
  }
}

/* Which error a request smb_msgr_parse() refused gets: the code of the
 * first failing test of MS-MSRP §3.2.4.5, else ERRerror. */
static guint16
validation_code (const guint8 *smb, gsize len, guint8 command)
{
  NbReader r, bytes;
  guint8 wc, expected_wc;
  guint16 bc, code;

  expected_wc = command == SMB_COM_SEND_TEXT_MB_MESSAGE || command == SMB_COM_SEND_END_MB_MESSAGE
                  ? 1 : 0;
  nb_reader_init (&r, smb, len);
  nb_reader_skip (&r, SMB_HEADER_SIZE);
  if (!nb_reader_u8 (&r, &wc))
    return SMB_MSRP_ERR_TOTAL_LENGTH;
  if (wc != expected_wc)
    return SMB_MSRP_ERR_BAD_WORD_COUNT;
  if (!nb_reader_skip (&r, 2 * (gsize) wc) || !nb_reader_le16 (&r, &bc)
      || !nb_reader_sub (&r, bc, &bytes))
    return SMB_MSRP_ERR_TOTAL_LENGTH;
  code = buffer_format_code (command, &bytes);
  return code != 0 ? code : SMB_ERRSRV_ERROR;
}

/* Answers an SMB whose 32-byte header does not parse. SMB2 ends the
 * connection (smbd does the same); the rest get MS-MSRP codes 2-4 in a
 * response with an all-zero header, there being no ids to echo. */
static void
header_failure (MsgrSmbServer *server, GBytes *payload, const GError *error, GByteArray *out)
{
  SmbHeader zero;
  NbReader r;
  guint8 first = 0;
  guint16 code;

  if (g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED)) {
    close_with (server, "SMB2/3 frame: only SMB1 Messenger commands are served");
    return;
  }
  nb_reader_init (&r, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  if (g_bytes_get_size (payload) < SMB_HEADER_SIZE)
    code = SMB_MSRP_ERR_TOO_SHORT;
  else if (nb_reader_u8 (&r, &first) && first != 0xFF)
    code = SMB_MSRP_ERR_BAD_FIRST_BYTE;
  else
    code = SMB_MSRP_ERR_BAD_MAGIC;
  smb_header_init_request (&zero, 0);
  send_error (server, &zero, code, out);
}

/* ---- the commands ----------------------------------------------------- */

static void
drop_partial (MsgrSmbServer *server)
{
  g_byte_array_set_size (server->text, 0);
  if (server->state == MSGR_SMB_SERVER_STATE_MULTI_BLOCK)
    server->state = MSGR_SMB_SERVER_STATE_IDLE;
}

/* A complete message: hand it out and wait for msgr_smb_server_complete(). */
static void
to_commit (MsgrSmbServer *server, const SmbHeader *request, const char *from, const char *to,
           GBytes *text, gboolean multi_block)
{
  MsgrSmbServerMessage *m = g_new0 (MsgrSmbServerMessage, 1);

  g_strlcpy (m->from, from, sizeof m->from);
  g_strlcpy (m->to, to, sizeof m->to);
  m->text = g_bytes_ref (text);
  m->multi_block = multi_block;
  m->has_session = server->has_session;
  m->called = server->called;
  m->calling = server->calling;
  server->pending = m;
  server->final_request = *request;
  server->state = MSGR_SMB_SERVER_STATE_COMMIT;
  server->stats.messages++;
}

static void
on_send_message (MsgrSmbServer *server, const SmbMsgrPacket *p, GByteArray *out)
{
  gsize n = p->text != NULL ? g_bytes_get_size (p->text) : 0;
  g_autoptr (GBytes) empty = NULL;

  /* A single-block message ends whatever multi-block one was open. */
  drop_partial (server);
  if (n > server->config.max_text) {
    server->stats.too_large++;
    send_error (server, &p->header, SMB_ERRSRV_NOROOM, out);
    return;
  }
  if (p->text == NULL)
    empty = g_bytes_new (NULL, 0);
  to_commit (server, &p->header, p->originator, p->destination,
             p->text != NULL ? p->text : empty, FALSE);
}

static guint16
take_group_id (MsgrSmbServer *server)
{
  /* 0 is what a client assumes when the START response carries no id
   * (PROTOCOL.md §2.5), so never hand it out. */
  if (server->next_group_id == 0)
    server->next_group_id = 1;
  return server->next_group_id++;
}

static void
on_start (MsgrSmbServer *server, const SmbMsgrPacket *p, gint64 now_us, GByteArray *out)
{
  g_autoptr (GByteArray) smb = g_byte_array_new ();
  SmbHeader h;

  /* A second START discards the unfinished message (PROTOCOL.md §2.12). */
  drop_partial (server);
  server->group_id = take_group_id (server);
  g_strlcpy (server->from, p->originator, sizeof server->from);
  g_strlcpy (server->to, p->destination, sizeof server->to);
  server->message_start_us = now_us;
  server->state = MSGR_SMB_SERVER_STATE_MULTI_BLOCK;
  smb_header_init_response (&h, &p->header, 0);
  if (!smb_msgr_build_start_response (smb, &h, server->group_id, NULL))
    g_assert_not_reached ();
  emit_smb (server, smb, out);
}

/* The group id of a TEXT or END must be ours. 0 is accepted too: a client
 * written against Samba's server, whose START response has no id, sends 0
 * (PROTOCOL.md §8 item 4); there is one message per connection at a time,
 * so nothing can be confused. */
static gboolean
check_group (MsgrSmbServer *server, const SmbMsgrPacket *p, GByteArray *out)
{
  if (server->state != MSGR_SMB_SERVER_STATE_MULTI_BLOCK) {
    send_error (server, &p->header, SMB_MSRP_ERR_BAD_COMMAND, out);
    return FALSE;
  }
  if (p->group_id != server->group_id && p->group_id != 0) {
    send_error (server, &p->header, SMB_ERRSRV_ERROR, out);
    return FALSE;
  }
  return TRUE;
}

static void
on_text (MsgrSmbServer *server, const SmbMsgrPacket *p, GByteArray *out)
{
  gsize n = 0;
  const guint8 *block = p->text != NULL ? g_bytes_get_data (p->text, &n) : NULL;

  if (!check_group (server, p, out))
    return;
  if (n > server->config.max_text - server->text->len) {
    server->stats.too_large++;
    drop_partial (server);
    send_error (server, &p->header, SMB_ERRSRV_NOROOM, out);
    return;
  }
  if (n > 0)
    g_byte_array_append (server->text, block, (guint) n);
  send_response (server, &p->header, 0, out);
}

static void
on_end (MsgrSmbServer *server, const SmbMsgrPacket *p)
{
  g_autoptr (GBytes) text = NULL;

  text = g_bytes_new (server->text->data, server->text->len);
  g_byte_array_set_size (server->text, 0);
  to_commit (server, &p->header, server->from, server->to, text, TRUE);
}

static void
on_negotiate (MsgrSmbServer *server, const SmbMsgrPacket *p, GByteArray *out)
{
  g_autoptr (GByteArray) smb = g_byte_array_new ();
  g_autoptr (GBytes) domain = g_bytes_new_static ("", 1);
  SmbNegotiateResponse n = { .dialect_index = SMB_MSGR_NO_DIALECT };
  gint nt_lm = smb_msgr_find_dialect (p, SMB_MSGR_DIALECT_NT_LM);
  gint core = smb_msgr_find_dialect (p, MSGR_SMB_SERVER_DIALECT_CORE);
  SmbHeader h;

  /* NT LM 0.12 when offered (every client since Windows NT does), in the
   * minimal form described at NEGOTIATE_SECURITY_MODE, with an empty OEM
   * DomainName; else the core dialect's one-word form; else "none of
   * them". The session stays usable for Messenger SMBs either way. */
  if (nt_lm >= 0) {
    n.nt_lm = TRUE;
    n.dialect_index = (guint16) nt_lm;
    n.security_mode = NEGOTIATE_SECURITY_MODE;
    n.max_mpx_count = 1;
    n.max_number_vcs = 1;
    n.max_buffer_size = NEGOTIATE_MAX_BUFFER;
    n.data = domain;
  } else if (core >= 0) {
    n.dialect_index = (guint16) core;
  }
  server->stats.negotiates++;
  smb_header_init_response (&h, &p->header, 0);
  if (!smb_msgr_build_negotiate_response (smb, &h, &n, NULL))
    g_assert_not_reached ();
  emit_smb (server, smb, out);
}

static void
dispatch (MsgrSmbServer *server, const SmbMsgrPacket *p, gint64 now_us, GByteArray *out)
{
  switch (p->kind) {
    case SMB_MSGR_SEND_MESSAGE:
      on_send_message (server, p, out);
      break;
    case SMB_MSGR_START:
      on_start (server, p, now_us, out);
      break;
    case SMB_MSGR_TEXT:
      on_text (server, p, out);
      break;
    case SMB_MSGR_END:
      if (check_group (server, p, out))
        on_end (server, p);
      break;
    case SMB_MSGR_NEGOTIATE_REQUEST:
      on_negotiate (server, p, out);
      break;
    default:
      /* A response (Flags has SMB_FLAGS_REPLY): not what a server expects. */
      send_error (server, &p->header, SMB_MSRP_ERR_BAD_COMMAND, out);
      break;
  }
}

static gboolean
is_known_request (guint8 command)
{
  return command == SMB_COM_SEND_MESSAGE || command == SMB_COM_SEND_START_MB_MESSAGE
         || command == SMB_COM_SEND_TEXT_MB_MESSAGE || command == SMB_COM_SEND_END_MB_MESSAGE
         || command == SMB_COM_NEGOTIATE;
}

static void
handle_smb (MsgrSmbServer *server, GBytes *payload, gint64 now_us, GByteArray *out)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);
  g_autoptr (SmbMsgrPacket) p = NULL;
  g_autoptr (GError) error = NULL;
  SmbHeader h;

  if (data == NULL)
    data = (const guint8 *) "";
  if (!smb_header_parse (data, len, &h, &error)) {
    header_failure (server, payload, error, out);
    return;
  }
  if (!is_known_request (h.command)) {
    send_error (server, &h, SMB_ERRSRV_UNKNOWN_SMB, out);
    return;
  }
  if (!smb_msgr_parse (data, len, &p, &error)) {
    send_error (server, &h, validation_code (data, len, h.command), out);
    return;
  }
  dispatch (server, p, now_us, out);
}

/* ---- the session service ---------------------------------------------- */

static void
handle_session_request (MsgrSmbServer *server, GBytes *trailer, GByteArray *out)
{
  g_autoptr (NbSessionPacket) p = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (trailer, &len);
  guint8 code;

  if (!nb_session_packet_parse_trailer (NB_SESSION_REQUEST, data != NULL ? data : (const guint8 *) "",
                                        len, &p, NULL)) {
    nb_session_build_negative_response (out, NB_SESSION_ERR_UNSPECIFIED);
    close_with (server, "malformed SESSION REQUEST");
    return;
  }
  code = server->config.session_func != NULL
           ? server->config.session_func (&p->called, &p->calling, server->config.user_data)
           : 0;
  if (code != 0) {
    g_autofree char *why = g_strdup_printf ("session refused (0x%02X: %s)", code,
                                            nb_session_error_describe (code));

    nb_session_build_negative_response (out, code);
    close_with (server, why);
    return;
  }
  server->has_session = TRUE;
  server->called = p->called;
  server->calling = p->calling;
  server->state = MSGR_SMB_SERVER_STATE_IDLE;
  nb_session_build_positive_response (out);
}

static void
handle_frame (MsgrSmbServer *server, guint8 type, GBytes *payload, gint64 now_us, GByteArray *out)
{
  server->stats.frames++;
  if (type == NB_SESSION_KEEP_ALIVE)
    return;
  if (server->state == MSGR_SMB_SERVER_STATE_SESSION) {
    if (type == NB_SESSION_REQUEST)
      handle_session_request (server, payload, out);
    else
      close_with (server, "the peer did not start with a SESSION REQUEST");
    return;
  }
  if (type == NB_SESSION_MESSAGE)
    handle_smb (server, payload, now_us, out);
  else if (type == NB_SESSION_REQUEST)
    close_with (server, "SESSION REQUEST on an established session");
  else
    close_with (server, "unexpected session packet type from the peer");
}

/* Handles buffered frames until the first complete message or the end. */
static void
drain (MsgrSmbServer *server, gint64 now_us, GByteArray *out)
{
  guint8 type;
  GBytes *payload;

  while (server->state != MSGR_SMB_SERVER_STATE_COMMIT
         && server->state != MSGR_SMB_SERVER_STATE_CLOSED
         && nb_session_framer_pop (server->framer, &type, &payload)) {
    handle_frame (server, type, payload, now_us, out);
    g_bytes_unref (payload);
  }
}

MsgrSmbServerStatus
msgr_smb_server_receive (MsgrSmbServer *server, const guint8 *data, gsize len, gint64 now_us,
                         GByteArray *out)
{
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (server != NULL && out != NULL, MSGR_SMB_SERVER_CLOSE);
  g_return_val_if_fail (data != NULL || len == 0, MSGR_SMB_SERVER_CLOSE);
  if (server->state == MSGR_SMB_SERVER_STATE_CLOSED)
    return MSGR_SMB_SERVER_CLOSE;
  if (len > 0) {
    server->last_activity_us = now_us;
    /* Frames before a broken one still count: handle them first. */
    if (!nb_session_framer_push (server->framer, data, len, &error)) {
      g_autofree char *why = g_strdup_printf ("session stream: %s", error->message);

      drain (server, now_us, out);
      close_with (server, why);
      return MSGR_SMB_SERVER_CLOSE;
    }
  }
  drain (server, now_us, out);
  return status_of (server);
}

MsgrSmbServerMessage *
msgr_smb_server_take_message (MsgrSmbServer *server)
{
  g_return_val_if_fail (server != NULL, NULL);
  return g_steal_pointer (&server->pending);
}

MsgrSmbServerStatus
msgr_smb_server_complete (MsgrSmbServer *server, guint32 status, gint64 now_us, GByteArray *out)
{
  g_return_val_if_fail (server != NULL && out != NULL, MSGR_SMB_SERVER_CLOSE);
  if (server->state != MSGR_SMB_SERVER_STATE_COMMIT)
    return status_of (server);
  g_clear_pointer (&server->pending, msgr_smb_server_message_free);
  send_response (server, &server->final_request, status, out);
  server->state = MSGR_SMB_SERVER_STATE_IDLE;
  /* The idle clock restarts: the commit was our time, not the peer's. */
  server->last_activity_us = now_us;
  drain (server, now_us, out);
  return status_of (server);
}

gint64
msgr_smb_server_next_deadline (const MsgrSmbServer *server)
{
  gint64 deadline;

  g_return_val_if_fail (server != NULL, NB_ENGINE_NO_DEADLINE);
  if (server->state == MSGR_SMB_SERVER_STATE_COMMIT
      || server->state == MSGR_SMB_SERVER_STATE_CLOSED)
    return NB_ENGINE_NO_DEADLINE;
  deadline = server->last_activity_us + server->config.idle_timeout_us;
  if (server->state == MSGR_SMB_SERVER_STATE_MULTI_BLOCK)
    deadline = MIN (deadline, server->message_start_us + server->config.message_timeout_us);
  return deadline;
}

MsgrSmbServerStatus
msgr_smb_server_tick (MsgrSmbServer *server, gint64 now_us, GByteArray *out)
{
  gint64 deadline;

  g_return_val_if_fail (server != NULL, MSGR_SMB_SERVER_CLOSE);
  deadline = msgr_smb_server_next_deadline (server);
  if (deadline == NB_ENGINE_NO_DEADLINE || now_us < deadline)
    return status_of (server);
  if (server->state == MSGR_SMB_SERVER_STATE_MULTI_BLOCK
      && now_us >= server->message_start_us + server->config.message_timeout_us)
    close_with (server, "message timeout: no SMB_COM_SEND_END_MB_MESSAGE in time");
  else
    close_with (server, "idle timeout");
  return MSGR_SMB_SERVER_CLOSE;
}

MsgrSmbServerState
msgr_smb_server_get_state (const MsgrSmbServer *server)
{
  g_return_val_if_fail (server != NULL, MSGR_SMB_SERVER_STATE_CLOSED);
  return server->state;
}

const char *
msgr_smb_server_get_close_reason (const MsgrSmbServer *server)
{
  g_return_val_if_fail (server != NULL, NULL);
  return server->close_reason;
}

void
msgr_smb_server_get_stats (const MsgrSmbServer *server, MsgrSmbServerStats *ret)
{
  g_return_if_fail (server != NULL && ret != NULL);
  *ret = server->stats;
}

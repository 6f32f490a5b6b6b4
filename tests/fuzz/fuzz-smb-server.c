/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Fuzz target for the Messenger receiver machine (lib/engine/
 * msgr-smb-server.c), driven like a connection: the input is a script.
 *
 *   byte 0      configuration: bit 0 direct framing, bit 1 refuse the
 *               session request (0x82), bits 2-7 the text cap / 16 + 1
 *   then ops    0x00-0x3F  feed the next (op + 1) bytes (as one chunk)
 *               0x40-0x7F  the clock moves (op & 0x3F) s on, then tick
 *               0x80-0xBF  complete the pending message (op odd: refused)
 *               0xC0-0xFF  take the pending message
 *
 * Invariants (abort() on violation):
 *  - everything the machine writes is a sequence of whole session packets
 *    of its framing; every SMB in them has a parseable header with the
 *    reply flag, every NBSS packet is a positive or negative response;
 *  - MESSAGE means take_message() gives a message (once), with a text no
 *    longer than the cap;
 *  - after CLOSE nothing more is written and every call says CLOSE;
 *  - a pending commit has no deadline; an open machine always has one. */

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>

#include <netsend/msgr-smb-server.h>
#include <netsend/nb-transport.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint8
session_func (const NbName *called, const NbName *calling, gpointer user_data)
{
  return GPOINTER_TO_UINT (user_data) ? NB_SESSION_ERR_CALLED_NOT_PRESENT : 0;
}

static void
check_output (const GByteArray *out, NbSessionFraming framing)
{
  g_autoptr (NbSessionFramer) f = nb_session_framer_new (framing, NB_SESSION_MAX_LENGTH);
  guint8 type;
  GBytes *payload;

  if (out->len == 0)
    return;
  if (!nb_session_framer_push (f, out->data, out->len, NULL))
    abort ();
  while (nb_session_framer_pop (f, &type, &payload)) {
    gsize len;
    const guint8 *p = g_bytes_get_data (payload, &len);
    SmbHeader h;

    if (type == NB_SESSION_MESSAGE) {
      if (p == NULL || !smb_header_parse (p, len, &h, NULL) || !(h.flags & SMB_FLAGS_REPLY))
        abort ();
    } else if (type != NB_SESSION_POSITIVE_RESPONSE && type != NB_SESSION_NEGATIVE_RESPONSE) {
      abort ();
    }
    g_bytes_unref (payload);
  }
  if (nb_session_framer_get_buffered (f) != 0)
    abort ();
}

static void
check_status (MsgrSmbServer *s, MsgrSmbServerStatus st, gsize cap, gboolean *closed)
{
  gint64 deadline = msgr_smb_server_next_deadline (s);
  MsgrSmbServerState state = msgr_smb_server_get_state (s);

  if (*closed && st != MSGR_SMB_SERVER_CLOSE)
    abort ();
  if (st == MSGR_SMB_SERVER_CLOSE) {
    *closed = TRUE;
    if (state != MSGR_SMB_SERVER_STATE_CLOSED || deadline != NB_ENGINE_NO_DEADLINE)
      abort ();
  } else if (state == MSGR_SMB_SERVER_STATE_COMMIT) {
    if (deadline != NB_ENGINE_NO_DEADLINE)
      abort ();
  } else if (deadline == NB_ENGINE_NO_DEADLINE) {
    abort ();
  }
  if (st == MSGR_SMB_SERVER_MESSAGE) {
    g_autoptr (MsgrSmbServerMessage) m = msgr_smb_server_take_message (s);

    if (m == NULL || g_bytes_get_size (m->text) > cap || msgr_smb_server_take_message (s) != NULL)
      abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (MsgrSmbServer) s = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  MsgrSmbServerConfig c;
  gint64 now = 1000 * G_USEC_PER_SEC;
  gboolean closed = FALSE;
  gsize i = 1;

  if (size < 1 || size > 65536)
    return 0;
  msgr_smb_server_config_init (&c);
  c.framing = (data[0] & 1) ? NB_SESSION_FRAMING_DIRECT : NB_SESSION_FRAMING_NBSS;
  c.max_text = (gsize) ((data[0] >> 2) + 1) * 16;
  c.session_func = session_func;
  c.user_data = GUINT_TO_POINTER ((data[0] & 2) != 0);
  c.first_group_id = 0xFFF0;
  s = msgr_smb_server_new (&c, now);
  while (i < size) {
    guint8 op = data[i++];
    MsgrSmbServerStatus st;
    gsize before = out->len;

    switch (op >> 6) {
      case 0: {
        gsize n = MIN ((gsize) (op & 0x3F) + 1, size - i);

        st = msgr_smb_server_receive (s, data + i, n, now, out);
        i += n;
        break;
      }
      case 1:
        now += (gint64) (op & 0x3F) * G_USEC_PER_SEC;
        st = msgr_smb_server_tick (s, now, out);
        break;
      case 2:
        st = msgr_smb_server_complete (s, (op & 1) ? SMB_STATUS_DOS (SMB_ERRSRV, SMB_ERRSRV_MSGOFF) : 0,
                                       now, out);
        break;
      default: {
        g_autoptr (MsgrSmbServerMessage) m = msgr_smb_server_take_message (s);

        st = msgr_smb_server_receive (s, NULL, 0, now, out);
        break;
      }
    }
    if (closed && out->len != before)
      abort ();
    check_status (s, st, c.max_text, &closed);
  }
  check_output (out, c.framing);
  return 0;
}

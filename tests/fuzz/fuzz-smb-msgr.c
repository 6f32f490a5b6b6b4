/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the SMB1 Messenger codec (lib/codec/smb-msgr.c).
 *
 * 1. smb_msgr_parse() on the input. A parsed SMB rebuilds to exactly the
 *    bytes it was read from (a prefix of the input: bytes after ByteCount
 *    are ignored), parses again to an equal packet, and the header agrees
 *    with smb_header_parse(). A rejected SMB sets an NS_CODEC_ERROR.
 * 2. The input's tail as names and text through the per-kind builders;
 *    whatever they accept parses back to the same values.
 * abort() on any mismatch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netsend/ns-errors.h"
#include "netsend/smb-msgr.h"

static gboolean
bytes_equal0 (GBytes *a, GBytes *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_bytes_equal (a, b);
}

static gboolean
header_equal (const SmbHeader *a, const SmbHeader *b)
{
  return a->command == b->command && a->status == b->status && a->flags == b->flags &&
         a->flags2 == b->flags2 && a->pid_high == b->pid_high &&
         memcmp (a->security_features, b->security_features, 8) == 0 &&
         a->reserved == b->reserved && a->tid == b->tid && a->pid == b->pid &&
         a->uid == b->uid && a->mid == b->mid;
}

static gboolean
negotiate_equal (const SmbNegotiateResponse *a, const SmbNegotiateResponse *b)
{
  return a->dialect_index == b->dialect_index && a->nt_lm == b->nt_lm &&
         a->security_mode == b->security_mode && a->max_mpx_count == b->max_mpx_count &&
         a->max_number_vcs == b->max_number_vcs && a->max_buffer_size == b->max_buffer_size &&
         a->max_raw_size == b->max_raw_size && a->session_key == b->session_key &&
         a->capabilities == b->capabilities && a->system_time == b->system_time &&
         a->server_time_zone == b->server_time_zone && bytes_equal0 (a->challenge, b->challenge) &&
         bytes_equal0 (a->data, b->data);
}

static gboolean
packet_equal (const SmbMsgrPacket *a, const SmbMsgrPacket *b)
{
  if (a->kind != b->kind || !header_equal (&a->header, &b->header) ||
      strcmp (a->originator, b->originator) != 0 ||
      strcmp (a->destination, b->destination) != 0 || !bytes_equal0 (a->text, b->text) ||
      a->group_id != b->group_id || a->has_group_id != b->has_group_id ||
      !negotiate_equal (&a->negotiate, &b->negotiate))
    return FALSE;
  if (a->dialects == NULL || b->dialects == NULL)
    return a->dialects == b->dialects;
  return g_strv_equal ((const char *const *) a->dialects, (const char *const *) b->dialects);
}

/* Checks the invariants every parsed packet must hold. */
static void
check_limits (const SmbMsgrPacket *p)
{
  if (strlen (p->originator) > SMB_MSGR_NAME_MAX || strlen (p->destination) > SMB_MSGR_NAME_MAX)
    abort ();
  if (p->text != NULL && g_bytes_get_size (p->text) > SMB_MSGR_BLOCK_MAX)
    abort ();
  if (p->dialects != NULL && g_strv_length (p->dialects) > SMB_MSGR_DIALECTS_MAX)
    abort ();
}

static void
check_parse (const uint8_t *data, size_t size)
{
  g_autoptr (SmbMsgrPacket) p = NULL;
  g_autoptr (SmbMsgrPacket) again = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GByteArray) out2 = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *status = NULL;
  SmbHeader h;
  gboolean header_ok = smb_header_parse (data, size, &h, NULL);

  if (!smb_msgr_parse (data, size, &p, &error)) {
    if (error == NULL || error->domain != NS_CODEC_ERROR || p != NULL)
      abort ();
    return;
  }
  if (!header_ok || !header_equal (&h, &p->header))
    abort ();
  check_limits (p);
  status = smb_status_to_string (&p->header);
  if (status == NULL || smb_command_name (p->header.command) == NULL)
    abort ();

  if (!smb_msgr_build (p, out, &error))
    abort ();
  if (out->len > size || memcmp (out->data, data, out->len) != 0)
    abort ();
  if (!smb_msgr_parse (out->data, out->len, &again, NULL) || !packet_equal (p, again))
    abort ();
  if (!smb_msgr_build (again, out2, NULL) || out2->len != out->len ||
      memcmp (out2->data, out->data, out->len) != 0)
    abort ();
  if (p->kind == SMB_MSGR_NEGOTIATE_REQUEST &&
      smb_msgr_find_dialect (p, p->dialects[0]) != 0)
    abort ();
}

/* Builds requests from the input: byte 0 picks a name length, the rest is
 * name bytes then text. Built SMBs must parse back to the same values. */
static void
check_build (const uint8_t *data, size_t size)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (SmbMsgrPacket) p = NULL;
  char name[32];
  gsize name_len, text_len;
  const guint8 *text;
  SmbHeader h;
  gboolean ok;

  if (size < 1)
    return;
  name_len = MIN ((gsize) (data[0] & 0x1f), size - 1);
  memcpy (name, data + 1, name_len);
  name[name_len] = '\0';
  text = data + 1 + name_len;
  text_len = size - 1 - name_len;
  smb_header_init_request (&h, 0);
  h.mid = data[0];

  ok = smb_msgr_build_send_message (out, &h, name, "DEST", text, text_len, NULL);
  if (ok != (strlen (name) <= SMB_MSGR_NAME_MAX && text_len <= SMB_MSGR_BLOCK_MAX))
    abort ();
  if (!ok) {
    if (out->len != 0)
      abort ();
    return;
  }
  if (!smb_msgr_parse (out->data, out->len, &p, NULL) || p->kind != SMB_MSGR_SEND_MESSAGE ||
      strcmp (p->originator, name) != 0 || strcmp (p->destination, "DEST") != 0 ||
      g_bytes_get_size (p->text) != text_len ||
      (text_len > 0 && memcmp (g_bytes_get_data (p->text, NULL), text, text_len) != 0))
    abort ();
  g_clear_pointer (&p, smb_msgr_packet_free);
  g_byte_array_set_size (out, 0);
  if (!smb_msgr_build_text (out, &h, (guint16) size, text, text_len, NULL) ||
      !smb_msgr_parse (out->data, out->len, &p, NULL) || p->kind != SMB_MSGR_TEXT ||
      p->group_id != (guint16) size || g_bytes_get_size (p->text) != text_len)
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  check_parse (data, size);
  check_build (data, size);
  return 0;
}

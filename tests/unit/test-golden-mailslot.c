/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/msgr-mailslot.h"
#include "netsend/msgr-text.h"
#include "netsend/nb-dgram.h"
#include "netsend/nb-name.h"
#include "netsend/ns-errors.h"
#include "vectors.h"

/* Golden frames captured from Samba (tests/vectors/golden-vectors.json;
 * decodes in shared/vectors/samba/decode-mailslot-messngr.txt and
 * decode-smb-message-*.txt). */

static const struct {
  const char *label;
  const char *text;
  guint16 dgm_length;
} messngr[] = {
  { "DIRECT_UNIQUE datagram to PEERA<03> unicast", "mailslot MESSNGR unicast", 193 },
  { "same, to the subnet broadcast address", "mailslot MESSNGR broadcast", 195 },
};

static void
assert_bytes_str (GBytes *b, const char *s)
{
  assert_int_equal (g_bytes_get_size (b), strlen (s));
  assert_memory_equal (g_bytes_get_data (b, NULL), s, strlen (s));
}

static void
assert_name (const NbName *name, const char *display)
{
  g_autofree char *s = nb_name_to_display (name, NULL);

  assert_string_equal (s, display);
}

static void
check_fields (const guint8 *frame, gsize size, const NbDgram *d, const MsgrMailslotMessage *m,
              guint i)
{
  /* Datagram header (RFC 1002 §4.4.2). */
  assert_int_equal (d->type, NB_DGRAM_DIRECT_UNIQUE);
  assert_int_equal (d->flags, 0x02); /* F = 1, M = 0, B node */
  assert_int_equal (d->dgm_id, 0x1234);
  assert_int_equal (d->source_ip, 0x0a630002); /* 10.99.0.2 */
  assert_int_equal (d->source_port, 138);
  assert_int_equal (d->packet_offset, 0);
  assert_int_equal ((frame[10] << 8) | frame[11], messngr[i].dgm_length);
  assert_int_equal (size, NB_DGRAM_DIRECT_HEADER_LEN + messngr[i].dgm_length);
  assert_name (&d->source_name, "NSN-H2<00>");
  assert_name (&d->destination_name, "PEERA<03>");

  /* SMB_COM_TRANSACTION (PROTOCOL.md §3.2), offsets from USER_DATA (82):
   * DataOffset 87 (no padding), ByteCount = 18 + DataCount. */
  assert_int_equal (frame[82 + 4], 0x25);
  assert_int_equal (frame[82 + 32], 17);
  assert_int_equal (frame[82 + 57] | (frame[82 + 58] << 8), 87);
  assert_int_equal (m->params.smb_flags, 0);
  assert_int_equal (m->params.smb_flags2, 0);
  assert_int_equal (m->params.pid_high | m->params.tid | m->params.pid_low | m->params.uid | m->params.mid, 0);
  assert_int_equal (m->params.max_parameter_count, 0);
  assert_int_equal (m->params.max_data_count, 0);
  assert_int_equal (m->params.max_setup_count, 0);
  assert_int_equal (m->params.trans_flags, 0);
  assert_int_equal (m->params.timeout_ms, 1000);
  assert_false (m->params.parameter_offset_is_data_offset);
  assert_int_equal (m->params.priority, 1);
  assert_int_equal (m->params.mailslot_class, 2);
  assert_int_equal (m->params.padding, 0);

  /* From\0To\0Text\0 */
  assert_bytes_str (m->from, "NSN-H2");
  assert_bytes_str (m->to, "PEERA");
  assert_bytes_str (m->text, messngr[i].text);
  assert_true (m->text_terminated);
}

static void
test_messngr_parse_and_rebuild (void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS (messngr); i++) {
    g_autoptr (GBytes) frame = tv_lookup ("mailslot-messngr", messngr[i].label);
    gsize size;
    const guint8 *p = g_bytes_get_data (frame, &size);
    g_autoptr (NbDgram) d = NULL;
    g_autoptr (MsgrMailslotMessage) m = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (GByteArray) whole = g_byte_array_new ();
    g_autoptr (GByteArray) dgram = g_byte_array_new ();
    g_autoptr (GByteArray) smb = g_byte_array_new ();

    if (!msgr_mailslot_parse_datagram (p, size, &d, &m, &error))
      fail_msg ("%s: %s", messngr[i].label, error->message);
    check_fields (p, size, d, m, i);

    /* Rebuilt three ways, byte for byte. */
    assert_true (msgr_mailslot_build_datagram (d->type, d->flags & NB_DGRAM_NODE_MASK, d->dgm_id,
                                               d->source_ip, d->source_port, &d->source_name,
                                               &d->destination_name, m, whole, &error));
    assert_int_equal (whole->len, size);
    assert_memory_equal (whole->data, p, size);
    assert_true (nb_dgram_build (d, dgram, &error));
    assert_int_equal (dgram->len, size);
    assert_memory_equal (dgram->data, p, size);
    assert_true (msgr_mailslot_build (m, smb, &error));
    assert_int_equal (smb->len, size - 82);
    assert_memory_equal (smb->data, p + 82, size - 82);
  }
}

static void
test_messngr_send_from_scratch (void **state)
{
  /* What a sender does: names from UTF-8, text through msgr-text, Samba
   * style header values. Gives capture 10 frame 1 exactly. */
  g_autoptr (GBytes) frame = tv_lookup ("mailslot-messngr", messngr[0].label);
  MsgrTextEncodeOptions opts = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) text = NULL;
  g_autoptr (MsgrMailslotMessage) m = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  NbName src, dst;

  assert_true (nb_name_from_utf8 (&src, "nsn-h2", NB_SUFFIX_WORKSTATION, NULL, &error));
  assert_true (nb_name_from_utf8 (&dst, "PEERA", NB_SUFFIX_MESSENGER, NULL, &error));
  opts.line_break = MSGR_LINE_BREAK_CRLF;
  text = msgr_text_encode (messngr[0].text, -1, &opts, &error);
  assert_non_null (text);
  m = msgr_mailslot_message_new ((const guint8 *) "NSN-H2", 6, (const guint8 *) "PEERA", 5,
                                 g_bytes_get_data (text, NULL), g_bytes_get_size (text));
  msgr_mailslot_params_init (&m->params, MSGR_MAILSLOT_STYLE_SAMBA);
  assert_true (msgr_mailslot_build_datagram (NB_DGRAM_DIRECT_UNIQUE, NB_DGRAM_NODE_B, 0x1234,
                                             0x0a630002, NB_DGRAM_PORT, &src, &dst, m, out, &error));
  assert_int_equal (out->len, g_bytes_get_size (frame));
  assert_memory_equal (out->data, g_bytes_get_data (frame, NULL), out->len);
}

static void
test_messngr_decode_text (void **state)
{
  g_autoptr (GBytes) frame = tv_lookup ("mailslot-messngr", messngr[1].label);
  g_autoptr (MsgrMailslotMessage) m = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *from = NULL;
  g_autofree char *text = NULL;
  gsize size;
  const guint8 *p = g_bytes_get_data (frame, &size);

  assert_true (msgr_mailslot_parse_datagram (p, size, NULL, &m, &error));
  from = msgr_text_decode (g_bytes_get_data (m->from, NULL), g_bytes_get_size (m->from), NULL, 0,
                           NULL, &error);
  text = msgr_text_decode (g_bytes_get_data (m->text, NULL), g_bytes_get_size (m->text), NULL, 0,
                           NULL, &error);
  assert_string_equal (from, "NSN-H2");
  assert_string_equal (text, "mailslot MESSNGR broadcast");
}

/* The text bytes of the "smb-message-charsets" frames (SMB_COM_SEND_TEXT_MB_MESSAGE).
 * SMB parsing is helper H3's (smb-msgr.h); here only the text is located, by
 * offset: 4 NBSS + 32 SMB header + WordCount 1 + MessageGroupId 2 +
 * ByteCount 2 + BufferFormat 1 + length 2 = offset 44, length the LE16 at 42. */
static const guint8 *
text_block (GBytes *frame, gsize *ret_len)
{
  gsize size;
  const guint8 *p = g_bytes_get_data (frame, &size);

  assert_true (size >= 44);
  assert_int_equal (p[8], 0xd7); /* SMB Command */
  assert_int_equal (p[41], 0x01); /* BufferFormat: data block */
  *ret_len = p[42] | (p[43] << 8);
  assert_int_equal (44 + *ret_len, size);
  return p + 44;
}

static void
test_charsets_decode (void **state)
{
  static const struct {
    const char *label;
    const char *codepage;
    const char *expect;
    gboolean raw;
  } cases[] = {
    { "\"Grüße only\" in CP850 (default dos charset)", NULL, "Grüße only\n", FALSE },
    { "\"Grüße Привет\": not CP850-representable -> raw UTF-8 sent", NULL, "Grüße Привет\n", TRUE },
    { "\"Привет only\" with client dos charset CP866", "CP866", "Привет only\n", FALSE },
    { "\"Привет only\" CP866 to a CP866 server (arrives correctly)", "866", "Привет only\n", FALSE },
  };

  assert_int_equal (tv_count ("smb-message-charsets"), G_N_ELEMENTS (cases));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GBytes) frame = tv_lookup ("smb-message-charsets", cases[i].label);
    g_autoptr (GError) error = NULL;
    g_autofree char *s = NULL;
    gboolean raw = !cases[i].raw;
    gsize len;
    const guint8 *text = text_block (frame, &len);

    s = msgr_text_decode (text, len, cases[i].codepage, 0, &raw, &error);
    assert_non_null (s);
    assert_string_equal (s, cases[i].expect);
    assert_int_equal (raw, cases[i].raw);
  }
}

static void
test_charsets_encode (void **state)
{
  /* Our encoder gives smbclient's bytes for the representable cases. */
  static const struct {
    const char *label;
    const char *codepage;
    const char *utf8;
  } cases[] = {
    { "\"Grüße only\" in CP850 (default dos charset)", NULL, "Grüße only\n" },
    { "\"Привет only\" with client dos charset CP866", "CP866", "Привет only\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GBytes) frame = tv_lookup ("smb-message-charsets", cases[i].label);
    MsgrTextEncodeOptions opts = MSGR_TEXT_ENCODE_OPTIONS_INIT;
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) oem = NULL;
    gsize len;
    const guint8 *text = text_block (frame, &len);

    opts.codepage = cases[i].codepage;
    opts.line_break = MSGR_LINE_BREAK_CRLF;
    oem = msgr_text_encode (cases[i].utf8, -1, &opts, &error);
    assert_non_null (oem);
    assert_int_equal (g_bytes_get_size (oem), len);
    assert_memory_equal (g_bytes_get_data (oem, NULL), text, len);
  }
}

static void
test_samba_multiblock (void **state)
{
  /* smbclient -M sent 299 letters + "\n" as 127 + 127 + 47 byte 0xD7
   * blocks (capture 04): our split at MSGR_TEXT_SAMBA_BLOCK_SIZE matches. */
  static const char *labels[] = {
    "SMBsendtxt block 1 (127 bytes)",
    "SMBsendtxt block 2 (127 bytes)",
    "SMBsendtxt block 3 (rest incl. CRLF)",
  };
  MsgrTextEncodeOptions opts = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GBytes) oem = NULL;
  g_autoptr (GPtrArray) blocks = NULL;
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < 299; i++)
    g_string_append_c (text, (char) ('A' + i % 26));
  g_string_append_c (text, '\n');
  opts.line_break = MSGR_LINE_BREAK_CRLF;
  oem = msgr_text_encode (text->str, -1, &opts, &error);
  assert_non_null (oem);
  blocks = msgr_text_split_blocks (oem, NULL, MSGR_TEXT_SAMBA_BLOCK_SIZE, &error);
  assert_non_null (blocks);
  assert_int_equal (blocks->len, G_N_ELEMENTS (labels));
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++) {
    g_autoptr (GBytes) frame = tv_lookup ("smb-message-long-multiblock", labels[i]);
    gsize len, n;
    const guint8 *wire = text_block (frame, &len);
    const guint8 *mine = g_bytes_get_data (g_ptr_array_index (blocks, i), &n);

    assert_int_equal (n, len);
    assert_memory_equal (mine, wire, n);
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_messngr_parse_and_rebuild),
    cmocka_unit_test (test_messngr_send_from_scratch),
    cmocka_unit_test (test_messngr_decode_text),
    cmocka_unit_test (test_charsets_decode),
    cmocka_unit_test (test_charsets_encode),
    cmocka_unit_test (test_samba_multiblock),
  };

  return cmocka_run_group_tests_name ("golden-mailslot", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/msgr-mailslot.h"

#include <string.h>

#include "nb-reader.h"
#include "nb-writer.h"
#include "netsend/ns-errors.h"

/* Field table: PROTOCOL.md §3.2 (MS-CIFS §2.2.4.33.1, §2.2.5.12; MS-MAIL
 * §2.2.1). Offsets are from the start of the SMB header, which is the start
 * of the datagram's USER_DATA. All SMB fields are little-endian. */

#define SMB_COM_TRANSACTION 0x25
#define TRANS_WORD_COUNT 17       /* 14 words + SetupCount 3 */
#define TRANS_SETUP_COUNT 3
#define TRANS_MAILSLOT_WRITE 1    /* Setup[0] */
#define MAILSLOT_CLASS_SECOND 2   /* Setup[2]: unreliable, may be broadcast */
#define NAME_OFFSET 69            /* MailslotName: 32 + 1 + 34 + 2 */
#define MAILSLOT_PREFIX "\\MAILSLOT\\"
#define SMB_MAX 0xffff            /* DataOffset and DataCount are 16 bits */

static const guint8 smb_magic[4] = { 0xff, 'S', 'M', 'B' };

/**
 * msgr_mailslot_params_init:
 * @params: (out caller-allocates): the values to fill
 * @style: which sender to imitate
 *
 * Fills header values for sending a mailslot write. Receivers (Windows via
 * MS-MAIL §3.2.5.1, Samba's dgram_mailslot_data) ignore all of them and
 * locate the data by DataOffset, so both styles are delivered.
 *
 * Since: 0.1
 */
void
msgr_mailslot_params_init (MsgrMailslotParams *params, MsgrMailslotStyle style)
{
  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  params->mailslot_class = MAILSLOT_CLASS_SECOND;
  if (style == MSGR_MAILSLOT_STYLE_SAMBA) {
    params->timeout_ms = 1000;
    params->priority = 1;
    return;
  }
  /* MS-MAIL §2.2.1 SHOULD values, laid out like its §4 example. */
  params->smb_flags = 0x18;
  params->smb_flags2 = 0x0004;
  params->pid_low = 0xfeff;
  params->max_parameter_count = 2;
  params->trans_flags = 0x0002;
  params->parameter_offset_is_data_offset = TRUE;
  params->padding = MSGR_MAILSLOT_PAD_ALIGN4;
}

static gboolean
params_equal (const MsgrMailslotParams *a, const MsgrMailslotParams *b)
{
  return a->smb_flags == b->smb_flags && a->smb_flags2 == b->smb_flags2 &&
         a->pid_high == b->pid_high && a->tid == b->tid && a->pid_low == b->pid_low &&
         a->uid == b->uid && a->mid == b->mid && a->max_parameter_count == b->max_parameter_count &&
         a->max_data_count == b->max_data_count && a->max_setup_count == b->max_setup_count &&
         a->trans_flags == b->trans_flags && a->timeout_ms == b->timeout_ms &&
         !a->parameter_offset_is_data_offset == !b->parameter_offset_is_data_offset &&
         a->priority == b->priority && a->mailslot_class == b->mailslot_class &&
         a->padding == b->padding;
}

/* A mailslot name is printable ASCII starting with \MAILSLOT\ in any case
 * (MS-CIFS §2.2.5.12; matched case-insensitively, PROTOCOL.md §3.2). */
static const char *
mailslot_name_invalid (const guint8 *name, gsize len)
{
  if (len < strlen (MAILSLOT_PREFIX) ||
      g_ascii_strncasecmp ((const char *) name, MAILSLOT_PREFIX, strlen (MAILSLOT_PREFIX)) != 0)
    return "mailslot name does not start with \\MAILSLOT\\";
  for (gsize i = 0; i < len; i++) {
    if (name[i] < 0x20 || name[i] > 0x7e)
      return "mailslot name has a byte outside printable ASCII";
  }
  return NULL;
}

/* ---- Generic mailslot write --------------------------------------------- */

/**
 * msgr_mailslot_write_new:
 *
 * Returns: (transfer full): an empty write with MS-MAIL style params
 *
 * Since: 0.1
 */
MsgrMailslotWrite *
msgr_mailslot_write_new (void)
{
  MsgrMailslotWrite *w = g_new0 (MsgrMailslotWrite, 1);

  msgr_mailslot_params_init (&w->params, MSGR_MAILSLOT_STYLE_MS_MAIL);
  return w;
}

/**
 * msgr_mailslot_write_free:
 * @write: (nullable): a mailslot write
 *
 * Since: 0.1
 */
void
msgr_mailslot_write_free (MsgrMailslotWrite *write)
{
  if (write == NULL)
    return;
  g_free (write->mailslot);
  g_clear_pointer (&write->data, g_bytes_unref);
  g_free (write);
}

/* SMB header (32 bytes) and the transaction words up to the setup words.
 * Status, SecurityFeatures and the reserved fields are skipped: ignored on
 * receipt (PROTOCOL.md §3.2). */
static void
read_smb_header (NbReader *r, MsgrMailslotParams *p, guint8 *ret_command)
{
  guint8 magic[4];

  if (nb_reader_copy (r, magic, sizeof magic) && memcmp (magic, smb_magic, sizeof magic) != 0) {
    nb_reader_fail (r, "not an SMB message (no FF 'SMB' signature)");
    return;
  }
  nb_reader_u8 (r, ret_command);
  nb_reader_skip (r, 4);
  nb_reader_u8 (r, &p->smb_flags);
  nb_reader_le16 (r, &p->smb_flags2);
  nb_reader_le16 (r, &p->pid_high);
  nb_reader_skip (r, 8 + 2);
  nb_reader_le16 (r, &p->tid);
  nb_reader_le16 (r, &p->pid_low);
  nb_reader_le16 (r, &p->uid);
  nb_reader_le16 (r, &p->mid);
}

typedef struct {
  guint8 word_count;
  guint16 total_data_count;
  guint16 parameter_offset;
  guint16 data_count;
  guint16 data_offset;
  guint8 setup_count;
  guint16 opcode;
} TransWords;

static void
read_trans_words (NbReader *r, MsgrMailslotParams *p, TransWords *t)
{
  guint16 ignored16;
  guint8 ignored8;

  nb_reader_u8 (r, &t->word_count);
  if (nb_reader_ok (r) && t->word_count != TRANS_WORD_COUNT) {
    nb_reader_fail (r, "WordCount is not 17 (SMB_COM_TRANSACTION with 3 setup words)");
    return;
  }
  nb_reader_le16 (r, &ignored16); /* TotalParameterCount: no parameters are used */
  nb_reader_le16 (r, &t->total_data_count);
  nb_reader_le16 (r, &p->max_parameter_count);
  nb_reader_le16 (r, &p->max_data_count);
  nb_reader_u8 (r, &p->max_setup_count);
  nb_reader_u8 (r, &ignored8);
  nb_reader_le16 (r, &p->trans_flags);
  nb_reader_le32 (r, &p->timeout_ms);
  nb_reader_le16 (r, &ignored16);
  nb_reader_le16 (r, &ignored16); /* ParameterCount */
  nb_reader_le16 (r, &t->parameter_offset);
  nb_reader_le16 (r, &t->data_count);
  nb_reader_le16 (r, &t->data_offset);
  nb_reader_u8 (r, &t->setup_count);
  nb_reader_u8 (r, &ignored8);
  nb_reader_le16 (r, &t->opcode);
  nb_reader_le16 (r, &p->priority);
  nb_reader_le16 (r, &p->mailslot_class);
  if (nb_reader_ok (r) && t->setup_count != TRANS_SETUP_COUNT)
    nb_reader_fail (r, "SetupCount is not 3");
}

/* Errors that are about what the packet is rather than its shape. */
static gboolean
check_command (guint8 command, GError **error)
{
  if (command != SMB_COM_TRANSACTION) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
                 "SMB command 0x%02x is not SMB_COM_TRANSACTION (0x25)", command);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_kind (const TransWords *t, GError **error)
{
  if (t->opcode != TRANS_MAILSLOT_WRITE) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
                 "transaction opcode %u is not TRANS_MAILSLOT_WRITE (1)", t->opcode);
    return FALSE;
  }
  if (t->total_data_count != t->data_count) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
                 "multi-part transaction (TotalDataCount %u, DataCount %u) in a datagram",
                 t->total_data_count, t->data_count);
    return FALSE;
  }
  return TRUE;
}

/* nb_reader_cstring(), except that input ending before the NUL (and before
 * @max) is truncation rather than a malformed string. */
static gboolean
read_cstring (NbReader *r, gsize max, const guint8 **ret, gsize *ret_len)
{
  NbReader probe = *r;

  if (nb_reader_cstring (&probe, max, ret, ret_len)) {
    *r = probe;
    return TRUE;
  }
  if (nb_reader_ok (r) && nb_reader_remaining (r) <= max)
    return nb_reader_skip (r, nb_reader_remaining (r) + 1);
  return nb_reader_cstring (r, max, ret, ret_len);
}

/* MailslotName, padding and data, located by DataOffset/DataCount as
 * MS-MAIL §3.2.5.1 and Samba do (PROTOCOL.md §3.2, §8 item 11). */
static void
read_name_and_data (NbReader *r, const TransWords *t, MsgrMailslotWrite *w)
{
  const guint8 *name;
  gsize name_len, name_end;
  const char *why;
  guint16 byte_count;

  nb_reader_le16 (r, &byte_count); /* MAY be ignored (MS-CIFS §2.2.4.33.1) */
  if (!read_cstring (r, MSGR_MAILSLOT_NAME_MAX, &name, &name_len))
    return;
  if ((why = mailslot_name_invalid (name, name_len)) != NULL) {
    nb_reader_fail (r, why);
    return;
  }
  name_end = nb_reader_pos (r);
  if (t->data_offset < name_end) {
    nb_reader_fail (r, "DataOffset points into the mailslot name");
    return;
  }
  w->params.padding = (guint16) (t->data_offset - name_end);
  w->params.parameter_offset_is_data_offset =
    t->parameter_offset == t->data_offset && t->parameter_offset != 0;
  nb_reader_skip (r, w->params.padding);
  nb_reader_dup (r, t->data_count, &w->data);
  nb_reader_expect_end (r);
  if (nb_reader_ok (r))
    w->mailslot = g_strndup ((const char *) name, name_len);
}

/**
 * msgr_mailslot_write_parse:
 * @data: (array length=len): the datagram's USER_DATA (starts at FF 'SMB')
 * @len: its length
 * @ret: (out) (transfer full): the write; untouched on failure
 * @error: return location for a #GError
 *
 * Parses any TRANS_MAILSLOT_WRITE, all or nothing. Status, Flags, Flags2,
 * the ids, Timeout, Priority and Class are kept but not judged; ByteCount is
 * ignored. Errors: %NS_CODEC_ERROR_UNSUPPORTED for another SMB command or
 * transaction opcode, or a multi-part transaction;
 * %NS_CODEC_ERROR_TRUNCATED when DataOffset + DataCount passes the end;
 * %NS_CODEC_ERROR_TRAILING_DATA for bytes after the data;
 * %NS_CODEC_ERROR_MALFORMED for a missing signature, WordCount other than
 * 17, SetupCount other than 3, a bad mailslot name, or a DataOffset inside
 * the name.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
msgr_mailslot_write_parse (const guint8 *data, gsize len, MsgrMailslotWrite **ret, GError **error)
{
  g_autoptr (MsgrMailslotWrite) w = g_new0 (MsgrMailslotWrite, 1);
  TransWords t = { 0 };
  guint8 command = 0;
  NbReader r;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nb_reader_init (&r, data, len);
  read_smb_header (&r, &w->params, &command);
  if (!nb_reader_finish (&r, "SMB header of a mailslot write", error) ||
      !check_command (command, error))
    return FALSE;
  read_trans_words (&r, &w->params, &t);
  if (!nb_reader_finish (&r, "SMB_COM_TRANSACTION mailslot write", error) ||
      !check_kind (&t, error))
    return FALSE;
  read_name_and_data (&r, &t, w);
  if (!nb_reader_finish (&r, "SMB_COM_TRANSACTION mailslot write", error))
    return FALSE;
  *ret = g_steal_pointer (&w);
  return TRUE;
}

static gsize
padding_for (const MsgrMailslotParams *p, gsize name_end)
{
  if (p->padding == MSGR_MAILSLOT_PAD_ALIGN4)
    return (4 - name_end % 4) % 4;
  return p->padding;
}

static void
write_header (NbWriter *w, const MsgrMailslotParams *p)
{
  nb_writer_bytes (w, smb_magic, sizeof smb_magic);
  nb_writer_u8 (w, SMB_COM_TRANSACTION);
  nb_writer_le32 (w, 0); /* Status */
  nb_writer_u8 (w, p->smb_flags);
  nb_writer_le16 (w, p->smb_flags2);
  nb_writer_le16 (w, p->pid_high);
  nb_writer_zeros (w, 8 + 2); /* SecurityFeatures, Reserved */
  nb_writer_le16 (w, p->tid);
  nb_writer_le16 (w, p->pid_low);
  nb_writer_le16 (w, p->uid);
  nb_writer_le16 (w, p->mid);
}

/* The 17 words (with the setup words) and ByteCount, for @data_len bytes of
 * data after @pad bytes of padding. */
static void
write_trans_words (NbWriter *w, const MsgrMailslotParams *p, gsize name_size, gsize pad,
                   gsize data_len)
{
  gsize data_offset = NAME_OFFSET + name_size + pad;

  if (data_offset > SMB_MAX || data_len > SMB_MAX - data_offset) {
    nb_writer_fail (w, NULL);
    return;
  }
  nb_writer_u8 (w, TRANS_WORD_COUNT);
  nb_writer_le16 (w, 0);                 /* TotalParameterCount */
  nb_writer_le16 (w, (guint16) data_len); /* TotalDataCount */
  nb_writer_le16 (w, p->max_parameter_count);
  nb_writer_le16 (w, p->max_data_count);
  nb_writer_u8 (w, p->max_setup_count);
  nb_writer_u8 (w, 0);
  nb_writer_le16 (w, p->trans_flags);
  nb_writer_le32 (w, p->timeout_ms);
  nb_writer_le16 (w, 0);                 /* Reserved2 */
  nb_writer_le16 (w, 0);                 /* ParameterCount */
  nb_writer_le16 (w, p->parameter_offset_is_data_offset ? (guint16) data_offset : 0);
  nb_writer_le16 (w, (guint16) data_len); /* DataCount */
  nb_writer_le16 (w, (guint16) data_offset);
  nb_writer_u8 (w, TRANS_SETUP_COUNT);
  nb_writer_u8 (w, 0);
  nb_writer_le16 (w, TRANS_MAILSLOT_WRITE);
  nb_writer_le16 (w, p->priority);
  nb_writer_le16 (w, p->mailslot_class);
  nb_writer_le16 (w, (guint16) (name_size + pad + data_len)); /* ByteCount */
}

/**
 * msgr_mailslot_write_build:
 * @write: the mailslot write
 * @out: array the SMB message is appended to; unchanged on failure
 * @error: return location for a #GError
 *
 * Builds the SMB_COM_TRANSACTION for a datagram's USER_DATA. Fails with
 * %NS_CODEC_ERROR_MALFORMED for a mailslot name that is not printable ASCII
 * starting with `\MAILSLOT\` or longer than %MSGR_MAILSLOT_NAME_MAX, and
 * %NS_CODEC_ERROR_TOO_LARGE if DataOffset + DataCount passes 65535.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
msgr_mailslot_write_build (const MsgrMailslotWrite *write, GByteArray *out, GError **error)
{
  const char *name;
  gsize name_len, data_len, pad;
  const char *why;
  NbWriter w;

  g_return_val_if_fail (write != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  name = write->mailslot != NULL ? write->mailslot : "";
  name_len = strlen (name);
  data_len = write->data != NULL ? g_bytes_get_size (write->data) : 0;
  nb_writer_init (&w, out, SMB_MAX);
  why = mailslot_name_invalid ((const guint8 *) name, name_len);
  if (why == NULL && name_len > MSGR_MAILSLOT_NAME_MAX)
    why = "mailslot name longer than 255 bytes";
  if (why != NULL)
    nb_writer_fail (&w, why);
  pad = padding_for (&write->params, NAME_OFFSET + name_len + 1);
  write_header (&w, &write->params);
  write_trans_words (&w, &write->params, name_len + 1, pad, data_len);
  nb_writer_bytes (&w, name, name_len + 1);
  nb_writer_zeros (&w, pad);
  if (data_len > 0)
    nb_writer_bytes (&w, g_bytes_get_data (write->data, NULL), data_len);
  return nb_writer_finish (&w, "SMB_COM_TRANSACTION mailslot write", error);
}

/* ---- The MESSNGR message ------------------------------------------------- */

/**
 * msgr_mailslot_message_new:
 * @from: (array length=from_len) (nullable): From in OEM bytes, no NUL
 * @from_len: its length
 * @to: (array length=to_len) (nullable): To in OEM bytes
 * @to_len: its length
 * @text: (array length=text_len) (nullable): Text in OEM bytes, line breaks
 *   already applied (msgr_text_encode())
 * @text_len: its length
 *
 * Returns: (transfer full): a message with MS-MAIL style params and a
 *   terminating NUL after the text
 *
 * Since: 0.1
 */
MsgrMailslotMessage *
msgr_mailslot_message_new (const guint8 *from, gsize from_len, const guint8 *to, gsize to_len,
                           const guint8 *text, gsize text_len)
{
  MsgrMailslotMessage *m;

  g_return_val_if_fail (from != NULL || from_len == 0, NULL);
  g_return_val_if_fail (to != NULL || to_len == 0, NULL);
  g_return_val_if_fail (text != NULL || text_len == 0, NULL);

  m = g_new0 (MsgrMailslotMessage, 1);
  msgr_mailslot_params_init (&m->params, MSGR_MAILSLOT_STYLE_MS_MAIL);
  m->from = g_bytes_new (from, from_len);
  m->to = g_bytes_new (to, to_len);
  m->text = g_bytes_new (text, text_len);
  m->text_terminated = TRUE;
  return m;
}

/**
 * msgr_mailslot_message_free:
 * @msg: (nullable): a message
 *
 * Since: 0.1
 */
void
msgr_mailslot_message_free (MsgrMailslotMessage *msg)
{
  if (msg == NULL)
    return;
  g_clear_pointer (&msg->from, g_bytes_unref);
  g_clear_pointer (&msg->to, g_bytes_unref);
  g_clear_pointer (&msg->text, g_bytes_unref);
  g_free (msg);
}

/**
 * msgr_mailslot_message_equal:
 * @a: a message
 * @b: a message
 *
 * Returns: %TRUE if params, From, To, Text and the text terminator are equal
 *
 * Since: 0.1
 */
gboolean
msgr_mailslot_message_equal (const MsgrMailslotMessage *a, const MsgrMailslotMessage *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return params_equal (&a->params, &b->params) && g_bytes_equal (a->from, b->from) &&
         g_bytes_equal (a->to, b->to) && g_bytes_equal (a->text, b->text) &&
         !a->text_terminated == !b->text_terminated;
}

/* From\0To\0Text\0 (PROTOCOL.md §3.3): split on the first two NULs; the text
 * runs to the next NUL or the end (a missing final NUL is tolerated). NULs
 * after the text are padding; anything else there is refused rather than
 * dropped unseen (the layout is unconfirmed for Windows, errata 16). */
static void
read_body (NbReader *r, MsgrMailslotMessage *m)
{
  const guint8 *from, *to, *rest;
  gsize from_len, to_len, rest_len, text_len;
  const guint8 *nul;

  NbReader probe = *r;

  /* DataCount delimits the body, so a missing NUL is malformed, not short. */
  if (!nb_reader_cstring (&probe, MSGR_MAILSLOT_MAX_FIELD, &from, &from_len)) {
    nb_reader_fail (r, "From has no NUL within 255 bytes");
    return;
  }
  *r = probe;
  if (!nb_reader_cstring (&probe, MSGR_MAILSLOT_MAX_FIELD, &to, &to_len)) {
    nb_reader_fail (r, "To has no NUL within 255 bytes");
    return;
  }
  *r = probe;
  rest_len = nb_reader_remaining (r);
  nb_reader_bytes (r, rest_len, &rest);
  nul = rest_len > 0 ? memchr (rest, 0, rest_len) : NULL;
  text_len = nul != NULL ? (gsize) (nul - rest) : rest_len;
  for (gsize i = text_len; i < rest_len; i++) {
    if (rest[i] != 0) {
      nb_reader_fail (r, "data after the NUL that ends the text");
      return;
    }
  }
  m->from = g_bytes_new (from, from_len);
  m->to = g_bytes_new (to, to_len);
  m->text = g_bytes_new (rest, text_len);
  m->text_terminated = nul != NULL;
}

/**
 * msgr_mailslot_parse:
 * @dgram_user_data: (array length=len): the datagram's USER_DATA
 * @len: its length
 * @ret: (out) (transfer full): the message; untouched on failure
 * @error: return location for a #GError
 *
 * Parses a Messenger mailslot write: msgr_mailslot_write_parse(), a
 * mailslot name equal to %MSGR_MAILSLOT_NAME ignoring case (another name
 * gives %NS_CODEC_ERROR_UNSUPPORTED), then the `From\0To\0Text\0` body:
 * From and To up to %MSGR_MAILSLOT_MAX_FIELD bytes with their NULs
 * (%NS_CODEC_ERROR_MALFORMED otherwise), Text to the next NUL or the end,
 * only NULs after it. The fields stay raw OEM bytes; decode them with
 * msgr_text_decode().
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
msgr_mailslot_parse (const guint8 *dgram_user_data, gsize len, MsgrMailslotMessage **ret,
                     GError **error)
{
  g_autoptr (MsgrMailslotWrite) w = NULL;
  g_autoptr (MsgrMailslotMessage) m = NULL;
  const guint8 *body;
  gsize body_len = 0;
  NbReader r;

  g_return_val_if_fail (ret != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!msgr_mailslot_write_parse (dgram_user_data, len, &w, error))
    return FALSE;
  if (g_ascii_strcasecmp (w->mailslot, MSGR_MAILSLOT_NAME) != 0) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
                 "mailslot %s is not the Messenger mailslot " MSGR_MAILSLOT_NAME, w->mailslot);
    return FALSE;
  }
  body = g_bytes_get_data (w->data, &body_len);
  nb_reader_init (&r, body, body_len);
  m = g_new0 (MsgrMailslotMessage, 1);
  m->params = w->params;
  read_body (&r, m);
  if (!nb_reader_finish (&r, "MESSNGR message body", error))
    return FALSE;
  *ret = g_steal_pointer (&m);
  return TRUE;
}

static gboolean
check_name_field (GBytes *field, const char *what, GError **error)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (field, &n);

  if (n == 0 || n > MSGR_MAILSLOT_MAX_NAME || memchr (p, 0, n) != NULL) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_INVALID_NAME,
                 "%s must be 1 to %d bytes without NUL (MS-MSRP 2.2.3.1.1), not %" G_GSIZE_FORMAT
                 " bytes", what, MSGR_MAILSLOT_MAX_NAME, n);
    return FALSE;
  }
  return TRUE;
}

/**
 * msgr_mailslot_build:
 * @msg: the message
 * @out: array the SMB message (the datagram's USER_DATA) is appended to;
 *   unchanged on failure
 * @error: return location for a #GError
 *
 * Builds the mailslot write to %MSGR_MAILSLOT_NAME. From and To must be 1
 * to %MSGR_MAILSLOT_MAX_NAME bytes without NUL
 * (%NS_CODEC_ERROR_INVALID_NAME), the text must hold no NUL
 * (%NS_CODEC_ERROR_MALFORMED) and the body at most %MSGR_MAILSLOT_MAX_BODY
 * bytes (%NS_CODEC_ERROR_TOO_LARGE).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
msgr_mailslot_build (const MsgrMailslotMessage *msg, GByteArray *out, GError **error)
{
  g_autoptr (GByteArray) body = g_byte_array_new ();
  MsgrMailslotWrite w = { 0 };
  gsize text_len;
  const guint8 *text;

  g_return_val_if_fail (msg != NULL && msg->from != NULL && msg->to != NULL && msg->text != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_name_field (msg->from, "From", error) || !check_name_field (msg->to, "To", error))
    return FALSE;
  text = g_bytes_get_data (msg->text, &text_len);
  if (text_len > 0 && memchr (text, 0, text_len) != NULL) {
    g_set_error_literal (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                         "the text of a MESSNGR message cannot contain a NUL byte");
    return FALSE;
  }
  g_byte_array_append (body, g_bytes_get_data (msg->from, NULL), (guint) g_bytes_get_size (msg->from));
  g_byte_array_append (body, (const guint8 *) "", 1);
  g_byte_array_append (body, g_bytes_get_data (msg->to, NULL), (guint) g_bytes_get_size (msg->to));
  g_byte_array_append (body, (const guint8 *) "", 1);
  if (text_len > MSGR_MAILSLOT_MAX_BODY || body->len + text_len + 1 > MSGR_MAILSLOT_MAX_BODY) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE,
                 "the MESSNGR body would be %" G_GSIZE_FORMAT " bytes; Windows delivers at most %d "
                 "(MS-MAIL note <2>), so the text may be at most %" G_GSIZE_FORMAT " bytes here",
                 body->len + text_len + 1, MSGR_MAILSLOT_MAX_BODY,
                 (gsize) (MSGR_MAILSLOT_MAX_BODY - body->len - 1));
    return FALSE;
  }
  if (text_len > 0)
    g_byte_array_append (body, text, (guint) text_len);
  if (msg->text_terminated)
    g_byte_array_append (body, (const guint8 *) "", 1);
  w.params = msg->params;
  w.mailslot = (char *) MSGR_MAILSLOT_NAME;
  w.data = g_bytes_new_static (body->data, body->len);
  if (!msgr_mailslot_write_build (&w, out, error)) {
    g_bytes_unref (w.data);
    return FALSE;
  }
  g_bytes_unref (w.data);
  return TRUE;
}

/* ---- Whole datagrams ----------------------------------------------------- */

/**
 * msgr_mailslot_parse_datagram:
 * @udp_payload: (array length=len): a UDP 138 payload
 * @len: its length
 * @ret_dgram: (out) (transfer full) (optional): the datagram
 * @ret_msg: (out) (transfer full): the message
 * @error: return location for a #GError
 *
 * The receiver's whole step 1-3 of PROTOCOL.md §3.6: nb_dgram_parse()
 * (fragments refused), a DIRECT_UNIQUE, DIRECT_GROUP or BROADCAST type
 * (others: %NS_CODEC_ERROR_UNSUPPORTED), then msgr_mailslot_parse() on the
 * user data. Nothing is set on failure.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
msgr_mailslot_parse_datagram (const guint8 *udp_payload, gsize len, NbDgram **ret_dgram,
                              MsgrMailslotMessage **ret_msg, GError **error)
{
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (MsgrMailslotMessage) m = NULL;
  const guint8 *user;
  gsize user_len = 0;

  g_return_val_if_fail (ret_msg != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!nb_dgram_parse (udp_payload, len, NB_DGRAM_PARSE_NONE, &d, error))
    return FALSE;
  if (d->type != NB_DGRAM_DIRECT_UNIQUE && d->type != NB_DGRAM_DIRECT_GROUP &&
      d->type != NB_DGRAM_BROADCAST) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
                 "a NetBIOS %s datagram carries no mailslot message",
                 nb_dgram_type_to_string (d->type));
    return FALSE;
  }
  user = d->user_data != NULL ? g_bytes_get_data (d->user_data, &user_len) : NULL;
  if (!msgr_mailslot_parse (user != NULL ? user : (const guint8 *) "", user_len, &m, error))
    return FALSE;
  if (ret_dgram != NULL)
    *ret_dgram = g_steal_pointer (&d);
  *ret_msg = g_steal_pointer (&m);
  return TRUE;
}

/**
 * msgr_mailslot_build_datagram:
 * @type: %NB_DGRAM_DIRECT_UNIQUE (to NAME<03>), %NB_DGRAM_DIRECT_GROUP (to
 *   DOMAIN<00> for `net send *`) or %NB_DGRAM_BROADCAST
 * @node_type: the SNT bits to put in FLAGS
 * @dgm_id: DGM_ID
 * @source_ip: SOURCE_IP, host byte order
 * @source_port: SOURCE_PORT (normally 138)
 * @source: SOURCE_NAME
 * @destination: DESTINATION_NAME
 * @msg: the message
 * @out: array the UDP payload is appended to; unchanged on failure
 * @error: return location for a #GError
 *
 * Builds a whole, unfragmented (F = 1, M = 0) datagram carrying @msg.
 * Errors as msgr_mailslot_build() and nb_dgram_build().
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
msgr_mailslot_build_datagram (NbDgramType type, NbDgramNodeType node_type, guint16 dgm_id,
                              guint32 source_ip, guint16 source_port, const NbName *source,
                              const NbName *destination, const MsgrMailslotMessage *msg,
                              GByteArray *out, GError **error)
{
  g_autoptr (GByteArray) smb = g_byte_array_new ();
  g_autoptr (NbDgram) d = NULL;

  g_return_val_if_fail (type == NB_DGRAM_DIRECT_UNIQUE || type == NB_DGRAM_DIRECT_GROUP ||
                        type == NB_DGRAM_BROADCAST, FALSE);
  g_return_val_if_fail ((node_type & ~NB_DGRAM_NODE_MASK) == 0, FALSE);
  g_return_val_if_fail (source != NULL && destination != NULL && msg != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!msgr_mailslot_build (msg, smb, error))
    return FALSE;
  d = nb_dgram_new (type);
  d->flags = NB_DGRAM_FLAG_FIRST | node_type;
  d->dgm_id = dgm_id;
  d->source_ip = source_ip;
  d->source_port = source_port;
  d->source_name = *source;
  d->destination_name = *destination;
  d->user_data = g_byte_array_free_to_bytes (g_steal_pointer (&smb));
  return nb_dgram_build (d, out, error);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/smb-msgr.h"

#include <stdarg.h>
#include <string.h>

#include "nb-reader.h"
#include "nb-writer.h"
#include "netsend/ns-errors.h"
#include "ns-codec-private.h"

/* SMB core buffer-format bytes (MS-CIFS §2.2.1.1 / PROTOCOL.md §2.2). */
#define FMT_DATA_BLOCK 0x01
#define FMT_DIALECT 0x02
#define FMT_ASCIIZ 0x04

/* NT LM negotiate response: 17 words (MS-CIFS §2.2.4.52.2). */
#define NEGOTIATE_NT_LM_WORDS 17
#define NEGOTIATE_LANMAN_WORDS 13

/* Largest SMB we build: header + 255 words + ByteCount + 64 KiB of bytes. */
#define SMB_BUILD_MAX (SMB_HEADER_SIZE + 1 + 2 * 255 + 2 + G_MAXUINT16)

/* An SMB split into its three parts (MS-CIFS §2.2.3): the parameter words and
 * the data bytes are independent sub-readers, so a field can never run from
 * one into the other. */
typedef struct {
  SmbHeader header;
  guint8 word_count;
  NbReader words;
  guint16 byte_count;
  NbReader bytes;
  const char *what; /* "SMB_COM_SEND_MESSAGE request", for messages */
} SmbFrame;

/* ---- names and descriptions ---- */

const char *
smb_command_name (guint8 command)
{
  switch (command) {
    case SMB_COM_NEGOTIATE: return "SMB_COM_NEGOTIATE";
    case SMB_COM_SEND_MESSAGE: return "SMB_COM_SEND_MESSAGE";
    case SMB_COM_SEND_BROADCAST_MESSAGE: return "SMB_COM_SEND_BROADCAST_MESSAGE";
    case SMB_COM_FORWARD_USER_NAME: return "SMB_COM_FORWARD_USER_NAME";
    case SMB_COM_CANCEL_FORWARD: return "SMB_COM_CANCEL_FORWARD";
    case SMB_COM_GET_MACHINE_NAME: return "SMB_COM_GET_MACHINE_NAME";
    case SMB_COM_SEND_START_MB_MESSAGE: return "SMB_COM_SEND_START_MB_MESSAGE";
    case SMB_COM_SEND_END_MB_MESSAGE: return "SMB_COM_SEND_END_MB_MESSAGE";
    case SMB_COM_SEND_TEXT_MB_MESSAGE: return "SMB_COM_SEND_TEXT_MB_MESSAGE";
    /* A few a file-sharing client sends after NEGOTIATE, for readable errors. */
    case 0x73: return "SMB_COM_SESSION_SETUP_ANDX";
    case 0x75: return "SMB_COM_TREE_CONNECT_ANDX";
    case 0x25: return "SMB_COM_TRANSACTION";
    case 0x2B: return "SMB_COM_ECHO";
    default: return "unknown command";
  }
}

const char *
smb_error_describe (guint8 error_class, guint16 code)
{
  if (error_class == SMB_ERRSRV) {
    switch (code) {
      case SMB_ERRSRV_ERROR: return "ERRerror: non-specific error (invalid SMB)";
      case SMB_ERRSRV_UNKNOWN_SMB: return "ERRunknownsmb: unknown SMB command";
      case SMB_ERRSRV_SMBCMD: return "ERRsmbcmd: the server did not recognise the command";
      case SMB_ERRSRV_PAUSED: return "ERRpaused: message server paused";
      case SMB_ERRSRV_MSGOFF: return "ERRmsgoff: not receiving messages";
      case SMB_ERRSRV_NOROOM: return "ERRnoroom: no room to buffer the message";
      case SMB_ERRSRV_RMUNS: return "ERRrmuns: too many remote user names";
      case SMB_ERRSRV_NOSUPPORT: return "ERRnosupport: function not supported";
      default: return NULL;
    }
  }
  if (error_class == SMB_ERRDOS) {
    switch (code) {
      case SMB_ERRDOS_BADFUNC: return "ERRbadfunc: invalid function";
      case SMB_ERRDOS_NOMEM: return "ERRnomem: insufficient server memory";
      case SMB_ERRDOS_NOT_SUPPORTED: return "ERRunsup: request not supported";
      case SMB_ERRDOS_REQ_NOT_ACCEPTED: return "request not accepted (not receiving messages)";
      case SMB_ERRDOS_INVALID_PARAMETER: return "ERRinvalidparam: invalid parameter";
      default: return NULL;
    }
  }
  return NULL;
}

char *
smb_status_to_string (const SmbHeader *header)
{
  guint8 cls;
  guint16 code;
  const char *meaning;
  const char *cls_name;

  g_return_val_if_fail (header != NULL, NULL);
  if (header->status == 0)
    return g_strdup ("success");
  if (header->flags2 & SMB_FLAGS2_NT_STATUS)
    return g_strdup_printf ("NTSTATUS 0x%08X", header->status);
  cls = SMB_STATUS_DOS_CLASS (header->status);
  code = SMB_STATUS_DOS_CODE (header->status);
  switch (cls) {
    case SMB_ERRDOS: cls_name = "ERRDOS"; break;
    case SMB_ERRSRV: cls_name = "ERRSRV"; break;
    case SMB_ERRHRD: cls_name = "ERRHRD"; break;
    case SMB_ERRCMD: cls_name = "ERRCMD"; break;
    default: cls_name = NULL; break;
  }
  meaning = smb_error_describe (cls, code);
  if (cls_name == NULL)
    return g_strdup_printf ("class 0x%02X/0x%04X", cls, code);
  if (meaning == NULL)
    return g_strdup_printf ("%s/0x%04X", cls_name, code);
  return g_strdup_printf ("%s/0x%04X (%s)", cls_name, code, meaning);
}

/* ---- packets and headers ---- */

static guint8
command_of_kind (SmbMsgrKind kind)
{
  switch (kind) {
    case SMB_MSGR_SEND_MESSAGE: return SMB_COM_SEND_MESSAGE;
    case SMB_MSGR_START: return SMB_COM_SEND_START_MB_MESSAGE;
    case SMB_MSGR_TEXT: return SMB_COM_SEND_TEXT_MB_MESSAGE;
    case SMB_MSGR_END: return SMB_COM_SEND_END_MB_MESSAGE;
    case SMB_MSGR_NEGOTIATE_REQUEST:
    case SMB_MSGR_NEGOTIATE_RESPONSE: return SMB_COM_NEGOTIATE;
    case SMB_MSGR_RESPONSE:
    default: return 0;
  }
}

SmbMsgrPacket *
smb_msgr_packet_new (SmbMsgrKind kind)
{
  SmbMsgrPacket *p = g_new0 (SmbMsgrPacket, 1);

  p->kind = kind;
  p->header.command = command_of_kind (kind);
  if (kind == SMB_MSGR_RESPONSE || kind == SMB_MSGR_NEGOTIATE_RESPONSE)
    p->header.flags = SMB_FLAGS_REPLY;
  return p;
}

void
smb_msgr_packet_free (SmbMsgrPacket *packet)
{
  if (packet == NULL)
    return;
  g_clear_pointer (&packet->text, g_bytes_unref);
  g_clear_pointer (&packet->dialects, g_strfreev);
  g_clear_pointer (&packet->negotiate.challenge, g_bytes_unref);
  g_clear_pointer (&packet->negotiate.data, g_bytes_unref);
  g_free (packet);
}

void
smb_header_init_request (SmbHeader *ret, guint8 command)
{
  g_return_if_fail (ret != NULL);
  *ret = (SmbHeader) { .command = command };
}

void
smb_header_init_response (SmbHeader *ret, const SmbHeader *request, guint32 status)
{
  g_return_if_fail (ret != NULL && request != NULL);
  *ret = (SmbHeader) {
    .command = request->command,
    .status = status,
    .flags = SMB_FLAGS_REPLY,
    .pid_high = request->pid_high,
    .tid = request->tid,
    .pid = request->pid,
    .uid = request->uid,
    .mid = request->mid,
  };
}

gint
smb_msgr_find_dialect (const SmbMsgrPacket *packet, const char *dialect)
{
  g_return_val_if_fail (packet != NULL && dialect != NULL, -1);
  if (packet->dialects == NULL)
    return -1;
  for (guint i = 0; packet->dialects[i] != NULL; i++) {
    if (g_str_equal (packet->dialects[i], dialect))
      return (gint) i;
  }
  return -1;
}

/* ---- parsing ---- */

/* MS-CIFS §2.2.3.1. The protocol id is checked first so that SMB2 and stray
 * non-SMB traffic get distinct errors (MS-MSRP §3.2.4.5 tests 3 and 4). */
static gboolean
read_header (NbReader *r, SmbHeader *ret, GError **error)
{
  const guint8 *magic = NULL;
  SmbHeader h = { 0 };

  if (nb_reader_bytes (r, 4, &magic)) {
    if (magic[0] == 0xFE && memcmp (magic + 1, "SMB", 3) == 0)
      return _ns_codec_fail (error, NS_CODEC_ERROR_UNSUPPORTED,
                        "SMB2/3 message (protocol id FE 'SMB') is not supported: only SMB1 "
                        "Messenger commands are");
    if (magic[0] != 0xFF || memcmp (magic + 1, "SMB", 3) != 0)
      return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                        "not an SMB1 message: protocol id %02x %02x %02x %02x, "
                        "expected ff 53 4d 42",
                        magic[0], magic[1], magic[2], magic[3]);
  }
  nb_reader_u8 (r, &h.command);
  nb_reader_le32 (r, &h.status);
  nb_reader_u8 (r, &h.flags);
  nb_reader_le16 (r, &h.flags2);
  nb_reader_le16 (r, &h.pid_high);
  nb_reader_copy (r, h.security_features, sizeof h.security_features);
  nb_reader_le16 (r, &h.reserved);
  nb_reader_le16 (r, &h.tid);
  nb_reader_le16 (r, &h.pid);
  nb_reader_le16 (r, &h.uid);
  nb_reader_le16 (r, &h.mid);
  if (!nb_reader_finish (r, "SMB header", error))
    return FALSE;
  *ret = h;
  return TRUE;
}

gboolean
smb_header_parse (const guint8 *data, gsize len, SmbHeader *ret, GError **error)
{
  NbReader r;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  nb_reader_init (&r, data, len);
  return read_header (&r, ret, error);
}

static const char *
frame_what (const SmbHeader *h)
{
  gboolean reply = (h->flags & SMB_FLAGS_REPLY) != 0;

  /* Static strings: messages name the command and the direction. */
  switch (h->command) {
    case SMB_COM_NEGOTIATE:
      return reply ? "SMB_COM_NEGOTIATE response" : "SMB_COM_NEGOTIATE request";
    case SMB_COM_SEND_MESSAGE:
      return reply ? "SMB_COM_SEND_MESSAGE response" : "SMB_COM_SEND_MESSAGE request";
    case SMB_COM_SEND_START_MB_MESSAGE:
      return reply ? "SMB_COM_SEND_START_MB_MESSAGE response"
                   : "SMB_COM_SEND_START_MB_MESSAGE request";
    case SMB_COM_SEND_END_MB_MESSAGE:
      return reply ? "SMB_COM_SEND_END_MB_MESSAGE response"
                   : "SMB_COM_SEND_END_MB_MESSAGE request";
    case SMB_COM_SEND_TEXT_MB_MESSAGE:
      return reply ? "SMB_COM_SEND_TEXT_MB_MESSAGE response"
                   : "SMB_COM_SEND_TEXT_MB_MESSAGE request";
    default:
      return "SMB message";
  }
}

/* Header, WordCount, Words, ByteCount, Bytes. Bytes after ByteCount are
 * ignored: "It is not a protocol error for the client to transfer excess
 * data; however, the excess data MUST be ignored" (MS-CIFS §3.3.5.2). */
static gboolean
read_frame (const guint8 *data, gsize len, SmbFrame *ret, GError **error)
{
  NbReader r;
  SmbFrame f = { 0 };

  nb_reader_init (&r, data, len);
  if (!read_header (&r, &f.header, error))
    return FALSE;
  f.what = frame_what (&f.header);
  nb_reader_u8 (&r, &f.word_count);
  nb_reader_sub (&r, 2 * (gsize) f.word_count, &f.words);
  nb_reader_le16 (&r, &f.byte_count);
  nb_reader_sub (&r, f.byte_count, &f.bytes);
  if (!nb_reader_finish (&r, f.what, error))
    return FALSE;
  *ret = f;
  return TRUE;
}

static gboolean
check_word_count (const SmbFrame *f, guint8 expected, GError **error)
{
  if (f->word_count == expected)
    return TRUE;
  return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                    "%s: WordCount must be %u, found %u", f->what, expected, f->word_count);
}

static gboolean
check_byte_count_zero (const SmbFrame *f, GError **error)
{
  if (f->byte_count == 0)
    return TRUE;
  return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                    "%s: ByteCount must be 0, found %u", f->what, f->byte_count);
}

/* Ends a parse of the data bytes. Running out of bytes there means ByteCount
 * is smaller than its fields (the SMB itself was long enough), so it is
 * reported as malformed, not truncated; leftovers are trailing data. */
static gboolean
finish_bytes (NbReader *b, const SmbFrame *f, GError **error)
{
  nb_reader_expect_end (b);
  if (nb_reader_ok (b))
    return TRUE;
  if (b->fail_what == NULL)
    return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                      "%s: fields run past ByteCount %u (needed %" G_GSIZE_FORMAT
                      " bytes at data offset %" G_GSIZE_FORMAT ")",
                      f->what, f->byte_count, b->fail_need, b->fail_pos);
  return nb_reader_finish (b, f->what, error);
}

static gboolean
expect_format (NbReader *b, const SmbFrame *f, guint8 expected, const char *field,
               GError **error)
{
  guint8 fmt;

  if (!nb_reader_u8 (b, &fmt))
    return finish_bytes (b, f, error);
  if (fmt == expected)
    return TRUE;
  return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                    "%s: BufferFormat before %s must be 0x%02x, found 0x%02x", f->what, field,
                    expected, fmt);
}

/* BufferFormat 0x04 + ASCIIZ name of at most SMB_MSGR_NAME_MAX bytes
 * (MS-MSRP §2.2.3.1.1). */
static gboolean
read_name (NbReader *b, const SmbFrame *f, const char *field, char *ret, GError **error)
{
  const guint8 *p;
  gsize n;
  NbReader mark;

  if (!expect_format (b, f, FMT_ASCIIZ, field, error))
    return FALSE;
  mark = *b;
  if (!nb_reader_cstring (b, G_MAXSIZE, &p, &n))
    return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                      "%s: %s is not NUL-terminated within ByteCount", f->what, field);
  if (n > SMB_MSGR_NAME_MAX)
    return _ns_codec_fail (error, NS_CODEC_ERROR_TOO_LARGE,
                      "%s: %s is %" G_GSIZE_FORMAT " bytes, at most %u allowed", f->what, field, n,
                      SMB_MSGR_NAME_MAX);
  /* Copy through the reader (the name and its NUL were just bounded). */
  nb_reader_copy (&mark, ret, n + 1);
  return TRUE;
}

/* BufferFormat 0x01 + DataLength + Data, which must end ByteCount exactly
 * (MS-MSRP §2.2.3.1.1 / §2.2.3.3.1). */
static gboolean
read_text_block (NbReader *b, const SmbFrame *f, GBytes **ret, GError **error)
{
  guint16 data_len;

  if (!expect_format (b, f, FMT_DATA_BLOCK, "Data", error))
    return FALSE;
  if (!nb_reader_le16 (b, &data_len))
    return finish_bytes (b, f, error);
  if (data_len != nb_reader_remaining (b))
    return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                      "%s: DataLength %u disagrees with ByteCount %u (%" G_GSIZE_FORMAT
                      " bytes left for the data)",
                      f->what, data_len, f->byte_count, nb_reader_remaining (b));
  if (data_len > SMB_MSGR_BLOCK_MAX)
    return _ns_codec_fail (error, NS_CODEC_ERROR_TOO_LARGE,
                      "%s: text block of %u bytes, at most %u allowed", f->what, data_len,
                      SMB_MSGR_BLOCK_MAX);
  nb_reader_dup (b, data_len, ret);
  return TRUE;
}

static gboolean
parse_send_message (SmbFrame *f, SmbMsgrPacket *p, GError **error)
{
  if (!check_word_count (f, 0, error) ||
      !read_name (&f->bytes, f, "OriginatorName", p->originator, error) ||
      !read_name (&f->bytes, f, "DestinationName", p->destination, error) ||
      !read_text_block (&f->bytes, f, &p->text, error))
    return FALSE;
  return finish_bytes (&f->bytes, f, error);
}

static gboolean
parse_start (SmbFrame *f, SmbMsgrPacket *p, GError **error)
{
  if (!check_word_count (f, 0, error) ||
      !read_name (&f->bytes, f, "OriginatorName", p->originator, error) ||
      !read_name (&f->bytes, f, "DestinationName", p->destination, error))
    return FALSE;
  return finish_bytes (&f->bytes, f, error);
}

static gboolean
parse_text (SmbFrame *f, SmbMsgrPacket *p, GError **error)
{
  if (!check_word_count (f, 1, error))
    return FALSE;
  nb_reader_le16 (&f->words, &p->group_id);
  if (!read_text_block (&f->bytes, f, &p->text, error))
    return FALSE;
  return finish_bytes (&f->bytes, f, error);
}

static gboolean
parse_end (SmbFrame *f, SmbMsgrPacket *p, GError **error)
{
  if (!check_word_count (f, 1, error) || !check_byte_count_zero (f, error))
    return FALSE;
  nb_reader_le16 (&f->words, &p->group_id);
  return TRUE;
}

/* Responses to 0xD0/0xD6/0xD7 and error responses: WordCount 0, ByteCount 0.
 * A 0xD5 response may carry the MessageGroupId as its one word (MS-MSRP
 * §2.2.3.2.2); Samba's server sends none (PROTOCOL.md §8.4). */
static gboolean
parse_response (SmbFrame *f, SmbMsgrPacket *p, GError **error)
{
  p->kind = SMB_MSGR_RESPONSE;
  if (f->header.command == SMB_COM_SEND_START_MB_MESSAGE && f->word_count == 1) {
    nb_reader_le16 (&f->words, &p->group_id);
    p->has_group_id = TRUE;
  } else if (f->word_count != 0) {
    return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED, "%s: WordCount must be %s, found %u",
                      f->what,
                      f->header.command == SMB_COM_SEND_START_MB_MESSAGE ? "0 or 1" : "0",
                      f->word_count);
  }
  return check_byte_count_zero (f, error);
}

static gboolean
is_printable_ascii (const guint8 *s, gsize n)
{
  for (gsize i = 0; i < n; i++) {
    if (s[i] < 0x20 || s[i] > 0x7e)
      return FALSE;
  }
  return TRUE;
}

/* MS-CIFS §2.2.4.52.1: WordCount 0, then 0x02 + ASCIIZ per dialect. */
static gboolean
parse_negotiate_request (SmbFrame *f, SmbMsgrPacket *p, GError **error)
{
  g_autoptr (GPtrArray) dialects = g_ptr_array_new_with_free_func (g_free);
  NbReader *b = &f->bytes;

  if (!check_word_count (f, 0, error))
    return FALSE;
  while (nb_reader_remaining (b) > 0) {
    const guint8 *s;
    gsize n;
    NbReader mark;
    char *copy;

    if (dialects->len == SMB_MSGR_DIALECTS_MAX)
      return _ns_codec_fail (error, NS_CODEC_ERROR_TOO_LARGE, "%s: more than %u dialects", f->what,
                        SMB_MSGR_DIALECTS_MAX);
    if (!expect_format (b, f, FMT_DIALECT, "a dialect string", error))
      return FALSE;
    mark = *b;
    if (!nb_reader_cstring (b, G_MAXSIZE, &s, &n))
      return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                        "%s: dialect string %u is not NUL-terminated within ByteCount", f->what,
                        dialects->len);
    if (n > SMB_MSGR_DIALECT_LEN_MAX)
      return _ns_codec_fail (error, NS_CODEC_ERROR_TOO_LARGE,
                        "%s: dialect string %u is %" G_GSIZE_FORMAT " bytes, at most %u allowed",
                        f->what, dialects->len, n, SMB_MSGR_DIALECT_LEN_MAX);
    if (!is_printable_ascii (s, n))
      return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                        "%s: dialect string %u holds a byte outside printable ASCII", f->what,
                        dialects->len);
    copy = g_malloc (n + 1);
    nb_reader_copy (&mark, copy, n + 1);
    g_ptr_array_add (dialects, copy);
  }
  if (dialects->len == 0)
    return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED, "%s: no dialect offered", f->what);
  g_ptr_array_add (dialects, NULL);
  p->dialects = (char **) g_ptr_array_free (g_steal_pointer (&dialects), FALSE);
  return TRUE;
}

static gboolean
parse_negotiate_nt_lm (SmbFrame *f, SmbNegotiateResponse *n, GError **error)
{
  NbReader *w = &f->words;
  guint8 challenge_len;
  guint16 tz;

  n->nt_lm = TRUE;
  nb_reader_le16 (w, &n->dialect_index);
  nb_reader_u8 (w, &n->security_mode);
  nb_reader_le16 (w, &n->max_mpx_count);
  nb_reader_le16 (w, &n->max_number_vcs);
  nb_reader_le32 (w, &n->max_buffer_size);
  nb_reader_le32 (w, &n->max_raw_size);
  nb_reader_le32 (w, &n->session_key);
  nb_reader_le32 (w, &n->capabilities);
  nb_reader_le64 (w, &n->system_time);
  nb_reader_le16 (w, &tz);
  nb_reader_u8 (w, &challenge_len);
  nb_reader_expect_end (w);
  /* 17 words are exactly these 34 bytes, so the words reader cannot fail. */
  g_assert (nb_reader_ok (w));
  n->server_time_zone = (gint16) tz;
  if (challenge_len > f->byte_count)
    return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                      "%s: ChallengeLength %u exceeds ByteCount %u", f->what, challenge_len,
                      f->byte_count);
  if (challenge_len > 0)
    nb_reader_dup (&f->bytes, challenge_len, &n->challenge);
  if (nb_reader_remaining (&f->bytes) > 0)
    nb_reader_dup (&f->bytes, nb_reader_remaining (&f->bytes), &n->data);
  return TRUE;
}

/* MS-CIFS §2.2.4.52.2: WordCount 0 (error), 1 (core / no dialect), 13
 * (LAN Manager, unsupported) or 17 (NT LAN Manager). */
static gboolean
parse_negotiate_response (SmbFrame *f, SmbMsgrPacket *p, GError **error)
{
  switch (f->word_count) {
    case 0:
      return parse_response (f, p, error);
    case 1:
      p->kind = SMB_MSGR_NEGOTIATE_RESPONSE;
      nb_reader_le16 (&f->words, &p->negotiate.dialect_index);
      return check_byte_count_zero (f, error);
    case NEGOTIATE_LANMAN_WORDS:
      return _ns_codec_fail (error, NS_CODEC_ERROR_UNSUPPORTED,
                        "%s: the LAN Manager form (WordCount 13) is not supported", f->what);
    case NEGOTIATE_NT_LM_WORDS:
      p->kind = SMB_MSGR_NEGOTIATE_RESPONSE;
      return parse_negotiate_nt_lm (f, &p->negotiate, error);
    default:
      return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                        "%s: WordCount must be 0, 1 or 17, found %u", f->what, f->word_count);
  }
}

static gboolean
reject_command (const SmbFrame *f, GError **error)
{
  guint8 cmd = f->header.command;

  if (cmd >= SMB_COM_SEND_BROADCAST_MESSAGE && cmd <= SMB_COM_GET_MACHINE_NAME)
    return _ns_codec_fail (error, NS_CODEC_ERROR_UNSUPPORTED,
                      "%s (0x%02X) is an SMB Core Messenger command MS-MSRP does not "
                      "specify; not supported",
                      smb_command_name (cmd), cmd);
  return _ns_codec_fail (error, NS_CODEC_ERROR_UNSUPPORTED,
                    "SMB command 0x%02X (%s) is not supported by the Messenger service", cmd,
                    smb_command_name (cmd));
}

static gboolean
parse_body (SmbFrame *f, SmbMsgrPacket *p, GError **error)
{
  gboolean reply = (f->header.flags & SMB_FLAGS_REPLY) != 0;

  switch (f->header.command) {
    case SMB_COM_SEND_MESSAGE:
      p->kind = SMB_MSGR_SEND_MESSAGE;
      return reply ? parse_response (f, p, error) : parse_send_message (f, p, error);
    case SMB_COM_SEND_START_MB_MESSAGE:
      p->kind = SMB_MSGR_START;
      return reply ? parse_response (f, p, error) : parse_start (f, p, error);
    case SMB_COM_SEND_TEXT_MB_MESSAGE:
      p->kind = SMB_MSGR_TEXT;
      return reply ? parse_response (f, p, error) : parse_text (f, p, error);
    case SMB_COM_SEND_END_MB_MESSAGE:
      p->kind = SMB_MSGR_END;
      return reply ? parse_response (f, p, error) : parse_end (f, p, error);
    case SMB_COM_NEGOTIATE:
      p->kind = SMB_MSGR_NEGOTIATE_REQUEST;
      return reply ? parse_negotiate_response (f, p, error)
                   : parse_negotiate_request (f, p, error);
    default:
      return reject_command (f, error);
  }
}

gboolean
smb_msgr_parse (const guint8 *data, gsize len, SmbMsgrPacket **ret_packet, GError **error)
{
  g_autoptr (SmbMsgrPacket) p = NULL;
  SmbFrame f;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret_packet != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!read_frame (data, len, &f, error))
    return FALSE;
  p = g_new0 (SmbMsgrPacket, 1);
  p->header = f.header;
  if (!parse_body (&f, p, error))
    return FALSE;
  *ret_packet = g_steal_pointer (&p);
  return TRUE;
}

/* ---- building ---- */

static void
write_header (NbWriter *w, const SmbHeader *h, guint8 command)
{
  static const guint8 magic[4] = { 0xFF, 'S', 'M', 'B' };

  nb_writer_bytes (w, magic, sizeof magic);
  nb_writer_u8 (w, command);
  nb_writer_le32 (w, h->status);
  nb_writer_u8 (w, h->flags);
  nb_writer_le16 (w, h->flags2);
  nb_writer_le16 (w, h->pid_high);
  nb_writer_bytes (w, h->security_features, sizeof h->security_features);
  nb_writer_le16 (w, h->reserved);
  nb_writer_le16 (w, h->tid);
  nb_writer_le16 (w, h->pid);
  nb_writer_le16 (w, h->uid);
  nb_writer_le16 (w, h->mid);
}

/* A request must not carry the reply flag and a response must, or the
 * result would parse as the other direction. */
static gboolean
check_direction (const SmbHeader *h, gboolean reply, const char *what, GError **error)
{
  if (((h->flags & SMB_FLAGS_REPLY) != 0) == reply)
    return TRUE;
  return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                    "cannot build %s: the header %s the reply flag", what,
                    reply ? "lacks" : "has");
}

static gboolean
check_name (const char *name, const char *field, const char *what, GError **error)
{
  gsize n = strlen (name);

  if (n <= SMB_MSGR_NAME_MAX)
    return TRUE;
  return _ns_codec_fail (error, NS_CODEC_ERROR_TOO_LARGE,
                    "cannot build %s: %s is %" G_GSIZE_FORMAT " bytes, at most %u allowed", what,
                    field, n, SMB_MSGR_NAME_MAX);
}

static gboolean
check_text (gsize text_len, const char *what, GError **error)
{
  if (text_len <= SMB_MSGR_BLOCK_MAX)
    return TRUE;
  return _ns_codec_fail (error, NS_CODEC_ERROR_TOO_LARGE,
                    "cannot build %s: text block of %" G_GSIZE_FORMAT " bytes, at most %u allowed",
                    what, text_len, SMB_MSGR_BLOCK_MAX);
}

static void
write_name (NbWriter *w, const char *name)
{
  nb_writer_u8 (w, FMT_ASCIIZ);
  nb_writer_bytes (w, name, strlen (name) + 1);
}

static void
write_text_block (NbWriter *w, const guint8 *text, gsize text_len)
{
  nb_writer_u8 (w, FMT_DATA_BLOCK);
  nb_writer_le16 (w, (guint16) text_len);
  nb_writer_bytes (w, text, text_len);
}

/* Starts the Bytes part: returns the offset of the reserved ByteCount. */
static gsize
begin_bytes (NbWriter *w)
{
  return nb_writer_reserve (w, 2);
}

static void
end_bytes (NbWriter *w, gsize bc_off)
{
  gsize n = nb_writer_len (w) - bc_off - 2;

  if (n > G_MAXUINT16) {
    nb_writer_fail (w, NULL);
    return;
  }
  nb_writer_patch_le16 (w, bc_off, (guint16) n);
}

gboolean
smb_msgr_build_send_message (GByteArray *buf, const SmbHeader *header, const char *originator,
                             const char *destination, const guint8 *text, gsize text_len,
                             GError **error)
{
  const char *what = "SMB_COM_SEND_MESSAGE request";
  NbWriter w;
  gsize bc;

  g_return_val_if_fail (buf != NULL && header != NULL, FALSE);
  g_return_val_if_fail (originator != NULL && destination != NULL, FALSE);
  g_return_val_if_fail (text != NULL || text_len == 0, FALSE);
  if (!check_direction (header, FALSE, what, error) ||
      !check_name (originator, "OriginatorName", what, error) ||
      !check_name (destination, "DestinationName", what, error) ||
      !check_text (text_len, what, error))
    return FALSE;
  nb_writer_init (&w, buf, SMB_BUILD_MAX);
  write_header (&w, header, SMB_COM_SEND_MESSAGE);
  nb_writer_u8 (&w, 0);
  bc = begin_bytes (&w);
  write_name (&w, originator);
  write_name (&w, destination);
  write_text_block (&w, text, text_len);
  end_bytes (&w, bc);
  return nb_writer_finish (&w, what, error);
}

gboolean
smb_msgr_build_start (GByteArray *buf, const SmbHeader *header, const char *originator,
                      const char *destination, GError **error)
{
  const char *what = "SMB_COM_SEND_START_MB_MESSAGE request";
  NbWriter w;
  gsize bc;

  g_return_val_if_fail (buf != NULL && header != NULL, FALSE);
  g_return_val_if_fail (originator != NULL && destination != NULL, FALSE);
  if (!check_direction (header, FALSE, what, error) ||
      !check_name (originator, "OriginatorName", what, error) ||
      !check_name (destination, "DestinationName", what, error))
    return FALSE;
  nb_writer_init (&w, buf, SMB_BUILD_MAX);
  write_header (&w, header, SMB_COM_SEND_START_MB_MESSAGE);
  nb_writer_u8 (&w, 0);
  bc = begin_bytes (&w);
  write_name (&w, originator);
  write_name (&w, destination);
  end_bytes (&w, bc);
  return nb_writer_finish (&w, what, error);
}

gboolean
smb_msgr_build_text (GByteArray *buf, const SmbHeader *header, guint16 group_id,
                     const guint8 *text, gsize text_len, GError **error)
{
  const char *what = "SMB_COM_SEND_TEXT_MB_MESSAGE request";
  NbWriter w;
  gsize bc;

  g_return_val_if_fail (buf != NULL && header != NULL, FALSE);
  g_return_val_if_fail (text != NULL || text_len == 0, FALSE);
  if (!check_direction (header, FALSE, what, error) || !check_text (text_len, what, error))
    return FALSE;
  nb_writer_init (&w, buf, SMB_BUILD_MAX);
  write_header (&w, header, SMB_COM_SEND_TEXT_MB_MESSAGE);
  nb_writer_u8 (&w, 1);
  nb_writer_le16 (&w, group_id);
  bc = begin_bytes (&w);
  write_text_block (&w, text, text_len);
  end_bytes (&w, bc);
  return nb_writer_finish (&w, what, error);
}

gboolean
smb_msgr_build_end (GByteArray *buf, const SmbHeader *header, guint16 group_id, GError **error)
{
  const char *what = "SMB_COM_SEND_END_MB_MESSAGE request";
  NbWriter w;

  g_return_val_if_fail (buf != NULL && header != NULL, FALSE);
  if (!check_direction (header, FALSE, what, error))
    return FALSE;
  nb_writer_init (&w, buf, SMB_BUILD_MAX);
  write_header (&w, header, SMB_COM_SEND_END_MB_MESSAGE);
  nb_writer_u8 (&w, 1);
  nb_writer_le16 (&w, group_id);
  nb_writer_le16 (&w, 0);
  return nb_writer_finish (&w, what, error);
}

gboolean
smb_msgr_build_response (GByteArray *buf, const SmbHeader *header, GError **error)
{
  NbWriter w;

  g_return_val_if_fail (buf != NULL && header != NULL, FALSE);
  if (!check_direction (header, TRUE, "SMB response", error))
    return FALSE;
  nb_writer_init (&w, buf, SMB_BUILD_MAX);
  write_header (&w, header, header->command);
  nb_writer_u8 (&w, 0);
  nb_writer_le16 (&w, 0);
  return nb_writer_finish (&w, "SMB response", error);
}

gboolean
smb_msgr_build_start_response (GByteArray *buf, const SmbHeader *header, guint16 group_id,
                               GError **error)
{
  const char *what = "SMB_COM_SEND_START_MB_MESSAGE response";
  NbWriter w;

  g_return_val_if_fail (buf != NULL && header != NULL, FALSE);
  if (!check_direction (header, TRUE, what, error))
    return FALSE;
  nb_writer_init (&w, buf, SMB_BUILD_MAX);
  write_header (&w, header, SMB_COM_SEND_START_MB_MESSAGE);
  nb_writer_u8 (&w, 1);
  nb_writer_le16 (&w, group_id);
  nb_writer_le16 (&w, 0);
  return nb_writer_finish (&w, what, error);
}

gboolean
smb_msgr_build_error_response (GByteArray *buf, const SmbHeader *request, guint8 error_class,
                               guint16 code, GError **error)
{
  SmbHeader h;

  g_return_val_if_fail (buf != NULL && request != NULL, FALSE);
  smb_header_init_response (&h, request, SMB_STATUS_DOS (error_class, code));
  return smb_msgr_build_response (buf, &h, error);
}

gboolean
smb_msgr_build_negotiate_request (GByteArray *buf, const SmbHeader *header,
                                  const char *const *dialects, GError **error)
{
  const char *what = "SMB_COM_NEGOTIATE request";
  guint count;
  NbWriter w;
  gsize bc;

  g_return_val_if_fail (buf != NULL && header != NULL && dialects != NULL, FALSE);
  if (!check_direction (header, FALSE, what, error))
    return FALSE;
  count = g_strv_length ((char **) dialects);
  if (count == 0 || count > SMB_MSGR_DIALECTS_MAX)
    return _ns_codec_fail (error, count == 0 ? NS_CODEC_ERROR_MALFORMED : NS_CODEC_ERROR_TOO_LARGE,
                      "cannot build %s: %u dialects, 1 to %u allowed", what, count,
                      SMB_MSGR_DIALECTS_MAX);
  for (guint i = 0; i < count; i++) {
    gsize n = strlen (dialects[i]);

    if (n > SMB_MSGR_DIALECT_LEN_MAX || !is_printable_ascii ((const guint8 *) dialects[i], n))
      return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                        "cannot build %s: dialect %u is not printable ASCII of at most %u bytes",
                        what, i, SMB_MSGR_DIALECT_LEN_MAX);
  }
  nb_writer_init (&w, buf, SMB_BUILD_MAX);
  write_header (&w, header, SMB_COM_NEGOTIATE);
  nb_writer_u8 (&w, 0);
  bc = begin_bytes (&w);
  for (guint i = 0; i < count; i++) {
    nb_writer_u8 (&w, FMT_DIALECT);
    nb_writer_bytes (&w, dialects[i], strlen (dialects[i]) + 1);
  }
  end_bytes (&w, bc);
  return nb_writer_finish (&w, what, error);
}

static void
write_negotiate_nt_lm (NbWriter *w, const SmbNegotiateResponse *n, gsize challenge_len)
{
  gsize bc;

  nb_writer_u8 (w, NEGOTIATE_NT_LM_WORDS);
  nb_writer_le16 (w, n->dialect_index);
  nb_writer_u8 (w, n->security_mode);
  nb_writer_le16 (w, n->max_mpx_count);
  nb_writer_le16 (w, n->max_number_vcs);
  nb_writer_le32 (w, n->max_buffer_size);
  nb_writer_le32 (w, n->max_raw_size);
  nb_writer_le32 (w, n->session_key);
  nb_writer_le32 (w, n->capabilities);
  nb_writer_le64 (w, n->system_time);
  nb_writer_le16 (w, (guint16) n->server_time_zone);
  nb_writer_u8 (w, (guint8) challenge_len);
  bc = begin_bytes (w);
  if (n->challenge != NULL)
    nb_writer_bytes (w, g_bytes_get_data (n->challenge, NULL), challenge_len);
  if (n->data != NULL)
    nb_writer_bytes (w, g_bytes_get_data (n->data, NULL), g_bytes_get_size (n->data));
  end_bytes (w, bc);
}

gboolean
smb_msgr_build_negotiate_response (GByteArray *buf, const SmbHeader *header,
                                   const SmbNegotiateResponse *negotiate, GError **error)
{
  const char *what = "SMB_COM_NEGOTIATE response";
  gsize challenge_len;
  NbWriter w;

  g_return_val_if_fail (buf != NULL && header != NULL && negotiate != NULL, FALSE);
  if (!check_direction (header, TRUE, what, error))
    return FALSE;
  challenge_len = negotiate->challenge != NULL ? g_bytes_get_size (negotiate->challenge) : 0;
  if (challenge_len > G_MAXUINT8)
    return _ns_codec_fail (error, NS_CODEC_ERROR_TOO_LARGE,
                      "cannot build %s: challenge of %" G_GSIZE_FORMAT " bytes, at most 255",
                      what, challenge_len);
  nb_writer_init (&w, buf, SMB_BUILD_MAX);
  write_header (&w, header, SMB_COM_NEGOTIATE);
  if (negotiate->nt_lm) {
    write_negotiate_nt_lm (&w, negotiate, challenge_len);
  } else {
    nb_writer_u8 (&w, 1);
    nb_writer_le16 (&w, negotiate->dialect_index);
    nb_writer_le16 (&w, 0);
  }
  return nb_writer_finish (&w, what, error);
}

static const guint8 *
text_data (const SmbMsgrPacket *p, gsize *ret_len)
{
  if (p->text == NULL) {
    *ret_len = 0;
    return NULL;
  }
  return g_bytes_get_data (p->text, ret_len);
}

gboolean
smb_msgr_build (const SmbMsgrPacket *p, GByteArray *buf, GError **error)
{
  const guint8 *text;
  gsize text_len;

  g_return_val_if_fail (p != NULL && buf != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  text = text_data (p, &text_len);
  switch (p->kind) {
    case SMB_MSGR_SEND_MESSAGE:
      return smb_msgr_build_send_message (buf, &p->header, p->originator, p->destination, text,
                                          text_len, error);
    case SMB_MSGR_START:
      return smb_msgr_build_start (buf, &p->header, p->originator, p->destination, error);
    case SMB_MSGR_TEXT:
      return smb_msgr_build_text (buf, &p->header, p->group_id, text, text_len, error);
    case SMB_MSGR_END:
      return smb_msgr_build_end (buf, &p->header, p->group_id, error);
    case SMB_MSGR_RESPONSE:
      if (p->has_group_id)
        return smb_msgr_build_start_response (buf, &p->header, p->group_id, error);
      return smb_msgr_build_response (buf, &p->header, error);
    case SMB_MSGR_NEGOTIATE_REQUEST:
      if (p->dialects == NULL)
        return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED,
                          "cannot build SMB_COM_NEGOTIATE request: no dialects");
      return smb_msgr_build_negotiate_request (buf, &p->header, (const char *const *) p->dialects,
                                               error);
    case SMB_MSGR_NEGOTIATE_RESPONSE:
      return smb_msgr_build_negotiate_response (buf, &p->header, &p->negotiate, error);
    default:
      return _ns_codec_fail (error, NS_CODEC_ERROR_MALFORMED, "cannot build SMB: unknown kind %d",
                        (int) p->kind);
  }
}

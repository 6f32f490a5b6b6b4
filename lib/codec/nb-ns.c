/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NetBIOS Name Service packets, RFC 1002 §4.2 (PROTOCOL.md §1.4). */
#include "nb-ns-private.h"

#include <string.h>

#include "netsend/ns-errors.h"

#define WHAT "NBNS packet"

/* Header word layout (RFC 1002 §4.2.1.1). */
#define HDR_RESPONSE    0x8000
#define HDR_OPCODE_SHIFT 11
#define HDR_RCODE_MASK  0x000f
/* The RR name pointer to the question name at offset 12 (RFC 1002 §4.1). */
#define QUESTION_POINTER 0xc00c

/* --- records ------------------------------------------------------------ */

NbNsRecord *
nb_ns_record_new (const NbName *name, guint16 type, guint32 ttl)
{
  NbNsRecord *rec;

  g_return_val_if_fail (name != NULL, NULL);

  rec = g_new0 (NbNsRecord, 1);
  rec->name = *name;
  rec->type = type;
  rec->rr_class = NB_NS_CLASS_IN;
  rec->ttl = ttl;
  rec->addresses = g_array_new (FALSE, TRUE, sizeof (NbNsAddrEntry));
  switch (type) {
  case NB_NS_TYPE_NB:
    rec->kind = NB_NS_RDATA_NB;
    break;
  case NB_NS_TYPE_NULL:
    rec->kind = NB_NS_RDATA_NONE;
    break;
  case NB_NS_TYPE_NBSTAT:
    rec->kind = NB_NS_RDATA_STATUS;
    rec->status = nb_ns_node_status_new ();
    break;
  case NB_NS_TYPE_A:
    rec->kind = NB_NS_RDATA_A;
    break;
  case NB_NS_TYPE_NS:
    rec->kind = NB_NS_RDATA_NS;
    break;
  default:
    rec->kind = NB_NS_RDATA_RAW;
    rec->raw = g_bytes_new (NULL, 0);
    break;
  }
  return rec;
}

void
nb_ns_record_free (NbNsRecord *record)
{
  if (record == NULL)
    return;
  g_array_unref (record->addresses);
  nb_ns_node_status_free (record->status);
  g_clear_pointer (&record->raw, g_bytes_unref);
  g_free (record);
}

NbNsRecord *
nb_ns_record_copy (const NbNsRecord *record)
{
  NbNsRecord *copy;

  g_return_val_if_fail (record != NULL, NULL);

  copy = g_new0 (NbNsRecord, 1);
  *copy = *record;
  copy->addresses = g_array_new (FALSE, TRUE, sizeof (NbNsAddrEntry));
  g_array_append_vals (copy->addresses, record->addresses->data, record->addresses->len);
  copy->status = record->status != NULL ? nb_ns_node_status_copy (record->status) : NULL;
  copy->raw = record->raw != NULL ? g_bytes_ref (record->raw) : NULL;
  return copy;
}

void
nb_ns_record_add_address (NbNsRecord *record, guint16 nb_flags, guint32 ipv4)
{
  NbNsAddrEntry e = { .flags = nb_flags, .ipv4 = ipv4 };

  g_return_if_fail (record != NULL);

  record->kind = NB_NS_RDATA_NB;
  g_array_append_val (record->addresses, e);
}

static gboolean
addresses_equal (const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++) {
    const NbNsAddrEntry *x = &g_array_index (a, NbNsAddrEntry, i);
    const NbNsAddrEntry *y = &g_array_index (b, NbNsAddrEntry, i);

    if (x->flags != y->flags || x->ipv4 != y->ipv4)
      return FALSE;
  }
  return TRUE;
}

static gboolean
raw_equal (GBytes *a, GBytes *b)
{
  gsize la = a != NULL ? g_bytes_get_size (a) : 0;
  gsize lb = b != NULL ? g_bytes_get_size (b) : 0;

  if (la != lb)
    return FALSE;
  return la == 0 || g_bytes_equal (a, b);
}

static gboolean
rdata_equal (const NbNsRecord *a, const NbNsRecord *b)
{
  switch (a->kind) {
  case NB_NS_RDATA_NONE:
    return TRUE;
  case NB_NS_RDATA_NB:
    return addresses_equal (a->addresses, b->addresses);
  case NB_NS_RDATA_STATUS:
    return nb_ns_node_status_equal (a->status, b->status);
  case NB_NS_RDATA_WACK:
    return a->wack_flags == b->wack_flags;
  case NB_NS_RDATA_A:
    return a->a_ipv4 == b->a_ipv4;
  case NB_NS_RDATA_NS:
    return _nb_name_identical (&a->ns_name, &b->ns_name);
  case NB_NS_RDATA_RAW:
    return raw_equal (a->raw, b->raw);
  default:
    return FALSE;
  }
}

gboolean
nb_ns_record_equal (const NbNsRecord *a, const NbNsRecord *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return _nb_name_identical (&a->name, &b->name) && a->type == b->type &&
         a->rr_class == b->rr_class && a->ttl == b->ttl && a->kind == b->kind &&
         rdata_equal (a, b);
}

/* --- packets ------------------------------------------------------------ */

NbNsPacket *
nb_ns_packet_new (void)
{
  NbNsPacket *packet = g_new0 (NbNsPacket, 1);

  packet->questions = g_array_new (FALSE, TRUE, sizeof (NbNsQuestion));
  packet->answers = g_ptr_array_new_with_free_func ((GDestroyNotify) nb_ns_record_free);
  packet->authority = g_ptr_array_new_with_free_func ((GDestroyNotify) nb_ns_record_free);
  packet->additional = g_ptr_array_new_with_free_func ((GDestroyNotify) nb_ns_record_free);
  return packet;
}

void
nb_ns_packet_free (NbNsPacket *packet)
{
  if (packet == NULL)
    return;
  g_array_unref (packet->questions);
  g_ptr_array_unref (packet->answers);
  g_ptr_array_unref (packet->authority);
  g_ptr_array_unref (packet->additional);
  g_free (packet);
}

static void
copy_section (GPtrArray *dst, const GPtrArray *src)
{
  for (guint i = 0; i < src->len; i++)
    g_ptr_array_add (dst, nb_ns_record_copy (g_ptr_array_index (src, i)));
}

NbNsPacket *
nb_ns_packet_copy (const NbNsPacket *packet)
{
  NbNsPacket *copy;

  g_return_val_if_fail (packet != NULL, NULL);

  copy = nb_ns_packet_new ();
  copy->trn_id = packet->trn_id;
  copy->response = packet->response;
  copy->opcode = packet->opcode;
  copy->flags = packet->flags;
  copy->rcode = packet->rcode;
  g_array_append_vals (copy->questions, packet->questions->data, packet->questions->len);
  copy_section (copy->answers, packet->answers);
  copy_section (copy->authority, packet->authority);
  copy_section (copy->additional, packet->additional);
  return copy;
}

static gboolean
section_equal (const GPtrArray *a, const GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!nb_ns_record_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i)))
      return FALSE;
  return TRUE;
}

gboolean
nb_ns_packet_equal (const NbNsPacket *a, const NbNsPacket *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->trn_id != b->trn_id || !a->response != !b->response || a->opcode != b->opcode ||
      a->flags != b->flags || a->rcode != b->rcode || a->questions->len != b->questions->len)
    return FALSE;
  for (guint i = 0; i < a->questions->len; i++) {
    const NbNsQuestion *x = &g_array_index (a->questions, NbNsQuestion, i);
    const NbNsQuestion *y = &g_array_index (b->questions, NbNsQuestion, i);

    if (!_nb_name_identical (&x->name, &y->name) || x->type != y->type ||
        x->qclass != y->qclass)
      return FALSE;
  }
  return section_equal (a->answers, b->answers) && section_equal (a->authority, b->authority) &&
         section_equal (a->additional, b->additional);
}

void
nb_ns_packet_add_question (NbNsPacket *packet, const NbName *name, guint16 type)
{
  NbNsQuestion q = { .type = type, .qclass = NB_NS_CLASS_IN };

  g_return_if_fail (packet != NULL && name != NULL);

  q.name = *name;
  g_array_append_val (packet->questions, q);
}

const NbNsQuestion *
nb_ns_packet_question (const NbNsPacket *packet)
{
  g_return_val_if_fail (packet != NULL, NULL);

  if (packet->questions->len == 0)
    return NULL;
  return &g_array_index (packet->questions, NbNsQuestion, 0);
}

const NbNsRecord *
nb_ns_packet_record (const NbNsPacket *packet)
{
  g_return_val_if_fail (packet != NULL, NULL);

  if (packet->answers->len > 0)
    return g_ptr_array_index (packet->answers, 0);
  if (packet->additional->len > 0)
    return g_ptr_array_index (packet->additional, 0);
  return NULL;
}

const char *
nb_ns_opcode_to_string (guint opcode)
{
  switch (opcode) {
  case NB_NS_OPCODE_QUERY:
    return "query";
  case NB_NS_OPCODE_REGISTRATION:
    return "registration";
  case NB_NS_OPCODE_RELEASE:
    return "release";
  case NB_NS_OPCODE_WACK:
    return "WACK";
  case NB_NS_OPCODE_REFRESH:
    return "refresh";
  case NB_NS_OPCODE_REFRESH_ALT:
    return "refresh (9)";
  case NB_NS_OPCODE_MULTIHOMED_REGISTRATION:
    return "multi-homed registration";
  default:
    return "unknown opcode";
  }
}

const char *
nb_ns_rcode_to_string (guint rcode)
{
  static const char *const names[] = {
    "OK", "FMT_ERR", "SRV_ERR", "NAM_ERR", "IMP_ERR", "RFS_ERR", "ACT_ERR", "CFT_ERR",
  };

  return rcode < G_N_ELEMENTS (names) ? names[rcode] : "unknown rcode";
}

static gboolean
opcode_known (guint opcode)
{
  switch (opcode) {
  case NB_NS_OPCODE_QUERY:
  case NB_NS_OPCODE_REGISTRATION:
  case NB_NS_OPCODE_RELEASE:
  case NB_NS_OPCODE_WACK:
  case NB_NS_OPCODE_REFRESH:
  case NB_NS_OPCODE_REFRESH_ALT:
  case NB_NS_OPCODE_MULTIHOMED_REGISTRATION:
    return TRUE;
  default:
    return FALSE;
  }
}

/* --- parsing ------------------------------------------------------------ */

/* Moves a sub-reader's failure (or leftover bytes) onto the packet reader:
 * RDATA that does not match its RDLENGTH is malformed, not truncated. */
static gboolean
finish_rdata (NbReader *r, NbReader *sub)
{
  if (!nb_reader_ok (sub))
    return nb_reader_fail (r, sub->fail_what != NULL ? sub->fail_what
                                                     : "RDATA shorter than its content");
  if (nb_reader_remaining (sub) != 0)
    return nb_reader_fail (r, "RDATA longer than its content");
  return TRUE;
}

static void
read_nb_entries (NbReader *r, NbReader *sub, NbNsRecord *rec)
{
  rec->kind = NB_NS_RDATA_NB;
  /* RFC 1002 §4.2.1.3: RDLENGTH is 6 × the number of entries. */
  if (nb_reader_remaining (sub) % 6 != 0) {
    nb_reader_fail (r, "NB RDATA length is not a multiple of 6");
    return;
  }
  while (nb_reader_ok (sub) && nb_reader_remaining (sub) > 0) {
    NbNsAddrEntry e;

    if (nb_reader_be16 (sub, &e.flags) && nb_reader_be32 (sub, &e.ipv4))
      g_array_append_val (rec->addresses, e);
  }
}

/* RDATA of @rec, whose kind follows from opcode, type and RDLENGTH. */
static gboolean
read_rdata (NbReader *r, const guint8 *data, gsize len, const NbNsPacket *packet,
            NbNsRecord *rec, guint16 rdlength)
{
  NbReader sub;

  if (!nb_reader_sub (r, rdlength, &sub))
    return FALSE;
  /* WACK (RFC 1002 §4.2.16): type NB per the RFC figure and Samba4, NULL
   * from nmbd (PROTOCOL.md §8 item 9): go by the opcode, not the type. */
  if (packet->response && packet->opcode == NB_NS_OPCODE_WACK && rdlength == 2) {
    rec->kind = NB_NS_RDATA_WACK;
    nb_reader_be16 (&sub, &rec->wack_flags);
  } else if (rec->type == NB_NS_TYPE_NB) {
    read_nb_entries (r, &sub, rec);
  } else if (rec->type == NB_NS_TYPE_NBSTAT) {
    rec->kind = NB_NS_RDATA_STATUS;
    _nb_ns_node_status_read (&sub, &rec->status);
  } else if (rec->type == NB_NS_TYPE_A) {
    rec->kind = NB_NS_RDATA_A;
    if (rdlength != 4)
      return nb_reader_fail (r, "A RDATA is not 4 bytes");
    nb_reader_be32 (&sub, &rec->a_ipv4);
  } else if (rec->type == NB_NS_TYPE_NS) {
    rec->kind = NB_NS_RDATA_NS;
    _nb_name_read (&sub, data, len, TRUE, &rec->ns_name);
  } else if (rec->type == NB_NS_TYPE_NULL && rdlength == 0) {
    rec->kind = NB_NS_RDATA_NONE;
  } else {
    rec->kind = NB_NS_RDATA_RAW;
    nb_reader_dup (&sub, rdlength, &rec->raw);
  }
  if (!nb_reader_ok (r))
    return FALSE;
  return finish_rdata (r, &sub);
}

static gboolean
read_record (NbReader *r, const guint8 *data, gsize len, const NbNsPacket *packet,
             GPtrArray *section)
{
  g_autoptr (NbNsRecord) rec = g_new0 (NbNsRecord, 1);
  guint16 rdlength;

  rec->addresses = g_array_new (FALSE, TRUE, sizeof (NbNsAddrEntry));
  if (!_nb_name_read (r, data, len, TRUE, &rec->name) || !nb_reader_be16 (r, &rec->type) ||
      !nb_reader_be16 (r, &rec->rr_class) || !nb_reader_be32 (r, &rec->ttl) ||
      !nb_reader_be16 (r, &rdlength))
    return FALSE;
  if (!read_rdata (r, data, len, packet, rec, rdlength))
    return FALSE;
  g_ptr_array_add (section, g_steal_pointer (&rec));
  return TRUE;
}

static gboolean
read_question (NbReader *r, const guint8 *data, gsize len, NbNsPacket *packet)
{
  NbNsQuestion q;

  if (!_nb_name_read (r, data, len, TRUE, &q.name) || !nb_reader_be16 (r, &q.type) ||
      !nb_reader_be16 (r, &q.qclass))
    return FALSE;
  g_array_append_val (packet->questions, q);
  return TRUE;
}

/* Reads the 12-byte header; FALSE with @error set on a short or unknown one. */
static gboolean
read_header (NbReader *r, NbNsPacket *packet, guint16 counts[4], GError **error)
{
  guint16 word;
  guint opcode;

  nb_reader_be16 (r, &packet->trn_id);
  nb_reader_be16 (r, &word);
  for (guint i = 0; i < 4; i++)
    nb_reader_be16 (r, &counts[i]);
  if (!nb_reader_finish (r, WHAT, error))
    return FALSE;
  opcode = (word >> HDR_OPCODE_SHIFT) & 0xf;
  if (!opcode_known (opcode)) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_UNSUPPORTED,
                 WHAT " with unknown opcode %u", opcode);
    return FALSE;
  }
  packet->response = (word & HDR_RESPONSE) != 0;
  packet->opcode = (NbNsOpcode) opcode;
  /* Reserved bits 0x0060 are ignored (RFC 1002 §4.2.1.1 says 0). RA may be
   * set or clear in any response (PROTOCOL.md errata 9). */
  packet->flags = word & NB_NS_FLAGS_MASK;
  packet->rcode = word & HDR_RCODE_MASK;
  return TRUE;
}

gboolean
nb_ns_peek_trn_id (const guint8 *data, gsize len, guint16 *ret_trn_id)
{
  NbReader r;
  guint16 trn_id = 0;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret_trn_id != NULL, FALSE);

  nb_reader_init (&r, data, len);
  if (!nb_reader_be16 (&r, &trn_id))
    return FALSE;
  *ret_trn_id = trn_id;
  return TRUE;
}

gboolean
nb_ns_packet_parse (const guint8 *data, gsize len, NbNsPacket **ret, GError **error)
{
  g_autoptr (NbNsPacket) packet = NULL;
  guint16 counts[4];
  GPtrArray *sections[3];
  NbReader r;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  packet = nb_ns_packet_new ();
  nb_reader_init (&r, data, len);
  if (!read_header (&r, packet, counts, error))
    return FALSE;
  sections[0] = packet->answers;
  sections[1] = packet->authority;
  sections[2] = packet->additional;
  /* Counts are not trusted for allocation: every entry is read before it is
   * stored, so a huge count only fails at the end of the input. */
  for (guint i = 0; i < counts[0] && nb_reader_ok (&r); i++)
    read_question (&r, data, len, packet);
  for (guint s = 0; s < 3; s++)
    for (guint i = 0; i < counts[s + 1] && nb_reader_ok (&r); i++)
      read_record (&r, data, len, packet, sections[s]);
  nb_reader_expect_end (&r);
  if (!nb_reader_finish (&r, WHAT, error))
    return FALSE;
  *ret = g_steal_pointer (&packet);
  return TRUE;
}

/* --- building ------------------------------------------------------------ */

static void
write_rdata (NbWriter *w, const NbNsRecord *rec)
{
  switch (rec->kind) {
  case NB_NS_RDATA_NONE:
    break;
  case NB_NS_RDATA_NB:
    for (guint i = 0; i < rec->addresses->len; i++) {
      const NbNsAddrEntry *e = &g_array_index (rec->addresses, NbNsAddrEntry, i);

      nb_writer_be16 (w, e->flags);
      nb_writer_be32 (w, e->ipv4);
    }
    break;
  case NB_NS_RDATA_STATUS:
    if (rec->status == NULL)
      nb_writer_fail (w, "NBSTAT record without node status");
    else
      _nb_ns_node_status_write (w, rec->status);
    break;
  case NB_NS_RDATA_WACK:
    nb_writer_be16 (w, rec->wack_flags);
    break;
  case NB_NS_RDATA_A:
    nb_writer_be32 (w, rec->a_ipv4);
    break;
  case NB_NS_RDATA_NS:
    _nb_name_write (w, &rec->ns_name);
    break;
  case NB_NS_RDATA_RAW:
    if (rec->raw != NULL)
      nb_writer_bytes (w, g_bytes_get_data (rec->raw, NULL), g_bytes_get_size (rec->raw));
    break;
  default:
    nb_writer_fail (w, "record with an unknown RDATA kind");
    break;
  }
}

static void
write_record (NbWriter *w, const NbNsPacket *packet, const NbNsRecord *rec)
{
  const NbNsQuestion *q = nb_ns_packet_question (packet);
  gsize len_off, start;

  /* Samba's ndr_push_nbt_string compresses an RR name equal to the question
   * name into a pointer to offset 12, where the first question starts. */
  if (q != NULL && _nb_name_identical (&q->name, &rec->name))
    nb_writer_be16 (w, QUESTION_POINTER);
  else
    _nb_name_write (w, &rec->name);
  nb_writer_be16 (w, rec->type);
  nb_writer_be16 (w, rec->rr_class);
  nb_writer_be32 (w, rec->ttl);
  len_off = nb_writer_reserve (w, 2);
  start = nb_writer_len (w);
  write_rdata (w, rec);
  if (!nb_writer_ok (w))
    return;
  if (nb_writer_len (w) - start > G_MAXUINT16) {
    nb_writer_fail (w, "RDATA longer than 65535 bytes");
    return;
  }
  nb_writer_patch_be16 (w, len_off, (guint16) (nb_writer_len (w) - start));
}

static gboolean
check_buildable (const NbNsPacket *packet, GError **error)
{
  if (packet->questions->len > G_MAXUINT16 || packet->answers->len > G_MAXUINT16 ||
      packet->authority->len > G_MAXUINT16 || packet->additional->len > G_MAXUINT16) {
    g_set_error_literal (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE,
                         "cannot build " WHAT ": more than 65535 entries in a section");
    return FALSE;
  }
  if (!opcode_known (packet->opcode) || packet->rcode > HDR_RCODE_MASK) {
    g_set_error (error, NS_CODEC_ERROR, NS_CODEC_ERROR_MALFORMED,
                 "cannot build " WHAT ": opcode %u / rcode %u out of range",
                 (guint) packet->opcode, (guint) packet->rcode);
    return FALSE;
  }
  return TRUE;
}

gboolean
nb_ns_packet_build (const NbNsPacket *packet, GByteArray *out, GError **error)
{
  const GPtrArray *sections[3];
  guint16 word;
  NbWriter w;

  g_return_val_if_fail (packet != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_buildable (packet, error))
    return FALSE;
  sections[0] = packet->answers;
  sections[1] = packet->authority;
  sections[2] = packet->additional;
  word = (guint16) ((packet->response ? HDR_RESPONSE : 0) |
                    ((guint) packet->opcode << HDR_OPCODE_SHIFT) |
                    (packet->flags & NB_NS_FLAGS_MASK) | packet->rcode);

  nb_writer_init (&w, out, NB_NS_BUILD_MAX);
  nb_writer_be16 (&w, packet->trn_id);
  nb_writer_be16 (&w, word);
  nb_writer_be16 (&w, (guint16) packet->questions->len);
  for (guint s = 0; s < 3; s++)
    nb_writer_be16 (&w, (guint16) sections[s]->len);
  for (guint i = 0; i < packet->questions->len; i++) {
    const NbNsQuestion *q = &g_array_index (packet->questions, NbNsQuestion, i);

    _nb_name_write (&w, &q->name);
    nb_writer_be16 (&w, q->type);
    nb_writer_be16 (&w, q->qclass);
  }
  for (guint s = 0; s < 3; s++)
    for (guint i = 0; i < sections[s]->len; i++)
      write_record (&w, packet, g_ptr_array_index (sections[s], i));
  return nb_writer_finish (&w, WHAT, error);
}

/* --- convenience constructors (RFC 1002 §4.2.2-4.2.18) -------------------- */

static NbNsPacket *
packet_with_header (guint16 trn_id, gboolean response, NbNsOpcode opcode, guint16 flags,
                    NbNsRcode rcode)
{
  NbNsPacket *p = nb_ns_packet_new ();

  p->trn_id = trn_id;
  p->response = response;
  p->opcode = opcode;
  p->flags = flags;
  p->rcode = rcode;
  return p;
}

static NbNsRecord *
nb_record (const NbName *name, guint32 ttl, guint16 nb_flags, guint32 ipv4)
{
  NbNsRecord *rec = nb_ns_record_new (name, NB_NS_TYPE_NB, ttl);

  nb_ns_record_add_address (rec, nb_flags, ipv4);
  return rec;
}

/* A request with one NB question and one additional NB record, the shape of
 * registration, release and refresh requests. */
static NbNsPacket *
request_with_record (guint16 trn_id, NbNsOpcode opcode, guint16 flags, const NbName *name,
                     guint32 ttl, guint16 nb_flags, guint32 ipv4)
{
  NbNsPacket *p = packet_with_header (trn_id, FALSE, opcode, flags, NB_NS_RCODE_OK);

  nb_ns_packet_add_question (p, name, NB_NS_TYPE_NB);
  g_ptr_array_add (p->additional, nb_record (name, ttl, nb_flags, ipv4));
  return p;
}

static NbNsPacket *
response_with_answer (guint16 trn_id, NbNsOpcode opcode, guint16 flags, NbNsRcode rcode,
                      NbNsRecord *answer)
{
  NbNsPacket *p = packet_with_header (trn_id, TRUE, opcode, flags, rcode);

  g_ptr_array_add (p->answers, answer);
  return p;
}

NbNsPacket *
nb_ns_name_query_request_new (guint16 trn_id, const NbName *name, gboolean broadcast,
                              gboolean recursion_desired)
{
  NbNsPacket *p;

  g_return_val_if_fail (name != NULL, NULL);

  p = packet_with_header (trn_id, FALSE, NB_NS_OPCODE_QUERY,
                          (broadcast ? NB_NS_FLAG_BROADCAST : 0) |
                          (recursion_desired ? NB_NS_FLAG_RD : 0),
                          NB_NS_RCODE_OK);
  nb_ns_packet_add_question (p, name, NB_NS_TYPE_NB);
  return p;
}

NbNsPacket *
nb_ns_positive_query_response_new (guint16 trn_id, const NbName *name, guint16 extra_flags,
                                   guint32 ttl, const NbNsAddrEntry *entries, guint n_entries)
{
  NbNsRecord *rec;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (entries != NULL || n_entries == 0, NULL);

  rec = nb_ns_record_new (name, NB_NS_TYPE_NB, ttl);
  g_array_append_vals (rec->addresses, entries, n_entries);
  return response_with_answer (trn_id, NB_NS_OPCODE_QUERY, NB_NS_FLAG_AA | extra_flags,
                               NB_NS_RCODE_OK, rec);
}

NbNsPacket *
nb_ns_negative_query_response_new (guint16 trn_id, const NbName *name, guint16 extra_flags,
                                   NbNsRcode rcode)
{
  g_return_val_if_fail (name != NULL, NULL);

  return response_with_answer (trn_id, NB_NS_OPCODE_QUERY, NB_NS_FLAG_AA | extra_flags, rcode,
                               nb_ns_record_new (name, NB_NS_TYPE_NULL, 0));
}

NbNsPacket *
nb_ns_registration_request_new (guint16 trn_id, const NbName *name, gboolean broadcast,
                                guint32 ttl, guint16 nb_flags, guint32 ipv4)
{
  g_return_val_if_fail (name != NULL, NULL);

  return request_with_record (trn_id, NB_NS_OPCODE_REGISTRATION,
                              NB_NS_FLAG_RD | (broadcast ? NB_NS_FLAG_BROADCAST : 0),
                              name, ttl, nb_flags, ipv4);
}

NbNsPacket *
nb_ns_multihomed_registration_request_new (guint16 trn_id, const NbName *name, guint32 ttl,
                                           guint16 nb_flags, guint32 ipv4)
{
  g_return_val_if_fail (name != NULL, NULL);

  return request_with_record (trn_id, NB_NS_OPCODE_MULTIHOMED_REGISTRATION, NB_NS_FLAG_RD,
                              name, ttl, nb_flags, ipv4);
}

NbNsPacket *
nb_ns_registration_response_new (guint16 trn_id, const NbName *name, NbNsRcode rcode,
                                 guint32 ttl, guint16 nb_flags, guint32 ipv4)
{
  g_return_val_if_fail (name != NULL, NULL);

  return response_with_answer (trn_id, NB_NS_OPCODE_REGISTRATION,
                               NB_NS_FLAG_AA | NB_NS_FLAG_RD | NB_NS_FLAG_RA, rcode,
                               nb_record (name, ttl, nb_flags, ipv4));
}

NbNsPacket *
nb_ns_name_conflict_demand_new (guint16 trn_id, const NbName *name, guint16 nb_flags)
{
  g_return_val_if_fail (name != NULL, NULL);

  /* PROTOCOL.md errata 10: the owner's ONT stays, G is 0, address 0.0.0.0. */
  return response_with_answer (trn_id, NB_NS_OPCODE_REGISTRATION,
                               NB_NS_FLAG_AA | NB_NS_FLAG_RD | NB_NS_FLAG_RA,
                               NB_NS_RCODE_CFT_ERR,
                               nb_record (name, 0, nb_flags & NB_NS_ONT_MASK, 0));
}

NbNsPacket *
nb_ns_release_request_new (guint16 trn_id, const NbName *name, gboolean broadcast,
                           guint32 ttl, guint16 nb_flags, guint32 ipv4)
{
  g_return_val_if_fail (name != NULL, NULL);

  return request_with_record (trn_id, NB_NS_OPCODE_RELEASE,
                              broadcast ? NB_NS_FLAG_BROADCAST : 0, name, ttl, nb_flags, ipv4);
}

NbNsPacket *
nb_ns_release_response_new (guint16 trn_id, const NbName *name, NbNsRcode rcode,
                            guint16 nb_flags, guint32 ipv4)
{
  g_return_val_if_fail (name != NULL, NULL);

  return response_with_answer (trn_id, NB_NS_OPCODE_RELEASE, NB_NS_FLAG_AA, rcode,
                               nb_record (name, 0, nb_flags, ipv4));
}

NbNsPacket *
nb_ns_refresh_request_new (guint16 trn_id, const NbName *name, gboolean broadcast,
                           guint32 ttl, guint16 nb_flags, guint32 ipv4)
{
  g_return_val_if_fail (name != NULL, NULL);

  /* Opcode 8 as nmbd sends it (PROTOCOL.md §8 item 8). */
  return request_with_record (trn_id, NB_NS_OPCODE_REFRESH,
                              broadcast ? NB_NS_FLAG_BROADCAST : 0, name, ttl, nb_flags, ipv4);
}

NbNsPacket *
nb_ns_wack_new (guint16 trn_id, const NbName *name, guint32 ttl, guint16 request_flags)
{
  NbNsRecord *rec;

  g_return_val_if_fail (name != NULL, NULL);

  rec = nb_ns_record_new (name, NB_NS_TYPE_NB, ttl);
  rec->kind = NB_NS_RDATA_WACK;
  rec->wack_flags = request_flags;
  return response_with_answer (trn_id, NB_NS_OPCODE_WACK, NB_NS_FLAG_AA, NB_NS_RCODE_OK, rec);
}

NbNsPacket *
nb_ns_node_status_request_new (guint16 trn_id, const NbName *name, gboolean broadcast)
{
  NbNsPacket *p;
  NbName wildcard;

  if (name == NULL) {
    nb_name_wildcard (&wildcard);
    name = &wildcard;
  }
  p = packet_with_header (trn_id, FALSE, NB_NS_OPCODE_QUERY,
                          broadcast ? NB_NS_FLAG_BROADCAST : 0, NB_NS_RCODE_OK);
  nb_ns_packet_add_question (p, name, NB_NS_TYPE_NBSTAT);
  return p;
}

NbNsPacket *
nb_ns_node_status_response_new (guint16 trn_id, const NbName *name, NbNsNodeStatus *status)
{
  NbNsRecord *rec;

  g_return_val_if_fail (name != NULL && status != NULL, NULL);

  rec = nb_ns_record_new (name, NB_NS_TYPE_NBSTAT, 0);
  nb_ns_node_status_free (rec->status);
  rec->status = status;
  return response_with_answer (trn_id, NB_NS_OPCODE_QUERY, NB_NS_FLAG_AA, NB_NS_RCODE_OK, rec);
}

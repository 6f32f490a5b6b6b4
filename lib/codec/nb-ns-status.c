/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NODE STATUS RESPONSE RDATA, RFC 1002 §4.2.18 (PROTOCOL.md §1.4.5). */
#include "nb-ns-private.h"

#include <string.h>

#include "netsend/ns-errors.h"

/* Bytes of one NODE_NAME entry: 16 raw name bytes + NAME_FLAGS. */
#define STATUS_ENTRY_LEN 18

NbNsNodeStatus *
nb_ns_node_status_new (void)
{
  NbNsNodeStatus *status = g_new0 (NbNsNodeStatus, 1);

  status->names = g_array_new (FALSE, TRUE, sizeof (NbNsStatusName));
  return status;
}

void
nb_ns_node_status_free (NbNsNodeStatus *status)
{
  if (status == NULL)
    return;
  g_array_unref (status->names);
  g_free (status);
}

NbNsNodeStatus *
nb_ns_node_status_copy (const NbNsNodeStatus *status)
{
  NbNsNodeStatus *copy;

  g_return_val_if_fail (status != NULL, NULL);

  copy = nb_ns_node_status_new ();
  g_array_append_vals (copy->names, status->names->data, status->names->len);
  copy->stats = status->stats;
  return copy;
}

gboolean
nb_ns_node_status_add_name (NbNsNodeStatus *status, const NbName *name, guint16 flags)
{
  NbNsStatusName entry = { .flags = flags };

  g_return_val_if_fail (status != NULL && name != NULL, FALSE);

  if (status->names->len >= NB_NS_STATUS_MAX_NAMES)
    return FALSE;
  /* Node status carries the 16 raw bytes only (no scope). */
  nb_name_set_raw (&entry.name, name->bytes);
  g_array_append_val (status->names, entry);
  return TRUE;
}

static gboolean
stats_equal (const NbNsStatistics *a, const NbNsStatistics *b)
{
  /* Field by field: the struct has padding memcmp would read. */
  return memcmp (a->unit_id, b->unit_id, sizeof a->unit_id) == 0 &&
         a->jumpers == b->jumpers && a->test_result == b->test_result &&
         a->version_number == b->version_number &&
         a->period_of_statistics == b->period_of_statistics &&
         a->number_of_crcs == b->number_of_crcs &&
         a->number_alignment_errors == b->number_alignment_errors &&
         a->number_of_collisions == b->number_of_collisions &&
         a->number_send_aborts == b->number_send_aborts &&
         a->number_good_sends == b->number_good_sends &&
         a->number_good_receives == b->number_good_receives &&
         a->number_retransmits == b->number_retransmits &&
         a->number_no_resource_conditions == b->number_no_resource_conditions &&
         a->number_free_command_blocks == b->number_free_command_blocks &&
         a->total_number_command_blocks == b->total_number_command_blocks &&
         a->max_total_number_command_blocks == b->max_total_number_command_blocks &&
         a->number_pending_sessions == b->number_pending_sessions &&
         a->max_number_pending_sessions == b->max_number_pending_sessions &&
         a->max_total_sessions_possible == b->max_total_sessions_possible &&
         a->session_data_packet_size == b->session_data_packet_size;
}

gboolean
nb_ns_node_status_equal (const NbNsNodeStatus *a, const NbNsNodeStatus *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->names->len != b->names->len || !stats_equal (&a->stats, &b->stats))
    return FALSE;
  for (guint i = 0; i < a->names->len; i++) {
    const NbNsStatusName *x = &g_array_index (a->names, NbNsStatusName, i);
    const NbNsStatusName *y = &g_array_index (b->names, NbNsStatusName, i);

    if (x->flags != y->flags || !_nb_name_identical (&x->name, &y->name))
      return FALSE;
  }
  return TRUE;
}

/* The 46-byte block, big-endian (RFC 1002 §4.2.18). */
static void
read_stats (NbReader *r, NbNsStatistics *s)
{
  nb_reader_copy (r, s->unit_id, sizeof s->unit_id);
  nb_reader_u8 (r, &s->jumpers);
  nb_reader_u8 (r, &s->test_result);
  nb_reader_be16 (r, &s->version_number);
  nb_reader_be16 (r, &s->period_of_statistics);
  nb_reader_be16 (r, &s->number_of_crcs);
  nb_reader_be16 (r, &s->number_alignment_errors);
  nb_reader_be16 (r, &s->number_of_collisions);
  nb_reader_be16 (r, &s->number_send_aborts);
  nb_reader_be32 (r, &s->number_good_sends);
  nb_reader_be32 (r, &s->number_good_receives);
  nb_reader_be16 (r, &s->number_retransmits);
  nb_reader_be16 (r, &s->number_no_resource_conditions);
  nb_reader_be16 (r, &s->number_free_command_blocks);
  nb_reader_be16 (r, &s->total_number_command_blocks);
  nb_reader_be16 (r, &s->max_total_number_command_blocks);
  nb_reader_be16 (r, &s->number_pending_sessions);
  nb_reader_be16 (r, &s->max_number_pending_sessions);
  nb_reader_be16 (r, &s->max_total_sessions_possible);
  nb_reader_be16 (r, &s->session_data_packet_size);
}

static void
write_stats (NbWriter *w, const NbNsStatistics *s)
{
  nb_writer_bytes (w, s->unit_id, sizeof s->unit_id);
  nb_writer_u8 (w, s->jumpers);
  nb_writer_u8 (w, s->test_result);
  nb_writer_be16 (w, s->version_number);
  nb_writer_be16 (w, s->period_of_statistics);
  nb_writer_be16 (w, s->number_of_crcs);
  nb_writer_be16 (w, s->number_alignment_errors);
  nb_writer_be16 (w, s->number_of_collisions);
  nb_writer_be16 (w, s->number_send_aborts);
  nb_writer_be32 (w, s->number_good_sends);
  nb_writer_be32 (w, s->number_good_receives);
  nb_writer_be16 (w, s->number_retransmits);
  nb_writer_be16 (w, s->number_no_resource_conditions);
  nb_writer_be16 (w, s->number_free_command_blocks);
  nb_writer_be16 (w, s->total_number_command_blocks);
  nb_writer_be16 (w, s->max_total_number_command_blocks);
  nb_writer_be16 (w, s->number_pending_sessions);
  nb_writer_be16 (w, s->max_number_pending_sessions);
  nb_writer_be16 (w, s->max_total_sessions_possible);
  nb_writer_be16 (w, s->session_data_packet_size);
}

gboolean
_nb_ns_node_status_read (NbReader *r, NbNsNodeStatus **ret)
{
  g_autoptr (NbNsNodeStatus) status = nb_ns_node_status_new ();
  guint8 num_names;
  guint8 stats_buf[NB_NS_STATISTICS_LEN] = { 0 };
  gsize stats_len;
  NbReader sr;

  if (!nb_reader_u8 (r, &num_names))
    return FALSE;
  for (guint i = 0; i < num_names; i++) {
    NbNsStatusName entry = { 0 };

    if (!nb_reader_copy (r, entry.name.bytes, NB_NAME_LEN) ||
        !nb_reader_be16 (r, &entry.flags))
      return FALSE;
    g_array_append_val (status->names, entry);
  }
  /* Lenient about the statistics: implementations send fewer or more than
   * 46 bytes; only unit_id (the MAC) is ever used. A short block is
   * zero-filled, extra bytes are ignored. */
  stats_len = MIN (nb_reader_remaining (r), sizeof stats_buf);
  if (!nb_reader_copy (r, stats_buf, stats_len) ||
      !nb_reader_skip (r, nb_reader_remaining (r)))
    return FALSE;
  nb_reader_init (&sr, stats_buf, sizeof stats_buf);
  read_stats (&sr, &status->stats);
  g_assert (nb_reader_ok (&sr));
  *ret = g_steal_pointer (&status);
  return TRUE;
}

void
_nb_ns_node_status_write (NbWriter *w, const NbNsNodeStatus *status)
{
  if (status->names->len > NB_NS_STATUS_MAX_NAMES) {
    nb_writer_fail (w, "node status with more than 255 names");
    return;
  }
  nb_writer_u8 (w, (guint8) status->names->len);
  for (guint i = 0; i < status->names->len; i++) {
    const NbNsStatusName *e = &g_array_index (status->names, NbNsStatusName, i);

    nb_writer_bytes (w, e->name.bytes, NB_NAME_LEN);
    nb_writer_be16 (w, e->flags);
  }
  write_stats (w, &status->stats);
}

gboolean
nb_ns_node_status_parse (const guint8 *rdata, gsize len, NbNsNodeStatus **ret,
                         GError **error)
{
  NbReader r;
  NbNsNodeStatus *status = NULL;

  g_return_val_if_fail (rdata != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nb_reader_init (&r, rdata, len);
  if (!_nb_ns_node_status_read (&r, &status))
    return nb_reader_finish (&r, "node status", error);
  *ret = status;
  return TRUE;
}

gboolean
nb_ns_node_status_build (const NbNsNodeStatus *status, GByteArray *out, GError **error)
{
  NbWriter w;

  g_return_val_if_fail (status != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nb_writer_init (&w, out, G_MAXUINT16);
  _nb_ns_node_status_write (&w, status);
  return nb_writer_finish (&w, "node status", error);
}

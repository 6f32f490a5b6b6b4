/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Private NDR primitives shared by rpc-cl.c and rpc-msgsvc.c: integers and
 * UUIDs in the byte order a PDU's drep selects (C706 ch. 14, format label: "receiver
 * makes it right"), on top of the bounded reader and writer. */

#include "nb-reader.h"
#include "nb-writer.h"
#include "netsend/rpc-cl.h"

/* nb_reader_init() for data that may be NULL when empty (an empty GBytes
 * has no data pointer): the reader would otherwise compute NULL + 0, which
 * is undefined behaviour (found by fuzz-rpc-cl, regression
 * request-empty-stub-null-reader-data). */
static inline void
ndr_reader_init (NbReader *r, const guint8 *data, gsize len)
{
  static const guint8 empty[1];

  nb_reader_init (r, data != NULL ? data : empty, data != NULL ? len : 0);
}

static inline gboolean
ndr_drep_is_le (const guint8 *drep)
{
  return (drep[0] & 0xF0) == RPC_DREP_INT_LITTLE_ENDIAN;
}

static inline gboolean
ndr_read_u16 (NbReader *r, gboolean le, guint16 *ret)
{
  return le ? nb_reader_le16 (r, ret) : nb_reader_be16 (r, ret);
}

static inline gboolean
ndr_read_u32 (NbReader *r, gboolean le, guint32 *ret)
{
  return le ? nb_reader_le32 (r, ret) : nb_reader_be32 (r, ret);
}

static inline void
ndr_write_u16 (NbWriter *w, gboolean le, guint16 v)
{
  if (le)
    nb_writer_le16 (w, v);
  else
    nb_writer_be16 (w, v);
}

static inline void
ndr_write_u32 (NbWriter *w, gboolean le, guint32 v)
{
  if (le)
    nb_writer_le32 (w, v);
  else
    nb_writer_be32 (w, v);
}

/* A UUID is NDR struct { u32; u16; u16; u8[8] } (C706 Appendix A). */
static inline gboolean
ndr_read_uuid (NbReader *r, gboolean le, RpcUuid *ret)
{
  RpcUuid u;

  ndr_read_u32 (r, le, &u.data1);
  ndr_read_u16 (r, le, &u.data2);
  ndr_read_u16 (r, le, &u.data3);
  if (!nb_reader_copy (r, u.data4, sizeof u.data4))
    return FALSE;
  *ret = u;
  return TRUE;
}

static inline void
ndr_write_uuid (NbWriter *w, gboolean le, const RpcUuid *u)
{
  ndr_write_u32 (w, le, u->data1);
  ndr_write_u16 (w, le, u->data2);
  ndr_write_u16 (w, le, u->data3);
  nb_writer_bytes (w, u->data4, sizeof u->data4);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Codec throughput: parse and build operations per second, per packet kind,
 * single-threaded (one core), timed with g_get_monotonic_time().
 *
 *   bench-codec [SECONDS-PER-MEASUREMENT]     (default 1.0)
 *
 * Prints one line per kind:  <kind> <parse_ops_per_s> <build_ops_per_s>
 * (lines starting with '#' are comments).
 *
 * HOW TO ADD A PACKET KIND (datagram/mailslot, session, SMB, RPC, ...):
 *   1. Write a parse function `static gboolean my_parse (const guint8 *data,
 *      gsize len)` that parses one packet with your codec and frees the
 *      result, and a build function `static gboolean my_build (gconstpointer
 *      model, GByteArray *out)` that appends one packet built from your model
 *      type to @out.
 *   2. Write `static void add_<protocol>_kinds (GPtrArray *table)` that calls
 *      add_kind() once per kind with: a short kind name (no spaces), the
 *      wire bytes of one realistic packet (hex, e.g. a golden frame), your
 *      parse and build functions, and the model to build from (usually the
 *      result of parsing those bytes) with its free function.
 *   3. Add your add_<protocol>_kinds to kind_adders[] near the end of this
 *      file. Nothing else needs to change.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "netsend/msgr-mailslot.h"
#include "netsend/msgr-text.h"
#include "netsend/nb-dgram.h"
#include "netsend/nb-ns.h"
#include "netsend/nb-session.h"
#include "netsend/rpc-cl.h"
#include "netsend/rpc-msgsvc.h"
#include "netsend/smb-msgr.h"

typedef gboolean (*ParseFunc) (const guint8 *data, gsize len);
typedef gboolean (*BuildFunc) (gconstpointer model, GByteArray *out);

typedef struct {
  char *kind;
  GBytes *wire;           /* one packet as on the wire, input to parse */
  gpointer model;         /* what build serializes */
  GDestroyNotify free_model;
  ParseFunc parse;
  BuildFunc build;
} BenchEntry;

static void
bench_entry_free (gpointer data)
{
  BenchEntry *e = data;

  g_free (e->kind);
  g_bytes_unref (e->wire);
  if (e->free_model != NULL)
    e->free_model (e->model);
  g_free (e);
}

static GBytes *
hex_to_bytes (const char *hex)
{
  GByteArray *a = g_byte_array_new ();

  for (const char *p = hex; p[0] != '\0' && p[1] != '\0'; p += 2) {
    guint8 b = (guint8) ((g_ascii_xdigit_value (p[0]) << 4) | g_ascii_xdigit_value (p[1]));

    g_byte_array_append (a, &b, 1);
  }
  return g_byte_array_free_to_bytes (a);
}

/* Adds a kind; takes ownership of @model. */
static void
add_kind (GPtrArray *table, const char *kind, const char *wire_hex, ParseFunc parse,
          BuildFunc build, gpointer model, GDestroyNotify free_model)
{
  BenchEntry *e = g_new0 (BenchEntry, 1);

  e->kind = g_strdup (kind);
  e->wire = hex_to_bytes (wire_hex);
  e->parse = parse;
  e->build = build;
  e->model = model;
  e->free_model = free_model;
  g_ptr_array_add (table, e);
}

/* --- NBNS (lib/codec/nb-ns.c) -------------------------------------------- */

/* Golden frames captured from Samba 4.17 (tests/vectors/golden-vectors.json). */
static const char nbns_query_request[] =        /* nbns-name-query-broadcast/request */
  "39b5011000010000000000002046414546454646434542434143414341434143414341434143414341434141"
  "440000200001";
static const char nbns_query_response[] =       /* nbns-name-query-broadcast/response */
  "39b5858000000001000000002046414546454646434542434143414341434143414341434143414341434141"
  "4400002000010003f480000600000a630001";
static const char nbns_registration[] =         /* nbns-registration-bnode/request */
  "547a291000010000000000012046414546454646434542434143414341434143414341434143414341434141"
  "440000200001c00c0020000100000000000600000a630001";
static const char nbns_node_status_response[] = /* nbns-node-status/response */
  "492e8400000000010000000020434b4141414141414141414141414141414141414141414141414141414141"
  "4100002100010000000000890550454552412020202020202020202000040050454552412020202020202020"
  "2020030400504545524120202020202020202020200400504545524c414e2020202020202020008400504545"
  "524c414e20202020202020201e84000000000000000000000000000000000000000000000000000000000000"
  "0000000000000000000000000000000000";

static gboolean
nbns_parse (const guint8 *data, gsize len)
{
  NbNsPacket *p = NULL;

  if (!nb_ns_packet_parse (data, len, &p, NULL))
    return FALSE;
  nb_ns_packet_free (p);
  return TRUE;
}

static gboolean
nbns_build (gconstpointer model, GByteArray *out)
{
  return nb_ns_packet_build (model, out, NULL);
}

static void
add_nbns (GPtrArray *table, const char *kind, const char *hex)
{
  g_autoptr (GBytes) wire = hex_to_bytes (hex);
  NbNsPacket *model = NULL;

  if (!nb_ns_packet_parse (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire), &model,
                           NULL))
    g_error ("bench: sample %s does not parse", kind);
  /* The benchmark is only meaningful if build reproduces the sample. */
  {
    g_autoptr (GByteArray) out = g_byte_array_new ();
    g_autoptr (GBytes) rebuilt = NULL;

    if (!nb_ns_packet_build (model, out, NULL))
      g_error ("bench: sample %s does not build", kind);
    rebuilt = g_bytes_new (out->data, out->len);
    if (!g_bytes_equal (wire, rebuilt))
      g_error ("bench: sample %s does not rebuild byte for byte", kind);
  }
  add_kind (table, kind, hex, nbns_parse, nbns_build, model,
            (GDestroyNotify) nb_ns_packet_free);
}

static void
add_nbns_kinds (GPtrArray *table)
{
  add_nbns (table, "nbns-query-request", nbns_query_request);
  add_nbns (table, "nbns-query-response", nbns_query_response);
  add_nbns (table, "nbns-registration", nbns_registration);
  add_nbns (table, "nbns-node-status-response", nbns_node_status_response);
}

/* --- NetBIOS session service and SMB messenger (lib/codec/nb-session.c,
 *     lib/codec/smb-msgr.c) ------------------------------------------------ */

/* Golden frames captured from Samba 4.17 (tests/vectors/golden-vectors.json). */
static const char nbss_session_request[] =      /* nbss-session-request/request */
  "810000442046414546454646434542434143414341434143414341434143414341434141440020454f46444"
  "54f434e45494443434143414341434143414341434143414341414100";
static const char smb_d0_request[] =            /* smb-sends-d0, SMB part */
  "ff534d42d00000000000000000000000000000000000000000004242000001000031000453454e444552443000"
  "04504545524100011d0073696e676c6520626c6f636b20307844302c206e6f206e656770726f74";
static const char smb_d7_request[] =            /* smb-message-long-multiblock block 1 */
  "ff534d42d70000000000000000000000000000000000000000002722000000000100008200017f0041424344"
  "45464748494a4b4c4d4e4f505152535455565758595a4142434445464748494a4b4c4d4e4f50515253545556"
  "5758595a4142434445464748494a4b4c4d4e4f505152535455565758595a4142434445464748494a4b4c4d4e"
  "4f505152535455565758595a4142434445464748494a4b4c4d4e4f5051525354555657";
/* Framer rows push this many D7 session messages as one chunk. */
#define FRAMER_BATCH 16

static gboolean
nbss_parse (const guint8 *data, gsize len)
{
  NbSessionPacket *p = NULL;

  if (!nb_session_packet_parse (data, len, &p, NULL))
    return FALSE;
  nb_session_packet_free (p);
  return TRUE;
}

static gboolean
nbss_build (gconstpointer model, GByteArray *out)
{
  return nb_session_packet_build (model, out, NULL);
}

static gboolean
smb_parse (const guint8 *data, gsize len)
{
  SmbMsgrPacket *p = NULL;

  if (!smb_msgr_parse (data, len, &p, NULL))
    return FALSE;
  smb_msgr_packet_free (p);
  return TRUE;
}

static gboolean
smb_build (gconstpointer model, GByteArray *out)
{
  return smb_msgr_build (model, out, NULL);
}

/* One op: push a stream of FRAMER_BATCH frames in one chunk, pop them all. */
static gboolean
framer_parse (const guint8 *data, gsize len)
{
  NbSessionFramer *f = nb_session_framer_new (NB_SESSION_FRAMING_NBSS, NB_SESSION_MAX_LENGTH);
  guint n = 0;
  guint8 type;
  GBytes *payload;

  if (!nb_session_framer_push (f, data, len, NULL)) {
    nb_session_framer_free (f);
    return FALSE;
  }
  while (nb_session_framer_pop (f, &type, &payload)) {
    g_bytes_unref (payload);
    n++;
  }
  nb_session_framer_free (f);
  return n == FRAMER_BATCH;
}

/* One op: frame FRAMER_BATCH SMBs (the model) as session messages. */
static gboolean
framer_build (gconstpointer model, GByteArray *out)
{
  gsize len;
  const guint8 *smb = g_bytes_get_data ((GBytes *) model, &len);

  for (guint i = 0; i < FRAMER_BATCH; i++) {
    if (!nb_session_build_message (out, NB_SESSION_FRAMING_NBSS, smb, len, NULL))
      return FALSE;
  }
  return TRUE;
}

static void
check_rebuild (const char *kind, GBytes *wire, BuildFunc build, gconstpointer model)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GBytes) rebuilt = NULL;

  if (!build (model, out))
    g_error ("bench: sample %s does not build", kind);
  rebuilt = g_bytes_new (out->data, out->len);
  if (!g_bytes_equal (wire, rebuilt))
    g_error ("bench: sample %s does not rebuild byte for byte", kind);
}

static void
add_smb (GPtrArray *table, const char *kind, const char *hex)
{
  g_autoptr (GBytes) wire = hex_to_bytes (hex);
  SmbMsgrPacket *model = NULL;

  if (!smb_msgr_parse (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire), &model, NULL))
    g_error ("bench: sample %s does not parse", kind);
  check_rebuild (kind, wire, smb_build, model);
  add_kind (table, kind, hex, smb_parse, smb_build, model,
            (GDestroyNotify) smb_msgr_packet_free);
}

static void
add_session_smb_kinds (GPtrArray *table)
{
  g_autoptr (GBytes) req = hex_to_bytes (nbss_session_request);
  g_autoptr (GBytes) d7 = hex_to_bytes (smb_d7_request);
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (GString) stream_hex = g_string_new (NULL);
  NbSessionPacket *model = NULL;

  if (!nb_session_packet_parse (g_bytes_get_data (req, NULL), g_bytes_get_size (req), &model,
                                NULL))
    g_error ("bench: sample nbss-session-request does not parse");
  check_rebuild ("nbss-session-request", req, nbss_build, model);
  add_kind (table, "nbss-session-request", nbss_session_request, nbss_parse, nbss_build, model,
            (GDestroyNotify) nb_session_packet_free);

  /* framer-16x-d7: 16 session messages of the 167-byte D7 block (2 736 bytes). */
  framer_build (d7, stream);
  for (guint i = 0; i < stream->len; i++)
    g_string_append_printf (stream_hex, "%02x", stream->data[i]);
  add_kind (table, "nbss-framer-16x-d7", stream_hex->str, framer_parse, framer_build,
            g_bytes_ref (d7), (GDestroyNotify) g_bytes_unref);

  add_smb (table, "smb-d0-request", smb_d0_request);
  add_smb (table, "smb-d7-request-127", smb_d7_request);
}

/* --- NetBIOS datagrams, the MESSNGR mailslot and text (lib/codec/nb-dgram.c,
 *     lib/codec/msgr-mailslot.c, lib/codec/msgr-text.c) --------------------- */

/* mailslot-messngr, "DIRECT_UNIQUE datagram to PEERA<03> unicast" (capture 10). */
static const char dgram_messngr[] =
  "100212340a630002008a00c1000020454f4644454f434e454944434341434143414341434143414341434143"
  "4141410020464145464546464345424341434143414341434143414341434143414341414400ff534d422500"
  "000000000000000000000000000000000000000000000000000011000026000000000000000000e803000000"
  "000000000026005700030001000100020038005c4d41494c534c4f545c4d4553534e4752004e534e2d483200"
  "5045455241006d61696c736c6f74204d4553534e475220756e696361737400";

typedef struct {
  NbDgram *dgram;
  MsgrMailslotMessage *msg;
} MailslotModel;

static void
mailslot_model_free (gpointer data)
{
  MailslotModel *m = data;

  nb_dgram_free (m->dgram);
  msgr_mailslot_message_free (m->msg);
  g_free (m);
}

static gboolean
dgram_parse (const guint8 *data, gsize len)
{
  NbDgram *d = NULL;

  if (!nb_dgram_parse (data, len, NB_DGRAM_PARSE_NONE, &d, NULL))
    return FALSE;
  nb_dgram_free (d);
  return TRUE;
}

static gboolean
dgram_build (gconstpointer model, GByteArray *out)
{
  return nb_dgram_build (model, out, NULL);
}

/* One op: datagram header + SMB transaction + MESSNGR body. */
static gboolean
mailslot_parse (const guint8 *data, gsize len)
{
  NbDgram *d = NULL;
  MsgrMailslotMessage *m = NULL;

  if (!msgr_mailslot_parse_datagram (data, len, &d, &m, NULL))
    return FALSE;
  nb_dgram_free (d);
  msgr_mailslot_message_free (m);
  return TRUE;
}

static gboolean
mailslot_build (gconstpointer model, GByteArray *out)
{
  const MailslotModel *m = model;
  const NbDgram *d = m->dgram;

  return msgr_mailslot_build_datagram (d->type, d->flags & NB_DGRAM_NODE_MASK, d->dgm_id,
                                       d->source_ip, d->source_port, &d->source_name,
                                       &d->destination_name, m->msg, out, NULL);
}

/* Text rows: "parse" is msgr_text_decode() of the OEM bytes (the receive
 * path), "build" is msgr_text_encode() of the UTF-8 model (the send path,
 * 0x14 line breaks). The code page is the row's. */
typedef struct {
  const char *codepage;
  char *utf8;
} TextModel;

static void
text_model_free (gpointer data)
{
  TextModel *t = data;

  g_free (t->utf8);
  g_free (t);
}

static gboolean
text_decode (const guint8 *data, gsize len, const char *codepage)
{
  char *s = msgr_text_decode (data, len, codepage, 0, NULL, NULL);

  g_free (s);
  return s != NULL;
}

static gboolean
text_decode_cp850 (const guint8 *data, gsize len)
{
  return text_decode (data, len, "CP850");
}

static gboolean
text_decode_cp866 (const guint8 *data, gsize len)
{
  return text_decode (data, len, "CP866");
}

static gboolean
text_encode (gconstpointer model, GByteArray *out)
{
  const TextModel *t = model;
  MsgrTextEncodeOptions opts = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  GBytes *b;

  opts.codepage = t->codepage;
  b = msgr_text_encode (t->utf8, -1, &opts, NULL);
  if (b == NULL)
    return FALSE;
  g_byte_array_append (out, g_bytes_get_data (b, NULL), (guint) g_bytes_get_size (b));
  g_bytes_unref (b);
  return TRUE;
}

/* Adds a text row for @utf8 in @codepage; the wire sample is its encoding. */
static void
add_text (GPtrArray *table, const char *kind, const char *codepage, ParseFunc decode,
          const char *utf8)
{
  TextModel *t = g_new0 (TextModel, 1);
  g_autoptr (GByteArray) oem = g_byte_array_new ();
  g_autoptr (GString) hex = g_string_new (NULL);

  t->codepage = codepage;
  t->utf8 = g_strdup (utf8);
  if (!text_encode (t, oem))
    g_error ("bench: text sample %s does not encode", kind);
  for (guint i = 0; i < oem->len; i++)
    g_string_append_printf (hex, "%02x", oem->data[i]);
  add_kind (table, kind, hex->str, decode, text_encode, t, text_model_free);
}

static void
add_dgram_mailslot_text_kinds (GPtrArray *table)
{
  g_autoptr (GBytes) wire = hex_to_bytes (dgram_messngr);
  MailslotModel *m = g_new0 (MailslotModel, 1);
  NbDgram *d = NULL;
  g_autoptr (GString) de = g_string_new (NULL);
  g_autoptr (GString) ru = g_string_new (NULL);

  if (!nb_dgram_parse (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire), NB_DGRAM_PARSE_NONE,
                       &d, NULL) ||
      !msgr_mailslot_parse_datagram (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                     &m->dgram, &m->msg, NULL))
    g_error ("bench: sample dgram-messngr does not parse");
  check_rebuild ("dgram-messngr-unicast", wire, dgram_build, d);
  check_rebuild ("mailslot-messngr-unicast", wire, mailslot_build, m);
  add_kind (table, "dgram-messngr-unicast", dgram_messngr, dgram_parse, dgram_build, d,
            (GDestroyNotify) nb_dgram_free);
  add_kind (table, "mailslot-messngr-unicast", dgram_messngr, mailslot_parse, mailslot_build, m,
            mailslot_model_free);

  /* About 128-character messages with a line break: German in CP850,
   * Russian in CP866. */
  while (g_utf8_strlen (de->str, -1) < 120)
    g_string_append (de, "Grüße aus Köln, ");
  g_string_append (de, "\nEnde.");
  while (g_utf8_strlen (ru->str, -1) < 120)
    g_string_append (ru, "Привет из Москвы, ");
  g_string_append (ru, "\nКонец.");
  add_text (table, "text-cp850-128", "CP850", text_decode_cp850, de->str);
  add_text (table, "text-cp866-128", "CP866", text_decode_cp866, ru->str);
}

/* --- Connectionless DCE/RPC NetrSendMessage (lib/codec/rpc-cl.c,
 *     lib/codec/rpc-msgsvc.c) --------------------------------------------- */

/* PROTOCOL.md §7.8: NetrSendMessage("ALICE", "BOB", "Hello") and its
 * RESPONSE. The request is tests/vectors/rpc/netrsendmessage-ascii.bin
 * (Samba + impacket encoders) with zero padding instead of impacket's 0xAB. */
static const char rpc_request[] =
  "040000001000000000000000000000000000000000000000f8917b5a00ffd011a9b200c04fb6e6fc33221100"
  "554477668899aabbccddeeff0000000001000000000000000000ffffffff3600000000000600000000000000"
  "06000000414c494345000000040000000000000004000000424f420006000000000000000600000048656c6c"
  "6f00";
static const char rpc_response[] =
  "040200001000000000000000000000000000000000000000f8917b5a00ffd011a9b200c04fb6e6fc33221100"
  "554477668899aabbccddeeff00105e5f01000000000000000000ffffffff04000000000000000000";

typedef struct {
  RpcClHeader header;
  RpcMsgsvcSend *args;   /* NULL for a response */
  guint32 status;
} RpcModel;

static void
rpc_model_free (gpointer data)
{
  RpcModel *m = data;

  rpc_msgsvc_send_free (m->args);
  g_free (m);
}

/* One op: CL header + body, call checks, NDR stub with its three strings. */
static gboolean
rpc_request_parse (const guint8 *data, gsize len)
{
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_parse (data, len, NULL);
  g_autoptr (RpcMsgsvcSend) args = NULL;

  return pkt != NULL && rpc_msgsvc_parse_request (pkt, 0, &args, NULL);
}

static gboolean
rpc_request_build (gconstpointer model, GByteArray *out)
{
  const RpcModel *m = model;

  return rpc_msgsvc_build_request (&m->header, m->args, out, NULL);
}

static gboolean
rpc_response_parse (const guint8 *data, gsize len)
{
  g_autoptr (RpcClPacket) pkt = rpc_cl_packet_parse (data, len, NULL);
  guint32 status;

  return pkt != NULL && rpc_msgsvc_parse_send_response (pkt, &status, NULL);
}

/* Built as a server does: a reply to the request header. */
static gboolean
rpc_response_build (gconstpointer model, GByteArray *out)
{
  const RpcModel *m = model;

  return rpc_msgsvc_build_send_response (&m->header, 0x5f5e1000, m->status, out, NULL);
}

static void
add_rpc_kinds (GPtrArray *table)
{
  g_autoptr (GBytes) req = hex_to_bytes (rpc_request);
  g_autoptr (GBytes) resp = hex_to_bytes (rpc_response);
  g_autoptr (RpcClPacket) pkt = NULL;
  RpcModel *m = g_new0 (RpcModel, 1);
  RpcModel *r = g_new0 (RpcModel, 1);

  pkt = rpc_cl_packet_parse (g_bytes_get_data (req, NULL), g_bytes_get_size (req), NULL);
  if (pkt == NULL || !rpc_msgsvc_parse_request (pkt, 0, &m->args, NULL))
    g_error ("bench: sample rpc-netrsendmessage-request does not parse");
  m->header = pkt->header;
  r->header = pkt->header;
  r->status = RPC_MSGSVC_ERROR_SUCCESS;
  check_rebuild ("rpc-netrsendmessage-request", req, rpc_request_build, m);
  check_rebuild ("rpc-netrsendmessage-response", resp, rpc_response_build, r);
  add_kind (table, "rpc-netrsendmessage-request", rpc_request, rpc_request_parse,
            rpc_request_build, m, rpc_model_free);
  add_kind (table, "rpc-netrsendmessage-response", rpc_response, rpc_response_parse,
            rpc_response_build, r, rpc_model_free);
}

/* --- measurement ------------------------------------------------------- */

/* Runs @op in batches until @seconds have passed; returns ops per second. */
static double
measure (const BenchEntry *e, gboolean build, double seconds)
{
  g_autoptr (GByteArray) out = g_byte_array_sized_new (1024);
  const guint8 *data = g_bytes_get_data (e->wire, NULL);
  gsize len = g_bytes_get_size (e->wire);
  gint64 start = g_get_monotonic_time (), now;
  guint64 ops = 0;

  do {
    for (guint i = 0; i < 1000; i++) {
      gboolean ok;

      if (build) {
        g_byte_array_set_size (out, 0);
        ok = e->build (e->model, out);
      } else {
        ok = e->parse (data, len);
      }
      if (!ok)
        g_error ("bench: %s %s failed", e->kind, build ? "build" : "parse");
    }
    ops += 1000;
    now = g_get_monotonic_time ();
  } while (now - start < (gint64) (seconds * G_USEC_PER_SEC));
  return (double) ops * G_USEC_PER_SEC / (double) (now - start);
}

/* One function per protocol module; see "HOW TO ADD A PACKET KIND" above. */
static void (*const kind_adders[]) (GPtrArray *table) = {
  add_nbns_kinds,
  add_session_smb_kinds,
  add_dgram_mailslot_text_kinds,
  add_rpc_kinds,
};

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) table = g_ptr_array_new_with_free_func (bench_entry_free);
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 1.0;

  if (!(seconds > 0.0 && seconds < 3600.0)) {
    fprintf (stderr, "usage: %s [SECONDS-PER-MEASUREMENT]\n", argv[0]);
    return 2;
  }
  for (guint i = 0; i < G_N_ELEMENTS (kind_adders); i++)
    kind_adders[i] (table);
  printf ("# kind parse_ops_per_s build_ops_per_s (single thread, %.1f s each)\n", seconds);
  for (guint i = 0; i < table->len; i++) {
    const BenchEntry *e = g_ptr_array_index (table, i);

    printf ("%s %.0f %.0f\n", e->kind, measure (e, FALSE, seconds), measure (e, TRUE, seconds));
    fflush (stdout);
  }
  return 0;
}

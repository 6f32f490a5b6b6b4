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

#include "netsend/nb-ns.h"

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

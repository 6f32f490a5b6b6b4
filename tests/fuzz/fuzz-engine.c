/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Drives a registrar and a resolver with a script of datagrams, clock
 * steps, name additions/removals and queries, and checks invariants the
 * unit tests cannot enumerate:
 *  - every datagram the engine sends parses with our own codec and fits in
 *    576 bytes (RFC 1002 §4.2.1);
 *  - every request's callback runs at most once, and every one runs by the
 *    time its last deadline passed;
 *  - after nb_registrar_release_all() the registrar becomes idle within
 *    NB_REGISTRAR_RELEASE_DURATION_US and its table empties; a second
 *    registrar, an H-node with two WINS servers (multi-homed), gets the
 *    same script and must be idle and empty within
 *    NB_REGISTRAR_WINS_RELEASE_MAX_US whatever the "servers" answered
 *    (WACKs, grants, refusals, silence);
 *  - the resolver (with its answer cache on) ends every request.
 *
 * Input: records of [op:1][arg:1][len:2 BE][len bytes of datagram]; ops
 * (op % 4): 0 datagram from a source picked by arg (with bit 0x80 of op:
 * an ICMP destination unreachable about a datagram to that source, the
 * bytes being what the ICMP message quoted), 1 clock step of arg x 10 ms,
 * 2 add/remove name arg % 4, 3 query or node status. */

#include <errno.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netsend/nb-ns.h>
#include <netsend/nb-registrar.h>
#include <netsend/nb-resolver.h>

#define OUR_IP 0x0a630001u
#define BCAST_IP 0x0a6300ffu
#define WINS_IP 0x0a630003u
#define WINS2_IP 0x0a630005u
#define MAX_STEPS 256

typedef struct {
  gint64 now;
  GHashTable *done;     /* request ids whose callback ran */
  GHashTable *pending;  /* request ids started and not yet done */
} State;

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
check_send (gpointer user_data, const guint8 *data, gsize len, guint32 dst, guint16 port,
            gboolean broadcast, GError **error)
{
  NbNsPacket *packet = NULL;

  if (len > NB_NS_UDP_MAX || !nb_ns_packet_parse (data, len, &packet, NULL))
    abort ();
  if (broadcast && dst != BCAST_IP)
    abort ();
  nb_ns_packet_free (packet);
  return TRUE;
}

static void
finished (State *st, guint id)
{
  gpointer key = GUINT_TO_POINTER (id);

  if (g_hash_table_contains (st->done, key) || !g_hash_table_remove (st->pending, key))
    abort ();
  g_hash_table_add (st->done, key);
}

static void
on_query (NbResolver *res, const NbQueryResult *r, gpointer user_data)
{
  if (r->n_entries > 0 && r->entries == NULL)
    abort ();
  finished (user_data, r->id);
}

static void
on_status (NbResolver *res, const NbNodeStatusResult *r, gpointer user_data)
{
  if (r->status == NB_QUERY_STATUS_FOUND && r->node_status == NULL)
    abort ();
  finished (user_data, r->id);
}

static gint64
earliest (gint64 a, gint64 b)
{
  return a < 0 ? b : (b < 0 ? a : MIN (a, b));
}

static void
advance (State *st, NbRegistrar *reg, NbRegistrar *regw, NbResolver *res, gint64 until)
{
  for (guint n = 0; n < 10000; n++) {
    gint64 next = earliest (earliest (nb_registrar_next_deadline (reg),
                                      nb_registrar_next_deadline (regw)),
                            nb_resolver_next_deadline (res));

    if (next < 0 || next > until)
      break;
    st->now = MAX (st->now, next);
    nb_registrar_tick (reg, st->now);
    nb_registrar_tick (regw, st->now);
    nb_resolver_tick (res, st->now);
  }
  st->now = MAX (st->now, until);
}

static void
toggle_name (State *st, NbRegistrar *reg, const NbName *name, gboolean group)
{
  NbNameInfo info;

  if (nb_registrar_lookup (reg, name, &info) && info.state != NB_NAME_STATE_CONFLICT
      && info.state != NB_NAME_STATE_RELEASING)
    nb_registrar_remove_name (reg, name, st->now, NULL);
  else
    nb_registrar_add_name (reg, name, group, st->now, NULL);
}

static void
start_request (State *st, NbResolver *res, const NbName *name, guint8 arg)
{
  NbQueryOptions opts = { 0 };
  guint id;

  if ((arg & 0x30) == 0x30) {
    id = nb_resolver_node_status (res, OUR_IP + (arg & 1), 0, (arg & 2) ? name : NULL, st->now,
                                  on_status, st, NULL);
  } else {
    opts.method = (NbQueryMethod) ((arg >> 4) % 3);
    opts.address = (arg & 1) ? OUR_IP : WINS_IP;
    opts.flags = (arg & 2) ? NB_QUERY_FLAG_COLLECT : NB_QUERY_FLAG_NONE;
    id = nb_resolver_query (res, name, &opts, st->now, on_query, st, NULL);
  }
  if (id != 0)
    g_hash_table_add (st->pending, GUINT_TO_POINTER (id));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint32 sources[] = { 0x0a630009u, OUR_IP, WINS_IP, 0x0a630002u };
  NbTransport transport = { check_send, NULL };
  NbRegistrarConfig rc;
  NbResolverConfig qc;
  NbName names[4];
  State st = { .now = 1000000000 };
  NbRegistrar *reg;
  NbRegistrar *regw;
  NbResolver *res;
  g_autoptr (GArray) left = NULL;
  g_autoptr (GArray) leftw = NULL;
  size_t pos = 0;

  /* Deterministic NAME_TRN_IDs (the engine draws them from GLib's global
   * generator), so that an input that answers a transaction replays. */
  g_random_set_seed (0x6e657473);
  nb_name_from_utf8 (&names[0], "PEERA", 0x03, NULL, NULL);
  nb_name_from_utf8 (&names[1], "PEERA", 0x00, NULL, NULL);
  nb_name_from_utf8 (&names[2], "PEERLAN", 0x00, NULL, NULL);
  nb_name_from_utf8 (&names[3], "OTHER", 0x20, NULL, NULL);
  st.done = g_hash_table_new (NULL, NULL);
  st.pending = g_hash_table_new (NULL, NULL);

  nb_registrar_config_init (&rc);
  rc.address = OUR_IP;
  rc.netmask = 0xffffff00u;
  reg = nb_registrar_new (&rc, &transport, NULL);
  rc.node_type = NB_NODE_H;
  rc.wins_servers[0] = WINS_IP;
  rc.wins_servers[1] = WINS2_IP;
  rc.n_wins_servers = 2;
  rc.multihomed = TRUE;
  regw = nb_registrar_new (&rc, &transport, NULL);
  nb_resolver_config_init (&qc);
  qc.broadcast = BCAST_IP;
  qc.node_type = NB_NODE_H;
  qc.wins_servers[0] = WINS_IP;
  qc.n_wins_servers = 1;
  qc.cache_size = 4;
  res = nb_resolver_new (&qc, &transport, NULL);
  if (reg == NULL || regw == NULL || res == NULL)
    abort ();
  for (guint i = 0; i < 3; i++) {
    nb_registrar_add_name (reg, &names[i], i == 2, st.now, NULL);
    nb_registrar_add_name (regw, &names[i], i == 2, st.now, NULL);
  }

  for (guint step = 0; step < MAX_STEPS && size - pos >= 4; step++) {
    guint8 op = data[pos], arg = data[pos + 1];
    size_t len = MIN ((size_t) ((data[pos + 2] << 8) | data[pos + 3]), size - pos - 4);
    const guint8 *payload = data + pos + 4;

    pos += 4 + len;
    switch (op % 4) {
      case 0:
        if (op & 0x80) {
          nb_resolver_unreachable (res, payload, len, sources[arg % 4], 137, ECONNREFUSED,
                                   st.now);
          nb_registrar_unreachable (reg, payload, len, sources[arg % 4], 137, ECONNREFUSED,
                                    st.now);
          nb_registrar_unreachable (regw, payload, len, (arg & 4) ? WINS2_IP : sources[arg % 4],
                                    137, ECONNREFUSED, st.now);
          break;
        }
        nb_resolver_receive (res, payload, len, sources[arg % 4], 137, st.now);
        nb_registrar_receive (reg, payload, len, sources[arg % 4], 137, st.now);
        nb_registrar_receive (regw, payload, len, (arg & 4) ? WINS2_IP : sources[arg % 4], 137,
                              st.now);
        break;
      case 1:
        advance (&st, reg, regw, res, st.now + (gint64) arg * 10000);
        break;
      case 2:
        toggle_name (&st, reg, &names[arg % 4], arg % 4 == 2);
        toggle_name (&st, regw, &names[arg % 4], arg % 4 == 2);
        break;
      default:
        start_request (&st, res, &names[arg % 4], arg);
        break;
    }
  }

  /* Every request ends within its phases: H-node with one WINS server is
   * at most 4.5 s + 2.25 s; 10 s is plenty. */
  advance (&st, reg, regw, res, st.now + 10 * G_USEC_PER_SEC);
  if (g_hash_table_size (st.pending) != 0 || nb_resolver_get_n_pending (res) != 0)
    abort ();
  nb_registrar_release_all (reg, st.now);
  nb_registrar_release_all (regw, st.now);
  advance (&st, reg, regw, res, st.now + NB_REGISTRAR_RELEASE_DURATION_US);
  left = nb_registrar_get_names (reg);
  if (!nb_registrar_is_idle (reg) || left->len != 0)
    abort ();
  advance (&st, reg, regw, res,
           st.now + NB_REGISTRAR_WINS_RELEASE_MAX_US - NB_REGISTRAR_RELEASE_DURATION_US);
  leftw = nb_registrar_get_names (regw);
  if (!nb_registrar_is_idle (regw) || leftw->len != 0)
    abort ();

  nb_resolver_free (res);
  nb_registrar_free (regw);
  nb_registrar_free (reg);
  g_hash_table_unref (st.done);
  g_hash_table_unref (st.pending);
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */

/* wins-resolve: resolves a NetBIOS name through a WINS server with the
 * name engine's resolver (the code netsend and netsendd use), COUNT times
 * one after the other, and prints JSON with the round trip of each query:
 *
 *   wins-resolve --wins ADDRESS [--count N] [--cache] NAME[#TT]
 *   {"ok": N, "lost": L, "rtt_ms": [...], "cached_ms": [...]}
 *
 * With --cache the resolver keeps answers (NbResolverConfig.cache_size) and
 * the second and later queries are answered from it; "cached_ms" then says
 * what a cached resolution costs. For bench/wins.sh: run it inside a
 * network namespace (it sends to the WINS server only; bounded: at most
 * 10000 queries, each ending within the resolver's 3 x 1.5 s). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include <netsend/nb-resolver.h>

typedef struct {
  GSocket *socket;
  NbResolver *resolver;
  GMainLoop *loop;
  gboolean done;
  NbQueryStatus status;
  gboolean from_cache;
} Bench;

static gboolean
send_to (gpointer user_data, const guint8 *data, gsize len, guint32 dst, guint16 port,
         gboolean broadcast, GError **error)
{
  Bench *b = user_data;
  guint32 be = g_htonl (dst);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_bytes ((const guint8 *) &be,
                                                               G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, port);

  return g_socket_send_to (b->socket, sa, (const char *) data, len, NULL, error) >= 0;
}

static gboolean
on_readable (GSocket *socket, GIOCondition cond, gpointer user_data)
{
  Bench *b = user_data;
  guint8 buf[2048];
  g_autoptr (GSocketAddress) from = NULL;
  gssize n = g_socket_receive_from (socket, &from, (char *) buf, sizeof buf, NULL, NULL);

  if (n > 0 && G_IS_INET_SOCKET_ADDRESS (from)) {
    GInetAddress *ia = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from));
    guint32 be;

    if (g_inet_address_get_family (ia) == G_SOCKET_FAMILY_IPV4) {
      memcpy (&be, g_inet_address_to_bytes (ia), 4);
      nb_resolver_receive (b->resolver, buf, (gsize) n, g_ntohl (be),
                           g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from)),
                           g_get_monotonic_time ());
    }
  }
  return G_SOURCE_CONTINUE;
}

static void
on_result (NbResolver *resolver, const NbQueryResult *result, gpointer user_data)
{
  Bench *b = user_data;

  b->done = TRUE;
  b->status = result->status;
  b->from_cache = result->from_cache;
  g_main_loop_quit (b->loop);
}

static gboolean
parse_name (const char *arg, NbName *ret)
{
  g_autofree char *text = g_strdup (arg);
  char *hash = strchr (text, '#');
  guint suffix = 0x03;

  if (hash != NULL) {
    *hash = '\0';
    suffix = (guint) g_ascii_strtoull (hash + 1, NULL, 16);
  }
  return suffix <= 0xff && nb_name_from_utf8 (ret, text, (guint8) suffix, NULL, NULL);
}

int
main (int argc, char **argv)
{
  g_autofree char *wins = NULL;
  int count = 20;
  gboolean cache = FALSE;
  GOptionEntry entries[] = {
    { "wins", 'w', 0, G_OPTION_ARG_STRING, &wins, "WINS server", "ADDRESS" },
    { "count", 'c', 0, G_OPTION_ARG_INT, &count, "Queries, one after the other", "N" },
    { "cache", 0, 0, G_OPTION_ARG_NONE, &cache, "Keep answers in the resolver's cache", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME[#TT]");
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) wins_ia = NULL;
  g_autoptr (GString) rtts = g_string_new (NULL);
  g_autoptr (GString) cached = g_string_new (NULL);
  NbTransport transport = { send_to, NULL };
  NbResolverConfig rc;
  Bench b = { 0 };
  NbName name;
  guint32 be;
  int ok = 0, lost = 0;
  GSource *src;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2 || wins == NULL
      || (wins_ia = g_inet_address_new_from_string (wins)) == NULL
      || g_inet_address_get_family (wins_ia) != G_SOCKET_FAMILY_IPV4
      || !parse_name (argv[1], &name)) {
    fprintf (stderr, "usage: wins-resolve --wins ADDRESS [--count N] [--cache] NAME[#TT]\n");
    return 2;
  }
  count = CLAMP (count, 1, 10000);
  memcpy (&be, g_inet_address_to_bytes (wins_ia), 4);

  b.socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                           G_SOCKET_PROTOCOL_UDP, &error);
  if (b.socket == NULL) {
    fprintf (stderr, "socket: %s\n", error->message);
    return 1;
  }
  {
    g_autoptr (GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
    g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (any, 0);

    if (!g_socket_bind (b.socket, sa, FALSE, &error)) {
      fprintf (stderr, "bind: %s\n", error->message);
      return 1;
    }
  }
  transport.user_data = &b;
  nb_resolver_config_init (&rc);
  rc.node_type = NB_NODE_P;
  rc.wins_servers[0] = g_ntohl (be);
  rc.n_wins_servers = 1;
  rc.cache_size = cache ? 16 : 0;
  b.resolver = nb_resolver_new (&rc, &transport, &error);
  if (b.resolver == NULL) {
    fprintf (stderr, "resolver: %s\n", error->message);
    return 1;
  }
  b.loop = g_main_loop_new (NULL, FALSE);
  nb_resolver_attach (b.resolver, NULL);
  src = g_socket_create_source (b.socket, G_IO_IN, NULL);
  g_source_set_callback (src, (GSourceFunc) (GCallback) on_readable, &b, NULL);
  g_source_attach (src, NULL);

  for (int i = 0; i < count; i++) {
    gint64 t0 = g_get_monotonic_time ();
    double ms;

    b.done = FALSE;
    if (nb_resolver_query (b.resolver, &name, NULL, t0, on_result, &b, &error) == 0) {
      fprintf (stderr, "query: %s\n", error->message);
      return 1;
    }
    g_main_loop_run (b.loop);
    ms = (double) (g_get_monotonic_time () - t0) / 1000.0;
    if (b.status != NB_QUERY_STATUS_FOUND) {
      lost++;
      continue;
    }
    ok++;
    g_string_append_printf (b.from_cache ? cached : rtts, "%s%.3f",
                            (b.from_cache ? cached : rtts)->len ? ", " : "", ms);
  }
  printf ("{\"ok\": %d, \"lost\": %d, \"rtt_ms\": [%s], \"cached_ms\": [%s]}\n", ok, lost,
          rtts->str, cached->str);
  g_source_destroy (src);
  g_source_unref (src);
  nb_resolver_free (b.resolver);
  g_main_loop_unref (b.loop);
  g_object_unref (b.socket);
  return ok > 0 ? 0 : 1;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */

/* TCP 139 (NetBIOS session service) and direct-hosted SMB ([ports]
 * direct-445): one NsTcpListener per interface address and port, one
 * MsgrSmbServer per connection (the protocol lives there); this file only
 * glues bytes, timers, the name table and the inbox together. */

#define G_LOG_DOMAIN "netsendd"

#include "receivers.h"

#include <netsend/msgr-smb-server.h>
#include <netsend/nb-transport.h>
#include <netsend/ns-net.h>
#include <netsend/ns-tcp.h>

typedef struct {
  guint64 connections;
  guint64 connections_refused;
  guint64 sessions_refused;
  guint64 error_responses;
  guint64 timeouts;
  guint64 protocol_closes;
} Counters;

struct _NsSmbReceiver {
  GPtrArray *listeners; /* Listener */
  NsReceiverEnv env;
  GHashTable *conns;    /* Conn (open connections) */
  guint16 next_group_id;
  Counters counters;
};

typedef struct {
  NsSmbReceiver *receiver;
  NsTcpListener *listener;
  NbSessionFraming framing;
} Listener;

/* One connection. Referenced by the TCP layer until @closed and by every
 * inbox submission until its answer, so a commit that finishes after the
 * peer left finds a valid (closed) object. */
typedef struct {
  gint ref;
  NsSmbReceiver *receiver; /* NULL once closed */
  NsTcpConnection *tcp;    /* NULL once closed */
  MsgrSmbServer *server;
  NbEngineTimer *timer;
  guint32 local_address;
  guint32 peer_address;
  guint16 peer_port;
} Conn;

static void handle_status (Conn *conn, MsgrSmbServerStatus status, GByteArray *out);

static Conn *
conn_ref (Conn *conn)
{
  g_atomic_int_inc (&conn->ref);
  return conn;
}

static void
conn_unref (Conn *conn)
{
  if (!g_atomic_int_dec_and_test (&conn->ref))
    return;
  g_assert (conn->tcp == NULL && conn->timer == NULL);
  msgr_smb_server_free (conn->server);
  g_free (conn);
}

/* ---- names ------------------------------------------------------------- */

static gboolean
is_server_name (const NbName *called, const NsReceiverEnv *env)
{
  static const guint8 smbserver[NB_NAME_LEN] = { '*', 'S', 'M', 'B', 'S', 'E', 'R', 'V', 'E', 'R',
                                                 ' ', ' ', ' ', ' ', ' ', NB_SUFFIX_SERVER };
  NbName probe;

  if (nb_name_suffix (called) != NB_SUFFIX_SERVER)
    return FALSE;
  nb_name_set_raw (&probe, smbserver);
  nb_name_set_scope (&probe, called->scope, NULL);
  if (nb_name_equal (&probe, called))
    return TRUE;
  if (!nb_name_from_utf8 (&probe, env->config->name, NB_SUFFIX_SERVER, env->config->dos_charset,
                          NULL)
      || !nb_name_set_scope (&probe, env->config->scope, NULL))
    return FALSE;
  return nb_name_equal (&probe, called);
}

/* RFC 1002 §5.2.2: a positive response for our message names (<03>); with
 * [policy] accept-smbserver also for *SMBSERVER<20> and COMPUTER<20>,
 * which Samba's client calls after a refusal (PROTOCOL.md §1.6.2); 0x82
 * "called name not present" for the rest. */
static guint8
on_session_request (const NbName *called, const NbName *calling, gpointer user_data)
{
  Conn *conn = user_data;
  NsSmbReceiver *r = conn->receiver;
  g_autofree char *text = NULL;

  if (nb_name_suffix (called) == NB_SUFFIX_MESSENGER && ns_names_holds (r->env.names, called, NULL))
    return 0;
  if (r->env.config->accept_smbserver && is_server_name (called, &r->env))
    return 0;
  r->counters.sessions_refused++;
  text = nb_name_to_display (called, r->env.config->dos_charset);
  g_debug ("smb: session request for %s refused: not one of our names", text);
  return NB_SESSION_ERR_CALLED_NOT_PRESENT;
}

/* ---- the inbox round trip ---------------------------------------------- */

/* The answer a refused sender gets (netsendd.conf(5), [policy]): "not
 * receiving messages" for policy refusals, "no room" for what may work
 * later (rate limit, size, inbox failure). */
static guint32
status_for (NsVerdict verdict)
{
  switch (verdict) {
    case NS_VERDICT_ACCEPTED:
      return 0;
    case NS_VERDICT_RATE_LIMITED:
    case NS_VERDICT_TOO_LARGE:
    case NS_VERDICT_STORE_FAILURE:
    case NS_VERDICT_MALFORMED:
      return SMB_STATUS_DOS (SMB_ERRSRV, SMB_ERRSRV_NOROOM);
    default:
      return SMB_STATUS_DOS (SMB_ERRSRV, SMB_ERRSRV_MSGOFF);
  }
}

static void
on_done (NsVerdict verdict, gint64 id, gpointer user_data)
{
  Conn *conn = user_data;
  g_autoptr (GByteArray) out = NULL;
  MsgrSmbServerStatus status;

  if (conn->tcp == NULL)
    return; /* the peer left: the message is stored (or not) all the same */
  out = g_byte_array_new ();
  status = msgr_smb_server_complete (conn->server, status_for (verdict), g_get_monotonic_time (),
                                     out);
  handle_status (conn, status, out);
}

static void
submit (Conn *conn)
{
  g_autoptr (MsgrSmbServerMessage) m = msgr_smb_server_take_message (conn->server);
  NsInboxSubmission s = { 0 };
  gsize len = 0;

  if (m == NULL)
    return;
  s.transport = NS_TRANSPORT_SMB;
  s.source = conn->peer_address;
  s.port = conn->peer_port;
  s.local_address = conn->local_address;
  s.from = m->from;
  s.to = m->to;
  s.text = g_bytes_get_data (m->text, &len);
  s.text_len = len;
  s.addressing = NS_INBOX_TO_NAME;
  ns_inbox_submit (conn->receiver->env.inbox, &s, on_done, conn_ref (conn),
                   (GDestroyNotify) conn_unref);
}

/* Writes what the machine produced and does what its status says. */
static void
handle_status (Conn *conn, MsgrSmbServerStatus status, GByteArray *out)
{
  if (out->len > 0)
    ns_tcp_connection_send (conn->tcp, out->data, out->len);
  switch (status) {
    case MSGR_SMB_SERVER_MESSAGE:
      submit (conn);
      break;
    case MSGR_SMB_SERVER_CLOSE:
      g_debug ("smb: closing the connection from %u.%u.%u.%u: %s", conn->peer_address >> 24,
               (conn->peer_address >> 16) & 0xff, (conn->peer_address >> 8) & 0xff,
               conn->peer_address & 0xff, msgr_smb_server_get_close_reason (conn->server));
      ns_tcp_connection_close (conn->tcp);
      break;
    case MSGR_SMB_SERVER_CONTINUE:
      break;
  }
  if (conn->timer != NULL)
    nb_engine_timer_update (conn->timer);
}

/* ---- connections ------------------------------------------------------- */

static gint64
conn_next_deadline (gpointer engine)
{
  return msgr_smb_server_next_deadline (((Conn *) engine)->server);
}

static void
conn_tick (gpointer engine, gint64 now_us)
{
  Conn *conn = engine;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  MsgrSmbServerStatus status = msgr_smb_server_tick (conn->server, now_us, out);

  if (status == MSGR_SMB_SERVER_CLOSE)
    conn->receiver->counters.timeouts++;
  handle_status (conn, status, out);
}

static gpointer
on_accepted (NsTcpConnection *tcp, gpointer user_data)
{
  Listener *l = user_data;
  NsSmbReceiver *r = l->receiver;
  const NsDaemonConfig *cfg = r->env.config;
  MsgrSmbServerConfig sc;
  Conn *conn = g_new0 (Conn, 1);

  conn->ref = 1;
  conn->receiver = r;
  conn->tcp = tcp;
  conn->local_address = ns_tcp_connection_get_local_address (tcp);
  conn->peer_address = ns_tcp_connection_get_peer_address (tcp);
  conn->peer_port = ns_tcp_connection_get_peer_port (tcp);
  msgr_smb_server_config_init (&sc);
  sc.framing = l->framing;
  sc.max_text = cfg->max_message_bytes;
  sc.idle_timeout_us = (gint64) cfg->idle_timeout_s * G_USEC_PER_SEC;
  sc.message_timeout_us = (gint64) cfg->message_timeout_s * G_USEC_PER_SEC;
  sc.first_group_id = r->next_group_id;
  sc.session_func = on_session_request;
  sc.user_data = conn;
  /* Group ids differ between connections: handy in captures. */
  r->next_group_id += 16;
  conn->server = msgr_smb_server_new (&sc, g_get_monotonic_time ());
  g_hash_table_add (r->conns, conn);
  r->counters.connections++;
  if (cfg->max_connections > 0 && g_hash_table_size (r->conns) > cfg->max_connections) {
    /* Over [limits] max-connections: RFC 1002 "insufficient resources" on
     * the session service, a plain close for direct-hosted SMB. */
    static const guint8 busy[] = { NB_SESSION_NEGATIVE_RESPONSE, 0, 0, 1,
                                   NB_SESSION_ERR_INSUFFICIENT_RESOURCES };

    r->counters.connections_refused++;
    if (l->framing == NB_SESSION_FRAMING_NBSS)
      ns_tcp_connection_send (tcp, busy, sizeof busy);
    ns_tcp_connection_close (tcp);
    return conn;
  }
  conn->timer = nb_engine_timer_new (g_main_context_get_thread_default (), conn_next_deadline,
                                     conn_tick, conn);
  return conn;
}

static void
on_received (NsTcpConnection *tcp, const guint8 *data, gsize len, gpointer conn_data)
{
  Conn *conn = conn_data;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  MsgrSmbServerStatus status;
  guint64 refused_before = conn->receiver->counters.sessions_refused;
  MsgrSmbServerStats before, after;

  msgr_smb_server_get_stats (conn->server, &before);
  status = msgr_smb_server_receive (conn->server, data, len, g_get_monotonic_time (), out);
  msgr_smb_server_get_stats (conn->server, &after);
  for (guint64 i = before.too_large; i < after.too_large; i++)
    ns_inbox_note_refused (conn->receiver->env.inbox, NS_TRANSPORT_SMB, conn->peer_address,
                           NS_VERDICT_TOO_LARGE, "the text grew past max-message-bytes");
  /* A close that is not a refused session request is a protocol error. */
  if (status == MSGR_SMB_SERVER_CLOSE
      && conn->receiver->counters.sessions_refused == refused_before) {
    conn->receiver->counters.protocol_closes++;
    ns_inbox_count_malformed (conn->receiver->env.inbox, NS_TRANSPORT_SMB, 1);
  }
  handle_status (conn, status, out);
}

static void
on_closed (NsTcpConnection *tcp, const GError *error, gpointer conn_data)
{
  Conn *conn = conn_data;
  NsSmbReceiver *r = conn->receiver;
  MsgrSmbServerStats stats;

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("smb: connection from %u.%u.%u.%u ended: %s", conn->peer_address >> 24,
             (conn->peer_address >> 16) & 0xff, (conn->peer_address >> 8) & 0xff,
             conn->peer_address & 0xff, error->message);
  msgr_smb_server_get_stats (conn->server, &stats);
  r->counters.error_responses += stats.error_responses;
  /* Oversized messages were counted as refusals already. */
  if (r->env.inbox != NULL && stats.error_responses > stats.too_large)
    ns_inbox_count_malformed (r->env.inbox, NS_TRANSPORT_SMB,
                              stats.error_responses - stats.too_large);
  g_hash_table_remove (r->conns, conn);
  g_clear_pointer (&conn->timer, nb_engine_timer_free);
  conn->tcp = NULL;
  conn->receiver = NULL;
  conn_unref (conn);
}

/* ---- the receiver ------------------------------------------------------ */

static void
listener_free (Listener *l)
{
  ns_tcp_listener_free (l->listener);
  g_free (l);
}

static gboolean
add_listener (NsSmbReceiver *r, const NsDaemonConfig *cfg, const NsIface *iface, guint16 port,
              NbSessionFraming framing, GError **error)
{
  NsTcpLimits limits = {
    .max_connections = cfg->max_connections,
    .max_per_source = cfg->max_connections_per_source,
  };
  g_autofree char *addr = ns_ipv4_to_string (iface->address);
  Listener *l;
  NsTcpListener *tcp = ns_tcp_listener_new (iface->address, port, &limits, error);

  if (tcp == NULL)
    return FALSE;
  l = g_new0 (Listener, 1);
  l->receiver = r;
  l->listener = tcp;
  l->framing = framing;
  g_ptr_array_add (r->listeners, l);
  g_info ("%s on %s: TCP %s:%u", framing == NB_SESSION_FRAMING_NBSS ? "Session service"
                                                                     : "Direct-hosted SMB",
          iface->name, addr, ns_tcp_listener_get_port (tcp));
  return TRUE;
}

NsSmbReceiver *
ns_smb_receiver_new (const NsDaemonConfig *config, const GPtrArray *ifaces, GError **error)
{
  g_autoptr (NsSmbReceiver) r = g_new0 (NsSmbReceiver, 1);

  r->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_free);
  r->conns = g_hash_table_new (g_direct_hash, g_direct_equal);
  r->next_group_id = (guint16) g_random_int_range (1, 0x10000);
  for (guint i = 0; i < ifaces->len; i++) {
    const NsIface *iface = g_ptr_array_index (ifaces, i);

    if (config->session_port != 0
        && !add_listener (r, config, iface, config->session_port, NB_SESSION_FRAMING_NBSS, error))
      return NULL;
    if (config->direct_port != 0
        && !add_listener (r, config, iface, config->direct_port, NB_SESSION_FRAMING_DIRECT, error))
      return NULL;
  }
  return g_steal_pointer (&r);
}

void
ns_smb_receiver_start (NsSmbReceiver *r, const NsReceiverEnv *env)
{
  static const NsTcpFuncs funcs = {
    .accepted = on_accepted,
    .received = on_received,
    .closed = on_closed,
  };

  r->env = *env;
  for (guint i = 0; i < r->listeners->len; i++) {
    Listener *l = g_ptr_array_index (r->listeners, i);

    ns_tcp_listener_start (l->listener, &funcs, l);
  }
}

void
ns_smb_receiver_free (NsSmbReceiver *r)
{
  if (r == NULL)
    return;
  /* Each listener closes its connections (on_closed runs for each). */
  g_ptr_array_unref (r->listeners);
  g_hash_table_unref (r->conns);
  g_free (r);
}

void
ns_smb_receiver_add_status (NsSmbReceiver *r, GVariantBuilder *b)
{
  const Counters *c = &r->counters;

  g_variant_builder_add (b, "{sv}", "smb-connections-open",
                         g_variant_new_uint32 (g_hash_table_size (r->conns)));
  g_variant_builder_add (b, "{sv}", "smb-connections", g_variant_new_uint64 (c->connections));
  g_variant_builder_add (b, "{sv}", "smb-connections-refused",
                         g_variant_new_uint64 (c->connections_refused));
  g_variant_builder_add (b, "{sv}", "smb-sessions-refused",
                         g_variant_new_uint64 (c->sessions_refused));
  g_variant_builder_add (b, "{sv}", "smb-error-responses",
                         g_variant_new_uint64 (c->error_responses));
  g_variant_builder_add (b, "{sv}", "smb-timeouts", g_variant_new_uint64 (c->timeouts));
  g_variant_builder_add (b, "{sv}", "smb-protocol-closes",
                         g_variant_new_uint64 (c->protocol_closes));
}

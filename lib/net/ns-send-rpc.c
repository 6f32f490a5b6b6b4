/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NetrSendMessage delivery over UDP: drives the pure #MsgrRpcClient
 * (lib/engine) on an ephemeral UDP socket. The first REQUEST goes to the
 * RPC port (135); later packets go to the port the server answered from,
 * since a Windows endpoint mapper forwards the call to the dynamic endpoint
 * of msgsvcsend, which answers itself (PROTOCOL.md §4.1, MS-RPCE §2.1.2.1).
 *
 * That forwarding is why the socket stays unconnected (a connected one
 * would drop the answer from the other port), and why it has IP_RECVERR:
 * without it Linux reports no ICMP error to an unconnected UDP socket, and
 * a host with UDP 135 closed (ICMP port unreachable) would cost the whole
 * timeout instead of failing at once like a refused TCP connection
 * (ip(7) IP_RECVERR; RFC 1122 §4.1.3.3: UDP passes ICMP errors up). */
#include "ns-send-private.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/socket.h>

#include "netsend/msgr-rpc-client.h"

/* A NetrSendMessage answer fits one datagram (PROTOCOL.md §4.1). */
#define MAX_DATAGRAM 65536
/* Datagrams (and queued errors) handled per wake-up, so that a flood
 * cannot hold the main loop. */
#define MAX_PER_WAKEUP 16

typedef struct {
  NsSender *sender;
  GTask *task;
  NsOpGuard guard;
  gboolean done;
  guint32 ipv4;
  guint16 port; /* where our packets go */
  MsgrRpcClient *machine;
  GSocket *sock;
  GSource *source; /* readable or error queued */
  GSource *timer;
  GByteArray *out;
  gboolean answered;
} RpcOp;

static void
drop_timer (RpcOp *op)
{
  if (op->timer != NULL) {
    g_source_destroy (op->timer);
    g_clear_pointer (&op->timer, g_source_unref);
  }
}

static void
close_socket (RpcOp *op)
{
  if (op->source != NULL) {
    g_source_destroy (op->source);
    g_clear_pointer (&op->source, g_source_unref);
  }
  if (op->sock != NULL) {
    g_socket_close (op->sock, NULL);
    g_clear_object (&op->sock);
  }
}

static void
rpc_op_free (RpcOp *op)
{
  drop_timer (op);
  _ns_op_guard_clear (&op->guard);
  close_socket (op);
  g_clear_pointer (&op->machine, msgr_rpc_client_free);
  g_byte_array_unref (op->out);
  _ns_sender_unref (op->sender);
  g_free (op);
}

static void
rpc_op_return (RpcOp *op, GError *error)
{
  GTask *task = op->task;

  op->done = TRUE;
  drop_timer (op);
  _ns_op_guard_clear (&op->guard);
  /* No more datagrams: the socket goes now, not when the task dies. */
  close_socket (op);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void arm_timer (RpcOp *op);

static gboolean
send_out (RpcOp *op, GError **error)
{
  g_autoptr (GSocketAddress) to = _ns_socket_address_new (op->ipv4, op->port);

  return g_socket_send_to (op->sock, to, (const char *) op->out->data, op->out->len, NULL,
                           error) >= 0;
}

/* Sends what the machine produced, then ends or re-arms. */
static void
after_step (RpcOp *op, MsgrRpcClientStatus status)
{
  g_autoptr (GError) error = NULL;

  if (op->out->len > 0 && !send_out (op, &error))
    /* Like a datagram lost on the wire: the timer retransmits. */
    g_debug ("ns-send-rpc: send failed: %s", error->message);
  g_byte_array_set_size (op->out, 0);
  switch (status) {
    case MSGR_RPC_CLIENT_RUNNING:
      arm_timer (op);
      break;
    case MSGR_RPC_CLIENT_DELIVERED:
      rpc_op_return (op, NULL);
      break;
    case MSGR_RPC_CLIENT_FAILED:
    default:
      rpc_op_return (op, g_error_copy (msgr_rpc_client_get_error (op->machine)));
      break;
  }
}

static gboolean
on_timer (gpointer user_data)
{
  RpcOp *op = user_data;

  g_clear_pointer (&op->timer, g_source_unref);
  after_step (op, msgr_rpc_client_tick (op->machine, g_get_monotonic_time (), op->out));
  return G_SOURCE_REMOVE;
}

static void
arm_timer (RpcOp *op)
{
  gint64 deadline = msgr_rpc_client_next_deadline (op->machine);

  drop_timer (op);
  if (deadline < 0)
    return;
  op->timer = g_timeout_source_new ((guint) MAX (0, (deadline - g_get_monotonic_time () + 999)
                                                      / 1000));
  g_source_set_callback (op->timer, on_timer, op, NULL);
  g_source_attach (op->timer, g_main_context_get_thread_default ());
}

static void
on_datagram (RpcOp *op, const guint8 *data, gsize len, guint32 src_ipv4, guint16 src_port)
{
  if (op->done || src_ipv4 != op->ipv4)
    return;
  op->answered = TRUE;
  op->port = src_port;
  after_step (op, msgr_rpc_client_receive (op->machine, data, len, g_get_monotonic_time (),
                                           op->out));
}

static GError *
unreachable_error (RpcOp *op, guint8 code, guint16 port, int error_code)
{
  g_autofree char *ip = ns_ipv4_to_string (op->ipv4);
  g_autofree char *text = _ns_send_unreachable_text (op->ipv4, port, error_code);

  switch (code) {
    case ICMP_PORT_UNREACH:
      /* "port 135 unreachable on 10.1.2.3 (ICMP port unreachable: ...)" */
      return g_error_new_literal (NS_SEND_ERROR, NS_SEND_ERROR_CONNECTION_REFUSED, text);
    case ICMP_NET_UNREACH:
    case ICMP_HOST_UNREACH:
    case ICMP_NET_ANO:
    case ICMP_HOST_ANO:
    case ICMP_PKT_FILTERED:
      return g_error_new (NS_SEND_ERROR, NS_SEND_ERROR_HOST_UNREACHABLE,
                          "%s is unreachable (ICMP destination unreachable, code %u)", ip, code);
    default:
      return NULL; /* e.g. fragmentation needed: not a verdict on the host */
  }
}

typedef struct {
  RpcOp *op;
  GError *verdict;
} Drain;

static void
on_unreachable (guint32 dst_ipv4, guint16 dst_port, guint8 code, int error_code,
                const guint8 *quoted, gsize quoted_len, gpointer user_data)
{
  Drain *drain = user_data;

  /* Only errors about our host count; the first verdict stands. */
  if (drain->verdict == NULL && dst_ipv4 == drain->op->ipv4)
    drain->verdict = unreachable_error (drain->op, code, dst_port, error_code);
}

/* Empties the socket's error queue (an unread entry keeps it reporting
 * G_IO_ERR). Returns the error an ICMP destination unreachable about a
 * datagram to our host means, or NULL. */
static GError *
drain_errors (RpcOp *op)
{
  Drain drain = { op, NULL };
  guint8 payload[64];

  _ns_udp_drain_error_queue (op->sock, MAX_PER_WAKEUP, payload, sizeof payload, on_unreachable,
                             &drain);
  return drain.verdict;
}

static void
receive_datagrams (RpcOp *op)
{
  guint8 buf[MAX_DATAGRAM];

  for (guint i = 0; i < MAX_PER_WAKEUP && !op->done; i++) {
    g_autoptr (GSocketAddress) from = NULL;
    g_autoptr (GError) error = NULL;
    gssize n = g_socket_receive_from (op->sock, &from, (char *) buf, sizeof buf, NULL, &error);
    guint32 from_ipv4;
    guint16 from_port;

    if (n < 0) {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      /* The pending ICMP error once more (IP_RECVERR sets it on the
       * socket too); drain_errors() judged it. */
      g_debug ("ns-send-rpc: receive: %s", error->message);
      continue;
    }
    if (!_ns_socket_address_get (from, &from_ipv4, &from_port))
      continue;
    on_datagram (op, buf, (gsize) n, from_ipv4, from_port);
  }
}

static gboolean
on_socket_ready (GSocket *sock, GIOCondition condition, gpointer user_data)
{
  RpcOp *op = user_data;
  /* Ending the operation may drop the last other reference to the task,
   * which owns @op. */
  g_autoptr (GTask) hold = g_object_ref (op->task);
  GError *verdict = drain_errors (op);

  if (verdict != NULL) {
    rpc_op_return (op, verdict);
    return G_SOURCE_REMOVE;
  }
  receive_datagrams (op);
  return op->done ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* An unconnected socket on an ephemeral port that reports ICMP errors. */
static GSocket *
open_socket (GError **error)
{
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (GSocketAddress) any = _ns_socket_address_new (0, 0);

  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                       error);
  if (sock == NULL || !g_socket_bind (sock, any, FALSE, error) ||
      !g_socket_set_option (sock, IPPROTO_IP, IP_RECVERR, 1, error))
    return NULL;
  g_socket_set_blocking (sock, FALSE);
  return g_steal_pointer (&sock);
}

static void
rpc_abort (gpointer data, gboolean timed_out)
{
  RpcOp *op = data;

  if (op->done)
    return;
  rpc_op_return (op, _ns_op_guard_error (&op->guard, "waiting for the NetrSendMessage answer"));
}

void
_ns_send_rpc_async (NsSender *sender, guint32 ipv4, const char *to_oem, GBytes *text,
                    gint64 deadline_us, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  RpcOp *op = g_new0 (RpcOp, 1);
  MsgrRpcClientConfig config;
  GError *error = NULL;
  gint64 now = g_get_monotonic_time ();

  op->sender = _ns_sender_ref (sender);
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, _ns_send_rpc_async);
  g_task_set_task_data (op->task, op, (GDestroyNotify) rpc_op_free);
  op->ipv4 = ipv4;
  op->port = sender->port_rpc;
  op->out = g_byte_array_new ();
  _ns_op_guard_init (&op->guard, sender, cancellable, deadline_us, rpc_abort, op);

  memset (&config, 0, sizeof config);
  config.from = sender->from_oem;
  config.to = to_oem;
  config.text = text;
  config.total_timeout_us = deadline_us > now ? deadline_us - now : 1;
  op->machine = msgr_rpc_client_new (&config, &error);
  if (op->machine == NULL) {
    rpc_op_return (op, error);
    return;
  }
  op->sock = open_socket (&error);
  if (op->sock == NULL) {
    rpc_op_return (op, g_error_new (NS_SEND_ERROR, NS_SEND_ERROR_NETWORK,
                                    "cannot open a UDP socket: %s", error->message));
    g_error_free (error);
    return;
  }
  op->source = g_socket_create_source (op->sock, G_IO_IN | G_IO_ERR, NULL);
  g_source_set_callback (op->source, G_SOURCE_FUNC (on_socket_ready), op, NULL);
  g_source_attach (op->source, g_main_context_get_thread_default ());
  after_step (op, msgr_rpc_client_start (op->machine, now, op->out));
}

gboolean
_ns_send_rpc_finish (GAsyncResult *result, guint *ret_windows_code, gboolean *ret_answered,
                     GError **error)
{
  GTask *task = G_TASK (result);
  RpcOp *op = g_task_get_task_data (task);

  if (ret_windows_code != NULL)
    *ret_windows_code = op->machine != NULL ? msgr_rpc_client_get_windows_code (op->machine)
                                            : 0;
  if (ret_answered != NULL)
    *ret_answered = op->answered;
  return g_task_propagate_boolean (task, error);
}

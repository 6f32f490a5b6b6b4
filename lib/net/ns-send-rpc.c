/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NetrSendMessage delivery over UDP: drives the pure #MsgrRpcClient
 * (lib/engine) on an ephemeral UDP endpoint. The first REQUEST goes to the
 * RPC port (135); later packets go to the port the server answered from,
 * since a Windows endpoint mapper forwards the call to the dynamic endpoint
 * of msgsvcsend, which answers itself (PROTOCOL.md §4.1, MS-RPCE §2.1.2.1). */
#include "ns-send-private.h"

#include <string.h>

#include "netsend/msgr-rpc-client.h"

typedef struct {
  NsSender *sender;
  GTask *task;
  NsOpGuard guard;
  gboolean done;
  guint32 ipv4;
  guint16 port; /* where our packets go */
  MsgrRpcClient *machine;
  NsUdpEndpoint *ep;
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
rpc_op_free (RpcOp *op)
{
  drop_timer (op);
  _ns_op_guard_clear (&op->guard);
  g_clear_pointer (&op->ep, ns_udp_endpoint_free);
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
  /* No more datagrams: the endpoint goes now, not when the task dies. */
  g_clear_pointer (&op->ep, ns_udp_endpoint_free);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void arm_timer (RpcOp *op);

/* Sends what the machine produced, then ends or re-arms. */
static void
after_step (RpcOp *op, MsgrRpcClientStatus status)
{
  g_autoptr (GError) error = NULL;

  if (op->out->len > 0 &&
      !ns_udp_endpoint_send_to (op->ep, op->out->data, op->out->len, op->ipv4, op->port,
                                &error))
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
on_datagram (NsUdpEndpoint *ep, const guint8 *data, gsize len, guint32 src_ipv4,
             guint16 src_port, gboolean to_broadcast, gpointer user_data)
{
  RpcOp *op = user_data;

  if (op->done || src_ipv4 != op->ipv4)
    return;
  op->answered = TRUE;
  op->port = src_port;
  after_step (op, msgr_rpc_client_receive (op->machine, data, len, g_get_monotonic_time (),
                                           op->out));
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
  NsIface any = { (char *) "any", 0, 0, 0, 0, FALSE, { 0 } };
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
  op->ep = ns_udp_endpoint_new (&any, 0, NS_UDP_NONE, &error);
  if (op->ep == NULL) {
    rpc_op_return (op, g_error_new (NS_SEND_ERROR, NS_SEND_ERROR_NETWORK,
                                    "cannot open a UDP socket: %s", error->message));
    g_error_free (error);
    return;
  }
  ns_udp_endpoint_set_receive_func (op->ep, on_datagram, op, NULL);
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

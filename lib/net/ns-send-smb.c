/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SMB delivery over TCP: drives the pure #MsgrSmbClient (lib/engine) over
 * a GSocketConnection. One request at a time: write what the machine
 * produced, read until it has the answer (MS-MSRP §3.2.4.4: the sender
 * SHOULD wait for each response). */
#include "ns-send-private.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "netsend/smb-msgr.h"

/* RFC 1002 §5.3.1.1: a retarget may point to another retarget; we follow a
 * few, not a loop. */
#define MAX_RETARGETS 3
#define READ_CHUNK 2048

typedef struct {
  NsSender *sender;
  GTask *task;
  NsOpGuard guard;
  gboolean done;

  NbName called;
  char to_oem[NB_NAME_MAX_CHARS + 1];
  GBytes *text;
  MsgrSmbMode mode;
  guint32 ipv4;
  guint16 port;

  MsgrSmbClient *machine;
  GSocketClient *client;
  GSocketConnection *conn;
  GByteArray *out;
  GBytes *writing;
  guint8 buf[READ_CHUNK];
  guint retargets;
  gboolean retried_multi;
  gboolean multi_used;
  gboolean answered; /* some receiver answered an SMB */
} SmbOp;

static void
close_connection (SmbOp *op)
{
  if (op->conn != NULL) {
    /* A TCP close does not block. */
    g_io_stream_close (G_IO_STREAM (op->conn), NULL, NULL);
    g_clear_object (&op->conn);
  }
}

static void
smb_op_free (SmbOp *op)
{
  close_connection (op);
  _ns_op_guard_clear (&op->guard);
  g_clear_pointer (&op->machine, msgr_smb_client_free);
  g_clear_object (&op->client);
  g_byte_array_unref (op->out);
  g_clear_pointer (&op->writing, g_bytes_unref);
  g_bytes_unref (op->text);
  _ns_sender_unref (op->sender);
  g_free (op);
}

/* Ends @op (takes @error). In-flight I/O holds task references and finds
 * op->done set. */
static void
smb_op_return (SmbOp *op, GError *error)
{
  GTask *task = op->task;

  op->done = TRUE;
  close_connection (op);
  _ns_op_guard_clear (&op->guard);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static char *
peer_text (SmbOp *op)
{
  g_autofree char *ip = ns_ipv4_to_string (op->ipv4);

  return g_strdup_printf ("%s:%u", ip, op->port);
}

static void smb_attempt (SmbOp *op);
static void write_out (SmbOp *op);

static void
handle_status (SmbOp *op, MsgrSmbClientStatus status)
{
  guint32 ipv4;
  guint16 port;

  if (msgr_smb_client_get_n_responses (op->machine) > 0)
    op->answered = TRUE;
  op->multi_used = op->multi_used || msgr_smb_client_is_multi_block (op->machine);
  switch (status) {
    case MSGR_SMB_CLIENT_RUNNING:
      write_out (op);
      return;
    case MSGR_SMB_CLIENT_DELIVERED:
      smb_op_return (op, NULL);
      return;
    case MSGR_SMB_CLIENT_FAILED:
      smb_op_return (op, g_error_copy (msgr_smb_client_get_error (op->machine)));
      return;
    case MSGR_SMB_CLIENT_RETRY_MULTIBLOCK:
      /* Samba drops a first 0xD0 (errata 3): deliver again with
       * 0xD5/0xD7/0xD6 and remember the host for the rest of the run. */
      g_hash_table_add (op->sender->multi_hosts, GUINT_TO_POINTER (op->ipv4));
      if (op->retried_multi) {
        smb_op_return (op, g_error_new_literal (NS_SEND_ERROR, NS_SEND_ERROR_PROTOCOL,
                                                "the receiver dropped the connection twice"));
        return;
      }
      op->retried_multi = TRUE;
      op->mode = MSGR_SMB_MODE_MULTI;
      close_connection (op);
      smb_attempt (op);
      return;
    case MSGR_SMB_CLIENT_RETARGET:
      msgr_smb_client_get_retarget (op->machine, &ipv4, &port);
      if (++op->retargets > MAX_RETARGETS) {
        smb_op_return (op, g_error_new (NS_SEND_ERROR, NS_SEND_ERROR_SESSION_REFUSED,
                                        "more than %d session retargets", MAX_RETARGETS));
        return;
      }
      op->ipv4 = ipv4;
      op->port = port;
      close_connection (op);
      smb_attempt (op);
      return;
    default:
      g_assert_not_reached ();
  }
}

static void
on_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  SmbOp *op = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  MsgrSmbClientStatus status;

  if (op->done)
    return;
  g_byte_array_set_size (op->out, 0);
  if (n > 0)
    status = msgr_smb_client_receive (op->machine, op->buf, (gsize) n, op->out);
  else
    /* EOF is an orderly close; an error here is a reset. */
    status = msgr_smb_client_closed (op->machine, n < 0);
  handle_status (op, status);
}

static void
read_more (SmbOp *op)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (op->conn));

  g_input_stream_read_async (in, op->buf, sizeof op->buf, G_PRIORITY_DEFAULT, op->guard.cancel,
                             on_read, g_object_ref (op->task));
}

static void
on_written (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  SmbOp *op = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, &error);
  if (op->done)
    return;
  g_clear_pointer (&op->writing, g_bytes_unref);
  if (error != NULL) {
    /* The peer went away before taking our request: treat like a reset
     * right after it (Samba may close before we finish writing). */
    g_byte_array_set_size (op->out, 0);
    handle_status (op, msgr_smb_client_closed (op->machine, TRUE));
    return;
  }
  read_more (op);
}

static void
write_out (SmbOp *op)
{
  GOutputStream *out_stream = g_io_stream_get_output_stream (G_IO_STREAM (op->conn));
  gsize len;
  const guint8 *data;

  if (op->out->len == 0) {
    read_more (op);
    return;
  }
  op->writing = g_bytes_new (op->out->data, op->out->len);
  g_byte_array_set_size (op->out, 0);
  data = g_bytes_get_data (op->writing, &len);
  g_output_stream_write_all_async (out_stream, data, len, G_PRIORITY_DEFAULT, op->guard.cancel,
                                   on_written, g_object_ref (op->task));
}

static void
on_connected (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  SmbOp *op = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  GSocketConnection *conn = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), res,
                                                            &error);

  if (op->done) {
    g_clear_object (&conn);
    return;
  }
  if (conn == NULL) {
    g_autofree char *peer = peer_text (op);
    g_autofree char *what = g_strdup_printf ("cannot connect to %s", peer);

    smb_op_return (op, _ns_send_error_from_io (error, what));
    return;
  }
  op->conn = conn;
  g_socket_set_option (g_socket_connection_get_socket (conn), IPPROTO_TCP, TCP_NODELAY, 1,
                       NULL);
  g_byte_array_set_size (op->out, 0);
  handle_status (op, msgr_smb_client_start (op->machine, op->out));
}

static void
smb_attempt (SmbOp *op)
{
  MsgrSmbClientConfig config;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) address = NULL;

  memset (&config, 0, sizeof config);
  config.called = op->called;
  config.calling = op->sender->calling;
  config.from = op->sender->from_oem;
  config.to = op->to_oem;
  config.text = op->text;
  config.codepage = op->sender->codepage;
  config.mode = op->mode;
  /* Port 445 is SMB without NetBIOS: no session request (errata 4). */
  config.framing = op->port == NS_SEND_PORT_DIRECT ? NB_SESSION_FRAMING_DIRECT
                                                   : NB_SESSION_FRAMING_NBSS;
  g_clear_pointer (&op->machine, msgr_smb_client_free);
  op->machine = msgr_smb_client_new (&config, &error);
  if (op->machine == NULL) {
    smb_op_return (op, g_steal_pointer (&error));
    return;
  }
  address = _ns_socket_address_new (op->ipv4, op->port);
  g_socket_client_connect_async (op->client, G_SOCKET_CONNECTABLE (address), op->guard.cancel,
                                 on_connected, g_object_ref (op->task));
}

static void
smb_abort (gpointer data, gboolean timed_out)
{
  SmbOp *op = data;

  if (op->done)
    return;
  if (!timed_out) {
    smb_op_return (op, _ns_op_guard_error (&op->guard, ""));
    return;
  }
  if (op->conn == NULL) {
    g_autofree char *peer = peer_text (op);

    smb_op_return (op, g_error_new (NS_SEND_ERROR, NS_SEND_ERROR_TIMEOUT,
                                    "timed out connecting to %s", peer));
    return;
  }
  /* The machine names the answer we were waiting for. */
  msgr_smb_client_timeout (op->machine);
  smb_op_return (op, g_error_copy (msgr_smb_client_get_error (op->machine)));
}

void
_ns_send_smb_async (NsSender *sender, const NsSmbDelivery *delivery,
                    GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data)
{
  SmbOp *op = g_new0 (SmbOp, 1);

  op->sender = _ns_sender_ref (sender);
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, _ns_send_smb_async);
  g_task_set_task_data (op->task, op, (GDestroyNotify) smb_op_free);
  op->called = delivery->called;
  g_strlcpy (op->to_oem, delivery->to_oem, sizeof op->to_oem);
  op->text = g_bytes_ref (delivery->text);
  op->mode = delivery->mode;
  op->ipv4 = delivery->ipv4;
  op->port = delivery->port;
  op->out = g_byte_array_new ();
  op->client = g_socket_client_new ();
  /* Straight to the address: no proxy (a Messenger session is not
   * something a proxy could carry). */
  g_socket_client_set_enable_proxy (op->client, FALSE);
  _ns_op_guard_init (&op->guard, sender, cancellable, delivery->deadline_us, smb_abort, op);
  smb_attempt (op);
}

gboolean
_ns_send_smb_finish (GAsyncResult *result, gboolean *ret_multi_block, gboolean *ret_connected,
                     GError **error)
{
  GTask *task = G_TASK (result);
  SmbOp *op = g_task_get_task_data (task);

  if (ret_multi_block != NULL)
    *ret_multi_block = op->multi_used;
  if (ret_connected != NULL)
    *ret_connected = op->answered;
  return g_task_propagate_boolean (task, error);
}

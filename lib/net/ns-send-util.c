/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small pieces of the sender: operation guards (cancellation and
 * deadlines), GIO error mapping, and the enum and result helpers of
 * <netsend/ns-send.h>. */
#include "ns-send-private.h"

#include <errno.h>

#include <string.h>

/* ---- Operation guard ------------------------------------------------------ */

static void
guard_fire (NsOpGuard *guard, gboolean timed_out)
{
  if (guard->aborted)
    return;
  guard->aborted = TRUE;
  guard->timed_out = timed_out;
  g_cancellable_cancel (guard->cancel);
  if (guard->abort != NULL)
    guard->abort (guard->op, timed_out);
}

static gboolean
on_guard_cancelled (GCancellable *cancellable, gpointer user_data)
{
  guard_fire (user_data, FALSE);
  return G_SOURCE_REMOVE;
}

static gboolean
on_guard_timeout (gpointer user_data)
{
  guard_fire (user_data, TRUE);
  return G_SOURCE_REMOVE;
}

static GSource *
attach (GSource *source, GSourceFunc func, gpointer data, GMainContext *context)
{
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, context);
  return source;
}

void
_ns_op_guard_init (NsOpGuard *guard, NsSender *sender, GCancellable *outer,
                   gint64 deadline_us, NsOpAbortFunc abort, gpointer op)
{
  GMainContext *context = g_main_context_get_thread_default ();

  memset (guard, 0, sizeof *guard);
  guard->cancel = g_cancellable_new ();
  guard->abort = abort;
  guard->op = op;
  /* Cancellable sources run from the main loop, so the handlers can
   * finish the operation (no g_cancellable_disconnect() deadlock). */
  if (outer != NULL)
    guard->outer_source = attach (g_cancellable_source_new (outer),
                                  G_SOURCE_FUNC (on_guard_cancelled), guard, context);
  guard->sender_source = attach (g_cancellable_source_new (sender->cancellable),
                                 G_SOURCE_FUNC (on_guard_cancelled), guard, context);
  if (deadline_us > 0) {
    gint64 left_ms = MAX (0, (deadline_us - g_get_monotonic_time () + 999) / 1000);

    guard->timer = attach (g_timeout_source_new ((guint) MIN (left_ms, G_MAXUINT)),
                           on_guard_timeout, guard, context);
  }
}

static void
drop_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

void
_ns_op_guard_clear (NsOpGuard *guard)
{
  drop_source (&guard->outer_source);
  drop_source (&guard->sender_source);
  drop_source (&guard->timer);
  g_clear_object (&guard->cancel);
}

GError *
_ns_op_guard_error (const NsOpGuard *guard, const char *what)
{
  if (guard->timed_out)
    return g_error_new (NS_SEND_ERROR, NS_SEND_ERROR_TIMEOUT, "timed out %s", what);
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
}

char *
_ns_send_unreachable_text (guint32 ipv4, guint16 port, int error_code)
{
  g_autofree char *ip = ns_ipv4_to_string (ipv4);

  /* Linux makes ECONNREFUSED of ICMP port unreachable and EHOSTUNREACH,
   * ENETUNREACH, EACCES (filtered) ... of the other destination
   * unreachable codes (icmp_err_convert). */
  if (error_code == ECONNREFUSED)
    return g_strdup_printf ("port %u unreachable on %s (ICMP port unreachable: nothing "
                            "listens on UDP %u)", port, ip, port);
  return g_strdup_printf ("port %u unreachable on %s (ICMP destination unreachable: %s)", port,
                          ip, g_strerror (error_code));
}

GError *
_ns_send_error_from_io (const GError *io, const char *what)
{
  NsSendError code = NS_SEND_ERROR_NETWORK;

  if (io->domain == G_IO_ERROR) {
    switch (io->code) {
      case G_IO_ERROR_CANCELLED:
        return g_error_copy (io);
      case G_IO_ERROR_CONNECTION_REFUSED:
        code = NS_SEND_ERROR_CONNECTION_REFUSED;
        break;
      case G_IO_ERROR_HOST_UNREACHABLE:
      case G_IO_ERROR_NETWORK_UNREACHABLE:
        code = NS_SEND_ERROR_HOST_UNREACHABLE;
        break;
      case G_IO_ERROR_TIMED_OUT:
        code = NS_SEND_ERROR_TIMEOUT;
        break;
      default:
        break;
    }
  }
  return g_error_new (NS_SEND_ERROR, code, "%s: %s", what, io->message);
}

/* ---- Enums and results ------------------------------------------------------ */

const char *
ns_send_transport_to_string (NsSendTransport transport)
{
  switch (transport) {
    case NS_SEND_TRANSPORT_AUTO: return "auto";
    case NS_SEND_TRANSPORT_SMB: return "smb";
    case NS_SEND_TRANSPORT_MAILSLOT: return "mailslot";
    case NS_SEND_TRANSPORT_RPC: return "rpc";
    default: return "unknown";
  }
}

gboolean
ns_send_transport_from_string (const char *text, NsSendTransport *ret)
{
  static const NsSendTransport all[] = {
    NS_SEND_TRANSPORT_AUTO, NS_SEND_TRANSPORT_SMB, NS_SEND_TRANSPORT_MAILSLOT,
    NS_SEND_TRANSPORT_RPC,
  };

  g_return_val_if_fail (ret != NULL, FALSE);
  for (gsize i = 0; text != NULL && i < G_N_ELEMENTS (all); i++) {
    if (g_ascii_strcasecmp (text, ns_send_transport_to_string (all[i])) == 0) {
      *ret = all[i];
      return TRUE;
    }
  }
  return FALSE;
}

const char *
ns_send_outcome_to_string (NsSendOutcome outcome)
{
  switch (outcome) {
    case NS_SEND_DELIVERED: return "delivered";
    case NS_SEND_SENT: return "sent";
    case NS_SEND_FAILED: return "failed";
    default: return "unknown";
  }
}

NsSendResult *
ns_send_result_copy (const NsSendResult *result)
{
  NsSendResult *copy;

  g_return_val_if_fail (result != NULL, NULL);
  copy = g_new0 (NsSendResult, 1);
  *copy = *result;
  copy->recipient = g_strdup (result->recipient);
  copy->address = g_strdup (result->address);
  copy->error = result->error != NULL ? g_error_copy (result->error) : NULL;
  return copy;
}

void
ns_send_result_free (NsSendResult *result)
{
  if (result == NULL)
    return;
  g_free (result->recipient);
  g_free (result->address);
  g_clear_error (&result->error);
  g_free (result);
}

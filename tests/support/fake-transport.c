/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fake-transport.h"

static gboolean
fake_send (gpointer user_data, const guint8 *data, gsize len, guint32 dst_ipv4,
           guint16 dst_port, gboolean broadcast, GError **error)
{
  FakeTransport *ft = user_data;
  FakeSent *sent;

  if (ft->fail) {
    g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "fake send failure");
    return FALSE;
  }
  sent = g_new0 (FakeSent, 1);
  sent->data = g_bytes_new (data, len);
  sent->dst = dst_ipv4;
  sent->port = dst_port;
  sent->broadcast = broadcast;
  sent->time_us = *ft->clock;
  g_ptr_array_add (ft->sent, sent);
  return TRUE;
}

void
fake_sent_free (FakeSent *sent)
{
  if (sent == NULL)
    return;
  g_bytes_unref (sent->data);
  g_free (sent);
}

FakeTransport *
fake_transport_new (const gint64 *clock)
{
  FakeTransport *ft = g_new0 (FakeTransport, 1);

  ft->transport.send = fake_send;
  ft->transport.user_data = ft;
  ft->sent = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_sent_free);
  ft->clock = clock;
  return ft;
}

void
fake_transport_free (FakeTransport *ft)
{
  if (ft == NULL)
    return;
  g_ptr_array_unref (ft->sent);
  g_free (ft);
}

guint
fake_transport_count (const FakeTransport *ft)
{
  return ft->sent->len;
}

FakeSent *
fake_transport_pop (FakeTransport *ft)
{
  if (ft->sent->len == 0)
    return NULL;
  return g_ptr_array_steal_index (ft->sent, 0);
}

void
fake_transport_clear (FakeTransport *ft)
{
  g_ptr_array_set_size (ft->sent, 0);
}

void
fake_clock_run_until (gint64 *clock, gint64 until, NbEngineNextDeadlineFunc next_deadline,
                      NbEngineTickFunc tick, gpointer engine)
{
  for (guint n = 0;; n++) {
    gint64 deadline = next_deadline (engine);

    g_assert_cmpuint (n, <, 100000);
    if (deadline == NB_ENGINE_NO_DEADLINE || deadline > until)
      break;
    if (deadline > *clock)
      *clock = deadline;
    tick (engine, *clock);
  }
  if (until > *clock)
    *clock = until;
}

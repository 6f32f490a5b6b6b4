/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Delivery of stored messages and the ListMessages read; see delivery.h.
 * The channels are delivery-hook.c and delivery-tty.c; the journal record
 * and the D-Bus signal are here. */

#define G_LOG_DOMAIN "netsendd"

#include "delivery.h"

#include "control-errors.h"
#include "delivery-hook.h"
#include "delivery-tty.h"
#include "delivery-util.h"
#include "format.h"

struct _NsDelivery {
  const NsDaemonConfig *config;
  NsControl *control;
  char *store_path;
  NsHookRunner *hooks;
  NsTtyWriter *ttys; /* created when [delivery] terminals is first on */
  guint list_calls;
  guint64 delivered;
  guint64 signals;
  /* A reference-counted flag, FALSE after ns_delivery_free(): the
   * ListMessages tasks still running then answer without touching the
   * freed object. */
  gboolean *alive;
};

/* ---- journal ---------------------------------------------------------------- */

static void
log_message (const NsStoredMessage *msg)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, msg->id);
  g_autofree char *from = ns_format_sanitize (msg->from, TRUE, 0);
  g_autofree char *to = ns_format_sanitize (msg->to, TRUE, 0);
  g_autofree char *text = NULL;
  const char *transport = ns_transport_kind_to_string (msg->transport);
  const char *source = msg->source != NULL ? msg->source : "";

  /* The fields carry the names exactly (journalctl NETSEND_FROM=...);
   * MESSAGE, meant for people, carries them on one safe line. */
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "MESSAGE_ID", NS_DELIVERY_MESSAGE_ID,
                    "NETSEND_ID", id,
                    "NETSEND_FROM", msg->from != NULL ? msg->from : "",
                    "NETSEND_TO", msg->to != NULL ? msg->to : "",
                    "NETSEND_SOURCE", source,
                    "NETSEND_TRANSPORT", transport,
                    "MESSAGE", "Message %s from %s to %s (%s from %s)", id, from, to, transport,
                    source);
  /* The text is personal: only at debug level (STYLE.md practice 15). */
  text = ns_format_sanitize (msg->text, TRUE, 0);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                    "NETSEND_ID", id,
                    "NETSEND_TEXT", msg->text != NULL ? msg->text : "",
                    "MESSAGE", "Message %s text: %s", id, text);
}

/* ---- delivery --------------------------------------------------------------- */

void
ns_delivery_deliver (NsDelivery *delivery, const NsStoredMessage *msg)
{
  const NsDaemonConfig *cfg;

  g_return_if_fail (delivery != NULL && msg != NULL);
  cfg = delivery->config;
  delivery->delivered++;
  log_message (msg);
  if (delivery->control != NULL) {
    ns_control_emit_message_received (delivery->control, (guint64) msg->id, msg->received_us,
                                      msg->from ? msg->from : "", msg->to ? msg->to : "",
                                      msg->text ? msg->text : "",
                                      msg->source ? msg->source : "",
                                      ns_transport_kind_to_string (msg->transport));
    delivery->signals++;
  }
  if (cfg->terminals) {
    if (delivery->ttys == NULL)
      delivery->ttys = ns_tty_writer_new ();
    ns_tty_writer_deliver (delivery->ttys, msg, cfg->name);
  }
  ns_hook_runner_run (delivery->hooks, msg);
}

void
ns_delivery_inbox_func (const NsStoredMessage *msg, gpointer delivery)
{
  ns_delivery_deliver (delivery, msg);
}

/* ---- ListMessages ----------------------------------------------------------- */

typedef struct {
  char *store_path;
  GVariant *filter; /* the caller's, kept for query.from */
  NsStoreQuery query;
} ListJob;

static void
list_job_free (ListJob *job)
{
  g_free (job->store_path);
  g_variant_unref (job->filter);
  g_free (job);
}

/* Worker thread: its own read-only handle, so the inbox's writer (and
 * its worker) is never shared or waited for beyond SQLite's WAL rules. */
static void
list_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ListJob *job = task_data;
  g_autoptr (NsStore) store = NULL;
  g_autoptr (GPtrArray) msgs = NULL;
  g_autoptr (GError) error = NULL;
  GVariantBuilder b;

  store = ns_store_open (job->store_path, NS_STORE_OPEN_READONLY, &error);
  if (store != NULL)
    msgs = ns_store_query (store, &job->query, &error);
  if (msgs == NULL) {
    g_task_return_new_error (task, NS_CONTROL_ERROR, NS_CONTROL_ERROR_FAILED,
                             "Cannot read the inbox: %s", error->message);
    return;
  }
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < msgs->len; i++)
    g_variant_builder_add_value (&b, ns_delivery_message_to_variant (g_ptr_array_index (msgs, i)));
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (&b)),
                         (GDestroyNotify) g_variant_unref);
}

typedef struct {
  NsDelivery *delivery;
  gboolean *alive;
  GDBusMethodInvocation *invocation;
} ListCall;

static void
on_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ListCall *call = user_data;
  g_autoptr (GError) error = NULL;
  GVariant *messages = g_task_propagate_pointer (G_TASK (result), &error);

  if (*call->alive)
    call->delivery->list_calls--;
  g_rc_box_release (call->alive);
  if (messages == NULL) {
    g_warning ("ListMessages: %s", error->message);
    g_dbus_method_invocation_return_gerror (call->invocation, error);
  } else {
    g_dbus_method_invocation_return_value (call->invocation,
                                           g_variant_new ("(@aa{sv})", messages));
    g_variant_unref (messages);
  }
  g_free (call);
}

static void
list_messages (GDBusMethodInvocation *invocation, GVariant *filter, gpointer user_data)
{
  NsDelivery *delivery = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;
  ListJob *job;
  ListCall *call;
  NsStoreQuery query;

  if (!ns_delivery_parse_filter (filter, &query, &error)) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return;
  }
  if (delivery->list_calls >= NS_DELIVERY_MAX_LIST_CALLS) {
    g_dbus_method_invocation_return_error (invocation, NS_CONTROL_ERROR, NS_CONTROL_ERROR_FAILED,
                                           "%u ListMessages calls are running; try again",
                                           NS_DELIVERY_MAX_LIST_CALLS);
    return;
  }
  job = g_new0 (ListJob, 1);
  job->store_path = g_strdup (delivery->store_path);
  job->filter = g_variant_ref (filter);
  job->query = query; /* .from points into job->filter */
  call = g_new0 (ListCall, 1);
  call->delivery = delivery;
  call->alive = g_rc_box_acquire (delivery->alive);
  call->invocation = invocation;
  delivery->list_calls++;
  task = g_task_new (NULL, NULL, on_listed, call);
  g_task_set_task_data (task, job, (GDestroyNotify) list_job_free);
  g_task_run_in_thread (task, list_in_thread);
}

/* ---- object ------------------------------------------------------------------- */

NsDelivery *
ns_delivery_new (const NsDaemonConfig *config, NsControl *control, const char *store_path)
{
  NsDelivery *delivery = g_new0 (NsDelivery, 1);

  g_return_val_if_fail (config != NULL && store_path != NULL, NULL);
  delivery->config = config;
  delivery->control = control;
  delivery->store_path = g_strdup (store_path);
  delivery->alive = g_rc_box_new (gboolean);
  *delivery->alive = TRUE;
  delivery->hooks = ns_hook_runner_new (config);
  if (control != NULL)
    ns_control_set_list_messages_func (control, list_messages, delivery);
  if (config->terminals)
    g_info ("[delivery] terminals: messages are written to the recipients' terminals");
  return delivery;
}

void
ns_delivery_free (NsDelivery *delivery)
{
  if (delivery == NULL)
    return;
  if (delivery->control != NULL)
    ns_control_set_list_messages_func (delivery->control, NULL, NULL);
  /* A ListMessages task still running holds the flag until it ends. */
  *delivery->alive = FALSE;
  g_rc_box_release (delivery->alive);
  g_clear_pointer (&delivery->hooks, ns_hook_runner_free);
  g_clear_pointer (&delivery->ttys, ns_tty_writer_free);
  g_free (delivery->store_path);
  g_free (delivery);
}

void
ns_delivery_add_status (NsDelivery *delivery, GVariantBuilder *b)
{
  NsHookCounters hc;
  NsTtyCounters tc = { 0 };

  ns_hook_runner_get_counters (delivery->hooks, &hc);
  if (delivery->ttys != NULL)
    ns_tty_writer_get_counters (delivery->ttys, &tc);
  g_variant_builder_add (b, "{sv}", "notify-urgency",
                         g_variant_new_string (ns_notify_urgency_to_string (
                           delivery->config->notify_urgency)));
  g_variant_builder_add (b, "{sv}", "delivery-messages", g_variant_new_uint64 (delivery->delivered));
  g_variant_builder_add (b, "{sv}", "delivery-signals", g_variant_new_uint64 (delivery->signals));
  g_variant_builder_add (b, "{sv}", "delivery-hooks-started", g_variant_new_uint64 (hc.started));
  g_variant_builder_add (b, "{sv}", "delivery-hooks-succeeded",
                         g_variant_new_uint64 (hc.succeeded));
  g_variant_builder_add (b, "{sv}", "delivery-hooks-failed", g_variant_new_uint64 (hc.failed));
  g_variant_builder_add (b, "{sv}", "delivery-hooks-timed-out",
                         g_variant_new_uint64 (hc.timed_out));
  g_variant_builder_add (b, "{sv}", "delivery-hooks-dropped", g_variant_new_uint64 (hc.dropped));
  g_variant_builder_add (b, "{sv}", "delivery-hooks-running", g_variant_new_uint32 (hc.running));
  g_variant_builder_add (b, "{sv}", "delivery-hooks-queued", g_variant_new_uint32 (hc.queued));
  g_variant_builder_add (b, "{sv}", "delivery-terminals-written", g_variant_new_uint64 (tc.written));
  g_variant_builder_add (b, "{sv}", "delivery-terminals-skipped", g_variant_new_uint64 (tc.skipped));
  g_variant_builder_add (b, "{sv}", "delivery-terminals-failed", g_variant_new_uint64 (tc.failed));
  g_variant_builder_add (b, "{sv}", "delivery-terminals-dropped", g_variant_new_uint64 (tc.dropped));
}

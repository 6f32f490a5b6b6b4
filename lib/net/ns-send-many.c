/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fan-out: many recipients with a bounded number of deliveries at once,
 * each result reported as it completes (ns_sender_send_many_async()). */
#include "ns-send-private.h"

#include <string.h>

typedef struct {
  NsSender *sender;
  GTask *task;
  GCancellable *cancellable;
  NsSendText *text;
  GPtrArray *queue;    /* char*, targets to send to, in order */
  GPtrArray *expand;   /* char*, workgroups to enumerate (--reliable) */
  GHashTable *seen;    /* upper-case target → TRUE */
  guint next;
  guint running;
  gboolean expanding;
  GPtrArray *results;  /* NsSendResult* */
  NsSendSummary summary;
  gint64 start_us;
  NsSendResultFunc func;
  gpointer func_data;
  GDestroyNotify func_destroy;
} ManyOp;

static void
many_op_free (ManyOp *op)
{
  if (op->func_destroy != NULL)
    op->func_destroy (op->func_data);
  g_clear_pointer (&op->text, _ns_send_text_unref);
  g_ptr_array_unref (op->queue);
  g_ptr_array_unref (op->expand);
  g_hash_table_unref (op->seen);
  g_clear_pointer (&op->results, g_ptr_array_unref);
  g_clear_object (&op->cancellable);
  _ns_sender_unref (op->sender);
  g_free (op);
}

/* Upper case for the duplicate check. g_utf8_strup() needs UTF-8: other
 * bytes stay as they are, and parse_target() refuses them with a clear
 * error when their turn comes. */
static char *
fold_key (const char *text)
{
  return g_utf8_validate (text, -1, NULL) ? g_utf8_strup (text, -1) : g_strdup (text);
}

/* Adds @target unless an equal one (case-insensitive) was seen. */
static void
enqueue (ManyOp *op, const char *target)
{
  char *key = fold_key (target);

  if (!g_hash_table_add (op->seen, key))
    return;
  g_ptr_array_add (op->queue, g_strdup (target));
}

/* The workgroup of a broadcast target, or NULL. */
static char *
broadcast_domain (NsSender *sender, const char *target)
{
  if (strcmp (target, "*") == 0 || g_ascii_strcasecmp (target, "/domain") == 0)
    return g_strdup (sender->workgroup);
  /* Not UTF-8: not expanded, and the send of the target itself fails. */
  if (g_ascii_strncasecmp (target, "/domain:", 8) == 0 && target[8] != '\0'
      && g_utf8_validate (target + 8, -1, NULL))
    return g_utf8_strup (target + 8, -1);
  return NULL;
}

static void
report (ManyOp *op, NsSendResult *result)
{
  op->summary.n_results++;
  switch (result->outcome) {
    case NS_SEND_DELIVERED: op->summary.n_delivered++; break;
    case NS_SEND_SENT: op->summary.n_sent++; break;
    case NS_SEND_FAILED:
    default: op->summary.n_failed++; break;
  }
  if (op->func != NULL)
    op->func (op->sender, result, op->func_data);
  g_ptr_array_add (op->results, result);
}

static NsSendResult *
failed_result (ManyOp *op, const char *recipient, GError *error)
{
  NsSendResult *result = g_new0 (NsSendResult, 1);

  result->recipient = g_strdup (recipient);
  result->transport = op->sender->transport == NS_SEND_TRANSPORT_AUTO
                        ? NS_SEND_TRANSPORT_SMB : op->sender->transport;
  result->outcome = NS_SEND_FAILED;
  result->windows_code = error->domain == NS_SEND_ERROR
                           ? ns_send_error_windows_code ((NsSendError) error->code)
                           : ns_send_error_windows_code (NS_SEND_ERROR_FAILED);
  result->error = error;
  return result;
}

static void pump (ManyOp *op);

static void
on_one_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  ManyOp *op = user_data;
  GError *error = NULL;
  NsSendResult *result = _ns_send_one_finish (res, &error);

  op->running--;
  if (result == NULL)
    result = failed_result (op, "", error);
  report (op, result);
  pump (op);
}

static void
many_complete (ManyOp *op)
{
  GTask *task = op->task;

  op->summary.elapsed_us = g_get_monotonic_time () - op->start_us;
  g_task_return_pointer (task, g_steal_pointer (&op->results),
                         (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
pump (ManyOp *op)
{
  gboolean cancelled = g_cancellable_is_cancelled (op->sender->cancellable) ||
                       (op->cancellable != NULL && g_cancellable_is_cancelled (op->cancellable));

  if (op->expanding)
    return;
  while (op->next < op->queue->len && (cancelled || op->running < op->sender->parallel)) {
    const char *target = g_ptr_array_index (op->queue, op->next++);

    if (cancelled) {
      report (op, failed_result (op, target, g_error_new_literal (G_IO_ERROR,
                                                                  G_IO_ERROR_CANCELLED,
                                                                  "Operation was cancelled")));
      continue;
    }
    op->running++;
    _ns_send_one_async (op->sender, target, op->text, op->cancellable, on_one_done, op);
  }
  if (op->running == 0 && op->next >= op->queue->len)
    many_complete (op);
}

static void expand_next (ManyOp *op);

static void
on_workgroup_listed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  ManyOp *op = user_data;
  g_autofree char *domain = g_ptr_array_steal_index (op->expand, 0);
  GError *error = NULL;
  g_auto (GStrv) hosts = ns_sender_list_workgroup_finish (op->sender, res, &error);

  if (hosts == NULL) {
    report (op, failed_result (op, domain, error));
  } else if (hosts[0] == NULL) {
    const char *note = _ns_sender_list_workgroup_note (res);

    report (op, failed_result (op, domain,
                               g_error_new (NS_SEND_ERROR, NS_SEND_ERROR_NAME_NOT_FOUND,
                                            "no host of workgroup %s found%s%s%s", domain,
                                            note != NULL ? " (" : "", note != NULL ? note : "",
                                            note != NULL ? ")" : "")));
  } else {
    for (guint i = 0; hosts[i] != NULL; i++)
      enqueue (op, hosts[i]);
  }
  expand_next (op);
}

static void
expand_next (ManyOp *op)
{
  if (op->expand->len == 0) {
    op->expanding = FALSE;
    pump (op);
    return;
  }
  ns_sender_list_workgroup_async (op->sender, g_ptr_array_index (op->expand, 0),
                                  op->cancellable, on_workgroup_listed, op);
}

void
ns_sender_send_many_async (NsSender *sender, const char *const *targets,
                           const char *text_utf8, NsSendResultFunc result_func,
                           gpointer result_data, GDestroyNotify result_destroy,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  ManyOp *op;
  GError *error = NULL;

  g_return_if_fail (sender != NULL);
  g_return_if_fail (targets != NULL);

  op = g_new0 (ManyOp, 1);
  op->sender = _ns_sender_ref (sender);
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, ns_sender_send_many_async);
  g_task_set_task_data (op->task, op, (GDestroyNotify) many_op_free);
  op->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  op->func = result_func;
  op->func_data = result_data;
  op->func_destroy = result_destroy;
  op->queue = g_ptr_array_new_with_free_func (g_free);
  op->expand = g_ptr_array_new_with_free_func (g_free);
  op->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  op->results = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_send_result_free);
  op->start_us = g_get_monotonic_time ();

  op->text = _ns_send_text_new (sender, text_utf8, &error);
  if (op->text == NULL) {
    GTask *task = op->task;

    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  for (guint i = 0; targets[i] != NULL; i++) {
    g_autofree char *domain = sender->reliable ? broadcast_domain (sender, targets[i]) : NULL;

    if (domain != NULL) {
      g_autofree char *key = g_strconcat ("/DOMAIN:", domain, NULL);

      if (g_hash_table_add (op->seen, g_steal_pointer (&key)))
        g_ptr_array_add (op->expand, g_steal_pointer (&domain));
    } else {
      enqueue (op, targets[i]);
    }
  }
  op->expanding = op->expand->len > 0;
  if (op->expanding)
    expand_next (op);
  else
    pump (op);
}

GPtrArray *
ns_sender_send_many_finish (NsSender *sender, GAsyncResult *result, NsSendSummary *ret_summary,
                            GError **error)
{
  GTask *task;
  ManyOp *op;
  GPtrArray *results;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  task = G_TASK (result);
  g_return_val_if_fail (g_task_get_source_tag (task) == ns_sender_send_many_async, NULL);
  op = g_task_get_task_data (task);
  results = g_task_propagate_pointer (task, error);
  if (results != NULL && ret_summary != NULL)
    *ret_summary = op->summary;
  return results;
}

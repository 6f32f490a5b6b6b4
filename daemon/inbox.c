/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The inbox pipeline: decode, recipient, policy, rate, verify, group
 * commit, done, delivery. See inbox.h. */

#define G_LOG_DOMAIN "netsendd"

#include "inbox.h"

#include <errno.h>
#include <string.h>

#include <netsend/msgr-text.h>
#include <netsend/nb-name.h>
#include <netsend/ns-net.h>

#include "format.h"
#include "ratelimit.h"
#include "verify.h"

/* Refusal log lines: at most this many per window, the rest counted. */
#define REFUSAL_LOG_LINES 10
#define REFUSAL_LOG_WINDOW_US (10 * G_USEC_PER_SEC)
/* Longest ns_inbox_free() waits for a commit in the worker. */
#define FREE_WAIT_US (10 * G_USEC_PER_SEC)

typedef struct {
  guint64 received[NS_TRANSPORT_RPC + 1];
  guint64 malformed[NS_TRANSPORT_RPC + 1];
  guint64 stored;
  guint64 duplicates;
  guint64 refused[NS_VERDICT_N_VALUES];
  guint64 commits;
  guint64 largest_commit;
  guint64 store_errors;
  guint64 pruned;
} Counters;

/* One message on its way through the pipeline. */
typedef struct {
  NsInbox *inbox;
  NsStoredMessage *msg;
  NsInboxDoneFunc done;
  gpointer user_data;
  GDestroyNotify destroy;
  guint32 source;
  NsVerdict verdict;
  gint64 id;
  gboolean duplicate;
} Pending;

/* A batch for the worker thread. The main thread does not touch the store
 * while one runs. */
typedef struct {
  NsStore *store;
  GPtrArray *batch; /* Pending, owned */
  NsStoredMessage **msgs;
  gint64 *ids;
  gboolean *dups;
  gboolean ok;
  GError *error;
  gboolean prune;
  gint64 max_age_s;
  guint64 max_count;
  guint64 pruned;
  GError *prune_error;
} CommitJob;

struct _NsInbox {
  const NsDaemonConfig *config;
  NsNames *names;
  GPtrArray *default_allow; /* char *: subnets of the interfaces + loopback */
  NsPolicy *policy;
  NsRateLimit *ratelimit;
  NsVerifier *verifier;
  NsStore *store;
  char *store_path;
  GPtrArray *queue;   /* Pending waiting for the next commit */
  GQueue refusals;    /* Pending refused, answered from an idle source */
  GSource *refusal_idle;
  GSource *commit_timer;
  GSource *prune_timer;
  gboolean committing;
  gboolean prune_due;
  NsInboxDeliveryFunc delivery;
  gpointer delivery_data;
  GDestroyNotify delivery_destroy;
  NsLogRateLimit refusal_log;
  NsLogRateLimit store_log;
  Counters counters;
};

static void start_commit (NsInbox *inbox);

/* ---- helpers ----------------------------------------------------------- */

static GInetAddress *
inet_address (guint32 a)
{
  guint8 b[4] = { a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff };

  return g_inet_address_new_from_bytes (b, G_SOCKET_FAMILY_IPV4);
}

char *
ns_inbox_describe (NsTransportKind transport, guint32 source, const char *from, const char *to)
{
  g_autofree char *addr = ns_ipv4_to_string (source);
  g_autofree char *f = ns_format_sanitize (from != NULL ? from : "", TRUE, 32);
  g_autofree char *t = ns_format_sanitize (to != NULL ? to : "", TRUE, 32);

  return g_strdup_printf ("from '%s' to '%s' via %s from %s", f, t,
                          ns_transport_kind_to_string (transport), addr);
}

static void
pending_free (Pending *p)
{
  if (p->destroy != NULL)
    p->destroy (p->user_data);
  ns_stored_message_free (p->msg);
  g_free (p);
}

/* A name as the sender wrote it, in UTF-8: decoded from the code page,
 * made safe for one line, trailing padding removed. */
static char *
decode_name (const char *raw, const char *codepage)
{
  g_autofree char *utf8 = NULL;
  char *safe;

  utf8 = msgr_text_decode ((const guint8 *) (raw != NULL ? raw : ""), raw != NULL ? strlen (raw) : 0,
                           codepage, MSGR_TEXT_DECODE_KEEP_LINE_BREAKS, NULL, NULL);
  safe = ns_format_sanitize (utf8 != NULL ? utf8 : "", TRUE, 0);
  return g_strchomp (safe);
}

/* ---- refusals ---------------------------------------------------------- */

static void
log_refusal (NsInbox *inbox, const Pending *p, NsVerdict verdict, const char *detail)
{
  guint64 suppressed = 0;
  g_autofree char *what = NULL;

  if (!ns_ratelimit_should_log (&inbox->refusal_log, g_get_monotonic_time (), &suppressed))
    return;
  what = ns_inbox_describe (p->msg->transport, p->source, p->msg->from, p->msg->to);
  g_message ("Refused message %s: %s%s%s%s", what, ns_verdict_to_string (verdict),
             detail != NULL ? " (" : "", detail != NULL ? detail : "", detail != NULL ? ")" : "");
  if (suppressed > 0)
    g_message ("(%" G_GUINT64_FORMAT " more refusals not logged)", suppressed);
}

static gboolean
on_refusal_idle (gpointer user_data)
{
  NsInbox *inbox = user_data;
  Pending *p;

  g_clear_pointer (&inbox->refusal_idle, g_source_unref);
  while ((p = g_queue_pop_head (&inbox->refusals)) != NULL) {
    if (p->done != NULL)
      p->done (p->verdict, 0, p->user_data);
    pending_free (p);
  }
  return G_SOURCE_REMOVE;
}

/* Counts, logs and answers @p with @verdict (later, from the main loop). */
static void
refuse (NsInbox *inbox, Pending *p, NsVerdict verdict, const char *detail)
{
  inbox->counters.refused[verdict]++;
  log_refusal (inbox, p, verdict, detail);
  p->verdict = verdict;
  if (p->done == NULL) {
    pending_free (p);
    return;
  }
  g_queue_push_tail (&inbox->refusals, p);
  if (inbox->refusal_idle == NULL) {
    inbox->refusal_idle = g_idle_source_new ();
    g_source_set_priority (inbox->refusal_idle, G_PRIORITY_DEFAULT);
    g_source_set_callback (inbox->refusal_idle, on_refusal_idle, inbox, NULL);
    g_source_attach (inbox->refusal_idle, g_main_context_get_thread_default ());
  }
}

/* ---- group commit ------------------------------------------------------ */

static void
commit_job_free (CommitJob *job)
{
  g_ptr_array_unref (job->batch);
  g_free (job->msgs);
  g_free (job->ids);
  g_free (job->dups);
  g_clear_error (&job->error);
  g_clear_error (&job->prune_error);
  g_free (job);
}

/* Worker thread: one transaction (and one fsync) for the whole batch. */
static void
commit_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CommitJob *job = task_data;

  if (job->batch->len > 0)
    job->ok = ns_store_insert_batch (job->store, job->msgs, job->batch->len, job->ids, job->dups,
                                     &job->error);
  else
    job->ok = TRUE;
  if (job->prune)
    ns_store_prune (job->store, job->max_age_s, job->max_count, g_get_real_time (), &job->pruned,
                    &job->prune_error);
  g_task_return_boolean (task, TRUE);
}

static void
store_failed (NsInbox *inbox, const CommitJob *job)
{
  guint64 suppressed = 0;

  inbox->counters.store_errors++;
  /* Loud, but bounded: a full disk under a flood must not fill the journal. */
  if (ns_ratelimit_should_log (&inbox->store_log, g_get_monotonic_time (), &suppressed))
    g_warning ("INBOX FAILURE: %u message(s) refused, not stored in %s: %s%s", job->batch->len,
               inbox->store_path, job->error != NULL ? job->error->message : "unknown error",
               ns_store_is_broken (inbox->store) ? " (the store refuses writes until restarted)"
                                                 : "");
}

static void
finish_batch (NsInbox *inbox, CommitJob *job)
{
  for (guint i = 0; i < job->batch->len; i++) {
    Pending *p = g_ptr_array_index (job->batch, i);

    if (!job->ok) {
      inbox->counters.refused[NS_VERDICT_STORE_FAILURE]++;
      p->verdict = NS_VERDICT_STORE_FAILURE;
      continue;
    }
    p->verdict = NS_VERDICT_ACCEPTED;
    p->id = job->ids[i];
    p->duplicate = job->dups[i];
    p->msg->id = p->id;
    if (p->duplicate)
      inbox->counters.duplicates++;
    else
      inbox->counters.stored++;
  }
  /* Final responses first: they are what the senders wait for. */
  for (guint i = 0; i < job->batch->len; i++) {
    Pending *p = g_ptr_array_index (job->batch, i);

    if (p->done != NULL)
      p->done (p->verdict, p->id, p->user_data);
  }
  for (guint i = 0; job->ok && i < job->batch->len; i++) {
    Pending *p = g_ptr_array_index (job->batch, i);
    g_autofree char *what = NULL;

    if (p->duplicate)
      continue;
    what = ns_inbox_describe (p->msg->transport, p->source, p->msg->from, p->msg->to);
    g_info ("Stored message %" G_GINT64_FORMAT " %s", p->id, what);
    if (inbox->delivery != NULL)
      inbox->delivery (p->msg, inbox->delivery_data);
  }
}

static void
on_commit_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  NsInbox *inbox = user_data;
  CommitJob *job = g_task_get_task_data (G_TASK (result));

  inbox->committing = FALSE;
  inbox->counters.commits++;
  inbox->counters.largest_commit = MAX (inbox->counters.largest_commit, job->batch->len);
  if (!job->ok)
    store_failed (inbox, job);
  if (job->prune) {
    inbox->counters.pruned += job->pruned;
    if (job->prune_error != NULL)
      g_warning ("Inbox retention failed: %s", job->prune_error->message);
    else if (job->pruned > 0)
      g_info ("Inbox retention: %" G_GUINT64_FORMAT " old message(s) deleted", job->pruned);
  }
  finish_batch (inbox, job);
  /* Whatever arrived meanwhile goes into the next transaction at once. */
  if (inbox->queue->len > 0 || inbox->prune_due)
    start_commit (inbox);
}

static void
start_commit (NsInbox *inbox)
{
  g_autoptr (GTask) task = NULL;
  CommitJob *job;

  if (inbox->committing)
    return;
  if (inbox->commit_timer != NULL) {
    g_source_destroy (inbox->commit_timer);
    g_clear_pointer (&inbox->commit_timer, g_source_unref);
  }
  job = g_new0 (CommitJob, 1);
  job->store = inbox->store;
  job->batch = g_steal_pointer (&inbox->queue);
  g_ptr_array_set_free_func (job->batch, (GDestroyNotify) pending_free);
  inbox->queue = g_ptr_array_new ();
  job->msgs = g_new0 (NsStoredMessage *, MAX (job->batch->len, 1));
  job->ids = g_new0 (gint64, MAX (job->batch->len, 1));
  job->dups = g_new0 (gboolean, MAX (job->batch->len, 1));
  for (guint i = 0; i < job->batch->len; i++)
    job->msgs[i] = ((Pending *) g_ptr_array_index (job->batch, i))->msg;
  job->prune = inbox->prune_due;
  job->max_age_s = (gint64) inbox->config->store_max_age_days * 24 * 3600;
  job->max_count = inbox->config->store_max_messages;
  inbox->prune_due = FALSE;
  inbox->committing = TRUE;
  task = g_task_new (NULL, NULL, on_commit_done, inbox);
  g_task_set_task_data (task, job, (GDestroyNotify) commit_job_free);
  g_task_run_in_thread (task, commit_thread);
}

static gboolean
on_commit_timer (gpointer user_data)
{
  NsInbox *inbox = user_data;

  g_clear_pointer (&inbox->commit_timer, g_source_unref);
  start_commit (inbox);
  return G_SOURCE_REMOVE;
}

/* Group commit: while a commit runs, new messages wait for the next one
 * (started when it finishes); otherwise the next commit starts from the
 * main loop (an idle source, so everything that arrived in this
 * iteration joins it), or after [store] commit-window-ms. */
static void
schedule_commit (NsInbox *inbox)
{
  guint window = inbox->config->commit_window_ms;

  if (inbox->committing || inbox->commit_timer != NULL)
    return;
  inbox->commit_timer = window > 0 ? g_timeout_source_new (window) : g_idle_source_new ();
  /* Not idle priority: under load the loop is never idle, and the commit
   * (which every waiting sender needs) would wait for the load to end. At
   * default priority it runs after the events already pending, so what
   * arrived in this iteration still joins the batch. */
  g_source_set_priority (inbox->commit_timer, G_PRIORITY_DEFAULT);
  g_source_set_callback (inbox->commit_timer, on_commit_timer, inbox, NULL);
  g_source_attach (inbox->commit_timer, g_main_context_get_thread_default ());
}

static void
enqueue (NsInbox *inbox, Pending *p)
{
  g_ptr_array_add (inbox->queue, p);
  schedule_commit (inbox);
}

static gboolean
on_prune_timer (gpointer user_data)
{
  NsInbox *inbox = user_data;

  inbox->prune_due = TRUE;
  start_commit (inbox);
  return G_SOURCE_CONTINUE;
}

/* ---- the pipeline ------------------------------------------------------ */

static void
on_verified (gboolean verified, const char *reason, gpointer user_data)
{
  Pending *p = user_data;

  if (verified)
    enqueue (p->inbox, p);
  else
    refuse (p->inbox, p, NS_VERDICT_SPOOFED_SENDER, reason);
}

/* The recipient rule of NS_INBOX_TO_NAME: one of our message names. An IPv4
 * literal of the address it came in on is the computer itself (what
 * smbclient -M 10.0.0.1 sends as To). */
static gboolean
recipient_is_ours (NsInbox *inbox, const char *to, guint32 local_address)
{
  guint32 literal;

  if (local_address != 0 && ns_ipv4_from_string (to, &literal) && literal == local_address)
    return TRUE;
  return inbox->names != NULL && ns_names_holds_utf8 (inbox->names, to, NB_SUFFIX_MESSENGER);
}

static NsStoredMessage *
build_message (NsInbox *inbox, const NsInboxSubmission *s)
{
  NsStoredMessage *m = ns_stored_message_new ();
  const char *codepage = inbox->config->text_codepage;
  g_autofree char *decoded = NULL;
  gboolean raw_utf8 = FALSE;

  m->received_us = g_get_real_time ();
  m->transport = s->transport;
  m->source = ns_ipv4_to_string (s->source);
  m->port = s->port;
  m->from = decode_name (s->from, codepage);
  m->to = decode_name (s->to, codepage);
  if (m->to[0] == '\0' && s->fallback_to != NULL) {
    g_free (m->to);
    m->to = g_strdup (s->fallback_to);
  }
  /* The code page was checked when the config loaded, so this cannot
   * fail; keep a safe value anyway. */
  decoded = msgr_text_decode (s->text != NULL ? s->text : (const guint8 *) "", s->text_len,
                              codepage, MSGR_TEXT_DECODE_NONE, &raw_utf8, NULL);
  m->text = msgr_text_sanitize (decoded != NULL ? decoded : "", -1, 0, NULL);
  m->raw = g_bytes_new (s->text, s->text_len);
  m->codepage = g_strdup (raw_utf8 ? "UTF-8" : codepage);
  m->verdict = NS_VERDICT_ACCEPTED;
  m->dedup_window_us = s->dedup_window_us;
  return m;
}

void
ns_inbox_submit (NsInbox *inbox, const NsInboxSubmission *s, NsInboxDoneFunc done,
                 gpointer user_data, GDestroyNotify destroy)
{
  Pending *p;
  g_autoptr (GInetAddress) source = NULL;
  NsInboundMeta meta = { 0 };
  NsVerdict verdict = NS_VERDICT_ACCEPTED;

  g_return_if_fail (inbox != NULL && s != NULL);
  p = g_new0 (Pending, 1);
  p->inbox = inbox;
  p->done = done;
  p->user_data = user_data;
  p->destroy = destroy;
  p->source = s->source;
  p->msg = build_message (inbox, s);
  inbox->counters.received[s->transport]++;

  if (s->addressing == NS_INBOX_TO_NAME && !recipient_is_ours (inbox, p->msg->to, s->local_address)) {
    refuse (inbox, p, NS_VERDICT_RECIPIENT_NOT_ACCEPTING, "not one of our names");
    return;
  }
  source = inet_address (s->source);
  meta.transport = s->transport;
  meta.source = source;
  meta.port = s->port;
  meta.from = p->msg->from;
  meta.to = p->msg->to;
  meta.size = s->text_len;
  if (ns_policy_check (inbox->policy, &meta, &verdict) != NS_DECISION_ALLOW) {
    refuse (inbox, p, verdict, NULL);
    return;
  }
  if (ns_ratelimit_check (inbox->ratelimit, source, g_get_monotonic_time ()) != NS_RATELIMIT_PASS) {
    refuse (inbox, p, NS_VERDICT_RATE_LIMITED, NULL);
    return;
  }
  if (inbox->verifier != NULL) {
    ns_verifier_check (inbox->verifier, s->source, p->msg->from, on_verified, p,
                       (GDestroyNotify) pending_free);
    return;
  }
  enqueue (inbox, p);
}

/* ---- set-up ------------------------------------------------------------ */

/* The default [policy] allow: every configured interface's subnet, and
 * loopback (PROTOCOL.md: a fresh install talks to its LAN and itself). */
static GPtrArray *
default_allow (const GPtrArray *ifaces)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; ifaces != NULL && i < ifaces->len; i++) {
    const NsIface *iface = g_ptr_array_index (ifaces, i);
    g_autofree char *net = ns_ipv4_to_string (iface->address & iface->netmask);
    guint prefix = 32 - (guint) __builtin_popcount (~iface->netmask);

    g_ptr_array_add (list, g_strdup_printf ("%s/%u", net, prefix));
  }
  g_ptr_array_add (list, g_strdup ("127.0.0.0/8"));
  g_ptr_array_add (list, g_strdup ("::1/128"));
  g_ptr_array_add (list, NULL);
  return list;
}

static NsPolicy *
build_policy (NsInbox *inbox, GError **error)
{
  const NsDaemonConfig *c = inbox->config;
  const char *const *allow = c->policy_allow != NULL ? (const char *const *) c->policy_allow
                                                     : (const char *const *) inbox->default_allow->pdata;

  return ns_policy_new_full (allow, (const char *const *) c->policy_allow_senders,
                             (const char *const *) c->policy_deny_senders,
                             (const char *const *) c->policy_recipients, c->max_message_bytes,
                             error);
}

static NsRateLimit *
build_ratelimit (const NsDaemonConfig *c)
{
  NsRateLimitConfig rc = {
    .per_source_rate = c->per_source_rate,
    .per_source_burst = MAX (c->per_source_burst, 1),
    .global_rate = c->global_rate,
    .global_burst = MAX (c->global_burst, 1),
  };

  return ns_ratelimit_new (&rc);
}

static gboolean
build_verifier (NsInbox *inbox, GError **error)
{
  g_clear_pointer (&inbox->verifier, ns_verifier_free);
  if (!inbox->config->verify_sender)
    return TRUE;
  inbox->verifier = ns_verifier_new (inbox->config->name_service_port != 0
                                       ? inbox->config->name_service_port : 137,
                                     inbox->config->text_codepage, error);
  return inbox->verifier != NULL;
}

static gboolean
open_store (NsInbox *inbox, GError **error)
{
  const NsDaemonConfig *c = inbox->config;
  g_autofree char *dir = g_path_get_dirname (c->store_path);
  guint64 pruned = 0;

  if (g_mkdir_with_parents (dir, 0750) < 0) {
    int saved = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                 "[store] path: cannot create %s: %s", dir, g_strerror (saved));
    return FALSE;
  }
  inbox->store = ns_store_open (c->store_path, NS_STORE_OPEN_CHECK, error);
  if (inbox->store == NULL)
    return FALSE;
  if (c->store_max_size > 0 && !ns_store_set_size_limit (inbox->store, c->store_max_size, error))
    return FALSE;
  if (!ns_store_prune (inbox->store, (gint64) c->store_max_age_days * 24 * 3600,
                       c->store_max_messages, g_get_real_time (), &pruned, error))
    return FALSE;
  inbox->counters.pruned = pruned;
  return TRUE;
}

NsInbox *
ns_inbox_new (const NsDaemonConfig *config, NsNames *names, const GPtrArray *ifaces,
              GError **error)
{
  g_autoptr (NsInbox) inbox = g_new0 (NsInbox, 1);

  g_return_val_if_fail (config != NULL, NULL);
  inbox->config = config;
  inbox->names = names;
  inbox->store_path = g_strdup (config->store_path);
  inbox->queue = g_ptr_array_new ();
  g_queue_init (&inbox->refusals);
  ns_log_ratelimit_init (&inbox->refusal_log, REFUSAL_LOG_LINES, REFUSAL_LOG_WINDOW_US);
  ns_log_ratelimit_init (&inbox->store_log, REFUSAL_LOG_LINES, REFUSAL_LOG_WINDOW_US);
  inbox->default_allow = default_allow (ifaces);
  inbox->policy = build_policy (inbox, error);
  if (inbox->policy == NULL)
    return NULL;
  inbox->ratelimit = build_ratelimit (config);
  if (!build_verifier (inbox, error) || !open_store (inbox, error))
    return NULL;
  inbox->prune_timer = g_timeout_source_new_seconds (NS_INBOX_PRUNE_INTERVAL_S);
  g_source_set_callback (inbox->prune_timer, on_prune_timer, inbox, NULL);
  g_source_attach (inbox->prune_timer, g_main_context_get_thread_default ());
  return g_steal_pointer (&inbox);
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

void
ns_inbox_free (NsInbox *inbox)
{
  gint64 until;
  Pending *p;

  if (inbox == NULL)
    return;
  clear_source (&inbox->commit_timer);
  clear_source (&inbox->prune_timer);
  /* A commit in the worker holds the store: let it finish, and answer its
   * senders (their messages are stored). */
  until = g_get_monotonic_time () + FREE_WAIT_US;
  while (inbox->committing && g_get_monotonic_time () < until)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  if (inbox->committing) {
    /* Never free the store under the worker: leak it instead. */
    g_warning ("Inbox: a commit did not finish in time; not closing %s", inbox->store_path);
    inbox->store = NULL;
  }
  clear_source (&inbox->commit_timer);
  clear_source (&inbox->refusal_idle);
  while ((p = g_queue_pop_head (&inbox->refusals)) != NULL)
    pending_free (p);
  g_ptr_array_set_free_func (inbox->queue, (GDestroyNotify) pending_free);
  g_ptr_array_unref (inbox->queue);
  g_clear_pointer (&inbox->verifier, ns_verifier_free);
  if (inbox->delivery_destroy != NULL)
    inbox->delivery_destroy (inbox->delivery_data);
  g_clear_pointer (&inbox->store, ns_store_free);
  g_clear_pointer (&inbox->policy, ns_policy_free);
  g_clear_pointer (&inbox->ratelimit, ns_ratelimit_free);
  g_clear_pointer (&inbox->default_allow, g_ptr_array_unref);
  g_free (inbox->store_path);
  g_free (inbox);
}

void
ns_inbox_reload (NsInbox *inbox)
{
  g_autoptr (GError) error = NULL;
  NsPolicy *policy = build_policy (inbox, &error);

  if (policy == NULL) {
    g_warning ("Reload: [policy] does not build, keeping the old one: %s", error->message);
  } else {
    ns_policy_free (inbox->policy);
    inbox->policy = policy;
  }
  /* New buckets start full: a reload forgives past bursts. */
  ns_ratelimit_free (inbox->ratelimit);
  inbox->ratelimit = build_ratelimit (inbox->config);
  g_clear_error (&error);
  if (!build_verifier (inbox, &error))
    g_warning ("Reload: verify-sender cannot start, senders are not verified: %s", error->message);
}

void
ns_inbox_note_refused (NsInbox *inbox, NsTransportKind transport, guint32 source,
                       NsVerdict verdict, const char *detail)
{
  guint64 suppressed = 0;
  g_autofree char *addr = ns_ipv4_to_string (source);

  g_return_if_fail (inbox != NULL && (guint) transport <= NS_TRANSPORT_RPC);
  g_return_if_fail ((guint) verdict < NS_VERDICT_N_VALUES);
  inbox->counters.received[transport]++;
  inbox->counters.refused[verdict]++;
  if (!ns_ratelimit_should_log (&inbox->refusal_log, g_get_monotonic_time (), &suppressed))
    return;
  g_message ("Refused message via %s from %s: %s%s%s%s", ns_transport_kind_to_string (transport),
             addr, ns_verdict_to_string (verdict), detail != NULL ? " (" : "",
             detail != NULL ? detail : "", detail != NULL ? ")" : "");
  if (suppressed > 0)
    g_message ("(%" G_GUINT64_FORMAT " more refusals not logged)", suppressed);
}

void
ns_inbox_count_malformed (NsInbox *inbox, NsTransportKind transport, guint64 n)
{
  g_return_if_fail (inbox != NULL && (guint) transport <= NS_TRANSPORT_RPC);
  inbox->counters.malformed[transport] += n;
}

void
ns_inbox_set_delivery_func (NsInbox *inbox, NsInboxDeliveryFunc func, gpointer user_data,
                            GDestroyNotify destroy)
{
  g_return_if_fail (inbox != NULL);
  if (inbox->delivery_destroy != NULL)
    inbox->delivery_destroy (inbox->delivery_data);
  inbox->delivery = func;
  inbox->delivery_data = user_data;
  inbox->delivery_destroy = destroy;
}

const char *
ns_inbox_get_store_path (NsInbox *inbox)
{
  g_return_val_if_fail (inbox != NULL, NULL);
  return inbox->store_path;
}

static GVariant *
per_transport (const guint64 *values)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{st}"));
  for (guint t = 0; t <= NS_TRANSPORT_RPC; t++)
    g_variant_builder_add (&b, "{st}", ns_transport_kind_to_string (t), values[t]);
  return g_variant_builder_end (&b);
}

void
ns_inbox_add_status (NsInbox *inbox, GVariantBuilder *b)
{
  const Counters *c = &inbox->counters;
  GVariantBuilder refused;
  guint64 received = 0, n_refused = 0;
  NsRateLimitStats rl;

  g_variant_builder_init (&refused, G_VARIANT_TYPE ("a{st}"));
  for (guint v = NS_VERDICT_ACCEPTED + 1; v < NS_VERDICT_N_VALUES; v++) {
    n_refused += c->refused[v];
    g_variant_builder_add (&refused, "{st}", ns_verdict_to_nick (v), c->refused[v]);
  }
  for (guint t = 0; t <= NS_TRANSPORT_RPC; t++)
    received += c->received[t];
  ns_ratelimit_get_stats (inbox->ratelimit, &rl);
  g_variant_builder_add (b, "{sv}", "inbox", g_variant_new_string (inbox->store_path));
  g_variant_builder_add (b, "{sv}", "messages-received", g_variant_new_uint64 (received));
  g_variant_builder_add (b, "{sv}", "messages-stored", g_variant_new_uint64 (c->stored));
  g_variant_builder_add (b, "{sv}", "messages-duplicate", g_variant_new_uint64 (c->duplicates));
  g_variant_builder_add (b, "{sv}", "messages-refused", g_variant_new_uint64 (n_refused));
  g_variant_builder_add (b, "{sv}", "received", per_transport (c->received));
  g_variant_builder_add (b, "{sv}", "malformed", per_transport (c->malformed));
  g_variant_builder_add (b, "{sv}", "refused", g_variant_builder_end (&refused));
  g_variant_builder_add (b, "{sv}", "store-errors", g_variant_new_uint64 (c->store_errors));
  g_variant_builder_add (b, "{sv}", "commits", g_variant_new_uint64 (c->commits));
  g_variant_builder_add (b, "{sv}", "largest-commit", g_variant_new_uint64 (c->largest_commit));
  g_variant_builder_add (b, "{sv}", "pruned", g_variant_new_uint64 (c->pruned));
  g_variant_builder_add (b, "{sv}", "refusals-not-logged",
                         g_variant_new_uint64 (inbox->refusal_log.total_suppressed));
}

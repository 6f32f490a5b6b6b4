/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Rate limits per source and overall.
 *
 * Each bucket is kept in GCRA form (the "virtual scheduling" statement of
 * a token bucket, ITU-T I.371): one theoretical arrival time per bucket in
 * integer microseconds. It needs no fractional tokens, so a steady flood
 * of calls cannot lose refill to rounding, and equal inputs give equal
 * answers. Messenger spam came from spoofed UDP sources (LANDSCAPE.md §1),
 * so the source table is bounded and the global bucket caps the total. */

#include "ratelimit.h"

#include "policy.h"

#include <string.h>

/* Slowest rate we model: one message per ~11.5 days. Keeps every sum below
 * far from G_MAXINT64. */
#define MAX_INTERVAL_US G_GINT64_CONSTANT (1000000000000)

typedef struct {
  gint64 interval_us;  /* 0: bucket disabled */
  gint64 tolerance_us; /* interval * (burst - 1) */
} BucketShape;

typedef struct {
  guint32 seed;        /* the table's, hashed but not compared */
  guint8 family;
  guint8 addr[16];
} SourceKey;

typedef struct {
  SourceKey key;
  gint64 tat;          /* theoretical arrival time of the next token */
  GList link;          /* in NsRateLimit.lru; data points back here */
} SourceEntry;

struct _NsRateLimit {
  BucketShape source_shape;
  BucketShape global_shape;
  gint64 global_tat;
  guint max_sources;
  GHashTable *sources;  /* SourceKey* -> SourceEntry* (owned) */
  GQueue lru;           /* head: most recently seen */
  guint32 hash_seed;
  NsRateLimitStats stats;
};

static BucketShape
shape_for (double rate, guint burst)
{
  BucketShape s = { 0, 0 };
  double interval;

  if (!(rate > 0.0))
    return s;
  interval = 1e6 / rate;
  s.interval_us = interval >= (double) MAX_INTERVAL_US ? MAX_INTERVAL_US
                : MAX ((gint64) (interval + 0.5), 1);
  burst = MAX (burst, 1u);
  /* Saturate instead of overflowing for absurd bursts. */
  if ((gint64) (burst - 1) > (G_MAXINT64 / 4) / s.interval_us)
    s.tolerance_us = G_MAXINT64 / 4;
  else
    s.tolerance_us = s.interval_us * (gint64) (burst - 1);
  return s;
}

/* GCRA conformance test: the bucket has a token if the next theoretical
 * arrival is no further ahead of now than the burst tolerance. */
static gboolean
conforms (const BucketShape *shape, gint64 tat, gint64 now_us)
{
  if (shape->interval_us == 0)
    return TRUE;
  return MAX (tat, now_us) - now_us <= shape->tolerance_us;
}

static gint64
consume (const BucketShape *shape, gint64 tat, gint64 now_us)
{
  if (shape->interval_us == 0)
    return tat;
  return MAX (tat, now_us) + shape->interval_us;
}

static guint
source_key_hash (gconstpointer p)
{
  const SourceKey *k = p;
  guint32 h = 2166136261u ^ k->seed;

  /* FNV-1a over the key, started from a per-table random seed so that a
   * sender cannot easily choose spoofed addresses that share one chain. */
  for (gsize i = 0; i < sizeof k->addr; i++)
    h = (h ^ k->addr[i]) * 16777619u;
  return (h ^ k->family) * 16777619u;
}

static gboolean
source_key_equal (gconstpointer a, gconstpointer b)
{
  const SourceKey *x = a, *y = b;

  return x->family == y->family && memcmp (x->addr, y->addr, sizeof x->addr) == 0;
}

static void
source_key_init (SourceKey *key, GInetAddress *source, guint32 seed)
{
  g_autoptr (GInetAddress) addr = ns_inet_address_unmap (source);
  gsize n = g_inet_address_get_native_size (addr);

  memset (key, 0, sizeof *key);
  key->family = g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV6 ? 6 : 4;
  memcpy (key->addr, g_inet_address_to_bytes (addr), MIN (n, sizeof key->addr));
  if (key->family == 6)
    memset (key->addr + NS_RATELIMIT_IPV6_PREFIX / 8, 0, 16 - NS_RATELIMIT_IPV6_PREFIX / 8);
  key->seed = seed;
}

NsRateLimit *
ns_ratelimit_new (const NsRateLimitConfig *config)
{
  NsRateLimit *limit;

  g_return_val_if_fail (config != NULL, NULL);
  limit = g_new0 (NsRateLimit, 1);
  limit->source_shape = shape_for (config->per_source_rate, config->per_source_burst);
  limit->global_shape = shape_for (config->global_rate, config->global_burst);
  limit->global_tat = G_MININT64;
  limit->max_sources = config->max_sources > 0 ? config->max_sources
                     : NS_RATELIMIT_DEFAULT_MAX_SOURCES;
  limit->sources = g_hash_table_new_full (source_key_hash, source_key_equal, NULL, g_free);
  g_queue_init (&limit->lru);
  limit->hash_seed = g_random_int ();
  return limit;
}

void
ns_ratelimit_free (NsRateLimit *limit)
{
  if (limit == NULL)
    return;
  g_hash_table_unref (limit->sources);
  g_free (limit);
}

static void
evict_oldest (NsRateLimit *limit)
{
  GList *link = g_queue_pop_tail_link (&limit->lru);
  SourceEntry *old = link->data;

  g_hash_table_remove (limit->sources, &old->key);
  limit->stats.evictions++;
}

static SourceEntry *
lookup_source (NsRateLimit *limit, GInetAddress *source)
{
  SourceKey key;
  SourceEntry *entry;

  source_key_init (&key, source, limit->hash_seed);
  entry = g_hash_table_lookup (limit->sources, &key);
  if (entry != NULL) {
    g_queue_unlink (&limit->lru, &entry->link);
    g_queue_push_head_link (&limit->lru, &entry->link);
    return entry;
  }
  if (g_hash_table_size (limit->sources) >= limit->max_sources)
    evict_oldest (limit);
  entry = g_new0 (SourceEntry, 1);
  entry->key = key;
  entry->tat = G_MININT64;
  entry->link.data = entry;
  g_hash_table_insert (limit->sources, &entry->key, entry);
  g_queue_push_head_link (&limit->lru, &entry->link);
  return entry;
}

NsRateLimitResult
ns_ratelimit_check (NsRateLimit *limit, GInetAddress *source, gint64 now_us)
{
  SourceEntry *entry = NULL;

  g_return_val_if_fail (limit != NULL, NS_RATELIMIT_GLOBAL_EXCEEDED);
  g_return_val_if_fail (G_IS_INET_ADDRESS (source), NS_RATELIMIT_SOURCE_EXCEEDED);

  if (limit->source_shape.interval_us != 0) {
    entry = lookup_source (limit, source);
    if (!conforms (&limit->source_shape, entry->tat, now_us)) {
      limit->stats.refused_source++;
      return NS_RATELIMIT_SOURCE_EXCEEDED;
    }
  }
  if (!conforms (&limit->global_shape, limit->global_tat, now_us)) {
    limit->stats.refused_global++;
    return NS_RATELIMIT_GLOBAL_EXCEEDED;
  }
  if (entry != NULL)
    entry->tat = consume (&limit->source_shape, entry->tat, now_us);
  limit->global_tat = consume (&limit->global_shape, limit->global_tat, now_us);
  limit->stats.allowed++;
  return NS_RATELIMIT_PASS;
}

void
ns_ratelimit_get_stats (const NsRateLimit *limit, NsRateLimitStats *ret_stats)
{
  g_return_if_fail (limit != NULL && ret_stats != NULL);
  *ret_stats = limit->stats;
  ret_stats->n_sources = g_hash_table_size (limit->sources);
}

/* ---- bounded-rate logging ------------------------------------------------ */

void
ns_log_ratelimit_init (NsLogRateLimit *rl, guint max_lines, gint64 interval_us)
{
  g_return_if_fail (rl != NULL);
  memset (rl, 0, sizeof *rl);
  rl->max_lines = max_lines;
  rl->interval_us = MAX (interval_us, 1);
}

gboolean
ns_ratelimit_should_log (NsLogRateLimit *rl, gint64 now_us, guint64 *ret_suppressed)
{
  g_return_val_if_fail (rl != NULL, FALSE);

  /* Fixed windows: a new one starts when the interval has passed since
   * the start of the current one (or the clock stepped backwards). */
  if (!rl->started || now_us - rl->window_start >= rl->interval_us ||
      now_us < rl->window_start) {
    rl->started = TRUE;
    rl->window_start = now_us;
    rl->in_window = 0;
  }
  if (rl->in_window >= rl->max_lines) {
    rl->suppressed++;
    rl->total_suppressed++;
    return FALSE;
  }
  rl->in_window++;
  if (ret_suppressed != NULL)
    *ret_suppressed = rl->suppressed;
  rl->suppressed = 0;
  return TRUE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Token-bucket rate limits for inbound messages, per source and overall,
 * and a bounded-rate helper for log lines.
 *
 * Pure: the caller passes the time (`now_us`, any monotonic microsecond
 * clock such as g_get_monotonic_time()), so tests are deterministic. Not
 * thread-safe; use from one thread. */

#include <gio/gio.h>

G_BEGIN_DECLS

/* Upper bound on tracked sources when the caller passes 0. */
#define NS_RATELIMIT_DEFAULT_MAX_SOURCES 4096

/* IPv6 sources are tracked per /64: one host owns a whole /64 (RFC 4291
 * §2.5.1 interface identifiers), so per-address buckets would let it rotate
 * addresses around the limit. */
#define NS_RATELIMIT_IPV6_PREFIX 64

/**
 * NsRateLimitConfig:
 * @per_source_rate: tokens (messages) per second for one source; <= 0
 *   disables the per-source limit.
 * @per_source_burst: bucket size per source (>= 1 when enabled).
 * @global_rate: tokens per second for all sources together; <= 0 disables.
 * @global_burst: global bucket size.
 * @max_sources: how many sources are tracked; the least recently seen one
 *   is forgotten when a new one arrives. 0 means the default.
 */
typedef struct {
  double per_source_rate;
  guint per_source_burst;
  double global_rate;
  guint global_burst;
  guint max_sources;
} NsRateLimitConfig;

/**
 * NsRateLimitStats:
 * @allowed: messages that got a token.
 * @refused_source: refused because their source's bucket was empty.
 * @refused_global: refused because the global bucket was empty.
 * @evictions: sources forgotten to make room for new ones.
 * @n_sources: sources tracked now.
 */
typedef struct {
  guint64 allowed;
  guint64 refused_source;
  guint64 refused_global;
  guint64 evictions;
  guint n_sources;
} NsRateLimitStats;

typedef enum {
  NS_RATELIMIT_PASS,
  NS_RATELIMIT_SOURCE_EXCEEDED,
  NS_RATELIMIT_GLOBAL_EXCEEDED,
} NsRateLimitResult;

typedef struct _NsRateLimit NsRateLimit;

/* Buckets start full. */
NsRateLimit *ns_ratelimit_new (const NsRateLimitConfig *config);
void ns_ratelimit_free (NsRateLimit *limit);

/* Takes one token from the source's bucket and one from the global bucket,
 * or none when either is empty (a source over its own limit does not
 * drain the global budget, and a global refusal does not charge the
 * source). @source may be IPv4, IPv6 or IPv4-mapped IPv6. Time going
 * backwards refills nothing. */
NsRateLimitResult ns_ratelimit_check (NsRateLimit *limit, GInetAddress *source, gint64 now_us);

void ns_ratelimit_get_stats (const NsRateLimit *limit, NsRateLimitStats *ret_stats);

/**
 * NsLogRateLimit:
 *
 * At most `max_lines` log lines per `interval_us`; the rest are counted.
 * Initialise with ns_log_ratelimit_init(); plain struct, embed it.
 */
typedef struct {
  gint64 interval_us;
  guint max_lines;
  gint64 window_start;
  guint in_window;
  gboolean started;
  guint64 suppressed;        /* since the last line that was let through */
  guint64 total_suppressed;  /* over the lifetime */
} NsLogRateLimit;

void ns_log_ratelimit_init (NsLogRateLimit *rl, guint max_lines, gint64 interval_us);

/* TRUE: log this line. @ret_suppressed (optional) then gets the number of
 * lines suppressed since the previous line that was let through (to say
 * "N similar messages suppressed"), and that count restarts at 0. FALSE:
 * do not log; the line is counted. */
gboolean ns_ratelimit_should_log (NsLogRateLimit *rl, gint64 now_us, guint64 *ret_suppressed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsRateLimit, ns_ratelimit_free)

G_END_DECLS

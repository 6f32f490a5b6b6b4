/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ratelimit.h"

#define SEC G_GINT64_CONSTANT (1000000)
#define PASS NS_RATELIMIT_PASS
#define SRC NS_RATELIMIT_SOURCE_EXCEEDED
#define GLOBAL NS_RATELIMIT_GLOBAL_EXCEEDED

/* One step of a scripted run: at time @t, a message from @source gives
 * @expect. */
typedef struct {
  gint64 t;
  const char *source;
  NsRateLimitResult expect;
} Step;

static void
run_steps (const NsRateLimitConfig *config, const Step *steps, gsize n)
{
  g_autoptr (NsRateLimit) limit = ns_ratelimit_new (config);

  for (gsize i = 0; i < n; i++) {
    g_autoptr (GInetAddress) a = g_inet_address_new_from_string (steps[i].source);
    NsRateLimitResult r;

    assert_non_null (a);
    r = ns_ratelimit_check (limit, a, steps[i].t);
    if (r != steps[i].expect)
      fail_msg ("step %" G_GSIZE_FORMAT " (t=%" G_GINT64_FORMAT " us, %s): got %d, expected %d",
                i, steps[i].t, steps[i].source, r, steps[i].expect);
  }
}

static void
test_per_source_burst_and_refill (void **state)
{
  const NsRateLimitConfig config = { 1.0, 3, 0, 0, 0 };
  const Step steps[] = {
    { 0, "10.0.0.1", PASS },
    { 0, "10.0.0.1", PASS },
    { 0, "10.0.0.1", PASS },          /* burst of 3 */
    { 0, "10.0.0.1", SRC },
    { SEC - 1, "10.0.0.1", SRC },     /* not yet a whole token */
    { SEC, "10.0.0.1", PASS },        /* one token per second */
    { SEC, "10.0.0.1", SRC },
    { 100 * SEC, "10.0.0.1", PASS },  /* refill stops at the burst */
    { 100 * SEC, "10.0.0.1", PASS },
    { 100 * SEC, "10.0.0.1", PASS },
    { 100 * SEC, "10.0.0.1", SRC },
  };

  run_steps (&config, steps, G_N_ELEMENTS (steps));
}

static void
test_sources_are_independent (void **state)
{
  const NsRateLimitConfig config = { 1.0, 1, 0, 0, 0 };
  const Step steps[] = {
    { 0, "10.0.0.1", PASS },
    { 0, "10.0.0.1", SRC },
    { 0, "10.0.0.2", PASS },
    { 0, "::ffff:10.0.0.1", SRC },         /* v4-mapped is the same host */
    { 0, "2001:db8::1", PASS },
    { 0, "2001:db8::2", SRC },             /* same /64 */
    { 0, "2001:db8::ffff:ffff:ffff:ffff", SRC },
    { 0, "2001:db8:0:1::1", PASS },        /* next /64 */
  };

  run_steps (&config, steps, G_N_ELEMENTS (steps));
}

static void
test_global_limit (void **state)
{
  const NsRateLimitConfig config = { 0, 0, 2.0, 2, 0 };
  const Step steps[] = {
    { 0, "10.0.0.1", PASS },
    { 0, "10.0.0.2", PASS },
    { 0, "10.0.0.3", GLOBAL },
    { SEC / 2, "10.0.0.3", PASS },   /* 2 per second: one every 0.5 s */
    { SEC / 2, "10.0.0.4", GLOBAL },
  };

  run_steps (&config, steps, G_N_ELEMENTS (steps));
}

static void
test_source_refusal_does_not_drain_global (void **state)
{
  /* Global bucket of 2 that never refills within the test. */
  const NsRateLimitConfig config = { 0.001, 1, 0.001, 2, 0 };
  const Step steps[] = {
    { 0, "10.0.0.1", PASS },
    { 1, "10.0.0.1", SRC },
    { 2, "10.0.0.1", SRC },
    { 3, "10.0.0.1", SRC },
    { 4, "10.0.0.2", PASS },     /* the global token is still there */
    { 5, "10.0.0.3", GLOBAL },
  };

  run_steps (&config, steps, G_N_ELEMENTS (steps));
}

static void
test_global_refusal_does_not_charge_source (void **state)
{
  const NsRateLimitConfig config = { 0.001, 1, 1.0, 1, 0 };
  const Step steps[] = {
    { 0, "10.0.0.1", PASS },
    { 0, "10.0.0.2", GLOBAL },
    { 0, "10.0.0.2", GLOBAL },
    { SEC, "10.0.0.2", PASS },   /* its own bucket was never charged */
    { 2 * SEC, "10.0.0.2", SRC },
  };

  run_steps (&config, steps, G_N_ELEMENTS (steps));
}

static void
test_fractional_rate (void **state)
{
  const NsRateLimitConfig config = { 0.5, 1, 0, 0, 0 };
  const Step steps[] = {
    { 0, "192.0.2.1", PASS },
    { SEC, "192.0.2.1", SRC },
    { 2 * SEC - 1, "192.0.2.1", SRC },
    { 2 * SEC, "192.0.2.1", PASS },
  };

  run_steps (&config, steps, G_N_ELEMENTS (steps));
}

static void
test_time_backwards (void **state)
{
  const NsRateLimitConfig config = { 1.0, 1, 0, 0, 0 };
  const Step steps[] = {
    { 10 * SEC, "192.0.2.1", PASS },
    { 5 * SEC, "192.0.2.1", SRC },    /* the clock stepped back: no refill */
    { 10 * SEC, "192.0.2.1", SRC },
    { 11 * SEC, "192.0.2.1", PASS },
  };

  run_steps (&config, steps, G_N_ELEMENTS (steps));
}

static void
test_flood_still_refills (void **state)
{
  /* A source that sends every millisecond must still get exactly its rate:
   * no refill may be lost to rounding between calls. */
  const NsRateLimitConfig config = { 1.0, 1, 0, 0, 0 };
  g_autoptr (NsRateLimit) limit = ns_ratelimit_new (&config);
  g_autoptr (GInetAddress) a = g_inet_address_new_from_string ("192.0.2.1");
  NsRateLimitStats stats;
  guint passed = 0;

  for (gint64 t = 0; t <= 10 * SEC; t += 1000)
    passed += ns_ratelimit_check (limit, a, t) == PASS;
  assert_int_equal (passed, 11); /* t = 0, 1 s, ..., 10 s */
  ns_ratelimit_get_stats (limit, &stats);
  assert_int_equal (stats.allowed, 11);
  assert_int_equal (stats.refused_source, 10001 - 11);
  assert_int_equal (stats.refused_global, 0);
  assert_int_equal (stats.n_sources, 1);
}

static void
test_disabled_limits (void **state)
{
  const NsRateLimitConfig config = { 0, 0, 0, 0, 0 };
  g_autoptr (NsRateLimit) limit = ns_ratelimit_new (&config);
  g_autoptr (GInetAddress) a = g_inet_address_new_from_string ("192.0.2.1");
  NsRateLimitStats stats;

  for (int i = 0; i < 1000; i++)
    assert_int_equal (ns_ratelimit_check (limit, a, 0), PASS);
  ns_ratelimit_get_stats (limit, &stats);
  assert_int_equal (stats.allowed, 1000);
  assert_int_equal (stats.n_sources, 0); /* nothing tracked when off */
}

static void
test_lru_eviction (void **state)
{
  const NsRateLimitConfig config = { 0.001, 1, 0, 0, 2 };
  const Step steps[] = {
    { 0, "10.0.0.1", PASS },     /* table: A */
    { 1, "10.0.0.2", PASS },     /* table: B A */
    { 2, "10.0.0.1", SRC },      /* A seen again: A B */
    { 3, "10.0.0.3", PASS },     /* full: B (least recent) goes: C A */
    { 4, "10.0.0.1", SRC },      /* A was kept: still empty. Table: A C */
    { 5, "10.0.0.2", PASS },     /* B was forgotten: fresh bucket. Evicts C: B A */
    { 6, "10.0.0.3", PASS },     /* C forgotten too. Evicts A: C B */
    { 7, "10.0.0.1", PASS },     /* and A now. */
  };
  g_autoptr (NsRateLimit) limit = ns_ratelimit_new (&config);
  NsRateLimitStats stats;

  run_steps (&config, steps, G_N_ELEMENTS (steps));
  /* Counters on a fresh limiter over the same script. */
  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++) {
    g_autoptr (GInetAddress) a = g_inet_address_new_from_string (steps[i].source);

    ns_ratelimit_check (limit, a, steps[i].t);
  }
  ns_ratelimit_get_stats (limit, &stats);
  assert_int_equal (stats.n_sources, 2);
  assert_int_equal (stats.evictions, 4);
  assert_int_equal (stats.allowed, 6);
  assert_int_equal (stats.refused_source, 2);
}

static void
test_table_stays_bounded (void **state)
{
  const NsRateLimitConfig config = { 1.0, 1, 0, 0, 0 };
  g_autoptr (NsRateLimit) limit = ns_ratelimit_new (&config);
  NsRateLimitStats stats;

  /* 10,000 spoofed sources: the table keeps the default 4096. */
  for (guint i = 0; i < 10000; i++) {
    guint8 b[4] = { 10, (guint8) (i >> 16), (guint8) (i >> 8), (guint8) i };
    g_autoptr (GInetAddress) a = g_inet_address_new_from_bytes (b, G_SOCKET_FAMILY_IPV4);

    assert_int_equal (ns_ratelimit_check (limit, a, i), PASS);
  }
  ns_ratelimit_get_stats (limit, &stats);
  assert_int_equal (stats.n_sources, NS_RATELIMIT_DEFAULT_MAX_SOURCES);
  assert_int_equal (stats.evictions, 10000 - NS_RATELIMIT_DEFAULT_MAX_SOURCES);
}

static void
test_log_ratelimit (void **state)
{
  static const struct {
    gint64 t;
    gboolean log;
    guint64 suppressed; /* when logged */
  } steps[] = {
    { 0, TRUE, 0 },
    { SEC / 10, TRUE, 0 },
    { SEC / 5, FALSE, 0 },
    { SEC / 2, FALSE, 0 },
    { SEC - 1, FALSE, 0 },
    { SEC, TRUE, 3 },          /* new window: reports the 3 suppressed */
    { SEC + 1, TRUE, 0 },
    { SEC + 2, FALSE, 0 },
    { SEC / 2, TRUE, 1 },      /* clock stepped back: new window */
  };
  NsLogRateLimit rl;

  ns_log_ratelimit_init (&rl, 2, SEC);
  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++) {
    guint64 suppressed = 999;
    gboolean log = ns_ratelimit_should_log (&rl, steps[i].t, &suppressed);

    if (log != steps[i].log)
      fail_msg ("step %" G_GSIZE_FORMAT ": log=%d", i, log);
    if (log)
      assert_int_equal (suppressed, steps[i].suppressed);
    else
      assert_int_equal (suppressed, 999); /* untouched when not logging */
  }
  assert_int_equal (rl.total_suppressed, 4);
}

static void
test_log_ratelimit_zero_lines (void **state)
{
  NsLogRateLimit rl;

  ns_log_ratelimit_init (&rl, 0, SEC);
  assert_false (ns_ratelimit_should_log (&rl, 0, NULL));
  assert_false (ns_ratelimit_should_log (&rl, 5 * SEC, NULL));
  assert_int_equal (rl.total_suppressed, 2);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_per_source_burst_and_refill),
    cmocka_unit_test (test_sources_are_independent),
    cmocka_unit_test (test_global_limit),
    cmocka_unit_test (test_source_refusal_does_not_drain_global),
    cmocka_unit_test (test_global_refusal_does_not_charge_source),
    cmocka_unit_test (test_fractional_rate),
    cmocka_unit_test (test_time_backwards),
    cmocka_unit_test (test_flood_still_refills),
    cmocka_unit_test (test_disabled_limits),
    cmocka_unit_test (test_lru_eviction),
    cmocka_unit_test (test_table_stays_bounded),
    cmocka_unit_test (test_log_ratelimit),
    cmocka_unit_test (test_log_ratelimit_zero_lines),
  };

  return cmocka_run_group_tests_name ("ratelimit", tests, NULL, NULL);
}

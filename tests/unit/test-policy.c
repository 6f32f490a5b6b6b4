/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "policy.h"

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define EMPTY ((const char *const[]){ NULL })

static const char *const lan_and_loopback[] = { "192.168.1.0/24", "127.0.0.0/8", "::1/128", NULL };

/* ---- glob matching ---------------------------------------------------------- */

static const struct {
  const char *pattern;
  const char *name;
  gboolean match;
} glob_cases[] = {
  { "ALICE", "ALICE", TRUE },
  { "alice", "ALICE", TRUE },                 /* case-insensitive */
  { "ALICE", "alice          ", TRUE },       /* NetBIOS space padding */
  { "ALICE", "ALICEX", FALSE },
  { "ALICE", "ALIC", FALSE },
  { "*", "", TRUE },
  { "*", "ANYTHING", TRUE },
  { "?", "", FALSE },
  { "?", "A", TRUE },
  { "A?C", "ABC", TRUE },
  { "A?C", "AC", FALSE },
  { "PowerChute@*", "POWERCHUTE@NETCOMP1", TRUE },
  { "*@NETCOMP1", "PowerChute@netcomp1", TRUE },
  { "*SPAM*", "XSPAMX", TRUE },
  { "*SPAM*", "SPAM", TRUE },
  { "*SPAM*", "SPA", FALSE },
  { "A*B*C", "AXXBYYC", TRUE },
  { "A*B*C", "AXXBYY", FALSE },
  { "A*B*C", "ABCBC", TRUE },                 /* needs the backtrack */
  { "**A**", "BAB", TRUE },
  { "иван", "ИВАН", TRUE },                   /* Unicode upper-casing */
  { "?ВАН", "иван", TRUE },                   /* '?' is one character, not one byte */
  { "MÜLLER", "müller", TRUE },
  { "*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", FALSE },
};

static void
test_glob_table (void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS (glob_cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (NsNameGlob) glob = ns_name_glob_new (glob_cases[i].pattern, &error);

    assert_non_null (glob);
    assert_null (error);
    if (ns_name_glob_match (glob, glob_cases[i].name) != glob_cases[i].match)
      fail_msg ("case %u: '%s' vs '%s' should %smatch", i, glob_cases[i].pattern,
                glob_cases[i].name, glob_cases[i].match ? "" : "not ");
  }
}

static void
test_glob_invalid (void **state)
{
  static const char *const bad[] = { "", "A\tB", "A\x1b[31m", "\xff\xfe" };
  g_autofree char *long_pattern = g_strnfill (NS_NAME_GLOB_MAX_BYTES + 1, 'A');

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;

    assert_null (ns_name_glob_new (bad[i], &error));
    assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  }
  {
    g_autoptr (GError) error = NULL;

    assert_null (ns_name_glob_new (long_pattern, &error));
    assert_non_null (strstr (error->message, "256"));
  }
}

static void
test_name_normalize (void **state)
{
  g_autofree char *a = ns_name_normalize ("alice   ");
  g_autofree char *b = ns_name_normalize (NULL);
  g_autofree char *c = ns_name_normalize ("  bob");
  g_autofree char *d = ns_name_normalize ("x\xff");

  assert_string_equal (a, "ALICE");
  assert_string_equal (b, "");
  assert_string_equal (c, "  BOB");          /* only trailing padding goes */
  assert_string_equal (d, "X\xef\xbf\xbd");  /* invalid byte -> U+FFFD */
}

/* ---- addresses ---------------------------------------------------------------- */

static void
test_unmap (void **state)
{
  g_autoptr (GInetAddress) mapped = g_inet_address_new_from_string ("::ffff:10.1.2.3");
  g_autoptr (GInetAddress) v6 = g_inet_address_new_from_string ("2001:db8::1");
  g_autoptr (GInetAddress) a = ns_inet_address_unmap (mapped);
  g_autoptr (GInetAddress) b = ns_inet_address_unmap (v6);
  g_autofree char *as = g_inet_address_to_string (a);

  assert_int_equal (g_inet_address_get_family (a), G_SOCKET_FAMILY_IPV4);
  assert_string_equal (as, "10.1.2.3");
  assert_true (g_inet_address_equal (b, v6));
}

/* ---- parse errors --------------------------------------------------------------- */

typedef gboolean (*Setter) (NsPolicy *, const char *const *, GError **);

static const struct {
  const char *what;
  Setter set;
  const char *const *entries;
  const char *message;
} parse_errors[] = {
  { "bad octet", ns_policy_set_allow, LIST ("10.0.0.300/8"),
    "allow: '10.0.0.300/8' is not a CIDR (bad address)" },
  { "prefix too long", ns_policy_set_allow, LIST ("10.0.0.0/33"),
    "allow: '10.0.0.0/33' is not a CIDR (prefix length must be 0-32)" },
  { "v6 prefix too long", ns_policy_set_allow, LIST ("fe80::/129"),
    "allow: 'fe80::/129' is not a CIDR (prefix length must be 0-128)" },
  { "host bits", ns_policy_set_allow, LIST ("10.0.0.1/8"),
    "allow: '10.0.0.1/8' is not a CIDR (address has bits set beyond the /8 prefix)" },
  { "not a number", ns_policy_set_allow, LIST ("10.0.0.0/x"),
    "allow: '10.0.0.0/x' is not a CIDR (prefix length must be 0-32)" },
  { "hostname", ns_policy_set_allow, LIST ("127.0.0.1", "localhost"),
    "allow: 'localhost' is not a CIDR (bad address)" },
  { "empty entry", ns_policy_set_allow, LIST ("127.0.0.1", "  "),
    "allow: entry 2 is empty" },
  { "control char", ns_policy_set_allow, LIST ("10.0.0.0/8\x01"),
    "allow: '10.0.0.0/8\\001' is not a CIDR (prefix length must be 0-32)" },
  { "empty glob", ns_policy_set_allow_senders, LIST (""),
    "allow-senders: '' is not a valid name or glob: name pattern is empty" },
  { "deny glob with tab", ns_policy_set_deny_senders, LIST ("OK", "A\tB"),
    "deny-senders: 'A\\tB' is not a valid name or glob: name pattern contains a control character" },
  { "recipient bad utf8", ns_policy_set_recipients, LIST ("\xc3"),
    "recipients: '\\303' is not a valid name or glob: name pattern is not valid UTF-8" },
};

static void
test_parse_errors (void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS (parse_errors); i++) {
    g_autoptr (NsPolicy) policy = ns_policy_new ();
    g_autoptr (GError) error = NULL;
    g_autofree char *before = NULL, *after = NULL;

    assert_true (ns_policy_set_allow (policy, LIST ("127.0.0.1"), NULL));
    before = ns_policy_describe (policy);
    if (parse_errors[i].set (policy, parse_errors[i].entries, &error))
      fail_msg ("%s: accepted", parse_errors[i].what);
    assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
    if (strcmp (error->message, parse_errors[i].message) != 0)
      fail_msg ("%s: got \"%s\"", parse_errors[i].what, error->message);
    /* All or nothing: a failed setter leaves the policy as it was. */
    after = ns_policy_describe (policy);
    assert_string_equal (before, after);
  }
}

static void
test_parse_forms (void **state)
{
  g_autoptr (NsPolicy) policy = ns_policy_new ();
  g_autofree char *s0 = NULL, *s1 = NULL, *s2 = NULL;

  assert_true (ns_policy_set_allow (policy, LIST (" 10.0.0.0/8 ", "fe80::/10", "192.0.2.7"), NULL));
  assert_int_equal (ns_policy_get_n_allow (policy), 3);
  s0 = g_inet_address_mask_to_string (ns_policy_get_allow (policy, 0));
  s1 = g_inet_address_mask_to_string (ns_policy_get_allow (policy, 1));
  s2 = g_inet_address_mask_to_string (ns_policy_get_allow (policy, 2));
  assert_string_equal (s0, "10.0.0.0/8");
  assert_string_equal (s1, "fe80::/10");
  assert_string_equal (s2, "192.0.2.7");
}

/* ---- the decision table ------------------------------------------------------------- */

typedef struct {
  const char *what;
  const char *const *allow;
  const char *const *allow_senders; /* NULL: key absent */
  const char *const *deny_senders;
  const char *const *recipients;    /* NULL: key absent */
  gsize max_bytes;                  /* 0: default */
  const char *source;               /* NULL: no address */
  const char *from;
  const char *to;
  gsize size;
  NsVerdict expect;
} CheckCase;

static const CheckCase check_cases[] = {
  /* Sources. */
  { "new policy denies", EMPTY, NULL, NULL, NULL, 0, "127.0.0.1", "A", "B", 5,
    NS_VERDICT_SOURCE_NOT_ALLOWED },
  { "lan allowed", lan_and_loopback, NULL, NULL, NULL, 0, "192.168.1.77", "A", "B", 5,
    NS_VERDICT_ACCEPTED },
  { "lan edge low", lan_and_loopback, NULL, NULL, NULL, 0, "192.168.1.0", "A", "B", 5,
    NS_VERDICT_ACCEPTED },
  { "lan edge high", lan_and_loopback, NULL, NULL, NULL, 0, "192.168.1.255", "A", "B", 5,
    NS_VERDICT_ACCEPTED },
  { "next subnet", lan_and_loopback, NULL, NULL, NULL, 0, "192.168.2.1", "A", "B", 5,
    NS_VERDICT_SOURCE_NOT_ALLOWED },
  { "below subnet", lan_and_loopback, NULL, NULL, NULL, 0, "192.168.0.255", "A", "B", 5,
    NS_VERDICT_SOURCE_NOT_ALLOWED },
  { "loopback v4", lan_and_loopback, NULL, NULL, NULL, 0, "127.5.6.7", "A", "B", 5,
    NS_VERDICT_ACCEPTED },
  { "loopback v6", lan_and_loopback, NULL, NULL, NULL, 0, "::1", "A", "B", 5,
    NS_VERDICT_ACCEPTED },
  { "v4-mapped lan", lan_and_loopback, NULL, NULL, NULL, 0, "::ffff:192.168.1.9", "A", "B", 5,
    NS_VERDICT_ACCEPTED },
  { "v4-mapped outside", lan_and_loopback, NULL, NULL, NULL, 0, "::ffff:8.8.8.8", "A", "B", 5,
    NS_VERDICT_SOURCE_NOT_ALLOWED },
  { "v6 outside", lan_and_loopback, NULL, NULL, NULL, 0, "2001:db8::1", "A", "B", 5,
    NS_VERDICT_SOURCE_NOT_ALLOWED },
  { "v6 prefix", LIST ("2001:db8:1::/48"), NULL, NULL, NULL, 0, "2001:db8:1:ffff::5", "A", "B", 5,
    NS_VERDICT_ACCEPTED },
  { "v6 prefix miss", LIST ("2001:db8:1::/48"), NULL, NULL, NULL, 0, "2001:db8:2::5", "A", "B", 5,
    NS_VERDICT_SOURCE_NOT_ALLOWED },
  { "v4 rule, v6 peer", LIST ("0.0.0.0/0"), NULL, NULL, NULL, 0, "2001:db8::1", "A", "B", 5,
    NS_VERDICT_SOURCE_NOT_ALLOWED },
  { "v4 everything", LIST ("0.0.0.0/0"), NULL, NULL, NULL, 0, "203.0.113.9", "A", "B", 5,
    NS_VERDICT_ACCEPTED },
  { "single host", LIST ("192.0.2.7"), NULL, NULL, NULL, 0, "192.0.2.7", "A", "B", 5,
    NS_VERDICT_ACCEPTED },
  { "single host miss", LIST ("192.0.2.7"), NULL, NULL, NULL, 0, "192.0.2.8", "A", "B", 5,
    NS_VERDICT_SOURCE_NOT_ALLOWED },
  { "no source address", lan_and_loopback, NULL, NULL, NULL, 0, NULL, "A", "B", 5,
    NS_VERDICT_SOURCE_NOT_ALLOWED },
  /* Size. */
  { "at default cap", lan_and_loopback, NULL, NULL, NULL, 0, "127.0.0.1", "A", "B", 4095,
    NS_VERDICT_ACCEPTED },
  { "over default cap", lan_and_loopback, NULL, NULL, NULL, 0, "127.0.0.1", "A", "B", 4096,
    NS_VERDICT_TOO_LARGE },
  { "at cap", lan_and_loopback, NULL, NULL, NULL, 652, "127.0.0.1", "A", "B", 652,
    NS_VERDICT_ACCEPTED },
  { "over cap", lan_and_loopback, NULL, NULL, NULL, 652, "127.0.0.1", "A", "B", 653,
    NS_VERDICT_TOO_LARGE },
  { "empty message", lan_and_loopback, NULL, NULL, NULL, 652, "127.0.0.1", "A", "B", 0,
    NS_VERDICT_ACCEPTED },
  { "source checked before size", LIST ("10.0.0.0/8"), NULL, NULL, NULL, 1, "127.0.0.1", "A", "B", 9,
    NS_VERDICT_SOURCE_NOT_ALLOWED },
  /* Recipients. */
  { "recipient listed", lan_and_loopback, NULL, NULL, LIST ("ALICE", "HOST"), 0, "127.0.0.1",
    "X", "alice", 5, NS_VERDICT_ACCEPTED },
  { "recipient padded", lan_and_loopback, NULL, NULL, LIST ("HOST"), 0, "127.0.0.1",
    "X", "HOST           ", 5, NS_VERDICT_ACCEPTED },
  { "recipient not listed", lan_and_loopback, NULL, NULL, LIST ("ALICE", "HOST"), 0, "127.0.0.1",
    "X", "BOB", 5, NS_VERDICT_RECIPIENT_NOT_ACCEPTING },
  { "recipients empty list", lan_and_loopback, NULL, NULL, EMPTY, 0, "127.0.0.1",
    "X", "ALICE", 5, NS_VERDICT_RECIPIENT_NOT_ACCEPTING },
  { "recipients absent", lan_and_loopback, NULL, NULL, NULL, 0, "127.0.0.1",
    "X", "ANYONE", 5, NS_VERDICT_ACCEPTED },
  { "recipient glob", lan_and_loopback, NULL, NULL, LIST ("OPS-*"), 0, "127.0.0.1",
    "X", "ops-night", 5, NS_VERDICT_ACCEPTED },
  { "null recipient", lan_and_loopback, NULL, NULL, LIST ("ALICE"), 0, "127.0.0.1",
    "X", NULL, 5, NS_VERDICT_RECIPIENT_NOT_ACCEPTING },
  /* Senders. */
  { "sender denied", lan_and_loopback, NULL, LIST ("SPAMMER"), NULL, 0, "127.0.0.1",
    "spammer", "B", 5, NS_VERDICT_SENDER_DENIED },
  { "deny glob", lan_and_loopback, NULL, LIST ("*SPAM*"), NULL, 0, "127.0.0.1",
    "BIGSPAMCO", "B", 5, NS_VERDICT_SENDER_DENIED },
  { "deny miss", lan_and_loopback, NULL, LIST ("*SPAM*"), NULL, 0, "127.0.0.1",
    "UPS", "B", 5, NS_VERDICT_ACCEPTED },
  { "deny wins over allow", lan_and_loopback, LIST ("*"), LIST ("EVIL"), NULL, 0, "127.0.0.1",
    "EVIL", "B", 5, NS_VERDICT_SENDER_DENIED },
  { "deny wins over exact allow", lan_and_loopback, LIST ("EVIL"), LIST ("EV*"), NULL, 0,
    "127.0.0.1", "evil", "B", 5, NS_VERDICT_SENDER_DENIED },
  { "allow-senders hit", lan_and_loopback, LIST ("PowerChute@*", "PRINTSRV"), NULL, NULL, 0,
    "127.0.0.1", "PowerChute@NETCOMP1", "B", 5, NS_VERDICT_ACCEPTED },
  { "allow-senders miss", lan_and_loopback, LIST ("PowerChute@*", "PRINTSRV"), NULL, NULL, 0,
    "127.0.0.1", "MALLORY", "B", 5, NS_VERDICT_SENDER_NOT_ALLOWED },
  { "allow-senders empty list", lan_and_loopback, EMPTY, NULL, NULL, 0,
    "127.0.0.1", "PRINTSRV", "B", 5, NS_VERDICT_SENDER_NOT_ALLOWED },
  { "null sender vs star", lan_and_loopback, LIST ("*"), NULL, NULL, 0,
    "127.0.0.1", NULL, "B", 5, NS_VERDICT_ACCEPTED },
  { "null sender vs name", lan_and_loopback, LIST ("A"), NULL, NULL, 0,
    "127.0.0.1", NULL, "B", 5, NS_VERDICT_SENDER_NOT_ALLOWED },
  { "cyrillic sender", lan_and_loopback, LIST ("ИВАН"), NULL, NULL, 0,
    "127.0.0.1", "Иван", "B", 5, NS_VERDICT_ACCEPTED },
  /* Order of reasons. */
  { "recipient before sender", lan_and_loopback, NULL, LIST ("EVIL"), LIST ("ALICE"), 0,
    "127.0.0.1", "EVIL", "BOB", 5, NS_VERDICT_RECIPIENT_NOT_ACCEPTING },
  { "size before sender", lan_and_loopback, NULL, LIST ("EVIL"), NULL, 10,
    "127.0.0.1", "EVIL", "BOB", 11, NS_VERDICT_TOO_LARGE },
};

static void
run_check_case (const CheckCase *c)
{
  g_autoptr (NsPolicy) policy = ns_policy_new ();
  g_autoptr (GInetAddress) source = c->source != NULL ? g_inet_address_new_from_string (c->source) : NULL;
  NsInboundMeta meta = { NS_TRANSPORT_SMB, source, 1234, c->from, c->to, c->size };
  NsVerdict verdict = NS_VERDICT_MALFORMED;
  NsDecision decision;

  assert_true (c->source == NULL || source != NULL);
  assert_true (ns_policy_set_allow (policy, c->allow, NULL));
  assert_true (ns_policy_set_allow_senders (policy, c->allow_senders, NULL));
  assert_true (ns_policy_set_deny_senders (policy, c->deny_senders, NULL));
  assert_true (ns_policy_set_recipients (policy, c->recipients, NULL));
  if (c->max_bytes != 0)
    ns_policy_set_max_message_bytes (policy, c->max_bytes);
  decision = ns_policy_check (policy, &meta, &verdict);
  if (verdict != c->expect)
    fail_msg ("%s: got \"%s\", expected \"%s\"", c->what, ns_verdict_to_string (verdict),
              ns_verdict_to_string (c->expect));
  assert_int_equal (decision, c->expect == NS_VERDICT_ACCEPTED ? NS_DECISION_ALLOW : NS_DECISION_DENY);
  /* The reason is optional. */
  assert_int_equal (ns_policy_check (policy, &meta, NULL), decision);
}

static void
test_check_table (void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS (check_cases); i++)
    run_check_case (&check_cases[i]);
}

static void
test_transport_does_not_matter (void **state)
{
  g_autoptr (NsPolicy) policy = ns_policy_new ();
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  assert_true (ns_policy_set_allow (policy, LIST ("127.0.0.0/8"), NULL));
  for (NsTransportKind t = NS_TRANSPORT_SMB; t <= NS_TRANSPORT_RPC; t++) {
    NsInboundMeta meta = { t, lo, 138, "A", "B", 1 };

    assert_int_equal (ns_policy_check (policy, &meta, NULL), NS_DECISION_ALLOW);
  }
}

static void
test_verdict_names (void **state)
{
  for (NsVerdict v = 0; v < NS_VERDICT_N_VALUES; v++) {
    NsVerdict back = NS_VERDICT_N_VALUES;

    assert_true (ns_verdict_from_nick (ns_verdict_to_nick (v), &back));
    assert_int_equal (back, v);
    assert_string_not_equal (ns_verdict_to_string (v), "unknown");
  }
  assert_string_equal (ns_verdict_to_string (NS_VERDICT_SOURCE_NOT_ALLOWED), "source not allowed");
  assert_string_equal (ns_verdict_to_nick (NS_VERDICT_RECIPIENT_NOT_ACCEPTING), "recipient-not-accepting");
  assert_false (ns_verdict_from_nick ("nonsense", NULL));
  assert_string_equal (ns_verdict_to_string ((NsVerdict) 99), "unknown");
  for (NsTransportKind t = NS_TRANSPORT_SMB; t <= NS_TRANSPORT_RPC; t++) {
    NsTransportKind back = 99;

    assert_true (ns_transport_kind_from_string (ns_transport_kind_to_string (t), &back));
    assert_int_equal (back, t);
  }
  assert_false (ns_transport_kind_from_string ("ipx", NULL));
}

static void
test_describe (void **state)
{
  g_autoptr (NsPolicy) policy = ns_policy_new ();
  g_autofree char *empty = ns_policy_describe (policy);
  g_autofree char *full = NULL;

  assert_string_equal (empty,
                       "allow: (none: every source is denied)\n"
                       "allow-senders: (any)\n"
                       "deny-senders: (none)\n"
                       "recipients: (all our names)\n"
                       "max-message-bytes: 4095\n");
  assert_true (ns_policy_set_allow (policy, LIST ("10.0.0.0/8", "::1"), NULL));
  assert_true (ns_policy_set_allow_senders (policy, EMPTY, NULL));
  assert_true (ns_policy_set_deny_senders (policy, LIST ("spam*"), NULL));
  assert_true (ns_policy_set_recipients (policy, LIST ("alice", "host"), NULL));
  ns_policy_set_max_message_bytes (policy, 652);
  full = ns_policy_describe (policy);
  assert_string_equal (full,
                       "allow: 10.0.0.0/8 ::1\n"
                       "allow-senders: (none)\n"
                       "deny-senders: SPAM*\n"
                       "recipients: ALICE HOST\n"
                       "max-message-bytes: 652\n");
}

static void
test_new_full (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NsPolicy) bad = ns_policy_new_full (LIST ("127.0.0.1"), NULL, LIST ("ok", ""), NULL, 10, &error);
  g_autoptr (NsPolicy) policy = ns_policy_new_full (LIST ("127.0.0.1"), LIST ("UPS"), NULL, NULL, 10, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  NsInboundMeta meta = { NS_TRANSPORT_RPC, lo, 135, "ups", "HOST", 10 };
  NsVerdict v;

  assert_null (bad);
  assert_string_equal (error->message, "deny-senders: '' is not a valid name or glob: name pattern is empty");
  assert_non_null (policy);
  assert_int_equal (ns_policy_get_max_message_bytes (policy), 10);
  assert_int_equal (ns_policy_check (policy, &meta, &v), NS_DECISION_ALLOW);
  meta.size = 11;
  assert_int_equal (ns_policy_check (policy, &meta, &v), NS_DECISION_DENY);
  assert_int_equal (v, NS_VERDICT_TOO_LARGE);
  meta.size = 1;
  meta.from = "OTHER";
  assert_int_equal (ns_policy_check (policy, &meta, &v), NS_DECISION_DENY);
  assert_int_equal (v, NS_VERDICT_SENDER_NOT_ALLOWED);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_glob_table),
    cmocka_unit_test (test_glob_invalid),
    cmocka_unit_test (test_name_normalize),
    cmocka_unit_test (test_unmap),
    cmocka_unit_test (test_parse_errors),
    cmocka_unit_test (test_parse_forms),
    cmocka_unit_test (test_check_table),
    cmocka_unit_test (test_transport_does_not_matter),
    cmocka_unit_test (test_verdict_names),
    cmocka_unit_test (test_describe),
    cmocka_unit_test (test_new_full),
  };

  return cmocka_run_group_tests_name ("policy", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Fuzzes the policy rule syntax and one match (STYLE.md practice 15).
 *
 * Input: lines "<tag><value>". Tags: A allow CIDR, S allow-senders glob
 * (a line "s" sets allow-senders to an empty list), D deny-senders glob,
 * R recipient (a line "r": empty list), M max-message-bytes, I source
 * address, F from, T to, Z size. Other lines are ignored.
 *
 * Checks, abort() on failure:
 * - every accepted CIDR prints and parses back to an equal mask;
 * - glob normalisation is idempotent, and our glob matcher agrees with
 *   GLib's GPatternSpec on the normalised strings (differential oracle);
 * - the decision agrees with an independent evaluation of each rule, and
 *   a refusal names the first rule that fails. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct {
  GPtrArray *allow, *allow_senders, *deny_senders, *recipients;
  gboolean allow_senders_set, recipients_set;
  char *source, *from, *to;
  guint64 max_bytes, size;
  gboolean have_max;
} Input;

static void
input_clear (Input *in)
{
  g_ptr_array_unref (in->allow);
  g_ptr_array_unref (in->allow_senders);
  g_ptr_array_unref (in->deny_senders);
  g_ptr_array_unref (in->recipients);
  g_free (in->source);
  g_free (in->from);
  g_free (in->to);
}

static void
parse_input (const char *text, Input *in)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", 64);

  in->allow = g_ptr_array_new_with_free_func (g_free);
  in->allow_senders = g_ptr_array_new_with_free_func (g_free);
  in->deny_senders = g_ptr_array_new_with_free_func (g_free);
  in->recipients = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; lines[i] != NULL; i++) {
    const char *v = lines[i] + (lines[i][0] != '\0');

    switch (lines[i][0]) {
    case 'A': g_ptr_array_add (in->allow, g_strdup (v)); break;
    case 'S': g_ptr_array_add (in->allow_senders, g_strdup (v)); in->allow_senders_set = TRUE; break;
    case 's': in->allow_senders_set = TRUE; break;
    case 'D': g_ptr_array_add (in->deny_senders, g_strdup (v)); break;
    case 'R': g_ptr_array_add (in->recipients, g_strdup (v)); in->recipients_set = TRUE; break;
    case 'r': in->recipients_set = TRUE; break;
    case 'M': in->have_max = g_ascii_string_to_unsigned (v, 10, 0, G_MAXUINT32, &in->max_bytes, NULL); break;
    case 'I': g_free (in->source); in->source = g_strdup (v); break;
    case 'F': g_free (in->from); in->from = g_strdup (v); break;
    case 'T': g_free (in->to); in->to = g_strdup (v); break;
    case 'Z': g_ascii_string_to_unsigned (v, 10, 0, G_MAXUINT32, &in->size, NULL); break;
    default: break;
    }
  }
  g_ptr_array_add (in->allow, NULL);
  g_ptr_array_add (in->allow_senders, NULL);
  g_ptr_array_add (in->deny_senders, NULL);
  g_ptr_array_add (in->recipients, NULL);
}

#define STRV(a) ((const char *const *) (a)->pdata)

static void
check_cidr_round_trip (const NsPolicy *policy)
{
  for (guint i = 0; i < ns_policy_get_n_allow (policy); i++) {
    GInetAddressMask *mask = ns_policy_get_allow (policy, i);
    g_autofree char *s = g_inet_address_mask_to_string (mask);
    const char *const again[] = { s, NULL };
    g_autoptr (NsPolicy) p2 = ns_policy_new ();

    if (!ns_policy_set_allow (p2, again, NULL) ||
        !g_inet_address_mask_equal (mask, ns_policy_get_allow (p2, 0)))
      abort ();
  }
}

static gsize
count_stars (const char *s)
{
  gsize n = 0;

  for (; *s != '\0'; s++)
    n += *s == '*';
  return n;
}

/* Compiles @patterns (all valid: the policy accepted them) and returns
 * whether any matches @name; checks each against GPatternSpec on the way. */
static gboolean
oracle_any_match (const char *const *patterns, const char *name)
{
  g_autofree char *norm_name = ns_name_normalize (name);
  gboolean any = FALSE;

  for (guint i = 0; patterns[i] != NULL; i++) {
    g_autofree char *trimmed = g_strstrip (g_strdup (patterns[i]));
    g_autoptr (NsNameGlob) glob = ns_name_glob_new (trimmed, NULL);
    g_autoptr (NsNameGlob) again = NULL;
    gboolean ours;

    if (glob == NULL)
      abort ();
    /* Normalising a normalised pattern changes nothing. */
    again = ns_name_glob_new (ns_name_glob_get_pattern (glob), NULL);
    if (again == NULL || strcmp (ns_name_glob_get_pattern (again), ns_name_glob_get_pattern (glob)) != 0)
      abort ();
    ours = ns_name_glob_match (glob, name);
    /* GLib's matcher backtracks per star; keep it to cheap inputs. */
    if (count_stars (ns_name_glob_get_pattern (glob)) <= 4 && strlen (norm_name) <= 64 &&
        g_pattern_match_simple (ns_name_glob_get_pattern (glob), norm_name) != ours)
      abort ();
    any |= ours;
  }
  return any;
}

static gboolean
oracle_source (const NsPolicy *policy, GInetAddress *source)
{
  g_autoptr (GInetAddress) addr = NULL;

  if (source == NULL)
    return FALSE;
  addr = ns_inet_address_unmap (source);
  for (guint i = 0; i < ns_policy_get_n_allow (policy); i++) {
    if (g_inet_address_mask_matches (ns_policy_get_allow (policy, i), addr))
      return TRUE;
  }
  return FALSE;
}

static NsVerdict
oracle (const NsPolicy *policy, const Input *in, GInetAddress *source)
{
  gboolean deny_hit = oracle_any_match (STRV (in->deny_senders), in->from);
  gboolean allow_hit = oracle_any_match (STRV (in->allow_senders), in->from);
  gboolean recipient_hit = oracle_any_match (STRV (in->recipients), in->to);

  if (!oracle_source (policy, source))
    return NS_VERDICT_SOURCE_NOT_ALLOWED;
  if (in->size > ns_policy_get_max_message_bytes (policy))
    return NS_VERDICT_TOO_LARGE;
  if (in->recipients_set && !recipient_hit)
    return NS_VERDICT_RECIPIENT_NOT_ACCEPTING;
  if (deny_hit)
    return NS_VERDICT_SENDER_DENIED;
  if (in->allow_senders_set && !allow_hit)
    return NS_VERDICT_SENDER_NOT_ALLOWED;
  return NS_VERDICT_ACCEPTED;
}

static gboolean
build (NsPolicy *policy, const Input *in)
{
  gboolean ok = TRUE;

  ok &= ns_policy_set_allow (policy, STRV (in->allow), NULL);
  ok &= ns_policy_set_allow_senders (policy, in->allow_senders_set ? STRV (in->allow_senders) : NULL, NULL);
  ok &= ns_policy_set_deny_senders (policy, STRV (in->deny_senders), NULL);
  ok &= ns_policy_set_recipients (policy, in->recipients_set ? STRV (in->recipients) : NULL, NULL);
  if (in->have_max)
    ns_policy_set_max_message_bytes (policy, in->max_bytes);
  return ok;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;
  g_autoptr (NsPolicy) policy = ns_policy_new ();
  g_autoptr (GInetAddress) source = NULL;
  g_autofree char *describe = NULL;
  Input in = { 0 };
  NsVerdict verdict = NS_VERDICT_N_VALUES;
  NsDecision decision;

  if (size > 8192)
    return 0;
  text = g_strndup ((const char *) data, size);
  parse_input (text, &in);
  if (!build (policy, &in)) {
    /* Some list was refused: the policy must still deny by default or
     * hold only what parsed; nothing more to check. */
    describe = ns_policy_describe (policy);
    input_clear (&in);
    return 0;
  }
  check_cidr_round_trip (policy);
  describe = ns_policy_describe (policy);
  source = in.source != NULL ? g_inet_address_new_from_string (in.source) : NULL;
  {
    NsInboundMeta meta = { NS_TRANSPORT_MAILSLOT, source, 138, in.from, in.to, in.size };

    decision = ns_policy_check (policy, &meta, &verdict);
  }
  if (verdict != oracle (policy, &in, source))
    abort ();
  if ((decision == NS_DECISION_ALLOW) != (verdict == NS_VERDICT_ACCEPTED))
    abort ();
  input_clear (&in);
  return 0;
}

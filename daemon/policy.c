/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Receive policy: CIDR allow-list, sender globs, recipients, size cap.
 *
 * Every protocol path of Messenger is unauthenticated (MS-MSRP §2.1.1-2.1.3,
 * §5.1) and UDP sources are trivially spoofed, so the default is to deny:
 * a new NsPolicy allows no source at all, and the daemon widens it only to
 * what the administrator configured (LANDSCAPE.md §10.4). */

#include "policy.h"

#include <string.h>

struct _NsNameGlob {
  char *pattern;     /* normalised UTF-8, for display */
  gunichar *chars;   /* normalised, as code points */
  glong n_chars;
};

struct _NsPolicy {
  GPtrArray *allow;           /* of GInetAddressMask */
  GPtrArray *allow_senders;   /* of NsNameGlob; NULL = any sender */
  GPtrArray *deny_senders;    /* of NsNameGlob; never NULL */
  GPtrArray *recipients;      /* of NsNameGlob; NULL = any of our names */
  gsize max_message_bytes;
};

/* ---- transports and verdicts ------------------------------------------- */

static const char *const transport_names[] = {
  [NS_TRANSPORT_SMB] = "smb",
  [NS_TRANSPORT_MAILSLOT] = "mailslot",
  [NS_TRANSPORT_RPC] = "rpc",
};

const char *
ns_transport_kind_to_string (NsTransportKind kind)
{
  if ((guint) kind >= G_N_ELEMENTS (transport_names))
    return "unknown";
  return transport_names[kind];
}

gboolean
ns_transport_kind_from_string (const char *str, NsTransportKind *ret_kind)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (transport_names); i++) {
    if (g_ascii_strcasecmp (str, transport_names[i]) == 0) {
      if (ret_kind != NULL)
        *ret_kind = (NsTransportKind) i;
      return TRUE;
    }
  }
  return FALSE;
}

static const struct {
  const char *nick;
  const char *text;
} verdicts[NS_VERDICT_N_VALUES] = {
  [NS_VERDICT_ACCEPTED] = { "accepted", "accepted" },
  [NS_VERDICT_SOURCE_NOT_ALLOWED] = { "source-not-allowed", "source not allowed" },
  [NS_VERDICT_SENDER_DENIED] = { "sender-denied", "sender denied" },
  [NS_VERDICT_SENDER_NOT_ALLOWED] = { "sender-not-allowed", "sender not allowed" },
  [NS_VERDICT_RECIPIENT_NOT_ACCEPTING] = { "recipient-not-accepting", "recipient not accepting" },
  [NS_VERDICT_TOO_LARGE] = { "too-large", "too large" },
  [NS_VERDICT_RATE_LIMITED] = { "rate-limited", "rate limited" },
  [NS_VERDICT_SPOOFED_SENDER] = { "spoofed-sender", "spoofed sender" },
  [NS_VERDICT_STORE_FAILURE] = { "store-failure", "store failure" },
  [NS_VERDICT_MALFORMED] = { "malformed", "malformed message" },
};

const char *
ns_verdict_to_string (NsVerdict verdict)
{
  if ((guint) verdict >= NS_VERDICT_N_VALUES)
    return "unknown";
  return verdicts[verdict].text;
}

const char *
ns_verdict_to_nick (NsVerdict verdict)
{
  if ((guint) verdict >= NS_VERDICT_N_VALUES)
    return "unknown";
  return verdicts[verdict].nick;
}

gboolean
ns_verdict_from_nick (const char *nick, NsVerdict *ret_verdict)
{
  for (guint i = 0; nick != NULL && i < NS_VERDICT_N_VALUES; i++) {
    if (strcmp (nick, verdicts[i].nick) == 0) {
      if (ret_verdict != NULL)
        *ret_verdict = (NsVerdict) i;
      return TRUE;
    }
  }
  return FALSE;
}

/* ---- names and globs ---------------------------------------------------- */

char *
ns_name_normalize (const char *name)
{
  g_autofree char *valid = g_utf8_make_valid (name != NULL ? name : "", -1);
  gsize len = strlen (valid);

  /* NetBIOS names are padded with spaces to 15 bytes (MS-NBTE §1.8);
   * "ALICE" and "ALICE          " are the same name. */
  while (len > 0 && valid[len - 1] == ' ')
    len--;
  /* MS-MSRP compares names upper-cased (CompareName, §2.2.2.1). */
  return g_utf8_strup (valid, (gssize) len);
}

static gboolean
glob_match_chars (const gunichar *pat, glong plen, const gunichar *name, glong nlen)
{
  glong p = 0, n = 0, star_p = -1, star_n = 0;

  /* Greedy match that remembers only the last '*': when a later literal
   * fails, the last star absorbs one more character. That is enough for
   * '*'/'?' globs and bounds the work by plen * nlen. */
  while (n < nlen) {
    if (p < plen && pat[p] != '*' && (pat[p] == '?' || pat[p] == name[n])) {
      p++;
      n++;
    } else if (p < plen && pat[p] == '*') {
      star_p = p++;
      star_n = n;
    } else if (star_p >= 0) {
      p = star_p + 1;
      n = ++star_n;
    } else {
      return FALSE;
    }
  }
  while (p < plen && pat[p] == '*')
    p++;
  return p == plen;
}

static gboolean
validate_name_text (const char *text, const char **ret_problem)
{
  if (*text == '\0') {
    *ret_problem = "is empty";
    return FALSE;
  }
  if (strlen (text) > NS_NAME_GLOB_MAX_BYTES) {
    *ret_problem = "is longer than 256 bytes";
    return FALSE;
  }
  if (!g_utf8_validate (text, -1, NULL)) {
    *ret_problem = "is not valid UTF-8";
    return FALSE;
  }
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p)) {
    if (g_unichar_iscntrl (g_utf8_get_char (p))) {
      *ret_problem = "contains a control character";
      return FALSE;
    }
  }
  return TRUE;
}

NsNameGlob *
ns_name_glob_new (const char *pattern, GError **error)
{
  g_autoptr (NsNameGlob) glob = NULL;
  const char *problem = NULL;

  g_return_val_if_fail (pattern != NULL, NULL);

  if (!validate_name_text (pattern, &problem)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "name pattern %s", problem);
    return NULL;
  }
  glob = g_new0 (NsNameGlob, 1);
  glob->pattern = ns_name_normalize (pattern);
  glob->chars = g_utf8_to_ucs4_fast (glob->pattern, -1, &glob->n_chars);
  return g_steal_pointer (&glob);
}

void
ns_name_glob_free (NsNameGlob *glob)
{
  if (glob == NULL)
    return;
  g_free (glob->pattern);
  g_free (glob->chars);
  g_free (glob);
}

const char *
ns_name_glob_get_pattern (const NsNameGlob *glob)
{
  g_return_val_if_fail (glob != NULL, NULL);
  return glob->pattern;
}

gboolean
ns_name_glob_match (const NsNameGlob *glob, const char *name)
{
  g_autofree char *norm = NULL;
  g_autofree gunichar *chars = NULL;
  glong n = 0;

  g_return_val_if_fail (glob != NULL, FALSE);
  norm = ns_name_normalize (name);
  chars = g_utf8_to_ucs4_fast (norm, -1, &n);
  return glob_match_chars (glob->chars, glob->n_chars, chars, n);
}

/* Matches a name already converted with ns_name_normalize + to UCS-4
 * against every glob of @globs. */
static gboolean
any_glob_matches (GPtrArray *globs, const gunichar *name, glong n)
{
  for (guint i = 0; i < globs->len; i++) {
    const NsNameGlob *g = g_ptr_array_index (globs, i);

    if (glob_match_chars (g->chars, g->n_chars, name, n))
      return TRUE;
  }
  return FALSE;
}

/* ---- addresses ---------------------------------------------------------- */

GInetAddress *
ns_inet_address_unmap (GInetAddress *address)
{
  const guint8 *b;
  static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  g_return_val_if_fail (G_IS_INET_ADDRESS (address), NULL);

  if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
    return g_object_ref (address);
  /* RFC 4291 §2.5.5.2: ::ffff:0:0/96 carries an IPv4 address. */
  b = g_inet_address_to_bytes (address);
  if (memcmp (b, prefix, sizeof prefix) != 0)
    return g_object_ref (address);
  return g_inet_address_new_from_bytes (b + 12, G_SOCKET_FAMILY_IPV4);
}

/* Parses "ADDRESS[/PREFIX]" into a mask, or says why it is not one. The
 * prefix is checked here: GLib's own string parser warns (a fatal warning
 * under G_DEBUG) on a prefix longer than the address. */
static GInetAddressMask *
parse_cidr (const char *entry, char **ret_problem)
{
  g_auto (GStrv) parts = g_strsplit (entry, "/", 2);
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (parts[0]);
  GInetAddressMask *mask;
  guint max_len;
  guint64 len;

  if (addr == NULL) {
    *ret_problem = g_strdup ("bad address");
    return NULL;
  }
  max_len = (guint) g_inet_address_get_native_size (addr) * 8;
  len = max_len;
  if (parts[1] != NULL &&
      (!g_ascii_isdigit (parts[1][0]) ||
       !g_ascii_string_to_unsigned (parts[1], 10, 0, max_len, &len, NULL))) {
    *ret_problem = g_strdup_printf ("prefix length must be 0-%u", max_len);
    return NULL;
  }
  mask = g_inet_address_mask_new (addr, (guint) len, NULL);
  if (mask == NULL)
    *ret_problem = g_strdup_printf ("address has bits set beyond the /%u prefix", (guint) len);
  return mask;
}

static gboolean
parse_cidrs (const char *key, const char *const *cidrs, GPtrArray **ret, GError **error)
{
  g_autoptr (GPtrArray) masks = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; cidrs != NULL && cidrs[i] != NULL; i++) {
    g_autofree char *entry = g_strstrip (g_strdup (cidrs[i]));
    g_autoptr (GInetAddressMask) mask = NULL;
    g_autofree char *why = NULL;

    if (*entry == '\0') {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s: entry %u is empty", key, i + 1);
      return FALSE;
    }
    mask = parse_cidr (entry, &why);
    if (mask == NULL) {
      g_autofree char *shown = g_strescape (entry, NULL);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s: '%s' is not a CIDR (%s)", key, shown, why);
      return FALSE;
    }
    g_ptr_array_add (masks, g_steal_pointer (&mask));
  }
  *ret = g_steal_pointer (&masks);
  return TRUE;
}

static gboolean
parse_globs (const char *key, const char *const *globs, GPtrArray **ret, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_name_glob_free);

  for (guint i = 0; globs != NULL && globs[i] != NULL; i++) {
    g_autofree char *entry = g_strstrip (g_strdup (globs[i]));
    g_autoptr (GError) local = NULL;
    NsNameGlob *glob = ns_name_glob_new (entry, &local);

    if (glob == NULL) {
      g_autofree char *shown = g_strescape (entry, NULL);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s: '%s' is not a valid name or glob: %s", key, shown, local->message);
      return FALSE;
    }
    g_ptr_array_add (out, glob);
  }
  *ret = g_steal_pointer (&out);
  return TRUE;
}

/* ---- the policy --------------------------------------------------------- */

NsPolicy *
ns_policy_new (void)
{
  NsPolicy *policy = g_new0 (NsPolicy, 1);

  policy->allow = g_ptr_array_new_with_free_func (g_object_unref);
  policy->deny_senders = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_name_glob_free);
  policy->max_message_bytes = NS_POLICY_DEFAULT_MAX_MESSAGE_BYTES;
  return policy;
}

void
ns_policy_free (NsPolicy *policy)
{
  if (policy == NULL)
    return;
  g_clear_pointer (&policy->allow, g_ptr_array_unref);
  g_clear_pointer (&policy->allow_senders, g_ptr_array_unref);
  g_clear_pointer (&policy->deny_senders, g_ptr_array_unref);
  g_clear_pointer (&policy->recipients, g_ptr_array_unref);
  g_free (policy);
}

static void
replace_array (GPtrArray **slot, GPtrArray *with)
{
  g_clear_pointer (slot, g_ptr_array_unref);
  *slot = with;
}

gboolean
ns_policy_set_allow (NsPolicy *policy, const char *const *cidrs, GError **error)
{
  GPtrArray *masks = NULL;

  g_return_val_if_fail (policy != NULL, FALSE);
  if (!parse_cidrs ("allow", cidrs, &masks, error))
    return FALSE;
  replace_array (&policy->allow, masks);
  return TRUE;
}

gboolean
ns_policy_set_allow_senders (NsPolicy *policy, const char *const *globs, GError **error)
{
  GPtrArray *out = NULL;

  g_return_val_if_fail (policy != NULL, FALSE);
  if (globs != NULL && !parse_globs ("allow-senders", globs, &out, error))
    return FALSE;
  replace_array (&policy->allow_senders, out);
  return TRUE;
}

gboolean
ns_policy_set_deny_senders (NsPolicy *policy, const char *const *globs, GError **error)
{
  GPtrArray *out = NULL;

  g_return_val_if_fail (policy != NULL, FALSE);
  if (!parse_globs ("deny-senders", globs, &out, error))
    return FALSE;
  replace_array (&policy->deny_senders, out);
  return TRUE;
}

gboolean
ns_policy_set_recipients (NsPolicy *policy, const char *const *names, GError **error)
{
  GPtrArray *out = NULL;

  g_return_val_if_fail (policy != NULL, FALSE);
  if (names != NULL && !parse_globs ("recipients", names, &out, error))
    return FALSE;
  replace_array (&policy->recipients, out);
  return TRUE;
}

NsPolicy *
ns_policy_new_full (const char *const *allow,
                    const char *const *allow_senders,
                    const char *const *deny_senders,
                    const char *const *recipients,
                    gsize max_message_bytes,
                    GError **error)
{
  g_autoptr (NsPolicy) policy = ns_policy_new ();

  if (!ns_policy_set_allow (policy, allow, error) ||
      !ns_policy_set_allow_senders (policy, allow_senders, error) ||
      !ns_policy_set_deny_senders (policy, deny_senders, error) ||
      !ns_policy_set_recipients (policy, recipients, error))
    return NULL;
  policy->max_message_bytes = max_message_bytes;
  return g_steal_pointer (&policy);
}

void
ns_policy_set_max_message_bytes (NsPolicy *policy, gsize max_bytes)
{
  g_return_if_fail (policy != NULL);
  policy->max_message_bytes = max_bytes;
}

guint
ns_policy_get_n_allow (const NsPolicy *policy)
{
  g_return_val_if_fail (policy != NULL, 0);
  return policy->allow->len;
}

GInetAddressMask *
ns_policy_get_allow (const NsPolicy *policy, guint index)
{
  g_return_val_if_fail (policy != NULL, NULL);
  g_return_val_if_fail (index < policy->allow->len, NULL);
  return g_ptr_array_index (policy->allow, index);
}

gsize
ns_policy_get_max_message_bytes (const NsPolicy *policy)
{
  g_return_val_if_fail (policy != NULL, 0);
  return policy->max_message_bytes;
}

static void
describe_globs (GString *out, const char *key, GPtrArray *globs, const char *if_null)
{
  g_string_append_printf (out, "%s:", key);
  if (globs == NULL)
    g_string_append_printf (out, " %s", if_null);
  else if (globs->len == 0)
    g_string_append (out, " (none)");
  for (guint i = 0; globs != NULL && i < globs->len; i++)
    g_string_append_printf (out, " %s", ((NsNameGlob *) g_ptr_array_index (globs, i))->pattern);
  g_string_append_c (out, '\n');
}

char *
ns_policy_describe (const NsPolicy *policy)
{
  GString *out = g_string_new ("allow:");

  g_return_val_if_fail (policy != NULL, NULL);
  if (policy->allow->len == 0)
    g_string_append (out, " (none: every source is denied)");
  for (guint i = 0; i < policy->allow->len; i++) {
    g_autofree char *s = g_inet_address_mask_to_string (g_ptr_array_index (policy->allow, i));

    g_string_append_printf (out, " %s", s);
  }
  g_string_append_c (out, '\n');
  describe_globs (out, "allow-senders", policy->allow_senders, "(any)");
  describe_globs (out, "deny-senders", policy->deny_senders, "(none)");
  describe_globs (out, "recipients", policy->recipients, "(all our names)");
  g_string_append_printf (out, "max-message-bytes: %" G_GSIZE_FORMAT "\n",
                          policy->max_message_bytes);
  return g_string_free (out, FALSE);
}

static gboolean
source_allowed (const NsPolicy *policy, GInetAddress *source)
{
  g_autoptr (GInetAddress) addr = NULL;

  if (source == NULL)
    return FALSE;
  addr = ns_inet_address_unmap (source);
  for (guint i = 0; i < policy->allow->len; i++) {
    if (g_inet_address_mask_matches (g_ptr_array_index (policy->allow, i), addr))
      return TRUE;
  }
  return FALSE;
}

static gboolean
name_in (GPtrArray *globs, const char *name)
{
  g_autofree char *norm = ns_name_normalize (name);
  glong n = 0;
  g_autofree gunichar *chars = g_utf8_to_ucs4_fast (norm, -1, &n);

  return any_glob_matches (globs, chars, n);
}

static NsVerdict
check (const NsPolicy *policy, const NsInboundMeta *meta)
{
  if (!source_allowed (policy, meta->source))
    return NS_VERDICT_SOURCE_NOT_ALLOWED;
  if (meta->size > policy->max_message_bytes)
    return NS_VERDICT_TOO_LARGE;
  if (policy->recipients != NULL && !name_in (policy->recipients, meta->to))
    return NS_VERDICT_RECIPIENT_NOT_ACCEPTING;
  /* Deny wins: checked before the allow list. */
  if (name_in (policy->deny_senders, meta->from))
    return NS_VERDICT_SENDER_DENIED;
  if (policy->allow_senders != NULL && !name_in (policy->allow_senders, meta->from))
    return NS_VERDICT_SENDER_NOT_ALLOWED;
  return NS_VERDICT_ACCEPTED;
}

NsDecision
ns_policy_check (const NsPolicy *policy, const NsInboundMeta *meta, NsVerdict *ret_reason)
{
  NsVerdict verdict;

  /* A programming error still ends in DENY, never in ALLOW. */
  g_return_val_if_fail (policy != NULL, NS_DECISION_DENY);
  g_return_val_if_fail (meta != NULL, NS_DECISION_DENY);
  verdict = check (policy, meta);
  if (ret_reason != NULL)
    *ret_reason = verdict;
  return verdict == NS_VERDICT_ACCEPTED ? NS_DECISION_ALLOW : NS_DECISION_DENY;
}

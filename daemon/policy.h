/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The receive policy of netsendd: which inbound messages are accepted.
 *
 * Pure: no sockets, no main loop, no clock, no logging. The daemon builds
 * one NsPolicy from [policy] in its configuration and asks it about every
 * reassembled message before the message is stored. Anything the policy
 * does not explicitly allow is denied (STYLE.md practice 15). */

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * NsTransportKind:
 * @NS_TRANSPORT_SMB: SMB message commands on a NetBIOS session (TCP 139/445).
 * @NS_TRANSPORT_MAILSLOT: a `\MAILSLOT\MESSNGR` datagram (UDP 138).
 * @NS_TRANSPORT_RPC: NetrSendMessage over connectionless DCE/RPC (UDP 135).
 *
 * The path a message arrived on.
 */
typedef enum {
  NS_TRANSPORT_SMB,
  NS_TRANSPORT_MAILSLOT,
  NS_TRANSPORT_RPC,
} NsTransportKind;

/* "smb", "mailslot", "rpc" (stable: stored in the inbox and in JSON). */
const char *ns_transport_kind_to_string (NsTransportKind kind);
gboolean ns_transport_kind_from_string (const char *str, NsTransportKind *ret_kind);

/**
 * NsVerdict:
 * @NS_VERDICT_ACCEPTED: the message passes every check.
 * @NS_VERDICT_SOURCE_NOT_ALLOWED: the source address matches no `allow` CIDR.
 * @NS_VERDICT_SENDER_DENIED: the sender name matches a `deny-senders` glob.
 * @NS_VERDICT_SENDER_NOT_ALLOWED: `allow-senders` is set and matches nothing.
 * @NS_VERDICT_RECIPIENT_NOT_ACCEPTING: the To name is not in `recipients`.
 * @NS_VERDICT_TOO_LARGE: the text is longer than `max-message-bytes`.
 * @NS_VERDICT_RATE_LIMITED: refused by a rate limit (ratelimit.h).
 * @NS_VERDICT_SPOOFED_SENDER: `verify-sender` found the sender name is not
 *   registered at the source address.
 * @NS_VERDICT_STORE_FAILURE: accepted by policy but the inbox could not
 *   store it (disk full, broken database).
 * @NS_VERDICT_MALFORMED: the message could not be decoded.
 *
 * Why a message was accepted or refused. ns_policy_check() produces the
 * first five denials; the daemon sets the others.
 */
typedef enum {
  NS_VERDICT_ACCEPTED,
  NS_VERDICT_SOURCE_NOT_ALLOWED,
  NS_VERDICT_SENDER_DENIED,
  NS_VERDICT_SENDER_NOT_ALLOWED,
  NS_VERDICT_RECIPIENT_NOT_ACCEPTING,
  NS_VERDICT_TOO_LARGE,
  NS_VERDICT_RATE_LIMITED,
  NS_VERDICT_SPOOFED_SENDER,
  NS_VERDICT_STORE_FAILURE,
  NS_VERDICT_MALFORMED,
  NS_VERDICT_N_VALUES, /*< skip >*/
} NsVerdict;

/* Human text for logs: "source not allowed", "sender denied", ... */
const char *ns_verdict_to_string (NsVerdict verdict);
/* Stable token for the store, JSON and D-Bus: "accepted",
 * "source-not-allowed", ... */
const char *ns_verdict_to_nick (NsVerdict verdict);
gboolean ns_verdict_from_nick (const char *nick, NsVerdict *ret_verdict);

typedef enum {
  NS_DECISION_DENY,
  NS_DECISION_ALLOW,
} NsDecision;

/**
 * NsInboundMeta:
 * @transport: the path the message arrived on.
 * @source: (nullable): the peer address; %NULL is never allowed.
 * @port: the peer port.
 * @from: (nullable): the sender name as decoded (UTF-8); %NULL is "".
 * @to: (nullable): the recipient name as decoded (UTF-8); %NULL is "".
 * @size: the length of the message text in bytes as received (before
 *   code-page conversion).
 *
 * What the policy sees of a message. The daemon fills it on the stack; the
 * policy keeps no reference.
 */
typedef struct {
  NsTransportKind transport;
  GInetAddress *source;
  guint16 port;
  const char *from;
  const char *to;
  gsize size;
} NsInboundMeta;

/* Windows displays at most 4,095 characters (MS-MSRP notes <24>, <26>). */
#define NS_POLICY_DEFAULT_MAX_MESSAGE_BYTES 4095

/* Longest sender/recipient glob we accept; NetBIOS names are 15 bytes, but
 * senders such as "PowerChute@NETCOMP1" are free text. */
#define NS_NAME_GLOB_MAX_BYTES 256

/* A case-insensitive glob over names: '*' matches any run of characters,
 * '?' exactly one; everything else is literal. Matching is linear-time in
 * practice (greedy with one backtrack point), so hostile patterns or names
 * cannot make it slow. */
typedef struct _NsNameGlob NsNameGlob;

NsNameGlob *ns_name_glob_new (const char *pattern, GError **error);
void ns_name_glob_free (NsNameGlob *glob);
gboolean ns_name_glob_match (const NsNameGlob *glob, const char *name);
/* The pattern in normalised (upper-cased) form. */
const char *ns_name_glob_get_pattern (const NsNameGlob *glob);

/* The form names are compared in: valid UTF-8 (invalid bytes replaced),
 * trailing spaces (NetBIOS padding) removed, upper-cased. NULL gives "". */
char *ns_name_normalize (const char *name);

/* IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, as a dual-stack socket
 * reports IPv4 peers) become the IPv4 address; anything else is returned
 * with a new reference. */
GInetAddress *ns_inet_address_unmap (GInetAddress *address);

typedef struct _NsPolicy NsPolicy;

/* A new policy denies everything: no source is allowed, any sender and
 * recipient would be, the size cap is NS_POLICY_DEFAULT_MAX_MESSAGE_BYTES. */
NsPolicy *ns_policy_new (void);
void ns_policy_free (NsPolicy *policy);

/* Each setter parses its whole list or, on error, leaves the policy as it
 * was; the error (G_IO_ERROR_INVALID_ARGUMENT) names the key and the bad
 * entry, e.g. "allow: '10.0.0.300/8' is not a CIDR". Entries are trimmed. */

/* CIDRs ("10.0.0.0/8", "fe80::/10") or single addresses ("127.0.0.1").
 * An empty list allows no source. The caller supplies the default (the
 * subnets of the configured interfaces plus loopback). */
gboolean ns_policy_set_allow (NsPolicy *policy, const char *const *cidrs, GError **error);
/* Sender globs. %NULL: any sender (the key is absent); an empty list: no
 * sender. */
gboolean ns_policy_set_allow_senders (NsPolicy *policy, const char *const *globs, GError **error);
/* Sender globs that are always refused; they win over allow-senders.
 * %NULL or empty: none. */
gboolean ns_policy_set_deny_senders (NsPolicy *policy, const char *const *globs, GError **error);
/* Which of our names accept messages (globs allowed). %NULL: every name
 * the daemon receives for; an empty list: none. */
gboolean ns_policy_set_recipients (NsPolicy *policy, const char *const *names, GError **error);
void ns_policy_set_max_message_bytes (NsPolicy *policy, gsize max_bytes);

/* All of the above at once, with their meanings of %NULL: a convenience
 * for the daemon, which has the lists from [policy]. @allow must be the
 * final list (the caller substitutes its default for an absent key). */
NsPolicy *ns_policy_new_full (const char *const *allow,
                              const char *const *allow_senders,
                              const char *const *deny_senders,
                              const char *const *recipients,
                              gsize max_message_bytes,
                              GError **error);

guint ns_policy_get_n_allow (const NsPolicy *policy);
/* (transfer none) */
GInetAddressMask *ns_policy_get_allow (const NsPolicy *policy, guint index);
gsize ns_policy_get_max_message_bytes (const NsPolicy *policy);

/* A readable one-line-per-rule dump for --check-config and logs. */
char *ns_policy_describe (const NsPolicy *policy);

/* Checks, in order: source address, size, recipient, deny-senders,
 * allow-senders. The first failing check is the reason. @ret_reason
 * (optional) gets NS_VERDICT_ACCEPTED on ALLOW. */
NsDecision ns_policy_check (const NsPolicy *policy,
                            const NsInboundMeta *meta,
                            NsVerdict *ret_reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsNameGlob, ns_name_glob_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsPolicy, ns_policy_free)

G_END_DECLS
